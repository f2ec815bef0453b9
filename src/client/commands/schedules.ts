// `metronome schedules …`: the Temporal Schedules that start Metronome's recurring jobs.
// Flags are checked while commander parses them, so a bad value is refused (naming the flag)
// before any connection to Temporal is opened.
import { InvalidArgumentError, type Command } from 'commander';
import type { Client } from '@temporalio/client';
import { isValidTimeZone, loadConfig, type AppConfig } from '../../config';
import { validateCron } from '../../domain/cron';
import { printJson, printTable } from '../output';
import {
  applySchedules, backfillSchedule, checkBackfillWindow, deleteSchedule, describeSchedule, desiredSchedules, formatDurationMs,
  listSchedules, pauseSchedule, triggerSchedule, unpauseSchedule, updateScheduleCron,
  type ScheduleDetails, type ScheduleRun, type ScheduleState,
} from '../schedules';
import { connectTemporal } from '../temporal';

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|[+-](\d{2}):(\d{2}))$/i;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Whether the fields of an ISO date-time are in range (Date itself turns 2026-02-30 into 2 March). */
function isRealDateTime(match: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second = 0, offsetHours = 0, offsetMinutes = 0] = match.slice(1).map((v) => (v === undefined ? undefined : Number(v)));
  if (year === undefined || month === undefined || day === undefined || hour === undefined || minute === undefined) return false;
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)
    && hour <= 23 && minute <= 59 && second <= 59 && offsetHours <= 23 && offsetMinutes <= 59;
}

/**
 * A commander argument parser for an ISO 8601 date-time flag. The offset is required: a bare
 * "2026-12-01T00:00" would silently mean the machine's zone, which differs between laptops and servers.
 */
export function parseIsoDateTime(flag: string): (value: string) => Date {
  return (value) => {
    const match = ISO_DATE_TIME.exec(value.trim());
    const date = match && isRealDateTime(match) ? new Date(value.trim()) : undefined;
    if (!date || Number.isNaN(date.getTime())) {
      throw new InvalidArgumentError(`${flag} must be an ISO 8601 date-time such as 2026-12-01T00:00:00Z, got "${value}"`);
    }
    return date;
  };
}

export function parseCronOption(value: string): string {
  const check = validateCron(value);
  if (!check.ok) throw new InvalidArgumentError(`--cron "${value}" is not a valid cron expression: ${check.problem}`);
  return value.trim().split(/\s+/).join(' ');
}

export function parseTimeZoneOption(value: string): string {
  if (!isValidTimeZone(value)) throw new InvalidArgumentError(`--timezone must be an IANA time zone such as Europe/Paris or UTC, got "${value}"`);
  return value;
}

/** Connects, runs, and always closes the connection (a left-open connection keeps node alive). */
async function withTemporal<T>(work: (client: Client, config: AppConfig) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const temporal = await connectTemporal(config);
  try {
    return await work(temporal.client, config);
  } finally {
    await temporal.close();
  }
}

function write(text: string): void {
  process.stdout.write(`${text}\n`);
}

function runLabel(run: ScheduleRun | undefined): string | undefined {
  return run ? `${run.workflowId} (taken ${run.takenAt})` : undefined;
}

function showDetails(d: ScheduleDetails): void {
  printTable([
    { field: 'schedule', value: d.scheduleId },
    { field: 'description', value: d.description },
    { field: 'spec', value: d.spec },
    { field: 'time zone', value: d.timezone },
    { field: 'state', value: d.paused ? 'PAUSED' : 'active' },
    { field: 'note', value: d.note },
    { field: 'workflow', value: `${d.workflowType} id ${d.workflowId ?? '-'}-<scheduled time> on ${d.taskQueue ?? '-'}` },
    { field: 'args', value: JSON.stringify(d.args) },
    { field: 'job', value: d.job },
    { field: 'overlap', value: d.overlap },
    { field: 'catch-up window', value: formatDurationMs(d.catchupWindowMs) },
    { field: 'pause on failure', value: String(d.pauseOnFailure) },
    { field: 'actions', value: `${d.numActionsTaken} taken, ${d.numActionsSkippedOverlap} skipped (overlap), ${d.numActionsMissedCatchupWindow} missed (catch-up window)` },
    // Temporal tracks only runs whose overlap policy needs it: not triggers and backfills (ALLOW_ALL).
    { field: 'running (tracked)', value: d.runningWorkflowIds.join(', ') || 'none' },
    { field: 'created', value: d.createdAt },
    { field: 'updated', value: d.lastUpdatedAt },
  ]);
  write(`\nnext runs (${d.timezone}):`);
  if (d.nextRunTimes.length === 0) write('  none: the spec matches no future time');
  printTable(d.nextRunTimes.map((utc, i) => ({ local: d.nextRunTimesLocal[i], utc })));
  write('\nrecent actions:');
  if (d.recentActions.length === 0) write('  none yet');
  printTable(d.recentActions.map((a) => ({ scheduled: a.scheduledAt, taken: a.takenAt, workflow: a.workflowId })));
}

function showState(state: ScheduleState): void {
  write(`schedule "${state.scheduleId}" is ${state.paused ? 'paused' : 'active'}${state.note ? ` (note: ${state.note})` : ''}`);
}

function jsonOption(command: Command): Command {
  return command.option('--json', 'print the result as one JSON line');
}

