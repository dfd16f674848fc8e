import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JournalRecord } from '../../src/contracts/journal.js';
import type { Comparison, Operation, TransactionResult } from '../../src/env/coordination.js';
import { EtcdCoordination } from '../../src/env/etcd-coordination.js';
import { SystemTimers } from '../../src/env/timers.js';
import { CoordinatedJournal } from '../../src/journal/coordinated-journal.js';
import { etcdUnavailableReason, startEtcd, type TestEtcd } from '../support/etcd.js';

const skip = etcdUnavailableReason() ?? false;
const opts = { skip, timeout: 120_000 };
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const timers = new SystemTimers();
let etcd: TestEtcd;

before(async () => { if (!skip) etcd = await startEtcd(3); });
after(async () => { await etcd?.stop(); });

function record(n: number, valueBytes = 16): JournalRecord {
  return { commitTimestamp: 1_000 + n, transactionId: `tx-${n}`, writes: [{ key: bytes(`k${n}`), value: new Uint8Array(valueBytes).fill(n % 251) }] };
}

async function lead(coordination: EtcdCoordination, key: Uint8Array): Promise<{ key: Uint8Array; createRevision: number }> {
  const lease = await coordination.grantLease(5);
  const result = await coordination.transaction([{ key, target: 'create', op: '==', revision: 0 }], [{ type: 'put', key, value: bytes('me'), lease: lease.id }]);
  assert.ok(result.succeeded, 'took leadership');
  return { key, createRevision: result.revision };
}

