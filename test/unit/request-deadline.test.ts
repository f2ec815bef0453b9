// The request deadline fires even when the garbage collector runs while the request waits (the
// AbortSignal.any + AbortSignal.timeout pattern it replaces did not, on Node 20), and a
// cancellation aborts the request as a cancellation, not as a timeout.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { requestDeadline } from '../../src/activities/request-deadline';

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

  const attempt = async (deadline: ReturnType<typeof requestDeadline>) => {
    const gc = setInterval(collectGarbage, 40);
    const started = Date.now();
    try {
      const body = await (await fetch(url, { signal: deadline.signal })).text();
      return { outcome: `answered ${body}`, ms: Date.now() - started };
    } catch (error) {
      return { outcome: (error as Error).name, ms: Date.now() - started };
    } finally {
      clearInterval(gc);
      deadline.clear();
    }
  };

  it('aborts at the deadline although the collector runs meanwhile', async () => {
    const deadline = requestDeadline(300, new AbortController().signal);
    const { outcome, ms } = await attempt(deadline);
    assert.equal(outcome, 'TimeoutError');
    assert.equal(deadline.timedOut(), true);
    assert.ok(ms < 2000, `aborted after ${ms} ms`);
  });

  it('aborts on cancellation, which is not a timeout', async () => {
    const cancellation = new AbortController();
    const deadline = requestDeadline(10_000, cancellation.signal);
    setTimeout(() => cancellation.abort(new Error('activity cancelled')), 200);
    const { outcome } = await attempt(deadline);
    assert.equal(outcome, 'Error');
    assert.equal(deadline.timedOut(), false);
  });
});
