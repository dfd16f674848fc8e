import { SqlError } from '../../contracts/errors.js';
import type { SqlValue } from '../../contracts/sql-value.js';
import type { CatalogSnapshot, TableInfo, ViewInfo } from '../catalog/catalog.js';
import type { Expr, FromItem } from './ast.js';

/**
 * Name resolution for relations in FROM: user tables from the catalog, and virtual tables
 * (pg_catalog, information_schema, sys) computed from the catalog snapshot.
 */
export interface VirtualColumn {
  readonly name: string;
  readonly oid: number;
}

export interface VirtualTable {
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly VirtualColumn[];
  rows(catalog: CatalogSnapshot, session: VirtualTableSession): SqlValue[][];
}

/** What a system view may read of the session: its user, and its settings (pg_settings). */
export interface VirtualTableSession {
  readonly user: string;
  readonly setting?: (name: string) => string;
}

export interface RelationResolver {
  readonly catalog: CatalogSnapshot;
  readonly searchPath: readonly string[];
  virtual(schema: string | null, name: string): VirtualTable | undefined;
}

export type ResolvedRelation =
  | { readonly kind: 'table'; readonly table: TableInfo }
  | { readonly kind: 'virtual'; readonly table: VirtualTable }
  | { readonly kind: 'view'; readonly view: ViewInfo };

/**
 * The relation a name reads. A qualified name in a missing schema is 42P01 `relation "s.t" does
 * not exist`, as PostgreSQL's parser says when it opens a query's tables; `missingSchema:
 * 'schema'` makes it 3F000 `schema "s" does not exist`, as COPY (table_openrv) says.
 */
export function resolveRelation(resolver: RelationResolver, schema: string | null, name: string, location: number,
  missingSchema: 'relation' | 'schema' = 'relation'): ResolvedRelation {
  if (schema !== null) {
    const table = resolver.catalog.table(schema, name);
    if (table) return { kind: 'table', table };
    const view = resolver.catalog.view(schema, name);
    if (view) return { kind: 'view', view };
    const virtual = resolver.virtual(schema, name);
    if (virtual) return { kind: 'virtual', table: virtual };
    if (missingSchema === 'schema' && !resolver.catalog.schema(schema)) {
      throw new SqlError('3F000', `schema "${schema}" does not exist`, location >= 0 ? { position: location + 1 } : {});
    }
  } else {
    // pg_catalog is searched first implicitly, as in PostgreSQL.
    const virtual = resolver.virtual('pg_catalog', name);
    if (virtual) return { kind: 'virtual', table: virtual };
    for (const candidate of resolver.searchPath) {
      const table = resolver.catalog.table(candidate, name);
      if (table) return { kind: 'table', table };
      const view = resolver.catalog.view(candidate, name);
      if (view) return { kind: 'view', view };
      const v = resolver.virtual(candidate, name);
      if (v) return { kind: 'virtual', table: v };
    }
  }
  const qualified = schema ? `${schema}.${name}` : name;
  // A sequence is a relation to PostgreSQL, but its counter is not a table Strata can scan.
  if ((schema ? [schema] : resolver.searchPath).some((s) => resolver.catalog.sequence(s, name))) {
    throw new SqlError('0A000', `reading sequence "${qualified}" as a table is not supported yet`, location >= 0 ? { position: location + 1 } : {});
  }
  throw new SqlError('42P01', `relation "${qualified}" does not exist`, location >= 0 ? { position: location + 1 } : {});
}

/** Splits a WHERE clause into its AND-ed conjuncts. */
export function conjuncts(expr: Expr | null): Expr[] {
  if (!expr) return [];
  if (expr.kind === 'and') return expr.args.flatMap((a) => conjuncts(a));
  return [expr];
}

