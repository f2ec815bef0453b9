// CSV contact imports: list an organisation's files, import one file exactly once.
//
// Exactly once per file: the `imports` document of a file (_id from owner, name, size, mtime) says
// whether it is pending, running, completed or failed; a completed file is never read again and
// is moved to `done/`. Exactly once per contact: a contact's _id derives from (owner, e-mail), and
// each batch is committed in this order — insert the new contacts (unordered bulk write), then
// save the byte offset and the counts in the import document in one update, then heartbeat. A
// worker that dies between the two leaves contacts the document does not count yet; the retry
// re-reads that batch, finds them by _id carrying this import's id and row (`contact.import`), and
// counts them as inserted, not as duplicates.
import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { activityInfo, ApplicationFailure, heartbeat } from '@temporalio/activity';
import { mongo, Types } from 'mongoose';
import { getModels, importsCollection, type ContactDoc, type DuplicateSample, type ImportDoc } from '../db/models';
import { projectPath } from '../devstack/stack';
import {
  checkHeader, checkRow, isOwnerId, MAX_RECORD_BYTES, MAX_REPORTED_ROWS,
  type ContactRow, type HeaderMapping, type ImportFileRef, type ImportFileResult, type RowProblem,
} from '../domain/csv-import';
import { readCsv, sniffEncoding } from './csv-reader';
import type { ActivityDeps } from './deps';

export const DONE_DIR = 'done';
export const FAILED_DIR = 'failed';

/** The folder an organisation drops its CSV files in. */
export function ownerImportDir(dir: string, ownerId: string): string {
  return join(projectPath(dir), ownerId);
}

/** Deterministic contact _id: the first 12 bytes of sha256(owner, lowercased e-mail). */
export function contactIdFor(ownerId: string, email: string): Types.ObjectId {
  return new Types.ObjectId(createHash('sha256').update(`${ownerId}\n${email}`).digest().subarray(0, 12));
}

export function importIdFor(ownerId: string, fileName: string, size: number, mtimeMs: number): string {
  const hash = createHash('sha256').update(`${fileName}\n${size}\n${Math.trunc(mtimeMs)}`).digest('hex').slice(0, 16);
  return `${ownerId}-${hash}`;
}

export interface ListImportsInput { ownerId: string; workflowId?: string }
export interface ImportFileInput { ownerId: string; importId: string; batchSize: number }

class ImportSuperseded extends Error {}

function resultOf(doc: ImportDoc): ImportFileResult {
  return {
    importId: doc._id, fileName: doc.fileName, status: doc.status,
    rows: doc.rows, inserted: doc.inserted, invalid: doc.invalid, duplicatesInFile: doc.duplicatesInFile, duplicatesInDb: doc.duplicatesInDb,
    ...(doc.error !== undefined && { error: doc.error }),
  };
}

