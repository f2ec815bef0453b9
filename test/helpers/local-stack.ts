// Integration tests run against the real local stack: started here if `npm test` did not
// start it already, reused if it runs. Each test gets its own database and task queue, so
// a developer's running `npm start` and the tests never see each other's work.
import './quiet-sdk';
import { randomBytes } from 'node:crypto';
import { loadConfig, type AppConfig } from '../../src/config';
import { stackUp } from '../../src/devstack/stack';

// `metronome worker` processes that tests spawn inherit this environment: no HTTP endpoint unless
// a test gives one its own WORKER_HTTP_PORT, so test files running in parallel never fight over 9464.
process.env.WORKER_HTTP_PORT ??= '0';

let stackReady: Promise<AppConfig> | undefined;

/** Brings the stack up once per test process; fails the test with the reason if a part is down. */
export function ensureLocalStack(): Promise<AppConfig> {
  stackReady ??= (async () => {
    const config = loadConfig();
    const parts = await stackUp(config, { log: (line) => process.stderr.write(`# ${line}\n`) });
    const down = parts.filter((p) => !p.healthy);
    if (down.length) throw new Error(`local stack not healthy: ${down.map((p) => `${p.name}: ${p.detail}`).join('; ')}`);
    return config;
  })();
  return stackReady;
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** A mail domain of the test's own, so mails are counted at the shared catcher by `@<domain>`. */
export function uniqueDomain(prefix: string): string {
  return `${uniqueName(prefix).replace(/_/g, '-')}.test`;
}

/** A month nobody else uses, so `cycle-<month>` never meets another run's workflow. */
export function uniqueMonth(): string {
  return `${2100 + Math.floor(Math.random() * 800)}-${String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')}`;
}

/** The stack's configuration with a database and task queue of the test's own. */
export function isolatedConfig(name: string, env: NodeJS.ProcessEnv = {}): AppConfig {
  const base = new URL(loadConfig().mongodbUri);
  base.pathname = `/${uniqueName(`metronome_test_${name}`)}`;
  return loadConfig({ ...process.env, MONGODB_URI: base.toString(), TEMPORAL_TASK_QUEUE: uniqueName(`test-${name}`), LOG_LEVEL: 'warn', ...env });
}

export function mailCatcherUrl(config: AppConfig, path: string): string {
  return `http://127.0.0.1:${config.stack.mailCatcherWebPort}${path}`;
}

export interface MailSummary { total: number; uniqueRecipients: number; duplicates: { to: string; count: number }[] }

/** Counts mails at the SMTP catcher (the real server the worker sent to). */
export async function mailSummary(config: AppConfig, query: { to?: string; kind?: string }): Promise<MailSummary> {
  const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
  const response = await fetch(mailCatcherUrl(config, `/api/summary?${params.toString()}`));
  if (!response.ok) throw new Error(`mail catcher answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as MailSummary;
}
