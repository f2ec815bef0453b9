// One sender process of the flow-control test and benchmark: sends `--count` mails to the real
// SMTP server through the shared send-rate limiter, `--concurrency` at a time (as a worker's
// send round does), then prints one JSON line: { sent, reservations, conflicts, releasedAt }.
//   node dist/test/helpers/rate-limit-client.js --mongo URI --smtp URL --key K --rate L --burst B --count M --domain D --name N
import { parseArgs } from 'node:util';
import { closeDatabase, connectDatabase } from '../../src/db/connection';
import { createMailer } from '../../src/mail/mailer';
import { createSendRateLimiter } from '../../src/mail/rate-limit';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mongo: { type: 'string' }, smtp: { type: 'string' }, key: { type: 'string' }, rate: { type: 'string' }, burst: { type: 'string', default: '1' },
      count: { type: 'string' }, domain: { type: 'string' }, name: { type: 'string', default: 'client' }, concurrency: { type: 'string', default: '10' },
    },
  });
  for (const field of ['mongo', 'smtp', 'key', 'rate', 'count', 'domain'] as const) {
    if (!values[field]) throw new Error(`--${field} is required`);
  }
  const db = await connectDatabase(values.mongo!);
  const mailer = createMailer(values.smtp!, 'Flow control <flow@metronome.local>', { maxConnections: 2 });
  const limiter = createSendRateLimiter(db, values.key!, { perSecond: Number(values.rate), burst: Number(values.burst) });
  const count = Number(values.count);
  let next = 0;
  const releasedAt: number[] = [];
  async function lane(): Promise<void> {
    while (next < count) {
      const i = next++;
      await limiter.acquire();
      releasedAt.push(Date.now());
      await mailer.send({ to: `${values.name}-${i}@${values.domain}`, subject: `flow ${i}`, text: 'rate limited', headers: { 'X-Metronome-Kind': 'flow-control' } });
    }
  }
  await Promise.all(Array.from({ length: Number(values.concurrency) }, lane));
  mailer.close();
  await closeDatabase(db);
  process.stdout.write(`${JSON.stringify({ sent: count, ...limiter.stats, releasedAt })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
