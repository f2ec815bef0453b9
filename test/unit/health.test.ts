// The health-check's alert rules (src/domain/health.ts), its configuration, the worker's
// --queues parsing and the worker HTTP endpoint's answers (a real HTTP server on a free port,
// fed with health reports chosen by the test).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config';
import { UserError } from '../../src/client/output';
import { parseQueues } from '../../src/client/commands/worker';
import {
  errorRate, evaluateAlerts, summarizeHealth,
  type AlertThresholds, type DependencyCheck, type HealthReport, type HealthSample,
} from '../../src/domain/health';
import { startWorkerHttpServer } from '../../src/workers/http';

const up: DependencyCheck = { status: 'UP', healthy: true, latencyMs: 3, detail: 'ok', checkedAt: '2026-01-01T00:00:00.000Z' };
const down: DependencyCheck = { status: 'DOWN', healthy: false, latencyMs: 5000, detail: 'connect ECONNREFUSED 127.0.0.1:18025', checkedAt: '2026-01-01T00:00:00.000Z' };
const NOW = new Date('2026-01-01T00:00:00.000Z');
const MB = 1048576;
const thresholds: AlertThresholds = { errorRate: 0.05, memoryRatio: 0.8, maxMemoryMb: 512, maxJobDurationHours: 1 };

function sample(overrides: Partial<HealthSample> = {}): HealthSample {
  return {
    health: summarizeHealth({ mongodb: up, smtp: up, temporal: up }, NOW),
    runs: { total: 100, failed: 5, windowMs: 3_600_000 },
    memory: { rssBytes: 400 * MB, heapUsedBytes: 100 * MB, heapTotalBytes: 150 * MB, worker: 'host:1' },
    runningJobs: [],
    ...overrides,
  };
}

describe('health rules', () => {
  it('summarizes the checks in seed 000\'s format', () => {
    const healthy = summarizeHealth({ mongodb: up, smtp: up, temporal: up }, NOW);
    assert.deepEqual({ ...healthy, details: undefined }, { healthy: true, status: 'healthy', timestamp: NOW.toISOString(), dependencies: { total: 3, up: 3, errors: 0 }, details: undefined });
    const sick = summarizeHealth({ mongodb: up, smtp: down, temporal: up }, NOW);
    assert.equal(sick.healthy, false);
    assert.equal(sick.status, 'unhealthy');
    assert.deepEqual(sick.dependencies, { total: 3, up: 2, errors: 1 });
  });

  it('computes the error rate, 0 when nothing ran', () => {
    assert.equal(errorRate({ total: 0, failed: 0 }), 0);
    assert.equal(errorRate({ total: 20, failed: 1 }), 0.05);
  });

  it('raises nothing at the thresholds themselves', () => {
    // 5 % errors, 80 % of 512 MB, a job at 75 % of an hour: all exactly at the limit.
    const alerts = evaluateAlerts(sample({
      memory: { rssBytes: 0.8 * 512 * MB, heapUsedBytes: 0, heapTotalBytes: 0, worker: 'host:1' },
      runningJobs: [{ workflowId: 'cycle-2026-01', workflowType: 'invitationCycleWorkflow', startedAt: NOW.toISOString(), runningMs: 45 * 60_000 }],
    }), thresholds);
    assert.deepEqual(alerts, []);
  });

  it('alerts above the error rate threshold', () => {
    const alerts = evaluateAlerts(sample({ runs: { total: 100, failed: 6, windowMs: 3_600_000 } }), thresholds);
    assert.deepEqual(alerts.map((a) => [a.kind, a.value, a.threshold]), [['error-rate', 0.06, 0.05]]);
    assert.match(alerts[0]!.message, /6\.0% \(6 of 100 runs in the last 60 min\) is above 5\.0%/);
  });

  it('alerts above SCHEDULER_MEMORY_ALERT_THRESHOLD × SCHEDULER_MAX_MEMORY_MB', () => {
    const alerts = evaluateAlerts(sample({ memory: { rssBytes: 420 * MB, heapUsedBytes: 0, heapTotalBytes: 0, worker: 'host:7' } }), thresholds);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.kind, 'memory');
    assert.equal(alerts[0]!.subject, 'host:7');
    assert.ok(Math.abs(alerts[0]!.value - 420 / 512) < 1e-9);
  });

  it('alerts on a job past 75 % of SCHEDULER_MAX_JOB_DURATION_HOURS, naming it', () => {
    const alerts = evaluateAlerts(sample({
      runningJobs: [
        { workflowId: 'cycle-2026-01', workflowType: 'invitationCycleWorkflow', startedAt: NOW.toISOString(), runningMs: 46 * 60_000 },
        { workflowId: 'cycle-2026-02', workflowType: 'invitationCycleWorkflow', startedAt: NOW.toISOString(), runningMs: 10 * 60_000 },
      ],
    }), { ...thresholds, maxJobDurationHours: 1 });
    assert.deepEqual(alerts.map((a) => [a.kind, a.subject]), [['job-duration', 'cycle-2026-01']]);
  });

  it('alerts, critically, on each dependency that is down', () => {
    const health = summarizeHealth({ mongodb: down, smtp: down, temporal: up }, NOW);
    const alerts = evaluateAlerts(sample({ health }), thresholds);
    assert.deepEqual(alerts.map((a) => [a.kind, a.subject, a.severity]), [['dependency-down', 'mongodb', 'critical'], ['dependency-down', 'smtp', 'critical']]);
    assert.match(alerts[1]!.message, /smtp is down: connect ECONNREFUSED/);
  });
});

