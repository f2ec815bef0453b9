// Statistics over run reports (seed 001's getDetailedMetrics / getStatus), pure so they are unit
// tested: success rate, duration percentiles, items, last run, per job.

/** The fields of a run report the statistics read. */
export interface RunSample {
  job: string;
  status: 'completed' | 'failed';
  startedAt: Date;
  durationMs: number;
  itemsProcessed: number;
  itemsSucceeded: number;
  itemsFailed: number;
  workflowId: string;
}

export interface DurationStats { p50: number; p95: number; p99: number; max: number; mean: number }

export interface JobStats {
  job: string;
  runs: number;
  completed: number;
  failed: number;
  /** completed / runs, 0–1. */
  successRate: number;
  durationMs: DurationStats;
  items: { processed: number; succeeded: number; failed: number };
  lastRun: { startedAt: string; status: 'completed' | 'failed'; durationMs: number; workflowId: string };
}

export interface RunStats {
  jobs: JobStats[];
  /** Every job together: seed 001's totalJobsRun and errorRate. */
  overall: { runs: number; completed: number; failed: number; successRate: number; errorRate: number };
}

/**
 * Nearest-rank percentile of ascending values: the smallest value with at least p % of the
 * values at or below it (p50 of [1,2,3,4] is 2, p95 of 1..100 is 95). 0 for no values.
 */
export function percentile(sortedAscending: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (sortedAscending.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sortedAscending.length);
  return sortedAscending[Math.min(sortedAscending.length, Math.max(1, rank)) - 1]!;
}

export function durationStats(durations: readonly number[]): DurationStats {
  const sorted = [...durations].sort((a, b) => a - b);
  const sum = sorted.reduce((s, d) => s + d, 0);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? 0,
    mean: sorted.length ? Math.round(sum / sorted.length) : 0,
  };
}

const rate = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

/** Per-job statistics, jobs sorted by name. */
export function summarizeRuns(samples: Iterable<RunSample>): RunStats {
  const byJob = new Map<string, RunSample[]>();
  for (const s of samples) byJob.set(s.job, [...(byJob.get(s.job) ?? []), s]);
  const jobs = [...byJob.keys()].sort().map((job): JobStats => {
    const runs = byJob.get(job)!;
    const completed = runs.filter((r) => r.status === 'completed').length;
    const last = runs.reduce((a, b) => (b.startedAt.getTime() > a.startedAt.getTime() ? b : a));
    return {
      job,
      runs: runs.length,
      completed,
      failed: runs.length - completed,
      successRate: rate(completed, runs.length),
      durationMs: durationStats(runs.map((r) => r.durationMs)),
      items: {
        processed: runs.reduce((n, r) => n + r.itemsProcessed, 0),
        succeeded: runs.reduce((n, r) => n + r.itemsSucceeded, 0),
        failed: runs.reduce((n, r) => n + r.itemsFailed, 0),
      },
      lastRun: { startedAt: last.startedAt.toISOString(), status: last.status, durationMs: last.durationMs, workflowId: last.workflowId },
    };
  });
  const runs = jobs.reduce((n, j) => n + j.runs, 0);
  const completed = jobs.reduce((n, j) => n + j.completed, 0);
  return { jobs, overall: { runs, completed, failed: runs - completed, successRate: rate(completed, runs), errorRate: rate(runs - completed, runs) } };
}
