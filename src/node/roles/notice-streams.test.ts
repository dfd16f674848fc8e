import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JournalRecord } from '../../contracts/journal.js';
import type { Timers } from '../../contracts/time.js';
import type { Message, ServerStream } from '../../env/grpc.js';
import { FakeClock, FakeTimers } from '../../sim/fake-clock.js';
import { NoticeStreams, type NoticeSource } from './notice-streams.js';
import { decodeBatch } from '../../journal/record-codec.js';
import { ShardMap } from '../../storage/shard-map.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const CATALOG = bytes('catalog-version');

function stream(): ServerStream & { readonly received: Message[] } {
  const received: Message[] = [];
  return { received, push: (message) => { received.push(message); return true; }, drained: () => Promise.resolve(), end: () => {}, fail: () => {}, onCancel: () => {} };
}

function decision(timestamp: number, key: Uint8Array): JournalRecord {
  return { commitTimestamp: timestamp, transactionId: `tx-${timestamp}`, writes: [{ key, value: bytes('v') }] };
}

/** A leader with nothing in flight whose watermarks follow the clock. */
function quietSource(clock: FakeClock): NoticeSource {
  return {
    epoch: 1, published: 0,
    watermark: () => clock.now().earliest - 1,
    decidedWatermark: () => clock.now().earliest - 1,
    decisionsInFlight: () => [],
    lastIssued: () => 0,
    reserveCovered: (_key, through) => through,
    promiseDecided: () => clock.now().earliest - 1,
  };
}

function setup(): { clock: FakeClock; timers: FakeTimers; notices: NoticeStreams; storage: ReturnType<typeof stream>; qp: ReturnType<typeof stream> } {
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  const source = quietSource(clock);
  const notices = new NoticeStreams(clock, timers, 20, 50_000);
  notices.lead(source);
  const storage = stream();
  const qp = stream();
  notices.add(storage, []);
  notices.add(qp, [CATALOG]);
  return { clock, timers, notices, storage, qp };
}

test('a query processor is sent only the notices it needs: decisions on its keys, renewals, snapshots its reservation does not cover', async () => {
  const { clock, timers, notices, storage, qp } = setup();
  assert.equal(storage.received.length, 1);
  assert.equal(qp.received.length, 1);
  const firstReservation = qp.received[0]!['reserved'] as number;
  assert.ok(firstReservation >= clock.now().latest + 50_000 - 1, 'the first notice reserves the watched key 50 ms ahead');
  // A decision on another key: storage hears of it, the QP is not woken.
  clock.advance(5_000);
  notices.broadcast([decision(clock.now().latest, bytes('row-1'))]);
  assert.equal(storage.received.length, 2);
  assert.equal((storage.received[1]!['decisions'] as Message[]).length, 1);
  assert.equal(qp.received.length, 1);
  // A decision on the watched key goes to the QP at once.
  notices.broadcast([decision(clock.now().latest + 1, CATALOG)]);
  assert.equal(qp.received.length, 2);
  assert.equal((qp.received[1]!['decisions'] as Message[]).length, 1);
  // A Notify for a snapshot its reservation covers: storage gets the notice, the QP does not.
  clock.advance(1_000);
  notices.request(clock.now().latest);
  await Promise.resolve();
  // The decided watermark can reach the snapshot once the clock has passed it.
  timers.advance(1_000);
  assert.equal(storage.received.length, 4);
  assert.ok((storage.received[3]!['decided'] as number) >= clock.now().latest - 1);
  assert.equal(qp.received.length, 2);
  // Decisions on other keys keep flowing: the QP's reservation is renewed once an interval passed.
  clock.advance(10_000);
  notices.broadcast([decision(clock.now().latest, bytes('row-2'))]);
  assert.equal(qp.received.length, 2);
  clock.advance(10_000);
  notices.broadcast([decision(clock.now().latest, bytes('row-3'))]);
  assert.equal(qp.received.length, 3, 'renewed after 20 ms without a notice');
  assert.deepEqual(qp.received[2]!['decisions'], []);
  assert.ok((qp.received[2]!['reserved'] as number) > firstReservation);
  // Quiet leader: the periodic tick reaches everyone.
  clock.advance(20_000);
  notices.tick();
  assert.equal(storage.received.length, 7);
  assert.equal(qp.received.length, 4);
});

