// /health: whether the API can reach what it needs. Each check has its own short deadline, so a
// hung dependency turns into "down" within seconds instead of a hung probe.
import type { Client } from '@temporalio/client';
import type { Connection } from 'mongoose';
import { withDeadline } from '../domain/deadline';

export const HEALTH_CHECK_TIMEOUT_MS = 2_000;

export interface DependencyHealth { status: 'up' | 'down'; latencyMs: number; error?: string }
export interface Health { status: 'ok' | 'unhealthy'; checkedAt: string; dependencies: { mongodb: DependencyHealth; temporal: DependencyHealth } }

async function timed(check: () => Promise<unknown>): Promise<DependencyHealth> {
  const started = Date.now();
  try {
    await withDeadline(check(), HEALTH_CHECK_TIMEOUT_MS, () => new Error(`no answer within ${HEALTH_CHECK_TIMEOUT_MS} ms`));
    return { status: 'up', latencyMs: Date.now() - started };
  } catch (error) {
    return { status: 'down', latencyMs: Date.now() - started, error: error instanceof Error ? error.message : String(error) };
  }
}

export async function checkHealth(deps: { db: Connection; temporal: Client }): Promise<Health> {
  const [mongodb, temporal] = await Promise.all([
    timed(async () => {
      if (!deps.db.db) throw new Error('not connected');
      await deps.db.db.command({ ping: 1 });
    }),
    // The gRPC deadline ends the call itself shortly before the race gives up on it.
    timed(() => deps.temporal.connection.withDeadline(Date.now() + HEALTH_CHECK_TIMEOUT_MS - 250, () => deps.temporal.workflowService.getSystemInfo({}))),
  ]);
  return { status: mongodb.status === 'up' && temporal.status === 'up' ? 'ok' : 'unhealthy', checkedAt: new Date().toISOString(), dependencies: { mongodb, temporal } };
}
