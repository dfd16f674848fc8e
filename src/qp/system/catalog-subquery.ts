import { SqlError } from '../../contracts/errors.js';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import type { CatalogSnapshot } from '../catalog/catalog.js';
import type { Expr, FromItem, SelectStatement } from '../sql/ast.js';
import { applyOperator, coerce, coerceToBoolean, compileExpr, foldConstant, type CompileContext } from '../sql/compile.js';
import type { CompiledExpr, Evaluator, ExecContext } from '../sql/compiled.js';
import { containsAggregate, resolveRelation } from '../sql/relations.js';
import { Scope, type ScopeColumn } from '../sql/scope.js';
import * as types from '../sql/typesystem.js';
import { formatArray, requireType, splitArrayText, typeByOid } from '../types/index.js';
import { virtualTable } from './virtual-tables.js';
import { bindFunctionItem, functionItemRows } from '../sql/plan-srf.js';
import { populatesRecord } from '../sql/record-functions.js';
import { withInformationSchemaCalls } from '../sql/information-schema-functions.js';

/**
 * Subqueries in expressions — (SELECT …), ARRAY(SELECT …), EXISTS(SELECT …) — over system
 * catalogs, as psql's describe queries use them (correlated, e.g. the DEFAULT of each column).
 * Catalog rows are computed in memory from the snapshot, so the subquery runs synchronously
 * inside the expression, by nested loops. Any other subquery is refused with 0A000 — raised
 * when it is evaluated, so a subquery that never runs (a CASE branch over an always-empty
 * catalog) does not stop the statement. Not a hot path: catalogs are small.
 */
type SubqueryExpr = Extract<Expr, { kind: 'subquery' }>;
type AnyExpr = Extract<Expr, { kind: 'any' }>;

const at = (location: number) => (location >= 0 ? { position: location + 1 } : {});

function unsupported(message: string, location: number): SqlError {
  return new SqlError('0A000', message, at(location));
}

/** Resolves names in the subquery first, then in the enclosing query (correlation). */
class NestedScope extends Scope {
  constructor(columns: readonly ScopeColumn[], private readonly outer: Scope, readonly width: number) {
    super(columns);
  }

  override resolve(relation: string | null, name: string, location: number): ScopeColumn {
    try {
      return super.resolve(relation, name, location);
    } catch (error) {
      if (error instanceof SqlError && (error.code === '42703' || error.code === '42P01')) {
        try {
          return this.outer.resolve(relation, name, location);
        } catch {
          throw error;
        }
      }
      throw error;
    }
  }
}

function scopeWidth(scope: Scope): number {
  if (scope instanceof NestedScope) return scope.width;
  let width = 0;
  for (const c of scope.columns) width = Math.max(width, c.position + 1);
  return width;
}

/** Evaluated FROM: extends partial rows (outer prefix + columns so far) with the item's rows. */
type FromStep = (partials: SqlValue[][], c: ExecContext) => SqlValue[][];

interface FromPlan {
  readonly columns: ScopeColumn[];
  readonly step: FromStep;
}

/** Per-execution cache of catalog rows: a correlated subquery reads them once per statement. */
const rowCache = new WeakMap<ExecContext, Map<string, SqlValue[][]>>();

function catalogRows(c: ExecContext, key: string, compute: () => SqlValue[][]): SqlValue[][] {
  let cache = rowCache.get(c);
  if (!cache) { cache = new Map(); rowCache.set(c, cache); }
  let rows = cache.get(key);
  if (!rows) { rows = compute(); cache.set(key, rows); }
  return rows;
}

/**
 * `before`: the columns of the FROM items to the left, which a function's arguments may name
 * (as PostgreSQL's functions in FROM are implicitly LATERAL), as they may the enclosing query's.
 */
