// HTTP routes of organisation schedules (seed 004), under /api/orgs/:orgId/schedules. Input is
// validated by zod (fastify-type-provider-zod): a bad cron, zone, preset or policy is a 400 that
// names the field. Every route checks the caller's principal: none → 401; another organisation →
// 404, exactly as for an unknown id, so ids cannot be probed.
import type { Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import type { AppConfig } from '../../config';
import { isValidTimeZone } from '../../config';
import { parseCron } from '../../domain/cron';
import {
  DEFAULT_DST_POLICY, GAP_POLICIES, ID_PATTERN, OVERLAP_POLICIES, presetToCron, SlotLimitError, TIME_PATTERN, type Preset,
} from '../../domain/org-schedules';
import type { Logger } from '../../observability/logger';
import { createOrgScheduleService, describeCron, OrgScheduleConflict, OrgScheduleNotFound, previewRuns, type OrgScheduleInput } from '../../services/org-schedules';
import { canAccessOrg } from '../principal';

export interface OrgScheduleRouteDeps { config: AppConfig; db: Connection; temporal: Client; logger: Logger }

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const cronSchema = z.string().superRefine((value, ctx) => {
  const check = parseCron(value);
  if (!check.ok) ctx.addIssue({ code: 'custom', message: `not a valid cron expression: ${check.problem}` });
});
const timeZoneSchema = z.string().refine(isValidTimeZone, { message: 'not an IANA time zone such as Europe/Paris or UTC' });
const timeSchema = z.string().regex(TIME_PATTERN, { message: 'expected HH:MM (24-hour), e.g. 09:00' });
const dayOfWeekSchema = z.union([
  z.number().int().min(0).max(6),
  z.string().transform((v, ctx) => {
    const i = DAY_NAMES.indexOf(v.slice(0, 3).toUpperCase());
    if (i < 0) { ctx.addIssue({ code: 'custom', message: 'expected 0-6 (0 = Sunday) or a day name such as MON' }); return z.NEVER; }
    return i;
  }),
]);
const presetSchema = z.discriminatedUnion('preset', [
  z.object({ preset: z.literal('daily'), time: timeSchema }).strict(),
  z.object({ preset: z.literal('weekly'), time: timeSchema, dayOfWeek: dayOfWeekSchema }).strict(),
  // 1-28: a day every month has (pick a cron for the 29th-31st and accept the months without it).
  z.object({ preset: z.literal('monthly'), time: timeSchema, dayOfMonth: z.number().int().min(1).max(28) }).strict(),
], { error: 'expected preset "daily", "weekly" or "monthly"' });
const dstPolicySchema = z.object({
  gap: z.enum(GAP_POLICIES, { error: `expected one of ${GAP_POLICIES.join(', ')}` }).default(DEFAULT_DST_POLICY.gap),
  overlap: z.enum(OVERLAP_POLICIES, { error: `expected one of ${OVERLAP_POLICIES.join(', ')}` }).default(DEFAULT_DST_POLICY.overlap),
}).strict();
const targetSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('http'), url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }), config: z.record(z.string(), z.unknown()).optional() }).strict(),
  z.object({ type: z.literal('log'), message: z.string().max(500).optional() }).strict(),
], { error: 'expected a target of type "http" (with url) or "log"' });
const nameSchema = z.string().trim().min(1, { message: 'must not be empty' }).max(200);

/** cron XOR preset, resolved to a cron; the issue names the field to fix. */
function withCron<T extends { cron?: string; preset?: Preset }>(value: T, ctx: z.RefinementCtx, required: boolean): void {
  if (value.cron !== undefined && value.preset !== undefined) ctx.addIssue({ code: 'custom', path: ['preset'], message: 'give either cron or preset, not both' });
  else if (required && value.cron === undefined && value.preset === undefined) ctx.addIssue({ code: 'custom', path: ['cron'], message: 'required (or give a preset)' });
}

