// The invitation cycle end to end on the real stack (Temporal dev server, MongoDB-protocol
// server, SMTP catcher), counting mails at the SMTP server: exactly one invitation per eligible
// contact, none for the others, nothing new on a re-run, real reminders a few seconds later.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Types, type Connection } from 'mongoose';
import type { AppConfig } from '../../src/config';
import { connectDatabase, closeDatabase, ensureIndexes } from '../../src/db/connection';
import { getModels } from '../../src/db/models';
import { startCycle } from '../../src/client/cycle';
import { connectTemporal, type TemporalHandle } from '../../src/client/temporal';
import { seedDemoData } from '../../src/seed/demo-data';
import type { InvitationDoc } from '../../src/db/models/invitation';
import { cancelReminders, InvitationActionError, markInvitation, type CancelResult, type MarkResult } from '../../src/services/invitation-responses';
import { createLogger } from '../../src/observability/logger';
import { startWorker, type RunningWorker } from '../../src/workers/worker';
import { ensureLocalStack, isolatedConfig, mailSummary, uniqueDomain, uniqueMonth } from '../helpers/local-stack';
import { waitUntil } from '../helpers/wait';

const waitFor = <T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 90_000): Promise<T> =>
  waitUntil(what, probe, done, { timeoutMs, intervalMs: 500 });

