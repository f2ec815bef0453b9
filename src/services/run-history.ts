// Run history and statistics over the `runs` collection (one report per run of any job): the
// `metronome runs` commands call these, and the HTTP API will call the very same functions.
import type { Connection } from 'mongoose';
import { getModels, RUN_STATUSES, type RunReportDoc, type RunStatus } from '../db/models';
import { summarizeRuns, type RunSample, type RunStats } from '../domain/run-stats';

export const DEFAULT_RUNS_LIMIT = 20;
export const MAX_RUNS_LIMIT = 10_000;

export interface RunFilter {
  job?: string;
  status?: RunStatus;
  /** Runs started at or after this instant. */
  since?: Date;
}

export interface RunListItem {
  job: string;
  status: RunStatus;
  workflowId: string;
  runId: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  itemsProcessed: number;
  itemsSucceeded: number;
  itemsFailed: number;
  month?: string;
  error?: string;
  stats: Record<string, unknown>;
}

/** A filter or limit a caller got wrong, with the name of the field. */
export class RunQueryError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'RunQueryError';
  }
}

function checkFilter(filter: RunFilter): void {
  if (filter.status !== undefined && !(RUN_STATUSES as readonly string[]).includes(filter.status)) {
    throw new RunQueryError('status', `status must be one of ${RUN_STATUSES.join(', ')}, got "${String(filter.status)}"`);
  }
  if (filter.since !== undefined && Number.isNaN(filter.since.getTime())) throw new RunQueryError('since', 'since is not a valid date');
  if (filter.job !== undefined && filter.job.trim() === '') throw new RunQueryError('job', 'job must not be empty');
}

function queryOf(filter: RunFilter): Record<string, unknown> {
  return {
    ...(filter.job !== undefined ? { job: filter.job } : {}),
    ...(filter.status !== undefined ? { status: filter.status } : {}),
    ...(filter.since !== undefined ? { startedAt: { $gte: filter.since } } : {}),
  };
}

function itemOf(doc: RunReportDoc): RunListItem {
  return {
    job: doc.job, status: doc.status, workflowId: doc.workflowId, runId: doc.runId,
    startedAt: doc.startedAt.toISOString(), finishedAt: doc.finishedAt.toISOString(), durationMs: doc.durationMs,
    itemsProcessed: doc.itemsProcessed, itemsSucceeded: doc.itemsSucceeded, itemsFailed: doc.itemsFailed,
    ...(doc.month ? { month: doc.month } : {}), ...(doc.error ? { error: doc.error } : {}), stats: doc.stats ?? {},
  };
}

/** The newest runs first (seed 001's getJobHistory). */
export async function listRuns(db: Connection, filter: RunFilter = {}, limit = DEFAULT_RUNS_LIMIT): Promise<RunListItem[]> {
  checkFilter(filter);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RUNS_LIMIT) {
    throw new RunQueryError('limit', `limit must be a whole number from 1 to ${MAX_RUNS_LIMIT}, got ${String(limit)}`);
  }
  const { RunReport } = getModels(db);
  const docs = await RunReport.collection.find(queryOf(filter)).sort({ startedAt: -1, _id: -1 }).limit(limit).toArray();
  return (docs as unknown as RunReportDoc[]).map(itemOf);
}

/** Per-job counts, success rate, duration percentiles, items and last run (seed 001's getDetailedMetrics). */
export async function runStats(db: Connection, filter: Omit<RunFilter, 'status'> = {}): Promise<RunStats> {
  checkFilter(filter);
  const { RunReport } = getModels(db);
  const projection = { job: 1, status: 1, startedAt: 1, durationMs: 1, itemsProcessed: 1, itemsSucceeded: 1, itemsFailed: 1, workflowId: 1 };
  const samples: RunSample[] = [];
  // Streamed: only the fields the statistics need are held, one small object per run.
  for await (const doc of RunReport.collection.find(queryOf(filter), { projection })) samples.push(doc as unknown as RunSample);
  return summarizeRuns(samples);
}
