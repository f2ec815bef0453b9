// One-off tasks: names, statuses and the action payload shared by the service, the workflow
// and the activities (pure, no I/O).
import type { DstGapPolicy, DstOverlapPolicy, WallClockResolution } from './wall-clock';

export const TASK_JOB = 'task';
export const TASK_WORKFLOW_TYPE = 'oneOffTaskWorkflow';
export const TASK_STATUSES = ['scheduled', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface HttpAction { kind: 'http'; method: HttpMethod; url: string; headers: Record<string, string>; body?: string }
export interface SendMailAction { kind: 'send-mail'; to: string; subject: string; text: string }
export type TaskAction = HttpAction | SendMailAction;

/** When a task runs: what the user said, and the instant it was resolved to. */
export interface TaskWhen {
  local: string;
  zone: string;
  dstGap: DstGapPolicy;
  dstOverlap: DstOverlapPolicy;
  resolution: WallClockResolution;
  offsetMinutes: number;
  note?: string;
}

/** Retry and timeout of the action, per task (Temporal retry policy + start-to-close). */
export interface TaskRunPolicy { timeoutSeconds: number; maxAttempts: number; initialRetrySeconds: number; maxRetrySeconds: number }

export const DEFAULT_RUN_POLICY: TaskRunPolicy = { timeoutSeconds: 30, maxAttempts: 5, initialRetrySeconds: 2, maxRetrySeconds: 60 };

export function taskWorkflowId(taskId: string): string {
  return `task-${taskId}`;
}

/**
 * The delay before retry number `attempt + 1`: exponential (initial × 2^(attempt-1), capped) with
 * "equal jitter" — a random point in the upper half of that interval, so many tasks failing
 * together against one endpoint do not come back in lockstep. `random` is in [0, 1).
 */
export function jitteredRetryDelayMs(attempt: number, policy: Pick<TaskRunPolicy, 'initialRetrySeconds' | 'maxRetrySeconds'>, random: number): number {
  const exponential = Math.min(policy.maxRetrySeconds * 1000, policy.initialRetrySeconds * 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random);
}

/** 5xx, 408 and 429 may pass; other 4xx will not get better by asking again. */
export function isRetryableHttpStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}
