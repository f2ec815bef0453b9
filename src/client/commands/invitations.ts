import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config';
import { closeDatabase, connectDatabase } from '../../db/connection';
import { cancelReminders, InvitationActionError, markInvitation, RESPONSE_STATUSES, type ResponseStatus } from '../../services/invitation-responses';
import { printJson, UserError } from '../output';
import { connectTemporal } from '../temporal';

function parseStatus(value: string): ResponseStatus {
  if (!(RESPONSE_STATUSES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${RESPONSE_STATUSES.join(', ')}, got "${value}"`);
  return value as ResponseStatus;
}

function parseNonEmpty(flag: string) {
  return (value: string): string => {
    if (value.trim() === '') throw new InvalidArgumentError(`${flag} must not be empty`);
    return value.trim();
  };
}

async function withDeps<T>(work: (deps: Awaited<ReturnType<typeof open>>) => Promise<T>): Promise<T> {
  const deps = await open();
  try {
    return await work(deps);
  } catch (error) {
    if (error instanceof InvitationActionError) throw new UserError(error.message);
    throw error;
  } finally {
    await closeDatabase(deps.db);
    await deps.close();
  }
}

async function open() {
  const config = loadConfig();
  const db = await connectDatabase(config.mongodbUri, { appName: 'metronome-cli' });
  const temporal = await connectTemporal(config);
  return { db, temporal: temporal.client, close: () => temporal.close() };
}

export function registerInvitationCommands(program: Command): void {
  program.command('invitations').description("record what an invitee did with an invitation")
    .command('mark')
    .description('record opened / started / submitted / opted-out; submitted and opted-out end the reminders')
    .requiredOption('--token <token>', 'the token of the invitation (from its link)', parseNonEmpty('--token'))
    .requiredOption('--status <status>', RESPONSE_STATUSES.join(' | '), parseStatus)
    .option('--json', 'print the result as JSON')
    .action(async (options: { token: string; status: ResponseStatus; json?: boolean }) => {
      const result = await withDeps((deps) => markInvitation(deps, options.token, options.status));
      if (options.json) return printJson(result);
      process.stdout.write(`invitation ${result.invitationId}: ${result.changed ? `now ${result.status}` : `stays ${result.status} (${options.status} recorded)`}${result.remindersCancelled ? ', reminders cancelled' : ''}\n`);
    });

  program.command('reminders').description('the J+3 / J+7 reminders')
    .command('cancel')
    .description('cancel the reminders of one invitation (signals its reminders workflow)')
    .requiredOption('--invitation <id-or-token>', 'the invitation id or token', parseNonEmpty('--invitation'))
    .option('--reason <text>', 'why (kept on the invitation)', 'cancelled by an operator')
    .option('--json', 'print the result as JSON')
    .action(async (options: { invitation: string; reason: string; json?: boolean }) => {
      const result = await withDeps((deps) => cancelReminders(deps, options.invitation, options.reason));
      if (options.json) return printJson(result);
      process.stdout.write(`reminders of invitation ${result.invitationId} cancelled${result.signalled ? ` (signalled ${result.remindersWorkflowId})` : ''}\n`);
    });
}
