import { parseSync, scanSync } from 'libpg-query';
import { SqlError } from '../../contracts/errors.js';
import { CatalogSnapshot, type CatalogChange, type TableInfo, type ViewInfo } from '../catalog/catalog.js';
import { quoteIdent } from '../system/catalog-objects.js';
import type { SelectStatement } from './ast.js';
import { parseSql } from './parse.js';

/**
 * Views keep their query as text, resolved by name when they are read (with the search path they
 * were created under). PostgreSQL binds a view to its tables by oid, so renaming a table or view
 * a view reads leaves the view reading it. Here a rename rewrites the text of every view that
 * names the renamed relation — `FROM base` becomes `FROM base2 AS base`, so the view's qualified
 * column references still resolve — and checks that each rewritten view still plans against the
 * same tables. What cannot be followed that way (a renamed column a view names, a WITH query of
 * the same name) is refused with 0A000, never left to break the view or make it read something else.
 */

/** Plans a view's query against a catalog: its output columns and the tables it reads. */
export type DescribeView = (query: SelectStatement, catalog: CatalogSnapshot, searchPath: readonly string[] | undefined) =>
  { readonly columns: readonly { readonly name: string }[]; readonly tables: readonly number[] };

interface Renamed {
  readonly kind: 'table' | 'view';
  readonly id: number;
  readonly schema: string;
  readonly oldName: string;
  readonly newName: string;
}

// libpg-query's JSON parse tree.
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

interface RangeVarRef {
  readonly catalogname?: string;
  readonly schemaname?: string;
  readonly relname: string;
  readonly alias?: unknown;
  readonly location: number;
}

/** Every RangeVar and every WITH query name in a parse tree. */
function collect(node: Json, rangeVars: RangeVarRef[], cteNames: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collect(item, rangeVars, cteNames);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'RangeVar') rangeVars.push(value as RangeVarRef);
    if (key === 'CommonTableExpr') cteNames.add(String((value as Json).ctename));
    collect(value, rangeVars, cteNames);
  }
}

/** The schema an unqualified relation name resolves to along a search path (null: none). */
function resolvedSchema(catalog: CatalogSnapshot, searchPath: readonly string[], name: string): string | null {
  for (const schema of searchPath) if (catalog.table(schema, name) || catalog.view(schema, name)) return schema;
  return null;
}

/** Whether a view's text names this relation (resolved along the view's search path): it reads it. */
function namesRelation(view: ViewInfo, relation: { readonly schema: string; readonly name: string }, catalog: CatalogSnapshot, searchPath: readonly string[]): boolean {
  if (!view.definition.toLowerCase().includes(relation.name.toLowerCase())) return false;
  const rangeVars: RangeVarRef[] = [];
  collect(parseSync(view.definition), rangeVars, new Set());
  return rangeVars.some((r) => r.relname === relation.name
    && (r.schemaname !== undefined ? r.schemaname === relation.schema : resolvedSchema(catalog, searchPath, r.relname) === relation.schema));
}

/**
 * The views whose text names a table or view: what PostgreSQL records as depending on it. A view
 * records the tables it reads (`dependsOn`, through other views too), not the views, so a drop
 * finds its dependents by name, as a rename does. A WITH query of the same name counts as the
 * relation: a drop it does not need is refused (CASCADE goes on), never one it needs allowed.
 */
export function viewsNaming(catalog: CatalogSnapshot, relation: { readonly id: number; readonly schema: string; readonly name: string },
  currentSearchPath: readonly string[]): ViewInfo[] {
  return [...catalog.allViews()].filter((v) => v.id !== relation.id && namesRelation(v, relation, catalog, v.searchPath ?? currentSearchPath));
}

/**
 * The view's text with every reference to the renamed relation renamed, or null when it names
 * it nowhere. Locations are byte offsets into the UTF-8 text.
 */
