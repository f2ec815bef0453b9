// `npm start`: the main job on the embedded local stack, in one process (the single-process
// deployment pattern): stack up, demo data when the database is empty, a worker, the Schedules,
// and one cycle of the current month with its progress; then it keeps serving the reminders.
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { stackUp } from '../../devstack/stack';
import { connectDatabase, closeDatabase, ensureIndexes } from '../../db/connection';
import { monthOf } from '../../domain/month';
import { isDatabaseEmpty, seedDemoData } from '../../seed/demo-data';
import { createLogger } from '../../observability/logger';
import { startWorker } from '../../workers/worker';
import { startApi } from '../../api/run';
import { startCycle } from '../cycle';
import { describeStats, waitForCycle } from '../cycle-progress';
import { applySchedules, desiredSchedules } from '../schedules';
import { connectTemporal, workflowUrl } from '../temporal';
import { UserError } from '../output';
import { parseContactsPerUser, parseUserCount } from './seed';

const say = (line: string) => process.stdout.write(`metronome: ${line}\n`);

export function registerStartCommand(program: Command): void {
  program.command('start')
    .description('run Metronome on the local stack: stack up, demo data if empty, a worker, the Schedules and one cycle of this month; Ctrl-C stops the worker')
    .option('--users <n>', 'demo users to seed when the database is empty', parseUserCount, 500)
    .option('--contacts <n>', 'demo contacts per user', parseContactsPerUser, 20)
    .option('--once', 'stop after the cycle instead of serving reminders until Ctrl-C')
    .action(async (options: { users: number; contacts: number; once?: boolean }) => {
      const config = loadConfig();
      const logger = createLogger(config.logLevel);
      say('starting the local stack…');
      const parts = await stackUp(config, { log: say });
      const down = parts.filter((p) => !p.healthy);
      if (down.length) throw new UserError(`the local stack is not healthy: ${down.map((p) => `${p.name}: ${p.detail}`).join('; ')}`);
      for (const part of parts) for (const [label, url] of Object.entries(part.links)) say(`${label}: ${url}`);

      const db = await connectDatabase(config.mongodbUri, { appName: 'metronome-start' });
      const temporal = await connectTemporal(config);
      const running = await startWorker(config, logger);
      // The HTTP API in the same process (API_HOST / API_PORT); `metronome api` runs it alone.
      const api = await startApi(config, logger).catch(async (error: unknown) => { await running.shutdown(); throw error; });
      say(`HTTP API: ${api.url} (OpenAPI ${api.url}/openapi.json, health ${api.url}/health; tokens: metronome tokens create --org <id>)`);
      try {
        await ensureIndexes(db);
        if (await isDatabaseEmpty(db)) {
          say(`empty database: seeding ${options.users} users × ${options.contacts} contacts…`);
          const seeded = await seedDemoData(db, { users: options.users, contactsPerUser: options.contacts });
          say(`seeded ${seeded.users} users and ${seeded.contacts} contacts in ${(seeded.durationMs / 1000).toFixed(1)} s`);
        }
        say(`worker serving task queue "${config.temporal.taskQueue}"`);
        for (const applied of await applySchedules(temporal.client, desiredSchedules(config))) say(`schedule ${applied.scheduleId}: ${applied.action}`);

        const month = monthOf(new Date(), config.schedule.timezone);
        const started = await startCycle(temporal.client, config, month);
        say(`cycle of ${month} ${started.alreadyRunning ? 'already running' : 'started'}: ${workflowUrl(config, started.workflowId)}`);
        const stats = await waitForCycle(started.handle, db, month, Boolean(process.stderr.isTTY));
        say(`cycle of ${month} done: ${describeStats(stats)}`);
        say(`reminders follow after ${config.reminders.firstAfterDays} and ${config.reminders.secondAfterDays} days (SCHEDULER_FIRST_REMINDER_DAYS / SCHEDULER_SECOND_REMINDER_DAYS)`);
      } catch (error) {
        await api.close();
        await running.shutdown();
        throw error;
      } finally {
        await temporal.close();
        await closeDatabase(db);
      }
      if (options.once) {
        await api.close();
        return running.shutdown();
      }
      say('running — Ctrl-C stops the worker (`node bin/metronome.js stack down` stops the stack)');
      await running.done.finally(() => api.close());
    });
}
