// `metronome imports …` as a user runs it: bad flags are refused naming the flag, a run with
// --wait --json prints the figures, status shows the files, schedules apply is idempotent.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Connection } from 'mongoose';
import { connectTemporal } from '../../src/client/temporal';
import type { AppConfig } from '../../src/config';
import { closeDatabase, connectDatabase, ensureIndexes } from '../../src/db/connection';
import { csvImportScheduleId, type CsvImportResult } from '../../src/domain/csv-import';
import type { ImportStatusReport, ScheduleApplyResult } from '../../src/client/imports';
import { createOwner, dropFixture, tempImportDir } from '../helpers/csv-import';
import { ensureLocalStack, isolatedConfig } from '../helpers/local-stack';

const BIN = join(__dirname, '..', '..', '..', 'bin', 'metronome.js');

function metronome(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('metronome imports (CLI)', () => {
  let config: AppConfig;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let db: Connection;
  let worker: ChildProcess | undefined;
  let owner: string;

  before(async () => {
    await ensureLocalStack();
    dir = await tempImportDir('cli');
    config = isolatedConfig('importscli', { CSV_IMPORT_DIR: dir });
    env = { ...process.env, MONGODB_URI: config.mongodbUri, TEMPORAL_TASK_QUEUE: config.temporal.taskQueue, CSV_IMPORT_DIR: dir, LOG_LEVEL: 'warn' };
    db = await connectDatabase(config.mongodbUri);
    await ensureIndexes(db);
    owner = await createOwner(db, 'cli');
  });

  after(async () => {
    if (worker && worker.exitCode === null) {
      const exited = once(worker, 'exit');
      worker.kill('SIGTERM');
      await exited;
    }
    const temporal = await connectTemporal(config);
    await temporal.client.schedule.getHandle(csvImportScheduleId(owner)).delete().catch(() => undefined);
    await temporal.close();
    await db?.dropDatabase();
    await closeDatabase(db);
    await rm(dir, { recursive: true, force: true });
  });

  const refused: [string[], RegExp][] = [
    [['imports', 'run'], /required option '--owner <id>'/],
    [['imports', 'run', '--owner', 'acme'], /--owner must be a user id \(24 hexadecimal characters\), got "acme"/],
    [['imports', 'run', '--owner', 'ffffffffffffffffffffffff'], /--owner ffffffffffffffffffffffff: no such user/],
    [['imports', 'status', '--owner', '123'], /--owner must be a user id/],
    [['imports', 'status', '--limit', '0'], /--limit must be a whole number from 1 to 1000, got "0"/],
    [['imports', 'schedules', 'apply', '--owner', 'x'], /--owner must be a user id/],
    [['imports', 'run', '--owner', 'ffffffffffffffffffffffff', '--bogus'], /unknown option '--bogus'/],
  ];
  for (const [args, message] of refused) {
    it(`refuses \`${args.join(' ')}\` naming the flag`, async () => {
      const run = await metronome(args, env);
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stderr, /at .*\.js:\d+/, 'no stack trace');
    });
  }

  it('refuses a bad CSV_IMPORT_INTERVAL naming the variable', async () => {
    const run = await metronome(['imports', 'status'], { ...env, CSV_IMPORT_INTERVAL: 'often' });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /CSV_IMPORT_INTERVAL="often" is not allowed: expected a duration from 1m to 24h/);
  });

  it('runs an import with --wait --json, shows it in status, and applies the Schedule idempotently', async () => {
    await dropFixture(dir, owner, 'invalid-rows.csv');
    worker = spawn(process.execPath, [BIN, 'worker'], { env, stdio: 'ignore' });
    const run = await metronome(['imports', 'run', '--owner', owner, '--wait', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as CsvImportResult;
    assert.equal(result.filesTotal, 1);
    assert.equal(result.counts.inserted, 2);
    assert.equal(result.counts.invalid, 5);

    const status = await metronome(['imports', 'status', '--owner', owner, '--json'], env);
    assert.equal(status.code, 0, status.stderr);
    const report = JSON.parse(status.stdout) as ImportStatusReport;
    assert.equal(report.files[0]?.status, 'completed');
    assert.equal(report.files[0]?.rowErrors.length, 5);
    assert.equal(report.run?.workflowStatus, 'COMPLETED');

    const human = await metronome(['imports', 'status', '--owner', owner], env);
    assert.match(human.stdout, /invalid-rows\.csv\s+completed/);
    assert.match(human.stdout, /row 2 email: "not-an-email" is not a valid e-mail address/);

    const applied = await metronome(['imports', 'schedules', 'apply', '--owner', owner, '--json'], env);
    assert.equal(applied.code, 0, applied.stderr);
    assert.deepEqual((JSON.parse(applied.stdout) as ScheduleApplyResult[]).map((r) => r.action), ['created']);
    const again = await metronome(['imports', 'schedules', 'apply', '--owner', owner, '--json'], env);
    assert.deepEqual((JSON.parse(again.stdout) as ScheduleApplyResult[]).map((r) => r.action), ['unchanged']);
  });
});
