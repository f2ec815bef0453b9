// The job registry (seed 002), shared by the HTTP API and the `metronome jobs` CLI: services
// register jobs that Metronome runs on a cron by POSTing a JobContext to their endpoint.
//
// What a job is (endpoint, config, owner, timeouts) lives in the Mongo `jobs` collection;
// when and whether it runs (cron, time zone, paused, next runs) lives only in its Temporal
// Schedule (DESIGN principle 2) and is read from there. Every function is scoped to one
// organisation: a job of another organisation is "not found", whatever its name.
import {
  ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, WorkflowExecutionAlreadyStartedError,
  type Client, type ScheduleDescription, type ScheduleOptions, type ScheduleSpecDescription, type ScheduleSummary,
} from '@temporalio/client';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import { resolveJobUrl } from '../activities/http-jobs';
import { isValidTimeZone, type AppConfig } from '../config';
import { getModels, type HttpJobDoc, type RunReportDoc } from '../db/models';
import { validateCron } from '../domain/cron';
import {
  httpJobKey, httpJobManualWorkflowId, httpJobReportName, httpJobScheduleId, JOB_MAX_RETRIES, JOB_NAME_PATTERN, JOB_TIMEOUT_MS,
  ORG_ID_PATTERN, type HttpJobRunInput, type TriggeredBy,
} from '../domain/http-jobs';
import { taskQueueName } from '../domain/queues';
import { JOB_KEY } from '../domain/search-attributes';
import { localIso, summarizeSpec } from '../client/schedules';
import { describeCron } from './org-schedules';

export interface RegistryDeps { db: Connection; temporal: Client; config: AppConfig }

export interface FieldProblem { field: string; message: string }

/** A refusal the API maps to 400 / 404 / 409 and the CLI to a one-line error. */
export class RegistryError extends Error {
  constructor(readonly kind: 'invalid' | 'not-found' | 'conflict', message: string, readonly fields: FieldProblem[] = []) {
    super(message);
    this.name = 'RegistryError';
  }
}

// ---------------------------------------------------------------------------------------------
// Input schemas (the API validates requests with them, the CLI its flags)
// ---------------------------------------------------------------------------------------------

export const orgIdSchema = z.string().regex(ORG_ID_PATTERN, { error: 'an organisation id: 1-64 letters, digits, _ or -' });
export const jobNameSchema = z.string().regex(JOB_NAME_PATTERN, { error: 'a job name: 1-100 lower-case letters, digits, ., _ or -, starting with a letter or digit' });
export const cronSchema = z.string().superRefine((value, ctx) => {
  const check = validateCron(value);
  if (!check.ok) ctx.addIssue({ code: 'custom', message: `not a valid cron expression: ${check.problem}` });
}).transform((value) => value.trim().split(/\s+/).join(' '));
export const timeZoneSchema = z.string().refine(isValidTimeZone, { error: 'an IANA time zone such as Europe/Paris or UTC' });

export const registerJobSchema = z.object({
  name: jobNameSchema,
  displayName: z.string().min(1).max(200).optional(),
  description: z.string().max(2000).optional(),
  cronExpression: cronSchema,
  timezone: timeZoneSchema.default('UTC'),
  /** Omitted: a new job is enabled, an existing one keeps its state (a service re-registering at start-up does not undo an operator's disable). */
  enabled: z.boolean().optional(),
  jobType: z.string().min(1).max(100).optional(),
  service: z.string().min(1).max(100).optional(),
  endpoint: z.string().min(1).max(2000),
  config: z.record(z.string(), z.unknown()).default({}),
  timeoutMs: z.number().int().min(JOB_TIMEOUT_MS.min).max(JOB_TIMEOUT_MS.max).default(JOB_TIMEOUT_MS.fallback),
  maxRetries: z.number().int().min(JOB_MAX_RETRIES.min).max(JOB_MAX_RETRIES.max).default(JOB_MAX_RETRIES.fallback),
  /** Admin tokens only: the organisation the job belongs to. */
  orgId: orgIdSchema.optional(),
}).strict();
export type RegisterJobInput = z.input<typeof registerJobSchema>;
export type RegisterJob = z.output<typeof registerJobSchema>;

