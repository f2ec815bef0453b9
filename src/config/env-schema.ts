// The one schema that reads Metronome's configuration from the environment.
// Variable names follow the systems Metronome replaces (seed 001: SCHEDULER_*; seed 000: CSV_IMPORT_*).
// Every variable is documented in README.md and .env.example; keep the three in step.
import { z } from 'zod';
import { INTERVAL_ALLOWED, parseImportInterval } from '../domain/csv-import';

/** Unset and empty mean "use the default", so `FOO=` in a .env file does not turn into 0. */
function blankToUndefined(value: unknown): unknown {
  return typeof value === 'string' && value.trim() === '' ? undefined : value;
}

function wholeNumber(min: number, max: number, fallback: number) {
  const allowed = `a whole number from ${min} to ${max}`;
  return z.preprocess(
    blankToUndefined,
    z.coerce.number({ error: allowed }).int({ error: allowed }).min(min, { error: allowed }).max(max, { error: allowed }).default(fallback),
  );
}

function decimal(min: number, max: number, fallback: number, { exclusiveMin = false } = {}) {
  const allowed = `a number ${exclusiveMin ? 'greater than' : 'from'} ${min}${exclusiveMin ? ' and at most' : ' to'} ${max}`;
  const base = z.coerce.number({ error: allowed }).refine(Number.isFinite, { error: allowed });
  return z.preprocess(
    blankToUndefined,
    base
      .refine((n) => (exclusiveMin ? n > min : n >= min) && n <= max, { error: allowed })
      .default(fallback),
  );
}

function text(fallback: string) {
  return z.preprocess(blankToUndefined, z.string().default(fallback));
}

function optionalText() {
  return z.preprocess(blankToUndefined, z.string().optional());
}

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function timeZone(fallback: string) {
  const allowed = 'an IANA time zone such as Europe/Paris or UTC';
  return z.preprocess(blankToUndefined, z.string().refine(isValidTimeZone, { error: allowed }).default(fallback));
}

/** A URL whose scheme is one of these, e.g. ['http:', 'https:']. */
function urlString(protocols: string[]) {
  const allowed = `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`;
  return z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, { error: allowed });
}

function url(protocols: string[], fallback: string) {
  return z.preprocess(blankToUndefined, urlString(protocols).default(fallback));
}

function optionalUrl(protocols: string[]) {
  return z.preprocess(blankToUndefined, urlString(protocols).optional());
}

function hostPort(fallback: string) {
  const allowed = 'host:port, for example 127.0.0.1:7233';
  return z.preprocess(blankToUndefined, z.string().regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, { error: allowed }).default(fallback));
}

function oneOf<T extends string>(values: readonly [T, ...T[]], fallback: T) {
  return z.preprocess(blankToUndefined, z.enum(values, { error: `one of ${values.join(', ')}` }).default(fallback));
}

function importInterval(fallback: string) {
  return z.preprocess(blankToUndefined, z.string().refine((v) => parseImportInterval(v) !== undefined, { error: INTERVAL_ALLOWED }).default(fallback));
}

