import { TypeOid, type RecordValue, type SqlValue } from '../../contracts/sql-value.js';
import { mapTree } from './ast-map.js';
import type { Expr, SelectStatement } from './ast.js';
import { compileExpr, type CompileContext } from './compile.js';
import type { CompiledExpr, Evaluator } from './compiled.js';
import type { RowSource } from './operators.js';
import { columnRefs, conjuncts } from './relations.js';
import type { PlannedSubplan, SubqueryHost } from './subplans.js';
import * as types from './typesystem.js';

/**
 * A correlated EXISTS whose only outer references are conjuncts `inner = outer` (a semi-join):
 * run per row, it scans the inner table once per outer row. Instead the subquery runs once
 * without those conjuncts, its inner key tuples go into a hash set, and each outer row is one
 * probe. The EXISTS stays a boolean expression of the row, so it works under OR, NOT, CASE and
 * in a select list.
 *
 * Only when the answer is the same: no LIMIT/OFFSET, aggregates, grouping, set operations or
 * WITH (they change which rows exist), no function calls or nested subqueries anywhere in the
 * subquery (a volatile one would run a different number of times), and key types whose hash
 * key equality is PostgreSQL's `=` (integers of any width, text/varchar, bool, uuid, date).
 * A subquery that already reads the inner table by key per row keeps that plan: it is cheaper
 * than reading the whole table once when the outer side is small.
 */

export interface HashedExists {
  /** The subquery without the correlated conjuncts, selecting the inner key expressions. */
  readonly plan: PlannedSubplan;
  /** The outer key expressions, compiled in the enclosing context. */
  readonly outer: readonly CompiledExpr[];
  /** The oid each key is hashed as (integers all as int8, strings as text). */
  readonly keyOids: readonly number[];
}

type ColumnRef = Extract<Expr, { kind: 'column' }>;

const INTEGERS = new Set<number>([TypeOid.int2, TypeOid.int4, TypeOid.int8]);
const STRINGS = new Set<number>([TypeOid.text, TypeOid.varchar]);
const SAME_TYPE_ONLY = new Set<number>([TypeOid.bool, TypeOid.uuid, TypeOid.date]);

/** The oid both sides hash as, or null when hashing could disagree with `=`. */
function keyOid(a: number, b: number): number | null {
  if (INTEGERS.has(a) && INTEGERS.has(b)) return TypeOid.int8;
  if (STRINGS.has(a) && STRINGS.has(b)) return TypeOid.text;
  if (a === b && SAME_TYPE_ONLY.has(a)) return a;
  return null;
}

/** A key value in its hashed form: int2/int4 numbers become int8 bigints so 1 (int4) meets 1 (int8). */
export function keyValue(oid: number, value: SqlValue): SqlValue {
  return oid === TypeOid.int8 && value !== null ? BigInt(value as number | bigint) : value;
}

function hasCallOrSubquery(node: unknown): boolean {
  let found = false;
  mapTree(node, (n) => (n.kind === 'func' || n.kind === 'subquery' || n.kind === 'function' ? (found = true, n) : undefined));
  return found;
}

/** Whether the subquery's shape lets existence be decided by the key set (see the top of the file). */
function eligibleShape(select: SelectStatement): boolean {
  return !select.setOperation && select.values === null && select.groupBy.length === 0 && !select.groupingSets
    && select.having === null && select.limit === null && select.offset === null && !select.with && select.locking === null
    && (select.windows?.length ?? 0) === 0 && select.where !== null && select.from.length > 0 && !hasCallOrSubquery(select);
}

/** Whether any node of an explained plan reads by key (a primary-key lookup or range, an index scan). */
function readsByKey(source: RowSource): boolean {
  const info = source.explain?.();
  if (!info) return false;
  return info.keyRead === true || info.children.some(readsByKey);
}

/**
 * The hashed form of a correlated EXISTS, or null when the subquery does not have the shape
 * (then it runs per row, as before). `original` is the subquery planned as written.
 */
