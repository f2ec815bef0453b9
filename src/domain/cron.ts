// Standard 5-field cron (minute hour day-of-month month day-of-week), checked here before an
// expression reaches Temporal: the server's own messages ("CronString does not have 5-7 fields")
// do not say which field is wrong, and it silently accepts expressions that never fire.
// Pure and dependency-free, so the CLI, the Schedules library and tests can all use it.

export type CronCheck = { ok: true } | { ok: false; problem: string };

/** The values each field matches, sorted; day-of-week uses 0 = Sunday (a 7 is read as 0). */
export interface CronFields {
  minute: number[];
  hour: number[];
  dayOfMonth: number[];
  month: number[];
  dayOfWeek: number[];
}

export type CronParse = { ok: true; fields: CronFields } | { ok: false; problem: string };

interface FieldRule {
  key: keyof CronFields;
  label: string;
  min: number;
  max: number;
  names?: readonly string[];
  example: string;
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

const FIELDS: readonly FieldRule[] = [
  { key: 'minute', label: 'minute', min: 0, max: 59, example: '0,30 or */15' },
  { key: 'hour', label: 'hour', min: 0, max: 23, example: '9-17 or */2' },
  { key: 'dayOfMonth', label: 'day-of-month', min: 1, max: 31, example: '1,15 or 1-7' },
  { key: 'month', label: 'month', min: 1, max: 12, names: MONTH_NAMES, example: 'JAN-MAR or */3' },
  // 7 is Sunday too in most crons (and in Temporal's parser).
  { key: 'dayOfWeek', label: 'day-of-week', min: 0, max: 7, names: DAY_NAMES, example: 'MON-FRI or 0,6' },
];

const FIELD_LIST = 'minute hour day-of-month month day-of-week';
/** Longest day of each month, February counting leap years (a 29 February schedule is legal). */
const MONTH_LENGTHS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const MONTH_FULL_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;

class CronProblem extends Error {}

function fail(problem: string): never {
  throw new CronProblem(problem);
}

/** The highest value `*` and `v/step` reach: 7 is only an alias of Sunday, not an eighth day. */
function top(rule: FieldRule): number {
  return rule.key === 'dayOfWeek' ? 6 : rule.max;
}

function shape(rule: FieldRule, token: string): string {
  const names = rule.names ? `, a name such as ${rule.names[1]}` : '';
  return `${rule.label} "${token}" is not valid: use *, a number (${rule.min}-${rule.max})${names}, a list, a range or a step, e.g. ${rule.example}`;
}

function readValue(rule: FieldRule, text: string, token: string): number {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value < rule.min || value > rule.max) fail(`${rule.label} "${text}" is out of range ${rule.min}-${rule.max}`);
    return value;
  }
  const named = rule.names ? rule.names.indexOf(text.toUpperCase()) : -1;
  if (named >= 0) return named + (rule.key === 'month' ? 1 : 0);
  return fail(shape(rule, token));
}

function readStep(rule: FieldRule, text: string | undefined, token: string): number {
  if (text === undefined) return 1;
  if (!/^\d+$/.test(text)) fail(shape(rule, token));
  const step = Number(text);
  const span = top(rule) - rule.min + 1;
  if (step < 1 || step > span) fail(`${rule.label} step "${text}" in "${token}" must be from 1 to ${span}`);
  return step;
}

/** One list item: `*`, `v`, `a-b`, each optionally `/step` (`v/step` means from v to the maximum). */
function expandItem(rule: FieldRule, item: string): number[] {
  const [base = '', stepText, extra] = item.split('/');
  if (extra !== undefined || base === '') fail(shape(rule, item));
  const step = readStep(rule, stepText, item);
  let start: number;
  let end: number;
  if (base === '*') {
    [start, end] = [rule.min, top(rule)];
  } else if (base.includes('-')) {
    const [from = '', to = '', more] = base.split('-');
    if (more !== undefined || from === '' || to === '') fail(shape(rule, item));
    [start, end] = [readValue(rule, from, item), readValue(rule, to, item)];
    if (start > end) fail(`${rule.label} range "${base}" goes backwards (${start} > ${end})`);
  } else {
    start = readValue(rule, base, item);
    end = stepText === undefined ? start : top(rule);
  }
  const values: number[] = [];
  for (let v = start; v <= end; v += step) values.push(v);
  return values;
}

function expandField(rule: FieldRule, token: string): number[] {
  const items = token.split(',');
  if (items.some((item) => item === '')) fail(`${rule.label} "${token}" has an empty list item`);
  const values = new Set(items.flatMap((item) => expandItem(rule, item)).map((v) => (rule.key === 'dayOfWeek' && v === 7 ? 0 : v)));
  return [...values].sort((a, b) => a - b);
}

function isEverything(values: number[], min: number, max: number): boolean {
  return values.length === max - min + 1;
}

/**
 * Temporal matches a time only when day-of-month AND day-of-week both match, where standard
 * cron runs when EITHER does ("0 0 1 * MON": the 1st and every Monday). Rather than let the two
 * readings silently differ, only one of the two day fields may be restricted.
 */
function checkDayFields(fields: CronFields, tokens: string[]): void {
  if (!isEverything(fields.dayOfMonth, 1, 31) && !isEverything(fields.dayOfWeek, 0, 6)) {
    fail(`day-of-month "${tokens[2]}" and day-of-week "${tokens[4]}" are both restricted: standard cron runs when either matches, `
      + 'Temporal only when both do; restrict one of them and write * for the other');
  }
  const longest = Math.max(...fields.month.map((m) => MONTH_LENGTHS[m - 1] ?? 31));
  const earliest = fields.dayOfMonth[0] ?? 1;
  if (earliest > longest) {
    const months = fields.month.map((m) => MONTH_FULL_NAMES[m - 1]).join(', ');
    fail(`day-of-month "${tokens[2]}" never occurs in ${months}: the schedule would never run`);
  }
}

function splitFields(expr: string): string[] {
  const trimmed = expr.trim();
  if (trimmed === '') fail(`the cron expression is empty: expected 5 fields (${FIELD_LIST}), e.g. "0 18 5 * *"`);
  if (trimmed.startsWith('@')) fail(`"${trimmed}" is not supported: write the 5 fields (${FIELD_LIST}), e.g. "0 0 1 * *" for @monthly`);
  const tokens = trimmed.split(/\s+/);
  if (tokens.length !== 5) fail(`expected 5 fields (${FIELD_LIST}), got ${tokens.length} in "${trimmed}"`);
  return tokens;
}

/** Parses a standard 5-field cron expression into the values each field matches. */
export function parseCron(expr: string): CronParse {
  try {
    const tokens = splitFields(expr);
    const entries = FIELDS.map((rule, i) => [rule.key, expandField(rule, tokens[i] ?? '')] as const);
    const fields = Object.fromEntries(entries) as unknown as CronFields;
    checkDayFields(fields, tokens);
    return { ok: true, fields };
  } catch (error) {
    if (error instanceof CronProblem) return { ok: false, problem: error.message };
    throw error;
  }
}

/** Whether `expr` is a standard 5-field cron expression; if not, which field is wrong and why. */
export function validateCron(expr: string): CronCheck {
  const parsed = parseCron(expr);
  return parsed.ok ? { ok: true } : { ok: false, problem: parsed.problem };
}
