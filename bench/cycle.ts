// Benchmark: one full invitation cycle on the local stack (not a test; `npm run bench:cycle`).
//   node dist/bench/cycle.js [--users 5000] [--contacts 20] [--keep]
// Seeds its own database, runs a worker as a separate process (so its RSS and CPU are its own),
// runs the cycle of a month nobody else uses, counts the mails at the SMTP catcher, and prints
// wall time, invitations per second, peak worker RSS and the largest workflow history. The last
// line is one JSON object with those figures.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCycle } from '../src/client/cycle';
import { connectTemporal } from '../src/client/temporal';
import { loadConfig } from '../src/config';
import { closeDatabase, connectDatabase, ensureIndexes } from '../src/db/connection';
import { stackUp } from '../src/devstack/stack';
import { cycleChunkWorkflowId, cycleWorkflowId } from '../src/domain/jobs';
import { seedDemoData } from '../src/seed/demo-data';

function procStatus(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 10 ms
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { users: { type: 'string', default: '5000' }, contacts: { type: 'string', default: '20' }, keep: { type: 'boolean', default: false } } });
  const users = Number(values.users);
  const contacts = Number(values.contacts);
  if (!Number.isInteger(users) || users < 1 || !Number.isInteger(contacts) || contacts < 1) throw new Error('--users and --contacts must be positive whole numbers');

  const base = loadConfig();
  const parts = await stackUp(base, { log: (l) => console.error(l) });
  if (parts.some((p) => !p.healthy)) throw new Error(`stack not healthy: ${JSON.stringify(parts)}`);
  const stamp = Date.now().toString(36);
  const uri = new URL(base.mongodbUri);
  uri.pathname = `/metronome_bench_${stamp}`;
  const env = { ...process.env, MONGODB_URI: uri.toString(), TEMPORAL_TASK_QUEUE: `bench-${stamp}`, LOG_LEVEL: 'warn', SCHEDULER_FIRST_REMINDER_DAYS: '30', SCHEDULER_SECOND_REMINDER_DAYS: '31' };
  const config = loadConfig(env);
  const domain = `bench-${stamp}.test`;
  const month = `${2100 + Math.floor(Math.random() * 800)}-${String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')}`;

  const db = await connectDatabase(config.mongodbUri);
  await ensureIndexes(db);
  console.log(`seeding ${users} users × ${contacts} contacts…`);
  const seeded = await seedDemoData(db, { users, contactsPerUser: contacts, emailDomain: domain });
  console.log(`seeded in ${(seeded.durationMs / 1000).toFixed(1)} s`);

  const worker = spawn(process.execPath, [join(__dirname, '..', '..', 'bin', 'metronome.js'), 'worker'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const workerPid = worker.pid!;
  let peakRss = 0;
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, procStatus(workerPid, 'VmRSS')); }, 500);
  const temporal = await connectTemporal(config);
  try {
    const started = Date.now();
    const { handle } = await startCycle(temporal.client, config, month);
    const stats = await handle.result();
    const wallMs = Date.now() - started;
    peakRss = Math.max(peakRss, procStatus(workerPid, 'VmHWM'));
    const workerCpu = cpuSeconds(workerPid);

    let largestHistory = (await temporal.client.workflow.getHandle(cycleWorkflowId(month)).describe()).historyLength;
    for (let i = 0; ; i++) {
      try {
        largestHistory = Math.max(largestHistory, (await temporal.client.workflow.getHandle(cycleChunkWorkflowId(month, i)).describe()).historyLength);
      } catch {
        break;
      }
    }
    const summary = (await (await fetch(`http://127.0.0.1:${config.stack.mailCatcherWebPort}/api/summary?to=${encodeURIComponent(`@${domain}`)}&kind=invitation`)).json()) as { total: number; duplicateRecipients: number };
    const figures = {
      users, contactsPerUser: contacts, invitations: stats.invitationsCreated, sent: stats.sent, failed: stats.failed,
      mailsAtSmtpServer: summary.total, duplicateRecipients: summary.duplicateRecipients,
      wallSeconds: Number((wallMs / 1000).toFixed(1)), invitationsPerSecond: Math.round(stats.sent / (wallMs / 1000)),
      peakWorkerRssMb: Math.round(peakRss), workerCpuSeconds: workerCpu, largestHistoryEvents: largestHistory,
    };
    console.log(`wall time ${figures.wallSeconds} s, ${figures.invitationsPerSecond} invitations/s, peak worker RSS ${figures.peakWorkerRssMb} MB, largest history ${largestHistory} events`);
    console.log(JSON.stringify(figures));
  } finally {
    clearInterval(sampler);
    worker.kill('SIGTERM');
    await temporal.close();
    if (!values.keep) await db.dropDatabase();
    await closeDatabase(db);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
