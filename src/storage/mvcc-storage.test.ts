import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JournalRecord } from '../contracts/journal.js';
import type { PushedComparison, ReadRequest, SafeTimeSource } from '../contracts/storage.js';
import type { OrderedStore } from '../env/env.js';
import { MemoryOrderedStore } from '../env/memory-store.js';
import { LmdbOrderedStore } from '../env/lmdb-store.js';
import { MvccStorage } from './mvcc-storage.js';
import { SqlError } from '../contracts/errors.js';
import { toyColumnKeyOf, tuple } from '../../test/support/toy-tuples.js';

const ALWAYS_SAFE: SafeTimeSource = { safeTime: () => Number.MAX_SAFE_INTEGER, waitFor: () => Promise.resolve() };

function prng(seed: number): (bound: number) => number {
  let state = seed >>> 0;
  return (bound) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % bound;
  };
}

/** A prefix-free key of table 1: text-like, letters then the terminator 0x00 0x01. */
function key(text: string): Uint8Array {
  return new Uint8Array([0, 0, 0, 1, 0x10, ...Buffer.from(text), 0x00, 0x01]);
}
const text = (k: Uint8Array): string => Buffer.from(k.subarray(5, k.length - 2)).toString();
const value = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));
const str = (v: Uint8Array | null): string | null => (v === null ? null : Buffer.from(v).toString());

function record(commitTimestamp: number, writes: [string, string | null][]): JournalRecord {
  return { commitTimestamp, transactionId: `t${commitTimestamp}`, writes: writes.map(([k, v]) => ({ key: key(k), value: v === null ? null : value(v) })) };
}

const TABLE = { start: new Uint8Array([0, 0, 0, 1]), end: new Uint8Array([0, 0, 0, 2]) };

async function readAll(storage: MvccStorage, request: Omit<ReadRequest, 'start' | 'end'> & { start?: Uint8Array; end?: Uint8Array }): Promise<string[]> {
  const out: string[] = [];
  let start = request.start ?? TABLE.start;
  let end = request.end ?? TABLE.end;
  for (let batches = 0; batches < 10_000; batches++) {
    const result = await storage.read({ ...request, start, end });
    assert.ok(result.keys.length <= request.limit, 'a read returns at most limit rows');
    assert.equal(result.keys.length, result.values.length);
    for (let i = 0; i < result.keys.length; i++) out.push(`${text(result.keys[i]!)}=${str(result.values[i]!)}`);
    if (result.resumeKey === null) return out;
    if (request.reverse) end = result.resumeKey;
    else start = result.resumeKey;
  }
  assert.fail('a scan makes progress');
}

/** readAll through `readEach`: each visited row's key and tuple copied out as the visitor gets them. */
async function visitAll(storage: MvccStorage, request: Omit<ReadRequest, 'start' | 'end'> & { start?: Uint8Array; end?: Uint8Array }): Promise<string[]> {
  const out: string[] = [];
  let start = request.start ?? TABLE.start;
  let end = request.end ?? TABLE.end;
  const visitor = {
    row(k: Uint8Array, keyLength: number, v: Uint8Array, valueStart: number) {
      assert.ok(keyLength <= k.length && valueStart <= v.length);
      out.push(`${text(k.slice(0, keyLength))}=${str(v.slice(valueStart))}`);
    },
  };
  for (let batches = 0; batches < 10_000; batches++) {
    const before = out.length;
    const result = await storage.readEach({ ...request, start, end }, visitor);
    assert.equal(result.rows, out.length - before, 'readEach counts the rows it visited');
    assert.ok(result.rows <= request.limit, 'a read visits at most limit rows');
    if (result.resumeKey === null) return out;
    if (request.reverse) end = result.resumeKey;
    else start = result.resumeKey;
  }
  assert.fail('a scan makes progress');
}