function rewriteView(view: ViewInfo, renamed: Renamed, catalog: CatalogSnapshot, searchPath: readonly string[]): string | null {
  if (!view.definition.toLowerCase().includes(renamed.oldName.toLowerCase())) return null;
  const rangeVars: RangeVarRef[] = [];
  const cteNames = new Set<string>();
  collect(parseSync(view.definition), rangeVars, cteNames);
  const hits = rangeVars.filter((r) => r.relname === renamed.oldName
    && (r.schemaname !== undefined ? r.schemaname === renamed.schema : resolvedSchema(catalog, searchPath, r.relname) === renamed.schema));
  if (hits.length === 0) return null;
  if (cteNames.has(renamed.oldName)) {
    throw new SqlError('0A000', `renaming "${renamed.oldName}", which view "${view.name}" reads beside a WITH query of the same name, is not supported`);
  }
  const bytes = Buffer.from(view.definition, 'utf8');
  const tokens = scanSync(view.definition).tokens as { start: number; end: number; text: string }[];
  const edits = hits.map((r) => {
    const first = tokens.findIndex((t) => t.start === r.location);
    if (first < 0) throw new Error(`no token at a relation reference's location in ${view.definition}`);
    const last = first + (r.catalogname !== undefined ? 4 : r.schemaname !== undefined ? 2 : 0);
    const name = `${r.schemaname !== undefined ? `${quoteIdent(r.schemaname)}.` : ''}${quoteIdent(renamed.newName)}`;
    return { start: tokens[first]!.start, end: tokens[last]!.end, text: r.alias ? name : `${name} AS ${quoteIdent(renamed.oldName)}` };
  }).sort((a, b) => b.start - a.start);
  let out = bytes;
  for (const edit of edits) out = Buffer.concat([out.subarray(0, edit.start), Buffer.from(edit.text, 'utf8'), out.subarray(edit.end)]);
  return out.toString('utf8');
}

/** The catalog with some tables and views replaced by new records of the same ids. */
export function withReplaced(catalog: CatalogSnapshot, tables: readonly TableInfo[], views: readonly ViewInfo[]): CatalogSnapshot {
  const swap = <T extends { id: number }>(all: Iterable<T>, changed: readonly T[]) => [...all].map((o) => changed.find((c) => c.id === o.id) ?? o);
  return new CatalogSnapshot(catalog.version, catalog.nextId, swap(catalog.allTables(), tables), catalog.allSchemas(), swap(catalog.allViews(), views),
    catalog.allFunctions(), catalog.allDomains(), catalog.allSequences(), catalog.access);
}

/** Whether a view still plans, against the same tables and with as many columns, in a changed catalog. */
function stillReads(view: ViewInfo, definition: string, after: CatalogSnapshot, describe: DescribeView): boolean {
  try {
    const described = describe(parseSql(definition)[0]!.statement as SelectStatement, after, view.searchPath);
    const tables = new Set(described.tables);
    return described.columns.length === view.columns.length && tables.size === view.dependsOn.length && view.dependsOn.every((id) => tables.has(id));
  } catch {
    return false;
  }
}

/**
 * After a table or view is renamed (`renamedRecord` is its new record): rewrites the views that
 * name it and writes them to `change`. Refuses (0A000) when a view would not read the same
 * tables afterwards.
 */
export function followRename(catalog: CatalogSnapshot, renamed: Renamed, renamedRecord: TableInfo | ViewInfo, change: CatalogChange,
  currentSearchPath: readonly string[], describe: DescribeView): void {
  const rewritten: ViewInfo[] = [];
  for (const view of catalog.allViews()) {
    if (view.id === renamed.id) continue;
    const definition = rewriteView(view, renamed, catalog, view.searchPath ?? currentSearchPath);
    if (definition !== null) rewritten.push({ ...view, definition });
  }
  const self = renamed.kind === 'view' ? [renamedRecord as ViewInfo] : [];
  const after = withReplaced(catalog, renamed.kind === 'table' ? [renamedRecord as TableInfo] : [], [...self, ...rewritten]);
  for (const view of rewritten) {
    if (!stillReads(view, view.definition, after, describe)) {
      throw new SqlError('0A000', `renaming "${renamed.oldName}", which view "${view.name}" reads, is not supported`);
    }
    change.putView(view);
  }
}

