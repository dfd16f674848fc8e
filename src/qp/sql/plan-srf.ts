import { SqlError } from '../../contracts/errors.js';
import { advisoryLockRefusal } from './advisory-locks.js';
import { RecordValue, TypeOid, type RecordField, type SqlValue } from '../../contracts/sql-value.js';
import type { Expr, FromItem, TypeName } from './ast.js';
import type { TableInfo } from '../catalog/catalog.js';
import { coerce, compileExpr, inferParamType, noSuchFunction, type CompileContext } from './compile.js';
import type { CompiledExpr, Evaluator, ExecContext } from './compiled.js';
import { breathe, type ExplainInfo, type Row, type RowSource, type Runtime } from './operators.js';
import { populatesRecord, recordFunction, returnsRecord, type DefinedColumn } from './record-functions.js';
import { planSleepScan } from './sleep-functions.js';
import { applyColumnAliases } from './function-aliases.js';
import { isSetReturning, resolveSetFunction, type SetFunction } from './set-functions.js';
import * as types from './typesystem.js';

/**
 * Set-returning functions in the plan: a FunctionScan for functions in FROM (one call, ROWS
 * FROM of several, WITH ORDINALITY), and ProjectSets for calls in the select list, each of
 * which expands each input row into as many rows as its longest call returns (the others padded
 * with NULLs), as PostgreSQL 10 and later do. A call inside another's arguments runs in a
 * ProjectSet below it (PostgreSQL's split_pathtarget_at_srfs: a call's level is one more than
 * the deepest call in its arguments; calls of one level run side by side).
 */

type FuncExpr = Extract<Expr, { kind: 'func' }>;
const at = (location: number) => (location >= 0 ? { position: location + 1 } : {});
const ROWS_PER_BATCH = 1024;

/** A call with its argument evaluators, ready to run for a row. */
export interface BoundCall {
  readonly fn: SetFunction;
  readonly args: readonly Evaluator[];
}

/** Resolves and compiles one call; a function that is not set-returning answers null. */
export function bindSetCall(name: string, argExprs: readonly Expr[], location: number, ctx: CompileContext): BoundCall | null {
  const args = argExprs.map((a) => compileExpr(a, ctx));
  const fn = resolveSetFunction(name, args.map((a) => a.oid));
  if (!fn) return null;
  // An untyped parameter takes the type of the argument it fills (ParameterDescription says so).
  for (const [i, a] of args.entries()) if (a.oid === TypeOid.unknown && a.paramIndex !== undefined) inferParamType(a, fn.args[i]!);
  const coerced = args.map((a, i) => coerce(a, fn.args[i]!, -1, 'implicit', a.location >= 0 ? a.location : location));
  return { fn, args: coerced.map((a) => a.eval) };
}

/** A function that returns one value, in FROM: one row of one column (NULL included). */
function bindScalarCall(call: { readonly name: string; readonly args: readonly Expr[]; readonly location: number }, ctx: CompileContext): BoundCall {
  const expr: FuncExpr = { kind: 'func', name: call.name, schema: null, args: call.args, star: false, distinct: false, filter: null, location: call.location };
  const compiled = compileExpr(expr, ctx);
  const fn: SetFunction = { name: call.name, args: [compiled.oid], columns: [{ name: null, oid: compiled.oid }], strict: false, rows: (values) => [[values[0]!]] };
  return { fn, args: [compiled.eval] };
}

/** 42883 for a call no set-returning (or other) function matches (0A000 for an advisory lock function). */
function noSuchSetFunction(name: string, argExprs: readonly Expr[], location: number, ctx: CompileContext): SqlError {
  return advisoryLockRefusal(name, location) ?? noSuchFunction(name, argExprs.map((a) => compileExpr(a, ctx).oid), location);
}