/** Moves a finished file out of the folder the next run lists; never overwrites another file. */
async function moveAside(folder: string, fileName: string, sub: string, importId: string): Promise<string | undefined> {
  const target = join(folder, sub);
  await mkdir(target, { recursive: true });
  const name = `${importId.slice(-16)}-${fileName}`;
  try {
    await rename(join(folder, fileName), join(target, name));
    return `${sub}/${name}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // moved already
    throw error;
  }
}

export function createCsvImportActivities({ db, config, logger }: ActivityDeps) {
  const models = getModels(db);
  const Import = importsCollection(models.Import);
  const contacts = models.Contact.collection as unknown as mongo.Collection<ContactDoc>;
  const { User } = models;

  async function finish(doc: ImportDoc, folder: string): Promise<void> {
    const movedTo = await moveAside(folder, doc.fileName, doc.status === 'completed' ? DONE_DIR : FAILED_DIR, doc._id);
    if (movedTo) await Import.updateOne({ _id: doc._id }, { $set: { movedTo } });
  }

  async function fail(doc: ImportDoc, folder: string, error: string): Promise<ImportFileResult> {
    const now = new Date();
    await Import.updateOne({ _id: doc._id }, { $set: { status: 'failed', error, finishedAt: now, updatedAt: now } });
    const failed = { ...doc, status: 'failed' as const, error };
    await finish(failed, folder);
    logger.warn({ event: 'csv-import-file-failed', ownerId: doc.ownerId.toString(), importId: doc._id, fileName: doc.fileName, error }, 'CSV file refused');
    return resultOf(failed);
  }

  return {
    /**
     * Registers every CSV file in the organisation's folder (one `imports` document each, created
     * once) and returns those still to import. Files already completed or failed are moved aside.
     */
    async listCsvImports({ ownerId, workflowId }: ListImportsInput): Promise<ImportFileRef[]> {
      if (!isOwnerId(ownerId)) throw ApplicationFailure.nonRetryable(`ownerId "${ownerId}" is not a 24-character hex id`, 'InvalidInput');
      const owner = await User.collection.findOne({ _id: new Types.ObjectId(ownerId) }, { projection: { 'metadata.isActive': 1 } });
      if (!owner) throw ApplicationFailure.nonRetryable(`organisation ${ownerId} does not exist`, 'InvalidInput');
      if ((owner.metadata as { isActive?: boolean } | undefined)?.isActive === false) {
        throw ApplicationFailure.nonRetryable(`organisation ${ownerId} is not active: its files are not imported`, 'InvalidInput');
      }
      const folder = ownerImportDir(config.imports.dir, ownerId);
      let names: string[];
      try {
        names = (await readdir(folder, { withFileTypes: true })).filter((e) => e.isFile() && /\.csv$/i.test(e.name)).map((e) => e.name).sort();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const todo: ImportFileRef[] = [];
      for (const fileName of names) {
        const info = await stat(join(folder, fileName));
        const importId = importIdFor(ownerId, fileName, info.size, info.mtimeMs);
        const now = new Date();
        await Import.updateOne({ _id: importId }, {
          $setOnInsert: {
            ownerId: new Types.ObjectId(ownerId), fileName, size: info.size, mtimeMs: info.mtimeMs, status: 'pending', attempt: 0,
            byteOffset: 0, ignoredColumns: [], rows: 0, inserted: 0, invalid: 0, duplicatesInFile: 0, duplicatesInDb: 0,
            rowErrors: [], duplicateSamples: [], createdAt: now, updatedAt: now, ...(workflowId ? { workflowId } : {}),
          },
        }, { upsert: true });
        const doc = await Import.findOne({ _id: importId });
        if (doc?.status === 'completed' || doc?.status === 'failed') await finish(doc, folder);
        else todo.push({ importId, fileName });
      }
      return todo;
    },

    /** Imports one file from where its last attempt stopped; see the module comment for exactly-once. */
    async importCsvFile({ ownerId, importId, batchSize }: ImportFileInput): Promise<ImportFileResult> {
      const folder = ownerImportDir(config.imports.dir, ownerId);
      const attempt = activityInfo().attempt;
      const found = await Import.findOne({ _id: importId });
      if (!found) throw ApplicationFailure.nonRetryable(`import ${importId} does not exist`, 'InvalidInput');
      if (found.status === 'completed' || found.status === 'failed') {
        await finish(found, folder);
        return resultOf(found);
      }
      const now = new Date();
      // Take the file over: an older attempt (a zombie past its heartbeat timeout) sees the new attempt number and stops.
      await Import.updateOne({ _id: importId }, { $set: { status: 'running', attempt, updatedAt: now }, $min: { startedAt: now } });
      const doc: ImportDoc = { ...found, status: 'running', attempt };
      const path = join(folder, doc.fileName);

      try {
        const info = await stat(path);
        if (info.size !== doc.size) return await fail(doc, folder, `the file changed while it was being imported (size ${doc.size} → ${info.size}); drop it again`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return await fail(doc, folder, 'the file disappeared before it was imported');
        throw error;
      }
      if (doc.byteOffset === 0) {
        const encoding = await sniffEncoding(path);
        if (encoding) return await fail(doc, folder, encoding);
      }

      const state = {
        rows: doc.rows, inserted: doc.inserted, invalid: doc.invalid, duplicatesInFile: doc.duplicatesInFile, duplicatesInDb: doc.duplicatesInDb,
        rowErrors: [...doc.rowErrors], duplicateSamples: [...doc.duplicateSamples],
      };
      let header = doc.header;
      let mapping: HeaderMapping | undefined;
      if (header) {
        const check = checkHeader(header);
        if (!check.ok) return await fail(doc, folder, check.problem);
        mapping = check.mapping;
      }

      const noteError = (problem: RowProblem) => {
        state.invalid += 1;
        if (state.rowErrors.length < MAX_REPORTED_ROWS) state.rowErrors.push(problem);
      };
      const noteDuplicate = (sample: DuplicateSample) => {
        if (sample.kind === 'file') state.duplicatesInFile += 1;
        else state.duplicatesInDb += 1;
        if (state.duplicateSamples.length < MAX_REPORTED_ROWS) state.duplicateSamples.push(sample);
      };

      let batch: { row: number; contact: ContactRow }[] = [];
      let batchRecords = 0;
      let byteOffset = doc.byteOffset;

      const commit = async () => {
        await insertBatch(batch);
        const updatedAt = new Date();
        const result = await Import.updateOne({ _id: importId, attempt }, {
          $set: { byteOffset, ...(header && { header }), ...(mapping && { ignoredColumns: mapping.ignored }), ...state, updatedAt },
        });
        if (result.matchedCount === 0) throw new ImportSuperseded();
        heartbeat({ byteOffset, rows: state.rows });
        batch = [];
        batchRecords = 0;
      };

      const insertBatch = async (rows: { row: number; contact: ContactRow }[]) => {
        if (rows.length === 0) return;
        // First occurrence of an address in the batch wins; later ones are duplicates within the file.
        const byId = new Map<string, { row: number; contact: ContactRow; id: Types.ObjectId }>();
        for (const entry of rows) {
          const id = contactIdFor(ownerId, entry.contact.email);
          const key = id.toHexString();
          if (byId.has(key)) noteDuplicate({ row: entry.row, email: entry.contact.email, kind: 'file' });
          else byId.set(key, { ...entry, id });
        }
        const existing = await contacts.find(
          { _id: { $in: [...byId.values()].map((e) => e.id) } },
          { projection: { import: 1 } },
        ).toArray();
        for (const contact of existing) {
          const key = contact._id.toHexString();
          const entry = byId.get(key)!;
          byId.delete(key);
          if (contact.import?.id === importId && contact.import.row === entry.row) state.inserted += 1; // ours, from the attempt that died
          else noteDuplicate({ row: entry.row, email: entry.contact.email, kind: contact.import?.id === importId ? 'file' : 'database' });
        }
        const fresh = [...byId.values()];
        if (fresh.length === 0) return;
        const now = new Date();
        const operations: mongo.AnyBulkWriteOperation<ContactDoc>[] = fresh.map(({ id, row, contact }) => ({
          insertOne: {
            document: {
              _id: id, ownerId: new Types.ObjectId(ownerId), email: contact.email, firstName: contact.firstName, lastName: contact.lastName,
              isActive: true, optedOut: false, bounceCount: 0, temporaryBounceCount: 0, tracking: { invitationsSent: 0 },
              source: 'csv', import: { id: importId, row }, createdAt: now, updatedAt: now,
            },
          },
        }));
        let refused = new Set<number>();
        try {
          await contacts.bulkWrite(operations, { ordered: false });
        } catch (error) {
          if (!(error instanceof mongo.MongoBulkWriteError)) throw error;
          const writeErrors = ([] as mongo.WriteError[]).concat(error.writeErrors);
          const other = writeErrors.find((e) => e.code !== 11000);
          if (other) throw error; // retried by Temporal; the retry recognises what did get in
          // A contact with this (owner, e-mail) but another _id (created by hand, the seed or the API).
          refused = new Set(writeErrors.map((e) => e.index));
        }
        fresh.forEach((entry, index) => {
          if (refused.has(index)) noteDuplicate({ row: entry.row, email: entry.contact.email, kind: 'database' });
          else state.inserted += 1;
        });
      };

      try {
        for await (const entry of readCsv(path, { start: byteOffset, maxRecordBytes: MAX_RECORD_BYTES })) {
          if (!header) {
            if (entry.kind === 'bad') return await fail(doc, folder, `the header line ${entry.reason}`);
            const check = checkHeader(entry.fields);
            if (!check.ok) return await fail(doc, folder, check.problem);
            header = entry.fields.map((cell) => cell.replace(/^\uFEFF/, ''));
            mapping = check.mapping;
            byteOffset = entry.endByte;
            continue;
          }
          state.rows += 1;
          const row = state.rows;
          if (entry.kind === 'bad') noteError({ row, field: '(row)', reason: entry.reason });
          else {
            const check = checkRow(entry.fields, mapping!, row);
            if (check.ok) batch.push({ row, contact: check.contact });
            else noteError(check.problem);
          }
          byteOffset = entry.endByte;
          batchRecords += 1;
          if (batchRecords >= batchSize) await commit();
        }
        if (!header) return await fail(doc, folder, 'the file is empty: a header line with an "email" column is required');
        await commit();
      } catch (error) {
        if (error instanceof ImportSuperseded) {
          throw ApplicationFailure.nonRetryable(`import ${importId}: a newer attempt took the file over`, 'ImportSuperseded');
        }
        throw error;
      }

      const finishedAt = new Date();
      const completed = await Import.findOneAndUpdate(
        { _id: importId, attempt },
        { $set: { status: 'completed', finishedAt, updatedAt: finishedAt } },
        { returnDocument: 'after' },
      );
      if (!completed) throw ApplicationFailure.nonRetryable(`import ${importId}: a newer attempt took the file over`, 'ImportSuperseded');
      await finish(completed, folder);
      logger.info({ event: 'csv-import-file-completed', ownerId, ...resultOf(completed) }, 'CSV file imported');
      return resultOf(completed);
    },
  };
}
