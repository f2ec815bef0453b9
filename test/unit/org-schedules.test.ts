// The slot computation of organisation schedules at both DST transitions of Europe/Paris in 2027
// (spring-forward gap 02:00-03:00 on 28 March, autumn overlap 02:00-03:00 on 31 October), for
// every policy value; presets; the compiled plan of exclusions and launchers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  cronFields, dstSpecPlan, GAP_POLICIES, OVERLAP_POLICIES, planFiring, presetToCron, slotsBetween, slotWorkflowId, transitionsBetween, type DstPolicy,
} from '../../src/domain/org-schedules';
import { compileSpec, previewRuns } from '../../src/services/org-schedules';

const PARIS = 'Europe/Paris';
const SPRING = { from: new Date('2027-03-27T20:00:00Z'), to: new Date('2027-03-28T06:00:00Z') };
const AUTUMN = { from: new Date('2027-10-30T20:00:00Z'), to: new Date('2027-10-31T06:00:00Z') };

function runs(cron: string, policy: DstPolicy, window: { from: Date; to: Date }): string[] {
  return slotsBetween(cronFields(cron), PARIS, policy, window.from, window.to).filter((s) => s.runs).map((s) => s.at.toISOString().slice(0, 16));
}

describe('org schedule slots: spring-forward gap, 2027-03-28 Europe/Paris', () => {
  for (const overlap of OVERLAP_POLICIES) {
    it(`gap shift (overlap ${overlap}): 02:30 runs at 03:30 CEST, once`, () => {
      assert.deepEqual(runs('30 2 * * *', { gap: 'shift', overlap }, SPRING), ['2027-03-28T01:30']);
      const [slot] = slotsBetween(cronFields('30 2 * * *'), PARIS, { gap: 'shift', overlap }, SPRING.from, SPRING.to);
      assert.equal(slot?.kind, 'gap');
      assert.equal(slot?.wall, '2027-03-28T02:30');
    });
    it(`gap skip (overlap ${overlap}): 02:30 does not run, and is listed as a skipped gap slot`, () => {
      assert.deepEqual(runs('30 2 * * *', { gap: 'skip', overlap }, SPRING), []);
      const all = slotsBetween(cronFields('30 2 * * *'), PARIS, { gap: 'skip', overlap }, SPRING.from, SPRING.to);
      assert.deepEqual(all.map((s) => [s.kind, s.runs]), [['gap', false]]);
    });
  }
  it('a shifted slot landing on a slot of the cron runs once (0,30 1-3: 02:00 → 03:00, 02:30 → 03:30)', () => {
    for (const gap of GAP_POLICIES) {
      assert.deepEqual(runs('0,30 1-3 * * *', { gap, overlap: 'first' }, SPRING), ['2027-03-28T00:00', '2027-03-28T00:30', '2027-03-28T01:00', '2027-03-28T01:30']);
    }
  });
  it('the days around the transition keep their slots (01:30 CET the day before, 02:30 CEST the day after)', () => {
    assert.deepEqual(runs('30 2 * * *', { gap: 'skip', overlap: 'first' }, { from: new Date('2027-03-26T00:00:00Z'), to: new Date('2027-03-30T00:00:00Z') }),
      ['2027-03-26T01:30', '2027-03-27T01:30', '2027-03-29T00:30']);
  });
});

describe('org schedule slots: autumn overlap, 2027-10-31 Europe/Paris', () => {
  const expected = { first: ['2027-10-31T00:30'], last: ['2027-10-31T01:30'], both: ['2027-10-31T00:30', '2027-10-31T01:30'] };
  for (const gap of GAP_POLICIES) {
    for (const overlap of OVERLAP_POLICIES) {
      it(`overlap ${overlap} (gap ${gap}): 02:30 runs at ${expected[overlap].join(' and ')} UTC`, () => {
        assert.deepEqual(runs('30 2 * * *', { gap, overlap }, AUTUMN), expected[overlap]);
      });
    }
  }
  it('both occurrences are listed, flagged, with what the policy does', () => {
    const all = slotsBetween(cronFields('30 2 * * *'), PARIS, { gap: 'shift', overlap: 'last' }, AUTUMN.from, AUTUMN.to);
    assert.deepEqual(all.map((s) => [s.at.toISOString().slice(0, 16), s.kind, s.runs]), [['2027-10-31T00:30', 'overlap-first', false], ['2027-10-31T01:30', 'overlap-second', true]]);
  });
  it('every-30-minutes: the overlap hour runs 2, 2 or 4 times', () => {
    const hour = { from: new Date('2027-10-30T23:45:00Z'), to: new Date('2027-10-31T02:15:00Z') };
    assert.deepEqual(runs('*/30 * * * *', { gap: 'shift', overlap: 'first' }, hour), ['2027-10-31T00:00', '2027-10-31T00:30', '2027-10-31T02:00']);
    assert.deepEqual(runs('*/30 * * * *', { gap: 'shift', overlap: 'last' }, hour), ['2027-10-31T01:00', '2027-10-31T01:30', '2027-10-31T02:00']);
    assert.deepEqual(runs('*/30 * * * *', { gap: 'shift', overlap: 'both' }, hour), ['2027-10-31T00:00', '2027-10-31T00:30', '2027-10-31T01:00', '2027-10-31T01:30', '2027-10-31T02:00']);
  });
});

