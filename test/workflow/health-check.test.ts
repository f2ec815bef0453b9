// The health-check workflow on the time-skipping server with stub activities: which alerts it
// raises from a sample, that it logs them and hands them to the webhook workflow, that a webhook
// failing for ever neither blocks nor fails the health run, and that it always records its run.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { HealthSampleResult } from '../../src/activities';
import type { RunReportInput } from '../../src/activities/reports';
import { summarizeHealth, type Alert, type AlertWebhookPayload, type DependencyCheck, type HealthSample } from '../../src/domain/health';
import { healthCheckWorkflow } from '../../src/workflows';
import { createTimeSkippingEnv, WORKFLOWS_PATH } from '../helpers/time-skipping';

const MB = 1048576;
const up: DependencyCheck = { status: 'UP', healthy: true, latencyMs: 2, detail: 'ok', checkedAt: '2026-01-01T00:00:00.000Z' };
const down: DependencyCheck = { status: 'DOWN', healthy: false, latencyMs: 1, detail: 'connect ECONNREFUSED', checkedAt: '2026-01-01T00:00:00.000Z' };

function sampleResult(sample: Partial<HealthSample>, webhookConfigured: boolean): HealthSampleResult {
  return {
    sample: {
      health: summarizeHealth({ mongodb: up, smtp: up, temporal: up }, new Date('2026-01-01T00:00:00Z')),
      runs: { total: 10, failed: 0, windowMs: 3_600_000 },
      memory: { rssBytes: 100 * MB, heapUsedBytes: 50 * MB, heapTotalBytes: 60 * MB, worker: 'stub:1' },
      runningJobs: [],
      ...sample,
    },
    thresholds: { errorRate: 0.05, memoryRatio: 0.8, maxMemoryMb: 512, maxJobDurationHours: 1 },
    webhookConfigured,
    unavailable: [],
  };
}

interface Recorded { reports: RunReportInput[]; logged: Alert[][]; webhookCalls: AlertWebhookPayload[] }

