// Benchmark: the daily cleanup on the local stack (not a test; `npm run bench:cleanup`).
//   node dist/bench/cleanup.js [--invitations 100000] [--page-size 1000]
// Seeds its own database — invitations of 20 per owner: 50 % past `expiresAt` and still "sent"
// (their reminders workflows finished long ago, as they would 30 days after sending), 20 % expired
// more than the token retention ago, 30 % still open; as many contacts, 10 % with soft bounces;
// 10,000 run reports, half older than the metrics retention — then runs cleanupWorkflow through an
// in-process worker, twice (the second run finds nothing to do: the cost of the scan alone).
// Prints wall time, pages, the latency of the plan and page activities per phase and the counts;
// the last line is JSON.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Types } from 'mongoose';
import { createActivities } from '../src/activities';
import { connectTemporal } from '../src/client/temporal';
import { loadConfig } from '../src/config';
import { closeDatabase, connectDatabase, ensureIndexes } from '../src/db/connection';
import { getModels } from '../src/db/models';
import { stackUp } from '../src/devstack/stack';
import { durationStats } from '../src/domain/run-stats';
import type { CleanupPageInput, CleanupPlanInput } from '../src/domain/cleanup';
import { remindersWorkflowId } from '../src/domain/jobs';
import { createMailer } from '../src/mail/mailer';
import { createLogger } from '../src/observability/logger';
import { workflowSource } from '../src/workers/workflow-bundle';
import { cleanupWorkflow } from '../src/workflows';

const DAY = 86_400_000;

