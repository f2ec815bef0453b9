// Chaos suite (`npm run chaos`; not part of `npm test`). One invitation cycle per scenario, on a
// stack of its own (never the shared one): its own Temporal dev server, mongo-java-server with
// its H2 file storage (so a stopped server keeps its data) and mail catcher, on ports from
// --base-port (27100: Temporal 27133, UI 27134, MongoDB 27117, SMTP 27125, mail catcher page 27180).
//
//   node dist/bench/chaos.js [--invitations 20000] [--scenarios baseline,kill-worker,mongo-down,smtp-faults,temporal-restart]
//                            [--mongo-down-seconds 60] [--base-port 27100] [--keep]
//
// Scenarios (each on a fresh database, task queue and mail catcher):
//   baseline          no fault: the reference cycle time;
//   kill-worker       the worker is killed with SIGKILL three times (at ~20, 45, 70 % of the mails)
//                     and restarted at once, as a supervisor would;
//   mongo-down        the MongoDB server is stopped (SIGTERM) at ~30 % for --mongo-down-seconds, then started again;
//   smtp-faults       the SMTP server answers 10 % of the messages with 451 and 1 % with 550;
//   temporal-restart  the Temporal dev server is stopped at ~30 % and started again on the same database file.
// After each: no contact got two invitations (counted at the SMTP server); every eligible contact
// got one, or is marked failed (the 550s, with their reason), or is flagged `deliveryUnconfirmed`;
// the cycle's figures equal the SMTP server's count and no workflow is stuck. Prints scenario ×
// (sent, duplicates, lost, failed-marked, unconfirmed, recovery time) and exits 1 if any assertion
// failed.
// Why "unconfirmed" is allowed: SMTP has no way to ask a server whether it accepted a message. A
// mail is claimed in the database just before its final "." (src/activities/claimed-send.ts); a
// worker killed in the few milliseconds between the two leaves a claim whose mail the server never
// accepted. It is never sent again (that could be a duplicate); it is flagged, counted and listed,
// and the table shows how many of the flagged ones really did not arrive.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import type { Connection } from 'mongoose';
import { countMonth, startCycle } from '../src/client/cycle';
import { connectTemporal, type TemporalHandle } from '../src/client/temporal';
import { loadConfig, type AppConfig } from '../src/config';
import { closeDatabase, connectDatabase, ensureIndexes } from '../src/db/connection';
import { getModels } from '../src/db/models';
import { stackDown, stackUp, stopPart, type PartName } from '../src/devstack/stack';
import type { CycleStats } from '../src/domain/cycle';
import { seedDemoData } from '../src/seed/demo-data';
import { mailSummary } from '../test/helpers/local-stack';

const BIN = join(__dirname, '..', '..', 'bin', 'metronome.js');
const SCENARIOS = ['baseline', 'kill-worker', 'mongo-down', 'smtp-faults', 'temporal-restart'] as const;
type ScenarioName = (typeof SCENARIOS)[number];
/** A pending activity retried more often than this counts as stuck. */
const MAX_PENDING_ATTEMPTS = 5;
const SCENARIO_TIMEOUT_MS = 20 * 60_000;
/** Share of eligible contacts among seeded ones (90 % active users × 95 % active × 97 % not opted out). */
const ELIGIBLE_SHARE = 0.82;
const CONTACTS_PER_USER = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface Options { invitations: number; scenarios: ScenarioName[]; mongoDownMs: number; basePort: number; keep: boolean }

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      invitations: { type: 'string', default: '20000' },
      scenarios: { type: 'string', default: SCENARIOS.join(',') },
      'mongo-down-seconds': { type: 'string', default: '60' },
      'base-port': { type: 'string', default: '27100' },
      keep: { type: 'boolean', default: false },
    },
  });
  const invitations = Number(values.invitations);
  if (!Number.isInteger(invitations) || invitations < 100) throw new Error(`--invitations must be a whole number ≥ 100, got ${values.invitations}`);
  const scenarios = values.scenarios.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = scenarios.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (bad.length || !scenarios.length) throw new Error(`--scenarios: unknown ${bad.join(', ') || '(none)'}; valid: ${SCENARIOS.join(', ')}`);
  const mongoDown = Number(values['mongo-down-seconds']);
  if (!(mongoDown >= 1 && mongoDown <= 600)) throw new Error(`--mongo-down-seconds must be from 1 to 600, got ${values['mongo-down-seconds']}`);
  const basePort = Number(values['base-port']);
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort > 65_000) throw new Error(`--base-port must be from 1024 to 65000, got ${values['base-port']}`);
  return { invitations, scenarios: scenarios as ScenarioName[], mongoDownMs: mongoDown * 1000, basePort, keep: values.keep };
}