export const envSchema = z
  .object({
    // Core scheduling (seed 001)
    SCHEDULER_MONTHLY_JOB_DAY: wholeNumber(1, 28, 5),
    SCHEDULER_MONTHLY_JOB_HOUR: wholeNumber(0, 23, 18),
    SCHEDULER_TIMEZONE: timeZone('Europe/Paris'),
    // Performance
    SCHEDULER_BATCH_SIZE: wholeNumber(1, 5000, 50),
    SCHEDULER_INVITATION_BATCH_SIZE: wholeNumber(1, 1000, 100),
    SCHEDULER_MAX_WORKERS: wholeNumber(1, 64, 4),
    SCHEDULER_WORKER_TIMEOUT: wholeNumber(1000, 3_600_000, 300_000),
    SCHEDULER_MAX_MEMORY_MB: wholeNumber(64, 65_536, 512),
    SCHEDULER_MAX_JOB_DURATION_HOURS: decimal(0, 168, 1, { exclusiveMin: true }),
    // Reminders: fractional days are allowed so a demo can watch them fire within a minute.
    SCHEDULER_FIRST_REMINDER_DAYS: decimal(0, 365, 3, { exclusiveMin: true }),
    SCHEDULER_SECOND_REMINDER_DAYS: decimal(0, 365, 7, { exclusiveMin: true }),
    SCHEDULER_REMINDER_LOCAL_HOUR: z.preprocess(
      blankToUndefined,
      z.coerce.number({ error: 'a whole number from 0 to 23' }).int({ error: 'a whole number from 0 to 23' })
        .min(0, { error: 'a whole number from 0 to 23' }).max(23, { error: 'a whole number from 0 to 23' }).optional(),
    ),
    SCHEDULER_INVITATION_EXPIRY_DAYS: decimal(0, 365, 30, { exclusiveMin: true }),
    // Cleanup
    SCHEDULER_EXPIRED_TOKEN_RETENTION_DAYS: wholeNumber(1, 3650, 90),
    SCHEDULER_METRICS_RETENTION_HOURS: wholeNumber(1, 87_600, 72),
    // Monitoring thresholds
    SCHEDULER_ERROR_RATE_THRESHOLD: decimal(0, 1, 0.05),
    SCHEDULER_MEMORY_ALERT_THRESHOLD: decimal(0, 1, 0.8, { exclusiveMin: true }),
    // Alerts of the health-check job are also POSTed here when set (seed 001's notificationService).
    ALERT_WEBHOOK_URL: optionalUrl(['http:', 'https:']),
    // CSV contact imports (seed 000)
    CSV_IMPORT_INTERVAL: importInterval('10m'),
    CSV_IMPORT_BATCH_SIZE: wholeNumber(1, 10_000, 1000),
    CSV_IMPORT_MAX_CONCURRENT: wholeNumber(1, 64, 5),
    CSV_IMPORT_TIMEOUT: wholeNumber(1000, 86_400_000, 300_000),
    CSV_IMPORT_DIR: text('.data/imports'),
    // Connections
    TEMPORAL_ADDRESS: hostPort('127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: text('default'),
    TEMPORAL_TASK_QUEUE: text('metronome'),
    MONGODB_URI: url(['mongodb:', 'mongodb+srv:'], 'mongodb://127.0.0.1:27017/metronome'),
    SMTP_URL: url(['smtp:', 'smtps:'], 'smtp://127.0.0.1:1025'),
    MAIL_FROM: text('Metronome <invitations@metronome.local>'),
    // Pooled SMTP connections per worker process (each mail holds one for its whole exchange).
    SMTP_MAX_CONNECTIONS: wholeNumber(1, 100, 5),
    // Flow control: messages per second per SMTP provider, across every worker (0 = unlimited).
    SMTP_RATE_LIMIT_PER_SECOND: decimal(0, 100_000, 0),
    SMTP_RATE_LIMIT_BURST: wholeNumber(1, 10_000, 1),
    SMTP_RATE_LIMIT_KEY: optionalText(),
    INVITATION_BASE_URL: url(['http:', 'https:'], 'http://127.0.0.1:3000/invitations'),
    // Local stack
    METRONOME_DATA_DIR: text('.data'),
    METRONOME_TOOLS_DIR: text('.tools'),
    TEMPORAL_UI_PORT: wholeNumber(1, 65_535, 8233),
    MAIL_CATCHER_WEB_PORT: wholeNumber(1, 65_535, 1080),
    METRONOME_MONGO_SERVER: oneOf(['auto', 'mongod', 'mongo-java-server', 'ferretdb'], 'auto'),
    METRONOME_MONGO_JAVA_STORAGE: oneOf(['memory', 'file'], 'memory'),
    // The JVM's heap (-Xmx): in memory, a million contacts with their invitations and claims need more than 4 GiB.
    METRONOME_MONGO_JAVA_HEAP_MB: wholeNumber(256, 65_536, 4096),
    TEMPORAL_CLI_PATH: optionalText(),
    TEMPORAL_TEST_SERVER_PATH: optionalText(),
    FERRETDB_PATH: optionalText(),
    MONGOD_PATH: optionalText(),
    // One-off tasks: actions run at once by one worker of the `tasks` queue (seed 003's maxConcurrent)
    TASKS_MAX_CONCURRENT: wholeNumber(1, 1000, 10),
    // HTTP API (seed 002 job registry, seed 004 organisation schedules)
    API_PORT: wholeNumber(1, 65_535, 3000),
    API_HOST: text('127.0.0.1'),
    API_BODY_LIMIT_BYTES: wholeNumber(1024, 104_857_600, 1_048_576),
    // Base URLs of the services that own registered jobs (seed 002): `service: "email-service"` → EMAIL_SERVICE_URL
    EMAIL_SERVICE_URL: optionalUrl(['http:', 'https:']),
    CRAWLER_SERVICE_URL: optionalUrl(['http:', 'https:']),
    ANALYTICS_SERVICE_URL: optionalUrl(['http:', 'https:']),
    NOTIFICATION_SERVICE_URL: optionalUrl(['http:', 'https:']),
    // Worker
    WORKER_SHUTDOWN_GRACE_SECONDS: wholeNumber(0, 3600, 30),
    // /healthz, /readyz and /metrics of every worker process (0 = no HTTP endpoint).
    WORKER_HTTP_PORT: wholeNumber(0, 65_535, 9464),
    LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  })
  .superRefine((env, ctx) => {
    if (env.SCHEDULER_SECOND_REMINDER_DAYS <= env.SCHEDULER_FIRST_REMINDER_DAYS) {
      ctx.addIssue({
        code: 'custom',
        path: ['SCHEDULER_SECOND_REMINDER_DAYS'],
        message: `a number greater than SCHEDULER_FIRST_REMINDER_DAYS (${env.SCHEDULER_FIRST_REMINDER_DAYS})`,
      });
    }
  });

export type Env = z.output<typeof envSchema>;
