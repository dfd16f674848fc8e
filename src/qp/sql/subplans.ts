import { SqlError } from '../../contracts/errors.js';
import { RecordValue, TypeOid, type RecordField, type SqlValue } from '../../contracts/sql-value.js';
import { formatArray, requireType, typeByOid } from '../types/index.js';
import type { Expr, SelectStatement } from './ast.js';
import { applyOperator, coerce, compileExpr, type CompileContext } from './compile.js';
import type { CompiledExpr, Evaluator, ExecContext } from './compiled.js';
import type { ExplainInfo, Row, RowSource, Runtime } from './operators.js';
import type { Scope } from './scope.js';
import { rowComparison } from './row-values.js';
import * as types from './typesystem.js';
import { compileHashedExists, planHashedExists } from './hashed-exists.js';

/**
 * Subqueries in expressions over tables — (SELECT …), EXISTS, ARRAY(…), IN/ANY/ALL (…).
 *
 * Expressions evaluate synchronously, but reading a table is asynchronous. So each subquery is
 * planned as a query of its own (a subplan), and an ApplySubplans operator, placed below the
 * operator that evaluates the expressions (Filter for WHERE, Project for the select list), runs
 * a row's subplans first and appends their results to the row, where the compiled subquery
 * expression finds them. A subplan that names no column of an enclosing query runs once per
 * execution (PostgreSQL's initplan); a correlated one runs per row, reading the enclosing rows
 * from `ExecContext.outerRows`.
 *
 * Subplans run eagerly: a subquery in a CASE branch that is not taken still runs (PostgreSQL
 * would skip it), so its errors can surface where PostgreSQL's would not.
 */

export type SubplanMode = 'scalar' | 'exists' | 'list';

export interface PlannedSubplan {
  readonly columns: readonly { readonly name: string; readonly oid: number; readonly typmod: number }[];
  readonly build: () => RowSource;
}

interface Subplan {
  readonly plan: PlannedSubplan;
  readonly mode: SubplanMode;
  readonly correlated: boolean;
  /** Set for a row comparison: each result row is kept whole, as a record of these fields. */
  readonly record?: readonly RecordField[];
  /** A correlated EXISTS run once as a hash set of its inner keys (hashed-exists.ts): EXPLAIN says so. */
  readonly hashedExists?: boolean;
}

/** Plans a subquery with `outer` as the scope its outer references resolve in. */
export type SubqueryPlanner = (select: SelectStatement, outer: Scope, correlation: { correlated: boolean }) => PlannedSubplan;

/** Where one evaluation point (a WHERE, a select list) collects the subplans its expressions use. */
export class SubplanCollector {
  readonly subplans: Subplan[] = [];
  /** Width of the rows the expressions evaluate against: results go after it. Set by the planner. */
  base = 0;
  /** The slot of each whole-row subquery node compiled here: SET (a, b) = (SELECT …) runs it once. */
  readonly wholeRows = new Map<object, CompiledExpr>();

  add(subplan: Subplan): number {
    this.subplans.push(subplan);
    return this.subplans.length - 1;
  }

  get empty(): boolean {
    return this.subplans.length === 0;
  }
}

/** What a compile context carries so that subqueries over tables can be planned in it. */
export interface SubqueryHost {
  readonly collector: SubplanCollector;
  /** The scope outer references resolve in: the rows at this evaluation point. */
  readonly outer: Scope;
  readonly plan: SubqueryPlanner;
  /** Whether a WITH query of that name is visible where the subquery is planned (absent: unknown). */
  readonly isWithQuery?: (name: string) => boolean;
}

type SubqueryExpr = Extract<Expr, { kind: 'subquery' }>;

const at = (location: number) => (location >= 0 ? { position: location + 1 } : {});

