import type { Key } from '../../contracts/kv.js';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import { KeyWriter, prefixEnd } from '../../encoding/key.js';
import type { PushedComparison } from '../../contracts/storage.js';
import type { IndexInfo, TableInfo } from '../catalog/catalog.js';
import type { Expr } from './ast.js';
import { mapTree } from './ast-map.js';
import { coerce, compileExpr, inferParamType, type CompileContext } from './compile.js';
import type { CompiledExpr, Evaluator } from './compiled.js';
import { IndexScan, PointLookup, TableScan, type RowSource, type Runtime } from './operators.js';
import { columnRefs, containsAggregate } from './relations.js';
import { SEQUENCE_FUNCTIONS } from '../sequences/sequence-functions.js';
import { CorrelatedScope, Scope } from './scope.js';
import { PRIMARY_INDEX_ID, type TableCodec } from './table-codec.js';

/**
 * Chooses how to read one table given the conjuncts of its WHERE clause: a point lookup on
 * the full primary key, a key range on a primary-key or index prefix, or a full scan. Every
 * conjunct is still evaluated as a filter afterwards, so the path only narrows what is read.
 */

interface Bound {
  readonly column: number;
  readonly op: '=' | '<' | '<=' | '>' | '>=';
  readonly value: Evaluator;
}

const FLIP: Record<string, Bound['op']> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

export interface AccessPath {
  readonly source: () => RowSource;
  /** 'point', 'range', 'index' or 'full' — for EXPLAIN and tests. */
  readonly kind: 'point' | 'range' | 'index' | 'full';
  /** Rows come out in primary-key order (ascending, or descending when reverse). */
  readonly primaryOrder: boolean;
  readonly reverse: boolean;
}

/** Extracts `column op value` bounds whose value does not depend on the row. */
export function extractBounds(table: TableInfo, relation: string, parts: readonly Expr[], ctx: CompileContext): Bound[] {
  const bounds: Bound[] = [];
  for (const part of parts) {
    if (part.kind !== 'op' || !part.left || !(part.op in FLIP)) continue;
    let columnSide: Expr = part.left;
    let valueSide: Expr = part.right;
    let op = part.op as Bound['op'];
    if (columnSide.kind !== 'column') {
      columnSide = part.right;
      valueSide = part.left;
      op = FLIP[op]!;
    }
    if (columnSide.kind !== 'column') continue;
    if (columnSide.table !== null && columnSide.table !== relation) continue;
    // nextval() and friends are volatile: PostgreSQL calls them per row, never once for a bound.
    if (containsAggregate(valueSide, (name) => SEQUENCE_FUNCTIONS.has(name))) continue;
    const column = table.columns.findIndex((c) => c.name === columnSide.name);
    if (column < 0) continue;
    const info = table.columns[column]!;
    // The value side may name columns of an enclosing query (a correlated subquery): for one
    // run of the subquery those are constants, so they bound the scan as parameters do.
    const refs = columnRefs(valueSide);
    let valueScope: Scope = new Scope([]);
    if (refs.length > 0) {
      const scope = ctx.scope;
      if (!(scope instanceof CorrelatedScope) || refs.some((r) => scope.hasOwn(r.table, r.name))) continue;
      valueScope = scope.outerOnly();
    }
    let value: CompiledExpr;
    try {
      value = compileExpr(valueSide, { ...ctx, scope: valueScope });
    } catch (error) {
      // (A subquery this context cannot plan, one over a WITH query say, runs as a subplan of the filter instead.)
      if (refs.length > 0 || containsSubquery(valueSide)) continue;
      throw error;
    }
    // Only a value of the column's own type (or an untyped literal/parameter that takes it)
    // can be encoded as a key of that column without changing the comparison's meaning.
    if (value.oid !== info.typeOid && value.oid !== TypeOid.unknown) continue;
    if (value.paramIndex !== undefined) inferParamType(ctx, value, info.typeOid);
    const typed = coerce(value, info.typeOid, -1, 'implicit', part.location);
    bounds.push({ column, op, value: typed.eval });
  }
  return bounds;
}

