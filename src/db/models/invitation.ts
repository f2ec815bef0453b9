// One invitation per (owner, contact, month). The recipient's address is copied in so that sending
// and reminding need no join: FerretDB v1 has no $lookup and no multi-document transactions.
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { newInvitationToken } from '../../domain/tokens';

export const INVITATION_MODEL_NAME = 'Invitation';
export const INVITATIONS_COLLECTION = 'invitations';

export const INVITATION_STATUSES = [
  'created',
  'sent',
  'opened',
  'started',
  'submitted',
  'opted-out',
  'expired',
  'failed',
  'cancelled',
] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

export const REMINDER_TYPES = ['first', 'second'] as const;
export type ReminderType = (typeof REMINDER_TYPES)[number];

/** `YYYY-MM`, month 01–12: a string sorts and compares correctly and has no time-zone ambiguity. */
export const INVITATION_MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

export interface InvitationReminder {
  type: ReminderType;
  /** Set when the SMTP server accepted the reminder; a permanent failure sets failedAt instead. */
  sentAt?: Date;
  messageId?: string;
  failedAt?: Date;
  failureReason?: string;
}

export interface InvitationDoc {
  _id: Types.ObjectId;
  ownerId: Types.ObjectId;
  contactId: Types.ObjectId;
  email: string;
  month: string;
  status: InvitationStatus;
  token: string;
  expiresAt: Date;
  tracking: {
    sentAt?: Date;
    messageId?: string;
    openedAt?: Date;
    startedAt?: Date;
    submittedAt?: Date;
    optedOutAt?: Date;
    failedAt?: Date;
    failureReason?: string;
    attempts: number;
    /** The cycle run that sent (or failed) it: run reports count by it. */
    runKey?: string;
    /** A worker died during the SMTP exchange: marked sent, never re-sent, but not confirmed. */
    deliveryUnconfirmed?: boolean;
  };
  reminders: InvitationReminder[];
  /** The reminders workflow that looks after this invitation (one per owner and month). */
  remindersWorkflowId?: string;
  remindersCancelledAt?: Date;
  remindersCancelReason?: string;
  /** Set by the daily cleanup when it replaced the token by a tombstone (`deleted:<_id>`). */
  tokenDeletedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export type InvitationModel = Model<InvitationDoc>;

const reminderSchema = new Schema<InvitationReminder>(
  {
    // A path literally named "type" must be spelled { type: { type: ... } } in Mongoose.
    type: { type: String, required: true, enum: REMINDER_TYPES },
    sentAt: { type: Date },
    messageId: { type: String },
    failedAt: { type: Date },
    failureReason: { type: String },
  },
  { _id: false },
);

export const invitationSchema = new Schema<InvitationDoc>(
  {
    ownerId: { type: Schema.Types.ObjectId, required: true, ref: 'User' },
    contactId: { type: Schema.Types.ObjectId, required: true, ref: 'Contact' },
    email: { type: String, required: true, lowercase: true, trim: true },
    month: {
      type: String,
      required: true,
      match: [INVITATION_MONTH_PATTERN, 'month must look like YYYY-MM, got "{VALUE}"'],
    },
    status: { type: String, required: true, enum: INVITATION_STATUSES, default: 'created' },
    token: { type: String, required: true, default: newInvitationToken },
    expiresAt: { type: Date, required: true },
    tracking: {
      sentAt: { type: Date },
      messageId: { type: String },
      openedAt: { type: Date },
      startedAt: { type: Date },
      submittedAt: { type: Date },
      optedOutAt: { type: Date },
      failedAt: { type: Date },
      failureReason: { type: String },
      attempts: { type: Number, required: true, default: 0, min: 0 },
      runKey: { type: String },
      deliveryUnconfirmed: { type: Boolean },
    },
    reminders: { type: [reminderSchema], default: [] },
    remindersWorkflowId: { type: String },
    remindersCancelledAt: { type: Date },
    remindersCancelReason: { type: String },
    tokenDeletedAt: { type: Date },
  },
  { collection: INVITATIONS_COLLECTION, versionKey: false, timestamps: true },
);

// Seed-documented indexes: monthly progress by status, reminder due-date scans, reminder lookups.
invitationSchema.index({ month: 1, status: 1 });
invitationSchema.index({ 'tracking.sentAt': 1, status: 1, expiresAt: 1 });
invitationSchema.index({ 'reminders.type': 1 });
// Idempotency key: a retried activity that re-creates this month's invitation hits 11000 instead of
// doubling it. This replaces the transaction the old system would have needed.
invitationSchema.index({ ownerId: 1, contactId: 1, month: 1 }, { unique: true });
// Links in e-mails are resolved by token.
invitationSchema.index({ token: 1 }, { unique: true });

export function registerInvitationModel(conn: Connection): InvitationModel {
  return conn.model<InvitationDoc>(INVITATION_MODEL_NAME, invitationSchema);
}
