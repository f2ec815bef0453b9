import { Client, Connection } from '@temporalio/client';
import type { AppConfig } from '../config';

export interface TemporalHandle { client: Client; close(): Promise<void> }

export async function connectTemporal(config: AppConfig): Promise<TemporalHandle> {
  const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: 5000 });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  return { client, close: () => connection.close() };
}
