// The `metronome` command line. Every command validates its input and reports problems
// as one clear message and a non-zero exit code, never a stack trace.
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../config';
import { ToolUnavailableError } from '../devstack/tools';
import { registerCycleCommand } from './commands/cycle';
import { registerImportsCommand } from './commands/imports';
import { registerInvitationCommands } from './commands/invitations';
import { registerRunsCommand } from './commands/runs';
import { registerSchedulesCommand } from './commands/schedules';
import { registerSeedCommand } from './commands/seed';
import { registerSmokeCommand } from './commands/smoke';
import { registerStackCommand } from './commands/stack';
import { registerStartCommand } from './commands/start';
import { registerTasksCommand } from './commands/tasks';
import { registerWorkerCommand } from './commands/worker';
import { registerApiCommand } from './commands/api';
import { registerTokensCommand } from './commands/tokens';
import { registerJobsCommand } from './commands/jobs';
import { UserError } from './output';

export function buildProgram(): Command {
  const program = new Command('metronome')
    .description('Metronome: a durable scheduler built on Temporal')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerStackCommand(program);
  registerWorkerCommand(program);
  registerSeedCommand(program, { loadConfig });
  registerSmokeCommand(program);
  registerStartCommand(program);
  registerSchedulesCommand(program);
  registerCycleCommand(program);
  registerInvitationCommands(program);
  registerTasksCommand(program);
  registerRunsCommand(program);
  registerImportsCommand(program);
  registerApiCommand(program);
  registerTokensCommand(program);
  registerJobsCommand(program);
  return program;
}

export function exitCodeFor(error: unknown): { code: number; message?: string } {
  if (error instanceof CommanderError) return { code: error.exitCode }; // commander printed it already
  if (error instanceof ConfigError) return { code: 2, message: error.message };
  if (error instanceof UserError) return { code: error.exitCode, message: `error: ${error.message}` };
  if (error instanceof ToolUnavailableError) return { code: 1, message: `error: ${error.message}` };
  if (error instanceof Error) return { code: 1, message: `error: ${error.message}` };
  return { code: 1, message: `error: ${String(error)}` };
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    const { code, message } = exitCodeFor(error);
    if (message) process.stderr.write(`${message}\n`);
    process.exitCode = code;
  }
}
