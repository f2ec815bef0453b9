// Who is calling the HTTP API: resolved from the API token by the auth hook, then checked by
// every route. A token belongs to one organisation, or is an admin token that sees them all.
import type {} from 'fastify'; // makes the module augmentation below resolve
export interface Principal {
  tokenId: string;
  /** The organisation the token is scoped to; null for an admin token. */
  orgId: string | null;
  admin: boolean;
}

/** Organisation routes: an org token reaches only its own organisation, an admin token any. */
export function canAccessOrg(principal: Principal, orgId: string): boolean {
  return principal.admin || principal.orgId === orgId;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook before any /api route runs. */
    principal?: Principal;
  }
}
