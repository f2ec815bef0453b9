// The cleanup workflow on the time-skipping server with an isolated page activity: it walks
// every phase page by page, continues as new when its run has done enough pages (resuming
// exactly where it stopped, counts carried over), and leaves one report at the very end.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError } from '@temporalio/client';
import type { RunReportInput } from '../../src/activities/reports';
import { CLEANUP_PHASES, type CleanupPageInput, type CleanupPageResult, type CleanupPhase } from '../../src/domain/cleanup';
import { cleanupWorkflow } from '../../src/workflows';
import { createTimeSkippingEnv, WORKFLOWS_PATH } from '../helpers/time-skipping';

/** A fake collection per phase: `size` documents with ids 000…; every `matchEvery`-th one is cleaned. */
const FAKE: Record<CleanupPhase, { size: number; counter: string }> = {
  'expire-invitations': { size: 23, counter: 'expired' },
  'delete-tokens': { size: 23, counter: 'tokensDeleted' },
  'reset-bounces': { size: 7, counter: 'bounceCountsReset' },
  'prune-reports': { size: 0, counter: 'reportsPruned' },
};

function fakePage({ phase, after, pageSize }: CleanupPageInput): CleanupPageResult {
  const start = after === undefined ? 0 : Number(after) + 1;
  const end = Math.min(FAKE[phase].size, start + pageSize);
  if (end <= start) return { scanned: 0, counts: {} };
  // Every document of the page counts once; expired invitations also had reminders to cancel.
  const counts: Record<string, number> = { [FAKE[phase].counter]: end - start };
  if (phase === 'expire-invitations') counts.remindersCancelled = 1;
  return { scanned: end - start, counts, ...(end < FAKE[phase].size ? { next: String(end - 1) } : {}) };
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
    const reports: RunReportInput[] = [];
    const taskQueue = `cleanup-${Math.random().toString(36).slice(2)}`;
    const worker = await Worker.create({
      connection: env.nativeConnection, taskQueue, workflowsPath: WORKFLOWS_PATH,
      activities: {
        cleanupPage: (i: CleanupPageInput) => { calls.push(i); return Promise.resolve(page(i)); },
        recordRunReport: (r: RunReportInput) => { reports.push(r); return Promise.resolve(); },
      },
    });
    const workflowId = `cleanup-test-${taskQueue}`;
    const outcome = await worker.runUntil(env.client.workflow.execute(cleanupWorkflow, { taskQueue, workflowId, args: [input] }).then(
      (result) => ({ result, error: undefined }),
      (error: unknown) => ({ result: undefined, error }),
    ));
    return { ...outcome, calls, reports, workflowId };
  }

  it('walks every phase page by page and sums the counts', async () => {
    const { result, calls, reports } = await run({ pageSize: 10 });
    assert.deepEqual(calls.map((c) => [c.phase, c.after]), [
      ['expire-invitations', undefined], ['expire-invitations', '9'], ['expire-invitations', '19'],
      ['delete-tokens', undefined], ['delete-tokens', '9'], ['delete-tokens', '19'],
      ['reset-bounces', undefined],
      ['prune-reports', undefined],
    ]);
    assert.ok(calls.every((c) => c.pageSize === 10 && c.now === calls[0]!.now), 'one reference time for the whole cleanup');
    assert.deepEqual(result && { ...result, durationMs: 0 }, {
      expired: 23, remindersCancelled: 3, tokensDeleted: 23, bounceCountsReset: 7, reportsPruned: 0, pages: 8, runs: 1, durationMs: 0,
    });
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.job, 'cleanup');
    assert.equal(reports[0]!.status, 'completed');
    assert.equal(reports[0]!.itemsProcessed, 53);
    assert.deepEqual(reports[0]!.stats, { expired: 23, remindersCancelled: 3, tokensDeleted: 23, bounceCountsReset: 7, reportsPruned: 0, pages: 8 });
  });

  it('continues as new every maxPagesPerRun pages, resuming where it stopped, counts carried over', async () => {
    const { result, calls, reports, workflowId } = await run({ pageSize: 5, maxPagesPerRun: 3 });
    // 5 + 5 + 2 + 1 pages = 13 pages, 3 per run: 5 runs.
    assert.equal(calls.length, 13);
    const expected: [string, string | undefined][] = [];
    for (const phase of CLEANUP_PHASES) {
      const size = FAKE[phase].size;
      expected.push([phase, undefined]);
      for (let end = 5; end < size; end += 5) expected.push([phase, String(end - 1)]);
    }
    assert.deepEqual(calls.map((c) => [c.phase, c.after]), expected, 'no page skipped or repeated across runs');
    assert.equal(new Set(calls.map((c) => c.now)).size, 1, 'the reference time survives continue-as-new');
    assert.equal(result?.runs, 5);
    assert.equal(result?.pages, 13);
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
});
