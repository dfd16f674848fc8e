import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReadRequest, ReadResult, StorageNode } from '../../contracts/storage.js';
import type { Message, ServerStream } from '../../env/grpc.js';
import { BACKUP_STALL_MS, serveBackupRead as serve } from './backup-read.js';
import type { Timers } from '../../contracts/time.js';

/** Timers that fire only when `fire` is called with at least their delay. */
function manualTimers(): Timers & { fire(ms: number): void; pending(): number } {
  const due = new Map<number, { ms: number; callback: () => void }>();
  let next = 1;
  return {
    setTimeout: (callback, ms) => { due.set(next, { ms, callback }); return next++ as never; },
    clearTimeout: (handle) => { due.delete(handle as unknown as number); },
    setInterval: () => { throw new Error('not used'); },
    clearInterval: () => {},
    setImmediate: (callback) => { queueMicrotask(callback); },
    fire(ms) { for (const [id, timer] of [...due]) if (timer.ms <= ms) { due.delete(id); timer.callback(); } },
    pending: () => due.size,
  };
}

let timers = manualTimers();
const serveBackupRead = (storage: StorageNode, request: Message, s: ServerStream, hold: () => () => void) => serve(storage, timers, request, s, hold);

const key = (n: number) => Buffer.from([0, 0, 0, 1, n]);

/** Rows 0..count-1, their reads recorded; `failAt`: the read of that page fails. */
function storage(count: number, failAt = -1): StorageNode & { reads: ReadRequest[] } {
  const reads: ReadRequest[] = [];
  return {
    reads,
    async read(request: ReadRequest): Promise<ReadResult> {
      reads.push(request);
      if (reads.length - 1 === failAt) throw new Error('the disk went away');
      const rows = Array.from({ length: count }, (_, n) => n).filter((n) => Buffer.compare(key(n), Buffer.from(request.start)) >= 0);
      const page = rows.slice(0, request.limit);
      return { keys: page.map(key), values: page.map((n) => Buffer.from(`row ${n}`)), resumeKey: rows.length > page.length ? key(rows[page.length]!) : null };
    },
  } as unknown as StorageNode & { reads: ReadRequest[] };
}

/** A stream whose buffer is full after each push until `drain` is called. */
function stream() {
  const pushed: Message[] = [];
  let drain: () => void = () => {};
  let cancel: () => void = () => {};
  const state = { ended: false, failed: null as Error | null };
  const s: ServerStream = {
    push: (message) => { pushed.push(message); return false; },
    drained: () => new Promise<void>((resolve) => { drain = resolve; }),
    end: () => { state.ended = true; },
    fail: (error) => { state.failed = error; },
    onCancel: (listener) => { cancel = listener; },
  };
  return { s, pushed, state, drain: () => drain(), cancel: () => cancel() };
}

const turns = () => new Promise((r) => setTimeout(r, 5));

test('a page is read only when the stream has room; the read resumes where asked and ends with the last page', async () => {
  const store = storage(7);
  const out = stream();
  let held = 0;
  serveBackupRead(store, { read_timestamp: 42, start: key(1), page_rows: 2 }, out.s, () => { held++; return () => { held--; }; });
  await turns();
  assert.equal(out.pushed.length, 1, 'one page pushed, the next waits for room');
  assert.equal(store.reads.length, 1);
  assert.deepEqual(store.reads[0]!, { start: key(1), end: store.reads[0]!.end, readTimestamp: 42, limit: 2 });
  for (let i = 0; i < 3; i++) {
    out.drain();
    await turns();
  }
  assert.deepEqual(out.pushed.map((m) => (m['keys'] as Buffer[]).map((k) => k[4])), [[1, 2], [3, 4], [5, 6]]);
  assert.deepEqual(out.pushed.map((m) => (m['resume_key'] as Buffer | undefined)?.[4]), [3, 5, undefined]);
  out.drain();
  await turns();
  assert.equal(out.state.ended, true);
  assert.equal(held, 0, 'garbage collection is held while the read runs, released after');
});

test('a caller that goes away ends the read and releases the hold; a failed read fails the stream with its reason', async () => {
  const out = stream();
  let held = 0;
  const hold = () => { held++; return () => { held--; }; };
  serveBackupRead(storage(100), { read_timestamp: 1, start: Buffer.alloc(0), page_rows: 0 }, out.s, hold);
  await turns();
  assert.equal(held, 1);
  assert.equal((out.pushed[0]!['keys'] as Buffer[]).length, 100, 'no page size asked for: the default, more than this table');
  const small = stream();
  serveBackupRead(storage(10), { read_timestamp: 1, start: Buffer.alloc(0), page_rows: 3 }, small.s, hold);
  await turns();
  small.cancel();
  small.drain();
  await turns();
  assert.equal(small.pushed.length, 1);
  assert.equal(small.state.ended, false);
  out.drain();
  await turns();
  assert.equal(held, 0);

  const failing = stream();
  serveBackupRead(storage(10, 1), { read_timestamp: 1, start: Buffer.alloc(0), page_rows: 3 }, failing.s, hold);
  await turns();
  failing.drain();
  await turns();
  assert.match(failing.state.failed?.message ?? '', /the disk went away/);
  assert.equal(held, 0);
});

test('a caller that stops taking pages, its connection open, is dropped after the version horizon: the hold does not last forever', async () => {
  timers = manualTimers();
  const out = stream();
  let held = 0;
  serveBackupRead(storage(10), { read_timestamp: 1, start: Buffer.alloc(0), page_rows: 3 }, out.s, () => { held++; return () => { held--; }; });
  await turns();
  assert.equal(held, 1);
  timers.fire(BACKUP_STALL_MS - 1);
  await turns();
  assert.equal(out.state.failed, null, 'not before the bound');
  timers.fire(BACKUP_STALL_MS);
  await turns();
  assert.match((out.state.failed as Error | null)?.message ?? '', /took no page for 300 s/);
  assert.equal(held, 0);
  assert.equal(timers.pending(), 0);
});
