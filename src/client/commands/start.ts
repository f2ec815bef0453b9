// `npm start`: the main job on the embedded local stack, in one process (the single-process
// deployment pattern): stack up, demo data when the database is empty, a worker, the first run.
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config';
import { stackUp } from '../../devstack/stack';
import { connectDatabase, closeDatabase, ensureIndexes } from '../../db/connection';
import { isDatabaseEmpty, seedDemoData } from '../../seed/demo-data';
import { createLogger } from '../../observability/logger';
import { startWorker } from '../../workers/worker';
import { runSmokeWorkflow } from '../smoke';
import { UserError } from '../output';

function wholeNumber(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

const say = (line: string) => process.stdout.write(`${line}\n`);

export function registerStartCommand(program: Command): void {
  program.command('start')
    .description('run Metronome on the local stack: stack up, demo data if empty, a worker, the first run; Ctrl-C stops the worker')
    .option('--users <n>', 'demo users to seed when the database is empty', wholeNumber('--users', 1, 1_000_000), 200)
    .option('--contacts <n>', 'demo contacts per user', wholeNumber('--contacts', 0, 1000), 20)
    .option('--once', 'stop after the first run instead of serving until Ctrl-C')
    .action(async (options: { users: number; contacts: number; once?: boolean }) => {
      const config = loadConfig();
      const logger = createLogger(config.logLevel);
      say('metronome: starting the local stack…');
      const parts = await stackUp(config, { log: say });
      const down = parts.filter((p) => !p.healthy);
      if (down.length) throw new UserError(`the local stack is not healthy: ${down.map((p) => `${p.name}: ${p.detail}`).join('; ')}`);

      const db = await connectDatabase(config.mongodbUri, { appName: 'metronome-start' });
      try {
        await ensureIndexes(db);
        if (await isDatabaseEmpty(db)) {
          say(`metronome: empty database, seeding ${options.users} users × ${options.contacts} contacts…`);
          const seeded = await seedDemoData(db, { users: options.users, contactsPerUser: options.contacts });
          say(`metronome: seeded ${seeded.users} users and ${seeded.contacts} contacts in ${(seeded.durationMs / 1000).toFixed(1)} s`);
        }
      } finally {
        await closeDatabase(db);
      }

      const running = await startWorker(config, logger);
      say(`metronome: worker serving task queue "${config.temporal.taskQueue}"`);
      const smoke = await runSmokeWorkflow(config);
      say(`metronome: first workflow ${smoke.workflowId} completed (${smoke.users} users, mail sent)`);
      for (const part of parts) for (const [label, url] of Object.entries(part.links)) say(`  ${label}: ${url}`);
      if (options.once) {
        await running.shutdown();
        return;
      }
      say('metronome: running — press Ctrl-C to stop the worker (`metronome stack down` stops the stack)');
      await running.done;
    });
}
