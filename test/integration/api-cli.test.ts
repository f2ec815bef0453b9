// `metronome tokens`, `metronome jobs` and `metronome api` as a user runs them: real processes
// against the real stack, with a database and task queue of this test (passed through the
// environment), a worker in-process and a small target service for the triggered run.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../../src/config';
import { closeDatabase, connectDatabase } from '../../src/db/connection';
import { getModels } from '../../src/db/models';
import { httpJobReportName, httpJobScheduleId } from '../../src/domain/http-jobs';
import { createLogger } from '../../src/observability/logger';
import { connectTemporal, type TemporalHandle } from '../../src/client/temporal';
import { startWorker, type RunningWorker } from '../../src/workers/worker';
import { registerJobsCommand } from '../../src/client/commands/jobs';
import { UserError } from '../../src/client/output';
import { createApiToken, revokeApiToken } from '../../src/services/api-tokens';
import { ensureLocalStack, isolatedConfig } from '../helpers/local-stack';

const BIN = join(__dirname, '..', '..', '..', 'bin', 'metronome.js');
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Ports of this helper's range (21000-21999), away from api-jobs.test's. */
const basePort = 21_920 + Math.floor(Math.random() * 35) * 2;

describe('metronome tokens / jobs / api commands', () => {
  const org = `cli-${randomBytes(3).toString('hex')}`;
  let config: AppConfig;
  let env: NodeJS.ProcessEnv;
  let db: Connection;
  let temporal: TemporalHandle;
  let worker: RunningWorker;
  let target: Server;
  const received: unknown[] = [];

  function metronome(args: string[], extra: NodeJS.ProcessEnv = {}) {
    const result = spawnSync(process.execPath, [BIN, ...args], { env: { ...env, ...extra }, encoding: 'utf8', timeout: 60_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  function refused(args: string[], message: RegExp, code = 1) {
    const run = metronome(args);
    assert.equal(run.code, code, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
    assert.match(run.stderr, message);
    assert.doesNotMatch(run.stderr, /at .*\.js:\d+/, 'no stack trace');
  }

  before(async () => {
    await ensureLocalStack();
    config = isolatedConfig('apicli');
    env = { ...process.env, MONGODB_URI: config.mongodbUri, TEMPORAL_TASK_QUEUE: config.temporal.taskQueue, LOG_LEVEL: 'warn' };
    target = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
      request.on('end', () => {
        received.push(JSON.parse(body));
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ success: true, itemsProcessed: 1, itemsSucceeded: 1, itemsFailed: 0 }));
      });
    });
    await new Promise<void>((resolve) => target.listen(basePort, '127.0.0.1', resolve));
    db = await connectDatabase(config.mongodbUri);
    temporal = await connectTemporal(config);
    worker = await startWorker(config, createLogger('warn'), { queues: ['jobs'] });
  });

  after(async () => {
    await temporal?.client.schedule.getHandle(httpJobScheduleId(org, 'cli-job')).delete().catch(() => undefined);
    await worker?.shutdown();
    await temporal?.close();
    await new Promise<void>((resolve) => (target ? target.close(() => resolve()) : resolve()));
    if (db) {
      await db.dropDatabase().catch(() => undefined);
      await closeDatabase(db);
    }
  });

  it('tokens: create prints the token once, list never shows it, revoke removes it; bad flags are named', async () => {
    const created = metronome(['tokens', 'create', '--org', org, '--name', 'ci', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const token = JSON.parse(created.stdout) as { token: string; id: string; orgId: string; admin: boolean };
    assert.match(token.token, /^mtr_/);
    assert.equal(token.orgId, org);
    const plain = metronome(['tokens', 'create', '--admin']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^mtr_[A-Za-z0-9_-]{43}\n$/);
    assert.match(plain.stderr, /not shown again/);

    const list = metronome(['tokens', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.ok(!list.stdout.includes(token.token) && !list.stdout.includes(plain.stdout.trim()), 'no secret in the list');
    assert.deepEqual((JSON.parse(list.stdout) as { id: string }[]).map((t) => t.id).includes(token.id), true);

    refused(['tokens', 'create'], /--org <id> is required \(or --admin/);
    refused(['tokens', 'create', '--org', 'a/b'], /--org "a\/b" is not an organisation id/);
    await assert.rejects(createApiToken(db, { orgId: org, admin: true }), /--org and --admin exclude each other/);
    await assert.rejects(revokeApiToken(db, 'zz'), /token id "zz" is not valid/);
    refused(['tokens', 'revoke', 'abcdef0123456789'], /no token with id "abcdef0123456789"/);
    const revoked = metronome(['tokens', 'revoke', token.id.slice(0, 10)]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.ok(!metronome(['tokens', 'list', '--json']).stdout.includes(token.id));
  });

  it('jobs: register, list, get, trigger, history, stats, disable, cron and delete call the registry directly', async () => {
    const endpoint = `http://127.0.0.1:${basePort}/run`;
    const registered = metronome(['jobs', 'register', '--org', org, '--name', 'cli-job', '--cron', '0 3 * * *', '--timezone', 'Europe/Paris',
      '--endpoint', endpoint, '--config', '{"batchSize":5}', '--timeout-ms', '5000', '--max-retries', '0', '--json']);
    assert.equal(registered.code, 0, registered.stderr);
    const job = JSON.parse(registered.stdout) as { created: boolean; job: { scheduleId: string; enabled: boolean; cronExpression: string } };
    assert.deepEqual([job.created, job.job.scheduleId, job.job.enabled, job.job.cronExpression], [true, httpJobScheduleId(org, 'cli-job'), true, '0 3 * * *']);

    const list = JSON.parse(metronome(['jobs', 'list', '--org', org, '--json']).stdout) as { name: string }[];
    assert.deepEqual(list.map((j) => j.name), ['cli-job']);
    const human = metronome(['jobs', 'get', 'cli-job', '--org', org]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /cron\s+0 3 \* \* \*/);

    const triggered = metronome(['jobs', 'trigger', 'cli-job', '--org', org, '--user', 'bob', '--json']);
    assert.equal(triggered.code, 0, triggered.stderr);
    const { workflowId, triggeredBy } = JSON.parse(triggered.stdout) as { workflowId: string; triggeredBy: string };
    assert.equal(triggeredBy, 'admin', 'an operator at the CLI acts as admin');
    await temporal.client.workflow.getHandle(workflowId).result();
    const { RunReport } = getModels(db);
    assert.equal(await RunReport.countDocuments({ job: httpJobReportName(org, 'cli-job'), status: 'completed' }), 1);
    assert.deepEqual(received.at(-1), { jobName: 'cli-job', config: { batchSize: 5 }, executionId: (received.at(-1) as { executionId: string }).executionId, triggeredBy: 'admin', triggeredByUser: 'bob' });

    const history = JSON.parse(metronome(['jobs', 'history', 'cli-job', '--org', org, '--json']).stdout) as { total: number; items: { triggeredBy: string; triggeredByUser: string }[] };
    assert.equal(history.total, 1);
    assert.deepEqual([history.items[0]?.triggeredBy, history.items[0]?.triggeredByUser], ['admin', 'bob']);
    const stats = JSON.parse(metronome(['jobs', 'stats', 'cli-job', '--org', org, '--json']).stdout) as { totalRuns: number; successRate: number };
    assert.deepEqual([stats.totalRuns, stats.successRate], [1, 1]);

    assert.equal(metronome(['jobs', 'disable', 'cli-job', '--org', org]).code, 0);
    assert.equal((await temporal.client.schedule.getHandle(httpJobScheduleId(org, 'cli-job')).describe()).state.paused, true);
    const cron = metronome(['jobs', 'cron', 'cli-job', '--org', org, '--cron', '*/30 * * * *', '--json']);
    assert.equal(cron.code, 0, cron.stderr);
    assert.equal((JSON.parse(cron.stdout) as { cronExpression: string }).cronExpression, '*/30 * * * *');

    // Flags are checked before any connection: in-process, a UserError naming the flag.
    const invalid = async (args: string[], message: RegExp) => {
      const program = new Command('metronome').exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
      registerJobsCommand(program);
      await assert.rejects(program.parseAsync(['node', 'metronome', 'jobs', ...args]), (error: unknown) => {
        assert.ok(error instanceof UserError || error instanceof CommanderError, String(error));
        assert.match(error.message, message);
        return true;
      }, args.join(' '));
    };
    const reg = ['register', '--org', org, '--name', 'x', '--cron', '0 1 * * *', '--endpoint', endpoint];
    await invalid(['register', '--org', org, '--name', 'x', '--cron', '0 25 * * *', '--endpoint', endpoint], /^--cron: not a valid cron expression: hour "25" is out of range 0-23$/);
    await invalid([...reg, '--timeout-ms', '5'], /^--timeout-ms: /);
    await invalid([...reg, '--max-retries', 'many'], /^--max-retries: /);
    await invalid([...reg, '--config', '{'], /--config must be a JSON object/);
    await invalid([...reg, '--config', '[1]'], /^--config: /);
    await invalid([...reg, '--timezone', 'Mars/Base'], /^--timezone: an IANA time zone/);
    await invalid([...reg, '--disabled', '--enabled'], /--disabled and --enabled exclude each other/);
    await invalid(['register', '--org', org, '--name', 'Bad Name', '--cron', '0 1 * * *', '--endpoint', endpoint], /^--name: a job name/);
    await invalid(['register', '--org', org, '--name', 'x', '--cron', '0 1 * * *'], /required option '--endpoint <url>' not specified/);
    await invalid(['get', 'cli-job', '--org', 'a/b'], /--org "a\/b" is not valid/);
    await invalid(['get', 'No_Such', '--org', org], /<name> "No_Such" is not valid/);
    await invalid(['get', 'cli-job'], /required option '--org <id>' not specified/);
    await invalid(['history', 'cli-job', '--org', org, '--limit', '0'], /^--limit: /);
    await invalid(['history', 'cli-job', '--org', org, '--status', 'running'], /^--status: /);
    await invalid(['cron', 'cli-job', '--org', org, '--cron', '0 0 * * *', '--timezone', 'Nowhere'], /^--timezone: an IANA time zone/);
    await invalid(['trigger', 'cli-job', '--org', org, '--user', ''], /--user must be 1-200 characters/);
    // Refusals that need the registry: a real process, exit 1, one line.
    refused(['jobs', 'register', '--org', org, '--name', 'x', '--cron', '0 1 * * *', '--endpoint', '/x', '--service', 'crawler-service'], /--service: service "crawler-service" has no URL: set CRAWLER_SERVICE_URL/);
    refused(['jobs', 'get', 'cli-job', '--org', `${org}x`], /job "cli-job" not found/);

    const deleted = metronome(['jobs', 'delete', 'cli-job', '--org', org]);
    assert.equal(deleted.code, 0, deleted.stderr);
    refused(['jobs', 'get', 'cli-job', '--org', org], /job "cli-job" not found/);
  });

  it('api: refuses a bad port, serves /health and the API on the given port, and stops on SIGTERM', async () => {
    refused(['api', '--port', '70000'], /--port must be a whole number from 1 to 65535, got "70000"/);
    const badEnv = metronome(['api'], { API_PORT: '0' });
    assert.equal(badEnv.code, 2);
    assert.match(badEnv.stderr, /API_PORT="0" is not allowed: expected a whole number from 1 to 65535/);

    const token = (JSON.parse(metronome(['tokens', 'create', '--org', org, '--json']).stdout) as { token: string }).token;
    const port = basePort + 1;
    const child = spawn(process.execPath, [BIN, 'api', '--port', String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    try {
      const deadline = Date.now() + 30_000;
      while (!output.includes('API listening on') && Date.now() < deadline && child.exitCode === null) await sleep(100);
      assert.match(output, new RegExp(`API listening on http://127\\.0\\.0\\.1:${port} `));
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      assert.equal(health.status, 200);
      const jobs = await fetch(`http://127.0.0.1:${port}/api/jobs`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(jobs.status, 200);
      assert.deepEqual(await jobs.json(), { jobs: [] });
      assert.equal((await fetch(`http://127.0.0.1:${port}/api/jobs`)).status, 401);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, output);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
