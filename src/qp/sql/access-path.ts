import type { Key } from '../../contracts/kv.js';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import { KeyWriter, prefixEnd } from '../../encoding/key.js';
import type { PushedComparison } from '../../contracts/storage.js';
import type { IndexInfo, TableInfo } from '../catalog/catalog.js';
import type { Expr } from './ast.js';
import { mapTree } from './ast-map.js';
import { coerce, compileExpr, type CompileContext } from './compile.js';
import type { CompiledExpr, Evaluator } from './compiled.js';
import { IndexScan, PointLookup, TableScan, type RowSource, type Runtime } from './operators.js';
import { columnRefs, conjuncts, containsAggregate } from './relations.js';
import { narrowedKeyBound, narrowedKeyValue, narrowsToKey } from './integer-keys.js';
import { KeyReadUnion, keyRanges, KeyRangesScan, rangeOf, type KeyBound, type KeyEquality, type KeyPrefix } from './key-ranges.js';
import { arrayElements, requireType, typeByOid } from '../types/index.js';
import { SEQUENCE_FUNCTIONS } from '../sequences/sequence-functions.js';
import { CorrelatedScope, Scope } from './scope.js';
import { PRIMARY_INDEX_ID, type TableCodec } from './table-codec.js';
import type { WantedOrder } from './wanted-order.js';

/**
 * Chooses how to read one table given the conjuncts of its WHERE clause: a point lookup on
 * the full primary key, a key range on a primary-key or index prefix, several keys or ranges
 * (IN lists, `= ANY (array)`, ORs of key conditions, IS NULL: key-ranges.ts), or a full scan.
 * Every conjunct is still evaluated as a filter afterwards, so the path only narrows what is read.
 */

interface Bound {
  readonly column: number;
  readonly op: '=' | '<' | '<=' | '>' | '>=';
  readonly value: Evaluator;
  /** The conjunct, when reading the key already decides it exactly (see `exactKeyEquality`). */
  readonly decided?: Expr;
}

/** What the conjuncts of a WHERE clause say about one table's columns. */
export interface KeyConditions {
  /** `column op value` comparisons (storage also evaluates these: pushedFilter). */
  readonly bounds: readonly Bound[];
  /** `column IN (…)` and `column = ANY (array)`: the column equals one of a list. */
  readonly lists: readonly ListBound[];
  /** `column IS NULL`. */
  readonly nulls: readonly number[];
  /** `x OR y …` where every branch says something about a column: each branch's conditions. */
  readonly alternatives: readonly (readonly KeyConditions[])[];
}

interface ListBound {
  readonly column: number;
  readonly values: (rt: Runtime) => readonly SqlValue[] | null;
  /** How many values, when the statement's text says (an IN list). */
  readonly count: number | null;
}

const FLIP: Record<string, Bound['op']> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

export interface AccessPath {
  readonly source: () => RowSource;
  /** 'point', 'range', 'index' or 'full' — for EXPLAIN and tests. */
  readonly kind: 'point' | 'range' | 'index' | 'full';
  /** Rows come out in primary-key order, or orderColumns' order (ascending, or descending when reverse). */
  readonly primaryOrder: boolean;
  /** The columns whose order the rows come in, when not the primary key's (an index read in order). */
  readonly orderColumns?: readonly number[];
  readonly reverse: boolean;
  /** At most this many rows (a point read; a list of whole primary keys), when the plan shows it. */
  readonly maxRows?: number;
  /** WHERE conjuncts every row this path reads satisfies (a point read's exact key equalities). */
  readonly decided?: readonly Expr[];
}

