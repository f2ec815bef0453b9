// One-off tasks end to end on the real local stack: a worker serving the `tasks` queue, tasks
// scheduled a few seconds ahead through the service, a real HTTP server to call and the SMTP
// catcher to count mails.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../../src/config';
import { connectTemporal, type TemporalHandle } from '../../src/client/temporal';
import { closeDatabase, connectDatabase } from '../../src/db/connection';
import { getModels } from '../../src/db/models';
import { createLogger } from '../../src/observability/logger';
import { cancelTask, getTask, listTasks, rescheduleTask, scheduleTask, TaskServiceError, type ScheduleTaskRequest, type TaskView } from '../../src/services/tasks';
import { startWorker, type RunningWorker } from '../../src/workers/worker';
import { ensureLocalStack, isolatedConfig, mailSummary, uniqueDomain } from '../helpers/local-stack';
import { startTaskHttpServer, type TaskHttpServer } from '../helpers/task-http-server';
import { localIn, waitForTask } from '../helpers/tasks';

const ZONE = 'Europe/Paris';
const finished = (t: TaskView) => t.status === 'succeeded' || t.status === 'failed';

describe('one-off tasks on the real stack', () => {
  let config: AppConfig;
  let db: Connection;
  let temporal: TemporalHandle;
  let worker: RunningWorker;
  let http: TaskHttpServer;
  const owner = `owner-${Date.now().toString(36)}`;

  before(async () => {
    await ensureLocalStack();
    config = isolatedConfig('tasks');
    db = await connectDatabase(config.mongodbUri);
    temporal = await connectTemporal(config);
    worker = await startWorker(config, createLogger('warn'), { queues: ['tasks'] });
    http = await startTaskHttpServer(19101);
  });
  after(async () => {
    await worker?.shutdown();
    await http?.close();
    await db?.dropDatabase();
    await closeDatabase(db);
    await temporal?.close();
  });

  const deps = () => ({ db, temporal: temporal.client, config });
  const schedule = (req: Partial<ScheduleTaskRequest> & Pick<ScheduleTaskRequest, 'at'>) => scheduleTask(deps(), { ownerId: owner, zone: ZONE, ...req });

  it('calls the URL once at its local time, records success, the attempt and a run report', async () => {
    const task = await schedule({ at: localIn(3000), http: { url: http.url('/ok/a'), method: 'POST', headers: { 'X-Test': 'yes' }, body: '{"hello":1}' }, name: 'ping' });
    assert.equal(task.status, 'scheduled');
    assert.equal(task.workflowId, `task-${task.id}`);
    const done = await waitForTask(db, task.id, finished);
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    assert.equal(done.attempts, 1);
    assert.equal((done.result?.details as { status: number }).status, 200);
    const calls = http.calls('/ok/a');
    assert.equal(calls.length, 1);
    assert.ok(calls[0]!.at >= Date.parse(task.runAt), `called at ${new Date(calls[0]!.at).toISOString()}, due ${task.runAt}`);
    assert.equal(calls[0]!.method, 'POST');
    assert.equal(calls[0]!.headers['x-test'], 'yes');
    assert.equal(calls[0]!.headers['idempotency-key'], task.workflowId);
    assert.equal(calls[0]!.body, '{"hello":1}');
    const reports = await getModels(db).RunReport.find({ job: 'task', workflowId: task.workflowId }).lean();
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.status, 'completed');
  });

  it('retries a 500 with backoff until the server answers 2xx', async () => {
    const task = await schedule({ at: localIn(2000), http: { url: http.url('/flaky/2') } });
    const done = await waitForTask(db, task.id, finished);
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    assert.equal(done.attempts, 3);
    const calls = http.calls('/flaky/2');
    assert.equal(calls.length, 3);
    // Default policy: 2 s doubling, with equal jitter: the waits are at least 1 s, then 2 s.
    assert.ok(calls[1]!.at - calls[0]!.at >= 900, `first retry after ${calls[1]!.at - calls[0]!.at} ms`);
    assert.ok(calls[2]!.at - calls[1]!.at >= 1900, `second retry after ${calls[2]!.at - calls[1]!.at} ms`);
  });

  it('fails after its attempts when the endpoint times out; a 404 fails at once', async () => {
    const slow = await schedule({ at: localIn(2000), http: { url: http.url('/slow') }, timeoutSeconds: 1, maxAttempts: 2 });
    const missing = await schedule({ at: localIn(2000), http: { url: http.url('/missing') } });
    const slowDone = await waitForTask(db, slow.id, finished);
    assert.equal(slowDone.status, 'failed');
    assert.equal(slowDone.attempts, 2);
    assert.match(slowDone.error!, /GET http:\/\/127\.0\.0\.1:19101\/slow timed out after 1s/);
    const missingDone = await waitForTask(db, missing.id, finished);
    assert.equal(missingDone.status, 'failed');
    assert.equal(missingDone.attempts, 1);
    assert.match(missingDone.error!, /answered 404/);
    const report = await getModels(db).RunReport.findOne({ workflowId: slow.workflowId }).lean();
    assert.equal(report?.status, 'failed');
  });

  it('sends a mail once through the worker\'s mailer (counted at the catcher)', async () => {
    const domain = uniqueDomain('task');
    const task = await schedule({ at: localIn(2000), mail: { to: `someone@${domain}`, subject: 'Your task', text: 'It ran.' } });
    const done = await waitForTask(db, task.id, finished);
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    const summary = await mailSummary(config, { to: `@${domain}` });
    assert.equal(summary.total, 1);
    assert.deepEqual(summary.duplicates, []);
  });

  it('cancelled before it fires: never runs; cancel or reschedule again answers a clear error', async () => {
    const task = await schedule({ at: localIn(4000), http: { url: http.url('/ok/cancelled') } });
    const cancelled = await cancelTask(deps(), task.id);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.signalled, true);
    await new Promise((r) => setTimeout(r, 6000));
    assert.equal(http.calls('/ok/cancelled').length, 0, 'the action never ran');
    assert.equal((await getTask({ db }, task.id)).status, 'cancelled');
    const wf = await temporal.client.workflow.getHandle(task.workflowId).describe();
    assert.equal(wf.status.name, 'COMPLETED', 'the workflow ended');
    await assert.rejects(cancelTask(deps(), task.id), (e: unknown) => e instanceof TaskServiceError && e.problem === 'already-cancelled' && /was already cancelled/.test(e.message));
    await assert.rejects(rescheduleTask(deps(), task.id, { at: localIn(60_000) }), (e: unknown) => e instanceof TaskServiceError && e.problem === 'already-cancelled');
  });

  it('after it fired, cancel and reschedule answer a clear error', async () => {
    const task = await schedule({ at: localIn(1500), http: { url: http.url('/ok/fired') } });
    await waitForTask(db, task.id, finished);
    await assert.rejects(cancelTask(deps(), task.id), (e: unknown) => e instanceof TaskServiceError && e.problem === 'already-fired' && /already fired at .* \(status succeeded\); it can no longer be cancelled/.test(e.message));
    await assert.rejects(rescheduleTask(deps(), task.id, { at: localIn(60_000) }), (e: unknown) => e instanceof TaskServiceError && e.problem === 'already-fired' && /can no longer be rescheduled/.test(e.message));
    await assert.rejects(cancelTask(deps(), 'no-such-task'), (e: unknown) => e instanceof TaskServiceError && e.problem === 'not-found');
  });

  it('rescheduled from later to sooner: fires once, at the new time', async () => {
    const task = await schedule({ at: localIn(10 * 60_000), http: { url: http.url('/ok/moved') } });
    const moved = await rescheduleTask(deps(), task.id, { at: localIn(3000) });
    assert.equal(moved.revision, 1);
    assert.equal(moved.signalled, true);
    const done = await waitForTask(db, task.id, finished);
    assert.equal(done.status, 'succeeded');
    const calls = http.calls('/ok/moved');
    assert.equal(calls.length, 1);
    assert.ok(calls[0]!.at >= Date.parse(moved.runAt));
    assert.ok(calls[0]!.at < Date.parse(task.runAt), 'well before the first time');
  });

  it('lists by owner, status and run-time range', async () => {
    const other = `${owner}-other`;
    const far = await scheduleTask(deps(), { ownerId: other, zone: 'America/New_York', at: '2099-01-01T09:00', http: { url: http.url('/ok/far') } });
    const farther = await scheduleTask(deps(), { ownerId: other, zone: 'UTC', at: '2099-06-01T09:00', mail: { to: 'x@example.com', subject: 's', text: 't' } });
    try {
      const mine = await listTasks({ db }, { ownerId: owner });
      assert.ok(mine.length >= 6 && mine.every((t) => t.ownerId === owner));
      assert.deepEqual((await listTasks({ db }, { ownerId: other })).map((t) => t.id), [far.id, farther.id], 'sorted by run time');
      assert.deepEqual((await listTasks({ db }, { status: 'scheduled' })).map((t) => t.id), [far.id, farther.id]);
      assert.deepEqual((await listTasks({ db }, { from: new Date('2099-01-01T00:00Z'), to: new Date('2099-02-01T00:00Z') })).map((t) => t.id), [far.id]);
      assert.equal(far.runAt, '2099-01-01T14:00:00.000Z');
      await assert.rejects(listTasks({ db }, { status: 'done' }), (e: unknown) => e instanceof TaskServiceError && e.field === 'status');
    } finally {
      await cancelTask(deps(), far.id);
      await cancelTask(deps(), farther.id);
      // Leave no open workflow behind on the shared server.
      for (const t of [far, farther]) assert.equal((await temporal.client.workflow.getHandle(t.workflowId).result() as { status: string }).status, 'cancelled');
    }
  });
});

