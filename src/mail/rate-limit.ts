// Flow control, the shared part: one send-rate limiter per SMTP provider that holds across every
// worker process. Its state is ONE document per provider in the `send_rate_limits` collection,
// `{ _id: providerKey, tat }` (GCRA "theoretical arrival time", ms since epoch, see
// domain/flow-control.ts). A worker reserves a block of 10 send slots per round trip with a
// compare-and-set on `{ _id, tat }` (retried when another worker moved `tat` first), then each
// sender of that worker sleeps until its own slot; a slot that passes unused is dropped. The bound therefore holds however many workers run,
// and costs one read + one conditional update per 10 mails, by `_id`.
import { ApplicationFailure, Context } from '@temporalio/activity';
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
  interface Waiter { resolve: () => void; reject: (error: unknown) => void }
  const waiting: Waiter[] = [];
  /** Slots reserved but not yet handed out, ascending (each reservation starts where the last ended). */
  const spare: number[] = [];
  let reserving: Promise<void> | undefined;

  /** One compare-and-set round trip (repeated on conflict) reserving a block of slots. */
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

  /** The next spare slot still in the future; a slot that passed unused is dropped, never sent late (that could bunch sends). */
  function takeSpare(): number | undefined {
    const now = Date.now();
    while (spare.length > 0 && spare[0]! < now) spare.shift();
    return spare.shift();
  }

  function pump(): void {
    if (reserving) return;
    reserving = (async () => {
      try {
        while (waiting.length > 0) {
          // A whole block per round trip: senders arriving later take its spare slots locally.
          spare.push(...await reserve(MAX_SLOTS_PER_RESERVATION));
          for (let at = takeSpare(); at !== undefined && waiting.length > 0; at = waiting.length > 0 ? takeSpare() : undefined) {
            const waiter = waiting.shift()!;
            void waitUntil(at).then(waiter.resolve);
          }
        }
      } finally {
        reserving = undefined;
      }
    })();
    reserving.catch((error: unknown) => {
      // MongoDB unreachable: fail these sends (a transient failure, retried with backoff) rather
      // than let them through unlimited; the next acquire() tries again.
      for (const waiter of waiting.splice(0)) waiter.reject(error);
    });
  }

  return {
    stats,
    async acquire() {
      const at = takeSpare();
      if (at !== undefined) return waitUntil(at);
      return new Promise<void>((resolve, reject) => {
        waiting.push({ resolve, reject });
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
  if (!perDb) limiters.set(deps.db, (perDb = new Map<string, SendRateLimiter>()));
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