export function registerSchedulesCommand(program: Command): void {
  const schedules = program.command('schedules').description('the Temporal Schedules that start the recurring jobs (monthly invitations, …)');

  jsonOption(schedules.command('apply')
    .description('create or update the Schedules from the configuration (harmless to repeat: unchanged ones are left alone)'))
    .action(async (options: { json?: boolean }) => {
      const results = await withTemporal((client, config) => applySchedules(client, desiredSchedules(config)));
      if (options.json) return printJson(results);
      printTable(results.map((r) => ({ schedule: r.scheduleId, action: r.action })));
    });

  jsonOption(schedules.command('list').description('every Schedule in the namespace with its spec, state and next run'))
    .action(async (options: { json?: boolean }) => {
      const items = await withTemporal((client) => listSchedules(client));
      if (options.json) return printJson(items);
      if (items.length === 0) return write('no schedules (run `metronome schedules apply` to create them)');
      printTable(items.map((s) => ({
        schedule: s.scheduleId,
        state: s.paused ? 'PAUSED' : 'active',
        spec: s.spec,
        zone: s.timezone,
        'next run': s.nextRunTimesLocal[0],
        'last action': runLabel(s.lastAction),
      })));
    });

  jsonOption(schedules.command('describe').argument('<id>', 'schedule id')
    .description('spec, state, policies, the next 5 run times and the recent actions of a Schedule'))
    .action(async (id: string, options: { json?: boolean }) => {
      const details = await withTemporal((client) => describeSchedule(client, id));
      if (options.json) return printJson(details);
      showDetails(details);
    });

  jsonOption(schedules.command('pause').argument('<id>', 'schedule id')
    .option('--note <text>', 'why it is paused (shown by describe and in the Temporal UI)')
    .description('stop taking scheduled actions (trigger and backfill still run)'))
    .action(async (id: string, options: { note?: string; json?: boolean }) => {
      const state = await withTemporal((client) => pauseSchedule(client, id, options.note));
      if (options.json) return printJson(state);
      showState(state);
    });

  jsonOption(schedules.command('unpause').argument('<id>', 'schedule id')
    .option('--note <text>', 'why it is resumed')
    .description('take scheduled actions again (missed slots older than the catch-up window are not run: use backfill)'))
    .action(async (id: string, options: { note?: string; json?: boolean }) => {
      const state = await withTemporal((client) => unpauseSchedule(client, id, options.note));
      if (options.json) return printJson(state);
      showState(state);
    });

  jsonOption(schedules.command('trigger').argument('<id>', 'schedule id')
    .description('run the action now, even if a previous run is still going or the Schedule is paused'))
    .action(async (id: string, options: { json?: boolean }) => {
      const result = await withTemporal((client) => triggerSchedule(client, id));
      if (options.json) return printJson(result);
      if (result.paused) process.stderr.write(`note: "${id}" is paused; a manual trigger runs anyway\n`);
      write(result.workflowId
        ? `triggered "${id}": started workflow ${result.workflowId}`
        : `triggered "${id}" at ${result.triggeredAt}; the run was not reported yet (see \`metronome schedules describe ${id}\`)`);
    });

  jsonOption(schedules.command('backfill').argument('<id>', 'schedule id')
    .requiredOption('--from <iso>', 'start of the window, e.g. 2026-12-01T00:00:00Z (included)', parseIsoDateTime('--from'))
    .requiredOption('--to <iso>', 'end of the window, e.g. 2026-12-31T23:59:59Z (included)', parseIsoDateTime('--to'))
    .description('take the actions of every slot in the window now, as if that time were passing'))
    .action(async (id: string, options: { from: Date; to: Date; json?: boolean }) => {
      checkBackfillWindow(options.from, options.to);
      const result = await withTemporal((client) => backfillSchedule(client, id, { from: options.from, to: options.to }));
      if (options.json) return printJson(result);
      write(`backfill of "${id}" requested from ${result.from} to ${result.to}: one run per slot in the window (see \`metronome schedules describe ${id}\`)`);
    });

  jsonOption(schedules.command('update').argument('<id>', 'schedule id')
    .requiredOption('--cron <expr>', '5-field cron: minute hour day-of-month month day-of-week, e.g. "0 18 5 * *"', parseCronOption)
    .option('--timezone <zone>', 'IANA time zone (default: keep the current one)', parseTimeZoneOption)
    .description('change when a Schedule runs; action, policies and pause state are kept. `apply` restores the configured cron'))
    .action(async (id: string, options: { cron: string; timezone?: string; json?: boolean }) => {
      const details = await withTemporal((client) => updateScheduleCron(client, id, { cron: options.cron, timezone: options.timezone }));
      if (options.json) return printJson(details);
      const next = details.nextRunTimesLocal[0];
      write(`schedule "${id}" now runs "${details.spec}" in ${details.timezone}; next run ${next ?? 'never'}`);
    });

  jsonOption(schedules.command('delete').argument('<id>', 'schedule id')
    .description('delete a Schedule (runs it already started keep running)'))
    .action(async (id: string, options: { json?: boolean }) => {
      const result = await withTemporal((client) => deleteSchedule(client, id));
      if (options.json) return printJson(result);
      write(`deleted schedule "${result.scheduleId}"`);
    });
}
