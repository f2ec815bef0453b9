// After a batch is sent, hand its invitations to their owners' reminders workflows
// (signal-with-start: the workflow is created by the first batch of an owner's month).
// Repeating this is harmless: the workflow ignores invitations it already knows.
import { Types } from 'mongoose';
import { getModels } from '../db/models';
import { remindersWorkflowId, REMINDERS_JOB } from '../domain/jobs';
import { reminderDueAt, REMINDABLE_STATUSES } from '../domain/reminder-policy';
import { INVITATIONS_KEY, JOB_KEY, MONTH_KEY, OWNER_KEY } from '../domain/search-attributes';
import { invitationsSentSignal, type SentInvitation } from '../workflows/reminder-signals';
import type { ActivityDeps } from './deps';

/** Invitations per owner above which their ids are not listed in a search attribute (its 2 KB value limit). */
const MAX_LISTED_INVITATIONS = 60;

/** What scheduling needs of an invitation; a caller that has just read and written them passes them in. */
export interface RemindableInvitation { _id: Types.ObjectId; ownerId: unknown; status: unknown; remindersCancelledAt?: unknown; tracking?: unknown }

export async function scheduleRemindersForInvitations(deps: ActivityDeps, input: { month: string; invitationIds: string[]; known?: RemindableInvitation[] }): Promise<number> {
  const { Invitation, User } = getModels(deps.db);
  // Looked up by _id only (served by the primary index everywhere), filtered here.
  const remindable: readonly string[] = REMINDABLE_STATUSES;
  // (The workflow checks each invitation again in the database when its reminder is due.)
  const docs = (input.known ?? await Invitation.collection
    .find({ _id: { $in: input.invitationIds.map((id) => new Types.ObjectId(id)) } }, { projection: { _id: 1, ownerId: 1, status: 1, remindersCancelledAt: 1, 'tracking.sentAt': 1 } })
    .toArray())
    .filter((d) => remindable.includes(String(d.status)) && !d.remindersCancelledAt);
  if (docs.length === 0) return 0;

  const byOwner = new Map<string, { _id: Types.ObjectId; sentAt: Date }[]>();
  for (const doc of docs) {
    const owner = String(doc.ownerId);
    const list = byOwner.get(owner) ?? [];
    list.push({ _id: doc._id, sentAt: (doc.tracking as { sentAt?: Date } | undefined)?.sentAt ?? new Date() });
    byOwner.set(owner, list);
  }
  const zones = new Map<string, string>();
  if (deps.config.reminders.localHour !== undefined) {
    const owners = await User.collection.find({ _id: { $in: [...byOwner.keys()].map((id) => new Types.ObjectId(id)) } }, { projection: { 'preferences.timezone': 1 } }).toArray();
    for (const o of owners) zones.set(String(o._id), (o.preferences as { timezone?: string } | undefined)?.timezone ?? deps.config.schedule.timezone);
  }

  const policy = deps.config.reminders;
  const marks: { ids: Types.ObjectId[]; workflowId: string }[] = [];
  await Promise.all([...byOwner.entries()].map(async ([ownerId, invitations]) => {
    const zone = zones.get(ownerId) ?? deps.config.schedule.timezone;
    const items: SentInvitation[] = invitations.map((i) => ({
      invitationId: String(i._id),
      firstDueAt: reminderDueAt('first', i.sentAt, policy, zone).getTime(),
      secondDueAt: reminderDueAt('second', i.sentAt, policy, zone).getTime(),
    }));
    const workflowId = remindersWorkflowId(input.month, ownerId);
    await deps.temporal.workflow.signalWithStart('remindersWorkflow', {
      workflowId,
      taskQueue: deps.config.temporal.taskQueue,
      args: [{ month: input.month, ownerId, listInvitationsUpTo: MAX_LISTED_INVITATIONS }],
      signal: invitationsSentSignal,
      signalArgs: [items],
      typedSearchAttributes: [
        { key: JOB_KEY, value: REMINDERS_JOB },
        { key: MONTH_KEY, value: input.month },
        { key: OWNER_KEY, value: ownerId },
        // What the workflow would list after this signal if it is new (it then has nothing to upsert).
        { key: INVITATIONS_KEY, value: items.length <= MAX_LISTED_INVITATIONS ? items.map((i) => i.invitationId) : [] },
      ],
    });
    marks.push({ ids: invitations.map((i) => i._id), workflowId });
  }));
  // One round trip for all owners of the batch.
  await Invitation.collection.bulkWrite(marks.map(({ ids, workflowId }) => ({ updateMany: { filter: { _id: { $in: ids } }, update: { $set: { remindersWorkflowId: workflowId } } } })), { ordered: false });
  return docs.length;
}
