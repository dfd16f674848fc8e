import { SqlError } from '../../contracts/errors.js';
import type { Expr, SelectStatement, SelectTarget, SortItem, WindowSpec } from './ast.js';
import { mapTree } from './ast-map.js';
import { exprKey } from './compile.js';
import * as types from './typesystem.js';

/**
 * GROUP BY ROLLUP / CUBE / GROUPING SETS, spelled out: one query per grouping set, each grouping
 * by its set, with the grouping expressions outside the set reading NULL (of their own type) and
 * GROUPING(…) a constant, joined by UNION ALL; the statement's ORDER BY and LIMIT apply to the
 * whole. Aggregates see the rows as they are: nothing inside an aggregate call is replaced.
 * GROUP BY DISTINCT drops repeated sets first; SELECT DISTINCT joins the queries by UNION;
 * DISTINCT ON runs over the union.
 */
export function expandGroupingSets(statement: SelectStatement, typeOf: (exprs: readonly Expr[]) => number[], keyOf: (expr: Expr) => string = exprKey): SelectStatement {
  if (statement.distinctOn) return distinctOnOverSets(statement, typeOf, keyOf);
  const sets = (statement.groupDistinct ? distinctSets(statement.groupingSets!, keyOf) : statement.groupingSets!).map((set) => set.map((e) => byPosition(e, statement.targets)));
  const all: Expr[] = [];
  for (const set of sets) for (const expr of set) if (!all.some((e) => keyOf(e) === keyOf(expr))) all.push(expr);
  const oids = typeOf(all);
  const branches = sets.map((set): SelectStatement => {
    const grouped = new Set(set.map(keyOf));
    const missing = new Map(all.map((e, i) => [keyOf(e), oids[i]!] as const).filter(([key]) => !grouped.has(key)));
    const rewrite = (expr: Expr): Expr => substitute(expr, missing, grouped, keyOf);
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
      // SELECT DISTINCT: distinct over every set's rows together, which UNION (not ALL) is.
      distinct: false, values: null, locking: null, setOperation: { op: 'union', all: !statement.distinct, left: union, right: branch },
    };
  }
  return { ...union, orderBy: statement.orderBy, limit: statement.limit, offset: statement.offset };
}

/** Whether the statement's select list, ORDER BY or DISTINCT ON calls a window function (of its own, not a subquery's). */
export function hasWindowCall(statement: SelectStatement): boolean {
  return [...statement.targets.map((t) => t.expr), ...statement.orderBy.map((s) => s.expr), ...(statement.distinctOn ?? [])].some(containsWindow);
}

function containsWindow(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(containsWindow);
  if (node === null || typeof node !== 'object') return false;
  const record = node as Record<string, unknown>;
  if (record['kind'] === 'subquery') return false;
  if (record['kind'] === 'func' && record['over']) return true;
  return Object.values(record).some(containsWindow);
}

/**
 * Window functions with grouping sets run after the grouping, over every set's rows together (as
 * PostgreSQL's WindowAgg above its grouping): the sets' union computes each select-list item that
 * calls no window function and each expression a window call reads (its arguments, FILTER,
 * PARTITION BY and ORDER BY), and the windows, DISTINCT (ON), ORDER BY and LIMIT run over that
 * union as a subquery. `names` gives the column names of a statement's grouping sets' union.
 */
