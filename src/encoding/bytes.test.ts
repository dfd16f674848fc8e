import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareBytes } from './bytes.js';

test('compareBytes orders byte strings as Buffer.compare does, short and long', () => {
  const cases: number[][] = [[], [0], [1], [0, 0], [0, 255], [1, 0], [255], [255, 255, 0], [7, 7, 7]];
  const long = (last: number) => [...new Array(80).fill(9), last];
  const all = [...cases, long(1), long(2), [...long(1), 0]].map((bytes) => new Uint8Array(bytes));
  for (const a of all) {
    for (const b of all) assert.equal(Math.sign(compareBytes(a, b)), Buffer.compare(a, b), `${a} vs ${b}`);
  }
});