/** The rows one call yields for a row (strict functions yield none for a NULL argument). */
function callRows(call: BoundCall, row: Row, ctx: ExecContext): Iterator<SqlValue[]> {
  const values = call.args.map((a) => a(row, ctx));
  if (call.fn.strict && values.some((v) => v === null)) return [][Symbol.iterator]();
  return call.fn.rows(values, ctx)[Symbol.iterator]();
}

// ---------------------------------------------------------------------------------------------
// In FROM

export interface FunctionScanPlan {
  readonly columns: readonly { readonly name: string; readonly oid: number }[];
  readonly build: () => RowSource;
}

/**
 * `FROM f(…) [WITH ORDINALITY] [AS alias [(names)]]` and `ROWS FROM (f(…), g(…))`. A lone
 * function of one column is named after the alias (or the function); `unnest(a, b, …)` is
 * ROWS FROM (unnest(a), unnest(b), …), as PostgreSQL rewrites it.
 */
export function planFunctionScan(
  item: Extract<FromItem, { kind: 'function' }>, ctx: CompileContext,
): FunctionScanPlan {
  if (item.columnDefinitions !== undefined) return planRecordFunction(item, item.columnDefinitions, ctx);
  if (item.calls.length === 1 && populatesRecord(item.calls[0]!.name)) return planPopulateRecord(item, ctx);
  const sleep = planSleepScan(item, ctx);
  if (sleep) return sleep;
  const { columns, calls } = bindFunctionItem(item, ctx);
  return { columns, build: () => new FunctionScan(calls, item.ordinality) };
}

/**
 * The calls of a FROM item of built-in functions (neither a column definition list nor
 * json_populate_record), bound, with the item's columns as its aliases name them.
 */
export function bindFunctionItem(item: Extract<FromItem, { kind: 'function' }>, ctx: CompileContext): { columns: { name: string; oid: number }[]; calls: BoundCall[] } {
  let calls = item.calls;
  if (calls.length === 1 && calls[0]!.name === 'unnest' && calls[0]!.args.length > 1) {
    calls = calls[0]!.args.map((arg) => ({ name: 'unnest', args: [arg], location: calls[0]!.location }));
  }
  const bound = calls.map((call) => {
    if (returnsRecord(call.name)) throw new SqlError('42601', 'a column definition list is required for functions returning "record"', at(call.location));
    const b = bindSetCall(call.name, call.args, call.location, ctx);
    if (!b) {
      if (types.resolveFunction(call.name, call.args.map((a) => compileExpr(a, ctx).oid))) return bindScalarCall(call, ctx);
      throw noSuchSetFunction(call.name, call.args, call.location, ctx);
    }
    return b;
  });
  const relation = item.alias ?? item.name;
  const columns: { name: string; oid: number }[] = [];
  for (const b of bound) {
    for (const column of b.fn.columns) {
      columns.push({ name: column.name ?? (bound.length === 1 && b.fn.columns.length === 1 ? relation : b.fn.name), oid: column.oid });
    }
  }
  if (item.ordinality) columns.push({ name: 'ordinality', oid: TypeOid.int8 });
  applyColumnAliases(item, columns);
  return { columns, calls: bound };
}

/** Every row of a FROM item's calls for one input row, run side by side (catalog subqueries run them synchronously). */
export function functionItemRows(calls: readonly BoundCall[], ordinality: boolean, row: Row, ctx: ExecContext): SqlValue[][] {
  const iterators = calls.map((call) => callRows(call, row, ctx));
  const rows: SqlValue[][] = [];
  for (let next = zipNext(iterators, calls); next !== null; next = zipNext(iterators, calls)) {
    if (ordinality) next.push(BigInt(rows.length + 1));
    rows.push(next);
  }
  return rows;
}

