// API tokens of the HTTP API. Only the SHA-256 of a token is stored, as `_id`: the request's
// token is hashed and looked up by `_id` (the fast path), and a copy of the database gives no
// usable token. A token is scoped to one organisation, or is an admin token (orgId null).
import { Schema, type Connection, type Model } from 'mongoose';

export const API_TOKENS_COLLECTION = 'api_tokens';

export interface ApiTokenDoc {
  /** sha256(token), hex */
  _id: string;
  orgId: string | null;
  admin: boolean;
  name?: string;
  createdAt: Date;
}

export type ApiTokenModel = Model<ApiTokenDoc>;

export const apiTokenSchema = new Schema<ApiTokenDoc>(
  {
    _id: { type: String, required: true },
    orgId: { type: String, default: null },
    admin: { type: Boolean, required: true, default: false },
    name: { type: String },
    createdAt: { type: Date, required: true },
  },
  { collection: API_TOKENS_COLLECTION, versionKey: false },
);

export function registerApiTokenModel(conn: Connection): ApiTokenModel {
  return conn.model<ApiTokenDoc>('ApiToken', apiTokenSchema);
}