export function planHashedExists(select: SelectStatement, original: PlannedSubplan, ctx: CompileContext, host: SubqueryHost): HashedExists | null {
  // The outer keys are compiled in ctx, so its rows must be the ones the subquery's outer references name.
  if (ctx.scope !== host.outer || !eligibleShape(select)) return null;
  if (readsByKey(original.build())) return null;
  const bare = { ...select, where: null, orderBy: [], distinct: false, distinctOn: null };
  // Whether a column reference names the enclosing query (a name of the subquery's FROM shadows one outside).
  const isOuter = (ref: ColumnRef): boolean | null => {
    const correlation = { correlated: false };
    try {
      host.plan({ ...bare, targets: [{ expr: ref, alias: null, location: -1 }] }, host.outer, correlation);
    } catch {
      return null;
    }
    return correlation.correlated;
  };
  const innerKeys: Expr[] = [];
  const outerKeys: Expr[] = [];
  const rest: Expr[] = [];
  for (const part of conjuncts(select.where!)) {
    const sides = part.kind === 'op' && part.op === '=' && part.left ? [part.left, part.right] : null;
    const kinds = sides?.map((side) => {
      const refs = columnRefs(side);
      if (refs.length === 0) return 'none';
      const outer = refs.map(isOuter);
      if (outer.every((o) => o === true)) return 'outer';
      if (outer.every((o) => o === false)) return 'inner';
      return 'mixed';
    });
    if (sides && kinds![0] === 'inner' && kinds![1] === 'outer') { innerKeys.push(sides[0]!); outerKeys.push(sides[1]!); }
    else if (sides && kinds![0] === 'outer' && kinds![1] === 'inner') { innerKeys.push(sides[1]!); outerKeys.push(sides[0]!); }
    else rest.push(part);
  }
  if (innerKeys.length === 0) return null;
  const where: Expr | null = rest.length === 0 ? null : rest.length === 1 ? rest[0]! : { kind: 'and', args: rest, location: select.where!.location };
  const correlation = { correlated: false };
  const plan = host.plan({ ...bare, where, targets: innerKeys.map((expr) => ({ expr, alias: null, location: -1 })) }, host.outer, correlation);
  // Another outer reference remains (in a filter, a join condition): the subquery depends on the row.
  if (correlation.correlated) return null;
  const outer = outerKeys.map((e) => compileExpr(e, ctx));
  const keyOids: number[] = [];
  for (let i = 0; i < outer.length; i++) {
    const oid = keyOid(plan.columns[i]!.oid, outer[i]!.oid);
    if (oid === null) return null;
    keyOids.push(oid);
  }
  return { plan, outer, keyOids };
}

/**
 * The EXISTS answer for a row: whether the set of inner key tuples (those without a NULL, which
 * `=` never matches) holds the row's outer key tuple; a NULL outer key matches nothing.
 */
export function compileHashedExists(hashed: HashedExists, slot: Evaluator, location: number): CompiledExpr {
  const { outer, keyOids } = hashed;
  const n = outer.length;
  const sets = new WeakMap<RecordValue[], Set<string>>();
  const values: SqlValue[] = new Array(n);
  const evaluator: Evaluator = (row, c) => {
    const rows = slot(row, c) as unknown as RecordValue[];
    if (rows.length === 0) return false;
    for (let i = 0; i < n; i++) {
      const v = outer[i]!.eval(row, c);
      if (v === null) return false;
      values[i] = keyValue(keyOids[i]!, v);
    }
    let set = sets.get(rows);
    if (!set) {
      set = new Set();
      const key: SqlValue[] = new Array(n);
      for (const r of rows) {
        if (r.values.some((v) => v === null)) continue;
        for (let i = 0; i < n; i++) key[i] = keyValue(keyOids[i]!, r.values[i]!);
        set.add(types.groupKey(keyOids, key, n));
      }
      sets.set(rows, set);
    }
    return set.has(types.groupKey(keyOids, values, n));
  };
  return { oid: TypeOid.bool, typmod: -1, eval: evaluator, rowIndependent: false, name: 'exists', location };
}
