import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkEmail, checkHeader, checkRow, intervalOffsetMs, parseImportInterval, type HeaderMapping } from '../../src/domain/csv-import';

function mapping(cells: string[]): HeaderMapping {
  const check = checkHeader(cells);
  assert.ok(check.ok, check.ok ? '' : check.problem);
  return check.mapping;
}

describe('CSV import rules', () => {
  it('maps header aliases to contact fields and lists the unknown columns', () => {
    const m = mapping(['E-Mail', 'First Name', 'surname', 'Company']);
    assert.deepEqual(m.columns, { email: 0, firstName: 1, lastName: 2 });
    assert.deepEqual(m.ignored, ['Company']);
  });

  it('requires an email column and says what it found', () => {
    const check = checkHeader(['ana@example.com', 'Ana']);
    assert.equal(check.ok, false);
    assert.match(check.ok ? '' : check.problem, /missing header.*"ana@example.com", "Ana"/);
  });

  it('checks addresses', () => {
    assert.equal(checkEmail('Ana.Lima+news@Example.co.uk'), undefined);
    assert.match(checkEmail('') ?? '', /empty/);
    assert.match(checkEmail('ana@') ?? '', /not a valid/);
    assert.match(checkEmail('ana@@example.com') ?? '', /not a valid/);
    assert.match(checkEmail('ana lima@example.com') ?? '', /not a valid/);
    assert.match(checkEmail('ana..lima@example.com') ?? '', /not a valid/);
    assert.match(checkEmail('ana@localhost') ?? '', /not a valid/);
    assert.match(checkEmail(`${'a'.repeat(65)}@example.com`) ?? '', /local part longer than 64/);
    assert.match(checkEmail(`a@${'b'.repeat(250)}.com`) ?? '', /longer than 254/);
  });

  it('validates a row: lowercases the address, splits a full name, names the field of a problem', () => {
    const m = mapping(['email', 'name']);
    assert.deepEqual(checkRow([' Ana@Example.com ', 'Ana Maria Lima'], m, 1), { ok: true, contact: { email: 'ana@example.com', firstName: 'Ana', lastName: 'Maria Lima' } });
    assert.deepEqual(checkRow(['x', 'X'], m, 7), { ok: false, problem: { row: 7, field: 'email', reason: '"x" is not a valid e-mail address' } });
    assert.deepEqual(checkRow(['a@b.co'], m, 8), { ok: false, problem: { row: 8, field: '(row)', reason: 'has 1 fields, the header has 2' } });
    const names = mapping(['email', 'first_name']);
    assert.equal(checkRow(['a@b.co', 'n'.repeat(101)], names, 9).ok, false);
    assert.equal(checkRow(['a@b.co', 'n'.repeat(100)], names, 9).ok, true);
  });

  it('parses the interval: durations from 1m to 24h or a cron expression', () => {
    assert.deepEqual(parseImportInterval('10m'), { kind: 'every', ms: 600_000, text: '10m' });
    assert.deepEqual(parseImportInterval('1H'), { kind: 'every', ms: 3_600_000, text: '1H' });
    assert.equal(parseImportInterval('59s'), undefined);
    assert.equal(parseImportInterval('0m'), undefined);
    assert.equal(parseImportInterval('10 minutes'), undefined);
    assert.deepEqual(parseImportInterval('*/10 * * * *'), { kind: 'cron', cron: '*/10 * * * *', text: '*/10 * * * *' });
    assert.equal(parseImportInterval('* * * * * *'), undefined);
  });

  it('spreads organisations over the interval with a stable offset', () => {
    const a = intervalOffsetMs('aaaaaaaaaaaaaaaaaaaaaaaa', 600_000);
    assert.equal(a, intervalOffsetMs('aaaaaaaaaaaaaaaaaaaaaaaa', 600_000));
    assert.ok(a >= 0 && a < 600_000);
    const offsets = new Set(Array.from({ length: 50 }, (_, i) => intervalOffsetMs(i.toString(16).padStart(24, '0'), 600_000)));
    assert.ok(offsets.size > 40, 'different owners get different offsets');
  });
});
