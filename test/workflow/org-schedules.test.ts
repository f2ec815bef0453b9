// orgScheduleWorkflow on Temporal's time-skipping server: fired as the Schedule's DST launcher
// (23:59 before a transition date), it sleeps on durable timers until each slot of the date its
// policy runs and runs each as a child with the slot's workflow id. Both 2027 Paris transitions,
// every policy value; stub activities record what ran.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { RunTargetInput } from '../../src/activities/org-schedules';
import type { RunReportInput } from '../../src/activities/reports';
import type { DstPolicy, OrgScheduleRunInput } from '../../src/domain/org-schedules';
import { orgScheduleWorkflow } from '../../src/workflows/org-schedules';
import { createTimeSkippingEnv, WORKFLOWS_PATH } from '../helpers/time-skipping';

describe('orgScheduleWorkflow at the 2027 Europe/Paris transitions (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `org-dst-${randomBytes(3).toString('hex')}`;
  const ran: { scheduleId: string; scheduledAt?: string }[] = [];
  const reports: RunReportInput[] = [];
  let pausedMeanwhile = false;

  // One server per case: the time-skipping clock only moves forward, and each case starts in 2026.
  async function start(): Promise<void> {
    env = await createTimeSkippingEnv();
    worker = await Worker.create({
      connection: env.nativeConnection, taskQueue, workflowsPath: WORKFLOWS_PATH,
      activities: {
        runOrgScheduleTarget: (input: RunTargetInput) => {
          ran.push({ scheduleId: input.scheduleId, scheduledAt: input.scheduledAt });
          return Promise.resolve({ itemsProcessed: 1, itemsSucceeded: 1, itemsFailed: 0, metadata: {} });
        },
        recordRunReport: (report: RunReportInput) => { reports.push(report); return Promise.resolve(); },
        isOrgSchedulePaused: () => Promise.resolve(pausedMeanwhile),
      },
    });
    running = worker.run();
  }

  async function stop(): Promise<void> {
    worker.shutdown();
    await running;
    await env.teardown();
  }

  const cases: { name: string; firedAt: string; policy: DstPolicy; expected: string[] }[] = [
    { name: 'spring, gap shift', firedAt: '2027-03-27T22:59:00Z', policy: { gap: 'shift', overlap: 'first' }, expected: ['2027-03-28T01:30:00.000Z'] },
    { name: 'spring, gap skip', firedAt: '2027-03-27T22:59:00Z', policy: { gap: 'skip', overlap: 'first' }, expected: [] },
    { name: 'autumn, overlap first', firedAt: '2027-10-30T21:59:00Z', policy: { gap: 'shift', overlap: 'first' }, expected: ['2027-10-31T00:30:00.000Z'] },
    { name: 'autumn, overlap last', firedAt: '2027-10-30T21:59:00Z', policy: { gap: 'shift', overlap: 'last' }, expected: ['2027-10-31T01:30:00.000Z'] },
    { name: 'autumn, overlap both', firedAt: '2027-10-30T21:59:00Z', policy: { gap: 'skip', overlap: 'both' }, expected: ['2027-10-31T00:30:00.000Z', '2027-10-31T01:30:00.000Z'] },
  ];

  for (const c of cases) {
    it(`${c.name}: runs ${c.expected.length ? c.expected.join(', ') : 'nothing'}`, async () => {
      const scheduleId = `s${randomBytes(6).toString('hex')}`;
      const input: OrgScheduleRunInput = { orgId: 'acme', scheduleId, cron: '30 2 * * *', timeZone: 'Europe/Paris', dstPolicy: c.policy, target: { type: 'log' }, firedAt: c.firedAt };
      pausedMeanwhile = false;
      await start();
      let result;
      try {
        result = await env.client.workflow.execute(orgScheduleWorkflow, { taskQueue, workflowId: `org-acme-${scheduleId}-${c.firedAt}`, args: [input] });
      } finally {
        await stop();
      }
      const mine = ran.filter((r) => r.scheduleId === scheduleId);
      assert.deepEqual(mine.map((r) => r.scheduledAt), c.expected);
      assert.deepEqual(result.runs.map((r) => r.workflowId), c.expected.map((at) => `org-acme-${scheduleId}-${at.slice(0, 19)}Z`));
      const myReports = reports.filter((r) => r.job === `org-schedule:acme/${scheduleId}`);
      assert.deepEqual(myReports.map((r) => (r.stats as { slot: string }).slot), c.expected.map((at) => `${at.slice(0, 19)}Z`));
      // Each ran at its slot on the workflow clock (the durable timer), not at the launcher's time.
      for (const r of myReports) {
        const slot = (r.stats as { slot: string }).slot;
        assert.ok(r.startedAt >= new Date(slot).getTime() && r.startedAt < new Date(slot).getTime() + 60_000, `ran at ${new Date(r.startedAt).toISOString()}, slot ${slot}`);
      }
      if (c.expected.length === 0) assert.match(result.reason ?? '', /no slot of the transition date runs/);
    });
  }

  it('a schedule paused while the launcher waits: its slots are skipped, nothing runs', async () => {
    const scheduleId = `s${randomBytes(6).toString('hex')}`;
    const firedAt = '2027-10-30T21:59:00Z';
    const input: OrgScheduleRunInput = { orgId: 'acme', scheduleId, cron: '30 2 * * *', timeZone: 'Europe/Paris', dstPolicy: { gap: 'shift', overlap: 'both' }, target: { type: 'log' }, firedAt };
    await start();
    pausedMeanwhile = true;
    let result;
    try {
      result = await env.client.workflow.execute(orgScheduleWorkflow, { taskQueue, workflowId: `org-acme-${scheduleId}-${firedAt}`, args: [input] });
    } finally {
      await stop();
    }
    assert.deepEqual(result.runs.map((r) => [r.slot, r.status]), [['2027-10-31T00:30:00Z', 'skipped-paused'], ['2027-10-31T01:30:00Z', 'skipped-paused']]);
    assert.equal(ran.filter((r) => r.scheduleId === scheduleId).length, 0);
    assert.equal(reports.filter((r) => r.job === `org-schedule:acme/${scheduleId}`).length, 0);
  });
});
