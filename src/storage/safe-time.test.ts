import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SafeTime } from './safe-time.js';
import { FakeClock, FakeTimers } from '../sim/fake-clock.js';
import { SqlError } from '../contracts/errors.js';

function setup(options: { maxWaitMs?: number; maxWaiters?: number; initial?: number } = {}) {
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  return { timers, safeTime: new SafeTime({ timers, ...options }) };
}

/** Lets settled promises run their callbacks. */
const drain = () => new Promise((resolve) => setImmediate(resolve));

test('waitFor resolves at once when safe time is already there', async () => {
  const { safeTime, timers } = setup({ initial: 50 });
  assert.equal(safeTime.safeTime(), 50);
  await safeTime.waitFor(50);
  await safeTime.waitFor(10);
  assert.equal(timers.pendingCount, 0, 'no timer for a read that did not wait');
});

test('advance releases waiters in timestamp order, only those it covers, and never moves back', async () => {
  const { safeTime, timers } = setup();
  const order: number[] = [];
  const waits = [30, 10, 20, 10, 40].map((t, i) => safeTime.waitFor(t).then(() => order.push(t * 10 + i)));
  safeTime.advance(5);
  await drain();
  assert.deepEqual(order, []);
  safeTime.advance(20);
  await drain();
  assert.deepEqual(order, [101, 103, 202]);
  assert.equal(safeTime.waiting, 2);
  safeTime.advance(15); // an older report is ignored
  assert.equal(safeTime.safeTime(), 20);
  safeTime.advance(40);
  await Promise.all(waits);
  assert.deepEqual(order, [101, 103, 202, 300, 404]);
  assert.equal(timers.pendingCount, 0, 'released waiters cancel their timeout');
});

test('a wait that outlasts the bound fails with a clear error', async () => {
  const { safeTime, timers } = setup({ maxWaitMs: 100 });
  const early = safeTime.waitFor(10);
  const outcome = safeTime.waitFor(20).then(() => 'resolved', (error: unknown) => error);
  timers.advance(99_000);
  safeTime.advance(10);
  await early;
  timers.advance(2_000);
  const error = await outcome;
  assert.ok(error instanceof SqlError);
  assert.equal(error.code, '57P03');
  assert.match(error.detail!, /did not reach read timestamp 20 within 100 ms/);
  assert.equal(safeTime.waiting, 0);
});

test('the waiter queue is bounded', async () => {
  const { safeTime } = setup({ maxWaiters: 2 });
  const a = safeTime.waitFor(5);
  const b = safeTime.waitFor(6);
  await assert.rejects(safeTime.waitFor(7), (e: unknown) => e instanceof SqlError && e.code === '53000');
  safeTime.advance(6);
  await Promise.all([a, b]);
  await safeTime.waitFor(6);
});

test('close fails every waiting read and later waits', async () => {
  const { safeTime, timers } = setup();
  const waiting = safeTime.waitFor(5);
  safeTime.close(new Error('node stopping'));
  await assert.rejects(waiting, /node stopping/);
  await assert.rejects(safeTime.waitFor(6), /node stopping/);
  assert.equal(timers.pendingCount, 0);
});
