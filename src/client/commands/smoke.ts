import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config';
import { printJson } from '../output';
import { DEFAULT_SMOKE_RECIPIENT, runSmokeWorkflow } from '../smoke';

export function parseEmail(value: string): string {
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(value)) throw new InvalidArgumentError(`expected an e-mail address, got "${value}"`);
  return value.toLowerCase();
}

export function registerSmokeCommand(program: Command): void {
  program.command('smoke')
    .description('run the smoke workflow: one activity that reads MongoDB and sends one mail (needs a running worker)')
    .option('--to <email>', 'recipient of the smoke mail', parseEmail, DEFAULT_SMOKE_RECIPIENT)
    .option('--json', 'print the result as JSON')
    .action(async (options: { to: string; json?: boolean }) => {
      const result = await runSmokeWorkflow(loadConfig(), options.to);
      if (options.json) return printJson(result);
      process.stdout.write(`smoke workflow ${result.workflowId} completed: ${result.users} users in MongoDB, mail ${result.messageId} sent to ${options.to}\n`);
    });
}