test('a named query processor is renewed every interval only while it reads; replicas hear from a quiet leader every replicaIntervalMs', async () => {
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  const source = quietSource(clock);
  const notices = new NoticeStreams(clock, timers, 20, 50_000, null, { replicaIntervalMs: 100, watcherReadingMs: 200 });
  notices.lead(source);
  const [storage, reading, idle] = [stream(), stream(), stream()];
  notices.add(storage, [], false, 'storage-1');
  notices.add(reading, [CATALOG], false, 'qp-1');
  notices.add(idle, [CATALOG], false, 'qp-2');
  // The leader's own timer sends the periodic notices (none on an idle leader between them).
  const ticks = (ms: number) => timers.advance(ms * 1000);
  // A quiet leader, nobody reading: the replica every 100 ms, no QP renewed.
  ticks(400);
  assert.equal(storage.received.length, 1 + 4);
  assert.equal(reading.received.length, 1);
  assert.equal(idle.received.length, 1);
  // qp-1 reads at a snapshot its lapsed reservation misses: renewed at once, qp-2 is not.
  const snapshot = clock.now().latest;
  notices.request(snapshot, ['storage-1'], 'qp-1');
  await Promise.resolve();
  timers.advance(1_000);
  assert.equal(reading.received.length, 2);
  assert.ok((reading.received[1]!['reserved'] as number) >= snapshot + 50_000 - 1, 'the reservation covers the snapshot and 50 ms after');
  assert.equal(idle.received.length, 1, 'a QP that does not read is not woken by another\'s Notify');
  // One look is not reading: no renewal follows it.
  ticks(40);
  assert.equal(reading.received.length, 2);
  // Two snapshots within 200 ms are: qp-1's reservation is renewed every 20 ms without being
  // asked, the first time at once (its last notice is 40 ms old).
  notices.request(clock.now().latest, ['storage-1'], 'qp-1');
  await Promise.resolve();
  assert.equal(reading.received.length, 2, 'its reservation covers the snapshot: no answer to the Notify');
  ticks(100);
  assert.equal(reading.received.length, 2 + 5);
  assert.equal(idle.received.length, 1);
  // 200 ms after its last two Notify requests, the renewals stop; the next snapshot asks again.
  ticks(200);
  const renewed = reading.received.length;
  ticks(200);
  assert.equal(reading.received.length, renewed, 'no renewal for a QP that stopped reading');
  assert.equal(idle.received.length, 1);
  // A QP whose reservation still covers its snapshot is not sent anything for its Notify.
  notices.request(clock.now().latest, ['storage-1'], 'qp-1');
  await Promise.resolve();
  timers.advance(1_000);
  const afterAsk = reading.received.length;
  assert.equal(afterAsk, renewed + 1);
  notices.request(clock.now().latest, ['storage-1'], 'qp-1');
  await Promise.resolve();
  timers.advance(1_000);
  assert.equal(reading.received.length, afterAsk, 'covered by the reservation just sent');
});

test('a snapshot beyond a watching follower\'s reservation gets it a notice', async () => {
  const { clock, timers, notices, qp } = setup();
  const reserved = qp.received[0]!['reserved'] as number;
  // Its reservation ran out (the leader could not renew it for 60 ms): a Notify reaches it.
  clock.advance(60_000);
  notices.request(reserved + 1);
  await Promise.resolve();
  timers.advance(0);
  assert.equal(qp.received.length, 2);
  assert.ok((qp.received[1]!['reserved'] as number) > reserved);
});

test('a liveness-only follower (a standby) gets its first notice and nothing after: no decisions, ticks or Notify answers', async () => {
  const { clock, timers, notices, storage } = setup();
  const standby = stream();
  notices.add(standby, [], true);
  assert.equal(standby.received.length, 1, 'the first notice shows the leader answers');
  assert.deepEqual(standby.received[0]!['decisions'], []);
  const before = storage.received.length;
  clock.advance(5_000);
  notices.broadcast([decision(clock.now().latest, bytes('row-1'))]);
  timers.advance(100_000);
  notices.tick();
  notices.request(clock.now().latest);
  await Promise.resolve();
  timers.advance(10_000);
  assert.ok(storage.received.length > before + 2, 'storage kept hearing decisions and notices');
  assert.equal(standby.received.length, 1);
});

