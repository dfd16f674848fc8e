import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JournalRecord } from '../contracts/journal.js';
import { MemoryCoordination, type Comparison, type Operation, type TransactionResult } from '../env/coordination.js';
import { SystemTimers } from '../env/timers.js';
import { CoordinatedJournal } from './coordinated-journal.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const LEADER = bytes('cluster/adjudicator/leader');
const timers = new SystemTimers();

function record(n: number): JournalRecord {
  return { commitTimestamp: 1_000 + n, transactionId: `tx-${n}`, writes: [{ key: bytes(`k${n}`), value: bytes(`v${n}`) }, { key: bytes(`gone${n}`), value: null }] };
}

async function leaderOf(coordination: MemoryCoordination): Promise<{ key: Uint8Array; createRevision: number }> {
  const lease = await coordination.grantLease();
  const result = await coordination.transaction([{ key: LEADER, target: 'create', op: '==', revision: 0 }], [{ type: 'put', key: LEADER, value: bytes('me'), lease: lease.id }]);
  assert.ok(result.succeeded);
  return { key: LEADER, createRevision: result.revision };
}

async function positions(journal: CoordinatedJournal, after = 0): Promise<number[]> {
  const out: number[] = [];
  await journal.replay(after, (r, p) => {
    assert.equal(r.transactionId, `tx-${p}`);
    out.push(p);
  });
  return out;
}

test('batches get consecutive positions and replay in order from any position', async () => {
  const coordination = new MemoryCoordination((task) => queueMicrotask(task));
  const journal = await CoordinatedJournal.open({ coordination, timers, prefix: 'c/journal/', fence: await leaderOf(coordination) });
  const results = await Promise.all([journal.append([record(1), record(2)]), journal.append([record(3)]), journal.append([record(4), record(5), record(6)])]);
  assert.deepEqual(results, [2, 3, 6]);
  assert.equal(journal.durablePosition, 6);
  assert.deepEqual(await positions(journal), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(await positions(journal, 1), [2, 3, 4, 5, 6]);
  assert.deepEqual(await positions(journal, 4), [5, 6]);
  const reader = await CoordinatedJournal.open({ coordination, timers, prefix: 'c/journal/' });
  assert.equal(reader.durablePosition, 6);
  await assert.rejects(reader.append([record(7)]), /only reads/);
});

test('a deposed leader cannot append: the fence is the leadership key\'s create revision', async () => {
  const coordination = new MemoryCoordination((task) => queueMicrotask(task));
  const lease = await coordination.grantLease();
  const first = await coordination.transaction([{ key: LEADER, target: 'create', op: '==', revision: 0 }], [{ type: 'put', key: LEADER, value: bytes('a'), lease: lease.id }]);
  const old = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/', fence: { key: LEADER, createRevision: first.revision } });
  assert.equal(await old.append([record(1)]), 1);
  coordination.expireLease(lease.id);
  const successor = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/', fence: await leaderOf(coordination) });
  await assert.rejects(old.append([record(2)]), /leadership lost/);
  // Once refused, the old writer refuses everything (it cannot know the tail any more).
  await assert.rejects(old.append([record(2)]), /unavailable/);
  assert.equal(await successor.append([record(2)]), 2);
  assert.deepEqual(await positions(successor), [1, 2]);
});

/** A store that applies concurrent transactions in a chosen order, as a network may deliver them. */
class ReorderingCoordination extends MemoryCoordination {
  held: (() => void)[] = [];
  holdNext = 0;
  override transaction(comparisons: readonly Comparison[], operations: readonly Operation[]): Promise<TransactionResult> {
    if (this.holdNext > 0 && operations.some((o) => o.type === 'put')) {
      this.holdNext--;
      return new Promise((resolve) => this.held.push(() => resolve(super.transaction(comparisons, operations))));
    }
    return super.transaction(comparisons, operations);
  }
}

test('a batch that reaches the store before its predecessor waits for it: no gap, order kept', async () => {
  const coordination = new ReorderingCoordination((task) => queueMicrotask(task));
  const journal = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/', fence: await leaderOf(coordination) });
  coordination.holdNext = 1;
  const first = journal.append([record(1)]);
  const second = journal.append([record(2), record(3)]);
  let secondDone = false;
  void second.then(() => { secondDone = true; });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(secondDone, false, 'the later batch does not resolve before the earlier one');
  coordination.held.shift()!();
  assert.deepEqual(await Promise.all([first, second]), [1, 3]);
  assert.deepEqual(await positions(journal), [1, 2, 3]);
});

test('followers get every batch once, in order, from the catch-up read and then the watch', async () => {
  const coordination = new MemoryCoordination((task) => setImmediate(task));
  const journal = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/', fence: await leaderOf(coordination), readPageBatches: 2 });
  for (let i = 1; i <= 5; i++) await journal.append([record(i)]);
  const seen: number[] = [];
  const reader = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/' });
  const subscription = await reader.follow(2, (records, last) => {
    records.forEach((r, i) => {
      const position = last - records.length + 1 + i;
      assert.equal(r.transactionId, `tx-${position}`);
      seen.push(position);
    });
  });
  for (let i = 6; i <= 9; i++) await journal.append([record(i)]);
  await journal.append([record(10), record(11)]);
  for (let attempt = 0; attempt < 100 && seen.length < 9; attempt++) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen, [3, 4, 5, 6, 7, 8, 9, 10, 11]);
  await subscription.close();
});

