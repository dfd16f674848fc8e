import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TimerHandle, Timers } from '../contracts/time.js';
import type { ServerStream } from '../env/postgres-socket.js';
import { DatabaseConnection, SignInError } from './database-connection.js';

/** Timers the test fires by hand. */
class HandTimers implements Timers {
  readonly due: (() => void)[] = [];
  setTimeout(callback: () => void): TimerHandle { this.due.push(callback); return { id: this.due.length }; }
  clearTimeout(): void {}
  setInterval(): TimerHandle { throw new Error('unused'); }
  clearInterval(): void {}
  setImmediate(callback: () => void): void { callback(); }
}

/** A server that accepted TLS and then says nothing. */
function silentServer(): { stream: ServerStream; closed: () => boolean } {
  let closed = false;
  let onClose: ((reason: string | null) => void) | null = null;
  return {
    closed: () => closed,
    stream: {
      write: () => {},
      onData: () => {},
      onClose: (handler) => { onClose = handler; },
      close: () => { closed = true; onClose?.(null); },
    },
  };
}

test('a sign-in the server never answers ends at the timeout, and the connection is closed', { timeout: 30_000 }, async () => {
  const timers = new HandTimers();
  const server = silentServer();
  const clock = { now: () => ({ earliest: 0, latest: 0 }) };
  const opening = DatabaseConnection.open({ open: async () => server.stream, cancel: async () => {} },
    { host: '127.0.0.1', port: 1, serverName: 'x', ca: null }, 'admin', 'token', clock, timers);
  while (timers.due.length === 0) await new Promise((resolve) => setImmediate(resolve));
  timers.due[0]!();
  await assert.rejects(opening, (error: unknown) => error instanceof SignInError && /no answer to the sign-in/.test(error.message));
  assert.equal(server.closed(), true);
});
