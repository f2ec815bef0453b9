import { createCyclePlanningActivities } from './cycle-planning';
import type { ActivityDeps } from './deps';
import { createReminderActivities } from './reminders';
import { createReportActivities } from './reports';
import { createHttpJobActivities } from './http-jobs';
import { createSendInvitationActivities } from './send-invitations';
import { createSmokeActivities } from './smoke';

export type { ActivityDeps } from './deps';
export type { SmokeInput, SmokeResult } from './smoke';
export type { SendBatchInput, SendBatchResult } from './send-invitations';
export type { SendRemindersInput } from './reminders';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createSmokeActivities(deps),
    ...createCyclePlanningActivities(deps),
    ...createSendInvitationActivities(deps),
    ...createReminderActivities(deps),
    ...createReportActivities(deps),
    ...createHttpJobActivities(deps),
  };
}

/** Workflows import this type only, never the implementations. */
export type Activities = ReturnType<typeof createActivities>;
