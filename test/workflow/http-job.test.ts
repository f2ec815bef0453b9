// httpJobWorkflow on the time-skipping server with stub activities: the retry policy comes from
// the job's registration (maxRetries, exponential backoff), a malformed answer is not retried,
// and every outcome ends in exactly one run report with the reason.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunReportInput } from '../../src/activities/reports';
import type { HttpJobTarget, JobContext, JobResult } from '../../src/domain/http-jobs';
import { httpJobWorkflow } from '../../src/workflows';
import { createTimeSkippingEnv, WORKFLOWS_PATH } from '../helpers/time-skipping';

describe('httpJobWorkflow (time-skipping server, activities isolated)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  async function runWith(options: { target?: HttpJobTarget | 'missing'; call: (context: JobContext, attempt: number) => Promise<JobResult> }) {
    const reports: RunReportInput[] = [];
    const attempts: { at: number; context: JobContext }[] = [];
    const taskQueue = `http-job-${Math.random().toString(36).slice(2)}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities: {
        loadHttpJob: (): Promise<HttpJobTarget> => {
          if (options.target === 'missing') return Promise.reject(ApplicationFailure.nonRetryable('job "x" of organisation "o" is not registered', 'JobNotRegistered'));
          return Promise.resolve(options.target ?? { url: 'http://svc/run', config: { a: 1 }, timeoutMs: 2_000, maxRetries: 3 });
        },
        callHttpJob: async (input: { context: JobContext }): Promise<JobResult> => {
          attempts.push({ at: (await env.currentTimeMs()), context: input.context });
          return options.call(input.context, attempts.length);
        },
        recordRunReport: (report: RunReportInput): Promise<void> => { reports.push(report); return Promise.resolve(); },
      },
    });
    const result = await worker.runUntil(env.client.workflow.execute(httpJobWorkflow, {
      taskQueue, workflowId: `${taskQueue}-wf`, args: [{ orgId: 'o', name: 'x', triggeredBy: 'manual', triggeredByUser: 'alice' }],
    }));
    return { result, reports, attempts };
  }

  it('retries a failing call maxRetries times with growing delays, then records a failed run with the reason', async () => {
    const { result, reports, attempts } = await runWith({
      call: () => Promise.reject(ApplicationFailure.retryable('POST http://svc/run answered 503 Service Unavailable', 'JobHttpError')),
    });
    assert.equal(attempts.length, 4, '1 attempt + maxRetries 3');
    const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i]!.at);
    assert.ok(gaps[0]! >= 1_000 && gaps[1]! >= 2_000 && gaps[2]! >= 4_000, `exponential backoff, got gaps ${gaps.join(', ')} ms`);
    assert.equal(result.status, 'failed');
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.status, 'failed');
    assert.equal(reports[0]!.error, 'POST http://svc/run answered 503 Service Unavailable');
    assert.equal(reports[0]!.job, 'http-job:o/x');
    assert.deepEqual([reports[0]!.orgId, reports[0]!.triggeredBy], ['o', 'manual']);
  });

  it('does not retry a malformed JobResult', async () => {
    const { reports, attempts } = await runWith({
      call: () => Promise.reject(ApplicationFailure.nonRetryable('malformed JobResult from http://svc/run: success: expected boolean', 'MalformedJobResult')),
    });
    assert.equal(attempts.length, 1);
    assert.match(reports[0]!.error ?? '', /malformed JobResult/);
  });

  it('sends the JobContext and records a success, recovering from a failed first attempt', async () => {
    const { result, reports, attempts } = await runWith({
      call: (_context, attempt) => (attempt === 1
        ? Promise.reject(ApplicationFailure.retryable('no answer from http://svc/run within 2000 ms', 'JobTimeout'))
        : Promise.resolve({ success: true, itemsProcessed: 10, itemsSucceeded: 9, itemsFailed: 1, metadata: { batches: 2 } })),
    });
    assert.equal(attempts.length, 2);
    assert.deepEqual(attempts[1]!.context, { jobName: 'x', config: { a: 1 }, executionId: attempts[1]!.context.executionId, triggeredBy: 'manual', triggeredByUser: 'alice' });
    assert.equal(result.status, 'completed');
    assert.equal(result.executionId, reports[0]!.runId);
    assert.deepEqual([reports[0]!.status, reports[0]!.itemsProcessed, reports[0]!.itemsFailed], ['completed', 10, 1]);
    assert.deepEqual(reports[0]!.stats, { executionId: result.executionId, triggeredByUser: 'alice', metadata: { batches: 2 } });
  });

  it('records a failed run when the job is no longer registered, without calling anything', async () => {
    const { reports, attempts } = await runWith({ target: 'missing', call: () => Promise.reject(new Error('must not be called')) });
    assert.equal(attempts.length, 0);
    assert.match(reports[0]!.error ?? '', /is not registered/);
  });
});
