import { leftmostLocation } from './expr-location.js';
import type { ParameterUse } from './parameter-use.js';
import { SqlError } from '../../contracts/errors.js';
import type { ConnectionEndpoints, FieldDescription } from '../../contracts/sql-session.js';
import { TypeOid, type RecordField, type SqlValue } from '../../contracts/sql-value.js';
import type { TableInfo, ViewInfo } from '../catalog/catalog.js';
import { attributeNumbers } from './tuple-layout.js';
import { parseSql } from './parse.js';
import { mapTree } from './ast-map.js';
import type { Expr, FromItem, RowLockStrength, SelectStatement, SortItem } from './ast.js';
import { chooseAccessPath, extractBounds, undecidedWhere, type AccessPath } from './access-path.js';
import { sortSatisfiedByRead, wantedOrder, wantedOrderOf, type ReadOrder, type WantedOrder } from './wanted-order.js';
import { applyOperator, coerce, coerceToBoolean, commonType, compileExpr, exprKey, foldedValue, groupingKey, noSuchFunction, type AggregateCall, type CompileContext } from './compile.js';
import type { CompiledExpr, Evaluator } from './compiled.js';
import {
  Distinct, Filter, ForgetSlot, HashAggregate, HashJoin, Limit, lockingRead, materialize, Project, Sort, Truncate, ValuesSource,
  type ExplainInfo, type JoinSpec, type Row, type RowSource, type Runtime, type SortKey,
} from './operators.js';
import { columnRefs, conjuncts, containsAggregate, resolveRelation, type RelationResolver } from './relations.js';
import { planUnion } from './plan-setop.js';
import { bindCtes, planCteQuery, type CteBinding, type DataModifyingCtes } from './plan-cte.js';
import { expandGroupingSets, hasWindowCall, windowsOverSets } from './grouping-sets.js';
import { CorrelatedScope, PRESENCE_MARKER, Scope, type ScopeColumn } from './scope.js';
import { fieldOf, recordFields } from './row-values.js';
import { findSetFunction, inlineSetCall, selectListSetCall } from './set-sql-functions.js';
import { columnsOfTables } from './sql-functions.js';
import { ApplySubplans, applySubplansToRow, SubplanCollector, ValuesWithSubplans, withOuterRow, type SubqueryHost } from './subplans.js';
import { namedWindows, WindowAgg, WindowCollector } from './windows.js';
import { planFunctionScan, projectSets, SrfCollector } from './plan-srf.js';
import { TableCodec } from './table-codec.js';
import { ColumnUse } from './column-use.js';
import { containsSubquery, filterJoinedRows, splitJoinCondition } from './join-subqueries.js';
import { narrowsToKey } from './integer-keys.js';
import { IndexNestedLoopJoin, innerKeyRead, SMALL_OUTER_ROWS, type InnerKeyRead } from './index-join.js';
import { MergeJoin, mergeKeys } from './merge-join.js';
import type { AccessLog } from '../roles/access-log.js';
import type { FoldErrors } from './fold-errors.js';
import * as types from './typesystem.js';
import { checkOuterJoins, FromLocks, pulledUp, type OuterJoinCheck } from './row-locks.js';
import { withInformationSchemaCalls } from './information-schema-functions.js';
import { isSetReturning } from './set-functions.js';

/** What the planner needs besides the statement. */
export interface PlanContext {
  readonly resolver: RelationResolver;
  readonly paramTypes: number[];
  readonly sessionUser: string;
  readonly currentSchema: string;
  /** Tables whose schema-version keys the transaction must check at commit. */
  readonly usedTables: Set<TableInfo>;
  readonly codecs: (table: TableInfo) => TableCodec;
  /** Session facts for version(), current_setting() and friends. */
  readonly session?: SessionFunctions;
  /**
   * Set while planning a subquery: the enclosing query's scope, where names this query does not
   * have resolve, and the flag that records that one did (see subplans.ts).
   */
  readonly outer?: { readonly scope: Scope; readonly correlation: { correlated: boolean } };
  /** WITH queries visible here, by name (plan-cte.ts). */
  readonly ctes?: ReadonlyMap<string, CteBinding>;
  /** Binds data-modifying CTEs; absent where none may be (data-modifying-with.ts). */
  readonly dataModifying?: DataModifyingCtes;
  /** How many views deep this query is (a guard against a view that reaches itself). */
  readonly viewDepth?: number;
  /** The relation names of the FROM being planned (any other qualifier names an enclosing query's). */
  readonly localRelations?: ReadonlySet<string>;
  /** Where the relations the statement reads and writes are recorded for privilege checks (src/qp/roles). */
  readonly access?: AccessLog;
  /** The columns a SELECT reads, when analysed: its table scans decode only those (column-use.ts). */
  readonly columnUse?: ColumnUse | null;
  /** Where constant folds that fail are recorded, to be raised when the statement is bound (fold-errors.ts). */
  readonly foldErrors?: FoldErrors;
  /** Parameter references and their coercions (parameter-use.ts); absent, not recorded. */
  readonly parameterUse?: ParameterUse | undefined;
  /** Set for the query of a subquery or view in FROM that an enclosing locking clause covers (row-locks.ts). */
  readonly pushedLock?: RowLockStrength;
  /**
   * With pushedLock: where a query PostgreSQL would pull up leaves its outer-join check, to run
   * once the enclosing query knows which of its output columns (by position) it holds non-null.
   */
  readonly deferOuterJoinCheck?: (check: (forced: ReadonlySet<number>) => void) => void;
  /** The outer-join checks the pulled-up subqueries and views of the FROM being planned left, by relation name. */
  readonly pulledLockChecks?: Map<string, (forced: ReadonlySet<string>) => void>;
  /** The locks on the FROM items of the SELECT being planned; null or absent: none. */
  readonly fromLocks?: FromLocks | null;
  /** Records the strength of every row lock planned, a view's clauses included (the statement is then DML). */
  readonly plannedLocks?: Set<RowLockStrength>;
}

export interface SessionFunctions {
  readonly processId: number;
  /** The connection's TCP ends (inet_client_addr() and friends); null when not known. */
  readonly endpoints?: ConnectionEndpoints | null;
  setting(name: string): string;
  /** set_config: SET (or SET LOCAL) from an expression; answers the new value. */
  setConfig?(name: string, value: string | null, local: boolean): string;
}

export interface OutputColumn {
  readonly name: string;
  /** A SELECT's untyped literal or NULL: UNION resolves it to the other side's type. */
  readonly untyped?: { readonly text: string | null; readonly location: number };
  /** Where its expression is in the text (-1: unknown), for errors about the column's type. */
  readonly location?: number;
  readonly oid: number;
  readonly typmod: number;
  readonly tableOid: number;
  readonly columnNumber: number;
  /** A row-valued column's fields, when known. */
  readonly record?: readonly RecordField[];
  /**
   * The value every row holds, known when planning: a column of a one-row VALUES list of
   * constants. PostgreSQL pulls such a list up into the query that reads it and folds its values
   * into the expressions there (`x > 5` is false before `AND 1/0 = 1` is reached).
   */
  readonly constant?: { readonly value: SqlValue };
}

export interface PlannedQuery {
  readonly columns: readonly OutputColumn[];
  /** Builds a fresh operator tree for one execution. */
  readonly build: () => RowSource;
  /** How the first table is read (for tests and EXPLAIN). */
  readonly accessPaths: readonly AccessPath['kind'][];
}

/**
 * An expression's compile context, every property of CompileContext present (undefined where
 * unset) in the interface's order, for the reason session.ts's planContext gives: the copies
 * made of it (`{ ...ctx, … }`) stay V8's fast clone.
 */
export function compileContext(pc: PlanContext, scope: Scope, clause: string): CompileContext {
  if (pc.outer) scope = new CorrelatedScope(scope.columns, pc.outer.scope, pc.outer.correlation);
  return {
    scope, paramTypes: pc.paramTypes, aggregates: null, aggregateBase: 0, clause, sessionUser: pc.sessionUser, currentSchema: pc.currentSchema,
    inputScope: undefined, groupSlots: undefined, catalog: pc.resolver.catalog, searchPath: pc.resolver.searchPath, session: pc.session,
    subqueries: undefined, aggregateSubqueries: undefined, windows: undefined, srfs: undefined, srfBlockedBy: undefined, functionDepth: undefined,
    access: pc.access, foldErrors: pc.foldErrors, parameterUse: pc.parameterUse,
  };
}

interface FromPlan {
  readonly scope: Scope;
  readonly build: () => RowSource;
  readonly width: number;
  readonly accessPaths: AccessPath['kind'][];
  /** Set when rows come out in a single table's primary-key order (or its index columns' order: columns). */
  readonly primaryOrderOf: ReadOrder | null;
  /** At most this many rows, known from the plan itself (index-join.ts decides with it). */
  readonly maxRows?: number;
  /** A base table read on its own: a join may read it by key per outer row instead. */
  readonly baseTable?: { readonly table: TableInfo; readonly codec: TableCodec; readonly lock: RowLockStrength | null };
  /** WHERE conjuncts every row read satisfies (a single table read by its whole key). */
  readonly decided?: readonly Expr[];
}

