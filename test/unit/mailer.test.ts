// The mailer writes the MIME source of plain ASCII mails itself (the cycle's hot path) and leaves
// everything else to nodemailer's composer. Both paths are driven through real SMTP to an
// in-process mail catcher, which parses what arrives the way the benches and tests read it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startMailCatcher, type MailCatcher } from '../../src/devstack/mail-catcher';
import { createMailer, plainMimeSource, plainSender, type Mailer } from '../../src/mail/mailer';
import { invitationMail } from '../../src/mail/templates';

const FROM = 'Metronome <invitations@metronome.local>';
const sender = plainSender(FROM)!;

function invitation(to: string) {
  return invitationMail({ to, token: 'tok_EN-123', invitationId: '6560f1e2a1b2c3d4e5f60718', month: '2100-01', baseUrl: 'http://127.0.0.1:3000/invitations' });
}

describe('plainMimeSource', () => {
  it('writes an ASCII invitation as two 7bit parts with CRLF line ends and its headers', () => {
    const raw = plainMimeSource(sender, invitation('a@example.test'), 'id-1@metronome.local', 'B0UND')!;
    assert.ok(raw.startsWith('From: "Metronome" <invitations@metronome.local>\r\nTo: a@example.test\r\nSubject: Your invitation for 2100-01\r\nMessage-ID: <id-1@metronome.local>\r\n'));
    assert.match(raw, /\r\nX-Metronome-Kind: invitation\r\nX-Metronome-Invitation: 6560f1e2a1b2c3d4e5f60718\r\n/);
    assert.match(raw, /Content-Type: multipart\/alternative; boundary="B0UND"\r\n\r\n--B0UND\r\nContent-Type: text\/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nHello,\r\n/);
    assert.ok(raw.endsWith('--B0UND--\r\n'));
    assert.equal(raw.replace(/\r\n/g, '').includes('\n'), false, 'no bare LF');
  });

  it('gives way to the composer for anything that is not plain ASCII or too long', () => {
    const base = invitation('a@example.test');
    assert.equal(plainMimeSource(sender, { ...base, subject: 'Votre invitation de décembre' }, 'i@x', 'B'), undefined);
    assert.equal(plainMimeSource(sender, { ...base, subject: 'x\r\nBcc: victim@example.test' }, 'i@x', 'B'), undefined);
    assert.equal(plainMimeSource(sender, { ...base, to: 'Ann <a@example.test>' }, 'i@x', 'B'), undefined);
    assert.equal(plainMimeSource(sender, { ...base, to: 'ä@example.test' }, 'i@x', 'B'), undefined);
    assert.equal(plainMimeSource(sender, { ...base, text: 'x'.repeat(991) }, 'i@x', 'B'), undefined);
    assert.equal(plainMimeSource(sender, { ...base, html: '<p>né</p>' }, 'i@x', 'B'), undefined);
    assert.equal(plainMimeSource(sender, { ...base, headers: { 'X-Bad': 'a\nb' } }, 'i@x', 'B'), undefined);
    assert.equal(plainMimeSource(sender, { ...base, text: 'contains B here' }, 'i@x', 'B'), undefined);
    assert.equal(plainSender('Zoë <z@example.test>'), undefined);
    assert.deepEqual(plainSender('z@example.test'), { header: 'z@example.test', address: 'z@example.test', domain: 'example.test' });
  });
});

describe('createMailer through SMTP', () => {
  let catcher: MailCatcher;
  let mailer: Mailer;
  before(async () => {
    catcher = await startMailCatcher({ smtpPort: 0, webPort: 0 });
    mailer = createMailer(`smtp://127.0.0.1:${catcher.smtpPort}`, FROM, { maxConnections: 2 });
  });
  after(async () => {
    mailer.close();
    await catcher.close();
  });

  it('delivers the hand-written and the composed mail alike, each with its Message-ID', async () => {
    const plain = await mailer.send(invitation('plain@example.test'));
    const composed = await mailer.send({ ...invitation('composed@example.test'), subject: 'Votre invitation de décembre' });
    assert.match(plain.messageId, /^<[0-9a-f-]{36}@metronome\.local>$/);
    assert.match(composed.messageId, /^<.+>$/);
    const messages = catcher.messages();
    assert.equal(messages.length, 2);
    const [first, second] = messages;
    assert.deepEqual(first!.to, ['plain@example.test']);
    assert.equal(first!.subject, 'Your invitation for 2100-01');
    assert.equal(first!.kind, 'invitation');
    assert.equal(first!.invitationId, '6560f1e2a1b2c3d4e5f60718');
    assert.equal(first!.messageId, plain.messageId);
    assert.equal(first!.from, 'invitations@metronome.local');
    assert.deepEqual(second!.to, ['composed@example.test']);
    assert.equal(second!.kind, 'invitation');
    assert.equal(second!.subject, 'Votre invitation de décembre');
    const raw = await (await fetch(`http://127.0.0.1:${catcher.webPort}/api/messages/${first!.id}/raw`)).text();
    assert.match(raw, /http:\/\/127\.0\.0\.1:3000\/invitations\/tok_EN-123/);
  });

  it('holds the final dot until beforeCommit resolves: nothing is accepted before', async () => {
    const before = catcher.messages().length;
    let release!: () => void;
    let reached!: () => void;
    const atGate = new Promise<void>((resolve) => { reached = resolve; });
    const sending = mailer.send(invitation('held@example.test'), { beforeCommit: () => { reached(); return new Promise<void>((resolve) => { release = resolve; }); } });
    await atGate;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(catcher.messages().length, before, 'the server has the message but not its end');
    release();
    const sent = await sending;
    assert.equal(catcher.messages().length, before + 1);
    assert.equal(catcher.messages().at(-1)!.messageId, sent.messageId);
  });

  it('discards the mail when beforeCommit rejects, and the pool keeps working', async () => {
    const before = catcher.messages().length;
    await assert.rejects(mailer.send(invitation('refused@example.test'), { beforeCommit: () => Promise.reject(new Error('claim taken')) }), /claim taken/);
    await assert.rejects(mailer.send({ ...invitation('refused-composed@example.test'), subject: 'Refusée' }, { beforeCommit: () => Promise.reject(new Error('claim taken')) }), /claim taken/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(catcher.messages().length, before, 'no refused mail reached the server');
    await mailer.send(invitation('after@example.test'), { beforeCommit: () => Promise.resolve() });
    await mailer.send({ ...invitation('after-composed@example.test'), subject: 'Après' }, { beforeCommit: () => Promise.resolve() });
    assert.deepEqual(catcher.messages().slice(before).map((m) => m.to[0]), ['after@example.test', 'after-composed@example.test']);
  });
});
