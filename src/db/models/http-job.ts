// The job registry (seed 002): what a registered job is and whom it belongs to. When and whether
// it runs (cron, time zone, paused, next run) lives in its Temporal Schedule, not here (DESIGN
// principle 2): the API reads those from the Schedule. `_id` = `<orgId>/<name>`, so every lookup
// of one job is an `_id` read.
import { Schema, type Connection, type Model } from 'mongoose';

export const HTTP_JOBS_COLLECTION = 'jobs';

export interface HttpJobDoc {
  /** `<orgId>/<name>` */
  _id: string;
  orgId: string;
  name: string;
  displayName?: string;
  description?: string;
  jobType?: string;
  /** Owning service (`email-service`, …): its base URL comes from the configuration. */
  service?: string;
  /** Absolute URL, or a path under the service's base URL. */
  endpoint: string;
  config: Record<string, unknown>;
  timeoutMs: number;
  maxRetries: number;
  scheduleId: string;
  createdAt: Date;
  updatedAt: Date;
}

export type HttpJobModel = Model<HttpJobDoc>;

export const httpJobSchema = new Schema<HttpJobDoc>(
  {
    _id: { type: String, required: true },
    orgId: { type: String, required: true },
    name: { type: String, required: true },
    displayName: { type: String },
    description: { type: String },
    jobType: { type: String },
    service: { type: String },
    endpoint: { type: String, required: true },
    config: { type: Schema.Types.Mixed, default: {} },
    timeoutMs: { type: Number, required: true },
    maxRetries: { type: Number, required: true },
    scheduleId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: HTTP_JOBS_COLLECTION, versionKey: false, minimize: false },
);

httpJobSchema.index({ orgId: 1, name: 1 });

export function registerHttpJobModel(conn: Connection): HttpJobModel {
  return conn.model<HttpJobDoc>('HttpJob', httpJobSchema);
}
