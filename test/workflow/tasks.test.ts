// oneOffTaskWorkflow on the time-skipping server: days pass in milliseconds. The activities are
// isolated: a small in-memory stand-in for the task document applies the same conditional
// transitions as the real ones (tested on the real stack in test/integration/tasks.test.ts).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ClaimTaskResult, TaskActionResult } from '../../src/activities';
import type { RunReportInput } from '../../src/activities/reports';
import type { FinishTaskInput } from '../../src/activities/tasks';
import { DEFAULT_RUN_POLICY, type TaskRunPolicy } from '../../src/domain/tasks';
import { oneOffTaskWorkflow } from '../../src/workflows';
import { cancelTaskSignal, rescheduleTaskSignal, taskStateQuery, type OneOffTaskResult } from '../../src/workflows/task-messages';
import { createTimeSkippingEnv, WORKFLOWS_PATH } from '../helpers/time-skipping';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface FakeTask { status: string; revision: number; runAt: number; attempts: number; error?: string }

describe('one-off task workflow (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  async function runTask(scenario: {
    delayMs: number;
    policy?: Partial<TaskRunPolicy>;
    /** What the action does on each attempt (1-based); default: succeed. */
    action?: (attempt: number) => TaskActionResult;
    during?: (ctx: {
      task: FakeTask;
      skip: (ms: number) => Promise<void>;
      signalCancel: () => Promise<void>;
      reschedule: (runAt: number, opts?: { signal?: boolean }) => Promise<void>;
      cancelWorkflow: () => Promise<void>;
      startedAt: number;
    }) => Promise<void>;
  }) {
    const taskQueue = `tasks-${Math.random().toString(36).slice(2)}`;
    const now0 = await env.currentTimeMs();
    const task: FakeTask = { status: 'scheduled', revision: 0, runAt: now0 + scenario.delayMs, attempts: 0 };
    const runs: { attempt: number; at: number }[] = [];
    const finished: FinishTaskInput[] = [];
    const reports: RunReportInput[] = [];
    const cancels: string[] = [];
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities: {
        claimTask: ({ revision }: { revision: number }): Promise<ClaimTaskResult> => {
          if (task.status === 'scheduled' && task.revision === revision) {
            task.status = 'running';
            return Promise.resolve({ outcome: 'claimed', startedAt: Date.now() });
          }
          if (task.status === 'cancelled') return Promise.resolve({ outcome: 'cancelled' });
          if (task.status === 'scheduled') return Promise.resolve({ outcome: 'rescheduled', runAt: task.runAt, revision: task.revision });
          return Promise.resolve({ outcome: 'gone', status: task.status as 'failed' });
        },
        runTaskAction: async (): Promise<TaskActionResult> => {
          task.attempts += 1;
          runs.push({ attempt: task.attempts, at: await env.currentTimeMs() });
          return scenario.action?.(task.attempts) ?? { kind: 'http', summary: 'GET http://x → 200', details: { status: 200 } };
        },
        finishTask: (input: FinishTaskInput) => {
          finished.push(input);
          task.status = input.status;
          return Promise.resolve();
        },
        markTaskCancelled: ({ reason }: { reason: string }) => {
          cancels.push(reason);
          if (task.status === 'scheduled') task.status = 'cancelled';
          return Promise.resolve();
        },
        recordRunReport: (report: RunReportInput) => {
          reports.push(report);
          return Promise.resolve();
        },
      },
    });
    const result = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(oneOffTaskWorkflow, {
        workflowId: `task-test-${taskQueue}`,
        taskQueue,
        args: [{ taskId: 't1', runAt: task.runAt, revision: 0, policy: { ...DEFAULT_RUN_POLICY, ...scenario.policy } }],
      });
      if (scenario.during) {
        await scenario.during({
          task,
          startedAt: now0,
          skip: (ms) => env.sleep(ms),
          signalCancel: async () => {
            task.status = 'cancelled'; // what the service does before it signals
            await handle.signal(cancelTaskSignal, { reason: 'test' });
          },
          reschedule: async (runAt, opts = {}) => {
            task.revision += 1;
            task.runAt = runAt;
            if (opts.signal !== false) await handle.signal(rescheduleTaskSignal, { runAt, revision: task.revision });
          },
          cancelWorkflow: () => handle.cancel().then(() => undefined),
        });
      }
      const outcome: OneOffTaskResult = await handle.result();
      const state = await handle.query(taskStateQuery);
      return { outcome, state };
    });
    return { ...result, task, runs, finished, reports, cancels, startedAt: now0 };
  }

  it('fires once, at its instant, and records the run', async () => {
    const { outcome, runs, finished, reports, startedAt, state } = await runTask({ delayMs: 3 * DAY });
    assert.equal(outcome.status, 'succeeded');
    assert.equal(state.phase, 'succeeded');
    assert.equal(runs.length, 1);
    assert.ok(runs[0]!.at >= startedAt + 3 * DAY, 'not before its instant');
    assert.ok(runs[0]!.at < startedAt + 3 * DAY + 60_000, 'within a minute of its instant');
    assert.deepEqual(finished.map((f) => f.status), ['succeeded']);
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.job, 'task');
    assert.equal(reports[0]!.status, 'completed');
    assert.equal(reports[0]!.itemsSucceeded, 1);
  });

  it('never runs the action when cancelled before it fires', async () => {
    const { outcome, runs, cancels, reports, task } = await runTask({
      delayMs: 3 * DAY,
      during: async ({ skip, signalCancel }) => {
        await skip(DAY);
        await signalCancel();
      },
    });
    assert.equal(outcome.status, 'cancelled');
    assert.equal(runs.length, 0);
    assert.equal(task.status, 'cancelled');
    assert.deepEqual(cancels, ['test']);
    assert.equal(reports.length, 0, 'a task that never ran has no run report');
  });

  it('a Temporal cancel (e.g. from the Web UI) also marks the task cancelled', async () => {
    const { outcome, runs, cancels, task } = await runTask({
      delayMs: 3 * DAY,
      during: async ({ skip, cancelWorkflow }) => {
        await skip(HOUR);
        await cancelWorkflow();
      },
    });
    assert.equal(outcome.status, 'cancelled');
    assert.equal(runs.length, 0);
    assert.deepEqual(cancels, ['workflow cancelled']);
    assert.equal(task.status, 'cancelled');
  });

  it('rescheduled earlier: fires at the new instant', async () => {
    const { runs, startedAt } = await runTask({
      delayMs: 3 * DAY,
      during: async ({ skip, reschedule, startedAt: t0 }) => {
        await skip(HOUR);
        await reschedule(t0 + DAY);
      },
    });
    assert.equal(runs.length, 1);
    assert.ok(runs[0]!.at >= startedAt + DAY && runs[0]!.at < startedAt + DAY + 60_000, `ran at +${(runs[0]!.at - startedAt) / HOUR} h, expected +24 h`);
  });

  it('rescheduled later: does not fire at the old instant, fires at the new one', async () => {
    const { runs, startedAt } = await runTask({
      delayMs: DAY,
      during: async ({ skip, reschedule, startedAt: t0 }) => {
        await skip(HOUR);
        await reschedule(t0 + 5 * DAY);
      },
    });
    assert.equal(runs.length, 1);
    assert.ok(runs[0]!.at >= startedAt + 5 * DAY && runs[0]!.at < startedAt + 5 * DAY + 60_000, `ran at +${(runs[0]!.at - startedAt) / HOUR} h, expected +120 h`);
  });

  it('a reschedule whose signal was lost is found by the claim, and the timer follows the database', async () => {
    const { runs, startedAt } = await runTask({
      delayMs: DAY,
      during: async ({ skip, reschedule, startedAt: t0 }) => {
        await skip(HOUR);
        await reschedule(t0 + 2 * DAY, { signal: false });
      },
    });
    assert.equal(runs.length, 1);
    assert.ok(runs[0]!.at >= startedAt + 2 * DAY && runs[0]!.at < startedAt + 2 * DAY + 60_000, `ran at +${(runs[0]!.at - startedAt) / HOUR} h, expected +48 h`);
  });

  it('retries a failing action with backoff, then succeeds', async () => {
    const { outcome, runs, finished, reports } = await runTask({
      delayMs: HOUR,
      policy: { maxAttempts: 5, initialRetrySeconds: 2, maxRetrySeconds: 60 },
      action: (attempt) => {
        if (attempt < 3) throw ApplicationFailure.create({ message: `answered 500 (attempt ${attempt})`, type: 'HttpServerError', nextRetryDelay: 3000 });
        return { kind: 'http', summary: 'POST → 200', details: { status: 200 } };
      },
    });
    assert.equal(outcome.status, 'succeeded');
    assert.deepEqual(runs.map((r) => r.attempt), [1, 2, 3]);
    assert.ok(runs[1]!.at - runs[0]!.at >= 3000, 'waited the retry delay the activity asked for');
    assert.equal(finished[0]!.status, 'succeeded');
    assert.equal(reports[0]!.status, 'completed');
  });

  it('fails the task with the last error when every attempt fails; a client error is not retried', async () => {
    const exhausted = await runTask({
      delayMs: HOUR,
      policy: { maxAttempts: 3, initialRetrySeconds: 1, maxRetrySeconds: 2 },
      action: (attempt) => {
        throw ApplicationFailure.create({ message: `answered 503 (attempt ${attempt})`, type: 'HttpServerError' });
      },
    });
    assert.equal(exhausted.outcome.status, 'failed');
    assert.equal(exhausted.runs.length, 3);
    assert.equal(exhausted.finished[0]!.status, 'failed');
    assert.match(exhausted.finished[0]!.error!, /answered 503 \(attempt 3\)/);
    assert.equal(exhausted.reports[0]!.status, 'failed');
    assert.equal(exhausted.reports[0]!.itemsFailed, 1);

    const clientError = await runTask({
      delayMs: HOUR,
      action: () => {
        throw ApplicationFailure.create({ message: 'answered 404', type: 'HttpClientError', nonRetryable: true });
      },
    });
    assert.equal(clientError.outcome.status, 'failed');
    assert.equal(clientError.runs.length, 1, 'a 4xx is not retried');
  });
});
