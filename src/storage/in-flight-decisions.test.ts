import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, FakeTimers } from '../sim/fake-clock.js';
import { InFlightDecisions } from './in-flight-decisions.js';
import { SafeTime } from './safe-time.js';

const key = (text: string): Uint8Array => new TextEncoder().encode(text);
const drain = () => new Promise((resolve) => setImmediate(resolve));

function setup() {
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  const safeTime = new SafeTime({ timers, maxWaitMs: 1_000 });
  return { timers, safeTime, decisions: new InFlightDecisions(safeTime) };
}

/** Records when each read was released. */
function track(promise: Promise<void>): { done: boolean; failed: Error | null } {
  const state = { done: false, failed: null as Error | null };
  promise.then(() => { state.done = true; }, (error: Error) => { state.failed = error; });
  return state;
}

test('without a decided watermark a read waits for safe time, as before', async () => {
  const { safeTime, decisions } = setup();
  const read = track(decisions.waitFor(100, { start: key('a'), end: null }));
  await drain();
  assert.equal(read.done, false);
  safeTime.advance(100);
  await drain();
  assert.equal(read.done, true);
});

test('a read at or below the decided watermark waits only for in-flight decisions that write its keys', async () => {
  const { safeTime, decisions } = setup();
  decisions.add([{ commitTimestamp: 50, keys: [key('a')] }, { commitTimestamp: 60, keys: [key('m'), key('q')] }]);
  decisions.advanceDecided(100);
  // Other keys: served at once although safe time (0) is far below.
  await decisions.waitFor(100, { start: key('b'), end: null });
  await decisions.waitFor(100, { start: key('r'), end: key('z') });
  // Below the decision that writes `a`: nothing at or below 40 touches it.
  await decisions.waitFor(40, { start: key('a'), end: null });
  // A point read of `a` at 100 and a range holding `q` wait.
  const point = track(decisions.waitFor(100, { start: key('a'), end: null }));
  const range = track(decisions.waitFor(100, { start: key('n'), end: key('r') }));
  // Above the decided watermark: not covered even with clear keys.
  const beyond = track(decisions.waitFor(150, { start: key('b'), end: null }));
  await drain();
  assert.deepEqual([point.done, range.done, beyond.done], [false, false, false]);
  decisions.settle(50); // the commit at 50 is applied
  await drain();
  assert.deepEqual([point.done, range.done, beyond.done], [true, false, false]);
  assert.equal(decisions.size, 1);
  decisions.settle(60);
  decisions.advanceDecided(150);
  await drain();
  assert.deepEqual([range.done, beyond.done], [true, true]);
  assert.equal(safeTime.safeTime(), 0, 'all of it without safe time moving');
});

test('a decision at or below safe time is dropped, and safe time still releases a blocked read', async () => {
  const { safeTime, decisions } = setup();
  safeTime.advance(30);
  decisions.add([{ commitTimestamp: 20, keys: [key('a')] }, { commitTimestamp: 70, keys: [key('a')] }]);
  assert.equal(decisions.size, 1, 'the decision at 20 is already applied');
  decisions.advanceDecided(100);
  const read = track(decisions.waitFor(80, { start: key('a'), end: key('b') }));
  await drain();
  assert.equal(read.done, false);
  // The decision's leader died before it was durable: safe time passes it from the next leader.
  safeTime.advance(80);
  await drain();
  assert.equal(read.done, true);
});

test('decisions arriving out of order (a resent stream) keep the list sorted; a blocked read still times out', async () => {
  const { timers, decisions } = setup();
  decisions.add([{ commitTimestamp: 70, keys: [key('x')] }]);
  decisions.add([{ commitTimestamp: 40, keys: [key('y')] }, { commitTimestamp: 70, keys: [key('x')] }]);
  decisions.settle(40);
  assert.equal(decisions.size, 2, 'only the decision at 40 left');
  decisions.advanceDecided(100);
  const read = track(decisions.waitFor(90, { start: key('x'), end: null }));
  await drain();
  timers.advance(1_000_000);
  await drain();
  assert.ok(read.failed, 'the wait is bounded by safe time\'s timeout');
});