describe('the compiled Temporal spec', () => {
  it('Paris 2027: the two transition dates are excluded, a launcher fires at 23:59 the day before', () => {
    const plan = dstSpecPlan(PARIS, new Date('2027-01-01T00:00:00Z'), new Date('2027-12-31T00:00:00Z'));
    assert.deepEqual(plan.excludedDays, [{ year: 2027, month: 3, day: 28 }, { year: 2027, month: 10, day: 31 }]);
    assert.deepEqual(plan.launchers, [{ year: 2027, month: 3, day: 27, hour: 23, minute: 59 }, { year: 2027, month: 10, day: 30, hour: 23, minute: 59 }]);
    const transitions = transitionsBetween(PARIS, new Date('2027-01-01T00:00:00Z'), new Date('2027-12-31T00:00:00Z'));
    assert.deepEqual(transitions.map((t) => [t.at.toISOString(), t.offsetBefore, t.offsetAfter]), [['2027-03-28T01:00:00.000Z', 60, 120], ['2027-10-31T01:00:00.000Z', 120, 60]]);
  });
  it('a zone without DST compiles to the plain cron', () => {
    const spec = compileSpec('0 9 * * *', 'Asia/Tokyo', new Date('2026-11-23T00:00:00Z'));
    assert.deepEqual(spec, { cronExpressions: ['0 9 * * *'], calendars: [], skip: [], timezone: 'Asia/Tokyo' });
    const paris = compileSpec('0 9 * * *', PARIS, new Date('2026-11-23T00:00:00Z'));
    assert.equal(paris.skip?.length, 2 * 13);
    assert.ok(paris.skip?.some((c) => c.year === 2027 && c.month === 'OCTOBER' && c.dayOfMonth === 31 && c.hour === '*'));
    assert.ok(paris.calendars?.some((c) => c.year === 2027 && c.month === 'MARCH' && c.dayOfMonth === 27 && c.hour === 23 && c.minute === 59));
  });
});

describe('what a firing runs (planFiring)', () => {
  const fields = cronFields('30 2 * * *');
  it('an ordinary firing runs its own slot; a time that is no slot runs nothing', () => {
    assert.deepEqual(planFiring(fields, PARIS, { gap: 'shift', overlap: 'first' }, new Date('2027-03-29T00:30:00Z')).slots.map((s) => s.at.toISOString()), ['2027-03-29T00:30:00.000Z']);
    const none = planFiring(fields, PARIS, { gap: 'shift', overlap: 'first' }, new Date('2027-03-29T00:31:00Z'));
    assert.deepEqual(none.slots, []);
    assert.match(none.reason ?? '', /not a slot/);
  });
  it('the launcher before each transition runs that date’s slots per the policy', () => {
    const spring = new Date('2027-03-27T22:59:00Z');
    const autumn = new Date('2027-10-30T21:59:00Z');
    const at = (policy: DstPolicy, firedAt: Date) => planFiring(fields, PARIS, policy, firedAt).slots.map((s) => s.at.toISOString().slice(0, 16));
    assert.deepEqual(at({ gap: 'shift', overlap: 'first' }, spring), ['2027-03-28T01:30']);
    assert.deepEqual(at({ gap: 'skip', overlap: 'first' }, spring), []);
    assert.deepEqual(at({ gap: 'shift', overlap: 'first' }, autumn), ['2027-10-31T00:30']);
    assert.deepEqual(at({ gap: 'shift', overlap: 'last' }, autumn), ['2027-10-31T01:30']);
    assert.deepEqual(at({ gap: 'shift', overlap: 'both' }, autumn), ['2027-10-31T00:30', '2027-10-31T01:30']);
  });
});

describe('presets, previews and ids', () => {
  it('presets become crons', () => {
    assert.equal(presetToCron({ preset: 'daily', time: '09:00' }), '0 9 * * *');
    assert.equal(presetToCron({ preset: 'weekly', time: '18:45', dayOfWeek: 1 }), '45 18 * * 1');
    assert.equal(presetToCron({ preset: 'monthly', time: '00:05', dayOfMonth: 28 }), '5 0 28 * *');
  });
  it('previews give the local time with its offset and flag the DST slots', () => {
    const runsPreview = previewRuns('30 2 * * *', PARIS, { gap: 'shift', overlap: 'both' }, 3, new Date('2027-10-30T12:00:00Z'));
    assert.deepEqual(runsPreview.map((r) => [r.local, r.offset, r.dst]), [
      ['2027-10-31T02:30:00+02:00', '+02:00', 'overlap-first'], ['2027-10-31T02:30:00+01:00', '+01:00', 'overlap-second'], ['2027-11-01T02:30:00+01:00', '+01:00', null],
    ]);
    const spring = previewRuns('30 2 * * *', PARIS, { gap: 'skip', overlap: 'first' }, 1, new Date('2027-03-27T12:00:00Z'));
    assert.deepEqual(spring.map((r) => [r.local, r.dst, r.runs]), [['2027-03-28T03:30:00+02:00', 'gap', false]]);
  });
  it('a slot run has the workflow id the Temporal Schedule gives it', () => {
    assert.equal(slotWorkflowId('acme', 's0123456789ab', new Date('2027-10-31T00:30:00Z')), 'org-acme-s0123456789ab-2027-10-31T00:30:00Z');
  });
});