describe('health and worker configuration', () => {
  function problemsFor(env: NodeJS.ProcessEnv): string[] {
    try {
      loadConfig(env);
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.problems;
    }
    assert.fail('expected the configuration to be refused');
  }

  it('defaults: no webhook, worker endpoint on 9464', () => {
    const config = loadConfig({});
    assert.equal(config.alerts.webhookUrl, undefined);
    assert.equal(config.worker.httpPort, 9464);
    assert.equal(loadConfig({ ALERT_WEBHOOK_URL: 'https://hooks.example.com/metronome', WORKER_HTTP_PORT: '0' }).alerts.webhookUrl, 'https://hooks.example.com/metronome');
  });

  it('names a bad ALERT_WEBHOOK_URL or WORKER_HTTP_PORT', () => {
    assert.deepEqual(problemsFor({ ALERT_WEBHOOK_URL: 'ftp://hooks.example.com' }), ['ALERT_WEBHOOK_URL="ftp://hooks.example.com" is not allowed: expected a URL starting with http:// or https://']);
    assert.deepEqual(problemsFor({ ALERT_WEBHOOK_URL: 'not a url' }), ['ALERT_WEBHOOK_URL="not a url" is not allowed: expected a URL starting with http:// or https://']);
    assert.deepEqual(problemsFor({ WORKER_HTTP_PORT: '70000' }), ['WORKER_HTTP_PORT="70000" is not allowed: expected a whole number from 0 to 65535']);
    assert.deepEqual(problemsFor({ WORKER_HTTP_PORT: 'http' }), ['WORKER_HTTP_PORT="http" is not allowed: expected a whole number from 0 to 65535']);
  });

  it('parses --queues, refusing an unknown family by name and listing the valid ones', () => {
    assert.equal(parseQueues(undefined), undefined);
    assert.deepEqual(parseQueues('invitations, maintenance,invitations'), ['invitations', 'maintenance']);
    assert.throws(() => parseQueues('invitations,bogus'), (error: unknown) => error instanceof UserError
      && /--queues: unknown queue family "bogus"; valid: invitations, maintenance, tasks, imports, jobs/.test(error.message));
    assert.throws(() => parseQueues(','), UserError);
  });
});

describe('worker HTTP endpoint', () => {
  const healthy = summarizeHealth({ mongodb: up, smtp: up, temporal: up }, NOW);
  const unhealthy = summarizeHealth({ mongodb: up, smtp: down, temporal: up }, NOW);

  it('answers liveness always, readiness from the dependencies and the shutdown state, and metrics', async () => {
    let report: HealthReport | undefined;
    let shuttingDown = false;
    const server = await startWorkerHttpServer({ port: 0, host: '127.0.0.1', health: () => (report ? Promise.resolve(report) : undefined), shuttingDown: () => shuttingDown });
    const get = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
      return { status: response.status, text: await response.text() };
    };
    const waitCache = () => new Promise((r) => setTimeout(r, 1100));
    try {
      assert.equal((await get('/healthz')).status, 200);
      const starting = await get('/readyz');
      assert.equal(starting.status, 503);
      assert.equal((JSON.parse(starting.text) as { status: string }).status, 'starting');
      report = healthy;
      await waitCache();
      const ready = await get('/readyz');
      assert.equal(ready.status, 200);
      assert.deepEqual(JSON.parse(ready.text), healthy);
      report = unhealthy;
      await waitCache();
      const sick = await get('/readyz');
      assert.equal(sick.status, 503);
      assert.equal((JSON.parse(sick.text) as HealthReport).details.smtp.status, 'DOWN');
      report = healthy;
      shuttingDown = true;
      const draining = await get('/readyz');
      assert.equal(draining.status, 503);
      assert.equal((JSON.parse(draining.text) as { status: string }).status, 'shutting-down');
      assert.equal((await get('/healthz')).status, 200, 'still alive while draining');
      const metrics = await get('/metrics');
      assert.equal(metrics.status, 200);
      assert.match(metrics.text, /^# TYPE metronome_invitations_sent_total counter$/m);
      assert.match(metrics.text, /^# TYPE metronome_invitation_batch_duration_seconds histogram$/m);
      assert.match(metrics.text, /^process_resident_memory_bytes \d+/m);
      assert.equal((await get('/nope')).status, 404);
    } finally {
      await server.close();
    }
  });

  it('names WORKER_HTTP_PORT when the port is taken', async () => {
    const first = await startWorkerHttpServer({ port: 0, host: '127.0.0.1', health: () => undefined, shuttingDown: () => false });
    try {
      await assert.rejects(
        startWorkerHttpServer({ port: first.port, host: '127.0.0.1', health: () => undefined, shuttingDown: () => false }),
        new RegExp(`WORKER_HTTP_PORT=${first.port}: cannot listen on 127\\.0\\.0\\.1:${first.port} \\(EADDRINUSE\\)`),
      );
    } finally {
      await first.close();
    }
  });
});
