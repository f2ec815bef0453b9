// Invitation tokens end up in e-mailed links, so they must be unguessable: 24 random bytes
// (192 bits) encoded URL-safe, 32 characters. Pure module (node:crypto only) so any layer can use it.
import { randomBytes } from 'node:crypto';

export const INVITATION_TOKEN_BYTES = 24;

export function newInvitationToken(): string {
  return randomBytes(INVITATION_TOKEN_BYTES).toString('base64url');
}