function planFromItem(item: FromItem, offset: number, ctx: CompileContext, catalog: CatalogSnapshot, outer: Scope, before: readonly ScopeColumn[] = []): FromPlan {
  if (item.kind === 'function') return planFunctionItem(item, offset, ctx, outer, before);
  if (item.kind === 'subquery') throw unsupported('subqueries in FROM are not supported in subqueries yet', item.location);
  if (item.kind === 'table') {
    const resolver = { catalog, searchPath: ctx.searchPath ?? [], virtual: virtualTable };
    const relation = resolveRelation(resolver, item.schema, item.name, item.location);
    if (relation.kind !== 'virtual') throw unsupported('subqueries are supported over system catalogs only', item.location);
    const table = relation.table;
    const name = item.alias ?? item.name;
    const columns = table.columns.map((col, i): ScopeColumn => ({ relation: name, name: col.name, oid: col.oid, typmod: -1, position: offset + i, tableOid: table.oid, columnNumber: i + 1 }));
    const key = `${table.schema}.${table.name}`;
    const step: FromStep = (partials, c) => {
      const rows = catalogRows(c, key, () => table.rows(catalog, { user: c.user }));
      const out: SqlValue[][] = [];
      for (const p of partials) for (const r of rows) out.push([...p, ...r]);
      return out;
    };
    return { columns, step };
  }
  if (item.joinType === 'full' || item.joinType === 'right') throw unsupported(`${item.joinType.toUpperCase()} JOIN is not supported in subqueries yet`, item.location);
  if (item.using || item.natural) throw unsupported('JOIN USING/NATURAL is not supported in subqueries yet', item.location);
  const left = planFromItem(item.left, offset, ctx, catalog, outer, before);
  const right = planFromItem(item.right, offset + left.columns.length, ctx, catalog, outer, [...before, ...left.columns]);
  const scope = new NestedScope([...left.columns, ...right.columns], outer, offset + left.columns.length + right.columns.length);
  const on = item.on ? coerceToBoolean(compileExpr(item.on, { ...ctx, scope, clause: 'JOIN/ON' }), 'JOIN/ON').eval : null;
  const rightWidth = right.columns.length;
  const step: FromStep = (partials, c) => {
    const out: SqlValue[][] = [];
    for (const p of left.step(partials, c)) {
      let matched = false;
      for (const row of right.step([p], c)) {
        if (on && on(row, c) !== true) continue;
        matched = true;
        out.push(row);
      }
      if (!matched && item.joinType === 'left') out.push([...p, ...new Array<SqlValue>(rightWidth).fill(null)]);
    }
    return out;
  };
  return { columns: [...left.columns, ...right.columns], step };
}

/**
 * A built-in set-returning function in FROM (`unnest(c.conkey) WITH ORDINALITY cols(colid, arridx)`,
 * as Django's get_constraints reads a constraint's columns in order): its rows for each partial row,
 * its arguments evaluated over that row.
 */
function planFunctionItem(given: Extract<FromItem, { kind: 'function' }>, offset: number, ctx: CompileContext, outer: Scope, before: readonly ScopeColumn[]): FromPlan {
  const { item, unreachable } = withInformationSchemaCalls(given, ctx.searchPath ?? []);
  if (unreachable || item.columnDefinitions !== undefined || item.calls.some((call) => call.schema !== undefined || populatesRecord(call.name))) {
    throw unsupported('this form of function in FROM is not supported in subqueries yet', item.location);
  }
  const scope = new NestedScope([...before], outer, offset);
  const { columns, calls } = bindFunctionItem(item, { ...ctx, scope, clause: 'functions in FROM', srfs: undefined });
  const relation = item.alias ?? item.name;
  const scoped = columns.map((col, i): ScopeColumn => ({ relation, name: col.name, oid: col.oid, typmod: -1, position: offset + i, tableOid: 0, columnNumber: 0 }));
  const step: FromStep = (partials, c) => {
    const out: SqlValue[][] = [];
    for (const p of partials) for (const r of functionItemRows(calls, item.ordinality, p, c)) out.push([...p, ...r]);
    return out;
  };
  return { columns: scoped, step };
}

function checkForm(select: SelectStatement, mode: SubqueryExpr['mode'], location: number): void {
  if (select.setOperation || select.values) throw unsupported('this form of subquery is not supported yet', location);
  if (select.groupBy.length > 0 || select.having || select.distinct || select.limit || select.offset || select.locking !== null) {
    throw unsupported('GROUP BY, DISTINCT, LIMIT and OFFSET are not supported in subqueries yet', location);
  }
  if (select.targets.some((t) => t.expr.kind === 'star' || containsAggregate(t.expr, types.isAggregate))) {
    throw unsupported('aggregates and * are not supported in subqueries yet', location);
  }
  if (mode !== 'exists' && select.targets.length !== 1) throw new SqlError('42601', 'subquery must return only one column', at(location));
  if (mode === 'scalar' && select.orderBy.length > 0) throw unsupported('ORDER BY in a scalar subquery is not supported yet', location);
}

interface PlannedSubquery {
  readonly target: CompiledExpr | null;
  readonly rows: (outer: SqlValue[], c: ExecContext) => SqlValue[][];
  readonly orderKeys: { eval: Evaluator; compare: (a: SqlValue, b: SqlValue) => number; descending: boolean; nullsFirst: boolean }[];
}

