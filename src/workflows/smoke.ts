import { proxyActivities } from '@temporalio/workflow';
import type { Activities, SmokeInput, SmokeResult } from '../activities';

const { smokeCheck } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/** The first workflow: one activity that touches MongoDB and SMTP. */
export async function smokeWorkflow(input: SmokeInput): Promise<SmokeResult> {
  return smokeCheck(input);
}
