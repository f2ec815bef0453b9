// Benchmark: one full invitation cycle on the local stack (not a test; `npm run bench:cycle`).
//   node dist/bench/cycle.js [--users 5000 | --large] [--contacts 20] [--stack-json <path>]
//                            [--queues invitations|all|<families>] [--no-raw] [--profile <dir>] [--keep]
//                            [--worker-env KEY=VALUE ...]
// Seeds its own database, runs a worker as a separate process (so its RSS and CPU are its own),
// runs the cycle of a month nobody else uses, counts the mails at the SMTP catcher, then sends the
// same number of equivalent mails to the same SMTP server with a plain pooled nodemailer loop in
// another child process (bench/raw-ceiling.ts: the raw ceiling, no Temporal, no database).
// Prints invitations per second, wall time, the ratio to the raw ceiling, peak RSS and CPU seconds
// of the worker, CPU seconds of the Temporal server, the database and the SMTP server during the
// cycle (their PIDs from the stack's stack.json, else found by listening port), and the largest
// workflow history. The last line is one JSON object with those figures.
// --large: 50,000 users (1,000,000 contacts); on the in-memory dev server it needs the stack started
// with METRONOME_MONGO_JAVA_HEAP_MB=14336 and SCHEDULER_BATCH_SIZE=500 (README, Performance).
// --profile <dir>: the worker runs with --cpu-prof.
// --worker-env KEY=VALUE (repeatable): set in the worker's environment only, not in the raw
// ceiling's, e.g. the Docker image's memory settings (MALLOC_ARENA_MAX, NODE_OPTIONS).
// --queues: the families the worker serves; default `invitations` (the cycle's own worker, as a
// deployment that runs the invitations apart would have), `all` for the single-process worker.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startCycle } from '../src/client/cycle';
import { connectTemporal } from '../src/client/temporal';
import { loadConfig } from '../src/config';
import { closeDatabase, connectDatabase, ensureIndexes } from '../src/db/connection';
import { projectPath, stackUp } from '../src/devstack/stack';
import { cycleChunkWorkflowId, cycleWorkflowId } from '../src/domain/jobs';
import { seedDemoData } from '../src/seed/demo-data';
import { runJsonScript } from '../test/helpers/json-child';
import { cpuSeconds, memoryMb } from './proc';
import type { RawCeilingFigures } from './raw-ceiling';

/** PIDs of the stack's processes: stack.json written by `metronome stack up`, else the listener of each port. */
function stackPids(stackJson: string | undefined, ports: Record<string, number>): Record<string, number | undefined> {
  const pids: Record<string, number | undefined> = {};
  if (stackJson && existsSync(stackJson)) {
    const parsed = JSON.parse(readFileSync(stackJson, 'utf8')) as { parts?: Record<string, { pid?: number }> };
    for (const [name, part] of Object.entries(parsed.parts ?? {})) if (part.pid && existsSync(`/proc/${part.pid}`)) pids[name] = part.pid;
  }
  for (const [name, port] of Object.entries(ports)) pids[name] ??= pidListeningOn(port);
  return pids;
}

/** /proc/net/tcp gives the socket inode of a listener; /proc/<pid>/fd tells whose it is. */
function pidListeningOn(port: number): number | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try { text = readFileSync(table, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A') inodes.add(cols[9]!);
    }
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[] = [];
    try { fds = readdirSync(`/proc/${entry}/fd`); } catch { continue; }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return Number(entry);
      } catch { /* gone */ }
    }
  }
  return undefined;
}

function runRawCeiling(count: number, domain: string, env: NodeJS.ProcessEnv): Promise<RawCeilingFigures> {
  return runJsonScript<RawCeilingFigures>(join(__dirname, 'raw-ceiling.js'), ['--count', String(count), '--domain', domain], env);
}

