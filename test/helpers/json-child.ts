// Runs one of our node scripts as a child process and reads its result: the last line of its
// standard output, one JSON object (the convention of the benches and the helper clients).
import { spawn } from 'node:child_process';
import { basename } from 'node:path';

export function runJsonScript<T>(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as T);
      else reject(new Error(`${basename(script)} exited with ${code}: ${err || out}`));
    });
  });
}
