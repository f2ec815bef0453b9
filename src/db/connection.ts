// Every caller gets its own connection (mongoose.createConnection), never the global one, so tests
// and tools can use separate databases side by side.
import mongoose from 'mongoose';
import { getModels } from './models';

export interface ConnectOptions {
  /** Shows up in the server's logs and currentOp, to tell worker, CLI and tests apart. */
  appName?: string;
  maxPoolSize?: number;
}

/** A down or unreachable database should fail within seconds, not hang for the driver's 30 s default. */
export const SERVER_SELECTION_TIMEOUT_MS = 5_000;

/** Hides the password of `mongodb://user:password@host` so the URI can go into logs and errors. */
export function redactMongoUri(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/[^:/@]+):[^@/]*@/, '$1:***@');
}

export async function connectDatabase(uri: string, options: ConnectOptions = {}): Promise<mongoose.Connection> {
  const conn = mongoose.createConnection(uri, {
    // Indexes are built on purpose by ensureIndexes() (CLI/start-up), not as a side effect of
    // registering a model; a background build racing the first writes is hard to reason about.
    autoIndex: false,
    autoCreate: false,
    // Fail fast instead of queueing operations while disconnected: Temporal retries activities.
    bufferCommands: false,
    serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
    ...(options.appName !== undefined && { appName: options.appName }),
    ...(options.maxPoolSize !== undefined && { maxPoolSize: options.maxPoolSize }),
  });
  try {
    return await conn.asPromise();
  } catch (error) {
    // A failed createConnection still holds a client; release it so the process can exit.
    await conn.close().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot connect to MongoDB at ${redactMongoUri(uri)} within ${SERVER_SELECTION_TIMEOUT_MS / 1000} s: ${reason}`, {
      cause: error,
    });
  }
}

/**
 * Creates every index the models declare. Idempotent: existing identical indexes are left alone.
 * Sequential on purpose: FerretDB's SQLite backend serialises writes per database anyway.
 */
export async function ensureIndexes(conn: mongoose.Connection): Promise<void> {
  const { User, Contact, Invitation, RunReport, DeliveryClaim, Task, Import, HttpJob, ApiToken } = getModels(conn);
  for (const model of [User, Contact, Invitation, RunReport, DeliveryClaim, Task, Import, HttpJob, ApiToken] as const) {
    await model.createIndexes();
  }
}

export async function closeDatabase(conn: mongoose.Connection): Promise<void> {
  await conn.close();
}
