// Waits for a cycle's sending to finish while a progress bar shows the invitations handled,
// counted in the database (the truth even while chunks run in parallel).
import { Presets, SingleBar } from 'cli-progress';
import type { WorkflowHandle } from '@temporalio/client';
import type { Connection } from 'mongoose';
import type { CycleStats } from '../domain/cycle';
import type { invitationCycleWorkflow } from '../workflows';
import { countMonth } from './cycle';

export async function waitForCycle(handle: WorkflowHandle<typeof invitationCycleWorkflow>, db: Connection, month: string, showBar: boolean): Promise<CycleStats> {
  const bar = showBar ? new SingleBar({ format: 'sending {bar} {value}/{total} invitations | {eta_formatted} left', stream: process.stderr }, Presets.shades_classic) : undefined;
  let watching = true;
  bar?.start(1, 0);
  const watch = (async () => {
    while (watching) {
      const counts = await countMonth(db, month).catch(() => undefined);
      if (counts && bar && watching) {
        bar.setTotal(Math.max(1, counts.total));
        bar.update(counts.handled);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  try {
    return await handle.result();
  } finally {
    watching = false;
    await watch;
    bar?.stop();
  }
}

export function describeStats(stats: CycleStats): string {
  return `${stats.users} users, ${stats.invitationsCreated} invitations created, ${stats.sent} sent, ${stats.skipped} skipped, ${stats.failed} failed, ${stats.unconfirmed} unconfirmed in ${(stats.durationMs / 1000).toFixed(1)} s`;
}
