// A Metronome worker: one process serving one or more task queues (src/domain/queues.ts) with
// the prebuilt workflow bundle, one database connection and one pooled SMTP transport shared by all its activities.
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Connection as DbConnection } from 'mongoose';
import type { AppConfig } from '../config';
import { createActivities } from '../activities';
import { connectDatabase, closeDatabase, ensureIndexes } from '../db/connection';
import { createMailer, type Mailer } from '../mail/mailer';
import type { Logger } from '../observability/logger';
import { connectTemporal } from '../client/temporal';
import { workflowSource } from './workflow-bundle';
import { QUEUES, taskQueueName, type QueueName } from '../domain/queues';
import type { HealthReport } from '../domain/health';
import { checkDependencies } from '../observability/health';

export interface RunningWorker {
  /** One Temporal Worker per task queue served, sharing the connections and activities. */
  workers: Worker[];
  /** The task queues served, by family. */
  queues: { name: QueueName; taskQueue: string }[];
  /** Resolves when the worker has stopped and its connections are closed. */
  done: Promise<void>;
  /** Stops polling, lets in-flight activities finish (up to the grace time), then closes. */
  shutdown(): Promise<void>;
  /** Checks MongoDB, SMTP and Temporal through this worker's own connections (what /readyz answers). */
  health(): Promise<HealthReport>;
}

export interface WorkerOptions {
  /** Families to serve (default: all of them, the single-process pattern). */
  queues?: readonly QueueName[];
  /** Base task queue name (default TEMPORAL_TASK_QUEUE); the families derive their names from it. */
  taskQueue?: string;
}

/** Workflows cached by the Worker of one family (see maxCachedWorkflows below). */
export function workflowCacheSize(name: QueueName, maxMemoryMb: number): number {
  const budget = Math.max(20, Math.floor(maxMemoryMb / 8));
  return name === 'invitations' ? budget : Math.min(budget, 16);
}

export async function startWorker(config: AppConfig, logger: Logger, options: WorkerOptions = {}): Promise<RunningWorker> {
  const db: DbConnection = await connectDatabase(config.mongodbUri, { appName: 'metronome-worker' });
  await ensureIndexes(db);
  const mailer: Mailer = createMailer(config.mail.smtpUrl, config.mail.from, { maxConnections: config.mail.maxConnections });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const temporal = await connectTemporal(config);
  const base = options.taskQueue ?? config.temporal.taskQueue;
  const activitySlots = (name: QueueName): number => {
    if (name === 'tasks') return config.tasks.maxConcurrent;
    if (name === 'imports') return config.imports.maxConcurrent;
    return config.performance.maxConcurrentBatches * 2;
  };
  const queues = (options.queues ?? QUEUES).map((name) => ({ name, taskQueue: taskQueueName(base, name) }));
  const activities = createActivities({ db, mailer, config, logger, temporal: temporal.client });
  const workers = await Promise.all(queues.map(({ name, taskQueue }) => Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue,
    ...workflowSource(),
    activities,
    // One-off tasks call other people's endpoints: TASKS_MAX_CONCURRENT caps them per worker; the
    // imports family runs at most CSV_IMPORT_MAX_CONCURRENT files at once in this process.
    maxConcurrentActivityTaskExecutions: activitySlots(name),
    // The SDK sizes its workflow cache from the machine's memory (thousands here); a cycle opens
    // one reminders workflow per owner, and caching them all cost 1.2 GB at 100,000 invitations.
    // Evicted workflows are replayed when their timer fires, days later, at little cost.
    // Each Worker has a cache (and a workflow thread) of its own: the invitations family gets
    // the budget, the other families, whose workflows are few or sleep for long, a small one.
    maxCachedWorkflows: workflowCacheSize(name, config.performance.maxMemoryMb),
    // The default grace time is 0: a deploy would abandon in-flight activities to their timeouts.
    shutdownGraceTime: `${config.worker.shutdownGraceSeconds}s`,
  })));
  const taskQueues = queues.map((q) => q.taskQueue);
  logger.info({ event: 'worker-started', taskQueues, namespace: config.temporal.namespace }, 'worker started');
  const stopAll = () => { for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown(); };
  // One queue's worker failing stops the others, so the process exits instead of half-serving.
  const runs = workers.map((worker) => worker.run().catch((error: unknown) => { stopAll(); throw error; }));
  const done = Promise.allSettled(runs).then(async (results) => {
    mailer.close();
    await closeDatabase(db);
    await temporal.close();
    await connection.close();
    logger.info({ event: 'worker-stopped', taskQueues }, 'worker stopped');
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  });
  return {
    workers,
    queues,
    done,
    async shutdown() {
      stopAll();
      await done;
    },
    health: () => checkDependencies({ db, mailer, temporal: temporal.client }),
  };
}
