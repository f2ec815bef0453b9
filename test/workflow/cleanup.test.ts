// The cleanup workflow on the time-skipping server with an isolated page activity: it walks
// every phase page by page, continues as new when its run has done enough pages (resuming
// exactly where it stopped, counts carried over), and leaves one report at the very end.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError } from '@temporalio/client';
import type { RunReportInput } from '../../src/activities/reports';
import { CLEANUP_PHASES, type CleanupPageInput, type CleanupPageResult, type CleanupPhase, type CleanupPlan, type CleanupPlanInput } from '../../src/domain/cleanup';
import { cleanupWorkflow } from '../../src/workflows';
import { createTimeSkippingEnv, WORKFLOWS_PATH } from '../helpers/time-skipping';

/** Fake collections of `size` documents with ids 0, 1, 2…; every document of a page is cleaned. */
const FAKE: Record<CleanupPhase, { size: number; counter: string }> = {
  'expire-invitations': { size: 23, counter: 'expired' },
  'delete-tokens': { size: 23, counter: 'tokensDeleted' },
  'reset-bounces': { size: 7, counter: 'bounceCountsReset' },
  'prune-reports': { size: 0, counter: 'reportsPruned' },
};

function fakePlan({ phase, after, pageSize, pages }: CleanupPlanInput): CleanupPlan {
  const start = after === undefined ? 0 : Number(after) + 1;
  const wanted = pageSize * pages;
  const seen = Math.max(0, Math.min(FAKE[phase].size - start, wanted));
  const bounds: string[] = [];
  for (let k = pageSize; k <= seen; k += pageSize) bounds.push(String(start + k - 1));
  if (seen % pageSize !== 0) bounds.push(String(start + seen - 1));
  return { bounds, exhausted: seen < wanted };
}

function fakePage({ phase, after, upTo }: CleanupPageInput): CleanupPageResult {
  const cleaned = Number(upTo) - (after === undefined ? -1 : Number(after));
  // Every document of the page counts once; expired invitations also had reminders to cancel.
  const counts: Record<string, number> = { [FAKE[phase].counter]: cleaned };
  if (phase === 'expire-invitations') counts.remindersCancelled = 1;
  return { counts };
}

