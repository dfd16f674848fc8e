import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import type { Evaluator } from './compiled.js';

/**
 * Key bounds from integers wider than the key column (`int4_id = 4294967297::int8`,
 * `int2_id < 70000`). PostgreSQL's btree integer operator family compares int2, int4 and int8
 * with each other, so it reads the index for these; a key of the column's type cannot hold the
 * wider value, so the bound is restated in the column's range instead of converted (a cast would
 * fail with 22003, a wrapped value would read the wrong keys):
 * - `=` a value outside the column's range: no key equals it, so the bound is NULL (reads nothing);
 * - `<` v is `<=` v − 1 and `>` v is `>=` v + 1 (integers), then an upper bound above the range
 *   is the column's maximum (every key), one below it NULL (no key); a lower bound the same way.
 * Numeric and float8 are not in the integer family (PostgreSQL casts the column and scans), so
 * only integer types narrow here.
 */

export type KeyOp = '=' | '<' | '<=' | '>' | '>=';

/** The range of each integer type, as bigint. */
const INTEGER_RANGE: Partial<Record<number, readonly [bigint, bigint]>> = {
  [TypeOid.int2]: [-32768n, 32767n],
  [TypeOid.int4]: [-2147483648n, 2147483647n],
  [TypeOid.int8]: [-9223372036854775808n, 9223372036854775807n],
};

/** Whether values of `valueOid` are integers wider than the integer key column's type. */
export function narrowsToKey(columnOid: number, valueOid: number): boolean {
  const column = INTEGER_RANGE[columnOid];
  const value = INTEGER_RANGE[valueOid];
  return column !== undefined && value !== undefined && value[1] > column[1];
}

/**
 * `column op value` restated as a bound of the column's own type (see above): the op to read
 * with and an evaluator giving the bound in the column's representation, NULL for no keys.
 */
export function narrowedKeyBound(columnOid: number, op: KeyOp, value: Evaluator): { op: KeyOp; value: Evaluator } {
  const range = INTEGER_RANGE[columnOid];
  if (!range || columnOid === TypeOid.int8) throw new Error(`narrowedKeyBound: no narrower integer key type ${columnOid}`);
  const [min, max] = range;
  const read: KeyOp = op === '<' ? '<=' : op === '>' ? '>=' : op;
  const step = op === '<' ? -1n : op === '>' ? 1n : 0n;
  return {
    op: read,
    value: (row, ctx) => {
      const v = value(row, ctx);
      if (v === null) return null;
      const bound = toBigInt(v) + step;
      if (read === '=') return narrowedKeyValue(columnOid, bound);
      if (read === '<=') return bound < min ? null : Number(bound > max ? max : bound);
      return bound > max ? null : Number(bound < min ? min : bound);
    },
  };
}

/** A list's element narrowed for `column = element`: the value in the column's type, or NULL (no key). */
export function narrowedKeyValue(columnOid: number, v: SqlValue): SqlValue {
  const range = INTEGER_RANGE[columnOid];
  if (!range || columnOid === TypeOid.int8) throw new Error(`narrowedKeyValue: no narrower integer key type ${columnOid}`);
  if (v === null) return null;
  const n = toBigInt(v);
  return n < range[0] || n > range[1] ? null : Number(n);
}

function toBigInt(v: SqlValue): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  throw new Error(`integer key bound: not an integer value (${typeof v})`);
}
