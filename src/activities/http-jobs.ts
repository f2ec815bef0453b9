// Activities of registered HTTP jobs (seed 002): read the registry entry at the start of a run,
// and POST the JobContext to the owning service, checking its JobResult.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { AppConfig } from '../config';
import { getModels } from '../db/models';
import { httpJobKey, serviceKeyOf, type HttpJobTarget, type JobContext, type JobResult } from '../domain/http-jobs';
import type { ActivityDeps } from './deps';
import { withRequestDeadline, type RequestDeadline } from './request-deadline';

/** Failure types the workflow's retry policy does not retry: the answer will not change. */
export const HTTP_JOB_NON_RETRYABLE = ['MalformedJobResult', 'JobNotRegistered', 'EndpointUnresolved'] as const;

export const jobResultSchema = z.object({
  success: z.boolean(),
  itemsProcessed: z.number().int().min(0),
  itemsSucceeded: z.number().int().min(0),
  itemsFailed: z.number().int().min(0),
  error: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

/** The URL a job's context is POSTed to: the endpoint itself, or the endpoint under the service's base URL. */
export function resolveJobUrl(config: AppConfig, job: { service?: string; endpoint: string }): { url: string } | { problem: string } {
  if (/^https?:\/\//i.test(job.endpoint)) return { url: job.endpoint };
  if (!job.service) return { problem: `endpoint "${job.endpoint}" is not an absolute http(s) URL and no service is given` };
  const key = serviceKeyOf(job.service);
  if (!key) return { problem: `service "${job.service}" is unknown: expected email-service, crawler-service, analytics-service or notification-service` };
  const base = config.services[key];
  if (!base) return { problem: `service "${job.service}" has no URL: set ${key.toUpperCase()}_SERVICE_URL` };
  return { url: new URL(job.endpoint, base.endsWith('/') ? base : `${base}/`).toString() };
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
}

export function createHttpJobActivities({ db, config }: ActivityDeps) {
  const { HttpJob } = getModels(db);
  return {
    /** The registry entry as the run needs it; a deleted job or an unresolvable endpoint fails the run (not retried). */
    async loadHttpJob(input: { orgId: string; name: string }): Promise<HttpJobTarget> {
      const job = await HttpJob.findById(httpJobKey(input.orgId, input.name)).lean();
      if (!job) throw ApplicationFailure.nonRetryable(`job "${input.name}" of organisation "${input.orgId}" is not registered`, 'JobNotRegistered');
      const resolved = resolveJobUrl(config, job);
      if ('problem' in resolved) throw ApplicationFailure.nonRetryable(resolved.problem, 'EndpointUnresolved');
      return { url: resolved.url, config: job.config ?? {}, timeoutMs: job.timeoutMs, maxRetries: job.maxRetries };
    },

    /**
     * POSTs the JobContext and returns the validated JobResult. A timeout, a refused connection or a
     * non-2xx answer is retryable (the workflow's policy backs off); a malformed JobResult is not.
     */
    async callHttpJob(input: { url: string; timeoutMs: number; context: JobContext }): Promise<JobResult> {
      return withRequestDeadline(input.timeoutMs, Context.current().cancellationSignal, (deadline) => postJobContext(input, deadline));
    },
  };
}

/** POSTs the JobContext within the deadline; the retryable / not retryable split is callHttpJob's. */
async function postJobContext(input: { url: string; timeoutMs: number; context: JobContext }, deadline: RequestDeadline): Promise<JobResult> {
  const timedOut = () => ApplicationFailure.retryable(`no answer from ${input.url} within ${input.timeoutMs} ms`, 'JobTimeout');
  let response: Response;
  try {
    response = await fetch(input.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-metronome-execution-id': input.context.executionId },
      body: JSON.stringify(input.context),
      signal: deadline.signal,
    });
  } catch (error) {
    if (deadline.timedOut()) throw timedOut();
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    throw ApplicationFailure.retryable(`POST ${input.url} failed: ${error instanceof Error ? error.message : String(error)}${cause}`, 'JobUnreachable');
  }
  const text = await response.text().catch(() => '');
  if (deadline.timedOut()) throw timedOut();
  if (!response.ok) {
    throw ApplicationFailure.retryable(`POST ${input.url} answered ${response.status} ${response.statusText}: ${text.slice(0, 300)}`, 'JobHttpError');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw ApplicationFailure.nonRetryable(`malformed JobResult from ${input.url}: not JSON: ${text.slice(0, 200)}`, 'MalformedJobResult');
  }
  const parsed = jobResultSchema.safeParse(body);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`malformed JobResult from ${input.url}: ${describeIssues(parsed.error)}`, 'MalformedJobResult');
  return parsed.data;
}
