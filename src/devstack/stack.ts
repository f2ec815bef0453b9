// `metronome stack up | status | down`: the embedded local stack, everything on loopback.
// What `up` starts is recorded in <dataDir>/stack.json, so `down` stops only that, by PID,
// and a part that already answers (started by an earlier `up`, or the user's own server)
// is reused instead of started twice.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { AppConfig } from '../config';
import { probeHttp, probeMongo, probeSmtp, probeTemporal, type ProbeResult } from './probes';
import { mongoServerTool, temporalCli } from './tools';
import { SEARCH_ATTRIBUTES } from '../domain/search-attributes';

export type PartName = 'temporal' | 'mongodb' | 'smtp';

export interface PartStatus {
  name: PartName;
  address: string;
  links: Record<string, string>;
  /** managed: started by `stack up`; external: configured elsewhere or already running, never stopped by us. */
  ownership: 'managed' | 'external' | 'not running';
  pid: number | undefined;
  healthy: boolean;
  detail: string;
}

interface SpawnSpec { command: string; args: string[]; label: string }

interface PartPlan {
  name: PartName;
  address: string;
  links: Record<string, string>;
  /** false when the configuration points at a server that is not ours to start (not loopback). */
  startable: boolean;
  probe(): Promise<ProbeResult>;
  spawnSpec(): Promise<SpawnSpec>;
  startTimeoutMs: number;
}

interface RecordedProcess { pid: number; address: string; command: string; args: string[]; label: string; startedAt: string; logFile: string }
interface StackState { parts: Partial<Record<PartName, RecordedProcess>> }

const PROJECT_ROOT = resolve(__dirname, '..', '..', '..');
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function projectPath(path: string): string {
  return isAbsolute(path) ? path : join(PROJECT_ROOT, path);
}

export interface StackOptions { log?: (line: string) => void }

function splitHostPort(address: string): { host: string; port: number } {
  const index = address.lastIndexOf(':');
  return { host: address.slice(0, index), port: Number(address.slice(index + 1)) };
}

function planParts(config: AppConfig, options: StackOptions): PartPlan[] {
  const dataDir = projectPath(config.stack.dataDir);
  const toolsDir = projectPath(config.stack.toolsDir);
  const temporal = splitHostPort(config.temporal.address);
  const mongoUrl = new URL(config.mongodbUri.replace(/^mongodb(\+srv)?:/, 'http:'));
  const mongoPort = Number(mongoUrl.port || 27017);
  const smtpUrl = new URL(config.mail.smtpUrl);
  const smtpPort = Number(smtpUrl.port || 25);
  const webPort = config.stack.mailCatcherWebPort;
  const toolOptions = (explicitPath: string | undefined) => ({ toolsDir, explicitPath, log: options.log });

  return [
    {
      name: 'temporal',
      address: config.temporal.address,
      links: { 'Web UI': `http://127.0.0.1:${config.stack.temporalUiPort}` },
      startable: LOOPBACK.has(temporal.host),
      probe: () => probeTemporal(config.temporal.address, config.temporal.namespace),
      startTimeoutMs: 90_000,
      async spawnSpec() {
        mkdirSync(join(dataDir, 'temporal'), { recursive: true });
        const namespaces = config.temporal.namespace === 'default' ? [] : ['--namespace', config.temporal.namespace];
        return {
          command: await temporalCli(toolOptions(config.stack.toolPaths.temporal)),
          label: 'Temporal CLI dev server',
          args: [
            'server', 'start-dev',
            '--ip', '127.0.0.1', '--port', String(temporal.port), '--ui-port', String(config.stack.temporalUiPort),
            '--db-filename', join(dataDir, 'temporal', 'temporal.db'),
            // The SDK's own stress tests run the dev server this way; without it SQLite fsyncs dominate.
            '--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF',
            '--ui-disable-news-fetch', '--log-level', 'warn',
            ...namespaces,
            ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
          ],
        };
      },
    },
    {
      name: 'mongodb',
      address: `${mongoUrl.hostname}:${mongoPort}`,
      links: {},
      startable: LOOPBACK.has(mongoUrl.hostname) && !mongoUrl.host.includes(','),
      probe: () => probeMongo(config.mongodbUri),
      startTimeoutMs: 60_000,
      async spawnSpec() {
        const server = await mongoServerTool(config.stack.mongoServer, config.stack.toolPaths, { toolsDir, log: options.log });
        switch (server.kind) {
          case 'mongod':
            mkdirSync(join(dataDir, 'mongod'), { recursive: true });
            return { command: server.path, label: 'mongod', args: ['--bind_ip', '127.0.0.1', '--port', String(mongoPort), '--dbpath', join(dataDir, 'mongod')] };
          case 'mongo-java-server': {
            const jvm = [`-Xmx${config.stack.mongoJavaHeapMb}m`, ...server.args];
            if (config.stack.mongoJavaStorage === 'memory') {
              return { command: server.java, label: 'mongo-java-server (in memory)', args: [...jvm, '127.0.0.1', String(mongoPort)] };
            }
            // An H2 file: the data outlives a stop and start of the server (the chaos suite relies on it).
            mkdirSync(join(dataDir, 'mongo-java-server'), { recursive: true });
            return { command: server.java, label: 'mongo-java-server (H2 file)', args: [...jvm, '127.0.0.1', String(mongoPort), join(dataDir, 'mongo-java-server', 'data.mv')] };
          }
          case 'ferretdb':
            mkdirSync(join(dataDir, 'ferretdb', 'sqlite'), { recursive: true });
            return {
              command: server.path,
              label: 'FerretDB (SQLite backend)',
              args: [
                '--handler=sqlite', `--sqlite-url=file:${join(dataDir, 'ferretdb', 'sqlite')}/`,
                `--listen-addr=127.0.0.1:${mongoPort}`, '--debug-addr=-',
                `--state-dir=${join(dataDir, 'ferretdb')}`, '--telemetry=disable', '--log-level=warn',
              ],
            };
        }
      },
    },
    {
      name: 'smtp',
      address: `${smtpUrl.hostname}:${smtpPort}`,
      links: { 'mail catcher': `http://127.0.0.1:${webPort}/` },
      startable: LOOPBACK.has(smtpUrl.hostname),
      probe: async () => {
        const smtp = await probeSmtp(smtpUrl.hostname, smtpPort);
        if (!smtp.healthy) return smtp;
        const web = await probeHttp(`http://127.0.0.1:${webPort}/healthz`);
        return web.healthy ? smtp : { healthy: false, detail: `SMTP answers but the mail catcher page does not: ${web.detail}` };
      },
      startTimeoutMs: 20_000,
      spawnSpec: () => Promise.resolve({
        command: process.execPath,
        label: 'Metronome mail catcher',
        args: [join(__dirname, 'mail-catcher-main.js'), '--smtp-port', String(smtpPort), '--web-port', String(webPort)],
      }),
    },
  ];
}