export const updateCronSchema = z.object({ cronExpression: cronSchema, timezone: timeZoneSchema.optional() }).strict();
export type UpdateCron = z.output<typeof updateCronSchema>;

export const HISTORY_STATUSES = ['completed', 'failed'] as const;
export const historyQuerySchema = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  status: z.enum(HISTORY_STATUSES).optional(),
});
export type HistoryQuery = z.output<typeof historyQuerySchema>;

/** Turns zod issues into `{field, message}`, naming nested fields with dots (`config.batchSize`). */
export function fieldProblems(error: z.ZodError, prefix = ''): FieldProblem[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `unknown field(s): ${issue.keys.join(', ')}`;
    return { field: `${prefix}${path}` || prefix.replace(/\.$/, '') || '(input)', message };
  });
}

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

/** The registration as stored, plus what the Schedule and the run history say about it. */
export interface JobView extends Omit<HttpJobDoc, '_id' | 'createdAt' | 'updatedAt'> {
  /** From the Schedule; `missing` when the Schedule could not be found (re-register to repair). */
  schedule: 'ok' | 'missing';
  cronExpression?: string;
  timezone?: string;
  enabled: boolean;
  nextRunAt?: string;
  nextRunAtLocal?: string;
  lastScheduledRunAt?: string;
  /** The cron in words (English, 24-hour), when the Schedule has a cron. */
  cronDescription?: string;
  /** The newest run in the `runs` collection (any trigger); absent before the first run. */
  lastRun?: LastRun;
  createdAt: string;
  updatedAt: string;
}

export interface LastRun {
  status: RunReportDoc['status'];
  triggeredBy?: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  itemsProcessed: number;
  itemsSucceeded: number;
  itemsFailed: number;
  error?: string;
}

/** What a view needs of a Schedule: from its description (exact) or its list entry (visibility, may lag). */
interface ScheduleFacts { spec?: ScheduleSpecDescription; paused: boolean; nextActionTimes: Date[]; lastTakenAt?: Date }

function factsOf(description: ScheduleDescription | ScheduleSummary | undefined): ScheduleFacts | undefined {
  if (!description) return undefined;
  return {
    spec: description.spec,
    paused: description.state.paused,
    nextActionTimes: description.info.nextActionTimes,
    lastTakenAt: description.info.recentActions.at(-1)?.takenAt,
  };
}

function withCron(cronExpression: string, timezone: string): Pick<JobView, 'cronExpression' | 'timezone' | 'cronDescription'> {
  const words = cronInWords(cronExpression);
  return { cronExpression, timezone, ...(words !== undefined && { cronDescription: words }) };
}

/** The cron in words; undefined for a spec that is not one plain cron (summarizeSpec gave something else). */
function cronInWords(cron: string): string | undefined {
  try {
    return describeCron(cron);
  } catch {
    return undefined;
  }
}

function lastRunOf(doc: RunReportDoc): LastRun {
  return {
    status: doc.status,
    ...(doc.triggeredBy !== undefined && { triggeredBy: doc.triggeredBy }),
    startedAt: doc.startedAt.toISOString(),
    finishedAt: doc.finishedAt.toISOString(),
    durationMs: doc.durationMs,
    itemsProcessed: doc.itemsProcessed,
    itemsSucceeded: doc.itemsSucceeded,
    itemsFailed: doc.itemsFailed,
    ...(doc.error !== undefined && { error: doc.error }),
  };
}

