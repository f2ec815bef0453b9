// Workers as separate services, scaled out: one invitation cycle served by THREE `metronome worker`
// processes (each with its own /metrics), the work spread over all of them and no invitation sent
// twice; then a cycle during which one worker is killed (SIGKILL) and another stopped (SIGTERM):
// the cycle still completes and no invitation reaches the SMTP server twice.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../../src/config';
import { startCycle } from '../../src/client/cycle';
import { connectTemporal, type TemporalHandle } from '../../src/client/temporal';
import { closeDatabase, connectDatabase, ensureIndexes } from '../../src/db/connection';
import { getModels } from '../../src/db/models';
import { seedDemoData } from '../../src/seed/demo-data';
import { ensureLocalStack, isolatedConfig, mailSummary, uniqueDomain, uniqueMonth } from '../helpers/local-stack';
import { waitUntil } from '../helpers/wait';
import { exited, sentBy } from '../helpers/worker-process';

const BIN = join(__dirname, '..', '..', '..', 'bin', 'metronome.js');

const waitFor = <T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 90_000): Promise<T> =>
  waitUntil(what, probe, done, { timeoutMs, intervalMs: 100 });

async function status(port: number, path: string): Promise<number> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0; // not listening (any more)
  }
}

interface Fleet { config: AppConfig; db: Connection; temporal: TemporalHandle; workers: { port: number; child: ChildProcess }[]; domain: string }

