// CSV contact imports (seed 000's CsvImportSchedulerService): the pure rules shared by the
// workflow, the activities, the configuration and the CLI. No I/O here.
import { validateCron } from './cron';

export const CSV_IMPORT_JOB = 'csv-import';

/** One Schedule per organisation (owner). */
export function csvImportScheduleId(ownerId: string): string {
  return `csv-import-${ownerId}`;
}

/** The import run of one organisation: one id, so a scheduled and a manual run never overlap. */
export function csvImportWorkflowId(ownerId: string): string {
  return `csv-import-run-${ownerId}`;
}

export const OWNER_ID_PATTERN = /^[0-9a-f]{24}$/;

export function isOwnerId(value: string): boolean {
  return OWNER_ID_PATTERN.test(value);
}

// ---------------------------------------------------------------------------------------------
// CSV_IMPORT_INTERVAL: a duration (`10m`, `90s`, `1h`) or, as in seed 000, a cron expression.
// ---------------------------------------------------------------------------------------------

export type ImportInterval = { kind: 'every'; ms: number; text: string } | { kind: 'cron'; cron: string; text: string };

export const MIN_INTERVAL_MS = 60_000;
export const MAX_INTERVAL_MS = 24 * 3_600_000;
export const INTERVAL_ALLOWED = 'a duration from 1m to 24h such as 10m, 90s or 1h, or a 5-field cron expression such as */10 * * * *';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

export function parseImportInterval(value: string): ImportInterval | undefined {
  const text = value.trim();
  const duration = /^(\d+)\s*(s|m|h)$/i.exec(text);
  if (duration) {
    const ms = Number(duration[1]) * UNIT_MS[duration[2]!.toLowerCase()]!;
    return ms >= MIN_INTERVAL_MS && ms <= MAX_INTERVAL_MS ? { kind: 'every', ms, text } : undefined;
  }
  const cron = text.split(/\s+/).join(' ');
  return cron.split(' ').length === 5 && validateCron(cron).ok ? { kind: 'cron', cron, text: cron } : undefined;
}

/**
 * Spreads the organisations' runs over the interval (a stable offset per owner), so 500
 * organisations do not all start at :00, :10, :20…
 */
export function intervalOffsetMs(ownerId: string, everyMs: number): number {
  let hash = 0;
  for (const ch of ownerId) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  const slots = Math.max(1, Math.floor(everyMs / 1000));
  return (hash % slots) * 1000;
}

// ---------------------------------------------------------------------------------------------
// Columns and rows
// ---------------------------------------------------------------------------------------------

/** The contact fields a CSV can fill (src/db/models/contact.ts). `name` is split into first and last name. */
export type ContactColumn = 'email' | 'firstName' | 'lastName' | 'name';

const COLUMN_ALIASES: Record<string, ContactColumn> = {
  email: 'email', emailaddress: 'email', mail: 'email',
  firstname: 'firstName', givenname: 'firstName', first: 'firstName',
  lastname: 'lastName', surname: 'lastName', familyname: 'lastName', last: 'lastName',
  name: 'name', fullname: 'name',
};

/** A cell longer than this rejects the row; the parser refuses records over MAX_RECORD_BYTES. */
export const MAX_NAME_LENGTH = 100;
export const MAX_EMAIL_LENGTH = 254;
export const MAX_LOCAL_PART_LENGTH = 64;
/** The parser's bound on one record (all its fields): a 1 MB cell is one rejected row, not 1 MB of memory per row. */
export const MAX_RECORD_BYTES = 64 * 1024;
/** Row errors and duplicate samples kept per file (all are counted). */
export const MAX_REPORTED_ROWS = 100;

export interface HeaderMapping {
  /** Index of each known column in a record. */
  columns: Partial<Record<ContactColumn, number>>;
  /** Header cells that match no contact field (ignored, reported). */
  ignored: string[];
  width: number;
}

export type HeaderCheck = { ok: true; mapping: HeaderMapping } | { ok: false; problem: string };

function normaliseHeader(cell: string): string {
  return cell.replace(/^\uFEFF/, '').trim().toLowerCase().replace(/[\s_\-.]+/g, '');
}

/** The header line must name an email column; other known columns are optional. */
export function checkHeader(cells: string[]): HeaderCheck {
  const columns: Partial<Record<ContactColumn, number>> = {};
  const ignored: string[] = [];
  cells.forEach((cell, index) => {
    const column = COLUMN_ALIASES[normaliseHeader(cell)];
    if (column && columns[column] === undefined) columns[column] = index;
    else ignored.push(cell);
  });
  if (columns.email === undefined) {
    const shown = cells.slice(0, 5).map((c) => JSON.stringify(c.slice(0, 40))).join(', ');
    return { ok: false, problem: `missing header: the first line must name the columns and include "email" (found ${shown || 'nothing'})` };
  }
  return { ok: true, mapping: { columns, ignored, width: cells.length } };
}

