import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HandOffSocket } from '../env/env.js';
import { FakeClock, FakeTimers } from '../sim/fake-clock.js';
import { peekFirstBytes, PEEK_TIMEOUT_MS, type WholeVerdict } from './first-bytes-peek.js';

/** A connection that records what the peek did to it; `send` delivers bytes as the peek's reads. */
class FakeConnection implements HandOffSocket {
  readonly handle = null;
  readonly written: number[] = [];
  destroyed = false;
  peeking = false;
  /** Bytes the connection read but had not yet given to the peek when it stopped. */
  unread: Uint8Array = new Uint8Array(0);
  private reader: ((chunk: Uint8Array) => void) | null = null;
  private closeHandler: (() => void) | null = null;
  refuse(): void { this.destroyed = true; }
  peek(handler: (chunk: Uint8Array) => void): void { this.reader = handler; this.peeking = true; }
  stopPeeking(): Uint8Array { this.peeking = false; return this.unread; }
  write(bytes: Uint8Array): void { this.written.push(...bytes); }
  destroy(): void {
    this.destroyed = true;
    this.closeHandler?.();
  }
  onClose(handler: () => void): void { this.closeHandler = handler; }
  send(bytes: Uint8Array): void {
    if (this.peeking) this.reader!(bytes);
  }
}

function watch(connection: FakeConnection, timers: FakeTimers): { whole: WholeVerdict[]; refused: string[] } {
  const seen = { whole: [] as WholeVerdict[], refused: [] as string[] };
  peekFirstBytes(connection, { timers, onWhole: (verdict) => seen.whole.push(verdict), onRefused: (reason) => seen.refused.push(reason) });
  return seen;
}

const SSL_REQUEST = Uint8Array.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

test('a connection that sends nothing is closed when the peek times out (it held its socket forever before)', () => {
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  const connection = new FakeConnection();
  const seen = watch(connection, timers);
  timers.advance((PEEK_TIMEOUT_MS - 1) * 1000);
  assert.equal(connection.destroyed, false);
  timers.advance(1000);
  assert.equal(connection.destroyed, true);
  assert.equal(connection.peeking, false);
  assert.equal(seen.refused.length, 1);
  assert.match(seen.refused[0]!, /in 60 s/);
});

test('half a startup packet, or an SSLRequest and then nothing, times out too', () => {
  for (const bytes of [SSL_REQUEST.subarray(0, 5), SSL_REQUEST, Uint8Array.from([0x16, 3, 1, 0x02, 0x00, 1])]) {
    const timers = new FakeTimers(new FakeClock());
    const connection = new FakeConnection();
    const seen = watch(connection, timers);
    connection.send(bytes);
    timers.advance(PEEK_TIMEOUT_MS * 1000);
    assert.equal(connection.destroyed, true);
    assert.deepEqual(seen.whole, []);
  }
});

test('a verdict in time stops the timer: the connection is the caller\'s and is never closed by the peek', () => {
  const timers = new FakeTimers(new FakeClock());
  const connection = new FakeConnection();
  const seen = watch(connection, timers);
  connection.send(SSL_REQUEST);
  assert.deepEqual(connection.written, [0x53]);
  connection.send(Uint8Array.from([0, 0, 0, 9, 0, 3, 0, 0, 0]));
  assert.equal(seen.whole.length, 0, 'bytes other than a ClientHello after the S are refused');
  assert.equal(connection.destroyed, true);

  const served = new FakeConnection();
  const ok = watch(served, timers);
  for (const byte of [0, 0, 0, 9, 0, 3, 0, 0, 0]) served.send(Uint8Array.of(byte)); // one byte per read
  assert.deepEqual(ok.whole, [{ kind: 'plain' }]);
  assert.equal(timers.pendingCount, 0);
  timers.advance(PEEK_TIMEOUT_MS * 2000);
  assert.equal(served.destroyed, false);
  assert.deepEqual(ok.refused, []);
});

test('a connection the client closes during the peek leaves no timer behind', () => {
  const timers = new FakeTimers(new FakeClock());
  const connection = new FakeConnection();
  const seen = watch(connection, timers);
  assert.equal(timers.pendingCount, 1);
  connection.destroy();
  assert.equal(timers.pendingCount, 0);
  timers.advance(PEEK_TIMEOUT_MS * 1000);
  assert.deepEqual(seen.refused, []);
});

test('bytes read but not yet handed over when the peek stops end its preface (they were a crash before)', () => {
  const timers = new FakeTimers(new FakeClock());
  const connection = new FakeConnection();
  connection.unread = Uint8Array.from([0x51, 0, 0, 0, 4]); // the start of a query after the startup packet
  const prefaces: Uint8Array[] = [];
  peekFirstBytes(connection, { timers, onWhole: (_verdict, preface) => prefaces.push(preface.slice()), onRefused: () => assert.fail('refused') });
  const startup = [0, 0, 0, 9, 0, 3, 0, 0, 0];
  connection.send(Uint8Array.from(startup));
  assert.deepEqual(prefaces.map((p) => [...p]), [[...startup, 0x51, 0, 0, 0, 4]]);
});