async function setUp(name: string, ports: number[], overrides: Record<string, string>): Promise<Fleet> {
  await ensureLocalStack();
  const domain = uniqueDomain(name);
  // Reminders far away: this test is about the sending.
  const env = { SCHEDULER_FIRST_REMINDER_DAYS: '30', SCHEDULER_SECOND_REMINDER_DAYS: '31', SCHEDULER_MAX_MEMORY_MB: '8192', ...overrides };
  const config = isolatedConfig(name, env);
  const db = await connectDatabase(config.mongodbUri);
  await ensureIndexes(db);
  await seedDemoData(db, { users: 200, contactsPerUser: 10, emailDomain: domain, randomSeed: 23 });
  const workers = ports.map((port) => ({
    port,
    child: spawn(process.execPath, [BIN, 'worker'], {
      env: { ...process.env, ...env, MONGODB_URI: config.mongodbUri, TEMPORAL_TASK_QUEUE: config.temporal.taskQueue, WORKER_HTTP_PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    }),
  }));
  // Every worker ready (connected to Temporal, MongoDB and SMTP) before the cycle starts.
  for (const { port } of workers) await waitFor(`worker ${port} ready`, () => status(port, '/readyz'), (s) => s === 200);
  const temporal = await connectTemporal(config);
  return { config, db, temporal, workers, domain };
}

async function tearDown(fleet: Fleet | undefined): Promise<void> {
  if (!fleet) return;
  for (const { child } of fleet.workers) child.kill('SIGKILL');
  await Promise.all(fleet.workers.map(({ child }) => exited(child)));
  await fleet.temporal.close();
  await fleet.db.dropDatabase();
  await closeDatabase(fleet.db);
}

describe('one cycle served by three worker processes', () => {
  let fleet: Fleet | undefined;
  before(async () => {
    // Small batches, so there are many of them to share: about 170 for 1,700 invitations.
    fleet = await setUp('scale', [18471, 18472, 18473], { SCHEDULER_INVITATION_BATCH_SIZE: '10' });
  });
  after(() => tearDown(fleet));

  it('spreads the sending over all three and sends every invitation once', async (t) => {
    const { config, temporal, workers, domain } = fleet!;
    const { handle } = await startCycle(temporal.client, config, uniqueMonth());
    const stats = await handle.result();

    assert.ok(stats.invitationsCreated > 1500, `a real cycle (${stats.invitationsCreated} invitations)`);
    assert.equal(stats.sent, stats.invitationsCreated);
    assert.equal(stats.failed + stats.unconfirmed, 0);
    const perWorker = await Promise.all(workers.map(({ port }) => sentBy(port)));
    t.diagnostic(`invitations sent per worker: ${perWorker.join(', ')} (cycle: ${stats.sent})`);
    for (const [i, n] of perWorker.entries()) assert.ok(n > 0, `worker ${i + 1} sent some invitations (per worker: ${perWorker.join(', ')})`);
    assert.equal(perWorker.reduce((a, b) => a + b, 0), stats.sent, 'the workers\' counters add up to the cycle');
    const atSmtp = await mailSummary(config, { to: `@${domain}`, kind: 'invitation' });
    assert.equal(atSmtp.total, stats.invitationsCreated, 'mails counted at the SMTP server');
    assert.equal(atSmtp.uniqueRecipients, atSmtp.total);
    assert.deepEqual(atSmtp.duplicates, []);
  });
});

describe('three worker processes, one killed and one stopped mid-cycle', () => {
  let fleet: Fleet | undefined;
  before(async () => {
    fleet = await setUp('scale_kill', [18481, 18482, 18483], { SCHEDULER_INVITATION_BATCH_SIZE: '50' });
  });
  after(() => tearDown(fleet));

  it('completes the cycle with every invitation sent at most once and accounted for', async (t) => {
    const { config, db, temporal, workers, domain } = fleet!;
    const month = uniqueMonth();
    const { handle } = await startCycle(temporal.client, config, month);
    const mails = async () => (await mailSummary(config, { to: `@${domain}`, kind: 'invitation' })).total;

    // SIGKILL the busiest worker once some mails went out: its batches in flight are lost with it.
    const atKill = await waitFor('some mails sent', mails, (n) => n >= 200);
    const counts = await Promise.all(workers.map(({ port }) => sentBy(port)));
    const victim = counts.indexOf(Math.max(...counts));
    workers[victim]!.child.kill('SIGKILL');

    // SIGTERM another one a little later: not ready any more at once, its batches finish, it exits 0.
    await waitFor('more mails sent', mails, (n) => n >= atKill + 300);
    const stopped = workers[(victim + 1) % 3]!;
    stopped.child.kill('SIGTERM');
    const afterSignal: number[] = [];
    for (let s = await status(stopped.port, '/readyz'); s !== 0; s = await status(stopped.port, '/readyz')) afterSignal.push(s);
    assert.equal(await exited(stopped.child), 0, 'a clean exit on SIGTERM');
    assert.ok(afterSignal.every((s) => s === 503), `never ready after SIGTERM (answers: ${afterSignal.join(', ')})`);

    const stats = await handle.result();
    t.diagnostic(`killed worker ${victim + 1} at ${atKill} mails; /readyz after SIGTERM: ${afterSignal.join(', ') || '(closed at once)'}; stats ${JSON.stringify(stats)}`);
    const eligible = stats.invitationsCreated;
    const atSmtp = await mailSummary(config, { to: `@${domain}`, kind: 'invitation' });
    assert.ok(atKill < eligible, `the kill came part way through (${atKill} of ${eligible})`);
    assert.deepEqual(atSmtp.duplicates, [], 'no invitation was sent twice');
    assert.equal(atSmtp.total, atSmtp.uniqueRecipients);
    assert.equal(stats.sent + stats.unconfirmed + stats.failed, eligible, 'every invitation is accounted for');
    assert.equal(stats.failed, 0);
    assert.ok(atSmtp.total >= stats.sent && atSmtp.total <= stats.sent + stats.unconfirmed, `SMTP count ${atSmtp.total} between confirmed ${stats.sent} and confirmed + unconfirmed`);
    // Only the SIGKILL can leave mails unconfirmed (one round of 10 per batch it had in flight);
    // the SIGTERMed worker finished its batches.
    assert.ok(stats.unconfirmed <= 10 * config.performance.maxConcurrentBatches * 2, `only mails in flight at the kill are unconfirmed (${stats.unconfirmed})`);
    const { Invitation } = getModels(db);
    assert.equal(await Invitation.countDocuments({ month, status: 'created' }), 0, 'nothing left unsent');
  });
});
