import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JournalPosition, JournalRecord } from '../contracts/journal.js';
import { GroupedApply } from './grouped-apply.js';

const record = (n: number): JournalRecord => ({ commitTimestamp: 1_000 + n, transactionId: `tx-${n}`, writes: [] });
const batch = (from: number, to: number): JournalRecord[] => Array.from({ length: to - from + 1 }, (_, i) => record(from + i));

function setup(maxRecords: number, failAt?: JournalPosition) {
  const applies: { ids: string[]; position: JournalPosition }[] = [];
  const failures: string[] = [];
  let applied = 0;
  let running = false;
  const grouped = new GroupedApply({
    apply: async (records, position) => {
      assert.ok(!running, 'one apply at a time');
      running = true;
      await new Promise((resolve) => setImmediate(resolve));
      running = false;
      if (position === failAt) throw new Error('disk full');
      applies.push({ ids: records.map((r) => r.transactionId), position });
    },
    onApplied: () => { applied++; },
    onFailure: (error) => failures.push(error.message),
    maxRecords,
  });
  return { grouped, applies, failures, applied: () => applied };
}

test('batches offered together go to one apply with the last position; later ones to the next, in order', async () => {
  const { grouped, applies, applied } = setup(100);
  grouped.offer(batch(1, 2), 2);
  grouped.offer(batch(3, 3), 3);
  grouped.offer(batch(4, 6), 6);
  await grouped.settled();
  grouped.offer(batch(7, 7), 7);
  await grouped.settled();
  assert.deepEqual(applies, [
    { ids: ['tx-1', 'tx-2', 'tx-3', 'tx-4', 'tx-5', 'tx-6'], position: 6 },
    { ids: ['tx-7'], position: 7 },
  ]);
  assert.equal(applied(), 2);
});

test('a batch offered while an apply runs waits for the next one; a group stops at its bound (a larger batch goes alone)', async () => {
  const { grouped, applies } = setup(3);
  grouped.offer(batch(1, 1), 1);
  await Promise.resolve();
  await Promise.resolve();
  // The first apply has started (its group closed): these form later groups of at most 3.
  grouped.offer(batch(2, 3), 3);
  grouped.offer(batch(4, 5), 5);
  grouped.offer(batch(6, 10), 10);
  grouped.offer(batch(11, 11), 11);
  await grouped.settled();
  assert.deepEqual(applies.map((a) => [a.ids.length, a.position]), [[1, 1], [2, 3], [2, 5], [5, 10], [1, 11]]);
  assert.deepEqual(applies.flatMap((a) => a.ids), batch(1, 11).map((r) => r.transactionId));
});

test('a failed apply is reported once and nothing after it is applied', async () => {
  const { grouped, applies, failures } = setup(2, 4);
  grouped.offer(batch(1, 2), 2);
  grouped.offer(batch(3, 4), 4);
  grouped.offer(batch(5, 5), 5);
  await grouped.settled();
  assert.deepEqual(applies.map((a) => a.position), [2]);
  assert.deepEqual(failures, ['disk full']);
  assert.throws(() => grouped.offer(batch(5, 5), 5), /journal order/);
});
