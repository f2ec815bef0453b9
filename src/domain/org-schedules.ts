// Per-organisation schedules (seed 004): presets, names, the DST policy and the slot computation.
// Pure (Intl only), so the API, the history and the workflow deciding what a firing runs all
// compute the very same slots.
//
// Why our own slot computation: a Temporal Schedule in a zone handles the ordinary days well,
// but at a DST transition its behaviour is not a policy anyone chose. Measured on the dev server
// (Temporal 1.32) with minutes 0,30 of hours 1-3 in Europe/Paris, its next action times move the
// gap's 02:00 and 02:30 on 2027-03-28 to 03:00 and 03:30 (merged with those slots), and on
// 2027-10-31 put the overlap's 02:00 at its first occurrence (CEST) but 02:30 at its second (CET).
// So a Metronome organisation schedule compiles to a Temporal spec that EXCLUDES every local date
// with a transition, plus one "launcher" firing at 23:59 the day before; the workflow started by
// the launcher runs that date's slots, computed here per the schedule's `dstPolicy`, on durable
// timers.
import { parseCron, type CronFields } from './cron';
import { addCalendarDays, offsetMinutes, wallTimeOf, type WallTime } from './zoned-time';

export const GAP_POLICIES = ['shift', 'skip'] as const;
export const OVERLAP_POLICIES = ['first', 'last', 'both'] as const;
export type GapPolicy = (typeof GAP_POLICIES)[number];
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];
export interface DstPolicy { gap: GapPolicy; overlap: OverlapPolicy }

/** The default: a slot in a spring-forward gap runs after it (shifted by the gap), an autumn slot runs once (first occurrence). */
export const DEFAULT_DST_POLICY: DstPolicy = { gap: 'shift', overlap: 'first' };

export const ORG_SCHEDULE_WORKFLOW = 'orgScheduleWorkflow';
/** Identifiers: letters, digits, `_` and `-`, so they fit Temporal ids and Mongo `_id`s unescaped. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function orgScheduleKey(orgId: string, scheduleId: string): string {
  return `${orgId}/${scheduleId}`;
}

/** The Temporal Schedule id, also the prefix of every run's workflow id. */
export function orgTemporalScheduleId(orgId: string, scheduleId: string): string {
  return `org-${orgId}-${scheduleId}`;
}

/** The `job` of the run reports (runs collection) and of the MetronomeJob search attribute. */
export function orgScheduleJob(orgId: string, scheduleId: string): string {
  return `org-schedule:${orgId}/${scheduleId}`;
}

/** `2027-03-28T01:30:00Z`: the suffix Temporal gives a scheduled run's workflow id (seconds, UTC). */
export function slotStamp(instant: Date): string {
  return `${instant.toISOString().slice(0, 19)}Z`;
}

/** The workflow id of the run of one slot: the very id the Temporal Schedule gives it. */
export function slotWorkflowId(orgId: string, scheduleId: string, slot: Date): string {
  return `${orgTemporalScheduleId(orgId, scheduleId)}-${slotStamp(slot)}`;
}

// ---------------------------------------------------------------------------------------------
// Presets
// ---------------------------------------------------------------------------------------------

export type Preset =
  | { preset: 'daily'; time: string }
  | { preset: 'weekly'; time: string; dayOfWeek: number }
  | { preset: 'monthly'; time: string; dayOfMonth: number };

export const PRESET_NAMES = ['daily', 'weekly', 'monthly'] as const;
export const TIME_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** `{preset:'daily', time:'09:00'}` → `0 9 * * *`. The input is assumed valid (the API schema checks it). */
export function presetToCron(preset: Preset): string {
  const match = TIME_PATTERN.exec(preset.time);
  if (!match) throw new Error(`time "${preset.time}" is not HH:MM`);
  const [hour, minute] = [Number(match[1]), Number(match[2])];
  switch (preset.preset) {
    case 'daily': return `${minute} ${hour} * * *`;
    case 'weekly': return `${minute} ${hour} * * ${preset.dayOfWeek}`;
    case 'monthly': return `${minute} ${hour} ${preset.dayOfMonth} * *`;
  }
}

