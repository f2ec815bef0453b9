// `metronome tokens …`: API tokens for the HTTP API. A token is printed once, at creation; the
// database keeps only its SHA-256.
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { closeDatabase, connectDatabase } from '../../db/connection';
import { ApiTokenError, createApiToken, listApiTokens, revokeApiToken } from '../../services/api-tokens';
import { printJson, printTable, UserError } from '../output';
import type { Connection } from 'mongoose';

async function withDb<T>(work: (db: Connection) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await connectDatabase(config.mongodbUri, { appName: 'metronome-cli' });
  try {
    return await work(db);
  } catch (error) {
    if (error instanceof ApiTokenError) throw new UserError(error.message);
    throw error;
  } finally {
    await closeDatabase(db);
  }
}

export function registerTokensCommand(program: Command): void {
  const tokens = program.command('tokens').description('API tokens of the HTTP API (scoped to one organisation, or admin)');

  tokens.command('create')
    .description('create a token and print it (the only time it is shown: only its hash is stored)')
    .option('--org <id>', 'the organisation the token is scoped to')
    .option('--admin', 'a token that reaches every organisation')
    .option('--name <text>', 'what the token is for')
    .option('--json', 'print the result as one JSON line')
    .action(async (options: { org?: string; admin?: boolean; name?: string; json?: boolean }) => {
      const created = await withDb((db) => createApiToken(db, { orgId: options.org, admin: options.admin, name: options.name }));
      if (options.json) return printJson(created);
      process.stdout.write(`${created.token}\n`);
      process.stderr.write(`token ${created.id.slice(0, 12)}… for ${created.admin ? 'every organisation (admin)' : `organisation "${created.orgId}"`}: store it now, it is not shown again\n`);
    });

  tokens.command('list')
    .description('the tokens (ids and scopes, never the secrets)')
    .option('--org <id>', 'only the tokens of this organisation')
    .option('--json', 'print the result as one JSON line')
    .action(async (options: { org?: string; json?: boolean }) => {
      const items = await withDb((db) => listApiTokens(db, { orgId: options.org }));
      if (options.json) return printJson(items);
      if (items.length === 0) return void process.stdout.write('no tokens (create one with `metronome tokens create --org <id>`)\n');
      printTable(items.map((t) => ({ id: t.id, scope: t.admin ? 'admin' : `org ${t.orgId}`, name: t.name, created: t.createdAt })));
    });

  tokens.command('revoke').argument('<id>', 'the token id shown by `tokens list` (a unique prefix of 8+ characters is enough)')
    .description('revoke a token: requests with it get 401 from now on')
    .option('--json', 'print the result as one JSON line')
    .action(async (id: string, options: { json?: boolean }) => {
      const revoked = await withDb((db) => revokeApiToken(db, id));
      if (options.json) return printJson({ ...revoked, revoked: true });
      process.stdout.write(`revoked token ${revoked.id}\n`);
    });
}