const createBody = z.object({
  name: nameSchema,
  cron: cronSchema.optional(),
  preset: presetSchema.optional(),
  timeZone: timeZoneSchema,
  dstPolicy: dstPolicySchema.default(DEFAULT_DST_POLICY),
  target: targetSchema,
  paused: z.boolean().optional(),
}).strict().superRefine((v, ctx) => withCron(v, ctx, true));

const updateBody = z.object({
  name: nameSchema.optional(),
  cron: cronSchema.optional(),
  preset: presetSchema.optional(),
  timeZone: timeZoneSchema.optional(),
  dstPolicy: dstPolicySchema.optional(),
  target: targetSchema.optional(),
}).strict().superRefine((v, ctx) => withCron(v, ctx, false));

const validateBody = z.object({
  cron: cronSchema.optional(),
  preset: presetSchema.optional(),
  timeZone: timeZoneSchema,
  count: z.number().int().min(1).max(50).default(5),
  dstPolicy: dstPolicySchema.default(DEFAULT_DST_POLICY),
}).strict().superRefine((v, ctx) => withCron(v, ctx, true));

const orgParams = z.object({ orgId: z.string().regex(ID_PATTERN, { message: 'expected 1-64 letters, digits, _ or -' }) });
const scheduleParams = orgParams.extend({ scheduleId: z.string().min(1).max(64) });
const isoDate = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time such as 2027-03-28T00:00:00Z' }).transform((v) => new Date(v));
const windowSchema = z.object({ from: isoDate, to: isoDate }).strict().superRefine((v, ctx) => {
  // zod runs this even when a field already failed (then it is still a string): nothing to compare.
  if (!(v.from instanceof Date) || !(v.to instanceof Date)) return;
  if (v.from.getTime() >= v.to.getTime()) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
  else if (v.to.getTime() - v.from.getTime() > 92 * 86_400_000) ctx.addIssue({ code: 'custom', path: ['to'], message: 'the window may span at most 92 days' });
});

function cronOf(v: { cron?: string; preset?: Preset }): string | undefined {
  return v.cron !== undefined ? v.cron.trim().split(/\s+/).join(' ') : v.preset ? presetToCron(v.preset) : undefined;
}

function who(request: FastifyRequest): string {
  return request.principal ? `token ${request.principal.tokenId}` : 'unknown';
}

/** 401 without a principal; 404 (not 403) for another organisation, so its ids cannot be probed. */
function denied(request: FastifyRequest, reply: FastifyReply, orgId: string): boolean {
  if (!request.principal) { void reply.code(401).send({ error: 'an API token is required (Authorization: Bearer <token>)' }); return true; }
  if (!canAccessOrg(request.principal, orgId)) { void reply.code(404).send({ error: 'not found' }); return true; }
  return false;
}

function failure(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof OrgScheduleNotFound) return reply.code(404).send({ error: 'not found' });
  if (error instanceof OrgScheduleConflict) return reply.code(409).send({ error: error.message, conflictWith: error.conflictWith });
  if (error instanceof SlotLimitError) return reply.code(400).send({ error: error.message, fields: [{ field: 'to', message: error.message }] });
  throw error;
}

