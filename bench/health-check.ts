// Benchmark: what a health check and the worker endpoint cost on the local stack (not a test).
//   node dist/bench/health-check.js [--runs 20] [--port 18490]
// Runs a `metronome worker --queues maintenance` process with its HTTP endpoint on --port, its own
// database and task queue; runs the health-check workflow --runs times, scrapes /readyz and
// /metrics as often; prints medians and 95th percentiles. The last line is one JSON object.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectTemporal } from '../src/client/temporal';
import { loadConfig } from '../src/config';
import { closeDatabase, connectDatabase } from '../src/db/connection';
import { stackUp } from '../src/devstack/stack';
import { taskQueueName } from '../src/domain/queues';
import { healthCheckWorkflow } from '../src/workflows';

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

function figures(values: number[]): { p50: number; p95: number } {
  return { p50: Math.round(quantile(values, 0.5) * 10) / 10, p95: Math.round(quantile(values, 0.95) * 10) / 10 };
}

async function timedFetch(url: string): Promise<{ ms: number; status: number; bytes: number }> {
  const started = performance.now();
  const response = await fetch(url);
  const body = await response.arrayBuffer();
  return { ms: performance.now() - started, status: response.status, bytes: body.byteLength };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' }, port: { type: 'string', default: '18490' } } });
  const runs = Number(values.runs);
  const port = Number(values.port);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive whole number');
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error('--port must be a port number');

  const base = loadConfig();
  const parts = await stackUp(base, { log: (l) => console.error(l) });
  if (parts.some((p) => !p.healthy)) throw new Error(`stack not healthy: ${JSON.stringify(parts)}`);
  const stamp = Date.now().toString(36);
  const uri = new URL(base.mongodbUri);
  uri.pathname = `/metronome_bench_health_${stamp}`;
  const env = { ...process.env, MONGODB_URI: uri.toString(), TEMPORAL_TASK_QUEUE: `bench-health-${stamp}`, WORKER_HTTP_PORT: String(port), LOG_LEVEL: 'warn' };
  const config = loadConfig(env);
  const worker = spawn(process.execPath, [join(__dirname, '..', '..', 'bin', 'metronome.js'), 'worker', '--queues', 'maintenance'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const temporal = await connectTemporal(config);
  try {
    for (const deadline = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 200))) {
      if (Date.now() > deadline) throw new Error('worker not ready within 60 s');
      if ((await timedFetch(`http://127.0.0.1:${port}/readyz`).catch(() => ({ status: 0 }))).status === 200) break;
    }
    const workflowMs: number[] = [];
    const latency: Record<string, number[]> = { mongodb: [], smtp: [], temporal: [] };
    const readyMs: number[] = [];
    const metricsMs: number[] = [];
    let metricsBytes = 0;
    for (let i = 0; i < runs; i += 1) {
      const started = performance.now();
      const result = await temporal.client.workflow.execute(healthCheckWorkflow, { taskQueue: taskQueueName(config.temporal.taskQueue, 'maintenance'), workflowId: `bench-health-${stamp}-${i}` });
      workflowMs.push(performance.now() - started);
      for (const [name, check] of Object.entries(result.health.details)) latency[name]!.push(check.latencyMs);
      await new Promise((r) => setTimeout(r, 1100)); // past the endpoint's 1 s reuse of a check
      readyMs.push((await timedFetch(`http://127.0.0.1:${port}/readyz`)).ms);
      const metrics = await timedFetch(`http://127.0.0.1:${port}/metrics`);
      metricsMs.push(metrics.ms);
      metricsBytes = metrics.bytes;
    }
    const out = {
      runs,
      healthCheckWorkflowMs: figures(workflowMs),
      dependencyLatencyMs: Object.fromEntries(Object.entries(latency).map(([k, v]) => [k, figures(v)])),
      readyzMs: figures(readyMs),
      metricsScrapeMs: figures(metricsMs),
      metricsBytes,
    };
    console.log(`health-check workflow: p50 ${out.healthCheckWorkflowMs.p50} ms, p95 ${out.healthCheckWorkflowMs.p95} ms over ${runs} runs`);
    console.log(`dependency latency p50: mongodb ${out.dependencyLatencyMs.mongodb!.p50} ms, smtp ${out.dependencyLatencyMs.smtp!.p50} ms, temporal ${out.dependencyLatencyMs.temporal!.p50} ms`);
    console.log(`/readyz p50 ${out.readyzMs.p50} ms; /metrics p50 ${out.metricsScrapeMs.p50} ms (${metricsBytes} bytes)`);
    console.log(JSON.stringify(out));
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
    await temporal.close();
    const db = await connectDatabase(config.mongodbUri);
    await db.dropDatabase();
    await closeDatabase(db);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