test('a read at T sees exactly the newest version at or before T; tombstones hide the row', async () => {
  const storage = new MvccStorage(new MemoryOrderedStore(), ALWAYS_SAFE);
  await storage.apply([record(10, [['a', 'a10'], ['b', 'b10']]), record(20, [['a', 'a20']])], 2);
  await storage.apply([record(30, [['a', null], ['c', 'c30']]), record(40, [['a', 'a40']])], 4);
  const at = async (t: number) => [str(await storage.get(key('a'), t)), str(await storage.get(key('b'), t)), str(await storage.get(key('c'), t))];
  assert.deepEqual(await at(9), [null, null, null]);
  assert.deepEqual(await at(10), ['a10', 'b10', null]);
  assert.deepEqual(await at(19), ['a10', 'b10', null]);
  assert.deepEqual(await at(20), ['a20', 'b10', null]);
  assert.deepEqual(await at(30), [null, 'b10', 'c30']);
  assert.deepEqual(await at(39), [null, 'b10', 'c30']);
  assert.deepEqual(await at(1000), ['a40', 'b10', 'c30']);
  assert.deepEqual(await readAll(storage, { readTimestamp: 35, limit: 10 }), ['b=b10', 'c=c30']);
  assert.deepEqual(await readAll(storage, { readTimestamp: 35, limit: 10, reverse: true }), ['c=c30', 'b=b10']);
  assert.deepEqual(await readAll(storage, { readTimestamp: 25, limit: 1 }), ['a=a20', 'b=b10']);
  assert.deepEqual(await readAll(storage, { readTimestamp: 45, limit: 1, reverse: true }), ['c=c30', 'b=b10', 'a=a40']);
  assert.equal(storage.appliedPosition, 4);
  assert.equal(storage.lastAppliedTimestamp, 40);
});

test('limits: resumeKey continues forward (inclusive) and reverse (exclusive end) without gaps or repeats', async () => {
  const storage = new MvccStorage(new MemoryOrderedStore(), ALWAYS_SAFE);
  await storage.apply([record(5, ['a', 'b', 'c', 'd', 'e'].map((k) => [k, k]))], 1);
  const first = await storage.read({ ...TABLE, readTimestamp: 5, limit: 2 });
  assert.deepEqual(first.keys.map(text), ['a', 'b']);
  assert.equal(text(first.resumeKey!), 'c');
  const last = await storage.read({ ...TABLE, readTimestamp: 5, limit: 2, reverse: true });
  assert.deepEqual(last.keys.map(text), ['e', 'd']);
  const rest = await storage.read({ start: TABLE.start, end: last.resumeKey!, readTimestamp: 5, limit: 10, reverse: true });
  assert.deepEqual(rest.keys.map(text), ['c', 'b', 'a']);
  assert.equal(rest.resumeKey, null);
  // Exactly `limit` rows left: the batch ends without a resume key only when nothing follows.
  const exact = await storage.read({ ...TABLE, readTimestamp: 5, limit: 5 });
  assert.equal(exact.keys.length, 5);
  assert.equal(exact.resumeKey, null);
});

/** The model: every version of every key. */
type Model = Map<string, { ts: number; value: string | null }[]>;

function modelScan(model: Model, readTimestamp: number, from: string | null, to: string | null, reverse: boolean): string[] {
  const rows: string[] = [];
  const names = [...model.keys()].sort((a, b) => Buffer.compare(key(a), key(b)));
  for (const name of names) {
    if (from !== null && Buffer.compare(key(name), key(from)) < 0) continue;
    if (to !== null && Buffer.compare(key(name), key(to)) >= 0) continue;
    const visible = model.get(name)!.filter((v) => v.ts <= readTimestamp).at(-1);
    if (visible && visible.value !== null) rows.push(`${name}=${visible.value}`);
  }
  return reverse ? rows.reverse() : rows;
}

async function randomHistory(storage: MvccStorage, seed: number, records: number, names = ['', 'a', 'aa', 'ab', 'b', 'ba', 'bab', 'c', 'cc', 'd']): Promise<{ model: Model; lastTs: number }> {
  const random = prng(seed);
  const model: Model = new Map();
  let ts = 100;
  let position = 0;
  const pending: JournalRecord[] = [];
  for (let i = 0; i < records; i++) {
    ts += 1 + random(3);
    const writes: [string, string | null][] = [];
    for (let w = 0, n = 1 + random(3); w < n; w++) {
      const name = names[random(names.length)]!;
      if (writes.some(([k]) => k === name)) continue;
      writes.push([name, random(4) === 0 ? null : `${name}@${ts}`]);
    }
    for (const [name, v] of writes) {
      if (!model.has(name)) model.set(name, []);
      model.get(name)!.push({ ts, value: v });
    }
    pending.push(record(ts, writes));
    if (pending.length >= 1 + random(5)) {
      position += pending.length;
      await storage.apply(pending.splice(0), position);
    }
  }
  if (pending.length > 0) {
    position += pending.length;
    await storage.apply(pending.splice(0), position);
  }
  return { model, lastTs: ts };
}

