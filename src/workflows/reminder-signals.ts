// Messages of the reminders workflow, shared with the activities and the CLI that send them:
// one definition, so sender and receiver never disagree on a name.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ReminderType } from '../domain/reminder-policy';

/** An invitation the SMTP server accepted, with its reminders' due times (epoch ms). */
export interface SentInvitation { invitationId: string; firstDueAt: number; secondDueAt: number }
/** One invitation (`invitationId`) or several of the same workflow at once (`invitationIds`, the daily cleanup). */
export interface CancelRemindersRequest { invitationId?: string; invitationIds?: string[]; reason: string }

/** Every invitation a cancel request names. */
export function invitationsOf(request: CancelRemindersRequest): string[] {
  return [...(request.invitationId ? [request.invitationId] : []), ...(request.invitationIds ?? [])];
}

export type ReminderOutcome = 'pending' | 'sent' | 'failed' | 'cancelled' | 'answered' | 'expired' | 'not-delivered' | 'owner-opted-out' | 'already-sent';

export interface TrackedInvitation extends SentInvitation {
  outcomes: Record<ReminderType, ReminderOutcome>;
  cancelReason?: string;
}

export interface RemindersState {
  month: string;
  /** Only for workflows started per owner, before reminders were grouped by send batch. */
  ownerId?: string;
  invitations: TrackedInvitation[];
}

export const invitationsSentSignal = defineSignal<[SentInvitation[]]>('invitationsSent');
export const cancelRemindersSignal = defineSignal<[CancelRemindersRequest]>('cancelReminders');
export const remindersStateQuery = defineQuery<RemindersState>('remindersState');
