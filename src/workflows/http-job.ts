// One run of a job registered over the HTTP API (seed 002): read the registry entry, POST the
// JobContext to the owning service (timeout and retries with exponential backoff from the job's
// registration, as a Temporal retry policy), and record the JobResult as a run report.
// Started by the job's Schedule (triggeredBy "scheduler") or directly by a manual trigger.
import { ActivityFailure, ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { httpJobReportName, type HttpJobRunInput, type JobResult } from '../domain/http-jobs';

const registry = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: ['JobNotRegistered', 'EndpointUnresolved'] },
});

export interface HttpJobRunResult extends JobResult {
  status: 'completed' | 'failed';
  executionId: string;
}

function reasonOf(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  if (error instanceof ApplicationFailure || error instanceof Error) return error.message;
  return String(error);
}

export async function httpJobWorkflow(input: HttpJobRunInput): Promise<HttpJobRunResult> {
  const info = workflowInfo();
  const startedAt = Date.now();
  const executionId = info.runId;
  let result: JobResult;
  try {
    const target = await registry.loadHttpJob({ orgId: input.orgId, name: input.name });
    const { callHttpJob } = proxyActivities<Activities>({
      // The activity aborts the request at timeoutMs with a clear message; the margin lets it say so.
      startToCloseTimeout: target.timeoutMs + 5_000,
      retry: {
        initialInterval: '1 second',
        backoffCoefficient: 2,
        maximumInterval: '1 minute',
        maximumAttempts: target.maxRetries + 1,
        nonRetryableErrorTypes: ['MalformedJobResult'],
      },
    });
    result = await callHttpJob({
      url: target.url,
      timeoutMs: target.timeoutMs,
      context: {
        jobName: input.name,
        config: target.config,
        executionId,
        triggeredBy: input.triggeredBy,
        ...(input.triggeredByUser !== undefined && { triggeredByUser: input.triggeredByUser }),
      },
    });
  } catch (error) {
    result = { success: false, itemsProcessed: 0, itemsSucceeded: 0, itemsFailed: 0, error: reasonOf(error) };
  }
  const finishedAt = Date.now();
  const status = result.success ? 'completed' : 'failed';
  await registry.recordRunReport({
    job: httpJobReportName(input.orgId, input.name),
    workflowId: info.workflowId,
    runId: info.runId,
    status,
    startedAt,
    finishedAt,
    durationMs: finishedAt - startedAt,
    itemsProcessed: result.itemsProcessed,
    itemsSucceeded: result.itemsSucceeded,
    itemsFailed: result.itemsFailed,
    stats: {
      executionId,
      ...(input.triggeredByUser !== undefined && { triggeredByUser: input.triggeredByUser }),
      ...(result.metadata !== undefined && { metadata: result.metadata }),
    },
    ...(result.error !== undefined && { error: result.error }),
    orgId: input.orgId,
    triggeredBy: input.triggeredBy,
  });
  return { ...result, status, executionId };
}
