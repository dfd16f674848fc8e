import { SqlError } from '../../contracts/errors.js';
import type { CatalogSnapshot, TableInfo, ViewInfo } from '../catalog/catalog.js';
import type { DeleteStatement, Expr, FromItem, InsertStatement, SelectStatement, SelectTarget, UpdateStatement } from './ast.js';
import type { CteBinding } from './plan-cte.js';
import { coerce, coerceToBoolean, compileExpr } from './compile.js';
import type { Evaluator } from './compiled.js';
import { Filter, materialize, Truncate, type Row, type RowSource, type Runtime } from './operators.js';
import { compileReturning, planInsert, readingAsBegun, rowWriters, tableScope, type PlannedModify } from './plan-modify.js';
import { compileContext, planSelect, withSubqueries, type PlanContext } from './plan-select.js';
import { parseSql } from './parse.js';
import { containsAggregate, containsCall, resolveRelation } from './relations.js';
import { Scope } from './scope.js';
import { ApplySubplans, SubplanCollector } from './subplans.js';
import { isSetReturning } from './set-functions.js';
import { compileColumnDefaults, synchronousDefault } from '../sequences/insert-defaults.js';
import * as types from './typesystem.js';
import { failingRow } from './row-rules.js';

/**
 * INSERT, UPDATE and DELETE through an automatically updatable view, as PostgreSQL does it
 * (rewriteTargetView): the view's query must read one table (no DISTINCT, grouping, set
 * operations, WITH, LIMIT/OFFSET, aggregates, window or set-returning functions); a view column
 * that is a plain column of that table can be written, any other is not. The rows changed are
 * the table's rows the view shows (its WHERE and the statement's); RETURNING sees view rows.
 * The view's owner needs the privileges on the relation it reads, the user those on the view. A
 * view over an updatable view changes rows through it in turn. WITH CHECK OPTION checks the view's WHERE on every
 * row INSERT or UPDATE writes through it (44000).
 */
type Action = 'insert' | 'update' | 'delete';

/** As deep as planning goes through views (plan-select.ts's guard against a view that reaches itself). */
const MAX_VIEW_DEPTH = 32;

interface UpdatableView {
  readonly view: ViewInfo;
  /** The table whose rows change (through `inner`'s views, when the view reads a view). */
  readonly table: TableInfo;
  /** The updatable view this view's query reads, or null when it reads `table`. */
  readonly inner: UpdatableView | null;
  /** The name the view's query gives the relation it reads (its alias or name). */
  readonly tableRelation: string;
  readonly query: SelectStatement;
  /** The view's output columns as its query computes them over the table's row. */
  readonly targets: readonly Expr[];
  /** Per view column, the table column it is, or -1 for a column that is not updatable (or the inner view's that is not). */
  readonly columns: readonly number[];
  /** Per view column, the inner view's column it is (-1 for none); empty over a table. */
  readonly innerColumns: readonly number[];
  /** Where the view's query is planned: the view's own search path (bound when it was made), no outer query. */
  readonly pc: PlanContext;
}

const VERB: Record<Action, string> = { insert: 'insert into', update: 'update', delete: 'delete from' };
const HINT: Record<Action, string> = {
  insert: 'To enable inserting into the view, provide an INSTEAD OF INSERT trigger or an unconditional ON INSERT DO INSTEAD rule.',
  update: 'To enable updating the view, provide an INSTEAD OF UPDATE trigger or an unconditional ON UPDATE DO INSTEAD rule.',
  delete: 'To enable deleting from the view, provide an INSTEAD OF DELETE trigger or an unconditional ON DELETE DO INSTEAD rule.',
};

