// Messages of oneOffTaskWorkflow, shared with the service that sends them.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { TaskRunPolicy } from '../domain/tasks';

export interface OneOffTaskInput {
  taskId: string;
  /** The resolved instant (epoch ms) and the task's revision at that instant. */
  runAt: number;
  revision: number;
  policy: TaskRunPolicy;
}

/** A new instant for the timer; a signal with an older revision than the workflow's is ignored. */
export interface RescheduleTaskRequest { runAt: number; revision: number }
export interface CancelTaskRequest { reason: string }

export type OneOffTaskPhase = 'waiting' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'gone';
export interface OneOffTaskState { taskId: string; phase: OneOffTaskPhase; runAt: number; revision: number }
export interface OneOffTaskResult { taskId: string; status: OneOffTaskPhase; attempts?: number; error?: string }

export const rescheduleTaskSignal = defineSignal<[RescheduleTaskRequest]>('rescheduleTask');
export const cancelTaskSignal = defineSignal<[CancelTaskRequest]>('cancelTask');
export const taskStateQuery = defineQuery<OneOffTaskState>('taskState');
