/**
 * Process entry of the mail catcher, spawned by the local stack (src/devstack/stack.ts):
 *
 *   node dist/src/devstack/mail-catcher-main.js --smtp-port 1025 --web-port 1080 [--host 127.0.0.1]
 *
 * Chaos tests switch on fault injection with MAIL_CATCHER_TEMPFAIL_RATE / MAIL_CATCHER_PERMFAIL_RATE
 * (probabilities from 0 to 1 of a 451 / 550 answer at the end of DATA).
 *
 * Exit codes: 0 after a clean shutdown on SIGTERM/SIGINT, 1 if the servers cannot start,
 * 2 for invalid arguments or environment.
 */
import { parseArgs } from 'node:util';
import { startMailCatcher } from './mail-catcher';
import type { MailCatcher, MailCatcherOptions } from './mail-catcher';

// The same defaults as MAIL_CATCHER_SMTP_PORT / MAIL_CATCHER_WEB_PORT in the config schema.
const DEFAULT_SMTP_PORT = 1025;
const DEFAULT_WEB_PORT = 1080;
const DEFAULT_HOST = '127.0.0.1';
const EXIT_USAGE = 2;

const USAGE = 'usage: mail-catcher-main [--smtp-port <0-65535>] [--web-port <0-65535>] [--host <address>]';

/** Invalid input from the command line or the environment: reported without a stack trace. */
class UsageError extends Error {}

function readOptions(argv: string[], env: NodeJS.ProcessEnv): MailCatcherOptions {
  let values: { 'smtp-port'?: string; 'web-port'?: string; host?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'smtp-port': { type: 'string' },
        'web-port': { type: 'string' },
        host: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
  return {
    host: readHost(values.host),
    smtpPort: readPort('--smtp-port', values['smtp-port'], DEFAULT_SMTP_PORT),
    webPort: readPort('--web-port', values['web-port'], DEFAULT_WEB_PORT),
    faults: readFaultRates(env),
  };
}

function readHost(raw: string | undefined): string {
  if (raw === undefined) return DEFAULT_HOST;
  if (raw.trim() === '') throw new UsageError(`--host must be a non-empty address such as 127.0.0.1\n${USAGE}`);
  return raw;
}

function readPort(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new UsageError(`${flag} must be an integer from 0 to 65535 (0 = any free port), got ${JSON.stringify(raw)}`);
  }
  return port;
}

function readFaultRates(env: NodeJS.ProcessEnv): MailCatcherOptions['faults'] {
  const temporaryFailureRate = readRate('MAIL_CATCHER_TEMPFAIL_RATE', env.MAIL_CATCHER_TEMPFAIL_RATE);
  const permanentFailureRate = readRate('MAIL_CATCHER_PERMFAIL_RATE', env.MAIL_CATCHER_PERMFAIL_RATE);
  if (temporaryFailureRate === 0 && permanentFailureRate === 0) return undefined;
  if (temporaryFailureRate + permanentFailureRate > 1) {
    throw new UsageError('MAIL_CATCHER_TEMPFAIL_RATE + MAIL_CATCHER_PERMFAIL_RATE must not exceed 1');
  }
  return { temporaryFailureRate, permanentFailureRate };
}

function readRate(name: string, raw: string | undefined): number {
  // An empty variable is how shells and compose files usually say "unset".
  if (raw === undefined || raw.trim() === '') return 0;
  const rate = Number(raw);
  if (!Number.isFinite(rate) || rate < 0 || rate > 1) {
    throw new UsageError(`${name} must be a number from 0 to 1 (a probability, e.g. 0.05), got ${JSON.stringify(raw)}`);
  }
  return rate;
}

/** Brackets IPv6 literals so the printed address can be pasted into a browser. */
function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function closeOnSignals(catcher: MailCatcher): void {
  let closing = false;
  const shutDown = (signal: NodeJS.Signals): void => {
    if (closing) return; // A second Ctrl-C must not start a second close.
    closing = true;
    catcher.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`mail catcher: error while closing on ${signal}:`, error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutDown);
  process.on('SIGINT', shutDown);
}

async function main(): Promise<void> {
  let options: MailCatcherOptions;
  try {
    options = readOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`mail catcher: ${error.message}`);
    process.exit(EXIT_USAGE);
  }
  const catcher = await startMailCatcher(options);
  closeOnSignals(catcher);
  const host = hostForUrl(options.host ?? DEFAULT_HOST);
  if (options.faults) {
    // stderr: stdout carries exactly the one "listening" line that callers may parse.
    const { temporaryFailureRate, permanentFailureRate } = options.faults;
    console.error(`mail catcher: fault injection on, 451 rate ${temporaryFailureRate}, 550 rate ${permanentFailureRate}`);
  }
  console.log(`mail catcher listening smtp=${host}:${catcher.smtpPort} web=http://${host}:${catcher.webPort}/`);
}

main().catch((error: unknown) => {
  console.error('mail catcher failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
