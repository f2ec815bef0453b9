// The invitation cycle's database work around the sending: split the active users into chunks,
// create the month's invitations page by page, count what a run did.
// Every write is keyed so a retried activity changes nothing twice: the unique index on
// (ownerId, contactId, month) turns a repeated insert into a duplicate-key no-op.
import { ApplicationFailure } from '@temporalio/activity';
import { Types } from 'mongoose';
import type { CycleStats, UserRange } from '../domain/cycle';
import { withDeadline } from '../domain/deadline';
import { invitationIdFor } from '../db/invitation-ids';
import { getModels } from '../db/models';
import { newInvitationToken } from '../domain/tokens';
import type { ActivityDeps } from './deps';

const DAY_MS = 86_400_000;

/**
 * A page normally takes a second or two (tens of seconds scanning 1,000,000 contacts on the
 * in-memory dev server). Under heavy load the dev server has been seen to leave one reply
 * unanswered, which held a chunk for the whole 5-minute start-to-close timeout (1 page in ~100);
 * failing the attempt after this long lets Temporal retry it (the page is idempotent) within a second.
 */
export const PAGE_DEADLINE_MS = 60_000;

function withinDeadline<T>(what: string, work: Promise<T>, ms = PAGE_DEADLINE_MS): Promise<T> {
  return withDeadline(work, ms, () => ApplicationFailure.retryable(`${what}: no answer from the database within ${ms / 1000} s`, 'DatabaseTimeout'));
}

export function ownerFilter(range: UserRange): { $gt?: Types.ObjectId; $lte: Types.ObjectId } {
  const filter: { $gt?: Types.ObjectId; $lte: Types.ObjectId } = { $lte: new Types.ObjectId(range.lastUserId) };
  if (range.afterUserId) filter.$gt = new Types.ObjectId(range.afterUserId);
  return filter;
}

/** Counted from writeErrors: some servers (mongo-java-server) report insertedCount wrongly. */
function isDuplicateKeyError(error: unknown): error is { writeErrors?: { code?: number; err?: { code?: number } }[] } {
  return typeof error === 'object' && error !== null && (error as { code?: number }).code === 11000;
}

export function createCyclePlanningActivities({ db, config }: ActivityDeps) {
  const { User, Contact, Invitation } = getModels(db);
  const activeUsers = { 'metadata.isActive': true };

  return {
    /** Splits active users, by _id, into ranges of `usersPerChunk` (one child workflow each). */
    async planUserChunks({ usersPerChunk }: { usersPerChunk: number }): Promise<{ totalUsers: number; chunks: UserRange[] }> {
      const chunks: UserRange[] = [];
      let totalUsers = 0;
      let afterUserId: string | null = null;
      let lastId: string | null = null;
      const cursor = User.collection.find(activeUsers, { projection: { _id: 1 }, sort: { _id: 1 }, batchSize: 5000 });
      for await (const user of cursor) {
        totalUsers += 1;
        lastId = String(user._id);
        if (totalUsers % usersPerChunk === 0) {
          chunks.push({ afterUserId, lastUserId: lastId });
          afterUserId = lastId;
        }
      }
      if (lastId && lastId !== afterUserId) chunks.push({ afterUserId, lastUserId: lastId });
      return { totalUsers, chunks };
    },

    /**
     * Creates the month's invitations for the next `limit` active users of a range: one per active,
     * not-opted-out contact. Returns the ids of those invitations (new or from an earlier run: the
     * ids are derived from contact and month) and where the next page starts (null at the end).
     */
    async createInvitationsPage(input: { month: string; range: UserRange; limit: number }): Promise<{ users: number; created: number; existing: number; invitationIds: string[]; nextAfterUserId: string | null }> {
      return withinDeadline('createInvitationsPage', createPage(input));
    },

    /** What this run did in a user range, counted in the database (exact even after crashes). */
    async countRunResults(input: { month: string; range: UserRange; runKey: string }): Promise<Pick<CycleStats, 'sent' | 'failed' | 'unconfirmed'>> {
      const base = { month: input.month, ownerId: ownerFilter(input.range), 'tracking.runKey': input.runKey };
      const [failed, unconfirmed, handled] = await withinDeadline('countRunResults', Promise.all([
        Invitation.collection.countDocuments({ ...base, status: 'failed' }),
        Invitation.collection.countDocuments({ ...base, 'tracking.deliveryUnconfirmed': true }),
        Invitation.collection.countDocuments({ ...base, 'tracking.sentAt': { $exists: true } }),
      ]));
      return { sent: handled - unconfirmed, failed, unconfirmed };
    },
  };

  async function createPage(input: { month: string; range: UserRange; limit: number }): Promise<{ users: number; created: number; existing: number; invitationIds: string[]; nextAfterUserId: string | null }> {
    const { month, range, limit } = input;
    const users = await User.collection
      .find({ ...activeUsers, _id: ownerFilter(range) }, { projection: { _id: 1 }, sort: { _id: 1 }, limit })
      .toArray();
    if (users.length === 0) return { users: 0, created: 0, existing: 0, invitationIds: [], nextAfterUserId: null };
    // The page's contacts by the range of its owners' ids, not `$in` the 50 ids: the in-memory dev
    // server tests every contact against every id of an `$in` (370 ms a page at 100,000 contacts,
    // against 80 ms for the range), and an index on ownerId serves a range as well. The range also
    // holds inactive users' contacts: dropped here.
    const lastUser = users[users.length - 1]!;
    const pageOwners = new Set(users.map((u) => String(u._id)));
    const contacts = (await Contact.collection
      .find({ ownerId: ownerFilter({ afterUserId: range.afterUserId, lastUserId: String(lastUser._id) }), isActive: true, optedOut: false }, { projection: { _id: 1, ownerId: 1, email: 1 } })
      .toArray())
      .filter((c) => pageOwners.has(String(c.ownerId)));
    const now = new Date();
    const expiresAt = new Date(now.getTime() + config.reminders.invitationExpiryDays * DAY_MS);
    const docs = contacts.map((c) => ({
      _id: invitationIdFor(c._id, month),
      ownerId: c.ownerId as Types.ObjectId,
      contactId: c._id,
      email: String(c.email),
      month,
      status: 'created',
      token: newInvitationToken(),
      expiresAt,
      tracking: { attempts: 0 },
      reminders: [],
      createdAt: now,
      updatedAt: now,
    }));
    let created = docs.length;
    if (docs.length > 0) {
      try {
        await Invitation.collection.insertMany(docs, { ordered: false });
      } catch (error) {
        // A re-run or retried page: the unique (ownerId, contactId, month) index refused the
        // invitations that exist already; the others were inserted.
        if (!isDuplicateKeyError(error)) throw error;
        const duplicates = (error.writeErrors ?? []).filter((w) => (w.code ?? w.err?.code) === 11000).length;
        created = docs.length - duplicates;
      }
    }
    const nextAfterUserId = users.length < limit || String(lastUser._id) === range.lastUserId ? null : String(lastUser._id);
    return { users: users.length, created, existing: docs.length - created, invitationIds: docs.map((d) => String(d._id)), nextAfterUserId };
  }
}
