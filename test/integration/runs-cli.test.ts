// `metronome runs list | stats` as a user runs them: a real process against a database of the
// test's own, filled with run reports; bad flags give exit code 1 and a message naming the flag.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../../src/config';
import { closeDatabase, connectDatabase } from '../../src/db/connection';
import { getModels } from '../../src/db/models';
import type { RunStats } from '../../src/domain/run-stats';
import type { RunListItem } from '../../src/services/run-history';
import { listRuns, runStats, RunQueryError } from '../../src/services/run-history';
import { ensureLocalStack, isolatedConfig } from '../helpers/local-stack';

const BIN = join(__dirname, '..', '..', '..', 'bin', 'metronome.js');

describe('metronome runs (real database)', () => {
  let config: AppConfig;
  let db: Connection;
  const metronome = (args: string[]) => {
    const result = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, MONGODB_URI: config.mongodbUri, LOG_LEVEL: 'warn' }, encoding: 'utf8', timeout: 60_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  before(async () => {
    await ensureLocalStack();
    config = isolatedConfig('runs_cli');
    db = await connectDatabase(config.mongodbUri);
    const base = Date.UTC(2026, 10, 1);
    const report = (job: string, i: number, status: 'completed' | 'failed', durationMs: number) => ({
      key: `${job}-${i}/r`, job, workflowId: `${job}-${i}`, runId: 'r', status,
      startedAt: new Date(base + i * 3_600_000), finishedAt: new Date(base + i * 3_600_000 + durationMs), durationMs,
      itemsProcessed: 10, itemsSucceeded: status === 'completed' ? 10 : 7, itemsFailed: status === 'completed' ? 0 : 3, stats: { i },
      ...(status === 'failed' ? { error: 'SMTP down' } : {}),
    });
    // cleanup: 20 runs of 1..20 s, the 5th and 15th failed; monthly-invitations: 2 runs.
    await getModels(db).RunReport.collection.insertMany([
      ...Array.from({ length: 20 }, (_, i) => report('cleanup', i, i === 4 || i === 14 ? 'failed' : 'completed', (i + 1) * 1000)),
      report('monthly-invitations', 30, 'completed', 240_000),
      report('monthly-invitations', 31, 'completed', 200_000),
    ]);
  });

  after(async () => {
    await db?.dropDatabase();
    if (db) await closeDatabase(db);
  });

  it('runs list: newest first, filtered by job, status, since, limited', () => {
    const all = metronome(['runs', 'list', '--json', '--limit', '100']);
    assert.equal(all.code, 0, all.stderr);
    const runs = JSON.parse(all.stdout) as RunListItem[];
    assert.equal(runs.length, 22);
    assert.deepEqual(runs.slice(0, 3).map((r) => r.workflowId), ['monthly-invitations-31', 'monthly-invitations-30', 'cleanup-19']);

    const failed = JSON.parse(metronome(['runs', 'list', '--job', 'cleanup', '--status', 'failed', '--json']).stdout) as RunListItem[];
    assert.deepEqual(failed.map((r) => [r.workflowId, r.error]), [['cleanup-14', 'SMTP down'], ['cleanup-4', 'SMTP down']]);

    const limited = JSON.parse(metronome(['runs', 'list', '--job', 'cleanup', '--limit', '3', '--json']).stdout) as RunListItem[];
    assert.deepEqual(limited.map((r) => r.workflowId), ['cleanup-19', 'cleanup-18', 'cleanup-17']);

    const since = JSON.parse(metronome(['runs', 'list', '--since', '2026-11-01T18:00:00Z', '--job', 'cleanup', '--json']).stdout) as RunListItem[];
    assert.deepEqual(since.map((r) => r.workflowId), ['cleanup-19', 'cleanup-18']);

    const table = metronome(['runs', 'list', '--limit', '2']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^STARTED\s+JOB\s+STATUS\s+DURATION/);
    assert.match(table.stdout, /monthly-invitations\s+completed\s+200\.0s/);
    assert.equal(table.stdout.trim().split('\n').length, 3);
  });

  it('runs stats: per job count, success rate, duration percentiles, items, last run', () => {
    const run = metronome(['runs', 'stats', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const stats = JSON.parse(run.stdout) as RunStats;
    const cleanup = stats.jobs.find((j) => j.job === 'cleanup')!;
    assert.deepEqual([cleanup.runs, cleanup.completed, cleanup.failed, cleanup.successRate], [20, 18, 2, 0.9]);
    assert.deepEqual(cleanup.durationMs, { p50: 10_000, p95: 19_000, p99: 20_000, max: 20_000, mean: 10_500 });
    assert.deepEqual(cleanup.items, { processed: 200, succeeded: 18 * 10 + 2 * 7, failed: 2 * 3 });
    assert.equal(cleanup.lastRun.workflowId, 'cleanup-19');
    assert.deepEqual(stats.overall, { runs: 22, completed: 20, failed: 2, successRate: 20 / 22, errorRate: 2 / 22 });

    const one = JSON.parse(metronome(['runs', 'stats', '--job', 'monthly-invitations', '--json']).stdout) as RunStats;
    assert.deepEqual(one.jobs.map((j) => [j.job, j.runs, j.durationMs.max]), [['monthly-invitations', 2, 240_000]]);

    const table = metronome(['runs', 'stats']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /cleanup\s+20\s+18\s+2\s+90\.0%\s+10\.0s\s+19\.0s\s+20\.0s\s+20\.0s/);
    assert.match(table.stdout, /all jobs: 22 runs, 20 completed, 2 failed \(error rate 9\.1%\)/);
  });

  it('refuses bad flags with exit code 1 and a message naming the flag, without a stack trace', () => {
    const cases: [string[], RegExp][] = [
      [['runs', 'list', '--status', 'done'], /--status must be one of completed, failed, got "done"/],
      [['runs', 'list', '--limit', '0'], /--limit must be a whole number from 1 to 10000, got "0"/],
      [['runs', 'list', '--limit', '2.5'], /--limit must be a whole number from 1 to 10000, got "2.5"/],
      [['runs', 'list', '--limit', 'ten'], /--limit must be a whole number/],
      [['runs', 'list', '--since', 'yesterday'], /--since must be an ISO 8601 date \(2026-11-01\) or date-time/],
      [['runs', 'list', '--since', '2026-02-30'], /--since must be an ISO 8601 date/],
      [['runs', 'stats', '--since', '2026-13-01T00:00:00Z'], /--since must be an ISO 8601 date/],
      [['runs', 'stats', '--job', ''], /--job must not be empty/],
    ];
    for (const [args, message] of cases) {
      const run = metronome(args);
      assert.equal(run.code, 1, args.join(' '));
      assert.match(run.stderr, message, args.join(' '));
      assert.doesNotMatch(run.stderr, /at .*\.js:\d+/, 'no stack trace');
    }
    assert.equal(metronome(['runs', 'list', '--since', '2026-11-01']).code, 0, 'a plain date is accepted');
  });

  it('the service refuses bad filters itself (the HTTP API calls it directly)', async () => {
    await assert.rejects(listRuns(db, {}, 0), (e: unknown) => e instanceof RunQueryError && e.field === 'limit');
    await assert.rejects(listRuns(db, { status: 'done' as never }), (e: unknown) => e instanceof RunQueryError && e.field === 'status');
    await assert.rejects(runStats(db, { since: new Date('nope') }), (e: unknown) => e instanceof RunQueryError && e.field === 'since');
  });
});