/** Extracts the conditions on columns whose other side does not depend on the row. */
export function extractBounds(table: TableInfo, relation: string, parts: readonly Expr[], ctx: CompileContext): KeyConditions {
  const bounds: Bound[] = [];
  const lists: ListBound[] = [];
  const nulls: number[] = [];
  const alternatives: KeyConditions[][] = [];
  const columnOf = (expr: Expr): number => {
    if (expr.kind !== 'column' || (expr.table !== null && expr.table !== relation)) return -1;
    return table.columns.findIndex((c) => c.name === expr.name);
  };
  for (const part of parts) {
    if (part.kind === 'between' && !part.negated) {
      const column = columnOf(part.arg);
      const low = column < 0 ? null : keyValue(table, column, '>=', part.low, ctx, part.location);
      const high = column < 0 ? null : keyValue(table, column, '<=', part.high, ctx, part.location);
      if (low) bounds.push({ column, ...low });
      if (high) bounds.push({ column, ...high });
      continue;
    }
    if (part.kind === 'in' && !part.negated) {
      const column = columnOf(part.arg);
      const items = column < 0 ? [] : part.list.map((item) => keyValue(table, column, '=', item, ctx, part.location));
      if (items.length === 0 || items.some((item) => item === null)) continue;
      const values = items.map((item) => item!.value);
      lists.push({ column, values: (rt) => values.map((value) => value([], rt.ctx)), count: values.length });
      continue;
    }
    if (part.kind === 'any' && part.op === '=' && !part.all) {
      const column = columnOf(part.left);
      const values = column < 0 ? null : arrayValues(table, column, part.right, ctx, part.location);
      if (values) lists.push({ column, values, count: null });
      continue;
    }
    if (part.kind === 'null-test' && part.isNull) {
      const column = columnOf(part.arg);
      if (column >= 0) nulls.push(column);
      continue;
    }
    if (part.kind === 'or') {
      const branches = part.args.map((arg) => extractBounds(table, relation, conjuncts(arg), ctx));
      if (branches.every(saysSomething)) alternatives.push(branches);
      continue;
    }
    if (part.kind !== 'op' || !part.left || !(part.op in FLIP)) continue;
    let columnSide: Expr = part.left;
    let valueSide: Expr = part.right;
    let op = part.op as Bound['op'];
    if (columnSide.kind !== 'column') {
      columnSide = part.right;
      valueSide = part.left;
      op = FLIP[op]!;
    }
    const column = columnOf(columnSide);
    if (column < 0) continue;
    const bound = keyValue(table, column, op, valueSide, ctx, part.location);
    if (!bound) continue;
    bounds.push(op === '=' && exactKeyEquality(table, column, valueSide) ? { column, ...bound, decided: part } : { column, ...bound });
  }
  return { bounds, lists, nulls, alternatives };
}

function saysSomething(c: KeyConditions): boolean {
  return c.bounds.length > 0 || c.lists.length > 0 || c.nulls.length > 0 || c.alternatives.length > 0;
}

/**
 * `column op valueSide` as a bound of the column's key: the op and the value side compiled to the
 * column's type, or null when it cannot bound a read (it depends on the row, is volatile, or is
 * of another type).
 */
function keyValue(table: TableInfo, column: number, op: Bound['op'], valueSide: Expr, ctx: CompileContext, location: number): { op: Bound['op']; value: Evaluator } | null {
  const compiled = rowIndependent(valueSide, ctx);
  if (!compiled) return null;
  const info = table.columns[column]!;
  // A wider integer is in the same btree operator family as PostgreSQL has it, but no key of
  // the column's type holds it: the bound is restated within the column's range (integer-keys.ts).
  if (narrowsToKey(info.typeOid, compiled.oid)) return narrowedKeyBound(info.typeOid, op, compiled.eval);
  // Otherwise only a value of the column's own type (or an untyped literal/parameter that takes
  // it) can be encoded as a key of that column without changing the comparison's meaning.
  // A narrower integer widens exactly (`bigint_id = 5`: DSQL's identity columns are bigint).
  if (compiled.oid !== info.typeOid && compiled.oid !== TypeOid.unknown && !WIDENS_TO[info.typeOid]?.includes(compiled.oid)) return null;
  return { op, value: coerce(compiled, info.typeOid, -1, 'implicit', location).eval };
}

/** `column = ANY (array)`: the array's elements, when it is an array of the column's own type. */
function arrayValues(table: TableInfo, column: number, arraySide: Expr, ctx: CompileContext, location: number): ((rt: Runtime) => readonly SqlValue[] | null) | null {
  const compiled = rowIndependent(arraySide, ctx);
  if (!compiled) return null;
  const info = table.columns[column]!;
  const arrayOid = typeByOid(info.typeOid)?.array ?? 0;
  const wider = widerIntegerArray(info.typeOid, compiled.oid);
  if (wider) {
    // An array of a wider integer type (`int4_id = ANY ('{1,5000000000}'::int8[])`): each
    // element narrowed to the column's type, those out of its range dropped (they equal no key).
    const array = compiled.eval;
    return (rt) => {
      const text = array([], rt.ctx);
      return text === null ? null : arrayElements(text as string, wider).map((v) => narrowedKeyValue(info.typeOid, v));
    };
  }
  if (arrayOid === 0 || (compiled.oid !== arrayOid && compiled.oid !== TypeOid.unknown)) return null;
  const array = coerce(compiled, arrayOid, -1, 'implicit', location).eval;
  const element = requireType(info.typeOid);
  return (rt) => {
    const text = array([], rt.ctx);
    return text === null ? null : arrayElements(text as string, element);
  };
}

