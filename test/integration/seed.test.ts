// Demo seeding against a real server, plus the `metronome seed` command's option checks and its
// refusal to mix demo data into a database that already has users.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { Connection } from 'mongoose';
import { parseContactsPerUser, parseRandomSeed, parseUserCount, registerSeedCommand } from '../../src/client/commands/seed';
import { closeDatabase, connectDatabase, ensureIndexes } from '../../src/db/connection';
import { getModels, type Models } from '../../src/db/models';
import { isDatabaseEmpty, resetDemoData, seedDemoData, type SeedResult } from '../../src/seed/demo-data';
import { testDbUri, uniqueTestDbName } from '../helpers/test-db';

async function countDatabase(models: Models) {
  const [users, contacts, inactiveUsers, remindersOff, inactiveContacts, optedOutContacts] = await Promise.all([
    models.User.countDocuments(),
    models.Contact.countDocuments(),
    models.User.countDocuments({ 'metadata.isActive': false }),
    models.User.countDocuments({ 'preferences.remindersEnabled': false }),
    models.Contact.countDocuments({ isActive: false }),
    models.Contact.countDocuments({ optedOut: true }),
  ]);
  return { users, contacts, inactiveUsers, remindersOff, inactiveContacts, optedOutContacts };
}

/** A program wired like the real CLI, but throwing instead of exiting and capturing what it prints. */
function seedProgram(mongodbUri: string) {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command('metronome')
    .exitOverride()
    .configureOutput({ writeOut: (text) => out.push(text), writeErr: (text) => err.push(text) });
  registerSeedCommand(program, { loadConfig: () => ({ mongodbUri }), writeOut: (text) => out.push(text) });
  const run = (...args: string[]) => program.parseAsync(['seed', ...args], { from: 'user' });
  return { run, out, err };
}

