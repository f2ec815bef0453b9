// End to end through the real parts: Temporal dev server, MongoDB-protocol server, SMTP catcher.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AppConfig } from '../../src/config';
import { createSmokeActivities } from '../../src/activities/smoke';
import { connectDatabase, closeDatabase } from '../../src/db/connection';
import { createMailer } from '../../src/mail/mailer';
import { runSmokeWorkflow } from '../../src/client/smoke';
import { createLogger } from '../../src/observability/logger';
import { startWorker, type RunningWorker } from '../../src/workers/worker';
import { ensureLocalStack, isolatedConfig, mailSummary, uniqueName } from '../helpers/local-stack';

describe('first workflow on the real stack', () => {
  let config: AppConfig;
  let worker: RunningWorker;
  before(async () => {
    await ensureLocalStack();
    config = isolatedConfig('smoke');
    worker = await startWorker(config, createLogger('warn'));
  });
  after(async () => {
    await worker?.shutdown();
    const db = await connectDatabase(config.mongodbUri);
    await db.dropDatabase();
    await closeDatabase(db);
  });

  it('reads MongoDB and delivers exactly one mail to the SMTP server', async () => {
    const db = await connectDatabase(config.mongodbUri);
    await db.collection('users').insertMany([{ email: 'u1@x.test' }, { email: 'u2@x.test' }]);
    await closeDatabase(db);
    const recipient = `${uniqueName('smoke')}@metronome.test`;

    const result = await runSmokeWorkflow(config, recipient);

    assert.equal(result.users, 2);
    assert.equal(result.alreadySent, false);
    const summary = await mailSummary(config, { to: recipient, kind: 'smoke' });
    assert.equal(summary.total, 1);
    assert.equal(summary.uniqueRecipients, 1);
  });

  it('does not send twice when the activity runs again for the same check', async () => {
    const recipient = `${uniqueName('again')}@metronome.test`;
    const first = await runSmokeWorkflow(config, recipient);
    // Replaying the activity as a retry would: same check id, straight through the activity code.
    const db = await connectDatabase(config.mongodbUri);
    const mailer = createMailer(config.mail.smtpUrl, config.mail.from);
    try {
      const again = await createSmokeActivities({ db, mailer }).smokeCheck({ checkId: first.checkId, recipient });
      assert.equal(again.alreadySent, true);
      assert.equal(again.messageId, first.messageId);
    } finally {
      mailer.close();
      await closeDatabase(db);
    }
    assert.equal((await mailSummary(config, { to: recipient })).total, 1);
  });
});
