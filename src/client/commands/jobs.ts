// `metronome jobs …`: the job registry (seed 002) from the command line. Same services as the
// HTTP API (src/services/job-registry.ts), called directly; an operator at the CLI acts as admin
// (a manual trigger is recorded as triggeredBy "admin"), naming the organisation with --org.
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { Connection } from 'mongoose';
import { loadConfig } from '../../config';
import { closeDatabase, connectDatabase } from '../../db/connection';
import {
  deleteJob, getJob, historyQuerySchema, jobHistory, jobNameSchema, jobStats, listJobs, orgIdSchema, parseRegistration, registerJob,
  RegistryError, setJobEnabled, triggerJob, updateCronSchema, updateJobCron, fieldProblems, type JobView, type RegistryDeps,
} from '../../services/job-registry';
import { printJson, printTable, UserError } from '../output';
import { connectTemporal } from '../temporal';

/** The flag each registration field comes from, so errors name what the user typed. */
const FLAG_OF: Record<string, string> = {
  name: '--name', displayName: '--display-name', description: '--description', cronExpression: '--cron', timezone: '--timezone',
  enabled: '--disabled', jobType: '--job-type', service: '--service', endpoint: '--endpoint', config: '--config',
  timeoutMs: '--timeout-ms', maxRetries: '--max-retries', orgId: '--org', page: '--page', limit: '--limit', status: '--status',
};

function flagOf(field: string): string {
  const [head = field, ...rest] = field.split('.');
  return FLAG_OF[head] ? `${FLAG_OF[head]}${rest.length ? ` (${rest.join('.')})` : ''}` : field;
}

function userErrorOf(error: RegistryError): UserError {
  if (error.fields.length === 0) return new UserError(error.message);
  return new UserError(error.fields.map((f) => `${flagOf(f.field)}: ${f.message}`).join('; '));
}

