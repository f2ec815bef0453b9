// Benchmark: the shared send-rate limiter under load (not a test; `node dist/bench/rate-limit.js`).
//   node dist/bench/rate-limit.js [--processes 3] [--messages 200] [--rate 50] [--burst 1]
// N separate processes each send M real mails to the local SMTP catcher through ONE limiter
// document in MongoDB (limit L per second). The catcher's receive times give the achieved
// aggregate rate, the most mails in any 1 s and any 10 s sliding window, and the error vs. L;
// the same figures for the moments the limiter released each send (before the SMTP exchange).
// The last line is one JSON object with those figures.
import { parseArgs } from 'node:util';
import { closeDatabase, connectDatabase } from '../src/db/connection';
import { ensureLocalStack, isolatedConfig, uniqueDomain, uniqueName } from '../test/helpers/local-stack';
import { rateFigures, runFleet } from '../test/helpers/rate-limit-fleet';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { processes: { type: 'string', default: '3' }, messages: { type: 'string', default: '200' }, rate: { type: 'string', default: '50' }, burst: { type: 'string', default: '1' } },
  });
  const processes = Number(values.processes);
  const perProcess = Number(values.messages);
  const rate = Number(values.rate);
  const burst = Number(values.burst);
  for (const [name, v] of Object.entries({ processes, messages: perProcess, rate, burst })) {
    if (!(Number.isFinite(v) && v > 0)) throw new Error(`--${name} must be a positive number`);
  }
  await ensureLocalStack();
  const config = isolatedConfig('bench_ratelimit');
  const domain = uniqueDomain('bench-ratelimit');
  const started = Date.now();
  const run = await runFleet(config, { processes, perProcess, rate, burst, key: uniqueName('bench-provider'), domain });
  const wallSeconds = (Date.now() - started) / 1000;
  const f = rateFigures(run.receivedAt);
  const released = rateFigures(run.releasedAt);
  const reservations = run.clients.reduce((s, c) => s + c.reservations, 0);
  const conflicts = run.clients.reduce((s, c) => s + c.conflicts, 0);
  const figures = {
    processes, perProcess, limitPerSecond: rate, burst, received: f.total, wallSeconds: +wallSeconds.toFixed(2),
    spanSeconds: +f.spanSeconds.toFixed(2), aggregatePerSecond: +f.aggregatePerSecond.toFixed(2),
    errorVsLimitPercent: +((f.aggregatePerSecond / rate - 1) * 100).toFixed(2),
    maxInAny1s: f.maxPerSecond, maxInAny10s: f.maxPer10Seconds,
    limiterReleases: { aggregatePerSecond: +released.aggregatePerSecond.toFixed(2), maxInAny1s: released.maxPerSecond, maxInAny10s: released.maxPer10Seconds },
    reservations, casConflicts: conflicts,
  };
  console.log(`${processes} processes × ${perProcess} mails, limit ${rate}/s (burst ${burst}): ${f.total} received in ${f.spanSeconds.toFixed(2)} s`);
  console.log(`aggregate ${f.aggregatePerSecond.toFixed(2)}/s (${figures.errorVsLimitPercent}% vs. limit), max ${f.maxPerSecond} in any 1 s, ${f.maxPer10Seconds} in any 10 s`);
  console.log(`limiter releases (before SMTP): ${released.aggregatePerSecond.toFixed(2)}/s, max ${released.maxPerSecond} in any 1 s, ${released.maxPer10Seconds} in any 10 s`);
  console.log(`${reservations} reservations (${(f.total / reservations).toFixed(1)} slots each), ${conflicts} compare-and-set conflicts`);
  console.log(JSON.stringify(figures));
  const db = await connectDatabase(config.mongodbUri);
  await db.dropDatabase();
  await closeDatabase(db);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