test('an idle leader promises ahead while reads go on, renewed in time; not after a decision, nor once reads stop', async () => {
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  let promised = 0;
  const source: NoticeSource = {
    epoch: 1, published: 0,
    watermark: () => clock.now().earliest - 1,
    decidedWatermark: () => Math.max(promised, clock.now().earliest - 1),
    decisionsInFlight: () => [],
    lastIssued: () => 0,
    reserveCovered: (_key, through) => through,
    promiseDecided: (through) => { promised = Math.max(promised, through); return promised; },
  };
  const notices = new NoticeStreams(clock, timers, 20, 50_000, { aheadUs: 10_000, renewMs: 4, idleMs: 100, readingMs: 200, reads: 3 }, { replicaIntervalMs: 100 });
  notices.lead(source);
  const storage = stream();
  notices.add(storage, []);
  const decided = () => storage.received[storage.received.length - 1]!['decided'] as number;
  assert.ok(decided() < clock.now().latest, 'nobody reads yet: nothing promised');
  // A snapshot asked for every 250 ms (a control node's catalog look) is not reading: no promise.
  for (let i = 0; i < 4; i++) {
    timers.advance(250_000);
    notices.request(clock.now().latest);
    await Promise.resolve();
    timers.advance(1_000);
    assert.ok(decided() < clock.now().latest, 'occasional snapshots get no promise');
  }
  // Reads (3 within 200 ms): the third Notify is answered at once with a promise 10 ms ahead (no
  // wait for the clock).
  clock.advance(200_000);
  notices.request(clock.now().latest - 2_000);
  notices.request(clock.now().latest - 1_000);
  await Promise.resolve();
  timers.advance(0);
  const beforeThird = storage.received.length;
  notices.request(clock.now().latest + 500);
  await Promise.resolve();
  assert.equal(storage.received.length, beforeThird + 1);
  assert.ok(decided() >= clock.now().latest + 10_000);
  // Renewed: at every moment the replica holds a promise at least 6 ms ahead.
  const promisedAt = storage.received.length;
  for (let i = 0; i < 40; i++) {
    timers.advance(1_000);
    assert.ok(decided() >= clock.now().latest + 6_000, 'the promise is renewed before it runs short');
  }
  assert.ok(storage.received.length <= promisedAt + 40 / 4 + 1, 'about one renewal per 4 ms');
  // A Notify the promise covers sends nothing.
  const count = storage.received.length;
  notices.request(clock.now().latest);
  await Promise.resolve();
  assert.equal(storage.received.length, count);
  // A decision: no promise with it nor for the next 100 ms (commits that follow pay nothing).
  const withDecision = decided();
  notices.broadcast([decision(withDecision + 1, bytes('row-1'))]);
  timers.advance(50_000);
  notices.request(clock.now().latest);
  await Promise.resolve();
  timers.advance(1_000);
  assert.ok(decided() < clock.now().latest, 'no promise while commits may follow');
  // Quiet again for 100 ms with reads: promising again.
  timers.advance(60_000);
  for (let i = 0; i < 3; i++) notices.request(clock.now().latest);
  await Promise.resolve();
  assert.ok(decided() >= clock.now().latest + 10_000);
  // Reads stop: renewals stop within 200 ms.
  timers.advance(200_000);
  const stopped = storage.received.length;
  timers.advance(100_000);
  assert.ok(storage.received.length <= stopped + 1, 'no renewals once nobody reads: at most the periodic notice');
  assert.equal(timers.pendingCount, 1, 'no renewal timer left behind: only the periodic notice\'s');
  notices.close();
});