export function planSelect(statement: SelectStatement, pc: PlanContext): PlannedQuery {
  if (statement.with) pc = bindCtes(statement, pc);
  const fromLocks = lockingOf(statement, pc);
  const deferOuterJoinCheck = pc.deferOuterJoinCheck;
  // Only a locking SELECT collects its pulled-up items' checks (planning a plain one allocates nothing more).
  const pulledLockChecks = fromLocks ? new Map<string, (forced: ReadonlySet<string>) => void>() : undefined;
  pc = fromLocks || deferOuterJoinCheck ? { ...pc, pushedLock: undefined, deferOuterJoinCheck: undefined, pulledLockChecks, fromLocks } : { ...pc, pushedLock: undefined, fromLocks };
  if (statement.groupingSets) {
    // The grouping expressions' types, from the rows they are computed over.
    const over = (exprs: readonly Expr[]) => planSelect({
      kind: 'select', targets: exprs.map((expr) => ({ expr, alias: null, location: -1 })), from: statement.from, where: null,
      groupBy: [], having: null, orderBy: [], limit: null, offset: null, distinct: false, values: null, locking: null,
    }, pc).columns;
    const typeOf = (exprs: readonly Expr[]) => over(exprs).map((c) => c.oid);
    // Grouping expressions are told apart as GROUP BY tells them (a USING column is the column it stands for).
    const input = planFrom(statement.from, [], pc, null).scope;
    const keyOf = (expr: Expr) => groupingKey(expr, input);
    // With window calls the sets are planned once more (without them) for the columns' names.
    const expanded = hasWindowCall(statement)
      ? windowsOverSets(statement, typeOf, keyOf, (s) => planSelect(expandGroupingSets(s, typeOf, keyOf), pc).columns.map((c) => c.name))
      : expandGroupingSets(statement, typeOf, keyOf);
    const planned = planSelect(expanded, pc);
    // A plain column keeps its origin on the wire, as in PostgreSQL, though the sets' union has none.
    if (statement.targets.some((t) => t.expr.kind === 'star')) return planned;
    const nothing: Expr = { kind: 'const', literal: 'null', text: '', location: -1 };
    const origins = over(statement.targets.map((t) => (t.expr.kind === 'column' ? t.expr : nothing)));
    return { ...planned, columns: planned.columns.map((c, i) => ({ ...c, tableOid: origins[i]!.tableOid, columnNumber: origins[i]!.columnNumber })) };
  }
  if (statement.setOperation) return planUnion(statement, pc, planSelect);
  if (statement.values) return planValues(statement, pc);
  const setCall = selectListSetCall(statement, (name) => pc.resolver.searchPath.some((schema) => pc.resolver.catalog.functions(schema, name).some((f) => f.returnsSet)));
  if (setCall) return planSelect(setCall, pc);
  const where = conjuncts(statement.where);
  const from = planFrom(statement.from, where, pc, wantedOrder(statement));
  const input = from.scope;
  const aggregated = statement.groupBy.length > 0 || statement.having !== null
    || statement.targets.some((t) => containsAggregate(t.expr, types.isAggregate))
    || statement.orderBy.some((s) => containsAggregate(s.expr, types.isAggregate));

  const whereSubplans = new SubplanCollector();
  const whereCtx = withSubqueries(compileContext(pc, input, 'WHERE'), whereSubplans, pc);
  let filter: Evaluator | null = null;
  if (where.length > 0) {
    const predicate = coerceToBoolean(compileExpr(statement.where!, whereCtx), 'WHERE');
    filter = predicate.eval;
    // The key read decides `aid = $1`; the rest is compiled again without it (after the whole
    // clause, so errors and parameter types are the whole clause's).
    if (from.decided && whereSubplans.empty) {
      const rest = undecidedWhere(statement.where!, from.decided);
      filter = rest ? coerceToBoolean(compileExpr(rest, whereCtx), 'WHERE').eval : null;
    }
  }
  let build: () => RowSource = from.build;
  if (filter && whereSubplans.empty) {
    build = () => new Filter(from.build(), filter!);
  } else if (filter) {
    // The subplans' results ride on the rows through the filter, then are dropped.
    whereSubplans.base = from.width;
    build = () => new Truncate(new Filter(new ApplySubplans(from.build(), whereSubplans), filter!), from.width);
  }

  const selectSubplans = new SubplanCollector();
  const windows = new WindowCollector(namedWindows(statement.windows));
  let ctx: CompileContext;
  let rowWidth: () => number;
  if (aggregated) {
    const grouped = planAggregation(statement, pc, input, from.width, build);
    build = grouped.build;
    ctx = withSubqueries(grouped.ctx, selectSubplans, pc, grouped.outerScope);
    rowWidth = grouped.width;
  } else {
    ctx = withSubqueries(compileContext(pc, input, 'SELECT'), selectSubplans, pc);
    rowWidth = () => from.width;
  }
  const srfs = new SrfCollector();
  ctx = { ...ctx, windows, srfs };

  const targets = expandTargets(statement, ctx, input);
  const columns: OutputColumn[] = unknownsSortedAsText(statement, targets.map((t) => t.column));
  const exprs = targets.map((t) => t.expr);
  const extras: CompiledExpr[] = [];
  const sortKeys = planOrderBy(statement.orderBy, statement, exprs, targets.map((t) => t.column.name), ctx, extras);
  const distinctOn = statement.distinctOn ? planDistinctOn(statement, exprs, targets.map((t) => t.column.name), extras, sortKeys, ctx) : null;
  const allExprs = [...exprs, ...extras].map((e) => e.eval);
  const width = exprs.length;

  // (Window functions sort rows their own way: then the final ORDER BY must sort again.)
  const orderSatisfied = !aggregated && !statement.distinct && !distinctOn && windows.empty && from.primaryOrderOf !== null
    && sortSatisfiedByRead(statement, columns.map((c) => c.name), from.primaryOrderOf, input);
  // Every aggregate is known now, so the width of the rows the select list reads is too;
  // subplan results follow it, then window function values.
  selectSubplans.base = rowWidth();
  windows.base = selectSubplans.base + selectSubplans.subplans.length;
  const withSubplans = selectSubplans.empty ? build : () => new ApplySubplans(build(), selectSubplans);
  const windowed = windows.empty ? withSubplans : () => new WindowAgg(withSubplans(), windows);
  // Set-returning calls of the select list expand the rows last, after window functions.
  srfs.base = windows.base + windows.calls.length;
  const inner = srfs.empty ? windowed : () => projectSets(windowed(), srfs);
  const limitExpr = statement.limit ? limitValue(statement.limit, pc, 'LIMIT') : null;
  const offsetExpr = statement.offset ? limitValue(statement.offset, pc, 'OFFSET') : null;
  const distinctOids = exprs.map((e) => e.oid);
  if (statement.distinct) for (const e of exprs) types.requireEquality(e.oid, e.location);
  const finalBuild = (): RowSource => {
    let source: RowSource = new Project(inner(), allExprs);
    if (statement.distinct) source = new Distinct(source, distinctOids, width);
    if (sortKeys.length > 0 && !orderSatisfied) source = new Sort(source, sortKeys);
    // (With ORDER BY the rows are sorted already; without, by the DISTINCT ON keys.)
    if (distinctOn) source = new DistinctOn(sortKeys.length > 0 ? source : new Sort(source, distinctOn.sortFirst), distinctOn.keys);
    // WITH TIES compares the sort keys, which may be helper columns: it limits before they go.
    if (statement.withTies) source = new Limit(source, limitExpr, offsetExpr, sortKeys);
    if (extras.length > 0) source = new Truncate(source, width);
    if ((limitExpr || offsetExpr) && !statement.withTies) source = new Limit(source, limitExpr, offsetExpr);
    return source;
  };
  if (fromLocks) {
    const check: OuterJoinCheck = {
      statement, locks: fromLocks, relationOf: (name) => relationOfColumn(input, name), outputs: outputExprs(statement, input), pulled: pulledLockChecks ?? new Map(),
    };
    if (deferOuterJoinCheck && pulledUp(statement)) deferOuterJoinCheck((forced) => checkOuterJoins(check, forced));
    else checkOuterJoins(check);
  }
  return { columns, build: finalBuild, accessPaths: from.accessPaths };
}

/** The locks this SELECT's clauses, and an enclosing one pushed down, put on its FROM items (row-locks.ts). */
function lockingOf(statement: SelectStatement, pc: PlanContext): FromLocks | null {
  const { catalog, searchPath } = pc.resolver;
  return FromLocks.of(statement, pc.pushedLock ?? null, {
    isCte: (name) => pc.ctes?.has(name) ?? false,
    isSetFunction: (name) => isSetReturning(name) || searchPath.some((schema) => catalog.functions(schema, name).some((f) => f.returnsSet)),
  });
}

/** The select list as one expression per output column, `*` expanded to the columns it stands for (row-locks.ts maps output columns back with it). */
function outputExprs(statement: SelectStatement, scope: Scope): Expr[] {
  return statement.targets.flatMap((t): Expr[] => t.expr.kind !== 'star' ? [t.expr]
    : scope.columns.filter((c) => !c.hidden && !c.unreachable && c.relation !== null && (t.expr.kind === 'star' && t.expr.table !== null ? c.relation === t.expr.table : !c.qualifiedOnly))
      .map((c) => ({ kind: 'column', schema: null, table: c.relation, name: c.name, location: -1 })));
}

/**
 * What a locked subquery or view in FROM gets to leave its outer-join check with: the check is
 * registered under the relation's name, taking the names the enclosing query reads its columns
 * by (`names`, known once it is planned) — so `inner` is filled in after planning.
 */
function deferredLockCheck(relation: string, pc: PlanContext): { defer: NonNullable<PlanContext['deferOuterJoinCheck']>; named(names: readonly string[]): void } {
  let pending: ((forced: ReadonlySet<number>) => void) | null = null;
  return {
    defer: (check) => { pending = check; },
    named(names) {
      const check = pending;
      if (check === null) return;
      pc.pulledLockChecks?.set(relation, (forced) => check(new Set(names.flatMap((name, i) => forced.has(name) ? [i] : []))));
    },
  };
}

/** The one FROM item with a visible column of this name, or null (none, or ambiguous). */
function relationOfColumn(scope: Scope, name: string): string | null {
  const relations = new Set(scope.columns.filter((c) => c.name === name && !c.hidden).map((c) => c.relation));
  const [only] = relations;
  return relations.size === 1 && only !== undefined ? only : null;
}

function limitValue(expr: Expr, pc: PlanContext, clause: string): Evaluator {
  const ctx = compileContext(pc, new Scope([]), clause);
  const value = compileExpr(expr, ctx);
  if (value.paramIndex !== undefined && value.oid === TypeOid.unknown) pc.paramTypes[value.paramIndex - 1] = TypeOid.int8;
  return coerce(value, TypeOid.int8, -1, 'implicit', value.location).eval;
}

/** At the first value of the row whose length differs, as PostgreSQL places it. */
export function valuesLengthError(row: readonly (Expr | null)[]): SqlError {
  const first = row[0];
  return new SqlError('42601', 'VALUES lists must all be the same length', first && first.location >= 0 ? { position: first.location + 1 } : {});
}

