// `npm test` after bootstrap: lint, bring up the real local stack (obtaining its tools on a
// fresh machine), run every test file with node's test runner, and stop the stack again if
// this run started it. Only node built-ins here.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const metronome = join(root, 'bin', 'metronome.js');
const node = process.execPath;

function step(what, args, options = {}) {
  const started = Date.now();
  const result = spawnSync(node, args, { cwd: root, stdio: 'inherit', ...options });
  console.error(`test: ${what} ${result.status === 0 ? 'ok' : `FAILED (exit ${result.status ?? result.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result.status ?? 1;
}

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.js'))
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

if (step('lint', [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--max-warnings=0', '.']) !== 0) process.exit(1);

const status = spawnSync(node, [metronome, 'stack', 'status', '--json'], { cwd: root, encoding: 'utf8' });
const alreadyUp = status.status === 0;
if (!alreadyUp && step('stack up', [metronome, 'stack', 'up']) !== 0) process.exit(1);
if (step('test tools', [metronome, 'stack', 'tools']) !== 0) process.exit(1);

const files = testFiles(join(root, 'dist', 'test'));
console.error(`test: ${files.length} test files: ${files.map((f) => relative(join(root, 'dist', 'test'), f)).join(', ')}`);
const code = step('suite', ['--test', '--test-reporter=spec', ...files]);

if (!alreadyUp) step('stack down', [metronome, 'stack', 'down'], { stdio: ['ignore', 'ignore', 'inherit'] });
process.exit(code);
