// Activities of one-off tasks (src/workflows/tasks.ts). The task document in MongoDB is the
// arbiter between the timer firing and an operator's cancel / reschedule: each side moves the
// status only from `scheduled` (and the claim only at the revision its timer was set for), so
// exactly one of them wins.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { mongo } from 'mongoose';
import { claimsCollection, getModels, type TaskDoc, type TaskModel } from '../db/models';
import { classifySmtpError } from '../mail/smtp-errors';
import { isRetryableHttpStatus, jitteredRetryDelayMs, type HttpAction, type SendMailAction, type TaskRunPolicy, type TaskStatus } from '../domain/tasks';
import type { ActivityDeps } from './deps';
import { withRequestDeadline, type RequestDeadline } from './request-deadline';

export interface ClaimTaskInput { taskId: string; revision: number }
export type ClaimTaskResult =
  | { outcome: 'claimed'; startedAt: number }
  | { outcome: 'rescheduled'; runAt: number; revision: number }
  | { outcome: 'cancelled' }
  | { outcome: 'gone'; status?: TaskStatus };

export interface TaskActionResult { kind: 'http' | 'send-mail'; summary: string; details: Record<string, unknown> }
export interface FinishTaskInput { taskId: string; status: 'succeeded' | 'failed'; result?: TaskActionResult; error?: string }

export function tasksCollection(model: TaskModel): mongo.Collection<TaskDoc> {
  return model.collection as unknown as mongo.Collection<TaskDoc>;
}

/** Longest response body kept in the task's result. */
const KEEP_BODY_CHARS = 2000;

function retryable(message: string, type: string, attempt: number, policy: TaskRunPolicy): ApplicationFailure {
  // Temporal's retry policy computes deterministic intervals (initial × coefficient^n): the
  // jitter comes from here, as the failure's nextRetryDelay; the policy still counts attempts.
  return ApplicationFailure.create({ message, type, nextRetryDelay: jitteredRetryDelayMs(attempt, policy, Math.random()) });
}

