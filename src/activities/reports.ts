import { getModels } from '../db/models';
import type { RunReportDoc } from '../db/models/run-report';
import type { ActivityDeps } from './deps';

export type RunReportInput = Omit<RunReportDoc, '_id' | 'key' | 'startedAt' | 'finishedAt'> & { startedAt: number; finishedAt: number };

export function createReportActivities({ db, logger }: ActivityDeps) {
  const { RunReport } = getModels(db);
  return {
    /** Records (upserts) the summary of a finished run, and logs it as a job-completed / job-failed event. */
    async recordRunReport(report: RunReportInput): Promise<void> {
      const key = `${report.workflowId}/${report.runId}`;
      const doc = { ...report, key, startedAt: new Date(report.startedAt), finishedAt: new Date(report.finishedAt) };
      await RunReport.collection.updateOne({ key }, { $set: doc }, { upsert: true });
      logger.info({ event: report.status === 'completed' ? 'job-completed' : 'job-failed', job: report.job, workflowId: report.workflowId, durationMs: report.durationMs, stats: report.stats }, `${report.job} ${report.status}`);
    },
  };
}
