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
    schema: { tags, security, summary: 'register a job, or update the one of that name', body: registerJobSchema },
  }, async (request, reply) => {
    const orgId = requiredOrg(request, request.body.orgId);
    const { created, job } = await registerJob(deps, orgId, request.body);
    return reply.code(created ? 201 : 200).send({ created, job });
  });

  app.get('/api/jobs', {
    schema: { tags, security, summary: 'the jobs of the organisation (admin: of all, or of orgId)', querystring: orgQuery },
  }, async (request) => {
    const orgId = orgOf(request, request.query.orgId, false);
    return { jobs: await listJobs(deps, orgId) };
  });

  app.get('/api/jobs/:name', {
    schema: { tags, security, summary: 'one job with its Schedule state and next run', params: nameParams, querystring: orgQuery },
  }, async (request) => getJob(deps, requiredOrg(request, request.query.orgId), request.params.name));

  app.post('/api/jobs/:name/trigger', {
    schema: { tags, security, summary: 'run the job now (also when disabled)', params: nameParams, querystring: orgQuery, headers: triggerHeaders, body: triggerBody },
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
    schema: { tags, security, summary: 'unpause the job\'s Schedule', params: nameParams, querystring: orgQuery, body: noteBody },
  }, async (request) => setJobEnabled(deps, requiredOrg(request, request.query.orgId), request.params.name, true, request.body?.note));

  app.post('/api/jobs/:name/disable', {
    schema: { tags, security, summary: 'pause the job\'s Schedule (manual triggers still run)', params: nameParams, querystring: orgQuery, body: noteBody },
  }, async (request) => setJobEnabled(deps, requiredOrg(request, request.query.orgId), request.params.name, false, request.body?.note));

  app.delete('/api/jobs/:name', {
    schema: { tags, security, summary: 'delete the job and its Schedule (run history stays)', params: nameParams, querystring: orgQuery },
  }, async (request) => deleteJob(deps, requiredOrg(request, request.query.orgId), request.params.name));

  app.put('/api/jobs/:name/cron', {
    schema: { tags, security, summary: 'change the cron expression (and optionally the time zone)', params: nameParams, querystring: orgQuery, body: updateCronSchema },
  }, async (request) => updateJobCron(deps, requiredOrg(request, request.query.orgId), request.params.name, request.body));

  app.get('/api/jobs/:name/history', {
    schema: { tags, security, summary: 'the job\'s runs, newest first (page, limit ≤ 100, status)', params: nameParams, querystring: historyQuerySchema.extend(orgQuery.shape) },
  }, async (request) => jobHistory(deps, requiredOrg(request, request.query.orgId), request.params.name, request.query));

  app.get('/api/jobs/:name/stats', {
    schema: { tags, security, summary: 'run counts, success rate, durations and item totals', params: nameParams, querystring: orgQuery },
  }, async (request) => jobStats(deps, requiredOrg(request, request.query.orgId), request.params.name));
}
