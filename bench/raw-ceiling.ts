// The raw ceiling of the invitation cycle: the same number of equivalent mails (the invitation
// template, a token and an invitation id of the real sizes), to the same SMTP server, through a
// plain pooled nodemailer transport (the options of src/mail/mailer.ts), with no Temporal and no
// database. `bench/cycle.ts` runs it as a child process so that its CPU is its own.
//   node dist/bench/raw-ceiling.js --count 82489 --domain raw-x.test [--in-flight 50]   (SMTP_URL, MAIL_FROM… as the worker's)
// The last line is one JSON object: { sent, failed, wallSeconds, mailsPerSecond, cpuSeconds, peakRssMb }.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import { loadConfig } from '../src/config';
import nodemailer from 'nodemailer';
import { smtpPoolOptions } from '../src/mail/mailer';
import { invitationMail } from '../src/mail/templates';
import { newInvitationToken } from '../src/domain/tokens';

export interface RawCeilingFigures { sent: number; failed: number; wallSeconds: number; mailsPerSecond: number; cpuSeconds: number; peakRssMb: number }

export async function sendRaw(options: { count: number; domain: string; smtpUrl: string; maxConnections: number; inFlight: number; from: string; baseUrl: string; month: string }): Promise<RawCeilingFigures> {
  // Plain nodemailer (its own MIME composer), with the worker's pool options (SMTP_MAX_CONNECTIONS too).
  const transport = nodemailer.createTransport(smtpPoolOptions(options.smtpUrl, { maxConnections: options.maxConnections }));
  const cpuBefore = process.cpuUsage();
  const started = Date.now();
  let next = 0;
  let sent = 0;
  let failed = 0;
  const lane = async () => {
    while (next < options.count) {
      const i = next++;
      const mail = invitationMail({
        to: `raw-${i}-${randomBytes(3).toString('hex')}@${options.domain}`,
        token: newInvitationToken(),
        invitationId: new Types.ObjectId().toHexString(),
        month: options.month,
        baseUrl: options.baseUrl,
      });
      try {
        await transport.sendMail({ from: options.from, ...mail });
        sent += 1;
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.inFlight }, lane));
  const wallSeconds = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  transport.close();
  return {
    sent, failed,
    wallSeconds: Number(wallSeconds.toFixed(1)),
    mailsPerSecond: Math.round(sent / wallSeconds),
    cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    count: { type: 'string', default: '82489' },
    domain: { type: 'string', default: `raw-${Date.now().toString(36)}.test` },
    'in-flight': { type: 'string', default: '50' },
  } });
  const count = Number(values.count);
  const inFlight = Number(values['in-flight']);
  if (!Number.isInteger(count) || count < 1) throw new Error('--count must be a positive whole number');
  if (!Number.isInteger(inFlight) || inFlight < 1) throw new Error('--in-flight must be a positive whole number');
  const config = loadConfig();
  const figures = await sendRaw({ count, domain: values.domain, smtpUrl: config.mail.smtpUrl, maxConnections: config.mail.maxConnections, inFlight, from: config.mail.from, baseUrl: config.mail.invitationBaseUrl, month: '2100-01' });
  console.log(JSON.stringify(figures));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
