// First step of `npm start` and `npm test` on any machine, fresh clone included:
// install the locked dependencies when they are missing or stale, then build
// (TypeScript → dist/, plus the prebuilt workflow bundle). Only node built-ins here.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(command, args, what) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`bootstrap: ${what} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
  return Date.now() - started;
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`bootstrap: Metronome needs Node.js 20.19 or later (this is ${process.versions.node}).`);
  process.exit(1);
}

const installed = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  // `npm install` installs the versions of package-lock.json. Not `npm ci`: npm 11 writes locks
  // without other platforms' optional packages (@swc/core-*) and its own `ci` then refuses them.
  const ms = run(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error'], 'npm install');
  console.log(`bootstrap: dependencies installed in ${(ms / 1000).toFixed(1)} s`);
}
run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], 'TypeScript build');
run(process.execPath, [join(root, 'dist', 'src', 'workers', 'workflow-bundle.js')], 'workflow bundle');