function planValues(statement: SelectStatement, pc: PlanContext): PlannedQuery {
  const rows = statement.values!;
  const subplans = new SubplanCollector();
  const ctx = withSubqueries(compileContext(pc, new Scope([]), 'VALUES'), subplans, pc);
  const width = rows[0]!.length;
  const compiled = rows.map((row) => {
    const values = row.map((e) => compileExpr(e, ctx));
    if (row.length !== width) throw valuesLengthError(row);
    return values;
  });
  const oids = Array.from({ length: width }, (_, i) => commonType(compiled.map((r) => r[i]!), 'VALUES', ctx));
  const coerced = compiled.map((row) => row.map((e, i) => coerce(e, oids[i]!, -1, 'implicit', e.location)));
  const evaluators = coerced.map((row) => row.map((e) => e.eval));
  const constants = pulledUpValues(statement, coerced);
  const columns = oids.map((oid, i): OutputColumn => ({ name: `column${i + 1}`, oid, typmod: -1, tableOid: 0, columnNumber: 0, ...constants[i] }));
  const scope = new Scope(columns.map((c, i) => ({ relation: null, name: c.name, oid: c.oid, typmod: -1, position: i, tableOid: 0, columnNumber: 0 })));
  const sortCtx = compileContext(pc, scope, 'ORDER BY');
  const extras: CompiledExpr[] = [];
  const identity = columns.map((c, i): CompiledExpr => ({ oid: c.oid, typmod: -1, eval: (row) => row[i]!, rowIndependent: false, name: c.name, location: -1, column: i }));
  const sortKeys = planOrderBy(statement.orderBy, statement, identity, columns.map((c) => c.name), sortCtx, extras);
  const limitExpr = statement.limit ? limitValue(statement.limit, pc, 'LIMIT') : null;
  const offsetExpr = statement.offset ? limitValue(statement.offset, pc, 'OFFSET') : null;
  const all = [...identity, ...extras].map((e) => e.eval);
  return {
    columns,
    build: () => {
      let source: RowSource = subplans.empty ? new ValuesSource(evaluators) : new ValuesWithSubplans(evaluators, subplans);
      if (extras.length > 0) source = new Project(source, all);
      if (sortKeys.length > 0) source = new Sort(source, sortKeys);
      if (extras.length > 0) source = new Truncate(source, width);
      if (limitExpr || offsetExpr) source = new Limit(source, limitExpr, offsetExpr);
      return source;
    },
    accessPaths: [],
  };
}

/**
 * The values of a VALUES list PostgreSQL pulls up into the query reading it (is_simple_values):
 * one row, and nothing that could drop it (ORDER BY, LIMIT, OFFSET); per column, its folded
 * constant, or nothing for a value only known when the row is made.
 */
function pulledUpValues(statement: SelectStatement, coerced: readonly (readonly CompiledExpr[])[]): Pick<OutputColumn, 'constant'>[] {
  if (coerced.length !== 1 || statement.orderBy.length > 0 || statement.limit || statement.offset) return [];
  return coerced[0]!.map((e): Pick<OutputColumn, 'constant'> => {
    const value = foldedValue(e);
    return value === undefined ? {} : { constant: { value } };
  });
}

function planAggregation(statement: SelectStatement, pc: PlanContext, input: Scope, inputWidth: number, build: () => RowSource):
  { build: () => RowSource; ctx: CompileContext; width: () => number; outerScope: Scope } {
  // Set-returning calls in GROUP BY expand the input rows before grouping, as PostgreSQL does.
  const groupSrfs = new SrfCollector();
  groupSrfs.base = inputWidth;
  const inputCtx = { ...compileContext(pc, input, 'GROUP BY'), srfs: groupSrfs };
  // Subqueries inside aggregate arguments run per input row, before aggregation (after the calls).
  const argumentSubplans = new SubplanCollector();
  const aggregateSubqueries = withSubqueries(inputCtx, argumentSubplans, pc).subqueries;
  const groupExprs: CompiledExpr[] = [];
  const groupSlots = new Map<string, number>();
  const named = statement.groupBy.map((item) => resolveGroupItem(item, statement, input));
  const groupItems = [...named, ...functionallyDependent(named, statement, input, pc)];
  for (const [i, resolvedItem] of groupItems.entries()) {
    // A subquery in a grouping expression runs per input row before grouping, as an aggregate's argument's does.
    const compiled = compileExpr(resolvedItem, { ...inputCtx, subqueries: aggregateSubqueries });
    // (At the item as written: `GROUP BY 1` is refused at the 1.)
    if (i < named.length) types.requireEquality(compiled.oid, statement.groupBy[i]!.location);
    groupSlots.set(groupingKey(resolvedItem, inputCtx.scope), groupExprs.length);
    groupExprs.push(compiled.oid === TypeOid.unknown ? coerce(compiled, TypeOid.text, -1, 'implicit', compiled.location) : compiled);
  }
  const aggregates: AggregateCall[] = [];
  const ctx: CompileContext = {
    // (Through the GROUP BY context's scope: a subquery's aggregates may name outer columns.)
    scope: inputCtx.scope, inputScope: inputCtx.scope, paramTypes: pc.paramTypes, aggregates, aggregateBase: groupExprs.length,
    clause: 'SELECT', sessionUser: pc.sessionUser, currentSchema: pc.currentSchema, groupSlots, catalog: pc.resolver.catalog, searchPath: pc.resolver.searchPath, session: pc.session,
    aggregateSubqueries, access: pc.access, foldErrors: pc.foldErrors, parameterUse: pc.parameterUse,
  };
  // A subquery in HAVING or the select list sees the grouped columns, at their slots in the grouped row.
  const outerScope = new GroupedScope(input, groupItems, groupSlots);
  const havingSubplans = new SubplanCollector();
  let having: Evaluator | null = null;
  if (statement.having) {
    const havingCtx = withSubqueries({ ...ctx, clause: 'HAVING' }, havingSubplans, pc, outerScope);
    having = coerceToBoolean(compileExpr(statement.having, havingCtx), 'HAVING').eval;
  }
  const width = () => groupExprs.length + aggregates.length;
  // Aggregates found later (in the select list, ORDER BY) join the same array: the operator
  // reads it when it is built, after planning has finished.
  argumentSubplans.base = inputWidth + groupSrfs.calls.length;
  const grouped = (): RowSource => {
    // HAVING without GROUP BY or an aggregate is PostgreSQL's "degenerate grouping": the one
    // group's row needs nothing from the input, so the input (and its WHERE) is never read.
    // (Built after planning, when `aggregates` holds every call.)
    const degenerate = statement.having !== null && statement.groupBy.length === 0 && aggregates.length === 0 && groupSrfs.empty;
    if (degenerate) return withHaving(new HashAggregate(new ValuesSource([]), groupExprs, aggregates));
    const expanded = groupSrfs.empty ? build() : projectSets(build(), groupSrfs);
    const rows = argumentSubplans.empty ? expanded : new ApplySubplans(expanded, argumentSubplans);
    return withHaving(new HashAggregate(rows, groupExprs, aggregates));
  };
  const withHaving = (source: RowSource): RowSource => {
    if (!having) return source;
    if (havingSubplans.empty) return new Filter(source, having);
    havingSubplans.base = width();
    return new Truncate(new Filter(new ApplySubplans(source, havingSubplans), having), width());
  };
  return { build: grouped, ctx, width, outerScope };
}

/**
 * PostgreSQL's functional dependency (check_functional_grouping): when GROUP BY names every
 * primary-key column of a table's FROM item, its other columns are grouped too, so `SELECT u.*,
 * count(p.id) … GROUP BY u.id` is allowed. Those the statement names (or every one, under a `*`
 * or a whole-row reference) become extra grouping keys; they split no group, since the key
 * decides them.
 */
function functionallyDependent(groupItems: readonly Expr[], statement: SelectStatement, input: Scope, pc: PlanContext): Expr[] {
  const grouped = new Set<number>();
  for (const item of groupItems) {
    if (item.kind !== 'column') continue;
    try {
      const column = input.resolve(item.table, item.name, item.location);
      if (column.outerLevel === undefined) grouped.add(column.position);
    } catch {
      // (Not a column of this level: compiling the item reports it.)
    }
  }
  if (grouped.size === 0) return [];
  const named = new Set<string>();
  let everything = false;
  mapTree([statement.targets, statement.having, statement.orderBy], (node) => {
    if (node.kind === 'column') named.add((node as { name: string }).name);
    if (node.kind === 'star') everything = true;
    return undefined;
  });
  // Only FROM items that name a table (not a subquery, view or WITH query over one).
  const tables = new Map<string, string>();
  const collect = (item: FromItem): void => {
    if (item.kind === 'join') { collect(item.left); collect(item.right); }
    if (item.kind === 'table' && !(item.schema === null && pc.ctes?.has(item.name))) tables.set(item.alias ?? item.name, item.name);
  };
  for (const item of statement.from) collect(item);
  const extra: Expr[] = [];
  for (const [relation, name] of tables) {
    const columns = input.columns.filter((c) => c.relation === relation && c.outerLevel === undefined && !c.unreachable);
    const tableOid = columns.find((c) => c.tableOid !== 0)?.tableOid;
    const table = tableOid === undefined ? undefined : pc.resolver.catalog.tableById(tableOid);
    if (!table || table.name !== name || table.primaryKey.length === 0) continue;
    const keyNames = table.primaryKey.map((i) => table.columns[i]!.name);
    if (!keyNames.every((key) => columns.some((c) => c.name === key && c.tableOid === tableOid && grouped.has(c.position)))) continue;
    const whole = everything || named.has(relation);
    for (const c of columns) {
      // (A whole row on the nullable side of an outer join also needs its presence marker.)
      if ((c.hidden && !(whole && c.name === PRESENCE_MARKER)) || grouped.has(c.position) || (!whole && !named.has(c.name))) continue;
      extra.push({ kind: 'column', schema: null, table: relation, name: c.name, location: -1 });
    }
  }
  return extra;
}