/** `FROM f(…) AS r(a int, …)`: a function returning record, its columns as the list names them. */
function planRecordFunction(
  item: Extract<FromItem, { kind: 'function' }>, definitions: NonNullable<Extract<FromItem, { kind: 'function' }>['columnDefinitions']>, ctx: CompileContext,
): FunctionScanPlan {
  const call = item.calls[0]!;
  if (item.calls.length !== 1) throw new SqlError('0A000', 'a column definition list with ROWS FROM is not supported', at(call.location));
  if (item.ordinality) throw new SqlError('42601', 'WITH ORDINALITY cannot be used with a column definition list', at(definitions[0]!.location));
  const names = new Set<string>();
  const columns: DefinedColumn[] = definitions.map((d) => {
    if (names.has(d.name)) throw new SqlError('42701', `column name "${d.name}" specified more than once`);
    names.add(d.name);
    return { name: d.name, ...types.resolveTypeName(d.type) };
  });
  const args = call.args.map((a) => compileExpr(a, ctx));
  const fn = args.length === 1 ? recordFunction(call.name, args[0]!.oid, columns) : null;
  if (fn === null) {
    if (returnsRecord(call.name) || !(resolveSetFunction(call.name, args.map((a) => a.oid)) || types.resolveFunction(call.name, args.map((a) => a.oid)))) {
      throw noSuchSetFunction(call.name, call.args, call.location, ctx);
    }
    throw new SqlError('42601', 'a column definition list is only allowed for functions returning "record"', at(definitions[0]!.location));
  }
  const arg = coerce(args[0]!, fn.args[0]!, -1, 'implicit', args[0]!.location >= 0 ? args[0]!.location : call.location);
  const bound: BoundCall = { fn, args: [arg.eval] };
  // (The grammar takes no column aliases beside a definition list: `AS r(a int)` is the list.)
  return { columns: columns.map((c) => ({ name: c.name, oid: c.oid })), build: () => new FunctionScan([bound], false) };
}

/**
 * `FROM json(b)_populate_record[set](NULL::t, json)`: the rows of table t's type read from the
 * json, as json(b)_to_record[set] with t's columns for a definition list — the idiom for writing
 * a batch of json objects into t. A base row other than NULL (whose fields fill missing keys) is
 * not supported yet.
 */
function planPopulateRecord(item: Extract<FromItem, { kind: 'function' }>, ctx: CompileContext): FunctionScanPlan {
  const call = item.calls[0]!;
  const base = call.args[0];
  const nullOfType = base?.kind === 'cast' && base.arg.kind === 'const' && base.arg.literal === 'null' ? base.type : null;
  const table = nullOfType ? rowTypeTable(nullOfType, ctx) : undefined;
  if (nullOfType && !table) {
    types.resolveTypeName(nullOfType); // 42704 for a name that is no type
    throw new SqlError('42804', `first argument of ${call.name.toLowerCase()} must be a row type`);
  }
  if (call.args.length !== 2 || !table || item.ordinality) {
    throw new SqlError('0A000', `${call.name}() is supported in FROM with NULL::table as its first argument only`, at(call.location));
  }
  const columns: DefinedColumn[] = table.columns.map((c) => ({ name: c.name, oid: c.typeOid, typmod: c.typmod }));
  const json = compileExpr(call.args[1]!, ctx);
  const fn = recordFunction(call.name, json.oid, columns);
  if (!fn) throw noSuchFunction(call.name, [TypeOid.record, json.oid], call.location);
  const arg = coerce(json, fn.args[0]!, -1, 'implicit', json.location >= 0 ? json.location : call.location);
  if (item.columnAliases.length > columns.length) applyColumnAliases(item, columns);
  const names = columns.map((c, i) => item.columnAliases[i] ?? c.name);
  return { columns: columns.map((c, i) => ({ name: names[i]!, oid: c.oid })), build: () => new FunctionScan([{ fn, args: [arg.eval] }], false) };
}

/** The table a type name names (a table's row type), on the search path; undefined for any other type. */
function rowTypeTable(name: TypeName, ctx: CompileContext): TableInfo | undefined {
  if (!ctx.catalog || name.arrayBounds > 0) return undefined;
  const parts = name.names;
  const table = parts[parts.length - 1]!;
  const schemas = parts.length > 1 ? [parts[parts.length - 2]!] : [ctx.currentSchema, ...(ctx.searchPath ?? [])];
  for (const schema of schemas) {
    const found = ctx.catalog.table(schema, table);
    if (found) return found;
  }
  return undefined;
}

