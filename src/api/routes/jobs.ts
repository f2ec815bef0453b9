// The job registry over HTTP (seed 002): /api/jobs/*. Every route is scoped by the caller's
// token: an organisation token sees its organisation's jobs only (another organisation's job
// is a 404, as if it did not exist); an admin token names the organisation with `orgId`.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  deleteJob, getJob, historyQuerySchema, jobHistory, jobNameSchema, jobStats, listJobs, orgIdSchema, registerJob,
  registerJobSchema, setJobEnabled, triggerJob, updateCronSchema, updateJobCron, type RegistryDeps,
} from '../../services/job-registry';
import { principalOf } from '../auth';
import { ApiError } from '../errors';

const orgQuery = z.object({ orgId: orgIdSchema.optional().describe('admin tokens: the organisation; organisation tokens: their own or omitted') });
const nameParams = z.object({ name: jobNameSchema });
const triggerBody = z.object({ triggeredByUser: z.string().min(1).max(200).optional() }).strict().nullish();
const noteBody = z.object({ note: z.string().max(500).optional() }).strict().nullish();
const security = [{ bearer: [] }];
const tags = ['jobs'];
/** Every error answer of the API (documented in the OpenAPI document for each route). */
export const errorBodySchema = z.object({
  error: z.string(),
  fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
const lastRunView = z.object({
  status: z.enum(['completed', 'failed']), triggeredBy: z.string().optional(), startedAt: z.string(), finishedAt: z.string(), durationMs: z.number(),
  itemsProcessed: z.number(), itemsSucceeded: z.number(), itemsFailed: z.number(), error: z.string().optional(),
});
const jobView = z.object({
  orgId: z.string(), name: z.string(), displayName: z.string().optional(), description: z.string().optional(), jobType: z.string().optional(),
  service: z.string().optional(), endpoint: z.string(), config: z.record(z.string(), z.unknown()), timeoutMs: z.number(), maxRetries: z.number(),
  scheduleId: z.string(), schedule: z.enum(['ok', 'missing']).describe('missing: the Schedule was not found (register again)'),
  cronExpression: z.string().optional(), timezone: z.string().optional(), enabled: z.boolean(),
  nextRunAt: z.string().optional(), nextRunAtLocal: z.string().optional().describe('the next run in the job\'s time zone, with its offset'),
  lastScheduledRunAt: z.string().optional(),
  cronDescription: z.string().optional().describe('the cron in words, e.g. "At 09:00, Monday through Friday"'),
  lastRun: lastRunView.optional().describe('the newest run (any trigger) from the run history; absent before the first run'),
  createdAt: z.string(), updatedAt: z.string(),
}).describe('a registered job; cron, zone, enabled and next run come from its Temporal Schedule');
const triggerView = z.object({
  orgId: z.string(), name: z.string(), workflowId: z.string(), runId: z.string(), executionId: z.string(), triggeredBy: z.enum(['scheduler', 'manual', 'admin']),
});
const runView = lastRunView.extend({
  executionId: z.string(), workflowId: z.string(), runId: z.string(),
  triggeredByUser: z.string().optional(), metadata: z.record(z.string(), z.unknown()).optional(),
});
const historyView = z.object({
  orgId: z.string(), name: z.string(), page: z.number(), limit: z.number(), total: z.number(), pages: z.number(), items: z.array(runView),
});
const statsView = z.object({
  orgId: z.string(), name: z.string(), totalRuns: z.number(), successfulRuns: z.number(), failedRuns: z.number(),
  successRate: z.number().nullable(), avgDurationMs: z.number().nullable(), maxDurationMs: z.number().nullable(),
  itemsProcessed: z.number(), itemsSucceeded: z.number(), itemsFailed: z.number(),
  lastRunAt: z.string().optional(), lastStatus: z.enum(['completed', 'failed']).optional(), lastError: z.string().optional(),
});
const deletedView = z.object({ orgId: z.string(), name: z.string(), deleted: z.literal(true) });
const errors = {
  400: errorBodySchema.describe('invalid input: `fields` names each problem'),
  401: errorBodySchema.describe('missing, malformed, unknown or revoked token'),
  403: errorBodySchema.describe('the token\'s organisation is not the one named'),
  404: errorBodySchema.describe('no such job in the organisation'),
  409: errorBodySchema.describe('conflict with the job\'s current state'),
  413: errorBodySchema.describe('body over API_BODY_LIMIT_BYTES'),
};

/**
 * The organisation a request acts on. An organisation token asking for another organisation is
 * refused (403: the scope is wrong, and no job's existence is revealed); an admin token must
 * name one except to list.
 */
function orgOf(request: FastifyRequest, requested: string | undefined, required: boolean): string | undefined {
  const principal = principalOf(request);
  if (principal.admin) {
    if (requested === undefined && required) throw new ApiError(400, 'an admin token must name the organisation', [{ field: 'orgId', message: 'required with an admin token' }]);
    return requested;
  }
  if (requested !== undefined && requested !== principal.orgId) {
    throw new ApiError(403, `this token is scoped to organisation "${principal.orgId}" and cannot act on organisation "${requested}"`);
  }
  return principal.orgId ?? undefined;
}

function requiredOrg(request: FastifyRequest, requested: string | undefined): string {
  const org = orgOf(request, requested, true);
  if (org === undefined) throw new ApiError(403, 'this token has no organisation');
  return org;
}

/** Who asked, for a manual trigger: the body's triggeredByUser, else this header. Other headers pass through. */
const triggerHeaders = z.object({ 'x-triggered-by-user': z.string().min(1).max(200).optional() }).loose();

export function registerJobRoutes(root: FastifyInstance, deps: RegistryDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.post('/api/jobs/register', {
    schema: { tags, security, response: { 200: z.object({ created: z.literal(false), job: jobView }), 201: z.object({ created: z.literal(true), job: jobView }), ...errors }, summary: 'register a job, or update the one of that name', body: registerJobSchema },
  }, async (request, reply) => {
    const orgId = requiredOrg(request, request.body.orgId);
    const { created, job } = await registerJob(deps, orgId, request.body);
    return reply.code(created ? 201 : 200).send({ created, job });
  });

  app.get('/api/jobs', {
    schema: { tags, security, response: { 200: z.object({ jobs: z.array(jobView) }), ...errors }, summary: 'the jobs of the organisation (admin: of all, or of orgId)', querystring: orgQuery },
  }, async (request) => {
    const orgId = orgOf(request, request.query.orgId, false);
    return { jobs: await listJobs(deps, orgId) };
  });

  app.get('/api/jobs/:name', {
    schema: { tags, security, response: { 200: jobView, ...errors }, summary: 'one job with its Schedule state and next run', params: nameParams, querystring: orgQuery },
  }, async (request) => getJob(deps, requiredOrg(request, request.query.orgId), request.params.name));

  app.post('/api/jobs/:name/trigger', {
    schema: { tags, security, response: { 202: triggerView, ...errors }, summary: 'run the job now (also when disabled)', params: nameParams, querystring: orgQuery, headers: triggerHeaders, body: triggerBody },
  }, async (request, reply) => {
    const orgId = requiredOrg(request, request.query.orgId);
    const triggeredByUser = request.body?.triggeredByUser ?? request.headers['x-triggered-by-user'];
    const result = await triggerJob(deps, orgId, request.params.name, {
      triggeredBy: principalOf(request).admin ? 'admin' : 'manual',
      ...(triggeredByUser !== undefined && { triggeredByUser }),
    });
    return reply.code(202).send(result);
  });

  app.post('/api/jobs/:name/enable', {
    schema: { tags, security, response: { 200: jobView, ...errors }, summary: 'unpause the job\'s Schedule', params: nameParams, querystring: orgQuery, body: noteBody },
  }, async (request) => setJobEnabled(deps, requiredOrg(request, request.query.orgId), request.params.name, true, request.body?.note));

  app.post('/api/jobs/:name/disable', {
    schema: { tags, security, response: { 200: jobView, ...errors }, summary: 'pause the job\'s Schedule (manual triggers still run)', params: nameParams, querystring: orgQuery, body: noteBody },
  }, async (request) => setJobEnabled(deps, requiredOrg(request, request.query.orgId), request.params.name, false, request.body?.note));

  app.delete('/api/jobs/:name', {
    schema: { tags, security, response: { 200: deletedView, ...errors }, summary: 'delete the job and its Schedule (run history stays)', params: nameParams, querystring: orgQuery },
  }, async (request) => deleteJob(deps, requiredOrg(request, request.query.orgId), request.params.name));

  app.put('/api/jobs/:name/cron', {
    schema: { tags, security, response: { 200: jobView, ...errors }, summary: 'change the cron expression (and optionally the time zone)', params: nameParams, querystring: orgQuery, body: updateCronSchema },
  }, async (request) => updateJobCron(deps, requiredOrg(request, request.query.orgId), request.params.name, request.body));

  app.get('/api/jobs/:name/history', {
    schema: { tags, security, response: { 200: historyView, ...errors }, summary: 'the job\'s runs, newest first (page, limit ≤ 100, status)', params: nameParams, querystring: historyQuerySchema.extend(orgQuery.shape) },
  }, async (request) => jobHistory(deps, requiredOrg(request, request.query.orgId), request.params.name, request.query));

  app.get('/api/jobs/:name/stats', {
    schema: { tags, security, response: { 200: statsView, ...errors }, summary: 'run counts, success rate, durations and item totals', params: nameParams, querystring: orgQuery },
  }, async (request) => jobStats(deps, requiredOrg(request, request.query.orgId), request.params.name));
}
