// A test API app for organisation schedules and the admin page: the zod type provider, a stub
// auth hook (`Authorization: Bearer org:<id>` or `Bearer admin`) in place of the real token auth
// of src/api/server.ts (another branch), and the error format of the API: 400 {error, fields}.
import fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../../src/config';
import type { Logger } from '../../src/observability/logger';
import { registerOrgScheduleRoutes } from '../../src/api/routes/org-schedules';
import { registerAdminPage } from '../../src/api/admin';
import { connectDatabase, closeDatabase, ensureIndexes } from '../../src/db/connection';
import { connectTemporal } from '../../src/client/temporal';
import { createLogger } from '../../src/observability/logger';
import { startWorker } from '../../src/workers/worker';
import { getOrgScheduleModel } from '../../src/db/models/org-schedule';
import { orgTemporalScheduleId } from '../../src/domain/org-schedules';
import { ensureLocalStack, isolatedConfig } from './local-stack';

export async function buildOrgTestApi(deps: { config: AppConfig; db: Connection; temporal: Client; logger: Logger }): Promise<FastifyInstance> {
  const app = fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onRequest', (request, _reply, done) => {
    const match = /^Bearer (org:([A-Za-z0-9_-]+)|admin)$/.exec(request.headers.authorization ?? '');
    if (match) request.principal = match[2] ? { tokenId: `test-${match[2]}`, orgId: match[2], admin: false } : { tokenId: 'test-admin', orgId: null, admin: true };
    done();
  });
  app.setErrorHandler((error, _request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const fields = error.validation.map((v) => ({ field: v.instancePath.replace(/^\//, '').replace(/\//g, '.') || (error.validationContext ?? 'body'), message: v.message ?? 'invalid' }));
      return reply.code(400).send({ error: `invalid ${error.validationContext ?? 'request'}`, fields });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status).send({ error: (error as Error).message });
    deps.logger.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'internal error' });
  });
  // As the real server does: the OpenAPI document is generated from the routes' zod schemas.
  await app.register(swagger, { openapi: { info: { title: 'Metronome (test)', version: '0' } }, transform: jsonSchemaTransform });
  registerOrgScheduleRoutes(app, deps);
  registerAdminPage(app);
  await app.ready();
  return app;
}

export interface OrgStack {
  config: AppConfig;
  db: Connection;
  temporal: Client;
  app: FastifyInstance;
  /** Deletes every Temporal Schedule the test created, stops the worker, closes connections. */
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
  const app = await buildOrgTestApi({ config, db, temporal: temporal.client, logger });
  return {
    config, db, temporal: temporal.client, app,
    async close() {
      await app.close();
      const docs = await getOrgScheduleModel(db).find({}).lean();
      for (const doc of docs) {
        await temporal.client.schedule.getHandle(orgTemporalScheduleId(doc.orgId, doc.scheduleId)).delete().catch(() => undefined);
      }
      await worker.shutdown();
      await db.dropDatabase();
      await closeDatabase(db);
      await temporal.close();
    },
  };
}
