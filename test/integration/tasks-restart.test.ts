// A one-off task survives a restart of everything that runs it: scheduled a few seconds ahead,
// then the worker AND the Temporal server stop and start again; the task fires exactly once, not
// before its time. The shared stack is never touched: this test runs its own Temporal dev server
// (ports 19233, headless) on a temporary SQLite file, so its state outlives the restart, and an
// isolated database on the shared MongoDB.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../../src/config';
import { connectTemporal } from '../../src/client/temporal';
import { closeDatabase, connectDatabase } from '../../src/db/connection';
import { probeTemporal } from '../../src/devstack/probes';
import { projectPath } from '../../src/devstack/stack';
import { temporalCli } from '../../src/devstack/tools';
import { SEARCH_ATTRIBUTES } from '../../src/domain/search-attributes';
import { createLogger } from '../../src/observability/logger';
import { scheduleTask, type TaskView } from '../../src/services/tasks';
import { startWorker, type RunningWorker } from '../../src/workers/worker';
import { ensureLocalStack, isolatedConfig } from '../helpers/local-stack';
import { startTaskHttpServer, type TaskHttpServer } from '../helpers/task-http-server';
import { localIn, waitForTask } from '../helpers/tasks';

const TEMPORAL_PORT = 19233;
const ADDRESS = `127.0.0.1:${TEMPORAL_PORT}`;

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

describe('one-off task across a restart of the worker and of Temporal', () => {
  let config: AppConfig;
  let db: Connection;
  let http: TaskHttpServer;
  let server: ChildProcess | undefined;
  let worker: RunningWorker | undefined;
  let dir: string;
  let cli: string;

  async function startServer(): Promise<void> {
    const log = openSync(join(dir, 'temporal.log'), 'a');
    server = spawn(cli, [
      'server', 'start-dev', '--ip', '127.0.0.1', '--port', String(TEMPORAL_PORT), '--headless',
      '--db-filename', join(dir, 'temporal.db'), '--log-level', 'warn',
      ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    ], { stdio: ['ignore', log, log] });
    closeSync(log);
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`temporal dev server exited (${server.exitCode}): ${readFileSync(join(dir, 'temporal.log'), 'utf8').slice(-2000)}`);
      if ((await probeTemporal(ADDRESS, 'default')).healthy) return;
      if (Date.now() > deadline) throw new Error('temporal dev server did not answer within 90 s');
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  before(async () => {
    const shared = await ensureLocalStack();
    if ((await probeTemporal(ADDRESS, 'default')).healthy) throw new Error(`something already answers on ${ADDRESS}: this test needs that port for its own server`);
    cli = await temporalCli({ toolsDir: projectPath(shared.stack.toolsDir), explicitPath: shared.stack.toolPaths.temporal });
    dir = mkdtempSync(join(tmpdir(), 'metronome-tasks-restart-'));
    config = isolatedConfig('tasks_restart', { TEMPORAL_ADDRESS: ADDRESS });
    db = await connectDatabase(config.mongodbUri);
    http = await startTaskHttpServer(19102);
  });
  after(async () => {
    await worker?.shutdown();
    await stopProcess(server);
    await http?.close();
    await db?.dropDatabase();
    await closeDatabase(db);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('fires exactly once, at its time, after both came back', async () => {
    await startServer();
    worker = await startWorker(config, createLogger('warn'), { queues: ['tasks'] });
    const temporal = await connectTemporal(config);
    let task: TaskView;
    try {
      task = await scheduleTask({ db, temporal: temporal.client, config }, { ownerId: 'restart', at: localIn(12_000), zone: 'Europe/Paris', http: { url: http.url('/ok/restart') } });
      const described = await temporal.client.workflow.getHandle(task.workflowId).describe();
      assert.equal(described.status.name, 'RUNNING');
    } finally {
      await temporal.close();
    }

    // Everything goes down, then comes back.
    await worker.shutdown();
    worker = undefined;
    await stopProcess(server);
    server = undefined;
    assert.equal((await probeTemporal(ADDRESS, 'default')).healthy, false, 'the server is down');
    assert.equal(http.calls('/ok/restart').length, 0, 'nothing ran yet');
    await new Promise((r) => setTimeout(r, 2000));
    await startServer();
    worker = await startWorker(config, createLogger('warn'), { queues: ['tasks'] });

    const done = await waitForTask(db, task.id, (t) => t.status === 'succeeded' || t.status === 'failed', 90_000);
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    await new Promise((r) => setTimeout(r, 3000)); // a second run would show up by now
    const calls = http.calls('/ok/restart');
    assert.equal(calls.length, 1, 'exactly once');
    const due = Date.parse(task.runAt);
    assert.ok(calls[0]!.at >= due, `not before its time (called ${new Date(calls[0]!.at).toISOString()}, due ${task.runAt})`);
    assert.ok(calls[0]!.at < due + 30_000, `soon after its time (called ${new Date(calls[0]!.at).toISOString()}, due ${task.runAt})`);
    assert.equal(done.attempts, 1);
  });
});
