import { createCleanupActivities } from './cleanup';
import { createCsvImportActivities } from './csv-import';
import { createCyclePlanningActivities } from './cycle-planning';
import type { ActivityDeps } from './deps';
import { createHealthActivities } from './health';
import { createReminderActivities } from './reminders';
import { createOrgScheduleActivities } from './org-schedules';
import { createReportActivities } from './reports';
import { createHttpJobActivities } from './http-jobs';
import { createSendInvitationActivities } from './send-invitations';
import { createSmokeActivities } from './smoke';
import { createTaskActivities } from './tasks';

export type { ActivityDeps } from './deps';
export type { SmokeInput, SmokeResult } from './smoke';
export type { SendBatchInput, SendBatchResult } from './send-invitations';
export type { SendRemindersInput } from './reminders';
export type { ClaimTaskResult, TaskActionResult } from './tasks';
export type { HealthSampleResult } from './health';
export type { ImportFileInput, ListImportsInput } from './csv-import';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createSmokeActivities(deps),
    ...createCyclePlanningActivities(deps),
    ...createSendInvitationActivities(deps),
    ...createReminderActivities(deps),
    ...createReportActivities(deps),
    ...createTaskActivities(deps),
    ...createHealthActivities(deps),
    ...createOrgScheduleActivities(deps),
    ...createCleanupActivities(deps),
    ...createCsvImportActivities(deps),
    ...createHttpJobActivities(deps),
  };
}

/** Workflows import this type only, never the implementations. */
export type Activities = ReturnType<typeof createActivities>;
