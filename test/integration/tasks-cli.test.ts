// `metronome tasks …` as a user runs it: a real process, real exit codes and messages. Bad
// input is refused naming the flag; the good path runs against the local stack with a database
// and task queue of the test's own (and an in-process worker, so cancelled workflows end).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../../src/config';
import { closeDatabase, connectDatabase } from '../../src/db/connection';
import { createLogger } from '../../src/observability/logger';
import type { TaskView } from '../../src/services/tasks';
import { startWorker, type RunningWorker } from '../../src/workers/worker';
import { ensureLocalStack, isolatedConfig } from '../helpers/local-stack';
import { waitForTask } from '../helpers/tasks';

const BIN = join(__dirname, '..', '..', '..', 'bin', 'metronome.js');

describe('metronome tasks (CLI)', () => {
  let config: AppConfig;
  let env: NodeJS.ProcessEnv;
  let worker: RunningWorker;
  let db: Connection;

  // Asynchronous, so the in-process worker keeps serving while the CLI runs.
  function metronome(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 }, (_error, stdout, stderr) => {
        resolve({ code: child.exitCode, stdout, stderr });
      });
    });
  }

  async function refuses(args: string[], message: RegExp) {
    const run = await metronome(args);
    assert.notEqual(run.code, 0, `${args.join(' ')} should fail`);
    assert.match(run.stderr, message);
    assert.doesNotMatch(run.stderr, /at .*\.js:\d+/, 'no stack trace');
  }

  before(async () => {
    await ensureLocalStack();
    config = isolatedConfig('tasks_cli');
    env = { MONGODB_URI: config.mongodbUri, TEMPORAL_TASK_QUEUE: config.temporal.taskQueue, LOG_LEVEL: 'warn' };
    worker = await startWorker(config, createLogger('warn'), { queues: ['tasks'] });
    db = await connectDatabase(config.mongodbUri);
  });
  after(async () => {
    await worker?.shutdown();
    await db?.dropDatabase();
    await closeDatabase(db);
  });

  const base = ['tasks', 'schedule', '--owner', 'u1', '--zone', 'Europe/Paris', '--at', '2099-03-28T10:00'];
  const http = ['--http-url', 'http://127.0.0.1:19103/hook'];

  it('refuses bad zones, times and past times, naming the flag', async () => {
    await refuses([...base, '--zone', 'Europe/Pariss', ...http], /^error: --zone: expected an IANA time zone such as Europe\/Paris or UTC, got "Europe\/Pariss"/m);
    await refuses([...base, '--at', '2027-02-30T10:00', ...http], /^error: --at: "2027-02-30T10:00" is not a valid date and time/m);
    await refuses([...base, '--at', 'tomorrow 9am', ...http], /^error: --at: expected a local time like 2027-03-28T02:30/m);
    await refuses([...base, '--at', '2027-03-28T10:00+02:00', ...http], /^error: --at: expected a local time like 2027-03-28T02:30 \(YYYY-MM-DDTHH:mm, no offset\)/m);
    await refuses([...base, '--at', '2020-01-01T10:00', ...http], /^error: --at: 2020-01-01T10:00 in Europe\/Paris is 2020-01-01T09:00:00\.000Z, which is in the past/m);
    await refuses([...base, '--at', '2099-03-29T02:30', '--dst-gap', 'reject', ...http], /^error: --at: 2099-03-29T02:30 does not exist in Europe\/Paris: clocks jump from 02:00 to 03:00/m);
    await refuses([...base, '--dst-gap', 'skip', ...http], /option '--dst-gap <policy>' argument 'skip' is invalid\. expected one of shift, reject/);
    await refuses([...base, '--dst-overlap', 'both', ...http], /option '--dst-overlap <policy>' argument 'both' is invalid\. expected one of earlier, later/);
    await refuses(['tasks', 'schedule', '--zone', 'UTC', '--at', '2099-01-01T00:00', ...http], /required option '--owner <id>' not specified/);
    await refuses([...base, '--owner', ' ', ...http], /^error: --owner: must not be empty/m);
    await refuses([...base, '--name', '', ...http], /^error: --name: must not be empty/m);
  });

  it('refuses a bad URL, a bad e-mail address, both actions or none, naming the flag', async () => {
    await refuses([...base, '--http-url', 'ftp://example.com/x'], /^error: --http-url: expected an http:\/\/ or https:\/\/ URL, got "ftp:\/\/example\.com\/x"/m);
    await refuses([...base, '--http-url', 'not a url'], /^error: --http-url: expected an http:\/\/ or https:\/\/ URL/m);
    await refuses([...base, ...http, '--method', 'FETCH'], /^error: --method: expected one of GET, POST, PUT, PATCH, DELETE, HEAD, got "FETCH"/m);
    await refuses([...base, ...http, '--header', 'no-colon'], /option '--header <name:value>' argument 'no-colon' is invalid\. expected name:value/);
    await refuses([...base, ...http, '--method', 'GET', '--body', 'x'], /^error: --body: a GET request cannot have a body/m);
    await refuses([...base, '--mail-to', 'not-an-address', '--subject', 's', '--text', 't'], /^error: --mail-to: expected an e-mail address, got "not-an-address"/m);
    await refuses([...base, '--mail-to', 'a@example.com', '--text', 't'], /^error: --subject: must not be empty/m);
    await refuses([...base, ...http, '--mail-to', 'a@example.com', '--subject', 's', '--text', 't'], /^error: --http-url and --mail-to: give one action, not both/m);
    await refuses(base, /^error: --http-url or --mail-to: say what to run/m);
    await refuses([...base, '--subject', 's'], /^error: --subject: only goes with --mail-to/m);
    await refuses([...base, '--body', '{}'], /^error: --body: only goes with --http-url/m);
    await refuses([...base, ...http, '--timeout', '0'], /option '--timeout <seconds>' argument '0' is invalid\. expected a whole number from 1 to 3600/);
  });

  it('refuses bad list filters and answers unknown ids with exit code 1', async () => {
    await refuses(['tasks', 'list', '--status', 'done'], /option '--status <status>' argument 'done' is invalid\. expected one of scheduled, running, succeeded, failed, cancelled/);
    await refuses(['tasks', 'list', '--from', 'yesterday'], /option '--from <instant>' argument 'yesterday' is invalid/);
    await refuses(['tasks', 'list', '--from', '2027-02-01', '--to', '2027-01-01'], /^error: --from: 2027-02-01T00:00:00\.000Z is after --to/m);
    const cancel = await metronome(['tasks', 'cancel', 'nope']);
    assert.equal(cancel.code, 1);
    assert.match(cancel.stderr, /^error: no task has the id "nope"/m);
    const reschedule = await metronome(['tasks', 'reschedule', 'nope', '--at', '2099-01-01T10:00', '--zone', 'Mars/Base']);
    assert.equal(reschedule.code, 1);
    assert.match(reschedule.stderr, /^error: --zone: expected an IANA time zone/m);
  });

  it('schedules (a DST gap shifts forward, said so), gets, lists, reschedules and cancels', async () => {
    const scheduled = await metronome([...base, '--at', '2099-03-29T02:30', ...http, '--name', 'gap-task', '--header', 'Authorization: Bearer x']);
    assert.equal(scheduled.code, 0, scheduled.stderr);
    const id = /^task ([0-9a-f]{16}) scheduled: GET http:\/\/127\.0\.0\.1:19103\/hook at 2099-03-29T02:30 Europe\/Paris = 2099-03-29T01:00:00\.000Z$/m.exec(scheduled.stdout)?.[1];
    assert.ok(id, scheduled.stdout);
    assert.match(scheduled.stdout, /^note: 2099-03-29T02:30 does not exist in Europe\/Paris \(clocks jump from 02:00 to 03:00\); shifted/m);

    const got = await metronome(['tasks', 'get', id, '--json']);
    assert.equal(got.code, 0, got.stderr);
    const task = JSON.parse(got.stdout) as TaskView;
    assert.equal(task.status, 'scheduled');
    assert.equal(task.resolution, 'gap-shifted');
    assert.deepEqual(task.action, { kind: 'http', method: 'GET', url: 'http://127.0.0.1:19103/hook', headers: { authorization: 'Bearer x' } });

    const overlap = await metronome([...base, '--at', '2099-10-25T02:30', '--dst-overlap', 'later', '--mail-to', 'a@example.com', '--subject', 's', '--text', 't', '--json']);
    assert.equal(overlap.code, 0, overlap.stderr);
    const second = JSON.parse(overlap.stdout) as TaskView;
    assert.equal(second.runAt, '2099-10-25T01:30:00.000Z', '02:30 CET, the second one');

    const listed = await metronome(['tasks', 'list', '--owner', 'u1', '--status', 'scheduled', '--json']);
    assert.deepEqual((JSON.parse(listed.stdout) as TaskView[]).map((t) => t.id), [id, second.id]);
    const table = await metronome(['tasks', 'list', '--from', '2099-03-29', '--to', '2099-03-30']);
    assert.match(table.stdout, new RegExp(`^${id}\\s+u1\\s+gap-task\\s+scheduled\\s+2099-03-29T02:30\\s+Europe/Paris\\s+2099-03-29T01:00:00.000Z`, 'm'));
    assert.doesNotMatch(table.stdout, new RegExp(second.id));

    const moved = await metronome(['tasks', 'reschedule', id, '--at', '2099-04-01T09:00', '--zone', 'America/New_York']);
    assert.equal(moved.code, 0, moved.stderr);
    assert.match(moved.stdout, new RegExp(`^task ${id} rescheduled to 2099-04-01T09:00 America/New_York = 2099-04-01T13:00:00.000Z$`, 'm'));

    for (const t of [id, second.id]) {
      const cancelled = await metronome(['tasks', 'cancel', t]);
      assert.equal(cancelled.code, 0, cancelled.stderr);
      assert.match(cancelled.stdout, new RegExp(`^task ${t} cancelled`, 'm'));
    }
    const again = await metronome(['tasks', 'cancel', id]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`^error: task ${id} was already cancelled .*; it cannot be cancelled`, 'm'));
    const late = await metronome(['tasks', 'reschedule', id, '--at', '2099-05-01T09:00']);
    assert.equal(late.code, 1);
    assert.match(late.stderr, /it cannot be rescheduled/);
    await waitForTask(db, id, (t) => t.status === 'cancelled');
  });
});
