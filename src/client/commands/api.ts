// `metronome api`: the HTTP API (job registry, organisation schedules, /health, /metrics) until SIGTERM / SIGINT.
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config';
import { startApi } from '../../api/run';
import { createLogger } from '../../observability/logger';

export function parsePortOption(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new InvalidArgumentError(`--port must be a whole number from 1 to 65535, got "${value}"`);
  }
  return port;
}

export function registerApiCommand(program: Command): void {
  program.command('api')
    .description('serve the HTTP API (job registry, /health, /metrics, /openapi.json) until SIGTERM / SIGINT')
    .option('--port <n>', 'port to listen on (default API_PORT, 3000)', parsePortOption)
    .option('--host <host>', 'address to listen on (default API_HOST, 127.0.0.1)')
    .action(async (options: { port?: number; host?: string }) => {
      const config = loadConfig();
      const logger = createLogger(config.logLevel);
      const api = await startApi(config, logger, { port: options.port, host: options.host });
      process.stdout.write(`metronome: API listening on ${api.url} (OpenAPI: ${api.url}/openapi.json)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      await api.close();
    });
}
