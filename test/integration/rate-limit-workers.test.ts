// Flow control end to end: one invitation cycle served by TWO `metronome worker` processes with
// SMTP_RATE_LIMIT_PER_SECOND=30. The mails' receive times at the SMTP catcher show the two
// workers together stay under the limit (upper bounds only: load cannot break them).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Connection } from 'mongoose';
import { startCycle } from '../../src/client/cycle';
import { connectTemporal, type TemporalHandle } from '../../src/client/temporal';
import type { AppConfig } from '../../src/config';
import { closeDatabase, connectDatabase, ensureIndexes } from '../../src/db/connection';
import { seedDemoData } from '../../src/seed/demo-data';
import { ensureLocalStack, isolatedConfig, mailCatcherUrl, uniqueDomain, uniqueMonth } from '../helpers/local-stack';
import { rateFigures } from '../helpers/rate-limit-fleet';
import { exited, sentBy } from '../helpers/worker-process';

const BIN = join(__dirname, '..', '..', '..', 'bin', 'metronome.js');
const PORTS = [25001, 25002];
const RATE = 30;

async function ready(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`);
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

describe('send-rate limit across two worker processes', () => {
  let config: AppConfig;
  let db: Connection | undefined;
  let temporal: TemporalHandle | undefined;
  const workers: ChildProcess[] = [];
  const domain = uniqueDomain('ratelimit-workers');

  before(async () => {
    await ensureLocalStack();
    const env = { SCHEDULER_FIRST_REMINDER_DAYS: '30', SCHEDULER_SECOND_REMINDER_DAYS: '31', SCHEDULER_INVITATION_BATCH_SIZE: '20', SMTP_RATE_LIMIT_PER_SECOND: String(RATE) };
    config = isolatedConfig('ratelimit_workers', env);
    db = await connectDatabase(config.mongodbUri);
    await ensureIndexes(db);
    await seedDemoData(db, { users: 50, contactsPerUser: 10, emailDomain: domain, randomSeed: 7 });
    for (const port of PORTS) {
      workers.push(spawn(process.execPath, [BIN, 'worker'], {
        env: { ...process.env, ...env, MONGODB_URI: config.mongodbUri, TEMPORAL_TASK_QUEUE: config.temporal.taskQueue, WORKER_HTTP_PORT: String(port), LOG_LEVEL: 'warn' },
        stdio: 'ignore',
      }));
    }
    const deadline = Date.now() + 90_000;
    for (const port of PORTS) {
      while (!(await ready(port))) {
        assert.ok(Date.now() < deadline, `worker on ${port} ready`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    temporal = await connectTemporal(config);
  });

  after(async () => {
    for (const child of workers) child.kill('SIGKILL');
    await Promise.all(workers.map(exited));
    await temporal?.close();
    if (db) {
      await db.dropDatabase();
      await closeDatabase(db);
    }
  });

  it(`the cycle's mails reach the SMTP server at no more than ${RATE}/s in total`, async (t) => {
    const { handle } = await startCycle(temporal!.client, config, uniqueMonth());
    const stats = await handle.result();
    assert.ok(stats.invitationsCreated > 350, `a real cycle (${stats.invitationsCreated} invitations)`);
    assert.equal(stats.sent, stats.invitationsCreated);

    const perWorker = await Promise.all(PORTS.map(sentBy));
    t.diagnostic(`sent per worker: ${perWorker.join(', ')}`);
    assert.ok(perWorker.every((n) => n > 0), `both workers sent (${perWorker.join(', ')})`);

    const response = await fetch(mailCatcherUrl(config, `/api/messages?to=${encodeURIComponent(`@${domain}`)}&kind=invitation&limit=10000`));
    const body = (await response.json()) as { messages: { receivedAt: string }[] };
    const f = rateFigures(body.messages.map((m) => Date.parse(m.receivedAt)).sort((a, b) => a - b));
    t.diagnostic(`${f.total} mails in ${f.spanSeconds.toFixed(1)} s: ${f.aggregatePerSecond.toFixed(1)}/s, max ${f.maxPerSecond} in 1 s, ${f.maxPer10Seconds} in 10 s`);
    assert.equal(f.total, stats.sent);
    // > 350 mails at 30/s need > 11.6 s however fast the machine is.
    assert.ok(f.spanSeconds >= 10, `span ${f.spanSeconds} s`);
    assert.ok(f.aggregatePerSecond <= RATE * 1.1, `aggregate ${f.aggregatePerSecond.toFixed(2)}/s`);
    assert.ok(f.maxPer10Seconds <= RATE * 10 * 1.1, `${f.maxPer10Seconds} mails in a 10 s window`);
  });
});