function viewOf(doc: HttpJobDoc, description: ScheduleDescription | ScheduleSummary | undefined, last?: RunReportDoc | null): JobView {
  const facts = factsOf(description);
  const zone = facts?.spec?.timezone || 'UTC';
  // A paused Schedule still computes its next times, but a disabled job does not run then.
  const next = facts && !facts.paused ? facts.nextActionTimes[0] : undefined;
  return {
    orgId: doc.orgId,
    name: doc.name,
    ...(doc.displayName !== undefined && { displayName: doc.displayName }),
    ...(doc.description !== undefined && { description: doc.description }),
    ...(doc.jobType !== undefined && { jobType: doc.jobType }),
    ...(doc.service !== undefined && { service: doc.service }),
    endpoint: doc.endpoint,
    config: doc.config ?? {},
    timeoutMs: doc.timeoutMs,
    maxRetries: doc.maxRetries,
    scheduleId: doc.scheduleId,
    schedule: facts ? 'ok' : 'missing',
    ...(facts?.spec && withCron(summarizeSpec(facts.spec), zone)),
    enabled: facts ? !facts.paused : false,
    ...(next && { nextRunAt: next.toISOString(), nextRunAtLocal: localIso(next, zone) }),
    ...(facts?.lastTakenAt && { lastScheduledRunAt: facts.lastTakenAt.toISOString() }),
    ...(last && { lastRun: lastRunOf(last) }),
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

// ---------------------------------------------------------------------------------------------
// Temporal helpers
// ---------------------------------------------------------------------------------------------

async function describeOrUndefined(client: Client, scheduleId: string): Promise<ScheduleDescription | undefined> {
  try {
    return await client.schedule.getHandle(scheduleId).describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return undefined;
    throw error;
  }
}

function specOf(cron: string, timezone: string) {
  // The cron text is kept as the calendar's comment, so describe shows what was registered.
  return { cronExpressions: [`${cron} #${cron}`], timezone };
}

function actionOf(config: AppConfig, orgId: string, name: string) {
  const args: [HttpJobRunInput] = [{ orgId, name, triggeredBy: 'scheduler' }];
  return {
    type: 'startWorkflow' as const,
    workflowType: 'httpJobWorkflow',
    workflowId: httpJobScheduleId(orgId, name),
    taskQueue: taskQueueName(config.temporal.taskQueue, 'jobs'),
    args,
    typedSearchAttributes: [{ key: JOB_KEY, value: httpJobReportName(orgId, name) }],
  };
}

/** A run still going when the next is due is skipped; a Temporal outage up to 5 minutes is caught up. */
const POLICIES = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '5 minutes' } as const;

function scheduleOptionsOf(config: AppConfig, orgId: string, input: RegisterJob, paused: boolean): ScheduleOptions {
  return {
    scheduleId: httpJobScheduleId(orgId, input.name),
    spec: specOf(input.cronExpression, input.timezone),
    action: actionOf(config, orgId, input.name),
    policies: POLICIES,
    state: { paused, note: paused ? 'registered disabled' : 'registered' },
    memo: { description: input.description ?? input.displayName ?? `HTTP job ${input.name} of ${orgId}` },
    typedSearchAttributes: [{ key: JOB_KEY, value: httpJobReportName(orgId, input.name) }],
  };
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

async function findJob(deps: RegistryDeps, orgId: string, name: string): Promise<HttpJobDoc> {
  const { HttpJob } = getModels(deps.db);
  const doc = await HttpJob.findById(httpJobKey(orgId, name)).lean();
  if (!doc) throw new RegistryError('not-found', `job "${name}" not found`);
  return doc;
}

/** Validates raw input (API body or CLI flags) with the registration schema. */
export function parseRegistration(raw: unknown): RegisterJob {
  const parsed = registerJobSchema.safeParse(raw);
  if (!parsed.success) throw new RegistryError('invalid', 'invalid job registration', fieldProblems(parsed.error));
  return parsed.data;
}

/**
 * Registers a job, or updates it when the organisation already has one of that name (its
 * Schedule is updated in place, same id). Returns whether it was created.
 */
export async function registerJob(deps: RegistryDeps, orgId: string, input: RegisterJob): Promise<{ created: boolean; job: JobView }> {
  const resolved = resolveJobUrl(deps.config, input);
  if ('problem' in resolved) {
    const field = /^https?:\/\//i.test(input.endpoint) || input.service ? 'service' : 'endpoint';
    throw new RegistryError('invalid', 'invalid job registration', [{ field, message: resolved.problem }]);
  }
  const { HttpJob } = getModels(deps.db);
  const key = httpJobKey(orgId, input.name);
  const scheduleId = httpJobScheduleId(orgId, input.name);
  const existing = await HttpJob.findById(key).lean();
  const now = new Date();
  const doc: HttpJobDoc = {
    _id: key,
    orgId,
    name: input.name,
    ...(input.displayName !== undefined && { displayName: input.displayName }),
    ...(input.description !== undefined && { description: input.description }),
    ...(input.jobType !== undefined && { jobType: input.jobType }),
    ...(input.service !== undefined && { service: input.service }),
    endpoint: input.endpoint,
    config: input.config,
    timeoutMs: input.timeoutMs,
    maxRetries: input.maxRetries,
    scheduleId,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  // replaceOne: fields left out of a re-registration (say, a description) are dropped, not kept stale.
  await HttpJob.collection.replaceOne({ _id: key } as never, doc, { upsert: true });

  const handle = deps.temporal.schedule.getHandle(scheduleId);
  const current = await describeOrUndefined(deps.temporal, scheduleId);
  try {
    if (!current) {
      await deps.temporal.schedule.create(scheduleOptionsOf(deps.config, orgId, input, input.enabled === false));
    } else {
      const paused = input.enabled === undefined ? current.state.paused : !input.enabled;
      await handle.update((previous) => ({
        ...scheduleOptionsOf(deps.config, orgId, input, paused),
        state: { paused, note: paused === previous.state.paused ? previous.state.note : (paused ? 'disabled by re-registration' : 'enabled by re-registration') },
      }));
    }
  } catch (error) {
    // A new job whose Schedule could not be created is not left half-registered.
    if (!existing && !(error instanceof ScheduleAlreadyRunning)) await HttpJob.deleteOne({ _id: key });
    throw error;
  }
  return { created: !existing, job: viewOf(doc, await handle.describe()) };
}

/**
 * The Schedules of the listed jobs, by id, in one visibility query (`MetronomeJob` starts with
 * `http-job:<orgId>/`) instead of one describe per job. Visibility is eventually consistent: an
 * entry can lag a moment behind a change, and one just created may be missing (the caller then
 * describes it). An empty map if the visibility store cannot run the query.
 */
async function listedSchedules(client: Client, orgId: string | undefined): Promise<Map<string, ScheduleSummary>> {
  // Org ids are letters, digits, _ and -: nothing to escape in the query.
  const prefix = orgId === undefined ? 'http-job:' : httpJobReportName(orgId, '');
  const found = new Map<string, ScheduleSummary>();
  try {
    for await (const summary of client.schedule.list({ query: `MetronomeJob STARTS_WITH '${prefix}'` })) found.set(summary.scheduleId, summary);
  } catch {
    found.clear();
  }
  return found;
}

/**
 * The jobs of one organisation (or of all, for an admin), with their Schedule's state as
 * visibility has it (GET of one job reads the Schedule itself).
 */
export async function listJobs(deps: RegistryDeps, orgId: string | undefined): Promise<JobView[]> {
  const { HttpJob } = getModels(deps.db);
  const docs = await HttpJob.find(orgId === undefined ? {} : { orgId }).sort({ _id: 1 }).limit(1000).lean();
  const listed = docs.length ? await listedSchedules(deps.temporal, orgId) : new Map<string, ScheduleSummary>();
  const missing = docs.filter((d) => !listed.has(d.scheduleId));
  const described = new Map<string, ScheduleDescription | undefined>();
  // Those visibility does not know yet: a few describes at a time.
  for (let i = 0; i < missing.length; i += 8) {
    const batch = missing.slice(i, i + 8);
    const descriptions = await Promise.all(batch.map((d) => describeOrUndefined(deps.temporal, d.scheduleId)));
    batch.forEach((d, j) => described.set(d.scheduleId, descriptions[j]));
  }
  const last = await lastRuns(deps, docs);
  return docs.map((d) => viewOf(d, listed.get(d.scheduleId) ?? described.get(d.scheduleId), last.get(httpJobReportName(d.orgId, d.name))));
}

/** The newest run of each job, by report name, in one pass over the `runs` collection. */
async function lastRuns(deps: RegistryDeps, docs: HttpJobDoc[]): Promise<Map<string, RunReportDoc>> {
  const found = new Map<string, RunReportDoc>();
  if (!docs.length) return found;
  const { RunReport } = getModels(deps.db);
  const newest = await RunReport.aggregate<{ _id: string; last: RunReportDoc }>([
    { $match: { job: { $in: docs.map((d) => httpJobReportName(d.orgId, d.name)) } } },
    { $sort: { startedAt: -1, _id: -1 } },
    { $group: { _id: '$job', last: { $first: '$$ROOT' } } },
  ]);
  for (const entry of newest) found.set(entry._id, entry.last);
  return found;
}

export async function getJob(deps: RegistryDeps, orgId: string, name: string): Promise<JobView> {
  const doc = await findJob(deps, orgId, name);
  const { RunReport } = getModels(deps.db);
  const [description, last] = await Promise.all([
    describeOrUndefined(deps.temporal, doc.scheduleId),
    RunReport.findOne({ job: httpJobReportName(orgId, name) }).sort({ startedAt: -1, _id: -1 }).lean(),
  ]);
  return viewOf(doc, description, last);
}

export interface TriggerResult { orgId: string; name: string; workflowId: string; runId: string; executionId: string; triggeredBy: TriggeredBy }

/** Starts a run now (also when the job is disabled). A manual run still going makes a second one a conflict. */
export async function triggerJob(deps: RegistryDeps, orgId: string, name: string, by: { triggeredBy: TriggeredBy; triggeredByUser?: string }): Promise<TriggerResult> {
  await findJob(deps, orgId, name);
  const workflowId = httpJobManualWorkflowId(orgId, name);
  const input: HttpJobRunInput = { orgId, name, triggeredBy: by.triggeredBy, ...(by.triggeredByUser !== undefined && { triggeredByUser: by.triggeredByUser }) };
  try {
    const handle = await deps.temporal.workflow.start('httpJobWorkflow', {
      workflowId,
      taskQueue: taskQueueName(deps.config.temporal.taskQueue, 'jobs'),
      args: [input],
      typedSearchAttributes: [{ key: JOB_KEY, value: httpJobReportName(orgId, name) }],
    });
    const runId = handle.firstExecutionRunId;
    return { orgId, name, workflowId, runId, executionId: runId, triggeredBy: by.triggeredBy };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw new RegistryError('conflict', `job "${name}" already has a manual run in progress (workflow ${workflowId}); wait for it to finish`);
    }
    throw error;
  }
}

async function onExistingSchedule<T>(deps: RegistryDeps, doc: HttpJobDoc, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) {
      throw new RegistryError('conflict', `job "${doc.name}" has no Schedule (${doc.scheduleId}); register it again to repair it`);
    }
    throw error;
  }
}

