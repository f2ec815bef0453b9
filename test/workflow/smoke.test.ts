import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { SmokeInput, SmokeResult } from '../../src/activities';
import { smokeWorkflow } from '../../src/workflows';
import { createTimeSkippingEnv, WORKFLOWS_PATH } from '../helpers/time-skipping';

describe('smoke workflow (time-skipping server, activity isolated)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  it('retries a failing activity and returns its result', async () => {
    let attempts = 0;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'smoke-test',
      workflowsPath: WORKFLOWS_PATH,
      activities: {
        smokeCheck: (input: SmokeInput): Promise<SmokeResult> => {
          attempts += 1;
          if (attempts < 3) return Promise.reject(new Error('SMTP not ready yet'));
          return Promise.resolve({ checkId: input.checkId, users: 7, messageId: '<m@x>', alreadySent: false });
        },
      },
    });
    const result = await worker.runUntil(env.client.workflow.execute(smokeWorkflow, {
      taskQueue: 'smoke-test',
      workflowId: 'smoke-retry',
      args: [{ checkId: 'c1', recipient: 'a@b.test' }],
    }));
    assert.equal(attempts, 3);
    assert.deepEqual(result, { checkId: 'c1', users: 7, messageId: '<m@x>', alreadySent: false });
  });
});