export function compileSubplan(expr: SubqueryExpr, ctx: CompileContext, host: SubqueryHost): CompiledExpr {
  if (expr.wholeRow) return compileWholeRow(expr, host);
  const correlation = { correlated: false };
  // (An EXISTS subquery comes here without what PostgreSQL throws away unplanned: exists-query.ts.)
  const plan = host.plan(expr.select!, host.outer, correlation);
  if (expr.rowCompare) return compileRowSubplan(expr, plan, correlation.correlated, ctx, host);
  if (expr.mode === 'exists' && correlation.correlated) {
    const hashed = planHashedExists(expr.select!, plan, ctx, host);
    if (hashed) {
      const record = hashed.plan.columns.map((c) => ({ name: c.name, oid: c.oid, typmod: c.typmod }));
      const index = host.collector.add({ plan: hashed.plan, mode: 'list', correlated: false, record, hashedExists: true });
      return compileHashedExists(hashed, subplanSlot(host.collector, index), expr.location);
    }
  }
  if (expr.mode !== 'exists' && plan.columns.length !== 1) {
    const quantified = expr.mode === 'any' || expr.mode === 'all';
    const message = quantified ? `subquery has too ${plan.columns.length > 1 ? 'many' : 'few'} columns` : 'subquery must return only one column';
    throw new SqlError('42601', message, at(expr.location));
  }
  const mode: SubplanMode = expr.mode === 'exists' ? 'exists' : expr.mode === 'scalar' ? 'scalar' : 'list';
  const index = host.collector.add({ plan, mode, correlated: correlation.correlated });
  const collector = host.collector;
  const slot: Evaluator = (row) => {
    const result = row[collector.base + index]!;
    if (result instanceof DeferredError) throw result.error;
    return result;
  };
  const base = { rowIndependent: false, location: expr.location };
  switch (expr.mode) {
    case 'exists': return { ...base, oid: TypeOid.bool, typmod: -1, eval: slot, name: 'exists' };
    case 'scalar': return { ...base, oid: plan.columns[0]!.oid, typmod: plan.columns[0]!.typmod, eval: slot, name: plan.columns[0]!.name, weakName: false };
    case 'array': return compileArray(plan.columns[0]!.oid, slot, expr.location);
    case 'any':
    case 'all': return compileQuantified(expr, plan.columns[0]!.oid, slot, ctx);
  }
}

/** `SET (a, b) = (SELECT x, y …)`'s subquery: its one row (or NULL) as a record of fields f1, f2, …, planned and run once. */
function compileWholeRow(expr: SubqueryExpr, host: SubqueryHost): CompiledExpr {
  const known = host.collector.wholeRows.get(expr);
  if (known) return known;
  const correlation = { correlated: false };
  const plan = host.plan(expr.select!, host.outer, correlation);
  const record = plan.columns.map((c, i) => ({ name: `f${i + 1}`, oid: c.oid, typmod: c.typmod }));
  const slot = subplanSlot(host.collector, host.collector.add({ plan, mode: 'scalar', correlated: correlation.correlated, record }));
  const compiled: CompiledExpr = { oid: TypeOid.record, typmod: -1, record, eval: slot, rowIndependent: false, name: '?column?', location: expr.location };
  host.collector.wholeRows.set(expr, compiled);
  return compiled;
}

/**
 * `(a, b) op ANY/ALL (SELECT x, y …)` and `(a, b) op (SELECT x, y …)` (at most one row; none is
 * NULL): the subplan keeps each result row whole, and row-values.ts compares it pair by pair.
 */
