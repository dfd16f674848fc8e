import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IntKeyTable } from './int-key-table.js';

/** Every key's rows, in the order added, as the table chains them. */
function chains(table: IntKeyTable, keys: readonly number[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const key of new Set(keys)) {
    const rows: number[] = [];
    for (let i = table.first(key); i >= 0; i = table.nextSame[i]!) rows.push(i);
    out.set(key, rows);
  }
  return out;
}

test('each key finds its rows in the order added; absent keys find none', () => {
  // Runs of consecutive keys, duplicates, negatives, zero and the int32 extremes; sizes around a power of two.
  for (const n of [0, 1, 7, 8, 9, 1000, 4099]) {
    let seed = n + 1;
    const random = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed; };
    const keys = Array.from({ length: n }, (_, i) => [i, -i, random() % 50, 2147483647, -2147483648, 0, random() - 1073741824][i % 7]!);
    const table = new IntKeyTable(n);
    keys.forEach((key, i) => table.add(key, i));
    const expected = new Map<number, number[]>();
    keys.forEach((key, i) => expected.set(key, [...(expected.get(key) ?? []), i]));
    assert.deepEqual(chains(table, keys), expected);
    for (const absent of [n + 100_000, -n - 100_000, 1 << 30]) if (!expected.has(absent)) assert.equal(table.first(absent), -1);
  }
});

test('only int32 numbers are keys', () => {
  assert.equal(IntKeyTable.holds(5), true);
  assert.equal(IntKeyTable.holds(-2147483648), true);
  for (const value of [2147483648, 1.5, -0.5, NaN, 5n, '5', null]) assert.equal(IntKeyTable.holds(value), false, String(value));
});
