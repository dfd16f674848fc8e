import { SqlError } from '../../contracts/errors.js';
import { advisoryLockRefusal } from './advisory-locks.js';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import type { ConnectionEndpoints } from '../../contracts/sql-session.js';
import type { AccessLog } from '../roles/access-log.js';
import type { CatalogSnapshot } from '../catalog/catalog.js';
import { attributeNumbers } from './tuple-layout.js';
import { compileRegCast, regCastAsText, regCastTarget, resolveCatalogFunction } from '../system/catalog-functions.js';
import { compileRegArrayCast, regArrayCastTarget } from '../system/reg-name-casts.js';
import { arrayLowerBound } from '../types/vectors.js';
import { compileAnyArray, compileCatalogSubquery } from '../system/catalog-subquery.js';
import { arrayOperator } from './array-operators.js';
import type { Expr, SelectStatement } from './ast.js';
import { formatArray, requireType, typeByOid } from '../types/index.js';
import { virtualTable } from '../system/virtual-tables.js';
import { baseRelations, containsAggregate, resolveRelation } from './relations.js';
import { compileSubplan, type SubqueryHost } from './subplans.js';
import { compileWindowCall, withinGroupRequired, type WindowCollector } from './windows.js';
import { compileSetCall, SrfCollector } from './plan-srf.js';
import { isInformationSchemaFunction, reachesInformationSchemaFunction } from './information-schema-functions.js';
import { columnsOfTables, inlineCall } from './sql-functions.js';
import { callArguments, callSignature, resolveUserCall } from './user-function-calls.js';
import { compileSequenceCall, SEQUENCE_FUNCTIONS } from '../sequences/sequence-functions.js';
import { compileRelationSizeCall, RELATION_SIZE_FUNCTIONS } from '../system/relation-size.js';
import type { CompiledExpr, Evaluator, ExecContext } from './compiled.js';
import { PRESENCE_MARKER, Scope, type ScopeColumn } from './scope.js';
import { compileOverlaps, isOverlapsCall } from './overlaps.js';
import { hoistOneTimeFilter, localNames, simplifyExistsQuery } from './exists-query.js';
import type { FoldErrors } from './fold-errors.js';
import type { ParameterUse } from './parameter-use.js';
import { compileSystemColumn } from './system-columns.js';
import { mapTree } from './ast-map.js';
import * as types from './typesystem.js';
import { compileDomainCast, domainForTypeName } from './ddl-domains.js';
import { compileField, compileRecordFunction, compileRow, compileWholeRow, recordOperator, rowNullTest } from './row-values.js';
import { resolveVariadicArrayCall } from '../types/variadic.js';
import { positionalCall } from './named-arguments.js';
import { isDefaultStyle, isStyledType, sessionZone, styledOutput, type OutputStyle } from '../types/output-style.js';
import { UTC_ZONE, type SessionZone } from '../types/session-zone.js';
import { localTimestampAt, parseTextInZone, readsClock, readsZone, timestamptzToTimeTz, timeToTimeTz, zonedCast } from '../types/zoned-datetime.js';
import { mayNameRelativeTime } from '../types/datetime.js';
import { jsonbAssignSubscripts, jsonbSubscript } from '../types/json-functions.js';
import { timestampToDate, timestampToTime } from '../types/datetime.js';
import { compileOrderedSetAggregate } from './ordered-set-aggregates.js';
import { compileSleepCall, isSleepFunction } from './sleep-functions.js';
import { untypedAggregateArgument } from './untyped-aggregate.js';
import { isMutableBuiltinCall, isMutableCast, isMutableOperator } from './volatility.js';
import { leftmostLocation } from './expr-location.js';

/**
 * Compiles AST expressions into typed closures (no per-row interpretation of the tree),
 * resolving names against a Scope and operators/functions/casts with PostgreSQL's rules.
 */

export interface AggregateCall {
  readonly name: string;
  readonly arg: CompiledExpr | null;
  /** The second argument of a two-argument aggregate (string_agg's delimiter). */
  readonly second: CompiledExpr | null;
  /** The aggregate's own ORDER BY: keys computed per input row. */
  readonly order: readonly { readonly eval: Evaluator; readonly key: types.AggregateOrderKey }[];
  readonly distinct: boolean;
  readonly filter: CompiledExpr | null;
  readonly oid: number;
  /** Slot of the aggregate's result in the post-aggregation row. */
  readonly slot: number;
  /** A state of its own instead of the named aggregate's (ordered-set aggregates collect their keys). */
  readonly state?: () => types.AggregateState;
}

export interface CompileContext {
  readonly scope: Scope;
  /** Parameter types, filled in by inference (0 = not yet known). */
  readonly paramTypes: number[];
  /** When set, aggregate calls are allowed and collected here. */
  readonly aggregates: AggregateCall[] | null;
  /** Slot where the next aggregate result goes (grouped queries). */
  aggregateBase: number;
  /** Describes where aggregates are forbidden, for the error message. */
  readonly clause: string;
  readonly sessionUser: string;
  readonly currentSchema: string;
  /** The scope for aggregate arguments (the pre-aggregation row) when compiling above a GROUP BY. */
  readonly inputScope?: Scope;
  /** Group-by expressions (by their source text key) mapped to their post-aggregation slots. */
  readonly groupSlots?: Map<string, number>;
  /**
   * The catalog snapshot and search path the statement is planned against: catalog functions
   * (pg_table_is_visible, format_type, pg_get_indexdef, …), reg* casts and subqueries over
   * system catalogs need them. Absent, those are not available.
   */
  readonly catalog?: CatalogSnapshot;
  readonly searchPath?: readonly string[];
  /** Session facts for version(), current_setting(), pg_backend_pid(), inet_client_addr(). */
  readonly session?: {
    readonly processId: number;
    /** The connection's TCP ends; null (or absent) when not known. */
    readonly endpoints?: ConnectionEndpoints | null;
    setting(name: string): string;
    setConfig?(name: string, value: string | null, local: boolean): string;
  };
  /** Where subqueries over tables are planned and collected; absent, only catalog subqueries work. */
  readonly subqueries?: SubqueryHost;
  /**
   * Above a GROUP BY: where subqueries in aggregate arguments, FILTER and ORDER BY go — they run
   * per input row, before the rows are aggregated (absent: such subqueries are compiled with
   * `subqueries`, which would run them on the grouped rows).
   */
  readonly aggregateSubqueries?: SubqueryHost;
  /** Where window function calls are collected: the select list and ORDER BY only. */
  readonly windows?: WindowCollector | undefined;
  /** Where set-returning calls go (a select list's ProjectSet); unset, they are refused. */
  readonly srfs?: SrfCollector | undefined;
  /** Set inside CASE/COALESCE, where PostgreSQL refuses set-returning calls. */
  readonly srfBlockedBy?: string | undefined;
  /** SQL functions being inlined around this expression (a guard against recursion). */
  readonly functionDepth?: number;
  /** Where the SQL functions called are recorded, for their EXECUTE check (src/qp/roles/access-log.ts). */
  readonly access?: AccessLog | undefined;
  /** Where constant folds that fail are recorded, for PostgreSQL's plan-time error (fold-errors.ts); absent, none are. */
  readonly foldErrors?: FoldErrors | undefined;
  /** Where parameter references and their coercions are recorded, for Parse's 42P18 (parameter-use.ts); absent, none are. */
  readonly parameterUse?: ParameterUse | undefined;
}

const at = (location: number) => (location >= 0 ? { position: location + 1 } : {});

function constant(oid: number, value: SqlValue, name: string, location: number, typmod = -1): CompiledExpr {
  return { oid, typmod, eval: () => value, rowIndependent: true, name, location };
}

