import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { projectPath, stackDown, stackStatus, stackUp, type PartStatus } from '../../devstack/stack';
import { mongoServerTool, temporalCli, temporalTestServer, TOOL_VERSIONS, type MongoServerTool } from '../../devstack/tools';
import { printJson, printTable, UserError } from '../output';

function showParts(parts: PartStatus[], json: boolean): void {
  if (json) return printJson(parts);
  printTable(parts.map((p) => ({
    part: p.name,
    address: p.address,
    pid: p.pid,
    ownership: p.ownership,
    health: p.healthy ? 'healthy' : 'DOWN',
    detail: p.detail,
  })));
  const links = parts.flatMap((p) => Object.entries(p.links).map(([label, url]) => `${label}: ${url}`));
  if (links.length) process.stdout.write(`\n${links.join('\n')}\n`);
}

function describeMongoTool(server: MongoServerTool): { pinned: string; path: string } {
  switch (server.kind) {
    case 'mongod': return { pinned: 'mongod (yours)', path: server.path };
    case 'mongo-java-server': return { pinned: `mongo-java-server ${TOOL_VERSIONS.mongoJavaServer}`, path: `${server.java} ${server.args.join(' ')}` };
    case 'ferretdb': return { pinned: `FerretDB ${TOOL_VERSIONS.ferretdb}`, path: server.path };
  }
}

export function registerStackCommand(program: Command): void {
  const stack = program.command('stack').description('the embedded local stack: Temporal dev server, MongoDB-protocol server, SMTP catcher (all on 127.0.0.1)');

  stack.command('up')
    .description('start what is not running yet and wait until every part answers (harmless to repeat)')
    .option('--json', 'print the parts as JSON')
    .action(async (options: { json?: boolean }) => {
      const parts = await stackUp(loadConfig(), { log: (line) => process.stderr.write(`${line}\n`) });
      showParts(parts, Boolean(options.json));
      const down = parts.filter((p) => !p.healthy);
      if (down.length) throw new UserError(`not healthy: ${down.map((p) => `${p.name} (${p.detail})`).join('; ')}`);
    });

  stack.command('status')
    .description('each part with its address, PID and health; exits 1 if a part is down')
    .option('--json', 'print the parts as JSON')
    .action(async (options: { json?: boolean }) => {
      const parts = await stackStatus(loadConfig());
      showParts(parts, Boolean(options.json));
      if (parts.some((p) => !p.healthy)) process.exitCode = 1;
    });

  stack.command('down')
    .description('stop what `stack up` started (never a server it found already running)')
    .option('--json', 'print what was stopped as JSON')
    .action(async (options: { json?: boolean }) => {
      const stopped = await stackDown(loadConfig());
      if (options.json) return printJson(stopped);
      process.stdout.write(stopped.length ? stopped.map((s) => `stopped ${s.label} (pid ${s.pid})`).join('\n') + '\n' : 'nothing to stop\n');
    });

  stack.command('tools')
    .description('obtain (once) and list the binaries of the stack and of the workflow tests, with their pinned versions')
    .option('--json', 'print the tools as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const opts = (explicitPath: string | undefined) => ({ toolsDir: projectPath(config.stack.toolsDir), explicitPath, log });
      const tools = {
        temporal: { pinned: TOOL_VERSIONS.temporalCli, path: await temporalCli(opts(config.stack.toolPaths.temporal)) },
        'temporal-test-server': { pinned: TOOL_VERSIONS.temporalTestServer, path: await temporalTestServer(opts(config.stack.toolPaths.temporalTestServer)) },
        mongodb: describeMongoTool(await mongoServerTool(config.stack.mongoServer, config.stack.toolPaths, { toolsDir: projectPath(config.stack.toolsDir), log })),
      };
      if (options.json) return printJson(tools);
      printTable(Object.entries(tools).map(([tool, t]) => ({ tool, pinned: t.pinned, path: t.path })));
    });
}