test('random histories: scans at random timestamps, bounds, limits and directions match a model', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'strata-mvcc-'));
  for (const seed of [1, 2, 3]) {
    // Seed 3 runs on LMDB: its reverse bounds and snapshots must behave like the memory store's.
    const storage = new MvccStorage(seed === 3 ? new LmdbOrderedStore(directory) : new MemoryOrderedStore(), ALWAYS_SAFE);
    // Many versions per key, so scans take both the sequential and the seeking paths.
    const { model, lastTs } = await randomHistory(storage, seed, 400);
    const random = prng(seed * 31);
    const names = [null, '', 'a', 'aa', 'ab', 'b', 'bb', 'c', 'd', 'e'];
    for (let probe = 0; probe < 150; probe++) {
      const readTimestamp = 90 + random(lastTs - 80);
      const from = names[random(names.length)]!;
      const to = names[random(names.length)]!;
      const reverse = random(2) === 1;
      const limit = 1 + random(4);
      const got = await readAll(storage, {
        readTimestamp, limit, reverse, start: from === null ? TABLE.start : key(from), end: to === null ? TABLE.end : key(to),
      });
      assert.deepEqual(got, modelScan(model, readTimestamp, from, to, reverse), `seed ${seed} probe ${probe}`);
      const visited = await visitAll(storage, {
        readTimestamp, limit, reverse, start: from === null ? TABLE.start : key(from), end: to === null ? TABLE.end : key(to),
      });
      assert.deepEqual(visited, got, `seed ${seed} probe ${probe}: readEach visits what read returns`);
      for (const name of ['a', 'bab', '']) {
        const expected = model.get(name)?.filter((v) => v.ts <= readTimestamp).at(-1)?.value ?? null;
        assert.equal(str(await storage.get(key(name), readTimestamp)), expected);
      }
    }
    await storage.close();
  }
  rmSync(directory, { recursive: true, force: true });
});

