import { TypeOid } from '../../contracts/sql-value.js';
import type { ResolvedOperator } from '../types/index.js';
import { COMPARISON_TESTS } from './row-values.js';
import * as types from './typesystem.js';

/**
 * `array op array` for =, <>, <, <=, > and >= (PostgreSQL's array_eq and array_cmp): element by
 * element in the element type's order, so `ARRAY[1.0] = ARRAY[1.00]` and `ARRAY[10] > ARRAY[9]`
 * as PostgreSQL answers them, two NULL elements equal and a NULL after every value, then the
 * shorter array first. An untyped literal on one side takes the other side's array type. An
 * element type without an ordering (json) compares = and <> by canonical text.
 */
export function arrayOperator(op: string, left: number | null, right: number): ResolvedOperator | null {
  const test = COMPARISON_TESTS[op];
  if (!test || left === null) return null;
  const oid = isArray(left) ? left : isArray(right) ? right : 0;
  if (oid === 0 || (left !== oid && left !== TypeOid.unknown) || (right !== oid && right !== TypeOid.unknown)) return null;
  if (types.hasComparator(oid)) {
    const compare = types.comparator(oid);
    return { left: oid, right: oid, result: TypeOid.bool, fn: (a, b) => test(compare(a, b)) };
  }
  if (op !== '=' && op !== '<>') return null;
  const equal = op === '=';
  return { left: oid, right: oid, result: TypeOid.bool, fn: (a, b) => (a === b) === equal };
}

function isArray(oid: number): boolean {
  return types.arrayElementType(oid) !== 0;
}
