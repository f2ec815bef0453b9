// Helpers of the one-off task tests.
import type { Connection } from 'mongoose';
import { formatLocal } from '../../src/domain/wall-clock';
import { wallTimeOf } from '../../src/domain/zoned-time';
import { getTask, type TaskView } from '../../src/services/tasks';

/** The local time in `zone` `ms` from now, to the second (what a user would type). */
export function localIn(ms: number, zone = 'Europe/Paris'): string {
  const w = wallTimeOf(new Date(Date.now() + ms), zone);
  return formatLocal({ ...w, second: w.second || 1 });
}

/** Polls the task document until `done` says so. */
export async function waitForTask(db: Connection, id: string, done: (t: TaskView) => boolean, timeoutMs = 60_000): Promise<TaskView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = await getTask({ db }, id);
    if (done(task)) return task;
    if (Date.now() > deadline) throw new Error(`task ${id} still ${task.status} after ${timeoutMs} ms: ${JSON.stringify(task)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
