import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../config';
import type { SmokeResult } from '../activities';
import { smokeWorkflow } from '../workflows';
import { connectTemporal } from './temporal';

export const DEFAULT_SMOKE_RECIPIENT = 'smoke@metronome.local';

/** Runs the first workflow (one activity touching MongoDB and SMTP) and waits for its result. */
export async function runSmokeWorkflow(config: AppConfig, recipient = DEFAULT_SMOKE_RECIPIENT): Promise<SmokeResult & { workflowId: string }> {
  const temporal = await connectTemporal(config);
  try {
    const checkId = randomUUID();
    const workflowId = `smoke-${checkId}`;
    const result = await temporal.client.workflow.execute(smokeWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [{ checkId, recipient }],
      workflowExecutionTimeout: '5 minutes',
    });
    return { ...result, workflowId };
  } finally {
    await temporal.close();
  }
}