function compileRowSubplan(expr: SubqueryExpr, plan: PlannedSubplan, correlated: boolean, ctx: CompileContext, host: SubqueryHost): CompiledExpr {
  const leftExpr = expr.left!;
  const left = (leftExpr.kind === 'row' ? leftExpr.args : [leftExpr]).map((e) => compileExpr(e, ctx));
  if (plan.columns.length !== left.length) {
    throw new SqlError('42601', `subquery has too ${plan.columns.length > left.length ? 'many' : 'few'} columns`, at(expr.location));
  }
  const fields = plan.columns.map((c) => ({ name: c.name, oid: c.oid, typmod: c.typmod }));
  const mode: SubplanMode = expr.mode === 'scalar' ? 'scalar' : 'list';
  const slot = subplanSlot(host.collector, host.collector.add({ plan, mode, correlated, record: fields }));
  let current: RecordValue | null = null;
  const test = rowComparison(expr.op!, left, plan.columns, () => current!, ctx, expr.location);
  if (expr.mode === 'any' && expr.op === '=' && left.every((l, i) => l.oid === plan.columns[i]!.oid)) return compileHashedRowIn(left, slot, test, (r) => { current = r; }, expr.location);
  const all = expr.mode === 'all';
  const evaluator: Evaluator = expr.mode === 'scalar'
    ? (row, c) => {
      current = slot(row, c) as RecordValue | null;
      return current === null ? null : test(row, c);
    }
    : (row, c) => {
      const rows = slot(row, c) as unknown as RecordValue[];
      let sawNull = false;
      for (const r of rows) {
        current = r;
        const result = test(row, c);
        if (result === null) sawNull = true;
        else if (result === !all) return !all;
      }
      return sawNull ? null : all;
    };
  return { oid: TypeOid.bool, typmod: -1, eval: evaluator, rowIndependent: false, name: '?column?', location: expr.location };
}

/**
 * `(a, b) IN (SELECT x, y …)` with the same types on both sides: a hash set of the result rows
 * without NULL fields, built once per result, so each row is one lookup. Result rows with a NULL
 * field, and a left row with one, go through the pair-by-pair comparison (`test`, reading the
 * row `select` sets), which keeps SQL's NULL answers.
 */
function compileHashedRowIn(left: readonly CompiledExpr[], slot: Evaluator, test: Evaluator, select: (row: RecordValue) => void, location: number): CompiledExpr {
  const oids = left.map((l) => l.oid);
  const n = left.length;
  const sets = new WeakMap<RecordValue[], { keys: Set<string>; withNulls: RecordValue[] }>();
  const values: SqlValue[] = new Array(n);
  const slow = (rows: readonly RecordValue[], row: Row, c: ExecContext): SqlValue => {
    let sawNull = false;
    for (const r of rows) {
      select(r);
      const result = test(row, c);
      if (result === true) return true;
      if (result === null) sawNull = true;
    }
    return sawNull ? null : false;
  };
  const evaluator: Evaluator = (row, c) => {
    const rows = slot(row, c) as unknown as RecordValue[];
    if (rows.length === 0) return false;
    let leftNull = false;
    for (let i = 0; i < n; i++) {
      values[i] = left[i]!.eval(row, c);
      if (values[i] === null) leftNull = true;
    }
    if (leftNull) return slow(rows, row, c);
    let set = sets.get(rows);
    if (!set) {
      set = { keys: new Set(), withNulls: [] };
      for (const r of rows) {
        if (r.values.some((v) => v === null)) set.withNulls.push(r);
        else set.keys.add(types.groupKey(oids, r.values, n));
      }
      sets.set(rows, set);
    }
    if (set.keys.has(types.groupKey(oids, values, n))) return true;
    return set.withNulls.length === 0 ? false : slow(set.withNulls, row, c);
  };
  return { oid: TypeOid.bool, typmod: -1, eval: evaluator, rowIndependent: false, name: '?column?', location };
}

/** The evaluator that reads subplan `index`'s result from the row, raising its deferred error. */
export function subplanSlot(collector: SubplanCollector, index: number): Evaluator {
  return (row) => {
    const result = row[collector.base + index]!;
    if (result instanceof DeferredError) throw result.error;
    return result;
  };
}

/**
 * Runs a collector's subplans for one row where there is no operator tree to put ApplySubplans
 * in (INSERT's VALUES rows and column defaults): the row extended with their results.
 */
export async function applySubplansToRow(collector: SubplanCollector, row: Row, rt: Runtime): Promise<Row> {
  const { subplans, base } = collector;
  const extended: Row = row.slice(0, base);
  for (let k = 0; k < subplans.length; k++) extended[base + k] = (await run(subplans[k]!, row, rt)) as SqlValue;
  return extended;
}

/** VALUES rows whose expressions hold subqueries: the subplans run once, then every row reads their results. */
export class ValuesWithSubplans implements RowSource {
  private done = false;
  constructor(private readonly rows: readonly (readonly Evaluator[])[], private readonly collector: SubplanCollector) {}

