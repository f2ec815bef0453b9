// A contact belongs to one user and receives that user's monthly invitation.
import { Schema, type Connection, type Model, type Types } from 'mongoose';

export const CONTACT_MODEL_NAME = 'Contact';
export const CONTACTS_COLLECTION = 'contacts';

export const CONTACT_SOURCES = ['seed', 'manual', 'csv', 'api'] as const;
export type ContactSource = (typeof CONTACT_SOURCES)[number];

export interface ContactDoc {
  _id: Types.ObjectId;
  ownerId: Types.ObjectId;
  email: string;
  firstName: string;
  lastName: string;
  isActive: boolean;
  optedOut: boolean;
  optedOutAt?: Date;
  /** Permanent (hard) bounces: the address is dead. */
  bounceCount: number;
  /** Soft bounces; the daily cleanup resets it to 0. */
  temporaryBounceCount: number;
  lastBounceAt?: Date;
  lastBounceReason?: string;
  tracking: { invitationsSent: number; lastInvitedAt?: Date; lastRespondedAt?: Date };
  source: ContactSource;
  /** Set by a CSV import: which import (src/db/models/import.ts) and data row created the contact. */
  import?: { id: string; row: number };
  createdAt: Date;
  updatedAt: Date;
}

export type ContactModel = Model<ContactDoc>;

export const contactSchema = new Schema<ContactDoc>(
  {
    ownerId: { type: Schema.Types.ObjectId, required: true, ref: 'User' },
    email: { type: String, required: true, lowercase: true, trim: true },
    firstName: { type: String, default: '', trim: true },
    lastName: { type: String, default: '', trim: true },
    isActive: { type: Boolean, required: true, default: true },
    optedOut: { type: Boolean, required: true, default: false },
    optedOutAt: { type: Date },
    bounceCount: { type: Number, required: true, default: 0, min: 0 },
    temporaryBounceCount: { type: Number, required: true, default: 0, min: 0 },
    lastBounceAt: { type: Date },
    lastBounceReason: { type: String },
    tracking: {
      invitationsSent: { type: Number, required: true, default: 0, min: 0 },
      lastInvitedAt: { type: Date },
      lastRespondedAt: { type: Date },
    },
    source: { type: String, required: true, enum: CONTACT_SOURCES, default: 'manual' },
    import: { type: new Schema({ id: String, row: Number }, { _id: false }), default: undefined },
  },
  { collection: CONTACTS_COLLECTION, versionKey: false, timestamps: true },
);

// One contact per owner and address: CSV imports upsert on this key and rely on it to refuse duplicates.
contactSchema.index({ ownerId: 1, email: 1 }, { unique: true });
// "Contacts this user may e-mail" — the monthly cycle's per-user read.
contactSchema.index({ ownerId: 1, isActive: 1, optedOut: 1 });

export function registerContactModel(conn: Connection): ContactModel {
  return conn.model<ContactDoc>(CONTACT_MODEL_NAME, contactSchema);
}
