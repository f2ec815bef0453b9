// The daily cleanup, one page at a time. A page is a range of `_id`s (the next `pageSize`
// documents of the collection in `_id` order); within it the phase's filter is applied in the
// query itself. Every write is conditional on the state it changes, so a retried page, or a
// cleanup run twice, changes nothing more.
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import { Types } from 'mongoose';
import { getModels } from '../db/models';
import {
  cleanupInputProblem, DELETED_TOKEN_PREFIX, EXPIRABLE_STATUSES,
  type CleanupCounts, type CleanupPageInput, type CleanupPageResult, type CleanupPhase, type CleanupPlan, type CleanupPlanInput,
} from '../domain/cleanup';
import { signalRemindersCancelled } from '../services/invitation-responses';
import type { ActivityDeps } from './deps';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Reminders workflows signalled at once. */
const SIGNAL_CONCURRENCY = 8;
export const EXPIRED_REMINDERS_REASON = 'expired';

interface IdDoc { _id: Types.ObjectId }
/** The part of a driver collection the planner needs (all our collections have ObjectId `_id`s). */
interface PagedCollection {
  find(filter: object, options: { projection: object; batchSize: number }): { sort(spec: object): { limit(n: number): AsyncIterable<unknown> } };
}

function objectId(hex: string, field: string): Types.ObjectId {
  if (!/^[0-9a-f]{24}$/i.test(hex)) throw ApplicationFailure.nonRetryable(`cleanup: ${field} "${hex}" is not an ObjectId`, 'InvalidInput');
  return new Types.ObjectId(hex);
}

/** The filter of the page (after, upTo]. */
function rangeOf(after: string | undefined, upTo: string): { _id: object } {
  return { _id: { ...(after ? { $gt: objectId(after, 'after') } : {}), $lte: objectId(upTo, 'upTo') } };
}

/**
 * The bounds of the next `pages` pages, from one sorted read of `_id`s. Sorting is what costs on
 * the local MongoDB-protocol server (it sorts everything after `after` for each query: 0.4 s at
 * 100,000 documents), so it is done once per batch of pages, not once per page.
 */
async function planPages(collection: PagedCollection, after: string | undefined, pageSize: number, pages: number): Promise<CleanupPlan> {
  const wanted = pageSize * pages;
  const bounds: string[] = [];
  let seen = 0;
  let last: Types.ObjectId | undefined;
  const cursor = collection.find(after ? { _id: { $gt: objectId(after, 'after') } } : {}, { projection: { _id: 1 }, batchSize: 10_000 }).sort({ _id: 1 }).limit(wanted);
  for await (const doc of cursor) {
    last = (doc as IdDoc)._id;
    seen += 1;
    if (seen % pageSize === 0) bounds.push(String(last));
    if (seen % 50_000 === 0) heartbeat({ seen });
  }
  if (last && seen % pageSize !== 0) bounds.push(String(last));
  return { bounds, exhausted: seen < wanted };
}

async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

