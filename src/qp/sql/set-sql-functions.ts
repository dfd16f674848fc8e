import type { CatalogSnapshot, FunctionInfo } from '../catalog/catalog.js';
import type { Expr, SelectStatement } from './ast.js';
import { mapTree } from './ast-map.js';
import { functionBody } from './sql-functions.js';
import { callArguments, resolveUserCall, type CallShape } from './user-function-calls.js';
import * as types from './typesystem.js';

/**
 * Set-returning SQL functions (CREATE FUNCTION … RETURNS SETOF scalar LANGUAGE sql) called in
 * FROM: the call becomes a derived table that runs the body once per argument row —
 *   SELECT CAST(__fn_body.__fn_result AS type) AS f
 *   FROM (SELECT arg1::t1 AS __fn_arg_1, …) AS __fn_args, LATERAL (body with $n → __fn_arg_n) AS __fn_body(__fn_result)
 * so the body's rows, in its own order, are the function's rows; a STRICT function gives no row
 * for a NULL argument. (In the select list they are refused: compile.ts.)
 */

/** The set-returning SQL function the call names in `schemas` (user-function-calls.ts), and its arguments one per parameter. */
export function findSetFunction(catalog: CatalogSnapshot, schemas: readonly string[], call: CallShape, args: readonly Expr[]): { fn: FunctionInfo; args: Expr[] } | null {
  const resolved = resolveUserCall(catalog, schemas, call, (fn) => fn.returnsSet === true);
  return resolved && { fn: resolved.fn, args: callArguments(resolved, args, call.location) };
}

/** The call `fn(args)` in FROM as the derived table's query; its one column is named `column`. */
export function inlineSetCall(fn: FunctionInfo, args: readonly Expr[], location: number, column: string,
  tableColumns: (select: SelectStatement) => ReadonlySet<string>): SelectStatement {
  const typeName = (oid: number) => ({ names: ['pg_catalog', types.outputName(oid)], typmods: [], arrayBounds: 0, location: -1 });
  const argColumn = (index: number): Expr => ({ kind: 'column', schema: null, table: '__fn_args', name: `__fn_arg_${index}`, location });
  const body = mapTree(functionBody(fn, tableColumns), (node) => (node['kind'] === 'param' ? argColumn(node['index'] as number) : undefined)) as SelectStatement;
  const select = (targets: SelectStatement['targets'], from: SelectStatement['from'], where: Expr | null): SelectStatement => ({
    kind: 'select', targets, from, where, groupBy: [], having: null, orderBy: [], limit: null, offset: null, distinct: false, values: null, locking: null,
  });
  const argsRow = select(args.map((arg, i) => ({ expr: { kind: 'cast', arg, type: typeName(fn.args[i]!.typeOid), location }, alias: `__fn_arg_${i + 1}`, location })), [], null);
  const bodyItem = { kind: 'subquery' as const, query: body, alias: '__fn_body', columnAliases: ['__fn_result'], lateral: true, location };
  const from: SelectStatement['from'] = args.length === 0 ? [{ ...bodyItem, lateral: false }]
    : [{ kind: 'subquery', query: argsRow, alias: '__fn_args', columnAliases: [], location }, bodyItem];
  const strict: Expr | null = fn.strict && args.length > 0
    ? { kind: 'and', args: args.map((_, i) => ({ kind: 'null-test', arg: argColumn(i + 1), isNull: false, location })), location }
    : null;
  const result: Expr = { kind: 'cast', arg: { kind: 'column', schema: null, table: '__fn_body', name: '__fn_result', location }, type: typeName(fn.returnType.oid), location };
  return select([{ expr: result, alias: column, location }], from, strict);
}

/**
 * `SELECT f(args)` with no FROM, f a set-returning SQL function: the function's rows, planned as
 * `SELECT f FROM f(args) AS f` (the one form of a set-returning SQL call in a select list built).
 */
export function selectListSetCall(statement: SelectStatement, isSetFunction: (name: string) => boolean): SelectStatement | null {
  if (statement.from.length > 0 || statement.targets.length !== 1 || statement.where || statement.groupBy.length > 0 || statement.having
    || statement.distinct || statement.distinctOn || statement.groupingSets || (statement.windows?.length ?? 0) > 0) return null;
  const target = statement.targets[0]!;
  const call = target.expr;
  if (call.kind !== 'func' || call.over || call.star || call.distinct || call.filter || call.schema || !isSetFunction(call.name)) return null;
  return {
    ...statement,
    targets: [{ expr: { kind: 'column', schema: null, table: call.name, name: call.name, location: call.location }, alias: target.alias ?? call.name, location: target.location }],
    from: [{ kind: 'function', name: call.name, args: call.args, alias: null, columnAliases: [], ordinality: false, location: call.location,
      calls: [{ name: call.name, args: call.args, location: call.location, ...(call.argNames ? { argNames: call.argNames } : {}) }] }],
  };
}
