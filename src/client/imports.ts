// CSV contact imports from the client side: the per-organisation Schedules, a run now, the status.
import { isDeepStrictEqual } from 'node:util';
import { readdir } from 'node:fs/promises';
import {
  ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError,
  type Client, type ScheduleDescription, type ScheduleOptions, type ScheduleSpec, type WorkflowHandle,
} from '@temporalio/client';
import { Types, type Connection } from 'mongoose';
import type { AppConfig } from '../config';
import { getModels, importsCollection, type ImportDoc } from '../db/models';
import { projectPath } from '../devstack/stack';
import {
  CSV_IMPORT_JOB, csvImportScheduleId, csvImportWorkflowId, intervalOffsetMs, isOwnerId,
  type CsvImportProgress, type CsvImportResult, type ImportTuning,
} from '../domain/csv-import';
import { taskQueueName } from '../domain/queues';
import { JOB_KEY, OWNER_KEY } from '../domain/search-attributes';
import { csvImportWorkflow } from '../workflows';
import { csvImportProgressQuery } from '../workflows/csv-import-messages';

export const SCHEDULED_CSV_IMPORT_WORKFLOW = 'scheduledCsvImportWorkflow';

export function importTuningFromConfig(config: AppConfig): ImportTuning {
  return { batchSize: config.imports.batchSize, maxConcurrent: config.imports.maxConcurrent, timeoutMs: config.imports.timeoutMs };
}

function attributes(ownerId: string) {
  return [{ key: JOB_KEY, value: CSV_IMPORT_JOB }, { key: OWNER_KEY, value: ownerId }];
}

// ---------------------------------------------------------------------------------------------
// Schedules
// ---------------------------------------------------------------------------------------------

function specFor(config: AppConfig, ownerId: string): ScheduleSpec {
  const { interval } = config.imports;
  if (interval.kind === 'every') return { intervals: [{ every: interval.ms, offset: intervalOffsetMs(ownerId, interval.ms) }] };
  return { cronExpressions: [`${interval.cron} #${interval.cron}`], timezone: 'UTC' };
}

export function csvImportScheduleOptions(config: AppConfig, ownerId: string): ScheduleOptions {
  return {
    scheduleId: csvImportScheduleId(ownerId),
    spec: specFor(config, ownerId),
    action: {
      type: 'startWorkflow',
      workflowType: SCHEDULED_CSV_IMPORT_WORKFLOW,
      workflowId: `csv-import-scheduled-${ownerId}`,
      taskQueue: taskQueueName(config.temporal.taskQueue, 'imports'),
      args: [{ ownerId, tuning: importTuningFromConfig(config) }],
      typedSearchAttributes: attributes(ownerId),
    },
    // A run still going when the next is due is simply skipped: the next one picks up what is left.
    // Missed slots are not worth catching up beyond one minute: every run imports all pending files.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 60_000 },
    memo: { description: `CSV contact imports of organisation ${ownerId}, ${config.imports.interval.text}` },
    typedSearchAttributes: attributes(ownerId),
  };
}

/** Whether the Schedule on the server does what the options say (spec, queue, arguments). */
function matches(current: ScheduleDescription, wanted: ScheduleOptions): boolean {
  const action = current.action;
  if (action.type !== 'startWorkflow' || wanted.action.type !== 'startWorkflow') return false;
  if (action.workflowType !== SCHEDULED_CSV_IMPORT_WORKFLOW || action.taskQueue !== wanted.action.taskQueue) return false;
  if (!isDeepStrictEqual(action.args, wanted.action.args)) return false;
  const spec = wanted.spec;
  if (spec.intervals) {
    const want = spec.intervals[0]!;
    const have = current.spec.intervals?.[0];
    return current.spec.intervals?.length === 1 && have?.every === want.every && (have?.offset ?? 0) === (want.offset ?? 0) && !current.spec.calendars?.length;
  }
  const comment = spec.cronExpressions?.[0]?.split(' #')[1];
  return current.spec.calendars?.length === 1 && current.spec.calendars[0]?.comment === comment && !current.spec.intervals?.length;
}

export type ScheduleApplyResult = { ownerId: string; scheduleId: string; action: 'created' | 'updated' | 'unchanged' | 'failed'; error?: string };

