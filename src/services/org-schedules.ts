// Organisation schedules (seed 004): create / update / delete / list / get / pause / trigger,
// the slot history (ran / skipped / missed) and the backfill of missed slots. Each schedule is one
// Temporal Schedule `org-<orgId>-<scheduleId>` on the `jobs` queue family; its spec is compiled
// from the cron, zone and DST policy (see src/domain/org-schedules.ts for why and how).
import { createHash, randomBytes } from 'node:crypto';
import {
  MONTHS, ScheduleNotFoundError, ScheduleOverlapPolicy, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError,
  type CalendarSpec, type Client, type ScheduleDescription, type ScheduleOptionsAction, type ScheduleSpec,
} from '@temporalio/client';
import { toString as cronToText } from 'cronstrue';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../config';
import { getModels } from '../db/models';
import { getOrgScheduleModel, type OrgScheduleDoc } from '../db/models/org-schedule';
import {
  cronFields, dstPlanWindow, dstSpecPlan, localIso, nextSlots, ORG_SCHEDULE_WORKFLOW, orgScheduleJob, orgScheduleKey,
  orgTemporalScheduleId, slotsBetween, slotWorkflowId, type DstPolicy, type OrgScheduleRunInput, type OrgScheduleTarget, type Slot,
} from '../domain/org-schedules';
import { taskQueueName } from '../domain/queues';
import { JOB_KEY } from '../domain/search-attributes';
import { offsetMinutes } from '../domain/zoned-time';
import type { Logger } from '../observability/logger';

export interface OrgScheduleDeps { config: AppConfig; db: Connection; temporal: Client; logger: Logger }

export class OrgScheduleNotFound extends Error {}
export class OrgScheduleConflict extends Error {
  constructor(readonly conflictWith: string) { super(`the organisation already has schedule ${conflictWith} with the same target, cron and time zone`); }
}

/**
 * A slot not run this long after its time is `missed`: the Schedule's catch-up window, past which
 * Temporal no longer starts a slot it could not start on time (server down).
 */
export const ORG_SCHEDULE_CATCHUP_WINDOW_MS = 10 * 60_000;
/** Generated ids contain no `-`, so `org-<orgId>-<scheduleId>` names exactly one schedule. */
const SCHEDULE_ID = /^s[0-9a-f]{12}$/;

export interface OrgScheduleInput {
  name: string;
  cron: string;
  timeZone: string;
  dstPolicy: DstPolicy;
  target: OrgScheduleTarget;
  paused?: boolean;
}

export interface NextRun { at: string; local: string; offset: string; dst: 'gap' | 'overlap-first' | 'overlap-second' | null; runs: boolean }

export interface OrgScheduleView {
  orgId: string;
  scheduleId: string;
  temporalScheduleId: string;
  name: string;
  cron: string;
  description: string;
  timeZone: string;
  dstPolicy: DstPolicy;
  target: OrgScheduleTarget;
  paused: boolean;
  nextRuns: NextRun[];
  lastRun: { workflowId: string; status: string; finishedAt: string; durationMs: number; slot: string | null; error?: string } | null;
  createdAt: string;
  updatedAt: string;
}

// ---------------------------------------------------------------------------------------------
// Pure helpers
// ---------------------------------------------------------------------------------------------

export function describeCron(cron: string): string {
  return cronToText(cron, { use24HourTimeFormat: true, verbose: false });
}

function nextRunOf(slot: Slot, timeZone: string): NextRun {
  return {
    at: slot.at.toISOString(), local: localIso(slot.at, timeZone), offset: localIso(slot.at, timeZone).slice(19),
    dst: slot.kind === 'regular' ? null : slot.kind, runs: slot.runs,
  };
}

/** The next `count` slots, gap and overlap ones flagged (validate-cron and the schedule views). */
export function previewRuns(cron: string, timeZone: string, policy: DstPolicy, count: number, after = new Date()): NextRun[] {
  return nextSlots(cronFields(cron), timeZone, policy, after, count).map((s) => nextRunOf(s, timeZone));
}

