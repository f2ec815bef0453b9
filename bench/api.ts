// Benchmark: the HTTP API on the local stack (not a test).
//   node dist/bench/api.js [--jobs 20] [--requests 500] [--concurrency 10] [--port 21990]
// Uses a database of its own, registers `--jobs` jobs of one organisation (their Schedules are
// deleted at the end), serves the API on a real TCP port and measures, over HTTP with
// `--concurrency` requests in flight: GET /health, GET /api/jobs/:name (token lookup + one _id
// read + one Schedule describe), GET /api/jobs (one describe per job) and a 400 answer. Prints
// requests/s and p50/p95 latency per route; the last line is one JSON object.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { buildApiServer } from '../src/api/server';
import { connectTemporal } from '../src/client/temporal';
import { loadConfig } from '../src/config';
import { closeDatabase, connectDatabase, ensureIndexes } from '../src/db/connection';
import { stackUp } from '../src/devstack/stack';
import { httpJobScheduleId } from '../src/domain/http-jobs';
import { createLogger } from '../src/observability/logger';
import { createApiToken } from '../src/services/api-tokens';

interface Figures { route: string; requests: number; perSecond: number; p50Ms: number; p95Ms: number; statuses: Record<string, number> }

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function measure(route: string, url: string, init: RequestInit, requests: number, concurrency: number): Promise<Figures> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < requests) {
      next += 1;
      const t0 = performance.now();
      const response = await fetch(url, init);
      await response.arrayBuffer();
      latencies.push(performance.now() - t0);
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return { route, requests, perSecond: Math.round(requests / seconds), p50Ms: round(percentile(latencies, 50)), p95Ms: round(percentile(latencies, 95)), statuses };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    jobs: { type: 'string', default: '20' }, requests: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '10' }, port: { type: 'string', default: '21990' },
  } });
  const [jobs, requests, concurrency, port] = [values.jobs, values.requests, values.concurrency, values.port].map(Number) as [number, number, number, number];
  const base = loadConfig();
  await stackUp(base, { log: () => undefined });
  const uri = new URL(base.mongodbUri);
  uri.pathname = `/metronome_bench_api_${randomBytes(3).toString('hex')}`;
  const config = loadConfig({ ...process.env, MONGODB_URI: uri.toString(), TEMPORAL_TASK_QUEUE: `bench-api-${randomBytes(3).toString('hex')}` });
  const db = await connectDatabase(config.mongodbUri);
  await ensureIndexes(db);
  const temporal = await connectTemporal(config);
  const app = await buildApiServer({ config, db, temporal: temporal.client, logger: createLogger('silent') });
  await app.listen({ host: '127.0.0.1', port });
  const url = `http://127.0.0.1:${port}`;
  const org = `bench-${randomBytes(3).toString('hex')}`;
  const { token } = await createApiToken(db, { orgId: org });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  try {
    for (let i = 0; i < jobs; i += 1) {
      const response = await fetch(`${url}/api/jobs/register`, { method: 'POST', headers, body: JSON.stringify({ name: `job-${i}`, cronExpression: '0 3 * * *', endpoint: 'http://127.0.0.1:9/never', enabled: false }) });
      if (response.status !== 201) throw new Error(`register answered ${response.status}: ${await response.text()}`);
    }
    const results = [
      await measure('GET /health', `${url}/health`, {}, requests, concurrency),
      await measure('GET /api/jobs/:name', `${url}/api/jobs/job-0`, { headers }, requests, concurrency),
      await measure(`GET /api/jobs (${jobs} jobs)`, `${url}/api/jobs`, { headers }, Math.max(20, Math.floor(requests / 10)), concurrency),
      await measure('POST /api/jobs/register (400)', `${url}/api/jobs/register`, { method: 'POST', headers, body: '{"name":"x"}' }, requests, concurrency),
    ];
    for (const r of results) {
      process.stdout.write(`${r.route.padEnd(34)} ${String(r.perSecond).padStart(6)} req/s  p50 ${String(r.p50Ms).padStart(6)} ms  p95 ${String(r.p95Ms).padStart(6)} ms  ${JSON.stringify(r.statuses)}\n`);
    }
    process.stdout.write(`${JSON.stringify({ jobs, concurrency, results })}\n`);
  } finally {
    for (let i = 0; i < jobs; i += 1) await temporal.client.schedule.getHandle(httpJobScheduleId(org, `job-${i}`)).delete().catch(() => undefined);
    await app.close();
    await temporal.close();
    await db.dropDatabase().catch(() => undefined);
    await closeDatabase(db);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
