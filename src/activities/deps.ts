// What activities are built from: the worker injects the real database and mailer,
// tests inject their own (the createActivities(deps) factory of the Temporal samples).
import type { Client } from '@temporalio/client';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../config';
import type { Mailer } from '../mail/mailer';
import type { Logger } from '../observability/logger';

export interface ActivityDeps {
  db: Connection;
  mailer: Mailer;
  config: AppConfig;
  logger: Logger;
  /** Activities that hand work to other workflows (signal-with-start) use this client. */
  temporal: Client;
}