/** The chaos stack: the devstack's own parts, on our ports and in a temporary data dir. */
class ChaosStack {
  readonly env: NodeJS.ProcessEnv;
  readonly config: AppConfig;
  constructor(readonly dataDir: string, basePort: number) {
    this.env = {
      ...process.env,
      TEMPORAL_ADDRESS: `127.0.0.1:${basePort + 33}`, TEMPORAL_UI_PORT: String(basePort + 34), TEMPORAL_NAMESPACE: 'default',
      MONGODB_URI: `mongodb://127.0.0.1:${basePort + 17}/chaos`, METRONOME_MONGO_SERVER: 'mongo-java-server', METRONOME_MONGO_JAVA_STORAGE: 'file',
      SMTP_URL: `smtp://127.0.0.1:${basePort + 25}`, MAIL_CATCHER_WEB_PORT: String(basePort + 80),
      METRONOME_DATA_DIR: dataDir, LOG_LEVEL: 'warn', WORKER_HTTP_PORT: '0',
      MAIL_CATCHER_TEMPFAIL_RATE: '', MAIL_CATCHER_PERMFAIL_RATE: '',
      // Reminders wait on their timers: they must not add mails to the count.
      SCHEDULER_FIRST_REMINDER_DAYS: '30', SCHEDULER_SECOND_REMINDER_DAYS: '31',
    };
    this.config = loadConfig(this.env);
  }

  /** Starts whatever part is not running; the mail catcher gets the fault rates of `process.env`. */
  async up(faults: { temp: number; perm: number } = { temp: 0, perm: 0 }): Promise<void> {
    process.env.MAIL_CATCHER_TEMPFAIL_RATE = faults.temp ? String(faults.temp) : '';
    process.env.MAIL_CATCHER_PERMFAIL_RATE = faults.perm ? String(faults.perm) : '';
    const parts = await stackUp(this.config);
    const down = parts.filter((p) => !p.healthy);
    if (down.length) throw new Error(`chaos stack not healthy: ${down.map((p) => `${p.name}: ${p.detail}`).join('; ')}`);
    const foreign = parts.filter((p) => p.ownership !== 'managed');
    if (foreign.length) throw new Error(`ports in use by another server: ${foreign.map((p) => `${p.name} ${p.address}`).join(', ')}; pick another --base-port`);
  }

  /** Stops one part (its recorded PID) and waits until it has exited. */
  async stop(part: PartName): Promise<void> {
    if (!(await stopPart(this.config, part))) throw new Error(`no running ${part} process recorded`);
  }
}

/** `metronome worker --queues invitations` processes, restarted by `restart()` like a supervisor would. */
class Workers {
  private current: ChildProcess | undefined;
  constructor(private readonly env: NodeJS.ProcessEnv, private readonly logFile: string) {}

