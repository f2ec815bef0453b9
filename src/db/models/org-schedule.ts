// Metadata of an organisation schedule (`org_schedules`, _id `<orgId>/<scheduleId>`). The spec
// (cron, zone, DST policy), the target and the pause state live in the Temporal Schedule (DESIGN
// principle 2); Mongo keeps only what Temporal cannot answer:
// - `conflictKey`: a hash of (org, target, cron, zone), copied here because uniqueness must be
//   enforced atomically by a unique index (two equal creates at once), which Temporal cannot do;
// - `pauses`: when the schedule was paused and unpaused, because Temporal keeps only the current
//   state and the history must tell a slot skipped by a pause from a missed one;
// - name, createdAt (history starts there), who created it.
import { Schema, type Connection, type Model } from 'mongoose';

export const ORG_SCHEDULES_COLLECTION = 'org_schedules';

export interface OrgSchedulePause { from: Date; to?: Date }

export interface OrgScheduleDoc {
  _id: string;
  orgId: string;
  scheduleId: string;
  name: string;
  conflictKey: string;
  createdAt: Date;
  updatedAt: Date;
  createdBy: string;
  pauses: OrgSchedulePause[];
}

export type OrgScheduleModel = Model<OrgScheduleDoc>;

const schema = new Schema<OrgScheduleDoc>({
  _id: { type: String, required: true },
  orgId: { type: String, required: true },
  scheduleId: { type: String, required: true },
  name: { type: String, required: true },
  conflictKey: { type: String, required: true },
  createdAt: { type: Date, required: true },
  updatedAt: { type: Date, required: true },
  createdBy: { type: String, required: true },
  pauses: { type: [{ _id: false, from: { type: Date, required: true }, to: { type: Date } }], default: [] },
}, { collection: ORG_SCHEDULES_COLLECTION, versionKey: false });

schema.index({ conflictKey: 1 }, { unique: true });
schema.index({ orgId: 1 });

const models = new WeakMap<Connection, OrgScheduleModel>();

/** Registered per connection like the other models (kept out of models/index.ts to keep merges small). */
export function getOrgScheduleModel(conn: Connection): OrgScheduleModel {
  let model = models.get(conn);
  if (!model) {
    model = conn.model<OrgScheduleDoc>('OrgSchedule', schema);
    models.set(conn, model);
  }
  return model;
}