function planSubquery(select: SelectStatement, mode: SubqueryExpr['mode'], ctx: CompileContext, location: number): PlannedSubquery {
  if (!ctx.catalog) throw unsupported('subqueries are not supported here', location);
  if (ctx.aggregates || ctx.groupSlots) throw unsupported('subqueries are not supported in grouped queries yet', location);
  checkForm(select, mode, location);
  const outer = ctx.scope;
  const offset = scopeWidth(outer);
  const froms = select.from.map((item) => item);
  let item: FromItem | null = froms[0] ?? null;
  for (let i = 1; i < froms.length; i++) item = { kind: 'join', joinType: 'cross', left: item!, right: froms[i]!, on: null, using: null, natural: false, location: -1 };
  const from = item ? planFromItem(item, offset, ctx, ctx.catalog, outer) : { columns: [], step: ((p) => p) as FromStep };
  const scope = new NestedScope(from.columns, outer, offset + from.columns.length);
  const inner: CompileContext = { ...ctx, scope, clause: 'WHERE', inputScope: undefined };
  const where = select.where ? coerceToBoolean(compileExpr(select.where, inner), 'WHERE').eval : null;
  let target: CompiledExpr | null = null;
  if (mode !== 'exists') {
    target = compileExpr(select.targets[0]!.expr, { ...inner, clause: 'SELECT' });
    if (target.oid === TypeOid.unknown) target = coerce(target, TypeOid.text, -1, 'implicit', target.location);
  }
  const orderKeys = select.orderBy.map((s) => {
    const e = s.expr.kind === 'const' && s.expr.literal === 'integer' && s.expr.text === '1' ? target! : compileExpr(s.expr, { ...inner, clause: 'ORDER BY' });
    return { eval: e.eval, compare: types.comparator(e.oid), descending: s.descending, nullsFirst: s.nullsFirst ?? s.descending };
  });
  const rows = (outerRow: SqlValue[], c: ExecContext): SqlValue[][] => {
    const prefix = outerRow.slice(0, offset);
    while (prefix.length < offset) prefix.push(null);
    const all = from.step([prefix], c);
    return where ? all.filter((r) => where(r, c) === true) : all;
  };
  return { target, rows, orderKeys };
}

