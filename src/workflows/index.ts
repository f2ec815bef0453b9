// Every workflow the worker serves. This module is bundled for Temporal's deterministic
// sandbox: it may import only @temporalio/workflow, src/domain and activity types.
export { smokeWorkflow } from './smoke';
export { invitationCycleWorkflow, invitationChunkWorkflow, scheduledInvitationCycleWorkflow } from './cycle';
export { remindersWorkflow } from './reminders';
export { httpJobWorkflow } from './http-job';