describe('demo seed (integration)', () => {
  const uri = testDbUri(uniqueTestDbName('seed'));
  let conn: Connection;
  let models: Models;
  let first: SeedResult;

  before(async () => {
    conn = await connectDatabase(uri, { appName: 'metronome-test-seed' });
    models = getModels(conn);
    await ensureIndexes(conn);
  });

  after(async () => {
    if (!conn) return;
    await conn.dropDatabase();
    await closeDatabase(conn);
  });

  it('seeds 50 users × 10 contacts and returns the counts that are in the database', async () => {
    assert.equal(await isDatabaseEmpty(conn), true);
    const progress: Array<[number, number]> = [];
    first = await seedDemoData(conn, { users: 50, contactsPerUser: 10, randomSeed: 7, onProgress: (done, total) => progress.push([done, total]) });

    assert.equal(first.users, 50);
    assert.equal(first.contacts, 500);
    const { users, contacts, inactiveUsers, remindersOff, inactiveContacts, optedOutContacts } = first;
    assert.deepEqual(await countDatabase(models), { users, contacts, inactiveUsers, remindersOff, inactiveContacts, optedOutContacts });
    // The demo must exercise the filters: some of each kind, but a minority.
    for (const [name, value, whole] of [
      ['inactiveUsers', inactiveUsers, users],
      ['remindersOff', remindersOff, users],
      ['inactiveContacts', inactiveContacts, contacts],
      ['optedOutContacts', optedOutContacts, contacts],
    ] as const) {
      assert.ok(value > 0 && value < whole / 3, `${name} = ${value} of ${whole}`);
    }
    assert.deepEqual(progress.at(-1), [50, 50]);
    assert.ok(first.durationMs >= 0);
    assert.equal(await isDatabaseEmpty(conn), false);
  });

  it('gives every user exactly its contacts, with unique addresses on the test domain', async () => {
    const users = await models.User.find().lean();
    const contacts = await models.Contact.find().lean();
    const byOwner = new Map<string, number>();
    for (const contact of contacts) byOwner.set(String(contact.ownerId), (byOwner.get(String(contact.ownerId)) ?? 0) + 1);
    assert.equal(byOwner.size, 50);
    for (const user of users) assert.equal(byOwner.get(String(user._id)), 10, user.email);
    assert.equal(new Set(contacts.map((c) => c.email)).size, 500);
    assert.equal(new Set(users.map((u) => u.email)).size, 50);
    assert.ok(contacts.every((c) => c.email.endsWith('@example.test') && c.email === c.email.toLowerCase() && c.source === 'seed'));
    assert.ok(contacts.filter((c) => c.optedOut).every((c) => c.optedOutAt instanceof Date));
    const zones = new Set(users.map((u) => u.preferences.timezone));
    assert.ok(zones.has('Europe/Paris') && zones.size > 1, [...zones].join(', '));
    assert.ok(users.filter((u) => u.preferences.sendDay === 5).length > 25);
  });

  it('writes documents that pass the schemas (lean insertMany skips validation)', async () => {
    for (const user of await models.User.find().limit(20)) await user.validate();
    for (const contact of await models.Contact.find().limit(50)) await contact.validate();
  });

  it('is deterministic for a given random seed', async () => {
    const before = (await models.User.find().sort({ email: 1 }).lean()).map((u) => [u.email, u.preferences]);
    await resetDemoData(conn);
    const again = await seedDemoData(conn, { users: 50, contactsPerUser: 10, randomSeed: 7 });
    const after = (await models.User.find().sort({ email: 1 }).lean()).map((u) => [u.email, u.preferences]);
    assert.deepEqual(after, before);
    assert.deepEqual({ ...again, durationMs: 0 }, { ...first, durationMs: 0 });
  });

  it('resetDemoData empties users, contacts and invitations and keeps the indexes', async () => {
    await models.Invitation.create({
      ownerId: (await models.User.findOne().orFail())._id,
      contactId: (await models.Contact.findOne().orFail())._id,
      email: 'x@example.test',
      month: '2025-01',
      expiresAt: new Date(),
    });
    await resetDemoData(conn);
    assert.equal(await isDatabaseEmpty(conn), true);
    assert.deepEqual(
      await Promise.all([models.User.countDocuments(), models.Contact.countDocuments(), models.Invitation.countDocuments()]),
      [0, 0, 0],
    );
    const contactIndexes = await models.Contact.collection.indexes();
    assert.ok(contactIndexes.some((index) => index.unique && JSON.stringify(index.key) === '{"ownerId":1,"email":1}'));
    const invitationIndexes = await models.Invitation.collection.indexes();
    assert.ok(invitationIndexes.some((index) => index.unique && JSON.stringify(index.key) === '{"token":1}'));
  });

  describe('metronome seed', () => {
    it('seeds an empty database and prints the result as JSON on the last line', async () => {
      const cli = seedProgram(uri);
      await cli.run('--users', '12', '--contacts', '3', '--seed', '42', '--json');
      const lines = cli.out.join('').trimEnd().split('\n');
      const result = JSON.parse(lines.at(-1) ?? '') as SeedResult & { reset: boolean; randomSeed: number };
      assert.equal(result.users, 12);
      assert.equal(result.contacts, 36);
      assert.equal(result.reset, false);
      assert.equal(result.randomSeed, 42);
      assert.match(lines[0] ?? '', /^Seeded 12 users and 36 contacts in /);
      assert.deepEqual(await Promise.all([models.User.countDocuments(), models.Contact.countDocuments()]), [12, 36]);
    });

    it('refuses a database that already has users unless --reset, and leaves it untouched', async () => {
      const cli = seedProgram(uri);
      await assert.rejects(cli.run('--users', '5', '--contacts', '2'), (error: unknown) => {
        assert.ok(error instanceof CommanderError);
        assert.equal(error.exitCode, 1);
        assert.match(error.message, /already has users; pass --reset/);
        return true;
      });
      assert.match(cli.err.join(''), /--reset/);
      assert.deepEqual(await Promise.all([models.User.countDocuments(), models.Contact.countDocuments()]), [12, 36]);
    });

    it('--reset replaces the data instead of adding to it', async () => {
      const cli = seedProgram(uri);
      await cli.run('--users', '5', '--contacts', '2', '--reset', '--json');
      const result = JSON.parse(cli.out.join('').trimEnd().split('\n').at(-1) ?? '') as { users: number; reset: boolean };
      assert.equal(result.users, 5);
      assert.equal(result.reset, true);
      assert.deepEqual(await Promise.all([models.User.countDocuments(), models.Contact.countDocuments()]), [5, 10]);
    });

    it('rejects a bad option value before touching the database, naming the flag', async () => {
      const cli = seedProgram('mongodb://127.0.0.1:1/never-contacted');
      await assert.rejects(cli.run('--users', 'abc', '--contacts', '2'), (error: unknown) => {
        assert.ok(error instanceof CommanderError);
        assert.equal(error.code, 'commander.invalidArgument');
        assert.equal(error.exitCode, 1);
        return true;
      });
      assert.match(cli.err.join(''), /--users must be a whole number from 1 to 1000000, got "abc"/);
    });

    it('fails with a clear error, not a hang, when the database is down', async () => {
      const cli = seedProgram('mongodb://127.0.0.1:1/metronome');
      const started = Date.now();
      await assert.rejects(cli.run('--users', '1', '--contacts', '1'), (error: unknown) => {
        assert.ok(error instanceof CommanderError);
        assert.match(error.message, /Cannot connect to MongoDB at mongodb:\/\/127\.0\.0\.1:1\/metronome/);
        return true;
      });
      assert.ok(Date.now() - started < 15_000);
    });
  });
});

describe('seed option parsers', () => {
  const refuses = (parse: (value: string) => number, value: string, message: RegExp) =>
    assert.throws(() => parse(value), (error: unknown) => error instanceof InvalidArgumentError && message.test(error.message), value);

  it('--users takes a whole number from 1 to 1,000,000', () => {
    assert.equal(parseUserCount('1'), 1);
    assert.equal(parseUserCount('5000'), 5000);
    assert.equal(parseUserCount(' 1000000 '), 1_000_000);
    for (const value of ['abc', '', '0', '-3', '1.5', '1e3', '0x10', '1000001', '5000abc']) {
      refuses(parseUserCount, value, /^--users must be a whole number from 1 to 1000000, got ".*"$/);
    }
    refuses(parseUserCount, 'abc', /got "abc"/);
  });

  it('--contacts takes a whole number from 0 to 1,000', () => {
    assert.equal(parseContactsPerUser('0'), 0);
    assert.equal(parseContactsPerUser('20'), 20);
    assert.equal(parseContactsPerUser('1000'), 1000);
    for (const value of ['-1', '1001', '2.0', 'twenty']) {
      refuses(parseContactsPerUser, value, /^--contacts must be a whole number from 0 to 1000, got ".*"$/);
    }
  });

  it('--seed takes a 32-bit whole number', () => {
    assert.equal(parseRandomSeed('0'), 0);
    assert.equal(parseRandomSeed('4294967295'), 4_294_967_295);
    refuses(parseRandomSeed, '4294967296', /^--seed must be a whole number from 0 to 4294967295/);
    refuses(parseRandomSeed, 'x', /^--seed must be/);
  });
});
