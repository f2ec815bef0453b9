// The delivery claim taken at the final "." of the SMTP exchange, on the real MongoDB-protocol
// server and the real mail catcher: two senders racing for the same mails deliver each once, and
// a sender that loses a claim leaves nothing at the server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Types, type Connection } from 'mongoose';
import { sendClaimed } from '../../src/activities/claimed-send';
import type { ActivityDeps } from '../../src/activities/deps';
import type { AppConfig } from '../../src/config';
import { closeDatabase, connectDatabase, ensureIndexes } from '../../src/db/connection';
import { claimGate, claimsCollection, getModels } from '../../src/db/models';
import { createMailer, type Mailer } from '../../src/mail/mailer';
import { createLogger } from '../../src/observability/logger';
import { ensureLocalStack, isolatedConfig, mailSummary, uniqueDomain } from '../helpers/local-stack';

describe('delivery claims at the final dot', () => {
  let config: AppConfig;
  let db: Connection;
  let mailer: Mailer;
  before(async () => {
    await ensureLocalStack();
    config = isolatedConfig('claims');
    db = await connectDatabase(config.mongodbUri);
    await ensureIndexes(db);
    mailer = createMailer(config.mail.smtpUrl, config.mail.from, { maxConnections: 4 });
  });
  after(async () => {
    mailer?.close();
    await db?.dropDatabase();
    if (db) await closeDatabase(db);
  });

  it('claimGate groups concurrent claims and says who won each', async () => {
    const { DeliveryClaim } = getModels(db);
    const ids = Array.from({ length: 12 }, () => String(new Types.ObjectId()));
    const first = claimGate(DeliveryClaim, 'invitation', 'attempt-1');
    const second = claimGate(DeliveryClaim, 'invitation', 'attempt-2');
    const wonByFirst = await Promise.all(ids.slice(0, 6).map((id) => first(id)));
    assert.deepEqual(wonByFirst, Array<boolean>(6).fill(true));
    const wonBySecond = await Promise.all(ids.map((id) => second(id)));
    assert.deepEqual(wonBySecond, [...Array<boolean>(6).fill(false), ...Array<boolean>(6).fill(true)]);
    const holders = await claimsCollection(DeliveryClaim).find({ _id: { $in: ids.map((id) => `${id}:invitation`) } }).toArray();
    assert.deepEqual(holders.map((h) => h.claim).sort(), [...Array<string>(6).fill('attempt-1'), ...Array<string>(6).fill('attempt-2')]);
  });

  it('two senders racing for the same 20 mails deliver each exactly once', async () => {
    const { DeliveryClaim } = getModels(db);
    const domain = uniqueDomain('claims');
    const deps = { db, mailer, config, logger: createLogger('warn') } as ActivityDeps;
    const ids = Array.from({ length: 20 }, () => String(new Types.ObjectId()));
    const sender = (attempt: string) => {
      const claimOne = claimGate(DeliveryClaim, 'first', attempt);
      return Promise.all(ids.map((id) => sendClaimed(deps, { to: `${id}@${domain}`, subject: 'race', text: 'race', headers: { 'X-Metronome-Kind': 'claims-race' } }, () => claimOne(id))));
    };
    const [a, b] = await Promise.all([sender('a'), sender('b')]);
    for (let i = 0; i < ids.length; i += 1) {
      const statuses = [a[i]!.status, b[i]!.status].sort();
      assert.deepEqual(statuses, ['sent', 'taken'], `mail ${i}: one sender sent it, the other found it taken`);
    }
    // The catcher is shared with other tests: count this test's domain only.
    const summary = await mailSummary(config, { to: domain, kind: 'claims-race' });
    assert.equal(summary.total, 20, 'each mail reached the server once');
    assert.deepEqual(summary.duplicates, []);
  });
});
