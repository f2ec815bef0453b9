import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config';
import { providerKey, reserveSlots, smtpRetryDelayMs } from '../../src/domain/flow-control';

/** The most send times any window of `windowMs` holds. */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i += 1) {
    while (sorted[i]! - sorted[j]! >= windowMs) j += 1;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('send-rate limiter arithmetic (GCRA)', () => {
  it('spaces messages 1000 / perSecond ms apart once the burst is spent', () => {
    const r = reserveSlots(0, 10_000, 4, { perSecond: 5, burst: 1 });
    assert.deepEqual(r.sendAt, [10_000, 10_200, 10_400, 10_600]);
    assert.equal(r.tat, 10_800);
  });

  it('lets `burst` messages leave at once after an idle spell, then paces', () => {
    const r = reserveSlots(0, 10_000, 5, { perSecond: 10, burst: 3 });
    assert.deepEqual(r.sendAt, [10_000, 10_000, 10_000, 10_100, 10_200]);
  });

  it('a later reservation continues where the earlier one stopped, whoever makes it', () => {
    const limit = { perSecond: 4, burst: 1 };
    const a = reserveSlots(0, 1000, 3, limit);
    const b = reserveSlots(a.tat, 1010, 2, limit); // another worker, 10 ms later
    assert.deepEqual([...a.sendAt, ...b.sendAt], [1000, 1250, 1500, 1750, 2000]);
  });

  it('never exceeds burst + W × rate in any window, however reservations interleave', () => {
    for (const limit of [{ perSecond: 50, burst: 1 }, { perSecond: 7.5, burst: 4 }, { perSecond: 200, burst: 20 }]) {
      let tat = 0;
      let now = 0;
      const times: number[] = [];
      let seed = 42;
      const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
      for (let i = 0; i < 500; i += 1) {
        now += Math.floor(random() * 300); // workers arrive at random, sometimes idle
        const r = reserveSlots(tat, now, 1 + Math.floor(random() * 10), limit);
        tat = r.tat;
        times.push(...r.sendAt);
      }
      for (const windowMs of [1000, 10_000]) {
        const bound = limit.burst + Math.ceil((windowMs / 1000) * limit.perSecond);
        assert.ok(maxInWindow(times, windowMs) <= bound, `${JSON.stringify(limit)}: ${maxInWindow(times, windowMs)} in ${windowMs} ms > ${bound}`);
      }
    }
  });

  it('refuses nonsense arguments, naming them', () => {
    assert.throws(() => reserveSlots(0, 0, 1, { perSecond: 0, burst: 1 }), /perSecond/);
    assert.throws(() => reserveSlots(0, 0, 1, { perSecond: 1, burst: 0 }), /burst/);
    assert.throws(() => reserveSlots(0, 0, 0, { perSecond: 1, burst: 1 }), /count/);
  });
});

describe('SMTP backoff with jitter', () => {
  it('doubles from 2 s, capped at 120 s, and lands in the upper half of the interval', () => {
    assert.equal(smtpRetryDelayMs(1, 0), 1000);
    assert.equal(smtpRetryDelayMs(1, 0.999_999), 2000);
    assert.equal(smtpRetryDelayMs(3, 0), 4000);
    assert.equal(smtpRetryDelayMs(3, 0.5), 6000);
    assert.equal(smtpRetryDelayMs(20, 0), 60_000);
    assert.equal(smtpRetryDelayMs(20, 0.999_999), 120_000);
  });

  it('spreads workers that failed together', () => {
    const delays = new Set(Array.from({ length: 20 }, (_, i) => smtpRetryDelayMs(4, i / 20)));
    assert.equal(delays.size, 20);
  });
});

describe('flow-control configuration', () => {
  it('is unlimited by default, keyed by the SMTP host and port', () => {
    const config = loadConfig({});
    assert.deepEqual(config.smtpRateLimit, { perSecond: 0, burst: 1, key: '127.0.0.1:1025' });
    assert.equal(providerKey('smtps://user:pw@Smtp.Example.com'), 'smtp.example.com:465');
    assert.equal(providerKey('smtp://mail.example.com'), 'mail.example.com:25');
  });

  it('reads the limit, the burst and an explicit provider key', () => {
    const config = loadConfig({ SMTP_RATE_LIMIT_PER_SECOND: '12.5', SMTP_RATE_LIMIT_BURST: '20', SMTP_RATE_LIMIT_KEY: 'sendgrid' });
    assert.deepEqual(config.smtpRateLimit, { perSecond: 12.5, burst: 20, key: 'sendgrid' });
  });

  for (const [name, value] of [['SMTP_RATE_LIMIT_PER_SECOND', '-1'], ['SMTP_RATE_LIMIT_PER_SECOND', 'fast'], ['SMTP_RATE_LIMIT_BURST', '0'], ['SMTP_RATE_LIMIT_BURST', '2.5']] as const) {
    it(`refuses ${name}=${value}, naming the variable`, () => {
      try {
        loadConfig({ [name]: value });
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        assert.ok(error.problems.some((p) => p.includes(name)), error.problems.join('; '));
        return;
      }
      assert.fail('expected the configuration to be refused');
    });
  }
});
