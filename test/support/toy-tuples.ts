/**
 * Toy row tuples for storage tests of pushed-down filters: columns as [length][bytes], length
 * 0xff = NULL, and the column reader storage needs for them (the SQL tuple's is columnKeyOf in
 * src/node/column-key.ts).
 */
import type { ColumnKeyOf } from '../../src/storage/mvcc-storage.js';

export function tuple(...columns: (string | null)[]): Uint8Array {
  const parts: number[] = [];
  for (const c of columns) {
    if (c === null) parts.push(0xff);
    else parts.push(c.length, ...Buffer.from(c));
  }
  return new Uint8Array(parts);
}

export const toyColumnKeyOf: ColumnKeyOf = (bytes, column) => {
  let at = 0;
  for (let i = 0; i < column; i++) at += bytes[at] === 0xff ? 1 : 1 + bytes[at]!;
  return bytes[at] === 0xff ? null : bytes.subarray(at + 1, at + 1 + bytes[at]!);
};
