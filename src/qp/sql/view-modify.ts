import { SqlError } from '../../contracts/errors.js';
import type { CatalogSnapshot, TableInfo, ViewInfo } from '../catalog/catalog.js';
import type { DeleteStatement, Expr, InsertStatement, SelectStatement, SelectTarget, UpdateStatement } from './ast.js';
import { coerce, coerceToBoolean, compileExpr } from './compile.js';
import type { Evaluator } from './compiled.js';
import { Filter, materialize, Truncate, type Row, type RowSource, type Runtime } from './operators.js';
import { compileReturning, planInsert, rowWriters, tableScope, type PlannedModify } from './plan-modify.js';
import { compileContext, planSelect, withSubqueries, type PlanContext } from './plan-select.js';
import { parseSql } from './parse.js';
import { containsAggregate, resolveRelation } from './relations.js';
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
 * The view's owner needs the privileges on the table, the user those on the view. Views over
 * views are not rewritten in turn yet (0A000). WITH CHECK OPTION checks the view's WHERE on every
 * row INSERT or UPDATE writes through it (44000).
 */
type Action = 'insert' | 'update' | 'delete';

interface UpdatableView {
  readonly view: ViewInfo;
  readonly table: TableInfo;
  /** The name the view's query gives the table (its alias or name). */
  readonly tableRelation: string;
  readonly query: SelectStatement;
  /** The view's output columns as its query computes them over the table's row. */
  readonly targets: readonly Expr[];
  /** Per view column, the table column it is, or -1 for a column that is not updatable. */
  readonly columns: readonly number[];
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

type FuncExpr = Extract<Expr, { kind: 'func' }>;

/** Whether a function call anywhere in `node` (not inside a subquery's own query) satisfies `test`. */
function containsCall(node: unknown, test: (f: FuncExpr) => boolean): boolean {
  if (node === null || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some((child) => containsCall(child, test));
  const record = node as Record<string, unknown>;
  if (record['kind'] === 'subquery') return false;
  if (record['kind'] === 'func' && test(record as unknown as FuncExpr)) return true;
  return Object.values(record).some((child) => containsCall(child, test));
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
 * WITH CHECK OPTION: the view's WHERE over a new row of the table (with its key), or null for a
 * view without one. The target is a table, so LOCAL and CASCADED check the same condition.
 */
function checkOptionOf(target: UpdatableView, pc: PlanContext): ((row: Row, rt: Runtime) => void) | null {
  const { view, table, query } = target;
  if (!view.checkOption || !query.where) return null;
  const subplans = new SubplanCollector();
  const scope = new Scope(tableScope(table, target.tableRelation));
  const ctx = withSubqueries(compileContext(target.pc, scope, 'WHERE'), subplans, target.pc);
  const condition = coerceToBoolean(compileExpr(query.where, ctx), 'WHERE').eval;
  if (!subplans.empty) throw new SqlError('0A000', `WITH CHECK OPTION of view "${view.name}", whose WHERE has a subquery, is not supported yet`);
  return (row, rt) => {
    if (condition(row, rt.ctx) !== true) {
      throw new SqlError('44000', `new row violates check option for view "${view.name}"`, { detail: failingRow(table.columns, row) });
    }
  };
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
  if (relation.kind === 'view') throw new SqlError('0A000', `changing rows through view "${view.name}", a view over view "${relation.view.name}", is not supported yet`);
  if (relation.kind !== 'table') throw refuse(action, view, 'Views that do not select from a single table or view are not automatically updatable.');
  const table = relation.table;
  const tableRelation = item.alias ?? item.name;
  const targets: Expr[] = [];
  const columns: number[] = [];
  for (const target of query.targets) {
    const expr = target.expr;
    if (expr.kind === 'star') {
      table.columns.forEach((c, i) => {
        targets.push({ kind: 'column', schema: null, table: tableRelation, name: c.name, location: -1 });
        columns.push(i);
      });
      continue;
    }
    targets.push(expr);
    const plain = expr.kind === 'column' && expr.schema === null && (expr.table === null || expr.table === tableRelation);
    columns.push(plain ? table.columns.findIndex((c) => c.name === expr.name) : -1);
  }
  // A view's columns were fixed when it was made: `*` over a table that gained columns since shows no more.
  targets.length = Math.min(targets.length, view.columns.length);
  columns.length = targets.length;
  if (action !== 'delete' && columns.every((c) => c < 0)) throw refuse(action, view, 'Views that have no updatable columns are not automatically updatable.');
  return { view, table, tableRelation, query, targets, columns, pc: { ...pc, resolver, outer: undefined, ctes: undefined } };
}

/**
 * information_schema's is_insertable_into / is_updatable of a view: whether INSERT, and both
 * UPDATE and DELETE, go through it here (a view over a view does not yet).
 */
export function viewUpdatability(view: ViewInfo, catalog: CatalogSnapshot): { insertable: boolean; updatable: boolean } {
  const no = { insertable: false, updatable: false };
  const parsed = parseSql(view.definition);
  const query = parsed[0]?.statement;
  if (parsed.length !== 1 || query?.kind !== 'select' || notUpdatableReason(query) !== null) return no;
  const item = query.from[0] as Extract<SelectStatement['from'][number], { kind: 'table' }>;
  const table = view.dependsOn.length === 1 ? catalog.tableById(view.dependsOn[0]!) : undefined;
  if (!table || table.name !== item.name) return no;
  const relation = item.alias ?? item.name;
  const writable = query.targets.some((t) => t.expr.kind === 'star'
    || (t.expr.kind === 'column' && t.expr.schema === null && (t.expr.table === null || t.expr.table === relation)));
  return { insertable: writable, updatable: writable };
}

/** The table column behind view column `name`, or PostgreSQL's refusal for one that is not a column of it. */
function tableColumn(target: UpdatableView, name: string, action: 'insert' | 'update', location: number): number {
  const index = target.view.columns.findIndex((c) => c.name === name);
  if (index < 0) {
    throw new SqlError('42703', `column "${name}" of relation "${target.view.name}" does not exist`, location >= 0 ? { position: location + 1 } : {});
  }
  const column = target.columns[index]!;
  if (column < 0) {
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
  const { view, table } = target;
  access.uses.push({ oid: view.id, kind: 'view', schema: view.schema, name: view.name, qualified, letters, via: null });
  access.uses.push({ oid: table.id, kind: 'table', schema: table.schema, name: table.name, qualified: false, letters: tableLetters, via: view.id });
  pc.usedTables.add(table);
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
function viewRowOf(target: UpdatableView, pc: PlanContext): (row: Row, rt: Runtime) => Row {
  const scope = new Scope(tableScope(target.table, target.tableRelation));
  const ctx = compileContext(target.pc, scope, 'RETURNING');
  const exprs = target.targets.map((e) => compileExpr(e, ctx).eval);
  return (row, rt) => exprs.map((e) => e(row, rt.ctx));
}

function viewScope(target: UpdatableView, relation: string): Scope {
  return new Scope(target.view.columns.map((c, i) => ({ relation, name: c.name, oid: c.typeOid, typmod: c.typmod, position: i, tableOid: target.view.id, columnNumber: i + 1 })));
}

function returningOf(statement: { readonly returning: readonly SelectTarget[] }, target: UpdatableView, relation: string, pc: PlanContext) {
  return compileReturning(statement.returning, viewScope(target, relation), pc);
}

/**
 * The view's rows the statement changes, each as [view columns…, row key, table columns…]:
 * the view's query (planned as the view's owner) with the key and the table's row appended,
 * filtered by the statement's WHERE over the view's columns.
 */
function planViewRows(target: UpdatableView, relation: string, where: Expr | null, pc: PlanContext): { width: number; build: () => RowSource; scope: Scope } {
  const column = (name: string): Expr => ({ kind: 'column', schema: null, table: target.tableRelation, name, location: -1 });
  const targets: SelectTarget[] = [
    ...target.targets.map((expr, i) => ({ expr, alias: `\u0000v${i}`, location: -1 })),
    { expr: column('__row_key'), alias: '\u0000key', location: -1 },
    ...target.table.columns.map((c, i) => ({ expr: column(c.name), alias: `\u0000t${i}`, location: -1 })),
  ];
  const inner = planSelect({ ...target.query, targets }, {
    ...target.pc, viewDepth: (pc.viewDepth ?? 0) + 1, access: pc.access?.throughView(target.view.id), columnUse: null,
  });
  const scope = viewScope(target, relation);
  const width = inner.columns.length;
  if (!where) return { width, build: inner.build, scope };
  const subplans = new SubplanCollector();
  subplans.base = width;
  const predicate = coerceToBoolean(compileExpr(where, withSubqueries(compileContext(pc, scope, 'WHERE'), subplans, pc)), 'WHERE').eval;
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
  return {
    columns: returning?.columns ?? null,
    tag: 'DELETE',
    targets: rows.build,
    async run(rt, emit) {
      const found = await materialize(rows.build(), rt);
      for (const row of found) {
        writer.delete(rt, row.slice(k + 1), row[k] as Uint8Array);
        if (returning) emit(returning.exprs.map((e) => e(row, rt.ctx)));
      }
      return found.length;
    },
  };
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
  const viewRow = returning ? viewRowOf(target, pc) : null;
  const check = checkOptionOf(target, pc);
  const writer = rowWriters(pc, table)(table);
  const k = target.columns.length;
  const n = table.columns.length;
  const source = subplans.empty ? rows.build : () => new ApplySubplans(rows.build(), subplans);
  return {
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
          emit(returning.exprs.map((e) => e(shown, rt.ctx)));
        }
      }
      return found.length;
    },
  };
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
  const check = checkOptionOf(target, pc);
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
  const viewRow = returning ? viewRowOf(target, pc) : null;
  return {
    columns: returning?.columns ?? null,
    tag: 'INSERT',
    async run(rt, emit) {
      return inner.run(rt, (row) => {
        check?.(row, rt);
        if (!returning) return;
        const shown = viewRow!(row, rt);
        emit(returning.exprs.map((e) => e(shown, rt.ctx)));
      });
    },
  };
}
