// The health-check job and the worker's endpoint on the real stack. The SMTP dependency that goes
// down is the test's own mail catcher (ports 18025/18080, never the shared one), the worker is a
// real `metronome worker` process, and the alert webhook a real HTTP server in this test.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../../src/config';
import { startCycle } from '../../src/client/cycle';
import { connectTemporal, type TemporalHandle } from '../../src/client/temporal';
import { closeDatabase, connectDatabase, ensureIndexes } from '../../src/db/connection';
import { getModels } from '../../src/db/models';
import type { AlertWebhookPayload, HealthCheckResult, HealthReport } from '../../src/domain/health';
import { taskQueueName } from '../../src/domain/queues';
import { createLogger } from '../../src/observability/logger';
import { startWorker, type RunningWorker } from '../../src/workers/worker';
import { healthCheckWorkflow } from '../../src/workflows';
import { ensureLocalStack, isolatedConfig, uniqueMonth, uniqueName } from '../helpers/local-stack';
import { waitUntil } from '../helpers/wait';
import { exited } from '../helpers/worker-process';

const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'metronome.js');
const CATCHER = join(ROOT, 'dist', 'src', 'devstack', 'mail-catcher-main.js');
const SMTP_PORT = 18025;
const CATCHER_WEB_PORT = 18080;
const WORKER_PORT = 18464;

const waitFor = <T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> =>
  waitUntil(what, probe, done, { timeoutMs, intervalMs: 250 });

