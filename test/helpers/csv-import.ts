// Helpers for the CSV import tests: organisations (users) of a test's own, their import folders,
// and running the real import activities inside Temporal's activity context harness.
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Types, type Connection, type mongo } from 'mongoose';
import { createActivities } from '../../src/activities';
import type { AppConfig } from '../../src/config';
import { getModels, importsCollection, type ContactDoc, type ImportDoc } from '../../src/db/models';
import type { ImportFileRef, ImportFileResult } from '../../src/domain/csv-import';
import { createLogger } from '../../src/observability/logger';
import type { Client } from '@temporalio/client';
import type { Mailer } from '../../src/mail/mailer';

export const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'csv');

export function tempImportDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `metronome-${prefix}-`));
}

/** Inserts an active user (an organisation) and returns its id. */
export async function createOwner(db: Connection, label: string, active = true): Promise<string> {
  const _id = new Types.ObjectId();
  await getModels(db).User.collection.insertOne({
    _id, email: `${label}-${_id.toHexString()}@owners.test`, name: label,
    metadata: { isActive: active, createdAt: new Date() }, preferences: { sendDay: 5, timezone: 'Europe/Paris', remindersEnabled: true },
  });
  return _id.toHexString();
}

export async function dropFile(dir: string, ownerId: string, fileName: string, content: string | Buffer): Promise<string> {
  await mkdir(join(dir, ownerId), { recursive: true });
  const path = join(dir, ownerId, fileName);
  await writeFile(path, content);
  return path;
}

export async function dropFixture(dir: string, ownerId: string, fixture: string): Promise<void> {
  await mkdir(join(dir, ownerId), { recursive: true });
  await copyFile(join(FIXTURES, fixture), join(dir, ownerId, fixture));
}

/** The import activities with the real database; only the Temporal activity context is the SDK's harness. */
export function importActivities(config: AppConfig, db: Connection) {
  const unused = new Proxy({}, { get: () => { throw new Error('not used by CSV imports'); } });
  return createActivities({ db, config, logger: createLogger('warn'), mailer: unused as Mailer, temporal: unused as Client });
}

/** Lists the owner's files and imports each, like one workflow run, in activity contexts. */
export async function importAll(config: AppConfig, db: Connection, ownerId: string, batchSize = config.imports.batchSize): Promise<ImportFileResult[]> {
  const activities = importActivities(config, db);
  const env = new MockActivityEnvironment();
  const files: ImportFileRef[] = await env.run(() => activities.listCsvImports({ ownerId }));
  const results: ImportFileResult[] = [];
  for (const file of files) results.push(await new MockActivityEnvironment().run(() => activities.importCsvFile({ ownerId, importId: file.importId, batchSize })));
  return results;
}

export async function importDocs(db: Connection, ownerId: string): Promise<ImportDoc[]> {
  return importsCollection(getModels(db).Import).find({ ownerId: new Types.ObjectId(ownerId) }).toArray();
}

export async function contactsOf(db: Connection, ownerId: string): Promise<ContactDoc[]> {
  return (getModels(db).Contact.collection as unknown as mongo.Collection<ContactDoc>).find({ ownerId: new Types.ObjectId(ownerId) }).sort({ email: 1 }).toArray();
}
