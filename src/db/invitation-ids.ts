// An invitation's _id is derived from its contact and month, so every step of a cycle — and a
// re-run of it — names the same invitation without reading it back first. The unique index on
// (ownerId, contactId, month) stays as the documented guarantee.
import { createHash } from 'node:crypto';
import { Types } from 'mongoose';

export function invitationIdFor(contactId: Types.ObjectId | string, month: string): Types.ObjectId {
  const digest = createHash('sha256').update(`${String(contactId)}:${month}`).digest();
  return new Types.ObjectId(digest.subarray(0, 12));
}
