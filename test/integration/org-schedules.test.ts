// Organisation schedules on the real stack: the Temporal dev server, the MongoDB-protocol server,
// a `jobs` worker of the test's own and the real API server with real tokens.
// Schedules created, triggered, their history, missed slots backfilled exactly once, a paused
// schedule skipping its slot, cross-organisation isolation, bad input on every route, and the
// DST launcher on Temporal with a backfill over the (past) 2026 Paris transitions.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScheduleOverlapPolicy, WorkflowNotFoundError } from '@temporalio/client';
import { getModels } from '../../src/db/models';
import { getOrgScheduleModel } from '../../src/db/models/org-schedule';
import { orgScheduleKey, orgTemporalScheduleId, slotWorkflowId } from '../../src/domain/org-schedules';
import { compileSpec, type OrgScheduleHistory, type OrgScheduleView } from '../../src/services/org-schedules';
import { startOrgStack, type OrgStack } from '../helpers/org-api';
import { uniqueName } from '../helpers/local-stack';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(300);
  }
}

describe('organisation schedules API on the real stack', () => {
  let stack: OrgStack;
  let hook: Server;
  let hookUrl: string;
  const hookCalls: Record<string, unknown>[] = [];
  const orgA = uniqueName('acme').replace(/_/g, '-');
  const orgB = uniqueName('globex').replace(/_/g, '-');
  // Real API tokens, created once the stack is up.
  let asA: Record<string, string>;
  let asB: Record<string, string>;
  let asAdmin: Record<string, string>;

  type Reply = { statusCode: number; json: () => unknown };
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, headers: Record<string, string>, payload?: unknown): Promise<Reply> =>
    stack.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  const base = (org: string) => `/api/orgs/${org}/schedules`;

  async function create(org: string, body: Record<string, unknown>): Promise<OrgScheduleView> {
    const res = await call('POST', base(org), { authorization: `Bearer ${await stack.tokenFor(org)}` }, body);
    assert.equal(res.statusCode, 201, JSON.stringify(res.json()));
    return res.json() as OrgScheduleView;
  }

  async function reportsOf(org: string, scheduleId: string) {
    return getModels(stack.db).RunReport.find({ job: `org-schedule:${org}/${scheduleId}` }).lean();
  }

  before(async () => {
    stack = await startOrgStack('orgsched');
    asA = { authorization: `Bearer ${await stack.tokenFor(orgA)}` };
    asB = { authorization: `Bearer ${await stack.tokenFor(orgB)}` };
    asAdmin = { authorization: `Bearer ${stack.adminToken}` };
    hook = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        hookCalls.push(JSON.parse(body) as Record<string, unknown>);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ success: true, itemsProcessed: 7, itemsSucceeded: 6, itemsFailed: 1 }));
      });
    });
    await new Promise<void>((resolve) => hook.listen(22101, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/jobs/digest`;
  });

  after(async () => {
    await new Promise<void>((resolve) => hook?.close(() => resolve()));
    await stack?.close();
  });

  it('creates from a preset, reads, lists, refuses the same target and spec twice (409), updates and deletes', async () => {
    const created = await create(orgA, { name: 'digest', preset: { preset: 'daily', time: '09:00' }, timeZone: 'Europe/Paris', target: { type: 'log' } });
    assert.equal(created.cron, '0 9 * * *');
    assert.equal(created.description, 'At 09:00');
    assert.deepEqual(created.dstPolicy, { gap: 'shift', overlap: 'first' });
    assert.equal(created.paused, false);
    assert.equal(created.nextRuns.length, 3);
    assert.match(created.nextRuns[0]!.local, /T09:00:00\+0[12]:00$/);
    assert.equal(created.temporalScheduleId, `org-${orgA}-${created.scheduleId}`);
    // The spec lives in Temporal: compiled with the DST exclusions and launchers.
    const described = await stack.temporal.schedule.getHandle(created.temporalScheduleId).describe();
    assert.equal(described.spec.timezone, 'Europe/Paris');
    assert.ok((described.spec.skip ?? []).length >= 20, 'transition dates excluded');
    // Mongo holds metadata only: no cron, zone or pause flag.
    const doc = await getOrgScheduleModel(stack.db).findById(orgScheduleKey(orgA, created.scheduleId)).lean();
    assert.ok(doc);
    assert.equal((doc as unknown as Record<string, unknown>).cron, undefined);

    const got = await call('GET', `${base(orgA)}/${created.scheduleId}`, asA);
    assert.equal(got.statusCode, 200);
    assert.equal((got.json() as OrgScheduleView).name, 'digest');
    const list = (await call('GET', base(orgA), asA)).json() as { schedules: OrgScheduleView[] };
    assert.deepEqual(list.schedules.map((s) => s.scheduleId), [created.scheduleId]);

    const twice = await call('POST', base(orgA), asA, { name: 'digest again', cron: '0  9 * * *', timeZone: 'Europe/Paris', target: { type: 'log' } });
    assert.equal(twice.statusCode, 409);
    assert.equal((twice.json() as { conflictWith: string }).conflictWith, created.scheduleId);
    // Another organisation may have the same one.
    await create(orgB, { name: 'digest', cron: '0 9 * * *', timeZone: 'Europe/Paris', target: { type: 'log' } });

    const other = await create(orgA, { name: 'weekly', preset: { preset: 'weekly', time: '18:30', dayOfWeek: 'FRI' }, timeZone: 'UTC', target: { type: 'log' } });
    assert.equal(other.cron, '30 18 * * 5');
    const clash = await call('PATCH', `${base(orgA)}/${other.scheduleId}`, asA, { cron: '0 9 * * *', timeZone: 'Europe/Paris' });
    assert.equal(clash.statusCode, 409);
    const updated = await call('PUT', `${base(orgA)}/${other.scheduleId}`, asA, { preset: { preset: 'monthly', time: '07:15', dayOfMonth: 1 }, dstPolicy: { gap: 'skip', overlap: 'both' } });
    assert.equal(updated.statusCode, 200, JSON.stringify(updated.json()));
    assert.equal((updated.json() as OrgScheduleView).cron, '15 7 1 * *');
    assert.deepEqual((updated.json() as OrgScheduleView).dstPolicy, { gap: 'skip', overlap: 'both' });
    const describedAfter = await stack.temporal.schedule.getHandle(other.temporalScheduleId).describe();
    assert.equal(describedAfter.spec.timezone, 'UTC');

    assert.equal((await call('DELETE', `${base(orgA)}/${other.scheduleId}`, asA)).statusCode, 204);
    assert.equal((await call('GET', `${base(orgA)}/${other.scheduleId}`, asA)).statusCode, 404);
    await assert.rejects(stack.temporal.schedule.getHandle(other.temporalScheduleId).describe());
  });

  it('every route is in the OpenAPI document, its input described from the zod schemas', () => {
    const doc = stack.app.swagger() as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } }>> };
    const paths = Object.keys(doc.paths).filter((p) => p.startsWith('/api/orgs/'));
    assert.deepEqual(paths.sort(), [
      '/api/orgs/{orgId}/schedules', '/api/orgs/{orgId}/schedules/validate-cron', '/api/orgs/{orgId}/schedules/{scheduleId}',
      '/api/orgs/{orgId}/schedules/{scheduleId}/backfill-missed', '/api/orgs/{orgId}/schedules/{scheduleId}/history',
      '/api/orgs/{orgId}/schedules/{scheduleId}/pause', '/api/orgs/{orgId}/schedules/{scheduleId}/trigger', '/api/orgs/{orgId}/schedules/{scheduleId}/unpause',
    ]);
    const create = doc.paths['/api/orgs/{orgId}/schedules']!.post!.requestBody!.content['application/json']!.schema;
    assert.deepEqual(Object.keys(create.properties).sort(), ['cron', 'dstPolicy', 'name', 'paused', 'preset', 'target', 'timeZone']);
    assert.equal(doc.paths['/admin'], undefined, 'the admin page is not an API route');
  });

  it('validate-cron describes the cron and lists next runs in the zone, with offsets and DST flags', async () => {
    const res = await call('POST', `${base(orgA)}/validate-cron`, asA, { cron: '30 2 * * *', timeZone: 'Europe/Paris', count: 50, dstPolicy: { gap: 'skip', overlap: 'both' } });
    assert.equal(res.statusCode, 200, JSON.stringify(res.json()));
    const body = res.json() as { description: string; nextRuns: { at: string; local: string; offset: string; dst: string | null; runs: boolean }[] };
    assert.equal(body.description, 'At 02:30');
    assert.equal(body.nextRuns.length, 50);
    for (const run of body.nextRuns) assert.match(run.local, /^\d{4}-\d\d-\d\dT0[23]:30:00\+0[12]:00$/);
    const preset = await call('POST', `${base(orgA)}/validate-cron`, asA, { preset: { preset: 'daily', time: '02:30' }, timeZone: 'Europe/Paris', count: 400 });
    assert.equal(preset.statusCode, 400, 'count is at most 50');
    // 2027-03-28 is within the next 160 daily slots from late 2026: use the domain preview with a date instead.
    const gap = (await call('POST', `${base(orgA)}/validate-cron`, asA, { cron: '30 2 28 3 *', timeZone: 'Europe/Paris', count: 2 })).json() as typeof body;
    assert.deepEqual(gap.nextRuns.map((r) => [r.local.slice(0, 10), r.dst !== null]), [['2027-03-28', true], ['2028-03-28', false]]);
    assert.equal(gap.nextRuns[0]!.local, '2027-03-28T03:30:00+02:00');
  });

  it('bad input on every route: 400 naming the field', async () => {
    const anId = (await create(orgA, { name: 'for bad input', cron: '*/10 * * * *', timeZone: 'UTC', target: { type: 'log' } })).scheduleId;
    const cases: [string, 'GET' | 'POST' | 'PUT' | 'PATCH', string, unknown, string, RegExp?][] = [
      ['bad cron', 'POST', base(orgA), { name: 'x', cron: '0 25 * * *', timeZone: 'UTC', target: { type: 'log' } }, 'cron', /hour "25" is out of range 0-23/],
      ['bad zone', 'POST', base(orgA), { name: 'x', cron: '0 9 * * *', timeZone: 'Europe/Pariss', target: { type: 'log' } }, 'timeZone', /IANA/],
      ['bad preset', 'POST', base(orgA), { name: 'x', preset: { preset: 'hourly', time: '09:00' }, timeZone: 'UTC', target: { type: 'log' } }, 'preset.preset', /daily/],
      ['bad preset time', 'POST', base(orgA), { name: 'x', preset: { preset: 'daily', time: '9am' }, timeZone: 'UTC', target: { type: 'log' } }, 'preset.time', /HH:MM/],
      ['bad preset day', 'POST', base(orgA), { name: 'x', preset: { preset: 'monthly', time: '09:00', dayOfMonth: 31 }, timeZone: 'UTC', target: { type: 'log' } }, 'preset.dayOfMonth'],
      ['bad gap policy', 'POST', base(orgA), { name: 'x', cron: '0 9 * * *', timeZone: 'UTC', dstPolicy: { gap: 'later' }, target: { type: 'log' } }, 'dstPolicy.gap', /shift, skip/],
      ['bad overlap policy', 'POST', base(orgA), { name: 'x', cron: '0 9 * * *', timeZone: 'UTC', dstPolicy: { gap: 'skip', overlap: 'twice' }, target: { type: 'log' } }, 'dstPolicy.overlap', /first, last, both/],
      ['no cron nor preset', 'POST', base(orgA), { name: 'x', timeZone: 'UTC', target: { type: 'log' } }, 'cron', /required/],
      ['both cron and preset', 'POST', base(orgA), { name: 'x', cron: '0 9 * * *', preset: { preset: 'daily', time: '09:00' }, timeZone: 'UTC', target: { type: 'log' } }, 'preset', /not both/],
      ['bad target url', 'POST', base(orgA), { name: 'x', cron: '0 9 * * *', timeZone: 'UTC', target: { type: 'http', url: 'ftp://x' } }, 'target.url'],
      ['unknown field', 'POST', base(orgA), { name: 'x', cron: '0 9 * * *', timeZone: 'UTC', target: { type: 'log' }, every: 5 }, ''],
      ['update bad cron', 'PATCH', `${base(orgA)}/${anId}`, { cron: '61 * * * *' }, 'cron', /minute "61"/],
      ['update bad zone', 'PUT', `${base(orgA)}/${anId}`, { timeZone: 'Mars/Olympus' }, 'timeZone'],
      ['update bad policy', 'PATCH', `${base(orgA)}/${anId}`, { dstPolicy: { overlap: 'never' } }, 'dstPolicy.overlap'],
      ['validate bad cron', 'POST', `${base(orgA)}/validate-cron`, { cron: '* * *', timeZone: 'UTC' }, 'cron', /expected 5 fields/],
      ['validate bad zone', 'POST', `${base(orgA)}/validate-cron`, { cron: '* * * * *', timeZone: 'Paris' }, 'timeZone'],
      ['validate bad count', 'POST', `${base(orgA)}/validate-cron`, { cron: '* * * * *', timeZone: 'UTC', count: 0 }, 'count'],
      ['history bad from', 'GET', `${base(orgA)}/${anId}/history?from=yesterday&to=2027-01-01T00:00:00Z`, undefined, 'from', /ISO 8601/],
      ['history reversed', 'GET', `${base(orgA)}/${anId}/history?from=2027-01-02T00:00:00Z&to=2027-01-01T00:00:00Z`, undefined, 'to', /after from/],
      ['history too long', 'GET', `${base(orgA)}/${anId}/history?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z`, undefined, 'to', /92 days/],
      ['backfill missing to', 'POST', `${base(orgA)}/${anId}/backfill-missed`, { from: '2026-01-01T00:00:00Z' }, 'to'],
      ['bad org id', 'GET', '/api/orgs/a%20b/schedules', undefined, 'orgId'],
    ];
    for (const [what, method, url, payload, field, message] of cases) {
      const res = await call(method, url, asA, payload);
      assert.equal(res.statusCode, 400, `${what}: ${JSON.stringify(res.json())}`);
      const body = res.json() as { error: string; fields: { field: string; message: string }[] };
      assert.ok(body.fields.some((f) => f.field === field || (field === '' && f.message.length > 0)), `${what}: fields ${JSON.stringify(body.fields)} should name "${field}"`);
      if (message) assert.ok(body.fields.some((f) => message.test(f.message)), `${what}: ${JSON.stringify(body.fields)} should match ${String(message)}`);
    }
    // An unknown schedule id is 404, also on POST routes.
    for (const path of ['trigger', 'pause', 'unpause']) assert.equal((await call('POST', `${base(orgA)}/s000000000000/${path}`, asA)).statusCode, 404);
  });

  it('organisation isolation: B cannot read, change, trigger or even find A’s schedules; no token is 401', async () => {
    const a = await create(orgA, { name: 'private', cron: '0 6 * * *', timeZone: 'UTC', target: { type: 'log' } });
    const id = a.scheduleId;
    const attempts: [string, 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', string, unknown?][] = [
      ['list', 'GET', base(orgA)],
      ['get', 'GET', `${base(orgA)}/${id}`],
      ['update', 'PATCH', `${base(orgA)}/${id}`, { cron: '0 7 * * *' }],
      ['put', 'PUT', `${base(orgA)}/${id}`, { name: 'mine' }],
      ['delete', 'DELETE', `${base(orgA)}/${id}`],
      ['trigger', 'POST', `${base(orgA)}/${id}/trigger`],
      ['pause', 'POST', `${base(orgA)}/${id}/pause`],
      ['unpause', 'POST', `${base(orgA)}/${id}/unpause`],
      ['history', 'GET', `${base(orgA)}/${id}/history?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z`],
      ['backfill', 'POST', `${base(orgA)}/${id}/backfill-missed`, { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }],
      ['create', 'POST', base(orgA), { name: 'x', cron: '0 9 * * *', timeZone: 'UTC', target: { type: 'log' } }],
      ['validate', 'POST', `${base(orgA)}/validate-cron`, { cron: '0 9 * * *', timeZone: 'UTC' }],
    ];
    for (const [what, method, url, payload] of attempts) {
      assert.equal((await call(method, url, asB, payload)).statusCode, 404, `B ${what}`);
      assert.equal((await call(method, url, {}, payload)).statusCode, 401, `anonymous ${what}`);
    }
    // B guessing A's id under its own organisation: 404 too.
    assert.equal((await call('GET', `${base(orgB)}/${id}`, asB)).statusCode, 404);
    assert.equal((await call('POST', `${base(orgB)}/${id}/trigger`, asB)).statusCode, 404);
    // Nothing changed, nothing ran.
    const still = (await call('GET', `${base(orgA)}/${id}`, asA)).json() as OrgScheduleView;
    assert.equal(still.cron, '0 6 * * *');
    assert.equal(still.paused, false);
    assert.equal((await reportsOf(orgA, id)).length, 0);
    // An admin token reaches any organisation.
    assert.equal((await call('GET', `${base(orgA)}/${id}`, asAdmin)).statusCode, 200);
  });

  it('trigger runs the HTTP target with a JobContext and records its JobResult; the view shows the last run', async () => {
    const s = await create(orgA, { name: 'hook', cron: '0 3 * * *', timeZone: 'UTC', target: { type: 'http', url: hookUrl, config: { batch: 5 } } });
    const res = await call('POST', `${base(orgA)}/${s.scheduleId}/trigger`, asA);
    assert.equal(res.statusCode, 202);
    const { workflowId } = res.json() as { workflowId: string };
    assert.match(workflowId, new RegExp(`^org-${orgA}-${s.scheduleId}-manual-`));
    const reports = await waitFor(() => reportsOf(orgA, s.scheduleId), (r) => r.length === 1);
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.status, 'completed');
    assert.equal(reports[0]!.itemsProcessed, 7);
    assert.equal(reports[0]!.itemsFailed, 1);
    const context = hookCalls.find((c) => c.executionId === workflowId);
    assert.ok(context, 'the target received the JobContext');
    assert.equal(context.jobName, `${orgA}/${s.scheduleId}`);
    assert.equal(context.triggeredBy, 'manual');
    assert.deepEqual(context.config, { batch: 5 });
    const view = (await call('GET', `${base(orgA)}/${s.scheduleId}`, asA)).json() as OrgScheduleView;
    assert.equal(view.lastRun?.status, 'completed');
    assert.equal(view.lastRun?.workflowId, workflowId);
  });

  it('history lists every expected slot; backfill-missed runs exactly the missed ones, and a second call none', async () => {
    const s = await create(orgA, { name: 'every five', cron: '*/5 * * * *', timeZone: 'UTC', target: { type: 'log' } });
    // The scheduler "was down" for the last hour: the schedule existed (createdAt an hour ago), nothing ran.
    const now = Date.now();
    await getOrgScheduleModel(stack.db).updateOne({ _id: orgScheduleKey(orgA, s.scheduleId) }, { $set: { createdAt: new Date(now - 3600_000) } });
    // A pause from 50 to 40 minutes ago: those slots were skipped, not missed.
    const t0 = Math.floor((now - 50 * 60_000) / 300_000) * 300_000;
    await getOrgScheduleModel(stack.db).updateOne({ _id: orgScheduleKey(orgA, s.scheduleId) }, { $set: { pauses: [{ from: new Date(t0 - 1000), to: new Date(t0 + 10 * 60_000 + 1000) }] } });
    const from = new Date(now - 3600_000).toISOString();
    const to = new Date(now - 15 * 60_000).toISOString();
    const url = `${base(orgA)}/${s.scheduleId}/history?from=${from}&to=${to}`;
    const before = (await call('GET', url, asA)).json() as OrgScheduleHistory;
    const expectedSlots = before.slots.length;
    assert.ok(expectedSlots >= 8 && expectedSlots <= 10, `slots ${expectedSlots}`);
    for (const slot of before.slots) assert.equal(new Date(slot.at).getUTCMinutes() % 5, 0);
    assert.equal(before.counts.skipped, 3, JSON.stringify(before.counts));
    assert.ok(before.slots.filter((x) => x.status === 'skipped').every((x) => x.reason === 'paused'));
    const missed = before.slots.filter((x) => x.status === 'missed');
    assert.equal(missed.length, expectedSlots - 3);

    const first = await call('POST', `${base(orgA)}/${s.scheduleId}/backfill-missed`, asA, { from, to });
    assert.equal(first.statusCode, 200);
    const backfilled = (first.json() as { backfilled: { slot: string; workflowId: string }[] }).backfilled;
    assert.deepEqual(backfilled.map((b) => b.slot), missed.map((m) => m.at));
    assert.deepEqual(backfilled.map((b) => b.workflowId), missed.map((m) => slotWorkflowId(orgA, s.scheduleId, new Date(m.at))));
    const reports = await waitFor(() => reportsOf(orgA, s.scheduleId), (r) => r.length === missed.length);
    assert.equal(reports.length, missed.length);
    assert.deepEqual(reports.map((r) => (r.stats as { slot: string }).slot).sort(), missed.map((m) => `${m.at.slice(0, 19)}Z`).sort());

    const second = await call('POST', `${base(orgA)}/${s.scheduleId}/backfill-missed`, asA, { from, to });
    assert.deepEqual((second.json() as { backfilled: unknown[] }).backfilled, []);
    const afterwards = (await call('GET', url, asA)).json() as OrgScheduleHistory;
    assert.deepEqual(afterwards.counts, { ran: missed.length, skipped: 3, missed: 0, pending: 0, upcoming: 0 });
    assert.equal(afterwards.stats.runs, missed.length);
    assert.equal(afterwards.stats.succeeded, missed.length);
    assert.equal((await reportsOf(orgA, s.scheduleId)).length, missed.length, 'nothing ran twice');
  });

  it('a paused schedule skips its slot on Temporal (history: skipped, paused); an active one runs it', async () => {
    const paused = await create(orgA, { name: 'paused every minute', cron: '* * * * *', timeZone: 'UTC', target: { type: 'log', message: 'paused one' } });
    const active = await create(orgA, { name: 'active every minute', cron: '* * * * *', timeZone: 'Europe/Paris', target: { type: 'log', message: 'active one' } });
    const res = await call('POST', `${base(orgA)}/${paused.scheduleId}/pause`, asA);
    assert.equal((res.json() as OrgScheduleView).paused, true);
    assert.deepEqual((res.json() as OrgScheduleView).nextRuns, []);
    assert.equal((await stack.temporal.schedule.getHandle(paused.temporalScheduleId).describe()).state.paused, true);
    // The next minute's slot.
    const slot = new Date(Math.ceil((Date.now() + 1000) / 60_000) * 60_000);
    const ran = await waitFor(() => reportsOf(orgA, active.scheduleId), (r) => r.some((x) => (x.stats as { slot: string }).slot === `${slot.toISOString().slice(0, 19)}Z`), 100_000);
    assert.ok(ran.some((x) => x.workflowId === slotWorkflowId(orgA, active.scheduleId, slot)), 'the active schedule ran its slot');
    await sleep(2000);
    await assert.rejects(stack.temporal.workflow.getHandle(slotWorkflowId(orgA, paused.scheduleId, slot)).describe(), WorkflowNotFoundError);
    const history = (await call('GET', `${base(orgA)}/${paused.scheduleId}/history?from=${new Date(slot.getTime() - 1000).toISOString()}&to=${slot.toISOString()}`, asA)).json() as OrgScheduleHistory;
    assert.deepEqual(history.slots.map((x) => [x.at, x.status, x.reason]), [[slot.toISOString(), 'skipped', 'paused']]);
    const unpaused = (await call('POST', `${base(orgA)}/${paused.scheduleId}/unpause`, asA)).json() as OrgScheduleView;
    assert.equal(unpaused.paused, false);
    assert.equal(unpaused.nextRuns.length, 3);
    for (const id of [paused.scheduleId, active.scheduleId]) assert.equal((await call('DELETE', `${base(orgA)}/${id}`, asA)).statusCode, 204);
  });

  it('DST on Temporal: the compiled spec skips the transition dates and fires the launcher (2027 Paris)', async () => {
    const scheduleId = `${uniqueName('dst-spec').replace(/_/g, '-')}`;
    const handle = await stack.temporal.schedule.create({
      scheduleId, spec: { ...compileSpec('30 2 * * *', 'Europe/Paris'), startAt: new Date('2027-03-26T00:00:00Z') },
      action: { type: 'startWorkflow', workflowType: 'orgScheduleWorkflow', workflowId: scheduleId, taskQueue: `${scheduleId}-none`, args: [] },
      state: { paused: true },
    });
    try {
      const next = (await handle.describe()).info.nextActionTimes.slice(0, 4).map((t) => t.toISOString());
      // 26th and 27th at 02:30 CET; the launcher at 23:59 CET on the 27th; no firing on the 28th; the 29th at 02:30 CEST.
      assert.deepEqual(next, ['2027-03-26T01:30:00.000Z', '2027-03-27T01:30:00.000Z', '2027-03-27T22:59:00.000Z', '2027-03-29T00:30:00.000Z']);
    } finally {
      await handle.delete();
    }
    const autumn = await stack.temporal.schedule.create({
      scheduleId: `${scheduleId}-autumn`, spec: { ...compileSpec('*/30 1-3 * * *', 'Europe/Paris'), startAt: new Date('2027-10-30T22:00:00Z') },
      action: { type: 'startWorkflow', workflowType: 'orgScheduleWorkflow', workflowId: scheduleId, taskQueue: `${scheduleId}-none`, args: [] },
      state: { paused: true },
    });
    try {
      const next = (await autumn.describe()).info.nextActionTimes.slice(0, 2).map((t) => t.toISOString());
      // Nothing of the 31st (the launcher, 23:59 CEST on the 30th = 21:59Z, is before startAt): the 1st of November at 01:00 CET.
      assert.deepEqual(next, ['2027-11-01T00:00:00.000Z', '2027-11-01T00:30:00.000Z']);
    } finally {
      await autumn.delete();
    }
  });

  for (const [name, window, policy, expected] of [
    ['autumn 2026-10-25, overlap both', { start: '2026-10-24T20:00:00Z', end: '2026-10-25T04:00:00Z' }, { gap: 'shift', overlap: 'both' }, ['2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z']],
    ['autumn 2026-10-25, overlap last', { start: '2026-10-24T20:00:00Z', end: '2026-10-25T04:00:00Z' }, { gap: 'shift', overlap: 'last' }, ['2026-10-25T01:30:00Z']],
    ['spring 2026-03-29, gap shift', { start: '2026-03-28T20:00:00Z', end: '2026-03-29T04:00:00Z' }, { gap: 'shift', overlap: 'first' }, ['2026-03-29T01:30:00Z']],
    ['spring 2026-03-29, gap skip', { start: '2026-03-28T20:00:00Z', end: '2026-03-29T04:00:00Z' }, { gap: 'skip', overlap: 'first' }, []],
  ] as const) {
    it(`DST on Temporal: a backfill over the ${name} runs ${expected.length ? expected.join(', ') : 'nothing'}`, async () => {
      const s = await create(orgB, { name: `dst ${name}`, cron: '30 2 * * *', timeZone: 'Europe/Paris', dstPolicy: policy, target: { type: 'log', message: name } });
      const handle = stack.temporal.schedule.getHandle(orgTemporalScheduleId(orgB, s.scheduleId));
      await handle.backfill({ start: new Date(window.start), end: new Date(window.end), overlap: ScheduleOverlapPolicy.ALLOW_ALL });
      // The launcher (23:59 local the day before) is the only firing of the window; it runs the date's slots.
      const launcherId = `${orgTemporalScheduleId(orgB, s.scheduleId)}-${name.startsWith('autumn') ? '2026-10-24T21:59:00Z' : '2026-03-28T22:59:00Z'}`;
      const launcher = await waitFor(() => stack.temporal.workflow.getHandle(launcherId).describe().catch(() => undefined), (d) => d?.status.name === 'COMPLETED');
      assert.equal(launcher?.status.name, 'COMPLETED');
      const reports = await waitFor(() => reportsOf(orgB, s.scheduleId), (r) => r.length >= expected.length, 20_000);
      await sleep(1000);
      const slots = (await reportsOf(orgB, s.scheduleId)).map((r) => (r.stats as { slot: string }).slot).sort();
      assert.deepEqual(slots, [...expected]);
      assert.deepEqual(reports.map((r) => r.workflowId).sort(), expected.map((at) => `${orgTemporalScheduleId(orgB, s.scheduleId)}-${at}`));
    });
  }
});
