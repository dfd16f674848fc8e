import { SqlError } from '../../contracts/errors.js';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import type { Expr, FrameBound, SortItem, WindowSpec } from './ast.js';
import { inRangeFor, offsetTypeFor } from './in-range.js';
import { containsSubquery } from './join-subqueries.js';
import { columnRefs } from './relations.js';
import { aggregateFrames, evaluateFrameOffsets, frameBounds, frameRuns, nthFrameRow, peerGroups, type Frame, type FrameOffsets } from './window-frames.js';
import { asFloat8Pair, checkFunctionSchema, coerce, coerceToBoolean, commonType, compileExpr, minMaxArgument, noSuchFunction, type CompileContext } from './compile.js';
import type { CompiledExpr, Evaluator, ExecContext } from './compiled.js';
import { materialize, MAX_MATERIALIZED_ROWS, type ExplainInfo, type Row, type RowSource, type Runtime } from './operators.js';
import * as types from './typesystem.js';

/**
 * Window functions: `f(…) OVER (PARTITION BY … ORDER BY … frame)`.
 *
 * Calls are collected where the select list is compiled; a WindowAgg operator below the
 * projection reads every row, and for each call sorts the rows by its partition and order keys,
 * walks each partition and appends the call's value to every row, where the compiled call reads
 * it. Rows leave in the order of the last window sorted (PostgreSQL's order when the query
 * itself has no ORDER BY and one window).
 *
 * Frames (ROWS, RANGE, GROUPS, offsets, EXCLUDE) are PostgreSQL's: checked here, computed in
 * window-frames.ts.
 */

const RANKING = new Set(['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile']);
const VALUE = new Set(['lag', 'lead', 'first_value', 'last_value', 'nth_value']);

