// Starting and watching an invitation cycle from the client side.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../config';
import { getModels } from '../db/models';
import type { CycleProgress, CycleStats, CycleTuning } from '../domain/cycle';
import { cycleWorkflowId, MONTHLY_INVITATIONS } from '../domain/jobs';
import { JOB_KEY, MONTH_KEY } from '../domain/search-attributes';
import { invitationCycleWorkflow } from '../workflows';
import { cycleProgressQuery } from '../workflows/cycle-messages';

export function tuningFromConfig(config: AppConfig): CycleTuning {
  return {
    userBatchSize: config.performance.userBatchSize,
    invitationBatchSize: config.performance.invitationBatchSize,
    concurrency: config.performance.maxConcurrentBatches,
    activityTimeoutMs: config.performance.activityTimeoutMs,
  };
}

export interface StartedCycle { handle: WorkflowHandle<typeof invitationCycleWorkflow>; workflowId: string; alreadyRunning: boolean }

/** Starts the cycle of a month, or attaches to it when it is running already. */
export async function startCycle(client: Client, config: AppConfig, month: string): Promise<StartedCycle> {
  const workflowId = cycleWorkflowId(month);
  try {
    const handle = await client.workflow.start(invitationCycleWorkflow, {
      workflowId,
      taskQueue: config.temporal.taskQueue,
      args: [{ month, tuning: tuningFromConfig(config) }],
      typedSearchAttributes: [{ key: JOB_KEY, value: MONTHLY_INVITATIONS.job }, { key: MONTH_KEY, value: month }],
    });
    return { handle, workflowId, alreadyRunning: false };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    return { handle: client.workflow.getHandle(workflowId), workflowId, alreadyRunning: true };
  }
}

export interface MonthCounts { total: number; byStatus: Record<string, number>; handled: number }

/** The month's invitations by status, counted in the database (the truth, even mid-run). */
export async function countMonth(db: Connection, month: string): Promise<MonthCounts> {
  const { Invitation } = getModels(db);
  const rows = await Invitation.collection.aggregate<{ _id: string; n: number }>([{ $match: { month } }, { $group: { _id: '$status', n: { $sum: 1 } } }]).toArray();
  const byStatus = Object.fromEntries(rows.map((r) => [r._id, r.n]));
  const total = rows.reduce((sum, r) => sum + r.n, 0);
  const pending = byStatus.created ?? 0;
  return { total, byStatus, handled: total - pending };
}

export interface CycleStatus {
  workflowId: string;
  workflowStatus: string | undefined;
  progress: CycleProgress | undefined;
  result: CycleStats | undefined;
  counts: MonthCounts;
}

export async function cycleStatus(client: Client, db: Connection, month: string): Promise<CycleStatus> {
  const workflowId = cycleWorkflowId(month);
  const handle = client.workflow.getHandle<typeof invitationCycleWorkflow>(workflowId);
  let workflowStatus: string | undefined;
  let progress: CycleProgress | undefined;
  let result: CycleStats | undefined;
  try {
    const description = await handle.describe();
    workflowStatus = description.status.name;
    if (workflowStatus === 'RUNNING') progress = await handle.query(cycleProgressQuery);
    if (workflowStatus === 'COMPLETED') result = await handle.result();
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  return { workflowId, workflowStatus, progress, result, counts: await countMonth(db, month) };
}
