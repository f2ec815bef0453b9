// orgScheduleWorkflow: what the Temporal Schedule of an organisation schedule starts
// (`org-<orgId>-<scheduleId>`, queue family `jobs`). It decides from the firing time which slots
// it owns (src/domain/org-schedules.ts, planFiring): on an ordinary date its own slot; at a DST
// launcher (23:59 before a transition date the spec excludes) every slot of that date the
// schedule's dstPolicy runs, each on a durable timer and as a child with the slot's own workflow
// id, so history finds every run under the same id scheme. Each run records a run report.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ApplicationFailure, executeChild, ParentClosePolicy, proxyActivities, sleep, workflowInfo, WorkflowIdReusePolicy } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { cronFields, orgScheduleJob, planFiring, slotStamp, slotWorkflowId, type OrgRunTrigger, type OrgScheduleRunInput } from '../domain/org-schedules';
import { SCHEDULED_START_TIME_KEY } from '../domain/search-attributes';

const { runOrgScheduleTarget } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 3, nonRetryableErrorTypes: ['TargetRejected'] },
});
const { recordRunReport, isOrgSchedulePaused } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
});

export interface OrgSlotRun { slot?: string; workflowId: string; status: 'completed' | 'failed' | 'skipped-paused' }
export interface OrgScheduleRunResult { firedAt?: string; runs: OrgSlotRun[]; reason?: string }

async function runSlot(input: OrgScheduleRunInput, slot: Date | undefined, trigger: OrgRunTrigger): Promise<OrgSlotRun> {
  const info = workflowInfo();
  const startedAt = Date.now();
  let status: 'completed' | 'failed' = 'completed';
  let error: string | undefined;
  let result = { itemsProcessed: 0, itemsSucceeded: 0, itemsFailed: 0, metadata: {} as Record<string, unknown> };
  try {
    result = await runOrgScheduleTarget({
      orgId: input.orgId, scheduleId: input.scheduleId, target: input.target, executionId: info.workflowId,
      triggeredBy: trigger, scheduledAt: slot?.toISOString(),
    });
  } catch (e) {
    status = 'failed';
    error = e instanceof ApplicationFailure && e.cause ? e.cause.message : e instanceof Error ? e.message : String(e);
  }
  const finishedAt = Date.now();
  await recordRunReport({
    job: orgScheduleJob(input.orgId, input.scheduleId), workflowId: info.workflowId, runId: info.runId, status,
    startedAt, finishedAt, durationMs: finishedAt - startedAt,
    itemsProcessed: result.itemsProcessed, itemsSucceeded: result.itemsSucceeded, itemsFailed: result.itemsFailed,
    stats: { orgId: input.orgId, scheduleId: input.scheduleId, slot: slot ? slotStamp(slot) : null, trigger, target: input.target.type, ...result.metadata },
    ...(error === undefined ? {} : { error }),
  });
  return { slot: slot ? slotStamp(slot) : undefined, workflowId: info.workflowId, status };
}

export async function orgScheduleWorkflow(input: OrgScheduleRunInput): Promise<OrgScheduleRunResult> {
  if (input.slot !== undefined) return { runs: [await runSlot(input, new Date(input.slot), input.trigger ?? 'backfill')] };
  if (input.trigger === 'manual') return { runs: [await runSlot(input, undefined, 'manual')] };
  const info = workflowInfo();
  const firedAt = input.firedAt ? new Date(input.firedAt) : info.typedSearchAttributes.get(SCHEDULED_START_TIME_KEY) ?? new Date(Date.now());
  const plan = planFiring(cronFields(input.cron), input.timeZone, input.dstPolicy, firedAt);
  const runs: OrgSlotRun[] = [];
  for (const slot of plan.slots) {
    if (slot.at.getTime() === firedAt.getTime()) {
      runs.push(await runSlot(input, slot.at, 'schedule'));
      continue;
    }
    const wait = slot.at.getTime() - Date.now();
    if (wait > 0) await sleep(wait);
    const workflowId = slotWorkflowId(input.orgId, input.scheduleId, slot.at);
    // The Schedule was paused while this launcher waited: the slot is skipped, as a paused Schedule skips.
    if (await isOrgSchedulePaused(input.orgId, input.scheduleId)) {
      runs.push({ slot: slotStamp(slot.at), workflowId, status: 'skipped-paused' });
      continue;
    }
    try {
      const child = await executeChild(orgScheduleWorkflow, {
        workflowId,
        args: [{ ...input, firedAt: undefined, slot: slot.at.toISOString(), trigger: 'dst-launcher' }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
      runs.push(...child.runs);
    } catch (error) {
      // Already run (a backfill of that slot got there first): never twice.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }
  return { firedAt: slotStamp(firedAt), runs, reason: plan.reason };
}
