// What an invitee does with an invitation (opens it, starts, submits or opts out) and what an
// operator does to its reminders. The CLI calls this today and the HTTP API (the form app)
// calls the very same code: one place decides which transitions are allowed and when the
// reminders stop.
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { Types, type Connection } from 'mongoose';
import { getModels, type InvitationDoc } from '../db/models';
import { cancelRemindersSignal } from '../workflows/reminder-signals';

export const RESPONSE_STATUSES = ['opened', 'started', 'submitted', 'opted-out'] as const;
export type ResponseStatus = (typeof RESPONSE_STATUSES)[number];

export type InvitationProblem = 'unknown-invitation' | 'expired' | 'already-answered' | 'not-delivered' | 'already-cancelled';

export class InvitationActionError extends Error {
  constructor(readonly problem: InvitationProblem, message: string) {
    super(message);
    this.name = 'InvitationActionError';
  }
}

interface Deps { db: Connection; temporal: Client }

/** How far an invitee got; an event never moves an invitation backwards. */
const PROGRESS: Record<string, number> = { sent: 0, opened: 1, started: 2, submitted: 3, 'opted-out': 3 };
const TIMESTAMP_FIELD: Record<ResponseStatus, string> = {
  opened: 'tracking.openedAt', started: 'tracking.startedAt', submitted: 'tracking.submittedAt', 'opted-out': 'tracking.optedOutAt',
};
/** Answers that end the reminders. */
const FINAL: ResponseStatus[] = ['submitted', 'opted-out'];

function describe(doc: Pick<InvitationDoc, '_id' | 'status'>): string {
  return `invitation ${String(doc._id)} (status ${doc.status})`;
}

function assertAnswerable(doc: InvitationDoc, now: Date): void {
  if (doc.status === 'submitted' || doc.status === 'opted-out') {
    throw new InvitationActionError('already-answered', `${describe(doc)} was already answered`);
  }
  if (doc.status === 'expired' || doc.expiresAt.getTime() <= now.getTime()) {
    throw new InvitationActionError('expired', `${describe(doc)} expired on ${doc.expiresAt.toISOString()}`);
  }
  if (!(doc.status in PROGRESS)) {
    throw new InvitationActionError('not-delivered', `${describe(doc)} was never delivered, so it cannot be answered`);
  }
}

async function signalCancel(temporal: Client, doc: InvitationDoc, reason: string): Promise<boolean> {
  if (!doc.remindersWorkflowId) return false;
  return signalRemindersCancelled(temporal, doc.remindersWorkflowId, [String(doc._id)], reason);
}

/**
 * Tells one reminders workflow to stop the reminders of these invitations (one signal naming them
 * all: the daily cleanup cancels a page of expired invitations this way). False when the workflow
 * is closed already: its reminders are all done, the database flag is all that is left to set.
 */
export async function signalRemindersCancelled(temporal: Client, remindersWorkflowId: string, invitationIds: string[], reason: string): Promise<boolean> {
  try {
    const request = invitationIds.length === 1 ? { invitationId: invitationIds[0], reason } : { invitationIds, reason };
    await temporal.workflow.getHandle(remindersWorkflowId).signal(cancelRemindersSignal, request);
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

export interface MarkResult { invitationId: string; status: string; changed: boolean; remindersCancelled: boolean; signalled: boolean }

export async function markInvitation({ db, temporal }: Deps, token: string, status: ResponseStatus, racesLeft = 3): Promise<MarkResult> {
  const { Invitation, Contact } = getModels(db);
  const doc = await Invitation.findOne({ token }).lean<InvitationDoc>();
  if (!doc) throw new InvitationActionError('unknown-invitation', 'no invitation has this token');
  const now = new Date();
  assertAnswerable(doc, now);

  const forward = PROGRESS[status]! > PROGRESS[doc.status]!;
  const set: Record<string, unknown> = { [TIMESTAMP_FIELD[status]]: now, updatedAt: now };
  if (forward) set.status = status;
  const ends = FINAL.includes(status);
  if (ends) Object.assign(set, { remindersCancelledAt: now, remindersCancelReason: status });
  // Conditional on the status we read: two answers racing cannot both win.
  const update = await Invitation.collection.updateOne({ _id: doc._id, status: doc.status }, { $set: set });
  if (update.matchedCount === 0) {
    if (racesLeft === 0) throw new Error(`invitation ${String(doc._id)} keeps changing under this update; try again`);
    return markInvitation({ db, temporal }, token, status, racesLeft - 1);
  }
  if (status === 'opted-out') await Contact.collection.updateOne({ _id: doc.contactId }, { $set: { optedOut: true, optedOutAt: now } });
  if (status === 'submitted') await Contact.collection.updateOne({ _id: doc.contactId }, { $set: { 'tracking.lastRespondedAt': now } });
  const signalled = ends ? await signalCancel(temporal, doc, status) : false;
  return { invitationId: String(doc._id), status: forward ? status : doc.status, changed: forward, remindersCancelled: ends, signalled };
}

export interface CancelResult { invitationId: string; remindersWorkflowId: string | undefined; signalled: boolean }

/** Cancels the reminders of one invitation, found by id or by token. */
export async function cancelReminders({ db, temporal }: Deps, idOrToken: string, reason = 'cancelled by an operator'): Promise<CancelResult> {
  const { Invitation } = getModels(db);
  const byId = Types.ObjectId.isValid(idOrToken) && /^[0-9a-f]{24}$/i.test(idOrToken);
  const doc = await Invitation.findOne(byId ? { _id: new Types.ObjectId(idOrToken) } : { token: idOrToken }).lean<InvitationDoc>();
  if (!doc) throw new InvitationActionError('unknown-invitation', `no invitation has the id or token "${idOrToken}"`);
  if (doc.remindersCancelledAt) {
    throw new InvitationActionError('already-cancelled', `the reminders of ${describe(doc)} were already cancelled on ${doc.remindersCancelledAt.toISOString()} (${doc.remindersCancelReason ?? 'no reason'})`);
  }
  assertAnswerable(doc, new Date());
  const now = new Date();
  await Invitation.collection.updateOne({ _id: doc._id }, { $set: { remindersCancelledAt: now, remindersCancelReason: reason, updatedAt: now } });
  const signalled = await signalCancel(temporal, doc, reason);
  return { invitationId: String(doc._id), remindersWorkflowId: doc.remindersWorkflowId, signalled };
}
