import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SqlSession } from '../../contracts/sql-session.js';
import { SilentLog } from '../../env/log.js';
import { SystemRandom } from '../../env/random.js';
import { FakeClock, FakeTimers } from '../../sim/fake-clock.js';
import { FakeClientSocket as FakeSocket, passwordMessage, startupPacket } from '../../sim/fake-client-socket.js';
import { AUTHENTICATION_TIMEOUT_MS, Connection } from './connection.js';

function connect(timers: FakeTimers): { socket: FakeSocket; closed: () => boolean } {
  const socket = new FakeSocket();
  let closed = false;
  const session = { initialParameters: () => new Map<string, string>(), transactionStatus: () => 'I', close: () => {} } as unknown as SqlSession;
  new Connection({
    socket, tls: null, random: new SystemRandom(), timers, log: new SilentLog(),
    authenticator: { authenticate: async () => {} },
    sessions: { createSession: () => session },
    cancel: () => {}, onClose: () => { closed = true; },
  });
  return { socket, closed: () => closed };
}

test('a connection that never authenticates is closed at the authentication timeout: its quota slot is freed', async () => {
  // Nothing at all; half a startup packet; a startup packet and no password.
  for (const bytes of [null, startupPacket().subarray(0, 6), startupPacket()]) {
    const timers = new FakeTimers(new FakeClock());
    const { socket, closed } = connect(timers);
    if (bytes !== null) socket.send(bytes);
    await new Promise((resolve) => setImmediate(resolve));
    timers.advance((AUTHENTICATION_TIMEOUT_MS - 1) * 1000);
    assert.equal(socket.destroyed, false);
    timers.advance(1000);
    assert.equal(socket.destroyed, true);
    assert.equal(closed(), true, 'the query service is told, and forgets the connection');
  }
});

test('an authenticated connection is never closed by the timer, and leaves none behind', async () => {
  const timers = new FakeTimers(new FakeClock());
  const { socket } = connect(timers);
  socket.send(startupPacket());
  socket.send(passwordMessage());
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(timers.pendingCount, 1, "the session's lifetime timer alone (connection-lifetime.test.ts)");
  timers.advance(AUTHENTICATION_TIMEOUT_MS * 2000);
  assert.equal(socket.destroyed, false);
});

test('a connection the client closes before authenticating leaves no timer behind', () => {
  const timers = new FakeTimers(new FakeClock());
  const { socket } = connect(timers);
  socket.destroy();
  assert.equal(timers.pendingCount, 0);
});