interface OrderKey {
  readonly eval: Evaluator;
  readonly compare: (a: SqlValue, b: SqlValue) => number;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

interface WindowCall {
  readonly name: string;
  readonly args: readonly Evaluator[];
  readonly filter: Evaluator | null;
  /** For aggregates: the argument's type (null for count(*)). */
  readonly argOid: number | null;
  /** The second argument's type, for a two-argument aggregate (string_agg). */
  readonly secondOid: number | null;
  readonly partition: readonly Evaluator[];
  readonly partitionOids: readonly number[];
  readonly order: readonly OrderKey[];
  readonly orderOids: readonly number[];
  readonly frame: Frame;
}

export class WindowCollector {
  readonly calls: WindowCall[] = [];
  /** Width of the rows the select list reads: results go after it. Set by the planner. */
  base = 0;
  constructor(readonly named: ReadonlyMap<string, WindowSpec>) {}
  get empty(): boolean {
    return this.calls.length === 0;
  }
}

type FuncExpr = Extract<Expr, { kind: 'func' }>;
const at = (location: number) => (location >= 0 ? { position: location + 1 } : {});

/** The WINDOW clause's windows by name, each resolved against the ones it builds on. */
export function namedWindows(windows: readonly { readonly name: string; readonly spec: WindowSpec }[] | undefined): Map<string, WindowSpec> {
  const named = new Map<string, WindowSpec>();
  for (const { name, spec } of windows ?? []) {
    if (named.has(name)) throw new SqlError('42P20', `window "${name}" is already defined`, at(spec.location));
    named.set(name, resolveSpec(spec, named));
  }
  return named;
}

/** A spec that names another window takes its partitioning, and its ordering unless it has one. */
function resolveSpec(spec: WindowSpec, named: ReadonlyMap<string, WindowSpec>): WindowSpec {
  if (spec.refName === null) return spec;
  const base = named.get(spec.refName);
  if (!base) throw new SqlError('42704', `window "${spec.refName}" does not exist`, at(spec.location));
  if (spec.byName) return base;
  if (spec.partitionBy.length > 0) throw new SqlError('42P20', `cannot override PARTITION BY clause of window "${spec.refName}"`, at(spec.location));
  if (spec.orderBy.length > 0 && base.orderBy.length > 0) throw new SqlError('42P20', `cannot override ORDER BY clause of window "${spec.refName}"`, at(spec.location));
  if (base.frame !== null) throw new SqlError('42P20', `cannot copy window "${spec.refName}" because it has a frame clause`, at(spec.location));
  return { refName: null, partitionBy: base.partitionBy, orderBy: spec.orderBy.length > 0 ? spec.orderBy : base.orderBy, frame: spec.frame, location: spec.location };
}

export function compileWindowCall(expr: FuncExpr, ctx: CompileContext, collector: WindowCollector): CompiledExpr {
  checkFunctionSchema(expr, ctx);
  const spec = resolveSpec(expr.over!, collector.named);
  if (expr.distinct) throw new SqlError('0A000', 'DISTINCT is not implemented for window functions', at(expr.location));
  // Arguments and keys are compiled where the select list is; a window call inside them is nested.
  const inner: CompileContext = { ...ctx, windows: undefined, clause: 'window functions' };
  const name = expr.name;
  const isAggregate = types.isAggregate(name);
  if (!isAggregate && !RANKING.has(name) && !VALUE.has(name)) {
    throw new SqlError('42809', `function ${name} is not a window function nor an aggregate function`, at(expr.location));
  }
  if (isAggregate && expr.aggOrder) throw new SqlError('0A000', 'aggregate ORDER BY is not implemented for window functions', at(expr.location));
  if (!isAggregate && expr.filter) throw new SqlError('0A000', 'FILTER is not implemented for non-aggregate window functions', at(expr.location));
  if (expr.star && name !== 'count') throw new SqlError('42809', `${name}(*) is not allowed`, at(expr.location));
  let args = expr.args.map((a) => compileExpr(a, inner));
  // lag/lead/first_value/last_value/nth_value take anyelement: an untyped literal gives it no type.
  if (VALUE.has(name) && args[0]?.oid === TypeOid.unknown) {
    throw new SqlError('42804', 'could not determine polymorphic type because input has type unknown', at(expr.location));
  }
  if (types.isRegressionAggregate(name) && args.length === 2) args = asFloat8Pair(args[0]!, args[1]!);
  // The integer arguments (lag/lead's offset, ntile's count, nth_value's position) and an untyped
  // lag/lead default (the value's type) take their types before other untyped ones become text:
  // lag(x, NULL) and ntile('2') read as PostgreSQL reads them, not as text cast to integer.
  // (Only an implicit cast reaches integer: lag(x, 1.5) is no such function.)
  const integerAt = name === 'lag' || name === 'lead' || name === 'nth_value' ? 1 : name === 'ntile' ? 0 : -1;
  if (integerAt >= 0 && args[integerAt]) {
    if (types.castContext(args[integerAt]!.oid, TypeOid.int4) !== 'i') throw noSuchFunction(name, args.map((a) => a.oid), expr.location);
    args[integerAt] = coerce(args[integerAt]!, TypeOid.int4, -1, 'implicit', args[integerAt]!.location);
  }
  if ((name === 'lag' || name === 'lead') && args[2]) {
    // lag(anycompatible, integer, anycompatible): the value and the default in their common type.
    let common: number;
    try {
      common = commonType([args[0]!, args[2]], name, inner);
    } catch {
      throw noSuchFunction(name, args.map((a) => a.oid), expr.location);
    }
    args[0] = coerce(args[0]!, common, -1, 'implicit', args[0]!.location);
    args[2] = coerce(args[2], common, -1, 'implicit', args[2].location);
  }
  args = args.map((a) => (a.oid === TypeOid.unknown ? coerce(a, TypeOid.text, -1, 'implicit', a.location) : a));
  if (args[0]) args[0] = minMaxArgument(name, args[0]);
  const resultOid = resultType(name, args, expr);
  // An untyped key is text, as in ORDER BY (PostgreSQL's partition clause is a sort clause).
  const partition = spec.partitionBy.map((p) => {
    const key = compileExpr(p, inner);
    return key.oid === TypeOid.unknown ? coerce(key, TypeOid.text, -1, 'implicit', key.location) : key;
  });
  const order = spec.orderBy.map((item) => orderKey(item, inner));
  const frame = compileFrame(spec, order, inner);
  const filter = expr.filter ? coerceToBoolean(compileExpr(expr.filter, inner), 'FILTER').eval : null;
  const index = collector.calls.length;
  collector.calls.push({
    name, args: args.map((a) => a.eval), filter, argOid: isAggregate ? (args[0]?.oid ?? null) : null, secondOid: isAggregate ? (args[1]?.oid ?? null) : null,
    partition: partition.map((p) => p.eval), partitionOids: partition.map((p) => p.oid),
    order: order.map((o) => o.key), orderOids: order.map((o) => o.oid), frame,
  });
  return { oid: resultOid, typmod: -1, eval: (row) => row[collector.base + index]!, rowIndependent: false, name, location: expr.location };
}

/** The hypothetical-set aggregates, which share their names with ranking window functions. */
const HYPOTHETICAL_SET = new Set(['rank', 'dense_rank', 'percent_rank', 'cume_dist']);

/**
 * rank(…) and its kin called with arguments but without WITHIN GROUP: PostgreSQL finds the
 * hypothetical-set aggregate and says so (42809), in a window call or not; null for others.
 */
export function withinGroupRequired(name: string, argCount: number): ((location: number) => SqlError) | null {
  if (!HYPOTHETICAL_SET.has(name) || argCount === 0) return null;
  return (location) => new SqlError('42809', `WITHIN GROUP is required for ordered-set aggregate ${name}`, at(location));
}

function resultType(name: string, args: readonly CompiledExpr[], expr: FuncExpr): number {
  const arity = (min: number, max: number) => {
    if (args.length >= min && args.length <= max) return;
    // rank(1) is the hypothetical-set aggregate rank(VARIADIC "any") called without its WITHIN GROUP.
    const withinGroup = withinGroupRequired(name, args.length);
    if (withinGroup) throw withinGroup(expr.location);
    throw noSuchFunction(name, args.map((a) => a.oid), expr.location);
  };
  switch (name) {
    case 'row_number': case 'rank': case 'dense_rank': arity(0, 0); return TypeOid.int8;
    case 'percent_rank': case 'cume_dist': arity(0, 0); return TypeOid.float8;
    case 'ntile': arity(1, 1); return TypeOid.int4;
    case 'lag': case 'lead': arity(1, 3); return args[0]!.oid;
    case 'first_value': case 'last_value': arity(1, 1); return args[0]!.oid;
    case 'nth_value': arity(2, 2); return args[0]!.oid;
  }
  if (!expr.star) arity(types.aggregateArity(name), types.aggregateArity(name));
  const oid = types.aggregateResultType(name, expr.star ? null : args[0]!.oid, args[1]?.oid ?? null);
  if (oid === null) throw new SqlError('42883', `function ${name}(${args.map((a) => types.formatType(a.oid, -1)).join(', ')}) does not exist`, at(expr.location));
  return oid;
}

function orderKey(item: SortItem, ctx: CompileContext): { key: OrderKey; oid: number } {
  let compiled = compileExpr(item.expr, ctx);
  if (compiled.oid === TypeOid.unknown) compiled = coerce(compiled, TypeOid.text, -1, 'implicit', compiled.location);
  return {
    key: { eval: compiled.eval, compare: types.comparator(compiled.oid), descending: item.descending, nullsFirst: item.nullsFirst ?? item.descending },
    oid: compiled.oid,
  };
}

function compileFrame(spec: WindowSpec, order: readonly { key: OrderKey; oid: number }[], ctx: CompileContext): Frame {
  const frame = spec.frame ?? { mode: 'range' as const, start: { kind: 'unbounded-preceding' as const, offset: null }, end: { kind: 'current-row' as const, offset: null }, exclusion: 'no-others' as const };
  if (frame.start.kind === 'unbounded-following') throw new SqlError('42P20', 'frame start cannot be UNBOUNDED FOLLOWING', at(spec.location));
  if (frame.end.kind === 'unbounded-preceding') throw new SqlError('42P20', 'frame end cannot be UNBOUNDED PRECEDING', at(spec.location));
  const rank = (b: FrameBound) => ['unbounded-preceding', 'preceding', 'current-row', 'following', 'unbounded-following'].indexOf(b.kind);
  if (rank(frame.start) > rank(frame.end) || (frame.start.kind === 'current-row' && frame.end.kind === 'preceding')
    || (frame.start.kind === 'following' && (frame.end.kind === 'current-row' || frame.end.kind === 'preceding'))) {
    throw new SqlError('42P20', frame.start.kind === 'current-row' ? 'frame starting from current row cannot have preceding rows'
      : 'frame starting from following row cannot have preceding rows', at(spec.location));
  }
  const hasOffset = frame.start.offset !== null || frame.end.offset !== null;
  if (frame.mode === 'range' && hasOffset && order.length !== 1) {
    throw new SqlError('42P20', 'RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column', at(spec.location));
  }
  if (frame.mode === 'groups' && order.length === 0) throw new SqlError('42P20', 'GROUPS mode requires an ORDER BY clause', at(spec.location));
  const sortOid = order[0]?.oid ?? 0;
  let rangeOffsetOid = 0;
  const offset = (b: FrameBound): Evaluator | null => {
    if (b.offset === null) return null;
    const construct = frame.mode.toUpperCase();
    const value = compileExpr(b.offset, { ...ctx, aggregates: null, clause: `window ${construct}` });
    // The offset is evaluated once, before any row, and subquery results live in the rows.
    if (containsSubquery(b.offset)) throw new SqlError('0A000', `subqueries in a window ${construct} offset are not supported`, at(value.location));
    if (columnRefs(b.offset).length > 0) throw new SqlError('42P10', `argument of ${construct} must not contain variables`, at(value.location));
    const target = frame.mode === 'range' ? (rangeOffsetOid = offsetTypeFor(sortOid, value.oid, value.location)) : TypeOid.int8;
    const cast = types.castContext(value.oid, target);
    if (cast === null || cast === 'e') {
      throw new SqlError('42804', `argument of ${construct} must be type ${types.formatType(target, -1)}, not type ${types.formatType(value.oid, value.typmod)}`, at(value.location));
    }
    return coerce(value, target, -1, 'assignment', value.location).eval;
  };
  const startOffset = offset(frame.start);
  const endOffset = offset(frame.end);
  return {
    mode: frame.mode, start: frame.start, end: frame.end, startOffset, endOffset, exclusion: frame.exclusion,
    inRange: frame.mode === 'range' && hasOffset ? inRangeFor(sortOid, rangeOffsetOid) : null,
    descending: order[0]?.key.descending ?? false, nullsFirst: order[0]?.key.nullsFirst ?? false,
  };
}

/** Computes every window call over all rows (see the top of this file). */
export class WindowAgg implements RowSource {
  private done = false;
  constructor(private readonly source: RowSource, private readonly collector: WindowCollector) {}

