// `metronome seed`: fills the configured database with demo users and contacts so the monthly
// cycle can be tried locally (5,000 × 20 reproduces the production load of 100,000 invitations).
import { Command, InvalidArgumentError } from 'commander';
import { closeDatabase, connectDatabase, ensureIndexes, redactMongoUri } from '../../db/connection';
import { isDatabaseEmpty, resetDemoData, seedDemoData, DEFAULT_RANDOM_SEED, type SeedResult } from '../../seed/demo-data';

export const MAX_USERS = 1_000_000;
export const MAX_CONTACTS_PER_USER = 1_000;

export interface SeedCommandDeps {
  loadConfig: () => { mongodbUri: string };
  /** Where the summary goes; stdout unless a test captures it. */
  writeOut?: (text: string) => void;
}

interface SeedCommandOptions {
  users: number;
  contacts: number;
  reset: boolean;
  seed: number;
  json: boolean;
}

/** Parses a whole number in [min, max]; the message names the flag, since commander's prefix does not explain the rule. */
function wholeNumberParser(flag: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    const trimmed = value.trim();
    const parsed = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
    }
    return parsed;
  };
}

export const parseUserCount = wholeNumberParser('--users', 1, MAX_USERS);
export const parseContactsPerUser = wholeNumberParser('--contacts', 0, MAX_CONTACTS_PER_USER);
/** The PRNG state is 32 bits, so larger seeds would silently alias smaller ones. */
export const parseRandomSeed = wholeNumberParser('--seed', 0, 0xffff_ffff);

export function formatSeedSummary(result: SeedResult): string {
  const percent = (part: number, whole: number) => (whole === 0 ? '0' : ((100 * part) / whole).toFixed(1));
  return [
    `Seeded ${result.users} users and ${result.contacts} contacts in ${(result.durationMs / 1000).toFixed(1)} s.`,
    `  users:    ${result.inactiveUsers} inactive (${percent(result.inactiveUsers, result.users)} %), ` +
      `${result.remindersOff} with reminders off (${percent(result.remindersOff, result.users)} %)`,
    `  contacts: ${result.inactiveContacts} inactive (${percent(result.inactiveContacts, result.contacts)} %), ` +
      `${result.optedOutContacts} opted out (${percent(result.optedOutContacts, result.contacts)} %)`,
  ].join('\n');
}

function progressReporter(enabled: boolean): ((done: number, total: number) => void) | undefined {
  if (!enabled) return undefined;
  return (done, total) => {
    process.stderr.write(`\rseeding users ${done}/${total}${done === total ? '\n' : ''}`);
  };
}

export function registerSeedCommand(program: Command, deps: SeedCommandDeps): Command {
  const writeOut = deps.writeOut ?? ((text: string) => process.stdout.write(text));
  return program
    .command('seed')
    .description('Insert demo users and contacts (refuses a non-empty database unless --reset)')
    .requiredOption('--users <n>', `number of users (1–${MAX_USERS})`, parseUserCount)
    .requiredOption('--contacts <m>', `contacts per user (0–${MAX_CONTACTS_PER_USER})`, parseContactsPerUser)
    .option('--reset', 'delete all users, contacts and invitations first', false)
    .option('--seed <n>', 'random seed: the same seed gives the same people', parseRandomSeed, DEFAULT_RANDOM_SEED)
    .option('--json', 'print the result as JSON on the last line', false)
    .action(async (options: SeedCommandOptions, command: Command) => {
      let result: SeedResult;
      try {
        const { mongodbUri } = deps.loadConfig();
        const conn = await connectDatabase(mongodbUri, { appName: 'metronome-seed' });
        try {
          if (options.reset) {
            await resetDemoData(conn);
          } else if (!(await isDatabaseEmpty(conn))) {
            throw new Error(`${redactMongoUri(mongodbUri)} already has users; pass --reset to replace all users, contacts and invitations`);
          }
          // Before inserting: the unique indexes then vouch for the generated data, and on FerretDB
          // building them up front is faster than indexing 100,000 existing documents afterwards.
          await ensureIndexes(conn);
          result = await seedDemoData(conn, {
            users: options.users,
            contactsPerUser: options.contacts,
            randomSeed: options.seed,
            onProgress: progressReporter(!options.json && process.stderr.isTTY),
          });
        } finally {
          await closeDatabase(conn);
        }
      } catch (error) {
        // command.error() prints "error: …" and exits 1 (or throws CommanderError under exitOverride).
        command.error(`error: seed failed: ${error instanceof Error ? error.message : String(error)}`, { exitCode: 1, code: 'metronome.seed' });
      }
      writeOut(`${formatSeedSummary(result)}\n`);
      if (options.json) writeOut(`${JSON.stringify({ ...result, reset: options.reset, randomSeed: options.seed })}\n`);
    });
}