  explain(): ExplainInfo {
    return { label: `Values Scan (${this.rows.length} rows)`, children: this.collector.subplans.map((s) => s.plan.build()) };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    if (this.done) return null;
    this.done = true;
    const results = await applySubplansToRow(this.collector, [], rt);
    return this.rows.map((exprs) => exprs.map((e) => e(results, rt.ctx)));
  }
}

/** ARRAY(SELECT …): arrays are held as canonical text. */
function compileArray(elementOid: number, slot: Evaluator, location: number): CompiledExpr {
  const element = types.allTypes().find((t) => t.oid === elementOid);
  if (!element || element.array === 0 || typeByOid(element.array) === undefined) {
    throw new SqlError('0A000', `arrays of type ${types.formatType(elementOid, -1)} are not supported`, at(location));
  }
  const elementType = requireType(elementOid);
  const evaluator: Evaluator = (row, c) => formatArray(slot(row, c) as unknown as SqlValue[], elementType);

  return { oid: element.array, typmod: -1, eval: evaluator, rowIndependent: false, name: 'array', location };
}

/** `left op ANY (SELECT …)` / `left op ALL (SELECT …)`, IN being `= ANY`: SQL's three-valued result. */
function compileQuantified(expr: SubqueryExpr, elementOid: number, slot: Evaluator, ctx: CompileContext): CompiledExpr {
  let left = compileExpr(expr.left!, ctx);
  if (left.oid === TypeOid.unknown && elementOid !== TypeOid.unknown) left = coerce(left, elementOid, -1, 'implicit', left.location);
  let current: SqlValue = null;
  const element: CompiledExpr = { oid: elementOid, typmod: -1, eval: () => current, rowIndependent: false, name: '?column?', location: expr.location };
  const compare = applyOperator(expr.op!, left, element, ctx, expr.location);
  if (compare.oid !== TypeOid.bool) throw new SqlError('42809', 'op ANY/ALL (subquery) requires operator to yield boolean', at(expr.location));
  const test = compare.eval;
  const all = expr.mode === 'all';
  const value = left.eval;
  if (expr.op === '=' && !all && left.oid === elementOid) return compileHashedIn(left, elementOid, slot, expr.location);
  const evaluator: Evaluator = (row, c) => {
    const values = slot(row, c) as unknown as SqlValue[];
    if (values.length === 0) return all;
    if (value(row, c) === null) return null;
    let sawNull = false;
    for (const v of values) {
      current = v;
      const result = v === null ? null : test(row, c);
      if (result === null) sawNull = true;
      else if (result === !all) return !all;
    }
    return sawNull ? null : all;
  };
  return { oid: TypeOid.bool, typmod: -1, eval: evaluator, rowIndependent: false, name: '?column?', location: expr.location };
}

/**
 * `x IN (SELECT …)` of one type on both sides: a hash set of the subquery's values, built once
 * per result (an uncorrelated subquery's result is the same array for every row), so each row
 * is one lookup instead of a walk over the list. NULLs keep SQL's answer: no match and a NULL
 * among the values, or a NULL x, is NULL.
 */
function compileHashedIn(left: CompiledExpr, oid: number, slot: Evaluator, location: number): CompiledExpr {
  const sets = new WeakMap<SqlValue[], { keys: Set<string>; sawNull: boolean }>();
  const value = left.eval;
  const evaluator: Evaluator = (row, c) => {
    const values = slot(row, c) as unknown as SqlValue[];
    if (values.length === 0) return false;
    const v = value(row, c);
    if (v === null) return null;
    let set = sets.get(values);
    if (!set) {
      set = { keys: new Set(), sawNull: false };
      for (const element of values) {
        if (element === null) set.sawNull = true;
        else set.keys.add(types.groupKey([oid], [element], 1));
      }
      sets.set(values, set);
    }
    if (set.keys.has(types.groupKey([oid], [v], 1))) return true;
    return set.sawNull ? null : false;
  };
  return { oid: TypeOid.bool, typmod: -1, eval: evaluator, rowIndependent: false, name: '?column?', location };
}

