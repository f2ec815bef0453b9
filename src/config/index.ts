// Reads and validates the environment once; every entry point calls loadConfig() at start-up.
import { parseImportInterval, type ImportInterval } from '../domain/csv-import';
import { providerKey } from '../domain/flow-control';
import { envSchema, type Env } from './env-schema';

export { isValidTimeZone } from './env-schema';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface AppConfig {
  schedule: { monthlyJobDay: number; monthlyJobHour: number; timezone: string };
  performance: {
    userBatchSize: number;
    invitationBatchSize: number;
    maxConcurrentBatches: number;
    activityTimeoutMs: number;
    maxMemoryMb: number;
    maxJobDurationHours: number;
  };
  reminders: { firstAfterDays: number; secondAfterDays: number; localHour: number | undefined; invitationExpiryDays: number };
  cleanup: { expiredTokenRetentionDays: number; metricsRetentionHours: number };
  alerts: { errorRateThreshold: number; memoryThreshold: number; webhookUrl: string | undefined };
  temporal: { address: string; namespace: string; taskQueue: string };
  mongodbUri: string;
  mail: { smtpUrl: string; from: string; invitationBaseUrl: string; maxConnections: number };
  /** Send-rate limit per SMTP provider (`key`), shared by every worker; perSecond 0 = unlimited. */
  smtpRateLimit: { perSecond: number; burst: number; key: string };
  stack: {
    dataDir: string;
    toolsDir: string;
    temporalUiPort: number;
    mailCatcherWebPort: number;
    /** Which MongoDB-protocol server `stack up` starts: auto = mongod, else mongo-java-server, else FerretDB. */
    mongoServer: Env['METRONOME_MONGO_SERVER'];
    /** mongo-java-server only: memory (default) or file (an H2 file in <dataDir>/mongo-java-server/, kept across restarts). */
    mongoJavaStorage: Env['METRONOME_MONGO_JAVA_STORAGE'];
    /** mongo-java-server only: the JVM's maximum heap in MiB (-Xmx). */
    mongoJavaHeapMb: number;
    toolPaths: { temporal?: string; temporalTestServer?: string; ferretdb?: string; mongod?: string };
  };
  worker: { shutdownGraceSeconds: number; httpPort: number };
  /** One-off tasks: at most this many actions at once per worker of the `tasks` queue. */
  tasks: { maxConcurrent: number };
  /** CSV contact imports: one Schedule per organisation (README "CSV contact imports"). */
  imports: { interval: ImportInterval; batchSize: number; maxConcurrent: number; timeoutMs: number; dir: string };
  api: { host: string; port: number; bodyLimitBytes: number };
  /** Base URLs of the services owning registered HTTP jobs, by service key (email, crawler, …). */
  services: Partial<Record<'email' | 'crawler' | 'analytics' | 'notification', string>>;
  logLevel: Env['LOG_LEVEL'];
}

function describeValue(raw: unknown): string {
  return raw === undefined ? '(unset)' : JSON.stringify(raw);
}

export function parseEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const result = envSchema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(environment)');
    return `${name}=${describeValue(env[name])} is not allowed: expected ${issue.message}`;
  });
  throw new ConfigError(problems);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const e = parseEnv(env);
  return {
    schedule: { monthlyJobDay: e.SCHEDULER_MONTHLY_JOB_DAY, monthlyJobHour: e.SCHEDULER_MONTHLY_JOB_HOUR, timezone: e.SCHEDULER_TIMEZONE },
    performance: {
      userBatchSize: e.SCHEDULER_BATCH_SIZE,
      invitationBatchSize: e.SCHEDULER_INVITATION_BATCH_SIZE,
      maxConcurrentBatches: e.SCHEDULER_MAX_WORKERS,
      activityTimeoutMs: e.SCHEDULER_WORKER_TIMEOUT,
      maxMemoryMb: e.SCHEDULER_MAX_MEMORY_MB,
      maxJobDurationHours: e.SCHEDULER_MAX_JOB_DURATION_HOURS,
    },
    reminders: {
      firstAfterDays: e.SCHEDULER_FIRST_REMINDER_DAYS,
      secondAfterDays: e.SCHEDULER_SECOND_REMINDER_DAYS,
      localHour: e.SCHEDULER_REMINDER_LOCAL_HOUR,
      invitationExpiryDays: e.SCHEDULER_INVITATION_EXPIRY_DAYS,
    },
    cleanup: { expiredTokenRetentionDays: e.SCHEDULER_EXPIRED_TOKEN_RETENTION_DAYS, metricsRetentionHours: e.SCHEDULER_METRICS_RETENTION_HOURS },
    alerts: { errorRateThreshold: e.SCHEDULER_ERROR_RATE_THRESHOLD, memoryThreshold: e.SCHEDULER_MEMORY_ALERT_THRESHOLD, webhookUrl: e.ALERT_WEBHOOK_URL },
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.TEMPORAL_TASK_QUEUE },
    mongodbUri: e.MONGODB_URI,
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM, invitationBaseUrl: e.INVITATION_BASE_URL, maxConnections: e.SMTP_MAX_CONNECTIONS },
    smtpRateLimit: { perSecond: e.SMTP_RATE_LIMIT_PER_SECOND, burst: e.SMTP_RATE_LIMIT_BURST, key: providerKey(e.SMTP_URL, e.SMTP_RATE_LIMIT_KEY) },
    stack: {
      dataDir: e.METRONOME_DATA_DIR,
      toolsDir: e.METRONOME_TOOLS_DIR,
      temporalUiPort: e.TEMPORAL_UI_PORT,
      mailCatcherWebPort: e.MAIL_CATCHER_WEB_PORT,
      mongoServer: e.METRONOME_MONGO_SERVER,
      mongoJavaStorage: e.METRONOME_MONGO_JAVA_STORAGE,
      mongoJavaHeapMb: e.METRONOME_MONGO_JAVA_HEAP_MB,
      toolPaths: {
        temporal: e.TEMPORAL_CLI_PATH,
        temporalTestServer: e.TEMPORAL_TEST_SERVER_PATH,
        ferretdb: e.FERRETDB_PATH,
        mongod: e.MONGOD_PATH,
      },
    },
    worker: { shutdownGraceSeconds: e.WORKER_SHUTDOWN_GRACE_SECONDS, httpPort: e.WORKER_HTTP_PORT },
    tasks: { maxConcurrent: e.TASKS_MAX_CONCURRENT },
    imports: {
      interval: parseImportInterval(e.CSV_IMPORT_INTERVAL)!,
      batchSize: e.CSV_IMPORT_BATCH_SIZE,
      maxConcurrent: e.CSV_IMPORT_MAX_CONCURRENT,
      timeoutMs: e.CSV_IMPORT_TIMEOUT,
      dir: e.CSV_IMPORT_DIR,
    },
    api: { host: e.API_HOST, port: e.API_PORT, bodyLimitBytes: e.API_BODY_LIMIT_BYTES },
    services: Object.fromEntries(Object.entries({
      email: e.EMAIL_SERVICE_URL, crawler: e.CRAWLER_SERVICE_URL, analytics: e.ANALYTICS_SERVICE_URL, notification: e.NOTIFICATION_SERVICE_URL,
    }).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    logLevel: e.LOG_LEVEL,
  };
}
