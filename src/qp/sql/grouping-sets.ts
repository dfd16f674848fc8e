import { SqlError } from '../../contracts/errors.js';
import type { Expr, SelectStatement, SelectTarget } from './ast.js';
import { exprKey } from './compile.js';
import * as types from './typesystem.js';

/**
 * GROUP BY ROLLUP / CUBE / GROUPING SETS, spelled out: one query per grouping set, each grouping
 * by its set, with the grouping expressions outside the set reading NULL (of their own type) and
 * GROUPING(…) a constant, joined by UNION ALL; the statement's ORDER BY and LIMIT apply to the
 * whole. Aggregates see the rows as they are: nothing inside an aggregate call is replaced.
 */
export function expandGroupingSets(statement: SelectStatement, typeOf: (exprs: readonly Expr[]) => number[]): SelectStatement {
  if (statement.distinct || statement.distinctOn) throw new SqlError('0A000', 'DISTINCT with grouping sets is not supported yet');
  const sets = statement.groupingSets!;
  const all: Expr[] = [];
  for (const set of sets) for (const expr of set) if (!all.some((e) => exprKey(e) === exprKey(expr))) all.push(expr);
  const oids = typeOf(all);
  const branches = sets.map((set): SelectStatement => {
    const grouped = new Set(set.map(exprKey));
    const missing = new Map(all.map((e, i) => [exprKey(e), oids[i]!] as const).filter(([key]) => !grouped.has(key)));
    const rewrite = (expr: Expr): Expr => substitute(expr, missing, grouped);
    return {
      ...statement,
      groupingSets: null,
      groupBy: set,
      // GROUP BY () still aggregates: one row, even with no aggregate in the select list.
      having: statement.having ? rewrite(statement.having) : set.length === 0 ? { kind: 'const', literal: 'boolean', text: 't', location: -1 } : null,
      targets: statement.targets.map((t): SelectTarget => ({
        ...t, expr: rewrite(t.expr), alias: t.alias ?? (t.expr.kind === 'column' ? t.expr.name : t.expr.kind === 'grouping' ? 'grouping' : null),
      })),
      orderBy: [], limit: null, offset: null,
    };
  });
  let union = branches[0]!;
  for (const branch of branches.slice(1)) {
    union = {
      kind: 'select', targets: [], from: [], where: null, groupBy: [], having: null, orderBy: [], limit: null, offset: null,
      distinct: false, values: null, forUpdate: false, setOperation: { op: 'union', all: true, left: union, right: branch },
    };
  }
  return { ...union, orderBy: statement.orderBy, limit: statement.limit, offset: statement.offset };
}

/** The expression for one grouping set: left-out grouping expressions → typed NULL, GROUPING(…) → its bits. */
function substitute(expr: Expr, missing: ReadonlyMap<string, number>, grouped: ReadonlySet<string>): Expr {
  const key = exprKey(expr);
  const oid = missing.get(key);
  if (oid !== undefined) {
    return { kind: 'cast', arg: { kind: 'const', literal: 'null', text: '', location: -1 }, type: { names: ['pg_catalog', types.outputName(oid)], typmods: [], arrayBounds: 0, location: -1 }, location: -1 };
  }
  if (expr.kind === 'grouping') {
    let bits = 0;
    for (const arg of expr.args) bits = (bits << 1) | (grouped.has(exprKey(arg)) ? 0 : 1);
    return { kind: 'const', literal: 'integer', text: String(bits), location: expr.location };
  }
  // Aggregates read the input rows, and subqueries have their own grouping: leave them.
  if ((expr.kind === 'func' && types.isAggregate(expr.name) && !expr.over) || expr.kind === 'subquery') return expr;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(expr)) {
    out[name] = Array.isArray(value) ? value.map((v) => rewriteValue(v, missing, grouped)) : rewriteValue(value, missing, grouped);
  }
  return out as unknown as Expr;
}

function rewriteValue(value: unknown, missing: ReadonlyMap<string, number>, grouped: ReadonlySet<string>): unknown {
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (typeof record['kind'] === 'string' && 'location' in record) return substitute(record as unknown as Expr, missing, grouped);
  // Case branches ({when, then}) and other plain holders of expressions.
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(record)) out[name] = Array.isArray(v) ? v.map((x) => rewriteValue(x, missing, grouped)) : rewriteValue(v, missing, grouped);
  return out;
}
