// A one-off task: sleeps on a durable timer until its instant, then runs its action once, as an
// activity with a retry policy (jittered backoff) and a start-to-close timeout, on the `tasks`
// queue whose worker caps concurrent actions (TASKS_MAX_CONCURRENT). A reschedule signal moves
// the timer; a cancel signal (or a Temporal cancel from the Web UI) ends it before it fires. The
// claim activity settles a race between the timer and an operator in the database.
import {
  ActivityFailure, CancellationScope, condition, isCancellation, proxyActivities, setHandler, sleep, workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { TaskActionResult } from '../activities/tasks';
import { TASK_JOB } from '../domain/tasks';
import {
  cancelTaskSignal, rescheduleTaskSignal, taskStateQuery,
  type OneOffTaskInput, type OneOffTaskPhase, type OneOffTaskResult,
} from './task-messages';

const bookkeeping = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

function failureMessage(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return failureMessage(error.cause);
  if (error instanceof Error) return error.message;
  return String(error);
}

export async function oneOffTaskWorkflow(input: OneOffTaskInput): Promise<OneOffTaskResult> {
  const { taskId, policy } = input;
  let target = { runAt: input.runAt, revision: input.revision };
  let phase: OneOffTaskPhase = 'waiting';
  let cancelReason: string | undefined;
  let moved = false;

  setHandler(rescheduleTaskSignal, ({ runAt, revision }) => {
    if (revision <= target.revision) return; // a late or repeated signal changes nothing
    target = { runAt, revision };
    moved = true;
  });
  setHandler(cancelTaskSignal, ({ reason }) => {
    cancelReason ??= reason;
  });
  setHandler(taskStateQuery, () => ({ taskId, phase, runAt: target.runAt, revision: target.revision }));

  const cancelled = async (reason: string): Promise<OneOffTaskResult> => {
    await CancellationScope.nonCancellable(() => bookkeeping.markTaskCancelled({ taskId, reason }));
    phase = 'cancelled';
    return { taskId, status: 'cancelled' };
  };

  // Wait for the instant (it may move), then claim the task in the database.
  let startedAt: number;
  try {
    for (;;) {
      if (cancelReason !== undefined) return await cancelled(cancelReason);
      const wait = target.runAt - Date.now();
      if (wait > 0) {
        moved = false;
        await condition(() => moved || cancelReason !== undefined, wait);
        continue;
      }
      const claim = await bookkeeping.claimTask({ taskId, revision: target.revision });
      if (claim.outcome === 'claimed') {
        startedAt = claim.startedAt;
        break;
      }
      if (claim.outcome === 'cancelled') {
        phase = 'cancelled';
        return { taskId, status: 'cancelled' };
      }
      if (claim.outcome === 'rescheduled') {
        // Moved in the database; its signal may still be on its way.
        if (claim.revision > target.revision) target = { runAt: claim.runAt, revision: claim.revision };
        else await sleep('1 second'); // cannot happen (revisions only grow); never spin on it
        continue;
      }
      phase = 'gone';
      return { taskId, status: 'gone', error: `task is ${claim.status ?? 'not in the database'}` };
    }
  } catch (error) {
    if (isCancellation(error)) return cancelled('workflow cancelled');
    throw error;
  }

  // It fired: from here on it runs to the end, a cancel no longer applies.
  phase = 'running';
  const { runTaskAction } = proxyActivities<Activities>({
    startToCloseTimeout: `${policy.timeoutSeconds + 10} seconds`,
    retry: {
      maximumAttempts: policy.maxAttempts,
      initialInterval: `${policy.initialRetrySeconds} seconds`,
      backoffCoefficient: 2,
      maximumInterval: `${policy.maxRetrySeconds} seconds`,
      nonRetryableErrorTypes: ['HttpClientError', 'SmtpPermanent', 'TaskNotFound'],
    },
  });
  let result: TaskActionResult | undefined;
  let error: string | undefined;
  const status = await CancellationScope.nonCancellable(async () => {
    try {
      result = await runTaskAction({ taskId });
    } catch (e) {
      if (!(e instanceof ActivityFailure)) throw e;
      error = failureMessage(e);
    }
    const status = result ? 'succeeded' : 'failed';
    const finishedAt = Date.now();
    const info = workflowInfo();
    await bookkeeping.recordRunReport({
      job: TASK_JOB, workflowId: info.workflowId, runId: info.runId,
      status: result ? 'completed' : 'failed',
      startedAt, finishedAt, durationMs: Math.max(0, finishedAt - startedAt),
      itemsProcessed: 1, itemsSucceeded: result ? 1 : 0, itemsFailed: result ? 0 : 1,
      stats: { taskId, scheduledFor: new Date(target.runAt).toISOString(), revision: target.revision, ...(result ? { summary: result.summary } : {}) },
      ...(error ? { error } : {}),
    });
    // Last, so a task that reads succeeded or failed has its run report already.
    await bookkeeping.finishTask({ taskId, status, ...(result ? { result } : {}), ...(error ? { error } : {}) });
    return status;
  });
  phase = status;
  return { taskId, status, ...(error ? { error } : {}) };
}
