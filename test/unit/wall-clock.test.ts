// The DST policy of one-off tasks: a local time in a zone → one instant, gaps and overlaps included.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseLocalDateTime, resolveWallClock, WallClockError, canonicalZone } from '../../src/domain/wall-clock';

const iso = (local: string, zone: string, policy?: Parameters<typeof resolveWallClock>[2]) => resolveWallClock(local, zone, policy).instant.toISOString();

describe('wall-clock resolution (one-off tasks)', () => {
  it('resolves normal times with the offset in force (winter and summer, both hemispheres)', () => {
    assert.equal(iso('2027-01-15T09:00', 'Europe/Paris'), '2027-01-15T08:00:00.000Z');
    assert.equal(iso('2027-06-01T12:00', 'Europe/Paris'), '2027-06-01T10:00:00.000Z');
    assert.equal(iso('2027-07-04T09:30', 'America/New_York'), '2027-07-04T13:30:00.000Z');
    assert.equal(iso('2027-12-25T08:00', 'America/New_York'), '2027-12-25T13:00:00.000Z');
    assert.equal(iso('2027-01-10T12:00', 'Australia/Lord_Howe'), '2027-01-10T01:00:00.000Z', '+11:00 in its summer');
    assert.equal(iso('2027-07-10T12:00', 'Australia/Lord_Howe'), '2027-07-10T01:30:00.000Z', '+10:30 in its winter');
    assert.equal(iso('2027-03-28T02:30:15', 'UTC'), '2027-03-28T02:30:15.000Z');
    const r = resolveWallClock('2027-06-01T12:00', 'Europe/Paris');
    assert.equal(r.resolution, 'exact');
    assert.equal(r.offsetMinutes, 120);
    assert.equal(r.note, undefined);
  });

  it('shifts a time in a spring-forward gap to the first valid instant after it (default)', () => {
    const r = resolveWallClock('2027-03-28T02:30', 'Europe/Paris');
    assert.equal(r.instant.toISOString(), '2027-03-28T01:00:00.000Z', '03:00 CEST');
    assert.equal(r.resolution, 'gap-shifted');
    assert.equal(r.offsetMinutes, 120);
    assert.match(r.note!, /does not exist in Europe\/Paris \(clocks jump from 02:00 to 03:00\)/);
    assert.equal(iso('2027-03-28T02:00', 'Europe/Paris'), '2027-03-28T01:00:00.000Z', 'the first minute of the gap');
    assert.equal(iso('2027-03-28T02:59', 'Europe/Paris'), '2027-03-28T01:00:00.000Z', 'the last minute of the gap');
    assert.equal(iso('2027-03-28T01:59', 'Europe/Paris'), '2027-03-28T00:59:00.000Z', 'just before the gap is exact');
    assert.equal(iso('2027-03-28T03:00', 'Europe/Paris'), '2027-03-28T01:00:00.000Z', 'just after the gap is exact');
    assert.equal(iso('2027-03-14T02:30', 'America/New_York'), '2027-03-14T07:00:00.000Z', '03:00 EDT');
  });

  it('handles the 30-minute DST of Australia/Lord_Howe', () => {
    const gap = resolveWallClock('2027-10-03T02:15', 'Australia/Lord_Howe');
    assert.equal(gap.resolution, 'gap-shifted');
    assert.equal(gap.instant.toISOString(), '2027-10-02T15:30:00.000Z', '02:30 at +11:00');
    assert.match(gap.note!, /clocks jump from 02:00 to 02:30/);
    assert.equal(iso('2027-10-03T02:30', 'Australia/Lord_Howe'), '2027-10-02T15:30:00.000Z');
    assert.equal(iso('2027-04-04T01:45', 'Australia/Lord_Howe'), '2027-04-03T14:45:00.000Z', 'first 01:45, at +11:00');
    assert.equal(iso('2027-04-04T01:45', 'Australia/Lord_Howe', { overlap: 'later' }), '2027-04-03T15:15:00.000Z', 'second 01:45, at +10:30');
    assert.equal(resolveWallClock('2027-04-04T02:00', 'Australia/Lord_Howe').resolution, 'exact', '02:00 happens once');
  });

  it('refuses a time in a gap when asked to (--dst-gap reject), saying why', () => {
    assert.throws(() => resolveWallClock('2027-03-28T02:30', 'Europe/Paris', { gap: 'reject' }), (error: unknown) => {
      assert.ok(error instanceof WallClockError);
      assert.equal(error.problem, 'in-gap');
      assert.match(error.message, /^2027-03-28T02:30 does not exist in Europe\/Paris: clocks jump from 02:00 to 03:00/);
      return true;
    });
    // a normal time is not affected by the policy
    assert.equal(iso('2027-03-28T03:30', 'Europe/Paris', { gap: 'reject' }), '2027-03-28T01:30:00.000Z');
  });

  it('takes the first occurrence of a time in an autumn overlap by default, the second with later', () => {
    const earlier = resolveWallClock('2027-10-31T02:30', 'Europe/Paris');
    assert.equal(earlier.instant.toISOString(), '2027-10-31T00:30:00.000Z', '02:30 CEST');
    assert.equal(earlier.resolution, 'overlap-earlier');
    assert.equal(earlier.offsetMinutes, 120);
    assert.match(earlier.note!, /happens twice/);
    const later = resolveWallClock('2027-10-31T02:30', 'Europe/Paris', { overlap: 'later' });
    assert.equal(later.instant.toISOString(), '2027-10-31T01:30:00.000Z', '02:30 CET');
    assert.equal(later.resolution, 'overlap-later');
    assert.equal(later.offsetMinutes, 60);
    assert.equal(iso('2027-11-07T01:30', 'America/New_York'), '2027-11-07T05:30:00.000Z', 'EDT first');
    assert.equal(iso('2027-11-07T01:30', 'America/New_York', { overlap: 'later' }), '2027-11-07T06:30:00.000Z', 'then EST');
  });

  it('refuses malformed and impossible times', () => {
    for (const bad of ['2027-03-28 02:30', '2027-03-28T2:30', '2027-03-28', '2027-03-28T02:30Z', '2027-03-28T02:30+01:00', 'tomorrow', '']) {
      assert.throws(() => parseLocalDateTime(bad), (e: unknown) => e instanceof WallClockError && e.problem === 'bad-time' && /expected a local time like 2027-03-28T02:30/.test(e.message), bad);
    }
    for (const bad of ['2027-02-29T10:00', '2027-13-01T10:00', '2027-04-31T10:00', '2027-03-28T24:00', '2027-03-28T10:60', '2027-03-28T10:00:60']) {
      assert.throws(() => parseLocalDateTime(bad), (e: unknown) => e instanceof WallClockError && e.problem === 'bad-time' && /is not a valid date and time/.test(e.message), bad);
    }
    assert.deepEqual(parseLocalDateTime('2028-02-29T23:59:30'), { year: 2028, month: 2, day: 29, hour: 23, minute: 59, second: 30 });
  });

  it('refuses unknown zones and bare offsets, and canonicalises known ones', () => {
    for (const bad of ['Europe/Pariss', 'Mars/Olympus', '+02:00', '', 'CEST2']) {
      assert.throws(() => resolveWallClock('2027-06-01T12:00', bad), (e: unknown) => e instanceof WallClockError && e.problem === 'bad-zone' && e.message.includes('expected an IANA time zone'), bad);
    }
    assert.equal(canonicalZone('europe/paris'), 'Europe/Paris');
    assert.equal(resolveWallClock('2027-06-01T12:00', 'UTC').zone, 'UTC');
  });
});
