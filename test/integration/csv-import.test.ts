// CSV imports end to end on the real stack: real Temporal dev server, real worker, real
// MongoDB-protocol server, files in a folder of the test's own.
//   - one organisation imports its file while another's files are broken;
//   - running again imports nothing twice; the same file dropped again only finds duplicates;
//   - a worker killed (SIGKILL) half way through a file: another worker resumes it from the last
//     committed batch and every contact exists exactly once, counted once;
//   - the per-organisation Schedules: created, unchanged on a second apply, updated when the
//     interval changes, and a triggered Schedule runs the import.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Connection } from 'mongoose';
import { applyImportSchedules, importOwners, importStatus, startImport } from '../../src/client/imports';
import { connectTemporal, type TemporalHandle } from '../../src/client/temporal';
import type { AppConfig } from '../../src/config';
import { loadConfig } from '../../src/config';
import { closeDatabase, connectDatabase, ensureIndexes } from '../../src/db/connection';
import { getModels } from '../../src/db/models';
import { csvImportScheduleId, csvImportWorkflowId } from '../../src/domain/csv-import';
import { createLogger } from '../../src/observability/logger';
import { startWorker, type RunningWorker } from '../../src/workers/worker';
import { contactsOf, createOwner, dropFile, dropFixture, importDocs, tempImportDir } from '../helpers/csv-import';
import { ensureLocalStack, isolatedConfig } from '../helpers/local-stack';

const BIN = join(__dirname, '..', '..', '..', 'bin', 'metronome.js');

