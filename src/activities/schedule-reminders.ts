// After a batch is sent, hand its invitations to their reminders workflows (signal-with-start:
// the first signal creates the workflow). Each workflow holds a fixed slice of the batch — at
// most 60 invitations, whatever their owners — named after the slice's first invitation, so a
// retried activity signals the same workflows, which ignore invitations they already know.
// Why slices of a batch and not one workflow per owner: see the README (Reminders).
import { Types } from 'mongoose';
import { getModels } from '../db/models';
import { remindersWorkflowId, REMINDERS_JOB } from '../domain/jobs';
import { reminderDueAt, REMINDABLE_STATUSES } from '../domain/reminder-policy';
import { INVITATIONS_KEY, JOB_KEY, MONTH_KEY } from '../domain/search-attributes';
import { invitationsSentSignal, type SentInvitation } from '../workflows/reminder-signals';
import type { ActivityDeps } from './deps';

/** Invitations per reminders workflow: all of them fit in its search attribute (2 KB value limit). */
export const MAX_INVITATIONS_PER_REMINDERS_WORKFLOW = 60;

/** What scheduling needs of an invitation; a caller that has just read and written them passes them in. */
export interface RemindableInvitation { _id: Types.ObjectId; ownerId: unknown; status: unknown; remindersCancelledAt?: unknown; tracking?: unknown }

/** The batch cut into even slices of at most `max`, by position: the same batch always gives the same slices. */
export function reminderSlices<T>(batch: readonly T[], max = MAX_INVITATIONS_PER_REMINDERS_WORKFLOW): T[][] {
  const count = Math.ceil(batch.length / max);
  const size = Math.ceil(batch.length / Math.max(1, count));
  const slices: T[][] = [];
  for (let i = 0; i < batch.length; i += size) slices.push(batch.slice(i, i + size));
  return slices;
}

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

  const sentAtOf = (doc: RemindableInvitation): Date => (doc.tracking as { sentAt?: Date } | undefined)?.sentAt ?? new Date();
  const remindableById = new Map(docs.map((d) => [String(d._id), d]));
  const zones = new Map<string, string>();
  if (deps.config.reminders.localHour !== undefined) {
    const ownerIds = [...new Set(docs.map((d) => String(d.ownerId)))];
    const owners = await User.collection.find({ _id: { $in: ownerIds.map((id) => new Types.ObjectId(id)) } }, { projection: { 'preferences.timezone': 1 } }).toArray();
    for (const o of owners) zones.set(String(o._id), (o.preferences as { timezone?: string } | undefined)?.timezone ?? deps.config.schedule.timezone);
  }

  const policy = deps.config.reminders;
  const marks: { ids: Types.ObjectId[]; workflowId: string }[] = [];
  await Promise.all(reminderSlices(input.invitationIds).map(async (slice) => {
    const invitations = slice.map((id) => remindableById.get(id)).filter((d): d is RemindableInvitation => d !== undefined);
    if (invitations.length === 0) return;
    const items: SentInvitation[] = invitations.map((doc) => {
      // SCHEDULER_REMINDER_LOCAL_HOUR is read in each invitation's owner's zone.
      const zone = zones.get(String(doc.ownerId)) ?? deps.config.schedule.timezone;
      const sentAt = sentAtOf(doc);
      return { invitationId: String(doc._id), firstDueAt: reminderDueAt('first', sentAt, policy, zone).getTime(), secondDueAt: reminderDueAt('second', sentAt, policy, zone).getTime() };
    });
    const workflowId = remindersWorkflowId(input.month, slice[0]!);
    await deps.temporal.workflow.signalWithStart('remindersWorkflow', {
      workflowId,
      taskQueue: deps.config.temporal.taskQueue,
      args: [{ month: input.month, listInvitationsUpTo: MAX_INVITATIONS_PER_REMINDERS_WORKFLOW }],
      signal: invitationsSentSignal,
      signalArgs: [items],
      typedSearchAttributes: [
        { key: JOB_KEY, value: REMINDERS_JOB },
        { key: MONTH_KEY, value: input.month },
        // What the workflow lists after this signal if it is new: it then has nothing to upsert.
        { key: INVITATIONS_KEY, value: items.map((i) => i.invitationId) },
      ],
    });
    marks.push({ ids: invitations.map((d) => d._id), workflowId });
  }));
  // One round trip for all the batch's workflows.
  if (marks.length > 0) {
    await Invitation.collection.bulkWrite(marks.map(({ ids, workflowId }) => ({ updateMany: { filter: { _id: { $in: ids } }, update: { $set: { remindersWorkflowId: workflowId } } } })), { ordered: false });
  }
  return docs.length;
}