export function compileExpr(expr: Expr, ctx: CompileContext): CompiledExpr {
  if (ctx.groupSlots && ctx.groupSlots.size > 0) {
    const slot = ctx.groupSlots.get(groupingKey(expr, ctx.inputScope));
    if (slot !== undefined && ctx.inputScope) {
      // (Only for its type and name: a set-returning call here ran before grouping, so it goes nowhere.)
      // A subquery in it sees the input rows, as it did in GROUP BY (not the grouped row's scope).
      const subqueries = ctx.aggregateSubqueries ?? ctx.subqueries;
      const inner = compileExpr(expr, { ...ctx, scope: ctx.inputScope, groupSlots: undefined, aggregates: null, srfs: ctx.srfs && new SrfCollector(), ...(subqueries ? { subqueries } : {}) });
      return { oid: inner.oid, typmod: inner.typmod, eval: (row) => row[slot]!, rowIndependent: false, name: inner.name, location: inner.location, column: slot };
    }
  }
  switch (expr.kind) {
    case 'const': return compileConst(expr);
    case 'param': return compileParam(expr.index, ctx, expr.location);
    case 'column': {
      if (ctx.groupSlots && ctx.inputScope) {
        const wholeRow = expr.table === null ? groupedWholeRow(ctx.inputScope, ctx.groupSlots, expr.name, expr.location) : null;
        if (wholeRow) return wholeRow;
        const column = ctx.inputScope.resolve(expr.table, expr.name, expr.location);
        throw new SqlError('42803', `column "${column.relation ? `${column.relation}.` : ''}${column.name}" must appear in the GROUP BY clause or be used in an aggregate function`, at(expr.location));
      }
      let column;
      try {
        column = ctx.scope.resolve(expr.table, expr.name, expr.location);
      } catch (error) {
        // A bare name that is no column but a FROM item is a whole-row reference, as in PostgreSQL.
        const wholeRow = error instanceof SqlError && error.code === '42703' && expr.table === null ? compileWholeRow(ctx.scope, expr.name, expr.location) : null;
        if (wholeRow) return wholeRow;
        const system = error instanceof SqlError && error.code === '42703' ? compileSystemColumn(ctx.scope, expr.table, expr.name, expr.location) : null;
        if (system) return system;
        throw error;
      }
      const position = column.position;
      const record = column.record ? { record: column.record } : {};
      if (column.outerLevel !== undefined) {
        const level = column.outerLevel;
        const outer: Evaluator = (_row, c) => c.outerRows![c.outerRows!.length - level]![position]!;
        return { oid: column.oid, typmod: column.typmod, eval: outer, rowIndependent: false, name: column.name, location: expr.location, ...record };
      }
      // A pulled-up VALUES column (OutputColumn.constant) folds like the constant it holds.
      if (column.constant) return { ...constant(column.oid, column.constant.value, column.name, expr.location, column.typmod), column: position, ...record };
      return { oid: column.oid, typmod: column.typmod, eval: (row) => row[position]!, column: position, rowIndependent: false, name: column.name, location: expr.location, ...record };
    }
    case 'star': {
      // `t.*` outside a select list (a function's argument): t's whole row.
      const wholeRow = expr.table !== null && !ctx.groupSlots ? compileWholeRow(ctx.scope, expr.table, expr.location) : null;
      if (wholeRow) return wholeRow;
      throw new SqlError('0A000', 'row expansion via "*" is not supported here', at(expr.location));
    }
    case 'row': return compileRow(expr, ctx);
    case 'field': return compileField(expr, ctx);
    case 'op': return compileOperator(expr.op, expr.left, expr.right, ctx, expr.location);
    case 'and':
    case 'or': return compileBoolean(expr.kind, compileBooleanArguments(expr.kind, expr.args, ctx), expr.location);
    case 'not': {
      const arg = coerceToBoolean(compileNoSet(expr.arg, ctx, 'NOT'), 'NOT');
      const f = arg.eval;
      return foldConstant({ oid: TypeOid.bool, typmod: -1, eval: (row, c) => { const v = f(row, c); return v === null ? null : !v; }, rowIndependent: arg.rowIndependent, name: '?column?', location: expr.location }, [arg]);
    }
    case 'null-test': {
      const arg = compileExpr(expr.arg, ctx);
      if (arg.oid === TypeOid.record) return rowNullTest(arg, expr.isNull, expr.location);
      const f = arg.eval;
      const isNull = expr.isNull;
      return foldConstant({ oid: TypeOid.bool, typmod: -1, eval: (row, c) => (f(row, c) === null) === isNull, rowIndependent: arg.rowIndependent, name: '?column?', location: expr.location }, [arg]);
    }
    case 'bool-test': {
      const construct = `IS ${expr.test.toUpperCase().replace('-', ' ')}`;
      return compileBoolTest(expr.test, coerceToBoolean(compileNoSet(expr.arg, ctx, construct), 'IS'), expr.location);
    }
    case 'cast': {
      const reg = regCastTarget(expr.type);
      const scope = ctx.catalog ? { catalog: ctx.catalog, searchPath: ctx.searchPath ?? [] } : null;
      if (reg && scope) {
        let arg = compileExpr(expr.arg, ctx);
        // `$1::regclass`: the parameter is the name, sent as text and looked up as the statement runs.
        if (arg.oid === TypeOid.unknown && arg.paramIndex !== undefined) {
          inferParamType(arg, TypeOid.text);
          arg = { ...arg, oid: TypeOid.text };
        }
        return castNamed(compileRegCast(arg, reg, scope, expr.location), arg, expr.type.names[expr.type.names.length - 1]!);
      }
      const regArray = regArrayCastTarget(expr.type);
      if (regArray && scope) return compileRegArrayCast(compileExpr(expr.arg, ctx), regArray, scope, expr.location);
      const domain = ctx.catalog ? domainForTypeName(ctx.catalog, expr.type, [ctx.currentSchema, ...(ctx.searchPath ?? [])]) : undefined;
      if (domain) return compileDomainCast(compileExpr(expr.arg, ctx), domain, ctx, expr.location);
      const target = types.resolveTypeName(expr.type);
      // `ARRAY[…]::int[]`: the cast gives the constructor its element type, so `ARRAY[]::int[]`
      // has one and each element is cast to it (PostgreSQL's transformArrayExpr does the same).
      const element = expr.arg.kind === 'array' ? typeByOid(target.oid)?.element ?? 0 : 0;
      const compiled = element !== 0 ? compileArrayConstructor(expr.arg as Extract<Expr, { kind: 'array' }>, ctx, element) : compileExpr(expr.arg, ctx);
      // `'t'::regclass::text` prints the name, as the reg* types' output functions do.
      const arg = scope && isStringType(target.oid) && types.isRegType(compiled.oid) ? regCastAsText(compiled, scope) : compiled;
      // `$1::int` gives an untyped parameter the cast's type, as PostgreSQL infers it (ParameterDescription).
      const result = coerce(arg, target.oid, target.typmod, 'explicit', expr.location);
      recordFailedCast(arg, result, ctx);
      return castNamed(result, arg, expr.type.names[expr.type.names.length - 1] ?? types.outputName(target.oid));
    }
    case 'func':
      if (expr.over) {
        if (!ctx.windows) {
          if (ctx.clause === 'aggregate function calls') throw new SqlError('42803', 'aggregate function calls cannot contain window function calls', at(expr.location));
          throw new SqlError('42P20', ctx.clause === 'window functions' ? 'window function calls cannot be nested' : `window functions are not allowed in ${ctx.clause}`, at(expr.location));
        }
        return compileWindowCall(expr, ctx, ctx.windows);
      }
      if (expr.subscriptAssignment) return compileSubscriptAssignment(expr, ctx);
      return compileFunction(expr, ctx);
    case 'case': return compileCase(expr, ctx);
    case 'coalesce': return compileCoalesce(compileCoalesceArguments(expr.args, { ...ctx, srfBlockedBy: 'COALESCE' }), expr.location, ctx);
    case 'greatest':
    case 'least': return compileGreatestLeast(expr.kind, expr.args.map((a) => compileExpr(a, ctx)), expr.location, ctx);
    case 'nullif': return compileNullIf(expr, ctx);
    case 'in': return compileIn(expr, ctx);
    case 'between': {
      // As PostgreSQL's parser rewrites it: a >= b AND a <= c, or a < b OR a > c (so a
      // decisive first comparison drops the second's fold errors, as AND/OR's do).
      const kind = expr.negated ? 'or' : 'and';
      const low: Expr = { kind: 'op', op: expr.negated ? '<' : '>=', left: expr.arg, right: expr.low, location: expr.location };
      const high: Expr = { kind: 'op', op: expr.negated ? '>' : '<=', left: expr.arg, right: expr.high, location: expr.location };
      return compileBoolean(kind, compileBooleanArguments(kind, [low, high], ctx), expr.location);
    }
    case 'like': return compileLike(expr, ctx);
    case 'distinct-from': return compileDistinctFrom(expr, ctx);
    case 'sql-value': return compileSqlValue(expr.name, expr.typmod, ctx, expr.location);
    case 'any': return compileAnyArray(expr, ctx);
    case 'array': return compileArrayConstructor(expr, ctx);
    case 'subscript': return compileSubscript(expr, ctx);
    case 'grouping': {
      // With a plain GROUP BY every argument is grouped: 0. (Grouping sets are spelled out into
      // one query per set, where GROUPING becomes that set's constant: grouping-sets.ts.)
      if (!ctx.groupSlots || !expr.args.every((a) => ctx.groupSlots!.has(groupingKey(a, ctx.inputScope)))) {
        throw new SqlError('42803', 'arguments to GROUPING must be grouping expressions of the associated query level', at(expr.location));
      }
      return constant(TypeOid.int4, 0, 'grouping', expr.location);
    }
    case 'subquery': {
      if (expr.mode === 'exists' && expr.select) {
        const planned = existsAsPlanned(expr, ctx);
        if (planned.kind !== 'subquery') return compileExpr(planned, ctx);
        expr = planned;
      }
      if (ctx.subqueries && expr.select && !overCatalogsOnly(expr.select, ctx)) return compileSubplan(expr, ctx, ctx.subqueries);
      if (expr.rowCompare) throw new SqlError('0A000', expr.unsupported ?? 'row comparisons with subqueries over system catalogs are not supported yet', at(expr.location));
      return compileCatalogSubquery(expr, ctx);
    }
  }
}

/**
 * True when a subquery reads system catalogs only: those run inside the expression, by nested
 * loops over rows in memory (psql's describe queries), and need no subplan.
 */
function overCatalogsOnly(select: SelectStatement, ctx: CompileContext): boolean {
  if (!ctx.catalog || select.from.length === 0 || select.setOperation || select.values) return false;
  // Aggregates need the subplan engine (pg_dump's `(SELECT array_agg(attnum …) FROM pg_attribute …)`).
  if (select.targets.some((t) => containsAggregate(t.expr, types.isAggregate))) return false;
  const resolver = { catalog: ctx.catalog, searchPath: ctx.searchPath ?? [], virtual: virtualTable };
  for (const item of select.from) {
    if (item.kind !== 'table' && item.kind !== 'join') return false;
    for (const relation of baseRelations(item)) {
      try {
        if (resolveRelation(resolver, relation.schema, relation.name, relation.location).kind !== 'virtual') return false;
      } catch {
        return false;
      }
    }
  }
  return true;
}

/** Whether a call names a set-returning SQL function of the catalog (built-in ones are set-functions.ts's). */
function returnsSetFromCatalog(call: Extract<Expr, { kind: 'func' }>, ctx: CompileContext): boolean {
  if (!ctx.catalog) return false;
  const schemas = call.schema ? [call.schema] : ctx.searchPath ?? [];
  return schemas.some((schema) => ctx.catalog!.functions(schema, call.name.toLowerCase()).some((f) => f.returnsSet));
}

/**
 * PostgreSQL analyzes a whole EXISTS subquery (unknown columns, operators, literals) before its
 * planner drops the select list (exists-query.ts): it is planned here for those errors alone,
 * and the fold errors of its select list, which PostgreSQL never plans, are dropped.
 */
function analyzeOnly(select: SelectStatement, ctx: CompileContext, host: SubqueryHost): void {
  const mark = ctx.foldErrors?.mark();
  host.plan(select, host.outer, { correlated: false });
  if (mark !== undefined) ctx.foldErrors!.dropSince(mark);
}

/**
 * An EXISTS subquery as PostgreSQL's planner takes it (exists-query.ts): simplified, and with a
 * one-time filter on the enclosing rows, `CASE WHEN q THEN EXISTS (…) ELSE false END`. What the
 * simplification drops is still analyzed for its errors, as PostgreSQL's parser did.
 */
function existsAsPlanned(expr: Extract<Expr, { kind: 'subquery' }>, ctx: CompileContext): Expr {
  const select = expr.select!;
  const simplified = simplifyExistsQuery(select, (call) => returnsSetFromCatalog(call, ctx));
  const host = ctx.subqueries;
  if (!host || overCatalogsOnly(select, ctx)) return { ...expr, select: simplified };
  if (simplified !== select) analyzeOnly(select, ctx, host);
  const local = ctx.catalog ? localNames(simplified, { catalog: ctx.catalog, searchPath: ctx.searchPath ?? [], virtual: virtualTable }, host) : null;
  const hoisted = local ? hoistOneTimeFilter(simplified, local) : null;
  if (!hoisted) return { ...expr, select: simplified };
  const no: Expr = { kind: 'const', literal: 'boolean', text: 'f', location: expr.location };
  return { kind: 'case', subject: null, whens: [{ when: hoisted.filter, then: { ...expr, select: hoisted.rest } }], otherwise: no, location: expr.location };
}

/**
 * The key that matches an expression to a GROUP BY item: its text with every column reference
 * replaced by the input column it resolves to, so `c`, `t.c` and `"c"` group alike.
 */
export function groupingKey(expr: Expr, scope: Scope | undefined): string {
  if (!scope) return exprKey(expr);
  return exprKey(mapTree(expr, (node) => {
    if (node.kind !== 'column') return undefined;
    const column = node as Extract<Expr, { kind: 'column' }>;
    try {
      const resolved = scope.resolve(column.table, column.name, column.location);
      return resolved.outerLevel === undefined ? { kind: 'input-column', position: resolved.position } : undefined;
    } catch {
      return undefined;
    }
  }) as Expr);
}

/**
 * A whole-row reference (`row_to_json(u)`) above a GROUP BY that groups every column of `u`
 * (all named, or its primary key: plan-select.ts functionallyDependent): the row of the grouped
 * values; 42803 when one is not grouped; null when `u` is no FROM item here.
 */
function groupedWholeRow(input: Scope, groupSlots: Map<string, number>, relation: string, location: number): CompiledExpr | null {
  if (input.columns.some((c) => c.name === relation && !c.unreachable)) return null;
  const all = input.relationColumns(relation);
  if (!all) return null;
  const remapped: ScopeColumn[] = [];
  for (const c of all) {
    if (c.hidden && c.name !== PRESENCE_MARKER) continue;
    const slot = groupSlots.get(groupingKey({ kind: 'column', schema: null, table: relation, name: c.name, location: -1 }, input));
    if (slot === undefined) throw new SqlError('42803', `column "${relation}.*" must appear in the GROUP BY clause or be used in an aggregate function`, at(location));
    remapped.push({ ...c, position: slot });
  }
  return compileWholeRow(new Scope(remapped), relation, location);
}

/**
 * min/max's argument as pg_aggregate's min/max take it: varchar, name and "char" after their
 * implicit cast to text, cidr as inet, the reg* types as oid (they have none of their own).
 * Aggregate and window calls alike.
 */
export function minMaxArgument(name: string, arg: CompiledExpr): CompiledExpr {
  if (name !== 'min' && name !== 'max') return arg;
  if (arg.oid === TypeOid.varchar || arg.oid === TypeOid.name || arg.oid === TypeOid.char) return coerce(arg, TypeOid.text, -1, 'implicit', arg.location);
  if (arg.oid === TypeOid.cidr) return coerce(arg, TypeOid.inet, -1, 'implicit', arg.location);
  if (types.isRegType(arg.oid)) return coerce(arg, TypeOid.oid, -1, 'implicit', arg.location);
  return arg;
}

/** A stable text key for an expression, used to match SELECT/HAVING expressions to GROUP BY items. */
export function exprKey(expr: Expr): string {
  return JSON.stringify(expr, (key, value) => (key === 'location' ? undefined : value));
}