export function createTaskActivities({ db, mailer, logger }: ActivityDeps) {
  const { Task, DeliveryClaim } = getModels(db);
  const tasks = () => tasksCollection(Task);

  async function runHttp(doc: TaskDoc, action: HttpAction, attempt: number): Promise<TaskActionResult> {
    return withRequestDeadline(doc.policy.timeoutSeconds * 1000, Context.current().cancellationSignal, (deadline) => callHttp(doc, action, attempt, deadline));
  }

  async function callHttp(doc: TaskDoc, action: HttpAction, attempt: number, deadline: RequestDeadline): Promise<TaskActionResult> {
    const timedOutMessage = `${action.method} ${action.url} timed out after ${doc.policy.timeoutSeconds}s`;
    let response: Response;
    try {
      response = await fetch(action.url, {
        method: action.method,
        // The receiver can drop a repeated call: every attempt of one task carries the same key.
        headers: { 'user-agent': 'metronome-task', 'idempotency-key': doc.workflowId, ...action.headers },
        ...(action.body !== undefined && action.method !== 'GET' && action.method !== 'HEAD' ? { body: action.body } : {}),
        signal: deadline.signal,
        redirect: 'follow',
      });
    } catch (error) {
      if (deadline.timedOut()) throw retryable(timedOutMessage, 'HttpTimeout', attempt, doc.policy);
      const message = `${action.method} ${action.url} failed: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`;
      throw retryable(message, 'HttpConnectionError', attempt, doc.policy);
    }
    const text = (await response.text().catch(() => '')).slice(0, KEEP_BODY_CHARS);
    // The deadline covers the body too: a response cut off by it is a timeout, not a success.
    if (deadline.timedOut()) throw retryable(timedOutMessage, 'HttpTimeout', attempt, doc.policy);
    if (response.ok) {
      return { kind: 'http', summary: `${action.method} ${action.url} → ${response.status}`, details: { status: response.status, body: text } };
    }
    const message = `${action.method} ${action.url} answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
    if (!isRetryableHttpStatus(response.status)) throw ApplicationFailure.create({ message, type: 'HttpClientError', nonRetryable: true });
    throw retryable(message, 'HttpServerError', attempt, doc.policy);
  }

  async function runMail(doc: TaskDoc, action: SendMailAction, attempt: number): Promise<TaskActionResult> {
    // At most once: the claim is inserted before the mail goes out (unique _id), as for invitations.
    const claimId = `task:${doc._id}:mail`;
    try {
      await claimsCollection(DeliveryClaim).insertOne({ _id: claimId, claim: `${doc.workflowId}#${attempt}`, claimedAt: new Date() });
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      // An earlier attempt claimed it and died in the SMTP exchange: never send twice.
      return { kind: 'send-mail', summary: `mail to ${action.to} was claimed by an earlier attempt; not sent again`, details: { to: action.to, deliveryUnconfirmed: true } };
    }
    try {
      const sent = await mailer.send({ to: action.to, subject: action.subject, text: action.text, headers: { 'X-Metronome-Kind': 'task', 'X-Metronome-Task': doc._id } });
      return { kind: 'send-mail', summary: `mail sent to ${action.to}`, details: { to: action.to, messageId: sent.messageId, response: sent.response } };
    } catch (error) {
      const failure = classifySmtpError(error);
      if (failure.permanent) throw ApplicationFailure.create({ message: `mail to ${action.to} refused: ${failure.reason}`, type: 'SmtpPermanent', nonRetryable: true });
      await claimsCollection(DeliveryClaim).deleteOne({ _id: claimId });
      throw retryable(`mail to ${action.to} failed: ${failure.reason}`, 'SmtpTransient', attempt, doc.policy);
    }
  }

  return {
    /** scheduled → running, only at the revision the workflow's timer was set for. Idempotent. */
    async claimTask({ taskId, revision }: ClaimTaskInput): Promise<ClaimTaskResult> {
      const now = new Date();
      const update = await tasks().updateOne({ _id: taskId, status: 'scheduled', revision }, { $set: { status: 'running', startedAt: now, updatedAt: now } });
      const doc = await tasks().findOne({ _id: taskId });
      if (!doc) return { outcome: 'gone' };
      if (update.modifiedCount === 1 || (doc.status === 'running' && doc.revision === revision)) {
        return { outcome: 'claimed', startedAt: (doc.startedAt ?? now).getTime() };
      }
      if (doc.status === 'cancelled') return { outcome: 'cancelled' };
      if (doc.status === 'scheduled') return { outcome: 'rescheduled', runAt: doc.runAt.getTime(), revision: doc.revision };
      return { outcome: 'gone', status: doc.status };
    },

    /** Runs the task's action once; throws (retryable or not) when it did not succeed. */
    async runTaskAction({ taskId }: { taskId: string }): Promise<TaskActionResult> {
      const { attempt } = Context.current().info;
      const doc = await tasks().findOneAndUpdate({ _id: taskId }, { $max: { attempts: attempt }, $set: { updatedAt: new Date() } }, { returnDocument: 'after' });
      if (!doc) throw ApplicationFailure.create({ message: `task ${taskId} is not in the database`, type: 'TaskNotFound', nonRetryable: true });
      // Only a claimed task runs (the claim is the one way to `running`).
      if (doc.status !== 'running') throw ApplicationFailure.create({ message: `task ${taskId} is ${doc.status}, not running`, type: 'TaskNotFound', nonRetryable: true });
      logger.info({ event: 'task-attempt', taskId, attempt, kind: doc.action.kind }, `task ${taskId}: attempt ${attempt}`);
      return doc.action.kind === 'http' ? runHttp(doc, doc.action, attempt) : runMail(doc, doc.action, attempt);
    },

    /** running → succeeded | failed, with the result or the last error. */
    async finishTask({ taskId, status, result, error }: FinishTaskInput): Promise<void> {
      const now = new Date();
      await tasks().updateOne(
        { _id: taskId, status: 'running' },
        { $set: { status, finishedAt: now, updatedAt: now, ...(result ? { result: { ...result } } : {}), ...(error ? { error } : {}) } },
      );
      logger.info({ event: status === 'succeeded' ? 'task-succeeded' : 'task-failed', taskId, error }, `task ${taskId} ${status}`);
    },

    /** scheduled → cancelled (a cancel that reached the workflow without the service: a signal or a Temporal cancel). */
    async markTaskCancelled({ taskId, reason }: { taskId: string; reason: string }): Promise<void> {
      const now = new Date();
      await tasks().updateOne({ _id: taskId, status: 'scheduled' }, { $set: { status: 'cancelled', cancelledAt: now, cancelReason: reason, updatedAt: now } });
    },
  };
}