function statePath(config: AppConfig): string {
  return join(projectPath(config.stack.dataDir), 'stack.json');
}

function readState(config: AppConfig): StackState {
  try {
    return JSON.parse(readFileSync(statePath(config), 'utf8')) as StackState;
  } catch {
    return { parts: {} };
  }
}

function writeState(config: AppConfig, state: StackState): void {
  mkdirSync(projectPath(config.stack.dataDir), { recursive: true });
  writeFileSync(statePath(config), `${JSON.stringify(state, null, 2)}\n`);
}

/** True only if the PID is alive and is still the process we started (PIDs get reused). */
function isOurProcess(recorded: RecordedProcess | undefined): boolean {
  if (!recorded) return false;
  try {
    process.kill(recorded.pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${recorded.pid}/cmdline`, 'utf8').includes(recorded.command);
  } catch {
    return process.platform !== 'linux';
  }
}

async function waitUntilHealthy(plan: PartPlan, recorded: RecordedProcess | undefined): Promise<ProbeResult> {
  const deadline = Date.now() + plan.startTimeoutMs;
  let last: ProbeResult = { healthy: false, detail: 'not probed yet' };
  while (Date.now() < deadline) {
    last = await plan.probe();
    if (last.healthy) return last;
    if (recorded && !isOurProcess(recorded)) return { healthy: false, detail: `exited during start-up: ${tailOfLog(recorded.logFile)}` };
    await new Promise((r) => setTimeout(r, 300));
  }
  return { healthy: false, detail: `no answer within ${plan.startTimeoutMs / 1000} s: ${last.detail}` };
}

function tailOfLog(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '(no log)';
  }
}

function startProcess(spec: SpawnSpec, address: string, logFile: string): RecordedProcess {
  const fd = openSync(logFile, 'a');
  // Detached with its own process group, so it outlives this command and `down` can stop it.
  const child = spawn(spec.command, spec.args, { detached: true, stdio: ['ignore', fd, fd], cwd: PROJECT_ROOT });
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${spec.label} (${spec.command})`);
  return { pid: child.pid, address, command: spec.command, args: spec.args, label: spec.label, startedAt: new Date().toISOString(), logFile };
}

/** Serialises concurrent `stack up`/`down` (parallel test files, a user's second terminal). */
async function withLock<T>(config: AppConfig, work: () => Promise<T>): Promise<T> {
  const dir = projectPath(config.stack.dataDir);
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, 'stack.lock');
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      const holder = Number(readFileSync(lock, 'utf8') || 0);
      let alive = false;
      try {
        if (holder) process.kill(holder, 0);
        alive = holder > 0;
      } catch { /* holder is gone: a stale lock */ }
      if (!alive) rmSync(lock, { force: true });
      else if (Date.now() > deadline) throw new Error(`the stack lock ${lock} is held by PID ${holder}`);
      else await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Ours only if alive and serving the address configured now (the configuration may point elsewhere). */
function servesPlan(recorded: RecordedProcess | undefined, plan: PartPlan): recorded is RecordedProcess {
  return isOurProcess(recorded) && recorded?.address === plan.address;
}

function statusOf(plan: PartPlan, recorded: RecordedProcess | undefined, probe: ProbeResult): PartStatus {
  const ours = servesPlan(recorded, plan);
  return {
    name: plan.name,
    address: plan.address,
    links: plan.links,
    ownership: ours ? 'managed' : probe.healthy ? 'external' : 'not running',
    pid: ours ? recorded?.pid : undefined,
    healthy: probe.healthy,
    detail: probe.detail,
  };
}

export async function stackUp(config: AppConfig, options: StackOptions = {}): Promise<PartStatus[]> {
  return withLock(config, async () => {
    const state = readState(config);
    const logsDir = join(projectPath(config.stack.dataDir), 'logs');
    mkdirSync(logsDir, { recursive: true });
    const results = await Promise.all(planParts(config, options).map(async (plan) => {
      let recorded = state.parts[plan.name];
      if (!servesPlan(recorded, plan)) recorded = undefined;
      const first = await plan.probe();
      if (first.healthy || recorded) {
        return statusOf(plan, recorded, first.healthy ? first : await waitUntilHealthy(plan, recorded));
      }
      if (!plan.startable) {
        return statusOf(plan, undefined, { healthy: false, detail: `${plan.address} is configured elsewhere and does not answer: ${first.detail}` });
      }
      const spec = await plan.spawnSpec();
      options.log?.(`starting ${spec.label} on ${plan.address}…`);
      recorded = startProcess(spec, plan.address, join(logsDir, `${plan.name}.log`));
      state.parts[plan.name] = recorded;
      writeState(config, state);
      return statusOf(plan, recorded, await waitUntilHealthy(plan, recorded));
    }));
    writeState(config, state);
    return results;
  });
}

export async function stackStatus(config: AppConfig): Promise<PartStatus[]> {
  const state = readState(config);
  return Promise.all(planParts(config, {}).map(async (plan) => statusOf(plan, state.parts[plan.name], await plan.probe())));
}

async function stopProcess(recorded: RecordedProcess): Promise<void> {
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-recorded.pid, signal);
    } catch {
      try { process.kill(recorded.pid, signal); } catch { /* already gone */ }
    }
  };
  signalGroup('SIGTERM');
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (!isOurProcess(recorded)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  signalGroup('SIGKILL');
  // Gone before we return: a caller may start a server on the same port right after.
  while (isOurProcess(recorded)) await new Promise((r) => setTimeout(r, 100));
}

/** Stops one part that `up` started (by its recorded PID) and waits until it has exited; `up` starts it again. */
export async function stopPart(config: AppConfig, name: PartName): Promise<boolean> {
  return withLock(config, async () => {
    const state = readState(config);
    const recorded = state.parts[name];
    if (!recorded || !isOurProcess(recorded)) return false;
    await stopProcess(recorded);
    delete state.parts[name];
    writeState(config, state);
    return true;
  });
}

/** Stops only what `up` started (the PIDs recorded in stack.json), never an external server. */
export async function stackDown(config: AppConfig): Promise<{ name: PartName; pid: number; label: string }[]> {
  return withLock(config, async () => {
    const state = readState(config);
    const stopped: { name: PartName; pid: number; label: string }[] = [];
    await Promise.all(Object.entries(state.parts).map(async ([name, recorded]) => {
      if (recorded && isOurProcess(recorded)) {
        await stopProcess(recorded);
        stopped.push({ name: name as PartName, pid: recorded.pid, label: recorded.label });
      }
    }));
    writeState(config, { parts: {} });
    return stopped;
  });
}