test('a Notify naming a replica is answered on that replica\'s stream alone; an unnamed or unknown one on every replica\'s', async () => {
  const { clock, timers, notices, storage, qp } = setup();
  const named = stream();
  const other = stream();
  notices.add(named, [], false, 'storage-1');
  notices.add(other, [], false, 'storage-2');
  const counts = () => [storage.received.length, named.received.length, other.received.length, qp.received.length];
  assert.deepEqual(counts(), [1, 1, 1, 1]);
  clock.advance(5_000);
  const snapshot = clock.now().latest;
  notices.request(snapshot, ['storage-1']);
  await Promise.resolve();
  timers.advance(1_000);
  assert.deepEqual(counts(), [1, 2, 1, 1], 'only storage-1 is sent a notice');
  assert.ok((named.received[1]!['decided'] as number) >= snapshot);
  // Covered by what its stream was sent: nothing more.
  notices.request(snapshot, ['storage-1']);
  await Promise.resolve();
  timers.advance(1_000);
  assert.deepEqual(counts(), [1, 2, 1, 1]);
  // An unknown name (a replica not following this leader yet) and no name: every replica.
  clock.advance(1_000);
  notices.request(clock.now().latest, ['storage-9']);
  await Promise.resolve();
  timers.advance(1_000);
  assert.deepEqual(counts(), [2, 3, 2, 1]);
  clock.advance(1_000);
  notices.request(clock.now().latest);
  await Promise.resolve();
  timers.advance(1_000);
  assert.deepEqual(counts(), [3, 4, 3, 1]);
  // A snapshot beyond the QP's reservation renews it, whichever replica is named (a leader that
  // could not renew it for 60 ms: the clock moves, its timers have not run yet).
  const reserved = qp.received[0]!['reserved'] as number;
  clock.advance(60_000);
  notices.request(reserved + 1, ['storage-2']);
  await Promise.resolve();
  assert.deepEqual(counts(), [3, 4, 4, 2]);
  assert.ok((qp.received[1]!['reserved'] as number) > reserved);
});

test('a Notify naming a replica of each storage shard is answered on those replicas\' streams alone', async () => {
  const { clock, timers, notices, storage, qp } = setup();
  const shard0 = stream();
  const shard1 = stream();
  const other = stream();
  notices.add(shard0, [], false, 'storage-1');
  notices.add(shard1, [], false, 'storage-4');
  notices.add(other, [], false, 'storage-2');
  const counts = () => [storage.received.length, shard0.received.length, shard1.received.length, other.received.length, qp.received.length];
  assert.deepEqual(counts(), [1, 1, 1, 1, 1]);
  clock.advance(5_000);
  const snapshot = clock.now().latest;
  notices.request(snapshot, ['storage-1', 'storage-4']);
  await Promise.resolve();
  timers.advance(1_000);
  assert.deepEqual(counts(), [1, 2, 2, 1, 1], 'storage-1 and storage-4, and no other');
  assert.ok((shard0.received[1]!['decided'] as number) >= snapshot);
  assert.ok((shard1.received[1]!['decided'] as number) >= snapshot);
  // One of them unknown here: every replica's stream, as for an unnamed Notify.
  clock.advance(1_000);
  notices.request(clock.now().latest, ['storage-1', 'storage-9']);
  await Promise.resolve();
  timers.advance(1_000);
  assert.deepEqual(counts(), [2, 3, 3, 2, 1]);
  notices.close();
});

test('an idle leader wakes only when a periodic notice is due, not every interval to find none due', async () => {
  const clock = new FakeClock();
  const fake = new FakeTimers(clock);
  let wakeUps = 0;
  const counted = <T extends unknown[]>(set: (callback: () => void, ...rest: T) => ReturnType<FakeTimers['setTimeout']>) =>
    (callback: () => void, ...rest: T) => set(() => { wakeUps++; callback(); }, ...rest);
  const timers: Timers = {
    setTimeout: counted((callback, ms: number) => fake.setTimeout(callback, ms)),
    setInterval: counted((callback, ms: number) => fake.setInterval(callback, ms)),
    clearTimeout: (handle) => fake.clearTimeout(handle),
    clearInterval: (handle) => fake.clearInterval(handle),
    setImmediate: (callback) => fake.setImmediate(callback),
  };
  const notices = new NoticeStreams(clock, timers, 20, 50_000, null, { replicaIntervalMs: 100, watcherReadingMs: 200 });
  notices.lead(quietSource(clock));
  const replicas = [stream(), stream(), stream()];
  replicas.forEach((replica, i) => notices.add(replica, [], false, `storage-${i + 1}`));
  const [qp1, qp2] = [stream(), stream()];
  notices.add(qp1, [CATALOG], false, 'qp-1');
  notices.add(qp2, [CATALOG], false, 'qp-2');
  // Idle, nobody reading: each replica hears every 100 ms, and the leader wakes for nothing else.
  fake.advance(1_000_000);
  for (const replica of replicas) assert.equal(replica.received.length, 1 + 10);
  assert.equal(qp1.received.length, 1);
  assert.ok(wakeUps <= 11, `${wakeUps} wake-ups in an idle second`);
  // qp-1 reads (two snapshots within 200 ms): renewed every 20 ms while it does, and only it.
  wakeUps = 0;
  for (let i = 0; i < 2; i++) {
    notices.request(clock.now().latest, ['storage-1'], 'qp-1');
    await Promise.resolve();
    fake.advance(1_000);
  }
  const reading = qp1.received.length;
  fake.advance(100_000);
  assert.ok(qp1.received.length >= reading + 4, `renewed every 20 ms while reading: ${qp1.received.length - reading} in 100 ms`);
  assert.equal(qp2.received.length, 1);
  // Reading stopped 200 ms after its second Notify: no renewals, wake-ups every 100 ms again.
  fake.advance(200_000);
  const renewed = qp1.received.length;
  wakeUps = 0;
  fake.advance(1_000_000);
  assert.equal(qp1.received.length, renewed);
  assert.ok(wakeUps <= 11, `${wakeUps} wake-ups in an idle second`);
  notices.close();
  assert.equal(fake.pendingCount, 0, 'closed: no timer left');
});