/** PostgreSQL's reason a view's query is not automatically updatable (view_query_is_auto_updatable), or null. */
function notUpdatableReason(query: SelectStatement): string | null {
  if (query.distinct || (query.distinctOn?.length ?? 0) > 0) return 'Views containing DISTINCT are not automatically updatable.';
  if (query.groupBy.length > 0 || (query.groupingSets?.length ?? 0) > 0) return 'Views containing GROUP BY are not automatically updatable.';
  if (query.having) return 'Views containing HAVING are not automatically updatable.';
  if (query.setOperation) return 'Views containing UNION, INTERSECT, or EXCEPT are not automatically updatable.';
  if (query.with) return 'Views containing WITH are not automatically updatable.';
  if (query.limit || query.offset) return 'Views containing LIMIT or OFFSET are not automatically updatable.';
  const exprs = query.targets.map((t) => t.expr);
  if (exprs.some((e) => containsAggregate(e, types.isAggregate))) {
    return 'Views that return aggregate functions are not automatically updatable.';
  }
  if (exprs.some((e) => containsCall(e, (f) => f.over !== null && f.over !== undefined))) return 'Views that return window functions are not automatically updatable.';
  if (exprs.some((e) => containsCall(e, (f) => isSetReturning(f.name.toLowerCase())))) return 'Views that return set-returning functions are not automatically updatable.';
  if (query.values || query.from.length !== 1 || query.from[0]!.kind !== 'table') return 'Views that do not select from a single table or view are not automatically updatable.';
  return null;
}

function refuse(action: Action, view: ViewInfo, detail: string): SqlError {
  return new SqlError('55000', `cannot ${VERB[action]} view "${view.name}"`, { detail, hint: HINT[action] });
}

/** CREATE VIEW … WITH CHECK OPTION: PostgreSQL's refusal for a view that is not automatically updatable. */
export function refuseCheckOption(query: SelectStatement): void {
  const reason = notUpdatableReason(query);
  if (reason) throw new SqlError('0A000', 'WITH CHECK OPTION is supported only on automatically updatable views', { hint: reason });
}

/**
 * WITH CHECK OPTION: the conditions a new row of the table (with its key) must satisfy when
 * written through `target`, innermost view first (PostgreSQL's order): a view's own WHERE when it
 * has a check option, and every view's below a CASCADED one.
 */
function checkOptionOf(target: UpdatableView, cascaded = false): ((row: Row, rt: Runtime) => void) | null {
  const { view, table, query } = target;
  const below = target.inner ? checkOptionOf(target.inner, cascaded || view.checkOption === 'cascaded') : null;
  if ((!view.checkOption && !cascaded) || !query.where) return below;
  const subplans = new SubplanCollector();
  const ctx = withSubqueries(compileContext(target.pc, baseScope(target), 'WHERE'), subplans, target.pc);
  const condition = coerceToBoolean(compileExpr(query.where, ctx), 'WHERE').eval;
  if (!subplans.empty) throw new SqlError('0A000', `WITH CHECK OPTION of view "${view.name}", whose WHERE has a subquery, is not supported yet`);
  const baseRow = target.inner ? viewRowOf(target.inner) : null;
  return (row, rt) => {
    below?.(row, rt);
    if (condition(baseRow ? baseRow(row, rt) : row, rt.ctx) !== true) {
      throw new SqlError('44000', `new row violates check option for view "${view.name}"`, { detail: failingRow(table.columns, row) });
    }
  };
}

/** The scope the view's query reads: the table's columns (and key), or the inner view's columns. */
function baseScope(target: UpdatableView): Scope {
  return target.inner ? viewScope(target.inner, target.tableRelation) : new Scope(tableScope(target.table, target.tableRelation));
}