  start(): void {
    const fd = openSync(this.logFile, 'a');
    this.current = spawn(process.execPath, [BIN, 'worker', '--queues', 'invitations'], { env: this.env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
  }

  async killHard(): Promise<void> {
    const child = this.current;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.current;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    await exited;
    clearTimeout(timer);
  }
}

interface ScenarioResult {
  scenario: ScenarioName;
  eligible: number;
  sentAtSmtp: number;
  duplicates: number;
  /** Eligible, not received, not marked failed, not flagged unconfirmed: must be 0. */
  lost: number;
  failedMarked: number;
  unconfirmed: number;
  /** Flagged unconfirmed and indeed not received: the worker died between claim and final dot. */
  unconfirmedNotReceived: number;
  recoveriesMs: number[];
  cycleMs: number;
  failures: string[];
}

interface Context {
  stack: ChaosStack;
  workers: Workers;
  /** Invitations received by the SMTP server so far (this scenario's domain). */
  progress(): Promise<number>;
  expected: number;
  options: Options;
  log(line: string): void;
}

async function waitForProgress(ctx: Context, share: number): Promise<void> {
  const target = Math.floor(ctx.expected * share);
  while ((await ctx.progress().catch(() => 0)) < target) await sleep(200);
}

/** From the end of a fault until the SMTP server receives one more invitation. */
async function recovery(ctx: Context, faultEnd: number): Promise<number> {
  const before = await ctx.progress();
  for (const deadline = Date.now() + SCENARIO_TIMEOUT_MS; Date.now() < deadline; await sleep(100)) {
    if ((await ctx.progress()) > before) return Date.now() - faultEnd;
  }
  throw new Error('no progress after the fault');
}

const FAULTS: Record<ScenarioName, (ctx: Context) => Promise<number[]>> = {
  baseline: () => Promise.resolve([]),
  'smtp-faults': () => Promise.resolve([]),
  'kill-worker': async (ctx) => {
    const recoveries: number[] = [];
    for (const share of [0.2, 0.45, 0.7]) {
      await waitForProgress(ctx, share);
      await ctx.workers.killHard();
      ctx.log(`worker killed (SIGKILL) at ${await ctx.progress()} mails; restarted`);
      ctx.workers.start();
      recoveries.push(await recovery(ctx, Date.now()));
    }
    return recoveries;
  },
  'mongo-down': async (ctx) => {
    await waitForProgress(ctx, 0.3);
    await ctx.stack.stop('mongodb');
    ctx.log(`MongoDB stopped at ${await ctx.progress()} mails for ${seconds(ctx.options.mongoDownMs)}`);
    await sleep(ctx.options.mongoDownMs);
    await ctx.stack.up();
    const end = Date.now();
    ctx.log('MongoDB started again (same H2 file)');
    return [await recovery(ctx, end)];
  },
  'temporal-restart': async (ctx) => {
    await waitForProgress(ctx, 0.3);
    await ctx.stack.stop('temporal');
    ctx.log(`Temporal dev server stopped at ${await ctx.progress()} mails; starting it again`);
    await ctx.stack.up();
    const end = Date.now();
    ctx.log('Temporal dev server answers again (same database file)');
    return [await recovery(ctx, end)];
  },
};

/** The cycle's result; survives a Temporal restart (the long poll fails while the server is down). */
async function cycleResult(client: Client, workflowId: string, deadline: number): Promise<CycleStats> {
  for (;;) {
    try {
      return await client.workflow.getHandle(workflowId).result() as CycleStats;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(1000);
    }
  }
}

/** Open workflows of this task queue other than the reminders (which wait on timers), and pending activities retried too often. */
async function stuckWorkflows(client: Client, taskQueue: string): Promise<string[]> {
  const stuck: string[] = [];
  for await (const wf of client.workflow.list({ query: `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"` })) {
    if (wf.type !== 'remindersWorkflow') stuck.push(`${wf.workflowId} (${wf.type}) still running`);
    const description = await client.workflow.getHandle(wf.workflowId, wf.runId).describe();
    for (const activity of description.raw.pendingActivities ?? []) {
      if ((activity.attempt ?? 0) > MAX_PENDING_ATTEMPTS) stuck.push(`${wf.workflowId}: activity ${activity.activityType?.name ?? '?'} at attempt ${activity.attempt}`);
    }
  }
  return stuck;
}

async function terminateReminders(client: Client, taskQueue: string): Promise<void> {
  for await (const wf of client.workflow.list({ query: `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"` })) {
    await client.workflow.getHandle(wf.workflowId, wf.runId).terminate('chaos suite: scenario done').catch(() => undefined);
  }
}

async function runScenario(name: ScenarioName, index: number, stack: ChaosStack, temporal: TemporalHandle, options: Options, baselineEligible: number | undefined): Promise<ScenarioResult> {
  const log = (line: string) => console.error(`[${name}] ${line}`);
  const month = `2190-${String(index + 1).padStart(2, '0')}`;
  const domain = `chaos-${name}.test`;
  const uri = new URL(stack.config.mongodbUri);
  uri.pathname = `/chaos_${name.replace(/-/g, '_')}`;
  const env = { ...stack.env, MONGODB_URI: uri.toString(), TEMPORAL_TASK_QUEUE: `chaos-${name}` };
  const config = loadConfig(env);
  const failures: string[] = [];
  const check = (ok: boolean, message: string) => { if (!ok) failures.push(message); };

  // A fresh mail catcher for each scenario: its counters are the scenario's own.
  await stack.stop('smtp');
  await stack.up(name === 'smtp-faults' ? { temp: 0.1, perm: 0.01 } : undefined);

  let db: Connection = await connectDatabase(config.mongodbUri);
  await ensureIndexes(db);
  const users = Math.ceil(options.invitations / (CONTACTS_PER_USER * ELIGIBLE_SHARE));
  log(`seeding ${users} users × ${CONTACTS_PER_USER} contacts…`);
  await seedDemoData(db, { users, contactsPerUser: CONTACTS_PER_USER, emailDomain: domain, randomSeed: 7 });
  await closeDatabase(db); // The mongo-down scenario stops the server: no client of ours stays attached meanwhile.

  const workers = new Workers(env, join(stack.dataDir, `worker-${name}.log`));
  const ctx: Context = {
    stack, workers, options, log,
    expected: baselineEligible ?? Math.floor(options.invitations),
    progress: async () => (await mailSummary(config, { to: `@${domain}`, kind: 'invitation' })).total,
  };
  workers.start();
  const started = Date.now();
  const ticker = setInterval(() => {
    ctx.progress().then((n) => log(`${n} mails at the SMTP server after ${seconds(Date.now() - started)}`), () => log('mail catcher did not answer'));
  }, 15_000);
  let stats: CycleStats | undefined;
  let recoveriesMs: number[] = [];
  try {
    const { workflowId } = await startCycle(temporal.client, config, month);
    const faults = FAULTS[name](ctx).then((r) => { recoveriesMs = r; }, (error: unknown) => { failures.push(`fault injection: ${String(error)}`); });
    stats = await cycleResult(temporal.client, workflowId, started + SCENARIO_TIMEOUT_MS);
    await faults;
  } catch (error) {
    failures.push(`cycle did not complete: ${error instanceof Error ? error.message : String(error)}`);
  }
  const cycleMs = Date.now() - started;
  clearInterval(ticker);
  await workers.stop();

  db = await connectDatabase(config.mongodbUri);
  const smtp = await mailSummary(config, { to: `@${domain}`, kind: 'invitation' });
  const catcher = (await (await fetch(`http://127.0.0.1:${config.stack.mailCatcherWebPort}/api/summary`)).json()) as { rejected: { temporary: number; permanent: number } };
  const counts = await countMonth(db, month);
  const { Invitation } = getModels(db);
  const failedDocs = await Invitation.find({ month, status: 'failed' }).lean();
  const eligible = stats?.invitationsCreated ?? counts.total;
  const duplicates = smtp.total - smtp.uniqueRecipients;
  // An invitation flagged `deliveryUnconfirmed` lost its worker between its claim and the
  // server's answer: asked one by one whether the server has it.
  const unconfirmedDocs = await Invitation.find({ month, 'tracking.deliveryUnconfirmed': true }, { email: 1 }).lean();
  let unconfirmedReceived = 0;
  for (const doc of unconfirmedDocs) if ((await mailSummary(config, { to: doc.email, kind: 'invitation' })).total > 0) unconfirmedReceived += 1;
  const unconfirmedNotReceived = unconfirmedDocs.length - unconfirmedReceived;
  const lost = eligible - smtp.uniqueRecipients - failedDocs.length - unconfirmedNotReceived;

  check(duplicates === 0, `${duplicates} invitations received twice or more`);
  check(lost === 0, `${lost} eligible contacts received no invitation and are marked neither failed nor unconfirmed`);
  check(counts.total === eligible, `the database holds ${counts.total} invitations of the month, the cycle says ${eligible} created`);
  if (baselineEligible !== undefined) check(eligible === baselineEligible, `${eligible} invitations created, the baseline created ${baselineEligible} from the same seed`);
  check((counts.byStatus.created ?? 0) === 0, `${counts.byStatus.created ?? 0} invitations left unsent (status created)`);
  check(failedDocs.every((d) => /^5\d\d/.test(d.tracking?.failureReason ?? '')), 'a failed invitation lacks its 5xx reason');
  check(failedDocs.length === catcher.rejected.permanent, `${failedDocs.length} marked failed, the SMTP server refused ${catcher.rejected.permanent} with 550`);
  if (name === 'smtp-faults') check(catcher.rejected.temporary > 0 && catcher.rejected.permanent > 0, 'the SMTP server injected no fault');
  if (stats) {
    check(stats.unconfirmed === unconfirmedDocs.length, `cycle stats unconfirmed ${stats.unconfirmed} ≠ ${unconfirmedDocs.length} flagged in the database`);
    check(stats.sent + unconfirmedReceived === smtp.uniqueRecipients, `cycle stats sent ${stats.sent} + unconfirmed and received ${unconfirmedReceived} ≠ ${smtp.uniqueRecipients} at the SMTP server`);
    check(stats.failed === failedDocs.length, `cycle stats failed ${stats.failed} ≠ ${failedDocs.length} marked failed`);
  }
  const stuck = await stuckWorkflows(temporal.client, config.temporal.taskQueue);
  check(stuck.length === 0, `stuck: ${stuck.slice(0, 5).join('; ')}`);

  await terminateReminders(temporal.client, config.temporal.taskQueue);
  if (!options.keep) await db.dropDatabase();
  await closeDatabase(db);
  const result: ScenarioResult = {
    scenario: name, eligible, sentAtSmtp: smtp.total, duplicates, lost, failedMarked: failedDocs.length,
    unconfirmed: stats?.unconfirmed ?? 0, unconfirmedNotReceived, recoveriesMs, cycleMs, failures,
  };
  log(`${failures.length ? 'FAIL' : 'pass'}: ${JSON.stringify(result)}`);
  return result;
}

function printTable(results: ScenarioResult[]): void {
  const baseline = results.find((r) => r.scenario === 'baseline');
  const rows = results.map((r) => ({
    scenario: r.scenario,
    eligible: String(r.eligible),
    sent: String(r.sentAtSmtp),
    duplicates: String(r.duplicates),
    lost: String(r.lost),
    'failed-marked': String(r.failedMarked),
    'unconfirmed (not received)': `${r.unconfirmed} (${r.unconfirmedNotReceived})`,
    recovery: r.recoveriesMs.length ? r.recoveriesMs.map(seconds).join(' / ') : '–',
    'cycle time': seconds(r.cycleMs) + (baseline && r !== baseline ? ` (${r.cycleMs >= baseline.cycleMs ? '+' : '−'}${seconds(Math.abs(r.cycleMs - baseline.cycleMs))})` : ''),
    result: r.failures.length ? 'FAIL' : 'pass',
  }));
  const headers = Object.keys(rows[0]!) as (keyof (typeof rows)[number])[];
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => r[h].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(headers));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(headers.map((h) => row[h])));
  for (const r of results) for (const f of r.failures) console.log(`FAIL ${r.scenario}: ${f}`);
}

