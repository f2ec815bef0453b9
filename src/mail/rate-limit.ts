// Flow control, the shared part: one send-rate limiter per SMTP provider that holds across every
// worker process. Its state is ONE document per provider in the `send_rate_limits` collection,
// `{ _id: providerKey, tat }` (GCRA "theoretical arrival time", ms since epoch, see
// domain/flow-control.ts). A worker reserves up to 10 send slots per round trip with a
// compare-and-set on `{ _id, tat }` (retried when another worker moved `tat` first), then each
// waiting sender sleeps until its own slot. The bound therefore holds however many workers run,
// and costs one read + one conditional update per 10 mails, by `_id`.
import { Context, ApplicationFailure } from '@temporalio/activity';
import type { Connection } from 'mongoose';
import { MAX_SLOTS_PER_RESERVATION, reserveSlots, smtpRetryDelayMs, type RateLimit } from '../domain/flow-control';
import type { ActivityDeps } from '../activities/deps';

export const RATE_LIMIT_COLLECTION = 'send_rate_limits';

interface LimiterDoc { _id: string; tat: number; updatedAt: Date }

export interface SendRateLimiter {
  /** Resolves when one more message may leave for this provider. */
  acquire(): Promise<void>;
  /** Round trips to MongoDB so far and compare-and-set conflicts (for the benchmark). */
  readonly stats: { reservations: number; conflicts: number };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sleeps until `at`, heartbeating every few seconds when inside an activity so a long wait is not a timeout. */
async function waitUntil(at: number): Promise<void> {
  for (;;) {
    const left = at - Date.now();
    if (left <= 0) return;
    await sleep(Math.min(left, 3000));
    try {
      if (at - Date.now() > 0) Context.current().heartbeat();
    } catch {
      // not in an activity (benchmark, tests): nothing to keep alive
    }
  }
}

export function createSendRateLimiter(db: Connection, key: string, limit: RateLimit): SendRateLimiter {
  const collection = db.collection<LimiterDoc>(RATE_LIMIT_COLLECTION);
  const stats = { reservations: 0, conflicts: 0 };
  const waiting: (() => void)[] = [];
  const slots: number[] = [];
  let reserving: Promise<void> | undefined;

  /** One compare-and-set round trip: reserve as many slots as there are senders waiting (≤ 10). */
  async function reserve(count: number): Promise<number[]> {
    for (;;) {
      const doc = await collection.findOne({ _id: key });
      const now = Date.now();
      const reservation = reserveSlots(doc?.tat ?? now, now, count, limit);
      stats.reservations += 1;
      if (!doc) {
        try {
          await collection.insertOne({ _id: key, tat: reservation.tat, updatedAt: new Date(now) });
          return reservation.sendAt;
        } catch (error) {
          if ((error as { code?: number }).code !== 11000) throw error;
        }
      } else {
        const result = await collection.updateOne({ _id: key, tat: doc.tat }, { $set: { tat: reservation.tat, updatedAt: new Date(now) } });
        if (result.modifiedCount === 1) return reservation.sendAt;
      }
      stats.conflicts += 1;
    }
  }

  function pump(): void {
    if (reserving) return;
    reserving = (async () => {
      try {
        while (waiting.length > slots.length) {
          slots.push(...await reserve(Math.min(MAX_SLOTS_PER_RESERVATION, waiting.length - slots.length)));
          while (slots.length > 0 && waiting.length > 0) {
            const at = slots.shift()!;
            const release = waiting.shift()!;
            void waitUntil(at).then(release);
          }
        }
      } finally {
        reserving = undefined;
      }
    })();
    reserving.catch(() => {
      // a MongoDB error: release the waiters rather than hang them; the next acquire() retries.
      for (const release of waiting.splice(0)) release();
    });
  }

  return {
    stats,
    acquire() {
      return new Promise<void>((resolve) => {
        waiting.push(resolve);
        pump();
      });
    },
  };
}

const limiters = new WeakMap<Connection, Map<string, SendRateLimiter>>();

/**
 * Waits for this worker's turn to send one mail through the configured SMTP provider. Free when
 * SMTP_RATE_LIMIT_PER_SECOND is 0. One limiter per process and provider (cached per connection).
 */
export async function acquireSendSlot(deps: Pick<ActivityDeps, 'db' | 'config'>): Promise<void> {
  const limit = deps.config.smtpRateLimit;
  if (!limit || !(limit.perSecond > 0)) return;
  let perDb = limiters.get(deps.db);
  if (!perDb) limiters.set(deps.db, (perDb = new Map()));
  const id = `${limit.key}|${limit.perSecond}|${limit.burst}`;
  let limiter = perDb.get(id);
  if (!limiter) perDb.set(id, (limiter = createSendRateLimiter(deps.db, limit.key, limit)));
  await limiter.acquire();
}

/** The retryable failure of a batch with transient SMTP failures, its next retry delayed with jitter. */
export function transientSmtpFailure(message: string): ApplicationFailure {
  let attempt = 1;
  try {
    attempt = Context.current().info.attempt;
  } catch {
    // outside an activity: first attempt
  }
  return ApplicationFailure.create({ message, type: 'TransientSmtpFailure', nextRetryDelay: smtpRetryDelayMs(attempt, Math.random()) });
}
