import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JournalRecord } from '../../contracts/journal.js';
import { MemoryCoordination } from '../../env/coordination.js';
import { CoordinatedJournal, JournalTrimmedError } from '../../journal/coordinated-journal.js';
import { FakeClock, FakeTimers } from '../../sim/fake-clock.js';
import { startJournalTrimmer } from './journal-trimmer.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const LEADER = bytes('c/adjudicator/leader');
const record = (n: number): JournalRecord => ({ commitTimestamp: 1_000 + n, transactionId: `tx-${n}`, writes: [{ key: bytes(`k${n}`), value: bytes(`v${n}`) }] });

async function setUp(shards?: { count: number; shardOf(name: string): number | undefined }) {
  const coordination = new MemoryCoordination((task) => queueMicrotask(task));
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  const lease = await coordination.grantLease();
  const leader = await coordination.transaction([{ key: LEADER, target: 'create', op: '==', revision: 0 }], [{ type: 'put', key: LEADER, value: bytes('me'), lease: lease.id }]);
  const journal = await CoordinatedJournal.open({ coordination, timers, prefix: 'c/journal/', fence: { key: LEADER, createRevision: leader.revision } });
  let next = 1;
  const append = async (count: number) => { for (let i = 0; i < count; i++) await journal.append([record(next++)]); };
  const report = async (name: string, position: number, leaseId = '0') => {
    await coordination.transaction([], [{ type: 'put', key: bytes(`c/applied/${name}`), value: bytes(String(position)), lease: leaseId }]);
  };
  const trimmer = startJournalTrimmer({ coordination, clock, timers, journal, appliedPrefix: 'c/applied/', retentionMs: 60_000, intervalMs: 5_000, ...(shards === undefined ? {} : { shards }) });
  return { coordination, clock, timers, journal, append, report, trimmer };
}

test('the journal is trimmed through the slowest live replica, never inside the retention', async () => {
  const { coordination, timers, journal, append, report, trimmer } = await setUp();
  await append(10);
  await report('storage-1', 10);
  await report('storage-2', 10);
  assert.equal(await trimmer.tick(), 0, 'nothing is older than the retention yet');
  timers.advance(30_000_000);
  await append(10);
  assert.equal(await trimmer.tick(), 0);
  timers.advance(30_000_000);
  await report('storage-1', 20);
  assert.equal(await trimmer.tick(), 10, 'records from 60 s ago, which every replica applied');
  assert.equal(await journal.oldestPosition(), 11);
  timers.advance(30_000_000);
  assert.equal(await trimmer.tick(), 10, 'storage-2 is still at 10');
  await report('storage-2', 20);
  timers.advance(30_000_000);
  assert.equal(await trimmer.tick(), 20);
  assert.equal(await journal.oldestPosition(), 20, 'the newest batch stays (the next append names it)');
  trimmer.stop();
  void coordination;
});

test('a replica that goes (its lease with it) stops holding the journal back; with none, nothing is trimmed', async () => {
  const { coordination, timers, append, report, trimmer, journal } = await setUp();
  const lease = await coordination.grantLease();
  await append(5);
  await report('storage-1', 5);
  await report('storage-2', 1, lease.id);
  assert.equal(await trimmer.tick(), 0);
  timers.advance(61_000_000);
  await append(5);
  assert.equal(await trimmer.tick(), 1);
  coordination.expireLease(lease.id);
  timers.advance(5_000_000);
  assert.equal(await trimmer.tick(), 5);
  await coordination.transaction([], [{ type: 'delete', from: bytes('c/applied/'), to: bytes('c/applied0') }]);
  timers.advance(120_000_000);
  await append(1);
  timers.advance(61_000_000);
  assert.equal(await trimmer.tick(), 5, 'no replica reports: nothing more is trimmed');
  // A follower from before the trim point learns it cannot follow.
  await assert.rejects(journal.follow(2, () => {}), JournalTrimmedError);
  trimmer.stop();
});

test('storage shards: a shard with no live replica reporting holds the whole journal back; one reporting again lets it go', async () => {
  const shardOf = (name: string) => ({ 'storage-1': 0, 'storage-2': 0, 'storage-1-s1': 1 } as Record<string, number>)[name];
  const { coordination, timers, append, report, trimmer } = await setUp({ count: 2, shardOf });
  const lease = await coordination.grantLease();
  await append(5);
  await report('storage-1', 5);
  await report('storage-2', 5);
  await report('storage-1-s1', 5, lease.id);
  assert.equal(await trimmer.tick(), 0, 'nothing is older than the retention yet');
  timers.advance(61_000_000);
  await append(5);
  assert.equal(await trimmer.tick(), 5, 'every shard reports: trimmed through the slowest');
  // Shard 1's only replica goes: shard 0's progress trims nothing it would need.
  coordination.expireLease(lease.id);
  await report('storage-1', 10);
  await report('storage-2', 10);
  timers.advance(61_000_000);
  await append(1);
  assert.equal(await trimmer.tick(), 5, 'shard 1 has no live replica: nothing trimmed');
  // A name the config does not know does not stand in for shard 1.
  await report('tool', 10);
  timers.advance(5_000_000);
  assert.equal(await trimmer.tick(), 5);
  await report('storage-1-s1', 10);
  timers.advance(5_000_000);
  assert.equal(await trimmer.tick(), 10, 'back, and caught up: trimmed again');
  trimmer.stop();
});