  explain(): ExplainInfo {
    return { label: 'WindowAgg', details: this.collector.calls.map((c) => `${c.name}()`), children: [this.source] };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    if (this.done) return null;
    this.done = true;
    const { calls, base } = this.collector;
    let rows = (await materialize(this.source, rt)).map((row) => (row.length === base ? row.slice() : row.slice(0, base)));
    if (rows.length > MAX_MATERIALIZED_ROWS) throw new SqlError('53200', 'query requires too much temp space, out of memory.');
    const offsets = calls.map((call) => evaluateFrameOffsets(call.frame, rt.ctx));
    for (let k = 0; k < calls.length; k++) {
      rows = sortForWindow(rows, calls[k]!, rt.ctx);
      computeCall(rows, calls[k]!, offsets[k]!, base + k, rt.ctx);
    }
    return rows;
  }
}

interface Keyed {
  readonly row: Row;
  readonly partition: readonly SqlValue[];
  readonly order: readonly SqlValue[];
}

/**
 * Sorts rows by the call's partition values (ascending, NULLs last, as PostgreSQL's sort for
 * PARTITION BY), then by its ORDER BY keys; Array.prototype.sort is stable.
 */
function sortForWindow(rows: Row[], call: WindowCall, ctx: ExecContext): Row[] {
  if (call.partition.length === 0 && call.order.length === 0) return rows;
  const partitionKeys: OrderKey[] = call.partition.map((p, i) => ({ eval: p, compare: types.comparator(call.partitionOids[i]!), descending: false, nullsFirst: false }));
  const keyed: Keyed[] = rows.map((row) => ({
    row,
    partition: call.partition.map((p) => p(row, ctx)),
    order: call.order.map((o) => o.eval(row, ctx)),
  }));
  keyed.sort((a, b) => compareOrder(partitionKeys, a.partition, b.partition) || compareOrder(call.order, a.order, b.order));
  return keyed.map((k) => k.row);
}

function compareOrder(keys: readonly OrderKey[], a: readonly SqlValue[], b: readonly SqlValue[]): number {
  for (let i = 0; i < keys.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === null || y === null) {
      if (x === null && y === null) continue;
      return (x === null) === keys[i]!.nullsFirst ? -1 : 1;
    }
    const c = keys[i]!.compare(x, y);
    if (c !== 0) return keys[i]!.descending ? -c : c;
  }
  return 0;
}