/** Enabled = the Schedule takes its scheduled actions (unpaused); disabled = paused. */
export async function setJobEnabled(deps: RegistryDeps, orgId: string, name: string, enabled: boolean, note?: string): Promise<JobView> {
  const doc = await findJob(deps, orgId, name);
  const handle = deps.temporal.schedule.getHandle(doc.scheduleId);
  await onExistingSchedule(deps, doc, () => (enabled ? handle.unpause(note ?? 'enabled') : handle.pause(note ?? 'disabled')));
  return viewOf(doc, await handle.describe());
}

export async function updateJobCron(deps: RegistryDeps, orgId: string, name: string, change: UpdateCron): Promise<JobView> {
  const doc = await findJob(deps, orgId, name);
  const handle = deps.temporal.schedule.getHandle(doc.scheduleId);
  await onExistingSchedule(deps, doc, () => handle.update((previous) => ({
    spec: specOf(change.cronExpression, change.timezone ?? (previous.spec.timezone || 'UTC')),
    action: previous.action,
    policies: previous.policies,
    state: { paused: previous.state.paused, note: previous.state.note, remainingActions: previous.state.remainingActions },
    typedSearchAttributes: previous.typedSearchAttributes,
  })));
  const { HttpJob } = getModels(deps.db);
  await HttpJob.updateOne({ _id: doc._id }, { $set: { updatedAt: new Date() } });
  return viewOf(doc, await handle.describe());
}

