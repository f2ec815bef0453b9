// Benchmark: many pending reminder timers at once (not a test; `npm run bench:reminders`).
//   node dist/bench/reminders.js [--owners 5000] [--per-owner 20] [--page 100] [--concurrency 4]
//                                [--cancels 1000] [--cli-cancels 20] [--settle-seconds 15]
//                                [--use-local-stack] [--keep]
// owners × per-owner invitations wait for their J+3 reminder: one reminders workflow per slice of
// at most 60 invitations of a page (`reminders-<month>-<first invitation id>`), each blocked on
// its timer. 5,000 × 20 is a real month of 100,000 invitations.
//
// What it does:
// 1. Starts its OWN Temporal dev server on 127.0.0.1:26233 through the stack module (a data dir of
//    its own in a temp dir: the same flags and search attributes as `metronome stack up`), so
//    100,000 workflows do not bloat the shared one; `--use-local-stack` uses the configured TEMPORAL_ADDRESS instead.
// 2. Inserts the invitations (status sent, sent now) into an isolated database on the configured
//    MongoDB, dropped at the end.
// 3. Runs a worker as a separate process (`bin/metronome.js worker --queues invitations`, its own
//    TEMPORAL_TASK_QUEUE) so its RSS is its own.
// 4. Creates the reminders exactly as the cycle does: the `scheduleReminders` activity's function
//    (scheduleRemindersForInvitations: reads the page by _id, signal-with-start per slice, stores
//    the workflow id on the invitations), one page of `--page` invitations per call, `--concurrency`
//    pages in flight. "create" = until every call returned; "settled" = until the last workflows
//    created answer a query (their first workflow task is done, they sit on their timer).
// 5. Samples the worker's and the Temporal server's VmRSS (/proc/<pid>/status) while they wait,
//    after `--settle-seconds`, and their peak (VmHWM).
// 6. Cancel latency, one cancel at a time, on invitations of distinct owners picked at random:
//    t0 = just before cancelReminders() (the service function `metronome reminders cancel` calls:
//    reads the invitation, flags it, signals its workflow); t1 = when a `remindersState` query
//    first answers with that invitation's reminders cancelled, i.e. the worker has applied the
//    signal (polled every 10 ms; a query sent while the signal's workflow task is pending is held
//    by the server until that task completes, so usually the first query already sees it).
//    Then `--cli-cancels` more through the real CLI (`bin/metronome.js reminders cancel`), t0 = spawn:
//    the process-start-inclusive figure.
// Prints the figures; the last line is one JSON object.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import type { WorkflowHandle } from '@temporalio/client';
import { reminderSlices, scheduleRemindersForInvitations } from '../src/activities/schedule-reminders';
import { connectTemporal } from '../src/client/temporal';
import { loadConfig, type AppConfig } from '../src/config';
import { closeDatabase, connectDatabase, ensureIndexes } from '../src/db/connection';
import { getModels } from '../src/db/models';
import { stackDown, stackUp } from '../src/devstack/stack';
import { remindersWorkflowId } from '../src/domain/jobs';
import { createMailer } from '../src/mail/mailer';
import { createLogger } from '../src/observability/logger';
import { cancelReminders } from '../src/services/invitation-responses';
import { remindersStateQuery, type RemindersState } from '../src/workflows/reminder-signals';
import { cpuSeconds, memoryMb } from './proc';

const TEMPORAL_PORT = 26233;
const TEMPORAL_UI_PORT = 26234;
const BIN = join(__dirname, '..', '..', 'bin', 'metronome.js');

/** Whole CPU seconds and whole MB, as this bench prints them. */
const cpuWholeSeconds = (pid: number | undefined): number => Math.round(cpuSeconds(pid));
const procStatusMb = (pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number => Math.round(memoryMb(pid, field));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return { n: sorted.length, p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? 0) };
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

/**
 * A Temporal dev server of the bench's own, started by the stack module with a data directory of
 * its own (so `stack down` on it stops that server only; the shared MongoDB and SMTP servers,
 * already running, are left alone as external).
 */