function conflictKey(orgId: string, input: Pick<OrgScheduleInput, 'target' | 'cron' | 'timeZone'>): string {
  const target = input.target.type === 'http' ? { type: 'http', url: input.target.url } : { type: 'log', message: input.target.message ?? '' };
  const cron = input.cron.trim().split(/\s+/).join(' ');
  return createHash('sha256').update(JSON.stringify([orgId, target, cron, input.timeZone])).digest('hex');
}

const monthName = (m: number) => MONTHS[m - 1]!;

/**
 * The Temporal spec: the cron in the zone, minus every local date with a DST transition in the
 * planning window, plus a launcher at 23:59 before each (its workflow runs the date's slots per
 * the policy). Zones without DST compile to the plain cron.
 */
export function compileSpec(cron: string, timeZone: string, now = new Date()): ScheduleSpec {
  const window = dstPlanWindow(now);
  const plan = dstSpecPlan(timeZone, window.from, window.to);
  const skip: CalendarSpec[] = plan.excludedDays.map((d) => ({
    year: d.year, month: monthName(d.month), dayOfMonth: d.day, hour: '*', minute: '*', second: '*', comment: 'dst transition date',
  }));
  const launchers: CalendarSpec[] = plan.launchers.map((l) => ({
    year: l.year, month: monthName(l.month), dayOfMonth: l.day, hour: l.hour, minute: l.minute, comment: 'dst launcher',
  }));
  return { cronExpressions: [cron], calendars: launchers, skip, timezone: timeZone };
}

function runInput(orgId: string, scheduleId: string, input: OrgScheduleInput): OrgScheduleRunInput {
  return { orgId, scheduleId, cron: input.cron, timeZone: input.timeZone, dstPolicy: input.dstPolicy, target: input.target };
}

// ---------------------------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------------------------

