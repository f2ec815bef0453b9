// The J+3 / J+7 reminders of a group of invitations of one month (up to 60 from one send batch,
// whatever their owners), as durable timers.
// The cycle's send activities feed it (signal-with-start); a cancel signal ends the reminders
// of one invitation (the invitee answered or opted out, or an operator asked). Whether a
// reminder may still go out is decided again by the activity, against the database, when it
// is due: an answer recorded without a signal is still honoured.
import { condition, patched, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { REMINDER_TYPES, type ReminderType } from '../domain/reminder-policy';
import { REMINDERS_JOB } from '../domain/jobs';
import { INVITATIONS_KEY } from '../domain/search-attributes';
import {
  cancelRemindersSignal, invitationsOf, invitationsSentSignal, remindersStateQuery,
  type ReminderOutcome, type RemindersState, type TrackedInvitation,
} from './reminder-signals';

const { sendReminders, recordRunReport } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

export interface RemindersInput {
  month: string;
  listInvitationsUpTo: number;
  /** Only in workflows started per owner, before reminders were grouped by send batch (their replays). */
  ownerId?: string;
}
export type RemindersSummary = Record<ReminderType, Partial<Record<ReminderOutcome, number>>>;

function dueAt(item: TrackedInvitation, type: ReminderType): number {
  return type === 'first' ? item.firstDueAt : item.secondDueAt;
}

/** The earliest reminder still to send, if any. */
function nextDue(items: Iterable<TrackedInvitation>): number | undefined {
  let next: number | undefined;
  for (const item of items) {
    if (item.cancelReason) continue;
    for (const type of REMINDER_TYPES) {
      if (item.outcomes[type] === 'pending' && (next === undefined || dueAt(item, type) < next)) next = dueAt(item, type);
    }
  }
  return next;
}

export async function remindersWorkflow({ month, ownerId, listInvitationsUpTo }: RemindersInput): Promise<RemindersSummary> {
  const items = new Map<string, TrackedInvitation>();
  const cancelledEarly = new Map<string, string>();
  let changed = false;

  setHandler(invitationsSentSignal, (sent) => {
    for (const s of sent) {
      if (items.has(s.invitationId)) continue; // a repeated signal (retried activity) changes nothing
      const cancelReason = cancelledEarly.get(s.invitationId);
      const outcome: ReminderOutcome = cancelReason ? 'cancelled' : 'pending';
      items.set(s.invitationId, { ...s, outcomes: { first: outcome, second: outcome }, ...(cancelReason ? { cancelReason } : {}) });
    }
    if (items.size <= listInvitationsUpTo && !listedAlready()) upsertSearchAttributes([{ key: INVITATIONS_KEY, value: [...items.keys()] }]);
    changed = true;
  });
  setHandler(cancelRemindersSignal, (request) => {
    for (const invitationId of invitationsOf(request)) {
      const item = items.get(invitationId);
      if (!item) {
        cancelledEarly.set(invitationId, request.reason);
        continue;
      }
      item.cancelReason ??= request.reason;
      for (const type of REMINDER_TYPES) if (item.outcomes[type] === 'pending') item.outcomes[type] = 'cancelled';
      changed = true;
    }
  });
  /**
   * Whether the search attribute lists exactly the invitations known. Signal-with-start lists the
   * first batch's when it creates the workflow, which saves an upsert (an event and a visibility
   * write) for nearly every owner of a cycle; histories from before that replay without the check.
   */
  function listedAlready(): boolean {
    if (!patched('reminders-listed-at-start')) return false;
    const listed = new Set(workflowInfo().typedSearchAttributes.get(INVITATIONS_KEY) ?? []);
    return listed.size === items.size && [...items.keys()].every((id) => listed.has(id));
  }
  setHandler(remindersStateQuery, (): RemindersState => ({ month, ...(ownerId ? { ownerId } : {}), invitations: [...items.values()] }));

  await condition(() => items.size > 0);
  for (;;) {
    const next = nextDue(items.values());
    if (next === undefined) break;
    const wait = next - Date.now();
    if (wait > 0) {
      changed = false;
      await condition(() => changed, wait);
      continue;
    }
    for (const type of REMINDER_TYPES) {
      const due = [...items.values()].filter((i) => !i.cancelReason && i.outcomes[type] === 'pending' && dueAt(i, type) <= Date.now());
      if (due.length === 0) continue;
      const outcomes = await sendReminders({ month, type, invitationIds: due.map((i) => i.invitationId) });
      for (const item of due) {
        // A cancel that arrived while the activity ran wins if the activity did not send.
        const outcome = outcomes[item.invitationId] ?? 'failed';
        if (item.outcomes[type] === 'pending' || outcome === 'sent') item.outcomes[type] = outcome;
      }
    }
  }

  const summary: RemindersSummary = { first: {}, second: {} };
  for (const item of items.values()) {
    for (const type of REMINDER_TYPES) summary[type][item.outcomes[type]] = (summary[type][item.outcomes[type]] ?? 0) + 1;
  }
  // Every run of every job leaves a report. Histories recorded before this step replay without it.
  if (patched('reminders-run-report')) await reportRun(month, items.size, summary);
  return summary;
}

async function reportRun(month: string, invitations: number, summary: RemindersSummary): Promise<void> {
  const info = workflowInfo();
  const startedAt = info.runStartTime.getTime();
  const finishedAt = Date.now();
  const count = (outcome: ReminderOutcome) => REMINDER_TYPES.reduce((n, type) => n + (summary[type][outcome] ?? 0), 0);
  await recordRunReport({
    job: REMINDERS_JOB, workflowId: info.workflowId, runId: info.runId, status: 'completed', month,
    startedAt, finishedAt, durationMs: finishedAt - startedAt,
    itemsProcessed: invitations * REMINDER_TYPES.length, itemsSucceeded: count('sent'), itemsFailed: count('failed'),
    stats: { invitations, ...summary },
  });
}