describe('health-check workflow (time-skipping server, stub activities)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  async function run(name: string, result: HealthSampleResult, webhook: (p: AlertWebhookPayload) => Promise<{ status: number }>, waitForWebhook = false) {
    const recorded: Recorded = { reports: [], logged: [], webhookCalls: [] };
    const taskQueue = `health-${name}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities: {
        sampleHealth: () => Promise.resolve(result),
        reportAlerts: (input: { alerts: Alert[] }) => {
          recorded.logged.push(input.alerts);
          return Promise.resolve();
        },
        postAlertWebhook: (payload: AlertWebhookPayload) => {
          recorded.webhookCalls.push(payload);
          return webhook(payload);
        },
        recordRunReport: (report: RunReportInput) => {
          recorded.reports.push(report);
          return Promise.resolve();
        },
      },
    });
    let webhookWorkflowId = '';
    const out = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(healthCheckWorkflow, { taskQueue, workflowId: `health-check-${name}` });
      webhookWorkflowId = `alert-webhook-${handle.firstExecutionRunId}`;
      const value = await handle.result();
      if (waitForWebhook) await env.client.workflow.getHandle(webhookWorkflowId).result();
      return value;
    });
    return { out, recorded, webhookWorkflowId };
  }

  it('healthy: no alert, no webhook, a completed run report', async () => {
    const { out, recorded } = await run('healthy', sampleResult({}, true), () => Promise.reject(new Error('must not be called')));
    assert.equal(out.status, 'healthy');
    assert.deepEqual(out.alerts, []);
    assert.equal(out.webhookNotified, false);
    assert.deepEqual(recorded.logged, []);
    assert.equal(recorded.webhookCalls.length, 0);
    assert.equal(recorded.reports.length, 1);
    assert.equal(recorded.reports[0]!.job, 'health-check');
    assert.equal(recorded.reports[0]!.status, 'completed');
    assert.equal(recorded.reports[0]!.itemsSucceeded, 3);
  });

  it('raises every rule\'s alert, logs them and delivers them to the webhook (retried until it answers)', async () => {
    let attempts = 0;
    const { out, recorded } = await run('alerts', sampleResult({
      health: summarizeHealth({ mongodb: up, smtp: down, temporal: up }, new Date('2026-01-01T00:00:00Z')),
      runs: { total: 10, failed: 2, windowMs: 3_600_000 },
      memory: { rssBytes: 500 * MB, heapUsedBytes: 0, heapTotalBytes: 0, worker: 'stub:1' },
      runningJobs: [{ workflowId: 'cycle-2026-01', workflowType: 'invitationCycleWorkflow', startedAt: '2026-01-01T00:00:00Z', runningMs: 50 * 60_000 }],
    }, true), () => {
      attempts += 1;
      return attempts < 3 ? Promise.reject(new Error('webhook 502')) : Promise.resolve({ status: 204 });
    }, true);
    assert.equal(out.status, 'unhealthy');
    assert.deepEqual(out.alerts.map((a) => a.kind), ['dependency-down', 'error-rate', 'memory', 'job-duration']);
    assert.equal(out.errorRate, 0.2);
    assert.equal(out.webhookNotified, true);
    assert.deepEqual(recorded.logged.map((alerts) => alerts.length), [4]);
    assert.equal(attempts, 3, 'the webhook was retried until it accepted');
    assert.equal(recorded.webhookCalls[2]!.event, 'alerts-triggered');
    assert.equal(recorded.webhookCalls[2]!.alerts.length, 4);
    assert.equal(recorded.webhookCalls[2]!.source, 'health-check-alerts');
    assert.deepEqual(recorded.reports[0]!.stats.alerts, ['dependency-down', 'error-rate', 'memory', 'job-duration']);
  });

  it('a webhook that always fails neither blocks nor fails the health run', async () => {
    const { out, recorded, webhookWorkflowId } = await run('dead-webhook', sampleResult({ runs: { total: 4, failed: 4, windowMs: 3_600_000 } }, true), () => Promise.reject(new Error('connection refused')));
    assert.equal(out.status, 'healthy');
    assert.deepEqual(out.alerts.map((a) => a.kind), ['error-rate']);
    assert.equal(out.webhookNotified, true);
    assert.equal(recorded.reports.length, 1, 'the run was recorded without waiting for the webhook');
    const child = env.client.workflow.getHandle(webhookWorkflowId);
    assert.equal((await child.describe()).status.name, 'RUNNING', 'the delivery keeps retrying on its own');
    await child.terminate('test over');
  });

  it('without ALERT_WEBHOOK_URL alerts are only logged', async () => {
    const { out, recorded } = await run('no-webhook', sampleResult({ runs: { total: 4, failed: 1, windowMs: 3_600_000 } }, false), () => Promise.reject(new Error('must not be called')));
    assert.equal(out.webhookNotified, false);
    assert.deepEqual(recorded.logged.map((a) => a.map((x) => x.kind)), [['error-rate']]);
    assert.equal(recorded.webhookCalls.length, 0);
  });

  it('a run report that cannot be written does not fail the check', async () => {
    const taskQueue = 'health-no-mongo';
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities: {
        sampleHealth: () => Promise.resolve(sampleResult({ health: summarizeHealth({ mongodb: down, smtp: up, temporal: up }, new Date()) }, false)),
        reportAlerts: () => Promise.resolve(),
        postAlertWebhook: () => Promise.resolve({ status: 200 }),
        recordRunReport: () => Promise.reject(new Error('MongoDB down')),
      },
    });
    const out = await worker.runUntil(env.client.workflow.execute(healthCheckWorkflow, { taskQueue, workflowId: 'health-check-no-mongo' }));
    assert.equal(out.status, 'unhealthy');
    assert.deepEqual(out.alerts.map((a) => a.subject), ['mongodb']);
  });
});
