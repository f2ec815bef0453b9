// The monthly invitation cycle.
//   scheduledInvitationCycleWorkflow  started by the `monthly-invitations` Schedule: works out the
//                                     month and runs the cycle of that month as a child;
//   invitationCycleWorkflow           `cycle-YYYY-MM`: splits the active users into chunks and runs
//                                     a child per chunk, two at a time; records the run report;
//   invitationChunkWorkflow           one chunk: creates its invitations page by page, then sends
//                                     them in batches through a bounded window of activities.
// Children keep every history to a few hundred events, at 100,000 invitations as at 1,000,000.
import {
  condition, executeChild, ParentClosePolicy, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import {
  addStats, emptyStats, USERS_PER_CHUNK_BATCHES,
  type CyclePhase, type CycleProgress, type CycleStats, type CycleTuning, type UserRange,
} from '../domain/cycle';
import { cycleChunkWorkflowId, cycleWorkflowId, MONTHLY_INVITATIONS } from '../domain/jobs';
import { assertMonth, monthOf } from '../domain/month';
import { JOB_KEY, MONTH_KEY, SCHEDULED_START_TIME_KEY } from '../domain/search-attributes';
import { cycleProgressQuery } from './cycle-messages';

const db = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface CycleInput { month: string; tuning: CycleTuning }
export interface ChunkInput extends CycleInput { range: UserRange; runKey: string }

/** Runs `work` over `items` with at most `limit` in flight (a sliding window, not waves). */
async function inWindow<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}

export async function invitationChunkWorkflow(input: ChunkInput): Promise<CycleStats> {
  const { month, range, tuning, runKey } = input;
  let stats = emptyStats();
  let phase: CyclePhase = 'creating';
  setHandler(cycleProgressQuery, (): CycleProgress => ({ month, phase, chunksTotal: 1, chunksDone: phase === 'done' ? 1 : 0, stats }));

  const { sendInvitationBatch } = proxyActivities<Activities>({
    startToCloseTimeout: tuning.activityTimeoutMs,
    // A batch heartbeats every few mails: a dead worker's batch is retried within seconds.
    heartbeatTimeout: '15 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', nonRetryableErrorTypes: ['InvalidInput'] },
  });

  // Creation feeds a queue of send batches that `concurrency` lanes drain meanwhile, so the
  // SMTP pool is busy while the next page of invitations is being created.
  const queue: string[][] = [];
  let creating = true;
  const lane = async () => {
    for (;;) {
      await condition(() => queue.length > 0 || !creating);
      const invitationIds = queue.shift();
      if (!invitationIds) return;
      const sent = await sendInvitationBatch({ month, invitationIds, runKey });
      stats = addStats(stats, sent); // live progress; sent/failed/unconfirmed are recounted at the end
    }
  };
  const lanes = Array.from({ length: Math.max(1, tuning.concurrency) }, lane);

  let afterUserId = range.afterUserId;
  for (;;) {
    const page = await db.createInvitationsPage({ month, range: { afterUserId, lastUserId: range.lastUserId }, limit: tuning.userBatchSize });
    stats = addStats(stats, { users: page.users, invitationsCreated: page.created });
    for (let i = 0; i < page.invitationIds.length; i += tuning.invitationBatchSize) queue.push(page.invitationIds.slice(i, i + tuning.invitationBatchSize));
    if (page.nextAfterUserId === null) break;
    afterUserId = page.nextAfterUserId;
  }
  creating = false;
  phase = 'sending';
  await Promise.all(lanes);

  const counted = await db.countRunResults({ month, range, runKey });
  stats = { ...stats, ...counted };
  phase = 'done';
  return stats;
}

export async function invitationCycleWorkflow({ month, tuning }: CycleInput): Promise<CycleStats> {
  assertMonth(month);
  const startedAt = Date.now();
  const info = workflowInfo();
  upsertSearchAttributes([{ key: JOB_KEY, value: MONTHLY_INVITATIONS.job }, { key: MONTH_KEY, value: month }]);
  let phase: CyclePhase = 'planning';
  let total = emptyStats();
  let chunksTotal = 0;
  let chunksDone = 0;
  setHandler(cycleProgressQuery, (): CycleProgress => ({ month, phase, chunksTotal, chunksDone, stats: { ...total, durationMs: Date.now() - startedAt } }));

  const plan = await db.planUserChunks({ usersPerChunk: tuning.userBatchSize * USERS_PER_CHUNK_BATCHES });
  chunksTotal = plan.chunks.length;
  phase = 'sending';
  // Two chunks at a time share the configured window, so one chunk creating while the other
  // sends keeps the SMTP pool busy and the total stays within SCHEDULER_MAX_WORKERS.
  const parallelChunks = Math.min(2, tuning.concurrency);
  const perChunk: CycleTuning = { ...tuning, concurrency: Math.max(1, Math.ceil(tuning.concurrency / parallelChunks)) };
  try {
    await inWindow(plan.chunks, parallelChunks, async (range, index) => {
      const chunk = await executeChild(invitationChunkWorkflow, {
        workflowId: cycleChunkWorkflowId(month, index),
        args: [{ month, tuning: perChunk, range, runKey: info.runId }],
        parentClosePolicy: ParentClosePolicy.TERMINATE,
      });
      total = addStats(total, chunk);
      chunksDone += 1;
    });
  } catch (error) {
    await report('failed', startedAt, total, month, String(error));
    throw error;
  }
  phase = 'reporting';
  const stats = { ...total, durationMs: Date.now() - startedAt };
  await report('completed', startedAt, stats, month);
  phase = 'done';
  return stats;
}

async function report(status: 'completed' | 'failed', startedAt: number, stats: CycleStats, month: string, error?: string): Promise<void> {
  const info = workflowInfo();
  const finishedAt = Date.now();
  await db.recordRunReport({
    job: MONTHLY_INVITATIONS.job, workflowId: info.workflowId, runId: info.runId, status, month,
    startedAt, finishedAt, durationMs: finishedAt - startedAt,
    itemsProcessed: stats.sent + stats.failed + stats.unconfirmed, itemsSucceeded: stats.sent, itemsFailed: stats.failed,
    stats: { ...stats }, ...(error ? { error } : {}),
  });
}

export interface ScheduledCycleInput { timezone: string; tuning: CycleTuning }

/**
 * What the Schedule starts. The month is the one of the scheduled time in the Schedule's zone (a
 * backfill of last month's slot runs last month), and the cycle runs under its stable id
 * `cycle-YYYY-MM`: a second trigger in the same month attaches nothing new and sends nothing.
 */
export async function scheduledInvitationCycleWorkflow({ timezone, tuning }: ScheduledCycleInput): Promise<CycleStats | 'already-running'> {
  const scheduledAt = workflowInfo().typedSearchAttributes.get(SCHEDULED_START_TIME_KEY);
  const month = monthOf(scheduledAt ?? new Date(Date.now()), timezone);
  upsertSearchAttributes([{ key: JOB_KEY, value: MONTHLY_INVITATIONS.job }, { key: MONTH_KEY, value: month }]);
  try {
    return await executeChild(invitationCycleWorkflow, {
      workflowId: cycleWorkflowId(month),
      args: [{ month, tuning }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [{ key: JOB_KEY, value: MONTHLY_INVITATIONS.job }, { key: MONTH_KEY, value: month }],
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'already-running';
    throw error;
  }
}