test('on a 3-member etcd: concurrent batches land in order, a follower sees each once, a 10 MiB batch fits', opts, async () => {
  const writer = new EtcdCoordination(etcd.endpoints);
  const reader = new EtcdCoordination([etcd.endpoints[2]!]);
  let subscription: { close(): Promise<void> } | null = null;
  try {
    const journal = await CoordinatedJournal.open({ coordination: writer, timers, prefix: 't1/journal/', fence: await lead(writer, bytes('t1/leader')) });
    const followed: number[] = [];
    const follower = await CoordinatedJournal.open({ coordination: reader, timers, prefix: 't1/journal/' });
    subscription = await follower.follow(0, (records, last) => {
      records.forEach((r, i) => {
        const position = last - records.length + 1 + i;
        assert.equal(r.transactionId, `tx-${position}`);
        followed.push(position);
      });
    });
    // 200 single-record batches, 16 in flight at a time (positions follow call order).
    const inFlight: Promise<number>[] = [];
    for (let n = 1; n <= 200; n++) {
      inFlight.push(journal.append([record(n)]));
      if (inFlight.length >= 16) await inFlight.shift();
    }
    await Promise.all(inFlight);
    assert.equal(journal.durablePosition, 200);
    const big = await journal.append([record(201, 10 * 1024 * 1024)]);
    assert.equal(big, 201);
    for (let i = 0; i < 200 && followed.length < 201; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.deepEqual(followed, Array.from({ length: 201 }, (_, i) => i + 1));
  } finally {
    // Closed on every path: a watch or a lease left open would keep the test process alive.
    await (subscription as { close(): Promise<void> } | null)?.close();
    await writer.close();
    await reader.close();
  }
});

test('appends go on while one etcd member is down, and the member catches up after a restart', opts, async () => {
  const writer = new EtcdCoordination(etcd.endpoints);
  try {
    const journal = await CoordinatedJournal.open({ coordination: writer, timers, prefix: 't2/journal/', fence: await lead(writer, bytes('t2/leader')) });
    for (let n = 1; n <= 19; n++) await journal.append([record(n)]);
    // A 10 MiB transaction: etcd cannot replay a WAL entry that large, so it must travel in chunks.
    await journal.append([record(20, 10 * 1024 * 1024)]);
    await etcd.kill(0);
    for (let n = 21; n <= 40; n++) await journal.append([record(n)]);
    await etcd.restart(0);
    const fromRestarted = new EtcdCoordination([etcd.endpoints[0]!]);
    try {
      const reader = await CoordinatedJournal.open({ coordination: fromRestarted, timers, prefix: 't2/journal/' });
      const seen: number[] = [];
      await reader.replay(0, (_, position) => seen.push(position));
      assert.deepEqual(seen, Array.from({ length: 40 }, (_, i) => i + 1));
    } finally {
      await fromRestarted.close();
    }
  } finally {
    await writer.close();
  }
});

/** The journal's store, counting the transactions that carry batches. */
class CountingCoordination extends EtcdCoordination {
  batchTransactions = 0;
  override transaction(comparisons: readonly Comparison[], operations: readonly Operation[]): Promise<TransactionResult> {
    if (operations.some((o) => o.type === 'put')) this.batchTransactions++;
    return super.transaction(comparisons, operations);
  }
}

test('on the etcd leader, 16 appends in flight: one etcd transaction each; the etcd leader killed mid-stream: no gap, no acknowledged append lost, a new writer goes on', opts, async () => {
  const writer = new CountingCoordination(etcd.endpoints, { preferLeader: true });
  const reader = new EtcdCoordination(etcd.endpoints);
  const successorStore = new EtcdCoordination(etcd.endpoints, { preferLeader: true });
  let subscription: { close(): Promise<void> } | null = null;
  let killed = -1;
  try {
    const fence = await lead(writer, bytes('t3/leader'));
    const journal = await CoordinatedJournal.open({ coordination: writer, timers, prefix: 't3/journal/', fence });
    await writer.refreshLeader();
    const leader = writer.leaderEndpoint;
    assert.ok(leader !== null, 'the etcd leader was found');
    killed = etcd.endpoints.findIndex((e) => leader.endsWith(e.replace(/^https?:\/\//, '')));
    assert.ok(killed >= 0, `the leader ${leader} is one of ${etcd.endpoints.join(', ')}`);
    const followed: number[] = [];
    const follower = await CoordinatedJournal.open({ coordination: reader, timers, prefix: 't3/journal/' });
    subscription = await follower.follow(0, (records, last) => {
      records.forEach((r, i) => {
        const position = last - records.length + 1 + i;
        assert.equal(r.transactionId, `tx-${position}`);
        followed.push(position);
      });
    });
    const appendMany = async (target: CoordinatedJournal, from: number, to: number): Promise<number[]> => {
      const acknowledged: number[] = [];
      const inFlight: Promise<unknown>[] = [];
      for (let n = from; n <= to; n++) {
        inFlight.push(target.append([record(n)]).then((position) => { acknowledged.push(position); }, () => {}));
        if (inFlight.length >= 16) await inFlight.shift();
      }
      await Promise.all(inFlight);
      return acknowledged;
    };
    writer.batchTransactions = 0;
    assert.equal((await appendMany(journal, 1, 200)).length, 200);
    assert.equal(writer.batchTransactions, 200, 'no batch was refused for overtaking and sent again');
    // The etcd leader goes mid-stream. Appends caught in the election may fail (the writer then
    // refuses the rest, as a crash-only adjudicator leader exits); none may be acknowledged and lost.
    const during = appendMany(journal, 201, 300);
    await etcd.kill(killed);
    const acknowledged = await during;
    assert.deepEqual(acknowledged, acknowledged.slice().sort((a, b) => a - b), 'acknowledged in position order');
    // A successor opens at the tail once etcd has a leader again, under a leadership of its own
    // (as a new adjudicator leader does: the old one exits): the old writer's requests still
    // on their way are refused, so the successor can fill any gap they left.
    let successor: CoordinatedJournal | null = null;
    let next = 0;
    for (let attempt = 0; attempt < 100 && successor === null; attempt++) {
      try {
        await successorStore.transaction([], [{ type: 'delete', from: fence.key }]);
        const candidate = await CoordinatedJournal.open({ coordination: successorStore, timers, prefix: 't3/journal/', fence: await lead(successorStore, fence.key) });
        next = candidate.durablePosition + 1;
        assert.equal(await candidate.append([record(next)]), next);
        successor = candidate;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    assert.ok(successor !== null, 'a new writer appends after the election');
    assert.ok(next > 200 + acknowledged.length, `every acknowledged append is below the tail (${next - 1})`);
    for (let i = 0; i < 400 && followed.at(-1) !== next; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    // Positions the killed writer never wrote (an append refused while a later one landed) are
    // holes the successor filled: no record there. Everything else is followed once, in order.
    const stored: number[] = [];
    await successor.replay(0, (_record, position) => stored.push(position));
    assert.deepEqual(followed, stored, 'the follower saw exactly what the journal holds, in order');
    for (const position of [...Array.from({ length: 200 }, (_, i) => i + 1), ...acknowledged, next]) {
      assert.ok(stored.includes(position), `acknowledged position ${position} is in the journal`);
    }
  } finally {
    await (subscription as { close(): Promise<void> } | null)?.close();
    await writer.close();
    await successorStore.close();
    await reader.close();
    if (killed >= 0) await etcd.restart(killed);
  }
});