// ---------------------------------------------------------------------------------------------
// Wall time → instants
// ---------------------------------------------------------------------------------------------

function sameWall(a: WallTime, b: WallTime): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute;
}

/**
 * Every instant a wall-clock time happens in a zone, earliest first: one on an ordinary day, two
 * in an autumn overlap, none in a spring gap.
 */
export function instantsOfWall(wall: WallTime, timeZone: string): Date[] {
  const naive = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const offsets = new Set([offsetMinutes(new Date(naive - 86_400_000), timeZone), offsetMinutes(new Date(naive + 86_400_000), timeZone), offsetMinutes(new Date(naive), timeZone)]);
  const times = [...offsets].map((offset) => naive - offset * 60_000)
    .filter((t) => sameWall(wallTimeOf(new Date(t), timeZone), wall));
  return [...new Set(times)].sort((a, b) => a - b).map((t) => new Date(t));
}

/** A wall time inside a gap read with the offset in force before it: 02:30 on a Paris spring night → 03:30 CEST. */
function shiftedOutOfGap(wall: WallTime, timeZone: string): Date {
  const naive = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  return new Date(naive - offsetMinutes(new Date(naive - 86_400_000), timeZone) * 60_000);
}

// ---------------------------------------------------------------------------------------------
// Slots
// ---------------------------------------------------------------------------------------------

export type SlotKind = 'regular' | 'gap' | 'overlap-first' | 'overlap-second';

export interface Slot {
  /** When it runs (or would run); for a gap slot, the shifted instant. */
  at: Date;
  /** The wall-clock time the cron names, `YYYY-MM-DDTHH:MM` in the schedule's zone. */
  wall: string;
  kind: SlotKind;
  /** Whether the DST policy runs it; a regular slot always runs. */
  runs: boolean;
}

