// The invitation cycle's shapes and arithmetic, shared by its workflows, activities and CLI.
export interface CycleStats {
  /** Active users whose contacts were considered. */
  users: number;
  invitationsCreated: number;
  /** Mails the SMTP server accepted in this run. */
  sent: number;
  /** Invitations of the month that an earlier run had already handled (a re-run skips them all). */
  skipped: number;
  /** Permanent SMTP failures (5xx, invalid address): marked failed with the reason, not retried. */
  failed: number;
  /** A worker died during the SMTP exchange: never re-sent, so never sent twice, but unconfirmed. */
  unconfirmed: number;
  durationMs: number;
}

export function emptyStats(): CycleStats {
  return { users: 0, invitationsCreated: 0, sent: 0, skipped: 0, failed: 0, unconfirmed: 0, durationMs: 0 };
}

export function addStats(total: CycleStats, part: Partial<CycleStats>): CycleStats {
  return {
    users: total.users + (part.users ?? 0),
    invitationsCreated: total.invitationsCreated + (part.invitationsCreated ?? 0),
    sent: total.sent + (part.sent ?? 0),
    skipped: total.skipped + (part.skipped ?? 0),
    failed: total.failed + (part.failed ?? 0),
    unconfirmed: total.unconfirmed + (part.unconfirmed ?? 0),
    durationMs: total.durationMs,
  };
}

/** A contiguous range of active users, by _id: (afterUserId, lastUserId]. */
export interface UserRange { afterUserId: string | null; lastUserId: string }

export interface CycleTuning {
  userBatchSize: number;
  invitationBatchSize: number;
  /** Send batches in flight at once in one chunk. */
  concurrency: number;
  /** Start-to-close timeout of one send batch (SCHEDULER_WORKER_TIMEOUT). */
  activityTimeoutMs: number;
}

export type CyclePhase = 'planning' | 'creating' | 'sending' | 'reporting' | 'done';

export interface CycleProgress {
  month: string;
  phase: CyclePhase;
  chunksTotal: number;
  chunksDone: number;
  stats: CycleStats;
}

/** Users per child workflow: keeps each child's history to a few hundred events at any scale. */
export const USERS_PER_CHUNK_BATCHES = 10;