function compileConst(expr: Extract<Expr, { kind: 'const' }>): CompiledExpr {
  const { text, location } = expr;
  switch (expr.literal) {
    case 'null': return { ...constant(TypeOid.unknown, null, '?column?', location), unknownLiteral: undefined };
    case 'boolean': return constant(TypeOid.bool, text === 't', '?column?', location);
    case 'string': return { ...constant(TypeOid.unknown, text, '?column?', location), unknownLiteral: text };
    case 'integer': {
      const n = Number(text);
      if (Number.isInteger(n) && n >= -2147483648 && n <= 2147483647) return constant(TypeOid.int4, n, '?column?', location);
      return constant(TypeOid.int8, BigInt(text), '?column?', location);
    }
    case 'numeric': {
      // pg_query gives integers beyond int4 as fval too: they are int8 when they fit, as in PostgreSQL.
      if (/^-?\d+$/.test(text)) {
        const big = BigInt(text);
        if (big >= -(2n ** 63n) && big < 2n ** 63n) return constant(TypeOid.int8, big, '?column?', location);
      }
      return constant(TypeOid.numeric, types.parseTextValue(TypeOid.numeric, -1, text), '?column?', location);
    }
    case 'bitstring': throw new SqlError('0A000', 'bit string literals are not supported', at(location));
  }
}

/**
 * The parameter list of a statement that takes none (one from a simple query): `$n` in it is
 * 42P02 at the reference, as PostgreSQL's parser says, rather than a NULL no Bind supplies.
 */
export const NO_PARAMETERS: number[] = Object.freeze([]) as unknown as number[];

function compileParam(index: number, ctx: CompileContext, location: number): CompiledExpr {
  if (index < 1 || index > 65535 || ctx.paramTypes === NO_PARAMETERS) throw new SqlError('42P02', `there is no parameter $${index}`, at(location));
  while (ctx.paramTypes.length < index) ctx.paramTypes.push(0);
  const oid = ctx.paramTypes[index - 1] || TypeOid.unknown;
  const i = index - 1;
  const use = ctx.parameterUse;
  use?.refer(index);
  const paramTypes = ctx.paramTypes;
  // The first context that gives the parameter a type decides it (ParameterDescription, Bind).
  const inferParameter = (type: number) => {
    use?.type(index);
    if (paramTypes[i] === 0) paramTypes[i] = type;
  };
  return { oid, typmod: -1, eval: (_row, c) => c.params[i] ?? null, paramIndex: index, inferParameter, rowIndependent: true, name: '?column?', location };
}

/** Gives an untyped literal or parameter a type, or converts a typed value with a cast. */
export function coerce(value: CompiledExpr, oid: number, typmod: number, context: 'implicit' | 'assignment' | 'explicit', location: number, columnName?: string): CompiledExpr {
  if (value.oid === TypeOid.unknown) {
    // Parameters arrive already converted to their inferred type when bound; an assignment or
    // cast still applies the target's typmod (time(0), varchar(3)) as it does to a typed value.
    if (value.paramIndex !== undefined) {
      // Whatever coerces an untyped parameter types it, as PostgreSQL's coerce_type does: it is
      // then bound as that type, never as text read as something else.
      value.inferParameter?.(oid);
      if (context === 'implicit' || typmod < 0) return { ...value, oid, typmod: -1 };
      const f = value.eval;
      return { ...value, oid, typmod, eval: (row, c) => { const v = f(row, c); return v === null ? null : types.applyTypmod(oid, typmod, v, context === 'explicit'); } };
    }
    if (value.unknownLiteral !== undefined) {
      const relative = readsClock(oid) && mayNameRelativeTime(value.unknownLiteral);
      if (relative || readsZone(oid)) return zonedLiteral(value, oid, typmod, context === 'explicit', relative);
      let parsed: SqlValue;
      try {
        // An interval's typmod also decides how its text reads (INTERVAL '7' DAY is seven days).
        parsed = types.parseTextValue(oid, oid === TypeOid.interval ? typmod : -1, value.unknownLiteral, context === 'explicit');
      } catch (error) {
        if (error instanceof SqlError && error.position === undefined && value.location >= 0) error.position = value.location + 1;
        throw error;
      }
      // The typmod (varchar(5), numeric(6,2)) applies after the input, as PostgreSQL's length
      // coercion does: its errors carry no position, as a bound parameter's do not.
      if (typmod >= 0 && parsed !== null) parsed = types.applyTypmod(oid, typmod, parsed, context === 'explicit');
      return { ...constant(oid, parsed, value.name, value.location, typmod) };
    }
    return { ...value, oid, typmod }; // NULL
  }
  if (value.oid === oid) {
    if (typmod < 0 || typmod === value.typmod || context === 'implicit') return value;
    const f = value.eval;
    return { ...value, typmod, eval: (row, c) => { const v = f(row, c); return v === null ? null : types.applyTypmod(oid, typmod, v, context === 'explicit'); }, column: undefined };
  }
  const allowed = types.castContext(value.oid, oid);
  const permitted = allowed !== null && (context === 'explicit' || (context === 'assignment' ? allowed !== 'e' : allowed === 'i'));
  if (!permitted) {
    if (context === 'assignment' && columnName !== undefined) {
      throw new SqlError('42804', `column "${columnName}" is of type ${types.formatType(oid, typmod)} but expression is of type ${types.formatType(value.oid, value.typmod)}`, {
        ...at(location), hint: 'You will need to rewrite or cast the expression.',
      });
    }
    throw new SqlError(allowed === null ? '42846' : '42846', `cannot cast type ${types.formatType(value.oid, value.typmod)} to ${types.formatType(oid, typmod)}`, at(location));
  }
  // Casts are strict: a NULL constant stays one, even where the cast itself is stable.
  if (isNullConstant(value)) return constant(oid, null, value.name, value.location, typmod);
  const zoned = zonedCastFor(value, oid, typmod, context === 'explicit');
  if (zoned) return zoned;
  const cast = types.castFunction(value.oid, oid, typmod, context === 'explicit');
  const f = value.eval;
  if (isStyledType(value.oid) && types.isStringType(oid)) return styledTextCast(value, oid, typmod, context === 'explicit', cast);
  const evaluator: Evaluator = (row, c) => { const v = f(row, c); return v === null ? null : cast(v); };
  // A constant's cast is folded when planned, unless PostgreSQL's is stable (date/time text I/O).
  if (value.rowIndependent && value.paramIndex === undefined && value.unknownLiteral === undefined && isPureConstant(value) && !isMutableCast(value.oid, oid)) {
    const folded = tryFold(evaluator);
    if (folded.ok) return constant(oid, folded.value, value.name, value.location, typmod);
  }
  return { oid, typmod, eval: evaluator, rowIndependent: value.rowIndependent, name: value.name, location: value.location };
}

/**
 * A timestamptz or timetz literal: one without an offset names a wall-clock time in the
 * session's zone when the statement runs, so it is parsed then, never folded at plan time — once
 * per zone, and for timetz once per transaction too (its offset is the zone's on that date). So
 * is a `relative` literal of any date/time type ('now', 'today 10:00'): the transaction's time.
 */
function zonedLiteral(value: CompiledExpr, oid: number, typmod: number, explicit: boolean, relative: boolean): CompiledExpr {
  const text = value.unknownLiteral!;
  try {
    // A malformed literal fails at Parse.
    if (relative) parseTextInZone(oid, typmod, text, UTC_ZONE, 0);
    else types.parseTextValue(oid, typmod, text, explicit);
  } catch (error) {
    if (error instanceof SqlError && error.position === undefined && value.location >= 0) error.position = value.location + 1;
    throw error;
  }
  const dated = relative || oid === TypeOid.timetz || types.arrayElementType(oid) === TypeOid.timetz;
  let zone: SessionZone | null = null;
  let stamp = 0;
  let parsed: SqlValue = null;
  const evaluator: Evaluator = (_row, c) => {
    const current = sessionZone(c);
    if (current !== zone || (dated && c.statementTimestamp !== stamp)) {
      parsed = types.applyTypmod(oid, typmod, parseTextInZone(oid, -1, text, current, c.statementTimestamp), explicit);
      zone = current;
      stamp = c.statementTimestamp;
    }
    return parsed;
  };
  return { oid, typmod, eval: evaluator, rowIndependent: true, name: value.name, location: value.location };
}

/** Casts that read the session's zone (text → timestamptz, timestamp ↔ timestamptz, …), never folded. */
function zonedCastFor(value: CompiledExpr, oid: number, typmod: number, explicit: boolean): CompiledExpr | null {
  const f = value.eval;
  const finish = (convert: (v: SqlValue, c: ExecContext) => SqlValue): CompiledExpr => ({
    oid, typmod, rowIndependent: value.rowIndependent, name: value.name, location: value.location,
    eval: (row, c) => { const v = f(row, c); return v === null ? null : convert(v, c); },
  });
  // From a string (or an array of strings: ARRAY['…']::timestamptz[]) to a type whose input
  // reads the session's zone or the transaction's time: read as its input function reads it.
  const fromStrings = types.isStringType(value.oid) || types.isStringType(types.arrayElementType(value.oid));
  if ((readsZone(oid) || readsClock(oid)) && fromStrings) return finish((v, c) => types.applyTypmod(oid, typmod, parseTextInZone(oid, -1, String(v), sessionZone(c), c.statementTimestamp), explicit));
  const withTypmod = (r: SqlValue): SqlValue => (r === null || typmod < 0 ? r : types.applyTypmod(oid, typmod, r, explicit));
  const zoned = zonedConversion(value.oid, oid);
  if (zoned) return finish((v, c) => withTypmod(zoned(v, c)));
  // An array of such values (time[] → timetz[], timestamp[] → timestamptz[]): element by element.
  const from = types.arrayElementType(value.oid);
  const to = types.arrayElementType(oid);
  const element = from !== 0 && to !== 0 ? zonedConversion(from, to) : null;
  if (!element) return null;
  return finish((v, c) => withTypmod(types.arrayText(to, types.arrayValues(from, v as string).map((e) => (e === null ? null : element(e, c))))));
}

/** A cast whose result depends on the session's zone (time → timetz on the transaction's date, timestamptz's), or null. */
function zonedConversion(from: number, to: number): ((v: SqlValue, c: ExecContext) => SqlValue) | null {
  if (from === TypeOid.time && to === TypeOid.timetz) return (v, c) => timeToTimeTz(v as bigint, sessionZone(c), c.statementTimestamp);
  const zoned = zonedCast(from, to);
  return zoned && ((v, c) => zoned(v, sessionZone(c)));
}

/**
 * bytea and floats (and arrays of them) to a string type print as the session's bytea_output
 * and extra_float_digits say when the statement runs, so such a cast is never folded.
 */
function styledTextCast(value: CompiledExpr, oid: number, typmod: number, explicit: boolean, cast: (v: SqlValue) => SqlValue): CompiledExpr {
  const f = value.eval;
  const fromText = types.castFunction(TypeOid.text, oid, typmod, explicit);
  let style: OutputStyle | undefined;
  let print: ((v: SqlValue) => string) | null = null;
  const evaluator: Evaluator = (row, c) => {
    const v = f(row, c);
    if (v === null) return null;
    if (isDefaultStyle(c?.outputStyle)) return cast(v);
    if (print === null || style !== c.outputStyle) { style = c.outputStyle; print = styledOutput(value.oid, style); }
    return fromText(print(v));
  };
  return { oid, typmod, eval: evaluator, rowIndependent: value.rowIndependent, name: value.name, location: value.location };
}

/** Constants can be folded at plan time; parameters and now() cannot. */
function isPureConstant(value: CompiledExpr): boolean {
  return (value as { pure?: boolean }).pure !== false && value.eval.length === 0;
}

/** Gives an untyped parameter reference `oid` as its type, unless a context already typed it (a no-op for anything else). */
export function inferParamType(value: CompiledExpr, oid: number): void {
  value.inferParameter?.(oid);
}

export function coerceToBoolean(value: CompiledExpr, clause: string): CompiledExpr {
  if (value.oid === TypeOid.bool) return value;
  if (value.oid === TypeOid.unknown) {
    return coerce(value, TypeOid.bool, -1, 'implicit', value.location);
  }
  throw new SqlError('42804', `argument of ${clause} must be type boolean, not type ${types.formatType(value.oid, value.typmod)}`, at(value.location));
}

