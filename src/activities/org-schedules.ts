// Activities of organisation schedules: run a schedule's target, and tell a waiting DST
// launcher whether the Schedule was paused meanwhile.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { ScheduleNotFoundError } from '@temporalio/client';
import { orgTemporalScheduleId, type OrgRunTrigger, type OrgScheduleTarget } from '../domain/org-schedules';
import type { ActivityDeps } from './deps';

export interface RunTargetInput {
  orgId: string;
  scheduleId: string;
  target: OrgScheduleTarget;
  executionId: string;
  triggeredBy: OrgRunTrigger;
  scheduledAt?: string;
}

export interface TargetResult { itemsProcessed: number; itemsSucceeded: number; itemsFailed: number; metadata: Record<string, unknown> }

const HTTP_TIMEOUT_MS = 30_000;

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0;
}

export function createOrgScheduleActivities({ logger, temporal }: ActivityDeps) {
  return {
    /**
     * POSTs seed 002's JobContext to the target and reads its JobResult. A 4xx answer or
     * `success: false` is final (TargetRejected, not retried); a 5xx or a network error is retried.
     */
    async runOrgScheduleTarget(input: RunTargetInput): Promise<TargetResult> {
      const { target } = input;
      if (target.type === 'log') {
        logger.info({ event: 'org-schedule-run', orgId: input.orgId, scheduleId: input.scheduleId, scheduledAt: input.scheduledAt, triggeredBy: input.triggeredBy }, target.message ?? 'org schedule ran');
        return { itemsProcessed: 1, itemsSucceeded: 1, itemsFailed: 0, metadata: {} };
      }
      const context = {
        jobName: `${input.orgId}/${input.scheduleId}`, config: target.config ?? {}, executionId: input.executionId,
        triggeredBy: input.triggeredBy === 'manual' ? 'manual' : 'scheduler', scheduledAt: input.scheduledAt, attempt: Context.current().info.attempt,
      };
      const response = await fetch(target.url, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(context), signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      const text = await response.text();
      if (response.status >= 500) throw new Error(`target answered ${response.status}: ${text.slice(0, 200)}`);
      if (!response.ok) throw ApplicationFailure.nonRetryable(`target answered ${response.status}: ${text.slice(0, 200)}`, 'TargetRejected');
      let body: Record<string, unknown> = {};
      try { body = JSON.parse(text) as Record<string, unknown>; } catch { /* a target may answer with no JobResult */ }
      if (body.success === false) throw ApplicationFailure.nonRetryable(`target reported failure: ${typeof body.error === 'string' ? body.error : 'no reason given'}`, 'TargetRejected');
      const metadata = typeof body.metadata === 'object' && body.metadata !== null ? body.metadata as Record<string, unknown> : {};
      return { itemsProcessed: count(body.itemsProcessed), itemsSucceeded: count(body.itemsSucceeded), itemsFailed: count(body.itemsFailed), metadata: { httpStatus: response.status, ...metadata } };
    },

    /** Whether the organisation schedule's Temporal Schedule is paused (a deleted one counts as paused). */
    async isOrgSchedulePaused(orgId: string, scheduleId: string): Promise<boolean> {
      try {
        const { state } = await temporal.schedule.getHandle(orgTemporalScheduleId(orgId, scheduleId)).describe();
        return state.paused;
      } catch (error) {
        if (error instanceof ScheduleNotFoundError) return true;
        throw error;
      }
    },
  };
}
