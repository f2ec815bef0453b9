// A tool that cannot be had stops `stack up` with one message that lists what was tried.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ferretDb, mongoJavaServer, ToolUnavailableError } from '../../src/devstack/tools';

describe('obtaining tools', () => {
  let toolsDir: string;
  let cacheDir: string;
  const saved = { PATH: process.env.PATH, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME };
  before(() => {
    toolsDir = mkdtempSync(join(tmpdir(), 'metronome-tools-'));
    cacheDir = mkdtempSync(join(tmpdir(), 'metronome-cache-'));
    process.env.PATH = '';
    process.env.XDG_CACHE_HOME = cacheDir;
  });
  after(() => {
    process.env.PATH = saved.PATH;
    process.env.XDG_CACHE_HOME = saved.XDG_CACHE_HOME;
    rmSync(toolsDir, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('FerretDB: lists the env var, PATH, the caches and the Go build it tried', async () => {
    await assert.rejects(ferretDb({ toolsDir, explicitPath: '/nowhere/ferretdb' }), (error: unknown) => {
      assert.ok(error instanceof ToolUnavailableError);
      assert.match(error.message, /Cannot obtain ferretdb\. Tried, in order:/);
      assert.match(error.message, /FERRETDB_PATH=\/nowhere\/ferretdb: not an executable file/);
      assert.match(error.message, /ferretdb on PATH: not found/);
      assert.match(error.message, /not cached yet/);
      assert.match(error.message, /go build of github\.com\/FerretDB\/FerretDB@v1\.24\.2: no go on PATH/);
      return true;
    });
  });

  it('mongo-java-server: says which of java, javac and mvn are missing', async () => {
    await assert.rejects(mongoJavaServer({ toolsDir }), (error: unknown) => {
      assert.ok(error instanceof ToolUnavailableError);
      assert.match(error.message, /missing java, javac, mvn/);
      return true;
    });
  });
});
