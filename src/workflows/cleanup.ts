// The daily cleanup (`cleanup` Schedule, 02:00 SCHEDULER_TIMEZONE, maintenance task queue):
// expires invitations past `expiresAt` and cancels their reminders, deletes old tokens, resets
// soft-bounce counts, prunes old run reports. Each phase walks its collection page by page in
// `_id` order: one activity plans where the next pages end (one sorted read of `_id`s), then one
// activity per page works on its `_id` range; after `maxPagesPerRun` pages (or when Temporal suggests it)
// the workflow continues as new with its position and counts, so its history stays small
// whatever the size of the database. Ends with a run report (job `cleanup`).
import { ApplicationFailure, continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  addCleanupCounts, CLEANUP_PHASES, cleanupInputProblem, DEFAULT_CLEANUP_PAGE_SIZE, DEFAULT_CLEANUP_PAGES_PER_RUN, emptyCleanupCounts, totalCleaned,
  type CleanupCounts, type CleanupPhase,
} from '../domain/cleanup';
import { CLEANUP } from '../domain/jobs';

const { cleanupPlan, cleanupPage } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  // About ten minutes of attempts, then the run fails with a report; tomorrow's run starts over.
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 12 },
});
const { recordRunReport } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export interface CleanupInput {
  /** Documents per page (per activity). Default 1,000. */
  pageSize?: number;
  /** Pages per workflow run before continue-as-new. Default 400. */
  maxPagesPerRun?: number;
  // Carried over by continue-as-new (a Schedule starts it with none of these):
  /** Reference time of the whole cleanup (epoch ms), fixed at the first run. */
  now?: number;
  startedAt?: number;
  phase?: CleanupPhase;
  after?: string;
  counts?: CleanupCounts;
  pages?: number;
  /** Workflow runs before this one. */
  runsBefore?: number;
}

export interface CleanupResult extends CleanupCounts {
  pages: number;
  /** Workflow runs the cleanup took (1 + continue-as-new count). */
  runs: number;
  durationMs: number;
}

export async function cleanupWorkflow(input: CleanupInput = {}): Promise<CleanupResult> {
  const problem = cleanupInputProblem(input);
  if (problem) throw ApplicationFailure.nonRetryable(`cleanupWorkflow input: ${problem}`, 'InvalidInput');
  const pageSize = input.pageSize ?? DEFAULT_CLEANUP_PAGE_SIZE;
  const maxPagesPerRun = input.maxPagesPerRun ?? DEFAULT_CLEANUP_PAGES_PER_RUN;
  const startedAt = input.startedAt ?? Date.now();
  const now = input.now ?? startedAt;
  let counts = input.counts ?? emptyCleanupCounts();
  let pages = input.pages ?? 0;
  let pagesThisRun = 0;
  const runs = (input.runsBefore ?? 0) + 1;

  let resumeAt: { phase: CleanupPhase; after?: string } | undefined;
  try {
    const first = Math.max(0, CLEANUP_PHASES.indexOf(input.phase ?? CLEANUP_PHASES[0]));
    phases: for (const phase of CLEANUP_PHASES.slice(first)) {
      let after = phase === input.phase ? input.after : undefined;
      for (;;) {
        const budget = maxPagesPerRun - pagesThisRun;
        if (budget <= 0 || workflowInfo().continueAsNewSuggested) {
          resumeAt = { phase, after };
          break phases;
        }
        const plan = await cleanupPlan({ phase, after, pageSize, pages: budget });
        for (const upTo of plan.bounds) {
          const page = await cleanupPage({ phase, after, upTo, now });
          counts = addCleanupCounts(counts, page.counts);
          pages += 1;
          pagesThisRun += 1;
          after = upTo;
        }
        if (plan.exhausted) break;
      }
    }
  } catch (error) {
    await report('failed', startedAt, counts, pages, describeError(error));
    throw error;
  }
  if (resumeAt) {
    // Outside the try: continue-as-new works by throwing, and it is not a failure.
    return continueAsNew<typeof cleanupWorkflow>({ pageSize, maxPagesPerRun, now, startedAt, ...resumeAt, counts, pages, runsBefore: runs });
  }
  const durationMs = Date.now() - startedAt;
  await report('completed', startedAt, counts, pages);
  return { ...counts, pages, runs, durationMs };
}

/** "Activity task failed: database unreachable": the failure and its causes, as one line. */
function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error && parts.length < 5; e = e.cause) parts.push(e.message);
  return parts.length ? parts.join(': ') : String(error);
}

async function report(status: 'completed' | 'failed', startedAt: number, counts: CleanupCounts, pages: number, error?: string): Promise<void> {
  const info = workflowInfo();
  const finishedAt = Date.now();
  const cleaned = totalCleaned(counts);
  await recordRunReport({
    job: CLEANUP.job, workflowId: info.workflowId, runId: info.runId, status,
    startedAt, finishedAt, durationMs: finishedAt - startedAt,
    itemsProcessed: cleaned, itemsSucceeded: status === 'completed' ? cleaned : 0, itemsFailed: 0,
    stats: { ...counts, pages }, ...(error ? { error } : {}),
  });
}
