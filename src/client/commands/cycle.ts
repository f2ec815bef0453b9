import { InvalidArgumentError, type Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '../../config';
import { closeDatabase, connectDatabase } from '../../db/connection';
import { assertMonth, monthOf } from '../../domain/month';
import { countMonth, cycleStatus, startCycle } from '../cycle';
import { printJson } from '../output';
import { connectTemporal } from '../temporal';

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
        if (!options.json) say(`cycle ${started.workflowId} ${started.alreadyRunning ? 'is already running' : 'started'} — http://127.0.0.1:${config.stack.temporalUiPort}/namespaces/${config.temporal.namespace}/workflows/${started.workflowId}`);
        if (!options.wait) {
          if (options.json) printJson({ workflowId: started.workflowId, alreadyRunning: started.alreadyRunning });
          return;
        }
        const db = await connectDatabase(config.mongodbUri, { appName: 'metronome-cli' });
        const bar = options.json || !process.stderr.isTTY ? undefined : new SingleBar({ format: 'sending {bar} {value}/{total} invitations | {eta_formatted} left', stream: process.stderr }, Presets.shades_classic);
        let watching = true;
        const watch = (async () => {
          bar?.start(1, 0);
          while (watching) {
            const counts = await countMonth(db, month).catch(() => undefined);
            if (counts && bar) {
              bar.setTotal(Math.max(1, counts.total));
              bar.update(counts.handled);
            }
            await new Promise((r) => setTimeout(r, 1000));
          }
        })();
        try {
          const stats = await started.handle.result();
          watching = false;
          await watch;
          bar?.stop();
          if (options.json) printJson(stats);
          else say(`done: ${stats.users} users, ${stats.invitationsCreated} invitations created, ${stats.sent} sent, ${stats.skipped} skipped, ${stats.failed} failed, ${stats.unconfirmed} unconfirmed in ${(stats.durationMs / 1000).toFixed(1)} s`);
        } finally {
          watching = false;
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
