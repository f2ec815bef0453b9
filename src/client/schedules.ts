// Temporal Schedules for Metronome's recurring jobs, driven from the client: the Schedule (not a
// cron workflow, not a worker timer) decides when a job starts, so a worker restart or a deploy
// never loses or doubles a monthly run, and an operator can pause, trigger or backfill it.
import { isDeepStrictEqual } from 'node:util';
import {
  DAYS_OF_WEEK, MONTHS, ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy,
  type CalendarSpecDescription, type Client, type Range, type ScheduleDescription, type ScheduleExecutionResult,
  type ScheduleHandle, type ScheduleOptions, type ScheduleSpec, type ScheduleSpecDescription, type ScheduleSummary,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType, TypedSearchAttributes, type Duration, type SearchAttributePair } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { isValidTimeZone, type AppConfig } from '../config';
import { parseCron, type CronFields } from '../domain/cron';
import { CLEANUP, HEALTH_CHECK, MONTHLY_INVITATIONS } from '../domain/jobs';
import { taskQueueName } from '../domain/queues';
import type { SEARCH_ATTRIBUTES } from '../domain/search-attributes';
import { offsetMinutes, wallTimeOf } from '../domain/zoned-time';
import { UserError } from './output';

export { ScheduleOverlapPolicy };

export interface ScheduleDefinition {
  scheduleId: string;
  description: string;
  cron: string;
  timezone: string;
  workflowType: string;
  /** Temporal appends the scheduled time (`monthly-invitations-2026-12-05T17:00:00Z`). */
  workflowId: string;
  taskQueue: string;
  args: unknown[];
  /** Value of the `MetronomeJob` search attribute, on the Schedule and on every run it starts. */
  job: string;
  overlap: ScheduleOverlapPolicy;
  /** An ms-style duration such as `2 days`. */
  catchupWindow: string;
}

export type ApplyResult = { scheduleId: string; action: 'created' | 'updated' | 'unchanged' };

export interface ScheduleRun {
  scheduledAt: string;
  takenAt: string;
  workflowId: string;
  runId: string;
}

export interface ScheduleListItem {
  scheduleId: string;
  paused: boolean;
  /** The cron expression, or a summary of the spec when it is not one cron (intervals, several calendars). */
  spec: string;
  timezone: string;
  workflowType?: string;
  nextRunTimes: string[];
  /** The same instants as wall-clock times in the schedule's zone, with their offset. */
  nextRunTimesLocal: string[];
  lastAction?: ScheduleRun;
}

export interface ScheduleDetails {
  scheduleId: string;
  description?: string;
  spec: string;
  cron?: string;
  timezone: string;
  workflowType: string;
  workflowId?: string;
  taskQueue?: string;
  args: unknown[];
  job?: string;
  paused: boolean;
  note?: string;
  overlap: ScheduleOverlapPolicy;
  catchupWindowMs: number;
  pauseOnFailure: boolean;
  numActionsTaken: number;
  numActionsSkippedOverlap: number;
  numActionsMissedCatchupWindow: number;
  /** Runs the Schedule tracks for its overlap policy; runs started under ALLOW_ALL (trigger, backfill) are not tracked. */
  runningWorkflowIds: string[];
  nextRunTimes: string[];
  nextRunTimesLocal: string[];
  recentActions: ScheduleRun[];
  createdAt: string;
  lastUpdatedAt?: string;
}

export interface ScheduleState { scheduleId: string; paused: boolean; note?: string }

/** Typed key of the search attribute `stack up` registers; the name is checked against the registry. */
export const METRONOME_JOB_KEY = defineSearchAttributeKey('MetronomeJob' satisfies keyof typeof SEARCH_ATTRIBUTES, SearchAttributeType.KEYWORD);

const MONTHLY_CATCHUP_WINDOW = '2 days';
const CLEANUP_CATCHUP_WINDOW = '1 day';
const HEALTH_CHECK_CATCHUP_WINDOW = '1 minute';
const DEFAULT_NEXT_RUNS = 5;

// ---------------------------------------------------------------------------------------------
// What should exist
// ---------------------------------------------------------------------------------------------

