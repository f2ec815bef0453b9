// The Temporal SDK logs every worker state change at INFO, which buries the test reporter's
// output; tests keep its warnings and errors. Imported first by the stack and time-skipping
// helpers, before any worker or connection creates the process's Runtime.
import { DefaultLogger, Runtime } from '@temporalio/worker';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // A Runtime exists already (installed by the code under test): keep it.
}
