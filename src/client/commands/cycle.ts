import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config';
import { closeDatabase, connectDatabase } from '../../db/connection';
import { assertMonth, monthOf } from '../../domain/month';
import { cycleStatus, startCycle } from '../cycle';
import { describeStats, waitForCycle } from '../cycle-progress';
import { printJson } from '../output';
import { connectTemporal, workflowUrl } from '../temporal';

export function parseMonth(value: string): string {
  try {
    return assertMonth(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

const say = (line: string) => process.stdout.write(`${line}\n`);

export function registerCycleCommand(program: Command): void {
  const cycle = program.command('cycle').description('the monthly invitation cycle');

  cycle.command('run')
    .description('start the cycle of a month now (running it again sends nothing new)')
    .option('--month <YYYY-MM>', 'the month (default: the current month in SCHEDULER_TIMEZONE)', parseMonth)
    .option('--wait', 'show progress and return when the sending is done (not the reminders)')
    .option('--json', 'print the stats object as the last line')
    .action(async (options: { month?: string; wait?: boolean; json?: boolean }) => {
      const config = loadConfig();
      const month = options.month ?? monthOf(new Date(), config.schedule.timezone);
      const temporal = await connectTemporal(config);
      try {
        const started = await startCycle(temporal.client, config, month);
        if (!options.json) say(`cycle ${started.workflowId} ${started.alreadyRunning ? 'is already running' : 'started'} — ${workflowUrl(config, started.workflowId)}`);
        if (!options.wait) {
          if (options.json) printJson({ workflowId: started.workflowId, alreadyRunning: started.alreadyRunning });
          return;
        }
        const db = await connectDatabase(config.mongodbUri, { appName: 'metronome-cli' });
        try {
          const stats = await waitForCycle(started.handle, db, month, !options.json && Boolean(process.stderr.isTTY));
          if (options.json) printJson(stats);
          else say(`done: ${describeStats(stats)}`);
        } finally {
          await closeDatabase(db);
        }
      } finally {
        await temporal.close();
      }
    });

  cycle.command('status')
    .description("a month's cycle: workflow state, progress, and the invitations by status")
    .option('--month <YYYY-MM>', 'the month (default: the current month)', parseMonth)
    .option('--json', 'print the status as JSON')
    .action(async (options: { month?: string; json?: boolean }) => {
      const config = loadConfig();
      const month = options.month ?? monthOf(new Date(), config.schedule.timezone);
      const temporal = await connectTemporal(config);
      const db = await connectDatabase(config.mongodbUri, { appName: 'metronome-cli' });
      try {
        const status = await cycleStatus(temporal.client, db, month);
        if (options.json) return printJson(status);
        say(`cycle ${status.workflowId}: ${status.workflowStatus ?? 'never started'}`);
        if (status.progress) say(`  phase ${status.progress.phase}, chunks ${status.progress.chunksDone}/${status.progress.chunksTotal}`);
        if (status.result) say(`  result: ${JSON.stringify(status.result)}`);
        say(`  invitations: ${status.counts.total} (${Object.entries(status.counts.byStatus).map(([s, n]) => `${s} ${n}`).join(', ') || 'none'})`);
      } finally {
        await closeDatabase(db);
        await temporal.close();
      }
    });
}
