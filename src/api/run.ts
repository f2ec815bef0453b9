// Starting the API as a process of its own (`metronome api`) or next to a worker (`npm start`).
import type { FastifyInstance } from 'fastify';
import type { AppConfig } from '../config';
import { closeDatabase, connectDatabase, ensureIndexes } from '../db/connection';
import type { Logger } from '../observability/logger';
import { connectTemporal } from '../client/temporal';
import { buildApiServer } from './server';

export interface RunningApi { app: FastifyInstance; url: string; close(): Promise<void> }

export async function startApi(config: AppConfig, logger: Logger, listen: { host?: string; port?: number } = {}): Promise<RunningApi> {
  const db = await connectDatabase(config.mongodbUri, { appName: 'metronome-api' });
  let temporal: Awaited<ReturnType<typeof connectTemporal>> | undefined;
  try {
    await ensureIndexes(db);
    temporal = await connectTemporal(config);
    const app = await buildApiServer({ config, db, temporal: temporal.client, logger });
    const host = listen.host ?? config.api.host;
    const port = listen.port ?? config.api.port;
    try {
      await app.listen({ host, port });
    } catch (error) {
      await app.close();
      const code = (error as { code?: unknown }).code;
      if (code === 'EADDRINUSE') throw new Error(`the API cannot listen on ${host}:${port}: the port is in use (set API_PORT, or --port for \`metronome api\`)`, { cause: error });
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new Error(`the API cannot listen on ${host}:${port}: no such local address (API_HOST)`, { cause: error });
      throw error;
    }
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    logger.info({ event: 'api-started', url }, 'API listening');
    const connections = temporal;
    return {
      app,
      url,
      async close() {
        await app.close();
        await connections.close();
        await closeDatabase(db);
      },
    };
  } catch (error) {
    await temporal?.close();
    await closeDatabase(db);
    throw error;
  }
}