/** The view as a target of `action`: its table and column mapping, or PostgreSQL's refusal. */
function updatableView(view: ViewInfo, action: Action, pc: PlanContext): UpdatableView {
  const parsed = parseSql(view.definition);
  const query = parsed[0]?.statement;
  if (parsed.length !== 1 || query?.kind !== 'select') throw new SqlError('XX000', `view "${view.name}" has a definition that is not a query`);
  const reason = notUpdatableReason(query);
  if (reason) throw refuse(action, view, reason);
  const item = query.from[0] as Extract<SelectStatement['from'][number], { kind: 'table' }>;
  const resolver = view.searchPath ? { ...pc.resolver, searchPath: view.searchPath } : pc.resolver;
  const relation = resolveRelation(resolver, item.schema, item.name, -1);
  if (relation.kind !== 'table' && relation.kind !== 'view') throw refuse(action, view, 'Views that do not select from a single table or view are not automatically updatable.');
  const depth = (pc.viewDepth ?? 0) + 1;
  if (depth > MAX_VIEW_DEPTH) throw new SqlError('42P17', `infinite recursion detected in rules for relation "${view.name}"`);
  // A view over a view changes rows through that one in turn (PostgreSQL rewrites it again).
  const inner = relation.kind === 'view' ? updatableView(relation.view, action, { ...pc, viewDepth: depth }) : null;
  const table = inner ? inner.table : (relation as Extract<typeof relation, { kind: 'table' }>).table;
  const baseColumns = inner ? inner.view.columns.map((c) => c.name) : table.columns.map((c) => c.name);
  const tableRelation = item.alias ?? item.name;
  const targets: Expr[] = [];
  const positions: number[] = [];
  for (const target of query.targets) {
    const expr = target.expr;
    if (expr.kind === 'star') {
      baseColumns.forEach((name, i) => {
        targets.push({ kind: 'column', schema: null, table: tableRelation, name, location: -1 });
        positions.push(i);
      });
      continue;
    }
    targets.push(expr);
    const plain = expr.kind === 'column' && expr.schema === null && (expr.table === null || expr.table === tableRelation);
    positions.push(plain ? baseColumns.indexOf(expr.name) : -1);
  }
  // A view's columns were fixed when it was made: `*` over a relation that gained columns since shows no more.
  targets.length = Math.min(targets.length, view.columns.length);
  positions.length = targets.length;
  const columns = inner ? positions.map((p) => (p < 0 ? -1 : inner.columns[p]!)) : positions;
  if (action !== 'delete' && columns.every((c) => c < 0)) throw refuse(action, view, 'Views that have no updatable columns are not automatically updatable.');
  return { view, table, inner, tableRelation, query, targets, columns, innerColumns: inner ? positions : [], pc: { ...pc, resolver, outer: undefined, ctes: undefined } };
}

/**
 * information_schema's is_insertable_into / is_updatable of a view: whether INSERT, and both
 * UPDATE and DELETE, go through it here (a view over a view does not yet).
 */
export function viewUpdatability(view: ViewInfo, catalog: CatalogSnapshot): { insertable: boolean; updatable: boolean } {
  // Views made before they kept their search path resolve with the reader's: then only a view over
  // one table it depends on is judged, by that table.
  const searchPath = view.searchPath ?? (view.dependsOn.length === 1 ? [catalog.tableById(view.dependsOn[0]!)?.schema ?? view.schema] : []);
  const pc = { resolver: { catalog, searchPath, virtual: () => undefined } } as unknown as PlanContext;
  try {
    updatableView(view, 'insert', pc);
    return { insertable: true, updatable: true };
  } catch (error) {
    if (error instanceof SqlError) return { insertable: false, updatable: false };
    throw error;
  }
}

/** The table column behind view column `name`, or PostgreSQL's refusal for one that is not a column of it. */
function tableColumn(target: UpdatableView, name: string, action: 'insert' | 'update', location: number): number {
  const index = target.view.columns.findIndex((c) => c.name === name);
  if (index < 0) {
    throw new SqlError('42703', `column "${name}" of relation "${target.view.name}" does not exist`, location >= 0 ? { position: location + 1 } : {});
  }
  const column = target.columns[index]!;
  if (column < 0) {
    // Not a column of the relation the view reads, or (over a view) one that view cannot write: the refusal names that view.
    const innerColumn = target.inner ? target.innerColumns[index]! : -1;
    if (innerColumn >= 0) return tableColumn(target.inner!, target.inner!.view.columns[innerColumn]!.name, action, -1);
    throw new SqlError('0A000', `cannot ${action === 'insert' ? 'insert into' : 'update'} column "${name}" of view "${target.view.name}"`, {
      detail: 'View columns that are not columns of their base relation are not updatable.',
    });
  }
  return column;
}

