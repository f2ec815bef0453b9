// The daily cleanup's vocabulary, shared by its workflow and activities (pure: no I/O).
// The work is split into phases, each walked page by page in `_id` order, so a million expired
// invitations are a thousand small activities, never one giant one.

/** In this order: expiring first lets the token phase see today's expiries on a later run. */
export const CLEANUP_PHASES = ['expire-invitations', 'delete-tokens', 'reset-bounces', 'prune-reports'] as const;
export type CleanupPhase = (typeof CLEANUP_PHASES)[number];

export interface CleanupCounts {
  expired: number;
  remindersCancelled: number;
  tokensDeleted: number;
  bounceCountsReset: number;
  reportsPruned: number;
}

export function emptyCleanupCounts(): CleanupCounts {
  return { expired: 0, remindersCancelled: 0, tokensDeleted: 0, bounceCountsReset: 0, reportsPruned: 0 };
}

export function addCleanupCounts(a: CleanupCounts, b: Partial<CleanupCounts>): CleanupCounts {
  return {
    expired: a.expired + (b.expired ?? 0),
    remindersCancelled: a.remindersCancelled + (b.remindersCancelled ?? 0),
    tokensDeleted: a.tokensDeleted + (b.tokensDeleted ?? 0),
    bounceCountsReset: a.bounceCountsReset + (b.bounceCountsReset ?? 0),
    reportsPruned: a.reportsPruned + (b.reportsPruned ?? 0),
  };
}

export function totalCleaned(c: CleanupCounts): number {
  return c.expired + c.tokensDeleted + c.bounceCountsReset + c.reportsPruned;
}

/** Invitation statuses that still wait for the invitee: these expire at `expiresAt`. */
export const EXPIRABLE_STATUSES = ['created', 'sent', 'opened', 'started'] as const;

/** A deleted token is replaced by this tombstone (the field is required and unique; see README). */
export const DELETED_TOKEN_PREFIX = 'deleted:';

export const DEFAULT_CLEANUP_PAGE_SIZE = 1000;
/** Pages per workflow run before continue-as-new: about 6 history events a page, well under 4,096. */
export const DEFAULT_CLEANUP_PAGES_PER_RUN = 400;

export const MAX_CLEANUP_PAGE_SIZE = 10_000;
export const MAX_CLEANUP_PAGES_PER_RUN = 2_000;

/** The problem with a cleanup's tuning input, naming the field; undefined when it is fine. */
export function cleanupInputProblem(input: { pageSize?: unknown; maxPagesPerRun?: unknown }): string | undefined {
  const wholeIn = (value: unknown, max: number) => typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max;
  if (input.pageSize !== undefined && !wholeIn(input.pageSize, MAX_CLEANUP_PAGE_SIZE)) {
    return `pageSize must be a whole number from 1 to ${MAX_CLEANUP_PAGE_SIZE}, got ${JSON.stringify(input.pageSize)}`;
  }
  if (input.maxPagesPerRun !== undefined && !wholeIn(input.maxPagesPerRun, MAX_CLEANUP_PAGES_PER_RUN)) {
    return `maxPagesPerRun must be a whole number from 1 to ${MAX_CLEANUP_PAGES_PER_RUN}, got ${JSON.stringify(input.maxPagesPerRun)}`;
  }
  return undefined;
}

export interface CleanupPlanInput {
  phase: CleanupPhase;
  /** Exclusive lower bound (`_id`, hex); absent: from the start of the collection. */
  after?: string;
  pageSize: number;
  /** How many pages to plan at most. */
  pages: number;
}

export interface CleanupPlan {
  /** The last `_id` of each page, ascending: page i is (bounds[i-1] or `after`, bounds[i]]. */
  bounds: string[];
  /** No document after the last bound: the phase is done once these pages are. */
  exhausted: boolean;
}

export interface CleanupPageInput {
  phase: CleanupPhase;
  /** The page is the `_id` range (after, upTo]; no `after`: from the start. */
  after?: string;
  upTo: string;
  /** The run's reference time (epoch ms): the same for every page, so a retried page decides the same. */
  now: number;
}

export interface CleanupPageResult {
  counts: Partial<CleanupCounts>;
}
