// The request deadline fires even when the garbage collector runs while the request waits (the
// AbortSignal.any + AbortSignal.timeout pattern it replaces did not, on Node 20), and a
// cancellation aborts the request as a cancellation, not as a timeout.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { withRequestDeadline } from '../../src/activities/request-deadline';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

describe('requestDeadline', () => {
  let server: Server;
  let url: string;
  before(async () => {
    // Answers after 3 s: any request that returns its body was not aborted.
    server = createServer((_req, res) => void setTimeout(() => res.end('late'), 3000).unref());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** One request under a deadline, the collector running every 40 ms meanwhile. */
  const attempt = (ms: number, cancellation: AbortSignal) => withRequestDeadline(ms, cancellation, async (deadline) => {
    const gc = setInterval(collectGarbage, 40);
    const started = Date.now();
    try {
      const body = await (await fetch(url, { signal: deadline.signal })).text();
      return { outcome: `answered ${body}`, ms: Date.now() - started, timedOut: deadline.timedOut() };
    } catch (error) {
      return { outcome: (error as Error).name, ms: Date.now() - started, timedOut: deadline.timedOut() };
    } finally {
      clearInterval(gc);
    }
  });

  it('aborts at the deadline although the collector runs meanwhile', async () => {
    const { outcome, ms, timedOut } = await attempt(300, new AbortController().signal);
    assert.equal(outcome, 'TimeoutError');
    assert.equal(timedOut, true);
    assert.ok(ms < 2000, `aborted after ${ms} ms`);
  });

  it('aborts on cancellation, which is not a timeout', async () => {
    const cancellation = new AbortController();
    setTimeout(() => cancellation.abort(new Error('activity cancelled')), 200);
    const { outcome, timedOut } = await attempt(10_000, cancellation.signal);
    assert.equal(outcome, 'Error');
    assert.equal(timedOut, false);
  });
});
