// Flow control, the pure part: the send-rate limiter's arithmetic (GCRA) and the backoff of
// transient SMTP failures. No I/O: src/mail/rate-limit.ts keeps the shared state in MongoDB.
import { jitteredRetryDelayMs } from './tasks';

export interface RateLimit {
  /** Messages per second for one SMTP provider, across every worker; 0 = unlimited. */
  perSecond: number;
  /** Messages that may leave back to back after an idle spell (GCRA burst tolerance), at least 1. */
  burst: number;
}

/** A reservation: the times (ms since epoch) at which each reserved message may leave, and the new state. */
export interface Reservation { sendAt: number[]; tat: number }

/** Most slots one worker takes per round trip to the shared limiter document. */
export const MAX_SLOTS_PER_RESERVATION = 10;

/**
 * GCRA (the "virtual scheduling" form of a token bucket). `tat` is the theoretical arrival time
 * of the next message; a message conforms at time t when t >= tat - tau, with emission interval
 * T = 1000 / perSecond ms and tolerance tau = (burst - 1) * T. Instead of refusing, a reservation
 * hands out the earliest conforming time of each of `count` messages and advances `tat`. Whatever
 * the interleaving of reservations, any window of W ms holds at most burst + W / T send times.
 */
export function reserveSlots(tat: number, now: number, count: number, limit: RateLimit): Reservation {
  if (!(limit.perSecond > 0)) throw new RangeError('perSecond must be greater than 0');
  if (!Number.isInteger(limit.burst) || limit.burst < 1) throw new RangeError('burst must be a whole number of at least 1');
  if (!Number.isInteger(count) || count < 1) throw new RangeError('count must be a whole number of at least 1');
  const interval = 1000 / limit.perSecond;
  const tolerance = (limit.burst - 1) * interval;
  const sendAt: number[] = [];
  let next = tat;
  for (let i = 0; i < count; i += 1) {
    const at = Math.max(now, next - tolerance);
    sendAt.push(at);
    next = Math.max(next, at) + interval;
  }
  return { sendAt, tat: next };
}

/** The SMTP retry schedule of the invitation cycle's send activity (its Temporal retry policy). */
export const SMTP_RETRY = { initialRetrySeconds: 2, maxRetrySeconds: 120 } as const;

/**
 * Delay before retry `attempt + 1` of a batch that hit a transient SMTP failure (4xx answer,
 * refused or dropped connection): min(120 s, 2 s × 2^(attempt-1)), then "equal jitter" — a
 * random point in the upper half — so workers throttled together by a provider do not come back
 * in lockstep. Same formula as one-off tasks (domain/tasks.ts); `random` is in [0, 1).
 */
export function smtpRetryDelayMs(attempt: number, random: number): number {
  return jitteredRetryDelayMs(attempt, SMTP_RETRY, random);
}

/** The limiter key of an SMTP provider: SMTP_RATE_LIMIT_KEY when given, else SMTP_URL's host:port. */
export function providerKey(smtpUrl: string, explicitKey?: string): string {
  if (explicitKey && explicitKey.trim() !== '') return explicitKey.trim();
  const url = new URL(smtpUrl);
  const port = url.port || (url.protocol === 'smtps:' ? '465' : '25');
  return `${url.hostname.toLowerCase()}:${port}`;
}
