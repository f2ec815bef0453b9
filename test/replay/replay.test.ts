// Replays histories recorded from real runs against today's workflow code: a change that would
// break running workflows (non-determinism) fails here before it reaches a worker.
// Record a new one with: temporal workflow show --workflow-id <id> -o json > test/replay/histories/<name>.json
import { describe, it } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../helpers/time-skipping';

const HISTORIES = join(__dirname, '..', '..', '..', 'test', 'replay', 'histories');

describe('replay of recorded histories', () => {
  for (const file of readdirSync(HISTORIES).filter((f) => f.endsWith('.json'))) {
    it(`${file} replays without non-determinism`, async () => {
      const history = historyFromJSON(JSON.parse(readFileSync(join(HISTORIES, file), 'utf8')));
      await Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH, replayName: file }, history);
    });
  }
});