describe('cleanup workflow (time-skipping server, activities isolated)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  async function run(input: Parameters<typeof cleanupWorkflow>[0], page: (input: CleanupPageInput) => CleanupPageResult = fakePage) {
    const calls: CleanupPageInput[] = [];
    const plans: CleanupPlanInput[] = [];
    const reports: RunReportInput[] = [];
    const taskQueue = `cleanup-${Math.random().toString(36).slice(2)}`;
    const worker = await Worker.create({
      connection: env.nativeConnection, taskQueue, workflowsPath: WORKFLOWS_PATH,
      activities: {
        cleanupPlan: (i: CleanupPlanInput) => { plans.push(i); return Promise.resolve(fakePlan(i)); },
        cleanupPage: (i: CleanupPageInput) => { calls.push(i); return Promise.resolve(page(i)); },
        recordRunReport: (r: RunReportInput) => { reports.push(r); return Promise.resolve(); },
      },
    });
    const workflowId = `cleanup-test-${taskQueue}`;
    const outcome = await worker.runUntil(env.client.workflow.execute(cleanupWorkflow, { taskQueue, workflowId, args: [input] }).then(
      (result) => ({ result, error: undefined }),
      (error: unknown) => ({ result: undefined, error }),
    ));
    return { ...outcome, calls, plans, reports, workflowId };
  }

  it('walks every phase page by page and sums the counts', async () => {
    const { result, calls, plans, reports } = await run({ pageSize: 10 });
    assert.deepEqual(calls.map((c) => [c.phase, c.after, c.upTo]), [
      ['expire-invitations', undefined, '9'], ['expire-invitations', '9', '19'], ['expire-invitations', '19', '22'],
      ['delete-tokens', undefined, '9'], ['delete-tokens', '9', '19'], ['delete-tokens', '19', '22'],
      ['reset-bounces', undefined, '6'],
    ]);
    assert.deepEqual(plans.map((p) => [p.phase, p.pageSize, p.pages]), [
      ['expire-invitations', 10, 400], ['delete-tokens', 10, 397], ['reset-bounces', 10, 394], ['prune-reports', 10, 393],
    ], 'one plan per phase for the pages left in the run');
    assert.ok(calls.every((c) => c.now === calls[0]!.now), 'one reference time for the whole cleanup');
    assert.deepEqual(result && { ...result, durationMs: 0 }, {
      expired: 23, remindersCancelled: 3, tokensDeleted: 23, bounceCountsReset: 7, reportsPruned: 0, pages: 7, runs: 1, durationMs: 0,
    });
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.job, 'cleanup');
    assert.equal(reports[0]!.status, 'completed');
    assert.equal(reports[0]!.itemsProcessed, 53);
    assert.deepEqual(reports[0]!.stats, { expired: 23, remindersCancelled: 3, tokensDeleted: 23, bounceCountsReset: 7, reportsPruned: 0, pages: 7 });
  });

  it('continues as new every maxPagesPerRun pages, resuming where it stopped, counts carried over', async () => {
    const { result, calls, reports, workflowId } = await run({ pageSize: 5, maxPagesPerRun: 3 });
    // 5 + 5 + 2 + 0 pages = 12 pages, 3 per run: 4 full runs, and a 5th finds the last phase empty.
    assert.equal(calls.length, 12);
    const expected: [string, string | undefined, string][] = [];
    for (const phase of CLEANUP_PHASES) {
      const size = FAKE[phase].size;
      for (let start = 0; start < size; start += 5) expected.push([phase, start === 0 ? undefined : String(start - 1), String(Math.min(size, start + 5) - 1)]);
    }
    assert.deepEqual(calls.map((c) => [c.phase, c.after, c.upTo]), expected, 'no page skipped or repeated across runs');
    assert.equal(new Set(calls.map((c) => c.now)).size, 1, 'the reference time survives continue-as-new');
    assert.equal(result?.runs, 5);
    assert.equal(result?.pages, 12);
    assert.equal(result?.expired, 23);
    assert.equal(result?.remindersCancelled, 5);
    assert.equal(result?.bounceCountsReset, 7);
    assert.equal(reports.length, 1, 'one report for the whole cleanup, by its last run');
    assert.equal(reports[0]!.workflowId, workflowId);
    assert.equal(reports[0]!.itemsProcessed, 53);
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    assert.ok((history.events?.length ?? 0) < 60, `the last run's history stays small (${history.events?.length})`);
  });

  it('a page that keeps failing fails the run and leaves a failed report with the counts so far', async () => {
    const { error, reports } = await run({ pageSize: 10 }, (input) => {
      if (input.phase === 'reset-bounces') throw new Error('database unreachable');
      return fakePage(input);
    });
    assert.ok(error instanceof WorkflowFailedError, String(error));
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.status, 'failed');
    assert.match(reports[0]!.error ?? '', /database unreachable/);
    assert.equal((reports[0]!.stats as { expired: number }).expired, 23);
  });

  it('refuses a malformed input at once, naming the field, and touches nothing', async () => {
    for (const [input, message] of [
      [{ pageSize: 0 }, /pageSize must be a whole number from 1 to 10000, got 0/],
      [{ pageSize: 2.5 }, /pageSize must be a whole number/],
      [{ maxPagesPerRun: -1 }, /maxPagesPerRun must be a whole number from 1 to 2000, got -1/],
      [{ pageSize: '100' as unknown as number }, /pageSize must be a whole number from 1 to 10000, got "100"/],
    ] as const) {
      const { error, calls, plans, reports } = await run(input);
      assert.ok(error instanceof WorkflowFailedError, String(error));
      assert.match(String(error.cause?.message), message);
      assert.deepEqual([calls.length, plans.length, reports.length], [0, 0, 0]);
    }
  });
});
