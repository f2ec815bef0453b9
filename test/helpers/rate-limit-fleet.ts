// Runs several sender processes (rate-limit-client.ts) against the shared limiter and the real
// SMTP catcher, and reads back the catcher's own receive times. Used by the flow-control
// integration test and by bench/rate-limit.ts.
import { join } from 'node:path';
import type { AppConfig } from '../../src/config';
import { runJsonScript } from './json-child';
import { mailCatcherUrl } from './local-stack';

const CLIENT = join(__dirname, 'rate-limit-client.js');

export interface ClientReport { sent: number; reservations: number; conflicts: number; releasedAt: number[] }
/** receivedAt: the SMTP catcher's receive times; releasedAt: when the limiter let each send start (all processes). */
export interface FleetRun { clients: ClientReport[]; receivedAt: number[]; releasedAt: number[] }

function runClient(args: string[]): Promise<ClientReport> {
  return runJsonScript<ClientReport>(CLIENT, args);
}

export async function runFleet(config: AppConfig, o: { processes: number; perProcess: number; rate: number; burst: number; key: string; domain: string }): Promise<FleetRun> {
  const clients = await Promise.all(Array.from({ length: o.processes }, (_, p) => runClient([
    '--mongo', config.mongodbUri, '--smtp', config.mail.smtpUrl, '--key', o.key, '--rate', String(o.rate), '--burst', String(o.burst),
    '--count', String(o.perProcess), '--domain', o.domain, '--name', `p${p}`,
  ])));
  const response = await fetch(mailCatcherUrl(config, `/api/messages?to=${encodeURIComponent(o.domain)}&limit=10000`));
  if (!response.ok) throw new Error(`mail catcher answered ${response.status}`);
  const body = (await response.json()) as { total: number; messages: { receivedAt: string }[] };
  const releasedAt = clients.flatMap((c) => c.releasedAt).sort((a, b) => a - b);
  return { clients, receivedAt: body.messages.map((m) => Date.parse(m.receivedAt)).sort((a, b) => a - b), releasedAt };
}

/** The most timestamps any window of `windowMs` holds (sliding, not aligned). */
export function maxInWindow(sorted: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i += 1) {
    while (sorted[i]! - sorted[j]! >= windowMs) j += 1;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

export interface RateFigures { total: number; spanSeconds: number; aggregatePerSecond: number; maxPerSecond: number; maxPer10Seconds: number }

export function rateFigures(sorted: number[]): RateFigures {
  const spanSeconds = sorted.length > 1 ? (sorted[sorted.length - 1]! - sorted[0]!) / 1000 : 0;
  return {
    total: sorted.length,
    spanSeconds,
    // n sends span n - 1 intervals
    aggregatePerSecond: spanSeconds > 0 ? (sorted.length - 1) / spanSeconds : 0,
    maxPerSecond: maxInWindow(sorted, 1000),
    maxPer10Seconds: maxInWindow(sorted, 10_000),
  };
}
