// CSV contact imports, one organisation per run.
//   scheduledCsvImportWorkflow  started by the organisation's Schedule `csv-import-<ownerId>`; runs
//                               the import under the stable id `csv-import-run-<ownerId>`, so a
//                               scheduled and a manual run (`metronome imports run`) never overlap;
//   csvImportWorkflow           lists the organisation's files, imports them through a window of
//                               `maxConcurrent` activities (each file in batches of `batchSize`
//                               rows, within `timeoutMs` per attempt), records the run report.
// A file that fails is reported and the others go on; the run fails only if listing fails.
import {
  ActivityFailure, ApplicationFailure, executeChild, ParentClosePolicy, proxyActivities, setHandler, workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import {
  addCounts, CSV_IMPORT_JOB, csvImportWorkflowId, emptyCounts, isOwnerId,
  type CsvImportProgress, type CsvImportResult, type ImportFileResult, type ImportTuning,
} from '../domain/csv-import';
import { JOB_KEY, OWNER_KEY } from '../domain/search-attributes';
import { csvImportProgressQuery } from './csv-import-messages';

export interface CsvImportInput { ownerId: string; tuning: ImportTuning }

const quick = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: ['InvalidInput'] },
});

function messageOf(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

export async function csvImportWorkflow({ ownerId, tuning }: CsvImportInput): Promise<CsvImportResult> {
  const startedAt = Date.now();
  const info = workflowInfo();
  // Its search attributes (MetronomeJob, MetronomeOwnerId) are set by whoever starts it: the client or the scheduled parent.
  const progress: CsvImportProgress = { ownerId, phase: 'listing', filesTotal: 0, filesDone: 0, filesFailed: 0, counts: emptyCounts(), files: [] };
  setHandler(csvImportProgressQuery, () => progress);

  const { importCsvFile } = proxyActivities<Activities>({
    // Per attempt: a retry resumes from the last committed batch, so a big file is never restarted.
    startToCloseTimeout: tuning.timeoutMs,
    heartbeatTimeout: '30 seconds',
    retry: {
      initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10,
      nonRetryableErrorTypes: ['InvalidInput', 'ImportSuperseded'],
    },
  });

  let files;
  try {
    files = await quick.listCsvImports({ ownerId, workflowId: info.workflowId });
  } catch (error) {
    await report('failed', startedAt, progress, messageOf(error));
    throw error;
  }
  progress.filesTotal = files.length;
  progress.phase = 'importing';

  let next = 0;
  const lane = async () => {
    while (next < files.length) {
      const file = files[next++]!;
      let result: ImportFileResult;
      try {
        result = await importCsvFile({ ownerId, importId: file.importId, batchSize: tuning.batchSize });
      } catch (error) {
        // One broken file (or one that keeps failing) does not stop the others.
        result = { ...emptyCounts(), importId: file.importId, fileName: file.fileName, status: 'failed', error: messageOf(error) };
      }
      progress.files.push(result);
      progress.filesDone += 1;
      if (result.status === 'failed') progress.filesFailed += 1;
      progress.counts = addCounts(progress.counts, result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(tuning.maxConcurrent, files.length)) }, lane));

  progress.phase = 'reporting';
  await report(progress.filesFailed > 0 ? 'failed' : 'completed', startedAt, progress,
    progress.filesFailed > 0 ? `${progress.filesFailed} of ${progress.filesTotal} files failed` : undefined);
  progress.phase = 'done';
  return { ...progress, durationMs: Date.now() - startedAt };
}

async function report(status: 'completed' | 'failed', startedAt: number, progress: CsvImportProgress, error?: string): Promise<void> {
  const info = workflowInfo();
  const finishedAt = Date.now();
  const { counts } = progress;
  await quick.recordRunReport({
    job: CSV_IMPORT_JOB, workflowId: info.workflowId, runId: info.runId, status,
    startedAt, finishedAt, durationMs: finishedAt - startedAt,
    itemsProcessed: counts.rows, itemsSucceeded: counts.inserted, itemsFailed: counts.invalid,
    stats: { ownerId: progress.ownerId, filesTotal: progress.filesTotal, filesFailed: progress.filesFailed, ...counts },
    ...(error ? { error } : {}),
  });
}

/** What the organisation's Schedule starts: the import run under its stable id. */
export async function scheduledCsvImportWorkflow(input: CsvImportInput): Promise<CsvImportResult | 'already-running'> {
  if (!isOwnerId(input.ownerId)) throw ApplicationFailure.nonRetryable(`ownerId "${input.ownerId}" is not a 24-character hex id`, 'InvalidInput');
  try {
    return await executeChild(csvImportWorkflow, {
      workflowId: csvImportWorkflowId(input.ownerId),
      args: [input],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [{ key: JOB_KEY, value: CSV_IMPORT_JOB }, { key: OWNER_KEY, value: input.ownerId }],
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'already-running';
    throw error;
  }
}