/** The enclosing scope of a subquery above a GROUP BY: the grouped columns only. */
class GroupedScope extends Scope {
  constructor(private readonly input: Scope, groupItems: readonly Expr[], groupSlots: Map<string, number>) {
    const columns: ScopeColumn[] = [];
    for (const item of groupItems) {
      if (item.kind !== 'column') continue;
      // (GROUP BY t, a whole-row reference, groups no single column.)
      if (item.table === null && !input.columns.some((c) => c.name === item.name && !c.qualifiedOnly) && input.relationColumns(item.name)) continue;
      const column = input.resolve(item.table, item.name, item.location);
      columns.push({ ...column, position: groupSlots.get(groupingKey(item, input))! });
    }
    super(columns);
  }

  override relationColumns(relation: string): ScopeColumn[] | null {
    // A whole row of the input is never grouped as a whole (the grouped columns are no row).
    const columns = this.input.relationColumns(relation);
    if (columns) throw new SqlError('42803', `subquery uses ungrouped column "${relation}.*" from outer query`);
    return null;
  }

  override resolve(relation: string | null, name: string, location: number): ScopeColumn {
    try {
      return super.resolve(relation, name, location);
    } catch (error) {
      const column = this.input.resolve(relation, name, location);
      throw new SqlError('42803', `subquery uses ungrouped column "${column.relation ? `${column.relation}.` : ''}${column.name}" from outer query`, { position: location + 1 });
    }
  }
}

/**
 * A compile context in which subqueries over tables become subplans collected in `collector`,
 * planned with `outer` (default: the context's scope) as their enclosing scope.
 */
export function withSubqueries(ctx: CompileContext, collector: SubplanCollector, pc: PlanContext, outer: Scope = ctx.scope): CompileContext {
  const host: SubqueryHost = {
    collector, outer,
    plan: (select, scope, correlation) => planSelect(select, { ...pc, outer: { scope, correlation } }),
    isWithQuery: (name) => pc.ctes?.has(name) ?? false,
  };
  return { ...ctx, subqueries: host };
}

/** GROUP BY 1 means the first select-list item; GROUP BY name may name an output column. */
function resolveGroupItem(item: Expr, statement: SelectStatement, input?: Scope): Expr {
  if (item.kind === 'const' && item.literal === 'integer') {
    const n = Number(item.text);
    const target = statement.targets[n - 1];
    if (!target || target.expr.kind === 'star') throw new SqlError('42P10', `GROUP BY position ${n} is not in select list`, { position: item.location + 1 });
    return target.expr;
  }
  // A bare name that is no input column may name an output column (SQL-92's rule, as in
  // PostgreSQL's findTargetlistEntrySQL92); input columns come first.
  if (item.kind === 'column' && item.table === null && input && !inputHas(input, item.name, item.location)) {
    const named = statement.targets.filter((t) => t.alias === item.name);
    if (named.length > 1) throw new SqlError('42702', `GROUP BY "${item.name}" is ambiguous`, { position: item.location + 1 });
    if (named.length === 1) return named[0]!.expr;
  }
  return item;
}

function inputHas(input: Scope, name: string, location: number): boolean {
  try {
    input.resolve(null, name, location);
    return true;
  } catch (error) {
    if (error instanceof SqlError && error.code === '42703') return false;
    return true; // ambiguous and the like: let the normal path report it
  }
}

interface Target {
  readonly expr: CompiledExpr;
  readonly column: OutputColumn;
}

function expandTargets(statement: SelectStatement, ctx: CompileContext, input: Scope): Target[] {
  const out: Target[] = [];
  for (const target of statement.targets) {
    if (target.expr.kind === 'star') {
      if (ctx.groupSlots && ctx.groupSlots.size >= 0 && ctx.aggregates) {
        for (const column of input.star(target.expr.table, target.expr.location)) {
          const expr = compileExpr({ kind: 'column', schema: null, table: column.relation, name: column.name, location: target.expr.location }, ctx);
          out.push({ expr, column: outputColumn(column.name, expr, column) });
        }
        continue;
      }
      const columns = input.star(target.expr.table, target.expr.location);
      if (columns.length === 0 && statement.from.length === 0) throw new SqlError('42601', 'SELECT * with no tables specified is not valid', { position: target.expr.location + 1 });
      for (const column of columns) {
        const position = column.position;
        // (At the star, as PostgreSQL's expandRelAttrs places the columns it expands.)
        const expr: CompiledExpr = { oid: column.oid, typmod: column.typmod, eval: (row) => row[position]!, column: position, rowIndependent: false, name: column.name, location: target.expr.location };
        out.push({ expr, column: { ...outputColumn(column.name, expr, column), location: target.expr.location } });
      }
      continue;
    }
    if (target.expr.kind === 'field' && target.expr.name === null) {
      // `(x).*`: one output column per field of the row value.
      const row = compileExpr(target.expr.arg, ctx);
      recordFields(row, null, target.expr.location).forEach((_, i) => {
        const expr = fieldOf(row, i, target.expr.location);
        out.push({ expr, column: outputColumn(expr.name, expr, null) });
      });
      continue;
    }
    let expr = compileExpr(target.expr, ctx);
    // An untyped literal (or NULL) prints as text, but a set operation may still give it a type.
    const untyped = expr.oid === TypeOid.unknown && expr.paramIndex === undefined ? { text: expr.unknownLiteral ?? null, location: expr.location } : undefined;
    if (expr.oid === TypeOid.unknown) expr = coerce(expr, TypeOid.text, -1, 'implicit', expr.location);
    let source: ScopeColumn | null = null;
    // (A whole-row reference, or an outer query's column, has no column of this query's input.)
    if (target.expr.kind === 'column' && expr.oid !== TypeOid.record && expr.column !== undefined) source = input.resolve(target.expr.table, target.expr.name, target.expr.location);
    const column = { ...outputColumn(target.alias ?? expr.name, expr, source), location: leftmostLocation(target.expr) };
    out.push({ expr, column: untyped ? { ...column, untyped } : column });
  }
  return out;
}

/**
 * An untyped output column that is made distinct, sorted or grouped was resolved to text there,
 * as PostgreSQL's transformDistinctClause, transformSortClause and transformGroupClause resolve
 * it: neither an INSERT's column nor a UNION's other side gives it a type any more.
 */
function unknownsSortedAsText(statement: SelectStatement, columns: OutputColumn[]): OutputColumn[] {
  if (!columns.some((c) => c.untyped !== undefined)) return columns;
  if (statement.distinct) return columns.map(({ untyped: _, ...c }) => c);
  const resolved = new Set<number>();
  const byPosition = (expr: Expr): void => {
    if (expr.kind === 'const' && expr.literal === 'integer') resolved.add(Number(expr.text) - 1);
  };
  for (const item of statement.orderBy) {
    byPosition(item.expr);
    const expr = item.expr;
    if (expr.kind === 'column' && expr.table === null) columns.forEach((c, i) => { if (c.name === expr.name) resolved.add(i); });
  }
  statement.groupBy.forEach(byPosition);
  return columns.map(({ untyped, ...c }, i) => (untyped === undefined || resolved.has(i) ? c : { ...c, untyped }));
}

function outputColumn(name: string, expr: CompiledExpr, source: ScopeColumn | null): OutputColumn {
  return { name, oid: expr.oid, typmod: expr.typmod, tableOid: source?.tableOid ?? 0, columnNumber: source?.columnNumber ?? 0, ...(expr.record ? { record: expr.record } : {}) };
}

function planOrderBy(orderBy: readonly SortItem[], statement: SelectStatement, exprs: readonly CompiledExpr[], names: readonly string[], ctx: CompileContext, extras: CompiledExpr[]): SortKey[] {
  const keys: SortKey[] = [];
  for (const item of orderBy) {
    let position = -1;
    let oid: number = TypeOid.text;
    if (item.expr.kind === 'const' && item.expr.literal === 'integer') {
      const n = Number(item.expr.text);
      if (n < 1 || n > exprs.length) throw new SqlError('42P10', `ORDER BY position ${n} is not in select list`, { position: item.expr.location + 1 });
      position = n - 1;
      oid = exprs[position]!.oid;
    } else if (item.expr.kind === 'column' && item.expr.table === null && names.filter((n) => n === (item.expr as { name: string }).name).length === 1) {
      // A bare name that is an output column name means that output column, as in PostgreSQL.
      position = names.indexOf(item.expr.name);
      oid = exprs[position]!.oid;
    } else {
      let compiled = compileExpr(item.expr, { ...ctx, clause: 'ORDER BY' });
      if (compiled.oid === TypeOid.unknown) compiled = coerce(compiled, TypeOid.text, -1, 'implicit', compiled.location);
      const key = exprKey(item.expr);
      const same = statement.targets.findIndex((t) => exprKey(t.expr) === key);
      if (same >= 0 && exprs[same]) {
        position = same;
      } else {
        if (statement.distinct) throw new SqlError('42P10', 'for SELECT DISTINCT, ORDER BY expressions must appear in select list', { position: item.expr.location + 1 });
        position = exprs.length + extras.length;
        extras.push(compiled);
      }
      oid = compiled.oid;
    }
    keys.push({ position, oid, descending: item.descending, nullsFirst: item.nullsFirst ?? item.descending });
  }
  return keys;
}

function planFrom(items: readonly FromItem[], where: readonly Expr[], pc: PlanContext, order: WantedOrder | null): FromPlan {
  if (items.length === 0) {
    return { scope: new Scope([]), build: () => new ValuesSource([[]]), width: 0, accessPaths: [], primaryOrderOf: null };
  }
  // Comma-separated FROM items are cross joins.
  let item: FromItem = items[0]!;
  for (let i = 1; i < items.length; i++) item = { kind: 'join', joinType: 'cross', left: item, right: items[i]!, on: null, using: null, natural: false, location: -1 };
  return planFromItem(item, where, { ...pc, localRelations: uniqueNames(item) }, order, true);
}

/** The relation names a FROM item brings into scope, each once (PostgreSQL's 42712 otherwise). */
function uniqueNames(item: FromItem): Set<string> {
  const seen = new Set<string>();
  for (const name of scopeNames(item)) {
    if (seen.has(name)) throw new SqlError('42712', `table name "${name}" specified more than once`);
    seen.add(name);
  }
  return seen;
}