/** Runs each row's subplans and appends their results (see the top of this file). */
export class ApplySubplans implements RowSource {
  /** Results of uncorrelated subplans, computed once for this execution. */
  private readonly once = new Map<number, unknown>();

  constructor(private readonly source: RowSource, private readonly collector: SubplanCollector) {}

  explain(): ExplainInfo {
    const { subplans } = this.collector;
    return {
      label: 'SubPlan Apply',
      details: subplans.map((s, i) => `SubPlan ${i + 1}: ${s.hashedExists ? 'hashed exists' : s.mode}, ${s.correlated ? 'per row' : 'once'}`),
      children: [this.source, ...subplans.map((s) => s.plan.build())],
    };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    const batch = await this.source.next(rt);
    if (!batch) return null;
    const { subplans, base } = this.collector;
    const out: Row[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const row = batch[i]!;
      const extended: Row = row.length === base ? row.slice() : row.slice(0, base);
      for (let k = 0; k < subplans.length; k++) {
        const subplan = subplans[k]!;
        let result = subplan.correlated ? undefined : this.once.get(k);
        if (result === undefined) {
          result = await run(subplan, row, rt);
          if (!subplan.correlated) this.once.set(k, result);
        }
        extended[base + k] = result as SqlValue;
      }
      out[i] = extended;
    }
    return out;
  }
}

/**
 * A subplan's error, raised only when its expression reads the result: PostgreSQL runs a
 * subquery only when it is needed, so one in an untaken CASE branch raises nothing there.
 */
class DeferredError {
  constructor(readonly error: SqlError) {}
}

async function run(subplan: Subplan, outerRow: Row, rt: Runtime): Promise<unknown> {
  try {
    return await runSubplan(subplan, outerRow, rt);
  } catch (error) {
    if (error instanceof SqlError && error.code !== '57014') return new DeferredError(error);
    throw error;
  }
}

/**
 * A runtime for a query run for one row of an enclosing one: the row joins the enclosing rows;
 * cancellation stays the statement's.
 */
export function withOuterRow(rt: Runtime, outerRow: Row): Runtime {
  const sub = Object.create(rt) as Runtime;
  Object.defineProperty(sub, 'ctx', { value: { ...rt.ctx, outerRows: [...(rt.ctx.outerRows ?? []), outerRow] } });
  return sub;
}

async function runSubplan(subplan: Subplan, outerRow: Row, rt: Runtime): Promise<unknown> {
  const sub = withOuterRow(rt, outerRow);
  const source = subplan.plan.build();
  if (subplan.mode === 'exists') {
    for (let batch = await source.next(sub); batch; batch = await source.next(sub)) if (batch.length > 0) return true;
    return false;
  }
  const values: SqlValue[] = [];
  for (let batch = await source.next(sub); batch; batch = await source.next(sub)) {
    const record = subplan.record;
    if (record) for (const r of batch) values.push(new RecordValue(record, r.slice(0, record.length)));
    else for (const r of batch) values.push(r[0]!);
    if (subplan.mode === 'scalar' && values.length > 1) throw new SqlError('21000', 'more than one row returned by a subquery used as an expression');
  }
  return subplan.mode === 'scalar' ? (values.length === 0 ? null : values[0]!) : values;
}

/**
 * One call of an asynchronous function (nextval, a relation size) for one row, run as a per-row
 * subplan: the row is the innermost of the runtime's outer rows, the call sees the ones outside it.
 */
export class RowCall implements RowSource {
  private done = false;

  constructor(private readonly label: string, private readonly call: (rt: Runtime, ctx: ExecContext, row: Row) => SqlValue | Promise<SqlValue>) {}

  explain(): ExplainInfo {
    return { label: this.label, children: [] };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    if (this.done) return null;
    this.done = true;
    const outer = rt.ctx.outerRows ?? [];
    const row = (outer[outer.length - 1] ?? []) as Row;
    const ctx: ExecContext = { ...rt.ctx, outerRows: outer.slice(0, -1) };
    return [[await this.call(rt, ctx, row)]];
  }
}