async function applyOne(client: Client, config: AppConfig, ownerId: string): Promise<ScheduleApplyResult> {
  const options = csvImportScheduleOptions(config, ownerId);
  const scheduleId = options.scheduleId;
  const handle = client.schedule.getHandle(scheduleId);
  let current: ScheduleDescription | undefined;
  try {
    current = await handle.describe();
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
  if (!current) {
    try {
      await client.schedule.create(options);
      return { ownerId, scheduleId, action: 'created' };
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      current = await handle.describe();
    }
  }
  if (matches(current, options)) return { ownerId, scheduleId, action: 'unchanged' };
  await handle.update((previous) => ({ ...previous, spec: options.spec, action: options.action, policies: { ...previous.policies, ...options.policies } }));
  return { ownerId, scheduleId, action: 'updated' };
}

/** Organisations taking part: active owners, by default only those with a folder under CSV_IMPORT_DIR. */
export async function importOwners(db: Connection, config: AppConfig, options: { allActive?: boolean; ownerIds?: string[] } = {}): Promise<string[]> {
  const { User } = getModels(db);
  const filter: Record<string, unknown> = { 'metadata.isActive': true };
  if (options.ownerIds) filter._id = { $in: options.ownerIds.map((id) => new Types.ObjectId(id)) };
  const active = (await User.collection.find(filter, { projection: { _id: 1 } }).toArray()).map((u) => u._id.toHexString());
  if (options.allActive || options.ownerIds) return active;
  let folders: Set<string>;
  try {
    folders = new Set((await readdir(projectPath(config.imports.dir), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return active.filter((id) => folders.has(id));
}

/** Creates or updates the Schedule of each organisation; one failure does not stop the others. */
export async function applyImportSchedules(client: Client, config: AppConfig, ownerIds: string[]): Promise<ScheduleApplyResult[]> {
  const results: ScheduleApplyResult[] = [];
  for (const ownerId of ownerIds) {
    try {
      results.push(await applyOne(client, config, ownerId));
    } catch (error) {
      results.push({ ownerId, scheduleId: csvImportScheduleId(ownerId), action: 'failed', error: error instanceof Error ? error.message : String(error) });
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Run now, status
// ---------------------------------------------------------------------------------------------

export interface StartedImport { handle: WorkflowHandle<typeof csvImportWorkflow>; workflowId: string; alreadyRunning: boolean }

/** Starts the organisation's import run now, or attaches to the one running (scheduled or manual). */
export async function startImport(client: Client, config: AppConfig, ownerId: string): Promise<StartedImport> {
  if (!isOwnerId(ownerId)) throw new Error(`owner "${ownerId}" is not a 24-character hex id`);
  const workflowId = csvImportWorkflowId(ownerId);
  try {
    const handle = await client.workflow.start(csvImportWorkflow, {
      workflowId,
      taskQueue: taskQueueName(config.temporal.taskQueue, 'imports'),
      args: [{ ownerId, tuning: importTuningFromConfig(config) }],
      typedSearchAttributes: attributes(ownerId),
    });
    return { handle, workflowId, alreadyRunning: false };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    return { handle: client.workflow.getHandle(workflowId), workflowId, alreadyRunning: true };
  }
}

export interface ImportFileStatus {
  importId: string;
  ownerId: string;
  fileName: string;
  status: ImportDoc['status'];
  rows: number;
  inserted: number;
  invalid: number;
  duplicatesInFile: number;
  duplicatesInDb: number;
  bytesRead: number;
  size: number;
  error?: string;
  rowErrors: ImportDoc['rowErrors'];
  duplicateSamples: ImportDoc['duplicateSamples'];
  movedTo?: string;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
}

export interface ImportStatusReport {
  files: ImportFileStatus[];
  /** The live run of the organisation (only with --owner). */
  run?: { workflowId: string; workflowStatus: string; progress?: CsvImportProgress; result?: CsvImportResult };
}

export async function importStatus(client: Client | undefined, db: Connection, options: { ownerId?: string; limit?: number } = {}): Promise<ImportStatusReport> {
  const Import = importsCollection(getModels(db).Import);
  const filter = options.ownerId ? { ownerId: new Types.ObjectId(options.ownerId) } : {};
  const docs: ImportDoc[] = await Import.find(filter).sort({ createdAt: -1 }).limit(options.limit ?? 50).toArray();
  const files = docs.map((d): ImportFileStatus => ({
    importId: d._id, ownerId: d.ownerId.toHexString(), fileName: d.fileName, status: d.status,
    rows: d.rows, inserted: d.inserted, invalid: d.invalid, duplicatesInFile: d.duplicatesInFile, duplicatesInDb: d.duplicatesInDb,
    bytesRead: d.byteOffset, size: d.size, rowErrors: d.rowErrors, duplicateSamples: d.duplicateSamples,
    createdAt: d.createdAt.toISOString(), updatedAt: d.updatedAt.toISOString(),
    ...(d.error !== undefined && { error: d.error }),
    ...(d.movedTo !== undefined && { movedTo: d.movedTo }),
    ...(d.finishedAt && { finishedAt: d.finishedAt.toISOString() }),
  }));
  if (!client || !options.ownerId) return { files };
  const workflowId = csvImportWorkflowId(options.ownerId);
  const handle = client.workflow.getHandle<typeof csvImportWorkflow>(workflowId);
  try {
    const description = await handle.describe();
    const workflowStatus = description.status.name;
    if (workflowStatus === 'RUNNING') return { files, run: { workflowId, workflowStatus, progress: await handle.query(csvImportProgressQuery) } };
    if (workflowStatus === 'COMPLETED') return { files, run: { workflowId, workflowStatus, result: await handle.result() } };
    return { files, run: { workflowId, workflowStatus } };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { files };
    throw error;
  }
}
