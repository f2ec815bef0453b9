import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { createLogger } from '../../observability/logger';
import { startWorker } from '../../workers/worker';

export function registerWorkerCommand(program: Command): void {
  program.command('worker')
    .description('run a worker until SIGTERM/SIGINT; in-flight activities get WORKER_SHUTDOWN_GRACE_SECONDS to finish')
    .option('--task-queue <name>', 'task queue to serve (default TEMPORAL_TASK_QUEUE)')
    .action(async (options: { taskQueue?: string }) => {
      const config = loadConfig();
      const logger = createLogger(config.logLevel);
      // Temporal's Runtime turns SIGINT/SIGTERM into a graceful worker.shutdown().
      const running = await startWorker(config, logger, { taskQueue: options.taskQueue });
      await running.done;
    });
}
