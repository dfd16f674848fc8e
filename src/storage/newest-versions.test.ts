import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NewestVersions } from './newest-versions.js';
import { bytesBetween, latin1Key } from '../encoding/bytes.js';

const row = (n: number) => new Uint8Array(n).fill(7);

/** A primary-key key of table `table` (index 1) on an int4 column: the cache's IntShape. */
function int4Key(table: number, value: number): Uint8Array {
  const key = new Uint8Array(11);
  new DataView(key.buffer).setUint32(0, table);
  key[5] = 1;
  key[6] = 0x10;
  new DataView(key.buffer).setInt32(7, value ^ 0x80000000);
  return key;
}

/** The same for an int8 column. */
function int8Key(table: number, value: bigint): Uint8Array {
  const key = new Uint8Array(15);
  new DataView(key.buffer).setUint32(0, table);
  key[5] = 1;
  key[6] = 0x10;
  new DataView(key.buffer).setBigUint64(7, BigInt.asUintN(64, value) ^ (1n << 63n));
  return key;
}

/** A text-column key: 0x10, the bytes, 0x00 0x01. */
function textKey(table: number, text: string): Uint8Array {
  return Uint8Array.from([0, 0, 0, table, 0, 1, 0x10, ...Buffer.from(text), 0, 1]);
}

test('the row cache stays within its byte budget, evicting the oldest entries first', () => {
  for (const keyOf of [(i: number) => textKey(9, `key-${i}`), (i: number) => int4Key(9, i)]) {
    const cache = new NewestVersions(10_000);
    for (let i = 0; i < 200; i++) cache.set(keyOf(i), { timestamp: i + 1, row: row(100) });
    assert.ok(cache.sizeBytes <= 10_000, `${cache.sizeBytes} bytes cached`);
    assert.ok(cache.size > 20 && cache.size < 200, `${cache.size} entries kept`);
    assert.equal(cache.get(keyOf(0)), undefined, 'the oldest entry went first');
    assert.deepEqual(cache.get(keyOf(199)), { timestamp: 200, row: row(100) }, 'the newest entry stays');
  }
});

test('equal keys and only equal keys meet, whatever their shape', () => {
  const cache = new NewestVersions(10_000_000);
  const keys: Uint8Array[] = [];
  for (const table of [1, 2, 0x7fff_ffff, 0xffff_ffff]) {
    for (const value of [0, 1, -1, 100_000, 2 ** 30, -(2 ** 30) - 1, 2 ** 31 - 1, -(2 ** 31)]) keys.push(int4Key(table, value));
    for (const value of [0n, 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, -1n, 2n ** 62n]) keys.push(int8Key(table, value));
    // Texts whose encodings have the int4 and int8 keys' lengths, and one of neither.
    for (const text of ['ab', 'ba', '\u0080\u0000', 'abcdef', 'abcdefg']) keys.push(textKey(table & 0xff, text));
  }
  const otherIndex = int4Key(1, 5);
  otherIndex[5] = 2;
  keys.push(otherIndex, Uint8Array.from([0, 0, 0, 1, 0, 1]), new Uint8Array(0));
  const distinct = new Set(keys.map((k) => Buffer.from(k).toString('hex')));
  keys.forEach((key, i) => cache.set(key, { timestamp: i + 1, row: row(1) }));
  assert.equal(cache.size, distinct.size);
  keys.forEach((key, i) => {
    const found = cache.get(Uint8Array.from(key));
    let last = -1;
    keys.forEach((k, j) => { if (Buffer.compare(k, key) === 0) last = j; });
    assert.equal(found?.timestamp, last + 1, `key ${Buffer.from(key).toString('hex')}`);
    if (i === last) cache.delete(Uint8Array.from(key));
  });
  assert.equal(cache.size, 0);
  assert.equal(cache.sizeBytes, 0);
});

test('replacing and deleting entries keeps the byte count exact', () => {
  const cache = new NewestVersions(1_000_000);
  const a = textKey(1, 'a');
  const b = int4Key(1, 7);
  cache.set(a, { timestamp: 1, row: row(50) });
  cache.set(b, { timestamp: 1, row: row(20) });
  const two = cache.sizeBytes;
  cache.set(a, { timestamp: 2, row: row(50) });
  cache.set(b, { timestamp: 2, row: row(20) });
  assert.equal(cache.sizeBytes, two);
  assert.equal(cache.size, 2);
  cache.set(textKey(1, 'b'), { timestamp: 3, row: null });
  cache.delete(a);
  cache.delete(b);
  cache.delete(textKey(1, 'b'));
  cache.delete(textKey(1, 'never'));
  cache.delete(int4Key(3, 1));
  assert.equal(cache.sizeBytes, 0);
  assert.equal(cache.size, 0);
  cache.set(b, { timestamp: 4, row: null });
  cache.clear();
  assert.equal(cache.get(b), undefined);
  assert.equal(cache.size, 0);
});

test('a cache with no budget keeps nothing', () => {
  const cache = new NewestVersions(0);
  cache.set(int4Key(1, 1), { timestamp: 1, row: row(1) });
  cache.set(textKey(1, 'a'), { timestamp: 1, row: row(1) });
  assert.equal(cache.get(int4Key(1, 1)), undefined);
  assert.equal(cache.get(textKey(1, 'a')), undefined);
});

test('bytesBetween copies small arrays and views large ones, with the same bytes', () => {
  const small = Uint8Array.from({ length: 40 }, (_, i) => i);
  const part = bytesBetween(small, 3, 10);
  assert.deepEqual([...part], [3, 4, 5, 6, 7, 8, 9]);
  small[3] = 99;
  assert.equal(part[0], 3, 'a copy: later changes to the source do not show');
  const large = Uint8Array.from({ length: 200 }, (_, i) => i & 0xff);
  const view = bytesBetween(large, 100, 110);
  assert.deepEqual([...view], [100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
  assert.equal(view.buffer, large.buffer, 'a view of the large array');
});

test('latin1Key maps each byte to one character, so distinct byte strings get distinct keys', () => {
  assert.equal(latin1Key(new Uint8Array([0, 65, 255])), '\u0000A\u00ff');
  assert.notEqual(latin1Key(new Uint8Array([1, 2])), latin1Key(new Uint8Array([1, 2, 0])));
  assert.equal(latin1Key(new Uint8Array(0)), '');
});