/** Every column reference in an expression (not descending into subqueries: there are none yet). */
export function columnRefs(expr: Expr, out: Extract<Expr, { kind: 'column' }>[] = []): Extract<Expr, { kind: 'column' }>[] {
  switch (expr.kind) {
    case 'column': out.push(expr); break;
    case 'op': if (expr.left) columnRefs(expr.left, out); columnRefs(expr.right, out); break;
    case 'and': case 'or': case 'coalesce': case 'greatest': case 'least': for (const a of expr.args) columnRefs(a, out); break;
    case 'not': case 'null-test': case 'bool-test': case 'cast': columnRefs(expr.arg, out); break;
    case 'func': for (const a of expr.args) columnRefs(a, out); if (expr.filter) columnRefs(expr.filter, out); break;
    case 'case':
      if (expr.subject) columnRefs(expr.subject, out);
      for (const w of expr.whens) { columnRefs(w.when, out); columnRefs(w.then, out); }
      if (expr.otherwise) columnRefs(expr.otherwise, out);
      break;
    case 'nullif': case 'distinct-from': columnRefs(expr.left, out); columnRefs(expr.right, out); break;
    case 'in': columnRefs(expr.arg, out); for (const a of expr.list) columnRefs(a, out); break;
    case 'between': columnRefs(expr.arg, out); columnRefs(expr.low, out); columnRefs(expr.high, out); break;
    case 'like': columnRefs(expr.arg, out); columnRefs(expr.pattern, out); break;
    case 'array': for (const e of expr.elements) columnRefs(e, out); break;
    case 'subscript': for (const e of [expr.arg, expr.lower, expr.upper]) if (e) columnRefs(e, out); break;
    case 'row': for (const a of expr.args) columnRefs(a, out); break;
    case 'field': columnRefs(expr.arg, out); break;
    default: break;
  }
  return out;
}

export function hasStar(expr: Expr): boolean {
  return expr.kind === 'star';
}

/** True when an expression contains an aggregate call at this query level. */
export function containsAggregate(expr: Expr, isAggregate: (name: string) => boolean): boolean {
  switch (expr.kind) {
    // A window function call is not an aggregate of its query, though its arguments may hold one.
    case 'func': return (!expr.over && (isAggregate(expr.name) || expr.withinGroup === true)) || expr.args.some((a) => containsAggregate(a, isAggregate));
    case 'op': return (expr.left ? containsAggregate(expr.left, isAggregate) : false) || containsAggregate(expr.right, isAggregate);
    case 'and': case 'or': case 'coalesce': case 'greatest': case 'least': return expr.args.some((a) => containsAggregate(a, isAggregate));
    case 'not': case 'null-test': case 'bool-test': case 'cast': return containsAggregate(expr.arg, isAggregate);
    case 'case':
      return (expr.subject ? containsAggregate(expr.subject, isAggregate) : false)
        || expr.whens.some((w) => containsAggregate(w.when, isAggregate) || containsAggregate(w.then, isAggregate))
        || (expr.otherwise ? containsAggregate(expr.otherwise, isAggregate) : false);
    case 'nullif': case 'distinct-from': return containsAggregate(expr.left, isAggregate) || containsAggregate(expr.right, isAggregate);
    case 'in': return containsAggregate(expr.arg, isAggregate) || expr.list.some((a) => containsAggregate(a, isAggregate));
    case 'between': return [expr.arg, expr.low, expr.high].some((a) => containsAggregate(a, isAggregate));
    case 'like': return containsAggregate(expr.arg, isAggregate) || containsAggregate(expr.pattern, isAggregate);
    case 'array': return expr.elements.some((e) => containsAggregate(e, isAggregate));
    case 'subscript': return [expr.arg, expr.lower, expr.upper].some((e) => e !== null && containsAggregate(e, isAggregate));
    case 'row': return expr.args.some((a) => containsAggregate(a, isAggregate));
    case 'field': return containsAggregate(expr.arg, isAggregate);
    default: return false;
  }
}

type FuncExpr = Extract<Expr, { kind: 'func' }>;

/** Whether a function call anywhere in `node` (not inside a subquery's own query) satisfies `test`. */
export function containsCall(node: unknown, test: (f: FuncExpr) => boolean): boolean {
  if (node === null || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some((child) => containsCall(child, test));
  const record = node as Record<string, unknown>;
  if (record['kind'] === 'subquery') return false;
  if (record['kind'] === 'func' && test(record as unknown as FuncExpr)) return true;
  return Object.values(record).some((child) => containsCall(child, test));
}

/** The base relations of a FROM item, left to right. */
export function baseRelations(item: FromItem, out: Extract<FromItem, { kind: 'table' }>[] = []): Extract<FromItem, { kind: 'table' }>[] {
  if (item.kind === 'table') out.push(item);
  else if (item.kind === 'join') { baseRelations(item.left, out); baseRelations(item.right, out); }
  return out;
}
