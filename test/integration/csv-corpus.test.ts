// The bad CSV corpus (test/fixtures/csv/README.md): each file through the real import activity
// and the real MongoDB-protocol server, with the outcome the README promises.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../../src/config';
import { closeDatabase, connectDatabase, ensureIndexes } from '../../src/db/connection';
import { getModels, importsCollection } from '../../src/db/models';
import { ensureLocalStack, isolatedConfig } from '../helpers/local-stack';
import { contactsOf, createOwner, dropFile, dropFixture, importAll, importDocs, tempImportDir } from '../helpers/csv-import';

describe('CSV corpus: every bad file has a defined outcome', () => {
  let config: AppConfig;
  let db: Connection;
  let dir: string;

  before(async () => {
    await ensureLocalStack();
    dir = await tempImportDir('corpus');
    config = isolatedConfig('csvcorpus', { CSV_IMPORT_DIR: dir, CSV_IMPORT_BATCH_SIZE: '2' });
    db = await connectDatabase(config.mongodbUri);
    await ensureIndexes(db);
  });

  after(async () => {
    await db?.dropDatabase();
    await closeDatabase(db);
    await rm(dir, { recursive: true, force: true });
  });

  async function run(fixture: string) {
    const ownerId = await createOwner(db, fixture.replace(/\W/g, ''));
    await dropFixture(dir, ownerId, fixture);
    const [result, ...more] = await importAll(config, db, ownerId);
    assert.equal(more.length, 0);
    assert.ok(result);
    const [doc] = await importDocs(db, ownerId);
    assert.ok(doc);
    const contacts = await contactsOf(db, ownerId);
    return { ownerId, result, doc, contacts };
  }

  function assertFailed(outcome: Awaited<ReturnType<typeof run>>, reason: RegExp, ownerId: string) {
    assert.equal(outcome.result.status, 'failed');
    assert.match(outcome.result.error ?? '', reason);
    assert.equal(outcome.doc.status, 'failed');
    assert.equal(outcome.contacts.length, 0);
    assert.ok(outcome.doc.movedTo?.startsWith('failed/'), 'a refused file is moved to failed/');
    assert.ok(existsSync(join(dir, ownerId, outcome.doc.movedTo ?? '-')));
  }

  it('refuses a UTF-16 file with a clear error', async () => {
    const outcome = await run('utf16.csv');
    assertFailed(outcome, /UTF-16.*save it as UTF-8/, outcome.ownerId);
  });

  it('rejects the Latin-1 row and keeps the others', async () => {
    const { result, doc, contacts } = await run('latin1.csv');
    assert.equal(result.status, 'completed');
    assert.deepEqual(contacts.map((c) => c.email), ['ana@example.com', 'bob@example.com']);
    assert.equal(result.invalid, 1);
    assert.deepEqual(doc.rowErrors, [{ row: 2, field: '(row)', reason: 'is not valid UTF-8 (save the file as UTF-8)' }]);
  });

  it('refuses a file without a header line', async () => {
    const outcome = await run('missing-header.csv');
    assertFailed(outcome, /missing header.*"email"/, outcome.ownerId);
  });

  it('keeps a quoted line break and a quoted comma inside fields', async () => {
    const { result, contacts } = await run('quoted-newlines.csv');
    assert.equal(result.status, 'completed');
    assert.equal(result.rows, 2);
    assert.equal(contacts[0]?.lastName, 'Lima\nsecond line');
    assert.equal(contacts[1]?.lastName, 'Stone, Jr.');
  });

  it('rejects the row of a 1 MB cell and goes on with the file', async () => {
    const ownerId = await createOwner(db, 'huge');
    await dropFile(dir, ownerId, 'huge-field.csv', `email,name\nana@example.com,Ana\nbig@example.com,"${'x'.repeat(1024 * 1024)}"\ncarl@example.com,Carl\n`);
    const [result] = await importAll(config, db, ownerId);
    assert.equal(result?.status, 'completed');
    assert.deepEqual((await contactsOf(db, ownerId)).map((c) => c.email), ['ana@example.com', 'carl@example.com']);
    const [doc] = await importDocs(db, ownerId);
    assert.equal(doc?.rows, 3);
    assert.deepEqual(doc?.rowErrors, [{ row: 2, field: '(row)', reason: 'is larger than the limit of one record (64 KiB)' }]);
  });

  it('counts duplicates within the file (case and spaces ignored) and inserts each address once', async () => {
    const { result, doc, contacts } = await run('duplicates.csv');
    assert.equal(result.inserted, 3);
    assert.equal(result.duplicatesInFile, 2);
    assert.deepEqual(contacts.map((c) => c.email), ['ana@example.com', 'bob@example.com', 'carl@example.com']);
    assert.deepEqual(doc.duplicateSamples.map((d) => [d.row, d.kind]).sort(), [[3, 'file'], [4, 'file']]);
  });

  it('refuses an empty file', async () => {
    const outcome = await run('empty.csv');
    assertFailed(outcome, /the file is empty/, outcome.ownerId);
  });

  it('completes a header-only file with nothing to import', async () => {
    const { result, doc } = await run('header-only.csv');
    assert.equal(result.status, 'completed');
    assert.equal(result.rows, 0);
    assert.ok(doc.movedTo?.startsWith('done/'));
  });

  it('reads CRLF line endings without stray carriage returns', async () => {
    const { result, contacts } = await run('crlf.csv');
    assert.equal(result.inserted, 3);
    assert.deepEqual(contacts.map((c) => `${c.firstName}|${c.lastName}`), ['Ana|Lima', 'Bob|Stone', 'Carl|Sagan']);
  });

  it('reads a file starting with a UTF-8 byte-order mark', async () => {
    const { result, contacts } = await run('bom.csv');
    assert.equal(result.inserted, 2);
    assert.deepEqual(contacts.map((c) => [c.email, c.firstName, c.lastName]), [['ana@example.com', 'Ana', 'Lima'], ['bob@example.com', 'Bob', '']]);
  });

  it('reports each invalid row with its number, field and reason, and keeps the valid rows', async () => {
    const { result, doc, contacts } = await run('invalid-rows.csv');
    assert.equal(result.status, 'completed');
    assert.deepEqual(contacts.map((c) => c.email), ['ana@example.com', 'eve@example.com']);
    assert.equal(result.invalid, 5);
    assert.deepEqual(doc.rowErrors.map((e) => [e.row, e.field]), [[2, 'email'], [3, 'email'], [4, 'firstName'], [5, '(row)'], [6, 'email']]);
    assert.match(doc.rowErrors[0]!.reason, /"not-an-email" is not a valid e-mail address/);
    assert.match(doc.rowErrors[3]!.reason, /has 3 fields, the header has 4/);
    assert.deepEqual(doc.ignoredColumns, ['company']);
  });

  it('rejects a row with a stray quote and reads on after it', async () => {
    const { result, doc, contacts } = await run('bad-quote.csv');
    assert.deepEqual(contacts.map((c) => c.email), ['ana@example.com', 'carl@example.com']);
    assert.equal(result.invalid, 1);
    assert.equal(doc.rowErrors[0]?.row, 2);
    assert.match(doc.rowErrors[0]?.reason ?? '', /cannot be parsed/);
  });

  it('never imports a completed file again, and moves it to done/', async () => {
    const ownerId = await createOwner(db, 'again');
    await dropFixture(dir, ownerId, 'crlf.csv');
    const [first] = await importAll(config, db, ownerId);
    assert.equal(first?.inserted, 3);
    assert.ok(!existsSync(join(dir, ownerId, 'crlf.csv')), 'moved out of the folder');
    assert.deepEqual(await importAll(config, db, ownerId), [], 'nothing left to import');
    // The same content dropped again is a new file: every row is now a duplicate of the database.
    await dropFixture(dir, ownerId, 'crlf.csv');
    const [second] = await importAll(config, db, ownerId);
    assert.equal(second?.inserted, 0);
    assert.equal(second?.duplicatesInDb, 3);
    assert.equal((await contactsOf(db, ownerId)).length, 3);
  });

  it('counts once a batch whose contacts were written but whose progress was not (a worker died in between)', async () => {
    const ownerId = await createOwner(db, 'replay');
    await dropFixture(dir, ownerId, 'duplicates.csv');
    const [first] = await importAll(config, db, ownerId);
    assert.deepEqual([first?.inserted, first?.duplicatesInFile], [3, 2]);
    // Put the file back and roll its import document back to "header read, no batch committed":
    // exactly what the database holds when a worker dies after inserting contacts and before saving progress.
    const [doc] = await importDocs(db, ownerId);
    assert.ok(doc?.movedTo);
    await rename(join(dir, ownerId, doc.movedTo), join(dir, ownerId, doc.fileName)); // keeps size and mtime: the same import
    await importsCollection(getModels(db).Import).updateOne({ _id: doc._id }, {
      $set: { status: 'running', byteOffset: 11, rows: 0, inserted: 0, invalid: 0, duplicatesInFile: 0, duplicatesInDb: 0, rowErrors: [], duplicateSamples: [] },
    });
    const [again] = await importAll(config, db, ownerId);
    assert.deepEqual(
      [again?.status, again?.rows, again?.inserted, again?.duplicatesInFile, again?.duplicatesInDb],
      ['completed', 5, 3, 2, 0],
      'the contacts of the replayed batches count as inserted, not as duplicates of the database',
    );
    assert.equal((await contactsOf(db, ownerId)).length, 3);
  });

  it('refuses to import for an inactive or unknown organisation', async () => {
    const inactive = await createOwner(db, 'inactive', false);
    await dropFixture(dir, inactive, 'crlf.csv');
    await assert.rejects(importAll(config, db, inactive), /organisation [0-9a-f]{24} is not active/);
    await assert.rejects(importAll(config, db, 'ffffffffffffffffffffffff'), /organisation ffffffffffffffffffffffff does not exist/);
    await assert.rejects(importAll(config, db, '../etc'), /ownerId "..\/etc" is not a 24-character hex id/);
    assert.equal((await contactsOf(db, inactive)).length, 0);
  });
});
