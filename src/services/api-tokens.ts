// API tokens for the HTTP API. A token is 32 random bytes (base64url, prefixed `mtr_` so a
// leaked one is easy to recognise); only its SHA-256 is stored, as the document's `_id`, so
// authenticating a request is one `_id` read and the database never holds a usable token.
import { createHash, randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { getModels, type ApiTokenDoc } from '../db/models';
import { ORG_ID_PATTERN } from '../domain/http-jobs';
import type { Principal } from '../api/principal';

export const API_TOKEN_PREFIX = 'mtr_';
export const API_TOKEN_BYTES = 32;

export class ApiTokenError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'ApiTokenError';
  }
}

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface ApiTokenView { id: string; orgId: string | null; admin: boolean; name?: string; createdAt: string }

function viewOf(doc: ApiTokenDoc): ApiTokenView {
  return { id: doc._id, orgId: doc.orgId, admin: doc.admin, ...(doc.name !== undefined && { name: doc.name }), createdAt: doc.createdAt.toISOString() };
}

/** Creates a token for one organisation (or an admin token) and returns it: the only time it is ever shown. */
export async function createApiToken(db: Connection, options: { orgId?: string; admin?: boolean; name?: string }): Promise<ApiTokenView & { token: string }> {
  const admin = options.admin === true;
  if (admin && options.orgId !== undefined) throw new ApiTokenError('--org', '--org and --admin exclude each other: an admin token reaches every organisation');
  if (!admin && options.orgId === undefined) throw new ApiTokenError('--org', '--org <id> is required (or --admin for a token that reaches every organisation)');
  if (options.orgId !== undefined && !ORG_ID_PATTERN.test(options.orgId)) {
    throw new ApiTokenError('--org', `--org "${options.orgId}" is not an organisation id: 1-64 letters, digits, _ or -`);
  }
  if (options.name !== undefined && (options.name.trim() === '' || options.name.length > 200)) throw new ApiTokenError('--name', '--name must be 1-200 characters');
  const token = `${API_TOKEN_PREFIX}${randomBytes(API_TOKEN_BYTES).toString('base64url')}`;
  const { ApiToken } = getModels(db);
  const doc: ApiTokenDoc = {
    _id: hashApiToken(token),
    orgId: admin ? null : options.orgId!,
    admin,
    ...(options.name !== undefined && { name: options.name }),
    createdAt: new Date(),
  };
  await ApiToken.create(doc);
  return { ...viewOf(doc), token };
}

/** Every token, without secrets (only hashes are stored anyway). */
export async function listApiTokens(db: Connection, filter: { orgId?: string } = {}): Promise<ApiTokenView[]> {
  const { ApiToken } = getModels(db);
  const docs = await ApiToken.find(filter.orgId === undefined ? {} : { orgId: filter.orgId }).sort({ createdAt: 1 }).lean();
  return docs.map(viewOf);
}

/** Revokes a token by its id (the hash shown by `tokens list`; a unique prefix of 8 or more characters is enough). */
export async function revokeApiToken(db: Connection, id: string): Promise<ApiTokenView> {
  const { ApiToken } = getModels(db);
  const wanted = id.trim().toLowerCase();
  if (!/^[0-9a-f]{8,64}$/.test(wanted)) throw new ApiTokenError('<id>', `token id "${id}" is not valid: give the id shown by \`metronome tokens list\` (8-64 hex characters)`);
  let doc: ApiTokenDoc | null = wanted.length === 64 ? await ApiToken.findById(wanted).lean<ApiTokenDoc>() : null;
  if (!doc && wanted.length < 64) {
    const matches = (await ApiToken.find({}).lean<ApiTokenDoc[]>()).filter((d) => d._id.startsWith(wanted));
    if (matches.length > 1) throw new ApiTokenError('<id>', `token id "${id}" matches ${matches.length} tokens: give more characters`);
    doc = matches[0] ?? null;
  }
  if (!doc) throw new ApiTokenError('<id>', `no token with id "${id}"`);
  await ApiToken.deleteOne({ _id: doc._id });
  return viewOf(doc);
}

/** The principal of a presented token, or undefined when it is unknown or revoked. */
export async function authenticateApiToken(db: Connection, token: string): Promise<Principal | undefined> {
  if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 200) return undefined;
  const { ApiToken } = getModels(db);
  const doc = await ApiToken.findById(hashApiToken(token)).lean();
  if (!doc) return undefined;
  return { tokenId: doc._id, orgId: doc.admin ? null : doc.orgId, admin: doc.admin };
}