function sortRows(rows: SqlValue[][], keys: PlannedSubquery['orderKeys'], c: ExecContext): SqlValue[][] {
  if (keys.length === 0) return rows;
  const keyed = rows.map((r) => ({ r, k: keys.map((key) => key.eval(r, c)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const x = a.k[i]!, y = b.k[i]!;
      if (x === null || y === null) {
        if (x === y) continue;
        return (x === null) === key.nullsFirst ? -1 : 1;
      }
      const d = key.compare(x, y);
      if (d !== 0) return key.descending ? -d : d;
    }
    return 0;
  });
  return keyed.map((k) => k.r);
}

function failing(error: SqlError, oid: number, location: number): CompiledExpr {
  return { oid, typmod: -1, eval: () => { throw error; }, rowIndependent: false, name: '?column?', location };
}

export function compileCatalogSubquery(expr: SubqueryExpr, ctx: CompileContext): CompiledExpr {
  // `x IN (SELECT …)` / `x op ANY|ALL (SELECT …)`: the operator over the subquery's values, as over an ARRAY(SELECT …).
  if ((expr.mode === 'any' || expr.mode === 'all') && expr.left && expr.op) {
    const values = compileCatalogSubquery({ ...expr, mode: 'array' }, ctx);
    return quantifiedOverArray(compileExpr(expr.left, ctx), expr.op, expr.mode === 'all', values, ctx, expr.location);
  }
  const name = expr.mode === 'array' ? 'array' : expr.mode === 'exists' ? 'exists' : '?column?';
  if (!expr.select) return failing(unsupported(expr.unsupported ?? 'this subquery is not supported', expr.location), TypeOid.text, expr.location);
  let planned: PlannedSubquery;
  try {
    planned = planSubquery(expr.select, expr.mode, ctx, expr.location);
  } catch (error) {
    if (error instanceof SqlError && error.code === '0A000') return failing(error, expr.mode === 'exists' ? TypeOid.bool : TypeOid.text, expr.location);
    throw error;
  }
  const { target, rows, orderKeys } = planned;
  if (expr.mode === 'exists') {
    return { oid: TypeOid.bool, typmod: -1, eval: (row, c) => rows(row, c).length > 0, rowIndependent: false, name, location: expr.location };
  }
  const value = target!.eval;
  if (expr.mode === 'scalar') {
    const evaluator: Evaluator = (row, c) => {
      const found = rows(row, c);
      if (found.length > 1) throw new SqlError('21000', 'more than one row returned by a subquery used as an expression');
      return found.length === 0 ? null : value(found[0]!, c);
    };
    return { oid: target!.oid, typmod: target!.typmod, eval: evaluator, rowIndependent: false, name, location: expr.location };
  }
  const element = types.allTypes().find((t) => t.oid === target!.oid);
  // Strata registers arrays of the common types only; other string types collect into text[].
  const registered = element && element.array !== 0 && typeByOid(element.array) !== undefined;
  if (element && !registered && element.category === 'S') {
    const asText = coerce(target!, TypeOid.text, -1, 'implicit', expr.location).eval;
    const textType = requireType(TypeOid.text);
    const toText: Evaluator = (row, c) => formatArray(sortRows(rows(row, c), orderKeys, c).map((r) => asText(r, c)), textType);
    return { oid: TypeOid.textArray, typmod: -1, eval: toText, rowIndependent: false, name, location: expr.location };
  }
  if (!element || !registered) {
    return failing(unsupported(`arrays of type ${types.formatType(target!.oid, -1)} are not supported`, expr.location), TypeOid.text, expr.location);
  }
  const elementType = requireType(target!.oid);
  const evaluator: Evaluator = (row, c) => formatArray(sortRows(rows(row, c), orderKeys, c).map((r) => value(r, c)), elementType);
  return { oid: element.array, typmod: -1, eval: evaluator, rowIndependent: false, name, location: expr.location };
}

/** `left op ANY/ALL (array)`: the operator applied to each element, with SQL's three-valued result. */
export function compileAnyArray(expr: AnyExpr, ctx: CompileContext): CompiledExpr {
  return quantifiedOverArray(compileExpr(expr.left, ctx), expr.op, expr.all, compileExpr(expr.right, ctx), ctx, expr.location);
}

/** `left op ANY/ALL` over an array value (a failed subquery's error surfaces when its array is read). */
function quantifiedOverArray(left: CompiledExpr, op: string, all: boolean, right: CompiledExpr, ctx: CompileContext, location: number): CompiledExpr {
  if (right.oid === TypeOid.unknown) {
    const arrayOid = types.allTypes().find((t) => t.oid === (left.oid === TypeOid.unknown ? TypeOid.text : left.oid))?.array ?? 0;
    if (arrayOid === 0) throw new SqlError('42809', `op ANY/ALL (array) requires array on right side`, at(location));
    right = coerce(right, arrayOid, -1, 'implicit', location);
  }
  const elementOid = types.allTypes().find((t) => t.oid === right.oid)?.element ?? 0;
  if (elementOid === 0) throw new SqlError('42809', `op ANY/ALL (array) requires array on right side`, at(location));
  let current: SqlValue = null;
  const element: CompiledExpr = { oid: elementOid, typmod: -1, eval: () => current, rowIndependent: false, name: '?column?', location: location };
  // A typed left side is evaluated once per row, before the array, as PostgreSQL's
  // ScalarArrayOpExpr evaluates its arguments; each element is compared with that value. (An
  // untyped one — a literal, a parameter — stays in the comparison, which gives it its type.)
  let leftValue: SqlValue = null;
  const once = left.oid !== TypeOid.unknown ? left.eval : null;
  const operand: CompiledExpr = once ? { oid: left.oid, typmod: left.typmod, eval: () => leftValue, rowIndependent: false, name: left.name, location: left.location } : left;
  const compare = applyOperator(op, operand, element, ctx, location);
  if (compare.oid !== TypeOid.bool) throw new SqlError('42809', `op ANY/ALL (array) requires operator to yield boolean`, at(location));
  const test = compare.eval;
  const array = right.eval;
  const elementType = requireType(elementOid);
  const evaluator: Evaluator = (row, c) => {
    if (once) leftValue = once(row, c);
    const text = array(row, c);
    if (text === null) return null;
    let sawNull = false;
    for (const raw of splitArrayText(text as string)) {
      current = raw === null ? null : elementType.parseText(raw, -1);
      const v = current === null ? null : test(row, c);
      if (v === null) sawNull = true;
      else if (v === !all) return !all;
    }
    return sawNull ? null : all;
  };
  // Constants on both sides fold when planned, as PostgreSQL folds a ScalarArrayOpExpr.
  return foldConstant({ oid: TypeOid.bool, typmod: -1, eval: evaluator, rowIndependent: false, name: '?column?', location: location }, [left, right], ctx);
}

