import { SqlError } from '../../contracts/errors.js';
import type { CatalogSnapshot, FunctionInfo } from '../catalog/catalog.js';
import type { Expr, FromItem, SelectStatement, TypeName } from './ast.js';
import { mapTree } from './ast-map.js';
import { parseSql } from './parse.js';
import * as types from './typesystem.js';

/**
 * SQL-language functions (CREATE FUNCTION … LANGUAGE sql), as PostgreSQL inlines the simple
 * ones: a call is replaced by the function's body with the arguments in place of its
 * parameters — the body's expression itself when the body is a bare `SELECT expr`, otherwise
 * the body as a scalar subquery (a subplan). Arguments are cast to the declared parameter
 * types; STRICT functions answer NULL for a NULL argument without running the body.
 */

/**
 * The body as a SELECT whose parameters are `$n` (names already turned into positions).
 * `tableColumns` names the columns of the tables the body reads: a column name takes
 * precedence over a parameter name, as in PostgreSQL, and `fname.arg` always means the parameter.
 */
export function functionBody(fn: Pick<FunctionInfo, 'name' | 'args' | 'body'>, tableColumns: (select: SelectStatement) => ReadonlySet<string>): SelectStatement {
  const parsed = parseSql(fn.body);
  if (parsed.length !== 1 || parsed[0]!.statement.kind !== 'select') {
    throw new SqlError('0A000', 'SQL functions whose body is not a single SELECT are not supported yet');
  }
  const select = parsed[0]!.statement;
  const byName = new Map<string, number>();
  fn.args.forEach((a, i) => { if (a.name) byName.set(a.name, i + 1); });
  if (byName.size === 0) return select;
  const columns = tableColumns(select);
  return mapTree(select, (node) => {
    if (node['kind'] !== 'column') return undefined;
    const name = node['name'] as string;
    const table = node['table'] as string | null;
    const index = byName.get(name);
    if (index === undefined) return undefined;
    if ((table === null && !columns.has(name)) || table === fn.name) return { kind: 'param', index, location: node['location'] };
    return undefined;
  }) as SelectStatement;
}

/** The call `fn(args)` as an expression to compile in the caller's context. */
export function inlineCall(fn: FunctionInfo, args: readonly Expr[], location: number, tableColumns: (select: SelectStatement) => ReadonlySet<string>): Expr {
  const body = functionBody(fn, tableColumns);
  const argument = (index: number): Expr => {
    const arg = args[index - 1];
    if (!arg) throw new SqlError('42P02', `there is no parameter $${index}`, { position: location + 1 });
    return { kind: 'cast', arg, type: typeName(fn.args[index - 1]!.typeOid), location };
  };
  const simple = body.from.length === 0 && body.targets.length === 1 && body.targets[0]!.expr.kind !== 'star'
    && !body.where && body.groupBy.length === 0 && !body.having && body.orderBy.length === 0
    && !body.limit && !body.offset && !body.setOperation && !body.with && !body.values && !body.distinct;
  let expr: Expr;
  if (simple) {
    expr = (mapTree(body, (node) => (node['kind'] === 'param' ? argument(node['index'] as number) : undefined)) as SelectStatement).targets[0]!.expr;
  } else {
    // A body that reads tables runs as a scalar subquery. The arguments are computed first, in
    // a derived table of their own, so a caller's column can never be captured by a
    // same-named column of the tables the body reads:
    //   (SELECT (body with $n → __fn_arg_n) FROM (SELECT arg1::t1 AS __fn_arg_1, …) AS __fn_args)
    const argColumn = (index: number): Expr => ({ kind: 'column', schema: null, table: '__fn_args', name: `__fn_arg_${index}`, location });
    const inner = mapTree(body, (node) => (node['kind'] === 'param' ? argColumn(node['index'] as number) : undefined)) as SelectStatement;
    const argsRow: SelectStatement = {
      kind: 'select', targets: args.map((_, i) => ({ expr: argument(i + 1), alias: `__fn_arg_${i + 1}`, location })),
      from: [], where: null, groupBy: [], having: null, orderBy: [], limit: null, offset: null, distinct: false, values: null, locking: null,
    };
    const wrapper: SelectStatement = {
      kind: 'select', targets: [{ expr: { kind: 'subquery', mode: 'scalar', select: inner, unsupported: null, location }, alias: null, location }],
      from: args.length > 0 ? [{ kind: 'subquery', query: argsRow, alias: '__fn_args', columnAliases: [], location }] : [],
      where: null, groupBy: [], having: null, orderBy: [], limit: null, offset: null, distinct: false, values: null, locking: null,
    };
    expr = { kind: 'subquery', mode: 'scalar', select: wrapper, unsupported: null, location };
  }
  if (fn.strict && args.length > 0) {
    const anyNull: Expr = { kind: 'or', args: args.map((arg) => ({ kind: 'null-test', arg, isNull: true, location })), location };
    expr = { kind: 'case', subject: null, whens: [{ when: anyNull, then: { kind: 'const', literal: 'null', text: '', location } }], otherwise: expr, location };
  }
  return expr;
}

function typeName(oid: number): TypeName {
  return { names: ['pg_catalog', types.outputName(oid)], typmods: [], arrayBounds: 0, location: -1 };
}


/** The column names of the catalog tables (and views) a query's FROM names, for `functionBody`. */
export function columnsOfTables(catalog: CatalogSnapshot, searchPath: readonly string[]): (select: SelectStatement) => ReadonlySet<string> {
  return (select) => {
    const names = new Set<string>();
    const visit = (item: FromItem): void => {
      if (item.kind === 'join') { visit(item.left); visit(item.right); return; }
      if (item.kind !== 'table') return;
      for (const schema of item.schema ? [item.schema] : searchPath) {
        const table = catalog.table(schema, item.name) ?? catalog.view(schema, item.name);
        if (table) { for (const c of table.columns) names.add(c.name); return; }
      }
    };
    for (const item of select.from) visit(item);
    return names;
  };
}
