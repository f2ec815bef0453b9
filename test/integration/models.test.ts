// Models against a real server: the indexes the scheduler relies on for idempotency and lookups
// must exist and refuse duplicates, and validation must reject malformed months and statuses.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Types, type Connection } from 'mongoose';
import { closeDatabase, connectDatabase, ensureIndexes } from '../../src/db/connection';
import { getModels, INVITATION_STATUSES, type Models } from '../../src/db/models';
import { newInvitationToken } from '../../src/domain/tokens';
import { testDbUri, uniqueTestDbName } from '../helpers/test-db';

const DUPLICATE_KEY = 11000;

function indexKeys(indexes: Array<{ key: Record<string, unknown>; unique?: boolean }>): string[] {
  return indexes.map((index) => `${JSON.stringify(index.key)}${index.unique ? ' unique' : ''}`);
}

function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === DUPLICATE_KEY;
}

function invitationFields(overrides: Record<string, unknown> = {}) {
  return {
    ownerId: new Types.ObjectId(),
    contactId: new Types.ObjectId(),
    email: 'Someone@Example.test ',
    month: '2025-03',
    expiresAt: new Date('2025-04-05T00:00:00Z'),
    ...overrides,
  };
}

describe('models (integration)', () => {
  let conn: Connection;
  let models: Models;

  before(async () => {
    conn = await connectDatabase(testDbUri(uniqueTestDbName('models')), { appName: 'metronome-test-models' });
    models = getModels(conn);
    await ensureIndexes(conn);
  });

  after(async () => {
    if (!conn) return;
    await conn.dropDatabase();
    await closeDatabase(conn);
  });

  it('caches models per connection and uses the documented collections', () => {
    assert.equal(getModels(conn), models);
    assert.equal(models.User.collection.collectionName, 'users');
    assert.equal(models.Contact.collection.collectionName, 'contacts');
    assert.equal(models.Invitation.collection.collectionName, 'invitations');
  });

  it('creates every documented index', async () => {
    const users = indexKeys(await models.User.collection.indexes());
    for (const key of [
      '{"email":1} unique',
      '{"metadata.isActive":1,"preferences.sendDay":1}',
      '{"preferences.sendDay":1,"preferences.timezone":1}',
      '{"metadata.isActive":1,"_id":1}',
    ]) assert.ok(users.includes(key), `users lacks ${key}: ${users.join(', ')}`);

    const contacts = indexKeys(await models.Contact.collection.indexes());
    for (const key of ['{"ownerId":1,"email":1} unique', '{"ownerId":1,"isActive":1,"optedOut":1}']) {
      assert.ok(contacts.includes(key), `contacts lacks ${key}: ${contacts.join(', ')}`);
    }

    const invitations = indexKeys(await models.Invitation.collection.indexes());
    for (const key of [
      '{"month":1,"status":1}',
      '{"tracking.sentAt":1,"status":1,"expiresAt":1}',
      '{"reminders.type":1}',
      '{"ownerId":1,"contactId":1,"month":1} unique',
      '{"token":1} unique',
    ]) assert.ok(invitations.includes(key), `invitations lacks ${key}: ${invitations.join(', ')}`);
  });

  it('ensureIndexes is idempotent', async () => {
    const before = (await models.Invitation.collection.indexes()).length;
    await ensureIndexes(conn);
    assert.equal((await models.Invitation.collection.indexes()).length, before);
  });

  it('applies invitation defaults: status created, a long random token, zero attempts, no reminders', async () => {
    const invitation = await models.Invitation.create(invitationFields());
    assert.equal(invitation.status, 'created');
    assert.equal(invitation.email, 'someone@example.test');
    assert.equal(invitation.tracking.attempts, 0);
    assert.deepEqual([...invitation.reminders], []);
    assert.match(invitation.token, /^[A-Za-z0-9_-]{32}$/);
    assert.ok(invitation.createdAt instanceof Date);
  });

  it('generates unique tokens', () => {
    const tokens = new Set(Array.from({ length: 10_000 }, () => newInvitationToken()));
    assert.equal(tokens.size, 10_000);
  });

  it('refuses a second invitation for the same owner, contact and month (11000)', async () => {
    const fields = invitationFields({ month: '2025-05' });
    await models.Invitation.create(fields);
    await assert.rejects(models.Invitation.create({ ...fields }), isDuplicateKeyError);
    // A different month for the same pair is a new invitation.
    await models.Invitation.create({ ...fields, month: '2025-06' });
    assert.equal(await models.Invitation.countDocuments({ ownerId: fields.ownerId }), 2);
  });

  it('refuses a duplicate token (11000)', async () => {
    const token = newInvitationToken();
    await models.Invitation.create(invitationFields({ token }));
    await assert.rejects(models.Invitation.create(invitationFields({ token })), isDuplicateKeyError);
  });

  it('unordered insertMany keeps the valid invitations and reports the duplicates', async () => {
    const ownerId = new Types.ObjectId();
    const contactIds = [new Types.ObjectId(), new Types.ObjectId(), new Types.ObjectId()];
    const docs = [contactIds[0], contactIds[1], contactIds[0], contactIds[2]].map((contactId) =>
      invitationFields({ ownerId, contactId, month: '2025-07' }),
    );
    await assert.rejects(models.Invitation.insertMany(docs, { ordered: false }), (error: unknown) => {
      assert.ok(isDuplicateKeyError(error), `expected 11000, got ${String(error)}`);
      return true;
    });
    assert.equal(await models.Invitation.countDocuments({ ownerId }), 3);
  });

  it('refuses a duplicate contact for the same owner and address, whatever its case (11000)', async () => {
    const ownerId = new Types.ObjectId();
    await models.Contact.create({ ownerId, email: 'ana@example.test', firstName: 'Ana', lastName: 'Lima' });
    await assert.rejects(models.Contact.create({ ownerId, email: '  ANA@example.test' }), isDuplicateKeyError);
    // Another owner may know the same person.
    await models.Contact.create({ ownerId: new Types.ObjectId(), email: 'ana@example.test' });
  });

  it('rejects a malformed month', async () => {
    for (const month of ['2025-13', '2025-1', '25-01', '2025/01', '2025-00', '']) {
      await assert.rejects(models.Invitation.create(invitationFields({ month })), { name: 'ValidationError' }, `month ${JSON.stringify(month)}`);
    }
  });

  it('accepts every documented status and rejects others', async () => {
    for (const status of INVITATION_STATUSES) {
      await new models.Invitation(invitationFields({ status })).validate();
    }
    await assert.rejects(models.Invitation.create(invitationFields({ status: 'delivered' })), { name: 'ValidationError' });
    await assert.rejects(
      models.Invitation.create(invitationFields({ reminders: [{ type: 'third', sentAt: new Date() }] })),
      { name: 'ValidationError' },
    );
  });

  it('validates user preferences: send day 1–28 and an IANA time zone', async () => {
    const base = { email: 'pref@example.test', name: 'Pref' };
    const user = new models.User(base);
    await user.validate();
    assert.equal(user.preferences.sendDay, 5);
    assert.equal(user.preferences.remindersEnabled, true);
    assert.equal(user.metadata.isActive, true);
    for (const sendDay of [0, 29, 2.5]) {
      await assert.rejects(new models.User({ ...base, preferences: { sendDay } }).validate(), { name: 'ValidationError' }, `sendDay ${sendDay}`);
    }
    await assert.rejects(new models.User({ ...base, preferences: { timezone: 'Mars/Olympus' } }).validate(), /not an IANA time zone/);
    await new models.User({ ...base, preferences: { timezone: 'Asia/Tokyo' } }).validate();
  });
});
