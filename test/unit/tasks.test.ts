// Pure parts of one-off tasks: request validation (naming the field), the jittered backoff,
// which HTTP answers are retried, and the TASKS_MAX_CONCURRENT setting.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config';
import { isRetryableHttpStatus, jitteredRetryDelayMs, taskWorkflowId } from '../../src/domain/tasks';
import { parseAction, resolveWhen, TaskServiceError } from '../../src/services/tasks';

function refusal(work: () => unknown): TaskServiceError {
  try {
    work();
  } catch (error) {
    assert.ok(error instanceof TaskServiceError, `expected a TaskServiceError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('one-off task requests', () => {
  const now = new Date('2027-01-01T00:00:00Z');

  it('resolves when, keeping what the user said and how it was resolved', () => {
    const { when, runAt } = resolveWhen({ at: '2027-03-28T02:30', zone: 'Europe/Paris' }, now);
    assert.equal(runAt.toISOString(), '2027-03-28T01:00:00.000Z');
    assert.deepEqual({ ...when, note: undefined }, {
      local: '2027-03-28T02:30', zone: 'Europe/Paris', dstGap: 'shift', dstOverlap: 'earlier', resolution: 'gap-shifted', offsetMinutes: 120, note: undefined,
    });
    assert.equal(resolveWhen({ at: '2027-10-31T02:30', zone: 'Europe/Paris', dstOverlap: 'later' }, now).runAt.toISOString(), '2027-10-31T01:30:00.000Z');
  });

  it('names the field of a bad time, zone, policy or a time in the past', () => {
    assert.equal(refusal(() => resolveWhen({ at: '2027-13-01T00:00', zone: 'UTC' }, now)).field, 'at');
    assert.equal(refusal(() => resolveWhen({ at: '2027-03-01T00:00', zone: 'Nowhere/Town' }, now)).field, 'zone');
    assert.equal(refusal(() => resolveWhen({ at: '2027-03-01T00:00', zone: 'UTC', dstGap: 'skip' }, now)).field, 'dstGap');
    assert.equal(refusal(() => resolveWhen({ at: '2027-03-01T00:00', zone: 'UTC', dstOverlap: 'both' }, now)).field, 'dstOverlap');
    const past = refusal(() => resolveWhen({ at: '2026-12-31T23:59', zone: 'UTC' }, now));
    assert.equal(past.field, 'at');
    assert.match(past.message, /2026-12-31T23:59 in UTC is 2026-12-31T23:59:00\.000Z, which is in the past/);
    assert.equal(refusal(() => resolveWhen({ at: '2027-01-01T00:00', zone: 'UTC' }, now)).field, 'at', 'now is not the future');
    const gap = refusal(() => resolveWhen({ at: '2027-03-28T02:30', zone: 'Europe/Paris', dstGap: 'reject' }, now));
    assert.equal(gap.field, 'at');
    assert.match(gap.message, /does not exist in Europe\/Paris/);
  });

  it('accepts an HTTP call or a mail, with defaults', () => {
    assert.deepEqual(parseAction({ http: { url: 'https://example.com/x' } }), { kind: 'http', method: 'GET', url: 'https://example.com/x', headers: {} });
    assert.deepEqual(parseAction({ http: { url: 'http://example.com', body: '{}', headers: { 'Content-Type': 'application/json' } } }), {
      kind: 'http', method: 'POST', url: 'http://example.com/', headers: { 'content-type': 'application/json' }, body: '{}',
    });
    assert.equal(parseAction({ http: { url: 'http://example.com', method: 'delete' } }).kind, 'http');
    assert.deepEqual(parseAction({ mail: { to: ' a@example.com ', subject: 'Hi', text: 'There' } }), { kind: 'send-mail', to: 'a@example.com', subject: 'Hi', text: 'There' });
  });

  it('names the field of a bad action', () => {
    const cases: [Parameters<typeof parseAction>[0], string, RegExp][] = [
      [{}, 'action', /give what to run/],
      [{ http: { url: 'http://x.com' }, mail: { to: 'a@b.co', subject: 's', text: 't' } }, 'action', /not both/],
      [{ http: { url: 'ftp://x.com' } }, 'http.url', /expected an http:\/\/ or https:\/\/ URL/],
      [{ http: { url: 'nope' } }, 'http.url', /expected an http/],
      [{ http: { url: 'http://x.com', method: 'FETCH' } }, 'http.method', /expected one of GET, POST/],
      [{ http: { url: 'http://x.com', headers: { 'bad header': 'x' } } }, 'http.headers', /not a valid header name/],
      [{ http: { url: 'http://x.com', headers: { a: 'x\r\ny: z' } } }, 'http.headers', /one line/],
      [{ http: { url: 'http://x.com', method: 'HEAD', body: 'x' } }, 'http.body', /cannot have a body/],
      [{ mail: { to: 'not-an-address', subject: 's', text: 't' } }, 'mail.to', /expected an e-mail address/],
      [{ mail: { to: 'a@b', subject: 's', text: 't' } }, 'mail.to', /expected an e-mail address/],
      [{ mail: { to: 'a@b.co', subject: ' ', text: 't' } }, 'mail.subject', /must not be empty/],
      [{ mail: { to: 'a@b.co', subject: 's', text: '' } }, 'mail.text', /must not be empty/],
    ];
    for (const [input, field, message] of cases) {
      const error = refusal(() => parseAction(input));
      assert.equal(error.field, field, JSON.stringify(input));
      assert.match(error.message, message, JSON.stringify(input));
    }
  });
});

describe('one-off task retries', () => {
  const policy = { initialRetrySeconds: 2, maxRetrySeconds: 60 };

  it('backs off exponentially with equal jitter: between half and all of the interval', () => {
    assert.equal(jitteredRetryDelayMs(1, policy, 0), 1000);
    assert.equal(jitteredRetryDelayMs(1, policy, 0.999999), 2000);
    assert.equal(jitteredRetryDelayMs(2, policy, 0), 2000);
    assert.equal(jitteredRetryDelayMs(3, policy, 0.5), 6000);
    assert.equal(jitteredRetryDelayMs(10, policy, 0), 30_000, 'capped at maxRetrySeconds');
    assert.equal(jitteredRetryDelayMs(10, policy, 0.999999), 60_000);
    const spread = new Set(Array.from({ length: 50 }, () => jitteredRetryDelayMs(4, policy, Math.random())));
    assert.ok(spread.size > 10, 'tasks failing together do not retry in lockstep');
    for (const d of spread) assert.ok(d >= 8000 && d <= 16_000);
  });

  it('retries 5xx, 408 and 429, not other 4xx', () => {
    for (const s of [500, 502, 503, 504, 408, 429]) assert.equal(isRetryableHttpStatus(s), true, String(s));
    for (const s of [400, 401, 403, 404, 409, 422]) assert.equal(isRetryableHttpStatus(s), false, String(s));
  });

  it('names workflows task-<id>', () => {
    assert.equal(taskWorkflowId('0123456789abcdef'), 'task-0123456789abcdef');
  });

  it('reads TASKS_MAX_CONCURRENT within bounds', () => {
    assert.equal(loadConfig({}).tasks.maxConcurrent, 10);
    assert.equal(loadConfig({ TASKS_MAX_CONCURRENT: '3' }).tasks.maxConcurrent, 3);
    for (const bad of ['0', '1001', 'ten', '2.5']) {
      assert.throws(() => loadConfig({ TASKS_MAX_CONCURRENT: bad }), (e: unknown) => e instanceof ConfigError && e.message.includes(`TASKS_MAX_CONCURRENT="${bad}" is not allowed: expected a whole number from 1 to 1000`), bad);
    }
  });
});
