// A test API app for organisation schedules and the admin page: the zod type provider, a stub
// auth hook (`Authorization: Bearer org:<id>` or `Bearer admin`) in place of the real token auth
// of src/api/server.ts (another branch), and the error format of the API: 400 {error, fields}.
import fastify, { type FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../../src/config';
import type { Logger } from '../../src/observability/logger';
import { registerOrgScheduleRoutes } from '../../src/api/routes/org-schedules';
import { registerAdminPage } from '../../src/api/admin';

export async function buildOrgTestApi(deps: { config: AppConfig; db: Connection; temporal: Client; logger: Logger }): Promise<FastifyInstance> {
  const app = fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onRequest', async (request) => {
    const match = /^Bearer (org:([A-Za-z0-9_-]+)|admin)$/.exec(request.headers.authorization ?? '');
    if (match) request.principal = match[2] ? { tokenId: `test-${match[2]}`, orgId: match[2], admin: false } : { tokenId: 'test-admin', orgId: null, admin: true };
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
  registerOrgScheduleRoutes(app, deps);
  registerAdminPage(app);
  await app.ready();
  return app;
}
