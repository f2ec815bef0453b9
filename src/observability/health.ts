// Dependency checks shared by the health-check job and the worker's /readyz: MongoDB (ping),
// SMTP (connect, greeting, EHLO: nodemailer's verify() on the worker's own transport settings)
// and Temporal (getSystemInfo on the worker's client connection). Each check has a timeout,
// measures its latency and never throws: it says UP or DOWN and why.
import type { Client } from '@temporalio/client';
import type { Connection as DbConnection } from 'mongoose';
import { withDeadline } from '../domain/deadline';
import type { Mailer } from '../mail/mailer';
import { summarizeHealth, type DependencyCheck, type DependencyName, type HealthReport } from '../domain/health';

/** A dependency that has not answered within this time is DOWN. */
export const DEPENDENCY_CHECK_TIMEOUT_MS = 5000;

export interface HealthDeps { db: DbConnection; mailer: Mailer; temporal: Client }

function reason(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
}

export async function timed(what: () => Promise<string>, timeoutMs: number): Promise<DependencyCheck> {
  const started = performance.now();
  try {
    const detail = await withDeadline(what(), timeoutMs, () => new Error(`no answer within ${timeoutMs} ms`));
    return { status: 'UP', healthy: true, latencyMs: Math.round(performance.now() - started), detail, checkedAt: new Date().toISOString() };
  } catch (error) {
    return { status: 'DOWN', healthy: false, latencyMs: Math.round(performance.now() - started), detail: reason(error), checkedAt: new Date().toISOString() };
  }
}

export function checkMongo(db: DbConnection, timeoutMs = DEPENDENCY_CHECK_TIMEOUT_MS): Promise<DependencyCheck> {
  return timed(async () => {
    // The native driver, not mongoose: mongoose would buffer the command while disconnected.
    const native = db.getClient().db('admin');
    await native.command({ ping: 1 }, { timeoutMS: timeoutMs });
    return 'ping ok';
  }, timeoutMs);
}

export function checkSmtp(mailer: Mailer, timeoutMs = DEPENDENCY_CHECK_TIMEOUT_MS): Promise<DependencyCheck> {
  return timed(async () => {
    await mailer.verify();
    return 'greeting and EHLO ok';
  }, timeoutMs);
}

export function checkTemporal(client: Client, timeoutMs = DEPENDENCY_CHECK_TIMEOUT_MS): Promise<DependencyCheck> {
  return timed(async () => {
    const deadline = new Date(Date.now() + timeoutMs);
    const info = await client.connection.withDeadline(deadline, () => client.workflowService.getSystemInfo({}));
    return `server ${info.serverVersion || '?'}, namespace ${client.options.namespace}`;
  }, timeoutMs);
}

/** All three checks in parallel, summarized in seed 000's health response format. */
export async function checkDependencies(deps: HealthDeps, timeoutMs = DEPENDENCY_CHECK_TIMEOUT_MS): Promise<HealthReport> {
  const [mongodb, smtp, temporal] = await Promise.all([
    checkMongo(deps.db, timeoutMs),
    checkSmtp(deps.mailer, timeoutMs),
    checkTemporal(deps.temporal, timeoutMs),
  ]);
  const details: Record<DependencyName, DependencyCheck> = { mongodb, smtp, temporal };
  return summarizeHealth(details, new Date());
}
