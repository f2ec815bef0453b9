import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reminderDueAt, reminderVerdict, type ReminderCandidate } from '../../src/domain/reminder-policy';
import { instantOfWallTime, offsetMinutes } from '../../src/domain/zoned-time';
import { assertMonth, monthOf } from '../../src/domain/month';

const policy = { firstAfterDays: 3, secondAfterDays: 7 };

describe('reminder due times', () => {
  it('is exactly N × 24 h after sending without a local hour', () => {
    const sentAt = new Date('2026-12-05T17:00:00Z');
    assert.equal(reminderDueAt('first', sentAt, policy, 'Europe/Paris').toISOString(), '2026-12-08T17:00:00.000Z');
    assert.equal(reminderDueAt('second', sentAt, policy, 'Europe/Paris').toISOString(), '2026-12-12T17:00:00.000Z');
  });

  it('accepts fractional days for demos', () => {
    const sentAt = new Date('2026-12-05T17:00:00Z');
    assert.equal(reminderDueAt('first', sentAt, { firstAfterDays: 0.0003, secondAfterDays: 0.0007 }, 'UTC').getTime() - sentAt.getTime(), 25_920);
  });

  it('goes out at the local hour of the owner on day J+N', () => {
    const local = { ...policy, localHour: 10 };
    const sentAt = new Date('2026-12-05T22:30:00Z'); // 23:30 in Paris, 07:30 next day in Tokyo
    assert.equal(reminderDueAt('first', sentAt, local, 'Europe/Paris').toISOString(), '2026-12-08T09:00:00.000Z');
    assert.equal(reminderDueAt('first', sentAt, local, 'Asia/Tokyo').toISOString(), '2026-12-09T01:00:00.000Z');
    assert.equal(reminderDueAt('second', sentAt, local, 'America/New_York').toISOString(), '2026-12-12T15:00:00.000Z');
  });

  it('keeps the local hour across a DST change and shifts out of a gap', () => {
    const sentAt = new Date('2027-03-26T12:00:00Z'); // Friday before the spring-forward night in Paris
    assert.equal(reminderDueAt('first', sentAt, { ...policy, localHour: 9 }, 'Europe/Paris').toISOString(), '2027-03-29T07:00:00.000Z');
    // 02:00 on 2027-03-28 does not exist in Paris: the reminder goes at 03:00 local (01:00 UTC).
    const inGap = reminderDueAt('first', new Date('2027-03-25T12:00:00Z'), { ...policy, localHour: 2 }, 'Europe/Paris');
    assert.equal(inGap.toISOString(), '2027-03-28T01:00:00.000Z');
  });
});

describe('zoned wall time', () => {
  it('takes the first occurrence of an ambiguous autumn time', () => {
    const first = instantOfWallTime({ year: 2027, month: 10, day: 31, hour: 2, minute: 30 }, 'Europe/Paris');
    assert.equal(first.toISOString(), '2027-10-31T00:30:00.000Z');
    assert.equal(offsetMinutes(first, 'Europe/Paris'), 120);
  });
});

describe('reminder eligibility', () => {
  const base: ReminderCandidate = { status: 'sent', expiresAt: new Date('2027-01-01T00:00:00Z'), reminders: [] };
  const now = new Date('2026-12-08T17:00:00Z');
  const cases: [string, ReminderCandidate, boolean, string][] = [
    ['a sent invitation', base, true, 'send'],
    ['an opened invitation', { ...base, status: 'opened' }, true, 'send'],
    ['a started invitation', { ...base, status: 'started' }, true, 'send'],
    ['a submitted invitation', { ...base, status: 'submitted' }, true, 'answered'],
    ['an opted-out invitation', { ...base, status: 'opted-out' }, true, 'answered'],
    ['a failed invitation', { ...base, status: 'failed' }, true, 'not-delivered'],
    ['an expired invitation', { ...base, expiresAt: new Date('2026-12-01T00:00:00Z') }, true, 'expired'],
    ['cancelled reminders', { ...base, remindersCancelledAt: new Date() }, true, 'cancelled'],
    ['an owner with reminders off', base, false, 'owner-opted-out'],
    ['a reminder already sent', { ...base, reminders: [{ type: 'first' }] }, true, 'already-sent'],
  ];
  for (const [what, invitation, ownerWants, verdict] of cases) {
    it(`${what}: ${verdict}`, () => assert.equal(reminderVerdict(invitation, 'first', ownerWants, now), verdict));
  }
});

describe('months', () => {
  it('reads the month on the calendar of the zone', () => {
    assert.equal(monthOf(new Date('2026-11-30T23:30:00Z'), 'Europe/Paris'), '2026-12');
    assert.equal(monthOf(new Date('2026-11-30T23:30:00Z'), 'UTC'), '2026-11');
  });
  it('refuses a malformed month, naming the field', () => {
    assert.throws(() => assertMonth('2026-13'), /month must look like YYYY-MM/);
    assert.throws(() => assertMonth('12/2026'), /got "12\/2026"/);
    assert.equal(assertMonth('2026-01'), '2026-01');
  });
});