export function createCleanupActivities({ db, config, temporal, logger }: ActivityDeps) {
  const { Invitation, Contact, RunReport } = getModels(db);

  /** Invitations still waiting for an answer past `expiresAt` become `expired`; their pending reminders are cancelled. */
  async function expireInvitations(range: { _id: object }, now: Date): Promise<Partial<CleanupCounts>> {
    const due = await Invitation.collection.find(
      { ...range, status: { $in: [...EXPIRABLE_STATUSES] }, expiresAt: { $lte: now } },
      { projection: { _id: 1, remindersWorkflowId: 1, remindersCancelledAt: 1 } },
    ).toArray();
    if (due.length === 0) return {};
    heartbeat();
    // One signal per reminders workflow (an owner's month), naming all its invitations of the page.
    // Signalled before the status changes: a retried page finds them still due and signals again,
    // which the workflow ignores for invitations already cancelled.
    const byWorkflow = new Map<string, string[]>();
    for (const doc of due) {
      if (typeof doc.remindersWorkflowId !== 'string' || doc.remindersCancelledAt) continue;
      byWorkflow.set(doc.remindersWorkflowId, [...(byWorkflow.get(doc.remindersWorkflowId) ?? []), String(doc._id)]);
    }
    let remindersCancelled = 0;
    await inParallel([...byWorkflow], SIGNAL_CONCURRENCY, async ([workflowId, ids]) => {
      if (await signalRemindersCancelled(temporal, workflowId, ids, EXPIRED_REMINDERS_REASON)) remindersCancelled += ids.length;
    });
    heartbeat();
    // Writes filter on the page's `_id` range plus the condition, never on `_id: {$in: ids}` plus a
    // condition: on the local MongoDB-protocol server the latter scans the whole collection
    // (2.2 s for 500 ids at 50,000 invitations, 7.7 s at 100,000), the former about 0.1 s.
    const stillDue = { ...range, status: { $in: [...EXPIRABLE_STATUSES] }, expiresAt: { $lte: now } };
    const withReminders = await Invitation.collection.updateMany(
      { ...stillDue, remindersWorkflowId: { $exists: true }, remindersCancelledAt: { $exists: false } },
      { $set: { status: 'expired', updatedAt: now, remindersCancelledAt: now, remindersCancelReason: EXPIRED_REMINDERS_REASON } },
    );
    const others = await Invitation.collection.updateMany(stillDue, { $set: { status: 'expired', updatedAt: now } });
    return { expired: withReminders.modifiedCount + others.modifiedCount, remindersCancelled };
  }

  /**
   * "Deleting a token": the token of an invitation whose link stopped working (`expiresAt`) more
   * than the retention ago is replaced by the tombstone `deleted:<invitation id>`, and
   * `tokenDeletedAt` is set. The field stays (it is required and uniquely indexed: unsetting it
   * on many documents would collide on the unique index), the secret is gone, and no link can
   * resolve the invitation any more.
   */
  async function deleteTokens(range: { _id: object }, now: Date): Promise<Partial<CleanupCounts>> {
    const cutoff = new Date(now.getTime() - config.cleanup.expiredTokenRetentionDays * DAY_MS);
    const old = await Invitation.collection.find(
      { ...range, expiresAt: { $lte: cutoff }, tokenDeletedAt: { $exists: false } },
      { projection: { _id: 1 } },
    ).toArray();
    if (old.length === 0) return {};
    heartbeat();
    // By `_id` alone (any other field in the filter makes the local server scan the collection);
    // the find above already left out the tokens deleted before, and the tombstone is the same on a retry.
    const result = await Invitation.collection.bulkWrite(old.map((doc) => ({
      updateOne: {
        filter: { _id: doc._id },
        update: { $set: { token: `${DELETED_TOKEN_PREFIX}${String(doc._id)}`, tokenDeletedAt: now, updatedAt: now } },
      },
    })), { ordered: false });
    return { tokensDeleted: result.modifiedCount };
  }

  /** Soft bounces are temporary by nature: every contact's count starts again from 0 each day. */
  async function resetBounces(range: { _id: object }, now: Date): Promise<Partial<CleanupCounts>> {
    const result = await Contact.collection.updateMany({ ...range, temporaryBounceCount: { $gt: 0 } }, { $set: { temporaryBounceCount: 0, updatedAt: now } });
    return { bounceCountsReset: result.modifiedCount };
  }

  /** Run reports (the `runs` collection) of runs that finished more than the metrics retention ago. */
  async function pruneReports(range: { _id: object }, now: Date): Promise<Partial<CleanupCounts>> {
    const cutoff = new Date(now.getTime() - config.cleanup.metricsRetentionHours * HOUR_MS);
    const result = await RunReport.collection.deleteMany({ ...range, finishedAt: { $lt: cutoff } });
    return { reportsPruned: result.deletedCount };
  }

  const phases: Record<CleanupPhase, { collection: PagedCollection; run: (range: { _id: object }, now: Date) => Promise<Partial<CleanupCounts>> }> = {
    'expire-invitations': { collection: Invitation.collection as unknown as PagedCollection, run: expireInvitations },
    'delete-tokens': { collection: Invitation.collection as unknown as PagedCollection, run: deleteTokens },
    'reset-bounces': { collection: Contact.collection as unknown as PagedCollection, run: resetBounces },
    'prune-reports': { collection: RunReport.collection as unknown as PagedCollection, run: pruneReports },
  };

  function phaseOf(phase: CleanupPhase) {
    const handler = (phases as Partial<typeof phases>)[phase];
    if (!handler) throw ApplicationFailure.nonRetryable(`cleanup: unknown phase "${String(phase)}"`, 'InvalidInput');
    return handler;
  }

  return {
    /** Where the next pages of a phase end (one sorted read of `_id`s for many pages). */
    async cleanupPlan({ phase, after, pageSize, pages }: CleanupPlanInput): Promise<CleanupPlan> {
      const problem = cleanupInputProblem({ pageSize, maxPagesPerRun: pages });
      if (problem) throw ApplicationFailure.nonRetryable(`cleanupPlan: ${problem}`, 'InvalidInput');
      return planPages(phaseOf(phase).collection, after, pageSize, pages);
    },

    /** One page of one cleanup phase: the `_id` range (after, upTo]. */
    async cleanupPage({ phase, after, upTo, now }: CleanupPageInput): Promise<CleanupPageResult> {
      const handler = phaseOf(phase);
      heartbeat({ phase, after });
      const counts = await handler.run(rangeOf(after, upTo), new Date(now));
      logger.debug({ event: 'cleanup-page', phase, after, upTo, counts }, 'cleanup page');
      return { counts };
    },
  };
}