/**
 * Records the privileges: the user's on the view (the letters `letters`), the view owner's on
 * the table (`tableLetters`, planned through the view's access log).
 */
function recordAccess(target: UpdatableView, pc: PlanContext, letters: string, tableLetters: string, qualified: boolean): void {
  const access = pc.access;
  if (!access) return;
  access.uses.push({ oid: target.view.id, kind: 'view', schema: target.view.schema, name: target.view.name, qualified, letters, via: null });
  // Each view's owner needs the privileges on the relation its query reads.
  for (let level: UpdatableView | null = target; level; level = level.inner) {
    const via = level.view.id;
    const read = level.inner ? level.inner.view : null;
    if (read) access.uses.push({ oid: read.id, kind: 'view', schema: read.schema, name: read.name, qualified: false, letters: tableLetters, via });
    else access.uses.push({ oid: level.table.id, kind: 'table', schema: level.table.schema, name: level.table.name, qualified: false, letters: tableLetters, via });
  }
  pc.usedTables.add(target.table);
}

/** Whether any column reference appears in `nodes` (such a clause reads the view: SELECT privilege). */
function readsColumns(nodes: unknown): boolean {
  if (nodes === null || typeof nodes !== 'object') return false;
  if (Array.isArray(nodes)) return nodes.some(readsColumns);
  const record = nodes as Record<string, unknown>;
  if (record['kind'] === 'column' || record['kind'] === 'star') return true;
  return Object.values(record).some(readsColumns);
}

/** The view's columns over a row of [table columns…, row key] (RETURNING's input). */
function viewRowOf(target: UpdatableView): (row: Row, rt: Runtime) => Row {
  const ctx = compileContext(target.pc, baseScope(target), 'RETURNING');
  const exprs = target.targets.map((e) => compileExpr(e, ctx).eval);
  const baseRow = target.inner ? viewRowOf(target.inner) : null;
  return (row, rt) => {
    const base = baseRow ? baseRow(row, rt) : row;
    return exprs.map((e) => e(base, rt.ctx));
  };
}

function viewScope(target: UpdatableView, relation: string): Scope {
  return new Scope(target.view.columns.map((c, i) => ({ relation, name: c.name, oid: c.typeOid, typmod: c.typmod, position: i, tableOid: target.view.id, columnNumber: i + 1 })));
}

function returningOf(statement: { readonly returning: readonly SelectTarget[] }, target: UpdatableView, relation: string, pc: PlanContext) {
  return compileReturning(statement.returning, viewScope(target, relation), pc);
}

/**
 * The view's query extended to [its columns…, the table's row key, the table's columns…], and
 * the context to plan it in (as the view's owner). Over a view, the inner view's extended query
 * is a WITH query the outer one reads under the inner view's name, its hidden columns carried up.
 */
function rowsQuery(target: UpdatableView, access: PlanContext['access'], depth: number): { select: SelectStatement; pc: PlanContext } {
  const viewAccess = access?.throughView(target.view.id);
  const column = (name: string): Expr => ({ kind: 'column', schema: null, table: target.tableRelation, name, location: -1 });
  const hidden = [KEY, ...target.table.columns.map((_, i) => tableColumnName(i))];
  const targets: SelectTarget[] = [
    ...target.targets.map((expr, i) => ({ expr, alias: `\u0000v${i}`, location: -1 })),
    { expr: column(target.inner ? KEY : '__row_key'), alias: KEY, location: -1 },
    ...target.table.columns.map((c, i) => ({ expr: column(target.inner ? tableColumnName(i) : c.name), alias: tableColumnName(i), location: -1 })),
  ];
  const pc: PlanContext = { ...target.pc, viewDepth: depth, access: viewAccess, columnUse: null };
  if (!target.inner) return { select: { ...target.query, targets }, pc };
  const below = rowsQuery(target.inner, viewAccess, depth + 1);
  const name = `\u0000view ${target.inner.view.id}`;
  const cte = { name, columnAliases: [...target.inner.view.columns.map((c) => c.name), ...hidden], query: below.select, location: -1 };
  const binding: CteBinding = { kind: 'query', cte, query: below.select, recursive: false, pc: below.pc };
  const from: FromItem[] = [{ kind: 'table', schema: null, name, alias: target.tableRelation, location: -1 }];
  return { select: { ...target.query, from, targets }, pc: { ...pc, ctes: new Map([[name, binding]]) } };
}