/** The relation names of a FROM item, in the order written; a join's alias stands for the names inside it. */
function scopeNames(item: FromItem): string[] {
  if (item.kind === 'join') return item.alias ? [item.alias.name] : [...scopeNames(item.left), ...scopeNames(item.right)];
  if (item.kind === 'subquery') return [item.alias];
  return [item.alias ?? item.name];
}

/**
 * `(a JOIN b …) AS j [(c1, …)]`: the join's columns as `*` lists them, renamed by the column
 * aliases, answer to j alone; a's and b's columns stay in scope unreachable, for PostgreSQL's
 * "cannot be referenced" errors. WHERE is not pushed inside (it names j's columns, and a name
 * like `a.x` there means some other a), and the names inside are unique among themselves only.
 */
function planAliasedJoin(item: Extract<FromItem, { kind: 'join' }>, alias: NonNullable<typeof item.alias>, pc: PlanContext): FromPlan {
  const { alias: _, ...join } = item;
  const plan = planFromItem(join, [], { ...pc, localRelations: uniqueNames(join) }, null, false);
  const visible = plan.scope.star(null, -1);
  if (alias.columns.length > visible.length) {
    throw new SqlError('42P10', `join expression "${alias.name}" has ${visible.length} columns available but ${alias.columns.length} columns specified`);
  }
  const named: ScopeColumn[] = visible.map((c, i) => ({ ...c, relation: alias.name, name: alias.columns[i] ?? c.name, qualifiedOnly: false }));
  const behind = plan.scope.columns.filter((c) => c.relation !== null && !c.outerLevel).map((c) => ({ ...c, hidden: true, unreachable: true }));
  return { ...plan, scope: new Scope([...named, ...behind]), primaryOrderOf: null, accessPaths: plan.accessPaths };
}

function planFromItem(item: FromItem, where: readonly Expr[], pc: PlanContext, order: WantedOrder | null, preserved: boolean): FromPlan {
  if (item.kind === 'table') {
    const cte = item.schema === null ? pc.ctes?.get(item.name) : undefined;
    if (item.columnAliases) return renameColumns(cte ? planCteReference(cte, item) : planTable(item, [], pc, order), item.alias ?? item.name, item.columnAliases);
    if (cte) return planCteReference(cte, item);
    return planTable(item, preserved ? where : [], pc, order);
  }
  if (item.kind === 'function') return planFunction(item, pc);
  if (item.kind === 'subquery') return planDerived(item, pc);
  if (item.alias) return planAliasedJoin(item, item.alias, pc);
  if ((item.right.kind === 'subquery' && item.right.lateral) || item.right.kind === 'function') return planLateralJoin(item, item.right, where, pc, order, preserved);
  return planJoin(item, where, pc, preserved);
}

/** Relation names no SQL identifier can spell: the two sides of a USING join condition. */
const USING_LEFT = '\u0000using left';
const USING_RIGHT = '\u0000using right';

function withoutConstant(column: ScopeColumn): ScopeColumn {
  if (!column.constant) return column;
  const { constant: _, ...rest } = column;
  return rest;
}

/**
 * INNER, LEFT, RIGHT and FULL joins. A RIGHT JOIN runs as a LEFT JOIN with the sides swapped
 * (its columns keep the order written); a FULL JOIN adds the right rows nothing matched. USING
 * and NATURAL merge each named pair into one column, first in `*`: the left value (the right one
 * for RIGHT JOIN, COALESCE of both for FULL JOIN) in the pair's common type; the pair itself
 * stays reachable qualified (`a.id`), as in PostgreSQL.
 */
function planJoin(item: Extract<FromItem, { kind: 'join' }>, where: readonly Expr[], pc: PlanContext, preserved: boolean): FromPlan {
  const type = item.joinType;
  const left = planFromItem(item.left, where, pc, null, preserved && type !== 'right' && type !== 'full');
  const right = planFromItem(item.right, where, pc, null, preserved && type !== 'left' && type !== 'full');
  const swapped = type === 'right';
  const [outer, inner] = swapped ? [right, left] : [left, right];
  const offset = outer.width;
  // A nullable side's columns are NULL in the rows the join fills in: no value is known for them.
  const outerColumns = type === 'full' ? outer.scope.columns.map(withoutConstant) : outer.scope.columns;
  const innerColumns = inner.scope.columns.map((c) => ({ ...(type === 'inner' || type === 'cross' ? c : withoutConstant(c)), position: c.position + offset }));
  const [leftColumns, rightColumns] = swapped ? [innerColumns, outerColumns] : [outerColumns, innerColumns];
  const names = usingNames(item, leftColumns, rightColumns);
  const physical = [...outerColumns, ...innerColumns];
  const kind = type === 'left' || type === 'right' ? 'left' : type;
  const { join: joinConjuncts, after: afterConjuncts } = splitJoinCondition(kind, item.on ? conjuncts(item.on) : []);
  let conditionScope = new Scope(physical);
  let condition: Expr[] = preserved && (type === 'cross' || type === 'inner')
    ? [...joinConjuncts, ...whereJoinKeys(where, conditionScope, offset)]
    : joinConjuncts;
  const pairs = (names ?? []).map((name) => [new Scope(leftColumns).resolve(null, name, -1), new Scope(rightColumns).resolve(null, name, -1)] as const);
  if (names) {
    const column = (table: string, name: string): Expr => ({ kind: 'column', schema: null, table, name, location: -1 });
    condition = names.map((name) => ({ kind: 'op', op: '=', location: -1, left: column(USING_LEFT, name), right: column(USING_RIGHT, name) }));
    const tagged = pairs.flatMap(([l, r]) => [{ ...l, relation: USING_LEFT, hidden: true }, { ...r, relation: USING_RIGHT, hidden: true }]);
    conditionScope = new Scope([...physical, ...tagged]);
  }
  const markers = kind === 'left' ? 1 : kind === 'full' ? 2 : 0;
  const { rightColumns: innerKeyColumns, leftColumns: outerKeyColumns, ...joinSpec } = equiJoinSpec(kind, condition, outer.scope, offset, inner.width, conditionScope, pc);
  const spec = { ...joinSpec, leftWidth: offset, markers } as const;
  const keyRead = indexJoinRead(kind, outer, inner, spec, innerKeyColumns);
  // Both sides read in primary-key order and joined on it: merge them instead of hashing one.
  const merge = keyRead || !outer.baseTable || !inner.baseTable ? null : mergeKeys(spec, outer.primaryOrderOf, inner.primaryOrderOf, outerKeyColumns, innerKeyColumns);
  // The nullable side's FROM items get a presence marker each (after the joined columns).
  const marked = (columns: readonly ScopeColumn[], position: number): ScopeColumn[] => [...new Set(columns.filter((c) => !c.unreachable).map((c) => c.relation))]
    .filter((relation): relation is string => relation !== null)
    .map((relation) => ({ relation, name: PRESENCE_MARKER, oid: TypeOid.bool, typmod: -1, position, tableOid: 0, columnNumber: 0, hidden: true }));
  const markerColumns = [
    ...(markers >= 1 ? marked(innerColumns, outer.width + inner.width) : []),
    ...(markers === 2 ? marked(outer.scope.columns, outer.width + inner.width + 1) : []),
  ];
  const width = outer.width + inner.width + markers;
  const merged: ScopeColumn[] = [];
  const computed: Evaluator[] = [];
  for (const [l, r] of pairs) {
    const at = (c: ScopeColumn): CompiledExpr => ({ oid: c.oid, typmod: c.typmod, eval: (row) => row[c.position]!, rowIndependent: false, name: c.name, location: -1, column: c.position });
    const oid = commonType([at(l), at(r)], 'JOIN/USING');
    const source = swapped ? r : l;
    if (type !== 'full' && source.oid === oid) {
      merged.push({ ...source, relation: null, hidden: false });
      continue;
    }
    const value = coerce(at(source), oid, -1, 'implicit', -1).eval;
    const other = coerce(at(swapped ? l : r), oid, -1, 'implicit', -1).eval;
    computed.push(type === 'full' ? (row, c) => value(row, c) ?? other(row, c) : value);
    merged.push({ relation: null, name: l.name, oid, typmod: -1, position: width + computed.length - 1, tableOid: 0, columnNumber: 0 });
  }
  // The pair's own columns answer only to qualified names once merged.
  const named = new Set(names ?? []);
  const original = (c: ScopeColumn): ScopeColumn => (named.has(c.name) && !c.hidden ? { ...c, qualifiedOnly: true } : c);
  const scope = new Scope([...merged, ...leftColumns.map(original), ...rightColumns.map(original), ...markerColumns]);
  const identity = Array.from({ length: width }, (_, i): Evaluator => (row) => row[i]!);
  const after = afterJoinFilter(afterConjuncts, scope, width + computed.length, pc);
  return {
    scope,
    build: () => {
      const joined = keyRead ? new IndexNestedLoopJoin(outer.build(), inner.baseTable!.codec, keyRead, spec, inner.baseTable!.lock)
        : merge ? new MergeJoin(outer.build(), inner.build(), spec, merge) : new HashJoin(outer.build(), inner.build(), spec);
      const projected = computed.length === 0 ? joined : new Project(joined, [...identity, ...computed]);
      return after ? filterJoinedRows(projected, width + computed.length, after.predicate, after.subplans) : projected;
    },
    width: width + computed.length,
    accessPaths: keyRead
      ? [...outer.accessPaths, keyRead.point ? 'point' : keyRead.index ? 'index' : 'range']
      : [...left.accessPaths, ...right.accessPaths],
    primaryOrderOf: null,
    ...(joinedRows(kind, outer, inner, keyRead) !== undefined ? { maxRows: joinedRows(kind, outer, inner, keyRead) } : {}),
  };
}

/**
 * `FROM a, b WHERE a.x = b.y`: the WHERE's column = column conjuncts across the two sides of a
 * cross or inner join that WHERE filters directly, as join keys — PostgreSQL's planner joins by
 * them; without them the join is every pair of rows. The WHERE still tests them above the join
 * (the same rows pass): only plain columns, so nothing is evaluated twice that could differ or
 * fail, and only comparisons that resolve (the WHERE reports any error in its own order).
 */