test('trim deletes whole batches but keeps the newest; a follower of a trimmed position fails clearly', async () => {
  const coordination = new MemoryCoordination((task) => queueMicrotask(task));
  const journal = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/', fence: await leaderOf(coordination) });
  await journal.append([record(1), record(2)]);
  await journal.append([record(3)]);
  await journal.append([record(4)]);
  await journal.trim(3);
  assert.deepEqual(await positions(journal, 3), [4]);
  assert.deepEqual(await positions(journal, 0), [4], 'replay starts at the oldest record kept');
  const reader = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/' });
  await assert.rejects(reader.follow(0, () => {}), /trimmed/, 'a follower cannot skip trimmed records');
  await journal.trim(100);
  assert.deepEqual(await positions(journal, 3), [4], 'the newest batch stays for the next append to chain to');
  assert.equal(await journal.append([record(5)]), 5);
});

test('readAfter hands over what the store holds after a position, in order, and refuses to skip trimmed records', async () => {
  const coordination = new MemoryCoordination((task) => queueMicrotask(task));
  const journal = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/', fence: await leaderOf(coordination), readPageBatches: 2 });
  const reader = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/', readPageBatches: 2 });
  const seen: number[] = [];
  const lasts: number[] = [];
  const onBatch = (records: readonly JournalRecord[], last: number) => {
    records.forEach((r, i) => {
      assert.equal(r.transactionId, `tx-${last - records.length + 1 + i}`);
      seen.push(last - records.length + 1 + i);
    });
    lasts.push(last);
  };
  assert.equal(await reader.readAfter(0, onBatch), 0, 'nothing yet');
  await journal.append([record(1), record(2)]);
  await journal.append([record(3)]);
  await journal.append([record(4), record(5)]);
  // After 1: the first batch's record 1 is not handed over again; three batches over two pages.
  assert.equal(await reader.readAfter(1, onBatch), 5);
  assert.deepEqual(seen, [2, 3, 4, 5]);
  assert.deepEqual(lasts, [2, 3, 5]);
  assert.equal(await reader.readAfter(5, onBatch), 5, 'nothing new');
  await journal.append([record(6)]);
  assert.equal(await reader.readAfter(5, onBatch), 6);
  assert.deepEqual(seen, [2, 3, 4, 5, 6]);
  await journal.trim(5);
  await assert.rejects(reader.readAfter(2, onBatch), /trimmed/, 'a reader cannot skip trimmed records');
});

test('a batch larger than a chunk is stored in chunks and read back whole, by replay and by followers', async () => {
  const coordination = new MemoryCoordination((task) => setImmediate(task));
  const journal = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/', fence: await leaderOf(coordination), chunkBytes: 100 });
  const big = (n: number): JournalRecord => ({ ...record(n), writes: [{ key: bytes(`k${n}`), value: new Uint8Array(450).fill(n) }] });
  const seen: number[] = [];
  const reader = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/' });
  const subscription = await reader.follow(0, (records, last) => {
    records.forEach((r, i) => {
      const position = last - records.length + 1 + i;
      assert.equal(r.writes[0]!.value!.length, position <= 2 ? 450 : 2);
      seen.push(position);
    });
  });
  assert.equal(await journal.append([big(1), big(2)]), 2);
  assert.equal(await journal.append([record(3)]), 3);
  const chunks = await coordination.range(bytes('j-chunks/'), bytes('j-chunks0'));
  assert.ok(chunks.entries.length >= 9, `the first batch went out in chunks (${chunks.entries.length})`);
  const replayed: number[] = [];
  await journal.replay(0, (r, p) => { replayed.push(p); assert.equal(r.transactionId, `tx-${p}`); });
  assert.deepEqual(replayed, [1, 2, 3]);
  for (let attempt = 0; attempt < 100 && seen.length < 3; attempt++) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen, [1, 2, 3]);
  await subscription.close();
  await journal.append([record(4)]);
  await journal.trim(3);
  assert.equal((await coordination.range(bytes('j-chunks/'), bytes('j-chunks0'))).entries.length, 0, 'trim removes the chunks too');
});

