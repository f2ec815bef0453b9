// How a send batch is cut into reminders workflows: even slices of at most 60, by position, so a
// retried batch signals exactly the workflows its first attempt created.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_INVITATIONS_PER_REMINDERS_WORKFLOW, reminderSlices } from '../../src/activities/schedule-reminders';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `inv-${i}`);

describe('reminderSlices', () => {
  it('keeps a batch of up to 60 whole', () => {
    assert.deepEqual(reminderSlices(ids(60)).map((s) => s.length), [60]);
    assert.deepEqual(reminderSlices(ids(1)).map((s) => s.length), [1]);
  });

  it('cuts larger batches into even slices of at most 60, in order, losing nothing', () => {
    assert.deepEqual(reminderSlices(ids(100)).map((s) => s.length), [50, 50]);
    assert.deepEqual(reminderSlices(ids(61)).map((s) => s.length), [31, 30]);
    assert.deepEqual(reminderSlices(ids(1000)).map((s) => s.length), [...Array<number>(16).fill(59), 56]);
    for (const n of [2, 59, 121, 500, 999]) {
      const slices = reminderSlices(ids(n));
      assert.deepEqual(slices.flat(), ids(n), `batch of ${n}`);
      assert.ok(slices.every((s) => s.length >= 1 && s.length <= MAX_INVITATIONS_PER_REMINDERS_WORKFLOW), `batch of ${n}`);
    }
  });

  it('gives the same slices for the same batch (a retried activity signals the same workflows)', () => {
    assert.deepEqual(reminderSlices(ids(100)), reminderSlices(ids(100)));
  });

  it('gives nothing for an empty batch', () => {
    assert.deepEqual(reminderSlices([]), []);
  });
});
