// The J+3 / J+7 reminders on the time-skipping server: days pass in milliseconds. The activity
// is isolated (it answers as the database would), so these tests pin the workflow's timing
// and its handling of signals; the real activity is tested on the real stack.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { SendRemindersInput } from '../../src/activities';
import type { RunReportInput } from '../../src/activities/reports';
import { reminderDueAt } from '../../src/domain/reminder-policy';
import { remindersWorkflow } from '../../src/workflows';
import { cancelRemindersSignal, invitationsSentSignal, remindersStateQuery, type ReminderOutcome, type SentInvitation } from '../../src/workflows/reminder-signals';
import { createTimeSkippingEnv, WORKFLOWS_PATH } from '../helpers/time-skipping';

const DAY = 86_400_000;

interface Call { type: string; ids: string[]; at: number }

describe('reminders workflow (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  /** Runs one reminders workflow; `answer` decides what the (isolated) activity says per invitation. */
  async function runReminders(scenario: {
    sent: (now: number) => SentInvitation[];
    answer?: (input: SendRemindersInput, id: string) => ReminderOutcome;
    during?: (handle: { signalCancel: (id: string) => Promise<void>; signalCancelMany: (ids: string[]) => Promise<void>; signalSent: (items: SentInvitation[]) => Promise<void>; skip: (ms: number) => Promise<void>; startedAt: number }) => Promise<void>;
  }) {
    const calls: Call[] = [];
    const reports: RunReportInput[] = [];
    const taskQueue = `reminders-${Math.random().toString(36).slice(2)}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities: {
        sendReminders: async (input: SendRemindersInput) => {
          calls.push({ type: input.type, ids: input.invitationIds, at: await env.currentTimeMs() });
          return Object.fromEntries(input.invitationIds.map((id) => [id, scenario.answer?.(input, id) ?? 'sent']));
        },
        recordRunReport: (report: RunReportInput) => { reports.push(report); return Promise.resolve(); },
      },
    });
    return worker.runUntil(async () => {
      const now = await env.currentTimeMs();
      const handle = await env.client.workflow.signalWithStart(remindersWorkflow, {
        workflowId: `reminders-test-${taskQueue}`,
        taskQueue,
        args: [{ month: '2026-12', ownerId: 'owner-1', listInvitationsUpTo: 0 }],
        signal: invitationsSentSignal,
        signalArgs: [scenario.sent(now)],
      });
      if (scenario.during) {
        await scenario.during({
          signalCancel: (id) => handle.signal(cancelRemindersSignal, { invitationId: id, reason: 'test' }),
          signalCancelMany: (ids) => handle.signal(cancelRemindersSignal, { invitationIds: ids, reason: 'expired' }),
          signalSent: (items) => handle.signal(invitationsSentSignal, items),
          skip: (ms) => env.sleep(ms),
          startedAt: now,
        });
      }
      const summary = await handle.result();
      const state = await handle.query(remindersStateQuery).catch(() => undefined);
      return { calls, summary, state, startedAt: now, reports };
    });
  }

  const policy = { firstAfterDays: 3, secondAfterDays: 7 };
  const sentAt = (now: number) => new Date(now);
  const item = (id: string, now: number): SentInvitation => ({
    invitationId: id,
    firstDueAt: reminderDueAt('first', sentAt(now), policy, 'Europe/Paris').getTime(),
    secondDueAt: reminderDueAt('second', sentAt(now), policy, 'Europe/Paris').getTime(),
  });

  it('sends the J+3 and the J+7 reminder, each at its time', async () => {
    const { calls, summary, startedAt, reports } = await runReminders({ sent: (now) => [item('a', now), item('b', now)] });
    assert.deepEqual(calls.map((c) => [c.type, c.ids]), [['first', ['a', 'b']], ['second', ['a', 'b']]]);
    assert.ok(Math.abs(calls[0]!.at - (startedAt + 3 * DAY)) < 60_000, 'first reminder at J+3');
    assert.ok(Math.abs(calls[1]!.at - (startedAt + 7 * DAY)) < 60_000, 'second reminder at J+7');
    assert.deepEqual(summary, { first: { sent: 2 }, second: { sent: 2 } });
    assert.equal(reports.length, 1, 'the run leaves one report');
    assert.equal(reports[0]!.job, 'reminders');
    assert.equal(reports[0]!.status, 'completed');
    assert.equal(reports[0]!.month, '2026-12');
    assert.deepEqual([reports[0]!.itemsProcessed, reports[0]!.itemsSucceeded, reports[0]!.itemsFailed], [4, 4, 0]);
    assert.ok(reports[0]!.durationMs >= 7 * DAY - 60_000, 'the run lasted until J+7');
  });

  it('one cancel naming several invitations (the daily cleanup) stops all of them', async () => {
    const { calls, summary } = await runReminders({
      sent: (now) => [item('a', now), item('b', now), item('c', now)],
      during: async ({ signalCancelMany, skip }) => {
        await skip(DAY);
        await signalCancelMany(['a', 'c', 'unknown']);
      },
    });
    assert.deepEqual(calls.map((c) => [c.type, c.ids]), [['first', ['b']], ['second', ['b']]]);
    assert.deepEqual(summary, { first: { cancelled: 2, sent: 1 }, second: { cancelled: 2, sent: 1 } });
  });

  it('a cancel before J+3 sends no reminder for that invitation', async () => {
    const { calls, summary } = await runReminders({
      sent: (now) => [item('a', now), item('b', now)],
      during: async ({ signalCancel, skip }) => {
        await skip(DAY);
        await signalCancel('a');
      },
    });
    assert.deepEqual(calls.map((c) => [c.type, c.ids]), [['first', ['b']], ['second', ['b']]]);
    assert.deepEqual(summary, { first: { cancelled: 1, sent: 1 }, second: { cancelled: 1, sent: 1 } });
  });

  it('a cancel between J+3 and J+7 stops only the second reminder', async () => {
    const { calls, summary } = await runReminders({
      sent: (now) => [item('a', now)],
      during: async ({ signalCancel, skip }) => {
        await skip(5 * DAY);
        await signalCancel('a');
      },
    });
    assert.deepEqual(calls.map((c) => [c.type, c.ids]), [['first', ['a']]]);
    assert.deepEqual(summary, { first: { sent: 1 }, second: { cancelled: 1 } });
  });

  it('an owner with reminders off gets none: the activity says so and nothing is sent', async () => {
    const { calls, summary } = await runReminders({ sent: (now) => [item('a', now)], answer: () => 'owner-opted-out' });
    assert.equal(calls.length, 2, 'the activity decides at each due time (the owner may change their mind)');
    assert.deepEqual(summary, { first: { 'owner-opted-out': 1 }, second: { 'owner-opted-out': 1 } });
  });

  it('an answered invitation gets no more reminders', async () => {
    const { summary } = await runReminders({
      sent: (now) => [item('a', now), item('b', now)],
      answer: (input, id) => (id === 'a' && input.type === 'second' ? 'answered' : 'sent'),
    });
    assert.deepEqual(summary, { first: { sent: 2 }, second: { answered: 1, sent: 1 } });
  });

  it('a cancel that arrives before the invitation is known is still honoured', async () => {
    const calls: Call[] = [];
    const taskQueue = `reminders-early-${Math.random().toString(36).slice(2)}`;
    const worker = await Worker.create({
      connection: env.nativeConnection, taskQueue, workflowsPath: WORKFLOWS_PATH,
      activities: {
        sendReminders: (input: SendRemindersInput) => { calls.push({ type: input.type, ids: input.invitationIds, at: 0 }); return Promise.resolve(Object.fromEntries(input.invitationIds.map((id) => [id, 'sent']))); },
        recordRunReport: () => Promise.resolve(),
      },
    });
    const summary = await worker.runUntil(async () => {
      const now = await env.currentTimeMs();
      const handle = await env.client.workflow.signalWithStart(remindersWorkflow, {
        workflowId: `reminders-early-${taskQueue}`, taskQueue,
        args: [{ month: '2026-12', ownerId: 'o', listInvitationsUpTo: 0 }],
        signal: cancelRemindersSignal, signalArgs: [{ invitationId: 'late', reason: 'answered' }],
      });
      await handle.signal(invitationsSentSignal, [item('late', now), item('other', now)]);
      return handle.result();
    });
    assert.deepEqual(calls.map((c) => c.ids), [['other'], ['other']]);
    assert.deepEqual(summary, { first: { cancelled: 1, sent: 1 }, second: { cancelled: 1, sent: 1 } });
  });

  it('a repeated signal (a retried send activity) does not duplicate reminders', async () => {
    const { calls } = await runReminders({
      sent: (now) => [item('a', now)],
      during: async ({ signalSent, startedAt }) => {
        await signalSent([item('a', startedAt)]);
        await signalSent([item('a', startedAt)]);
      },
    });
    assert.deepEqual(calls.map((c) => [c.type, c.ids]), [['first', ['a']], ['second', ['a']]]);
  });
});