export function registerOrgScheduleRoutes(fastify: FastifyInstance, deps: OrgScheduleRouteDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const service = createOrgScheduleService(deps);
  const tags = ['organisation schedules'];
  const base = '/api/orgs/:orgId/schedules';

  app.post('/api/orgs/:orgId/schedules/validate-cron', { schema: { tags, summary: 'Describe a cron and list its next runs in the zone, DST slots flagged', params: orgParams, body: validateBody } }, (request, reply) => {
    if (denied(request, reply, request.params.orgId)) return reply;
    const { timeZone, count, dstPolicy } = request.body;
    const cron = cronOf(request.body)!;
    return { cron, description: describeCron(cron), timeZone, dstPolicy, nextRuns: previewRuns(cron, timeZone, dstPolicy, count) };
  });

  app.post(base, { schema: { tags, summary: 'Create a schedule', params: orgParams, body: createBody } }, async (request, reply) => {
    const { orgId } = request.params;
    if (denied(request, reply, orgId)) return reply;
    const body = request.body;
    const input: OrgScheduleInput = { name: body.name, cron: cronOf(body)!, timeZone: body.timeZone, dstPolicy: body.dstPolicy, target: body.target, paused: body.paused };
    try {
      return await reply.code(201).send(await service.create(orgId, input, who(request)));
    } catch (error) { return failure(reply, error); }
  });

  app.get(base, { schema: { tags, summary: "List the organisation's schedules", params: orgParams } }, async (request, reply) => {
    if (denied(request, reply, request.params.orgId)) return reply;
    return { schedules: await service.list(request.params.orgId) };
  });

  app.get(`${base}/:scheduleId`, { schema: { tags, summary: 'Get a schedule', params: scheduleParams } }, async (request, reply) => {
    const { orgId, scheduleId } = request.params;
    if (denied(request, reply, orgId)) return reply;
    try { return await service.get(orgId, scheduleId); } catch (error) { return failure(reply, error); }
  });

  const update = async (request: FastifyRequest<{ Params: z.infer<typeof scheduleParams>; Body: z.infer<typeof updateBody> }>, reply: FastifyReply) => {
    const { orgId, scheduleId } = request.params;
    if (denied(request, reply, orgId)) return reply;
    const body = request.body;
    try {
      return await service.update(orgId, scheduleId, {
        name: body.name, cron: cronOf(body), timeZone: body.timeZone, dstPolicy: body.dstPolicy, target: body.target,
      });
    } catch (error) { return failure(reply, error); }
  };
  app.put(`${base}/:scheduleId`, { schema: { tags, summary: 'Update a schedule', params: scheduleParams, body: updateBody } }, update);
  app.patch(`${base}/:scheduleId`, { schema: { tags, summary: 'Update a schedule (same as PUT: absent fields are kept)', params: scheduleParams, body: updateBody } }, update);

  app.delete(`${base}/:scheduleId`, { schema: { tags, summary: 'Delete a schedule', params: scheduleParams } }, async (request, reply) => {
    const { orgId, scheduleId } = request.params;
    if (denied(request, reply, orgId)) return reply;
    try { await service.remove(orgId, scheduleId); return await reply.code(204).send(); } catch (error) { return failure(reply, error); }
  });

  for (const [path, paused] of [['pause', true], ['unpause', false]] as const) {
    app.post(`${base}/:scheduleId/${path}`, { schema: { tags, summary: paused ? 'Pause (scheduled slots are skipped)' : 'Unpause', params: scheduleParams } }, async (request, reply) => {
      const { orgId, scheduleId } = request.params;
      if (denied(request, reply, orgId)) return reply;
      try { return await service.setPaused(orgId, scheduleId, paused, who(request)); } catch (error) { return failure(reply, error); }
    });
  }

  app.post(`${base}/:scheduleId/trigger`, { schema: { tags, summary: 'Run the target now', params: scheduleParams } }, async (request, reply) => {
    const { orgId, scheduleId } = request.params;
    if (denied(request, reply, orgId)) return reply;
    try { return await reply.code(202).send(await service.trigger(orgId, scheduleId)); } catch (error) { return failure(reply, error); }
  });

  app.get(`${base}/:scheduleId/history`, { schema: { tags, summary: 'Every expected slot of a window: ran, skipped, missed', params: scheduleParams, querystring: windowSchema } }, async (request, reply) => {
    const { orgId, scheduleId } = request.params;
    if (denied(request, reply, orgId)) return reply;
    try { return await service.history(orgId, scheduleId, request.query); } catch (error) { return failure(reply, error); }
  });

  app.post(`${base}/:scheduleId/backfill-missed`, { schema: { tags, summary: 'Run exactly the missed slots of a window', params: scheduleParams, body: windowSchema } }, async (request, reply) => {
    const { orgId, scheduleId } = request.params;
    if (denied(request, reply, orgId)) return reply;
    try { return await service.backfillMissed(orgId, scheduleId, request.body); } catch (error) { return failure(reply, error); }
  });
}