describe('one-off tasks under a concurrency limit (TASKS_MAX_CONCURRENT=2)', () => {
  let config: AppConfig;
  let db: Connection;
  let temporal: TemporalHandle;
  let worker: RunningWorker;
  let http: TaskHttpServer;

  before(async () => {
    await ensureLocalStack();
    config = isolatedConfig('tasks_limit', { TASKS_MAX_CONCURRENT: '2' });
    db = await connectDatabase(config.mongodbUri);
    temporal = await connectTemporal(config);
    worker = await startWorker(config, createLogger('warn'), { queues: ['tasks'] });
    http = await startTaskHttpServer(19104);
  });
  after(async () => {
    await worker?.shutdown();
    await http?.close();
    await db?.dropDatabase();
    await closeDatabase(db);
    await temporal?.close();
  });

  it('six tasks due at the same second run at most two at a time, and all succeed', async () => {
    const at = localIn(3000);
    const tasks = await Promise.all(Array.from({ length: 6 }, (_, i) => scheduleTask({ db, temporal: temporal.client, config }, {
      ownerId: 'limit', at, zone: ZONE, http: { url: http.url(`/hold/${i}`) },
    })));
    const done = await Promise.all(tasks.map((t) => waitForTask(db, t.id, finished, 90_000)));
    assert.deepEqual(done.map((t) => t.status), Array(6).fill('succeeded'));
    assert.equal(http.calls().filter((c) => c.path.startsWith('/hold/')).length, 6);
    assert.equal(http.maxInFlight(), 2, 'never more than TASKS_MAX_CONCURRENT calls at once');
  });
});
