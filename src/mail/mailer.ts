// One pooled SMTP transport per worker process: a new connection per mail is hopeless
// (smtp-server greets each connection after a pause), and nodemailer before 10.1 stalls on
// delayed ACKs — package.json pins a later one.
import nodemailer, { type Transporter } from 'nodemailer';
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

export interface Mailer {
  send(mail: OutgoingMail): Promise<SentMail>;
  verify(): Promise<void>;
  close(): void;
}

export function createMailer(smtpUrl: string, from: string, options: { maxConnections?: number } = {}): Mailer {
  const url = new URL(smtpUrl);
  const transportOptions: SMTPPool.Options = {
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
  const transport: Transporter<SMTPPool.SentMessageInfo> = nodemailer.createTransport(transportOptions);
  return {
    async send(mail) {
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
