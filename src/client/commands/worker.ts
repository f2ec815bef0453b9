import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { isQueueName, QUEUE_DESCRIPTIONS, QUEUES, taskQueueName, type QueueName } from '../../domain/queues';
import { createLogger } from '../../observability/logger';
import { installSdkRuntime, startWorkerHttpServer, type WorkerHttpServer } from '../../workers/http';
import { startWorker, type RunningWorker } from '../../workers/worker';
import { printJson, printTable, UserError } from '../output';

/** `--queues invitations,maintenance` → the families, or a message naming the bad one and listing the valid ones. */
export function parseQueues(raw: string | undefined): QueueName[] | undefined {
  if (raw === undefined) return undefined;
  const names = raw.split(',').map((n) => n.trim()).filter((n) => n !== '');
  if (names.length === 0) throw new UserError(`--queues needs at least one queue family: ${QUEUES.join(', ')}`);
  const bad = names.filter((n) => !isQueueName(n));
  if (bad.length > 0) {
    throw new UserError(`--queues: unknown queue famil${bad.length > 1 ? 'ies' : 'y'} ${bad.map((b) => JSON.stringify(b)).join(', ')}; valid: ${QUEUES.join(', ')} (see metronome worker --list)`);
  }
  return [...new Set(names as QueueName[])];
}

interface WorkerCommandOptions { taskQueue?: string; queues?: string; list?: boolean; json?: boolean }

export function registerWorkerCommand(program: Command): void {
  program.command('worker')
    .description('run a worker until SIGTERM/SIGINT: /readyz turns 503 first, then in-flight activities get WORKER_SHUTDOWN_GRACE_SECONDS to finish')
    .option('--queues <families>', `comma-separated queue families to serve (default all: ${QUEUES.join(',')})`)
    .option('--task-queue <name>', 'base task queue name (default TEMPORAL_TASK_QUEUE); families derive theirs from it')
    .option('--list', 'print the queue families, their task queue names and what they run, then exit')
    .option('--json', 'with --list: one JSON line')
    .action(async (options: WorkerCommandOptions) => {
      if (options.json && !options.list) throw new UserError('--json goes with --list (a running worker logs JSON lines already)');
      const queues = parseQueues(options.queues);
      const config = loadConfig();
      const base = options.taskQueue ?? config.temporal.taskQueue;
      if (options.list) {
        const rows = QUEUES.map((name) => ({ family: name, taskQueue: taskQueueName(base, name), description: QUEUE_DESCRIPTIONS[name] }));
        if (options.json) printJson(rows);
        else printTable(rows.map((r) => ({ family: r.family, 'task-queue': r.taskQueue, description: r.description })));
        return;
      }
      await runWorkerProcess(config, { queues, taskQueue: options.taskQueue });
    });
}

async function runWorkerProcess(config: ReturnType<typeof loadConfig>, options: { queues?: QueueName[]; taskQueue?: string }): Promise<void> {
  const logger = createLogger(config.logLevel);
  const port = config.worker.httpPort;
  // The Runtime must be installed before the first connection: it carries the SDK's metrics exporter,
  // and hands the signals to us so that readiness turns 503 before the worker drains.
  const sdkMetricsUrl = await installSdkRuntime(port !== 0);
  let running: RunningWorker | undefined;
  let shuttingDown = false;
  let http: WorkerHttpServer | undefined;
  if (port !== 0) {
    http = await startWorkerHttpServer({ port, health: () => running?.health(), shuttingDown: () => shuttingDown, sdkMetricsUrl });
    logger.info({ event: 'worker-http-listening', port: http.port, paths: ['/healthz', '/readyz', '/metrics'] }, `worker endpoint on port ${http.port}`);
  }
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ event: 'worker-draining', signal, graceSeconds: config.worker.shutdownGraceSeconds }, `${signal}: not ready any more, letting in-flight activities finish`);
    void running?.shutdown().catch(() => undefined);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    running = await startWorker(config, logger, options);
    logger.info({ event: 'worker-queues', queues: running.queues }, `serving ${running.queues.map((q) => `${q.name} (${q.taskQueue})`).join(', ')}`);
    if (shuttingDown) void running.shutdown().catch(() => undefined);
    await running.done;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await http?.close();
  }
}