describe('invitation cycle on the real stack (200 users × 10 contacts)', () => {
  let config: AppConfig;
  let db: Connection;
  let worker: RunningWorker;
  let temporal: TemporalHandle;
  const domain = uniqueDomain('cycle');
  const month = uniqueMonth();
  let eligible = 0;
  let remindable = 0;
  let wanting: Types.ObjectId[] = [];
  /** Two invitations answered while the cycle runs, as soon as their reminders workflow is up. */
  let early: { toCancel: InvitationDoc; toSubmit: InvitationDoc; cancelled: CancelResult; marked: MarkResult } | undefined;

  // The answers must reach the reminders workflows before their first reminder (~52 s after
  // sending): so they are given while the cycle still runs, not after it, however slow the machine.
  async function answerTwoEarly(): Promise<NonNullable<typeof early>> {
    const { Invitation } = getModels(db);
    const [toCancel, toSubmit] = await waitFor('two sent invitations whose reminders workflow runs', async () => {
      const sent = await Invitation.find({ month, status: 'sent', ownerId: { $in: wanting }, remindersWorkflowId: { $exists: true } }).sort({ _id: 1 }).limit(40).lean<InvitationDoc[]>();
      const running: InvitationDoc[] = [];
      for (const invitation of sent) {
        const description = await temporal.client.workflow.getHandle(invitation.remindersWorkflowId!).describe().catch(() => undefined);
        if (description?.status.name === 'RUNNING') running.push(invitation);
        if (running.length === 2) break;
      }
      return running;
    }, (running) => running.length === 2, 180_000);
    const deps = { db, temporal: temporal.client };
    const cancelled = await cancelReminders(deps, String(toCancel!._id));
    const marked = await markInvitation(deps, toSubmit!.token, 'submitted');
    return { toCancel: toCancel!, toSubmit: toSubmit!, cancelled, marked };
  }

  before(async () => {
    await ensureLocalStack();
    // Reminders ~52 s and ~69 s after sending, so this test watches real ones go out; far enough
    // out that the cancel below always comes first, even on a slow machine.
    config = isolatedConfig('cycle', { SCHEDULER_FIRST_REMINDER_DAYS: '0.0006', SCHEDULER_SECOND_REMINDER_DAYS: '0.0008', SCHEDULER_INVITATION_BATCH_SIZE: '50' });
    db = await connectDatabase(config.mongodbUri);
    await ensureIndexes(db);
    await seedDemoData(db, { users: 200, contactsPerUser: 10, emailDomain: domain, randomSeed: 7 });
    const { User, Contact } = getModels(db);
    const activeUsers = await User.find({ 'metadata.isActive': true }).lean();
    eligible = await Contact.countDocuments({ ownerId: { $in: activeUsers.map((u) => u._id) }, isActive: true, optedOut: false });
    wanting = activeUsers.filter((u) => u.preferences.remindersEnabled).map((u) => u._id);
    remindable = await Contact.countDocuments({ ownerId: { $in: wanting }, isActive: true, optedOut: false });
    worker = await startWorker(config, createLogger('warn'));
    temporal = await connectTemporal(config);
  });

  after(async () => {
    await worker?.shutdown();
    await temporal?.close();
    await db?.dropDatabase();
    await closeDatabase(db);
  });

  it('sends exactly one invitation per eligible contact, none to the others, and reports it', async () => {
    assert.ok(eligible > 1500 && eligible < 2000, `seed gives some ineligible contacts (${eligible} eligible)`);
    const { handle } = await startCycle(temporal.client, config, month);
    early = await answerTwoEarly();
    const stats = await handle.result();

    assert.equal(stats.invitationsCreated, eligible);
    assert.equal(stats.sent, eligible);
    assert.equal(stats.failed, 0);
    assert.equal(stats.skipped, 0);
    const summary = await mailSummary(config, { to: `@${domain}`, kind: 'invitation' });
    assert.equal(summary.total, eligible, 'mails counted at the SMTP server');
    assert.equal(summary.uniqueRecipients, eligible);
    assert.deepEqual(summary.duplicates, []);

    const { Contact, Invitation, RunReport } = getModels(db);
    const ineligible = await Contact.find({ $or: [{ isActive: false }, { optedOut: true }] }, { email: 1 }).limit(20).lean();
    for (const contact of ineligible) assert.equal((await mailSummary(config, { to: contact.email })).total, 0, `${contact.email} must get nothing`);
    // One of them was answered (submitted) while the cycle ran.
    assert.equal(await Invitation.countDocuments({ month, status: { $in: ['sent', 'submitted'] } }), eligible);
    assert.equal(await Invitation.countDocuments({ month, status: 'submitted' }), 1);
    const report = await RunReport.findOne({ job: 'monthly-invitations', month }).lean();
    assert.equal(report?.status, 'completed');
    assert.equal(report?.itemsSucceeded, eligible);
  });

  it('running the same month again sends nothing new', async () => {
    const { handle } = await startCycle(temporal.client, config, month);
    const stats = await handle.result();
    assert.equal(stats.sent, 0);
    assert.equal(stats.invitationsCreated, 0);
    assert.equal(stats.skipped, eligible);
    assert.equal((await mailSummary(config, { to: `@${domain}`, kind: 'invitation' })).total, eligible);
  });

  it('answers and cancels stop reminders; everyone else gets the J+3 and J+7 reminders once', async () => {
    const { Invitation } = getModels(db);
    assert.ok(early, 'two invitations were answered during the cycle');
    const { toCancel, toSubmit, cancelled, marked } = early;
    const deps = { db, temporal: temporal.client };
    assert.equal(cancelled.signalled, true, 'the reminders workflow got the cancel signal');
    assert.equal(marked.remindersCancelled, true);

    // Clear messages, never a crash, for what cannot be done.
    await assert.rejects(markInvitation(deps, toSubmit.token, 'opened'), (e: unknown) => e instanceof InvitationActionError && e.problem === 'already-answered');
    await assert.rejects(markInvitation(deps, 'no-such-token', 'opened'), (e: unknown) => e instanceof InvitationActionError && e.problem === 'unknown-invitation');
    await assert.rejects(cancelReminders(deps, String(toCancel._id)), (e: unknown) => e instanceof InvitationActionError && e.problem === 'already-cancelled');
    await assert.rejects(cancelReminders(deps, String(new Types.ObjectId())), (e: unknown) => e instanceof InvitationActionError && e.problem === 'unknown-invitation');

    const expected = remindable - 2;
    const second = await waitFor('every second reminder', () => mailSummary(config, { to: `@${domain}`, kind: 'reminder-2' }), (s) => s.total >= expected, 180_000);
    const first = await mailSummary(config, { to: `@${domain}`, kind: 'reminder-1' });
    assert.equal(first.total, expected);
    assert.equal(second.total, expected);
    assert.deepEqual(first.duplicates, []);
    assert.equal((await mailSummary(config, { to: toCancel.email })).total, 1, 'only the invitation');
    assert.equal((await mailSummary(config, { to: toSubmit.email })).total, 1, 'only the invitation');
    const recorded = await Invitation.countDocuments({ month, 'reminders.type': 'second' });
    assert.equal(recorded, expected, 'each reminder is recorded on its invitation');
  });
});
