// Every workflow the worker serves. This module is bundled for Temporal's deterministic
// sandbox: it may import only @temporalio/workflow, src/domain and activity types.
export { smokeWorkflow } from './smoke';
export { invitationCycleWorkflow, invitationChunkWorkflow, scheduledInvitationCycleWorkflow } from './cycle';
export { remindersWorkflow } from './reminders';
export { oneOffTaskWorkflow } from './tasks';
export { healthCheckWorkflow, alertWebhookWorkflow } from './health-check';
export { orgScheduleWorkflow } from './org-schedules';
export { cleanupWorkflow } from './cleanup';
export { csvImportWorkflow, scheduledCsvImportWorkflow } from './csv-import';
export { httpJobWorkflow } from './http-job';
