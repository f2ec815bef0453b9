import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config';

function problemsFor(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('expected the configuration to be refused');
}

describe('configuration from the environment', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    assert.deepEqual(config.schedule, { monthlyJobDay: 5, monthlyJobHour: 18, timezone: 'Europe/Paris' });
    assert.equal(config.performance.userBatchSize, 50);
    assert.equal(config.performance.invitationBatchSize, 100);
    assert.equal(config.performance.maxConcurrentBatches, 4);
    assert.equal(config.performance.activityTimeoutMs, 300_000);
    assert.equal(config.performance.maxMemoryMb, 512);
    assert.equal(config.reminders.firstAfterDays, 3);
    assert.equal(config.reminders.secondAfterDays, 7);
    assert.equal(config.reminders.localHour, undefined);
    assert.equal(config.cleanup.expiredTokenRetentionDays, 90);
    assert.equal(config.cleanup.metricsRetentionHours, 72);
    assert.equal(config.alerts.errorRateThreshold, 0.05);
    assert.equal(config.alerts.memoryThreshold, 0.8);
    assert.equal(config.temporal.address, '127.0.0.1:7233');
    assert.equal(config.temporal.namespace, 'default');
    assert.equal(config.mongodbUri, 'mongodb://127.0.0.1:27017/metronome');
    assert.equal(config.mail.smtpUrl, 'smtp://127.0.0.1:1025');
    assert.equal(config.mail.maxConnections, 5);
    assert.equal(config.stack.mongoJavaStorage, 'memory');
  });

  it('reads valid values, including fractional reminder days for demos', () => {
    const config = loadConfig({
      SCHEDULER_MONTHLY_JOB_DAY: '28',
      SCHEDULER_MONTHLY_JOB_HOUR: '0',
      SCHEDULER_TIMEZONE: 'America/New_York',
      SCHEDULER_FIRST_REMINDER_DAYS: '0.0003',
      SCHEDULER_SECOND_REMINDER_DAYS: '0.0007',
      SCHEDULER_REMINDER_LOCAL_HOUR: '9',
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      MONGODB_URI: 'mongodb+srv://cluster.example.net/app',
      SMTP_URL: 'smtps://user:pw@smtp.example.net:465',
    });
    assert.equal(config.schedule.monthlyJobDay, 28);
    assert.equal(config.schedule.monthlyJobHour, 0);
    assert.equal(config.schedule.timezone, 'America/New_York');
    assert.equal(config.reminders.firstAfterDays, 0.0003);
    assert.equal(config.reminders.secondAfterDays, 0.0007);
    assert.equal(config.reminders.localHour, 9);
    assert.equal(config.temporal.address, 'temporal.internal:7233');
  });

  it('reads the CSV import settings: a duration or a seed-style cron interval, with defaults', () => {
    const defaults = loadConfig({}).imports;
    assert.deepEqual(defaults, { interval: { kind: 'every', ms: 600_000, text: '10m' }, batchSize: 1000, maxConcurrent: 5, timeoutMs: 300_000, dir: '.data/imports' });
    const config = loadConfig({ CSV_IMPORT_INTERVAL: '*/10  * * * *', CSV_IMPORT_BATCH_SIZE: '10', CSV_IMPORT_MAX_CONCURRENT: '1', CSV_IMPORT_TIMEOUT: '1000', CSV_IMPORT_DIR: '/srv/imports' });
    assert.deepEqual(config.imports, { interval: { kind: 'cron', cron: '*/10 * * * *', text: '*/10 * * * *' }, batchSize: 10, maxConcurrent: 1, timeoutMs: 1000, dir: '/srv/imports' });
    assert.deepEqual(loadConfig({ CSV_IMPORT_INTERVAL: '2h' }).imports.interval, { kind: 'every', ms: 7_200_000, text: '2h' });
    assert.deepEqual(loadConfig({ CSV_IMPORT_INTERVAL: '90s' }).imports.interval, { kind: 'every', ms: 90_000, text: '90s' });
  });

  it('treats an empty value as unset', () => {
    assert.equal(loadConfig({ SCHEDULER_BATCH_SIZE: '' }).performance.userBatchSize, 50);
  });

  const refused: [string, string, RegExp][] = [
    ['SCHEDULER_MONTHLY_JOB_DAY', '31', /from 1 to 28/],
    ['SCHEDULER_MONTHLY_JOB_DAY', '0', /from 1 to 28/],
    ['SCHEDULER_MONTHLY_JOB_DAY', '5.5', /whole number/],
    ['SCHEDULER_MONTHLY_JOB_DAY', 'fifth', /whole number/],
    ['SCHEDULER_MONTHLY_JOB_HOUR', '24', /from 0 to 23/],
    ['SCHEDULER_TIMEZONE', 'Mars/Olympus', /IANA time zone/],
    ['SCHEDULER_BATCH_SIZE', '-1', /whole number/],
    ['SCHEDULER_INVITATION_BATCH_SIZE', '100000', /from 1 to 1000/],
    ['SCHEDULER_MAX_WORKERS', '0', /from 1 to 64/],
    ['SCHEDULER_WORKER_TIMEOUT', '10', /from 1000/],
    ['SCHEDULER_MAX_MEMORY_MB', 'lots', /whole number/],
    ['SCHEDULER_MAX_JOB_DURATION_HOURS', '0', /greater than 0/],
    ['SCHEDULER_FIRST_REMINDER_DAYS', '-3', /greater than 0/],
    ['SCHEDULER_SECOND_REMINDER_DAYS', '2', /greater than SCHEDULER_FIRST_REMINDER_DAYS/],
    ['SCHEDULER_REMINDER_LOCAL_HOUR', '25', /from 0 to 23/],
    ['SCHEDULER_EXPIRED_TOKEN_RETENTION_DAYS', '0', /from 1 to 3650/],
    ['SCHEDULER_METRICS_RETENTION_HOURS', 'x', /whole number/],
    // The cleanup's retentions: whole numbers in their bounds, nothing else.
    ['SCHEDULER_EXPIRED_TOKEN_RETENTION_DAYS', '3651', /from 1 to 3650/],
    ['SCHEDULER_EXPIRED_TOKEN_RETENTION_DAYS', '1.5', /whole number/],
    ['SCHEDULER_EXPIRED_TOKEN_RETENTION_DAYS', '-90', /whole number|from 1 to 3650/],
    ['SCHEDULER_METRICS_RETENTION_HOURS', '0', /from 1 to 87600/],
    ['SCHEDULER_METRICS_RETENTION_HOURS', '87601', /from 1 to 87600/],
    ['SCHEDULER_METRICS_RETENTION_HOURS', '72h', /whole number/],
    ['SCHEDULER_TIMEZONE', 'CEST', /IANA time zone/],
    ['SCHEDULER_ERROR_RATE_THRESHOLD', '1.5', /from 0 to 1/],
    ['SCHEDULER_MEMORY_ALERT_THRESHOLD', 'NaN', /greater than 0/],
    ['TEMPORAL_ADDRESS', 'localhost', /host:port/],
    ['MONGODB_URI', 'postgres://db/x', /mongodb:\/\//],
    ['SMTP_URL', 'not a url', /smtp:\/\//],
    ['SMTP_MAX_CONNECTIONS', '0', /from 1 to 100/],
    ['SMTP_MAX_CONNECTIONS', 'ten', /whole number/],
    ['LOG_LEVEL', 'loud', /one of fatal, error/],
    ['METRONOME_MONGO_JAVA_STORAGE', 'disk', /one of memory, file/],
    ['METRONOME_MONGO_JAVA_HEAP_MB', '128', /from 256 to 65536/],
    ['METRONOME_MONGO_JAVA_HEAP_MB', '4g', /whole number/],
    ['CSV_IMPORT_INTERVAL', '10', /duration from 1m to 24h/],
    ['CSV_IMPORT_INTERVAL', '30s', /duration from 1m to 24h/],
    ['CSV_IMPORT_INTERVAL', '25h', /duration from 1m to 24h/],
    ['CSV_IMPORT_INTERVAL', '*/10 * * *', /cron expression/],
    ['CSV_IMPORT_INTERVAL', '61 * * * *', /cron expression/],
    ['CSV_IMPORT_BATCH_SIZE', '0', /from 1 to 10000/],
    ['CSV_IMPORT_BATCH_SIZE', '10001', /from 1 to 10000/],
    ['CSV_IMPORT_MAX_CONCURRENT', '0', /from 1 to 64/],
    ['CSV_IMPORT_MAX_CONCURRENT', 'many', /whole number/],
    ['CSV_IMPORT_TIMEOUT', '999', /from 1000 to 86400000/],
    ['CSV_IMPORT_TIMEOUT', '5m', /whole number/],
  ];
  for (const [name, value, allowed] of refused) {
    it(`refuses ${name}=${value}, naming the variable, the value and what is allowed`, () => {
      const problems = problemsFor({ [name]: value });
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.ok(problems[0]!.startsWith(`${name}=${JSON.stringify(value)} is not allowed`), problems[0]);
      assert.match(problems[0]!, allowed);
    });
  }

  it('reports every invalid variable in one message', () => {
    try {
      loadConfig({ SCHEDULER_MONTHLY_JOB_DAY: '99', SCHEDULER_TIMEZONE: 'Nowhere' });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /SCHEDULER_MONTHLY_JOB_DAY="99"/);
      assert.match(error.message, /SCHEDULER_TIMEZONE="Nowhere"/);
    }
  });
});
