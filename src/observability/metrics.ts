// Metronome's own Prometheus metrics (prom-client), one registry per process, served by the
// worker's /metrics next to the Temporal SDK's runtime metrics (src/workers/http.ts).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const appRegistry = new Registry();

export const invitationsSent = new Counter({
  name: 'metronome_invitations_sent_total',
  help: 'Invitation mails accepted by the SMTP server, by this process',
  registers: [appRegistry],
});

export const invitationFailures = new Counter({
  name: 'metronome_invitation_failures_total',
  help: 'Invitation mails not (or not surely) delivered, by kind: permanent (5xx, not retried), transient (4xx / connection, retried), unconfirmed (the sender died mid-exchange)',
  labelNames: ['kind'] as const,
  registers: [appRegistry],
});

export const invitationBatchDuration = new Histogram({
  name: 'metronome_invitation_batch_duration_seconds',
  help: 'Duration of one sendInvitationBatch activity attempt',
  labelNames: ['outcome'] as const,
  buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  registers: [appRegistry],
});

export const dependencyUp = new Gauge({
  name: 'metronome_dependency_up',
  help: 'Whether the last check of a dependency (mongodb, smtp, temporal) by this process succeeded (1) or not (0)',
  labelNames: ['dependency'] as const,
  registers: [appRegistry],
});

export const alertsRaised = new Counter({
  name: 'metronome_alerts_total',
  help: 'Alerts raised by health-check runs executed in this process, by kind',
  labelNames: ['kind'] as const,
  registers: [appRegistry],
});

let defaultsOn = false;
/** Process metrics (RSS, heap, event loop lag) with the usual process_ / nodejs_ names; once per process. */
export function collectProcessMetrics(): void {
  if (defaultsOn) return;
  defaultsOn = true;
  collectDefaultMetrics({ register: appRegistry });
}
