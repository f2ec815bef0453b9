// The command line as a user runs it: a real process, real exit codes and messages.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureLocalStack } from '../helpers/local-stack';

const BIN = join(__dirname, '..', '..', '..', 'bin', 'metronome.js');

function metronome(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('metronome CLI', () => {
  before(async () => {
    await ensureLocalStack();
  });

  it('refuses a bad configuration value at start-up, naming the variable, value and what is allowed', () => {
    const run = metronome(['stack', 'status'], { SCHEDULER_MONTHLY_JOB_DAY: '31', SCHEDULER_TIMEZONE: 'Europe/Pariss' });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /SCHEDULER_MONTHLY_JOB_DAY="31" is not allowed: expected a whole number from 1 to 28/);
    assert.match(run.stderr, /SCHEDULER_TIMEZONE="Europe\/Pariss" is not allowed: expected an IANA time zone/);
    assert.doesNotMatch(run.stderr, /at .*\.js:\d+/, 'no stack trace');
  });

  it('stack status lists each part with address, pid and health', () => {
    const run = metronome(['stack', 'status', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const parts = JSON.parse(run.stdout) as { name: string; address: string; healthy: boolean; pid?: number }[];
    assert.deepEqual(parts.map((p) => p.name), ['temporal', 'mongodb', 'smtp']);
    for (const part of parts) assert.equal(part.healthy, true, `${part.name} should be healthy`);
    assert.equal(parts[0]!.address, '127.0.0.1:7233');
  });

  it('stack up is harmless to repeat', () => {
    const before = JSON.parse(metronome(['stack', 'status', '--json']).stdout) as { pid?: number }[];
    const run = metronome(['stack', 'up', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const after = JSON.parse(run.stdout) as { pid?: number }[];
    assert.deepEqual(after.map((p) => p.pid), before.map((p) => p.pid), 'no part was started again');
  });

  it('stack status reports a configured server that is down, and exits 1', () => {
    const run = metronome(['stack', 'status', '--json'], { MONGODB_URI: 'mongodb://127.0.0.1:1/metronome' });
    assert.equal(run.code, 1);
    const parts = JSON.parse(run.stdout) as { name: string; healthy: boolean; ownership: string }[];
    const mongo = parts.find((p) => p.name === 'mongodb')!;
    assert.equal(mongo.healthy, false);
    assert.equal(mongo.ownership, 'not running');
  });

  it('answers an unknown command or a bad flag with usage and a non-zero exit', () => {
    assert.notEqual(metronome(['frobnicate']).code, 0);
    const run = metronome(['smoke', '--to', 'not-an-address']);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /--to.*expected an e-mail address, got "not-an-address"/);
  });

  it('refuses a malformed month, status or empty token, naming the flag', () => {
    const month = metronome(['cycle', 'run', '--month', '2026-13']);
    assert.notEqual(month.code, 0);
    assert.match(month.stderr, /--month.*month must look like YYYY-MM \(e\.g\. 2026-12\), got "2026-13"/);
    const status = metronome(['invitations', 'mark', '--token', 'abc', '--status', 'clicked']);
    assert.notEqual(status.code, 0);
    assert.match(status.stderr, /--status.*expected one of opened, started, submitted, opted-out, got "clicked"/);
    const token = metronome(['reminders', 'cancel', '--invitation', ' ']);
    assert.notEqual(token.code, 0);
    assert.match(token.stderr, /--invitation must not be empty/);
  });

  it('answers an unknown invitation with a clear message and exit code 1, never a crash', () => {
    const mark = metronome(['invitations', 'mark', '--token', 'no-such-token', '--status', 'opened'], { MONGODB_URI: `mongodb://127.0.0.1:27017/metronome_test_cli_${Date.now()}` });
    assert.equal(mark.code, 1, mark.stderr);
    assert.match(mark.stderr, /^error: no invitation has this token/m);
    const cancel = metronome(['reminders', 'cancel', '--invitation', '0123456789abcdef01234567'], { MONGODB_URI: `mongodb://127.0.0.1:27017/metronome_test_cli_${Date.now()}` });
    assert.equal(cancel.code, 1, cancel.stderr);
    assert.match(cancel.stderr, /^error: no invitation has the id or token "0123456789abcdef01234567"/m);
  });
});
