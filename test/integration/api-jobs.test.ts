// The HTTP API and its job registry (seed 002) on the real stack: a worker serving the `jobs`
// queue in-process, the API on a real TCP port (most requests through fastify's inject, some
// through fetch), and a real HTTP target service answering success, 500, too slowly, or with a
// malformed JobResult. Each run uses its own database, task queue and organisation ids.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Connection as TemporalConnection, Client, ScheduleNotFoundError } from '@temporalio/client';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../../src/config';
import { buildApiServer } from '../../src/api/server';
import { closeDatabase, connectDatabase } from '../../src/db/connection';
import { getModels } from '../../src/db/models';
import { httpJobReportName, httpJobScheduleId, type JobContext } from '../../src/domain/http-jobs';
import { createLogger } from '../../src/observability/logger';
import { createApiToken, listApiTokens, revokeApiToken } from '../../src/services/api-tokens';
import { connectTemporal, type TemporalHandle } from '../../src/client/temporal';
import { startWorker, type RunningWorker } from '../../src/workers/worker';
import { ensureLocalStack, isolatedConfig } from '../helpers/local-stack';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** A port of this helper's range (21000-21999), different per process. */
const basePort = 21_000 + Math.floor(Math.random() * 450) * 2;

interface TargetCall { path: string; context: JobContext }

/** The service that owns the jobs: answers by path, and records every call it gets. */
function startTarget(port: number): Promise<{ server: Server; calls: TargetCall[]; url: string; close(): Promise<void> }> {
  const calls: TargetCall[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
    request.on('end', () => {
      const path = (request.url ?? '/').split('?')[0]!;
      const context = JSON.parse(body || '{}') as JobContext;
      calls.push({ path, context });
      const json = (status: number, value: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(value));
      };
      if (path.endsWith('/ok')) return json(200, { success: true, itemsProcessed: 3, itemsSucceeded: 2, itemsFailed: 1, metadata: { echo: context.config } });
      if (path.endsWith('/partial')) return json(200, { success: false, itemsProcessed: 5, itemsSucceeded: 1, itemsFailed: 4, error: 'four addresses bounced' });
      if (path.endsWith('/fail')) return json(500, { message: 'database exploded' });
      if (path.endsWith('/malformed')) return json(200, { success: 'yes', itemsProcessed: -1 });
      if (path.endsWith('/slow')) {
        const timer = setTimeout(() => { timers.delete(timer); json(200, { success: true, itemsProcessed: 0, itemsSucceeded: 0, itemsFailed: 0 }); }, 3_000);
        timers.add(timer);
        return undefined;
      }
      return json(404, { message: 'no such job endpoint' });
    });
  };
  const server = createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({
      server,
      calls,
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise<void>((done) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => done());
      }),
    }));
  });
}