/** The element type of an array of integers wider than the column's integer type, else null. */
function widerIntegerArray(columnOid: number, arrayOid: number): ReturnType<typeof requireType> | null {
  for (const elementOid of [TypeOid.int4, TypeOid.int8]) {
    if (typeByOid(elementOid)?.array === arrayOid && narrowsToKey(columnOid, elementOid)) return requireType(elementOid);
  }
  return null;
}

/** Integer types whose values a wider integer column's key encodes without change of meaning. */
const WIDENS_TO: Partial<Record<number, readonly number[]>> = {
  [TypeOid.int8]: [TypeOid.int2, TypeOid.int4],
  [TypeOid.int4]: [TypeOid.int2],
  // PostgreSQL resolves `numeric_col > 0` and `float8_col > 0` by casting the integer constant to
  // the column's type (numeric > numeric, float8 > float8), so the bound reads the index; the
  // conversions are exact (int8 → float8 is not, so it is left to the scan).
  [TypeOid.numeric]: [TypeOid.int2, TypeOid.int4, TypeOid.int8],
  [TypeOid.float8]: [TypeOid.int2, TypeOid.int4],
};

/** Integer types: two values are `=` exactly when their key encodings are the same bytes. */
const EXACT_KEY_TYPES: ReadonlySet<number> = new Set([TypeOid.int2, TypeOid.int4, TypeOid.int8]);

/**
 * Whether `column = valueSide` holds of every row a read of the key found, so that the filter
 * need not test it again: an integer column (no collation, no padding, no -0 or NaN, where key
 * bytes and `=` could disagree) and a parameter or literal (evaluated once either way; keyValue
 * has already refused a value of another type, except a narrower integer, which widens exactly).
 */
function exactKeyEquality(table: TableInfo, column: number, valueSide: Expr): boolean {
  return EXACT_KEY_TYPES.has(table.columns[column]!.typeOid) && (valueSide.kind === 'param' || (valueSide.kind === 'const' && valueSide.literal !== 'null'));
}

/**
 * The WHERE clause without the conjuncts the key read decides; null when none is left. The
 * caller compiles the whole clause first, so its errors and parameter types stay the same.
 */
export function undecidedWhere(where: Expr, decided: readonly Expr[]): Expr | null {
  const rest = conjuncts(where).filter((part) => !decided.includes(part));
  if (rest.length === 0) return null;
  return rest.length === 1 ? rest[0]! : { kind: 'and', args: rest, location: where.location };
}

/** An expression compiled to run once per execution, or null when it depends on the row or is volatile. */
function rowIndependent(valueSide: Expr, ctx: CompileContext): CompiledExpr | null {
  // nextval() and friends are volatile: PostgreSQL calls them per row, never once for a bound.
  if (containsAggregate(valueSide, (name) => SEQUENCE_FUNCTIONS.has(name))) return null;
  // The value side may name columns of an enclosing query (a correlated subquery): for one
  // run of the subquery those are constants, so they bound the scan as parameters do.
  const refs = columnRefs(valueSide);
  let valueScope: Scope = new Scope([]);
  if (refs.length > 0) {
    const scope = ctx.scope;
    if (!(scope instanceof CorrelatedScope) || refs.some((r) => scope.hasOwn(r.table, r.name))) return null;
    valueScope = scope.outerOnly();
  }
  try {
    // (A second compile of a WHERE conjunct: the filter's own compile judges its fold errors,
    // which an AND before it may drop.)
    return compileExpr(valueSide, { ...ctx, scope: valueScope, foldErrors: undefined });
  } catch (error) {
    // (A subquery this context cannot plan, one over a WITH query say, runs as a subplan of the filter instead.)
    if (refs.length > 0 || containsSubquery(valueSide)) return null;
    throw error;
  }
}

