// A Metronome worker: one process serving the task queue with the prebuilt workflow bundle,
// one database connection and one pooled SMTP transport shared by all its activities.
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Connection as DbConnection } from 'mongoose';
import type { AppConfig } from '../config';
import { createActivities } from '../activities';
import { connectDatabase, closeDatabase, ensureIndexes } from '../db/connection';
import { createMailer, type Mailer } from '../mail/mailer';
import type { Logger } from '../observability/logger';
import { connectTemporal } from '../client/temporal';
import { workflowSource } from './workflow-bundle';

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has stopped and its connections are closed. */
  done: Promise<void>;
  /** Stops polling, lets in-flight activities finish (up to the grace time), then closes. */
  shutdown(): Promise<void>;
}

export async function startWorker(config: AppConfig, logger: Logger, overrides: { taskQueue?: string } = {}): Promise<RunningWorker> {
  const db: DbConnection = await connectDatabase(config.mongodbUri, { appName: 'metronome-worker' });
  await ensureIndexes(db);
  const mailer: Mailer = createMailer(config.mail.smtpUrl, config.mail.from);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const temporal = await connectTemporal(config);
  const taskQueue = overrides.taskQueue ?? config.temporal.taskQueue;
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue,
    ...workflowSource(),
    activities: createActivities({ db, mailer, config, logger, temporal: temporal.client }),
    maxConcurrentActivityTaskExecutions: config.performance.maxConcurrentBatches * 2,
    // The SDK sizes its workflow cache from the machine's memory (thousands here); a cycle opens
    // one reminders workflow per owner, and caching them all cost 1.2 GB at 100,000 invitations.
    // Evicted workflows are replayed when their timer fires, days later, at little cost.
    maxCachedWorkflows: Math.max(20, Math.floor(config.performance.maxMemoryMb / 8)),
    // The default grace time is 0: a deploy would abandon in-flight activities to their timeouts.
    shutdownGraceTime: `${config.worker.shutdownGraceSeconds}s`,
  });
  logger.info({ event: 'worker-started', taskQueue, namespace: config.temporal.namespace }, 'worker started');
  const done = worker.run().finally(async () => {
    mailer.close();
    await closeDatabase(db);
    await temporal.close();
    await connection.close();
    logger.info({ event: 'worker-stopped', taskQueue }, 'worker stopped');
  });
  return {
    worker,
    done,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
