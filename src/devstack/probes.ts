// Health probes of the three parts of the stack. Each answers within a few seconds and
// never throws: a probe says "healthy" or why not.
import { connect } from 'node:net';
import { Connection } from '@temporalio/client';
import mongoose from 'mongoose';

export interface ProbeResult {
  healthy: boolean;
  detail: string;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] ?? error.name : String(error);
}

export async function probeTemporal(address: string, namespace: string): Promise<ProbeResult> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 2000 });
    const deadline = new Date(Date.now() + 3000);
    await connection.withDeadline(deadline, () => connection!.workflowService.describeNamespace({ namespace }));
    return { healthy: true, detail: `namespace ${namespace} ready` };
  } catch (error) {
    return { healthy: false, detail: reason(error) };
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

export async function probeMongo(uri: string): Promise<ProbeResult> {
  const client = new mongoose.mongo.MongoClient(uri, { serverSelectionTimeoutMS: 2000, connectTimeoutMS: 2000 });
  try {
    await client.connect();
    const info = await client.db('admin').command({ buildInfo: 1 });
    const version = typeof info.version === 'string' ? info.version : '?';
    const ferret = typeof info.ferretdbVersion === 'string' ? ` (FerretDB ${info.ferretdbVersion})` : '';
    return { healthy: true, detail: `MongoDB protocol ${version}${ferret}` };
  } catch (error) {
    return { healthy: false, detail: reason(error) };
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** Connects and waits for the SMTP greeting (220): a listening port alone is not a mail server. */
export function probeSmtp(host: string, port: number, timeoutMs = 3000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let greeting = '';
    const finish = (result: ProbeResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ healthy: false, detail: `no SMTP greeting within ${timeoutMs} ms` }), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      greeting += chunk.toString('latin1');
      if (greeting.includes('\n')) {
        const line = greeting.split('\r\n')[0] ?? '';
        finish(line.startsWith('220') ? { healthy: true, detail: line.trim() } : { healthy: false, detail: `unexpected greeting: ${line}` });
      }
    });
    socket.on('error', (error) => finish({ healthy: false, detail: reason(error) }));
  });
}

export async function probeHttp(url: string, timeoutMs = 3000): Promise<ProbeResult> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { healthy: response.ok, detail: `HTTP ${response.status}` };
  } catch (error) {
    return { healthy: false, detail: reason(error) };
  }
}
