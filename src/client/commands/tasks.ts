// `metronome tasks schedule | list | get | cancel | reschedule`: one-off tasks at a wall-clock
// time in a zone (src/services/tasks.ts does the work; this file maps flags and errors).
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config';
import { closeDatabase, connectDatabase } from '../../db/connection';
import { TASK_STATUSES } from '../../domain/tasks';
import { DST_GAP_POLICIES, DST_OVERLAP_POLICIES } from '../../domain/wall-clock';
import {
  cancelTask, getTask, listTasks, rescheduleTask, resolveWhen, scheduleTask, TaskServiceError, validateScheduleRequest,
  type ScheduleTaskRequest, type TaskServiceDeps, type TaskView,
} from '../../services/tasks';
import { printJson, printTable, UserError } from '../output';
import { connectTemporal, workflowUrl } from '../temporal';

/** The flag a service field comes from, so every refusal names what the user typed. */
const FLAG_OF: Record<string, string> = {
  ownerId: '--owner', name: '--name', at: '--at', zone: '--zone', dstGap: '--dst-gap', dstOverlap: '--dst-overlap',
  'http.url': '--http-url', 'http.method': '--method', 'http.headers': '--header', 'http.body': '--body',
  'mail.to': '--mail-to', 'mail.subject': '--subject', 'mail.text': '--text', action: '--http-url or --mail-to',
  timeoutSeconds: '--timeout', maxAttempts: '--max-attempts', status: '--status', from: '--from', to: '--to', limit: '--limit', id: '<id>',
};

function userError(error: unknown): unknown {
  if (!(error instanceof TaskServiceError)) return error;
  if (error.problem === 'invalid-input' && error.field) return new UserError(`${FLAG_OF[error.field] ?? error.field}: ${error.message}`);
  return new UserError(error.message);
}