/** Counts the store transactions that carry a batch, and holds them back to apply in any order. */
class CountingReorderingCoordination extends ReorderingCoordination {
  sent = 0;
  override transaction(comparisons: readonly Comparison[], operations: readonly Operation[]): Promise<TransactionResult> {
    if (operations.some((o) => o.type === 'put')) this.sent++;
    return super.transaction(comparisons, operations);
  }
}

/** Follows the journal under `j/` from `after`, collecting each record's position and each batch's last position. */
async function collect(coordination: MemoryCoordination, after = 0): Promise<{ seen: number[]; lasts: number[]; close(): Promise<void> }> {
  const seen: number[] = [];
  const lasts: number[] = [];
  const reader = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/' });
  const subscription = await reader.follow(after, (records, last) => {
    records.forEach((r, i) => {
      const position = last - records.length + 1 + i;
      assert.equal(r.transactionId, `tx-${position}`);
      seen.push(position);
    });
    lasts.push(last);
  });
  return { seen, lasts, close: () => subscription.close() };
}

/** Lets queued tasks run until `until` holds (or a while, for checking that nothing happens). */
async function settle(until: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 100 && !until(); attempt++) await new Promise((resolve) => setImmediate(resolve));
}

test('appends in flight applied in reverse order: one store transaction each, each batch written once, followers see the journal in order', async () => {
  const coordination = new CountingReorderingCoordination((task) => setImmediate(task));
  const journal = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/', fence: await leaderOf(coordination) });
  coordination.sent = 0;
  const follower = await collect(coordination);
  coordination.holdNext = 4;
  const appends = [journal.append([record(1)]), journal.append([record(2), record(3)]), journal.append([record(4)]), journal.append([record(5)])];
  const resolved: number[] = [];
  for (const append of appends) void append.then((position) => resolved.push(position));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(coordination.held.length, 4, 'four transactions in flight at once');
  // The later ones reach the store first; the follower holds them until the gap before them fills.
  while (coordination.held.length > 1) {
    coordination.held.pop()!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await settle(() => false);
  assert.deepEqual(resolved, [], 'no append resolves before the first batch is in');
  assert.deepEqual(follower.seen, [], 'nothing is delivered past a gap');
  coordination.held.pop()!();
  assert.deepEqual(await Promise.all(appends), [1, 3, 4, 5]);
  assert.deepEqual(resolved, [1, 3, 4, 5], 'appends resolve in append order');
  assert.equal(coordination.sent, 4, 'one store transaction per batch');
  assert.deepEqual(await positions(journal), [1, 2, 3, 4, 5]);
  await settle(() => follower.seen.length >= 5);
  assert.deepEqual(follower.seen, [1, 2, 3, 4, 5]);
  assert.deepEqual(follower.lasts, [1, 3, 4, 5]);
  await follower.close();
});

test('a leader deposed with appends in flight: a batch that landed past a gap stays, its successor fills the gap with a hole and goes on', async () => {
  const coordination = new ReorderingCoordination((task) => queueMicrotask(task));
  const lease = await coordination.grantLease();
  const first = await coordination.transaction([{ key: LEADER, target: 'create', op: '==', revision: 0 }], [{ type: 'put', key: LEADER, value: bytes('a'), lease: lease.id }]);
  const old = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/', fence: { key: LEADER, createRevision: first.revision } });
  assert.equal(await old.append([record(1)]), 1);
  const follower = await collect(coordination);
  coordination.holdNext = 3;
  const inFlight = [old.append([record(2)]), old.append([record(3)]), old.append([record(4)])];
  await new Promise((resolve) => setImmediate(resolve));
  // Batch 3 lands, then the leader loses its key, then batches 2 and 4 arrive: both refused.
  coordination.held.splice(1, 1)[0]!();
  await new Promise((resolve) => setImmediate(resolve));
  coordination.expireLease(lease.id);
  while (coordination.held.length > 0) coordination.held.shift()!();
  const outcomes = await Promise.allSettled(inFlight);
  // Batch 3 is in the journal but fails with its predecessor: its commits' outcome is unknown
  // to this leader (a retried commit finds them at the next one, by transaction id).
  assert.deepEqual(outcomes.map((o) => o.status), ['rejected', 'rejected', 'rejected']);
  await settle(() => false);
  assert.deepEqual(follower.seen, [1], 'the follower waits at the gap');
  const reader = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/' });
  const read: number[] = [];
  assert.equal(await reader.readAfter(1, (_records, last) => read.push(last)), 1, 'readAfter stops at the gap');
  assert.equal(read.length, 0);
  const successor = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/', fence: await leaderOf(coordination) });
  assert.equal(successor.durablePosition, 3, 'the successor starts after the batch that landed');
  assert.equal(await successor.append([record(4)]), 4);
  assert.deepEqual(await positions(successor), [1, 3, 4], 'position 2 is a hole: no record');
  await settle(() => follower.seen.length >= 3);
  assert.deepEqual(follower.seen, [1, 3, 4]);
  assert.deepEqual(follower.lasts, [1, 2, 3, 4], 'the hole is handed over as an empty batch, so positions advance');
  assert.equal(await reader.readAfter(1, (_records, last) => read.push(last)), 4);
  assert.deepEqual(read, [2, 3, 4]);
  await follower.close();
});

test('a gap at the start of the journal is waited for, not taken for a trim', async () => {
  const coordination = new ReorderingCoordination((task) => queueMicrotask(task));
  const journal = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/', fence: await leaderOf(coordination) });
  coordination.holdNext = 1;
  const appends = [journal.append([record(1)]), journal.append([record(2)])];
  await settle(() => false);
  const reader = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/' });
  assert.equal(await reader.oldestPosition(), 1, 'nothing was trimmed');
  assert.equal(await reader.readAfter(0, () => assert.fail('nothing is handed over before position 1')), 0);
  const follower = await collect(coordination);
  await settle(() => false);
  assert.deepEqual(follower.seen, []);
  coordination.held.shift()!();
  assert.deepEqual(await Promise.all(appends), [1, 2]);
  await settle(() => follower.seen.length >= 2);
  assert.deepEqual(follower.seen, [1, 2]);
  await follower.close();
});

test('a successor does not take trimmed positions for gaps: no hole over them, a reader behind the trim still fails clearly', async () => {
  const coordination = new MemoryCoordination((task) => queueMicrotask(task));
  const lease = await coordination.grantLease();
  const first = await coordination.transaction([{ key: LEADER, target: 'create', op: '==', revision: 0 }], [{ type: 'put', key: LEADER, value: bytes('a'), lease: lease.id }]);
  const old = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/', fence: { key: LEADER, createRevision: first.revision } });
  // Sent together, so each names the journal whole only through 0.
  assert.deepEqual(await Promise.all([old.append([record(1)]), old.append([record(2)]), old.append([record(3)])]), [1, 2, 3]);
  await old.trim(2);
  assert.equal(await old.oldestPosition(), 3);
  coordination.expireLease(lease.id);
  const successor = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/', fence: await leaderOf(coordination) });
  const keys = (await coordination.range(bytes('j/'), bytes('j0'))).entries.map((e) => Buffer.from(e.key).toString());
  assert.deepEqual(keys, ['j/0000000000000003'], 'no hole written over the trimmed positions');
  assert.equal(await successor.append([record(4)]), 4);
  const reader = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/' });
  await assert.rejects(reader.follow(0, () => {}), /trimmed/);
  assert.deepEqual(await positions(successor, 2), [3, 4]);
});

test('a successor whose gap-filling transaction is repeated (its first answer lost) finds its holes there and opens', async () => {
  class RepeatingCoordination extends ReorderingCoordination {
    repeatNext = false;
    override async transaction(comparisons: readonly Comparison[], operations: readonly Operation[]): Promise<TransactionResult> {
      if (!this.repeatNext) return super.transaction(comparisons, operations);
      this.repeatNext = false;
      await super.transaction(comparisons, operations);
      return super.transaction(comparisons, operations);
    }
  }
  const coordination = new RepeatingCoordination((task) => queueMicrotask(task));
  const lease = await coordination.grantLease();
  const first = await coordination.transaction([{ key: LEADER, target: 'create', op: '==', revision: 0 }], [{ type: 'put', key: LEADER, value: bytes('a'), lease: lease.id }]);
  const old = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/', fence: { key: LEADER, createRevision: first.revision } });
  coordination.holdNext = 2;
  const inFlight = [old.append([record(1)]), old.append([record(2)])];
  await new Promise((resolve) => setImmediate(resolve));
  coordination.held.pop()!();
  await new Promise((resolve) => setImmediate(resolve));
  coordination.expireLease(lease.id);
  coordination.held.pop()!();
  assert.deepEqual((await Promise.allSettled(inFlight)).map((o) => o.status), ['rejected', 'rejected']);
  const fence = await leaderOf(coordination);
  coordination.repeatNext = true;
  const successor = await CoordinatedJournal.open({ coordination, timers, prefix: 'j/', fence });
  assert.equal(successor.durablePosition, 2);
  assert.deepEqual(await positions(successor), [2], 'position 1 is a hole');
  assert.equal(await successor.append([record(3)]), 3);
});
