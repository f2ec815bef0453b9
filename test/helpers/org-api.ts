// Organisation schedules and the admin page on the real stack: the real API server
// (src/api/server.ts, real token auth) over a database and `jobs` worker of the test's own,
// with real API tokens created per organisation.
import type { FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../../src/config';
import { buildApiServer } from '../../src/api/server';
import { createApiToken } from '../../src/services/api-tokens';
import { connectDatabase, closeDatabase, ensureIndexes } from '../../src/db/connection';
import { connectTemporal } from '../../src/client/temporal';
import { createLogger } from '../../src/observability/logger';
import { startWorker } from '../../src/workers/worker';
import { getModels } from '../../src/db/models';
import { getOrgScheduleModel } from '../../src/db/models/org-schedule';
import { orgTemporalScheduleId } from '../../src/domain/org-schedules';
import { ensureLocalStack, isolatedConfig } from './local-stack';

export interface OrgStack {
  config: AppConfig;
  db: Connection;
  temporal: Client;
  app: FastifyInstance;
  /** A real API token of that organisation (created once per organisation). */
  tokenFor(orgId: string): Promise<string>;
  /** A real admin token. */
  adminToken: string;
  /** Deletes every Temporal Schedule the test created (organisation schedules and registered jobs), stops the worker, closes connections. */
  close(): Promise<void>;
}

/** The real stack (Temporal dev server, MongoDB) with a `jobs` worker and the test API, all of the test's own. */
export async function startOrgStack(name: string): Promise<OrgStack> {
  await ensureLocalStack();
  const config = isolatedConfig(name);
  const logger = createLogger('warn');
  const db = await connectDatabase(config.mongodbUri, { appName: `test-${name}` });
  await ensureIndexes(db);
  const temporal = await connectTemporal(config);
  const worker = await startWorker(config, logger, { queues: ['jobs'] });
  const app = await buildApiServer({ config, db, temporal: temporal.client, logger });
  await app.ready();
  const tokens = new Map<string, Promise<string>>();
  const tokenFor = (orgId: string): Promise<string> => {
    let token = tokens.get(orgId);
    if (!token) {
      token = createApiToken(db, { orgId, name: `test ${orgId}` }).then((created) => created.token);
      tokens.set(orgId, token);
    }
    return token;
  };
  const adminToken = (await createApiToken(db, { admin: true, name: 'test admin' })).token;
  return {
    config, db, temporal: temporal.client, app, tokenFor, adminToken,
    async close() {
      await app.close();
      const docs = await getOrgScheduleModel(db).find({}).lean();
      for (const doc of docs) {
        await temporal.client.schedule.getHandle(orgTemporalScheduleId(doc.orgId, doc.scheduleId)).delete().catch(() => undefined);
      }
      for (const job of await getModels(db).HttpJob.find({}).lean()) {
        await temporal.client.schedule.getHandle(job.scheduleId).delete().catch(() => undefined);
      }
      await worker.shutdown();
      await db.dropDatabase();
      await closeDatabase(db);
      await temporal.close();
    },
  };
}
