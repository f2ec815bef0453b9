// A local wall-clock time in an IANA zone → the one instant a one-off task runs at, with an
// explicit policy for the two daylight-saving cases (pure, Intl only, built on zoned-time.ts):
//
// - gap (spring forward: 2027-03-28 02:30 does not exist in Europe/Paris, clocks jump 02:00 → 03:00):
//     'shift' (default) runs at the first valid instant after the gap (03:00 CEST = 01:00Z);
//     'reject' refuses with a WallClockError that names the gap.
// - overlap (fall back: 2027-10-31 02:30 happens twice in Europe/Paris):
//     'earlier' (default) runs at the first occurrence (02:30 CEST = 00:30Z);
//     'later' at the second (02:30 CET = 01:30Z).
//
// Note: zoned-time.ts's instantOfWallTime (used by the reminders) shifts a gap time BY the gap
// (02:30 → 03:30); a one-off task instead runs at the end of the gap (03:00), the moment the
// wall clock passes the time the user asked for.
import { offsetMinutes, wallTimeOf, type WallTime } from './zoned-time';

export const DST_GAP_POLICIES = ['shift', 'reject'] as const;
export type DstGapPolicy = (typeof DST_GAP_POLICIES)[number];
export const DST_OVERLAP_POLICIES = ['earlier', 'later'] as const;
export type DstOverlapPolicy = (typeof DST_OVERLAP_POLICIES)[number];

/** How the wall time was turned into an instant. */
export type WallClockResolution = 'exact' | 'gap-shifted' | 'overlap-earlier' | 'overlap-later';

export interface LocalDateTime extends WallTime { second: number }

export type WallClockProblem = 'bad-time' | 'bad-zone' | 'in-gap';

export class WallClockError extends Error {
  constructor(readonly problem: WallClockProblem, message: string) {
    super(message);
    this.name = 'WallClockError';
  }
}

export interface ResolvedWallClock {
  /** The local time as given, normalised: YYYY-MM-DDTHH:mm or YYYY-MM-DDTHH:mm:ss. */
  local: string;
  /** The canonical zone name (Intl's spelling). */
  zone: string;
  instant: Date;
  resolution: WallClockResolution;
  /** Offset from UTC in force at the instant, in minutes (+120 for CEST). */
  offsetMinutes: number;
  /** What happened, in words, when the local time was in a gap or an overlap. */
  note?: string;
}

const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function formatLocal(t: LocalDateTime): string {
  const base = `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}`;
  return t.second ? `${base}:${pad(t.second)}` : base;
}

/** Parses `YYYY-MM-DDTHH:mm[:ss]` (no offset, no zone: the zone is given apart). */
export function parseLocalDateTime(value: string): LocalDateTime {
  const m = LOCAL_RE.exec(value.trim());
  if (!m) throw new WallClockError('bad-time', `expected a local time like 2027-03-28T02:30 (YYYY-MM-DDTHH:mm, no offset), got "${value}"`);
  const [year, month, day, hour, minute, second] = m.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const daysInMonth = month >= 1 && month <= 12 ? new Date(Date.UTC(year, month, 0)).getUTCDate() : 0;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    throw new WallClockError('bad-time', `"${value}" is not a valid date and time`);
  }
  return { year, month, day, hour, minute, second };
}

/** The canonical name of an IANA zone, or a WallClockError. Offsets such as +02:00 are refused. */
export function canonicalZone(zone: string): string {
  const trimmed = zone.trim();
  if (!/^[A-Za-z]/.test(trimmed)) throw new WallClockError('bad-zone', `expected an IANA time zone such as Europe/Paris or UTC, got "${zone}"`);
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: trimmed }).resolvedOptions().timeZone;
  } catch {
    throw new WallClockError('bad-zone', `expected an IANA time zone such as Europe/Paris or UTC, got "${zone}"`);
  }
}

function sameLocal(instant: number, t: LocalDateTime, zone: string): boolean {
  const w = wallTimeOf(new Date(instant), zone);
  return w.year === t.year && w.month === t.month && w.day === t.day && w.hour === t.hour && w.minute === t.minute && w.second === t.second;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

function hhmm(instant: number, zone: string): string {
  const w = wallTimeOf(new Date(instant), zone);
  return `${pad(w.hour)}:${pad(w.minute)}`;
}

/**
 * The instant a local time happens in a zone, under the gap and overlap policies
 * (defaults: shift, earlier). Throws WallClockError for a bad time, a bad zone, or a time in a
 * gap with the 'reject' policy.
 */
export function resolveWallClock(
  local: string | LocalDateTime,
  zone: string,
  policy: { gap?: DstGapPolicy; overlap?: DstOverlapPolicy } = {},
): ResolvedWallClock {
  const t = typeof local === 'string' ? parseLocalDateTime(local) : local;
  const tz = canonicalZone(zone);
  const label = formatLocal(t);
  const naive = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  // The offsets in force a day either side: zones change offset at most once in two days.
  const before = offsetMinutes(new Date(naive - DAY), tz);
  const after = offsetMinutes(new Date(naive + DAY), tz);
  const candidates = [...new Set([before, after])]
    .map((offset) => naive - offset * MINUTE)
    .filter((instant) => sameLocal(instant, t, tz))
    .sort((a, b) => a - b);
  const result = (instant: number, resolution: WallClockResolution, note?: string): ResolvedWallClock => ({
    local: label, zone: tz, instant: new Date(instant), resolution, offsetMinutes: offsetMinutes(new Date(instant), tz), ...(note ? { note } : {}),
  });

  if (candidates.length === 1) return result(candidates[0]!, 'exact');
  if (candidates.length === 2) {
    const [first, second] = candidates as [number, number];
    const which = policy.overlap ?? 'earlier';
    const note = `${label} happens twice in ${tz} (clocks go back); the ${which === 'earlier' ? 'first' : 'second'} one was taken (${new Date(which === 'earlier' ? first : second).toISOString()})`;
    return which === 'earlier' ? result(first, 'overlap-earlier', note) : result(second, 'overlap-later', note);
  }

  // In a gap. Read with the later offset the time lands before the transition, with the
  // earlier offset after it; the transition (a whole minute) is found by bisection.
  let lo = naive - after * MINUTE;
  let hi = naive - before * MINUTE;
  if (lo > hi) [lo, hi] = [hi, lo];
  const afterGapOffset = offsetMinutes(new Date(hi), tz);
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
    if (offsetMinutes(new Date(mid), tz) === afterGapOffset) hi = mid;
    else lo = mid;
  }
  const gapText = `clocks jump from ${nextMinute(hhmm(hi - MINUTE, tz))} to ${hhmm(hi, tz)}`;
  if ((policy.gap ?? 'shift') === 'reject') {
    throw new WallClockError('in-gap', `${label} does not exist in ${tz}: ${gapText}; pick another time, or let it shift to ${hhmm(hi, tz)} (${new Date(hi).toISOString()})`);
  }
  return result(hi, 'gap-shifted', `${label} does not exist in ${tz} (${gapText}); shifted to the first valid time after the gap, ${hhmm(hi, tz)} (${new Date(hi).toISOString()})`);
}

/** "01:59" → "02:00": the wall time at which the skipped interval begins. */
function nextMinute(hm: string): string {
  const [h, m] = hm.split(':').map(Number) as [number, number];
  const total = (h * 60 + m + 1) % 1440;
  return `${pad(Math.floor(total / 60))}:${pad(total % 60)}`;
}