function compileBoolean(kind: 'and' | 'or', args: CompiledExpr[], location: number): CompiledExpr {
  // A constant false (AND) or true (OR) decides the whole, as PostgreSQL's planner folds it
  // (`ON false AND a = b + 1/0` is no join condition at all: nothing else is evaluated).
  const decisive = kind === 'or';
  if (args.some((a) => foldedValue(a) === decisive)) return constant(TypeOid.bool, decisive, '?column?', location);
  const fs = args.map((a) => a.eval);
  const rowIndependent = args.every((a) => a.rowIndependent);
  let evaluator: Evaluator;
  if (kind === 'and') {
    evaluator = (row, c) => {
      let sawNull = false;
      for (let i = 0; i < fs.length; i++) {
        const v = fs[i]!(row, c);
        if (v === false) return false;
        if (v === null) sawNull = true;
      }
      return sawNull ? null : true;
    };
  } else {
    evaluator = (row, c) => {
      let sawNull = false;
      for (let i = 0; i < fs.length; i++) {
        const v = fs[i]!(row, c);
        if (v === true) return true;
        if (v === null) sawNull = true;
      }
      return sawNull ? null : false;
    };
  }
  return foldConstant({ oid: TypeOid.bool, typmod: -1, eval: evaluator, rowIndependent, name: '?column?', location }, args);
}

function compileBoolTest(test: string, arg: CompiledExpr, location: number): CompiledExpr {
  const f = arg.eval;
  const tests: Record<string, (v: SqlValue) => boolean> = {
    'true': (v) => v === true, 'not-true': (v) => v !== true, 'false': (v) => v === false,
    'not-false': (v) => v !== false, 'unknown': (v) => v === null, 'not-unknown': (v) => v !== null,
  };
  const t = tests[test]!;
  return foldConstant({ oid: TypeOid.bool, typmod: -1, eval: (row, c) => t(f(row, c)), rowIndependent: arg.rowIndependent, name: '?column?', location }, [arg]);
}

/** Resolves `left op right` (or prefix `op right`) and compiles it. */
export function compileOperator(op: string, leftExpr: Expr | null, rightExpr: Expr, ctx: CompileContext, location: number): CompiledExpr {
  const left = leftExpr ? compileExpr(leftExpr, ctx) : null;
  const right = compileExpr(rightExpr, ctx);
  return applyOperator(op, left, right, ctx, location, [leftExpr, rightExpr]);
}