type Day = Pick<WallTime, 'year' | 'month' | 'day'>;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const wallText = (w: WallTime) => `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;

function dayMatches(fields: CronFields, day: Day): boolean {
  const dow = new Date(Date.UTC(day.year, day.month - 1, day.day)).getUTCDay();
  return fields.month.includes(day.month) && fields.dayOfMonth.includes(day.day) && fields.dayOfWeek.includes(dow);
}

/** The slots of one local date, in time order, each with what the policy does with it. */
export function slotsOfDay(fields: CronFields, timeZone: string, policy: DstPolicy, day: Day): Slot[] {
  if (!dayMatches(fields, day)) return [];
  const slots: Slot[] = [];
  for (const hour of fields.hour) {
    for (const minute of fields.minute) {
      const wall = { ...day, hour, minute };
      const instants = instantsOfWall(wall, timeZone);
      const text = wallText(wall);
      if (instants.length === 1) {
        slots.push({ at: instants[0]!, wall: text, kind: 'regular', runs: true });
      } else if (instants.length === 0) {
        slots.push({ at: shiftedOutOfGap(wall, timeZone), wall: text, kind: 'gap', runs: policy.gap === 'shift' });
      } else {
        slots.push({ at: instants[0]!, wall: text, kind: 'overlap-first', runs: policy.overlap !== 'last' });
        slots.push({ at: instants[instants.length - 1]!, wall: text, kind: 'overlap-second', runs: policy.overlap !== 'first' });
      }
    }
  }
  // A shifted gap slot that lands on a slot the cron has anyway (02:30 → 03:30) runs once, as that slot.
  const regular = new Set(slots.filter((s) => s.kind === 'regular').map((s) => s.at.getTime()));
  return slots.filter((s) => s.kind !== 'gap' || !regular.has(s.at.getTime()))
    .sort((a, b) => a.at.getTime() - b.at.getTime() || a.kind.localeCompare(b.kind));
}

function dayOf(instant: Date, timeZone: string): Day {
  const w = wallTimeOf(instant, timeZone);
  return { year: w.year, month: w.month, day: w.day };
}

function compareDays(a: Day, b: Day): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

export class SlotLimitError extends Error {}

/**
 * Every slot with `from <= at <= to`, gap and overlap ones included (with `runs` saying whether
 * the policy runs them). Refuses to compute more than `limit` slots.
 */
export function slotsBetween(fields: CronFields, timeZone: string, policy: DstPolicy, from: Date, to: Date, limit = 5000): Slot[] {
  const out: Slot[] = [];
  const last = dayOf(to, timeZone);
  for (let day = addCalendarDays(dayOf(from, timeZone), -1); compareDays(day, addCalendarDays(last, 1)) <= 0; day = addCalendarDays(day, 1)) {
    for (const slot of slotsOfDay(fields, timeZone, policy, day)) {
      if (slot.at.getTime() < from.getTime() || slot.at.getTime() > to.getTime()) continue;
      out.push(slot);
      if (out.length > limit) throw new SlotLimitError(`more than ${limit} slots between ${from.toISOString()} and ${to.toISOString()}: ask for a shorter window`);
    }
  }
  return out.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** The next `count` slots after `after` (gap / overlap ones included), searching at most `maxDays` days. */
export function nextSlots(fields: CronFields, timeZone: string, policy: DstPolicy, after: Date, count: number, maxDays = 366 * 8): Slot[] {
  const out: Slot[] = [];
  let day = dayOf(after, timeZone);
  for (let i = 0; i <= maxDays && out.length < count; i += 1, day = addCalendarDays(day, 1)) {
    for (const slot of slotsOfDay(fields, timeZone, policy, day)) {
      if (slot.at.getTime() > after.getTime() && out.length < count) out.push(slot);
    }
  }
  return out;
}

export function cronFields(cron: string): CronFields {
  const parsed = parseCron(cron);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.fields;
}

// ---------------------------------------------------------------------------------------------
// DST transitions and the compiled Temporal spec
// ---------------------------------------------------------------------------------------------

export interface Transition {
  /** The first instant with the new offset. */
  at: Date;
  offsetBefore: number;
  offsetAfter: number;
  /** Local dates touched by the transition (usually one), `YYYY-MM-DD`. */
  days: Day[];
}

/** The zone's offset changes between two instants (found day by day, then to the minute). */
export function transitionsBetween(timeZone: string, from: Date, to: Date): Transition[] {
  const out: Transition[] = [];
  const step = 86_400_000;
  let t = Math.floor(from.getTime() / step) * step;
  let offset = offsetMinutes(new Date(t), timeZone);
  for (; t < to.getTime(); t += step) {
    const next = offsetMinutes(new Date(t + step), timeZone);
    if (next !== offset) {
      let [lo, hi] = [t, t + step];
      while (hi - lo > 60_000) {
        const mid = Math.floor((lo + hi) / 2 / 60_000) * 60_000;
        if (offsetMinutes(new Date(mid), timeZone) === offset) lo = mid; else hi = mid;
      }
      const before = dayOf(new Date(hi - 1), timeZone);
      const after = dayOf(new Date(hi), timeZone);
      const days = compareDays(before, after) === 0 ? [after] : [before, after];
      out.push({ at: new Date(hi), offsetBefore: offset, offsetAfter: next, days });
      offset = next;
    }
  }
  return out;
}

export interface DstSpecPlan {
  /** Local dates the Temporal spec excludes (the launcher runs their slots instead). */
  excludedDays: Day[];
  /** Local wall times, 23:59 the day before each excluded run of days, at which the launcher fires. */
  launchers: WallTime[];
}

function dayKey(d: Day): string {
  return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;
}

/** What the spec excludes and where the launchers fire, for the transitions in [from, to]. */
export function dstSpecPlan(timeZone: string, from: Date, to: Date): DstSpecPlan {
  const days = new Map<string, Day>();
  for (const transition of transitionsBetween(timeZone, from, to)) for (const d of transition.days) days.set(dayKey(d), d);
  const excludedDays = [...days.values()].sort(compareDays);
  const launchers = excludedDays
    .filter((d) => !days.has(dayKey(addCalendarDays(d, -1))))
    .map((d) => ({ ...addCalendarDays(d, -1), hour: 23, minute: 59 }));
  return { excludedDays, launchers };
}

export function isExcludedDay(plan: DstSpecPlan, day: Day): boolean {
  return plan.excludedDays.some((d) => compareDays(d, day) === 0);
}

/** How far ahead (and back, for backfills) the transitions are compiled into the Temporal spec. */
export const DST_PLAN_YEARS_BACK = 2;
export const DST_PLAN_YEARS_AHEAD = 10;

export function dstPlanWindow(now: Date): { from: Date; to: Date } {
  const year = now.getUTCFullYear();
  return { from: new Date(Date.UTC(year - DST_PLAN_YEARS_BACK, 0, 1)), to: new Date(Date.UTC(year + DST_PLAN_YEARS_AHEAD, 11, 31)) };
}

// ---------------------------------------------------------------------------------------------
// What one firing of the Temporal Schedule runs (the workflow's decision)
// ---------------------------------------------------------------------------------------------

export interface FiringPlan {
  /** Slots to run, in order; the first may be the firing time itself. */
  slots: Slot[];
  /** Why nothing runs, when nothing does. */
  reason?: string;
}

/**
 * A firing at `firedAt`: on an ordinary date it runs its own slot (if the cron and policy say
 * so); at a launcher (23:59 the day before transition dates) it also runs every slot of the
 * following excluded dates that the policy runs. A firing on an excluded date (a spec compiled
 * before this transition was planned) runs its slot only if the policy does.
 */
export function planFiring(fields: CronFields, timeZone: string, policy: DstPolicy, firedAt: Date): FiringPlan {
  const slots: Slot[] = [];
  const own = slotsBetween(fields, timeZone, policy, firedAt, firedAt).filter((s) => s.runs);
  slots.push(...own);
  const plan = dstSpecPlan(timeZone, firedAt, new Date(firedAt.getTime() + 3 * 86_400_000));
  const wall = wallTimeOf(firedAt, timeZone);
  const launcher = plan.launchers.find((l) => sameWall(l, wall));
  if (launcher) {
    let day = addCalendarDays(launcher, 1);
    while (isExcludedDay(plan, day)) {
      slots.push(...slotsOfDay(fields, timeZone, policy, day).filter((s) => s.runs));
      day = addCalendarDays(day, 1);
    }
  }
  const unique = [...new Map(slots.map((s) => [s.at.getTime(), s])).values()].sort((a, b) => a.at.getTime() - b.at.getTime());
  if (unique.length > 0) return { slots: unique };
  return { slots: [], reason: launcher ? 'no slot of the transition date runs under the DST policy' : 'not a slot of the schedule under its DST policy' };
}

/** `+02:00` for 120 minutes. */
export function formatOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The instant as a local ISO time with its offset: `2027-03-28T03:30:00+02:00`. */
export function localIso(instant: Date, timeZone: string): string {
  const w = wallTimeOf(instant, timeZone);
  return `${wallText(w)}:${pad(w.second)}${formatOffset(offsetMinutes(instant, timeZone))}`;
}

// ---------------------------------------------------------------------------------------------
// Targets and the workflow's input
// ---------------------------------------------------------------------------------------------

/**
 * What a run does: POST a JobContext to an HTTP endpoint (seed 002's contract, answered by a
 * JobResult), or the built-in `log` target that only logs and reports (for tests and demos).
 */
export type OrgScheduleTarget =
  | { type: 'http'; url: string; config?: Record<string, unknown> }
  | { type: 'log'; message?: string };

export type OrgRunTrigger = 'schedule' | 'dst-launcher' | 'manual' | 'backfill';

export interface OrgScheduleRunInput {
  orgId: string;
  scheduleId: string;
  cron: string;
  timeZone: string;
  dstPolicy: DstPolicy;
  target: OrgScheduleTarget;
  /** Set when the run is for one known slot (a launcher's child, a backfill of a missed slot). */
  slot?: string;
  /** Set by a manual trigger; the Schedule's own firings leave it unset. */
  trigger?: OrgRunTrigger;
  /** Tests only: the firing time the Schedule would have set (TemporalScheduledStartTime). */
  firedAt?: string;
}
