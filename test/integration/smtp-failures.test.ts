// A cycle against an SMTP server that refuses some mails: 451 (try later) for 20 %, 550 (never)
// for 10 %. Permanent refusals are marked failed with the server's reason and not retried;
// temporary ones are retried by Temporal until they go through. Nothing is sent twice, and the
// cycle's figures equal what the SMTP server accepted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../../src/config';
import { startCycle } from '../../src/client/cycle';
import { connectTemporal, type TemporalHandle } from '../../src/client/temporal';
import { closeDatabase, connectDatabase, ensureIndexes } from '../../src/db/connection';
import { getModels } from '../../src/db/models';
import { startMailCatcher, type MailCatcher } from '../../src/devstack/mail-catcher';
import { classifySmtpError } from '../../src/mail/smtp-errors';
import { createLogger } from '../../src/observability/logger';
import { seedDemoData } from '../../src/seed/demo-data';
import { startWorker, type RunningWorker } from '../../src/workers/worker';
import { ensureLocalStack, isolatedConfig, uniqueDomain, uniqueMonth } from '../helpers/local-stack';

describe('SMTP failures during a cycle', () => {
  let catcher: MailCatcher;
  let config: AppConfig;
  let db: Connection;
  let temporal: TemporalHandle;
  let worker: RunningWorker;

  before(async () => {
    await ensureLocalStack();
    catcher = await startMailCatcher({ smtpPort: 0, webPort: 0, faults: { temporaryFailureRate: 0.2, permanentFailureRate: 0.1 } });
    config = isolatedConfig('smtpfail', { SMTP_URL: `smtp://127.0.0.1:${catcher.smtpPort}`, SCHEDULER_FIRST_REMINDER_DAYS: '30', SCHEDULER_SECOND_REMINDER_DAYS: '31' });
    db = await connectDatabase(config.mongodbUri);
    await ensureIndexes(db);
    await seedDemoData(db, { users: 30, contactsPerUser: 10, emailDomain: uniqueDomain('fail'), randomSeed: 3 });
    temporal = await connectTemporal(config);
    worker = await startWorker(config, createLogger('silent'));
  });

  after(async () => {
    await worker?.shutdown();
    await temporal?.close();
    await db?.dropDatabase();
    await closeDatabase(db);
    await catcher?.close();
  });

  it('marks permanent refusals failed with the reason, retries temporary ones, sends nothing twice', async () => {
    const month = uniqueMonth();
    const { handle } = await startCycle(temporal.client, config, month);
    const stats = await handle.result();

    const accepted = catcher.messages().filter((m) => m.kind === 'invitation');
    const recipients = accepted.flatMap((m) => m.to);
    assert.equal(new Set(recipients).size, recipients.length, 'no recipient got two invitations');
    assert.ok(stats.failed > 0, 'some mails were refused for good');
    assert.equal(stats.sent, accepted.length, 'the cycle sent what the server accepted');
    assert.equal(stats.sent + stats.failed, stats.invitationsCreated, 'every invitation ended sent or failed');

    const { Invitation } = getModels(db);
    const failed = await Invitation.find({ month, status: 'failed' }).lean();
    assert.equal(failed.length, stats.failed);
    for (const invitation of failed) assert.match(invitation.tracking.failureReason ?? '', /^550/, 'the server\'s reason is kept');
    const summary = (await (await fetch(`http://127.0.0.1:${catcher.webPort}/api/summary`)).json()) as { rejected: { permanent: number; temporary: number } };
    assert.equal(summary.rejected.permanent, stats.failed, 'each permanent refusal happened once: never retried');
    const retried = await Invitation.countDocuments({ month, status: 'sent', 'tracking.attempts': { $gt: 1 } });
    assert.ok(retried > 0, 'temporary refusals were retried until accepted');
  });

  it('classifies SMTP errors: 5xx and refused addresses are permanent, the rest transient', () => {
    assert.equal(classifySmtpError({ responseCode: 550, response: '550 mailbox unavailable' }).permanent, true);
    assert.equal(classifySmtpError({ responseCode: 451, response: '451 try later' }).permanent, false);
    assert.equal(classifySmtpError({ code: 'EENVELOPE', message: 'No recipients defined' }).permanent, true);
    assert.equal(classifySmtpError({ code: 'ECONNECTION', message: 'connect ECONNREFUSED' }).permanent, false);
    assert.equal(classifySmtpError(new Error('socket timeout')).permanent, false);
    assert.equal(classifySmtpError({ responseCode: 550, response: '550 mailbox unavailable' }).reason, '550 mailbox unavailable');
  });
});