/** `operands`: the operands' syntax, when known (see mentionsParameter). */
export function applyOperator(op: string, left: CompiledExpr | null, right: CompiledExpr, ctx: CompileContext, location: number,
  operands?: readonly (Expr | null)[]): CompiledExpr {
  // `'a' || x::regclass` concatenates the name (anynonarray || text prints the reg* value).
  if (op === '||' && left && ctx.catalog && (types.isRegType(left.oid) || types.isRegType(right.oid))) {
    const scope = { catalog: ctx.catalog, searchPath: ctx.searchPath ?? [] };
    if (types.isRegType(left.oid) && isTextual(right.oid)) left = regCastAsText(left, scope);
    if (types.isRegType(right.oid) && isTextual(left.oid)) right = regCastAsText(right, scope);
  }
  const resolved = types.resolveOperator(op, left ? left.oid : null, right.oid)
    ?? arrayOperator(op, left ? left.oid : null, right.oid) // array = array, array < array (array-operators.ts)
    ?? recordOperator(op, left ? left.oid : null, right.oid); // record = record (row-values.ts)
  if (!resolved) {
    // OPERATOR(s.+): the schema is looked up first (3F000), as PostgreSQL's LookupOperName does.
    const dot = op.lastIndexOf('.');
    const schema = dot > 0 ? op.slice(0, dot) : null;
    if (schema !== null && ctx.catalog && !ctx.catalog.schema(schema)) throw new SqlError('3F000', `schema "${schema}" does not exist`, at(location));
    const signature = left ? `${types.formatType(left.oid, -1)} ${op} ${types.formatType(right.oid, -1)}` : `${op} ${types.formatType(right.oid, -1)}`;
    if (types.operatorIsAmbiguous(op, left ? left.oid : null, right.oid)) {
      throw new SqlError('42725', `operator is not unique: ${signature}`, { ...at(location), hint: 'Could not choose a best candidate operator. You might need to add explicit type casts.' });
    }
    throw new SqlError('42883', `operator does not exist: ${signature}`, { ...at(location), hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.' });
  }
  const l = left ? coerceArgument(left, resolved.left!, location) : null;
  const r = coerceArgument(right, resolved.right, location);
  if (resolved.strict !== false && (isNullConstant(l) || isNullConstant(r)) && !(operands && mentionsParameter(operands))) return constant(resolved.result, null, '?column?', location);
  const fn = resolved.fn;
  const rf = r.eval;
  let evaluator: Evaluator;
  if (l && resolved.strict === false) {
    const lf = l.eval;
    evaluator = (row, c) => fn(lf(row, c), rf(row, c), c);
  } else if (l) {
    const lf = l.eval;
    // Both operands are evaluated before the NULL check, as PostgreSQL's executor does: an
    // error on the right is raised even when the left is NULL.
    evaluator = (row, c) => {
      const a = lf(row, c);
      const b = rf(row, c);
      if (a === null || b === null) return null;
      return fn(a, b, c);
    };
  } else {
    evaluator = (row, c) => {
      const b = rf(row, c);
      return b === null ? null : fn(null, b);
    };
  }
  const rowIndependent = (l ? l.rowIndependent : true) && r.rowIndependent;
  const result: CompiledExpr = { oid: resolved.result, typmod: -1, eval: evaluator, rowIndependent, name: '?column?', location };
  // text || bytea (or a float) prints in the session's output style when the statement runs.
  const styled = op === '||' && (isStyledType(l?.oid ?? 0) || isStyledType(r.oid));
  return styled || isMutableOperator(op, l?.oid ?? 0, r.oid) ? result : foldConstant(result, [l, r], ctx);
}

/**
 * `result` evaluated once, when planned, if every input is a constant (PostgreSQL's
 * eval_const_expressions): the constant, or `result` itself when the fold fails — its error is
 * recorded and raised when the statement is bound (see tryFold).
 */
export function foldConstant(result: CompiledExpr, inputs: readonly (CompiledExpr | null)[], ctx?: CompileContext): CompiledExpr {
  if (!inputs.every(isFoldable)) return result;
  const folded = tryFold(result.eval);
  if (folded.ok) return constant(result.oid, folded.value, result.name, result.location, result.typmod);
  if (folded.error) ctx?.foldErrors?.record(folded.error);
  return result;
}

/**
 * Folds a constant expression at plan time. An error (1/0) is not raised here: the caller
 * records it (fold-errors.ts), and it is raised when the statement is bound, so Parse succeeds
 * as it does in PostgreSQL. Only a user error counts; one that needs the execution context is
 * no fold at all.
 */
function tryFold(evaluator: Evaluator): { ok: true; value: SqlValue } | { ok: false; error: SqlError | null } {
  try {
    return { ok: true, value: evaluator([], null as unknown as ExecContext) };
  } catch (error) {
    return { ok: false, error: error instanceof SqlError ? error : null };
  }
}

/** Cast targets whose casts from a constant PostgreSQL folds when it plans (immutable input and cast functions). */
const FOLDED_CAST_TARGETS: ReadonlySet<number> = new Set([TypeOid.int2, TypeOid.int4, TypeOid.int8, TypeOid.numeric, TypeOid.float4, TypeOid.float8, TypeOid.bool]);

/**
 * `(2147483647 + 1::int8)::int4`, `'{x}'::text[]::int[]`: a cast of a folded constant that failed
 * to fold is PostgreSQL's plan-time error (an array's cast folds as its elements' does).
 */
function recordFailedCast(arg: CompiledExpr, result: CompiledExpr, ctx: CompileContext): void {
  const target = FOLDED_CAST_TARGETS.has(result.oid) ? result.oid : types.arrayElementType(result.oid);
  if (!ctx.foldErrors || !FOLDED_CAST_TARGETS.has(target) || !isFoldable(arg) || isFoldable(result)) return;
  const folded = tryFold(result.eval);
  if (!folded.ok && folded.error) ctx.foldErrors.record(folded.error);
}

/** The value of a folded constant, or undefined when `value` is none. */
export function foldedValue(value: CompiledExpr): SqlValue | undefined {
  return isFoldable(value) ? value.eval([], null as unknown as ExecContext) : undefined;
}

/**
 * Arguments compiled in order, where PostgreSQL's planner stops simplifying at the first one
 * that `decides` the result: what follows it is never folded, so its fold errors are dropped.
 */
function compileUntilDecided(args: readonly Expr[], ctx: CompileContext, compile: (arg: Expr) => CompiledExpr,
  decides: (arg: CompiledExpr) => boolean): CompiledExpr[] {
  let cut: number | null = null;
  const compiled = args.map((a) => {
    const arg = compile(a);
    if (cut === null && ctx.foldErrors && decides(arg)) cut = ctx.foldErrors.mark();
    return arg;
  });
  if (cut !== null) ctx.foldErrors!.dropSince(cut);
  return compiled;
}

/** AND/OR's arguments: decided by a constant false (AND) or true (OR). */
function compileBooleanArguments(kind: 'and' | 'or', args: readonly Expr[], ctx: CompileContext): CompiledExpr[] {
  const decisive = kind === 'or';
  return compileUntilDecided(args, ctx, (a) => coerceToBoolean(compileNoSet(a, ctx, kind.toUpperCase()), kind.toUpperCase()), (arg) => foldedValue(arg) === decisive);
}

/**
 * An argument of AND, OR, NOT, IS TRUE…: where a set-returning call may stand (a select list),
 * one inside such an argument is PostgreSQL's 42804 (coerce_to_boolean's expression_returns_set).
 */
function compileNoSet(expr: Expr, ctx: CompileContext, construct: string): CompiledExpr {
  const before = ctx.srfs?.calls.length ?? 0;
  const compiled = compileExpr(expr, ctx);
  if (ctx.srfs && ctx.srfs.calls.length > before) throw new SqlError('42804', `argument of ${construct} must not return a set`, at(leftmostLocation(expr)));
  return compiled;
}

/** COALESCE's arguments: decided by the first non-null constant. */
function compileCoalesceArguments(args: readonly Expr[], ctx: CompileContext): CompiledExpr[] {
  return compileUntilDecided(args, ctx, (a) => compileExpr(a, ctx), (arg) => {
    // (A string literal is a non-null constant of the common type.)
    const value = arg.unknownLiteral !== undefined && arg.paramIndex === undefined ? arg.unknownLiteral : foldedValue(arg);
    return value !== undefined && value !== null;
  });
}

/**
 * A NULL constant: a strict function or operator given one is NULL when planned, without its
 * other arguments running (PostgreSQL's simplify_function; their own fold errors still count).
 * Not where an argument takes a parameter: PostgreSQL plans an unnamed statement with its
 * parameters' values, so those arguments fold (and fail) first — here they run, and fail, at
 * execution, and the NULL check follows (see compileFunction's evaluator).
 */
function isNullConstant(value: CompiledExpr | null): boolean {
  return value !== null && isFoldable(value) && value.eval([], null as unknown as ExecContext) === null;
}

/** Whether a parameter reference appears in the syntax of `exprs`. */
function mentionsParameter(exprs: readonly (Expr | null)[]): boolean {
  let found = false;
  mapTree(exprs, (node) => {
    if (node.kind === 'param') found = true;
    return found ? node : undefined;
  });
  return found;
}

function isFoldable(value: CompiledExpr | null): boolean {
  return value === null || (value.rowIndependent && value.paramIndex === undefined && value.unknownLiteral === undefined && value.eval.length === 0);
}

function coerceArgument(value: CompiledExpr, oid: number, location: number): CompiledExpr {
  if (value.oid === oid) return value;
  return coerce(value, oid, -1, 'implicit', location);
}

function compileFunction(expr: Extract<Expr, { kind: 'func' }>, ctx: CompileContext): CompiledExpr {
  if (expr.argNames) {
    const builtin = positionalCall(expr);
    if (!builtin) return compileNamedUserCall(expr, ctx);
    expr = builtin;
  }
  if (isInformationSchemaFunction(expr.name)) {
    if (reachesInformationSchemaFunction(expr.schema, ctx.searchPath ?? [])) expr = { ...expr, schema: null };
    else if (expr.schema === null || expr.schema === 'pg_catalog') {
      const user = compileUserFunction(expr, ctx, ctx.searchPath ?? []);
      if (user) return user;
      throw noSuchFunction(expr.schema ? `${expr.schema}.${expr.name}` : expr.name, expr.args.map((a) => compileExpr(a, ctx).oid), expr.location);
    }
  }
  if (expr.schema && expr.schema !== 'pg_catalog') {
    checkFunctionSchema(expr, ctx);
    const user = compileUserFunction(expr, ctx, [expr.schema]);
    if (user) return user;
    throw noSuchFunction(`${expr.schema}.${expr.name}`, expr.args.map((a) => compileExpr(a, ctx).oid), expr.location);
  }
  if (types.isAggregate(expr.name) || expr.withinGroup) return compileAggregate(expr, ctx);
  if (isOverlapsCall(expr)) return compileOverlaps(expr, ctx);
  const advisory = advisoryLockRefusal(expr.name, expr.location);
  if (advisory) throw advisory;
  if (SEQUENCE_FUNCTIONS.has(expr.name)) return compileSequenceCall(expr, ctx);
  if (isSleepFunction(expr.name)) return compileSleepCall(expr, ctx);
  if (RELATION_SIZE_FUNCTIONS.has(expr.name)) return compileRelationSizeCall(expr, ctx);
  const setCall = compileSetCall(expr, ctx);
  if (setCall) return setCall;
  const sessionFunction = compileSessionFunction(expr, ctx);
  if (sessionFunction) return sessionFunction;
  if (expr.star || expr.distinct || expr.filter) {
    throw new SqlError('42809', `${expr.star ? '*' : expr.distinct ? 'DISTINCT' : 'FILTER'} specified, but ${expr.name} is not an aggregate function`, at(expr.location));
  }
  const args = expr.args.map((a) => compileExpr(a, ctx));
  refuseUntypedPolymorphicCall(expr.name, args);
  // concat, concat_ws and format print "any" argument with its output function: a reg* value as its name.
  if (ctx.catalog && PRINTING_FUNCTIONS.has(expr.name)) {
    const scope = { catalog: ctx.catalog, searchPath: ctx.searchPath ?? [] };
    for (let i = 0; i < args.length; i++) if (types.isRegType(args[i]!.oid)) args[i] = regCastAsText(args[i]!, scope);
  }
  const recordCall = compileRecordFunction(expr.name, args, expr.location);
  if (recordCall) return recordCall;
  if (expr.name === 'pg_typeof' && args.length === 1) return compileTypeOf(args[0]!, domainTypeOf(expr.args[0]!, ctx, args[0]!), expr.location);
  // Catalog functions (src/qp/system) first: they need the snapshot, which only the planner has.
  const catalogFunction = expr.variadicArray || !ctx.catalog ? null : resolveCatalogFunction(expr.name, args.map((a) => a.oid), { catalog: ctx.catalog, searchPath: ctx.searchPath ?? [] });
  const resolved = expr.variadicArray ? resolveVariadicArrayCall(expr.name, args.map((a) => a.oid)) : catalogFunction ?? types.resolveFunction(expr.name, args.map((a) => a.oid));
  if (!resolved && !expr.variadicArray) {
    const user = compileUserFunction(expr, ctx, ctx.searchPath ?? [], args);
    if (user) return user;
    const functionStyleCast = compileFunctionStyleCast(expr, args);
    if (functionStyleCast) return functionStyleCast;
  }
  if (!resolved) {
    const withinGroup = expr.schema ? null : withinGroupRequired(expr.name, args.length);
    if (withinGroup) throw withinGroup(expr.location);
    throw noSuchFunction(expr.schema ? `${expr.schema}.${expr.name}` : expr.name, args.map((a) => a.oid), expr.location);
  }
  const coerced = args.map((a, i) => (takesAny(expr.name, i) && a.paramIndex !== undefined && a.oid === TypeOid.unknown
    // An "any" argument is not coerced: the parameter stays unknown, Parse's 42P18 (parameter-use.ts).
    ? { ...a, oid: resolved.args[i] ?? TypeOid.text }
    : coerceArgument(a, resolved.args[i] ?? a.oid, expr.location)));
  const strict = resolved.strict;
  if (strict && coerced.some(isNullConstant) && !mentionsParameter(expr.args)) return constant(resolved.result, null, expr.name, expr.location);
  const fs = coerced.map((a) => a.eval);
  const fn = resolved.fn;
  const n = fs.length;
  // Every argument is evaluated before the NULL check, as PostgreSQL's executor does: an error
  // in a later argument is raised even when an earlier one is NULL.
  const evaluator: Evaluator = (row, c) => {
    const values: SqlValue[] = new Array(n);
    let anyNull = false;
    for (let i = 0; i < n; i++) {
      const v = fs[i]!(row, c);
      if (v === null) anyNull = true;
      values[i] = v;
    }
    return anyNull && strict ? null : fn(values, c);
  };
  const result: CompiledExpr = { oid: resolved.result, typmod: -1, eval: evaluator, rowIndependent: coerced.every((a) => a.rowIndependent), name: expr.name, location: expr.location };
  // Only an immutable built-in is folded (PostgreSQL folds no stable call, nor a catalog lookup).
  return catalogFunction === null && !isMutableBuiltinCall(expr.name.toLowerCase(), coerced.map((a) => a.oid)) ? foldConstant(result, coerced, ctx) : result;
}

/**
 * Built-in functions whose arguments from a position on are of pseudo-type "any" (pg_proc): such
 * an argument is taken as it is, so an untyped parameter there gets no type.
 */
const ANY_ARGUMENTS_FROM: ReadonlyMap<string, number> = new Map([
  ['concat', 0], ['concat_ws', 1], ['format', 1], ['num_nulls', 0], ['num_nonnulls', 0],
  ['json_build_object', 0], ['json_build_array', 0], ['jsonb_build_object', 0], ['jsonb_build_array', 0],
]);

function takesAny(name: string, index: number): boolean {
  const from = ANY_ARGUMENTS_FROM.get(name);
  return from !== undefined && index >= from;
}

const PRINTING_FUNCTIONS: ReadonlySet<string> = new Set(['concat', 'concat_ws', 'format']);

/** A string type or an untyped literal: what `||` joins with a reg* value's name. */
function isTextual(oid: number): boolean {
  return oid === TypeOid.unknown || types.isStringType(oid);
}

/**
 * pg_typeof(any): the argument's type as a regtype, known when planning; the argument is still
 * evaluated, so its errors are raised as in PostgreSQL, and NULL has a type too (not strict).
 */
function compileTypeOf(arg: CompiledExpr, domainOid: number | undefined, location: number): CompiledExpr {
  const type = domainOid ?? arg.oid;
  const f = arg.eval;
  const evaluator: Evaluator = (row, c) => { f(row, c); return type; };
  return { oid: TypeOid.regtype, typmod: -1, eval: evaluator, rowIndependent: arg.rowIndependent, name: 'pg_typeof', location };
}

/**
 * The domain a value has, where compiled values (which carry their base type, as the wire shows
 * it) do not say: a table's column declared with a domain, or a cast to a domain. A value that
 * may carry a domain in PostgreSQL but whose domain Strata does not track (a subquery's column,
 * CASE, COALESCE, a scalar subquery) is refused when a domain over its type exists, rather
 * than answered with the base type.
 */
function domainTypeOf(expr: Expr, ctx: CompileContext, arg: CompiledExpr): number | undefined {
  if (!ctx.catalog) return undefined;
  if (expr.kind === 'cast') return domainForTypeName(ctx.catalog, expr.type, [ctx.currentSchema, ...(ctx.searchPath ?? [])])?.id;
  if (expr.kind === 'column') {
    let column: ScopeColumn;
    try {
      column = ctx.scope.resolve(expr.table, expr.name, expr.location);
    } catch (error) {
      // A bare name that is no column is a whole-row reference: a row, or a scalar function's value.
      if (error instanceof SqlError && error.code === '42703' && expr.table === null) return undefined;
      throw error;
    }
    const table = ctx.catalog.tableById(column.tableOid);
    if (table) return table.columns[attributeNumbers(table).indexOf(column.columnNumber)]?.domainOid;
  } else if (!DOMAIN_CARRYING.has(expr.kind)) return undefined;
  for (const domain of ctx.catalog.allDomains()) {
    if (domain.baseOid === arg.oid) throw new SqlError('0A000', 'pg_typeof of a value that may have a domain type is supported only for a table\'s column or a cast', at(expr.location));
  }
  return undefined;
}

/** Expressions whose type PostgreSQL may give as a domain: their inputs' common type. */
const DOMAIN_CARRYING: ReadonlySet<string> = new Set(['column', 'case', 'coalesce', 'nullif', 'subquery', 'greatest', 'least']);

/**
 * `float8(x)`, `int4(x)`, `text(x)`: a one-argument call named after a type is a cast when no
 * function matches, as in PostgreSQL's func_get_detail (whose catalog names most cast functions
 * after their target type).
 */
function compileFunctionStyleCast(expr: Extract<Expr, { kind: 'func' }>, args: readonly CompiledExpr[]): CompiledExpr | null {
  if (args.length !== 1 || expr.schema) return null;
  const target = types.typeByTypname(expr.name);
  if (target === null || types.castContext(args[0]!.oid, target) === null) return null;
  return { ...coerce(args[0]!, target, -1, 'explicit', expr.location), name: expr.name, location: expr.location };
}

/** Functions answered from the session rather than the type system's library. */
function compileSessionFunction(expr: Extract<Expr, { kind: 'func' }>, ctx: CompileContext): CompiledExpr | null {
  const location = expr.location;
  const text = (value: string, name = expr.name): CompiledExpr => ({ oid: TypeOid.text, typmod: -1, eval: () => value, rowIndependent: true, name, location });
  switch (expr.args.length === 0 ? expr.name : '') {
    case 'version': return text('PostgreSQL 16.15 (Strata, compatible with Aurora DSQL)');
    case 'current_database': return { ...text('postgres'), oid: TypeOid.name };
    case 'current_schema': return { ...text(ctx.currentSchema), oid: TypeOid.name };
    case 'pg_backend_pid': return { oid: TypeOid.int4, typmod: -1, eval: () => ctx.session?.processId ?? 0, rowIndependent: true, name: expr.name, location };
    // No session has a temporary schema: DSQL refuses temporary tables (PostgreSQL's 0 for "none").
    case 'pg_my_temp_schema': return { oid: TypeOid.oid, typmod: -1, eval: () => 0, rowIndependent: true, name: expr.name, location };
    // The TCP connection's ends as the accepted socket reports them; NULL when unknown, as PostgreSQL's over a Unix socket.
    case 'inet_client_addr': case 'inet_server_addr': {
      const ends = ctx.session?.endpoints;
      const value = ends ? types.parseTextValue(TypeOid.inet, -1, expr.name === 'inet_client_addr' ? ends.clientAddress : ends.serverAddress) : null;
      return { oid: TypeOid.inet, typmod: -1, eval: () => value, rowIndependent: true, name: expr.name, location };
    }
    case 'inet_client_port': case 'inet_server_port': {
      const ends = ctx.session?.endpoints;
      const value = ends ? (expr.name === 'inet_client_port' ? ends.clientPort : ends.serverPort) : null;
      return { oid: TypeOid.int4, typmod: -1, eval: () => value, rowIndependent: true, name: expr.name, location };
    }
    default: break;
  }
  if (expr.name === 'set_config' && expr.args.length === 3 && ctx.session?.setConfig) {
    const session = ctx.session;
    const [name, value, local] = expr.args.map((a, i) => coerce(compileExpr(a, ctx), i === 2 ? TypeOid.bool : TypeOid.text, -1, 'implicit', location).eval);
    return {
      oid: TypeOid.text, typmod: -1, rowIndependent: false, name: expr.name, location,
      eval: (row, c) => {
        const setting = name!(row, c);
        if (setting === null) throw new SqlError('22004', 'SET requires parameter name');
        return session.setConfig!(setting as string, value!(row, c) as string | null, local!(row, c) === true);
      },
    };
  }
  if (expr.name === 'current_setting' && (expr.args.length === 1 || expr.args.length === 2) && ctx.session) {
    const session = ctx.session;
    const name = coerce(compileExpr(expr.args[0]!, ctx), TypeOid.text, -1, 'implicit', location).eval;
    const missingOk = expr.args.length === 2 ? coerce(compileExpr(expr.args[1]!, ctx), TypeOid.bool, -1, 'implicit', location).eval : null;
    return {
      oid: TypeOid.text, typmod: -1, rowIndependent: false, name: expr.name, location,
      eval: (row, c) => {
        const setting = name(row, c);
        if (setting === null) return null;
        try {
          return session.setting(setting as string);
        } catch (error) {
          if (missingOk && missingOk(row, c) === true) return null;
          throw error;
        }
      },
    };
  }
  return null;
}

/**
 * An untyped literal gives a polymorphic aggregate no type: array_agg has two candidates
 * (anynonarray, anyarray), json_agg/jsonb_agg one (anyelement) — PostgreSQL's two errors.
 */
function refuseUntypedPolymorphic(name: string, location: number): void {
  if (name === 'array_agg') {
    throw new SqlError('42725', 'function array_agg(unknown) is not unique', { ...at(location), hint: 'Could not choose a best candidate function. You might need to add explicit type casts.' });
  }
  // (enforce_generic_type_consistency reports no position.)
  if (name === 'json_agg' || name === 'jsonb_agg') throw untypedPolymorphic();
}

function untypedPolymorphic(): SqlError {
  return new SqlError('42804', 'could not determine polymorphic type because input has type unknown');
}

/**
 * Built-in functions whose first argument is their only polymorphic one (anyelement, anyarray),
 * by the arities that have it: an untyped first argument (a literal, NULL, a parameter) leaves
 * the polymorphic type undetermined, PostgreSQL's 42804, rather than being read as text.
 */
const POLYMORPHIC_FIRST_ARGUMENT: ReadonlyMap<string, readonly number[]> = new Map([
  ['to_json', [1]], ['to_jsonb', [1]], ['array_to_json', [1, 2]], ['array_length', [2]], ['array_upper', [2]],
  ['array_lower', [2]], ['array_dims', [1]], ['array_ndims', [1]], ['cardinality', [1]],
]);

function refuseUntypedPolymorphicCall(name: string, args: readonly CompiledExpr[]): void {
  if (args[0]?.oid === TypeOid.unknown && POLYMORPHIC_FIRST_ARGUMENT.get(name)?.includes(args.length)) throw untypedPolymorphic();
}

function compileAggregate(expr: Extract<Expr, { kind: 'func' }>, ctx: CompileContext): CompiledExpr {
  if (!ctx.aggregates || !ctx.inputScope) {
    if (ctx.clause === 'aggregate function calls') throw new SqlError('42803', 'aggregate function calls cannot be nested', at(expr.location));
    throw new SqlError('42803', `aggregate functions are not allowed in ${ctx.clause}`, at(expr.location));
  }
  const inner: CompileContext = {
    ...ctx, scope: ctx.inputScope, aggregates: null, groupSlots: undefined, windows: undefined, clause: 'aggregate function calls',
    subqueries: ctx.aggregateSubqueries,
  };
  if (expr.withinGroup) return compileOrderedSetAggregate(expr, ctx, inner);
  const textual = (e: CompiledExpr) => (e.oid === TypeOid.unknown ? coerce(e, TypeOid.text, -1, 'implicit', e.location) : e);
  let arg: CompiledExpr | null = null;
  let second: CompiledExpr | null = null;
  if (!expr.star) {
    const arity = types.aggregateArity(expr.name);
    if (expr.args.length !== arity) {
      throw noSuchFunction(expr.name, expr.args.map((a) => compileExpr(a, inner).oid), expr.location);
    }
    arg = compileExpr(expr.args[0]!, inner);
    if (types.isRegressionAggregate(expr.name)) {
      [arg, second] = asFloat8Pair(arg, compileExpr(expr.args[1]!, inner));
    }
    if (arg.oid === TypeOid.unknown) refuseUntypedPolymorphic(expr.name, expr.location);
    if (arg.oid === TypeOid.unknown && arity === 1 && expr.name !== 'count') {
      const oid = untypedAggregateArgument(expr.name, expr.location);
      arg = coerce(arg, oid, -1, 'implicit', arg.location);
    }
    // count("any") takes its argument as it is: an untyped parameter gets no type (42P18);
    // count(DISTINCT $1) sorts it, which makes it text.
    arg = expr.name === 'count' && !expr.distinct && arg.paramIndex !== undefined && arg.oid === TypeOid.unknown ? { ...arg, oid: TypeOid.text } : textual(arg);
    arg = minMaxArgument(expr.name, arg);
    if (expr.name === 'array_agg' && types.isRegType(arg.oid)) throw new SqlError('0A000', `arrays of type ${types.formatType(arg.oid, -1)} are not supported`, at(expr.location));
    // array_agg(anyarray) builds a multidimensional array, which Strata has not (not "no such function").
    if (expr.name === 'array_agg' && types.arrayElementType(arg.oid) !== 0) throw new SqlError('0A000', 'multidimensional arrays are not supported yet', at(expr.location));
    if (arity === 2) {
      second = textual(second ?? compileExpr(expr.args[1]!, inner));
      // string_agg(text, text) and (bytea, bytea): the delimiter takes the value's kind.
      if (expr.name === 'string_agg' && second.oid !== arg.oid && (arg.oid === TypeOid.bytea || types.isStringType(arg.oid))) {
        second = coerce(second, arg.oid === TypeOid.bytea ? TypeOid.bytea : TypeOid.text, -1, 'implicit', second.location);
      }
      if (expr.name === 'string_agg' && types.isStringType(arg.oid) && arg.oid !== TypeOid.text) arg = coerce(arg, TypeOid.text, -1, 'implicit', arg.location);
    }
  } else if (expr.name !== 'count') {
    throw new SqlError('42809', `${expr.name}(*) is not allowed`, at(expr.location));
  }
  const resultOid = types.aggregateResultType(expr.name, arg ? arg.oid : null, second ? second.oid : null);
  if (resultOid === null) {
    throw noSuchFunction(expr.name, expr.args.map((a) => compileExpr(a, inner).oid), expr.location);
  }
  if (expr.distinct) for (const a of [arg, second]) if (a) types.requireEquality(a.oid, a.location);
  const order = (expr.aggOrder ?? []).map((item) => {
    const key = textual(compileExpr(item.expr, inner));
    if (!types.hasComparator(key.oid)) throw new SqlError('42883', `could not identify an ordering operator for type ${types.formatType(key.oid, -1)}`, at(key.location));
    if (expr.distinct && !expr.args.some((a) => exprKey(a) === exprKey(item.expr))) {
      throw new SqlError('42P10', 'in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list', at(key.location));
    }
    return { eval: key.eval, key: { oid: key.oid, descending: item.descending, nullsFirst: item.nullsFirst ?? item.descending } };
  });
  const filterCtx: CompileContext = { ...inner, clause: 'FILTER' };
  const filter = expr.filter ? coerceToBoolean(compileExpr(expr.filter, filterCtx), 'FILTER') : null;
  const slot = ctx.aggregateBase + ctx.aggregates.length;
  ctx.aggregates.push({ name: expr.name, arg, second, order, distinct: expr.distinct, filter, oid: resultOid, slot });
  return { oid: resultOid, typmod: -1, eval: (row) => row[slot]!, rowIndependent: false, name: expr.name, location: expr.location, column: slot };
}

const NUMBERS = new Set<number>([TypeOid.int2, TypeOid.int4, TypeOid.int8, TypeOid.float4, TypeOid.float8, TypeOid.numeric, TypeOid.unknown]);

/**
 * corr, covar_*, regr_* take (float8, float8): numbers and untyped literals arrive cast to it;
 * other types stay as they are, and no such aggregate takes them (42883).
 */
export function asFloat8Pair(y: CompiledExpr, x: CompiledExpr): [CompiledExpr, CompiledExpr] {
  if (!NUMBERS.has(y.oid) || !NUMBERS.has(x.oid)) return [y, x];
  return [coerce(y, TypeOid.float8, -1, 'implicit', y.location), coerce(x, TypeOid.float8, -1, 'implicit', x.location)];
}

/** Bytes in a name: PostgreSQL's NAMEDATALEN, the fixed length of the char array a name is. */
const NAME_BYTES = 64;

/**
 * `name[i]`: a name is a fixed-length array of "char" with lower bound 0, zero-padded, so
 * `typname[0] = '_'` (pg_dump's test for array types) reads its first byte; out of range is NULL.
 */
function compileNameSubscript(arg: CompiledExpr, index: CompiledExpr, location: number): CompiledExpr {
  if (!['int2', 'int4', 'int8', 'unknown'].includes(types.outputName(index.oid))) throw new SqlError('42804', 'array subscript must have type integer', at(index.location));
  const position = coerce(index, TypeOid.int4, -1, 'assignment', index.location).eval;
  const f = arg.eval;
  const evaluator: Evaluator = (row, c) => {
    const value = f(row, c);
    const i = position(row, c);
    if (value === null || i === null || (i as number) < 0 || (i as number) >= NAME_BYTES) return null;
    const bytes = Buffer.from(value as string, 'utf8');
    return (i as number) < bytes.length ? bytes.subarray(i as number, (i as number) + 1).toString('latin1') : '';
  };
  return { oid: TypeOid.char, typmod: -1, eval: evaluator, rowIndependent: arg.rowIndependent && index.rowIndependent, name: arg.name, location };
}

/**
 * `arr[i]` (NULL when out of range) and `arr[lo:hi]` (the elements within, an empty array when
 * none) on one-dimensional arrays with lower bound 1, as PostgreSQL's array subscripting.
 */
function compileSubscript(expr: Extract<Expr, { kind: 'subscript' }>, ctx: CompileContext): CompiledExpr {
  const arg = compileExpr(expr.arg, ctx);
  if (arg.oid === TypeOid.jsonb) return compileJsonbSubscript(arg, expr, ctx);
  // A second subscript in one list (`a[1][2]`): the array has more than one dimension.
  if (expr.continued) throw new SqlError('0A000', 'subscripts of multidimensional arrays are not supported yet', at(expr.location));
  if (arg.oid === TypeOid.name && !expr.slice && expr.upper) return compileNameSubscript(arg, compileExpr(expr.upper, ctx), expr.location);
  const elementOid = types.arrayElementType(arg.oid);
  if (elementOid === 0) {
    throw new SqlError('42804', `cannot subscript type ${types.formatType(arg.oid, -1)} because it does not support subscripting`, at(expr.location));
  }
  const compileIndex = (e: Expr) => {
    const compiled = compileExpr(e, ctx);
    if (!['int2', 'int4', 'int8', 'unknown', 'numeric'].includes(types.outputName(compiled.oid))) {
      throw new SqlError('42804', 'array subscript must have type integer', at(compiled.location));
    }
    return coerce(compiled, TypeOid.int4, -1, 'assignment', compiled.location);
  };
  const lowerIndex = expr.lower ? compileIndex(expr.lower) : null;
  const upperIndex = expr.upper ? compileIndex(expr.upper) : null;
  const lower = lowerIndex?.eval ?? null;
  const upper = upperIndex?.eval ?? null;
  const f = arg.eval;
  // Subscripts count from the type's lower bound (0 for int2vector/oidvector); `elements` from 1.
  const shift = 1 - arrayLowerBound(arg.oid);
  const elements = (value: SqlValue) => types.arrayValues(elementOid, value as string);
  const evaluator: Evaluator = expr.slice
    ? (row, c) => {
      const value = f(row, c);
      const lo = lower ? lower(row, c) : 1 - shift;
      const hi = upper ? upper(row, c) : Infinity;
      if (value === null || lo === null || hi === null) return null;
      const all = elements(value);
      const from = Math.max(1, (lo as number) + shift);
      const to = Math.min(all.length, (hi as number) + shift);
      return types.arrayText(elementOid, from > to ? [] : all.slice(from - 1, to));
    }
    : (row, c) => {
      const value = f(row, c);
      const i = upper!(row, c);
      if (value === null || i === null) return null;
      return elements(value)[(i as number) + shift - 1] ?? null;
    };
  const result: CompiledExpr = {
    oid: expr.slice ? arg.oid : elementOid, typmod: -1, eval: evaluator, rowIndependent: arg.rowIndependent,
    name: arg.name, weakName: arg.weakName, location: expr.location,
  };
  const folded = foldConstant(result, [arg, lowerIndex, upperIndex], ctx);
  return folded === result ? result : { ...folded, weakName: arg.weakName };
}

/**
 * `j[k]` on jsonb (jsonb_subscript_transform): one subscript, integer or text — a subscript of
 * a type that coerces implicitly to int4 is an integer, else one that coerces to text is text,
 * an untyped literal is text, anything else is 42804 — read as `j #> ARRAY[k]` reads.
 */
function compileJsonbSubscript(arg: CompiledExpr, expr: Extract<Expr, { kind: 'subscript' }>, ctx: CompileContext): CompiledExpr {
  if (expr.slice) throw new SqlError('42804', 'jsonb subscript does not support slices', at((expr.upper ?? expr.lower)?.location ?? expr.location));
  const key = jsonbSubscriptKey(expr.upper!, ctx);
  const f = arg.eval;
  const evaluator: Evaluator = (row, c) => {
    const value = f(row, c);
    const k = key.eval(row, c);
    return value === null || k === null ? null : jsonbSubscript(value, [String(k)]);
  };
  return { oid: TypeOid.jsonb, typmod: -1, eval: evaluator, rowIndependent: arg.rowIndependent && key.rowIndependent, name: arg.name, weakName: arg.weakName, location: expr.location };
}

/**
 * `SET j[k1][k2]… = v` (expr's args: the column, v, the subscripts): the column's value with the
 * element set, as jsonb_subscript_assign sets it (json-functions.ts jsonbAssignSubscripts). Only
 * jsonb columns take element assignment here (DSQL has no array columns).
 */
function compileSubscriptAssignment(expr: Extract<Expr, { kind: 'func' }>, ctx: CompileContext): CompiledExpr {
  const [columnExpr, valueExpr, ...subscriptExprs] = expr.args as [Expr, Expr, ...Expr[]];
  if (expr.sliceAt !== undefined) compileExpr(valueExpr, ctx); // (its errors come first, as transformTargetList's do)
  const column = compileExpr(columnExpr, ctx);
  if (expr.sliceAt !== undefined && column.oid === TypeOid.jsonb) throw new SqlError('42804', 'jsonb subscript does not support slices', at(expr.sliceAt));
  if (column.oid !== TypeOid.jsonb) {
    if (types.arrayElementType(column.oid) !== 0) throw new SqlError('0A000', 'assignment to an array element is not supported', at(expr.location));
    throw new SqlError('42804', `cannot subscript type ${types.formatType(column.oid, -1)} because it does not support subscripting`, at(expr.location));
  }
  const keys = subscriptExprs.map((e) => jsonbSubscriptKey(e, ctx));
  const value = coerce(compileExpr(valueExpr, ctx), TypeOid.jsonb, -1, 'assignment', valueExpr.location ?? expr.location);
  // A NULL column starts as an empty array when the first subscript is an integer, as PostgreSQL's does.
  const expectArray = keys[0]!.oid === TypeOid.int4;
  const evaluator: Evaluator = (row, c) => {
    const k = keys.map((key) => { const v = key.eval(row, c); return v === null ? null : String(v); });
    return jsonbAssignSubscripts(column.eval(row, c), k, expectArray, value.eval(row, c));
  };
  return { oid: TypeOid.jsonb, typmod: -1, eval: evaluator, rowIndependent: false, name: column.name, location: expr.location };
}

/** A jsonb subscript as int4 or text, as jsonb_subscript_transform coerces it. */
export function jsonbSubscriptKey(e: Expr, ctx: CompileContext): CompiledExpr {
  const key = compileExpr(e, ctx);
  if (key.oid === TypeOid.unknown) return coerce(key, TypeOid.text, -1, 'implicit', key.location);
  for (const target of [TypeOid.int4, TypeOid.text]) {
    if (key.oid === target || types.castContext(key.oid, target) === 'i') return coerce(key, target, -1, 'implicit', key.location);
  }
  throw new SqlError('42804', `subscript type ${types.formatType(key.oid, -1)} is not supported`, {
    ...at(key.location), hint: 'jsonb subscript must be coercible to either integer or text.',
  });
}

/** A qualified call's schema is looked up before the function, as PostgreSQL does: a missing one is 3F000. */
export function checkFunctionSchema(expr: Extract<Expr, { kind: 'func' }>, ctx: CompileContext): void {
  if (expr.schema === null || !ctx.catalog || ctx.catalog.schema(expr.schema)) return;
  throw new SqlError('3F000', `schema "${expr.schema}" does not exist`, at(expr.location));
}

/** PostgreSQL's 42883 for a call no function matches, naming the argument types. */
export function noSuchFunction(name: string, argOids: readonly number[], location: number): SqlError {
  const signature = argOids.map((oid) => types.formatType(oid, -1)).join(', ');
  // (pg_catalog.f is the built-in f: EXTRACT's rewrite names it so.)
  if (types.functionIsAmbiguous(name.startsWith('pg_catalog.') ? name.slice('pg_catalog.'.length) : name, argOids)) {
    return new SqlError('42725', `function ${name}(${signature}) is not unique`, { ...at(location), hint: 'Could not choose a best candidate function. You might need to add explicit type casts.' });
  }
  return new SqlError('42883', `function ${name}(${signature}) does not exist`, { ...at(location), hint: NO_FUNCTION_HINT });
}

export const NO_FUNCTION_HINT = 'No function matches the given name and argument types. You might need to add explicit type casts.';

/** Finds the common type of several expressions (CASE, COALESCE, VALUES, UNION), as select_common_type does. */
/**
 * select_common_type: the type the values are converted to. With `ctx`, an untyped parameter
 * among them takes it, as PostgreSQL infers it (`VALUES ($1::numeric), ($2)`: $2 is numeric).
 */
export function commonType(values: CompiledExpr[], context: string, ctx?: CompileContext): number {
  const oid = commonTypeOf(values, context);
  if (ctx) for (const value of values) if (value.oid === TypeOid.unknown && value.paramIndex !== undefined) inferParamType(value, oid);
  return oid;
}

function commonTypeOf(values: CompiledExpr[], context: string): number {
  let oid: number = TypeOid.unknown;
  for (const value of values) {
    if (value.oid === TypeOid.unknown) continue;
    if (oid === TypeOid.unknown) { oid = value.oid; continue; }
    if (value.oid === oid) continue;
    if (types.castContext(oid, value.oid) === 'i' && types.castContext(value.oid, oid) !== 'i') oid = value.oid;
    else if (types.castContext(value.oid, oid) !== 'i') {
      throw new SqlError('42804', `${context} types ${types.formatType(oid, -1)} and ${types.formatType(value.oid, -1)} cannot be matched`, at(value.location));
    }
  }
  return oid === TypeOid.unknown ? TypeOid.text : oid;
}

function compileCase(expr: Extract<Expr, { kind: 'case' }>, ctx: CompileContext): CompiledExpr {
  // No set-returning call anywhere in a CASE, its test value included (PostgreSQL's 0A000).
  ctx = { ...ctx, srfBlockedBy: 'CASE' };
  let subject = expr.subject ? compileExpr(expr.subject, ctx) : null;
  // transformCaseExpr reads an untyped test value as text: CASE NULL WHEN 1 is text = integer,
  // and so is an untyped parameter (`CASE $1 WHEN 1.5` is text = numeric, 42883).
  if (subject && subject.oid === TypeOid.unknown) {
    subject = coerce(subject, TypeOid.text, -1, 'implicit', subject.location);
  }
  // Each arm's condition, then its result, as transformCaseExpr reads them. PostgreSQL's planner
  // drops an arm whose condition folds to false or NULL, and everything after one that folds to
  // true: their fold errors are dropped too (fold-errors.ts).
  const conditions: CompiledExpr[] = [];
  const results: CompiledExpr[] = [];
  const dropped: [number, number][] = [];
  let decided: number | null = null;
  for (const w of expr.whens) {
    const condition = subject
      ? applyOperator('=', subject, compileExpr(w.when, ctx), ctx, w.location !== undefined && w.location >= 0 ? w.location : w.when.location ?? expr.location)
      : coerceToBoolean(compileExpr(w.when, ctx), 'CASE/WHEN');
    const afterCondition = ctx.foldErrors?.mark() ?? 0;
    conditions.push(condition);
    results.push(compileExpr(w.then, ctx));
    const value = decided === null && ctx.foldErrors ? foldedValue(condition) : undefined;
    if (value === true) decided = ctx.foldErrors!.mark();
    else if (value === false || value === null) dropped.push([afterCondition, ctx.foldErrors!.mark()]);
  }
  const otherwise = expr.otherwise ? compileExpr(expr.otherwise, ctx) : null;
  if (decided !== null) ctx.foldErrors!.dropSince(decided);
  for (const [from, to] of dropped.reverse()) ctx.foldErrors?.drop(from, to);
  // transformCaseExpr puts the ELSE first: its type wins a tie (varchar ELSE, text THEN: varchar).
  const oid = commonType(otherwise ? [otherwise, ...results] : results, 'CASE', ctx);
  const coercedResults = results.map((r) => coerce(r, oid, -1, 'implicit', r.location));
  const coercedOtherwise = otherwise ? coerce(otherwise, oid, -1, 'implicit', otherwise.location) : null;
  const rs = coercedResults.map((r) => r.eval);
  const cs = conditions.map((c) => c.eval);
  const other = coercedOtherwise?.eval ?? null;
  const evaluator: Evaluator = (row, c) => {
    for (let i = 0; i < cs.length; i++) if (cs[i]!(row, c) === true) return rs[i]!(row, c);
    return other ? other(row, c) : null;
  };
  // FigureColname: CASE takes its ELSE's name when that is a strong one (a column, a function, ROW(…)).
  const inherited = otherwise !== null && (otherwise.weakName === false || (otherwise.weakName === undefined && otherwise.name !== '?column?'));
  const name = inherited ? otherwise.name : 'case';
  // The planner keeps only the arm the folded conditions choose; a constant arm is the answer.
  const chosen = chosenArm(conditions, coercedResults, coercedOtherwise);
  const value = chosen === undefined ? undefined : chosen === null ? null : foldedValue(chosen);
  if (value !== undefined) return { ...constant(oid, value, name, expr.location), weakName: !inherited };
  return { oid, typmod: -1, eval: evaluator, rowIndependent: false, name, weakName: !inherited, location: expr.location };
}

/**
 * The arm of a CASE that its conditions decide when planned: the first whose condition folds to
 * true after conditions that fold to false or NULL, else the ELSE (null: none); undefined when
 * a condition is not a constant.
 */
function chosenArm(conditions: readonly CompiledExpr[], results: readonly CompiledExpr[], otherwise: CompiledExpr | null): CompiledExpr | null | undefined {
  for (let i = 0; i < conditions.length; i++) {
    const value = foldedValue(conditions[i]!);
    if (value === true) return results[i]!;
    if (value !== false && value !== null) return undefined;
  }
  return otherwise;
}

function compileCoalesce(args: CompiledExpr[], location: number, ctx?: CompileContext): CompiledExpr {
  const oid = commonType(args, 'COALESCE', ctx);
  const fs = args.map((a) => coerce(a, oid, -1, 'implicit', a.location).eval);
  const evaluator: Evaluator = (row, c) => {
    for (let i = 0; i < fs.length; i++) {
      const v = fs[i]!(row, c);
      if (v !== null) return v;
    }
    return null;
  };
  const result: CompiledExpr = { oid, typmod: -1, eval: evaluator, rowIndependent: args.every((a) => a.rowIndependent), name: 'coalesce', location };
  return ctx ? foldConstant(result, args, ctx) : result;
}

function compileGreatestLeast(kind: 'greatest' | 'least', args: CompiledExpr[], location: number, ctx?: CompileContext): CompiledExpr {
  const oid = commonType(args, kind.toUpperCase(), ctx);
  const fs = args.map((a) => coerce(a, oid, -1, 'implicit', a.location).eval);
  const compare = types.comparator(oid);
  const sign = kind === 'greatest' ? 1 : -1;
  const evaluator: Evaluator = (row, c) => {
    let best: SqlValue = null;
    for (let i = 0; i < fs.length; i++) {
      const v = fs[i]!(row, c);
      if (v !== null && (best === null || sign * compare(v, best) > 0)) best = v;
    }
    return best;
  };
  const result: CompiledExpr = { oid, typmod: -1, eval: evaluator, rowIndependent: args.every((a) => a.rowIndependent), name: kind, location };
  return ctx ? foldConstant(result, args, ctx) : result;
}

function compileNullIf(expr: Extract<Expr, { kind: 'nullif' }>, ctx: CompileContext): CompiledExpr {
  let left = compileExpr(expr.left, ctx);
  const right = compileExpr(expr.right, ctx);
  const equal = applyOperator('=', left, right, ctx, expr.location).eval;
  // transformAExprNullIf: the result has the type of the `=` operator's left input, so
  // NULLIF(NULL, 1) is int4 and NULLIF(1, 2.5) numeric.
  const operand = types.resolveOperator('=', left.oid, right.oid)?.left;
  if (operand !== undefined && operand !== null && operand !== TypeOid.unknown) left = coerceArgument(left, operand, expr.location);
  else if (left.oid === TypeOid.unknown) left = coerce(left, TypeOid.text, -1, 'implicit', expr.location);
  const lf = left.eval;
  const evaluator: Evaluator = (row, c) => (equal(row, c) === true ? null : lf(row, c));
  // NULLIF of constants is folded when planned, as PostgreSQL folds its NullIfExpr.
  return foldConstant({ oid: left.oid, typmod: left.typmod, eval: evaluator, rowIndependent: false, name: 'nullif', location: expr.location }, [left, right], ctx);
}

function compileIn(expr: Extract<Expr, { kind: 'in' }>, ctx: CompileContext): CompiledExpr {
  const before = ctx.srfs?.calls.length ?? 0;
  const arg = compileExpr(expr.arg, ctx);
  const items = expr.list.map((item) => compileExpr(item, ctx));
  if (ctx.srfs && ctx.srfs.calls.length > before) throw new SqlError('42804', 'argument of IN must not return a set', at(leftmostLocation(expr)));
  const comparisons = items.map((item) => applyOperator('=', arg, item, ctx, expr.location).eval);
  const negated = expr.negated;
  const evaluator: Evaluator = (row, c) => {
    let sawNull = false;
    for (let i = 0; i < comparisons.length; i++) {
      const v = comparisons[i]!(row, c);
      if (v === true) return !negated;
      if (v === null) sawNull = true;
    }
    return sawNull ? null : negated;
  };
  return foldConstant({ oid: TypeOid.bool, typmod: -1, eval: evaluator, rowIndependent: false, name: '?column?', location: expr.location }, [arg, ...items], ctx);
}

function compileLike(expr: Extract<Expr, { kind: 'like' }>, ctx: CompileContext): CompiledExpr {
  const op = `${expr.negated ? '!' : ''}${expr.caseInsensitive ? '~~*' : '~~'}`;
  return applyOperator(op, compileExpr(expr.arg, ctx), compileExpr(expr.pattern, ctx), ctx, expr.location);
}

function compileDistinctFrom(expr: Extract<Expr, { kind: 'distinct-from' }>, ctx: CompileContext): CompiledExpr {
  if (expr.left.kind === 'row' && expr.right.kind === 'row') {
    // Between row constructors, pair by pair: distinct when some pair is (PostgreSQL's make_row_distinct_op).
    const l = expr.left.args;
    const r = expr.right.args;
    if (l.length !== r.length) throw new SqlError('42601', 'unequal number of entries in row expressions', at(expr.location));
    const pairs: Expr[] = l.map((a, i) => ({ kind: 'distinct-from', left: a, right: r[i]!, negated: false, location: expr.location }));
    const any: Expr = { kind: 'or', args: pairs, location: expr.location };
    return compileExpr(expr.negated ? { kind: 'not', arg: any, location: expr.location } : any, ctx);
  }
  // A bare NULL on either side makes it a null test of the other (transformAExprDistinct): no `=`
  // is looked up, so an untyped parameter there gets no type, and a row is tested field by field.
  const isNullLiteral = (e: Expr) => e.kind === 'const' && e.literal === 'null';
  if (isNullLiteral(expr.right) || isNullLiteral(expr.left)) {
    // (A scalar test even of a row: make_nulltest_from_distinct sets argisrow false.)
    const f = compileExpr(isNullLiteral(expr.right) ? expr.left : expr.right, ctx).eval;
    const isNull = expr.negated;
    return { oid: TypeOid.bool, typmod: -1, eval: (row, c) => (f(row, c) === null) === isNull, rowIndependent: false, name: '?column?', location: expr.location };
  }
  const left = compileExpr(expr.left, ctx);
  const right = compileExpr(expr.right, ctx);
  const equal = applyOperator('=', left, right, ctx, expr.location);
  const lf = left.eval;
  const rf = right.eval;
  const eq = equal.eval;
  const negated = expr.negated;
  const evaluator: Evaluator = (row, c) => {
    const a = lf(row, c);
    const b = rf(row, c);
    let distinct: boolean;
    if (a === null || b === null) distinct = !(a === null && b === null);
    else distinct = eq(row, c) !== true;
    return negated ? !distinct : distinct;
  };
  return foldConstant({ oid: TypeOid.bool, typmod: -1, eval: evaluator, rowIndependent: false, name: '?column?', location: expr.location }, [left, right], ctx);
}

function compileSqlValue(name: Extract<Expr, { kind: 'sql-value' }>['name'], precision: number, ctx: CompileContext, location: number): CompiledExpr {
  // CURRENT_TIME(p) and the like: the value rounded to p digits (at most 6), of type time(p) …
  const typmod = Math.min(precision, 6);
  const clock = (oid: number, value: (c: ExecContext) => SqlValue): CompiledExpr => ({
    oid, typmod, rowIndependent: true, name, location,
    eval: typmod < 0 ? (_r, c) => value(c) : (_r, c) => types.applyTypmod(oid, typmod, value(c), false),
  });
  switch (name) {
    case 'current_timestamp':
      return clock(TypeOid.timestamptz, (c) => types.timestampFromUnixMicros(c.statementTimestamp));
    case 'current_time':
      return clock(TypeOid.timetz, (c) => timestamptzToTimeTz(types.timestampFromUnixMicros(c.statementTimestamp), sessionZone(c)));
    case 'localtimestamp':
      return clock(TypeOid.timestamp, (c) => localTimestampAt(c.statementTimestamp, sessionZone(c)));
    case 'localtime':
      return clock(TypeOid.time, (c) => timestampToTime(localTimestampAt(c.statementTimestamp, sessionZone(c))));
    case 'current_date':
      return { oid: TypeOid.date, typmod: -1, eval: (_r, c) => timestampToDate(localTimestampAt(c.statementTimestamp, sessionZone(c))), rowIndependent: true, name: 'current_date', location };
    case 'current_user':
      return { oid: TypeOid.name, typmod: -1, eval: (_r, c) => c.user, rowIndependent: true, name, location };
    case 'session_user':
      return { oid: TypeOid.name, typmod: -1, eval: (_r, c) => c.sessionUser ?? c.user, rowIndependent: true, name, location };
    case 'current_schema':
      return constant(TypeOid.name, ctx.currentSchema, 'current_schema', location);
    case 'current_catalog':
      return constant(TypeOid.name, 'postgres', 'current_catalog', location);
  }
}

/** ARRAY[…]: the elements' common type, as an array of it (held as canonical text, like every array here). */
/** `castTo`: the element type a cast around the constructor names, which each element is cast to. */
function compileArrayConstructor(expr: Extract<Expr, { kind: 'array' }>, ctx: CompileContext, castTo?: number): CompiledExpr {
  const elements = expr.elements.map((e) => compileExpr(e, ctx));
  if (elements.length === 0 && castTo === undefined) throw new SqlError('42P18', 'cannot determine type of empty array', { ...at(expr.location), hint: 'Explicitly cast to the desired type, for example ARRAY[]::integer[].' });
  const oid = castTo ?? commonType(elements, 'ARRAY', ctx);
  const element = types.allTypes().find((t) => t.oid === oid);
  if (!element || element.array === 0 || !types.allTypes().some((t) => t.oid === element.array)) {
    throw new SqlError('0A000', `arrays of type ${types.formatType(oid, -1)} are not supported`, at(expr.location));
  }
  const evaluators = elements.map((e) => coerce(e, oid, -1, castTo === undefined ? 'implicit' : 'explicit', e.location).eval);
  const elementType = requireType(oid);
  return foldConstant({
    oid: element.array, typmod: -1, rowIndependent: elements.every((e) => e.rowIndependent), name: 'array', location: expr.location,
    eval: (row, c) => formatArray(evaluators.map((f) => f(row, c)), elementType),
  }, elements, ctx);
}

/** How deeply SQL functions may call SQL functions (PostgreSQL would hit its stack limit). */
const MAX_FUNCTION_DEPTH = 32;

/**
 * A call of a SQL-language function (CREATE FUNCTION … LANGUAGE sql): the function the call names
 * among the schemas given (user-function-calls.ts: overloads, named arguments, defaults), inlined
 * (sql-functions.ts) and compiled here, its result converted to the declared return type.
 */
function compileUserFunction(expr: Extract<Expr, { kind: 'func' }>, ctx: CompileContext, schemas: readonly string[], compiledArgs?: CompiledExpr[]): CompiledExpr | null {
  if (!ctx.catalog || expr.star || expr.distinct || expr.filter) return null;
  const args = compiledArgs ?? expr.args.map((a) => compileExpr(a, ctx));
  const resolved = resolveUserCall(ctx.catalog, schemas, { name: expr.name, argOids: args.map((a) => a.oid), argNames: expr.argNames, location: expr.location });
  if (!resolved) return null;
  const fn = resolved.fn;
  if (fn.returnsSet) throw new SqlError('0A000', `set-returning SQL function ${fn.name}() is only supported in FROM`, at(expr.location));
  ctx.access?.execute(fn, expr.schema !== null, `${expr.name}(${args.map((a) => types.formatType(a.oid, -1)).join(', ')})`);
  const depth = (ctx.functionDepth ?? 0) + 1;
  if (depth > MAX_FUNCTION_DEPTH) throw new SqlError('54001', 'stack depth limit exceeded', { ...at(expr.location), hint: `SQL function "${fn.name}" calls itself too deeply.` });
  // PostgreSQL plans a SQL function's body with the query only where it inlines it; otherwise
  // at the first call, which may never come. Its fold errors are dropped (fold-errors.ts).
  const beforeBody = ctx.foldErrors?.mark();
  const callArgs = callArguments(resolved, expr.args, expr.location);
  const body = compileExpr(inlineCall(fn, callArgs, expr.location, columnsOfTables(ctx.catalog, ctx.searchPath ?? [])), { ...ctx, functionDepth: depth });
  if (beforeBody !== undefined) ctx.foldErrors!.dropSince(beforeBody);
  const result = coerce(body, fn.returnType.oid, fn.returnType.typmod, 'assignment', expr.location);
  return { ...result, name: expr.name, location: expr.location };
}

/** `f(b => 'x', a => 1)` of a function that is not a built-in: a user's SQL function, or none (42883). */
function compileNamedUserCall(expr: Extract<Expr, { kind: 'func' }>, ctx: CompileContext): CompiledExpr {
  const qualified = expr.schema !== null && expr.schema !== 'pg_catalog';
  if (qualified) checkFunctionSchema(expr, ctx);
  const args = expr.args.map((a) => compileExpr(a, ctx));
  const user = compileUserFunction(expr, ctx, qualified ? [expr.schema!] : ctx.searchPath ?? [], args);
  if (user) return user;
  const name = qualified ? `${expr.schema}.${expr.name}` : expr.name;
  throw new SqlError('42883', `function ${callSignature({ name, argOids: args.map((a) => a.oid), argNames: expr.argNames, location: expr.location })} does not exist`, { ...at(expr.location), hint: NO_FUNCTION_HINT });
}

/**
 * FigureColname for a cast: a column, function or the like keeps its name (through any chain of
 * casts); a constant, an operator, CASE or a weaker cast take the last word of the type name as
 * written (int2[] → int2).
 */
function castNamed(result: CompiledExpr, arg: CompiledExpr, typeWord: string): CompiledExpr {
  if (arg.weakName === false || (arg.weakName === undefined && arg.name !== '?column?')) return { ...result, name: arg.name, weakName: false };
  return { ...result, name: typeWord, weakName: true };
}

function isStringType(oid: number): boolean {
  return oid === TypeOid.text || oid === TypeOid.varchar || oid === TypeOid.bpchar || oid === TypeOid.name;
}