const round1 = (n: number): number => Number(n.toFixed(1));

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    users: { type: 'string' }, large: { type: 'boolean', default: false }, contacts: { type: 'string', default: '20' },
    'stack-json': { type: 'string' }, queues: { type: 'string', default: 'invitations' }, 'no-raw': { type: 'boolean', default: false }, profile: { type: 'string' }, keep: { type: 'boolean', default: false },
    'worker-env': { type: 'string', multiple: true, default: [] },
  } });
  const workerEnv = Object.fromEntries(values['worker-env'].map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new Error(`--worker-env expects KEY=VALUE, got ${JSON.stringify(pair)}`);
    return [pair.slice(0, eq), pair.slice(eq + 1)];
  }));
  if (values.large && values.users !== undefined) throw new Error('--large means --users 50000: give one or the other');
  const users = Number(values.users ?? (values.large ? 50_000 : 5_000));
  const contacts = Number(values.contacts);
  if (!Number.isInteger(users) || users < 1 || !Number.isInteger(contacts) || contacts < 1) throw new Error('--users and --contacts must be positive whole numbers');

  const base = loadConfig();
  const parts = await stackUp(base, { log: (l) => console.error(l) });
  if (parts.some((p) => !p.healthy)) throw new Error(`stack not healthy: ${JSON.stringify(parts)}`);
  const portOf = (address: string): number => Number(address.split(':').pop());
  const stackJson = values['stack-json'] ?? join(projectPath(base.stack.dataDir), 'stack.json');
  const pids = stackPids(stackJson, { temporal: portOf(base.temporal.address), mongodb: portOf(new URL(base.mongodbUri).host || '127.0.0.1:27017'), smtp: Number(new URL(base.mail.smtpUrl).port || 25) });
  console.log(`stack processes (from ${stackJson} where it lists them, else by listening port): ${JSON.stringify(pids)}`);

  const stamp = Date.now().toString(36);
  const uri = new URL(base.mongodbUri);
  uri.pathname = `/metronome_bench_${stamp}`;
  const env = { ...process.env, MONGODB_URI: uri.toString(), TEMPORAL_TASK_QUEUE: `bench-${stamp}`, LOG_LEVEL: 'warn', WORKER_HTTP_PORT: '0', SCHEDULER_FIRST_REMINDER_DAYS: '30', SCHEDULER_SECOND_REMINDER_DAYS: '31' };
  const config = loadConfig(env);
  const domain = `bench-${stamp}.test`;
  const month = `${2100 + Math.floor(Math.random() * 800)}-${String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')}`;

  const db = await connectDatabase(config.mongodbUri);
  await ensureIndexes(db);
  console.log(`seeding ${users} users × ${contacts} contacts…`);
  const seeded = await seedDemoData(db, { users, contactsPerUser: contacts, emailDomain: domain });
  console.log(`seeded in ${(seeded.durationMs / 1000).toFixed(1)} s`);

  const nodeArgs = values.profile ? ['--cpu-prof', '--cpu-prof-dir', resolve(values.profile)] : [];
  const worker = spawn(process.execPath, [...nodeArgs, join(__dirname, '..', '..', 'bin', 'metronome.js'), 'worker', ...(values.queues === 'all' ? [] : ['--queues', values.queues])], { env: { ...env, ...workerEnv }, stdio: ['ignore', 'inherit', 'inherit'] });
  const workerPid = worker.pid!;
  const workerExited = new Promise<void>((done) => worker.on('exit', () => done()));
  let peakRss = 0;
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, memoryMb(workerPid, 'VmRSS')); }, 500);
  const temporal = await connectTemporal(config);
  try {
    const cpuBefore = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, pid ? cpuSeconds(pid) : 0]));
    const started = Date.now();
    const { handle } = await startCycle(temporal.client, config, month);
    const stats = await handle.result();
    const wallMs = Date.now() - started;
    peakRss = Math.max(peakRss, memoryMb(workerPid, 'VmHWM'));
    const processCpu: Record<string, number | null> = { worker: round1(cpuSeconds(workerPid)) };
    for (const [name, pid] of Object.entries(pids)) processCpu[name] = pid ? round1(cpuSeconds(pid) - cpuBefore[name]!) : null;

    let largestHistory = (await temporal.client.workflow.getHandle(cycleWorkflowId(month)).describe()).historyLength;
    for (let i = 0; ; i++) {
      try {
        largestHistory = Math.max(largestHistory, (await temporal.client.workflow.getHandle(cycleChunkWorkflowId(month, i)).describe()).historyLength);
      } catch {
        break;
      }
    }
    const summary = (await (await fetch(`http://127.0.0.1:${config.stack.mailCatcherWebPort}/api/summary?to=${encodeURIComponent(`@${domain}`)}&kind=invitation`)).json()) as { total: number; duplicateRecipients: number };
    const invitationsPerSecond = stats.sent / (wallMs / 1000);
    console.log(`cycle: ${stats.sent} sent in ${(wallMs / 1000).toFixed(1)} s (${Math.round(invitationsPerSecond)}/s), worker peak RSS ${Math.round(peakRss)} MB, CPU s ${JSON.stringify(processCpu)}`);

    let raw: (RawCeilingFigures & { smtpCpuSeconds: number | null }) | null = null;
    if (!values['no-raw']) {
      console.log(`raw ceiling: ${stats.sent} equivalent mails through a plain pooled nodemailer loop…`);
      const smtpBefore = pids.smtp ? cpuSeconds(pids.smtp) : 0;
      const figures = await runRawCeiling(stats.sent, `raw-${stamp}.test`, env);
      raw = { ...figures, smtpCpuSeconds: pids.smtp ? round1(cpuSeconds(pids.smtp) - smtpBefore) : null };
    }
    const figures = {
      users, contactsPerUser: contacts, workerQueues: values.queues, workerEnv, invitations: stats.invitationsCreated, sent: stats.sent, failed: stats.failed, unconfirmed: stats.unconfirmed,
      mailsAtSmtpServer: summary.total, duplicateRecipients: summary.duplicateRecipients,
      wallSeconds: round1(wallMs / 1000), invitationsPerSecond: Math.round(invitationsPerSecond),
      rawCeilingPerSecond: raw?.mailsPerSecond ?? null, ratioToRawCeiling: raw ? Number((invitationsPerSecond / raw.mailsPerSecond).toFixed(2)) : null,
      peakWorkerRssMb: Math.round(peakRss), cpuSeconds: processCpu, largestHistoryEvents: largestHistory,
      rawCeiling: raw,
    };
    console.log(`wall time ${figures.wallSeconds} s, ${figures.invitationsPerSecond} invitations/s${raw ? ` = ${Math.round(figures.ratioToRawCeiling! * 100)} % of the raw ceiling (${raw.mailsPerSecond}/s)` : ''}, peak worker RSS ${figures.peakWorkerRssMb} MB, largest history ${largestHistory} events`);
    console.log(JSON.stringify(figures));
  } finally {
    clearInterval(sampler);
    worker.kill('SIGTERM');
    await workerExited;
    await temporal.close();
    if (!values.keep) await db.dropDatabase();
    await closeDatabase(db);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