/** Runs the calls of a FROM item side by side, once (lateral references are outer rows). */
class FunctionScan implements RowSource {
  private iterators: Iterator<SqlValue[]>[] | null = null;
  private ordinal = 0;
  private done = false;
  constructor(private readonly calls: readonly BoundCall[], private readonly ordinality: boolean) {}

  explain(): ExplainInfo {
    return { label: `Function Scan on ${this.calls.map((c) => c.fn.name).join(', ')}`, children: [] };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    if (this.done) return null;
    await breathe(rt);
    this.iterators ??= this.calls.map((call) => callRows(call, [], rt.ctx));
    const rows: Row[] = [];
    while (rows.length < ROWS_PER_BATCH) {
      const row = zipNext(this.iterators, this.calls);
      if (row === null) { this.done = true; break; }
      if (this.ordinality) row.push(BigInt(++this.ordinal));
      rows.push(row);
    }
    return rows.length > 0 ? rows : null;
  }
}

/** The next row of calls run side by side: NULLs for those already done; null when all are. */
function zipNext(iterators: Iterator<SqlValue[]>[], calls: readonly BoundCall[]): Row | null {
  const row: Row = [];
  let any = false;
  for (let i = 0; i < iterators.length; i++) {
    const step = iterators[i]!.next();
    if (step.done) {
      for (let c = 0; c < calls[i]!.fn.columns.length; c++) row.push(null);
    } else {
      any = true;
      for (const v of step.value) row.push(v);
    }
  }
  return any ? row : null;
}

// ---------------------------------------------------------------------------------------------
// In the select list

/** Set-returning calls of a select list (and its ORDER BY): their values follow `base`. */
export class SrfCollector {
  readonly calls: BoundCall[] = [];
  /** Each call's level: 1, or one more than the deepest call in its arguments. */
  readonly levels: number[] = [];
  /** Width of the rows the calls read: their values go after it. Set by the planner. */
  base = 0;
  get empty(): boolean {
    return this.calls.length === 0;
  }
}

/** The ProjectSets of a select list's calls, one per level, the lowest first. */
export function projectSets(source: RowSource, collector: SrfCollector): RowSource {
  const deepest = Math.max(...collector.levels);
  for (let level = 1; level <= deepest; level++) source = new ProjectSet(source, collector, level);
  return source;
}

/**
 * A set-returning call where a select list may have one: compiled into the collector, and an
 * expression reading the value the ProjectSet puts in the row. Elsewhere, PostgreSQL's error.
 */
export function compileSetCall(expr: FuncExpr, ctx: CompileContext): CompiledExpr | null {
  const lower = expr.name.toLowerCase();
  if (!isSetReturning(lower)) return null;
  if (ctx.srfBlockedBy) {
    throw new SqlError('0A000', `set-returning functions are not allowed in ${ctx.srfBlockedBy}`, {
      ...at(expr.location), hint: 'You might be able to move the set-returning function into a LATERAL FROM item.',
    });
  }
  if (ctx.clause === 'aggregate function calls') {
    throw new SqlError('0A000', 'aggregate function calls cannot contain set-returning function calls', {
      ...at(expr.location), hint: 'You might be able to move the set-returning function into a LATERAL FROM item.',
    });
  }
  if (ctx.clause === 'window functions') {
    throw new SqlError('0A000', 'window function calls cannot contain set-returning function calls', {
      ...at(expr.location), hint: 'You might be able to move the set-returning function into a LATERAL FROM item.',
    });
  }
  if (!ctx.srfs) throw new SqlError('0A000', `set-returning functions are not allowed in ${ctx.clause}`, at(expr.location));
  if (expr.star || expr.distinct || expr.filter) {
    throw new SqlError('42809', `${expr.star ? '*' : expr.distinct ? 'DISTINCT' : 'FILTER'} specified, but ${expr.name} is not an aggregate function`, at(expr.location));
  }
  const collector = ctx.srfs;
  // Calls in the arguments join the collector first, at lower levels.
  const firstNested = collector.calls.length;
  const bound = bindSetCall(lower, expr.args, expr.location, ctx);
  if (!bound) throw noSuchSetFunction(expr.name, expr.args, expr.location, ctx);
  const index = collector.calls.length;
  collector.calls.push(bound);
  collector.levels.push(1 + Math.max(0, ...collector.levels.slice(firstNested)));
  const base = { typmod: -1, eval: (row: Row) => row[collector.base + index]!, rowIndependent: false, name: lower, weakName: false, location: expr.location };
  // One returning several columns (jsonb_each) gives a row value, whose fields `(f(x)).key` names.
  if (bound.fn.columns.length !== 1) return { ...base, oid: TypeOid.record, record: recordFields(bound) };
  return { ...base, oid: bound.fn.columns[0]!.oid };
}

