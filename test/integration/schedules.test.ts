// Temporal Schedules against the real dev server (the time-skipping test server has no
// Schedules). Every schedule here has an id of this run (`test-<random>-…`) and starts its
// workflows on a task queue of its own, with no worker: an action counts as soon as the
// workflow is started. Everything created is deleted and every started run terminated in `after`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { Client } from '@temporalio/client';
import { loadConfig, type AppConfig } from '../../src/config';
import { wallTimeOf, offsetMinutes } from '../../src/domain/zoned-time';
import { UserError } from '../../src/client/output';
import { connectTemporal, type TemporalHandle } from '../../src/client/temporal';
import { parseCronOption, parseIsoDateTime, parseTimeZoneOption, registerSchedulesCommand } from '../../src/client/commands/schedules';
import {
  applySchedules, backfillSchedule, deleteSchedule, describeSchedule, desiredSchedules, listSchedules, METRONOME_JOB_KEY, pauseSchedule,
  scheduleOptions, ScheduleOverlapPolicy, triggerSchedule, unpauseSchedule, updateScheduleCron,
  type ScheduleDefinition, type ScheduleDetails,
} from '../../src/client/schedules';
import { ensureLocalStack, uniqueName } from '../helpers/local-stack';

/** The default schedule settings, whatever the developer's environment says. */
const DEFAULT_SCHEDULE_ENV = { SCHEDULER_MONTHLY_JOB_DAY: '5', SCHEDULER_MONTHLY_JOB_HOUR: '18', SCHEDULER_TIMEZONE: 'Europe/Paris' };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `read` until `done` holds (Schedules act asynchronously), returning the last value read. */
async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(250);
  }
}

function isUserError(message: string | RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  };
}