test('durable batches are pushed to storage replicas only, at once, with the notice naming their last position', () => {
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  let published = 3;
  const source = { ...quietSource(clock), get published() { return published; } };
  const notices = new NoticeStreams(clock, timers, 20, 50_000);
  notices.lead(source);
  const storage = stream();
  const qp = stream();
  const standby = stream();
  notices.add(storage, []);
  notices.add(qp, [CATALOG]);
  notices.add(standby, [], true);
  const framesOf = (message: Message): Uint8Array | undefined => message['journal_frames'] as Uint8Array | undefined;
  // A decision is not durable: no records go with it.
  notices.broadcast([decision(clock.now().latest, bytes('row-1'))]);
  assert.equal(framesOf(storage.received.at(-1)!), undefined);
  // Durable through 5 (the leader moved its published position first): pushed at once.
  const durable = [decision(clock.now().latest, bytes('row-1')), decision(clock.now().latest + 1, bytes('row-2'))];
  published = 5;
  const sent = storage.received.length;
  notices.pushDurable(durable, 5);
  assert.equal(storage.received.length, sent + 1);
  const carrying = storage.received.at(-1)!;
  assert.equal(carrying['position'], 5);
  assert.equal(carrying['journal_first'], 4);
  assert.deepEqual(decodeBatch(framesOf(carrying)!).map((r) => r.transactionId), durable.map((r) => r.transactionId));
  // Nobody else gets them: not the QP (it watches keys), not the standby (liveness only).
  for (const message of [...qp.received, ...standby.received]) assert.equal(framesOf(message), undefined);
  // Later notices do not carry them again.
  notices.broadcast([decision(clock.now().latest + 2, bytes('row-3'))]);
  assert.equal(framesOf(storage.received.at(-1)!), undefined);
  // Records that do not end at the published position are not pushed (the replica reads etcd).
  published = 8;
  notices.pushDurable([decision(clock.now().latest + 4, bytes('row-5'))], 7);
  assert.equal(framesOf(storage.received.at(-1)!), undefined);
  assert.equal(storage.received.at(-1)!['position'], 8);
  notices.close();
});