/** Starts the test's own mail catcher and resolves once it says it listens. */
function startCatcher(): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CATCHER, '--smtp-port', String(SMTP_PORT), '--web-port', String(CATCHER_WEB_PORT)], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.once('exit', (code) => reject(new Error(`mail catcher exited with ${code}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve(child);
    });
  });
}

async function readyz(): Promise<{ status: number; body: HealthReport | undefined }> {
  try {
    const response = await fetch(`http://127.0.0.1:${WORKER_PORT}/readyz`);
    return { status: response.status, body: (await response.json()) as HealthReport };
  } catch {
    return { status: 0, body: undefined };
  }
}

describe('health-check job on the real stack', () => {
  let config: AppConfig;
  let db: Connection;
  let temporal: TemporalHandle;
  let worker: RunningWorker | undefined;
  let webhook: Server;
  const received: AlertWebhookPayload[] = [];
  let webhookUrl = '';

  before(async () => {
    await ensureLocalStack();
    webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        received.push(JSON.parse(body) as AlertWebhookPayload);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
    const address = webhook.address();
    webhookUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/alerts`;
    // A generous memory limit: the test process's own size is not what these tests are about.
    config = isolatedConfig('health', { ALERT_WEBHOOK_URL: webhookUrl, SCHEDULER_MAX_MEMORY_MB: '8192' });
    db = await connectDatabase(config.mongodbUri);
    await ensureIndexes(db);
    temporal = await connectTemporal(config);
  });

  after(async () => {
    await worker?.shutdown();
    await temporal?.close();
    await db?.dropDatabase();
    await closeDatabase(db);
    await new Promise((r) => webhook?.close(r));
  });

  function runCheck(): Promise<HealthCheckResult> {
    return temporal.client.workflow.execute(healthCheckWorkflow, {
      taskQueue: taskQueueName(config.temporal.taskQueue, 'maintenance'),
      workflowId: uniqueName('health-check'),
    });
  }

  it('reports every dependency up, no alert, and records its run', async () => {
    worker = await startWorker(config, createLogger('warn'), { queues: ['maintenance'] });
    const result = await runCheck();
    assert.equal(result.status, 'healthy', JSON.stringify(result.health));
    assert.deepEqual(Object.keys(result.health.details), ['mongodb', 'smtp', 'temporal']);
    for (const check of Object.values(result.health.details)) {
      assert.equal(check.status, 'UP');
      assert.ok(check.latencyMs >= 0);
    }
    assert.deepEqual(result.alerts, []);
    assert.equal(result.runs.total, 0);
    assert.ok(result.memory.rssBytes > 0);
    const { RunReport } = getModels(db);
    const reports = await RunReport.find({ job: 'health-check' }).lean();
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.status, 'completed');
    assert.equal(reports[0]!.itemsSucceeded, 3);
  });

  it('alerts on the error rate of recent runs and POSTs the alert to ALERT_WEBHOOK_URL', async () => {
    const { RunReport } = getModels(db);
    const now = Date.now();
    const run = (n: number, status: 'completed' | 'failed') => ({
      key: `wf-${n}/run`, job: 'cleanup', workflowId: `wf-${n}`, runId: 'run', status,
      startedAt: new Date(now - 60_000), finishedAt: new Date(now - 30_000), durationMs: 30_000,
      itemsProcessed: 0, itemsSucceeded: 0, itemsFailed: 0, stats: {},
    });
    // 1 failed of 4 in the last hour, and an old failure outside the window that must not count.
    await RunReport.insertMany([run(1, 'completed'), run(2, 'completed'), run(3, 'failed'), run(4, 'completed'),
      { ...run(5, 'failed'), finishedAt: new Date(now - 2 * 3_600_000) }]);
    const result = await runCheck();
    assert.equal(result.status, 'healthy');
    assert.equal(result.errorRate, 0.25);
    assert.deepEqual(result.alerts.map((a) => a.kind), ['error-rate']);
    assert.equal(result.webhookNotified, true);
    const [delivered] = await waitFor('the webhook POST', () => Promise.resolve(received.filter((p) => p.source !== undefined)), (r) => r.length > 0);
    assert.equal(delivered!.event, 'alerts-triggered');
    assert.deepEqual(delivered!.alerts.map((a) => a.kind), ['error-rate']);
    assert.equal(delivered!.healthData.runs.failed, 1);
    await worker!.shutdown();
    worker = undefined;
  });

  it('alerts on a job running past 75 % of SCHEDULER_MAX_JOB_DURATION_HOURS, found through Temporal visibility', async () => {
    // 0.0005 h = 1.8 s. The cycle waits on the invitations queue, which nobody serves here: it stays running.
    const short = isolatedConfig('health_duration', { SCHEDULER_MAX_JOB_DURATION_HOURS: '0.0005', SCHEDULER_MAX_MEMORY_MB: '8192' });
    const month = uniqueMonth();
    const { handle } = await startCycle(temporal.client, short, month);
    worker = await startWorker(short, createLogger('warn'), { queues: ['maintenance'] });
    try {
      await new Promise((r) => setTimeout(r, 1500)); // 75 % of 1.8 s is 1.35 s
      const result = await temporal.client.workflow.execute(healthCheckWorkflow, {
        taskQueue: taskQueueName(short.temporal.taskQueue, 'maintenance'),
        workflowId: uniqueName('health-check'),
      });
      assert.deepEqual(result.runningJobs.map((j) => [j.workflowId, j.workflowType]), [[`cycle-${month}`, 'invitationCycleWorkflow']], 'only this deployment\'s jobs');
      assert.deepEqual(result.alerts.map((a) => [a.kind, a.subject]), [['job-duration', `cycle-${month}`]]);
    } finally {
      await handle.terminate('test over');
      await worker.shutdown();
      worker = undefined;
      const shortDb = await connectDatabase(short.mongodbUri);
      await shortDb.dropDatabase();
      await closeDatabase(shortDb);
    }
  });
});

describe('a worker process whose SMTP server goes down and comes back', () => {
  let config: AppConfig;
  let temporal: TemporalHandle;
  let catcher: ChildProcess | undefined;
  let workerProcess: ChildProcess | undefined;
  let webhook: Server;
  const received: AlertWebhookPayload[] = [];

  before(async () => {
    await ensureLocalStack();
    webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        received.push(JSON.parse(body) as AlertWebhookPayload);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
    const address = webhook.address();
    const env = {
      ALERT_WEBHOOK_URL: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/alerts`,
      SMTP_URL: `smtp://127.0.0.1:${SMTP_PORT}`,
      WORKER_HTTP_PORT: String(WORKER_PORT),
      SCHEDULER_MAX_MEMORY_MB: '8192',
    };
    config = isolatedConfig('health_down', env);
    catcher = await startCatcher();
    workerProcess = spawn(process.execPath, [BIN, 'worker', '--queues', 'maintenance'], {
      env: { ...process.env, ...env, MONGODB_URI: config.mongodbUri, TEMPORAL_TASK_QUEUE: config.temporal.taskQueue, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    temporal = await connectTemporal(config);
  });

  after(async () => {
    workerProcess?.kill('SIGKILL');
    catcher?.kill('SIGKILL');
    await temporal?.close();
    const db = await connectDatabase(config.mongodbUri);
    await db.dropDatabase();
    await closeDatabase(db);
    await new Promise((r) => webhook?.close(r));
  });

  function runCheck(): Promise<HealthCheckResult> {
    return temporal.client.workflow.execute(healthCheckWorkflow, {
      taskQueue: taskQueueName(config.temporal.taskQueue, 'maintenance'),
      workflowId: uniqueName('health-check'),
    });
  }

  it('turns unhealthy (health-check and /readyz 503), alerts the webhook, then recovers; SIGTERM stops it cleanly', async () => {
    const ready = await waitFor('/readyz 200', readyz, (r) => r.status === 200);
    assert.equal(ready.body!.details.smtp.status, 'UP');
    assert.equal((await fetch(`http://127.0.0.1:${WORKER_PORT}/healthz`)).status, 200);
    assert.equal((await runCheck()).status, 'healthy');
    assert.equal(received.length, 0, 'no alert while healthy');

    // The SMTP server goes away.
    catcher!.kill('SIGTERM');
    await exited(catcher!);
    const notReady = await waitFor('/readyz 503', readyz, (r) => r.status === 503);
    assert.equal(notReady.body!.healthy, false);
    assert.equal(notReady.body!.status, 'unhealthy');
    assert.equal(notReady.body!.details.smtp.status, 'DOWN');
    assert.equal(notReady.body!.details.mongodb.status, 'UP');
    assert.equal((await fetch(`http://127.0.0.1:${WORKER_PORT}/healthz`)).status, 200, 'alive though not ready');
    const sick = await runCheck();
    assert.equal(sick.status, 'unhealthy');
    assert.deepEqual(sick.alerts.map((a) => [a.kind, a.subject]), [['dependency-down', 'smtp']]);
    const [alert] = await waitFor('the webhook POST', () => Promise.resolve(received), (r) => r.length > 0);
    assert.equal(alert!.event, 'alerts-triggered');
    assert.equal(alert!.alerts[0]!.subject, 'smtp');
    assert.match(alert!.alerts[0]!.message, /smtp is down/);

    // It comes back.
    catcher = await startCatcher();
    await waitFor('/readyz 200 again', readyz, (r) => r.status === 200);
    const recovered = await runCheck();
    assert.equal(recovered.status, 'healthy');
    assert.deepEqual(recovered.alerts, []);

    const metrics = await (await fetch(`http://127.0.0.1:${WORKER_PORT}/metrics`)).text();
    assert.match(metrics, /^metronome_dependency_up\{dependency="smtp"\} 1$/m);
    assert.match(metrics, /^metronome_alerts_total\{kind="dependency-down"\} 1$/m);
    assert.match(metrics, /^temporal_\w+/m, 'the Temporal SDK runtime metrics are served too');

    workerProcess!.kill('SIGTERM');
    assert.equal(await exited(workerProcess!), 0, 'a clean exit on SIGTERM');
  });
});

describe('worker command input', () => {
  function metronome(args: string[], env: NodeJS.ProcessEnv = {}) {
    const result = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it('names a bad ALERT_WEBHOOK_URL or WORKER_HTTP_PORT and does not start', () => {
    const run = metronome(['worker'], { ALERT_WEBHOOK_URL: 'hooks.example.com/alerts', WORKER_HTTP_PORT: '99999' });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /ALERT_WEBHOOK_URL="hooks.example.com\/alerts" is not allowed: expected a URL starting with http:\/\/ or https:\/\//);
    assert.match(run.stderr, /WORKER_HTTP_PORT="99999" is not allowed: expected a whole number from 0 to 65535/);
  });

  it('names WORKER_HTTP_PORT when the port is taken', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, r));
    const address = busy.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const run = metronome(['worker', '--queues', 'maintenance'], { WORKER_HTTP_PORT: String(port), TEMPORAL_TASK_QUEUE: uniqueName('busy') });
      assert.equal(run.code, 1);
      assert.match(run.stderr, new RegExp(`WORKER_HTTP_PORT=${port}: cannot listen .*EADDRINUSE`));
    } finally {
      await new Promise((r) => busy.close(r));
    }
  });

  it('refuses an unknown --queues family, naming it and listing the valid ones', () => {
    const run = metronome(['worker', '--queues', 'invitations,reminders']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /--queues: unknown queue family "reminders"; valid: invitations, maintenance, tasks, imports, jobs/);
    assert.doesNotMatch(run.stderr, /at .*\.js:\d+/, 'no stack trace');
  });

  it('lists the families with their task queues', () => {
    const run = metronome(['worker', '--list', '--json'], { TEMPORAL_TASK_QUEUE: 'acme' });
    assert.equal(run.code, 0, run.stderr);
    const rows = JSON.parse(run.stdout) as { family: string; taskQueue: string; description: string }[];
    assert.deepEqual(rows.map((r) => [r.family, r.taskQueue]), [['invitations', 'acme'], ['maintenance', 'acme-maintenance'], ['tasks', 'acme-tasks'], ['imports', 'acme-imports'], ['jobs', 'acme-jobs']]);
    assert.ok(rows.every((r) => r.description.length > 0));
  });
});
