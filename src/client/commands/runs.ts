// `metronome runs list | stats`: the run history every job leaves in the `runs` collection
// (seed 001's getJobHistory and getDetailedMetrics), read through src/services/run-history.ts.
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config';
import { closeDatabase, connectDatabase } from '../../db/connection';
import { RUN_STATUSES, type RunStatus } from '../../db/models';
import type { JobStats } from '../../domain/run-stats';
import { DEFAULT_RUNS_LIMIT, listRuns, MAX_RUNS_LIMIT, RunQueryError, runStats, type RunListItem } from '../../services/run-history';
import { printJson, printTable, UserError } from '../output';
import { parseIsoDateTime } from './schedules';

export function parseRunStatus(value: string): RunStatus {
  if (!(RUN_STATUSES as readonly string[]).includes(value)) throw new InvalidArgumentError(`--status must be one of ${RUN_STATUSES.join(', ')}, got "${value}"`);
  return value as RunStatus;
}

export function parseLimit(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_RUNS_LIMIT) throw new InvalidArgumentError(`--limit must be a whole number from 1 to ${MAX_RUNS_LIMIT}, got "${value}"`);
  return n;
}

/** `2026-11-01` (midnight UTC) or an ISO 8601 date-time with its zone. */
export function parseSince(value: string): Date {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (day) {
    const date = new Date(`${value.trim()}T00:00:00Z`);
    if (!Number.isNaN(date.getTime()) && date.toISOString().startsWith(value.trim())) return date;
  } else {
    try {
      return parseIsoDateTime('--since')(value);
    } catch {
      // the message below covers both forms
    }
  }
  throw new InvalidArgumentError(`--since must be an ISO 8601 date (2026-11-01) or date-time (2026-11-01T08:00:00Z), got "${value}"`);
}

export function parseJob(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('--job must not be empty');
  return value.trim();
}

async function withDb<T>(work: (db: Awaited<ReturnType<typeof connectDatabase>>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await connectDatabase(config.mongodbUri, { appName: 'metronome-cli' });
  try {
    return await work(db);
  } catch (error) {
    if (error instanceof RunQueryError) throw new UserError(`--${error.field}: ${error.message}`);
    throw error;
  } finally {
    await closeDatabase(db);
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
const percent = (r: number) => `${(r * 100).toFixed(1)}%`;

function runRow(run: RunListItem) {
  return {
    started: run.startedAt, job: run.job, status: run.status, duration: seconds(run.durationMs),
    processed: run.itemsProcessed, succeeded: run.itemsSucceeded, failed: run.itemsFailed, workflow: run.workflowId,
  };
}

function statsRow(s: JobStats) {
  return {
    job: s.job, runs: s.runs, completed: s.completed, failed: s.failed, success: percent(s.successRate),
    p50: seconds(s.durationMs.p50), p95: seconds(s.durationMs.p95), p99: seconds(s.durationMs.p99), max: seconds(s.durationMs.max),
    processed: s.items.processed, succeeded: s.items.succeeded, 'items failed': s.items.failed,
    'last run': `${s.lastRun.startedAt} ${s.lastRun.status}`,
  };
}

interface ListOptions { job?: string; status?: RunStatus; limit: number; since?: Date; json?: boolean }
interface StatsOptions { job?: string; since?: Date; json?: boolean }

export function registerRunsCommand(program: Command): void {
  const runs = program.command('runs').description('the history of job runs (one report per run, in the `runs` collection)');

  runs.command('list')
    .description('the newest runs first')
    .option('--job <name>', 'only this job (monthly-invitations, reminders, cleanup, health-check, …)', parseJob)
    .option('--status <status>', RUN_STATUSES.join(' | '), parseRunStatus)
    .option('--limit <n>', `how many (1–${MAX_RUNS_LIMIT})`, parseLimit, DEFAULT_RUNS_LIMIT)
    .option('--since <date>', 'runs started at or after this ISO date or date-time', parseSince)
    .option('--json', 'print the runs as one JSON array')
    .action(async (options: ListOptions) => {
      const items = await withDb((db) => listRuns(db, { job: options.job, status: options.status, since: options.since }, options.limit));
      if (options.json) return printJson(items);
      if (items.length === 0) return void process.stdout.write('no runs recorded\n');
      printTable(items.map(runRow));
    });

  runs.command('stats')
    .description('per job: runs, success rate, duration p50/p95/p99/max, items, last run')
    .option('--job <name>', 'only this job', parseJob)
    .option('--since <date>', 'runs started at or after this ISO date or date-time', parseSince)
    .option('--json', 'print the statistics as JSON')
    .action(async (options: StatsOptions) => {
      const stats = await withDb((db) => runStats(db, { job: options.job, since: options.since }));
      if (options.json) return printJson(stats);
      if (stats.jobs.length === 0) return void process.stdout.write('no runs recorded\n');
      printTable(stats.jobs.map(statsRow));
      const o = stats.overall;
      process.stdout.write(`\nall jobs: ${o.runs} runs, ${o.completed} completed, ${o.failed} failed (error rate ${percent(o.errorRate)})\n`);
    });
}
