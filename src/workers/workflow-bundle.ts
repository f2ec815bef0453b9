// The workflow code is bundled once at build time (`npm run build` → dist/workflow-bundle.js)
// so a worker starts in about a second instead of running webpack on every start.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';

export const WORKFLOW_BUNDLE_PATH = resolve(__dirname, '..', '..', 'workflow-bundle.js');
const WORKFLOWS_PATH = require.resolve('../workflows');

export async function buildWorkflowBundle(path = WORKFLOW_BUNDLE_PATH): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  await writeFile(path, code);
  return path;
}

/** The prebuilt bundle when there is one; otherwise bundle in memory (slower start). */
export function workflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  return existsSync(WORKFLOW_BUNDLE_PATH)
    ? { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } }
    : { workflowsPath: WORKFLOWS_PATH };
}

const noop = () => undefined;
const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };

if (require.main === module) {
  buildWorkflowBundle().then(
    (path) => console.log(`workflow bundle written to ${path}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