describe('HTTP API: job registry', () => {
  const run = randomBytes(3).toString('hex');
  const orgA = `orga-${run}`;
  const orgB = `orgb-${run}`;
  let config: AppConfig;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let worker: RunningWorker;
  let db: Connection;
  let temporal: TemporalHandle;
  let app: FastifyInstance;
  let apiUrl: string;
  const tokens = { a: '', b: '', admin: '' };
  const created = new Set<string>();

  before(async () => {
    await ensureLocalStack();
    target = await startTarget(basePort);
    config = isolatedConfig('api', { EMAIL_SERVICE_URL: `${target.url}/email`, API_BODY_LIMIT_BYTES: '65536' });
    worker = await startWorker(config, createLogger('warn'), { queues: ['jobs'] });
    db = await connectDatabase(config.mongodbUri);
    temporal = await connectTemporal(config);
    app = await buildApiServer({ config, db, temporal: temporal.client, logger: createLogger('silent') });
    await app.listen({ host: '127.0.0.1', port: basePort + 1 });
    apiUrl = `http://127.0.0.1:${basePort + 1}`;
    tokens.a = (await createApiToken(db, { orgId: orgA, name: 'org A' })).token;
    tokens.b = (await createApiToken(db, { orgId: orgB, name: 'org B' })).token;
    tokens.admin = (await createApiToken(db, { admin: true, name: 'ops' })).token;
  });

  after(async () => {
    for (const scheduleId of created) await temporal?.client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
    for await (const execution of temporal.client.workflow.list({ query: `TaskQueue = "${config.temporal.taskQueue}-jobs" AND ExecutionStatus = "Running"` })) {
      await temporal.client.workflow.getHandle(execution.workflowId, execution.runId).terminate('test cleanup').catch(() => undefined);
    }
    await app?.close();
    await worker?.shutdown();
    await target?.close();
    await temporal?.close();
    if (db) {
      await db.dropDatabase().catch(() => undefined);
      await closeDatabase(db);
    }
  });

  const auth = (token: string) => ({ authorization: `Bearer ${token}` });

  async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return app.inject({
      method, url,
      headers: { ...(token !== undefined && auth(token)), ...headers },
      ...(body !== undefined && { payload: body as Record<string, unknown> }),
    });
  }

  function registration(name: string, overrides: Record<string, unknown> = {}) {
    return { name, cronExpression: '0 9 * * 1', timezone: 'Europe/Paris', endpoint: `${target.url}/jobs/ok`, config: { batchSize: 100 }, timeoutMs: 5_000, maxRetries: 0, ...overrides };
  }

  async function register(token: string, name: string, overrides: Record<string, unknown> = {}): Promise<LightMyRequestResponse> {
    const response = await call('POST', '/api/jobs/register', token, registration(name, overrides));
    const org = (overrides.orgId as string | undefined) ?? (token === tokens.b ? orgB : orgA);
    created.add(httpJobScheduleId(org, name));
    return response;
  }

  async function runsOf(orgId: string, name: string, count: number, timeoutMs = 60_000) {
    const { RunReport } = getModels(db);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const docs = await RunReport.find({ job: httpJobReportName(orgId, name) }).sort({ startedAt: 1 }).lean();
      if (docs.length >= count || Date.now() > deadline) return docs;
      await sleep(300);
    }
  }

  function fieldsOf(response: LightMyRequestResponse): string[] {
    const body = response.json<{ fields?: { field: string }[] }>();
    return (body.fields ?? []).map((f) => f.field);
  }

  // -------------------------------------------------------------------------------------------
  it('stores tokens hashed: the database never holds a token, and a revoked token gets 401', async () => {
    const { token, id } = await createApiToken(db, { orgId: orgA, name: 'to revoke' });
    assert.match(token, /^mtr_[A-Za-z0-9_-]{43}$/);
    assert.equal(id, createHash('sha256').update(token).digest('hex'));
    const raw = await db.collection('api_tokens').find({}).toArray();
    assert.ok(raw.length >= 4);
    const dump = JSON.stringify(raw);
    for (const t of [token, tokens.a, tokens.b, tokens.admin]) {
      assert.ok(!dump.includes(t), 'no stored field holds a token');
      assert.ok(!dump.includes(t.slice(4)), 'not even without its prefix');
    }
    assert.ok(raw.some((d) => String(d._id) === id), 'the _id is the sha256 of the token');
    const listed = await listApiTokens(db);
    assert.ok(!JSON.stringify(listed).includes(token));
    assert.equal((await call('GET', '/api/jobs', token)).statusCode, 200);
    await revokeApiToken(db, id.slice(0, 12));
    const revoked = await call('GET', '/api/jobs', token);
    assert.equal(revoked.statusCode, 401);
    assert.deepEqual(revoked.json(), { error: 'unknown or revoked API token' });
  });

  it('answers 401 without a token, with a malformed header or an unknown token, on every /api route', async () => {
    const routes: ['GET' | 'POST' | 'PUT' | 'DELETE', string][] = [
      ['POST', '/api/jobs/register'], ['GET', '/api/jobs'], ['GET', '/api/jobs/x'], ['POST', '/api/jobs/x/trigger'], ['POST', '/api/jobs/x/enable'],
      ['POST', '/api/jobs/x/disable'], ['DELETE', '/api/jobs/x'], ['PUT', '/api/jobs/x/cron'], ['GET', '/api/jobs/x/history'], ['GET', '/api/jobs/x/stats'],
    ];
    for (const [method, url] of routes) {
      const missing = await call(method, url, undefined);
      assert.equal(missing.statusCode, 401, `${method} ${url}`);
      assert.match(missing.json<{ error: string }>().error, /missing API token/);
      assert.equal(missing.headers['www-authenticate'], 'Bearer');
      const malformed = await call(method, url, undefined, undefined, { authorization: 'Token abc' });
      assert.equal(malformed.statusCode, 401);
      assert.match(malformed.json<{ error: string }>().error, /malformed Authorization header/);
      const unknown = await call(method, url, `mtr_${randomBytes(32).toString('base64url')}`);
      assert.equal(unknown.statusCode, 401);
    }
  });

  it('registers a job as a Temporal Schedule, and re-registering updates the same Schedule', async () => {
    const first = await register(tokens.a, 'weekly-digest', { service: 'email-service', endpoint: 'jobs/ok', description: 'digest' });
    assert.equal(first.statusCode, 201, first.body);
    const job = first.json<{ created: boolean; job: Record<string, unknown> }>();
    assert.equal(job.created, true);
    assert.equal(job.job.scheduleId, `job-${orgA}.weekly-digest`);
    assert.equal(job.job.cronExpression, '0 9 * * 1');
    assert.equal(job.job.timezone, 'Europe/Paris');
    assert.equal(job.job.enabled, true);
    assert.match(String(job.job.nextRunAtLocal), /T09:00:00\+0[12]:00$/);

    const description = await temporal.client.schedule.getHandle(`job-${orgA}.weekly-digest`).describe();
    assert.equal(description.action.type, 'startWorkflow');
    assert.equal(description.action.workflowType, 'httpJobWorkflow');
    assert.equal(description.action.taskQueue, `${config.temporal.taskQueue}-jobs`);
    assert.deepEqual(description.action.args, [{ orgId: orgA, name: 'weekly-digest', triggeredBy: 'scheduler' }]);
    // The registry keeps what the job is, not when it runs (the Schedule owns that).
    const stored = await db.collection('jobs').findOne({ _id: `${orgA}/weekly-digest` as never });
    assert.ok(stored);
    assert.equal(stored.cronExpression, undefined);
    assert.equal(stored.endpoint, 'jobs/ok');

    const again = await register(tokens.a, 'weekly-digest', { service: 'email-service', endpoint: 'jobs/ok', cronExpression: '30 7 * * *', timezone: 'UTC' });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json<{ created: boolean }>().created, false);
    const updated = await temporal.client.schedule.getHandle(`job-${orgA}.weekly-digest`).describe();
    assert.equal(updated.spec.timezone, 'UTC');
    const got = await call('GET', '/api/jobs/weekly-digest', tokens.a);
    assert.equal(got.statusCode, 200);
    assert.equal(got.json<{ cronExpression: string }>().cronExpression, '30 7 * * *');
    assert.equal(got.json<{ description?: string }>().description, undefined, 're-registration replaces the whole registration');
    const list = await call('GET', '/api/jobs', tokens.a);
    assert.deepEqual(list.json<{ jobs: { name: string }[] }>().jobs.map((j) => j.name), ['weekly-digest']);

    // Registered disabled: the Schedule is created paused; an admin registers for an organisation it names.
    const paused = await register(tokens.admin, 'paused-job', { enabled: false, orgId: orgA });
    assert.equal(paused.statusCode, 201, paused.body);
    assert.deepEqual([paused.json<{ job: { orgId: string; enabled: boolean } }>().job.orgId, paused.json<{ job: { enabled: boolean } }>().job.enabled], [orgA, false]);
    assert.equal((await temporal.client.schedule.getHandle(`job-${orgA}.paused-job`).describe()).state.paused, true);
    assert.equal((await call('DELETE', '/api/jobs/paused-job', tokens.a)).statusCode, 200);
    const adminWithoutOrg = await call('POST', '/api/jobs/register', tokens.admin, registration('nobody'));
    assert.equal(adminWithoutOrg.statusCode, 400);
    assert.deepEqual(fieldsOf(adminWithoutOrg), ['orgId']);
  });

  it('runs a job through a real TCP port: POSTs the JobContext and records the JobResult as a run report', async () => {
    assert.equal((await register(tokens.a, 'ok-job', { config: { batchSize: 7 } })).statusCode, 201);
    const response = await fetch(`${apiUrl}/api/jobs/ok-job/trigger`, {
      method: 'POST', headers: { ...auth(tokens.a), 'x-triggered-by-user': 'alice' },
    });
    assert.equal(response.status, 202);
    const started = (await response.json()) as { workflowId: string; runId: string; executionId: string; triggeredBy: string };
    assert.equal(started.triggeredBy, 'manual');
    const [report] = await runsOf(orgA, 'ok-job', 1);
    assert.ok(report, 'a run report was recorded');
    assert.equal(report.status, 'completed');
    assert.equal(report.orgId, orgA);
    assert.equal(report.triggeredBy, 'manual');
    assert.equal(report.runId, started.runId);
    assert.deepEqual([report.itemsProcessed, report.itemsSucceeded, report.itemsFailed], [3, 2, 1]);
    assert.deepEqual(report.stats.metadata, { echo: { batchSize: 7 } });
    const call0 = target.calls.find((c) => c.context.jobName === 'ok-job');
    assert.deepEqual(call0?.context, { jobName: 'ok-job', config: { batchSize: 7 }, executionId: started.executionId, triggeredBy: 'manual', triggeredByUser: 'alice' });

    // An admin token's trigger is recorded as such, with the body's user (once the first manual run has ended).
    await temporal.client.workflow.getHandle(started.workflowId).result();
    const admin = await call('POST', `/api/jobs/ok-job/trigger?orgId=${orgA}`, tokens.admin, { triggeredByUser: 'root' });
    assert.equal(admin.statusCode, 202, admin.body);
    const runs = await runsOf(orgA, 'ok-job', 2);
    assert.equal(runs[1]?.triggeredBy, 'admin');
    assert.equal(runs[1]?.stats.triggeredByUser, 'root');

    // The Schedule's own action runs the same workflow, recorded as triggered by the scheduler.
    await temporal.client.schedule.getHandle(`job-${orgA}.ok-job`).trigger();
    const scheduled = await runsOf(orgA, 'ok-job', 3);
    assert.equal(scheduled[2]?.triggeredBy, 'scheduler');
    assert.equal(scheduled[2]?.status, 'completed');
  });

  it('records failed runs with the reason: 500 after retries with backoff, timeout, malformed JobResult, success false', async () => {
    await register(tokens.a, 'fail-job', { endpoint: `${target.url}/jobs/fail`, maxRetries: 1 });
    await register(tokens.a, 'slow-job', { endpoint: `${target.url}/jobs/slow`, timeoutMs: 1_000, maxRetries: 0 });
    await register(tokens.a, 'bad-job', { endpoint: `${target.url}/jobs/malformed`, maxRetries: 3 });
    await register(tokens.a, 'partial-job', { endpoint: `${target.url}/jobs/partial` });
    for (const name of ['fail-job', 'slow-job', 'bad-job', 'partial-job']) {
      assert.equal((await call('POST', `/api/jobs/${name}/trigger`, tokens.a)).statusCode, 202, name);
    }
    const [fail] = await runsOf(orgA, 'fail-job', 1);
    assert.equal(fail?.status, 'failed');
    assert.match(fail?.error ?? '', /answered 500 Internal Server Error: \{"message":"database exploded"\}/);
    assert.equal(target.calls.filter((c) => c.context.jobName === 'fail-job').length, 2, 'one retry (maxRetries 1)');

    const [slow] = await runsOf(orgA, 'slow-job', 1);
    assert.equal(slow?.status, 'failed');
    assert.match(slow?.error ?? '', /no answer from .*\/jobs\/slow within 1000 ms/);

    const [bad] = await runsOf(orgA, 'bad-job', 1);
    assert.equal(bad?.status, 'failed');
    assert.match(bad?.error ?? '', /malformed JobResult from .*: success: .*; itemsSucceeded: .*/);
    assert.equal(target.calls.filter((c) => c.context.jobName === 'bad-job').length, 1, 'a malformed answer is not retried');

    const [partial] = await runsOf(orgA, 'partial-job', 1);
    assert.equal(partial?.status, 'failed');
    assert.equal(partial?.error, 'four addresses bounced');
    assert.equal(partial?.itemsFailed, 4);
  });

  it('pages the history and computes the stats of a job', async () => {
    // ok-job ran 3 times above.
    const page1 = await call('GET', '/api/jobs/ok-job/history?limit=2', tokens.a);
    assert.equal(page1.statusCode, 200, page1.body);
    const body1 = page1.json<{ total: number; pages: number; items: { runId: string; startedAt: string; triggeredBy: string }[] }>();
    assert.equal(body1.total, 3);
    assert.equal(body1.pages, 2);
    assert.equal(body1.items.length, 2);
    assert.ok(body1.items[0]!.startedAt >= body1.items[1]!.startedAt, 'newest first');
    const page2 = (await call('GET', '/api/jobs/ok-job/history?limit=2&page=2', tokens.a)).json<{ items: { runId: string; triggeredBy: string }[] }>();
    assert.equal(page2.items.length, 1);
    assert.equal(page2.items[0]!.triggeredBy, 'manual', 'the oldest run comes last');
    assert.ok(!body1.items.some((i) => i.runId === page2.items[0]!.runId));
    const failedOnly = (await call('GET', '/api/jobs/fail-job/history?status=failed', tokens.a)).json<{ total: number; items: { error: string }[] }>();
    assert.equal(failedOnly.total, 1);
    assert.match(failedOnly.items[0]!.error, /answered 500/);

    const stats = (await call('GET', '/api/jobs/ok-job/stats', tokens.a)).json<Record<string, unknown>>();
    assert.equal(stats.totalRuns, 3);
    assert.equal(stats.successfulRuns, 3);
    assert.equal(stats.failedRuns, 0);
    assert.equal(stats.successRate, 1);
    assert.equal(stats.itemsProcessed, 9);
    assert.equal(stats.lastStatus, 'completed');
    assert.equal(typeof stats.avgDurationMs, 'number');
    const failStats = (await call('GET', '/api/jobs/fail-job/stats', tokens.a)).json<Record<string, unknown>>();
    assert.deepEqual([failStats.totalRuns, failStats.failedRuns, failStats.successRate], [1, 1, 0]);
    assert.match(String(failStats.lastError), /answered 500/);

    // The list and one job carry the newest run (from the run reports) and the cron in words.
    type Listed = { name: string; cronDescription?: string; lastRun?: { status: string; startedAt: string; itemsProcessed: number; triggeredBy?: string; error?: string } };
    const jobs = (await call('GET', '/api/jobs', tokens.a)).json<{ jobs: Listed[] }>().jobs;
    const okJob = jobs.find((j) => j.name === 'ok-job');
    assert.deepEqual([okJob?.lastRun?.status, okJob?.lastRun?.startedAt, okJob?.lastRun?.itemsProcessed], ['completed', body1.items[0]!.startedAt, 3]);
    assert.equal(okJob?.cronDescription, 'At 09:00, only on Monday');
    const failJob = jobs.find((j) => j.name === 'fail-job');
    assert.equal(failJob?.lastRun?.status, 'failed');
    assert.match(String(failJob?.lastRun?.error), /answered 500/);
    assert.equal(jobs.find((j) => j.name === 'weekly-digest')?.lastRun, undefined, 'a job that never ran has no lastRun');
    const one = (await call('GET', '/api/jobs/fail-job', tokens.a)).json<Listed>();
    assert.deepEqual([one.lastRun?.status, one.lastRun?.error], [failJob?.lastRun?.status, failJob?.lastRun?.error]);
  });

  it('enables, disables and changes the cron of a job in its Schedule', async () => {
    const handle = temporal.client.schedule.getHandle(`job-${orgA}.ok-job`);
    const disabled = await call('POST', '/api/jobs/ok-job/disable', tokens.a, { note: 'maintenance' });
    assert.equal(disabled.statusCode, 200, disabled.body);
    assert.equal(disabled.json<{ enabled: boolean }>().enabled, false);
    assert.equal((await handle.describe()).state.paused, true);
    assert.equal((await handle.describe()).state.note, 'maintenance');
    // Re-registering without `enabled` keeps an operator's disable.
    await register(tokens.a, 'ok-job', { config: { batchSize: 7 } });
    assert.equal((await handle.describe()).state.paused, true);
    const enabled = await call('POST', '/api/jobs/ok-job/enable', tokens.a);
    assert.equal(enabled.json<{ enabled: boolean }>().enabled, true);
    assert.equal((await handle.describe()).state.paused, false);

    const cron = await call('PUT', '/api/jobs/ok-job/cron', tokens.a, { cronExpression: '15  6 * * MON-FRI', timezone: 'America/New_York' });
    assert.equal(cron.statusCode, 200, cron.body);
    assert.equal(cron.json<{ cronExpression: string }>().cronExpression, '15 6 * * MON-FRI');
    const described = await handle.describe();
    assert.equal(described.spec.timezone, 'America/New_York');
    assert.equal(described.state.paused, false, 'the cron change keeps the pause state');
    assert.deepEqual(described.action.args, [{ orgId: orgA, name: 'ok-job', triggeredBy: 'scheduler' }]);

    // The list reads the Schedules' visibility records (one query), which catch up within moments.
    let listed: { name: string; cronExpression?: string; timezone?: string; enabled: boolean; nextRunAtLocal?: string } | undefined;
    for (let i = 0; i < 40; i += 1) {
      listed = (await call('GET', '/api/jobs', tokens.a)).json<{ jobs: NonNullable<typeof listed>[] }>().jobs.find((j) => j.name === 'ok-job');
      if (listed?.cronExpression === '15 6 * * MON-FRI') break;
      await sleep(250);
    }
    assert.deepEqual([listed?.cronExpression, listed?.timezone, listed?.enabled], ['15 6 * * MON-FRI', 'America/New_York', true]);
    assert.match(listed?.nextRunAtLocal ?? '', /T06:15:00-0[45]:00$/);
  });

  it('refuses a second manual run while one is in progress (409)', async () => {
    await register(tokens.a, 'slow-conflict', { endpoint: `${target.url}/jobs/slow`, timeoutMs: 10_000 });
    const first = await call('POST', '/api/jobs/slow-conflict/trigger', tokens.a);
    assert.equal(first.statusCode, 202);
    const second = await call('POST', '/api/jobs/slow-conflict/trigger', tokens.a);
    assert.equal(second.statusCode, 409);
    assert.match(second.json<{ error: string }>().error, /already has a manual run in progress/);
    const { workflowId } = first.json<{ workflowId: string }>();
    await temporal.client.workflow.getHandle(workflowId).result();
    assert.equal((await call('POST', '/api/jobs/slow-conflict/trigger', tokens.a)).statusCode, 202, 'allowed again once the run ended');
  });

  it('keeps organisations apart: org B cannot see, run or change org A\'s jobs, even by guessing names (404)', async () => {
    const okCalls = () => target.calls.filter((c) => c.context.jobName === 'ok-job').length;
    const before = okCalls();
    const { RunReport } = getModels(db);
    const runsBefore = await RunReport.countDocuments({ job: httpJobReportName(orgA, 'ok-job') });
    const requests: ['GET' | 'POST' | 'PUT' | 'DELETE', string, unknown?][] = [
      ['GET', '/api/jobs/ok-job'], ['POST', '/api/jobs/ok-job/trigger'], ['POST', '/api/jobs/ok-job/enable'], ['POST', '/api/jobs/ok-job/disable'],
      ['DELETE', '/api/jobs/ok-job'], ['PUT', '/api/jobs/ok-job/cron', { cronExpression: '0 0 * * *' }], ['GET', '/api/jobs/ok-job/history'], ['GET', '/api/jobs/ok-job/stats'],
    ];
    for (const [method, url, body] of requests) {
      const response = await call(method, url, tokens.b, body);
      assert.equal(response.statusCode, 404, `${method} ${url}: ${response.body}`);
      assert.deepEqual(response.json(), { error: 'job "ok-job" not found' }, 'the same answer as for a job that does not exist');
      const missing = await call(method, url.replace('ok-job', 'no-such-job'), tokens.a, body);
      assert.equal(missing.statusCode, 404);
      assert.deepEqual(missing.json(), { error: 'job "no-such-job" not found' });
    }
    assert.deepEqual((await call('GET', '/api/jobs', tokens.b)).json(), { jobs: [] });
    // Registering the same name in org B makes a job of org B, leaving A's alone.
    assert.equal((await register(tokens.b, 'ok-job', { cronExpression: '0 1 * * *' })).statusCode, 201);
    assert.equal((await call('GET', '/api/jobs/ok-job', tokens.a)).json<{ cronExpression: string }>().cronExpression, '15 6 * * MON-FRI');
    assert.equal((await call('GET', '/api/jobs/ok-job', tokens.b)).json<{ orgId: string }>().orgId, orgB);
    assert.equal((await call('DELETE', '/api/jobs/ok-job', tokens.b)).statusCode, 200);
    assert.equal((await call('GET', '/api/jobs/ok-job', tokens.a)).statusCode, 200, 'A\'s job survived B\'s delete');
    assert.equal(okCalls(), before, 'org B triggered nothing');
    assert.equal(await RunReport.countDocuments({ job: httpJobReportName(orgA, 'ok-job') }), runsBefore);

    // Naming another organisation explicitly is a scope error (403), for every route.
    for (const [method, url, body] of [...requests, ['GET', '/api/jobs'], ['POST', '/api/jobs/register', registration('x', { orgId: orgA })]] as typeof requests) {
      const withOrg = url.includes('register') ? url : `${url}?orgId=${orgA}`;
      const response = await call(method, withOrg, tokens.b, body);
      assert.equal(response.statusCode, 403, `${method} ${withOrg}`);
      assert.match(response.json<{ error: string }>().error, new RegExp(`scoped to organisation "${orgB}" and cannot act on organisation "${orgA}"`));
    }
    // An admin token reaches both, naming the organisation.
    const adminList = (await call('GET', '/api/jobs', tokens.admin)).json<{ jobs: { orgId: string }[] }>().jobs;
    assert.ok(adminList.some((j) => j.orgId === orgA));
    assert.equal((await call('GET', `/api/jobs/ok-job?orgId=${orgA}`, tokens.admin)).statusCode, 200);
    const noOrg = await call('GET', '/api/jobs/ok-job', tokens.admin);
    assert.equal(noOrg.statusCode, 400);
    assert.deepEqual(fieldsOf(noOrg), ['orgId']);
  });

  it('answers malformed input with 400 naming the fields, on every route', async () => {
    const missing = await call('POST', '/api/jobs/register', tokens.a, {});
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(fieldsOf(missing).sort(), ['cronExpression', 'endpoint', 'name']);
    assert.equal(missing.json<{ error: string }>().error, 'invalid body');

    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ cronExpression: '0 9 * *' }, 'cronExpression', /expected 5 fields/],
      [{ cronExpression: '0 25 * * *' }, 'cronExpression', /hour "25" is out of range 0-23/],
      [{ timezone: 'Mars/Olympus' }, 'timezone', /IANA time zone/],
      [{ name: 'Bad Name!' }, 'name', /job name/],
      [{ timeoutMs: 10 }, 'timeoutMs', /1000/],
      [{ maxRetries: 11 }, 'maxRetries', /10/],
      [{ maxRetries: 'three' }, 'maxRetries', /number/],
      [{ config: [1, 2] }, 'config', /record|object/],
      [{ enabled: 'yes' }, 'enabled', /boolean/],
      [{ frequency: 'daily' }, 'frequency', /unknown field/],
      [{ orgId: 'no/slash' }, 'orgId', /organisation id/],
      [{ endpoint: 'jobs/ok' }, 'endpoint', /not an absolute http\(s\) URL and no service/],
      [{ endpoint: 'jobs/ok', service: 'crawler-service' }, 'service', /set CRAWLER_SERVICE_URL/],
      [{ endpoint: 'jobs/ok', service: 'billing' }, 'service', /unknown/],
    ];
    for (const [override, field, message] of cases) {
      const response = await call('POST', '/api/jobs/register', tokens.a, registration('valid-name', override));
      assert.equal(response.statusCode, 400, `${JSON.stringify(override)}: ${response.body}`);
      const problems = response.json<{ fields: { field: string; message: string }[] }>().fields;
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.equal(problems[0]!.field, field);
      assert.match(problems[0]!.message, message);
    }
    assert.equal((await call('GET', '/api/jobs/valid-name', tokens.a)).statusCode, 404, 'nothing was registered by a refused request');

    const notJson = await app.inject({ method: 'POST', url: '/api/jobs/register', headers: { ...auth(tokens.a), 'content-type': 'application/json' }, payload: '{"name":' });
    assert.equal(notJson.statusCode, 400);
    assert.match(notJson.json<{ error: string }>().error, /not valid JSON/);

    const badName = 'Not_Valid';
    for (const [method, url, body] of [
      ['GET', `/api/jobs/${badName}`], ['POST', `/api/jobs/${badName}/trigger`], ['POST', `/api/jobs/${badName}/enable`], ['POST', `/api/jobs/${badName}/disable`],
      ['DELETE', `/api/jobs/${badName}`], ['PUT', `/api/jobs/${badName}/cron`, { cronExpression: '0 0 * * *' }], ['GET', `/api/jobs/${badName}/history`], ['GET', `/api/jobs/${badName}/stats`],
    ] as ['GET' | 'POST' | 'PUT' | 'DELETE', string, unknown?][]) {
      const response = await call(method, url, tokens.a, body);
      assert.equal(response.statusCode, 400, `${method} ${url}`);
      assert.deepEqual(fieldsOf(response), ['name']);
      const badOrg = await call(method, `${url.replace(badName, 'ok-job')}?orgId=a.b`, tokens.admin, body);
      assert.equal(badOrg.statusCode, 400);
      assert.deepEqual(fieldsOf(badOrg), ['orgId']);
    }
    assert.deepEqual(fieldsOf(await call('GET', '/api/jobs?orgId=a%2Fb', tokens.admin)), ['orgId']);

    const expectFields = async (response: Promise<LightMyRequestResponse>, fields: string[]) => {
      const r = await response;
      assert.equal(r.statusCode, 400, r.body);
      assert.deepEqual(fieldsOf(r), fields);
    };
    await expectFields(call('PUT', '/api/jobs/ok-job/cron', tokens.a, { cronExpression: '61 * * * *' }), ['cronExpression']);
    await expectFields(call('PUT', '/api/jobs/ok-job/cron', tokens.a, { cronExpression: '0 0 * * *', timezone: 'Nowhere' }), ['timezone']);
    await expectFields(call('PUT', '/api/jobs/ok-job/cron', tokens.a, {}), ['cronExpression']);
    await expectFields(call('GET', '/api/jobs/ok-job/history?page=0', tokens.a), ['page']);
    await expectFields(call('GET', '/api/jobs/ok-job/history?limit=1000', tokens.a), ['limit']);
    await expectFields(call('GET', '/api/jobs/ok-job/history?limit=ten', tokens.a), ['limit']);
    await expectFields(call('GET', '/api/jobs/ok-job/history?status=running', tokens.a), ['status']);
    await expectFields(call('POST', '/api/jobs/ok-job/trigger', tokens.a, { triggeredBy: 'scheduler' }), ['triggeredBy']);
    await expectFields(call('POST', '/api/jobs/ok-job/trigger', tokens.a, { triggeredByUser: '' }), ['triggeredByUser']);
    await expectFields(call('POST', '/api/jobs/ok-job/trigger', tokens.a, undefined, { 'x-triggered-by-user': 'x'.repeat(201) }), ['x-triggered-by-user']);
    await expectFields(call('POST', '/api/jobs/ok-job/enable', tokens.a, { note: 42 }), ['note']);
    await expectFields(call('POST', '/api/jobs/ok-job/disable', tokens.a, { paused: true }), ['paused']);
  });

  it('answers 413 with JSON when the body is over the limit', async () => {
    const big = registration('big-job', { config: { blob: 'x'.repeat(70_000) } });
    const response = await call('POST', '/api/jobs/register', tokens.a, big);
    assert.equal(response.statusCode, 413);
    assert.deepEqual(response.json(), { error: 'request body too large: the limit is 65536 bytes (API_BODY_LIMIT_BYTES)' });
    const overTcp = await fetch(`${apiUrl}/api/jobs/register`, { method: 'POST', headers: { ...auth(tokens.a), 'content-type': 'application/json' }, body: JSON.stringify(big) });
    assert.equal(overTcp.status, 413);
  });

  it('deletes a job and its Schedule, keeping its run reports', async () => {
    const { RunReport } = getModels(db);
    const runs = await RunReport.countDocuments({ job: httpJobReportName(orgA, 'fail-job') });
    const response = await call('DELETE', '/api/jobs/fail-job', tokens.a);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { orgId: orgA, name: 'fail-job', deleted: true });
    await assert.rejects(temporal.client.schedule.getHandle(`job-${orgA}.fail-job`).describe(), ScheduleNotFoundError);
    assert.equal((await call('GET', '/api/jobs/fail-job', tokens.a)).statusCode, 404);
    assert.equal((await call('DELETE', '/api/jobs/fail-job', tokens.a)).statusCode, 404);
    assert.equal(await RunReport.countDocuments({ job: httpJobReportName(orgA, 'fail-job') }), runs);
  });

  it('serves /health (200 when MongoDB and Temporal answer, 503 naming the one that does not), /metrics and /openapi.json', async () => {
    const health = await fetch(`${apiUrl}/health`);
    assert.equal(health.status, 200);
    const body = (await health.json()) as { status: string; dependencies: Record<string, { status: string }> };
    assert.equal(body.status, 'ok');
    assert.deepEqual(Object.keys(body.dependencies).sort(), ['mongodb', 'temporal']);

    // A server whose database connection is closed, and one whose Temporal address answers nothing.
    const closedDb = await connectDatabase(config.mongodbUri);
    await closeDatabase(closedDb);
    const downDb = await buildApiServer({ config, db: closedDb, temporal: temporal.client, logger: createLogger('silent') });
    const lazy = TemporalConnection.lazy({ address: `127.0.0.1:${basePort + 900}`, connectTimeout: 1000 });
    const downTemporal = await buildApiServer({ config, db, temporal: new Client({ connection: lazy }), logger: createLogger('silent') });
    try {
      const r1 = await downDb.inject({ method: 'GET', url: '/health' });
      assert.equal(r1.statusCode, 503);
      const b1 = r1.json<{ status: string; dependencies: { mongodb: { status: string; error: string }; temporal: { status: string } } }>();
      assert.equal(b1.status, 'unhealthy');
      assert.equal(b1.dependencies.mongodb.status, 'down');
      assert.equal(b1.dependencies.temporal.status, 'up');
      const r2 = await downTemporal.inject({ method: 'GET', url: '/health' });
      assert.equal(r2.statusCode, 503);
      const b2 = r2.json<{ dependencies: { mongodb: { status: string }; temporal: { status: string; error: string } } }>();
      assert.equal(b2.dependencies.mongodb.status, 'up');
      assert.equal(b2.dependencies.temporal.status, 'down');
      assert.ok(b2.dependencies.temporal.error.length > 0);
    } finally {
      await downDb.close();
      await downTemporal.close();
      // Not closed: closing a lazy connection that is still trying to connect throws
      // "Channel has been shut down" asynchronously; the idle channel does not keep node alive.
    }

    const metrics = await (await fetch(`${apiUrl}/metrics`)).text();
    assert.match(metrics, /http_requests_total\{method="GET",route="\/api\/jobs\/:name",status_code="404"\} \d+/);
    assert.match(metrics, /http_request_duration_seconds_bucket\{le="0\.1",method="POST",route="\/api\/jobs\/register",status_code="201"\} \d+/);
    assert.match(metrics, /process_cpu_user_seconds_total \d/);
    assert.doesNotMatch(metrics, /route="\/api\/jobs\/ok-job"/, 'labels use the route pattern, not the URL');

    const openapi = (await (await fetch(`${apiUrl}/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown; responses?: Record<string, unknown> }>> };
    assert.match(openapi.openapi, /^3\./);
    for (const path of ['/api/jobs/register', '/api/jobs', '/api/jobs/{name}', '/api/jobs/{name}/trigger', '/api/jobs/{name}/cron', '/api/jobs/{name}/history', '/api/jobs/{name}/stats', '/health']) {
      assert.ok(openapi.paths[path], `OpenAPI documents ${path}`);
    }
    assert.ok(openapi.paths['/api/jobs/register']?.post?.requestBody, 'the register body schema is documented');
    const getJobDoc = openapi.paths['/api/jobs/{name}']?.get;
    assert.match(JSON.stringify(getJobDoc?.responses?.['200']), /"lastRun".*"cronDescription"|"cronDescription".*"lastRun"/, 'the last run and the cron in words are documented');
    assert.deepEqual(Object.keys(getJobDoc?.responses ?? {}).sort(), ['200', '400', '401', '403', '404', '409', '413'], 'answers and errors are documented');
    const unknownRoute = await call('GET', '/nope', undefined);
    assert.equal(unknownRoute.statusCode, 404);
    assert.deepEqual(unknownRoute.json(), { error: 'no route GET /nope' });
  });
});