/** Deletes the job and its Schedule; its run reports stay (history of what ran). */
export async function deleteJob(deps: RegistryDeps, orgId: string, name: string): Promise<{ orgId: string; name: string; deleted: true }> {
  const doc = await findJob(deps, orgId, name);
  try {
    await deps.temporal.schedule.getHandle(doc.scheduleId).delete();
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
  const { HttpJob } = getModels(deps.db);
  await HttpJob.deleteOne({ _id: doc._id });
  return { orgId, name, deleted: true };
}

// ---------------------------------------------------------------------------------------------
// History and statistics (from the `runs` collection)
// ---------------------------------------------------------------------------------------------

/** A run as the history lists it: what a job view says of its last run, plus ids and details. */
export interface RunView extends LastRun {
  executionId: string;
  workflowId: string;
  runId: string;
  triggeredByUser?: string;
  metadata?: Record<string, unknown>;
}

export interface HistoryPage { orgId: string; name: string; page: number; limit: number; total: number; pages: number; items: RunView[] }

function runViewOf(doc: RunReportDoc): RunView {
  const stats = doc.stats ?? {};
  return {
    executionId: typeof stats.executionId === 'string' ? stats.executionId : doc.runId,
    workflowId: doc.workflowId,
    runId: doc.runId,
    ...lastRunOf(doc),
    ...(typeof stats.triggeredByUser === 'string' && { triggeredByUser: stats.triggeredByUser }),
    ...(stats.metadata !== undefined && { metadata: stats.metadata as Record<string, unknown> }),
  };
}

/**
 * The job's runs, newest first, a page at a time. Runs of a deleted job stay readable only
 * while it is registered (the organisation check goes through the registry).
 */
export async function jobHistory(deps: RegistryDeps, orgId: string, name: string, query: HistoryQuery): Promise<HistoryPage> {
  await findJob(deps, orgId, name);
  const { RunReport } = getModels(deps.db);
  const filter = { job: httpJobReportName(orgId, name), ...(query.status && { status: query.status }) };
  const [total, docs] = await Promise.all([
    RunReport.countDocuments(filter),
    RunReport.find(filter).sort({ startedAt: -1, _id: -1 }).skip((query.page - 1) * query.limit).limit(query.limit).lean(),
  ]);
  return { orgId, name, page: query.page, limit: query.limit, total, pages: Math.ceil(total / query.limit), items: docs.map(runViewOf) };
}

export interface JobStats {
  orgId: string;
  name: string;
  totalRuns: number;
  successfulRuns: number;
  failedRuns: number;
  /** successful / total, 0-1; null before the first run. */
  successRate: number | null;
  avgDurationMs: number | null;
  maxDurationMs: number | null;
  itemsProcessed: number;
  itemsSucceeded: number;
  itemsFailed: number;
  lastRunAt?: string;
  lastStatus?: RunReportDoc['status'];
  lastError?: string;
}

export async function jobStats(deps: RegistryDeps, orgId: string, name: string): Promise<JobStats> {
  await findJob(deps, orgId, name);
  const { RunReport } = getModels(deps.db);
  const job = httpJobReportName(orgId, name);
  const [groups, last] = await Promise.all([
    RunReport.aggregate<{ _id: string; runs: number; duration: number; maxDuration: number; processed: number; succeeded: number; failed: number }>([
      { $match: { job } },
      {
        $group: {
          _id: '$status', runs: { $sum: 1 }, duration: { $sum: '$durationMs' }, maxDuration: { $max: '$durationMs' },
          processed: { $sum: '$itemsProcessed' }, succeeded: { $sum: '$itemsSucceeded' }, failed: { $sum: '$itemsFailed' },
        },
      },
    ]),
    RunReport.findOne({ job }).sort({ startedAt: -1, _id: -1 }).lean(),
  ]);
  const sum = (pick: (g: (typeof groups)[number]) => number) => groups.reduce((acc, g) => acc + pick(g), 0);
  const totalRuns = sum((g) => g.runs);
  const successfulRuns = groups.find((g) => g._id === 'completed')?.runs ?? 0;
  return {
    orgId,
    name,
    totalRuns,
    successfulRuns,
    failedRuns: groups.find((g) => g._id === 'failed')?.runs ?? 0,
    successRate: totalRuns ? successfulRuns / totalRuns : null,
    avgDurationMs: totalRuns ? Math.round(sum((g) => g.duration) / totalRuns) : null,
    maxDurationMs: totalRuns ? Math.max(...groups.map((g) => g.maxDuration)) : null,
    itemsProcessed: sum((g) => g.processed),
    itemsSucceeded: sum((g) => g.succeeded),
    itemsFailed: sum((g) => g.failed),
    ...(last && { lastRunAt: last.startedAt.toISOString(), lastStatus: last.status, ...(last.error !== undefined && { lastError: last.error }) }),
  };
}
