// The health-check job (Schedule `health-check`, every 5 minutes, `maintenance` queue family):
// samples the dependencies, the error rate of recent runs, the memory of the worker that runs
// the activity and the running jobs; applies the alert rules of src/domain/health.ts; logs the
// alerts; hands them to alertWebhookWorkflow (an abandoned child with its own retry policy, so a
// slow or dead webhook never blocks or fails this run); records a run report.
import { log, ParentClosePolicy, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { evaluateAlerts, HEALTH_CHECK, type AlertWebhookPayload, type HealthCheckResult } from '../domain/health';

const { sampleHealth, reportAlerts } = proxyActivities<Activities>({
  // Each dependency check has its own 5 s timeout; the visibility and runs queries are bounded.
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 3 },
});

const { recordRunReport } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 5 },
});

/** Webhook delivery: retried with backoff for about an hour (the next health checks raise it again anyway). */
const { postAlertWebhook } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 15 },
});

export async function alertWebhookWorkflow(payload: AlertWebhookPayload): Promise<{ status: number }> {
  return postAlertWebhook(payload);
}

export async function healthCheckWorkflow(): Promise<HealthCheckResult> {
  const info = workflowInfo();
  const startedAt = Date.now();
  const { sample, thresholds, webhookConfigured, unavailable } = await sampleHealth();
  const alerts = evaluateAlerts(sample, thresholds);
  const healthData = {
    status: sample.health.status,
    health: sample.health,
    errorRate: sample.runs.total === 0 ? 0 : sample.runs.failed / sample.runs.total,
    runs: sample.runs,
    memory: sample.memory,
    runningJobs: sample.runningJobs,
  };
  let webhookNotified = false;
  if (alerts.length > 0) {
    await reportAlerts({ alerts, healthData, workflowId: info.workflowId });
    if (webhookConfigured) {
      try {
        await startChild(alertWebhookWorkflow, {
          // From the run id, not the workflow id: unique per run, and what a recorded history replays with.
          workflowId: `alert-webhook-${info.runId}`,
          args: [{ event: 'alerts-triggered', source: info.workflowId, timestamp: new Date(startedAt).toISOString(), alerts, healthData }],
          parentClosePolicy: ParentClosePolicy.ABANDON,
        });
        webhookNotified = true;
      } catch (error) {
        // Already started by an earlier run of this id (a reset): the alert is on its way.
        log.warn('alert webhook workflow not started', { error: error instanceof Error ? error.message : String(error) });
      }
    }
  }
  const result: HealthCheckResult = { ...healthData, alerts, webhookNotified };
  const finishedAt = Date.now();
  try {
    await recordRunReport({
      job: HEALTH_CHECK.job, workflowId: info.workflowId, runId: info.runId, status: 'completed',
      startedAt, finishedAt, durationMs: finishedAt - startedAt,
      itemsProcessed: sample.health.dependencies.total, itemsSucceeded: sample.health.dependencies.up, itemsFailed: sample.health.dependencies.errors,
      stats: { status: result.status, alerts: alerts.map((a) => a.kind), errorRate: result.errorRate, rssBytes: sample.memory.rssBytes, runningJobs: sample.runningJobs.length, unavailable },
    });
  } catch (error) {
    // MongoDB down: the alert above already says so; the check itself has done its job.
    log.warn('health-check run report not recorded', { error: error instanceof Error ? error.message : String(error) });
  }
  return result;
}