function whereJoinKeys(where: readonly Expr[], scope: Scope, offset: number): Expr[] {
  const keys: Expr[] = [];
  for (const part of where) {
    if (part.kind !== 'op' || part.op !== '=' || part.left?.kind !== 'column' || part.right.kind !== 'column') continue;
    const l = columnAt(part.left, scope);
    const r = columnAt(part.right, scope);
    if (!l || !r || (l.position < offset) === (r.position < offset)) continue;
    if (types.resolveOperator('=', l.oid, r.oid)) keys.push(part);
  }
  return keys;
}

/** The join's own column a plain reference names, or null (another relation's, an enclosing query's, ambiguous). */
function columnAt(ref: Extract<Expr, { kind: 'column' }>, scope: Scope): ScopeColumn | null {
  if (ref.schema !== null) return null;
  try {
    return scope.resolve(ref.table, ref.name, ref.location);
  } catch {
    return null;
  }
}

/** An inner join's ON conjuncts that hold subqueries, compiled to test the joined rows (join-subqueries.ts). */
function afterJoinFilter(parts: readonly Expr[], scope: Scope, width: number, pc: PlanContext): { predicate: Evaluator; subplans: SubplanCollector } | null {
  if (parts.length === 0) return null;
  const subplans = new SubplanCollector();
  subplans.base = width;
  const ctx = withSubqueries(compileContext(pc, scope, 'JOIN/ON'), subplans, pc);
  const predicate = coerceToBoolean(compileExpr(parts.length === 1 ? parts[0]! : { kind: 'and', args: [...parts], location: -1 }, ctx), 'JOIN/ON').eval;
  return { predicate, subplans };
}

/**
 * The inner side's key read when the join should be an index nested-loop join (index-join.ts:
 * the rule and why), or null for a hash join.
 */
function indexJoinRead(kind: JoinSpec['kind'], outer: FromPlan, inner: FromPlan, spec: JoinSpec, rightColumns: readonly (number | null)[]): InnerKeyRead | null {
  if ((kind !== 'inner' && kind !== 'left') || !inner.baseTable || outer.maxRows === undefined || outer.maxRows > SMALL_OUTER_ROWS || spec.conditionSubplans) return null;
  const keys = new Map<number, { value: Evaluator; oid: number }>();
  rightColumns.forEach((column, i) => {
    if (column !== null && !keys.has(column)) keys.set(column, { value: spec.leftKeys[i]!, oid: spec.keyOids[i]! });
  });
  return innerKeyRead(inner.baseTable.table, keys);
}

/** The joined rows' bound: each outer row meets at most one inner row on a point read, else the product. */
function joinedRows(kind: JoinSpec['kind'], outer: FromPlan, inner: FromPlan, keyRead: InnerKeyRead | null): number | undefined {
  if (outer.maxRows === undefined || kind === 'full') return undefined;
  if (keyRead?.point) return outer.maxRows;
  if (inner.maxRows === undefined) return undefined;
  return outer.maxRows * Math.max(1, inner.maxRows);
}

/**
 * `FROM t AS f(a, b)`: the first columns take the new names. Filters are not pushed into such
 * a scan (they name the new columns), and its order is no longer known by the table's names.
 */
function renameColumns(plan: FromPlan, alias: string, names: readonly string[]): FromPlan {
  const visible = plan.scope.columns.filter((c) => !c.hidden);
  if (names.length > visible.length) {
    throw new SqlError('42P10', `table "${alias}" has ${visible.length} columns available but ${names.length} columns specified`);
  }
  const renamed = new Map(visible.slice(0, names.length).map((c, i) => [c, names[i]!]));
  const scope = new Scope(plan.scope.columns.map((c) => (renamed.has(c) ? { ...c, name: renamed.get(c)! } : c)));
  return { ...plan, scope, primaryOrderOf: null };
}

/** The column names a USING or NATURAL join merges (null for ON or a cross join). */
function usingNames(item: Extract<FromItem, { kind: 'join' }>, left: readonly ScopeColumn[], right: readonly ScopeColumn[]): readonly string[] | null {
  if (item.on) return null;
  if (item.natural) {
    const leftNames = new Set(left.filter((c) => !c.hidden && !c.qualifiedOnly).map((c) => c.name));
    return right.filter((c) => !c.hidden && !c.qualifiedOnly && leftNames.has(c.name)).map((c) => c.name);
  }
  const using = item.using ?? [];
  for (const [i, name] of using.entries()) {
    if (using.indexOf(name) !== i) throw new SqlError('42701', `column name "${name}" appears more than once in USING clause`);
    for (const [side, columns] of [['left', left], ['right', right]] as const) {
      if (!columns.some((c) => c.name === name && !c.hidden && !c.qualifiedOnly)) throw new SqlError('42703', `column "${name}" specified in USING clause does not exist in ${side} table`);
    }
  }
  return item.using;
}

/**
 * The join's equi-keys and condition; `rightColumns[i]` is the inner row's column that key i is
 * (when the inner side of the equality is a bare column of the key's own type or a narrower
 * integer type), else null.
 */
function equiJoinSpec(kind: JoinSpec['kind'], condition: readonly Expr[], left: Scope, offset: number, rightWidth: number, scope: Scope, pc: PlanContext):
  JoinSpec & { rightColumns: (number | null)[]; leftColumns: (number | null)[] } {
  const rightColumns: (number | null)[] = [];
  const leftColumns: (number | null)[] = [];
  const leftKeys: Evaluator[] = [];
  const rightKeys: Evaluator[] = [];
  const keyOids: number[] = [];
  const plain = compileContext(pc, scope, 'JOIN/ON');
  // Subqueries over tables reach here only in an outer join's condition (join-subqueries.ts):
  // their subplans run per candidate pair, their results after the pair's columns.
  const subplans = new SubplanCollector();
  subplans.base = offset + rightWidth;
  const ctx: CompileContext = withSubqueries(plain, subplans, pc);
  // The whole condition first: its fold errors are PostgreSQL's (a constant false stops them,
  // `ON false AND a = b + 1/0`), and a condition that folds to a constant has no keys to hash.
  const full = condition.length > 0
    ? coerceToBoolean(compileExpr(condition.length === 1 ? condition[0]! : { kind: 'and', args: condition, location: -1 }, ctx), 'JOIN/ON')
    : null;
  const keyCtx: CompileContext = { ...ctx, foldErrors: undefined };
  const leftNames = new Set(left.columns.map((c) => c.position));
  for (const part of full && foldedValue(full) !== undefined ? [] : condition) {
    // A key is evaluated on one side's row alone, where no subplan result sits.
    if (part.kind !== 'op' || part.op !== '=' || !part.left || containsSubquery(part)) continue;
    const sides = [part.left, part.right].map((side) => {
      const positions = localPositions(columnRefs(side), scope, pc);
      if (positions.length === 0) return null;
      if (positions.every((p) => leftNames.has(p))) return 'left';
      if (positions.every((p) => p >= offset)) return 'right';
      return null;
    });
    if (!sides[0] || !sides[1] || sides[0] === sides[1]) continue;
    const [l, r] = sides[0] === 'left' ? [part.left, part.right] : [part.right, part.left];
    const lc = compileExpr(l, keyCtx);
    const rc = compileExpr(r, keyCtx);
    // Resolving the operator checks the comparison is valid (42883 otherwise); hashing then
    // compares both sides in their common type.
    applyOperator('=', lc, rc, keyCtx, part.location);
    const oid = commonType([lc, rc], 'JOIN');
    const lcoerced = coerce(lc, oid, -1, 'implicit', part.location).eval;
    const rcoerced = coerce(rc, oid, -1, 'implicit', part.location).eval;
    leftKeys.push(lcoerced);
    const rightColumn = r.kind === 'column' && rc.oid === oid && rc.column !== undefined ? rc.column - offset : null;
    // Right rows are evaluated alone (before concatenation): a plain column is read at its
    // place in the right row; other expressions see the row shifted to its joined position.
    rightKeys.push(rightColumn !== null ? (row) => row[rightColumn]! : (row, c) => rcoerced(shiftRow(row, offset), c));
    keyOids.push(oid);
    // A bare inner column of a narrower integer type is still a key an index join can read
    // (integer-keys.ts narrows the outer value); the hash join above compares in the common type.
    const narrower = r.kind === 'column' && rc.column !== undefined && narrowsToKey(rc.oid, oid) ? rc.column - offset : null;
    rightColumns.push(rightColumn ?? narrower);
    // A plain left column of the key's own type (a merge join reads it in place).
    leftColumns.push(l.kind === 'column' && lc.oid === oid && lc.column !== undefined ? lc.column : null);
  }
  const conditionSubplans = subplans.empty ? undefined : (combined: Row, rt: Runtime) => applySubplansToRow(subplans, combined, rt);
  return { kind, rightWidth, leftKeys, rightKeys, keyOids, condition: full?.eval ?? null, rightColumns, leftColumns, ...(conditionSubplans ? { conditionSubplans } : {}) };
}

/**
 * Where a join condition's column references sit in the joined row. A reference this query's
 * FROM lacks names an enclosing query's column (a correlated subquery): it is the same for every
 * pair of rows, so it decides no side and is left out; one that resolves nowhere is reported
 * when the condition is compiled.
 */
function localPositions(refs: readonly Extract<Expr, { kind: 'column' }>[], scope: Scope, pc: PlanContext): number[] {
  const positions: number[] = [];
  for (const ref of refs) {
    try {
      positions.push(scope.resolve(ref.table, ref.name, ref.location).position);
    } catch (error) {
      if (!pc.outer || !(error instanceof SqlError) || (error.code !== '42P01' && error.code !== '42703')) throw error;
    }
  }
  return positions;
}

/** Places a right-side row at its offset so evaluators compiled on the joined scope can read it. */
function shiftRow(row: Row, offset: number): Row {
  const shifted: Row = new Array(offset + row.length);
  for (let i = 0; i < row.length; i++) shifted[offset + i] = row[i]!;
  return shifted;
}

