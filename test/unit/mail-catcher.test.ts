/**
 * The mail catcher is the witness of every mail test and benchmark ("exactly one invitation per
 * contact"), so these tests drive it the way the app does: real SMTP through a pooled nodemailer
 * transport, real HTTP against its API.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import type { NodemailerError, SendMailOptions } from 'nodemailer';
import { startMailCatcher } from '../../src/devstack/mail-catcher';
import type { CaughtMessage, MailCatcher, MailCatcherOptions } from '../../src/devstack/mail-catcher';

const MAIN_SCRIPT = path.join(__dirname, '..', '..', 'src', 'devstack', 'mail-catcher-main.js');

// --- helpers ---------------------------------------------------------------------------------

function pooledTransport(smtpPort: number, maxConnections = 2) {
  return nodemailer.createTransport({
    pool: true,
    host: '127.0.0.1',
    port: smtpPort,
    secure: false,
    ignoreTLS: true,
    maxConnections,
  });
}

type PooledTransport = ReturnType<typeof pooledTransport>;

interface InvitationMail {
  to: string | string[];
  kind?: string;
  invitationId?: string;
  subject?: string;
  cc?: string;
}

function composeMail(mail: InvitationMail): SendMailOptions {
  const headers: Record<string, string> = {};
  if (mail.kind) headers['X-Metronome-Kind'] = mail.kind;
  if (mail.invitationId) headers['X-Metronome-Invitation'] = mail.invitationId;
  return {
    from: 'Metronome <Invitations@Metronome.Test>',
    to: mail.to,
    cc: mail.cc,
    subject: mail.subject ?? `Your ${mail.kind ?? 'mail'}`,
    headers,
    text: 'You are invited.\n',
  };
}

async function send(transport: PooledTransport, mail: InvitationMail): Promise<void> {
  await transport.sendMail(composeMail(mail));
}

interface HttpResult<Body> {
  status: number;
  contentType: string | null;
  body: Body;
}

async function getJson<Body>(catcher: MailCatcher, pathAndQuery: string, method = 'GET'): Promise<HttpResult<Body>> {
  const response = await fetch(`http://127.0.0.1:${catcher.webPort}${pathAndQuery}`, { method });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: (text ? JSON.parse(text) : undefined) as Body,
  };
}

async function getText(catcher: MailCatcher, pathAndQuery: string): Promise<HttpResult<string>> {
  const response = await fetch(`http://127.0.0.1:${catcher.webPort}${pathAndQuery}`);
  return { status: response.status, contentType: response.headers.get('content-type'), body: await response.text() };
}

interface MessageList {
  total: number;
  messages: CaughtMessage[];
}

interface Summary {
  total: number;
  uniqueRecipients: number;
  duplicateRecipients: number;
  duplicates: { to: string; count: number }[];
  rejected: { temporary: number; permanent: number };
}

function onlyMessage(catcher: MailCatcher): CaughtMessage {
  const messages = catcher.messages();
  assert.equal(messages.length, 1);
  const [message] = messages;
  assert.ok(message);
  return message;
}

function smtpResponseCode(error: unknown): number | undefined {
  return (error as NodemailerError).responseCode;
}

function canListenOn(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

// --- recording, API and pages ----------------------------------------------------------------

describe('mail catcher', () => {
  let catcher: MailCatcher;
  let transport: PooledTransport;

  before(async () => {
    catcher = await startMailCatcher({ smtpPort: 0, webPort: 0, keepBodies: 3 });
    transport = pooledTransport(catcher.smtpPort);
  });

  after(async () => {
    transport.close();
    await catcher.close();
  });

  beforeEach(() => catcher.clear());

  it('records envelope recipients (lower-cased) and the Metronome headers', async () => {
    // Long and non-ASCII, so nodemailer both folds the header and encodes it as RFC 2047 words.
    const subject = 'Votre invitation — café ☕ pour le cycle de mars, avec un sujet assez long pour être plié';
    await transport.sendMail({
      ...composeMail({ to: 'Alice@Example.Test', kind: 'invitation', invitationId: 'inv-0001', subject }),
      messageId: '<inv-0001@metronome.test>',
    });

    const message = onlyMessage(catcher);
    assert.deepEqual(message.to, ['alice@example.test']);
    assert.equal(message.from, 'invitations@metronome.test');
    assert.equal(message.subject, subject);
    assert.equal(message.messageId, '<inv-0001@metronome.test>');
    assert.equal(message.kind, 'invitation');
    assert.equal(message.invitationId, 'inv-0001');
    assert.ok(message.size > 100, `size ${message.size} should count the whole raw message`);
    assert.ok(Math.abs(Date.parse(message.receivedAt) - Date.now()) < 60_000);

    const raw = await getText(catcher, `/api/messages/${message.id}/raw`);
    assert.equal(raw.status, 200);
    assert.match(raw.contentType ?? '', /^text\/plain/);
    assert.match(raw.body, /^X-Metronome-Invitation: inv-0001\r$/m);
  });

  it('takes every envelope recipient, cc included, and tolerates a message without Metronome headers', async () => {
    await send(transport, { to: 'Bob@Example.Test', cc: 'CAROL@example.test' });

    const message = onlyMessage(catcher);
    assert.deepEqual([...message.to].sort(), ['bob@example.test', 'carol@example.test']);
    assert.equal(message.kind, undefined);
    assert.equal(message.invitationId, undefined);
  });

  it('unfolds folded headers and reads headers from the header block only', async () => {
    const raw = [
      'From: invitations@metronome.test',
      'To: dana@example.test',
      'Subject: a folded',
      '  subject',
      'X-Metronome-Kind:',
      '\treminder-2',
      'Message-ID: <folded-1@metronome.test>',
      '',
      'X-Metronome-Invitation: this is body text, not a header',
      '',
    ].join('\r\n');
    await transport.sendMail({ envelope: { from: 'invitations@metronome.test', to: ['Dana@Example.Test'] }, raw });

    const message = onlyMessage(catcher);
    assert.equal(message.subject, 'a folded  subject', 'unfolding drops the line break only');
    assert.equal(message.kind, 'reminder-2');
    assert.equal(message.messageId, '<folded-1@metronome.test>');
    assert.equal(message.invitationId, undefined);
    assert.deepEqual(message.to, ['dana@example.test']);
  });

  it('summarises per recipient and finds duplicates', async () => {
    for (const to of ['a@example.test', 'b@example.test', 'c@example.test', 'b@example.test']) {
      await send(transport, { to, kind: 'invitation' });
    }
    await send(transport, { to: 'a@example.test', kind: 'reminder-1' });

    const invitations = await getJson<Summary>(catcher, '/api/summary?kind=invitation');
    assert.equal(invitations.status, 200);
    assert.deepEqual(invitations.body, {
      total: 4,
      uniqueRecipients: 3,
      duplicateRecipients: 1,
      duplicates: [{ to: 'b@example.test', count: 2 }],
      rejected: { temporary: 0, permanent: 0 },
    });

    const everything = await getJson<Summary>(catcher, '/api/summary');
    assert.equal(everything.body.total, 5);
    assert.deepEqual(everything.body.duplicates, [
      { to: 'a@example.test', count: 2 },
      { to: 'b@example.test', count: 2 },
    ]);

    const onlyB = await getJson<Summary>(catcher, '/api/summary?to=B@EXAMPLE');
    assert.equal(onlyB.body.total, 2);
    assert.equal(onlyB.body.uniqueRecipients, 1);

    const reminders = await getJson<Summary>(catcher, '/api/summary?kind=reminder-1');
    assert.deepEqual(reminders.body.duplicates, []);
    assert.equal(reminders.body.uniqueRecipients, 1);
  });

  it('filters the message list by recipient, kind, limit and afterId', async () => {
    await send(transport, { to: 'alice@example.test', kind: 'invitation' });
    await send(transport, { to: 'bob@example.test', kind: 'invitation' });
    await send(transport, { to: 'alice@example.test', kind: 'reminder-1' });
    await send(transport, { to: 'alice@example.test', kind: 'reminder-2' });

    const toAlice = await getJson<MessageList>(catcher, '/api/messages?to=ALICE');
    assert.equal(toAlice.status, 200);
    assert.equal(toAlice.body.total, 3);
    assert.deepEqual(toAlice.body.messages.map((m) => m.kind), ['invitation', 'reminder-1', 'reminder-2']);

    const invitations = await getJson<MessageList>(catcher, '/api/messages?kind=invitation');
    assert.deepEqual(invitations.body.messages.map((m) => m.to[0]), ['alice@example.test', 'bob@example.test']);

    const firstTwo = await getJson<MessageList>(catcher, '/api/messages?limit=2');
    assert.equal(firstTwo.body.total, 4, 'total counts every match, not just the page');
    assert.equal(firstTwo.body.messages.length, 2);

    const lastSeen = firstTwo.body.messages[1]?.id ?? NaN;
    const rest = await getJson<MessageList>(catcher, `/api/messages?afterId=${lastSeen}&to=alice`);
    assert.equal(rest.body.total, 2);
    assert.ok(rest.body.messages.every((m) => m.id > lastSeen));

    const none = await getJson<MessageList>(catcher, '/api/messages?kind=smoke');
    assert.deepEqual(none.body, { total: 0, messages: [] });
  });

  it('escapes HTML from caught mail on the list and message pages', async () => {
    await send(transport, { to: 'mallory@example.test', kind: '<b>smoke</b>', subject: '<script>alert("pwned")</script>' });
    const { id } = onlyMessage(catcher);

    const index = await getText(catcher, '/');
    assert.equal(index.status, 200);
    assert.match(index.contentType ?? '', /^text\/html/);
    assert.match(index.body, /Metronome mail catcher/);
    assert.match(index.body, /&lt;script&gt;alert\(&quot;pwned&quot;\)&lt;\/script&gt;/);
    assert.match(index.body, /&lt;b&gt;smoke&lt;\/b&gt;/);
    assert.doesNotMatch(index.body, /<script>|<b>smoke/);
    assert.match(index.body, new RegExp(`href="/messages/${id}"`));

    const page = await getText(catcher, `/messages/${id}`);
    assert.equal(page.status, 200);
    assert.match(page.body, /&lt;script&gt;/);
    assert.doesNotMatch(page.body, /<script>/);
  });

  it('answers 400 naming the parameter for bad query parameters', async () => {
    const cases: [string, string][] = [
      ['/api/messages?limit=abc', 'limit'],
      ['/api/messages?limit=-1', 'limit'],
      ['/api/messages?limit=1.5', 'limit'],
      ['/api/messages?limit=10001', 'limit'],
      ['/api/messages?limit=', 'limit'],
      ['/api/messages?afterId=x', 'afterId'],
      ['/api/messages?afterId=-3', 'afterId'],
      ['/api/messages?limit=1&limit=2', 'limit'],
      ['/api/messages?recipient=alice', 'recipient'],
      ['/api/summary?limit=5', 'limit'],
    ];
    for (const [url, parameter] of cases) {
      const result = await getJson<{ error: string }>(catcher, url);
      assert.equal(result.status, 400, url);
      assert.match(result.contentType ?? '', /^application\/json/);
      assert.ok(result.body.error.includes(parameter), `${url}: "${result.body.error}" should name ${parameter}`);
    }
    const limitError = await getJson<{ error: string }>(catcher, '/api/messages?limit=abc');
    assert.match(limitError.body.error, /0 to 10000/);
  });

  it('answers 404 for unknown paths and ids, and 405 for unsupported methods', async () => {
    const unknownPath = await getJson<{ error: string }>(catcher, '/api/nope');
    assert.equal(unknownPath.status, 404);
    assert.match(unknownPath.contentType ?? '', /^application\/json/);
    assert.equal((await getText(catcher, '/messages/999999')).status, 404);
    assert.equal((await getJson(catcher, '/api/messages/999999/raw')).status, 404);
    assert.equal((await getJson(catcher, '/api/summary', 'POST')).status, 405);
  });

  it('keeps raw sources only for the newest keepBodies messages', async () => {
    for (let index = 1; index <= 4; index += 1) {
      await send(transport, { to: `user${index}@example.test`, subject: `message ${index}` });
    }
    const [oldest, , , newest] = catcher.messages();
    assert.ok(oldest && newest);

    const evictedRaw = await getJson<{ error: string }>(catcher, `/api/messages/${oldest.id}/raw`);
    assert.equal(evictedRaw.status, 404);
    assert.match(evictedRaw.body.error, /newest 3/);
    const evictedPage = await getText(catcher, `/messages/${oldest.id}`);
    assert.equal(evictedPage.status, 200, 'the record outlives its body');
    assert.match(evictedPage.body, /only the newest 3 message bodies are kept/);

    const keptRaw = await getText(catcher, `/api/messages/${newest.id}/raw`);
    assert.equal(keptRaw.status, 200);
    assert.match(keptRaw.body, /Subject: message 4/);
  });

  it('forgets everything on clear() and on DELETE /api/messages, without reusing ids', async () => {
    await send(transport, { to: 'one@example.test' });
    const firstId = onlyMessage(catcher).id;
    catcher.clear();
    assert.equal(catcher.messages().length, 0);

    await send(transport, { to: 'two@example.test' });
    assert.ok(onlyMessage(catcher).id > firstId, 'a poller holding an old afterId must not miss new mail');

    const deletion = await fetch(`http://127.0.0.1:${catcher.webPort}/api/messages`, { method: 'DELETE' });
    assert.equal(deletion.status, 204);
    assert.equal(catcher.messages().length, 0);
    const health = await getJson<{ status: string; messages: number }>(catcher, '/healthz');
    assert.deepEqual(health.body, { status: 'ok', messages: 0 });
  });

  it('records all of 2,000 mails sent through a pool of 5 connections', async () => {
    const burst = pooledTransport(catcher.smtpPort, 5);
    try {
      const recipients = Array.from({ length: 2000 }, (_, index) => `contact-${index}@example.test`);
      await Promise.all(recipients.map((to, index) => send(burst, { to, kind: 'invitation', invitationId: `inv-${index}` })));
    } finally {
      burst.close();
    }
    assert.equal(catcher.messages().length, 2000);
    const summary = await getJson<Summary>(catcher, '/api/summary?kind=invitation');
    assert.equal(summary.body.uniqueRecipients, 2000);
    assert.equal(summary.body.duplicateRecipients, 0);
  });
});

// --- fault injection -------------------------------------------------------------------------

describe('mail catcher fault injection', () => {
  let catcher: MailCatcher | undefined;
  let transport: PooledTransport | undefined;

  async function startFaulty(faults: MailCatcherOptions['faults']): Promise<PooledTransport> {
    catcher = await startMailCatcher({ smtpPort: 0, webPort: 0, faults });
    transport = pooledTransport(catcher.smtpPort);
    return transport;
  }

  afterEach(async () => {
    transport?.close();
    await catcher?.close();
  });

  it('rejects with 451 at the client when the temporary failure rate is 1', async () => {
    const faulty = await startFaulty({ temporaryFailureRate: 1, permanentFailureRate: 0 });
    await assert.rejects(send(faulty, { to: 'a@example.test', kind: 'invitation' }), (error) => {
      assert.equal(smtpResponseCode(error), 451);
      return true;
    });
    assert.ok(catcher);
    assert.equal(catcher.messages().length, 0, 'rejected messages are not stored');
    const summary = await getJson<Summary>(catcher, '/api/summary');
    assert.deepEqual(summary.body.rejected, { temporary: 1, permanent: 0 });
  });

  it('rejects with 550 at the client when the permanent failure rate is 1', async () => {
    const faulty = await startFaulty({ temporaryFailureRate: 0, permanentFailureRate: 1 });
    for (const to of ['a@example.test', 'b@example.test']) {
      await assert.rejects(send(faulty, { to }), (error) => {
        assert.equal(smtpResponseCode(error), 550);
        return true;
      });
    }
    assert.ok(catcher);
    assert.equal(catcher.messages().length, 0);
    const summary = await getJson<Summary>(catcher, '/api/summary');
    assert.deepEqual(summary.body.rejected, { temporary: 0, permanent: 2 });
  });
});

// --- lifecycle and validation ----------------------------------------------------------------

describe('mail catcher lifecycle', () => {
  it('frees both ports on close(), even with a pooled client still connected', async () => {
    const catcher = await startMailCatcher({ smtpPort: 0, webPort: 0 });
    const transport = pooledTransport(catcher.smtpPort);
    try {
      await send(transport, { to: 'a@example.test' });
      assert.equal((await getJson(catcher, '/healthz')).status, 200);
      await catcher.close();
      await catcher.close(); // idempotent
      assert.equal(await canListenOn(catcher.smtpPort), true, 'SMTP port still taken');
      assert.equal(await canListenOn(catcher.webPort), true, 'web port still taken');
    } finally {
      transport.close();
    }
  });

  it('rejects invalid options', async () => {
    const invalid: MailCatcherOptions[] = [
      { smtpPort: -1, webPort: 0 },
      { smtpPort: 0, webPort: 65536 },
      { smtpPort: 1.5, webPort: 0 },
      { smtpPort: 0, webPort: 0, keepBodies: -1 },
      { smtpPort: 0, webPort: 0, faults: { temporaryFailureRate: 2, permanentFailureRate: 0 } },
      { smtpPort: 0, webPort: 0, faults: { temporaryFailureRate: 0.6, permanentFailureRate: 0.6 } },
    ];
    for (const options of invalid) {
      await assert.rejects(startMailCatcher(options), RangeError, JSON.stringify(options));
    }
  });

  it('fails to start, without leaking the SMTP port, when the web port is taken', async () => {
    const first = await startMailCatcher({ smtpPort: 0, webPort: 0 });
    try {
      await assert.rejects(startMailCatcher({ smtpPort: 0, webPort: first.webPort }), /EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});

// --- process entry ---------------------------------------------------------------------------

interface ProcessOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runMain(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ProcessOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN_SCRIPT, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('mail-catcher-main', () => {
  it('exits 2 naming the flag for an invalid port', async () => {
    const outcome = await runMain(['--smtp-port', 'abc', '--web-port', '0']);
    assert.equal(outcome.code, 2);
    assert.match(outcome.stderr, /--smtp-port must be an integer from 0 to 65535/);
  });

  it('exits 2 naming the variable for an invalid fault rate', async () => {
    const outcome = await runMain(['--smtp-port', '0', '--web-port', '0'], { MAIL_CATCHER_PERMFAIL_RATE: 'often' });
    assert.equal(outcome.code, 2);
    assert.match(outcome.stderr, /MAIL_CATCHER_PERMFAIL_RATE must be a number from 0 to 1/);
  });

  it('prints the listening line, serves, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [MAIN_SCRIPT, '--smtp-port', '0', '--web-port', '0']);
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('\n')) resolve(stdout.split('\n')[0] ?? '');
        });
        child.once('close', () => reject(new Error(`exited before listening: ${stdout}`)));
      });
      const match = /^mail catcher listening smtp=127\.0\.0\.1:(\d+) web=http:\/\/127\.0\.0\.1:(\d+)\/$/.exec(line);
      assert.ok(match, line);
      const health = await fetch(`http://127.0.0.1:${match[2]}/healthz`);
      assert.deepEqual(await health.json(), { status: 'ok', messages: 0 });
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });
});
