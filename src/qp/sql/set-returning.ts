import type { Expr, SelectStatement } from './ast.js';

/** The set-returning functions Strata has (their rows come from plan-select.ts planFunction). */
const SET_RETURNING = new Set(['generate_series', 'pg_partition_ancestors']);

/**
 * `SELECT srf(args) [AS x]` with no FROM returns the function's rows, as PostgreSQL's ProjectSet
 * over its one input row does: it is rewritten to `SELECT srf FROM srf(args) AS srf`, so the
 * FROM-clause implementation serves both (psql's \d asks `SELECT pg_partition_ancestors(…)`).
 * Null for every other query.
 */
export function setReturningSelectList(statement: SelectStatement): SelectStatement | null {
  if (statement.from.length > 0 || statement.targets.length !== 1 || statement.setOperation || statement.values) return null;
  const target = statement.targets[0]!;
  const call = target.expr;
  if (call.kind !== 'func' || !SET_RETURNING.has(call.name) || (call.schema !== null && call.schema !== 'pg_catalog')) return null;
  if (call.star || call.distinct || call.filter !== null || call.over) return null;
  const column: Expr = { kind: 'column', schema: null, table: call.name, name: call.name, location: call.location };
  return {
    ...statement,
    targets: [{ expr: column, alias: target.alias ?? call.name, location: target.location }],
    from: [{ kind: 'function', name: call.name, args: call.args, alias: null, columnAliases: [call.name], location: call.location }],
  };
}
