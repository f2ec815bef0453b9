// Structured logs (pino, JSON lines). Events the old services emitted (job-started,
// job-completed, job-failed, alerts-triggered) are log lines with an `event` field.
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { service: 'metronome', ...bindings } });
}
