// One pooled SMTP transport per worker process: a new connection per mail is hopeless
// (smtp-server greets each connection after a pause), and nodemailer before 10.1 stalls on
// delayed ACKs — package.json pins a later one.
// Our mails are small ASCII texts: for them the MIME source is written here in one string (7bit
// parts, no MIME tree, no quoted-printable pass) and handed to the pool as `raw`; nodemailer's
// composer took about 1 ms of CPU per mail, the worker's largest single cost in a cycle. Anything
// else (non-ASCII text or address, display names, long lines) goes through nodemailer's composer.
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import nodemailer, { type Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** X-Metronome-* headers let the catcher, tests and operators tell mails apart. */
  headers?: Record<string, string>;
  messageId?: string;
}

export interface SentMail { messageId: string; response: string }

export interface SendOptions {
  /**
   * Awaited once the server has the whole message but not yet the final "." that makes it accept
   * it: the moment to record, durably, that this mail is going out. If it rejects, the connection
   * is closed without the dot, so the server discards the mail, and `send` rejects.
   */
  beforeCommit?: () => Promise<void>;
}

export interface Mailer {
  send(mail: OutgoingMail, options?: SendOptions): Promise<SentMail>;
  verify(): Promise<void>;
  close(): void;
}

/** The pooled transport's options for an smtp:// or smtps:// URL (also what bench/raw-ceiling.ts uses). */
export function smtpPoolOptions(smtpUrl: string, options: { maxConnections?: number } = {}): SMTPPool.Options {
  const url = new URL(smtpUrl);
  return {
    pool: true,
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 25)),
    secure: url.protocol === 'smtps:',
    maxConnections: options.maxConnections ?? 5,
    maxMessages: Infinity,
    // A local catcher speaks plain SMTP; a real provider is reached with smtps:// or STARTTLS.
    ignoreTLS: url.protocol === 'smtp:' && ['127.0.0.1', 'localhost', '::1'].includes(url.hostname),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
  };
}

const HEADER_VALUE = /^[\x21-\x7e](?:[\x20-\x7e]{0,900}[\x21-\x7e])?$/;
const HEADER_NAME = /^[\x21-\x39\x3b-\x7e]{1,76}$/;
const PLAIN_ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9.-]{1,253}$/;
const NAMED_ADDRESS = /^([A-Za-z0-9 !#$%&'*+/=?^_`{|}~.-]{0,64}?) *<([A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9.-]{1,253})>$/;
/** 7bit body text: printable ASCII, tabs and newlines, no line longer than 990 characters. */
const SEVEN_BIT_BODY = /^(?:[\t\x20-\x7e]{0,990}(?:\r?\n|$))*$/;

/** The From header and the envelope sender of a configured `from`, if it can be written as is. */
export function plainSender(from: string): { header: string; address: string; domain: string } | undefined {
  const plain = PLAIN_ADDRESS.exec(from);
  if (plain) return { header: from, address: from, domain: from.split('@')[1]! };
  const named = NAMED_ADDRESS.exec(from);
  if (!named) return undefined;
  const name = named[1]!.trim();
  const address = named[2]!;
  return { header: name ? `"${name}" <${address}>` : `<${address}>`, address, domain: address.split('@')[1]! };
}

/**
 * The MIME source of `mail` written directly, or undefined when it needs nodemailer's composer
 * (anything beyond printable ASCII, a named recipient, a line over 990 characters).
 */
export function plainMimeSource(sender: { header: string; domain: string }, mail: OutgoingMail, messageId: string, boundary: string): string | undefined {
  if (!PLAIN_ADDRESS.test(mail.to) || !HEADER_VALUE.test(mail.subject)) return undefined;
  if (!SEVEN_BIT_BODY.test(mail.text) || mail.text.includes(boundary)) return undefined;
  if (mail.html !== undefined && (!SEVEN_BIT_BODY.test(mail.html) || mail.html.includes(boundary))) return undefined;
  let extra = '';
  for (const [name, value] of Object.entries(mail.headers ?? {})) {
    if (!HEADER_NAME.test(name) || !HEADER_VALUE.test(value)) return undefined;
    extra += `${name}: ${value}\r\n`;
  }
  const crlf = (body: string): string => body.replace(/\r?\n/g, '\r\n');
  const head = `From: ${sender.header}\r\nTo: ${mail.to}\r\nSubject: ${mail.subject}\r\nMessage-ID: <${messageId}>\r\n`
    + `Date: ${new Date().toUTCString().replace(/GMT$/, '+0000')}\r\nMIME-Version: 1.0\r\n${extra}`;
  const part = (type: string, body: string): string => `Content-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n${crlf(body)}\r\n`;
  if (mail.html === undefined) return head + part('text/plain', mail.text);
  return `${head}Content-Type: multipart/alternative; boundary="${boundary}"\r\n\r\n`
    + `--${boundary}\r\n${part('text/plain', mail.text)}--${boundary}\r\n${part('text/html', mail.html)}--${boundary}--\r\n`;
}

/**
 * The MIME source as a stream that ends only once `beforeCommit` resolved: nodemailer writes the
 * terminating "." when its source ends. A rejection destroys the stream; nodemailer then closes
 * that pooled connection mid-DATA, which every SMTP server treats as "no message".
 */
export function gatedSource(source: string | Buffer, beforeCommit: () => Promise<void>): Readable {
  let started = false;
  return new Readable({
    read() {
      if (started) return;
      started = true;
      this.push(source);
      beforeCommit().then(() => this.push(null), (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error))));
    },
  });
}

async function composed(mail: OutgoingMail & { from: string }): Promise<{ raw: Buffer; envelope: { from: string; to: string[] }; messageId: string }> {
  const node = new MailComposer(mail).compile();
  const envelope = node.getEnvelope();
  return { raw: await node.build(), envelope: { from: envelope.from || '', to: envelope.to }, messageId: node.messageId() };
}

export function createMailer(smtpUrl: string, from: string, options: { maxConnections?: number } = {}): Mailer {
  const transport: Transporter<SMTPPool.SentMessageInfo> = nodemailer.createTransport(smtpPoolOptions(smtpUrl, options));
  const sender = plainSender(from);
  const boundary = `--_metronome_${randomBytes(12).toString('hex')}`;
  return {
    async send(mail, { beforeCommit } = {}) {
      const messageId = mail.messageId?.replace(/^<|>$/g, '') ?? `${randomUUID()}@${sender?.domain ?? 'metronome.local'}`;
      const plain = sender && plainMimeSource(sender, mail, messageId, boundary);
      if (plain) {
        const raw = beforeCommit ? gatedSource(plain, beforeCommit) : plain;
        const info = await transport.sendMail({ envelope: { from: sender.address, to: [mail.to] }, raw, messageId: `<${messageId}>` });
        return { messageId: `<${messageId}>`, response: info.response };
      }
      if (beforeCommit) {
        // The composer's own stream cannot be held before its end: build the source first.
        const built = await composed({ from, ...mail });
        const info = await transport.sendMail({ envelope: built.envelope, raw: gatedSource(built.raw, beforeCommit), messageId: built.messageId });
        return { messageId: built.messageId, response: info.response };
      }
      const info = await transport.sendMail({ from, ...mail });
      return { messageId: info.messageId, response: info.response };
    },
    async verify() {
      await transport.verify();
    },
    close() {
      transport.close();
    },
  };
}