function planTable(item: Extract<FromItem, { kind: 'table' }>, where: readonly Expr[], pc: PlanContext, order: WantedOrder | null): FromPlan {
  const relation = resolveRelation(pc.resolver, item.schema, item.name, item.location);
  const relationName = item.alias ?? item.name;
  const lock = pc.fromLocks?.of(relationName) ?? null;
  if (relation.kind === 'view') {
    pc.access?.read(relation.view.id, 'view', relation.view.schema, relation.view.name, item.schema !== null);
    if (!lock) return planView(relation.view, relationName, item.location, pc);
    const deferred = deferredLockCheck(relationName, pc);
    const planned = planView(relation.view, relationName, item.location, { ...pc, pushedLock: lock, deferOuterJoinCheck: deferred.defer });
    deferred.named(planned.scope.columns.map((c) => c.name));
    return planned;
  }
  if (relation.kind === 'virtual') {
    const table = relation.table;
    const columns: ScopeColumn[] = table.columns.map((c, i) => ({ relation: relationName, name: c.name, oid: c.oid, typmod: -1, position: i, tableOid: table.oid, columnNumber: i + 1 }));
    // The system column pg_dump reads from every catalog (`SELECT tableoid, oid, …`), hidden from `*`.
    columns.push({ relation: relationName, name: 'tableoid', oid: TypeOid.oid, typmod: -1, position: columns.length, tableOid: table.oid, columnNumber: 0, hidden: true });
    const catalog = pc.resolver.catalog;
    const session = { user: pc.sessionUser, setting: pc.session ? (name: string) => pc.session!.setting(name) : undefined };
    return {
      scope: new Scope(columns),
      build: () => new StaticRows(() => table.rows(catalog, session).map((row) => [...row, table.oid])),
      width: columns.length,
      accessPaths: ['full'],
      primaryOrderOf: null,
    };
  }
  const table = relation.table;
  pc.usedTables.add(table);
  const decoded = pc.columnUse?.columnsFor(item, table) ?? null;
  // The columns it may read (a superset, by name) are what column privileges must cover.
  pc.access?.read(table.id, 'table', table.schema, table.name, item.schema !== null, decoded?.map((p) => table.columns[p]!.name) ?? null);
  const codec = decoded === null ? pc.codecs(table) : pc.codecs(table).pruned(decoded);
  const numbers = attributeNumbers(table);
  const aliasOf = relationName !== table.name ? { aliasOf: table.name } : {};
  const columns: ScopeColumn[] = table.columns.map((c, i) => ({ relation: relationName, name: c.name, oid: c.typeOid, typmod: c.typmod, position: i, tableOid: table.id, columnNumber: numbers[i]!, ...aliasOf }));
  columns.push({ relation: relationName, name: '__row_key', oid: TypeOid.bytea, typmod: -1, position: table.columns.length, tableOid: table.id, columnNumber: 0, hidden: true, ...aliasOf });
  const scope = new Scope(columns);
  const mine = where.filter((part) => columnRefs(part).every((ref) => {
    // A qualified name of no relation in this FROM is the enclosing query's (a correlated
    // subquery): constant for one run, it may bound the scan.
    if (ref.table !== null) return ref.table === relationName || (pc.outer !== undefined && !(pc.localRelations?.has(ref.table) ?? true));
    return table.columns.some((c) => c.name === ref.name);
  }));
  const bounds = extractBounds(table, relationName, mine, compileContext(pc, scope, 'WHERE'));
  const path = chooseAccessPath(codec, bounds, wantedOrderOf(order, relationName));
  // A pruned read whose statement never names the row key drops it after the access path.
  const keySlot = table.columns.length;
  const read = decoded === null || pc.columnUse!.namesRowKey() ? path.source : () => new ForgetSlot(path.source(), keySlot);
  if (lock) pc.plannedLocks?.add(lock);
  const build = lock ? () => lockingRead(read(), lock) : read;
  return {
    scope,
    build,
    width: columns.length,
    accessPaths: [path.kind],
    primaryOrderOf: path.primaryOrder ? { table, relation: relationName, reverse: path.reverse, ...(path.orderColumns ? { columns: path.orderColumns } : {}) } : null,
    ...(path.maxRows !== undefined ? { maxRows: path.maxRows } : {}),
    ...(path.decided && path.decided.length > 0 ? { decided: path.decided } : {}),
    baseTable: { table, codec, lock },
  };
}

/** A FROM item naming a WITH query: its output columns become a relation named by the alias or the name. */
function planCteReference(binding: CteBinding, item: Extract<FromItem, { kind: 'table' }>): FromPlan {
  const planned = planCteQuery(binding, item, planSelect);
  const relation = item.alias ?? item.name;
  // A column keeps its origin (the wire's table oid and attnum) through the WITH query, as in PostgreSQL.
  const scope = new Scope(planned.columns.map((c, i) => ({ relation, name: c.name, oid: c.oid, typmod: c.typmod, position: i, tableOid: c.tableOid, columnNumber: c.columnNumber, record: c.record })));

  return { scope, build: planned.build, width: planned.columns.length, accessPaths: planned.accessPaths.slice(), primaryOrderOf: null };
}

/** Views inside views are planned in turn; a view that reaches itself (OR REPLACE made a cycle) stops here. */
const MAX_VIEW_DEPTH = 32;

/** A view in FROM: its query, parsed from the catalog's text and planned as a subquery named after the view. */
function planView(view: ViewInfo, relation: string, location: number, pc: PlanContext): FromPlan {
  const depth = (pc.viewDepth ?? 0) + 1;
  if (depth > MAX_VIEW_DEPTH) throw new SqlError('42P17', `infinite recursion detected in rules for relation "${view.name}"`, location >= 0 ? { position: location + 1 } : {});
  const parsed = parseSql(view.definition);
  const query = parsed[0]?.statement;
  if (parsed.length !== 1 || query?.kind !== 'select') throw new SqlError('XX000', `view "${view.name}" has a definition that is not a query`);
  // The view's query sees neither the caller's WITH queries nor its columns; what it reads is
  // its own query's business (all its output columns), analysed on its own.
  const columnUse = pc.columnUse === undefined ? undefined : ColumnUse.of(query);
  const resolver = view.searchPath ? viewResolver(pc.resolver, view.searchPath) : pc.resolver;
  const inner = planSelect(query, { ...pc, resolver, outer: undefined, ctes: undefined, viewDepth: depth, access: pc.access?.throughView(view.id), columnUse });
  const scope = new Scope(inner.columns.map((c, i) => ({
    // The wire names a view's column by the view and its position, as PostgreSQL does.
    relation, name: view.columns[i]?.name ?? c.name, oid: c.oid, typmod: c.typmod, position: i, tableOid: view.id, columnNumber: i + 1,
  })));
  return { scope, build: inner.build, width: inner.columns.length, accessPaths: inner.accessPaths.slice(), primaryOrderOf: null };
}

/** The resolver a view's query names things with: the reader's, with the view's own search path. */
function viewResolver(reader: RelationResolver, searchPath: readonly string[]): RelationResolver {
  return { catalog: reader.catalog, searchPath, virtual: (schema, name) => reader.virtual(schema, name) };
}

/** A subquery in FROM: its output columns become a relation named by its alias. */
function planDerived(item: Extract<FromItem, { kind: 'subquery' }>, pc: PlanContext): FromPlan {
  const lock = pc.fromLocks?.of(item.alias) ?? null;
  const deferred = lock ? deferredLockCheck(item.alias, pc) : null;
  const inner = planSelect(item.query, lock && deferred ? { ...pc, pushedLock: lock, deferOuterJoinCheck: deferred.defer } : pc);
  if (item.columnAliases.length > inner.columns.length) {
    throw new SqlError('42P10', `table "${item.alias}" has ${inner.columns.length} columns available but ${item.columnAliases.length} columns specified`);
  }
  deferred?.named(inner.columns.map((c, i) => item.columnAliases[i] ?? c.name));
  const scope = new Scope(inner.columns.map((c, i) => ({
    relation: item.alias, name: item.columnAliases[i] ?? c.name, oid: c.oid, typmod: c.typmod, position: i, tableOid: c.tableOid, columnNumber: c.columnNumber, record: c.record,
    ...(c.constant ? { constant: c.constant } : {}),
  })));
  const maxRows = queryRows(item.query);
  return { scope, build: inner.build, width: inner.columns.length, accessPaths: inner.accessPaths.slice(), primaryOrderOf: null, ...(maxRows !== undefined ? { maxRows } : {}) };
}

/** A bound on a query's rows that its text gives: a VALUES list's length, or a constant LIMIT. */
function queryRows(query: SelectStatement): number | undefined {
  if (query.values && !query.setOperation) return query.values.length;
  const limit = query.limit;
  if (limit?.kind === 'const' && limit.literal === 'integer' && !query.withTies) return Number(limit.text);
  return undefined;
}


/** A function in FROM (plan-srf.ts); its arguments may name columns of the items before it. */
function planFunction(given: Extract<FromItem, { kind: 'function' }>, pc: PlanContext): FromPlan {
  const setFunction = planSetSqlFunction(given, pc);
  if (setFunction) return setFunction;
  const { item, unreachable } = withInformationSchemaCalls(given, pc.resolver.searchPath);
  if (unreachable) {
    const ctx = compileContext(pc, new Scope([]), 'functions in FROM');
    const name = unreachable.schema ? `${unreachable.schema}.${unreachable.name}` : unreachable.name;
    throw noSuchFunction(name, unreachable.args.map((a) => compileExpr(a, ctx).oid), unreachable.location);
  }
  // A schema-qualified call reaches only a set-returning SQL function of that schema (above).
  const qualified = item.calls.find((call) => call.schema !== undefined);
  if (qualified) {
    const { catalog } = pc.resolver;
    if (!catalog.schema(qualified.schema!)) throw new SqlError('3F000', `schema "${qualified.schema}" does not exist`, { position: qualified.location + 1 });
    if (catalog.functions(qualified.schema!, qualified.name).length === 0) {
      const ctx = compileContext(pc, new Scope([]), 'functions in FROM');
      throw noSuchFunction(`${qualified.schema}.${qualified.name}`, qualified.args.map((a) => compileExpr(a, ctx).oid), qualified.location);
    }
    throw new SqlError('0A000', 'this form of function in FROM is not supported yet', { position: qualified.location + 1 });
  }
  const plan = planFunctionScan(item, compileContext(pc, new Scope([]), 'functions in FROM'));
  const relation = item.alias ?? item.name;
  // One function of one column, without ORDINALITY: its FROM item's whole row is its value.
  const rowIsValue = item.calls.length === 1 && !item.ordinality && plan.columns.length === 1;
  const scope = new Scope(plan.columns.map((c, i) => ({ relation, name: c.name, oid: c.oid, typmod: -1, position: i, tableOid: 0, columnNumber: 0, ...(rowIsValue ? { rowIsValue } : {}) })));
  return { scope, build: plan.build, width: plan.columns.length, accessPaths: [], primaryOrderOf: null };
}

