// Polls until a condition holds, failing the test with the last value seen when it times out.
import assert from 'node:assert/strict';

export async function waitUntil<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, { timeoutMs, intervalMs }: { timeoutMs: number; intervalMs: number }): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value)) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
    value = await probe();
  }
  return value;
}