export interface ContactRow { email: string; firstName: string; lastName: string }
export interface RowProblem { row: number; field: string; reason: string }
export type RowCheck = { ok: true; contact: ContactRow } | { ok: false; problem: RowProblem };

// Pragmatic syntax check (what a mail server accepts in practice), not the full RFC 5322 grammar.
const EMAIL = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

export function checkEmail(raw: string): string | undefined {
  const email = raw.trim();
  if (email === '') return 'is empty';
  if (email.length > MAX_EMAIL_LENGTH) return `is longer than ${MAX_EMAIL_LENGTH} characters`;
  const at = email.lastIndexOf('@');
  if (at > MAX_LOCAL_PART_LENGTH) return `has a local part longer than ${MAX_LOCAL_PART_LENGTH} characters`;
  if (!EMAIL.test(email) || email.includes('..') || email.startsWith('.') || email.slice(0, at).endsWith('.')) {
    return `"${email.slice(0, 60)}" is not a valid e-mail address`;
  }
  return undefined;
}

/** Validates one data record (row numbers count data rows: 1 is the line after the header). */
export function checkRow(fields: string[], mapping: HeaderMapping, row: number): RowCheck {
  const fail = (field: string, reason: string): RowCheck => ({ ok: false, problem: { row, field, reason } });
  if (fields.length !== mapping.width) return fail('(row)', `has ${fields.length} fields, the header has ${mapping.width}`);
  const cell = (column: ContactColumn) => {
    const index = mapping.columns[column];
    return index === undefined ? '' : (fields[index] ?? '').trim();
  };
  for (let i = 0; i < fields.length; i += 1) {
    if (fields[i]!.includes('\uFFFD')) return fail('(row)', 'is not valid UTF-8 (save the file as UTF-8)');
  }
  const email = cell('email');
  const emailProblem = checkEmail(email);
  if (emailProblem) return fail('email', emailProblem);
  let firstName = cell('firstName');
  let lastName = cell('lastName');
  const name = cell('name');
  if (name && !firstName && !lastName) {
    const space = name.indexOf(' ');
    firstName = space < 0 ? name : name.slice(0, space);
    lastName = space < 0 ? '' : name.slice(space + 1).trim();
  }
  if (name.length > 2 * MAX_NAME_LENGTH) return fail('name', `is longer than ${2 * MAX_NAME_LENGTH} characters`);
  if (firstName.length > MAX_NAME_LENGTH) return fail('firstName', `is longer than ${MAX_NAME_LENGTH} characters`);
  if (lastName.length > MAX_NAME_LENGTH) return fail('lastName', `is longer than ${MAX_NAME_LENGTH} characters`);
  return { ok: true, contact: { email: email.toLowerCase(), firstName, lastName } };
}

// ---------------------------------------------------------------------------------------------
// Runs
// ---------------------------------------------------------------------------------------------

export const IMPORT_STATUSES = ['pending', 'running', 'completed', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** Figures of one file (also the shape summed over a run). */
export interface ImportCounts {
  rows: number;
  inserted: number;
  invalid: number;
  duplicatesInFile: number;
  duplicatesInDb: number;
}

export function emptyCounts(): ImportCounts {
  return { rows: 0, inserted: 0, invalid: 0, duplicatesInFile: 0, duplicatesInDb: 0 };
}

export function addCounts(a: ImportCounts, b: ImportCounts): ImportCounts {
  return {
    rows: a.rows + b.rows,
    inserted: a.inserted + b.inserted,
    invalid: a.invalid + b.invalid,
    duplicatesInFile: a.duplicatesInFile + b.duplicatesInFile,
    duplicatesInDb: a.duplicatesInDb + b.duplicatesInDb,
  };
}

export interface ImportTuning {
  batchSize: number;
  maxConcurrent: number;
  timeoutMs: number;
}

export interface ImportFileRef { importId: string; fileName: string }

export interface ImportFileResult extends ImportCounts {
  importId: string;
  fileName: string;
  status: ImportStatus;
  error?: string;
}

export interface CsvImportProgress {
  ownerId: string;
  phase: 'listing' | 'importing' | 'reporting' | 'done';
  filesTotal: number;
  filesDone: number;
  filesFailed: number;
  counts: ImportCounts;
  files: ImportFileResult[];
}

export interface CsvImportResult extends CsvImportProgress {
  durationMs: number;
}