/** A set-returning SQL function in FROM (set-sql-functions.ts): a derived table over its body. */
function planSetSqlFunction(item: Extract<FromItem, { kind: 'function' }>, pc: PlanContext): FromPlan | null {
  const catalog = pc.resolver.catalog;
  if (item.calls.length !== 1 || item.ordinality) return null;
  const call = item.calls[0]!;
  const schemas = call.schema !== undefined ? [call.schema] : pc.resolver.searchPath;
  // (A cheap test before compiling the arguments: does any set-returning SQL function have this name?)
  if (!schemas.some((schema) => catalog.functions(schema, call.name).some((f) => f.returnsSet))) return null;
  const ctx = compileContext(pc, new Scope([]), 'functions in FROM');
  const argOids = call.args.map((a) => compileExpr(a, ctx).oid);
  const found = findSetFunction(catalog, schemas, { name: call.name, argOids, argNames: call.argNames, location: call.location }, call.args);
  if (!found) return null;
  const fn = found.fn;
  pc.access?.execute(fn, false, `${call.name}(${argOids.map((oid) => types.formatType(oid, -1)).join(', ')})`);
  const relation = item.alias ?? item.name;
  const query = inlineSetCall(fn, found.args, call.location, item.columnAliases[0] ?? relation, columnsOfTables(catalog, schemas));
  return planDerived({ kind: 'subquery', query, alias: relation, columnAliases: [], location: call.location }, pc);
}

class StaticRows implements RowSource {
  private done = false;
  constructor(private readonly rows: () => Row[]) {}
  explain(): ExplainInfo {
    return { label: 'Catalog Scan', children: [] };
  }

  async next(_rt: Runtime): Promise<Row[] | null> {
    if (this.done) return null;
    this.done = true;
    return this.rows();
  }
}

export function fieldsOf(columns: readonly OutputColumn[]): FieldDescription[] {
  return columns.map((c) => ({
    name: c.name, tableOid: c.tableOid, columnNumber: c.columnNumber, typeOid: c.oid,
    typeSize: types.typeLength(c.oid), typeModifier: c.typmod,
  }));
}

/**
 * DISTINCT ON (exprs): the keys' positions in the projected row (select-list items, or extra
 * columns), checked against ORDER BY as PostgreSQL requires: ORDER BY must begin with them.
 * `sortFirst` sorts by the keys when there is no ORDER BY.
 */
function planDistinctOn(statement: SelectStatement, exprs: readonly CompiledExpr[], names: readonly string[], extras: CompiledExpr[], sortKeys: readonly SortKey[], ctx: CompileContext):
  { keys: { position: number; oid: number }[]; sortFirst: SortKey[] } {
  const keys = statement.distinctOn!.map((expr) => {
    // `DISTINCT ON (2)` is the second output column, as in ORDER BY: its value, of its type.
    if (expr.kind === 'const' && expr.literal === 'integer') {
      const position = Number(expr.text) - 1;
      if (position < 0 || position >= exprs.length) throw new SqlError('42P10', `DISTINCT ON position ${expr.text} is not in select list`, expr.location >= 0 ? { position: expr.location + 1 } : {});
      return { position, oid: exprs[position]!.oid };
    }
    // A bare name is an output column's first, as in ORDER BY (PostgreSQL's SQL92 rule).
    if (expr.kind === 'column' && expr.table === null && names.filter((n) => n === expr.name).length === 1) {
      const position = names.indexOf(expr.name);
      return { position, oid: exprs[position]!.oid };
    }
    let compiled = compileExpr(expr, { ...ctx, clause: 'DISTINCT ON' });
    if (compiled.oid === TypeOid.unknown) compiled = coerce(compiled, TypeOid.text, -1, 'implicit', compiled.location);
    const key = exprKey(expr);
    let position = statement.targets.findIndex((t) => exprKey(t.expr) === key);
    // An expression ORDER BY already computes has its column there.
    const ordered = statement.orderBy.findIndex((item) => exprKey(item.expr) === key);
    if ((position < 0 || position >= exprs.length) && ordered >= 0) position = sortKeys[ordered]!.position;
    if (position < 0 || position >= exprs.length + extras.length) {
      position = exprs.length + extras.length;
      extras.push(compiled);
    }
    return { position, oid: compiled.oid };
  });
  const leading = new Set(sortKeys.slice(0, keys.length).map((k) => k.position));
  if (sortKeys.length > 0 && (sortKeys.length < keys.length ? false : !keys.every((k) => leading.has(k.position)))) {
    // At the first DISTINCT ON expression ORDER BY does not begin with, as PostgreSQL points.
    const stray = statement.distinctOn![keys.findIndex((k) => !leading.has(k.position))]!;
    throw new SqlError('42P10', 'SELECT DISTINCT ON expressions must match initial ORDER BY expressions', stray.location >= 0 ? { position: stray.location + 1 } : {});
  }
  const sortFirst = sortKeys.length > 0 ? [...sortKeys] : keys.map((k) => ({ position: k.position, oid: k.oid, descending: false, nullsFirst: false }));
  return { keys, sortFirst };
}

/** Keeps the first row of each run of rows with equal keys (rows arrive sorted by them). */
class DistinctOn implements RowSource {
  private previous: string | null = null;
  constructor(private readonly source: RowSource, private readonly keys: readonly { position: number; oid: number }[]) {}
  explain(): ExplainInfo {
    return { label: 'Unique (DISTINCT ON)', children: [this.source] };
  }
  async next(rt: Runtime): Promise<Row[] | null> {
    const oids = this.keys.map((k) => k.oid);
    for (;;) {
      const batch = await this.source.next(rt);
      if (!batch) return null;
      const out: Row[] = [];
      for (const row of batch) {
        const key = types.groupKey(oids, this.keys.map((k) => row[k.position]!), oids.length);
        if (key === this.previous) continue;
        this.previous = key;
        out.push(row);
      }
      if (out.length > 0) return out;
    }
  }
}

/**
 * `left JOIN LATERAL (subquery)`: the subquery may name the left side's columns, so it is
 * planned with the left scope as its enclosing one and run once per left row (LateralJoin).
 */
function planLateralJoin(item: Extract<FromItem, { kind: 'join' }>, lateral: Extract<FromItem, { kind: 'subquery' | 'function' }>, where: readonly Expr[], pc: PlanContext, order: WantedOrder | null, preserved: boolean): FromPlan {
  const name = lateral.alias ?? (lateral.kind === 'function' ? lateral.name : '');
  if (item.joinType !== 'inner' && item.joinType !== 'left' && item.joinType !== 'cross') {
    throw new SqlError('42P10', `invalid reference to FROM-clause entry for table "${name}"`, { hint: 'The combining JOIN type must be INNER or LEFT for a LATERAL reference.' });
  }
  // The lateral side runs once per left row, in the left side's order: ORDER BY may use it.
  const left = planFromItem(item.left, where, pc, order, preserved);
  // Names the left side lacks go on to this query's own enclosing scope, one level further out.
  const correlation = { correlated: false };
  const outerScope = pc.outer ? new CorrelatedScope(left.scope.columns, pc.outer.scope, pc.outer.correlation) : left.scope;
  const lateralPc = { ...pc, outer: { scope: outerScope, correlation } };
  const right = lateral.kind === 'function' ? planFunction(lateral, lateralPc) : planDerived(lateral, lateralPc);
  const offset = left.width;
  const rightColumns = right.scope.columns.map((c) => ({ ...(item.joinType === 'left' ? withoutConstant(c) : c), position: c.position + offset }));
  const scope = new Scope([...left.scope.columns, ...rightColumns]);
  const onCtx = compileContext(pc, scope, 'JOIN/ON');
  const on = item.on ? coerceToBoolean(compileExpr(item.on, onCtx), 'JOIN/ON').eval : null;
  const outerJoin = item.joinType === 'left';
  // LEFT JOIN LATERAL: the lateral item's presence marker (PRESENCE_MARKER) after its columns.
  const marker: ScopeColumn[] = outerJoin ? [{ relation: name, name: PRESENCE_MARKER, oid: TypeOid.bool, typmod: -1, position: offset + right.width, tableOid: 0, columnNumber: 0, hidden: true }] : [];
  return {
    scope: new Scope([...scope.columns, ...marker]),
    build: () => new LateralJoin(left.build(), right.build, on, outerJoin, right.width),
    width: left.width + right.width + marker.length,
    accessPaths: [...left.accessPaths, ...right.accessPaths],
    primaryOrderOf: left.primaryOrderOf,
  };
}

class LateralJoin implements RowSource {
  constructor(private readonly left: RowSource, private readonly right: () => RowSource, private readonly on: Evaluator | null,
    private readonly outerJoin: boolean, private readonly rightWidth: number) {}

  explain(): ExplainInfo {
    return { label: `Nested Loop${this.outerJoin ? ' Left' : ''} Join (LATERAL)`, children: [this.left, this.right()] };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    for (;;) {
      const batch = await this.left.next(rt);
      if (!batch) return null;
      const out: Row[] = [];
      for (const leftRow of batch) {
        const rows = await materialize(this.right(), withOuterRow(rt, leftRow));
        let matched = false;
        for (const rightRow of rows) {
          const row = [...leftRow, ...rightRow];
          if (this.on && this.on(row, rt.ctx) !== true) continue;
          matched = true;
          if (this.outerJoin) row.push(true);
          out.push(row);
        }
        if (!matched && this.outerJoin) out.push([...leftRow, ...new Array<SqlValue>(this.rightWidth + 1).fill(null)]);
      }
      if (out.length > 0) return out;
    }
  }
}
