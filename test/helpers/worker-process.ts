// Tests that run `metronome worker` as real processes: wait for one to exit, read its counters.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';

/** Resolves with the exit code once the process has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** This worker process's count of invitations accepted by the SMTP server, from its /metrics. */
export async function sentBy(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const match = /^metronome_invitations_sent_total (\d+)$/m.exec(text);
  assert.ok(match, `worker on ${port} exposes metronome_invitations_sent_total`);
  return Number(match[1]);
}
