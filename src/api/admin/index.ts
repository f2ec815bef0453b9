// The admin page (seed 002's admin UI): one static HTML page and one vanilla script, no build
// step, calling the JSON API with a token the user pastes (kept in the browser's localStorage).
import type { FastifyInstance } from 'fastify';
import { ADMIN_HTML, ADMIN_JS } from './page';

export function registerAdminPage(app: FastifyInstance): void {
  app.get('/admin', { schema: { hide: true } }, (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(ADMIN_HTML));
  app.get('/admin/app.js', { schema: { hide: true } }, (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-store').send(ADMIN_JS));
}
