import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SqlSession } from '../../contracts/sql-session.js';
import { SilentLog } from '../../env/log.js';
import { FakeClock, FakeTimers } from '../../sim/fake-clock.js';
import { errorCodes, FakeClientSocket, passwordMessage, startupPacket, syncMessage } from '../../sim/fake-client-socket.js';
import { Connection } from './connection.js';

/** An authenticated session whose transaction status and idle timeout the test sets. */
async function session(timers: FakeTimers, status: 'I' | 'T', idleTimeoutMs: number): Promise<FakeClientSocket> {
  const socket = new FakeClientSocket();
  const fake = {
    initialParameters: () => new Map<string, string>(), transactionStatus: () => status, close: () => {},
    finishImplicit: () => undefined, idleTimeoutMs: () => idleTimeoutMs,
  } as unknown as SqlSession;
  new Connection({
    socket, tls: null, random: { int: () => 0, bytes: (n) => new Uint8Array(n) }, timers, log: new SilentLog(),
    authenticator: { authenticate: async () => {} },
    sessions: { createSession: () => fake },
    cancel: () => {}, onClose: () => {},
  });
  socket.send(startupPacket());
  socket.send(passwordMessage());
  await turns();
  return socket;
}

async function turns(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

test('idle_in_transaction_session_timeout: a session idle inside a transaction that long ends with FATAL 25P03', async () => {
  const timers = new FakeTimers(new FakeClock());
  const socket = await session(timers, 'T', 1000);
  timers.advance(999_000);
  assert.equal(socket.destroyed, false, 'not before the timeout');
  timers.advance(1000);
  assert.equal(socket.destroyed, true);
  assert.deepEqual(errorCodes(socket.written), ['25P03']);
});

test('idle_session_timeout: a session idle outside a transaction ends with FATAL 57P05; each message from the client starts the wait again', async () => {
  const timers = new FakeTimers(new FakeClock());
  const socket = await session(timers, 'I', 1000);
  timers.advance(800_000);
  socket.send(syncMessage());
  await turns();
  timers.advance(800_000);
  assert.equal(socket.destroyed, false, 'the Sync started the wait again');
  timers.advance(200_000);
  assert.equal(socket.destroyed, true);
  assert.deepEqual(errorCodes(socket.written), ['57P05']);
});

test('no idle timeout set: the session waits for its client without a timer of its own', async () => {
  const timers = new FakeTimers(new FakeClock());
  const socket = await session(timers, 'T', 0);
  timers.advance(30 * 60_000 * 1000);
  assert.equal(socket.destroyed, false);
});
