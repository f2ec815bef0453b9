// One-off tasks (seed 003): schedule, list, get, cancel, reschedule. The CLI calls these today and
// the HTTP API can call the very same code: one place validates a request (naming the bad field)
// and decides which transitions are allowed. The task document is created first, then its
// workflow `task-<id>`; cancel and reschedule move the document only while it is `scheduled`
// (a conditional update the workflow's claim also goes through) and then signal the workflow.
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../config';
import { tasksCollection } from '../activities/tasks';
import { getModels, type TaskDoc } from '../db/models';
import { taskQueueName } from '../domain/queues';
import { JOB_KEY, OWNER_KEY } from '../domain/search-attributes';
import {
  DEFAULT_RUN_POLICY, HTTP_METHODS, TASK_JOB, TASK_STATUSES, TASK_WORKFLOW_TYPE, taskWorkflowId,
  type HttpMethod, type TaskAction, type TaskRunPolicy, type TaskStatus, type TaskWhen,
} from '../domain/tasks';
import {
  DST_GAP_POLICIES, DST_OVERLAP_POLICIES, resolveWallClock, WallClockError,
  type DstGapPolicy, type DstOverlapPolicy, type ResolvedWallClock,
} from '../domain/wall-clock';
import { cancelTaskSignal, rescheduleTaskSignal } from '../workflows/task-messages';
import type { oneOffTaskWorkflow } from '../workflows/tasks';

export type TaskProblem = 'invalid-input' | 'not-found' | 'already-fired' | 'already-cancelled' | 'conflict';

/** A request the service refuses; `field` names the bad input (the CLI maps it to its flag). */
export class TaskServiceError extends Error {
  constructor(readonly problem: TaskProblem, message: string, readonly field?: string) {
    super(message);
    this.name = 'TaskServiceError';
  }
}

export interface TaskServiceDeps { db: Connection; temporal: Client; config: AppConfig }

export interface ScheduleTaskRequest {
  ownerId: string;
  name?: string;
  /** Local wall-clock time, YYYY-MM-DDTHH:mm[:ss], in `zone`. */
  at: string;
  zone: string;
  dstGap?: string;
  dstOverlap?: string;
  http?: { url: string; method?: string; headers?: Record<string, string>; body?: string };
  mail?: { to: string; subject: string; text: string };
  timeoutSeconds?: number;
  maxAttempts?: number;
}

export interface RescheduleTaskRequest { at: string; zone?: string; dstGap?: string; dstOverlap?: string }
export interface ListTasksFilter { ownerId?: string; status?: string; from?: Date; to?: Date; limit?: number }

export interface TaskView {
  id: string;
  ownerId: string;
  name: string;
  status: TaskStatus;
  local: string;
  zone: string;
  runAt: string;
  resolution: string;
  note?: string;
  action: TaskAction;
  policy: TaskRunPolicy;
  attempts: number;
  revision: number;
  workflowId: string;
  result?: Record<string, unknown>;
  error?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  cancelledAt?: string;
}

const EMAIL_RE = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const invalid = (field: string, message: string) => new TaskServiceError('invalid-input', message, field);

export function toView(doc: TaskDoc): TaskView {
  return {
    id: doc._id, ownerId: doc.ownerId, name: doc.name, status: doc.status,
    local: doc.when.local, zone: doc.when.zone, runAt: doc.runAt.toISOString(), resolution: doc.when.resolution,
    ...(doc.when.note ? { note: doc.when.note } : {}),
    action: doc.action, policy: doc.policy, attempts: doc.attempts, revision: doc.revision, workflowId: doc.workflowId,
    ...(doc.result ? { result: doc.result } : {}),
    ...(doc.error ? { error: doc.error } : {}),
    createdAt: doc.createdAt.toISOString(),
    ...(doc.startedAt ? { startedAt: doc.startedAt.toISOString() } : {}),
    ...(doc.finishedAt ? { finishedAt: doc.finishedAt.toISOString() } : {}),
    ...(doc.cancelledAt ? { cancelledAt: doc.cancelledAt.toISOString() } : {}),
  };
}