export function windowsOverSets(statement: SelectStatement, typeOf: (exprs: readonly Expr[]) => number[], keyOf: (expr: Expr) => string, names: (statement: SelectStatement) => readonly string[]): SelectStatement {
  const lifted: Expr[] = [];
  const column = (i: number): Expr => ({ kind: 'column', table: null, schema: null, name: `?set column ${i + 1}?`, location: -1 });
  const lift = (expr: Expr): Expr => {
    let i = lifted.findIndex((e) => exprKey(e) === exprKey(expr));
    if (i < 0) i = lifted.push(expr) - 1;
    return column(i);
  };
  const liftSpec = (spec: WindowSpec): WindowSpec => ({
    ...spec, partitionBy: spec.partitionBy.map(lift), orderBy: spec.orderBy.map((item) => ({ ...item, expr: lift(item.expr) })),
  });
  // The window calls stay, reading lifted columns; any other expression is lifted whole.
  const overUnion = (expr: Expr): Expr => mapTree(expr, (node) => {
    const isExpr = typeof node['kind'] === 'string' && 'location' in node;
    if (!containsWindow(node)) return isExpr ? lift(node as unknown as Expr) : node;
    const e = node as unknown as Expr;
    if (isExpr && e.kind === 'func' && e.over) {
      return { ...e, args: e.args.map(lift), filter: e.filter ? lift(e.filter) : null, over: liftSpec(e.over) };
    }
    return undefined;
  }) as Expr;
  // The names of the items without window calls, as the sets' union has them (the others are named above it).
  const nothing: Expr = { kind: 'const', literal: 'null', text: '', location: -1 };
  const targetNames = names({
    ...statement, targets: statement.targets.map((t) => (containsWindow(t.expr) ? { ...t, expr: nothing } : t)),
    orderBy: [], limit: null, offset: null, withTies: false, distinctOn: null, windows: undefined,
  });
  const targets = statement.targets.map((t, i): SelectTarget => {
    if (t.expr.kind === 'star') throw new SqlError('0A000', 'window functions with grouping sets and * in the select list are not supported');
    return { ...t, expr: overUnion(t.expr), alias: containsWindow(t.expr) ? t.alias : t.alias ?? targetNames[i]! };
  });
  // A position or an output column's name in ORDER BY / DISTINCT ON names the outer select list's item.
  const outputName = (expr: Expr): boolean => expr.kind === 'column' && expr.table === null && targets.some((t) => t.alias === expr.name);
  const sortItem = (item: SortItem): SortItem => ({ ...item, expr: (item.expr.kind === 'const' && item.expr.literal === 'integer') || outputName(item.expr) ? item.expr : overUnion(item.expr) });
  const orderBy = statement.orderBy.map(sortItem);
  const distinctOn = statement.distinctOn ? statement.distinctOn.map((e) => sortItem({ expr: e, descending: false, nullsFirst: null }).expr) : null;
  const windows = statement.windows?.map((w) => ({ ...w, spec: liftSpec(w.spec) }));
  const sets = expandGroupingSets({
    ...statement, targets: lifted.map((expr, i) => ({ expr, alias: `?set column ${i + 1}?`, location: -1 })),
    orderBy: [], limit: null, offset: null, withTies: false, distinct: false, distinctOn: null, windows: undefined,
  }, typeOf, keyOf);
  return {
    kind: 'select', targets, from: [{ kind: 'subquery', query: sets, alias: 'grouping sets', columnAliases: [], location: -1 }],
    where: null, groupBy: [], having: null, distinct: statement.distinct, distinctOn, values: null, locking: null,
    orderBy, limit: statement.limit, offset: statement.offset, ...(statement.withTies ? { withTies: true } : {}), ...(windows ? { windows } : {}),
  };
}

/**
 * SELECT DISTINCT ON with grouping sets: DISTINCT ON and ORDER BY apply after grouping, so they
 * run over the sets' union as a subquery, naming its columns by position. Their expressions must
 * be select-list items (or their names or positions) for that; others are 0A000.
 */
function distinctOnOverSets(statement: SelectStatement, typeOf: (exprs: readonly Expr[]) => number[], keyOf: (expr: Expr) => string): SelectStatement {
  const refuse = () => new SqlError('0A000', 'DISTINCT ON with grouping sets over expressions not in the select list is not supported');
  if (statement.targets.some((t) => t.expr.kind === 'star')) throw refuse();
  const ordinal = (expr: Expr): Expr => {
    let position = -1;
    if (expr.kind === 'const' && expr.literal === 'integer') return expr;
    if (expr.kind === 'column' && expr.table === null) position = statement.targets.findIndex((t) => t.alias === expr.name);
    if (position < 0) position = statement.targets.findIndex((t) => exprKey(t.expr) === exprKey(expr));
    if (position < 0) throw refuse();
    return { kind: 'const', literal: 'integer', text: String(position + 1), location: -1 };
  };
  const sets = expandGroupingSets({ ...statement, distinctOn: null, orderBy: [], limit: null, offset: null, withTies: false }, typeOf, keyOf);
  return {
    kind: 'select', targets: [{ expr: { kind: 'star', table: null, location: -1 }, alias: null, location: -1 }],
    from: [{ kind: 'subquery', query: sets, alias: 'grouping sets', columnAliases: [], location: -1 }],
    where: null, groupBy: [], having: null, distinct: false, values: null, locking: null,
    distinctOn: statement.distinctOn!.map(ordinal),
    orderBy: statement.orderBy.map((item) => ({ ...item, expr: ordinal(item.expr) })),
    limit: statement.limit, offset: statement.offset, ...(statement.withTies ? { withTies: true } : {}),
  };
}

