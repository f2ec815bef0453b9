// One-off tasks (seed 003): one document per task, _id = the task id (the workflow is
// `task-<id>`). The status moves only by conditional updates: scheduled → running (the
// workflow's claim when the timer fires) or scheduled → cancelled (an operator), never both;
// running → succeeded | failed. `revision` counts reschedules, so a timer set for an old time
// cannot claim a task that was moved.
import { Schema, type Connection, type Model } from 'mongoose';
import { TASK_STATUSES, type TaskAction, type TaskRunPolicy, type TaskStatus, type TaskWhen } from '../../domain/tasks';

export const TASKS_COLLECTION = 'tasks';

export interface TaskDoc {
  _id: string;
  ownerId: string;
  name: string;
  when: TaskWhen;
  /** The resolved UTC instant the task runs at. */
  runAt: Date;
  revision: number;
  action: TaskAction;
  policy: TaskRunPolicy;
  status: TaskStatus;
  attempts: number;
  workflowId: string;
  result?: Record<string, unknown>;
  error?: string;
  createdAt: Date;
  updatedAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  cancelledAt?: Date;
  cancelReason?: string;
}

export type TaskModel = Model<TaskDoc>;

export const taskSchema = new Schema<TaskDoc>(
  {
    _id: { type: String, required: true },
    ownerId: { type: String, required: true },
    name: { type: String, required: true },
    when: { type: Schema.Types.Mixed, required: true },
    runAt: { type: Date, required: true },
    revision: { type: Number, required: true, default: 0 },
    action: { type: Schema.Types.Mixed, required: true },
    policy: { type: Schema.Types.Mixed, required: true },
    status: { type: String, required: true, enum: TASK_STATUSES },
    attempts: { type: Number, required: true, default: 0 },
    workflowId: { type: String, required: true },
    result: { type: Schema.Types.Mixed },
    error: { type: String },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    startedAt: { type: Date },
    finishedAt: { type: Date },
    cancelledAt: { type: Date },
    cancelReason: { type: String },
  },
  { collection: TASKS_COLLECTION, versionKey: false, minimize: false },
);

// `tasks list --owner/--status/--from/--to` filters (MongoDB uses them; mongo-java-server scans).
taskSchema.index({ ownerId: 1, runAt: 1 });
taskSchema.index({ status: 1, runAt: 1 });

export function registerTaskModel(conn: Connection): TaskModel {
  return conn.model<TaskDoc>('Task', taskSchema);
}