export function chooseAccessPath(codec: TableCodec, conditions: KeyConditions, wantOrder: WantedOrder | null): AccessPath {
  const table = codec.table;
  const bounds = conditions.bounds;
  const pk = table.primaryKey;
  if (pk.length > 0) {
    const equal = pk.map((c) => bounds.find((b) => b.column === c && b.op === '='));
    if (equal.every((b) => b !== undefined)) {
      const values = equal.map((b) => b!.value);
      const decided = equal.every((b) => b!.decided !== undefined) ? equal.map((b) => b!.decided!) : [];
      return { kind: 'point', source: () => new PointLookup(codec, values), primaryOrder: true, reverse: false, maxRows: 1, decided };
    }
    const prefix = prefixBounds(pk, bounds);
    if (prefix.equal.length > 0 || prefix.lower || prefix.upper) {
      const reverse = wantOrder?.direction === 'desc';
      const range = rangeFunction(codec, PRIMARY_INDEX_ID, pk, prefix);
      const pushed = pushedFilter(codec, bounds);
      return { kind: 'range', source: () => new TableScan(codec, range, reverse, pushed, true), primaryOrder: true, reverse };
    }
    const several = severalKeys(pk, conditions);
    if (several) {
      const ranges = keyRanges(codec, PRIMARY_INDEX_ID, pk, several);
      const pushed = pushedFilter(codec, bounds);
      const maxRows = wholeKeys(pk.length, several);
      return { kind: 'range', source: () => new KeyRangesScan(codec, null, ranges, pushed), primaryOrder: true, reverse: false, ...(maxRows !== null ? { maxRows } : {}) };
    }
  }
  let best: { index: IndexInfo; prefix: ReturnType<typeof prefixBounds> } | null = null;
  for (const index of usableIndexes(table)) {
    const prefix = prefixBounds(index.columns, bounds);
    if (prefix.equal.length === 0 && !prefix.lower && !prefix.upper) continue;
    if (!best || prefix.equal.length > best.prefix.equal.length) best = { index, prefix };
  }
  if (best) {
    const range = rangeFunction(codec, best.index.id, best.index.columns, best.prefix);
    const index = best.index;
    // The range comes in the index's order, and in the order of the columns after its leading
    // equalities (they hold one value each): read it the way ORDER BY wants and the sort goes.
    const after = index.columns.slice(best.prefix.equal.length);
    const orderColumns = wantedIndexOrder(codec, index.columns, wantOrder) ? index.columns : wantedIndexOrder(codec, after, wantOrder) ? after : null;
    const reverse = orderColumns !== null && wantOrder!.direction === 'desc';
    return { kind: 'index', source: () => new IndexScan(codec, index, range, reverse), primaryOrder: orderColumns !== null, ...(orderColumns ? { orderColumns } : {}), reverse };
  }
  for (const index of usableIndexes(table)) {
    const several = severalKeys(index.columns, conditions);
    if (!several) continue;
    const ranges = keyRanges(codec, index.id, index.columns, several);
    return { kind: 'index', source: () => new KeyRangesScan(codec, index, ranges, null), primaryOrder: false, reverse: false };
  }
  const union = branchReads(codec, conditions);
  if (union) return { kind: 'index', source: () => new KeyReadUnion(union.map((read) => read())), primaryOrder: false, reverse: false };
  const ordered = indexInOrder(codec, wantOrder);
  if (ordered) return ordered;
  const reverse = wantOrder?.direction === 'desc';
  const whole = () => ({ start: codec.rowsStart, end: codec.rowsEnd });
  const pushed = pushedFilter(codec, bounds);
  return { kind: 'full', source: () => new TableScan(codec, whole, reverse, pushed), primaryOrder: true, reverse };
}

/**
 * ORDER BY an index's leading columns and nothing narrower to read: the index read in its order
 * (backward for DESC) instead of a full scan and a sort, when that costs no more (docs/sql.md):
 * with a LIMIT, which stops the read early, or when the read is index-only, one pass over the
 * index instead of one over the table. Otherwise the sort stays: a row lookup per index entry
 * costs more than one scan. The filter still runs on every row read, so a selective filter may
 * read much of the index.
 */
function indexInOrder(codec: TableCodec, wantOrder: WantedOrder | null): AccessPath | null {
  if (!wantOrder) return null;
  const index = usableIndexes(codec.table).find((i) => wantedIndexOrder(codec, i.columns, wantOrder) && (wantOrder.limited || codec.readsIndexOnly(i)));
  if (!index) return null;
  const reverse = wantOrder.direction === 'desc';
  const start = codec.keyFromValues(index.id, index.columns, []);
  const whole = { start, end: prefixEnd(start) };
  return { kind: 'index', source: () => new IndexScan(codec, index, () => whole, reverse), primaryOrder: true, orderColumns: index.columns, reverse };
}

/** Whether ORDER BY's columns (of this table: planTable leaves out others') lead `columns` (of an index). */
function wantedIndexOrder(codec: TableCodec, columns: readonly number[], wantOrder: WantedOrder | null): boolean {
  const wanted = wantOrder?.columns;
  if (!wanted || wanted.length === 0 || wanted.length > columns.length) return false;
  return wanted.every((column, n) => codec.table.columns[columns[n]!]!.name === column.name);
}

function usableIndexes(table: TableInfo): IndexInfo[] {
  return table.indexes.filter((index) => !index.primary && index.valid);
}

