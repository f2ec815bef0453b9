// A real HTTP server for one-off task tests: records every call, answers per path.
//   /ok → 200; /flaky/<n> → 500 for the first n calls, then 200; /slow → answers after 5 s;
//   /hold/… → 200 after 1.5 s (maxInFlight() tells how many were in flight at once); /missing → 404.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall { path: string; method: string; at: number; headers: IncomingMessage['headers']; body: string }

export interface TaskHttpServer {
  url(path: string): string;
  calls(path?: string): RecordedCall[];
  /** The most /hold/… requests in flight at the same time. */
  maxInFlight(): number;
  close(): Promise<void>;
}

export async function startTaskHttpServer(port = 0): Promise<TaskHttpServer> {
  const calls: RecordedCall[] = [];
  const slow = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let maxInFlight = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      calls.push({ path, method: req.method ?? 'GET', at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const flaky = /^\/flaky\/(\d+)/.exec(path);
      if (path.startsWith('/ok')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      } else if (flaky) {
        const failures = Number(flaky[1]);
        const seen = calls.filter((c) => c.path === path).length;
        if (seen <= failures) res.writeHead(500).end(`failure ${seen} of ${failures}`);
        else res.writeHead(200).end('recovered');
      } else if (path.startsWith('/hold/')) {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const timer = setTimeout(() => {
          slow.delete(timer);
          inFlight -= 1;
          res.writeHead(200).end('held');
        }, 1500);
        slow.add(timer);
      } else if (path.startsWith('/slow')) {
        const timer = setTimeout(() => {
          slow.delete(timer);
          res.writeHead(200).end('too late');
        }, 5000);
        slow.add(timer);
      } else {
        res.writeHead(404).end('no such thing');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${actual}${path}`,
    calls: (path) => (path === undefined ? [...calls] : calls.filter((c) => c.path === path)),
    maxInFlight: () => maxInFlight,
    async close() {
      for (const t of slow) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
