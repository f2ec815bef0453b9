// The CSV import workflow on the time-skipping server with stub activities: files go through a
// window of at most `maxConcurrent` imports, one broken file does not stop the others, a failing
// attempt is retried, progress is queryable, and the run report adds everything up.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ImportFileInput, ListImportsInput } from '../../src/activities';
import type { RunReportInput } from '../../src/activities/reports';
import { csvImportWorkflowId, emptyCounts, type ImportFileRef, type ImportFileResult, type ImportTuning } from '../../src/domain/csv-import';
import { csvImportWorkflow, scheduledCsvImportWorkflow } from '../../src/workflows';
import { csvImportProgressQuery } from '../../src/workflows/csv-import-messages';
import { createTimeSkippingEnv, WORKFLOWS_PATH } from '../helpers/time-skipping';

const OWNER = 'aaaaaaaaaaaaaaaaaaaaaaaa';
/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD (the proto package is not a direct dependency). */
const KEYWORD = 2;
const tuning: ImportTuning = { batchSize: 100, maxConcurrent: 2, timeoutMs: 60_000 };

interface Stubs {
  files: ImportFileRef[];
  inFlight: number;
  maxInFlight: number;
  attempts: Map<string, number>;
  reports: RunReportInput[];
  release?: () => void;
}

function stubActivities(s: Stubs, behaviour: (file: string, attempt: number) => ImportFileResult | Error | undefined = () => undefined) {
  return {
    listCsvImports: (input: ListImportsInput): Promise<ImportFileRef[]> => {
      assert.equal(input.ownerId, OWNER);
      return Promise.resolve(s.files);
    },
    importCsvFile: async ({ importId, batchSize }: ImportFileInput): Promise<ImportFileResult> => {
      assert.equal(batchSize, tuning.batchSize);
      const attempt = (s.attempts.get(importId) ?? 0) + 1;
      s.attempts.set(importId, attempt);
      s.inFlight += 1;
      s.maxInFlight = Math.max(s.maxInFlight, s.inFlight);
      try {
        await new Promise((r) => setTimeout(r, 30));
        const outcome = behaviour(importId, attempt);
        if (outcome instanceof Error) throw outcome;
        return outcome ?? { ...emptyCounts(), rows: 10, inserted: 8, invalid: 1, duplicatesInFile: 1, importId, fileName: `${importId}.csv`, status: 'completed' };
      } finally {
        s.inFlight -= 1;
      }
    },
    recordRunReport: (report: RunReportInput): Promise<void> => {
      s.reports.push(report);
      return Promise.resolve();
    },
  };
}

function newStubs(count: number): Stubs {
  return { files: Array.from({ length: count }, (_, i) => ({ importId: `f${i}`, fileName: `f${i}.csv` })), inFlight: 0, maxInFlight: 0, attempts: new Map(), reports: [] };
}