test('keys and values past 64 bytes, on LMDB and in memory: reads, visits and resume keys outlive the scan\'s read buffers', async () => {
  // A forward scan's entries are the store's read buffers, rewritten on every step
  // (rangeInPlace; the memory store overwrites them with 0xee): what a read returns, its resume
  // key and a visitor's copies must be copies, also where bytesBetween would keep a view (past
  // 64 bytes). One value is larger than lmdb-js's shared read buffer.
  const long = (name: string) => name + '-'.repeat(70);
  const names = ['', 'a', 'aa', 'ab', 'b', 'ba', 'bab', 'c', 'cc', 'd'].map(long);
  const directory = mkdtempSync(join(tmpdir(), 'strata-mvcc-'));
  try {
    for (const onLmdb of [false, true]) {
      const storage = new MvccStorage(onLmdb ? new LmdbOrderedStore(directory) : new MemoryOrderedStore(), ALWAYS_SAFE);
      const { model, lastTs } = await randomHistory(storage, 5, 300, names);
      const huge = 'h'.repeat(300_000);
      await storage.apply([record(lastTs + 1, [[long('bb'), huge]])], 1_000);
      model.set(long('bb'), [{ ts: lastTs + 1, value: huge }]);
      const random = prng(17);
      const bounds = [null, long('a'), long('b'), long('bb'), long('c')];
      for (let probe = 0; probe < 80; probe++) {
        const readTimestamp = 90 + random(lastTs - 80);
        const from = bounds[random(bounds.length)]!;
        const to = bounds[random(bounds.length)]!;
        const reverse = random(3) === 0;
        const limit = 1 + random(4);
        const request = { readTimestamp, limit, reverse, start: from === null ? TABLE.start : key(from), end: to === null ? TABLE.end : key(to) };
        const expected = modelScan(model, readTimestamp, from, to, reverse);
        assert.deepEqual(await readAll(storage, request), expected, `${onLmdb ? 'LMDB' : 'memory'} probe ${probe}`);
        assert.deepEqual(await visitAll(storage, request), expected, `${onLmdb ? 'LMDB' : 'memory'} probe ${probe}: readEach`);
      }
      // A whole read, held until the end: every key and value still reads as returned.
      const all = await storage.read({ ...TABLE, readTimestamp: lastTs + 1, limit: 1_000 });
      const held = all.keys.map((k, i) => `${text(k)}=${str(all.values[i]!)}`);
      await storage.read({ ...TABLE, readTimestamp: lastTs + 1, limit: 1_000 });
      assert.deepEqual(held, modelScan(model, lastTs + 1, null, null, false));
      await storage.close();
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('a read that finds only invisible keys stops at its scan budget with a resume key', async () => {
  const storage = new MvccStorage(new MemoryOrderedStore(), ALWAYS_SAFE);
  const names = Array.from({ length: 10_050 }, (_, i) => `k${String(i).padStart(5, '0')}`);
  await storage.apply([record(1, names.map((n) => [n, 'x'] as [string, string])), record(2, names.map((n) => [n, null] as [string, null]))], 2);
  await storage.apply([record(3, [['z', 'live']])], 3);
  const first = await storage.read({ ...TABLE, readTimestamp: 3, limit: 5 });
  assert.deepEqual(first.keys, []);
  assert.ok(first.resumeKey !== null, 'the scan is bounded even when it returns nothing');
  assert.deepEqual(await readAll(storage, { readTimestamp: 3, limit: 5 }), ['z=live']);
  assert.deepEqual(await readAll(storage, { readTimestamp: 3, limit: 5, reverse: true }), ['z=live']);
  assert.deepEqual(await visitAll(storage, { readTimestamp: 3, limit: 5 }), ['z=live']);
  assert.equal((await readAll(storage, { readTimestamp: 1, limit: 5000 })).length, 10_050);
});


test('pushed filters compare encoded columns; a comparison with NULL filters the row out', async () => {
  const storage = new MvccStorage(new MemoryOrderedStore(), ALWAYS_SAFE, toyColumnKeyOf);
  const rows: [string, Uint8Array][] = [['a', tuple('x', 'm')], ['b', tuple('y', null)], ['c', tuple('z', 'k')], ['d', tuple('y', 'q')]];
  await storage.apply([{ commitTimestamp: 1, transactionId: 't', writes: rows.map(([k, v]) => ({ key: key(k), value: v })) }], 1);
  const keysWhere = async (filter: PushedComparison[], reverse = false, limit = 10) => {
    const out: string[] = [];
    let bound: Uint8Array | null = null;
    for (;;) {
      const range = reverse ? { start: TABLE.start, end: bound ?? TABLE.end } : { start: bound ?? TABLE.start, end: TABLE.end };
      const result = await storage.read({ ...range, readTimestamp: 1, limit, reverse, filter });
      out.push(...result.keys.map(text));
      if (result.resumeKey === null) return out;
      bound = result.resumeKey;
    }
  };
  const op = (column: number, o: PushedComparison['op'], operand?: string): PushedComparison => ({ column, op: o, operand: operand === undefined ? undefined : value(operand) });
  assert.deepEqual(await keysWhere([op(0, '=', 'y')]), ['b', 'd']);
  assert.deepEqual(await keysWhere([op(0, '<>', 'y')]), ['a', 'c']);
  assert.deepEqual(await keysWhere([op(0, '<', 'y')]), ['a']);
  assert.deepEqual(await keysWhere([op(0, '<=', 'y')]), ['a', 'b', 'd']);
  assert.deepEqual(await keysWhere([op(0, '>', 'x')]), ['b', 'c', 'd']);
  assert.deepEqual(await keysWhere([op(0, '>=', 'z')]), ['c']);
  assert.deepEqual(await keysWhere([op(1, 'is-null')]), ['b']);
  assert.deepEqual(await keysWhere([op(1, 'is-not-null')]), ['a', 'c', 'd']);
  assert.deepEqual(await keysWhere([op(1, '<>', 'zz')]), ['a', 'c', 'd']);
  assert.deepEqual(await keysWhere([op(0, '>=', 'y'), op(1, '>', 'l')]), ['d']);
  assert.deepEqual(await keysWhere([op(0, '=', 'y')], true, 1), ['d', 'b']);
  assert.deepEqual(await keysWhere([op(0, '<>', 'y')], false, 1), ['a', 'c']);
  // readEach applies the same filter and hands over the filtered rows' tuples.
  assert.deepEqual(await visitAll(storage, { readTimestamp: 1, limit: 1, filter: [op(0, '=', 'y')] }), [`b=${str(tuple('y', null))}`, `d=${str(tuple('y', 'q'))}`]);
  assert.deepEqual(await visitAll(storage, { readTimestamp: 1, limit: 10, reverse: true, filter: [op(1, 'is-not-null')] }), [`d=${str(tuple('y', 'q'))}`, `c=${str(tuple('z', 'k'))}`, `a=${str(tuple('x', 'm'))}`]);
});

test('apply asserts commit-timestamp order, increasing positions and user keys', async () => {
  const storage = new MvccStorage(new MemoryOrderedStore(), ALWAYS_SAFE);
  await storage.apply([record(10, [['a', '1']])], 1);
  await assert.rejects(storage.apply([record(10, [['a', '2']])], 2), /commit-timestamp order/);
  await assert.rejects(storage.apply([record(12, [['a', '2']]), record(11, [['b', '2']])], 3), /commit-timestamp order/);
  await assert.rejects(storage.apply([record(12, [['a', '2']])], 1), /journal positions increase/);
  const tableZero = { commitTimestamp: 13, transactionId: 'x', writes: [{ key: new Uint8Array([0, 0, 0, 0, 1]), value: null }] };
  await assert.rejects(storage.apply([tableZero], 2), /table/);
  // A refused batch changes nothing: the node is still at position 1, timestamp 10.
  assert.equal(storage.appliedPosition, 1);
  assert.equal(storage.lastAppliedTimestamp, 10);
  assert.equal(str(await storage.get(key('a'), 100)), '1');
  await storage.apply([record(11, [['b', 'b']])], 2);
  assert.equal(str(await storage.get(key('b'), 11)), 'b');
});

test('reads wait for safe time before they look', async () => {
  let safe = 10;
  let release: () => void = () => {};
  const source: SafeTimeSource = { safeTime: () => safe, waitFor: () => new Promise<void>((resolve) => { release = resolve; }) };
  const storage = new MvccStorage(new MemoryOrderedStore(), source);
  await storage.apply([record(10, [['a', 'old']])], 1);
  let answer: string | null | undefined;
  const pending = storage.get(key('a'), 20).then((v) => { answer = str(v); });
  await storage.apply([record(20, [['a', 'new']])], 2);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(answer, undefined, 'the read waits while safe time is below its timestamp');
  safe = 20;
  release();
  await pending;
  assert.equal(answer, 'new');
});

test('GC keeps what reads at or after the horizon need, drops the rest, in bounded passes', async () => {
  const store = new MemoryOrderedStore();
  const storage = new MvccStorage(store, ALWAYS_SAFE);
  const { model, lastTs } = await randomHistory(storage, 9, 300);
  const horizon = Math.floor((100 + lastTs) / 2);
  const probes = [horizon, horizon + 1, horizon + 17, lastTs];
  const before = await Promise.all(probes.map((t) => readAll(storage, { readTimestamp: t, limit: 3 })));
  const entriesBefore = store.size;
  let passes = 0;
  let removed = 0;
  for (;;) {
    const result = await storage.collectGarbage(horizon, 2);
    passes++;
    removed += result.removed;
    if (result.complete) break;
    assert.ok(passes < 1000);
  }
  assert.ok(passes > 1, 'maxKeys bounds a pass');
  assert.ok(removed > 0);
  assert.equal(store.size, entriesBefore - removed + 1, 'removed counts what went; the GC horizon record was added');
  const after = await Promise.all(probes.map((t) => readAll(storage, { readTimestamp: t, limit: 3 })));
  assert.deepEqual(after, before);
  for (const t of probes) assert.deepEqual(after[probes.indexOf(t)], modelScan(model, t, null, null, false));
  // What is left below the horizon: per key at most one version, and never a tombstone.
  for (const [name, versions] of model) {
    const kept = versions.filter((v) => v.ts <= horizon);
    const newest = kept.at(-1);
    const visible = await storage.get(key(name), horizon);
    assert.equal(str(visible), newest?.value ?? null);
  }
  await assert.rejects(storage.get(key('a'), horizon - 1), (e: unknown) => e instanceof SqlError && e.code === '72000');
  await assert.rejects(storage.read({ ...TABLE, readTimestamp: horizon - 1, limit: 1 }), (e: unknown) => e instanceof SqlError && e.code === '72000');
});

test('GC removes a deleted key entirely once its tombstone is below the horizon', async () => {
  const store = new MemoryOrderedStore();
  const storage = new MvccStorage(store, ALWAYS_SAFE);
  await storage.apply([record(10, [['a', '1'], ['b', '1']]), record(20, [['a', '2']]), record(30, [['a', null]]), record(40, [['b', '2']])], 4);
  assert.equal(store.size, 7); // 5 versions + the applied position and the live bytes
  const result = await storage.collectGarbage(35, 100);
  assert.deepEqual(result, { removed: 3, complete: true });
  assert.equal(str(await storage.get(key('a'), 35)), null);
  assert.equal(str(await storage.get(key('b'), 35)), '1');
  assert.equal(str(await storage.get(key('b'), 40)), '2');
  assert.equal(store.size, 7 - 3 + 1); // b@10, b@40, applied position, live bytes, GC horizon
});

test('restart on LMDB resumes from the applied position, with data, timestamp and GC horizon', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'strata-mvcc-'));
  try {
    const first = new MvccStorage(new LmdbOrderedStore(directory), ALWAYS_SAFE);
    await first.apply([record(10, [['a', 'a10']]), record(20, [['b', 'b20']])], 2);
    await first.apply([record(30, [['a', 'a30']]), record(40, [['a', null]])], 4);
    await first.collectGarbage(25, 100);
    await first.close();

    const second = new MvccStorage(new LmdbOrderedStore(directory), ALWAYS_SAFE);
    assert.equal(second.appliedPosition, 4);
    assert.equal(second.lastAppliedTimestamp, 40);
    assert.equal(second.gcHorizon, 25);
    assert.equal(str(await second.get(key('a'), 35)), 'a30');
    assert.equal(str(await second.get(key('a'), 45)), null);
    assert.deepEqual(await readAll(second, { readTimestamp: 30, limit: 1, reverse: true }), ['b=b20', 'a=a30']);
    await assert.rejects(second.apply([record(50, [['c', 'c']])], 4), /journal positions increase/);
    await assert.rejects(second.apply([record(40, [['c', 'c']])], 5), /commit-timestamp order/);
    await second.apply([record(50, [['c', 'c50']])], 5);
    assert.deepEqual(await readAll(second, { readTimestamp: 50, limit: 10 }), ['b=b20', 'c=c50']);
    await second.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('getReady answers a point read now once safe time covers it, the same as get; before, undefined (the caller awaits get)', async () => {
  let safe = 25;
  const source: SafeTimeSource = { safeTime: () => safe, waitFor: () => Promise.resolve() };
  const storage = new MvccStorage(new MemoryOrderedStore(), source);
  await storage.apply([record(10, [['a', 'a10']]), record(20, [['a', 'a20'], ['b', 'b20']])], 2);
  assert.equal(str(storage.getReady(key('a'), 15)!), 'a10');
  assert.equal(str(storage.getReady(key('a'), 25)!), 'a20');
  assert.equal(storage.getReady(key('c'), 25), null);
  assert.equal(storage.getReady(key('a'), 30), undefined, 'not ready above safe time');
  await storage.apply([record(28, [['a', null]])], 3);
  safe = 30;
  // The row cache held a20 for key a: the apply replaced it with the tombstone.
  assert.equal(storage.getReady(key('a'), 30), null);
  assert.equal(await storage.get(key('a'), 30), null);
  assert.equal(str(storage.getReady(key('b'), 30)!), 'b20');
});

test('an apply replaces the cached newest version of the keys it writes: the next point read is exact and needs no seek', async () => {
  let seeks = 0;
  const memory = new MemoryOrderedStore();
  const counting: OrderedStore = {
    get: (k) => memory.get(k),
    range: (options) => { seeks++; return memory.range(options); },
    rangeInPlace: (options) => { seeks++; return memory.rangeInPlace(options); },
    write: (batch) => memory.write(batch),
    renew: () => memory.renew(),
    sync: () => memory.sync(),
    close: () => memory.close(),
  };
  const storage = new MvccStorage(counting, ALWAYS_SAFE);
  // Only reads' seeks count here: an apply seeks each key's previous version (liveBytes).
  const apply = async (records: JournalRecord[], position: number) => {
    const before = seeks;
    await storage.apply(records, position);
    seeks = before;
  };
  await apply([record(10, [['a', 'a10'], ['b', 'b10']])], 1);
  assert.equal(str(storage.getReady(key('a'), 10)!), 'a10');
  assert.equal(storage.getReady(key('z'), 10), null);
  assert.equal(seeks, 2, 'the first reads of a and z seek and fill the cache');
  const shared = new Uint8Array(Buffer.from('xxa20yy'));
  const view = shared.subarray(2, 5);
  await apply([{ commitTimestamp: 20, transactionId: 't20', writes: [{ key: key('a'), value: view }, { key: key('b'), value: value('b20') }] },
    record(30, [['z', 'z30']])], 2);
  shared.fill(0);
  assert.equal(str(storage.getReady(key('a'), 30)!), 'a20', 'the cached row is a copy of a written view, not the view');
  assert.equal(str(storage.getReady(key('z'), 30)!), 'z30', 'a cached absence is replaced by the written row');
  assert.equal(seeks, 2, 'reads of keys cached before the apply are cache hits');
  assert.equal(str(storage.getReady(key('b'), 30)!), 'b20');
  assert.equal(seeks, 3, 'a key not cached before the apply was not put in the cache');
  await apply([record(40, [['a', 'a40']]), record(45, [['a', null]]), record(50, [['z', null]])], 5);
  assert.equal(storage.getReady(key('a'), 50), null, 'the later of two versions in a batch is what the cache keeps');
  assert.equal(storage.getReady(key('z'), 50), null);
  assert.equal(seeks, 3, 'both reads at 50 were cache hits');
  assert.equal(str(storage.getReady(key('a'), 42)!), 'a40', 'reads below the last applied commit still read the store');
});

test('measure counts the live keys and their bytes at a timestamp, in bounded resumable batches', async () => {
  const storage = new MvccStorage(new MemoryOrderedStore(), ALWAYS_SAFE);
  await storage.apply([record(10, [['a', 'a10'], ['b', 'b10'], ['c', 'c10']]), record(20, [['a', 'a20-longer'], ['b', null]])], 2);
  const measureAll = async (readTimestamp: number, limit: number) => {
    let keys = 0;
    let bytes = 0;
    let start: Uint8Array | null = TABLE.start;
    for (let batches = 0; start !== null; batches++) {
      assert.ok(batches < 100, 'a measure makes progress');
      const result = await storage.measure({ start, end: TABLE.end, readTimestamp, limit });
      assert.ok(result.keys <= limit, 'a measure counts at most limit keys');
      keys += result.keys;
      bytes += result.bytes;
      start = result.resumeKey;
    }
    return { keys, bytes };
  };
  // Each key is 8 bytes here (table prefix, a letter, terminator); the values as written.
  assert.deepEqual(await measureAll(5, 10), { keys: 0, bytes: 0 });
  assert.deepEqual(await measureAll(10, 10), { keys: 3, bytes: 3 * 8 + 9 });
  assert.deepEqual(await measureAll(20, 10), { keys: 2, bytes: 2 * 8 + 'a20-longer'.length + 3 });
  assert.deepEqual(await measureAll(20, 1), { keys: 2, bytes: 2 * 8 + 'a20-longer'.length + 3 });
  assert.deepEqual(await storage.measure({ start: TABLE.start, end: TABLE.end, readTimestamp: 20, limit: 1 }).then((r) => r.keys), 1);
});

/** The oracle for liveBytes: every visible row's key and value, read back at the newest timestamp. */
async function visibleBytes(storage: MvccStorage): Promise<number> {
  let bytes = 0;
  let start: Uint8Array | null = new Uint8Array([0, 0, 0, 1]);
  while (start !== null) {
    const result = await storage.measure({ start, end: new Uint8Array(32).fill(0xff), readTimestamp: Number.MAX_SAFE_INTEGER - 1, limit: 1_000 });
    bytes += result.bytes;
    start = result.resumeKey;
  }
  return bytes;
}

test('liveBytes is the size of the newest rows, kept by each apply through inserts, updates, deletes, GC and a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-live-'));
  try {
    const random = prng(11);
    let storage = new MvccStorage(new LmdbOrderedStore(dir), ALWAYS_SAFE);
    assert.equal(storage.liveBytes, 0);
    let position = 0;
    let ts = 0;
    // The newest row of each key, for the point reads that fill the row cache: an apply counts
    // a cached key's previous bytes from the cache instead of seeking it.
    const newest = new Map<string, string | null>();
    for (let round = 0; round < 40; round++) {
      // Random puts of random lengths (some past 64 bytes, where copies take another path) and
      // deletes over a few keys, some written twice in one batch.
      const records: JournalRecord[] = [];
      for (let r = 0; r < 1 + random(3); r++) {
        const writes: [string, string | null][] = [];
        for (let w = 0; w < 1 + random(4); w++) writes.push([`k${random(12)}`, random(4) === 0 ? null : String(round).repeat(random(60))]);
        records.push(record(ts += 10, writes));
        for (const [k, v] of writes) newest.set(k, v);
      }
      await storage.apply(records, ++position);
      assert.equal(storage.liveBytes, await visibleBytes(storage), `round ${round}`);
      for (let read = 0; read < 4; read++) {
        const k = `k${random(14)}`; // k12 and k13 are never written: cached absences
        const row = await storage.get(key(k), ts);
        assert.equal(row === null ? null : str(row), newest.get(k) ?? null, `round ${round}, ${k}`);
      }
      if (round % 10 === 9) await storage.collectGarbage(ts - 15, 100);
    }
    const live = storage.liveBytes;
    assert.ok(live > 0);
    await storage.close();
    storage = new MvccStorage(new LmdbOrderedStore(dir), ALWAYS_SAFE);
    assert.equal(storage.liveBytes, live, 'recorded with the applied position');
    // A new storage's cache is empty: these reads seek, and copy rows past 64 bytes out of the store.
    for (let k = 0; k < 14; k++) {
      const row = await storage.get(key(`k${k}`), ts);
      assert.equal(row === null ? null : str(row), newest.get(`k${k}`) ?? null, `k${k} after the restart`);
    }
    await storage.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('liveBytes: a store without the record is counted once; a snapshot replica replaying what its copy holds ends equal', async () => {
  const source = new MvccStorage(new MemoryOrderedStore(), ALWAYS_SAFE);
  const r1 = record(10, [['a', 'one'], ['b', 'two'], ['c', 'three']]);
  const r2 = record(20, [['a', 'longer one'], ['b', null], ['d', 'four']]);
  const r3 = record(30, [['a', null], ['d', 'four!'], ['e', 'five']]);
  await source.apply([r1], 1);
  // A snapshot's first page (the metadata) is read at position 1 …
  const copy = new MemoryOrderedStore();
  const store = (source as unknown as { store: OrderedStore }).store;
  const entries = (from: OrderedStore) => [...from.range({ start: new Uint8Array([0]), end: new Uint8Array(32).fill(0xff) })]
    .map((e) => ({ key: Uint8Array.from(e.key), value: Uint8Array.from(e.value) }));
  const copyAtPosition1 = entries(store);
  await copy.write(copyAtPosition1);
  await source.apply([r2], 2);
  // … and later pages after position 2: the copy holds r2's versions with position 1's metadata.
  await copy.write(entries(store).filter((e) => e.key[3] !== 0));
  const replica = new MvccStorage(copy, ALWAYS_SAFE);
  await replica.apply([r2], 2);
  await replica.apply([r3], 3);
  await source.apply([r3], 3);
  assert.equal(replica.liveBytes, source.liveBytes);
  assert.equal(source.liveBytes, await visibleBytes(source));

  // A store without the record (written before it was kept, or restored from a backup) is
  // scanned once, when asked or applied to; not at open.
  const bare = new MemoryOrderedStore();
  await bare.write(entries(store).filter((e) => e.key[3] !== 0 || e.key[5] !== 4));
  let scans = 0;
  const counted: OrderedStore = Object.assign(Object.create(bare) as MemoryOrderedStore, {
    range: (options: Parameters<OrderedStore['range']>[0]) => { scans++; return bare.range(options); },
  });
  const reopened = new MvccStorage(counted, ALWAYS_SAFE);
  assert.equal(scans, 0, 'opening reads the metadata only');
  assert.equal(reopened.liveBytes, source.liveBytes);
  assert.equal(reopened.liveBytes, source.liveBytes);
  assert.equal(scans, 1, 'counted once');
  // A snapshot of a store without the record: the copy's count is of its applied position,
  // not of the later versions it holds; the replay adds those.
  const early = new MemoryOrderedStore();
  await early.write(copyAtPosition1.filter((e) => e.key[3] !== 0 || e.key[5] !== 4));
  await early.write(entries(store).filter((e) => e.key[3] !== 0));
  const lateReplica = new MvccStorage(early, ALWAYS_SAFE);
  await lateReplica.apply([r2], 2);
  await lateReplica.apply([r3], 3);
  assert.equal(lateReplica.liveBytes, source.liveBytes);

  const unasked = new MvccStorage(bare, ALWAYS_SAFE);
  await unasked.apply([record(40, [['f', 'six']])], 4);
  assert.equal(unasked.liveBytes, source.liveBytes + key('f').length + 3, 'the first apply counts, then adds');
});
