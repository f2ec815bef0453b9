// Authentication of /api/* requests: `Authorization: Bearer <token>`, looked up by its hash.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Connection } from 'mongoose';
import { authenticateApiToken } from '../services/api-tokens';
import { ApiError } from './errors';
import type { Principal } from './principal';

export function isApiPath(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return path === '/api' || path.startsWith('/api/');
}

/** Sets `request.principal` on every /api request, or answers 401. */
export function installAuth(app: FastifyInstance, db: Connection): void {
  app.addHook('onRequest', async (request) => {
    if (!isApiPath(request.url)) return;
    const header = request.headers.authorization;
    if (!header) throw new ApiError(401, 'missing API token: send the header "Authorization: Bearer <token>"');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw new ApiError(401, 'malformed Authorization header: expected "Bearer <token>"');
    const principal = await authenticateApiToken(db, match[1]);
    if (!principal) throw new ApiError(401, 'unknown or revoked API token');
    request.principal = principal;
  });
}

/** The principal of an /api route (set by the auth hook). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ApiError(401, 'missing API token');
  return request.principal;
}