const KEY = '\u0000key';
const tableColumnName = (i: number): string => `\u0000t${i}`;

/**
 * The view's rows the statement changes, each as [view columns…, row key, table columns…]:
 * the view's query (planned as the view's owner) with the key and the table's row appended,
 * filtered by the statement's WHERE over the view's columns.
 */
function planViewRows(target: UpdatableView, relation: string, where: Expr | null, pc: PlanContext): { width: number; build: () => RowSource; scope: Scope } {
  const rows = rowsQuery(target, pc.access, (pc.viewDepth ?? 0) + 1);
  const inner = planSelect(rows.select, rows.pc);
  const scope = viewScope(target, relation);
  const width = inner.columns.length;
  if (!where) return { width, build: inner.build, scope };
  const subplans = new SubplanCollector();
  subplans.base = width;
  const whereCtx = withSubqueries(compileContext(pc, scope, 'WHERE'), subplans, pc);
  const predicate = coerceToBoolean(compileExpr(where, whereCtx), 'WHERE').eval;
  if (subplans.empty) return { width, build: () => new Filter(inner.build(), predicate), scope };
  return { width, build: () => new Truncate(new Filter(new ApplySubplans(inner.build(), subplans), predicate), width), scope };
}

export function planDeleteThroughView(statement: DeleteStatement, view: ViewInfo, pc: PlanContext): PlannedModify {
  const target = updatableView(view, 'delete', pc);
  if (statement.using.length > 0) throw new SqlError('0A000', 'DELETE … USING through a view is not supported yet');
  const relation = statement.alias ?? view.name;
  const reads = readsColumns([statement.where, statement.returning]);
  recordAccess(target, pc, 'd' + (reads ? 'r' : ''), 'd' + (reads ? 'r' : ''), statement.schema !== null);
  const rows = planViewRows(target, relation, statement.where, pc);
  const returning = returningOf(statement, target, relation, pc);
  const writer = rowWriters(pc, target.table)(target.table);
  const k = target.columns.length;
  return readingAsBegun({
    columns: returning?.columns ?? null,
    tag: 'DELETE',
    targets: rows.build,
    async run(rt, emit) {
      const found = await materialize(rows.build(), rt);
      for (const row of found) {
        writer.delete(rt, row.slice(k + 1), row[k] as Uint8Array);
        if (returning) emit(await returning.project(row, rt));
      }
      return found.length;
    },
  }, returning?.readsTables ?? false);
}

export function planUpdateThroughView(statement: UpdateStatement, view: ViewInfo, pc: PlanContext): PlannedModify {
  const target = updatableView(view, 'update', pc);
  if (statement.from.length > 0) throw new SqlError('0A000', 'UPDATE … FROM through a view is not supported yet');
  const relation = statement.alias ?? view.name;
  const reads = readsColumns([statement.where, statement.returning, statement.set.map((s) => s.value)]);
  recordAccess(target, pc, 'w' + (reads ? 'r' : ''), 'w' + (reads ? 'r' : ''), statement.schema !== null);
  const rows = planViewRows(target, relation, statement.where, pc);
  const { table } = target;
  const subplans = new SubplanCollector();
  subplans.base = rows.width;
  const ctx = withSubqueries(compileContext(pc, rows.scope, 'UPDATE'), subplans, pc);
  const defaults = compileColumnDefaults(table, pc);
  const seen = new Set<number>();
  const sets = statement.set.map((a) => {
    const column = tableColumn(target, a.column, 'update', a.location);
    if (seen.has(column)) throw new SqlError('42601', `multiple assignments to same column "${a.column}"`);
    seen.add(column);
    const info = table.columns[column]!;
    if (a.value === null) return { column, value: synchronousDefault(defaults[column]!, info) };
    const value: Evaluator = coerce(compileExpr(a.value, ctx), info.typeOid, info.typmod, 'assignment', a.value.location, info.name).eval;
    return { column, value };
  });
  const returning = returningOf(statement, target, relation, pc);
  const viewRow = returning ? viewRowOf(target) : null;
  const check = checkOptionOf(target);
  const writer = rowWriters(pc, table)(table);
  const k = target.columns.length;
  const n = table.columns.length;
  const source = subplans.empty ? rows.build : () => new ApplySubplans(rows.build(), subplans);
  return readingAsBegun({
    columns: returning?.columns ?? null,
    tag: 'UPDATE',
    targets: source,
    async run(rt, emit) {
      const found = await materialize(source(), rt);
      for (const row of found) {
        const old = row.slice(k + 1, k + 1 + n);
        const updated = old.slice();
        for (const set of sets) updated[set.column] = set.value(row, rt.ctx);
        writer.checkRow(updated, rt.ctx);
        const key = await writer.update(rt, old, row[k] as Uint8Array, updated);
        check?.([...updated, key], rt);
        if (returning) {
          const shown = viewRow!([...updated, key], rt);
          emit(await returning.project(shown, rt));
        }
      }
      return found.length;
    },
  }, returning?.readsTables ?? false);
}

