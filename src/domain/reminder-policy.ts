// THE reminder rule, in one place: when the J+3 and J+7 reminders of an invitation are due,
// and whether one may still be sent. Workflows use the due times; activities re-check
// eligibility against the database at the moment of sending.
import { addCalendarDays, instantOfWallTime, wallTimeOf } from './zoned-time';

export type ReminderType = 'first' | 'second';
export const REMINDER_TYPES: readonly ReminderType[] = ['first', 'second'];

export interface ReminderPolicy {
  /** SCHEDULER_FIRST_REMINDER_DAYS / SCHEDULER_SECOND_REMINDER_DAYS; fractional for demos. */
  firstAfterDays: number;
  secondAfterDays: number;
  /** SCHEDULER_REMINDER_LOCAL_HOUR: remind at this hour of the owner's zone on day J+N. */
  localHour?: number | undefined;
}

/** Statuses in which the invitee has not answered yet, so reminders still make sense. */
export const REMINDABLE_STATUSES = ['sent', 'opened', 'started'] as const;

const DAY_MS = 86_400_000;

function daysFor(type: ReminderType, policy: ReminderPolicy): number {
  return type === 'first' ? policy.firstAfterDays : policy.secondAfterDays;
}

/**
 * When a reminder is due. Without a local hour: exactly N × 24 h after sending. With one: at
 * that hour of the owner's zone on the N-th calendar day after the sending day there
 * (fractional N rounds up to whole days, a DST gap shifts the hour forward).
 */
export function reminderDueAt(type: ReminderType, sentAt: Date, policy: ReminderPolicy, ownerTimeZone: string): Date {
  const days = daysFor(type, policy);
  if (policy.localHour === undefined) return new Date(sentAt.getTime() + Math.round(days * DAY_MS));
  const sentLocal = wallTimeOf(sentAt, ownerTimeZone);
  const dueDate = addCalendarDays(sentLocal, Math.max(1, Math.ceil(days)));
  return instantOfWallTime({ ...dueDate, hour: policy.localHour, minute: 0 }, ownerTimeZone);
}

export interface ReminderCandidate {
  status: string;
  expiresAt: Date;
  remindersCancelledAt?: Date | null | undefined;
  reminders: { type: ReminderType }[];
}

export type ReminderVerdict = 'send' | 'answered' | 'cancelled' | 'expired' | 'not-delivered' | 'owner-opted-out' | 'already-sent';

const ANSWERED_STATUSES = ['submitted', 'opted-out'];

/** May this reminder go out now? The first reason that forbids it, else 'send'. */
export function reminderVerdict(invitation: ReminderCandidate, type: ReminderType, ownerWantsReminders: boolean, now: Date): ReminderVerdict {
  if (invitation.reminders.some((r) => r.type === type)) return 'already-sent';
  if (invitation.remindersCancelledAt) return 'cancelled';
  if (ANSWERED_STATUSES.includes(invitation.status)) return 'answered';
  if (invitation.status === 'expired' || invitation.expiresAt.getTime() <= now.getTime()) return 'expired';
  if (!(REMINDABLE_STATUSES as readonly string[]).includes(invitation.status)) return 'not-delivered';
  if (!ownerWantsReminders) return 'owner-opted-out';
  return 'send';
}