function checkOrg(org: string): string {
  const parsed = orgIdSchema.safeParse(org);
  if (!parsed.success) throw new UserError(`--org "${org}" is not valid: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

function checkName(name: string): string {
  const parsed = jobNameSchema.safeParse(name);
  if (!parsed.success) throw new UserError(`<name> "${name}" is not valid: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

function wholeNumberOrText(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  return /^-?\d+$/.test(value.trim()) ? Number(value) : value;
}

async function withRegistry<T>(work: (deps: RegistryDeps) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db: Connection = await connectDatabase(config.mongodbUri, { appName: 'metronome-cli' });
  try {
    const temporal = await connectTemporal(config);
    try {
      return await work({ db, temporal: temporal.client, config });
    } finally {
      await temporal.close();
    }
  } catch (error) {
    if (error instanceof RegistryError) throw userErrorOf(error);
    throw error;
  } finally {
    await closeDatabase(db);
  }
}

function write(text: string): void {
  process.stdout.write(`${text}\n`);
}

function showJob(job: JobView): void {
  printTable([
    { field: 'job', value: `${job.orgId}/${job.name}` },
    { field: 'display name', value: job.displayName },
    { field: 'description', value: job.description },
    { field: 'state', value: job.schedule === 'missing' ? 'SCHEDULE MISSING (register again)' : job.enabled ? 'enabled' : 'disabled' },
    { field: 'cron', value: job.cronExpression },
    { field: 'time zone', value: job.timezone },
    { field: 'next run', value: job.nextRunAtLocal },
    { field: 'endpoint', value: job.service ? `${job.service} ${job.endpoint}` : job.endpoint },
    { field: 'config', value: JSON.stringify(job.config) },
    { field: 'timeout', value: `${job.timeoutMs} ms` },
    { field: 'retries', value: job.maxRetries },
    { field: 'schedule', value: job.scheduleId },
  ]);
}

const json = (c: Command) => c.option('--json', 'print the result as one JSON line');
const org = (c: Command) => c.requiredOption('--org <id>', 'the organisation the job belongs to');

export function registerJobsCommand(program: Command): void {
  const jobs = program.command('jobs').description('jobs registered by services (seed 002): Metronome POSTs a JobContext to their endpoint on a cron');

  json(org(jobs.command('register'))
    .description('register a job, or update the one of that name (its Schedule keeps its id)')
    .requiredOption('--name <name>', 'job name, unique in the organisation')
    .requiredOption('--cron <expr>', '5-field cron: minute hour day-of-month month day-of-week')
    .requiredOption('--endpoint <url>', 'absolute URL, or a path under the --service base URL')
    .option('--service <name>', 'owning service: email-service, crawler-service, analytics-service, notification-service (base URL from <NAME>_SERVICE_URL)')
    .option('--timezone <zone>', 'IANA time zone of the cron', 'UTC')
    .option('--display-name <text>', 'human-readable name')
    .option('--description <text>', 'what the job does')
    .option('--job-type <text>', 'category')
    .option('--config <json>', 'JSON object sent to the endpoint as JobContext.config')
    .option('--timeout-ms <n>', 'per-attempt timeout in ms (1000-3600000, default 30000)')
    .option('--max-retries <n>', 'retries after a failed attempt, with exponential backoff (0-10, default 3)')
    .option('--disabled', 'register it paused')
    .option('--enabled', 'enable it (an existing job otherwise keeps its state)'))
    .action(async (options: {
      org: string; name: string; cron: string; endpoint: string; service?: string; timezone: string; displayName?: string; description?: string;
      jobType?: string; config?: string; timeoutMs?: string; maxRetries?: string; disabled?: boolean; enabled?: boolean; json?: boolean;
    }) => {
      const orgId = checkOrg(options.org);
      if (options.disabled && options.enabled) throw new UserError('--disabled and --enabled exclude each other');
      let config: unknown;
      if (options.config !== undefined) {
        try {
          config = JSON.parse(options.config);
        } catch {
          throw new UserError(`--config must be a JSON object such as '{"batchSize":100}', got ${JSON.stringify(options.config)}`);
        }
      }
      let input;
      try {
        input = parseRegistration({
          name: options.name, cronExpression: options.cron, endpoint: options.endpoint, timezone: options.timezone,
          ...(options.service !== undefined && { service: options.service }),
          ...(options.displayName !== undefined && { displayName: options.displayName }),
          ...(options.description !== undefined && { description: options.description }),
          ...(options.jobType !== undefined && { jobType: options.jobType }),
          ...(config !== undefined && { config }),
          ...(options.timeoutMs !== undefined && { timeoutMs: wholeNumberOrText(options.timeoutMs) }),
          ...(options.maxRetries !== undefined && { maxRetries: wholeNumberOrText(options.maxRetries) }),
          ...(options.disabled && { enabled: false }),
          ...(options.enabled && { enabled: true }),
        });
      } catch (error) {
        if (error instanceof RegistryError) throw userErrorOf(error);
        throw error;
      }
      const result = await withRegistry((deps) => registerJob(deps, orgId, input));
      if (options.json) return printJson(result);
      write(`${result.created ? 'registered' : 'updated'} job "${result.job.name}" of "${orgId}": ${result.job.cronExpression} ${result.job.timezone}, ${result.job.enabled ? 'enabled' : 'disabled'}; next run ${result.job.nextRunAtLocal ?? 'none'}`);
    });

  json(jobs.command('list').description('registered jobs with their state and next run')
    .option('--org <id>', 'only this organisation (default: every organisation)'))
    .action(async (options: { org?: string; json?: boolean }) => {
      const orgId = options.org === undefined ? undefined : checkOrg(options.org);
      const items = await withRegistry((deps) => listJobs(deps, orgId));
      if (options.json) return printJson(items);
      if (items.length === 0) return write('no jobs registered');
      printTable(items.map((j) => ({
        org: j.orgId, job: j.name, state: j.schedule === 'missing' ? 'MISSING' : j.enabled ? 'enabled' : 'disabled',
        cron: j.cronExpression, zone: j.timezone, 'next run': j.nextRunAtLocal, endpoint: j.endpoint,
      })));
    });

  json(org(jobs.command('get').argument('<name>', 'job name').description('one job: registration, Schedule state, next run')))
    .action(async (name: string, options: { org: string; json?: boolean }) => {
      const [orgId, jobName] = [checkOrg(options.org), checkName(name)];
      const job = await withRegistry((deps) => getJob(deps, orgId, jobName));
      if (options.json) return printJson(job);
      showJob(job);
    });

  json(org(jobs.command('trigger').argument('<name>', 'job name').description('run the job now (recorded as triggered by admin)')
    .option('--user <name>', 'who asked (JobContext.triggeredByUser; default: your login name)')))
    .action(async (name: string, options: { org: string; user?: string; json?: boolean }) => {
      const [orgId, jobName] = [checkOrg(options.org), checkName(name)];
      const user = options.user ?? userInfo().username;
      if (user.length === 0 || user.length > 200) throw new UserError('--user must be 1-200 characters');
      const result = await withRegistry((deps) => triggerJob(deps, orgId, jobName, { triggeredBy: 'admin', triggeredByUser: user }));
      if (options.json) return printJson(result);
      write(`triggered "${jobName}" of "${orgId}": workflow ${result.workflowId}, execution ${result.executionId}`);
    });

  for (const [command, enabled] of [['enable', true], ['disable', false]] as const) {
    json(org(jobs.command(command).argument('<name>', 'job name')
      .description(enabled ? 'unpause the job\'s Schedule' : 'pause the job\'s Schedule (manual triggers still run)')
      .option('--note <text>', 'why (shown in the Temporal UI)')))
      .action(async (name: string, options: { org: string; note?: string; json?: boolean }) => {
        const [orgId, jobName] = [checkOrg(options.org), checkName(name)];
        const job = await withRegistry((deps) => setJobEnabled(deps, orgId, jobName, enabled, options.note));
        if (options.json) return printJson(job);
        write(`job "${jobName}" of "${orgId}" is ${job.enabled ? 'enabled' : 'disabled'}`);
      });
  }

  json(org(jobs.command('delete').argument('<name>', 'job name').description('delete the job and its Schedule (run history stays)')))
    .action(async (name: string, options: { org: string; json?: boolean }) => {
      const [orgId, jobName] = [checkOrg(options.org), checkName(name)];
      const result = await withRegistry((deps) => deleteJob(deps, orgId, jobName));
      if (options.json) return printJson(result);
      write(`deleted job "${jobName}" of "${orgId}"`);
    });

  json(org(jobs.command('cron').argument('<name>', 'job name').description('change when the job runs')
    .requiredOption('--cron <expr>', '5-field cron expression')
    .option('--timezone <zone>', 'IANA time zone (default: keep the current one)')))
    .action(async (name: string, options: { org: string; cron: string; timezone?: string; json?: boolean }) => {
      const [orgId, jobName] = [checkOrg(options.org), checkName(name)];
      const parsed = updateCronSchema.safeParse({ cronExpression: options.cron, ...(options.timezone !== undefined && { timezone: options.timezone }) });
      if (!parsed.success) throw userErrorOf(new RegistryError('invalid', 'invalid cron change', fieldProblems(parsed.error)));
      const job = await withRegistry((deps) => updateJobCron(deps, orgId, jobName, parsed.data));
      if (options.json) return printJson(job);
      write(`job "${jobName}" of "${orgId}" now runs "${job.cronExpression}" in ${job.timezone}; next run ${job.nextRunAtLocal ?? 'none'}`);
    });

  json(org(jobs.command('history').argument('<name>', 'job name').description('the job\'s runs, newest first')
    .option('--page <n>', 'page number, from 1', '1')
    .option('--limit <n>', 'runs per page, 1-100', '20')
    .option('--status <status>', 'completed or failed')))
    .action(async (name: string, options: { org: string; page: string; limit: string; status?: string; json?: boolean }) => {
      const [orgId, jobName] = [checkOrg(options.org), checkName(name)];
      const parsed = historyQuerySchema.safeParse({ page: options.page, limit: options.limit, ...(options.status !== undefined && { status: options.status }) });
      if (!parsed.success) throw userErrorOf(new RegistryError('invalid', 'invalid history query', fieldProblems(parsed.error)));
      const page = await withRegistry((deps) => jobHistory(deps, orgId, jobName, parsed.data));
      if (options.json) return printJson(page);
      if (page.items.length === 0) return write(`no runs of "${jobName}" on page ${page.page} (${page.total} in all)`);
      printTable(page.items.map((r) => ({
        started: r.startedAt, status: r.status, by: r.triggeredBy, ms: r.durationMs, processed: r.itemsProcessed, failed: r.itemsFailed, error: r.error?.slice(0, 80),
      })));
      write(`page ${page.page} of ${page.pages} (${page.total} runs)`);
    });

  json(org(jobs.command('stats').argument('<name>', 'job name').description('run counts, success rate, durations, item totals')))
    .action(async (name: string, options: { org: string; json?: boolean }) => {
      const [orgId, jobName] = [checkOrg(options.org), checkName(name)];
      const stats = await withRegistry((deps) => jobStats(deps, orgId, jobName));
      if (options.json) return printJson(stats);
      printTable(Object.entries(stats).map(([field, value]) => ({ field, value: value === null ? '-' : String(value) })));
    });
}