function oneOf<T extends string>(field: string, allowed: readonly T[], value: string | undefined, fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw invalid(field, `expected one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

function nonEmpty(field: string, value: string | undefined, max = 1000): string {
  const v = value?.trim() ?? '';
  if (v === '') throw invalid(field, 'must not be empty');
  if (v.length > max) throw invalid(field, `must be at most ${max} characters`);
  return v;
}

function wholeNumber(field: string, value: number | undefined, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) throw invalid(field, `expected a whole number from ${min} to ${max}, got ${String(value)}`);
  return value;
}

/** Resolves `at` in `zone` under the DST policies, and refuses an instant not in the future. */
export function resolveWhen(req: { at: string; zone: string; dstGap?: string; dstOverlap?: string }, now: Date): { when: TaskWhen; runAt: Date } {
  const dstGap = oneOf<DstGapPolicy>('dstGap', DST_GAP_POLICIES, req.dstGap, 'shift');
  const dstOverlap = oneOf<DstOverlapPolicy>('dstOverlap', DST_OVERLAP_POLICIES, req.dstOverlap, 'earlier');
  let resolved: ResolvedWallClock;
  try {
    resolved = resolveWallClock(req.at, req.zone, { gap: dstGap, overlap: dstOverlap });
  } catch (error) {
    if (!(error instanceof WallClockError)) throw error;
    throw invalid(error.problem === 'bad-zone' ? 'zone' : 'at', error.message);
  }
  if (resolved.instant.getTime() <= now.getTime()) {
    throw invalid('at', `${resolved.local} in ${resolved.zone} is ${resolved.instant.toISOString()}, which is in the past (now ${now.toISOString()})`);
  }
  return {
    runAt: resolved.instant,
    when: {
      local: resolved.local, zone: resolved.zone, dstGap, dstOverlap, resolution: resolved.resolution, offsetMinutes: resolved.offsetMinutes,
      ...(resolved.note ? { note: resolved.note } : {}),
    },
  };
}

/** Validates the action: exactly one of http and mail. */
export function parseAction(req: Pick<ScheduleTaskRequest, 'http' | 'mail'>): TaskAction {
  if (req.http && req.mail) throw invalid('action', 'give either an HTTP call or a mail to send, not both');
  if (req.http) {
    let url: URL;
    try {
      url = new URL(req.http.url);
    } catch {
      throw invalid('http.url', `expected an http:// or https:// URL, got "${req.http.url}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('http.url', `expected an http:// or https:// URL, got "${req.http.url}"`);
    const method = oneOf<HttpMethod>('http.method', HTTP_METHODS, req.http.method?.toUpperCase(), req.http.body === undefined ? 'GET' : 'POST');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.http.headers ?? {})) {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw invalid('http.headers', `"${name}" is not a valid header name`);
      if (/[\r\n]/.test(value)) throw invalid('http.headers', `the value of header "${name}" must be on one line`);
      headers[name.toLowerCase()] = value;
    }
    if (req.http.body !== undefined && (method === 'GET' || method === 'HEAD')) throw invalid('http.body', `a ${method} request cannot have a body`);
    if (req.http.body !== undefined && req.http.body.length > 1_000_000) throw invalid('http.body', 'must be at most 1,000,000 characters');
    return { kind: 'http', method, url: url.toString(), headers, ...(req.http.body !== undefined ? { body: req.http.body } : {}) };
  }
  if (req.mail) {
    const to = req.mail.to?.trim() ?? '';
    if (!EMAIL_RE.test(to)) throw invalid('mail.to', `expected an e-mail address, got "${req.mail.to}"`);
    return { kind: 'send-mail', to, subject: nonEmpty('mail.subject', req.mail.subject, 500), text: nonEmpty('mail.text', req.mail.text, 100_000) };
  }
  throw invalid('action', 'give what to run: an HTTP call (url) or a mail to send (to, subject, text)');
}

function describeAction(action: TaskAction): string {
  return action.kind === 'http' ? `${action.method} ${action.url}` : `mail to ${action.to}`;
}

