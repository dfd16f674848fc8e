import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NewestVersions } from './newest-versions.js';
import { bytesBetween, latin1Key } from '../encoding/bytes.js';

const row = (n: number) => new Uint8Array(n).fill(7);

test('the row cache stays within its byte budget, evicting the oldest entries first', () => {
  const cache = new NewestVersions(10_000);
  for (let i = 0; i < 200; i++) cache.set(`key-${i}`, { timestamp: i + 1, row: row(100) });
  assert.ok(cache.sizeBytes <= 10_000, `${cache.sizeBytes} bytes cached`);
  assert.ok(cache.size > 20 && cache.size < 200, `${cache.size} entries kept`);
  assert.equal(cache.get('key-0'), undefined, 'the oldest entry went first');
  assert.deepEqual(cache.get('key-199'), { timestamp: 200, row: row(100) }, 'the newest entry stays');
});

test('replacing and deleting entries keeps the byte count exact', () => {
  const cache = new NewestVersions(1_000_000);
  cache.set('a', { timestamp: 1, row: row(50) });
  const one = cache.sizeBytes;
  cache.set('a', { timestamp: 2, row: row(50) });
  assert.equal(cache.sizeBytes, one);
  cache.set('b', { timestamp: 3, row: null });
  cache.delete('a');
  cache.delete('b');
  cache.delete('never');
  assert.equal(cache.sizeBytes, 0);
  assert.equal(cache.size, 0);
});

test('a cache with no budget keeps nothing', () => {
  const cache = new NewestVersions(0);
  cache.set('a', { timestamp: 1, row: row(1) });
  assert.equal(cache.get('a'), undefined);
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
