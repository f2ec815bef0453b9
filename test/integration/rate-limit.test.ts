// Flow control on the real stack: three separate sender processes share one provider's limiter
// document in MongoDB and send real mails to the SMTP catcher; the catcher's receive times show
// the aggregate rate stays under the limit. Only upper bounds are asserted (load cannot break them).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeDatabase, connectDatabase } from '../../src/db/connection';
import { RATE_LIMIT_COLLECTION } from '../../src/mail/rate-limit';
import { ensureLocalStack, isolatedConfig, uniqueDomain, uniqueName } from '../helpers/local-stack';
import { rateFigures, runFleet } from '../helpers/rate-limit-fleet';

describe('send-rate limit across processes', () => {
  it('three processes sending 80 mails each at a shared 20/s stay at or under 20/s', async () => {
    await ensureLocalStack();
    const config = isolatedConfig('ratelimit');
    const domain = uniqueDomain('ratelimit');
    const key = uniqueName('provider');
    const rate = 20;
    const run = await runFleet(config, { processes: 3, perProcess: 80, rate, burst: 1, key, domain });

    assert.equal(run.receivedAt.length, 240, 'every mail reached the SMTP server');
    assert.ok(run.clients.every((c) => c.reservations >= 8), 'each process reserved its own slots (≤ 10 per round trip)');
    const f = rateFigures(run.receivedAt);
    // 240 mails at 20/s need ≥ 11.95 s, however fast the machine: the window is long enough.
    assert.ok(f.spanSeconds >= 10, `span ${f.spanSeconds} s`);
    assert.ok(f.aggregatePerSecond <= rate * 1.1, `aggregate ${f.aggregatePerSecond.toFixed(2)}/s > ${rate} × 1.1`);
    assert.ok(f.maxPer10Seconds <= rate * 10 * 1.1, `${f.maxPer10Seconds} mails in a 10 s window`);
    // What the limiter itself let through, all processes together (their own clocks: one machine).
    const released = rateFigures(run.releasedAt);
    assert.equal(released.total, 240);
    assert.ok(released.maxPer10Seconds <= rate * 10 * 1.1, `the limiter released ${released.maxPer10Seconds} sends in a 10 s window`);

    // The shared state is one document per provider, by _id.
    const db = await connectDatabase(config.mongodbUri);
    try {
      const docs = await db.collection(RATE_LIMIT_COLLECTION).find({}).toArray();
      assert.deepEqual(docs.map((d) => d._id), [key]);
      await db.dropDatabase();
    } finally {
      await closeDatabase(db);
    }
  });
});
