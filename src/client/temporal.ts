import { Client, Connection } from '@temporalio/client';
import type { AppConfig } from '../config';

export interface TemporalHandle { client: Client; close(): Promise<void> }

export async function connectTemporal(config: AppConfig): Promise<TemporalHandle> {
  const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: 5000 });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  return { client, close: () => connection.close() };
}

/** Where an operator sees a workflow in the Temporal Web UI of the local stack. */
export function workflowUrl(config: AppConfig, workflowId: string): string {
  return `http://127.0.0.1:${config.stack.temporalUiPort}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