export function chooseAccessPath(codec: TableCodec, bounds: readonly Bound[], wantOrder: 'asc' | 'desc' | null): AccessPath {
  const table = codec.table;
  const pk = table.primaryKey;
  if (pk.length > 0) {
    const equal = pk.map((c) => bounds.find((b) => b.column === c && b.op === '='));
    if (equal.every((b) => b !== undefined)) {
      const values = equal.map((b) => b!.value);
      return { kind: 'point', source: () => new PointLookup(codec, values), primaryOrder: true, reverse: false };
    }
    const prefix = prefixBounds(pk, bounds);
    if (prefix.equal.length > 0 || prefix.lower || prefix.upper) {
      const reverse = wantOrder === 'desc';
      const range = rangeFunction(codec, PRIMARY_INDEX_ID, pk, prefix);
      const pushed = pushedFilter(codec, bounds);
      return { kind: 'range', source: () => new TableScan(codec, range, reverse, pushed, true), primaryOrder: true, reverse };
    }
  }
  let best: { index: IndexInfo; prefix: ReturnType<typeof prefixBounds> } | null = null;
  for (const index of table.indexes) {
    if (index.primary || !index.valid) continue;
    const prefix = prefixBounds(index.columns, bounds);
    if (prefix.equal.length === 0 && !prefix.lower && !prefix.upper) continue;
    if (!best || prefix.equal.length > best.prefix.equal.length) best = { index, prefix };
  }
  if (best) {
    const range = rangeFunction(codec, best.index.id, best.index.columns, best.prefix);
    const index = best.index;
    return { kind: 'index', source: () => new IndexScan(codec, index, range), primaryOrder: false, reverse: false };
  }
  const reverse = wantOrder === 'desc';
  const whole = () => ({ start: codec.rowsStart, end: codec.rowsEnd });
  const pushed = pushedFilter(codec, bounds);
  return { kind: 'full', source: () => new TableScan(codec, whole, reverse, pushed), primaryOrder: true, reverse };
}

interface PrefixBounds {
  readonly equal: Evaluator[];
  readonly lower: Bound | null;
  readonly upper: Bound | null;
  readonly columns: readonly number[];
}

function prefixBounds(columns: readonly number[], bounds: readonly Bound[]): PrefixBounds {
  const equal: Evaluator[] = [];
  let i = 0;
  for (; i < columns.length; i++) {
    const b = bounds.find((x) => x.column === columns[i] && x.op === '=');
    if (!b) break;
    equal.push(b.value);
  }
  let lower: Bound | null = null;
  let upper: Bound | null = null;
  if (i < columns.length) {
    lower = bounds.find((x) => x.column === columns[i] && (x.op === '>' || x.op === '>=')) ?? null;
    upper = bounds.find((x) => x.column === columns[i] && (x.op === '<' || x.op === '<=')) ?? null;
  }
  return { equal, lower, upper, columns };
}

function rangeFunction(codec: TableCodec, indexId: number, columns: readonly number[], prefix: PrefixBounds): (rt: Runtime) => { start: Key; end: Key } | null {
  return (rt) => {
    const values: SqlValue[] = [];
    for (const e of prefix.equal) {
      const v = e([], rt.ctx);
      if (v === null) return null; // `col = NULL` matches nothing
      values.push(v);
    }
    const base = codec.keyFromValues(indexId, columns, values);
    let start = base;
    let end = prefixEnd(base);
    if (prefix.lower) {
      const v = prefix.lower.value([], rt.ctx);
      if (v === null) return null;
      const key = codec.keyFromValues(indexId, columns, [...values, v]);
      start = prefix.lower.op === '>' ? prefixEnd(key) : key;
    }
    if (prefix.upper) {
      const v = prefix.upper.value([], rt.ctx);
      if (v === null) return null;
      const key = codec.keyFromValues(indexId, columns, [...values, v]);
      end = prefix.upper.op === '<' ? key : prefixEnd(key);
    }
    if (Buffer.compare(start, end) >= 0) return null;
    return { start, end };
  };
}

/** json and jsonb have no btree order, so their comparisons stay in the query processor. */
const NOT_PUSHABLE = new Set<number>([TypeOid.json, TypeOid.jsonb]);

/**
 * The comparisons storage can evaluate on row tuples before returning them (DESIGN.md §1:
 * storage "evaluates pushed-down filters"): each `column op value` bound, with the value in
 * the column's key encoding. A NULL value means the conjunction cannot hold: no rows.
 */
function pushedFilter(codec: TableCodec, bounds: readonly Bound[]): ((rt: Runtime) => PushedComparison[] | null) | null {
  const pushable = bounds.filter((b) => !NOT_PUSHABLE.has(codec.columnTypes[b.column]!));
  if (pushable.length === 0) return null;
  const writer = new KeyWriter(64);
  return (rt) => {
    const out: PushedComparison[] = [];
    for (const bound of pushable) {
      const value = bound.value([], rt.ctx);
      if (value === null) return null;
      const typeOid = codec.columnTypes[bound.column]!;
      writer.reset();
      writer.writeValue(typeOid, value);
      out.push({ column: bound.column, op: bound.op, operand: writer.finish(), typeOid });
    }
    return out;
  };
}

function containsSubquery(expr: Expr): boolean {
  let found = false;
  mapTree(expr, (node) => (node.kind === 'subquery' ? (found = true, node) : undefined));
  return found;
}
