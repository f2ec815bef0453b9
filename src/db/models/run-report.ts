// One summary document per run of any job (items processed / succeeded / failed, duration):
// what seed 001's getJobHistory and getDetailedMetrics read. Keyed by the Temporal run, so a
// retried report activity upserts instead of doubling the run.
import { Schema, type Connection, type Model, type Types } from 'mongoose';

export const RUN_REPORTS_COLLECTION = 'runs';
export const RUN_STATUSES = ['completed', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunReportDoc {
  _id: Types.ObjectId;
  /** Temporal workflow id + run id: unique. */
  key: string;
  job: string;
  workflowId: string;
  runId: string;
  status: RunStatus;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  itemsProcessed: number;
  itemsSucceeded: number;
  itemsFailed: number;
  stats: Record<string, unknown>;
  error?: string;
  month?: string;
  /** Jobs that belong to an organisation (registered HTTP jobs). */
  orgId?: string;
  /** scheduler | manual | admin (registered HTTP jobs). */
  triggeredBy?: string;
}

export type RunReportModel = Model<RunReportDoc>;

export const runReportSchema = new Schema<RunReportDoc>(
  {
    key: { type: String, required: true },
    job: { type: String, required: true },
    workflowId: { type: String, required: true },
    runId: { type: String, required: true },
    status: { type: String, required: true, enum: RUN_STATUSES },
    startedAt: { type: Date, required: true },
    finishedAt: { type: Date, required: true },
    durationMs: { type: Number, required: true, min: 0 },
    itemsProcessed: { type: Number, required: true, default: 0 },
    itemsSucceeded: { type: Number, required: true, default: 0 },
    itemsFailed: { type: Number, required: true, default: 0 },
    stats: { type: Schema.Types.Mixed, default: {} },
    error: { type: String },
    month: { type: String },
    orgId: { type: String },
    triggeredBy: { type: String },
  },
  { collection: RUN_REPORTS_COLLECTION, versionKey: false },
);

runReportSchema.index({ key: 1 }, { unique: true });
runReportSchema.index({ job: 1, startedAt: -1 });
runReportSchema.index({ startedAt: 1 });

export function registerRunReportModel(conn: Connection): RunReportModel {
  return conn.model<RunReportDoc>('RunReport', runReportSchema);
}
