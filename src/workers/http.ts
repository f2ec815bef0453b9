// The HTTP endpoint of every worker process (WORKER_HTTP_PORT), for orchestrators and Prometheus:
//   GET /healthz  liveness: 200 while the process runs its event loop;
//   GET /readyz   readiness: 200 when MongoDB, SMTP and Temporal answer, 503 while one is down,
//                 while the worker is starting, or once it is shutting down (seed 000's JSON);
//   GET /health   the same as /readyz (seed 000's endpoint name);
//   GET /metrics  Prometheus text: Metronome's prom-client metrics followed by the Temporal SDK's
//                 runtime metrics, which the SDK serves on a loopback port of its own
//                 (installSdkMetrics below) and this endpoint reads and appends.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { Runtime } from '@temporalio/worker';
import type { HealthReport } from '../domain/health';
import { appRegistry, collectProcessMetrics } from '../observability/metrics';

/** A dependency check per probe would hammer the dependencies when probes come often: reuse one for this long. */
const HEALTH_CACHE_MS = 1000;

export interface WorkerHttpOptions {
  port: number;
  host?: string;
  /** Undefined while the worker is starting. */
  health: () => Promise<HealthReport> | undefined;
  shuttingDown: () => boolean;
  /** Where the SDK's Prometheus exporter answers, if installed. */
  sdkMetricsUrl?: string;
}

export interface WorkerHttpServer { port: number; close(): Promise<void> }

/** A free loopback port for the SDK's exporter (the kernel picks it; it is free again a moment later). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Installs the Temporal Runtime of this process with its Prometheus exporter on a loopback port,
 * and without the SDK's own signal handling (the worker command drains readiness first).
 * Must run before any Worker or NativeConnection is created. Returns the exporter's URL.
 */
export async function installSdkRuntime(withMetrics: boolean): Promise<string | undefined> {
  if (!withMetrics) {
    Runtime.install({ shutdownSignals: [] });
    return undefined;
  }
  const port = await freeLoopbackPort();
  Runtime.install({
    shutdownSignals: [],
    telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}`, countersTotalSuffix: true, useSecondsForDurations: true, unitSuffix: true } } },
  });
  return `http://127.0.0.1:${port}/metrics`;
}

async function sdkMetrics(url: string | undefined): Promise<string> {
  if (!url) return '';
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) return `# Temporal SDK metrics unavailable: HTTP ${response.status}\n`;
    return await response.text();
  } catch (error) {
    return `# Temporal SDK metrics unavailable: ${error instanceof Error ? error.message : String(error)}\n`;
  }
}

function send(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(text);
}

export async function startWorkerHttpServer(options: WorkerHttpOptions): Promise<WorkerHttpServer> {
  collectProcessMetrics();
  let cached: { at: number; report: Promise<HealthReport> } | undefined;
  const readiness = async (): Promise<{ code: number; body: unknown }> => {
    if (options.shuttingDown()) return { code: 503, body: { healthy: false, status: 'shutting-down', timestamp: new Date().toISOString() } };
    if (!cached || Date.now() - cached.at > HEALTH_CACHE_MS) {
      const pending = options.health();
      if (!pending) return { code: 503, body: { healthy: false, status: 'starting', timestamp: new Date().toISOString() } };
      cached = { at: Date.now(), report: pending };
    }
    const report = await cached.report;
    // Shutting down may have begun while the check ran.
    if (options.shuttingDown()) return { code: 503, body: { ...report, healthy: false, status: 'shutting-down' } };
    return { code: report.healthy ? 200 : 503, body: report };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'only GET' });
    switch (path) {
      case '/healthz':
        return send(res, 200, { status: 'alive', pid: process.pid, uptimeSeconds: Math.round(process.uptime()) });
      case '/readyz':
      case '/health': {
        const { code, body } = await readiness();
        return send(res, code, body);
      }
      case '/metrics': {
        const [own, sdk] = await Promise.all([appRegistry.metrics(), sdkMetrics(options.sdkMetricsUrl)]);
        return send(res, 200, `${own}\n${sdk}`, appRegistry.contentType);
      }
      default:
        return send(res, 404, { error: `no such path ${path}; try /healthz, /readyz, /metrics` });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { error: error instanceof Error ? error.message : String(error) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(new Error(`WORKER_HTTP_PORT=${options.port}: cannot listen on ${options.host ?? '0.0.0.0'}:${options.port} (${error.code ?? error.message}); choose a free port, or 0 to disable the endpoint`));
    });
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