/**
 * After a column of a table or view is renamed: the views that read the relation must still
 * plan alike (a view that names the column by its old name is refused with 0A000; its text is
 * not rewritten).
 */
export function checkColumnRename(catalog: CatalogSnapshot, relation: { id: number; name: string }, column: string,
  after: CatalogSnapshot, currentSearchPath: readonly string[], describe: DescribeView): void {
  for (const view of catalog.allViews()) {
    if (view.id === relation.id || !view.definition.toLowerCase().includes(relation.name.toLowerCase())) continue;
    if (!stillReads({ ...view, searchPath: view.searchPath ?? currentSearchPath }, view.definition, after, describe)) {
      throw new SqlError('0A000', `renaming column "${column}" of "${relation.name}", which view "${view.name}" uses, is not supported`);
    }
  }
}

/** What following a rename needs from the DDL context. */
export interface ViewHost {
  readonly catalog: CatalogSnapshot;
  /** The session's search path: legacy views (made without one) resolve with it. */
  readonly searchPath: readonly string[];
  readonly describe: DescribeView | undefined;
}

/** Refuses a rename a view depends on when views cannot be planned here (no describe). */
function requireDescribe(host: ViewHost, name: string): DescribeView {
  if (host.describe) return host.describe;
  const user = [...host.catalog.allViews()].find((v) => v.definition.toLowerCase().includes(name.toLowerCase()));
  if (user) throw new SqlError('0A000', `renaming "${name}", which view "${user.name}" reads, is not supported here`);
  return () => ({ columns: [], tables: [] });
}

/** ALTER TABLE … RENAME [COLUMN]: the views that read the table follow a new name and must not use a renamed column. */
export function followTableRename(host: ViewHost, before: TableInfo, after: TableInfo, renamedColumns: readonly string[], change: CatalogChange): void {
  const describe = requireDescribe(host, before.name);
  if (after.name !== before.name) {
    followRename(host.catalog, { kind: 'table', id: before.id, schema: before.schema, oldName: before.name, newName: after.name }, after, change, host.searchPath, describe);
  }
  const catalog = withReplaced(host.catalog, [after], []);
  for (const column of renamedColumns) checkColumnRename(host.catalog, before, column, catalog, host.searchPath, describe);
}

/** ALTER VIEW … RENAME TO / RENAME COLUMN: the new record, with the views that read it following. */
export function renameView(host: ViewHost, view: ViewInfo, rename: { readonly newName: string } | { readonly column: string; readonly newColumn: string }, change: CatalogChange): void {
  const describe = requireDescribe(host, view.name);
  if ('newName' in rename) {
    if (host.catalog.relationExists(view.schema, rename.newName)) throw new SqlError('42P07', `relation "${rename.newName}" already exists`);
    const renamed = { ...view, name: rename.newName };
    followRename(host.catalog, { kind: 'view', id: view.id, schema: view.schema, oldName: view.name, newName: rename.newName }, renamed, change, host.searchPath, describe);
    change.putView(renamed);
    return;
  }
  const i = view.columns.findIndex((c) => c.name === rename.column);
  if (i < 0) throw new SqlError('42703', `column "${rename.column}" does not exist`);
  if (view.columns.some((c) => c.name === rename.newColumn)) throw new SqlError('42701', `column "${rename.newColumn}" of relation "${view.name}" already exists`);
  const renamed = { ...view, columns: view.columns.map((c, j) => (j === i ? { ...c, name: rename.newColumn } : c)) };
  checkColumnRename(host.catalog, view, rename.column, withReplaced(host.catalog, [], [renamed]), host.searchPath, describe);
  change.putView(renamed);
}
