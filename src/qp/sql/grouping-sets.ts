import { SqlError } from '../../contracts/errors.js';
import type { Expr, SelectStatement, SelectTarget } from './ast.js';
import { mapTree } from './ast-map.js';
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
  return mapTree(expr, (node) => {
    if (typeof node['kind'] !== 'string' || !('location' in node)) return undefined;
    const e = node as unknown as Expr;
    const oid = missing.get(exprKey(e));
    if (oid !== undefined) {
      return { kind: 'cast', arg: { kind: 'const', literal: 'null', text: '', location: -1 }, type: { names: ['pg_catalog', types.outputName(oid)], typmods: [], arrayBounds: 0, location: -1 }, location: -1 };
    }
    if (e.kind === 'grouping') {
      let bits = 0;
      for (const arg of e.args) bits = (bits << 1) | (grouped.has(exprKey(arg)) ? 0 : 1);
      return { kind: 'const', literal: 'integer', text: String(bits), location: e.location };
    }
    // Aggregates read the input rows, and subqueries have their own grouping: left as they are.
    if ((e.kind === 'func' && (types.isAggregate(e.name) || e.withinGroup) && !e.over) || e.kind === 'subquery') return e;
    return undefined;
  }) as Expr;
}
