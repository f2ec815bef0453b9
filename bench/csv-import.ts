// Benchmark: one large CSV file through the real import activity (not a test).
//   node dist/bench/csv-import.js [--rows 1000000] [--batch-size 1000] [--keep]
// Writes a CSV of --rows contacts to a temporary folder (streamed, never held in memory), imports
// it with the real `importCsvFile` activity (in Temporal's activity context harness, so heartbeats
// work) into a database of its own on MONGODB_URI, and prints rows per second, wall time and the
// process's peak RSS (sampled every 100 ms, and the kernel's VmHWM). The database and the folder
// are removed at the end (mongo-java-server keeps everything in memory) unless --keep. The last
// line is one JSON object with the figures.
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import { Types } from 'mongoose';
import { createActivities } from '../src/activities';
import { loadConfig } from '../src/config';
import { closeDatabase, connectDatabase, ensureIndexes } from '../src/db/connection';
import { getModels } from '../src/db/models';
import type { ImportFileRef, ImportFileResult } from '../src/domain/csv-import';
import type { Mailer } from '../src/mail/mailer';
import { createLogger } from '../src/observability/logger';

function vmHwmMb(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

async function writeCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('email,first_name,last_name\n');
  for (let i = 0; i < rows; i += 1) {
    // Every 1,000th row is invalid and every 500th a duplicate of the row before, so those paths are measured too.
    const n = i % 500 === 499 ? i - 1 : i;
    const line = i % 1000 === 999 ? `not-an-address-${i},Bad,Row\n` : `person${n}@bench.example.com,First${n},"Last, ${n}"\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, 'batch-size': { type: 'string', default: '1000' }, keep: { type: 'boolean', default: false } } });
  const rows = Number(values.rows);
  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(rows) || rows < 1) throw new Error('--rows must be a positive whole number');
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new Error('--batch-size must be a whole number from 1 to 10000');

  const dir = await mkdtemp(join(tmpdir(), 'metronome-bench-csv-'));
  const base = loadConfig();
  const uri = new URL(base.mongodbUri);
  uri.pathname = `/metronome_bench_csv_${Date.now().toString(36)}`;
  const config = loadConfig({ ...process.env, MONGODB_URI: uri.toString(), CSV_IMPORT_DIR: dir, LOG_LEVEL: 'warn' });
  const db = await connectDatabase(config.mongodbUri);
  try {
    await ensureIndexes(db);
    const ownerId = new Types.ObjectId();
    await getModels(db).User.collection.insertOne({
      _id: ownerId, email: 'bench-owner@bench.example.com', name: 'Bench', metadata: { isActive: true, createdAt: new Date() },
      preferences: { sendDay: 5, timezone: 'Europe/Paris', remindersEnabled: true },
    });
    await mkdir(join(dir, ownerId.toHexString()), { recursive: true });
    const file = join(dir, ownerId.toHexString(), 'contacts.csv');
    const writeStart = Date.now();
    await writeCsv(file, rows);
    const size = (await stat(file)).size;
    console.log(`wrote ${rows} rows (${(size / 1e6).toFixed(1)} MB) in ${((Date.now() - writeStart) / 1000).toFixed(1)} s`);

    const unused = new Proxy({}, { get: () => { throw new Error('not used by CSV imports'); } });
    const activities = createActivities({ db, config, logger: createLogger('warn'), mailer: unused as Mailer, temporal: unused as Client });
    const [ref]: ImportFileRef[] = await new MockActivityEnvironment().run(() => activities.listCsvImports({ ownerId: ownerId.toHexString() }));
    if (!ref) throw new Error('the file was not listed');

    global.gc?.();
    const rssBefore = process.memoryUsage().rss / 2 ** 20;
    let peakRss = rssBefore;
    const samples: number[] = [];
    const sampler = setInterval(() => {
      const rss = process.memoryUsage().rss / 2 ** 20;
      peakRss = Math.max(peakRss, rss);
      samples.push(rss);
    }, 100);
    const env = new MockActivityEnvironment();
    let heartbeats = 0;
    env.on('heartbeat', () => { heartbeats += 1; });
    const started = Date.now();
    const result: ImportFileResult = await env.run(() => activities.importCsvFile({ ownerId: ownerId.toHexString(), importId: ref.importId, batchSize }));
    const wallMs = Date.now() - started;
    clearInterval(sampler);
    const contacts = await getModels(db).Contact.collection.estimatedDocumentCount();
    const tenth = samples[Math.floor(samples.length / 10)] ?? 0;
    const figures = {
      rows, batchSize, fileMb: Number((size / 1e6).toFixed(1)), status: result.status,
      inserted: result.inserted, invalid: result.invalid, duplicatesInFile: result.duplicatesInFile, contactsInDb: contacts,
      wallSeconds: Number((wallMs / 1000).toFixed(1)), rowsPerSecond: Math.round(rows / (wallMs / 1000)), heartbeats,
      rssBeforeMb: Math.round(rssBefore), rssAtTenPercentMb: Math.round(tenth), peakRssMb: Math.round(peakRss), vmHwmMb: Math.round(vmHwmMb()),
    };
    console.log(`imported ${result.inserted} contacts (${result.invalid} invalid, ${result.duplicatesInFile} duplicates) in ${figures.wallSeconds} s: ${figures.rowsPerSecond} rows/s`);
    console.log(`RSS: ${figures.rssBeforeMb} MB before, ${figures.rssAtTenPercentMb} MB at 10 % of the run, peak ${figures.peakRssMb} MB (VmHWM ${figures.vmHwmMb} MB)`);
    console.log(JSON.stringify(figures));
  } finally {
    if (!values.keep) {
      await db.dropDatabase().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
    await closeDatabase(db);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
