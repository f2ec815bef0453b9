// The API's error answers: one JSON shape, `{ error, fields? }`, for every 4xx and 5xx.
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { RegistryError, type FieldProblem } from '../services/job-registry';

export interface ErrorBody { error: string; fields?: FieldProblem[] }

/** An error a route throws on purpose, with its status code. */
export class ApiError extends Error {
  constructor(readonly statusCode: number, message: string, readonly fields?: FieldProblem[]) {
    super(message);
    this.name = 'ApiError';
  }
}

const REGISTRY_STATUS: Record<RegistryError['kind'], number> = { invalid: 400, 'not-found': 404, conflict: 409 };

/** `/config/batchSize` in the body → `config.batchSize`; an issue about the whole part → its name. */
function fieldName(context: string | undefined, instancePath: string): string {
  const path = instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
  return path || context || 'body';
}

function validationFields(error: { validationContext?: string; validation: { instancePath: string; message?: string; keyword: string; params: Record<string, unknown> }[] }): FieldProblem[] {
  return error.validation.flatMap((issue) => {
    const keys = issue.params.keys;
    if (issue.keyword === 'unrecognized_keys' && Array.isArray(keys)) {
      const prefix = fieldName(undefined, issue.instancePath);
      return keys.map((key) => ({ field: prefix && issue.instancePath !== '/' ? `${prefix}.${String(key)}` : String(key), message: 'unknown field' }));
    }
    return [{ field: fieldName(error.validationContext, issue.instancePath), message: issue.message ?? 'invalid' }];
  });
}

export function installErrorHandlers(app: FastifyInstance, bodyLimitBytes: number): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const context = error.validationContext ?? 'request';
      return reply.code(400).send({ error: `invalid ${context}`, fields: validationFields(error) } satisfies ErrorBody);
    }
    if (error instanceof ApiError) {
      if (error.statusCode === 401) void reply.header('www-authenticate', 'Bearer');
      return reply.code(error.statusCode).send({ error: error.message, ...(error.fields && { fields: error.fields }) } satisfies ErrorBody);
    }
    if (error instanceof RegistryError) {
      return reply.code(REGISTRY_STATUS[error.kind]).send({ error: error.message, ...(error.fields.length && { fields: error.fields }) } satisfies ErrorBody);
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) {
      return reply.code(413).send({ error: `request body too large: the limit is ${bodyLimitBytes} bytes (API_BODY_LIMIT_BYTES)` } satisfies ErrorBody);
    }
    if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
      return reply.code(400).send({ error: 'invalid body: not valid JSON', fields: [{ field: 'body', message: error.message }] } satisfies ErrorBody);
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ error: error.message } satisfies ErrorBody);
    request.log.error({ err: error, event: 'api-error', url: request.url }, 'request failed');
    return reply.code(status >= 500 ? status : 500).send({ error: 'internal error; see the API logs' } satisfies ErrorBody);
  });
  app.setNotFoundHandler((request, reply) => {
    return reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}` } satisfies ErrorBody);
  });
}