/**
 * An OR whose branches each bound a key prefix of some index, not all the same one (`a = 1 OR
 * b = 2` with an index on each, PostgreSQL's BitmapOr): a read per branch, each with the
 * conditions ANDed to the OR; KeyReadUnion returns a row several branches find once.
 */
function branchReads(codec: TableCodec, conditions: KeyConditions): (() => RowSource)[] | null {
  for (const branches of conditions.alternatives) {
    const reads: (() => RowSource)[] = [];
    for (const branch of branches) {
      const merged: KeyConditions = {
        bounds: [...conditions.bounds, ...branch.bounds], lists: [...conditions.lists, ...branch.lists], nulls: [...conditions.nulls, ...branch.nulls], alternatives: [],
      };
      const read = branchRead(codec, merged);
      if (!read) break;
      reads.push(read);
    }
    if (reads.length === branches.length) return reads;
  }
  return null;
}

/** One branch's read: its primary-key prefix, else the first index with a prefix; null if none. */
function branchRead(codec: TableCodec, conditions: KeyConditions): (() => RowSource) | null {
  const candidates: (IndexInfo | null)[] = [...(codec.table.primaryKey.length > 0 ? [null] : []), ...usableIndexes(codec.table)];
  for (const index of candidates) {
    const columns = index ? index.columns : codec.table.primaryKey;
    const prefix = keyPrefix(columns, conditions);
    if (prefix.equal.length === 0 && !prefix.lower && !prefix.upper) continue;
    const ranges = keyRanges(codec, index ? index.id : PRIMARY_INDEX_ID, columns, [prefix]);
    return () => new KeyRangesScan(codec, index, ranges, null);
  }
  return null;
}

/**
 * The key prefixes of an index that cover every row the conditions allow, when they need more
 * than one plain range: a list or IS NULL on a leading column, or an OR whose every branch
 * (with the conditions ANDed to it) has a prefix of its own. Null when the index does not help.
 */
function severalKeys(columns: readonly number[], conditions: KeyConditions): KeyPrefix[] | null {
  const own = keyPrefix(columns, conditions);
  if (own.equal.some((e) => e.kind !== 'value')) return [own];
  const base = { ...conditions, alternatives: [] };
  for (const branches of conditions.alternatives) {
    const prefixes = branches.map((branch) => keyPrefix(columns, {
      bounds: [...base.bounds, ...branch.bounds], lists: [...base.lists, ...branch.lists], nulls: [...base.nulls, ...branch.nulls], alternatives: [],
    }));
    if (prefixes.every((p) => p.equal.length > 0 || p.lower || p.upper)) return prefixes;
  }
  return null;
}

/** How many whole primary keys the prefixes name, when every one names whole keys from lists of known length. */
function wholeKeys(width: number, prefixes: readonly KeyPrefix[]): number | null {
  let total = 0;
  for (const prefix of prefixes) {
    if (prefix.equal.length !== width) return null;
    let keys = 1;
    for (const equality of prefix.equal) {
      if (equality.kind !== 'list') continue;
      if (equality.count === null) return null;
      keys *= equality.count;
    }
    total += keys;
  }
  return total;
}

/** Equalities (a value, NULL, or any of a list) on the leading columns, then a range on the next. */
function keyPrefix(columns: readonly number[], conditions: KeyConditions): KeyPrefix {
  const equal: KeyEquality[] = [];
  let i = 0;
  for (; i < columns.length; i++) {
    const column = columns[i]!;
    const bound = conditions.bounds.find((b) => b.column === column && b.op === '=');
    const list = conditions.lists.find((l) => l.column === column);
    if (bound) equal.push({ kind: 'value', value: bound.value });
    else if (conditions.nulls.includes(column)) equal.push({ kind: 'null' });
    else if (list) equal.push({ kind: 'list', values: list.values, count: list.count });
    else break;
  }
  const next = columns[i];
  const lower = conditions.bounds.find((b) => b.column === next && (b.op === '>' || b.op === '>='));
  const upper = conditions.bounds.find((b) => b.column === next && (b.op === '<' || b.op === '<='));
  return { equal, lower: (lower as KeyBound | undefined) ?? null, upper: (upper as KeyBound | undefined) ?? null };
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
    return rangeOf(codec, indexId, columns, values, prefix.lower as KeyBound | null, prefix.upper as KeyBound | null, rt);
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
      out.push({ column: codec.slot(bound.column), op: bound.op, operand: writer.finish(), typeOid });
    }
    return out;
  };
}

function containsSubquery(expr: Expr): boolean {
  let found = false;
  mapTree(expr, (node) => (node.kind === 'subquery' ? (found = true, node) : undefined));
  return found;
}
