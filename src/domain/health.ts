// The health-check job's rules (seed 001's monitoring thresholds), pure so that the workflow,
// the worker's /readyz and the unit tests share one definition.
//   - error rate of recent runs   > SCHEDULER_ERROR_RATE_THRESHOLD                  → alert
//   - worker memory (RSS)         > SCHEDULER_MEMORY_ALERT_THRESHOLD × MAX_MEMORY_MB → alert
//   - a job still running after   > 75 % of SCHEDULER_MAX_JOB_DURATION_HOURS         → alert
//   - a dependency (MongoDB, SMTP, Temporal) that does not answer                     → alert

import { CLEANUP, HEALTH_CHECK } from './jobs';

export { HEALTH_CHECK };

/** Seed 001: "Job Duration: Alert when >75% of timeout reached". */
export const JOB_DURATION_ALERT_RATIO = 0.75;

/** The error rate is computed over the runs that finished in this window (the health-check's own runs excluded). */
export const ERROR_RATE_WINDOW_MS = 60 * 60 * 1000;

export const DEPENDENCIES = ['mongodb', 'smtp', 'temporal'] as const;
export type DependencyName = (typeof DEPENDENCIES)[number];

export interface DependencyCheck {
  /** UP or DOWN, like seed 000's scheduler status words. */
  status: 'UP' | 'DOWN';
  healthy: boolean;
  latencyMs: number;
  /** What the dependency answered, or why it did not. */
  detail: string;
  checkedAt: string;
}

/** Seed 000's health response format, with dependencies where it had schedulers. */
export interface HealthReport {
  healthy: boolean;
  status: 'healthy' | 'unhealthy';
  timestamp: string;
  dependencies: { total: number; up: number; errors: number };
  details: Record<DependencyName, DependencyCheck>;
}

export function summarizeHealth(details: Record<DependencyName, DependencyCheck>, now: Date): HealthReport {
  const checks = DEPENDENCIES.map((name) => details[name]);
  const up = checks.filter((c) => c.healthy).length;
  const healthy = up === checks.length;
  return {
    healthy,
    status: healthy ? 'healthy' : 'unhealthy',
    timestamp: now.toISOString(),
    dependencies: { total: checks.length, up, errors: checks.length - up },
    details,
  };
}

export interface RunCounts { total: number; failed: number }

/** failed / total of the window's runs; 0 when nothing ran (no runs is not an error). */
export function errorRate({ total, failed }: RunCounts): number {
  return total === 0 ? 0 : failed / total;
}

export interface RunningJob { workflowId: string; workflowType: string; startedAt: string; runningMs: number }

export interface HealthSample {
  health: HealthReport;
  runs: RunCounts & { windowMs: number };
  memory: { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number; worker: string };
  runningJobs: RunningJob[];
}

export interface AlertThresholds {
  errorRate: number;
  /** Fraction of maxMemoryMb. */
  memoryRatio: number;
  maxMemoryMb: number;
  maxJobDurationHours: number;
}

export type AlertKind = 'dependency-down' | 'error-rate' | 'memory' | 'job-duration';

export interface Alert {
  kind: AlertKind;
  severity: 'critical' | 'warning';
  message: string;
  value: number;
  threshold: number;
  subject?: string;
}

function percent(n: number): string {
  return `${(n * 100).toFixed(1)}%`;
}

export function evaluateAlerts(sample: HealthSample, t: AlertThresholds): Alert[] {
  const alerts: Alert[] = [];
  for (const name of DEPENDENCIES) {
    const check = sample.health.details[name];
    if (!check.healthy) {
      alerts.push({ kind: 'dependency-down', severity: 'critical', subject: name, value: 0, threshold: 1, message: `${name} is down: ${check.detail}` });
    }
  }
  const rate = errorRate(sample.runs);
  if (rate > t.errorRate) {
    alerts.push({
      kind: 'error-rate', severity: 'warning', value: rate, threshold: t.errorRate,
      message: `error rate ${percent(rate)} (${sample.runs.failed} of ${sample.runs.total} runs in the last ${Math.round(sample.runs.windowMs / 60_000)} min) is above ${percent(t.errorRate)}`,
    });
  }
  const usage = memoryUsageRatio(sample.memory.rssBytes, t.maxMemoryMb);
  if (usage > t.memoryRatio) {
    alerts.push({
      kind: 'memory', severity: 'warning', subject: sample.memory.worker, value: usage, threshold: t.memoryRatio,
      message: `worker ${sample.memory.worker} uses ${Math.round(sample.memory.rssBytes / 1048576)} MB, ${percent(usage)} of ${t.maxMemoryMb} MB (alert above ${percent(t.memoryRatio)})`,
    });
  }
  const limitMs = t.maxJobDurationHours * 3_600_000;
  for (const job of sample.runningJobs) {
    const ratio = job.runningMs / limitMs;
    if (ratio > JOB_DURATION_ALERT_RATIO) {
      alerts.push({
        kind: 'job-duration', severity: 'warning', subject: job.workflowId, value: ratio, threshold: JOB_DURATION_ALERT_RATIO,
        message: `${job.workflowId} has run ${Math.round(job.runningMs / 60_000)} min, ${percent(ratio)} of SCHEDULER_MAX_JOB_DURATION_HOURS=${t.maxJobDurationHours}`,
      });
    }
  }
  return alerts;
}

export function memoryUsageRatio(rssBytes: number, maxMemoryMb: number): number {
  return rssBytes / (maxMemoryMb * 1048576);
}

/** Workflow types whose running time is watched: the jobs that are meant to finish (not reminders or timers that wait by design). */
export const DURATION_WATCHED_WORKFLOW_TYPES = [
  'invitationCycleWorkflow',
  'invitationChunkWorkflow',
  'scheduledInvitationCycleWorkflow',
  HEALTH_CHECK.workflowType,
  CLEANUP.workflowType,
] as const;

/** What the health-check workflow returns and records in its run report. */
export interface HealthCheckResult {
  status: 'healthy' | 'unhealthy';
  health: HealthReport;
  errorRate: number;
  runs: HealthSample['runs'];
  memory: HealthSample['memory'];
  runningJobs: RunningJob[];
  alerts: Alert[];
  webhookNotified: boolean;
}

/** The body POSTed to ALERT_WEBHOOK_URL (seed 001's `alerts-triggered` event: { alerts, healthData }). */
export interface AlertWebhookPayload {
  event: 'alerts-triggered';
  source: string;
  timestamp: string;
  alerts: Alert[];
  healthData: Omit<HealthCheckResult, 'alerts' | 'webhookNotified'>;
}
