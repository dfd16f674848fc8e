import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommitOutcome } from '../contracts/adjudicator.js';
import type { Journal, JournalPosition, JournalRecord } from '../contracts/journal.js';
import { FakeClock, FakeTimers } from '../sim/fake-clock.js';
import { MemoryOrderedStore } from '../env/memory-store.js';
import { LocalAdjudicator } from '../adjudicator/adjudicator.js';
import { MvccStorage } from '../storage/mvcc-storage.js';
import { AdjudicatorSafeTime } from './adjudicator-safe-time.js';

/** An in-memory journal whose appends are durable at once. */
class MemoryJournal implements Journal {
  readonly records: JournalRecord[] = [];
  get durablePosition(): JournalPosition {
    return this.records.length;
  }
  append(records: readonly JournalRecord[]): Promise<JournalPosition> {
    this.records.push(...records);
    return Promise.resolve(this.records.length);
  }
  async replay(after: JournalPosition, onRecord: (record: JournalRecord, position: JournalPosition) => void): Promise<void> {
    this.records.slice(after).forEach((record, i) => onRecord(record, after + i + 1));
  }
  async trim(): Promise<void> {}
  async close(): Promise<void> {}
}

const key = new Uint8Array([0, 0, 0, 1, 0x10, 0x61, 0x00, 0x01]);
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The embedded wiring without workers: a commit is acknowledged once durable, storage applies it
 * after, and a transaction that starts at the adjudicator's snapshotTime in between reads
 * through safe time, so it waits for the apply and sees the commit.
 */
test('a read that starts after an acknowledgement, before the apply, waits for the apply and sees the commit', async () => {
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  const ref: { safeTime: AdjudicatorSafeTime | null } = { safeTime: null };
  const storage = new MvccStorage(new MemoryOrderedStore(), {
    safeTime: () => ref.safeTime!.safeTime(),
    waitFor: (timestamp) => ref.safeTime!.waitFor(timestamp),
  });
  const applies: (() => void)[] = [];
  const adjudicator = new LocalAdjudicator({
    clock, timers, journal: new MemoryJournal(),
    // The apply waits until the test lets it run.
    publish: (records, position) => new Promise<void>((resolve) => applies.push(() => { storage.apply(records, position).then(resolve, resolve); })),
  });
  ref.safeTime = new AdjudicatorSafeTime(adjudicator, timers, () => clock.now().latest);

  let outcome: CommitOutcome | null = null;
  void adjudicator.commit({ transactionId: 't1', startTimestamp: adjudicator.snapshotTime(), writes: [{ key, value: new Uint8Array([7]) }], lockKeys: [], schemaKeys: [] }, 'durable')
    .then((o) => { outcome = o; });
  clock.advance(1000);
  for (let i = 0; i < 5 && outcome === null; i++) await settle();
  assert.ok(outcome !== null && (outcome as CommitOutcome).kind === 'committed', 'acknowledged once durable');
  assert.equal(applies.length, 1, 'not applied yet');

  const committed = outcome as unknown as { commitTimestamp: number };
  assert.ok(adjudicator.watermark() < committed.commitTimestamp, 'safe time stays below the unapplied commit');
  const start = adjudicator.snapshotTime();
  assert.ok(start >= committed.commitTimestamp, 'a transaction starting now starts at or above the acknowledged commit');
  assert.equal(storage.getReady(key, start), undefined, 'the point read cannot answer before the apply');
  let read: Uint8Array | null | undefined;
  void storage.get(key, start).then((row) => { read = row; });
  for (let i = 0; i < 5; i++) { await settle(); timers.advance(1000); }
  assert.equal(read, undefined, 'the read waits for the apply');
  applies[0]!();
  for (let i = 0; i < 5 && read === undefined; i++) { await settle(); timers.advance(1000); }
  assert.deepEqual(read, new Uint8Array([7]), 'and then sees the acknowledged commit');
});