export function createOrgScheduleService(deps: OrgScheduleDeps) {
  const { db, temporal, config, logger } = deps;
  const OrgSchedule = getOrgScheduleModel(db);
  const { RunReport } = getModels(db);
  const taskQueue = taskQueueName(config.temporal.taskQueue, 'jobs');
  // The unique conflictKey index must exist before the first write, or a duplicate slips through.
  let indexes: Promise<unknown> | undefined;
  const indexesReady = () => (indexes ??= OrgSchedule.createIndexes());

  function action(orgId: string, scheduleId: string, input: OrgScheduleInput): ScheduleOptionsAction {
    return {
      type: 'startWorkflow', workflowType: ORG_SCHEDULE_WORKFLOW, workflowId: orgTemporalScheduleId(orgId, scheduleId), taskQueue,
      args: [runInput(orgId, scheduleId, input)], typedSearchAttributes: [{ key: JOB_KEY, value: orgScheduleJob(orgId, scheduleId) }],
    };
  }

  async function load(orgId: string, scheduleId: string): Promise<{ doc: OrgScheduleDoc; description: ScheduleDescription; input: OrgScheduleRunInput }> {
    if (!SCHEDULE_ID.test(scheduleId)) throw new OrgScheduleNotFound(`schedule ${scheduleId} not found`);
    const doc = await OrgSchedule.findById(orgScheduleKey(orgId, scheduleId)).lean<OrgScheduleDoc>();
    if (!doc) throw new OrgScheduleNotFound(`schedule ${scheduleId} not found`);
    try {
      const description = await temporal.schedule.getHandle(orgTemporalScheduleId(orgId, scheduleId)).describe();
      // The spec, target and policy are the Schedule's action arguments: read from Temporal, not copied.
      const input = description.action.args?.[0] as OrgScheduleRunInput;
      return { doc, description, input };
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) throw new OrgScheduleNotFound(`schedule ${scheduleId} not found`);
      throw error;
    }
  }

  async function lastRun(orgId: string, scheduleId: string): Promise<OrgScheduleView['lastRun']> {
    const report = await RunReport.findOne({ job: orgScheduleJob(orgId, scheduleId) }).sort({ finishedAt: -1 }).lean();
    if (!report) return null;
    const slot = (report.stats as { slot?: string | null }).slot ?? null;
    return { workflowId: report.workflowId, status: report.status, finishedAt: report.finishedAt.toISOString(), durationMs: report.durationMs, slot, ...(report.error ? { error: report.error } : {}) };
  }

  async function view(doc: OrgScheduleDoc, description: ScheduleDescription, input: OrgScheduleRunInput): Promise<OrgScheduleView> {
    return {
      orgId: doc.orgId, scheduleId: doc.scheduleId, temporalScheduleId: description.scheduleId, name: doc.name,
      cron: input.cron, description: describeCron(input.cron), timeZone: input.timeZone, dstPolicy: input.dstPolicy, target: input.target,
      paused: description.state.paused,
      nextRuns: description.state.paused ? [] : previewRuns(input.cron, input.timeZone, input.dstPolicy, 5).filter((r) => r.runs).slice(0, 3),
      lastRun: await lastRun(doc.orgId, doc.scheduleId),
      createdAt: doc.createdAt.toISOString(), updatedAt: doc.updatedAt.toISOString(),
    };
  }

  async function claimConflictKey(key: string, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      const other = await OrgSchedule.findOne({ conflictKey: key }).lean<OrgScheduleDoc>();
      throw new OrgScheduleConflict(other?.scheduleId ?? 'another schedule');
    }
  }

  return {
    async create(orgId: string, input: OrgScheduleInput, createdBy: string): Promise<OrgScheduleView> {
      const scheduleId = `s${randomBytes(6).toString('hex')}`;
      const now = new Date();
      const key = conflictKey(orgId, input);
      const doc: OrgScheduleDoc = {
        _id: orgScheduleKey(orgId, scheduleId), orgId, scheduleId, name: input.name, conflictKey: key, createdAt: now, updatedAt: now, createdBy,
        pauses: input.paused ? [{ from: now }] : [],
      };
      await indexesReady();
      await claimConflictKey(key, () => OrgSchedule.create(doc));
      try {
        await temporal.schedule.create({
          scheduleId: orgTemporalScheduleId(orgId, scheduleId),
          spec: compileSpec(input.cron, input.timeZone, now),
          action: action(orgId, scheduleId, input),
          // Every slot is wanted even while a DST launcher (which lives through its date) runs.
          policies: { overlap: ScheduleOverlapPolicy.ALLOW_ALL, catchupWindow: ORG_SCHEDULE_CATCHUP_WINDOW_MS },
          state: { paused: input.paused ?? false, note: input.paused ? 'created paused' : undefined },
          memo: { orgId, scheduleId, name: input.name },
          typedSearchAttributes: [{ key: JOB_KEY, value: orgScheduleJob(orgId, scheduleId) }],
        });
      } catch (error) {
        await OrgSchedule.deleteOne({ _id: doc._id });
        throw error;
      }
      logger.info({ event: 'org-schedule-created', orgId, scheduleId, cron: input.cron, timeZone: input.timeZone }, 'organisation schedule created');
      const loaded = await load(orgId, scheduleId);
      return view(loaded.doc, loaded.description, loaded.input);
    },

    async get(orgId: string, scheduleId: string): Promise<OrgScheduleView> {
      const { doc, description, input } = await load(orgId, scheduleId);
      return view(doc, description, input);
    },

    async list(orgId: string): Promise<OrgScheduleView[]> {
      const docs = await OrgSchedule.find({ orgId }).sort({ createdAt: 1 }).lean<OrgScheduleDoc[]>();
      const views: OrgScheduleView[] = [];
      for (const doc of docs) {
        try {
          const { description, input } = await load(orgId, doc.scheduleId);
          views.push(await view(doc, description, input));
        } catch (error) {
          if (!(error instanceof OrgScheduleNotFound)) throw error; // deleted meanwhile
        }
      }
      return views;
    },

    async update(orgId: string, scheduleId: string, change: Partial<Omit<OrgScheduleInput, 'paused'>>): Promise<OrgScheduleView> {
      const { doc, input: current } = await load(orgId, scheduleId);
      const next: OrgScheduleInput = {
        name: change.name ?? doc.name, cron: change.cron ?? current.cron, timeZone: change.timeZone ?? current.timeZone,
        dstPolicy: change.dstPolicy ?? current.dstPolicy, target: change.target ?? current.target,
      };
      const key = conflictKey(orgId, next);
      const now = new Date();
      await indexesReady();
      await claimConflictKey(key, () => OrgSchedule.updateOne({ _id: doc._id }, { $set: { name: next.name, conflictKey: key, updatedAt: now } }));
      await temporal.schedule.getHandle(orgTemporalScheduleId(orgId, scheduleId)).update((previous) => ({
        ...previous,
        spec: compileSpec(next.cron, next.timeZone, now),
        action: action(orgId, scheduleId, next),
      }));
      return this.get(orgId, scheduleId);
    },

    async remove(orgId: string, scheduleId: string): Promise<void> {
      const { doc } = await load(orgId, scheduleId);
      try {
        await temporal.schedule.getHandle(orgTemporalScheduleId(orgId, scheduleId)).delete();
      } catch (error) {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
      }
      await OrgSchedule.deleteOne({ _id: doc._id });
    },

    async setPaused(orgId: string, scheduleId: string, paused: boolean, who: string): Promise<OrgScheduleView> {
      const { doc, description } = await load(orgId, scheduleId);
      const handle = temporal.schedule.getHandle(description.scheduleId);
      const now = new Date();
      if (paused && !description.state.paused) {
        await handle.pause(`paused by ${who}`);
        await OrgSchedule.updateOne({ _id: doc._id }, { $push: { pauses: { from: now } } });
      } else if (!paused && description.state.paused) {
        await handle.unpause(`unpaused by ${who}`);
        const pauses = doc.pauses.map((p) => (p.to ? p : { ...p, to: now }));
        await OrgSchedule.updateOne({ _id: doc._id }, { $set: { pauses } });
      }
      return this.get(orgId, scheduleId);
    },

    /** Runs the target now, as its own workflow (not a Schedule trigger: its time is no slot). */
    async trigger(orgId: string, scheduleId: string): Promise<{ workflowId: string; paused: boolean }> {
      const { description, input } = await load(orgId, scheduleId);
      const workflowId = `${orgTemporalScheduleId(orgId, scheduleId)}-manual-${Date.now()}-${randomBytes(2).toString('hex')}`;
      await temporal.workflow.start(ORG_SCHEDULE_WORKFLOW, {
        workflowId, taskQueue, args: [{ ...input, trigger: 'manual' } satisfies OrgScheduleRunInput],
        typedSearchAttributes: [{ key: JOB_KEY, value: orgScheduleJob(orgId, scheduleId) }],
      });
      return { workflowId, paused: description.state.paused };
    },

    history: (orgId: string, scheduleId: string, window: { from: Date; to: Date }) => history(orgId, scheduleId, window),

    /** Starts exactly the missed slots of the window, each under its slot's workflow id (so never twice). */
    async backfillMissed(orgId: string, scheduleId: string, window: { from: Date; to: Date }): Promise<{ backfilled: { slot: string; workflowId: string }[] }> {
      const { input } = await load(orgId, scheduleId);
      const { slots } = await history(orgId, scheduleId, window);
      const backfilled: { slot: string; workflowId: string }[] = [];
      for (const slot of slots.filter((s) => s.status === 'missed')) {
        const workflowId = slotWorkflowId(orgId, scheduleId, new Date(slot.at));
        try {
          await temporal.workflow.start(ORG_SCHEDULE_WORKFLOW, {
            workflowId, taskQueue, args: [{ ...input, slot: slot.at, trigger: 'backfill' } satisfies OrgScheduleRunInput],
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            typedSearchAttributes: [{ key: JOB_KEY, value: orgScheduleJob(orgId, scheduleId) }],
          });
          backfilled.push({ slot: slot.at, workflowId });
        } catch (error) {
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        }
      }
      logger.info({ event: 'org-schedule-backfilled', orgId, scheduleId, slots: backfilled.length }, 'missed slots backfilled');
      return { backfilled };
    },
  };

  async function history(orgId: string, scheduleId: string, window: { from: Date; to: Date }): Promise<OrgScheduleHistory> {
    const { doc, input } = await load(orgId, scheduleId);
    const now = new Date();
    const from = new Date(Math.max(window.from.getTime(), doc.createdAt.getTime()));
    const slots = from.getTime() <= window.to.getTime() ? slotsBetween(cronFields(input.cron), input.timeZone, input.dstPolicy, from, window.to) : [];
    const reports = await RunReport.find({ job: orgScheduleJob(orgId, scheduleId) }).lean();
    const byWorkflow = new Map(reports.map((r) => [r.workflowId, r]));
    const out: HistorySlot[] = [];
    for (const slot of slots) {
      const workflowId = slotWorkflowId(orgId, scheduleId, slot.at);
      const base = { at: slot.at.toISOString(), local: localIso(slot.at, input.timeZone), offsetMinutes: offsetMinutes(slot.at, input.timeZone), dst: slot.kind === 'regular' ? null : slot.kind, workflowId };
      if (!slot.runs) { out.push({ ...base, status: 'skipped', reason: slot.kind === 'gap' ? 'dst-gap' : 'dst-overlap' }); continue; }
      const report = byWorkflow.get(workflowId);
      if (report) { out.push({ ...base, status: 'ran', result: report.status, durationMs: report.durationMs, ...(report.error ? { error: report.error } : {}) }); continue; }
      if (slot.at.getTime() > now.getTime()) { out.push({ ...base, status: 'upcoming' }); continue; }
      // Paused before asking Temporal: a long pause would otherwise cost one describe per slot.
      const paused = doc.pauses.some((p) => p.from.getTime() <= slot.at.getTime() && (!p.to || slot.at.getTime() < p.to.getTime()));
      if (paused) { out.push({ ...base, status: 'skipped', reason: 'paused' }); continue; }
      // No report yet: the slot's workflow may be running, or have failed before reporting.
      const running = await workflowStatus(workflowId);
      if (running) { out.push({ ...base, status: 'ran', result: running }); continue; }
      out.push({ ...base, status: now.getTime() - slot.at.getTime() <= ORG_SCHEDULE_CATCHUP_WINDOW_MS ? 'pending' : 'missed' });
    }
    // Stats: the runs of the window's slots (whenever they ran, backfills included) and the manual runs started in it.
    const slotIds = new Set(out.map((x) => x.workflowId));
    const manual = reports.filter((r) => (r.stats as { trigger?: string }).trigger === 'manual'
      && r.startedAt.getTime() >= window.from.getTime() && r.startedAt.getTime() <= window.to.getTime());
    const inWindow = [...reports.filter((r) => slotIds.has(r.workflowId)), ...manual];
    const manualRuns = manual.map((r) => ({ workflowId: r.workflowId, result: r.status, startedAt: r.startedAt.toISOString(), durationMs: r.durationMs }));
    const counts = { ran: 0, skipped: 0, missed: 0, pending: 0, upcoming: 0 };
    for (const s of out) counts[s.status] += 1;
    const durations = inWindow.map((r) => r.durationMs);
    const stats = {
      runs: inWindow.length,
      succeeded: inWindow.filter((r) => r.status === 'completed').length,
      failed: inWindow.filter((r) => r.status === 'failed').length,
      averageDurationMs: durations.length ? Math.round(durations.reduce((a, b) => a + b, 0) / durations.length) : null,
    };
    return { orgId, scheduleId, timeZone: input.timeZone, dstPolicy: input.dstPolicy, from: window.from.toISOString(), to: window.to.toISOString(), counts, stats, slots: out, manualRuns };
  }

  /** The status of a slot's workflow when it exists without a report yet (running, or failed before reporting). */
  async function workflowStatus(workflowId: string): Promise<string | undefined> {
    try {
      const description = await temporal.workflow.getHandle(workflowId).describe();
      return description.status.name.toLowerCase();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }
}

export type OrgScheduleService = ReturnType<typeof createOrgScheduleService>;

export interface HistorySlot {
  at: string;
  local: string;
  offsetMinutes: number;
  dst: 'gap' | 'overlap-first' | 'overlap-second' | null;
  workflowId: string;
  status: 'ran' | 'skipped' | 'missed' | 'pending' | 'upcoming';
  reason?: 'dst-gap' | 'dst-overlap' | 'paused';
  result?: string;
  durationMs?: number;
  error?: string;
}

export interface OrgScheduleHistory {
  orgId: string;
  scheduleId: string;
  timeZone: string;
  dstPolicy: DstPolicy;
  from: string;
  to: string;
  counts: Record<HistorySlot['status'], number>;
  stats: { runs: number; succeeded: number; failed: number; averageDurationMs: number | null };
  slots: HistorySlot[];
  manualRuns: { workflowId: string; result: string; startedAt: string; durationMs: number }[];
}