async function startOwnTemporal(env: NodeJS.ProcessEnv): Promise<{ config: AppConfig; pid: number | undefined; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'metronome-bench-temporal-'));
  const config = loadConfig({ ...env, METRONOME_DATA_DIR: dir, TEMPORAL_UI_PORT: String(TEMPORAL_UI_PORT) });
  const parts = await stackUp(config, { log: (l) => console.error(l) });
  const temporal = parts.find((p) => p.name === 'temporal');
  if (!temporal?.healthy || temporal.ownership !== 'managed') throw new Error(`no Temporal dev server of our own on ${config.temporal.address}: ${temporal?.detail ?? 'not started'}`);
  return { config, pid: temporal.pid, dir };
}

async function waitUntilCancelled(handle: WorkflowHandle, invitationId: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const state: RemindersState = await handle.query(remindersStateQuery);
    const item = state.invitations.find((i) => i.invitationId === invitationId);
    if (item?.cancelReason && item.outcomes.first === 'cancelled') return;
    if (Date.now() > deadline) throw new Error(`reminders of ${invitationId} still not cancelled after 60 s`);
    await sleep(10);
  }
}

function runCli(env: NodeJS.ProcessEnv, invitationId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'reminders', 'cancel', '--invitation', invitationId, '--json'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`metronome reminders cancel exited with ${code}: ${stderr}`))));
  });
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      owners: { type: 'string', default: '5000' }, 'per-owner': { type: 'string', default: '20' },
      page: { type: 'string', default: '100' }, concurrency: { type: 'string', default: '4' },
      cancels: { type: 'string', default: '1000' }, 'cli-cancels': { type: 'string', default: '20' },
      'settle-seconds': { type: 'string', default: '15' },
      'use-local-stack': { type: 'boolean', default: false }, keep: { type: 'boolean', default: false },
    },
  });
  const whole = (flag: keyof typeof values, min: number): number => {
    const n = Number(values[flag]);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be a whole number ≥ ${min}, got "${String(values[flag])}"`);
    return n;
  };
  const owners = whole('owners', 1);
  const perOwner = whole('per-owner', 1);
  const pageSize = whole('page', 1);
  const concurrency = whole('concurrency', 1);
  const cancels = Math.min(whole('cancels', 0), owners);
  const cliCancels = Math.min(whole('cli-cancels', 0), owners - cancels);
  const settleSeconds = whole('settle-seconds', 0);
  const total = owners * perOwner;

  const base = loadConfig();
  const stamp = Date.now().toString(36);
  const uri = new URL(base.mongodbUri);
  uri.pathname = `/metronome_bench_reminders_${stamp}`;
  const temporalAddress = values['use-local-stack'] ? base.temporal.address : `127.0.0.1:${TEMPORAL_PORT}`;
  const env = {
    ...process.env, MONGODB_URI: uri.toString(), TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_TASK_QUEUE: `bench-reminders-${stamp}`, LOG_LEVEL: 'warn',
  };
  const config = loadConfig(env);
  const month = `${2100 + Math.floor(Math.random() * 800)}-${String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')}`;

  let server: Awaited<ReturnType<typeof startOwnTemporal>> | undefined;
  let worker: ChildProcess | undefined;
  const db = await connectDatabase(config.mongodbUri, { appName: 'metronome-bench' });
  const mailer = createMailer(config.mail.smtpUrl, config.mail.from);
  let temporal: Awaited<ReturnType<typeof connectTemporal>> | undefined;
  try {
    if (!values['use-local-stack']) {
      console.log(`starting a Temporal dev server of its own on ${temporalAddress}…`);
      server = await startOwnTemporal(env);
    }
    const serverPid = server?.pid;
    temporal = await connectTemporal(config);
    await ensureIndexes(db);
    const { Invitation } = getModels(db);

    // The invitations, owner by owner (a page holds whole owners when per-owner divides it).
    console.log(`inserting ${total} invitations (${owners} owners × ${perOwner}) into ${uri.pathname.slice(1)}…`);
    const insertStarted = Date.now();
    const ownerIds = Array.from({ length: owners }, () => new Types.ObjectId());
    const invitationIds: Types.ObjectId[] = [];
    const firstOfOwner: { ownerId: string; invitationId: string }[] = [];
    const now = new Date();
    const expiresAt = new Date(now.getTime() + 30 * 86_400_000);
    for (let o = 0; o < owners; o += Math.max(1, Math.floor(2000 / perOwner))) {
      const docs = [];
      for (const ownerId of ownerIds.slice(o, o + Math.max(1, Math.floor(2000 / perOwner)))) {
        for (let c = 0; c < perOwner; c++) {
          const _id = new Types.ObjectId();
          if (c === 0) firstOfOwner.push({ ownerId: String(ownerId), invitationId: String(_id) });
          invitationIds.push(_id);
          docs.push({
            _id, ownerId, contactId: new Types.ObjectId(), email: `c${invitationIds.length}@bench-${stamp}.test`, month, status: 'sent',
            token: `bench-${String(_id)}`, expiresAt, tracking: { sentAt: now, attempts: 1 }, reminders: [], createdAt: now, updatedAt: now,
          });
        }
      }
      await Invitation.collection.insertMany(docs, { ordered: false });
    }
    console.log(`inserted in ${((Date.now() - insertStarted) / 1000).toFixed(1)} s`);

    worker = spawn(process.execPath, [BIN, 'worker', '--queues', 'invitations'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    const workerPid = worker.pid;
    await sleep(3000);
    if (worker.exitCode !== null) throw new Error(`the worker exited with code ${worker.exitCode}`);

    // Create: the scheduleReminders activity's own function, page by page.
    const deps = { db, mailer, config, logger: createLogger('warn'), temporal: temporal.client };
    const pages: string[][] = [];
    for (let i = 0; i < invitationIds.length; i += pageSize) pages.push(invitationIds.slice(i, i + pageSize).map(String));
    const workflows = pages.reduce((n, page) => n + reminderSlices(page).length, 0);
    console.log(`creating ${workflows} reminders workflows for ${total} invitations (${pages.length} pages of ${pageSize}, ${concurrency} in flight)…`);
    let done = 0;
    let peakWorker = 0;
    let peakServer = 0;
    const sample = () => {
      peakWorker = Math.max(peakWorker, procStatusMb(workerPid, 'VmRSS'));
      peakServer = Math.max(peakServer, procStatusMb(serverPid, 'VmRSS'));
    };
    const sampler = setInterval(sample, 1000);
    const progress = setInterval(() => console.log(`  ${done}/${total} invitations scheduled, worker ${procStatusMb(workerPid, 'VmRSS')} MB, server ${procStatusMb(serverPid, 'VmRSS')} MB`), 15_000);
    const createStarted = Date.now();
    let scheduled = 0;
    try {
      await pool(pages, concurrency, async (page) => {
        const count = await scheduleRemindersForInvitations(deps, { month, invitationIds: page });
        scheduled += count;
        done += page.length;
      });
    } finally {
      clearInterval(progress);
    }
    const createMs = Date.now() - createStarted;
    const createCpu = { worker: cpuWholeSeconds(workerPid), server: cpuWholeSeconds(serverPid) };
    console.log(`created in ${(createMs / 1000).toFixed(1)} s (${Math.round(total / (createMs / 1000))} invitations/s, ${Math.round(workflows / (createMs / 1000))} workflows/s)`);
    if (scheduled !== total) throw new Error(`scheduled ${scheduled} of ${total} invitations`);
    // Settled: the last workflows created have run their first task (queries wait for it).
    // A query times out while the worker's backlog is long: ask again until it answers.
    const lastCreated = pages.slice(-Math.max(1, concurrency)).flatMap((page) => reminderSlices(page).map((slice) => remindersWorkflowId(month, slice[0]!)));
    for (const workflowId of lastCreated) {
      const handle = temporal.client.workflow.getHandle(workflowId);
      for (;;) {
        try {
          await handle.query(remindersStateQuery);
          break;
        } catch (error) {
          if (Date.now() - createStarted > 3_600_000) throw error;
          console.log(`  worker backlog: ${(error as Error).message}; asking again`);
        }
      }
    }
    const settledMs = Date.now() - createStarted;
    const settledCpu = { worker: cpuWholeSeconds(workerPid), server: cpuWholeSeconds(serverPid) };
    console.log(`settled (last workflows on their timer) after ${(settledMs / 1000).toFixed(1)} s; CPU seconds used so far: worker ${settledCpu.worker}, server ${server ? settledCpu.server : 'n/a'}, bench ${Math.round(process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6)}`);

    await sleep(settleSeconds * 1000);
    sample();
    const waiting = { workerRssMb: procStatusMb(workerPid, 'VmRSS'), serverRssMb: procStatusMb(serverPid, 'VmRSS') };
    console.log(`while ${workflows} workflows wait: worker RSS ${waiting.workerRssMb} MB, Temporal server RSS ${server ? `${waiting.serverRssMb} MB` : 'n/a (--use-local-stack)'}`);

    // Cancels: one invitation per owner, owners at random, one at a time, each through the
    // workflow id stored on the invitation (what cancelReminders itself reads).
    const picks = shuffle([...firstOfOwner]);
    const workflowOf = async (invitationId: string): Promise<WorkflowHandle> => {
      const doc = await Invitation.collection.findOne({ _id: new Types.ObjectId(invitationId) }, { projection: { remindersWorkflowId: 1 } });
      if (typeof doc?.remindersWorkflowId !== 'string') throw new Error(`invitation ${invitationId} has no reminders workflow`);
      return temporal!.client.workflow.getHandle(doc.remindersWorkflowId);
    };
    const latencies: number[] = [];
    console.log(`cancelling ${cancels} reminders through cancelReminders() one at a time…`);
    for (const { invitationId } of picks.slice(0, cancels)) {
      const handle = await workflowOf(invitationId);
      const t0 = performance.now();
      const result = await cancelReminders({ db, temporal: temporal.client }, invitationId, 'bench');
      if (!result.signalled) throw new Error(`invitation ${invitationId}: its workflow was not signalled`);
      await waitUntilCancelled(handle, invitationId);
      latencies.push(performance.now() - t0);
    }
    const service = stats(latencies);
    console.log(`cancel → applied (service function): p50 ${service.p50} ms, p95 ${service.p95} ms, p99 ${service.p99} ms, max ${service.max} ms over ${service.n}`);

    const cliLatencies: number[] = [];
    for (const { invitationId } of picks.slice(cancels, cancels + cliCancels)) {
      const handle = await workflowOf(invitationId);
      const t0 = performance.now();
      await runCli(env, invitationId);
      await waitUntilCancelled(handle, invitationId);
      cliLatencies.push(performance.now() - t0);
    }
    const cli = stats(cliLatencies);
    if (cliCancels > 0) console.log(`cancel → applied (\`metronome reminders cancel\` process): p50 ${cli.p50} ms, p95 ${cli.p95} ms, max ${cli.max} ms over ${cli.n}`);

    clearInterval(sampler);
    const figures = {
      owners, invitationsPerOwner: perOwner, invitations: total, workflows, page: pageSize, concurrency,
      temporal: server ? 'own dev server' : temporalAddress,
      createSeconds: Number((createMs / 1000).toFixed(1)), settledSeconds: Number((settledMs / 1000).toFixed(1)),
      workflowsPerSecond: Math.round(workflows / (createMs / 1000)),
      workerCpuSecondsAtCreate: createCpu.worker, workerCpuSecondsAtSettle: settledCpu.worker, serverCpuSecondsAtSettle: server ? settledCpu.server : null,
      waitingWorkerRssMb: waiting.workerRssMb, peakWorkerRssMb: Math.max(peakWorker, procStatusMb(workerPid, 'VmHWM')),
      waitingServerRssMb: server ? waiting.serverRssMb : null, peakServerRssMb: server ? Math.max(peakServer, procStatusMb(serverPid, 'VmHWM')) : null,
      cancelMs: service, cliCancelMs: cli,
    };
    console.log(JSON.stringify(figures));
  } finally {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await new Promise((resolve) => worker!.once('exit', resolve));
    }
    await temporal?.close();
    mailer.close();
    if (!values.keep) await db.dropDatabase();
    await closeDatabase(db);
    if (server) {
      await stackDown(server.config);
      rmSync(server.dir, { recursive: true, force: true });
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
