import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCron, validateCron } from '../../src/domain/cron';

function problemOf(expr: string): string {
  const check = validateCron(expr);
  assert.equal(check.ok, false, `"${expr}" should be refused`);
  return check.ok ? '' : check.problem;
}

function fieldsOf(expr: string) {
  const parsed = parseCron(expr);
  if (!parsed.ok) assert.fail(`"${expr}" should parse: ${parsed.problem}`);
  return parsed.fields;
}

const range = (from: number, to: number, step = 1) => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

describe('validateCron accepts standard 5-field cron', () => {
  for (const expr of [
    '0 18 5 * *', '* * * * *', '*/15 9-17 * * MON-FRI', '0 0 1,15 * *', '30 2 * JAN-MAR,DEC *', '0 12 * * sun,sat',
    '0 0 * * 7', '0-30/10 * * * *', '5/10 * * * *', '0 0 29 2 *', '  0   18 5 * *  ', '0 0 1 */3 *', '00 06 05 * *',
  ]) {
    it(`"${expr}"`, () => assert.deepEqual(validateCron(expr), { ok: true }));
  }
});

describe('validateCron names the failing field', () => {
  it('out of range values', () => {
    assert.equal(problemOf('0 18 32 * *'), 'day-of-month "32" is out of range 1-31');
    assert.equal(problemOf('60 * * * *'), 'minute "60" is out of range 0-59');
    assert.equal(problemOf('0 24 * * *'), 'hour "24" is out of range 0-23');
    assert.equal(problemOf('0 0 1 13 *'), 'month "13" is out of range 1-12');
    assert.equal(problemOf('0 0 * * 8'), 'day-of-week "8" is out of range 0-7');
    assert.equal(problemOf('0 0 0 * *'), 'day-of-month "0" is out of range 1-31');
    assert.equal(problemOf('0 0 1-40 * *'), 'day-of-month "40" is out of range 1-31');
  });

  it('the wrong number of fields', () => {
    assert.match(problemOf('0 18 5 *'), /expected 5 fields \(minute hour day-of-month month day-of-week\), got 4/);
    assert.match(problemOf('0 0 18 5 * *'), /got 6/);
    assert.match(problemOf(''), /empty/);
    assert.match(problemOf('@monthly'), /"@monthly" is not supported: write the 5 fields/);
  });

  it('malformed items', () => {
    assert.match(problemOf('0 18 L * *'), /^day-of-month "L" is not valid: use \*, a number \(1-31\)/);
    assert.match(problemOf('0 18 5 * MON#1'), /^day-of-week "MON#1" is not valid/);
    assert.match(problemOf('0 18 ? * *'), /^day-of-month "\?" is not valid/);
    assert.match(problemOf('MON 18 5 * *'), /^minute "MON" is not valid/);
    assert.match(problemOf('0 18 5 FOO *'), /^month "FOO" is not valid: .*a name such as FEB/);
    assert.equal(problemOf('0 18 5,,6 * *'), 'day-of-month "5,,6" has an empty list item');
    assert.match(problemOf('*/0 * * * *'), /^minute step "0" in "\*\/0" must be from 1 to 60/);
    assert.match(problemOf('*/x * * * *'), /^minute "\*\/x" is not valid/);
    assert.match(problemOf('1-2-3 * * * *'), /^minute "1-2-3" is not valid/);
    assert.match(problemOf('0 -1 * * *'), /^hour "-1" is not valid/);
    assert.equal(problemOf('0 0 * * FRI-MON'), 'day-of-week range "FRI-MON" goes backwards (5 > 1)');
  });

  it('refuses day-of-month and day-of-week both restricted (Temporal ANDs them, cron ORs them)', () => {
    assert.match(problemOf('0 0 1 * MON'), /day-of-month "1" and day-of-week "MON" are both restricted/);
  });

  it('refuses a day that never occurs in the months given', () => {
    assert.equal(problemOf('0 0 31 2 *'), 'day-of-month "31" never occurs in February: the schedule would never run');
    assert.match(problemOf('0 0 31 APR,JUN *'), /never occurs in April, June/);
  });
});

describe('parseCron expands each field', () => {
  it('the monthly default', () => {
    assert.deepEqual(fieldsOf('0 18 5 * *'), { minute: [0], hour: [18], dayOfMonth: [5], month: range(1, 12), dayOfWeek: range(0, 6) });
  });

  it('steps, ranges, lists and names', () => {
    const f = fieldsOf('*/15 9-17/4 1,15 jan-mar,Dec *');
    assert.deepEqual(f.minute, [0, 15, 30, 45]);
    assert.deepEqual(f.hour, [9, 13, 17]);
    assert.deepEqual(f.dayOfMonth, [1, 15]);
    assert.deepEqual(f.month, [1, 2, 3, 12]);
    assert.deepEqual(fieldsOf('5/20 * * * *').minute, [5, 25, 45]);
  });

  it('reads day-of-week 7 as Sunday', () => {
    assert.deepEqual(fieldsOf('0 0 * * 5-7').dayOfWeek, [0, 5, 6]);
    assert.deepEqual(fieldsOf('0 0 * * SUN').dayOfWeek, [0]);
    assert.deepEqual(fieldsOf('0 0 * * */2').dayOfWeek, [0, 2, 4, 6]);
  });
});