async function insertInBatches(collection: { insertMany(docs: object[], options: object): Promise<unknown> }, docs: Iterable<object>, size = 5000): Promise<void> {
  let batch: object[] = [];
  for (const doc of docs) {
    batch.push(doc);
    if (batch.length === size) {
      await collection.insertMany(batch, { ordered: false });
      batch = [];
    }
  }
  if (batch.length) await collection.insertMany(batch, { ordered: false });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { invitations: { type: 'string', default: '100000' }, 'page-size': { type: 'string', default: '1000' } } });
  const total = Number(values.invitations);
  const pageSize = Number(values['page-size']);
  if (!Number.isInteger(total) || total < 20 || !Number.isInteger(pageSize) || pageSize < 1) throw new Error('--invitations (≥ 20) and --page-size must be positive whole numbers');

  const base = loadConfig();
  const parts = await stackUp(base, { log: (l) => console.error(l) });
  if (parts.some((p) => !p.healthy)) throw new Error(`stack not healthy: ${JSON.stringify(parts)}`);
  const stamp = Date.now().toString(36);
  const uri = new URL(base.mongodbUri);
  uri.pathname = `/metronome_bench_cleanup_${stamp}`;
  const config = loadConfig({ ...process.env, MONGODB_URI: uri.toString(), TEMPORAL_TASK_QUEUE: `bench-cleanup-${stamp}`, LOG_LEVEL: 'warn' });
  const db = await connectDatabase(config.mongodbUri, { appName: 'metronome-bench' });
  await ensureIndexes(db);
  const { Invitation, Contact, RunReport } = getModels(db);

  const now = Date.now();
  const month = '2026-10';
  const seedStarted = Date.now();
  const owners = Array.from({ length: Math.ceil(total / 20) }, () => new Types.ObjectId());
  function* invitations() {
    for (let i = 0; i < total; i += 1) {
      const ownerId = owners[Math.floor(i / 20)]!;
      const kind = i % 10; // 0-4 due to expire, 5-6 old (token to delete), 7-9 open
      const expiresAt = kind < 5 ? now - DAY : kind < 7 ? now - 120 * DAY : now + 10 * DAY;
      yield {
        ownerId, contactId: new Types.ObjectId(), email: `c${i}@bench.test`, month, status: kind === 5 || kind === 6 ? 'expired' : 'sent',
        token: randomBytes(24).toString('base64url'), expiresAt: new Date(expiresAt), tracking: { attempts: 1, sentAt: new Date(expiresAt - 30 * DAY) },
        reminders: [], remindersWorkflowId: remindersWorkflowId(month, String(ownerId)), createdAt: new Date(expiresAt - 30 * DAY), updatedAt: new Date(),
      };
    }
  }
  await insertInBatches(Invitation.collection, invitations());
  function* contacts() {
    for (let i = 0; i < total; i += 1) {
      yield {
        ownerId: owners[Math.floor(i / 20)]!, email: `c${i}@bench.test`, firstName: '', lastName: '', isActive: true, optedOut: false,
        bounceCount: 0, temporaryBounceCount: i % 10 === 0 ? 2 : 0, tracking: { invitationsSent: 1 }, source: 'seed', createdAt: new Date(), updatedAt: new Date(),
      };
    }
  }
  await insertInBatches(Contact.collection, contacts());
  function* reports() {
    for (let i = 0; i < 10_000; i += 1) {
      const finishedAt = now - (i % 2 === 0 ? 100 : 1) * 3_600_000;
      yield {
        key: `bench-${i}/r`, job: 'reminders', workflowId: `bench-${i}`, runId: 'r', status: 'completed', startedAt: new Date(finishedAt - 1000), finishedAt: new Date(finishedAt),
        durationMs: 1000, itemsProcessed: 1, itemsSucceeded: 1, itemsFailed: 0, stats: {},
      };
    }
  }
  await insertInBatches(RunReport.collection, reports());
  const seedMs = Date.now() - seedStarted;
  console.error(`seeded ${total} invitations, ${total} contacts, 10000 reports in ${(seedMs / 1000).toFixed(1)} s`);

  // An in-process worker whose page activity is timed per phase.
  const temporal = await connectTemporal(config);
  const mailer = createMailer(config.mail.smtpUrl, config.mail.from);
  const activities = createActivities({ db, mailer, config, logger: createLogger('warn'), temporal: temporal.client });
  const latencies = new Map<string, number[]>();
  const time = async <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      latencies.set(key, [...(latencies.get(key) ?? []), performance.now() - started]);
    }
  };
  const timed = {
    ...activities,
    cleanupPlan: (input: CleanupPlanInput) => time(`${input.phase} plan`, () => activities.cleanupPlan(input)),
    cleanupPage: (input: CleanupPageInput) => time(input.phase, () => activities.cleanupPage(input)),
  };
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const taskQueue = `${config.temporal.taskQueue}-maintenance`;
  const worker = await Worker.create({ connection, namespace: config.temporal.namespace, taskQueue, ...workflowSource(), activities: timed });
  let peakRss = 0;
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 250);

  const runOnce = async (name: string) => {
    latencies.clear();
    const started = Date.now();
    const result = await temporal.client.workflow.execute(cleanupWorkflow, { taskQueue, workflowId: `bench-cleanup-${stamp}-${name}`, args: [{ pageSize }] });
    const wallMs = Date.now() - started;
    const phases = Object.fromEntries([...latencies].map(([phase, ms]) => {
      const d = durationStats(ms.map(Math.round));
      return [phase, { calls: ms.length, totalMs: Math.round(ms.reduce((a, b) => a + b, 0)), p50Ms: d.p50, p95Ms: d.p95, maxMs: d.max }];
    }));
    return { wallMs, result, phases };
  };
  const [first, second] = await worker.runUntil(async () => [await runOnce('first'), await runOnce('again')] as const);
  clearInterval(sampler);

  for (const [name, run] of [['first run', first], ['second run (nothing left)', second]] as const) {
    console.log(`${name}: ${(run.wallMs / 1000).toFixed(1)} s, ${run.result.pages} pages in ${run.result.runs} workflow run(s)`);
    console.log(`  counts: expired ${run.result.expired}, remindersCancelled ${run.result.remindersCancelled}, tokensDeleted ${run.result.tokensDeleted}, bounceCountsReset ${run.result.bounceCountsReset}, reportsPruned ${run.result.reportsPruned}`);
    for (const [phase, p] of Object.entries(run.phases)) console.log(`  ${phase.padEnd(24)} ${String(p.calls).padStart(4)} calls  ${(p.totalMs / 1000).toFixed(1).padStart(6)} s  p50 ${p.p50Ms} ms  p95 ${p.p95Ms} ms  max ${p.maxMs} ms`);
  }
  console.log(`peak RSS of this process (worker + seeding): ${Math.round(peakRss / 1048576)} MB`);
  console.log(JSON.stringify({ invitations: total, pageSize, seedMs, first, second, peakRssMb: Math.round(peakRss / 1048576) }));

  mailer.close();
  await connection.close();
  await temporal.close();
  await db.dropDatabase();
  await closeDatabase(db);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
