// The HTTP API (seeds 002 and 004): fastify with zod-validated input, an OpenAPI document,
// /health and Prometheus /metrics. Routes under /api/ need an API token (src/api/auth.ts).
import fastifySwagger from '@fastify/swagger';
import type { Client } from '@temporalio/client';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../config';
import type { Logger } from '../observability/logger';
import { installAuth } from './auth';
import { installErrorHandlers } from './errors';
import { checkHealth } from './health';
import { installMetrics } from './metrics';
import { registerJobRoutes } from './routes/jobs';
import { registerOrgScheduleRoutes } from './routes/org-schedules';
import { registerAdminPage } from './admin';

export interface ApiDeps {
  config: AppConfig;
  db: Connection;
  temporal: Client;
  logger: Logger;
}

export async function buildApiServer(deps: ApiDeps): Promise<FastifyInstance> {
  // Typed as FastifyBaseLogger so the instance keeps fastify's default generic types.
  const loggerInstance: FastifyBaseLogger = deps.logger.child({ component: 'api' });
  const app = Fastify({
    loggerInstance,
    bodyLimit: deps.config.api.bodyLimitBytes,
    // One log line per request is noise at this volume; errors and events are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app, deps.config.api.bodyLimitBytes);
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Metronome API', version: '0.1.0', description: 'Job registry (seed 002) and organisation schedules (seed 004).' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an API token from `metronome tokens create`' } } },
    },
    transform: jsonSchemaTransform,
  });
  const metrics = installMetrics(app);
  installAuth(app, deps.db);

  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    return reply.type(metrics.contentType).send(await metrics.metrics());
  });
  app.get('/health', { schema: { summary: 'MongoDB and Temporal reachability: 200 when both answer, else 503', tags: ['health'] } }, async (_request, reply) => {
    const health = await checkHealth(deps);
    return reply.code(health.status === 'ok' ? 200 : 503).send(health);
  });

  registerJobRoutes(app, deps);
  registerOrgScheduleRoutes(app, deps);
  registerAdminPage(app);
  return app;
}
