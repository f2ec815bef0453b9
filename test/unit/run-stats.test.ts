import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { durationStats, percentile, summarizeRuns, type RunSample } from '../../src/domain/run-stats';

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('run statistics', () => {
  it('percentile is nearest-rank over ascending values', () => {
    assert.equal(percentile(range(100), 50), 50);
    assert.equal(percentile(range(100), 95), 95);
    assert.equal(percentile(range(100), 99), 99);
    assert.equal(percentile(range(100), 100), 100);
    assert.equal(percentile([1, 2, 3, 4], 50), 2);
    assert.equal(percentile([1, 2, 3, 4], 51), 3);
    assert.equal(percentile([7], 1), 7);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile(range(10), 95), 10, 'ceil(9.5) = 10th value');
    assert.equal(percentile(range(10), 1), 1);
    assert.equal(percentile([], 50), 0);
    assert.throws(() => percentile([1], 0), RangeError);
    assert.throws(() => percentile([1], 101), RangeError);
  });

  it('duration stats sort their input and give p50/p95/p99/max/mean', () => {
    const shuffled = [...range(200)].reverse();
    assert.deepEqual(durationStats(shuffled), { p50: 100, p95: 190, p99: 198, max: 200, mean: 101 });
    assert.deepEqual(durationStats([]), { p50: 0, p95: 0, p99: 0, max: 0, mean: 0 });
    assert.deepEqual(durationStats([5, 1000]), { p50: 5, p95: 1000, p99: 1000, max: 1000, mean: 503 });
  });

  it('summarizes per job: counts, success rate, items and the last run', () => {
    const at = (day: number) => new Date(Date.UTC(2026, 10, day));
    const sample = (job: string, status: RunSample['status'], day: number, durationMs: number, items = [0, 0, 0]): RunSample => ({
      job, status, startedAt: at(day), durationMs, itemsProcessed: items[0]!, itemsSucceeded: items[1]!, itemsFailed: items[2]!, workflowId: `${job}-${day}`,
    });
    const stats = summarizeRuns([
      sample('cleanup', 'completed', 1, 100, [10, 10, 0]),
      sample('cleanup', 'failed', 3, 300, [5, 0, 5]),
      sample('cleanup', 'completed', 2, 200, [1, 1, 0]),
      sample('cleanup', 'completed', 4, 400),
      sample('monthly-invitations', 'completed', 5, 1000, [100, 98, 2]),
    ]);
    assert.deepEqual(stats.jobs.map((j) => j.job), ['cleanup', 'monthly-invitations']);
    const cleanup = stats.jobs[0]!;
    assert.equal(cleanup.runs, 4);
    assert.equal(cleanup.completed, 3);
    assert.equal(cleanup.failed, 1);
    assert.equal(cleanup.successRate, 0.75);
    assert.deepEqual(cleanup.durationMs, { p50: 200, p95: 400, p99: 400, max: 400, mean: 250 });
    assert.deepEqual(cleanup.items, { processed: 16, succeeded: 11, failed: 5 });
    assert.deepEqual(cleanup.lastRun, { startedAt: at(4).toISOString(), status: 'completed', durationMs: 400, workflowId: 'cleanup-4' });
    assert.deepEqual(stats.overall, { runs: 5, completed: 4, failed: 1, successRate: 0.8, errorRate: 0.2 });
    assert.deepEqual(summarizeRuns([]), { jobs: [], overall: { runs: 0, completed: 0, failed: 0, successRate: 0, errorRate: 0 } });
  });
});
