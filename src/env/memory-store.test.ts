import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryOrderedStore } from './memory-store.js';

/** A deterministic generator so a failure reproduces. */
function prng(seed: number): (bound: number) => number {
  let state = seed >>> 0;
  return (bound) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % bound;
  };
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

function randomKey(random: (bound: number) => number): Uint8Array {
  const length = random(4); // includes the empty key and keys that are prefixes of others
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = random(6) * 51; // few distinct bytes: many collisions
  return out;
}

function modelRange(model: Map<string, string>, start: Uint8Array, end: Uint8Array, reverse: boolean, limit: number): string[] {
  const keys = [...model.keys()].filter((k) => Buffer.compare(Buffer.from(k, 'hex'), start) >= 0 && Buffer.compare(Buffer.from(k, 'hex'), end) < 0);
  keys.sort((a, b) => Buffer.compare(Buffer.from(a, 'hex'), Buffer.from(b, 'hex')));
  if (reverse) keys.reverse();
  return keys.slice(0, limit).map((k) => `${k}=${model.get(k)}`);
}

test('memory store: random batches agree with a model on get and forward/reverse ranges', async () => {
  const random = prng(7);
  const store = new MemoryOrderedStore();
  const model = new Map<string, string>();
  for (let round = 0; round < 400; round++) {
    const batch = [];
    for (let i = 0, n = 1 + random(12); i < n; i++) {
      const key = randomKey(random);
      const value = random(4) === 0 ? null : bytes(random(256), round & 0xff);
      batch.push({ key, value });
      if (value === null) model.delete(hex(key));
      else model.set(hex(key), hex(value));
    }
    await store.write(batch);
    const probe = randomKey(random);
    assert.equal(store.get(probe) === undefined ? undefined : hex(store.get(probe)!), model.get(hex(probe)));
    let start = randomKey(random);
    let end = randomKey(random);
    if (Buffer.compare(start, end) > 0) [start, end] = [end, start];
    const reverse = random(2) === 1;
    const limit = random(3) === 0 ? Infinity : 1 + random(20);
    const got = [...store.range({ start, end, reverse, limit: limit === Infinity ? undefined : limit })].map((e) => `${hex(e.key)}=${hex(e.value)}`);
    assert.deepEqual(got, modelRange(model, start, end, reverse, limit), `round ${round}`);
  }
  assert.equal(store.size, model.size);
});

test('memory store: thousands of keys split into chunks and stay ordered both ways', async () => {
  const store = new MemoryOrderedStore();
  const keys: Uint8Array[] = [];
  for (let i = 0; i < 3000; i++) keys.push(bytes(i >> 8, i & 0xff));
  // Insert in a scrambled order so splits happen in the middle of chunks.
  const order = keys.map((_, i) => (i * 7919) % keys.length);
  for (let i = 0; i < order.length; i += 100) await store.write(order.slice(i, i + 100).map((j) => ({ key: keys[j]!, value: bytes(j & 0xff) })));
  const forward = [...store.range({ start: bytes(), end: bytes(0xff) })].map((e) => hex(e.key));
  assert.deepEqual(forward, keys.map(hex));
  const backward = [...store.range({ start: bytes(1, 0), end: bytes(2, 0), reverse: true })].map((e) => hex(e.key));
  assert.deepEqual(backward, keys.slice(256, 512).reverse().map(hex));
  await store.write(keys.filter((_, i) => i % 2 === 0).map((key) => ({ key, value: null })));
  assert.equal(store.size, 1500);
  assert.deepEqual([...store.range({ start: bytes(), end: bytes(0xff), limit: 3 })].map((e) => hex(e.key)), ['0001', '0003', '0005']);
});

test('memory store: an iterator keeps its snapshot while batches are written', async () => {
  const store = new MemoryOrderedStore();
  await store.write([1, 2, 3, 4].map((k) => ({ key: bytes(k), value: bytes(k) })));
  const seen: string[] = [];
  for (const entry of store.range({ start: bytes(0), end: bytes(9) })) {
    seen.push(hex(entry.key));
    if (entry.key[0] === 1) await store.write([{ key: bytes(2), value: null }, { key: bytes(3), value: bytes(33) }, { key: bytes(5), value: bytes(5) }]);
    if (entry.key[0] === 3) assert.equal(hex(entry.value), '03');
  }
  assert.deepEqual(seen, ['01', '02', '03', '04']);
  assert.deepEqual([...store.range({ start: bytes(0), end: bytes(9) })].map((e) => hex(e.key)), ['01', '03', '04', '05']);
});

test('memory store: stored bytes are copies of what was written', async () => {
  const store = new MemoryOrderedStore();
  const key = bytes(1);
  const value = bytes(7);
  await store.write([{ key, value }]);
  key[0] = 2;
  value[0] = 8;
  assert.equal(hex(store.get(bytes(1))!), '07');
  await store.close();
  await assert.rejects(store.write([{ key, value }]));
});

test('memory store: rangeInPlace yields range\'s entries, each overwritten once the iterator steps on or stops', async () => {
  const store = new MemoryOrderedStore();
  await store.write([1, 2, 3].map((k) => ({ key: Buffer.from([k, k]), value: Buffer.from([k, 10 + k]) })));
  const seen: { key: Uint8Array; value: Uint8Array }[] = [];
  const copies: string[] = [];
  for (const entry of store.rangeInPlace({ start: bytes(0), end: bytes(9) })) {
    seen.push(entry);
    copies.push(`${hex(entry.key)}=${hex(entry.value)}`);
    if (seen.length === 2) break;
  }
  assert.deepEqual(copies, ['0101=010b', '0202=020c']);
  // The kept entries are garbage now (as LMDB's reused buffers would be); the store is intact.
  for (const entry of seen) assert.deepEqual([hex(entry.key), hex(entry.value)], ['eeee', 'eeee']);
  assert.deepEqual([...store.range({ start: bytes(0), end: bytes(9) })].map((e) => hex(e.value)), ['010b', '020c', '030d']);
});
