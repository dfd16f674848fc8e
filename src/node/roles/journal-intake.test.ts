import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JournalPosition, JournalRecord } from '../../contracts/journal.js';
import { FakeClock, FakeTimers } from '../../sim/fake-clock.js';
import { JournalIntake } from './journal-intake.js';
import { seededRandom } from '../../sim/seeded-random.js';

/**
 * A journal as etcd holds it: stored batches (or holes) covering positions 1..n in order, each
 * acknowledged (durable) or not yet. Records are named by their position, so a delivery says
 * exactly which positions it carried.
 */
interface StoredBatch {
  readonly first: JournalPosition;
  readonly last: JournalPosition;
  readonly hole: boolean;
  durable: boolean;
}

const recordAt = (position: JournalPosition): JournalRecord => ({ commitTimestamp: position * 10, transactionId: `p${position}`, writes: [] });
const recordsOf = (first: JournalPosition, last: JournalPosition): JournalRecord[] =>
  Array.from({ length: last - first + 1 }, (_, i) => recordAt(first + i));


/**
 * The replica's side under test: an intake over a fake etcd, recording what it delivered and
 * failing at once on a position delivered twice, out of order, or not yet durable.
 */
function harness(journal: StoredBatch[], after = 0) {
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  const delivered: JournalPosition[] = [];
  let lastDelivered = after;
  let reads = 0;
  const durableThrough = (): JournalPosition => {
    let through = 0;
    for (const batch of journal) {
      if (!batch.durable) break;
      through = batch.last;
    }
    return through;
  };
  const intake = new JournalIntake({
    after,
    deliver: (records, last) => {
      assert.ok(last > lastDelivered, `position ${last} delivered after ${lastDelivered}: in order, once`);
      const first = last - records.length + 1;
      // Records continue right after the last delivered position (a hole is delivered on its own, with none).
      if (records.length > 0) assert.equal(first, lastDelivered + 1, `records from ${first} after ${lastDelivered}: none twice, none skipped`);
      for (let i = 0; i < records.length; i++) {
        assert.equal(records[i]!.transactionId, `p${first + i}`, 'each record at its own position');
      }
      // A hole delivers no records; everything it covers must be a hole in the journal.
      const holePositions = journal.filter((b) => b.hole).flatMap((b) => Array.from({ length: b.last - b.first + 1 }, (_, i) => b.first + i));
      for (let p = lastDelivered + 1; p < first; p++) assert.ok(holePositions.includes(p), `position ${p} skipped but it holds a record`);
      for (let p = lastDelivered + 1; p <= last; p++) {
        assert.ok(journal.find((b) => b.first <= p && p <= b.last)!.durable, `position ${p} delivered before etcd acknowledged it`);
      }
      for (let p = lastDelivered + 1; p <= last; p++) delivered.push(p);
      lastDelivered = last;
    },
    // Like CoordinatedJournal.readAfter: the durable batches after `after`, in order, up to the first gap.
    read: async (from, onBatch) => {
      reads++;
      await Promise.resolve();
      let through = from;
      for (const batch of journal) {
        if (batch.last <= from) continue;
        if (!batch.durable) break;
        const first = Math.max(batch.first, from + 1);
        onBatch(batch.hole ? [] : recordsOf(first, batch.last), batch.last, first);
        through = batch.last;
      }
      return through;
    },
    fatal: () => false,
    onFatal: () => assert.fail('no fatal error expected'),
    timers, gapMs: 50, pollMs: 1_000,
  });
  return { timers, intake, delivered, reads: () => reads, durableThrough };
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

test('pushed batches are delivered in order, each position once: duplicates dropped, one that comes early held for the gap', async () => {
  const journal: StoredBatch[] = [
    { first: 1, last: 3, hole: false, durable: true },
    { first: 4, last: 5, hole: false, durable: true },
    { first: 6, last: 8, hole: false, durable: true },
  ];
  const { intake, delivered, reads } = harness(journal);
  await intake.start();
  assert.deepEqual(delivered, [1, 2, 3, 4, 5, 6, 7, 8], 'the start reads what etcd holds');
  journal.push({ first: 9, last: 10, hole: false, durable: true }, { first: 11, last: 12, hole: false, durable: true });
  const readsBefore = reads();
  intake.pushed(11, 12, recordsOf(11, 12));
  assert.deepEqual(delivered.slice(8), [], 'held: 9 and 10 have not come');
  intake.pushed(9, 10, recordsOf(9, 10));
  assert.deepEqual(delivered.slice(8), [9, 10, 11, 12]);
  intake.pushed(9, 10, recordsOf(9, 10));
  intake.pushed(11, 12, recordsOf(11, 12));
  // A push that overlaps what was delivered (a leader's publish spanning two batches) hands on only the rest.
  journal.push({ first: 13, last: 14, hole: false, durable: true });
  intake.pushed(11, 14, recordsOf(11, 14));
  assert.deepEqual(delivered.slice(8), [9, 10, 11, 12, 13, 14]);
  assert.equal(reads(), readsBefore, 'pushes that arrive need no etcd read');
  await intake.close();
});

test('a missed push is read from etcd once the notices name a position beyond it for gapMs, and no sooner', async () => {
  const journal: StoredBatch[] = [{ first: 1, last: 2, hole: false, durable: true }];
  const { timers, intake, delivered, reads } = harness(journal);
  await intake.start();
  const readsAtStart = reads();
  journal.push({ first: 3, last: 4, hole: false, durable: true }, { first: 5, last: 5, hole: false, durable: true });
  // The push of 3..4 is lost; 5 arrives and is held; the notice names 5.
  intake.pushed(5, 5, recordsOf(5, 5));
  intake.heard(5);
  timers.advance(40_000);
  await settle();
  assert.equal(reads(), readsAtStart, 'no read before gapMs');
  assert.deepEqual(delivered, [1, 2]);
  timers.advance(10_000);
  await settle();
  assert.equal(reads(), readsAtStart + 1, 'one read after gapMs');
  assert.deepEqual(delivered, [1, 2, 3, 4, 5], 'filled from etcd, the held push not delivered twice');
  // A new leader filled a hole the old one left (no push for it): the next notice names past it.
  journal.push({ first: 6, last: 7, hole: true, durable: true }, { first: 8, last: 8, hole: false, durable: true });
  intake.pushed(8, 8, recordsOf(8, 8));
  timers.advance(50_000);
  await settle();
  assert.deepEqual(delivered, [1, 2, 3, 4, 5, 6, 7, 8], 'the hole goes on as positions without records');
  await intake.close();
});

test('etcd is read every pollMs even when no notice names a position (no leader streaming)', async () => {
  const journal: StoredBatch[] = [{ first: 1, last: 1, hole: false, durable: true }];
  const { timers, intake, delivered } = harness(journal);
  await intake.start();
  journal.push({ first: 2, last: 3, hole: false, durable: true });
  timers.advance(999_000);
  await settle();
  assert.deepEqual(delivered, [1]);
  timers.advance(1_000);
  await settle();
  assert.deepEqual(delivered, [1, 2, 3]);
  await intake.close();
});

test('any mix of pushes (lost, repeated, out of order) and etcd reads delivers every durable position once, in order, and nothing unacknowledged', async () => {
  for (let seed = 1; seed <= 200; seed++) {
    const rand = seededRandom(seed);
    // A journal of batches with a hole here and there (a deposed leader's gap).
    const journal: StoredBatch[] = [];
    let next = 1;
    // The replica restarts having applied the first `appliedBatches` batches (0: a new one).
    const appliedBatches = Math.floor(rand() * 3);
    for (let i = 0; i < 30; i++) {
      const size = 1 + Math.floor(rand() * 4);
      journal.push({ first: next, last: next + size - 1, hole: rand() < 0.05, durable: i < appliedBatches + 2 });
      next += size;
    }
    const after = appliedBatches === 0 ? 0 : journal[appliedBatches - 1]!.last;
    const { timers, intake, delivered, durableThrough } = harness(journal, after);
    await intake.start();
    const pushes: { first: number; last: number }[] = [];
    for (let step = 0; step < 200; step++) {
      const action = rand();
      if (action < 0.3) {
        // etcd acknowledges the next append (appends complete in order for the leader); its push is queued.
        const batch = journal.find((b) => !b.durable);
        if (batch !== undefined) {
          batch.durable = true;
          if (!batch.hole) {
            // Sometimes the leader publishes two batches in one push.
            const previous = pushes[pushes.length - 1];
            if (previous !== undefined && previous.last === batch.first - 1 && rand() < 0.3) previous.last = batch.last;
            else pushes.push({ first: batch.first, last: batch.last });
          }
        }
      } else if (action < 0.7 && pushes.length > 0) {
        // A push arrives: usually the oldest, sometimes a later one first; sometimes it is lost, sometimes repeated.
        const index = rand() < 0.8 ? 0 : Math.floor(rand() * pushes.length);
        const push = pushes[index]!;
        const fate = rand();
        if (fate >= 0.1) intake.pushed(push.first, push.last, recordsOf(push.first, push.last));
        if (fate < 0.9) pushes.splice(index, 1);
      } else if (action < 0.85) {
        intake.heard(durableThrough());
      } else {
        timers.advance(Math.floor(rand() * 80_000));
        await settle();
      }
    }
    for (const batch of journal) batch.durable = true;
    intake.heard(journal[journal.length - 1]!.last);
    timers.advance(2_000_000);
    await settle();
    timers.advance(2_000_000);
    await settle();
    const end = journal[journal.length - 1]!.last;
    assert.deepEqual(delivered, Array.from({ length: end - after }, (_, i) => after + 1 + i), `seed ${seed}: every position once, in order`);
    assert.equal(intake.deliveredPosition, journal[journal.length - 1]!.last, `seed ${seed}: caught up`);
    await intake.close();
  }
});
