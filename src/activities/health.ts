// Activities of the health-check job (seed 001's five-minute health check):
//   sampleHealth      dependencies, error rate of recent runs, this worker's memory, running jobs;
//   reportAlerts      the structured log events `alerts-triggered` and `high-memory-usage`;
//   postAlertWebhook  POSTs the alerts to ALERT_WEBHOOK_URL (run by alertWebhookWorkflow, retried apart).
import { hostname } from 'node:os';
import { activityInfo, ApplicationFailure } from '@temporalio/activity';
import { getModels } from '../db/models';
import {
  DEPENDENCIES, DURATION_WATCHED_WORKFLOW_TYPES, ERROR_RATE_WINDOW_MS, HEALTH_CHECK,
  type Alert, type AlertThresholds, type AlertWebhookPayload, type HealthCheckResult, type HealthSample, type RunningJob,
} from '../domain/health';
import { QUEUES, taskQueueName } from '../domain/queues';
import { checkDependencies } from '../observability/health';
import { alertsRaised, dependencyUp } from '../observability/metrics';
import type { ActivityDeps } from './deps';

export interface HealthSampleResult {
  sample: HealthSample;
  thresholds: AlertThresholds;
  /** Whether ALERT_WEBHOOK_URL is set (the workflow cannot read the configuration). */
  webhookConfigured: boolean;
  /** Parts of the sample that could not be measured (e.g. runs while MongoDB is down). */
  unavailable: string[];
}

/** Running jobs looked at per check: a deployment has a handful, not hundreds. */
const RUNNING_JOBS_LIMIT = 100;

export function createHealthActivities(deps: ActivityDeps) {
  const { RunReport } = getModels(deps.db);
  const worker = `${hostname()}:${process.pid}`;

  async function recentRuns(now: number): Promise<HealthSample['runs']> {
    const filter = { finishedAt: { $gte: new Date(now - ERROR_RATE_WINDOW_MS) }, job: { $ne: HEALTH_CHECK.job } };
    const [total, failed] = await Promise.all([
      RunReport.collection.countDocuments(filter, { maxTimeMS: 10_000 }),
      RunReport.collection.countDocuments({ ...filter, status: 'failed' }, { maxTimeMS: 10_000 }),
    ]);
    return { total, failed, windowMs: ERROR_RATE_WINDOW_MS };
  }

  async function runningJobs(now: number): Promise<RunningJob[]> {
    // This deployment's task queues only: another deployment (or test) on the namespace is not ours.
    const queues = QUEUES.map((q) => `'${taskQueueName(deps.config.temporal.taskQueue, q)}'`).join(', ');
    const types = DURATION_WATCHED_WORKFLOW_TYPES.map((t) => `'${t}'`).join(', ');
    const query = `ExecutionStatus = 'Running' AND WorkflowType IN (${types}) AND TaskQueue IN (${queues})`;
    const jobs: RunningJob[] = [];
    const self = activityInfo().workflowExecution?.workflowId;
    for await (const wf of deps.temporal.workflow.list({ query, pageSize: RUNNING_JOBS_LIMIT })) {
      if (wf.workflowId === self) continue;
      jobs.push({ workflowId: wf.workflowId, workflowType: wf.type, startedAt: wf.startTime.toISOString(), runningMs: now - wf.startTime.getTime() });
      if (jobs.length >= RUNNING_JOBS_LIMIT) break;
    }
    return jobs;
  }

  return {
    async sampleHealth(): Promise<HealthSampleResult> {
      const now = Date.now();
      const unavailable: string[] = [];
      const health = await checkDependencies(deps);
      for (const name of DEPENDENCIES) dependencyUp.set({ dependency: name }, health.details[name].healthy ? 1 : 0);
      const runs = await recentRuns(now).catch((error: unknown) => {
        unavailable.push(`runs: ${error instanceof Error ? error.message : String(error)}`);
        return { total: 0, failed: 0, windowMs: ERROR_RATE_WINDOW_MS };
      });
      const jobs = await runningJobs(now).catch((error: unknown) => {
        unavailable.push(`running jobs: ${error instanceof Error ? error.message : String(error)}`);
        return [];
      });
      const mem = process.memoryUsage();
      const { alerts, performance } = deps.config;
      return {
        sample: { health, runs, memory: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, heapTotalBytes: mem.heapTotal, worker }, runningJobs: jobs },
        thresholds: { errorRate: alerts.errorRateThreshold, memoryRatio: alerts.memoryThreshold, maxMemoryMb: performance.maxMemoryMb, maxJobDurationHours: performance.maxJobDurationHours },
        webhookConfigured: deps.config.alerts.webhookUrl !== undefined,
        unavailable,
      };
    },

    /** The structured events of seed 001: `alerts-triggered` { alerts, healthData } and `high-memory-usage` { memUsage, usagePercent }. */
    reportAlerts(input: { alerts: Alert[]; healthData: Omit<HealthCheckResult, 'alerts' | 'webhookNotified'>; workflowId: string }): Promise<void> {
      for (const alert of input.alerts) alertsRaised.inc({ kind: alert.kind });
      const memory = input.alerts.find((a) => a.kind === 'memory');
      if (memory) {
        deps.logger.warn({ event: 'high-memory-usage', memUsage: input.healthData.memory, usagePercent: memory.value, worker: memory.subject }, memory.message);
      }
      deps.logger.error({ event: 'alerts-triggered', workflowId: input.workflowId, alerts: input.alerts, healthData: input.healthData }, `${input.alerts.length} alert(s): ${input.alerts.map((a) => a.message).join('; ')}`);
      return Promise.resolve();
    },

    /** One POST; a non-2xx answer or a network error fails the attempt, which Temporal retries with backoff. */
    async postAlertWebhook(payload: AlertWebhookPayload): Promise<{ status: number }> {
      const url = deps.config.alerts.webhookUrl;
      if (!url) return { status: 0 };
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'metronome-health-check' },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(10_000),
        });
      } catch (error) {
        throw ApplicationFailure.retryable(`alert webhook unreachable: ${error instanceof Error ? error.message : String(error)}`, 'AlertWebhookUnreachable');
      }
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw ApplicationFailure.retryable(`alert webhook answered ${response.status}`, 'AlertWebhookRejected');
      deps.logger.info({ event: 'alert-webhook-delivered', status: response.status, alerts: payload.alerts.length }, 'alerts delivered to the webhook');
      return { status: response.status };
    },
  };
}