function computeCall(rows: Row[], call: WindowCall, offsets: FrameOffsets, slot: number, ctx: ExecContext): void {
  let start = 0;
  while (start < rows.length) {
    let end = start + 1;
    if (call.partition.length > 0) {
      const key = partitionKey(rows[start]!, call, ctx);
      while (end < rows.length && partitionKey(rows[end]!, call, ctx) === key) end++;
    } else {
      end = rows.length;
    }
    computePartition(rows.slice(start, end), call, offsets, slot, ctx);
    start = end;
  }
}

function partitionKey(row: Row, call: WindowCall, ctx: ExecContext): string {
  return types.groupKey(call.partitionOids, call.partition.map((p) => p(row, ctx)), call.partition.length);
}

function computePartition(rows: Row[], call: WindowCall, offsets: FrameOffsets, slot: number, ctx: ExecContext): void {
  const n = rows.length;
  const orders = rows.map((row) => call.order.map((o) => o.eval(row, ctx)));
  const peers = peerGroups(n, (i, j) => compareOrder(call.order, orders[i]!, orders[j]!) === 0);
  const peerStart = peers.start;
  const peerEnd = peers.end;
  const arg = (i: number, row: Row = rows[i]!) => call.args[0]!(row, ctx);
  // PostgreSQL finds a RANGE offset frame's bounds for every function over it (in_range errors too).
  const bounds = frameBounds(call.frame, offsets, peers, call.frame.inRange ? orders.map((o) => o[0]!) : []);
  switch (call.name) {
    case 'row_number': rows.forEach((row, i) => { row[slot] = BigInt(i + 1); }); return;
    case 'rank': rows.forEach((row, i) => { row[slot] = BigInt(peerStart[i]! + 1); }); return;
    case 'dense_rank': rows.forEach((row, i) => { row[slot] = BigInt(peers.group[i]! + 1); }); return;
    case 'percent_rank': rows.forEach((row, i) => { row[slot] = n > 1 ? peerStart[i]! / (n - 1) : 0; }); return;
    case 'cume_dist': rows.forEach((row, i) => { row[slot] = (peerEnd[i]! + 1) / n; }); return;
    case 'ntile': {
      rows.forEach((row, i) => {
        const buckets = call.args[0]!(row, ctx) as number | null;
        if (buckets === null) { row[slot] = null; return; }
        if (buckets <= 0) throw new SqlError('22014', 'argument of ntile must be greater than zero');
        const size = Math.floor(n / buckets);
        const extra = n % buckets;
        // The first `extra` buckets hold one row more.
        const big = extra * (size + 1);
        row[slot] = i < big ? Math.floor(i / (size + 1)) + 1 : extra + Math.floor((i - big) / Math.max(size, 1)) + 1;
      });
      return;
    }
    case 'lag':
    case 'lead': {
      rows.forEach((row, i) => {
        const offset = call.args[1] ? (call.args[1](row, ctx) as number | null) : 1;
        if (offset === null) { row[slot] = null; return; }
        const j = call.name === 'lag' ? i - offset : i + offset;
        row[slot] = j >= 0 && j < n ? arg(j) : call.args[2] ? call.args[2](row, ctx) : null;
      });
      return;
    }
  }
  // Frame-based: first/last/nth value and aggregates.
  if (call.name === 'first_value' || call.name === 'last_value' || call.name === 'nth_value') {
    rows.forEach((row, i) => {
      let nth = call.name === 'first_value' ? 1 : call.name === 'last_value' ? -1 : 0;
      if (call.name === 'nth_value') {
        const given = call.args[1]!(row, ctx) as number | null;
        if (given === null) { row[slot] = null; return; }
        if (given <= 0) throw new SqlError('22016', 'argument of nth_value must be greater than zero');
        nth = given;
      }
      const j = nthFrameRow(frameRuns(call.frame, bounds, peers, i), nth);
      row[slot] = j >= 0 ? arg(j) : null;
    });
    return;
  }
  const results = aggregateFrames(call.frame, bounds, peers, {
    values: call.args.length === 0 ? null : rows.map((row) => call.args[0]!(row, ctx)),
    seconds: call.args.length > 1 ? rows.map((row) => call.args[1]!(row, ctx)) : null,
    included: call.filter ? rows.map((row) => call.filter!(row, ctx) === true) : null,
    fresh: () => types.newAggregateState(call.name, call.argOid, false, [], call.secondOid, ctx.outputStyle),
  });
  rows.forEach((row, i) => { row[slot] = results[i]!; });
}