function choice(allowed: readonly string[]) {
  return (value: string): string => {
    if (!allowed.includes(value)) throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}, got "${value}"`);
    return value;
  };
}

function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

function collectHeader(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const index = value.indexOf(':');
  if (index <= 0) throw new InvalidArgumentError(`expected name:value, got "${value}"`);
  return { ...previous, [value.slice(0, index).trim()]: value.slice(index + 1).trim() };
}

const INSTANT_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;
function instant(value: string): Date {
  const ms = INSTANT_RE.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new InvalidArgumentError(`expected a date (2027-03-28, UTC) or an instant with its offset (2027-03-28T01:00Z, 2027-03-28T03:00+02:00), got "${value}"`);
  return new Date(ms);
}

async function withDeps<T>(work: (deps: TaskServiceDeps) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await connectDatabase(config.mongodbUri, { appName: 'metronome-cli' });
  try {
    const temporal = await connectTemporal(config);
    try {
      return await work({ db, temporal: temporal.client, config });
    } finally {
      await temporal.close();
    }
  } catch (error) {
    throw userError(error);
  } finally {
    await closeDatabase(db);
  }
}

function describeWhen(t: TaskView): string {
  return `${t.local} ${t.zone} = ${t.runAt}`;
}

function describeAction(t: TaskView): string {
  return t.action.kind === 'http' ? `${t.action.method} ${t.action.url}` : `mail to ${t.action.to}`;
}

function printTask(t: TaskView): void {
  const lines: [string, string | number | undefined][] = [
    ['id', t.id], ['name', t.name], ['owner', t.ownerId], ['status', t.status], ['when', describeWhen(t)], ['resolution', t.resolution],
    ['note', t.note], ['action', describeAction(t)], ['attempts', `${t.attempts} of at most ${t.policy.maxAttempts} (timeout ${t.policy.timeoutSeconds}s each)`],
    ['workflow', t.workflowId], ['started', t.startedAt], ['finished', t.finishedAt], ['cancelled', t.cancelledAt],
    ['result', t.result ? JSON.stringify(t.result) : undefined], ['error', t.error],
  ];
  for (const [k, v] of lines) if (v !== undefined) process.stdout.write(`${`${k}:`.padEnd(12)}${v}\n`);
}

interface ScheduleOptions {
  at: string; zone: string; owner: string; name?: string;
  httpUrl?: string; method?: string; header?: Record<string, string>; body?: string;
  mailTo?: string; subject?: string; text?: string;
  dstGap?: string; dstOverlap?: string; timeout?: number; maxAttempts?: number; json?: boolean;
}

function scheduleRequest(o: ScheduleOptions): ScheduleTaskRequest {
  const httpOnly = (['method', 'header', 'body'] as const).filter((k) => o[k] !== undefined);
  if (o.httpUrl === undefined && httpOnly.length) throw new UserError(`--${httpOnly[0]!}: only goes with --http-url`);
  const mailOnly = (['subject', 'text'] as const).filter((k) => o[k] !== undefined);
  if (o.mailTo === undefined && mailOnly.length) throw new UserError(`--${mailOnly[0]!}: only goes with --mail-to`);
  if (o.httpUrl !== undefined && o.mailTo !== undefined) throw new UserError('--http-url and --mail-to: give one action, not both');
  if (o.httpUrl === undefined && o.mailTo === undefined) throw new UserError('--http-url or --mail-to: say what to run (an HTTP call, or a mail with --subject and --text)');
  return {
    ownerId: o.owner, at: o.at, zone: o.zone,
    ...(o.name !== undefined ? { name: o.name } : {}),
    ...(o.dstGap !== undefined ? { dstGap: o.dstGap } : {}),
    ...(o.dstOverlap !== undefined ? { dstOverlap: o.dstOverlap } : {}),
    ...(o.timeout !== undefined ? { timeoutSeconds: o.timeout } : {}),
    ...(o.maxAttempts !== undefined ? { maxAttempts: o.maxAttempts } : {}),
    ...(o.httpUrl !== undefined ? { http: { url: o.httpUrl, ...(o.method ? { method: o.method } : {}), ...(o.header ? { headers: o.header } : {}), ...(o.body !== undefined ? { body: o.body } : {}) } } : {}),
    ...(o.mailTo !== undefined ? { mail: { to: o.mailTo, subject: o.subject ?? '', text: o.text ?? '' } } : {}),
  };
}

export function registerTasksCommand(program: Command): void {
  const tasks = program.command('tasks').description('one-off tasks: run an HTTP call or send a mail once, at a local time in a time zone');

  tasks.command('schedule')
    .description('schedule a task at a wall-clock time in an IANA zone (DST gaps shift forward, overlaps take the first occurrence, unless told otherwise)')
    .requiredOption('--at <local-time>', 'local wall-clock time, YYYY-MM-DDTHH:mm[:ss], e.g. 2027-03-28T02:30')
    .requiredOption('--zone <zone>', 'IANA time zone, e.g. Europe/Paris')
    .requiredOption('--owner <id>', 'who the task belongs to')
    .option('--name <name>', 'a name to find it by (default: what it runs)')
    .option('--http-url <url>', 'action: call this http(s) URL (success = a 2xx answer)')
    .option('--method <method>', 'HTTP method (default GET, POST with --body)')
    .option('--header <name:value>', 'HTTP header, repeatable', collectHeader)
    .option('--body <text>', 'HTTP request body')
    .option('--mail-to <address>', 'action: send a mail to this address through the worker\'s mailer')
    .option('--subject <text>', 'subject of the mail')
    .option('--text <text>', 'text of the mail')
    .option('--dst-gap <policy>', `a local time that does not exist (spring forward): ${DST_GAP_POLICIES.join(' | ')} (default shift)`, choice(DST_GAP_POLICIES))
    .option('--dst-overlap <policy>', `a local time that happens twice (fall back): ${DST_OVERLAP_POLICIES.join(' | ')} (default earlier)`, choice(DST_OVERLAP_POLICIES))
    .option('--timeout <seconds>', 'start-to-close timeout of one attempt (default 30)', wholeNumber(1, 3600))
    .option('--max-attempts <n>', 'attempts before the task fails (default 5)', wholeNumber(1, 100))
    .option('--json', 'print the task as JSON')
    .action(async (options: ScheduleOptions) => {
      const request = scheduleRequest(options);
      // Refuse bad input before connecting to anything (the service checks again).
      try {
        validateScheduleRequest(request, new Date());
      } catch (error) {
        throw userError(error);
      }
      const task = await withDeps((deps) => scheduleTask(deps, request));
      if (options.json) return printJson(task);
      process.stdout.write(`task ${task.id} scheduled: ${describeAction(task)} at ${describeWhen(task)}\n`);
      if (task.note) process.stdout.write(`note: ${task.note}\n`);
      process.stdout.write(`workflow ${task.workflowId}: ${workflowUrl(loadConfig(), task.workflowId)}\n`);
    });

  tasks.command('list')
    .description('list tasks by run time, filtered by owner, status and a range of run times')
    .option('--owner <id>', 'only this owner\'s tasks')
    .option('--status <status>', TASK_STATUSES.join(' | '), choice(TASK_STATUSES))
    .option('--from <instant>', 'run time from (inclusive), e.g. 2027-03-28 or 2027-03-28T01:00Z', instant)
    .option('--to <instant>', 'run time before (exclusive)', instant)
    .option('--limit <n>', 'at most this many (default 100)', wholeNumber(1, 10_000))
    .option('--json', 'print the tasks as JSON')
    .action(async (options: { owner?: string; status?: string; from?: Date; to?: Date; limit?: number; json?: boolean }) => {
      if (options.from && options.to && options.from.getTime() > options.to.getTime()) throw new UserError(`--from: ${options.from.toISOString()} is after --to ${options.to.toISOString()}`);
      const list = await withDeps((deps) => listTasks(deps, {
        ...(options.owner !== undefined ? { ownerId: options.owner } : {}),
        ...(options.status !== undefined ? { status: options.status } : {}),
        ...(options.from ? { from: options.from } : {}),
        ...(options.to ? { to: options.to } : {}),
        ...(options.limit !== undefined ? { limit: options.limit } : {}),
      }));
      if (options.json) return printJson(list);
      if (list.length === 0) return void process.stdout.write('no tasks\n');
      printTable(list.map((t) => ({ id: t.id, owner: t.ownerId, name: t.name, status: t.status, local: t.local, zone: t.zone, 'run at (utc)': t.runAt, attempts: t.attempts })));
    });

  tasks.command('get')
    .description('one task: when, what, status, attempts, result or error')
    .argument('<id>', 'task id')
    .option('--json', 'print the task as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const task = await withDeps((deps) => getTask(deps, id));
      if (options.json) return printJson(task);
      printTask(task);
    });

  tasks.command('cancel')
    .description('cancel a task before it fires (its action will never run)')
    .argument('<id>', 'task id')
    .option('--reason <text>', 'why (kept on the task)', 'cancelled by an operator')
    .option('--json', 'print the task as JSON')
    .action(async (id: string, options: { reason: string; json?: boolean }) => {
      const task = await withDeps((deps) => cancelTask(deps, id, options.reason));
      if (options.json) return printJson(task);
      process.stdout.write(`task ${task.id} cancelled (it was due at ${describeWhen(task)})\n`);
    });

  tasks.command('reschedule')
    .description('move a task to another local time before it fires (its workflow resets its timer)')
    .argument('<id>', 'task id')
    .requiredOption('--at <local-time>', 'new local wall-clock time, YYYY-MM-DDTHH:mm[:ss]')
    .option('--zone <zone>', 'IANA time zone (default: the task\'s)')
    .option('--dst-gap <policy>', DST_GAP_POLICIES.join(' | '), choice(DST_GAP_POLICIES))
    .option('--dst-overlap <policy>', DST_OVERLAP_POLICIES.join(' | '), choice(DST_OVERLAP_POLICIES))
    .option('--json', 'print the task as JSON')
    .action(async (id: string, options: { at: string; zone?: string; dstGap?: string; dstOverlap?: string; json?: boolean }) => {
      const request = {
        at: options.at,
        ...(options.zone !== undefined ? { zone: options.zone } : {}),
        ...(options.dstGap !== undefined ? { dstGap: options.dstGap } : {}),
        ...(options.dstOverlap !== undefined ? { dstOverlap: options.dstOverlap } : {}),
      };
      if (options.zone !== undefined) {
        try {
          resolveWhen({ ...request, zone: options.zone }, new Date());
        } catch (error) {
          throw userError(error);
        }
      }
      const task = await withDeps((deps) => rescheduleTask(deps, id, request));
      if (options.json) return printJson(task);
      process.stdout.write(`task ${task.id} rescheduled to ${describeWhen(task)}\n`);
      if (task.note) process.stdout.write(`note: ${task.note}\n`);
    });
}
