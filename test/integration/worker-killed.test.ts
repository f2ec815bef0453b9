// A worker is killed (SIGKILL) in the middle of a send batch; another worker takes over. The SMTP
// server must have received no invitation twice, and every eligible contact's invitation is
// either confirmed sent or — the few in the SMTP exchange at the moment of the kill — marked
// unconfirmed, never sent again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../../src/config';
import { startCycle } from '../../src/client/cycle';
import { connectTemporal, type TemporalHandle } from '../../src/client/temporal';
import { closeDatabase, connectDatabase, ensureIndexes } from '../../src/db/connection';
import { getModels } from '../../src/db/models';
import { createLogger } from '../../src/observability/logger';
import { seedDemoData } from '../../src/seed/demo-data';
import { startWorker, type RunningWorker } from '../../src/workers/worker';
import { ensureLocalStack, isolatedConfig, mailSummary, uniqueDomain, uniqueMonth } from '../helpers/local-stack';

const BIN = join(__dirname, '..', '..', '..', 'bin', 'metronome.js');

describe('a worker killed in the middle of a batch', () => {
  let config: AppConfig;
  let env: NodeJS.ProcessEnv;
  let db: Connection;
  let temporal: TemporalHandle;
  let doomed: ChildProcess | undefined;
  let survivor: RunningWorker | undefined;
  const domain = uniqueDomain('kill');

  before(async () => {
    await ensureLocalStack();
    // Big batches, one lane: the kill lands inside a batch, not between two.
    const overrides = { SCHEDULER_INVITATION_BATCH_SIZE: '1000', SCHEDULER_MAX_WORKERS: '1', SCHEDULER_FIRST_REMINDER_DAYS: '30', SCHEDULER_SECOND_REMINDER_DAYS: '31' };
    config = isolatedConfig('kill', overrides);
    env = { ...process.env, ...overrides, MONGODB_URI: config.mongodbUri, TEMPORAL_TASK_QUEUE: config.temporal.taskQueue, LOG_LEVEL: 'warn' };
    db = await connectDatabase(config.mongodbUri);
    await ensureIndexes(db);
    await seedDemoData(db, { users: 200, contactsPerUser: 10, emailDomain: domain, randomSeed: 11 });
    temporal = await connectTemporal(config);
  });

  after(async () => {
    doomed?.kill('SIGKILL');
    await survivor?.shutdown();
    await temporal?.close();
    await db?.dropDatabase();
    await closeDatabase(db);
  });

  it('sends no invitation twice and accounts for every one', async () => {
    doomed = spawn(process.execPath, [BIN, 'worker'], { env, stdio: 'ignore' });
    const month = uniqueMonth();
    const { handle } = await startCycle(temporal.client, config, month);

    // Kill it once some, but not all, mails of the first batch reached the SMTP server.
    let atKill = 0;
    for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
      atKill = (await mailSummary(config, { to: `@${domain}`, kind: 'invitation' })).total;
      if (atKill >= 50) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    doomed.kill('SIGKILL');
    assert.ok(atKill >= 50, `the first worker sent some mails before it was killed (${atKill})`);
    survivor = await startWorker(config, createLogger('warn'));
    const stats = await handle.result();

    const { Invitation } = getModels(db);
    const eligible = stats.invitationsCreated;
    const atSmtp = await mailSummary(config, { to: `@${domain}`, kind: 'invitation' });
    assert.ok(atKill < eligible, `the kill came part way through (${atKill} of ${eligible})`);
    assert.deepEqual(atSmtp.duplicates, [], 'no invitation was sent twice');
    assert.equal(atSmtp.total, atSmtp.uniqueRecipients);
    assert.equal(stats.sent + stats.unconfirmed + stats.failed, eligible, 'every invitation is accounted for');
    assert.ok(atSmtp.total >= stats.sent && atSmtp.total <= stats.sent + stats.unconfirmed, `SMTP count ${atSmtp.total} between confirmed ${stats.sent} and confirmed + unconfirmed`);
    assert.ok(stats.unconfirmed <= 10, `only the mails in flight at the kill are unconfirmed (${stats.unconfirmed})`);
    assert.equal(await Invitation.countDocuments({ month, status: 'created' }), 0, 'nothing left unsent');
  });
});