function csvOf(rows: number, prefix: string): string {
  const lines = ['email,first_name,last_name'];
  for (let i = 0; i < rows; i += 1) lines.push(`${prefix}${i}@example.com,First${i},Last${i}`);
  return `${lines.join('\n')}\n`;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('CSV imports on the real stack', () => {
  let config: AppConfig;
  let dir: string;
  let db: Connection;
  let temporal: TemporalHandle;
  let worker: RunningWorker | undefined;
  let doomed: ChildProcess | undefined;
  const schedules: string[] = [];

  before(async () => {
    await ensureLocalStack();
    dir = await tempImportDir('import');
    config = isolatedConfig('csvimport', { CSV_IMPORT_DIR: dir, CSV_IMPORT_BATCH_SIZE: '50', CSV_IMPORT_MAX_CONCURRENT: '2' });
    db = await connectDatabase(config.mongodbUri);
    await ensureIndexes(db);
    temporal = await connectTemporal(config);
  });

  after(async () => {
    doomed?.kill('SIGKILL');
    await worker?.shutdown();
    for (const id of schedules) await temporal.client.schedule.getHandle(id).delete().catch(() => undefined);
    await temporal?.close();
    await db?.dropDatabase();
    await closeDatabase(db);
    await rm(dir, { recursive: true, force: true });
  });

  it('imports one organisation while another has only broken files, and records both runs', async () => {
    worker = await startWorker(config, createLogger('warn'), { queues: ['imports'] });
    const good = await createOwner(db, 'good');
    const broken = await createOwner(db, 'broken');
    await dropFile(dir, good, 'contacts.csv', `${csvOf(120, 'good')}bad-address,Bad,Row\ngood7@example.com,Again,Seven\n`);
    await dropFixture(dir, good, 'crlf.csv');
    await dropFixture(dir, broken, 'missing-header.csv');
    await dropFixture(dir, broken, 'utf16.csv');

    const [goodRun, brokenRun] = await Promise.all([startImport(temporal.client, config, good), startImport(temporal.client, config, broken)]);
    const [goodResult, brokenResult] = await Promise.all([goodRun.handle.result(), brokenRun.handle.result()]);

    assert.equal(goodResult.filesTotal, 2);
    assert.equal(goodResult.filesFailed, 0);
    assert.deepEqual(goodResult.counts, { rows: 125, inserted: 123, invalid: 1, duplicatesInFile: 1, duplicatesInDb: 0 });
    assert.equal((await contactsOf(db, good)).length, 123);
    assert.deepEqual((await readdir(join(dir, good))).filter((f) => f.endsWith('.csv')), [], 'imported files left the folder');
    assert.equal((await readdir(join(dir, good, 'done'))).length, 2);

    assert.equal(brokenResult.filesTotal, 2);
    assert.equal(brokenResult.filesFailed, 2);
    assert.ok(brokenResult.files.every((f) => f.status === 'failed' && f.error));
    assert.equal((await contactsOf(db, broken)).length, 0);
    assert.equal((await readdir(join(dir, broken, 'failed'))).length, 2);

    const runs = await getModels(db).RunReport.collection.find({ job: 'csv-import' }).toArray();
    const byWorkflow = new Map(runs.map((r) => [r.workflowId as string, r]));
    assert.equal(byWorkflow.get(csvImportWorkflowId(good))?.status, 'completed');
    assert.equal(byWorkflow.get(csvImportWorkflowId(good))?.itemsSucceeded, 123);
    assert.equal(byWorkflow.get(csvImportWorkflowId(broken))?.status, 'failed');

    const status = await importStatus(temporal.client, db, { ownerId: good });
    assert.equal(status.files.length, 2);
    assert.ok(status.files.every((f) => f.status === 'completed' && f.bytesRead === f.size));
    assert.equal(status.run?.workflowStatus, 'COMPLETED');

    // Again: nothing left to import. The same content dropped again: every row is already there.
    const again = await (await startImport(temporal.client, config, good)).handle.result();
    assert.equal(again.filesTotal, 0);
    await dropFile(dir, good, 'contacts-again.csv', csvOf(120, 'good'));
    const third = await (await startImport(temporal.client, config, good)).handle.result();
    assert.deepEqual(third.counts, { rows: 120, inserted: 0, invalid: 0, duplicatesInFile: 0, duplicatesInDb: 120 });
    assert.equal((await contactsOf(db, good)).length, 123, 'nothing doubled');
    await worker.shutdown();
    worker = undefined;
  });

  it('resumes a file after its worker is killed half way, with every contact exactly once', async () => {
    const rows = 30_000;
    const owner = await createOwner(db, 'killed');
    await dropFile(dir, owner, 'big.csv', csvOf(rows, 'k'));
    const env = { ...process.env, MONGODB_URI: config.mongodbUri, TEMPORAL_TASK_QUEUE: config.temporal.taskQueue, CSV_IMPORT_DIR: dir, CSV_IMPORT_BATCH_SIZE: '200', LOG_LEVEL: 'warn' };
    doomed = spawn(process.execPath, [BIN, 'worker'], { env, stdio: 'ignore' });
    const { handle } = await startImport(temporal.client, config, owner);

    // Kill it once some, but not all, batches are committed.
    const atKill = await waitFor('a few committed batches', async () => {
      const [doc] = await importDocs(db, owner);
      return doc && doc.rows >= 2000 ? doc : undefined;
    });
    doomed.kill('SIGKILL');
    assert.ok(atKill.rows < rows, `the kill came part way through (${atKill.rows} of ${rows})`);
    assert.equal(atKill.status, 'running');
    worker = await startWorker({ ...loadConfig({ ...env }) }, createLogger('warn'), { queues: ['imports'] });
    const result = await handle.result();

    assert.equal(result.filesFailed, 0);
    assert.deepEqual(result.counts, { rows, inserted: rows, invalid: 0, duplicatesInFile: 0, duplicatesInDb: 0 }, 'the batch replayed after the kill is counted once, as inserted');
    const [doc] = await importDocs(db, owner);
    assert.equal(doc?.status, 'completed');
    assert.ok((doc?.attempt ?? 0) >= 2, 'a second attempt finished the file');
    assert.equal(doc?.byteOffset, doc?.size);
    const contacts = await contactsOf(db, owner);
    assert.equal(contacts.length, rows);
    assert.equal(new Set(contacts.map((c) => c.email)).size, rows);
    assert.ok(contacts.every((c) => c.import?.id === doc?._id && c.source === 'csv'));
    await worker.shutdown();
    worker = undefined;
  });

  it('applies one Schedule per organisation with a folder, idempotently, and a triggered Schedule imports', async () => {
    const owner = await createOwner(db, 'scheduled');
    await createOwner(db, 'no-folder');
    const inactive = await createOwner(db, 'inactive', false);
    await dropFile(dir, owner, 'scheduled.csv', csvOf(10, 'sched'));
    await dropFile(dir, inactive, 'ignored.csv', csvOf(10, 'inactive'));
    const owners = await importOwners(db, config);
    assert.ok(owners.includes(owner));
    assert.ok(!owners.includes(inactive), 'inactive organisations get no Schedule');
    assert.equal(owners.length, (await readdir(dir)).length - 1, 'only organisations with a folder (the inactive one excluded)');
    schedules.push(...owners.map(csvImportScheduleId));

    const first = await applyImportSchedules(temporal.client, config, owners);
    assert.ok(first.every((r) => r.action === 'created'), JSON.stringify(first));
    const second = await applyImportSchedules(temporal.client, config, owners);
    assert.ok(second.every((r) => r.action === 'unchanged'), JSON.stringify(second));
    const hourly = loadConfig({ ...process.env, MONGODB_URI: config.mongodbUri, TEMPORAL_TASK_QUEUE: config.temporal.taskQueue, CSV_IMPORT_DIR: dir, CSV_IMPORT_INTERVAL: '1h' });
    const [updated] = await applyImportSchedules(temporal.client, hourly, [owner]);
    assert.equal(updated?.action, 'updated');
    const description = await temporal.client.schedule.getHandle(csvImportScheduleId(owner)).describe();
    assert.equal(description.spec.intervals?.[0]?.every, 3_600_000);
    assert.equal(description.action.type === 'startWorkflow' ? description.action.workflowType : '', 'scheduledCsvImportWorkflow');

    worker = await startWorker(config, createLogger('warn'), { queues: ['imports'] });
    await temporal.client.schedule.getHandle(csvImportScheduleId(owner)).trigger();
    await waitFor('the triggered import', async () => {
      try {
        const run = await temporal.client.workflow.getHandle(csvImportWorkflowId(owner)).describe();
        return run.status.name === 'COMPLETED' ? run : undefined;
      } catch {
        return undefined;
      }
    });
    assert.equal((await contactsOf(db, owner)).length, 10);
    assert.ok(!existsSync(join(dir, owner, 'scheduled.csv')));
  });
});
