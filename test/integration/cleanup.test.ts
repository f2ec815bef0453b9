// The daily cleanup on the real stack: expired invitations, old tokens, soft bounces and old run
// reports seeded into a database of the test's own, cleanupWorkflow run through a real worker
// (small pages and few pages per run, so paging and continue-as-new happen), the database checked,
// and the reminders of the expired invitations cancelled in their real reminders workflow, which
// then records its own run report.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Types, type Connection } from 'mongoose';
import type { AppConfig } from '../../src/config';
import { connectDatabase, closeDatabase, ensureIndexes } from '../../src/db/connection';
import { getModels } from '../../src/db/models';
import { signalRemindersCancelled } from '../../src/services/invitation-responses';
import { connectTemporal, type TemporalHandle } from '../../src/client/temporal';
import { remindersWorkflowId } from '../../src/domain/jobs';
import { taskQueueName } from '../../src/domain/queues';
import { createLogger } from '../../src/observability/logger';
import { startWorker, type RunningWorker } from '../../src/workers/worker';
import { cleanupWorkflow, remindersWorkflow } from '../../src/workflows';
import { invitationsSentSignal, remindersStateQuery } from '../../src/workflows/reminder-signals';
import { ensureLocalStack, isolatedConfig, uniqueName, uniqueMonth } from '../helpers/local-stack';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('cleanup job (real stack)', () => {
  let config: AppConfig;
  let db: Connection;
  let temporal: TemporalHandle;
  let worker: RunningWorker;
  const month = uniqueMonth();
  const ownerId = new Types.ObjectId();
  const remindersId = remindersWorkflowId(month, String(ownerId));
  const ids = { withReminders: [] as Types.ObjectId[], keeper: new Types.ObjectId(), noReminders: [] as Types.ObjectId[], future: [] as Types.ObjectId[], oldSubmitted: [] as Types.ObjectId[], oldExpired: [] as Types.ObjectId[], oldSent: [] as Types.ObjectId[] };

  before(async () => {
    await ensureLocalStack();
    config = isolatedConfig('cleanup', { SCHEDULER_EXPIRED_TOKEN_RETENTION_DAYS: '90', SCHEDULER_METRICS_RETENTION_HOURS: '72' });
    db = await connectDatabase(config.mongodbUri);
    await ensureIndexes(db);
    temporal = await connectTemporal(config);
    worker = await startWorker(config, createLogger('warn'), { queues: ['invitations', 'maintenance'] });

    const { Invitation, Contact, RunReport } = getModels(db);
    const now = Date.now();
    const invitation = (status: string, expiresAt: number, extra: Record<string, unknown> = {}) => ({
      _id: new Types.ObjectId(), ownerId, contactId: new Types.ObjectId(), email: `${randomBytes(4).toString('hex')}@cleanup.test`, month,
      status, token: randomBytes(24).toString('base64url'), expiresAt: new Date(expiresAt), tracking: { attempts: 1, sentAt: new Date(expiresAt - 30 * DAY) },
      reminders: [], createdAt: new Date(expiresAt - 30 * DAY), updatedAt: new Date(expiresAt - 30 * DAY), ...extra,
    });
    type Kind = Exclude<keyof typeof ids, 'keeper'> | 'keeper';
    const kinds: [Kind, number, () => ReturnType<typeof invitation>][] = [
      ['withReminders', 25, () => invitation('sent', now - DAY, { remindersWorkflowId: remindersId })],
      ['keeper', 1, () => invitation('sent', now + 10 * DAY, { remindersWorkflowId: remindersId })],
      ['noReminders', 5, () => invitation('opened', now - HOUR)],
      ['future', 5, () => invitation('sent', now + DAY)],
      ['oldSubmitted', 3, () => invitation('submitted', now - 100 * DAY)],
      ['oldExpired', 4, () => invitation('expired', now - 200 * DAY)],
      ['oldSent', 2, () => invitation('sent', now - 91 * DAY)],
    ];
    const tagged = kinds.flatMap(([kind, n, make]) => Array.from({ length: n }, () => ({ kind, doc: make() })));
    // Shuffled, then given ids in that order, so each kind is spread over several pages.
    tagged.sort(() => Math.random() - 0.5);
    for (const t of tagged) {
      t.doc._id = new Types.ObjectId();
      if (t.kind === 'keeper') ids.keeper = t.doc._id;
      else ids[t.kind].push(t.doc._id);
    }
    const docs = tagged.map((t) => t.doc);
    await Invitation.collection.insertMany(docs);

    const contact = (temporaryBounceCount: number) => ({
      ownerId, email: `${randomBytes(4).toString('hex')}@cleanup.test`, firstName: '', lastName: '', isActive: true, optedOut: false,
      bounceCount: 1, temporaryBounceCount, tracking: { invitationsSent: 0 }, source: 'seed', createdAt: new Date(), updatedAt: new Date(),
    });
    await Contact.collection.insertMany([...[1, 2, 3, 4, 5, 9].map(contact), ...[0, 0, 0, 0].map(contact)]);

    const report = (job: string, hoursAgo: number) => ({
      key: uniqueName('run'), job, workflowId: uniqueName(job), runId: 'r', status: 'completed',
      startedAt: new Date(now - hoursAgo * HOUR - 60_000), finishedAt: new Date(now - hoursAgo * HOUR), durationMs: 60_000,
      itemsProcessed: 1, itemsSucceeded: 1, itemsFailed: 0, stats: {},
    });
    await RunReport.collection.insertMany([...[73, 80, 100, 200, 500, 1000, 5000].map((h) => report('old-job', h)), ...[1, 10, 71].map((h) => report('recent-job', h))]);

    // The reminders workflow of the owner's month, waiting for J+3 of all its invitations.
    const due = now + 3 * DAY;
    const sent = [...ids.withReminders, ids.keeper].map((id) => ({ invitationId: String(id), firstDueAt: due, secondDueAt: due + 4 * DAY }));
    await temporal.client.workflow.signalWithStart(remindersWorkflow, {
      workflowId: remindersId, taskQueue: config.temporal.taskQueue,
      args: [{ month, ownerId: String(ownerId), listInvitationsUpTo: 0 }],
      signal: invitationsSentSignal, signalArgs: [sent],
    });
  });

  after(async () => {
    await temporal?.client.workflow.getHandle(remindersId).terminate('cleanup test done').catch(() => undefined);
    await worker?.shutdown();
    await temporal?.close();
    await db?.dropDatabase();
    if (db) await closeDatabase(db);
  });

  const runCleanup = () => temporal.client.workflow.execute(cleanupWorkflow, {
    taskQueue: taskQueueName(config.temporal.taskQueue, 'maintenance'),
    workflowId: uniqueName('cleanup'),
    args: [{ pageSize: 10, maxPagesPerRun: 3 }],
  });

  it('expires, cancels reminders, deletes old tokens, resets soft bounces, prunes old reports; then changes nothing', async () => {
    const result = await runCleanup();
    assert.deepEqual(
      { expired: result.expired, remindersCancelled: result.remindersCancelled, tokensDeleted: result.tokensDeleted, bounceCountsReset: result.bounceCountsReset, reportsPruned: result.reportsPruned },
      { expired: 25 + 5 + 2, remindersCancelled: 25, tokensDeleted: 3 + 4 + 2, bounceCountsReset: 6, reportsPruned: 7 },
    );
    assert.ok(result.runs > 1, `continued as new (${result.runs} runs for ${result.pages} pages)`);

    const { Invitation, Contact, RunReport } = getModels(db);
    const byId = new Map((await Invitation.collection.find({}).toArray()).map((d) => [String(d._id), d]));
    const of = (list: Types.ObjectId[]) => list.map((id) => byId.get(String(id))!);
    for (const d of of([...ids.withReminders, ...ids.noReminders, ...ids.oldSent])) assert.equal(d.status, 'expired', String(d._id));
    for (const d of of(ids.withReminders)) {
      assert.equal(d.remindersCancelReason, 'expired');
      assert.ok(d.remindersCancelledAt instanceof Date);
    }
    for (const d of of(ids.future)) assert.equal(d.status, 'sent');
    assert.equal(byId.get(String(ids.keeper))!.status, 'sent');
    assert.equal(byId.get(String(ids.keeper))!.remindersCancelledAt, undefined);
    for (const d of of(ids.oldSubmitted)) assert.equal(d.status, 'submitted', 'an answered invitation keeps its status');
    for (const d of of([...ids.oldSubmitted, ...ids.oldExpired, ...ids.oldSent])) {
      assert.equal(d.token, `deleted:${String(d._id)}`);
      assert.ok(d.tokenDeletedAt instanceof Date);
    }
    for (const d of of([...ids.withReminders, ...ids.noReminders, ...ids.future])) assert.doesNotMatch(String(d.token), /^deleted:/, 'recent tokens stay');

    const contacts = await Contact.collection.find({}).toArray();
    assert.deepEqual(contacts.map((c): unknown => c.temporaryBounceCount), contacts.map(() => 0));
    assert.deepEqual(contacts.map((c): unknown => c.bounceCount), contacts.map(() => 1), 'hard bounces are not touched');

    const reports = await RunReport.collection.find({}).toArray();
    assert.deepEqual(reports.filter((r) => r.job === 'old-job'), []);
    assert.equal(reports.filter((r) => r.job === 'recent-job').length, 3);
    const own = reports.filter((r) => r.job === 'cleanup');
    assert.equal(own.length, 1, 'the cleanup leaves its own report');
    assert.equal(own[0]!.status, 'completed');
    assert.equal((own[0]!.stats as { expired: number }).expired, 32);

    // The reminders workflow got the cancellations: the expired invitations' reminders are cancelled, the keeper's are not.
    const state = await temporal.client.workflow.getHandle(remindersId).query(remindersStateQuery);
    const outcomes = new Map(state.invitations.map((i) => [i.invitationId, i]));
    for (const id of ids.withReminders) {
      assert.equal(outcomes.get(String(id))?.cancelReason, 'expired');
      assert.deepEqual(outcomes.get(String(id))?.outcomes, { first: 'cancelled', second: 'cancelled' });
    }
    assert.deepEqual(outcomes.get(String(ids.keeper))?.outcomes, { first: 'pending', second: 'pending' });

    const again = await runCleanup();
    assert.deepEqual(
      [again.expired, again.remindersCancelled, again.tokensDeleted, again.bounceCountsReset, again.reportsPruned],
      [0, 0, 0, 0, 0],
      'a second run finds nothing left to do',
    );
  });

  it('the reminders workflow, once nothing is left to remind, records its own run report', async () => {
    await signalRemindersCancelled(temporal.client, remindersId, [String(ids.keeper)], 'test over');
    const summary = await temporal.client.workflow.getHandle<typeof remindersWorkflow>(remindersId).result();
    assert.deepEqual(summary, { first: { cancelled: 26 }, second: { cancelled: 26 } });
    const report = await getModels(db).RunReport.findOne({ job: 'reminders', workflowId: remindersId }).lean();
    assert.ok(report, 'a reminders report');
    assert.equal(report.status, 'completed');
    assert.equal(report.month, month);
    assert.deepEqual([report.itemsProcessed, report.itemsSucceeded, report.itemsFailed], [52, 0, 0]);
  });
});