function recordFields(call: BoundCall): RecordField[] {
  return call.fn.columns.map((c, i) => ({ name: c.name ?? `f${i + 1}`, oid: c.oid, typmod: -1 }));
}

/** The next value of each select-list call: a row value for one of several columns, NULL once it is done. */
function nextValues(iterators: Iterator<SqlValue[]>[], fields: readonly (RecordField[] | null)[]): SqlValue[] | null {
  const values: SqlValue[] = [];
  let any = false;
  for (let i = 0; i < iterators.length; i++) {
    const step = iterators[i]!.next();
    if (step.done) {
      values.push(null);
    } else {
      any = true;
      const f = fields[i];
      values.push(f ? new RecordValue(f, step.value) : step.value[0]!);
    }
  }
  return any ? values : null;
}

/**
 * Expands each input row by one level's set-returning calls, run side by side. Rows leave with
 * a slot for every call of the select list: the lowest level makes them, each level fills its own.
 */
class ProjectSet implements RowSource {
  private inputs: Row[] = [];
  private index = 0;
  private current: { row: Row; iterators: Iterator<SqlValue[]>[] } | null = null;
  private readonly slots: number[] = [];
  private readonly calls: BoundCall[] = [];
  /** Each call's row fields, for those returning several columns (null: one value). */
  private readonly fields: (RecordField[] | null)[] = [];
  constructor(private readonly source: RowSource, private readonly collector: SrfCollector, private readonly level: number) {
    collector.levels.forEach((l, i) => { if (l === level) { this.slots.push(i); this.calls.push(collector.calls[i]!); } });
    this.fields = this.calls.map((call) => (call.fn.columns.length === 1 ? null : recordFields(call)));
  }

  explain(): ExplainInfo {
    return { label: 'ProjectSet', children: [this.source] };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    const { calls, slots, level } = this;
    const base = this.collector.base;
    const width = base + this.collector.calls.length;
    const out: Row[] = [];
    for (;;) {
      while (out.length < ROWS_PER_BATCH) {
        if (!this.current) {
          if (this.index >= this.inputs.length) break;
          const row = this.inputs[this.index++]!;
          this.current = { row, iterators: calls.map((call) => callRows(call, row, rt.ctx)) };
        }
        // A row whose calls all return nothing produces no rows.
        const values = nextValues(this.current.iterators, this.fields);
        if (values === null) { this.current = null; continue; }
        const expanded = level === 1 ? this.current.row.slice(0, base) : this.current.row.slice();
        while (expanded.length < width) expanded.push(null);
        for (let k = 0; k < slots.length; k++) expanded[base + slots[k]!] = values[k]!;
        out.push(expanded);
      }
      if (out.length >= ROWS_PER_BATCH) return out;
      const batch = await this.source.next(rt);
      if (!batch) return out.length > 0 ? out : null;
      this.inputs = batch;
      this.index = 0;
    }
  }
}