/** The Schedules Metronome needs, derived from the configuration. */
export function desiredSchedules(config: AppConfig): ScheduleDefinition[] {
  const { monthlyJobDay, monthlyJobHour, timezone } = config.schedule;
  const maintenanceQueue = taskQueueName(config.temporal.taskQueue, 'maintenance');
  return [{
    scheduleId: MONTHLY_INVITATIONS.scheduleId,
    description: `Monthly invitation cycle: day ${monthlyJobDay} at ${String(monthlyJobHour).padStart(2, '0')}:00 ${timezone}`,
    cron: `0 ${monthlyJobHour} ${monthlyJobDay} * *`,
    timezone,
    workflowType: MONTHLY_INVITATIONS.workflowType,
    workflowId: MONTHLY_INVITATIONS.scheduleId,
    taskQueue: config.temporal.taskQueue,
    args: [{ timezone }],
    job: MONTHLY_INVITATIONS.job,
    // A cycle still running when the next month comes is a problem to look at, not a reason for two.
    overlap: ScheduleOverlapPolicy.SKIP,
    // Long enough to survive a weekend outage; older slots are a deliberate backfill.
    catchupWindow: MONTHLY_CATCHUP_WINDOW,
  }, {
    scheduleId: CLEANUP.scheduleId,
    description: `Daily cleanup at 02:00 ${timezone}: expired invitations, old tokens, soft bounces, old run reports`,
    cron: '0 2 * * *',
    timezone,
    workflowType: CLEANUP.workflowType,
    workflowId: CLEANUP.scheduleId,
    taskQueue: maintenanceQueue,
    args: [],
    job: CLEANUP.job,
    // A cleanup still going at the next 02:00 finishes its work; a second one would only compete.
    overlap: ScheduleOverlapPolicy.SKIP,
    // Cleaning up late in the day is still worth it; a missed day is caught up by the next one.
    catchupWindow: CLEANUP_CATCHUP_WINDOW,
  }, {
    scheduleId: HEALTH_CHECK.scheduleId,
    description: 'Health check every 5 minutes: MongoDB, SMTP, Temporal, error rate, memory, job durations',
    cron: '*/5 * * * *',
    // Every five minutes is the same instants in every zone.
    timezone: 'UTC',
    workflowType: HEALTH_CHECK.workflowType,
    workflowId: HEALTH_CHECK.scheduleId,
    taskQueue: maintenanceQueue,
    args: [],
    job: HEALTH_CHECK.job,
    overlap: ScheduleOverlapPolicy.SKIP,
    // A check that could not run on time is worthless later: the next one is five minutes away.
    catchupWindow: HEALTH_CHECK_CATCHUP_WINDOW,
  }];
}

// ---------------------------------------------------------------------------------------------
// Validation (before any call to Temporal)
// ---------------------------------------------------------------------------------------------

function cronFieldsOrThrow(cron: string, what: string): CronFields {
  const parsed = parseCron(cron);
  if (!parsed.ok) throw new UserError(`${what} "${cron}" is not a valid cron expression: ${parsed.problem}`);
  return parsed.fields;
}

function checkTimeZone(zone: string, what: string): void {
  if (!isValidTimeZone(zone)) throw new UserError(`${what} "${zone}" is not an IANA time zone such as Europe/Paris or UTC`);
}

function catchupWindowMs(definition: ScheduleDefinition): number {
  try {
    // The cast only narrows string to ms's template type; msToNumber validates the text itself.
    return msToNumber(definition.catchupWindow as Duration);
  } catch {
    throw new UserError(`schedule "${definition.scheduleId}": catch-up window "${definition.catchupWindow}" is not a duration such as "2 days"`);
  }
}

function checkDefinition(definition: ScheduleDefinition): void {
  cronFieldsOrThrow(definition.cron, `schedule "${definition.scheduleId}": cron`);
  checkTimeZone(definition.timezone, `schedule "${definition.scheduleId}": time zone`);
  catchupWindowMs(definition);
}

