// Jobs registered over the HTTP API (seed 002): names, ids and the contract with the owning
// service. Pure (no I/O, no zod) so the workflow, the activities, the service and the CLI share it.

/** Organisation ids: letters, digits, `_` and `-` (no `.` or `/`: they separate ids below). */
export const ORG_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Job names: lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit. */
export const JOB_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/;

export const TRIGGERED_BY = ['scheduler', 'manual', 'admin'] as const;
export type TriggeredBy = (typeof TRIGGERED_BY)[number];

export const JOB_TIMEOUT_MS = { min: 1_000, max: 3_600_000, fallback: 30_000 } as const;
export const JOB_MAX_RETRIES = { min: 0, max: 10, fallback: 3 } as const;

/** The seed's service names and the configuration key of their base URL (EMAIL_SERVICE_URL, …). */
export const SERVICE_KEYS = ['email', 'crawler', 'analytics', 'notification'] as const;
export type ServiceKey = (typeof SERVICE_KEYS)[number];

/** `email-service`, `email` or `EMAIL` → `email`; anything else → undefined. */
export function serviceKeyOf(service: string): ServiceKey | undefined {
  const key = service.trim().toLowerCase().replace(/[-_]service$/, '');
  return (SERVICE_KEYS as readonly string[]).includes(key) ? (key as ServiceKey) : undefined;
}

/** The registry document's `_id`: one job per organisation and name. */
export function httpJobKey(orgId: string, name: string): string {
  return `${orgId}/${name}`;
}

/** The Temporal Schedule of a registered job (`.` cannot occur in an org id, so this is unambiguous). */
export function httpJobScheduleId(orgId: string, name: string): string {
  return `job-${orgId}.${name}`;
}

/** Manual runs share one id per job, so two manual triggers cannot overlap (the second is a 409). */
export function httpJobManualWorkflowId(orgId: string, name: string): string {
  return `${httpJobScheduleId(orgId, name)}-manual`;
}

/** The `job` field of the job's run reports and the `MetronomeJob` search attribute of its runs. */
export function httpJobReportName(orgId: string, name: string): string {
  return `http-job:${orgId}/${name}`;
}

/** What the owning service receives (seed 002's JobContext). */
export interface JobContext {
  jobName: string;
  config: Record<string, unknown>;
  executionId: string;
  triggeredBy: TriggeredBy;
  triggeredByUser?: string;
}

/** What the owning service answers (seed 002's JobResult). */
export interface JobResult {
  success: boolean;
  itemsProcessed: number;
  itemsSucceeded: number;
  itemsFailed: number;
  error?: string;
  metadata?: Record<string, unknown>;
}

/** The input of `httpJobWorkflow`: which job, and who started this run. */
export interface HttpJobRunInput {
  orgId: string;
  name: string;
  triggeredBy: TriggeredBy;
  triggeredByUser?: string;
}

/** What the workflow needs of the registry entry (read by an activity at the start of each run). */
export interface HttpJobTarget {
  url: string;
  config: Record<string, unknown>;
  timeoutMs: number;
  maxRetries: number;
}
