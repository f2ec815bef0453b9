// Users own contacts and choose when (sendDay, timezone) their monthly invitations go out.
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { isValidTimeZone } from '../../config';

export const USER_MODEL_NAME = 'User';
export const USERS_COLLECTION = 'users';

/** Day 29–31 does not exist every month, so send days stop at 28 (same rule as SCHEDULER_MONTHLY_JOB_DAY). */
export const MIN_SEND_DAY = 1;
export const MAX_SEND_DAY = 28;

export interface UserDoc {
  _id: Types.ObjectId;
  email: string;
  name: string;
  metadata: { isActive: boolean; createdAt: Date; lastLoginAt?: Date };
  preferences: { sendDay: number; timezone: string; remindersEnabled: boolean };
}

export type UserModel = Model<UserDoc>;

export const userSchema = new Schema<UserDoc>(
  {
    email: { type: String, required: true, lowercase: true, trim: true },
    name: { type: String, required: true, trim: true },
    metadata: {
      isActive: { type: Boolean, required: true, default: true },
      createdAt: { type: Date, required: true, default: () => new Date() },
      lastLoginAt: { type: Date },
    },
    preferences: {
      sendDay: {
        type: Number,
        required: true,
        default: 5,
        min: MIN_SEND_DAY,
        max: MAX_SEND_DAY,
        validate: { validator: Number.isInteger, message: 'sendDay must be a whole number' },
      },
      timezone: {
        type: String,
        required: true,
        default: 'Europe/Paris',
        validate: { validator: isValidTimeZone, message: (props: { value: unknown }) => `${String(props.value)} is not an IANA time zone` },
      },
      remindersEnabled: { type: Boolean, required: true, default: true },
    },
  },
  { collection: USERS_COLLECTION, versionKey: false },
);

userSchema.index({ email: 1 }, { unique: true });
// Seed-documented indexes: "which active users send on day N", and per-day/time-zone fan-out.
userSchema.index({ 'metadata.isActive': 1, 'preferences.sendDay': 1 });
userSchema.index({ 'preferences.sendDay': 1, 'preferences.timezone': 1 });
// The monthly cycle pages active users by _id (range queries `_id > lastSeen`), never with skip().
userSchema.index({ 'metadata.isActive': 1, _id: 1 });

export function registerUserModel(conn: Connection): UserModel {
  return conn.model<UserDoc>(USER_MODEL_NAME, userSchema);
}