/** Refuses a backfill window that is empty or backwards, naming the CLI flags. */
export function checkBackfillWindow(from: Date, to: Date): void {
  if (Number.isNaN(from.getTime())) throw new UserError('--from is not a valid date-time');
  if (Number.isNaN(to.getTime())) throw new UserError('--to is not a valid date-time');
  if (from.getTime() >= to.getTime()) {
    throw new UserError(`--from (${from.toISOString()}) must be before --to (${to.toISOString()})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Definition → Temporal options
// ---------------------------------------------------------------------------------------------

function jobAttribute(job: string): SearchAttributePair[] {
  return [{ key: METRONOME_JOB_KEY, value: job }];
}

/**
 * The cron text is repeated as the calendar's comment: the server compiles cron strings into
 * structured calendars and forgets the text, and `describe` should show what the operator wrote.
 */
function specOf(cron: string, timezone: string): ScheduleSpec {
  return { cronExpressions: [`${cron} #${cron}`], timezone };
}

function actionOf(definition: ScheduleDefinition) {
  return {
    type: 'startWorkflow' as const,
    workflowType: definition.workflowType,
    workflowId: definition.workflowId,
    taskQueue: definition.taskQueue,
    args: definition.args,
    typedSearchAttributes: jobAttribute(definition.job),
  };
}

function policiesOf(definition: ScheduleDefinition) {
  return { overlap: definition.overlap, catchupWindow: catchupWindowMs(definition) };
}

/** The options `applySchedules` creates a Schedule with (exported so tests can vary the spec). */
export function scheduleOptions(definition: ScheduleDefinition): ScheduleOptions {
  return {
    scheduleId: definition.scheduleId,
    spec: specOf(definition.cron, definition.timezone),
    action: actionOf(definition),
    policies: policiesOf(definition),
    memo: { description: definition.description },
    typedSearchAttributes: jobAttribute(definition.job),
  };
}

// ---------------------------------------------------------------------------------------------
// Reading a described spec
// ---------------------------------------------------------------------------------------------

/** Every value a list of ranges matches (Temporal: end < start means start; step < 1 means 1). */
function expandRanges<U>(ranges: Range<U>[], toNumber: (unit: U) => number): number[] {
  const values = new Set<number>();
  for (const range of ranges) {
    const start = toNumber(range.start);
    const end = Math.max(start, toNumber(range.end));
    const step = Math.max(1, range.step);
    for (let v = start; v <= end; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

interface CalendarValues extends CronFields { second: number[]; year: number[] }

function calendarValues(calendar: CalendarSpecDescription): CalendarValues {
  const n = (v: number) => v;
  return {
    second: expandRanges(calendar.second, n),
    minute: expandRanges(calendar.minute, n),
    hour: expandRanges(calendar.hour, n),
    dayOfMonth: expandRanges(calendar.dayOfMonth, n),
    month: expandRanges(calendar.month, (m) => MONTHS.indexOf(m) + 1),
    dayOfWeek: expandRanges(calendar.dayOfWeek, (d) => DAYS_OF_WEEK.indexOf(d)),
    // An empty year list means every year.
    year: expandRanges(calendar.year, n),
  };
}

/** Whether a described calendar fires exactly when the cron does (same values, second 0, any year). */
function calendarMatchesCron(calendar: CalendarSpecDescription, fields: CronFields): boolean {
  const values = calendarValues(calendar);
  return isDeepStrictEqual(values.second, [0]) && values.year.length === 0
    && isDeepStrictEqual(values.minute, fields.minute) && isDeepStrictEqual(values.hour, fields.hour)
    && isDeepStrictEqual(values.dayOfMonth, fields.dayOfMonth) && isDeepStrictEqual(values.month, fields.month)
    && isDeepStrictEqual(values.dayOfWeek, fields.dayOfWeek);
}

/** `1,2,3,7` → `1-3,7`; the whole range → `*`. */
function compactField(values: number[], min: number, max: number): string {
  if (values.length === max - min + 1) return '*';
  const parts: string[] = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j += 1;
    parts.push(i === j ? `${values[i]}` : `${values[i]}-${values[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** A cron-like rendering of a calendar someone created without our comment (UI, `temporal` CLI). */
function calendarAsCron(calendar: CalendarSpecDescription): string {
  const v = calendarValues(calendar);
  const cron = [
    compactField(v.minute, 0, 59), compactField(v.hour, 0, 23), compactField(v.dayOfMonth, 1, 31),
    compactField(v.month, 1, 12), compactField(v.dayOfWeek, 0, 6),
  ].join(' ');
  const extras = [
    isDeepStrictEqual(v.second, [0]) ? '' : ` second ${compactField(v.second, 0, 59)}`,
    v.year.length ? ` year ${compactField(v.year, 0, 9999)}` : '',
  ].join('');
  return cron + extras;
}

/** The cron text of a calendar: the comment we wrote, if it still describes the calendar. */
function cronOfCalendar(calendar: CalendarSpecDescription): string | undefined {
  const comment = calendar.comment?.trim();
  if (comment) {
    const parsed = parseCron(comment);
    if (parsed.ok && calendarMatchesCron(calendar, parsed.fields)) return comment;
  }
  const rendered = calendarAsCron(calendar);
  const parsed = parseCron(rendered);
  return parsed.ok && calendarMatchesCron(calendar, parsed.fields) ? rendered : undefined;
}

/** `172800000` → `2d`, `1000` → `1s`: the largest unit that divides the duration. */
export function formatDurationMs(ms: number): string {
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  const unit = units.find(([, size]) => ms > 0 && ms % size === 0);
  return unit ? `${ms / unit[1]}${unit[0]}` : `${ms}ms`;
}

function isPlainCron(spec: ScheduleSpecDescription): boolean {
  return (spec.calendars?.length ?? 0) === 1 && !spec.intervals?.length && !spec.skip?.length && !spec.startAt && !spec.endAt;
}

/** The single cron expression a spec amounts to, if it is one. */
function cronOfSpec(spec: ScheduleSpecDescription): string | undefined {
  return isPlainCron(spec) && spec.calendars?.[0] ? cronOfCalendar(spec.calendars[0]) : undefined;
}

/** One line for a spec of any shape: cron texts, intervals, and any skip/start/end. */
export function summarizeSpec(spec: ScheduleSpecDescription): string {
  const parts = [
    ...(spec.calendars ?? []).map((c) => cronOfCalendar(c) ?? calendarAsCron(c)),
    ...(spec.intervals ?? []).map((i) => `every ${formatDurationMs(i.every)}${i.offset ? ` offset ${formatDurationMs(i.offset)}` : ''}`),
  ];
  if (spec.skip?.length) parts.push(`skipping ${spec.skip.map(calendarAsCron).join(', ')}`);
  if (spec.startAt) parts.push(`from ${spec.startAt.toISOString()}`);
  if (spec.endAt) parts.push(`until ${spec.endAt.toISOString()}`);
  return parts.length ? parts.join('; ') : '(never)';
}

function zoneOf(spec: ScheduleSpecDescription): string {
  return spec.timezone || 'UTC';
}

/** `2026-12-05T18:00:00+01:00`: the wall-clock time in the zone, with the offset in force then. */
export function localIso(instant: Date, timeZone: string): string {
  const w = wallTimeOf(instant, timeZone);
  const offset = offsetMinutes(instant, timeZone);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function runOf(result: ScheduleExecutionResult): ScheduleRun {
  return {
    scheduledAt: result.scheduledAt.toISOString(),
    takenAt: result.takenAt.toISOString(),
    workflowId: result.action.workflow.workflowId,
    runId: result.action.workflow.firstExecutionRunId,
  };
}

function jobOf(attributes: SearchAttributePair[] | TypedSearchAttributes | undefined): string | undefined {
  if (!attributes) return undefined;
  if (attributes instanceof TypedSearchAttributes) return attributes.get(METRONOME_JOB_KEY);
  const pair = attributes.find((p) => p.key.name === METRONOME_JOB_KEY.name);
  return typeof pair?.value === 'string' ? pair.value : undefined;
}

function argsOf(description: ScheduleDescription): unknown[] {
  const args: readonly unknown[] = description.action.args ?? [];
  return [...args];
}

function descriptionOf(memo: Record<string, unknown> | undefined): string | undefined {
  return typeof memo?.description === 'string' ? memo.description : undefined;
}

// ---------------------------------------------------------------------------------------------
// Apply: create what is missing, update what drifted, leave the rest alone
// ---------------------------------------------------------------------------------------------

/** The fields of an existing Schedule that differ from the definition (empty: nothing to do). */
function differences(current: ScheduleDescription, definition: ScheduleDefinition): string[] {
  const fields = cronFieldsOrThrow(definition.cron, 'cron');
  const calendar = current.spec.calendars?.[0];
  const checks: [string, boolean][] = [
    ['cron', isPlainCron(current.spec) && calendar !== undefined && calendarMatchesCron(calendar, fields)],
    ['timezone', zoneOf(current.spec) === definition.timezone],
    ['workflowType', current.action.workflowType === definition.workflowType],
    ['workflowId', current.action.workflowId === definition.workflowId],
    ['taskQueue', current.action.taskQueue === definition.taskQueue],
    ['args', isDeepStrictEqual(argsOf(current), definition.args)],
    ['job', jobOf(current.action.typedSearchAttributes) === definition.job],
    ['overlap', current.policies.overlap === definition.overlap],
    ['catchupWindow', current.policies.catchupWindow === catchupWindowMs(definition)],
  ];
  return checks.filter(([, same]) => !same).map(([name]) => name);
}

/** The whole definition as an update, keeping what an operator set by hand: pause state and note. */
function updateFrom(definition: ScheduleDefinition, previous: ScheduleDescription): ScheduleUpdateOptions {
  return {
    spec: specOf(definition.cron, definition.timezone),
    action: actionOf(definition),
    policies: { ...policiesOf(definition), pauseOnFailure: previous.policies.pauseOnFailure },
    state: { paused: previous.state.paused, note: previous.state.note, remainingActions: previous.state.remainingActions },
    typedSearchAttributes: jobAttribute(definition.job),
  };
}

async function describeOrUndefined(handle: ScheduleHandle): Promise<ScheduleDescription | undefined> {
  try {
    return await handle.describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return undefined;
    throw error;
  }
}

async function applyOne(client: Client, definition: ScheduleDefinition): Promise<ApplyResult> {
  const handle = client.schedule.getHandle(definition.scheduleId);
  let current = await describeOrUndefined(handle);
  if (!current) {
    try {
      await client.schedule.create(scheduleOptions(definition));
      return { scheduleId: definition.scheduleId, action: 'created' };
    } catch (error) {
      // Someone applied at the same moment: fall through and compare with what they created.
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      current = await handle.describe();
    }
  }
  if (differences(current, definition).length === 0) return { scheduleId: definition.scheduleId, action: 'unchanged' };
  await handle.update((previous) => updateFrom(definition, previous));
  return { scheduleId: definition.scheduleId, action: 'updated' };
}

/**
 * Makes the namespace's Schedules match the definitions: creates the missing ones, updates those
 * whose cron, zone, action or policies drifted, and does not touch the others (so running it on
 * every deploy is harmless). Schedules not in the list are left alone. All definitions are
 * validated before the first call.
 */
export async function applySchedules(client: Client, definitions: ScheduleDefinition[]): Promise<ApplyResult[]> {
  definitions.forEach(checkDefinition);
  const results: ApplyResult[] = [];
  for (const definition of definitions) results.push(await applyOne(client, definition));
  return results;
}

// ---------------------------------------------------------------------------------------------
// Operator helpers (the `metronome schedules` commands)
// ---------------------------------------------------------------------------------------------

/** Runs `work` on the Schedule's handle, turning the SDK's "no such schedule" into one clear message. */
async function onSchedule<T>(client: Client, scheduleId: string, work: (handle: ScheduleHandle) => Promise<T>): Promise<T> {
  if (scheduleId.trim() === '') throw new UserError('a schedule id is required');
  try {
    return await work(client.schedule.getHandle(scheduleId));
  } catch (error) {
    // Deleted schedules answer "workflow execution already completed", unknown ones "schedule not found".
    if (error instanceof ScheduleNotFoundError) throw new UserError(`schedule "${scheduleId}" does not exist`);
    throw error;
  }
}

function listItemOf(summary: ScheduleSummary): ScheduleListItem {
  const zone = summary.spec ? zoneOf(summary.spec) : 'UTC';
  const last = summary.info.recentActions.at(-1);
  return {
    scheduleId: summary.scheduleId,
    paused: summary.state.paused,
    spec: summary.spec ? summarizeSpec(summary.spec) : '(unknown)',
    timezone: zone,
    workflowType: summary.action?.workflowType,
    nextRunTimes: summary.info.nextActionTimes.map((t) => t.toISOString()),
    nextRunTimesLocal: summary.info.nextActionTimes.map((t) => localIso(t, zone)),
    lastAction: last ? runOf(last) : undefined,
  };
}

/**
 * Every Schedule in the namespace. Listing goes through visibility, which is eventually
 * consistent: a Schedule created a moment ago may be missing or show stale fields.
 */
export async function listSchedules(client: Client): Promise<ScheduleListItem[]> {
  const items: ScheduleListItem[] = [];
  for await (const summary of client.schedule.list()) items.push(listItemOf(summary));
  return items.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

function detailsOf(description: ScheduleDescription, nextRuns: number): ScheduleDetails {
  const zone = zoneOf(description.spec);
  const next = description.info.nextActionTimes.slice(0, nextRuns);
  return {
    scheduleId: description.scheduleId,
    description: descriptionOf(description.memo),
    spec: summarizeSpec(description.spec),
    cron: cronOfSpec(description.spec),
    timezone: zone,
    workflowType: description.action.workflowType,
    workflowId: description.action.workflowId,
    taskQueue: description.action.taskQueue,
    args: argsOf(description),
    job: jobOf(description.action.typedSearchAttributes),
    paused: description.state.paused,
    note: description.state.note || undefined,
    overlap: description.policies.overlap,
    catchupWindowMs: description.policies.catchupWindow,
    pauseOnFailure: description.policies.pauseOnFailure,
    numActionsTaken: description.info.numActionsTaken,
    numActionsSkippedOverlap: description.info.numActionsSkippedOverlap,
    numActionsMissedCatchupWindow: description.info.numActionsMissedCatchupWindow,
    runningWorkflowIds: description.info.runningActions.map((a) => a.workflow.workflowId),
    nextRunTimes: next.map((t) => t.toISOString()),
    nextRunTimesLocal: next.map((t) => localIso(t, zone)),
    recentActions: description.info.recentActions.map(runOf),
    createdAt: description.info.createdAt.toISOString(),
    lastUpdatedAt: description.info.lastUpdatedAt?.toISOString(),
  };
}

/** Spec, state, policies, the next run times (5 unless asked; the server computes at most 10) and recent actions. */
export async function describeSchedule(client: Client, scheduleId: string, options: { nextRuns?: number } = {}): Promise<ScheduleDetails> {
  const description = await onSchedule(client, scheduleId, (handle) => handle.describe());
  return detailsOf(description, options.nextRuns ?? DEFAULT_NEXT_RUNS);
}

async function stateOf(handle: ScheduleHandle): Promise<ScheduleState> {
  const { state } = await handle.describe();
  return { scheduleId: handle.scheduleId, paused: state.paused, note: state.note || undefined };
}

/** Stops the Schedule taking scheduled actions (manual trigger and backfill still run). */
export async function pauseSchedule(client: Client, scheduleId: string, note?: string): Promise<ScheduleState> {
  return onSchedule(client, scheduleId, async (handle) => {
    // The SDK's default note is "Paused via TypeScript SDK" (with a stray quote); say who did it.
    await handle.pause(note ?? 'paused with metronome schedules pause');
    return stateOf(handle);
  });
}

export async function unpauseSchedule(client: Client, scheduleId: string, note?: string): Promise<ScheduleState> {
  return onSchedule(client, scheduleId, async (handle) => {
    await handle.unpause(note ?? 'unpaused with metronome schedules unpause');
    return stateOf(handle);
  });
}

export interface TriggerResult {
  scheduleId: string;
  triggeredAt: string;
  /** The run it started, when the Schedule reported it within a few seconds. */
  workflowId?: string;
  /** A paused Schedule still runs a manual trigger. */
  paused: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits (briefly) for the Schedule to record an action that was not among `known`. Compared by
 * workflow id rather than by time, so a skewed client clock cannot hide the run.
 */
async function newAction(handle: ScheduleHandle, known: Set<string>, timeoutMs: number): Promise<ScheduleExecutionResult | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { info } = await handle.describe();
    const found = [...info.recentActions].reverse().find((a) => !known.has(a.action.workflow.workflowId));
    if (found || Date.now() >= deadline) return found;
    await sleep(200);
  }
}

/**
 * A run is named `<workflowId>-<scheduled time to the second>`, so a trigger in the same second
 * as the previous action would reuse its workflow id, and Temporal drops it without an error.
 */
async function nextSecondAfter(latest: ScheduleExecutionResult | undefined): Promise<void> {
  if (!latest) return;
  const wait = Math.floor(latest.takenAt.getTime() / 1000) * 1000 + 1050 - Date.now();
  if (wait > 0 && wait <= 1050) await sleep(wait);
}

/**
 * Runs the action now. Overlap ALLOW_ALL so a manual trigger is never silently skipped because
 * a previous run is still going (it is the operator asking, not the calendar).
 */
export async function triggerSchedule(client: Client, scheduleId: string, options: { waitMs?: number } = {}): Promise<TriggerResult> {
  return onSchedule(client, scheduleId, async (handle) => {
    const { state, info } = await handle.describe();
    const known = new Set(info.recentActions.map((a) => a.action.workflow.workflowId));
    await nextSecondAfter(info.recentActions.at(-1));
    const triggeredAt = Date.now();
    await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
    const action = await newAction(handle, known, options.waitMs ?? 5000);
    return { scheduleId, triggeredAt: new Date(triggeredAt).toISOString(), workflowId: action?.action.workflow.workflowId, paused: state.paused };
  });
}

export interface BackfillResult { scheduleId: string; from: string; to: string; overlap: ScheduleOverlapPolicy }

/**
 * Takes the actions of every slot in [from, to] (both ends included) as if that time were now.
 * Overlap ALLOW_ALL: the slots of a backfill are all wanted, even while a run is going.
 */
export async function backfillSchedule(client: Client, scheduleId: string, window: { from: Date; to: Date }): Promise<BackfillResult> {
  checkBackfillWindow(window.from, window.to);
  await onSchedule(client, scheduleId, (handle) => handle.backfill({ start: window.from, end: window.to, overlap: ScheduleOverlapPolicy.ALLOW_ALL }));
  return { scheduleId, from: window.from.toISOString(), to: window.to.toISOString(), overlap: ScheduleOverlapPolicy.ALLOW_ALL };
}

/**
 * Replaces the Schedule's times with one cron expression, keeping its zone unless another is
 * given, and everything else (action, policies, pause state, note) as it is.
 */
export async function updateScheduleCron(client: Client, scheduleId: string, change: { cron: string; timezone?: string }): Promise<ScheduleDetails> {
  cronFieldsOrThrow(change.cron, '--cron');
  if (change.timezone !== undefined) checkTimeZone(change.timezone, '--timezone');
  return onSchedule(client, scheduleId, async (handle) => {
    await handle.update((previous) => ({
      spec: { ...specOf(change.cron, change.timezone ?? zoneOf(previous.spec)), jitter: previous.spec.jitter },
      action: previous.action,
      policies: previous.policies,
      state: { paused: previous.state.paused, note: previous.state.note, remainingActions: previous.state.remainingActions },
      typedSearchAttributes: previous.typedSearchAttributes,
    }));
    return detailsOf(await handle.describe(), DEFAULT_NEXT_RUNS);
  });
}

/** Deletes the Schedule. Runs it already started keep running: they are workflows of their own. */
export async function deleteSchedule(client: Client, scheduleId: string): Promise<{ scheduleId: string; deleted: true }> {
  await onSchedule(client, scheduleId, (handle) => handle.delete());
  return { scheduleId, deleted: true };
}