async function main(): Promise<number> {
  const options = readOptions();
  const dataDir = mkdtempSync(join(tmpdir(), 'metronome-chaos-'));
  const stack = new ChaosStack(dataDir, options.basePort);
  const results: ScenarioResult[] = [];
  let temporal: TemporalHandle | undefined;
  try {
    console.error(`chaos stack in ${dataDir}: Temporal ${stack.env.TEMPORAL_ADDRESS}, MongoDB ${stack.config.mongodbUri}, SMTP ${stack.env.SMTP_URL}`);
    await stack.up();
    temporal = await connectTemporal(stack.config);
    const scenarios = options.scenarios.includes('baseline') ? ['baseline' as const, ...options.scenarios.filter((s) => s !== 'baseline')] : options.scenarios;
    for (const [index, name] of scenarios.entries()) {
      const baselineEligible = results.find((r) => r.scenario === 'baseline')?.eligible;
      results.push(await runScenario(name, index, stack, temporal, options, baselineEligible));
    }
  } finally {
    await temporal?.close().catch(() => undefined);
    await stackDown(stack.config).catch((error: unknown) => console.error('stack down:', error));
    if (!options.keep) rmSync(dataDir, { recursive: true, force: true });
    else console.error(`kept ${dataDir} (logs, databases)`);
  }
  console.log(`\nChaos suite, ${options.invitations} invitations requested per scenario:\n`);
  printTable(results);
  console.log(JSON.stringify(results));
  return results.some((r) => r.failures.length) ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