export function planInsertThroughView(statement: InsertStatement, view: ViewInfo, pc: PlanContext): PlannedModify {
  const target = updatableView(view, 'insert', pc);
  if (statement.onConflict) throw new SqlError('0A000', 'INSERT … ON CONFLICT through a view is not supported yet');
  // Without a column list, the values fill the view's first columns, as many as each row gives.
  const given = statement.columns ? statement.columns.length : statement.rows ? Math.max(...statement.rows.map((r) => r.length)) : planSelect(statement.query!, pc).columns.length;
  const names = statement.columns ?? view.columns.slice(0, given).map((c) => ({ name: c.name, location: -1 }));
  const { table } = target;
  const columns = names.map((c) => ({ name: table.columns[tableColumn(target, c.name, 'insert', c.location)]!.name, location: c.location }));
  // The table's INSERT, with the row and key of each new row coming back for the view's RETURNING.
  const key: Expr = { kind: 'column', schema: null, table: null, name: '__row_key', location: -1 };
  const all: SelectTarget[] = [...table.columns.map((c) => ({ expr: { kind: 'column', schema: null, table: null, name: c.name, location: -1 } as Expr, alias: null, location: -1 })), { expr: key, alias: null, location: -1 }];
  const check = checkOptionOf(target);
  const rewritten: InsertStatement = { ...statement, with: null, schema: table.schema, table: table.name, alias: null, columns, returning: statement.returning.length > 0 || check ? all : [] };
  const reads = readsColumns(statement.returning);
  const mark = pc.access?.uses.length ?? 0;
  const inner = planInsert(rewritten, pc);
  // planInsert recorded the table as its target for the user: it is the view's owner's.
  const uses = pc.access?.uses;
  if (uses) {
    const at = uses.findIndex((u, i) => i >= mark && u.oid === table.id && u.letters.includes('a'));
    if (at >= 0) uses.splice(at, 1);
  }
  recordAccess(target, pc, 'a' + (reads ? 'r' : ''), 'a' + (reads ? 'r' : ''), statement.schema !== null);
  const relation = statement.alias ?? view.name;
  const returning = returningOf(statement, target, relation, pc);
  const viewRow = returning ? viewRowOf(target) : null;
  return readingAsBegun({
    columns: returning?.columns ?? null,
    tag: 'INSERT',
    async run(rt, emit) {
      // The table's statement answers each row as it writes it; RETURNING's subqueries, which
      // may not run there, run on the rows kept until it is done.
      const shown: Row[] = [];
      const count = await inner.run(rt, (row) => {
        check?.(row, rt);
        if (returning) shown.push(viewRow!(row, rt));
      });
      if (returning) for (const row of shown) emit(await returning.project(row, rt));
      return count;
    },
  }, returning?.readsTables ?? false);
}