async function signal(temporal: Client, workflowId: string, send: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<void>): Promise<boolean> {
  try {
    await send(temporal.workflow.getHandle(workflowId));
    return true;
  } catch (error) {
    // The database decides; a workflow already gone finds the new state when (if) it claims.
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

export interface ValidScheduleRequest { ownerId: string; name: string; action: TaskAction; when: TaskWhen; runAt: Date; policy: TaskRunPolicy }

/** Every check of a schedule request that needs no I/O; throws TaskServiceError naming the field. */
export function validateScheduleRequest(req: ScheduleTaskRequest, now: Date): ValidScheduleRequest {
  const ownerId = nonEmpty('ownerId', req.ownerId, 200);
  const action = parseAction(req);
  const { when, runAt } = resolveWhen(req, now);
  const policy: TaskRunPolicy = {
    ...DEFAULT_RUN_POLICY,
    timeoutSeconds: wholeNumber('timeoutSeconds', req.timeoutSeconds, 1, 3600, DEFAULT_RUN_POLICY.timeoutSeconds),
    maxAttempts: wholeNumber('maxAttempts', req.maxAttempts, 1, 100, DEFAULT_RUN_POLICY.maxAttempts),
  };
  const name = req.name === undefined ? describeAction(action).slice(0, 200) : nonEmpty('name', req.name, 200);
  return { ownerId, name, action, when, runAt, policy };
}

export async function scheduleTask({ db, temporal, config }: TaskServiceDeps, req: ScheduleTaskRequest, now = new Date()): Promise<TaskView> {
  const { ownerId, name, action, when, runAt, policy } = validateScheduleRequest(req, now);
  const id = randomBytes(8).toString('hex');
  const doc: TaskDoc = {
    _id: id, ownerId, name, when, runAt, revision: 0, action, policy, status: 'scheduled', attempts: 0,
    workflowId: taskWorkflowId(id), createdAt: now, updatedAt: now,
  };
  const { Task } = getModels(db);
  await tasksCollection(Task).insertOne(doc);
  try {
    await temporal.workflow.start<typeof oneOffTaskWorkflow>(TASK_WORKFLOW_TYPE, {
      workflowId: doc.workflowId,
      taskQueue: taskQueueName(config.temporal.taskQueue, 'tasks'),
      args: [{ taskId: id, runAt: runAt.getTime(), revision: 0, policy }],
      typedSearchAttributes: [{ key: JOB_KEY, value: TASK_JOB }, { key: OWNER_KEY, value: ownerId }],
    });
  } catch (error) {
    const message = `could not start its workflow: ${error instanceof Error ? error.message : String(error)}`;
    await tasksCollection(Task).updateOne({ _id: id }, { $set: { status: 'failed', error: message, updatedAt: new Date() } });
    throw error;
  }
  return toView(doc);
}

export async function getTask({ db }: Pick<TaskServiceDeps, 'db'>, id: string): Promise<TaskView> {
  const doc = await tasksCollection(getModels(db).Task).findOne({ _id: id });
  if (!doc) throw new TaskServiceError('not-found', `no task has the id "${id}"`, 'id');
  return toView(doc);
}

export async function listTasks({ db }: Pick<TaskServiceDeps, 'db'>, filter: ListTasksFilter = {}): Promise<TaskView[]> {
  const query: Record<string, unknown> = {};
  if (filter.ownerId !== undefined) query.ownerId = filter.ownerId;
  if (filter.status !== undefined) query.status = oneOf<TaskStatus>('status', TASK_STATUSES, filter.status, 'scheduled');
  if (filter.from && filter.to && filter.from.getTime() > filter.to.getTime()) throw invalid('from', `from (${filter.from.toISOString()}) is after to (${filter.to.toISOString()})`);
  if (filter.from || filter.to) query.runAt = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lt: filter.to } : {}) };
  const limit = wholeNumber('limit', filter.limit, 1, 10_000, 100);
  const docs = await tasksCollection(getModels(db).Task).find(query).sort({ runAt: 1, _id: 1 }).limit(limit).toArray();
  return docs.map(toView);
}

function notPending(doc: TaskDoc, what: string): TaskServiceError {
  if (doc.status === 'cancelled') return new TaskServiceError('already-cancelled', `task ${doc._id} was already cancelled${doc.cancelledAt ? ` (${doc.cancelledAt.toISOString()})` : ''}; it cannot be ${what}`);
  return new TaskServiceError('already-fired', `task ${doc._id} already fired at ${(doc.startedAt ?? doc.runAt).toISOString()} (status ${doc.status}); it can no longer be ${what}`);
}

export async function cancelTask({ db, temporal }: Pick<TaskServiceDeps, 'db' | 'temporal'>, id: string, reason = 'cancelled by an operator'): Promise<TaskView & { signalled: boolean }> {
  const tasks = tasksCollection(getModels(db).Task);
  const now = new Date();
  const update = await tasks.updateOne({ _id: id, status: 'scheduled' }, { $set: { status: 'cancelled', cancelledAt: now, cancelReason: reason, updatedAt: now } });
  const doc = await tasks.findOne({ _id: id });
  if (!doc) throw new TaskServiceError('not-found', `no task has the id "${id}"`, 'id');
  if (update.modifiedCount !== 1) throw notPending(doc, 'cancelled');
  const signalled = await signal(temporal, doc.workflowId, (h) => h.signal(cancelTaskSignal, { reason }));
  return { ...toView(doc), signalled };
}

export async function rescheduleTask({ db, temporal }: Pick<TaskServiceDeps, 'db' | 'temporal'>, id: string, req: RescheduleTaskRequest, now = new Date()): Promise<TaskView & { signalled: boolean }> {
  const tasks = tasksCollection(getModels(db).Task);
  const doc = await tasks.findOne({ _id: id });
  if (!doc) throw new TaskServiceError('not-found', `no task has the id "${id}"`, 'id');
  if (doc.status !== 'scheduled') throw notPending(doc, 'rescheduled');
  const { when, runAt } = resolveWhen({
    at: req.at, zone: req.zone ?? doc.when.zone, dstGap: req.dstGap ?? doc.when.dstGap, dstOverlap: req.dstOverlap ?? doc.when.dstOverlap,
  }, now);
  const revision = doc.revision + 1;
  const update = await tasks.updateOne({ _id: id, status: 'scheduled', revision: doc.revision }, { $set: { when, runAt, revision, updatedAt: new Date() } });
  if (update.modifiedCount !== 1) {
    const current = await tasks.findOne({ _id: id });
    if (current && current.status !== 'scheduled') throw notPending(current, 'rescheduled');
    throw new TaskServiceError('conflict', `task ${id} changed while it was being rescheduled; try again`);
  }
  const signalled = await signal(temporal, doc.workflowId, (h) => h.signal(rescheduleTaskSignal, { runAt: runAt.getTime(), revision }));
  return { ...toView({ ...doc, when, runAt, revision }), signalled };
}
