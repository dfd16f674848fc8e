import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, FakeTimers } from '../../sim/fake-clock.js';
import type { Message } from '../../env/grpc.js';
import { KeyWatch, type NoticeSubscriber } from './key-watch.js';

const KEY = new TextEncoder().encode('catalog-version');
const V1 = new TextEncoder().encode('1');
const LEADER = { address: 'leader:1', epoch: 7 };
const NEXT_LEADER = { address: 'leader:2', epoch: 8 };
const EPOCHS = new Map([[LEADER.address, LEADER.epoch], [NEXT_LEADER.address, NEXT_LEADER.epoch]]);

/** A leader whose notices the test sends by hand. */
function setup() {
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  const streams: { epoch: number; onNotice: (notice: Message) => void; onEnd: () => void; cancelled: boolean }[] = [];
  const subscribe: NoticeSubscriber = (address, keys, onNotice, onEnd) => {
    assert.deepEqual(keys.map((k) => Buffer.from(k).toString()), ['catalog-version']);
    const stream = { epoch: EPOCHS.get(address)!, onNotice, onEnd, cancelled: false };
    streams.push(stream);
    return { cancel: () => { stream.cancelled = true; } };
  };
  const watch = new KeyWatch(KEY, timers, subscribe);
  const notice = (decided: number, changes: number[] = [], extra: { issued?: number; reserved?: number } = {}) =>
    streams[streams.length - 1]!.onNotice({
      epoch: streams[streams.length - 1]!.epoch, decided, issued: extra.issued ?? decided, reserved: extra.reserved ?? 0,
      decisions: changes.map((t) => ({ commit_timestamp: t, keys: [Buffer.from(KEY)] })),
    });
  return { clock, timers, streams, watch, notice };
}

test('the stream vouches for the key between a storage read and the next change', async () => {
  const { watch, notice } = setup();
  assert.equal(await watch.valueAt(100), undefined, 'nothing known before a stream');
  watch.follow(LEADER);
  notice(100);
  assert.equal(await watch.valueAt(150), undefined, 'nothing known before a storage read');
  watch.observed(V1, 120);
  notice(200);
  assert.deepEqual(await watch.valueAt(180), { value: V1 });
  assert.deepEqual(await watch.valueAt(200), { value: V1 });
  assert.equal(await watch.valueAt(110), undefined, 'older than the read: storage answers');
  notice(300, [250]);
  assert.deepEqual(await watch.valueAt(249), { value: V1 });
  assert.equal(await watch.valueAt(250), undefined, 'a change at or before the snapshot: storage answers');
  watch.observed(new TextEncoder().encode('2'), 260);
  assert.deepEqual(await watch.valueAt(290), { value: new TextEncoder().encode('2') });
});

test('a read from before the stream started is not vouched for, nor one the stream does not cover yet', async () => {
  const { watch, notice, timers } = setup();
  watch.observed(V1, 50);
  watch.follow(LEADER);
  notice(100);
  notice(200);
  assert.equal(await watch.valueAt(150), undefined, 'the read at 50 predates what the stream covers');
  watch.observed(V1, 150);
  // Beyond the decided watermark: waits for the next notice.
  const later = watch.valueAt(250);
  notice(260);
  assert.deepEqual(await later, { value: V1 });
  // No notice comes: storage answers after a short wait.
  const stalled = watch.valueAt(400);
  timers.advance(100_000);
  assert.equal(await stalled, undefined);
});

test('a broken stream or a new leader forgets what the stream covered', async () => {
  const { watch, notice, streams, timers } = setup();
  watch.follow(LEADER);
  notice(100);
  watch.observed(V1, 120);
  notice(200);
  assert.deepEqual(await watch.valueAt(150), { value: V1 });
  const waiting = watch.valueAt(300);
  streams[0]!.onEnd();
  assert.equal(await waiting, undefined, 'a waiting lookup goes to storage when the stream ends');
  assert.equal(await watch.valueAt(150), undefined);
  timers.advance(200_000); // reconnects
  assert.equal(streams.length, 2);
  notice(400);
  assert.equal(await watch.valueAt(410), undefined, 'the read at 120 predates the new stream');
  watch.follow(NEXT_LEADER);
  assert.ok(streams[1]!.cancelled);
  streams[1]!.onNotice({ epoch: LEADER.epoch, decided: 900, issued: 900, decisions: [] }); // the old stream's late notice is ignored
  notice(500);
  watch.observed(V1, 510);
  notice(600);
  assert.deepEqual(await watch.valueAt(550), { value: V1 });
});

test('coverage starts above the highest timestamp issued when the stream began, and reaches the reservation', async () => {
  const { watch, notice } = setup();
  watch.follow(LEADER);
  // A commit at 140 (above the decided watermark 100) was published before the stream began.
  notice(100, [], { issued: 140 });
  watch.observed(V1, 120);
  notice(200);
  assert.equal(await watch.valueAt(150), undefined, 'the read at 120 may predate the commit at 140');
  watch.observed(V1, 145);
  assert.deepEqual(await watch.valueAt(150), { value: V1 });
  // The leader reserved the key through 500: no need to wait for a decided watermark there.
  notice(210, [], { reserved: 500 });
  assert.deepEqual(await watch.valueAt(480), { value: V1 });
});

test('notices of a deposed leader still streaming are not taken, whatever they claim', async () => {
  const { watch, notice, streams, timers } = setup();
  watch.follow(NEXT_LEADER);
  notice(100);
  watch.observed(V1, 120);
  // The old leader answers at the new leader's address (the follower's watch moved on first).
  streams[0]!.onNotice({ epoch: LEADER.epoch, decided: 10_000, issued: 100, reserved: 10_000, decisions: [] });
  assert.ok(streams[0]!.cancelled, 'a stream of another epoch is dropped');
  assert.equal(await watch.valueAt(5_000), undefined, 'its promises cover nothing');
  timers.advance(200_000);
  assert.equal(streams.length, 2, 'the follower asks the leader etcd names again');
  notice(200);
  watch.observed(V1, 210);
  notice(300);
  assert.deepEqual(await watch.valueAt(250), { value: V1 });
});

test('listeners hear of each decision writing the key and of each stream that begins, not of watermarks', () => {
  const { watch, notice, streams, timers } = setup();
  let heard = 0;
  const at: number[] = [];
  const stop = watch.onChanged((changedAt) => { heard++; at.push(changedAt); });
  watch.follow(LEADER);
  notice(100);
  assert.equal(heard, 1, 'a stream began: changes before it are not on it');
  notice(200);
  notice(300, [250, 280]);
  assert.equal(heard, 2, 'a decision writing the key');
  assert.equal(at[1], 280, 'a read must be at the newest decision to see it');
  streams[0]!.onEnd();
  timers.advance(200_000); // reconnects
  notice(400);
  assert.equal(heard, 3, 'a new stream');
  stop();
  notice(500, [450]);
  assert.equal(heard, 3, 'not after the listener stopped');
});