test('storage shards: each replica is sent its shard\'s writes only, of decisions and pushed records; a replica it does not know gets all, unless it names its shard', () => {
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  let published = 0;
  const source = { ...quietSource(clock), get published() { return published; } };
  // Keys below 'm' on shard 0, the rest on shard 1.
  const shardOf = (name: string) => ({ 'storage-1': 0, 'storage-1-s1': 1 } as Record<string, number>)[name];
  const notices = new NoticeStreams(clock, timers, 20, 50_000, null, { shards: { map: ShardMap.fromHex([Buffer.from('m').toString('hex')]), shardOf } });
  notices.lead(source);
  const low = stream();
  const high = stream();
  const unknown = stream();
  notices.add(low, [], false, 'storage-1');
  notices.add(high, [], false, 'storage-1-s1');
  notices.add(unknown, [], false, 'tool');
  // A replica added while the cluster runs (not in the config) names its shard; one naming a
  // shard the map lacks gets everything, as one it does not know.
  const added = stream();
  const outOfRange = stream();
  notices.add(added, [], false, 'storage-1-s1-r2', 1);
  notices.add(outOfRange, [], false, 'storage-9', 7);
  const keysOf = (message: Message) => (message['decisions'] as Message[]).map((d) => (d['keys'] as Uint8Array[]).map((k) => Buffer.from(k).toString()));
  // A decision writing both shards, one writing only shard 1.
  const both: JournalRecord = { commitTimestamp: clock.now().latest, transactionId: 'both', writes: [{ key: bytes('apple'), value: bytes('v') }, { key: bytes('zebra'), value: bytes('v') }] };
  const onlyHigh = decision(clock.now().latest + 1, bytes('pear'));
  notices.broadcast([both, onlyHigh]);
  assert.deepEqual(keysOf(low.received.at(-1)!), [['apple']], 'shard 0: its key of the first, not the second');
  assert.deepEqual(keysOf(high.received.at(-1)!), [['zebra'], ['pear']]);
  assert.deepEqual(keysOf(unknown.received.at(-1)!), [['apple', 'zebra'], ['pear']]);
  assert.deepEqual(keysOf(added.received.at(-1)!), [['zebra'], ['pear']]);
  assert.deepEqual(['storage-1-s1-r2', 'storage-1', 'storage-9', 'tool', 'nobody'].map((name) => notices.shardOfReplica(name)), [1, 0, undefined, undefined, undefined]);
  assert.deepEqual(keysOf(outOfRange.received.at(-1)!), [['apple', 'zebra'], ['pear']]);
  // Durable: each replica's frames hold every position (an empty record where it has no write).
  published = 2;
  notices.pushDurable([both, onlyHigh], 2);
  const records = (message: Message) => decodeBatch(message['journal_frames'] as Uint8Array).map((r) => [r.transactionId, r.writes.map((w) => Buffer.from(w.key).toString())]);
  assert.deepEqual(records(low.received.at(-1)!), [['both', ['apple']], [onlyHigh.transactionId, []]]);
  assert.deepEqual(records(high.received.at(-1)!), [['both', ['zebra']], [onlyHigh.transactionId, ['pear']]]);
  assert.deepEqual(records(unknown.received.at(-1)!), [['both', ['apple', 'zebra']], [onlyHigh.transactionId, ['pear']]]);
  assert.deepEqual(records(added.received.at(-1)!), [['both', ['zebra']], [onlyHigh.transactionId, ['pear']]]);
  notices.close();
});

test('an idle leader renews its promise only on the streams of the replicas reads name; a Notify naming none renews every replica', async () => {
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  let promised = 0;
  const source: NoticeSource = {
    ...quietSource(clock),
    decidedWatermark: () => Math.max(promised, clock.now().earliest - 1),
    promiseDecided: (through) => { promised = Math.max(promised, through); return promised; },
  };
  const notices = new NoticeStreams(clock, timers, 20, 50_000, { aheadUs: 10_000, renewMs: 4, idleMs: 100, readingMs: 200, reads: 3 }, { replicaIntervalMs: 100 });
  notices.lead(source);
  const [read, other, third] = [stream(), stream(), stream()];
  notices.add(read, [], false, 'storage-1');
  notices.add(other, [], false, 'storage-2');
  notices.add(third, [], false, 'storage-3');
  const decided = (s: ReturnType<typeof stream>) => s.received[s.received.length - 1]!['decided'] as number;
  timers.advance(150_000);
  // A QP reads from storage-1 every 20 ms for a second, naming it in each Notify.
  const before = [read.received.length, other.received.length, third.received.length];
  for (let i = 0; i < 50; i++) {
    notices.request(clock.now().latest, ['storage-1']);
    await Promise.resolve();
    for (let j = 0; j < 20; j++) {
      timers.advance(1_000);
      if (i >= 3) assert.ok(decided(read) >= clock.now().latest + 6_000, 'the replica read from holds a promise at least 6 ms ahead');
    }
  }
  const sent = [read.received.length - before[0]!, other.received.length - before[1]!, third.received.length - before[2]!];
  assert.ok(sent[0]! >= 200, `storage-1 renewed about every 4 ms (${sent[0]})`);
  assert.ok(sent[1]! <= 11 && sent[2]! <= 11, `the replicas nobody reads hear only the periodic notice (${sent[1]}, ${sent[2]})`);
  // A Notify naming no replica: every replica is renewed while such requests keep coming.
  const unnamed = [other.received.length, third.received.length];
  for (let i = 0; i < 5; i++) {
    notices.request(clock.now().latest);
    await Promise.resolve();
    timers.advance(20_000);
  }
  assert.ok(other.received.length - unnamed[0]! >= 20 && third.received.length - unnamed[1]! >= 20, 'every replica renewed');
  assert.ok(decided(other) >= clock.now().latest + 6_000);
  notices.close();
});
