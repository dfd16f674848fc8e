import type { Expr, FromItem, SelectStatement, SelectTarget } from './ast.js';
import { mapTree } from './ast-map.js';
import { baseRelations, conjuncts, containsAggregate, containsCall, resolveRelation, type RelationResolver } from './relations.js';
import type { SubqueryHost } from './subplans.js';
import { isSetReturning } from './set-functions.js';
import * as types from './typesystem.js';

/**
 * PostgreSQL's simplify_EXISTS_query: only whether an EXISTS subquery returns a row matters, so
 * PostgreSQL throws away its select list, GROUP BY, WINDOW, DISTINCT and ORDER BY (and a LIMIT of
 * a positive or NULL constant) before it plans it, and never evaluates them: `EXISTS (SELECT
 * 1/0)` is true. It keeps the query whole when one of those could change whether a row comes
 * back: aggregates, grouping sets, window functions or set-returning functions in it, HAVING, a
 * set operation, OFFSET, another LIMIT, FOR UPDATE or a data-modifying WITH query.
 */
export function simplifyExistsQuery(select: SelectStatement, returnsSet: (call: Extract<Expr, { kind: 'func' }>) => boolean): SelectStatement {
  if (select.setOperation || select.values || select.having || select.offset || select.locking !== null) return select;
  if ((select.groupingSets?.length ?? 0) > 0 || hasDataModifyingWith(select)) return select;
  const levelExprs: readonly Expr[] = [...select.targets.map((t) => t.expr), ...select.orderBy.map((s) => s.expr)];
  if (levelExprs.some((e) => containsAggregate(e, types.isAggregate))) return select;
  if (levelExprs.some((e) => containsCall(e, (f) => (f.over !== null && f.over !== undefined) || isSetReturning(f.name.toLowerCase()) || returnsSet(f)))) return select;
  if (select.limit && !isDroppableLimit(select.limit)) return select;
  if (isSimplified(select)) return select;
  const location = select.targets[0]?.location ?? -1;
  const target: SelectTarget = { expr: { kind: 'const', literal: 'integer', text: '1', location }, alias: null, location };
  return {
    ...select, targets: [target], groupBy: [], orderBy: [], distinct: false, distinctOn: null, windows: [], limit: null, withTies: false,
  };
}

/** Already what simplifyExistsQuery makes (a one-time filter's EXISTS comes back through it). */
function isSimplified(select: SelectStatement): boolean {
  const only = select.targets.length === 1 ? select.targets[0]!.expr : null;
  return only?.kind === 'const' && only.literal === 'integer' && only.text === '1' && select.groupBy.length === 0 && select.orderBy.length === 0
    && !select.distinct && (select.distinctOn?.length ?? 0) === 0 && (select.windows?.length ?? 0) === 0 && select.limit === null;
}

/** `LIMIT 1`, `LIMIT ALL`, `LIMIT NULL`: a limit that never turns some rows into none. */
function isDroppableLimit(limit: Expr): boolean {
  if (limit.kind !== 'const') return false;
  if (limit.literal === 'null') return true;
  return limit.literal === 'integer' && Number(limit.text) > 0;
}

function hasDataModifyingWith(select: SelectStatement): boolean {
  return (select.with?.ctes ?? []).some((cte) => cte.query.kind !== 'select');
}

/** The names an EXISTS subquery's own FROM gives: its relations' names and their columns'. */
export interface LocalNames {
  readonly relations: ReadonlySet<string>;
  readonly columns: ReadonlySet<string>;
}

/**
 * `EXISTS (SELECT … FROM c WHERE p(c) AND q)` where q names nothing of c (a subquery on the
 * enclosing rows only, `NOT EXISTS (SELECT 1 FROM d WHERE d.k = a.k)`): PostgreSQL tests q once
 * per run of the subquery, before it reads c (a one-time filter), not once per row of c. The same
 * here: the answer is `CASE WHEN q THEN EXISTS (… WHERE p(c)) ELSE false END`, and the EXISTS
 * left may then be a hashed semi-join (hashed-exists.ts). Only conjuncts that hold a subquery
 * (the ones worth it) and call no function (one may be volatile) are taken out, and only when
 * none of their column references, however deep, could name one of c's relations or columns.
 * Returns null when nothing is taken out.
 */
export function hoistOneTimeFilter(select: SelectStatement, local: LocalNames): { readonly filter: Expr; readonly rest: SelectStatement } | null {
  if (!select.where || select.with || select.targets.length !== 1 || select.targets[0]!.expr.kind !== 'const') return null;
  const parts = conjuncts(select.where);
  const hoisted = parts.filter((part) => isOneTimeFilter(part, local));
  if (hoisted.length === 0) return null;
  const kept = parts.filter((part) => !hoisted.includes(part));
  const location = select.where.location;
  const where: Expr | null = kept.length === 0 ? null : kept.length === 1 ? kept[0]! : { kind: 'and', args: kept, location };
  const filter: Expr = hoisted.length === 1 ? hoisted[0]! : { kind: 'and', args: hoisted, location };
  return { filter, rest: { ...select, where } };
}

function isOneTimeFilter(part: Expr, local: LocalNames): boolean {
  let subquery = false;
  let blocked = false;
  mapTree(part, (node) => {
    if (node.kind === 'subquery') subquery = true;
    if (node.kind === 'func' || node.kind === 'function') blocked = true;
    if (node.kind === 'column' || node.kind === 'star') {
      const table = node.table as string | null;
      const name = node.name as string | undefined;
      if (table !== null ? local.relations.has(table) : name !== undefined && (local.columns.has(name) || local.relations.has(name))) blocked = true;
    }
    return undefined;
  });
  return subquery && !blocked;
}

/** What an EXISTS subquery's FROM names (for hoistOneTimeFilter), when it reads only tables; null otherwise. */
export function localNames(select: SelectStatement, resolver: RelationResolver, host: SubqueryHost): LocalNames | null {
  if (select.from.length === 0) return null;
  const relations = new Set<string>();
  const columns = new Set<string>();
  for (const item of select.from) {
    const tables = item.kind === 'table' || item.kind === 'join' ? baseRelations(item) : [];
    if (item.kind === 'join' && !onlyTables(item)) return null;
    if (tables.length === 0) return null;
    for (const relation of tables) {
      if (relation.schema === null && (host.isWithQuery?.(relation.name) ?? true)) return null;
      let resolved;
      try {
        resolved = resolveRelation(resolver, relation.schema, relation.name, relation.location);
      } catch {
        return null;
      }
      if (resolved.kind !== 'table') return null;
      relations.add(relation.alias ?? relation.name);
      for (const column of resolved.table.columns) columns.add(column.name);
      for (const alias of relation.columnAliases ?? []) columns.add(alias);
    }
  }
  return { relations, columns };
}

function onlyTables(item: FromItem): boolean {
  // A join's alias renames what is inside: its names are not the tables'.
  return item.kind === 'table' || (item.kind === 'join' && !item.alias && onlyTables(item.left) && onlyTables(item.right));
}