describe('schedule definitions (no server)', () => {
  it('the monthly invitations schedule comes from the configuration', () => {
    const [monthly, cleanup, healthCheck, ...others] = desiredSchedules(loadConfig({ ...process.env, ...DEFAULT_SCHEDULE_ENV, TEMPORAL_TASK_QUEUE: 'metronome' }));
    assert.equal(others.length, 0);
    assert.deepEqual(cleanup, {
      scheduleId: 'cleanup',
      description: 'Daily cleanup at 02:00 Europe/Paris: expired invitations, old tokens, soft bounces, old run reports',
      cron: '0 2 * * *',
      timezone: 'Europe/Paris',
      workflowType: 'cleanupWorkflow',
      workflowId: 'cleanup',
      taskQueue: 'metronome-maintenance',
      args: [],
      job: 'cleanup',
      overlap: 'SKIP',
      catchupWindow: '1 day',
    });
    assert.deepEqual(healthCheck, {
      scheduleId: 'health-check',
      description: 'Health check every 5 minutes: MongoDB, SMTP, Temporal, error rate, memory, job durations',
      cron: '*/5 * * * *',
      timezone: 'UTC',
      workflowType: 'healthCheckWorkflow',
      workflowId: 'health-check',
      taskQueue: 'metronome-maintenance',
      args: [],
      job: 'health-check',
      overlap: 'SKIP',
      catchupWindow: '1 minute',
    });
    assert.deepEqual(monthly, {
      scheduleId: 'monthly-invitations',
      description: 'Monthly invitation cycle: day 5 at 18:00 Europe/Paris',
      cron: '0 18 5 * *',
      timezone: 'Europe/Paris',
      workflowType: 'scheduledInvitationCycleWorkflow',
      workflowId: 'monthly-invitations',
      taskQueue: 'metronome',
      args: [{ timezone: 'Europe/Paris' }],
      job: 'monthly-invitations',
      overlap: 'SKIP',
      catchupWindow: '2 days',
    });
    const [tokyo, tokyoCleanup] = desiredSchedules(loadConfig({ ...process.env, SCHEDULER_MONTHLY_JOB_DAY: '1', SCHEDULER_MONTHLY_JOB_HOUR: '7', SCHEDULER_TIMEZONE: 'Asia/Tokyo' }));
    assert.equal(tokyo!.cron, '0 7 1 * *');
    assert.deepEqual(tokyo!.args, [{ timezone: 'Asia/Tokyo' }]);
    assert.equal(tokyoCleanup!.timezone, 'Asia/Tokyo', 'the cleanup runs at 02:00 of SCHEDULER_TIMEZONE');
  });

  it('flag parsers refuse bad values, naming the flag', () => {
    assert.throws(() => parseIsoDateTime('--from')('yesterday'), (e: unknown) => e instanceof InvalidArgumentError
      && e.message === '--from must be an ISO 8601 date-time such as 2026-12-01T00:00:00Z, got "yesterday"');
    for (const bad of ['2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '2026-12-01T24:00:00Z', '2026-12-01T00:00:00', '2026-12-01', '']) {
      assert.throws(() => parseIsoDateTime('--to')(bad), /--to must be an ISO 8601 date-time/, bad);
    }
    assert.equal(parseIsoDateTime('--from')('2026-12-01T00:00:00+01:00').toISOString(), '2026-11-30T23:00:00.000Z');
    assert.equal(parseIsoDateTime('--from')('2026-12-01T08:30Z').toISOString(), '2026-12-01T08:30:00.000Z');
    assert.throws(() => parseCronOption('0 18 32 * *'), /--cron "0 18 32 \* \*" is not a valid cron expression: day-of-month "32" is out of range 1-31/);
    assert.equal(parseCronOption(' 0  18 5 * * '), '0 18 5 * *');
    assert.throws(() => parseTimeZoneOption('Europe/Pariss'), /--timezone must be an IANA time zone such as Europe\/Paris or UTC, got "Europe\/Pariss"/);
    assert.equal(parseTimeZoneOption('America/New_York'), 'America/New_York');
  });

  it('the command refuses bad flags before connecting to Temporal', async () => {
    const errors: string[] = [];
    const program = new Command('metronome').exitOverride().configureOutput({ writeErr: (text) => errors.push(text), writeOut: () => undefined });
    registerSchedulesCommand(program);
    const parse = (args: string[]) => program.parseAsync(['node', 'metronome', 'schedules', ...args]);
    await assert.rejects(parse(['backfill', 'x', '--from', 'yesterday', '--to', '2026-12-01T00:00:00Z']), CommanderError);
    await assert.rejects(parse(['update', 'x', '--cron', '0 18 5 *']), CommanderError);
    await assert.rejects(parse(['update', 'x', '--cron', '0 18 5 * *', '--timezone', 'Nowhere/Land']), CommanderError);
    await assert.rejects(parse(['backfill', 'x', '--from', '2026-12-02T00:00:00Z', '--to', '2026-12-01T00:00:00Z']),
      isUserError('--from (2026-12-02T00:00:00.000Z) must be before --to (2026-12-01T00:00:00.000Z)'));
    assert.match(errors.join(''), /--from must be an ISO 8601 date-time such as 2026-12-01T00:00:00Z, got "yesterday"/);
    assert.match(errors.join(''), /--cron "0 18 5 \*" is not a valid cron expression: expected 5 fields/);
    assert.match(errors.join(''), /--timezone must be an IANA time zone such as Europe\/Paris or UTC, got "Nowhere\/Land"/);
  });
});

describe('Temporal Schedules on the dev server', () => {
  const run = `test-${randomBytes(4).toString('hex')}`;
  const taskQueue = uniqueName('test-schedules');
  const created = new Set<string>();
  let config: AppConfig;
  let temporal: TemporalHandle;
  let client: Client;

  /** The real monthly definition, re-targeted at an id and task queue of this run. */
  function definition(name: string, overrides: Partial<ScheduleDefinition> = {}): ScheduleDefinition {
    const [monthly] = desiredSchedules(loadConfig({ ...process.env, ...DEFAULT_SCHEDULE_ENV }));
    const scheduleId = `${run}-${name}`;
    created.add(scheduleId);
    return { ...monthly!, scheduleId, workflowId: scheduleId, taskQueue, job: run, ...overrides };
  }

  const describeNow = (id: string, nextRuns?: number) => describeSchedule(client, id, { nextRuns });

  before(async () => {
    config = await ensureLocalStack();
    temporal = await connectTemporal(config);
    client = temporal.client;
  });

  after(async () => {
    if (!client) return;
    for (const id of created) await deleteSchedule(client, id).catch(() => undefined);
    // Deleting a Schedule leaves the runs it started: terminate them (visibility may lag a little).
    const query = `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"`;
    for (let attempt = 0; attempt < 20; attempt += 1) {
      let found = 0;
      for await (const execution of client.workflow.list({ query })) {
        found += 1;
        await client.workflow.getHandle(execution.workflowId, execution.runId).terminate('schedules test cleanup').catch(() => undefined);
      }
      if (found === 0 && attempt > 0) break;
      await sleep(500);
    }
    await temporal.close();
  });

  it('apply creates, then reports unchanged, then updated when the cron changes', async () => {
    const monthly = definition('monthly');
    const other = definition('apply-other', { cron: '15 3 * * *', timezone: 'UTC' });
    assert.deepEqual(await applySchedules(client, [monthly, other]), [
      { scheduleId: monthly.scheduleId, action: 'created' },
      { scheduleId: other.scheduleId, action: 'created' },
    ]);
    assert.deepEqual(await applySchedules(client, [monthly, other]), [
      { scheduleId: monthly.scheduleId, action: 'unchanged' },
      { scheduleId: other.scheduleId, action: 'unchanged' },
    ]);
    const changed = { ...other, cron: '15 4 * * *' };
    assert.deepEqual(await applySchedules(client, [monthly, changed]), [
      { scheduleId: monthly.scheduleId, action: 'unchanged' },
      { scheduleId: other.scheduleId, action: 'updated' },
    ]);
    assert.deepEqual(await applySchedules(client, [changed]), [{ scheduleId: other.scheduleId, action: 'unchanged' }]);
    assert.equal((await describeNow(other.scheduleId)).cron, '15 4 * * *');
  });

  it('apply creates every configured schedule (monthly, cleanup, health-check) and is idempotent', async () => {
    const all = desiredSchedules(loadConfig({ ...process.env, ...DEFAULT_SCHEDULE_ENV })).map((d) => {
      const scheduleId = `${run}-all-${d.scheduleId}`;
      created.add(scheduleId);
      return { ...d, scheduleId, workflowId: scheduleId, taskQueue, job: run };
    });
    assert.deepEqual((await applySchedules(client, all)).map((r) => r.action), ['created', 'created', 'created']);
    assert.deepEqual((await applySchedules(client, all)).map((r) => r.action), ['unchanged', 'unchanged', 'unchanged']);
    const cleanup = await describeNow(all[1]!.scheduleId, 2);
    assert.equal(cleanup.cron, '0 2 * * *');
    assert.equal(cleanup.timezone, 'Europe/Paris');
    assert.equal(cleanup.workflowType, 'cleanupWorkflow');
    assert.equal(cleanup.overlap, ScheduleOverlapPolicy.SKIP);
    assert.ok(cleanup.nextRunTimesLocal.every((t) => t.includes('T02:00:00+0')), cleanup.nextRunTimesLocal.join());
    const health = await describeNow(all[2]!.scheduleId, 3);
    assert.equal(health.cron, '*/5 * * * *');
    assert.equal(health.workflowType, 'healthCheckWorkflow');
    assert.deepEqual(health.args, []);
    assert.equal(health.overlap, ScheduleOverlapPolicy.SKIP);
    const [a, b] = health.nextRunTimes.map((t) => Date.parse(t));
    assert.equal(b! - a!, 5 * 60_000, 'five minutes apart');
  });

  it('apply updates on any relevant drift and keeps the pause state and note', async () => {
    const base = definition('drift', { cron: '0 6 * * *', timezone: 'UTC' });
    await applySchedules(client, [base]);
    await pauseSchedule(client, base.scheduleId, 'frozen for the test');
    const drifts: Partial<ScheduleDefinition>[] = [
      { timezone: 'Europe/Paris' }, { args: [{ timezone: 'UTC', extra: 1 }] }, { overlap: ScheduleOverlapPolicy.BUFFER_ONE },
      { catchupWindow: '1 day' }, { workflowType: 'otherWorkflow' }, { job: `${run}-other` },
    ];
    let current = base;
    for (const drift of drifts) {
      current = { ...current, ...drift };
      assert.deepEqual(await applySchedules(client, [current]), [{ scheduleId: base.scheduleId, action: 'updated' }], JSON.stringify(drift));
      assert.deepEqual(await applySchedules(client, [current]), [{ scheduleId: base.scheduleId, action: 'unchanged' }], JSON.stringify(drift));
    }
    const details = await describeNow(base.scheduleId);
    assert.equal(details.paused, true);
    assert.equal(details.note, 'frozen for the test');
    assert.equal(details.timezone, 'Europe/Paris');
    assert.equal(details.overlap, 'BUFFER_ONE');
    assert.equal(details.catchupWindowMs, 86_400_000);
    assert.equal(details.job, `${run}-other`);
    assert.deepEqual(details.args, [{ timezone: 'UTC', extra: 1 }]);
  });

  it('apply validates every definition before calling Temporal', async () => {
    const good = definition('validated-good');
    const bad = definition('validated-bad', { cron: '0 18 32 * *' });
    await assert.rejects(applySchedules(client, [good, bad]),
      isUserError(`schedule "${bad.scheduleId}": cron "0 18 32 * *" is not a valid cron expression: day-of-month "32" is out of range 1-31`));
    await assert.rejects(describeNow(good.scheduleId), isUserError(`schedule "${good.scheduleId}" does not exist`));
    await assert.rejects(applySchedules(client, [definition('validated-zone', { timezone: 'Europe/Pariss' })]), isUserError(/time zone "Europe\/Pariss" is not an IANA time zone/));
  });

  it('describe shows the cron, the zone and the next runs at 18:00 Paris time (17:00Z in winter, 16:00Z in summer)', async () => {
    const monthly = definition('described');
    await applySchedules(client, [monthly]);
    const details = await describeNow(monthly.scheduleId);
    assert.equal(details.cron, '0 18 5 * *');
    assert.equal(details.spec, '0 18 5 * *');
    assert.equal(details.timezone, 'Europe/Paris');
    assert.equal(details.nextRunTimes.length, 5, 'five next runs by default');
    assert.equal(details.workflowType, 'scheduledInvitationCycleWorkflow');
    assert.equal(details.workflowId, monthly.scheduleId);
    assert.equal(details.taskQueue, taskQueue);
    assert.deepEqual(details.args, [{ timezone: 'Europe/Paris' }]);
    assert.equal(details.job, run);
    assert.equal(details.overlap, 'SKIP');
    assert.equal(details.catchupWindowMs, 2 * 86_400_000);
    assert.equal(details.description, 'Monthly invitation cycle: day 5 at 18:00 Europe/Paris');
    assert.equal(details.paused, false);

    // Ten consecutive months always include both winter and summer time.
    const ten = await describeNow(monthly.scheduleId, 10);
    const utcHours = new Set<number>();
    ten.nextRunTimes.forEach((iso, i) => {
      const instant = new Date(iso);
      const wall = wallTimeOf(instant, 'Europe/Paris');
      assert.deepEqual([wall.day, wall.hour, wall.minute], [5, 18, 0], iso);
      const expectedUtcHour = offsetMinutes(instant, 'Europe/Paris') === 60 ? 17 : 16;
      assert.equal(instant.getUTCHours(), expectedUtcHour, iso);
      utcHours.add(instant.getUTCHours());
      assert.match(ten.nextRunTimesLocal[i]!, /^\d{4}-\d{2}-05T18:00:00\+0[12]:00$/);
    });
    assert.deepEqual([...utcHours].sort(), [16, 17]);
  });

  it('list shows the schedules of the namespace with spec, zone and next run', async () => {
    const listed = definition('listed');
    await applySchedules(client, [listed]);
    // Listing reads visibility, which may lag behind the create by a moment.
    const items = await waitFor(() => listSchedules(client), (all) => all.some((s) => s.scheduleId === listed.scheduleId));
    const item = items.find((s) => s.scheduleId === listed.scheduleId);
    assert.ok(item, 'the new schedule is listed');
    assert.equal(item.paused, false);
    assert.equal(item.spec, '0 18 5 * *');
    assert.equal(item.timezone, 'Europe/Paris');
    assert.match(item.nextRunTimesLocal[0] ?? '', /-05T18:00:00\+0[12]:00$/);
  });

  it('a paused every-second schedule takes no action; unpaused, it takes actions again', async () => {
    const everySecond = definition('every-second', { overlap: ScheduleOverlapPolicy.ALLOW_ALL });
    await client.schedule.create({ ...scheduleOptions(everySecond), spec: { intervals: [{ every: '1s' }] } });
    const paused = await pauseSchedule(client, everySecond.scheduleId, 'quiet please');
    assert.deepEqual(paused, { scheduleId: everySecond.scheduleId, paused: true, note: 'quiet please' });
    await sleep(1200); // let an action that was already under way land before counting
    const before = await describeNow(everySecond.scheduleId);
    assert.equal(before.spec, 'every 1s');
    await sleep(3000);
    const during = await describeNow(everySecond.scheduleId);
    assert.equal(during.numActionsTaken, before.numActionsTaken, 'no action while paused');
    assert.equal(during.numActionsSkippedOverlap, before.numActionsSkippedOverlap);

    const resumed = await unpauseSchedule(client, everySecond.scheduleId, 'go');
    assert.deepEqual(resumed, { scheduleId: everySecond.scheduleId, paused: false, note: 'go' });
    const after = await waitFor(() => describeNow(everySecond.scheduleId), (d) => d.numActionsTaken >= before.numActionsTaken + 2, 6000);
    assert.ok(after.numActionsTaken >= before.numActionsTaken + 2, `took ${after.numActionsTaken - before.numActionsTaken} actions after unpause`);
    assert.ok(after.recentActions.every((a) => a.workflowId.startsWith(`${everySecond.scheduleId}-`)));
    await pauseSchedule(client, everySecond.scheduleId); // stop starting runs before cleanup
  });

  it('trigger starts a run now, even on a paused schedule', async () => {
    const triggered = definition('triggered');
    await applySchedules(client, [triggered]);
    const first = await triggerSchedule(client, triggered.scheduleId);
    assert.equal(first.paused, false);
    assert.match(first.workflowId ?? '', new RegExp(`^${triggered.scheduleId}-\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$`));
    const workflow = await client.workflow.getHandle(first.workflowId!).describe();
    assert.equal(workflow.status.name, 'RUNNING');
    assert.equal(workflow.type, 'scheduledInvitationCycleWorkflow');
    assert.equal(workflow.taskQueue, taskQueue);
    assert.equal(workflow.typedSearchAttributes.get(METRONOME_JOB_KEY), run);

    await pauseSchedule(client, triggered.scheduleId, 'paused, but the operator insists');
    // No pause between the two: triggerSchedule waits for the next second itself, as runs are
    // named by the second and a same-second trigger would be dropped by Temporal.
    const second = await triggerSchedule(client, triggered.scheduleId);
    assert.equal(second.paused, true);
    assert.ok(second.workflowId && second.workflowId !== first.workflowId, 'a manual trigger runs on a paused schedule');
    const details = await describeNow(triggered.scheduleId);
    assert.equal(details.numActionsTaken, 2);
    assert.deepEqual(details.recentActions.map((a) => a.workflowId), [first.workflowId, second.workflowId]);
    assert.equal(details.paused, true, 'triggering does not unpause');
  });

  it('backfill starts one run per slot in the window, named by the scheduled time', async () => {
    const backfilled = definition('backfill');
    await applySchedules(client, [backfilled]);
    const result = await backfillSchedule(client, backfilled.scheduleId, { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-05-01T00:00:00Z') });
    assert.deepEqual(result, { scheduleId: backfilled.scheduleId, from: '2026-01-01T00:00:00.000Z', to: '2026-05-01T00:00:00.000Z', overlap: 'ALLOW_ALL' });
    const details = await waitFor(() => describeNow(backfilled.scheduleId), (d) => d.numActionsTaken >= 4);
    // 18:00 in Paris: 17:00Z in winter, 16:00Z from the end of March. ALLOW_ALL: none skipped although none finished.
    assert.deepEqual(details.recentActions.map((a) => a.workflowId).sort(), [
      '2026-01-05T17:00:00Z', '2026-02-05T17:00:00Z', '2026-03-05T17:00:00Z', '2026-04-05T16:00:00Z',
    ].map((slot) => `${backfilled.scheduleId}-${slot}`));
    assert.equal(details.numActionsSkippedOverlap, 0);
  });

  it('backfill refuses an empty, backwards or invalid window before calling Temporal', async () => {
    const id = `${run}-never-created`;
    const at = new Date('2026-12-01T00:00:00Z');
    await assert.rejects(backfillSchedule(client, id, { from: at, to: at }), isUserError('--from (2026-12-01T00:00:00.000Z) must be before --to (2026-12-01T00:00:00.000Z)'));
    await assert.rejects(backfillSchedule(client, id, { from: new Date('2026-12-02T00:00:00Z'), to: at }), isUserError(/--from .* must be before --to/));
    await assert.rejects(backfillSchedule(client, id, { from: new Date('yesterday'), to: at }), isUserError('--from is not a valid date-time'));
    await assert.rejects(backfillSchedule(client, id, { from: at, to: new Date('nope') }), isUserError('--to is not a valid date-time'));
  });

  it('update changes the cron, keeps the zone unless given, and keeps action and pause state', async () => {
    const updated = definition('updated');
    await applySchedules(client, [updated]);
    await pauseSchedule(client, updated.scheduleId, 'held');
    let details: ScheduleDetails = await updateScheduleCron(client, updated.scheduleId, { cron: '30 7 1 * *' });
    assert.equal(details.cron, '30 7 1 * *');
    assert.equal(details.timezone, 'Europe/Paris');
    for (const local of details.nextRunTimesLocal) assert.match(local, /-01T07:30:00\+0[12]:00$/);
    assert.equal(details.paused, true);
    assert.equal(details.note, 'held');
    assert.equal(details.workflowType, updated.workflowType);
    assert.equal(details.taskQueue, taskQueue);
    assert.deepEqual(details.args, updated.args);
    assert.equal(details.job, run);
    assert.equal(details.overlap, 'SKIP');
    assert.equal(details.catchupWindowMs, 2 * 86_400_000);

    details = await updateScheduleCron(client, updated.scheduleId, { cron: '0 9 * * MON-FRI', timezone: 'America/New_York' });
    assert.equal(details.cron, '0 9 * * MON-FRI');
    assert.equal(details.timezone, 'America/New_York');
    for (const local of details.nextRunTimesLocal) assert.match(local, /T09:00:00-0[45]:00$/);
    // apply brings the configured schedule back.
    assert.deepEqual(await applySchedules(client, [updated]), [{ scheduleId: updated.scheduleId, action: 'updated' }]);
    assert.equal((await describeNow(updated.scheduleId)).cron, '0 18 5 * *');
  });

  it('update refuses a bad cron or zone before calling Temporal', async () => {
    const id = `${run}-never-created`;
    await assert.rejects(updateScheduleCron(client, id, { cron: '0 18 32 * *' }),
      isUserError('--cron "0 18 32 * *" is not a valid cron expression: day-of-month "32" is out of range 1-31'));
    await assert.rejects(updateScheduleCron(client, id, { cron: '0 18 5 * *', timezone: 'Mars/Olympus' }),
      isUserError('--timezone "Mars/Olympus" is not an IANA time zone such as Europe/Paris or UTC'));
  });

  it('delete removes the schedule; afterwards it does not exist', async () => {
    const doomed = definition('deleted');
    await applySchedules(client, [doomed]);
    assert.deepEqual(await deleteSchedule(client, doomed.scheduleId), { scheduleId: doomed.scheduleId, deleted: true });
    const gone = `schedule "${doomed.scheduleId}" does not exist`;
    await assert.rejects(describeNow(doomed.scheduleId), isUserError(gone));
    await assert.rejects(deleteSchedule(client, doomed.scheduleId), isUserError(gone));
    await assert.rejects(triggerSchedule(client, doomed.scheduleId), isUserError(gone));
  });

  it('an unknown id gives one clear error from every operation', async () => {
    const id = `${run}-does-not-exist`;
    const message = `schedule "${id}" does not exist`;
    const window = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-02-01T00:00:00Z') };
    await assert.rejects(describeSchedule(client, id), isUserError(message));
    await assert.rejects(pauseSchedule(client, id, 'x'), isUserError(message));
    await assert.rejects(unpauseSchedule(client, id), isUserError(message));
    await assert.rejects(triggerSchedule(client, id), isUserError(message));
    await assert.rejects(backfillSchedule(client, id, window), isUserError(message));
    await assert.rejects(updateScheduleCron(client, id, { cron: '0 1 * * *' }), isUserError(message));
    await assert.rejects(deleteSchedule(client, id), isUserError(message));
  });
});
