import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SqlSession } from '../../contracts/sql-session.js';
import { SilentLog } from '../../env/log.js';
import type { RandomSource } from '../../contracts/time.js';
import { seededRandom } from '../../sim/seeded-random.js';
import { FakeClock, FakeTimers } from '../../sim/fake-clock.js';
import { errorCodes, FakeClientSocket, passwordMessage, startupPacket, syncMessage } from '../../sim/fake-client-socket.js';
import { CONNECTION_LIFETIME_MS, Connection } from './connection.js';

const GRACE_MS = 5 * 60_000;
/** The lifetime's end at the latest: an hour plus its jitter (a 30th of it). */
const LATEST_END_MS = CONNECTION_LIFETIME_MS + CONNECTION_LIFETIME_MS / 30;

function random(seed: number): RandomSource {
  const next = seededRandom(seed);
  return { int: (bound) => Math.floor(next() * bound), bytes: (count) => Uint8Array.from({ length: count }, () => Math.floor(next() * 256)) };
}

/** An authenticated session whose transaction status the test sets. */
async function session(timers: FakeTimers, seed = 1): Promise<{ socket: FakeClientSocket; status: { value: 'I' | 'T' | 'E' }; closed: () => boolean }> {
  const socket = new FakeClientSocket();
  const status: { value: 'I' | 'T' | 'E' } = { value: 'I' };
  let closed = false;
  const fake = {
    initialParameters: () => new Map<string, string>(), transactionStatus: () => status.value, close: () => {},
    finishImplicit: () => undefined,
  } as unknown as SqlSession;
  new Connection({
    socket, tls: null, random: random(seed), timers, log: new SilentLog(),
    authenticator: { authenticate: async () => {} },
    sessions: { createSession: () => fake },
    cancel: () => {}, onClose: () => { closed = true; },
  });
  socket.send(startupPacket());
  socket.send(passwordMessage());
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
  return { socket, status, closed: () => closed };
}

test('an idle session ends at its lifetime, an hour plus jitter, with a FATAL 57P05; none before the hour', async () => {
  const ends = new Set<number>();
  for (const seed of [1, 2, 3]) {
    const timers = new FakeTimers(new FakeClock());
    const { socket, closed } = await session(timers, seed);
    timers.advance((CONNECTION_LIFETIME_MS - 1) * 1000);
    assert.equal(socket.destroyed, false, 'open for the hour');
    let waitedMs = CONNECTION_LIFETIME_MS - 1;
    while (!socket.destroyed && waitedMs < LATEST_END_MS) {
      timers.advance(1000 * 1000);
      waitedMs += 1000;
    }
    assert.equal(socket.destroyed, true, 'ended by the hour and its jitter');
    ends.add(waitedMs);
    assert.deepEqual(errorCodes(socket.written), ['57P05']);
    assert.equal(closed(), true);
    assert.equal(timers.pendingCount, 0, 'no timer left behind');
  }
  assert.ok(ends.size > 1, `the jitter spreads the ends: ${[...ends]}`);
});

test('a session inside a transaction at the hour ends once the transaction does, not before', async () => {
  const timers = new FakeTimers(new FakeClock());
  const { socket, status } = await session(timers);
  status.value = 'T';
  timers.advance(LATEST_END_MS * 1000);
  assert.equal(socket.destroyed, false, 'not under an open transaction');
  status.value = 'I'; // COMMIT; the next exchange ends idle
  socket.send(syncMessage());
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(socket.destroyed, true, 'ended right after');
  assert.deepEqual(errorCodes(socket.written), ['57P05']);
});

test('a session left inside a transaction ends after the grace (the transaction age limit)', async () => {
  const timers = new FakeTimers(new FakeClock());
  const { socket, status } = await session(timers);
  status.value = 'T';
  // The hour ended at most the jitter before LATEST_END_MS: the grace runs out within a jitter of it.
  const jitterMs = LATEST_END_MS - CONNECTION_LIFETIME_MS;
  timers.advance(LATEST_END_MS * 1000);
  timers.advance((GRACE_MS - jitterMs - 1) * 1000);
  assert.equal(socket.destroyed, false);
  timers.advance((jitterMs + 1) * 1000);
  assert.equal(socket.destroyed, true);
  assert.deepEqual(errorCodes(socket.written), ['57P05']);
  assert.equal(timers.pendingCount, 0);
});

test('a session the client closes leaves no lifetime timer behind', async () => {
  const timers = new FakeTimers(new FakeClock());
  const { socket } = await session(timers);
  assert.equal(timers.pendingCount, 1);
  socket.destroy();
  assert.equal(timers.pendingCount, 0);
});
