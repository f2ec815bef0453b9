// One document per CSV file an organisation dropped in its import folder: the record that makes
// each file imported exactly once, and the progress an operator reads (`metronome imports status`).
// _id = `<ownerId>-<sha256(name, size, mtime)[0..16]>`: the same file seen again maps to the same
// document; a file replaced under the same name (new size or mtime) is a new import.
import { Schema, type Connection, type Model, type mongo, type Types } from 'mongoose';
import { IMPORT_STATUSES, type ImportStatus, type RowProblem } from '../../domain/csv-import';

export const IMPORTS_COLLECTION = 'imports';

export interface DuplicateSample { row: number; email: string; kind: 'file' | 'database' }

export interface ImportDoc {
  _id: string;
  ownerId: Types.ObjectId;
  fileName: string;
  size: number;
  mtimeMs: number;
  status: ImportStatus;
  /** The activity attempt that owns the file; an older attempt still running stops at its next batch. */
  attempt: number;
  /** Where a resumed import continues: the byte after the last committed record, and data rows read so far. */
  byteOffset: number;
  header?: string[];
  ignoredColumns: string[];
  rows: number;
  inserted: number;
  invalid: number;
  duplicatesInFile: number;
  duplicatesInDb: number;
  /** The first MAX_REPORTED_ROWS invalid rows (all are counted in `invalid`). */
  rowErrors: RowProblem[];
  duplicateSamples: DuplicateSample[];
  error?: string;
  workflowId?: string;
  createdAt: Date;
  startedAt?: Date;
  updatedAt: Date;
  finishedAt?: Date;
  /** Where the file went once finished (`done/…` or `failed/…`), relative to the organisation's folder. */
  movedTo?: string;
}

export type ImportModel = Model<ImportDoc>;

const rowProblemSchema = new Schema({ row: Number, field: String, reason: String }, { _id: false });
const duplicateSchema = new Schema({ row: Number, email: String, kind: String }, { _id: false });

export const importSchema = new Schema<ImportDoc>(
  {
    _id: { type: String, required: true },
    ownerId: { type: Schema.Types.ObjectId, required: true, ref: 'User' },
    fileName: { type: String, required: true },
    size: { type: Number, required: true, min: 0 },
    mtimeMs: { type: Number, required: true },
    status: { type: String, required: true, enum: IMPORT_STATUSES, default: 'pending' },
    attempt: { type: Number, required: true, default: 0 },
    byteOffset: { type: Number, required: true, default: 0 },
    header: { type: [String], default: undefined },
    ignoredColumns: { type: [String], default: [] },
    rows: { type: Number, required: true, default: 0 },
    inserted: { type: Number, required: true, default: 0 },
    invalid: { type: Number, required: true, default: 0 },
    duplicatesInFile: { type: Number, required: true, default: 0 },
    duplicatesInDb: { type: Number, required: true, default: 0 },
    rowErrors: { type: [rowProblemSchema], default: [] },
    duplicateSamples: { type: [duplicateSchema], default: [] },
    error: { type: String },
    workflowId: { type: String },
    createdAt: { type: Date, required: true },
    startedAt: { type: Date },
    updatedAt: { type: Date, required: true },
    finishedAt: { type: Date },
    movedTo: { type: String },
  },
  { collection: IMPORTS_COLLECTION, versionKey: false },
);

// `imports status --owner` (a scan on mongo-java-server, which ignores non-unique indexes; the collection is small).
importSchema.index({ ownerId: 1, createdAt: -1 });

export function registerImportModel(conn: Connection): ImportModel {
  return conn.model<ImportDoc>('Import', importSchema);
}

/** The typed driver collection (string _id), for the activities' direct reads and writes. */
export function importsCollection(model: ImportModel): mongo.Collection<ImportDoc> {
  return model.collection as unknown as mongo.Collection<ImportDoc>;
}