/**
 * `ROLLUP (a, 2)`: an integer constant in a grouping set is an output column's position, as in a
 * plain GROUP BY (findTargetlistEntrySQL92); the set must hold that column's expression for it to
 * read NULL where the set leaves it out. A position out of range stays for the GROUP BY to refuse.
 */
function byPosition(expr: Expr, targets: readonly SelectTarget[]): Expr {
  if (expr.kind !== 'const' || expr.literal !== 'integer') return expr;
  const target = targets[Number(expr.text) - 1];
  return target && target.expr.kind !== 'star' ? target.expr : expr;
}

/**
 * GROUP BY DISTINCT (expand_grouping_sets): sets that hold the same expressions, in whatever
 * order and however often, are one set; the first of them stays.
 */
function distinctSets(sets: readonly (readonly Expr[])[], keyOf: (expr: Expr) => string): (readonly Expr[])[] {
  const seen = new Set<string>();
  return sets.filter((set) => {
    const key = JSON.stringify([...new Set(set.map(keyOf))].sort());
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The expression for one grouping set: left-out grouping expressions → typed NULL, GROUPING(…) →
 * its bits. Expressions are matched by `keyOf`, which sees a JOIN … USING column and the
 * column it stands for as one.
 */
function substitute(expr: Expr, missing: ReadonlyMap<string, number>, grouped: ReadonlySet<string>, keyOf: (expr: Expr) => string): Expr {
  const typedNull = (oid: number): Expr => ({ kind: 'cast', arg: { kind: 'const', literal: 'null', text: '', location: -1 }, type: { names: ['pg_catalog', types.outputName(oid)], typmods: [], arrayBounds: 0, location: -1 }, location: -1 });
  const replace = (node: Record<string, unknown>): unknown => {
    if (typeof node['kind'] !== 'string' || !('location' in node)) return undefined;
    const e = node as unknown as Expr;
    const oid = missing.get(keyOf(e));
    if (oid !== undefined) return typedNull(oid);
    if (e.kind === 'subquery' && e.select) {
      // A subquery's references to this query's left-out grouping columns read NULL too: those
      // qualified by a name no FROM item inside the subquery takes (an unqualified one may be its own).
      const inner = new Set<string>();
      mapTree(e.select, (n) => {
        if ((n['kind'] === 'table' || n['kind'] === 'subquery' || n['kind'] === 'function') && typeof (n['alias'] ?? n['name']) === 'string') inner.add((n['alias'] ?? n['name']) as string);
        return undefined;
      });
      const select = mapTree(e.select, (n) => {
        if (n['kind'] !== 'column' || typeof n['table'] !== 'string' || inner.has(n['table'])) return undefined;
        const outer = missing.get(keyOf(n as unknown as Expr));
        return outer === undefined ? undefined : typedNull(outer);
      });
      return { ...(Object.fromEntries(Object.entries(e).map(([key, value]) => [key, key === 'select' ? value : mapTree(value, replace)]))), select };
    }
    if (e.kind === 'grouping') {
      let bits = 0;
      for (const arg of e.args) bits = (bits << 1) | (grouped.has(keyOf(arg)) ? 0 : 1);
      return { kind: 'const', literal: 'integer', text: String(bits), location: e.location };
    }
    // Aggregates read the input rows: left as they are.
    if ((e.kind === 'func' && (types.isAggregate(e.name) || e.withinGroup) && !e.over) || e.kind === 'subquery') return e;
    return undefined;
  };
  return mapTree(expr, replace) as Expr;
}