describe('csvImportWorkflow (time-skipping server, stub activities)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
    // The scheduled workflow starts its child with Metronome's search attributes.
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: { MetronomeJob: KEYWORD, MetronomeOwnerId: KEYWORD },
    });
  });
  after(async () => {
    await env?.teardown();
  });

  async function run(taskQueue: string, stubs: Stubs, behaviour?: Parameters<typeof stubActivities>[1], workflowId = `${taskQueue}-wf`) {
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath: WORKFLOWS_PATH, activities: stubActivities(stubs, behaviour) });
    return worker.runUntil(env.client.workflow.execute(csvImportWorkflow, { taskQueue, workflowId, args: [{ ownerId: OWNER, tuning }] }));
  }

  it('imports every file with at most maxConcurrent at once and adds up the figures', async () => {
    const stubs = newStubs(7);
    const result = await run('csv-window', stubs);
    assert.equal(stubs.maxInFlight, 2, 'the window is full but never wider');
    assert.equal(result.filesTotal, 7);
    assert.equal(result.filesDone, 7);
    assert.equal(result.filesFailed, 0);
    assert.deepEqual(result.counts, { rows: 70, inserted: 56, invalid: 7, duplicatesInFile: 7, duplicatesInDb: 0 });
    assert.equal(stubs.reports.length, 1);
    assert.equal(stubs.reports[0]?.job, 'csv-import');
    assert.equal(stubs.reports[0]?.status, 'completed');
    assert.equal(stubs.reports[0]?.itemsProcessed, 70);
    assert.equal(stubs.reports[0]?.itemsSucceeded, 56);
  });

  it('keeps going when one file fails for good, retries a transient failure, and reports the run failed', async () => {
    const stubs = newStubs(4);
    const result = await run('csv-broken', stubs, (file, attempt) => {
      if (file === 'f1') return ApplicationFailure.nonRetryable('missing header: the first line must name the columns', 'InvalidInput');
      if (file === 'f2' && attempt === 1) return new Error('worker lost its database connection');
      return undefined;
    });
    assert.equal(stubs.attempts.get('f1'), 1, 'a non-retryable failure is not retried');
    assert.equal(stubs.attempts.get('f2'), 2, 'a transient failure is retried');
    assert.equal(result.filesDone, 4);
    assert.equal(result.filesFailed, 1);
    const broken = result.files.find((f) => f.importId === 'f1');
    assert.equal(broken?.status, 'failed');
    assert.match(broken?.error ?? '', /missing header/);
    assert.equal(result.counts.inserted, 24, 'the three other files are imported');
    assert.equal(stubs.reports[0]?.status, 'failed');
    assert.match(stubs.reports[0]?.error ?? '', /1 of 4 files failed/);
  });

  it('answers the progress query while files are being imported', async () => {
    const stubs = newStubs(3);
    let unblock!: () => void;
    const gate = new Promise<void>((r) => { unblock = r; });
    const taskQueue = 'csv-progress';
    const activities = stubActivities(stubs);
    const worker = await Worker.create({
      connection: env.nativeConnection, taskQueue, workflowsPath: WORKFLOWS_PATH,
      activities: { ...activities, importCsvFile: async (input: ImportFileInput) => { if (input.importId === 'f2') await gate; return activities.importCsvFile(input); } },
    });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(csvImportWorkflow, { taskQueue, workflowId: 'csv-progress-wf', args: [{ ownerId: OWNER, tuning }] });
      let progress = await handle.query(csvImportProgressQuery);
      for (let i = 0; i < 200 && progress.filesDone < 2; i += 1) {
        await new Promise((r) => setTimeout(r, 20));
        progress = await handle.query(csvImportProgressQuery);
      }
      assert.equal(progress.phase, 'importing');
      assert.equal(progress.filesTotal, 3);
      assert.equal(progress.filesDone, 2);
      assert.equal(progress.counts.inserted, 16);
      unblock();
      const result = await handle.result();
      assert.equal(result.phase, 'done');
      assert.equal(result.filesDone, 3);
    });
  });

  it('fails the run (with a failed report) when the folder cannot be listed', async () => {
    const stubs = newStubs(0);
    const taskQueue = 'csv-nolist';
    const activities = stubActivities(stubs);
    const worker = await Worker.create({
      connection: env.nativeConnection, taskQueue, workflowsPath: WORKFLOWS_PATH,
      activities: { ...activities, listCsvImports: () => Promise.reject(ApplicationFailure.nonRetryable(`organisation ${OWNER} does not exist`, 'InvalidInput')) },
    });
    await assert.rejects(
      worker.runUntil(env.client.workflow.execute(csvImportWorkflow, { taskQueue, workflowId: 'csv-nolist-wf', args: [{ ownerId: OWNER, tuning }] })),
      WorkflowFailedError,
    );
    assert.equal(stubs.reports[0]?.status, 'failed');
    assert.match(stubs.reports[0]?.error ?? '', /does not exist/);
  });

  it('the scheduled workflow runs the import under the stable per-organisation id', async () => {
    const stubs = newStubs(1);
    const taskQueue = 'csv-scheduled';
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath: WORKFLOWS_PATH, activities: stubActivities(stubs) });
    await worker.runUntil(async () => {
      const result = await env.client.workflow.execute(scheduledCsvImportWorkflow, { taskQueue, workflowId: 'csv-scheduled-wf', args: [{ ownerId: OWNER, tuning }] });
      assert.notEqual(result, 'already-running');
      assert.equal(stubs.reports[0]?.workflowId, csvImportWorkflowId(OWNER));
      await assert.rejects(
        env.client.workflow.execute(scheduledCsvImportWorkflow, { taskQueue, workflowId: 'csv-scheduled-bad', args: [{ ownerId: 'nope', tuning }] }),
        WorkflowFailedError,
        'a malformed owner id fails the run',
      );
    });
  });
});
