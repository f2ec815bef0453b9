// Names shared by the client (Schedules, CLI) and the workflows: one definition, no drift.
export const MONTHLY_INVITATIONS = {
  job: 'monthly-invitations',
  scheduleId: 'monthly-invitations',
  /** The Schedule starts this thin workflow; it works out the month and runs `cycle-<month>`. */
  workflowType: 'scheduledInvitationCycleWorkflow',
} as const;

export const REMINDERS_JOB = 'reminders';

export function cycleWorkflowId(month: string): string {
  return `cycle-${month}`;
}

export function cycleChunkWorkflowId(month: string, chunk: number): string {
  return `cycle-${month}-chunk-${String(chunk).padStart(4, '0')}`;
}

/**
 * One reminders workflow per group of invitations of a month, named after the group's first
 * invitation (the granularity is explained in the README). Workflows started before groups were
 * named after their owner: `reminders-<month>-<ownerId>`.
 */
export function remindersWorkflowId(month: string, groupKey: string): string {
  return `reminders-${month}-${groupKey}`;
}

/** The daily cleanup (seed 001): expires invitations, deletes old tokens, resets soft bounces, prunes reports. */
export const CLEANUP = {
  job: 'cleanup',
  scheduleId: 'cleanup',
  workflowType: 'cleanupWorkflow',
} as const;

/** The five-minute health check (seed 001). Its workflow lives in src/workflows/health-check.ts. */
export const HEALTH_CHECK = {
  job: 'health-check',
  scheduleId: 'health-check',
  workflowType: 'healthCheckWorkflow',
} as const;
