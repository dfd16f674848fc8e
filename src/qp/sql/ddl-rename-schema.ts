import { SqlError } from '../../contracts/errors.js';
import { BUILTIN_SCHEMAS, CatalogChange, CatalogSnapshot, type ColumnInfo, type TableInfo, type ViewInfo } from '../catalog/catalog.js';
import { ADMIN_ROLE_OID } from '../roles/access-catalog.js';
import { isOwner, mustBeOwner } from '../roles/object-privileges.js';
import { plansAlike } from './ddl-alter-object.js';
import { requalified } from './schema-qualifiers.js';
import type { DdlContext, DdlResult } from './ddl.js';

/**
 * ALTER SCHEMA name RENAME TO newName, with PostgreSQL 15's checks in its order (RenameSchema):
 * the schema exists (3F000), the new name is free (42P06), the caller owns the schema and may
 * create in the database (42501), the name is not reserved (42939).
 *
 * Strata keys a schema and the objects in it by name, so the schema's record is written again
 * under its new name (same oid: its owner, grants, default privileges and comment stay) and so
 * is every table, view, sequence, function and domain in it. The search paths views and DEFAULTs
 * were bound to name schemas too; they follow, and so do a view query's qualifiers (`s.t`,
 * rewritten where the parser places them), since PostgreSQL binds a view by oid. A view must still
 * read the same tables afterwards; a DEFAULT, generation expression or CHECK whose text names the
 * schema (`nextval('s.q')`) is refused (0A000) rather than left to break. The built-in schemas are
 * not renamed (0A000): Strata knows them by name.
 */
export function renameSchema(name: string, newName: string, ctx: DdlContext): DdlResult {
  const catalog = ctx.catalog;
  const schema = catalog.schema(name);
  if (!schema) throw new SqlError('3F000', `schema "${name}" does not exist`);
  if (catalog.schema(newName)) throw new SqlError('42P06', `schema "${newName}" already exists`);
  const roleOid = catalog.access.role(ctx.sessionUser)?.oid ?? -1;
  if (!isOwner(catalog, roleOid, schema.oid)) throw mustBeOwner('schema', name);
  if (!catalog.access.hasPrivilegesOf(roleOid, ADMIN_ROLE_OID)) throw new SqlError('42501', 'permission denied for database postgres');
  if (newName.startsWith('pg_')) throw new SqlError('42939', `unacceptable schema name "${newName}"`, { detail: 'The prefix "pg_" is reserved for system schemas.' });
  if (BUILTIN_SCHEMAS.some((b) => b.name === name)) throw new SqlError('0A000', `renaming schema "${name}" is not supported`);
  if (name === newName) return { tag: 'ALTER SCHEMA', writes: [] };

  const rename = (s: string): string => (s === name ? newName : s);
  const renamePath = (path: readonly string[] | undefined): readonly string[] | undefined => path?.map(rename);
  const tables = [...catalog.allTables()].map((t) => renamedTable(t, rename, renamePath, name));
  const views = [...catalog.allViews()].map((v): ViewInfo => ({
    ...v, schema: rename(v.schema), definition: requalifiedView(v, name, newName), ...(v.searchPath ? { searchPath: renamePath(v.searchPath)! } : {}),
  }));
  const sequences = [...catalog.allSequences()].map((s) => ({ ...s, schema: rename(s.schema) }));
  const functions = catalog.allFunctions().map((f) => ({ ...f, schema: rename(f.schema) }));
  const domains = [...catalog.allDomains()].map((d) => {
    for (const text of [d.defaultText, ...d.checks.map((c) => c.text)]) if (text && mentions(text, name)) throw refusedBy(name, `domain "${d.name}"`);
    return { ...d, schema: rename(d.schema) };
  });
  const schemas = [...catalog.allSchemas()].map((s) => (s.oid === schema.oid ? { ...s, name: newName } : s));
  const after = new CatalogSnapshot(catalog.version, catalog.nextId, tables, schemas, views, functions, domains, sequences, catalog.access, catalog.comments);
  for (const view of views) {
    const before = [...catalog.allViews()].find((v) => v.id === view.id)!;
    if (!mentions(before.definition, name) && !(before.searchPath ?? []).includes(name)) continue;
    if (!ctx.describeQuery || !plansAlike(view, after, ctx)) {
      throw new SqlError('0A000', `renaming schema "${name}", which view "${view.name}" uses, is not supported`);
    }
  }

  const change = new CatalogChange(catalog);
  change.deleteSchema(name);
  change.putSchema({ ...schema, name: newName });
  const changed = <T>(all: readonly T[], original: Iterable<T>): T[] => {
    const list = [...original];
    return all.filter((o, i) => JSON.stringify(o) !== JSON.stringify(list[i]));
  };
  for (const table of changed(tables, catalog.allTables())) change.putTable(table);
  for (const view of changed(views, catalog.allViews())) change.putView(view);
  for (const sequence of changed(sequences, catalog.allSequences())) change.putSequence(sequence);
  for (const fn of changed(functions, catalog.allFunctions())) change.putFunction(fn);
  for (const domain of changed(domains, catalog.allDomains())) change.putDomain(domain);
  return { tag: 'ALTER SCHEMA', writes: change.finish() };
}

/** A view's query with its qualifiers naming the schema renamed (schema-qualifiers.ts); one that cannot be rewritten refuses the rename. */
function requalifiedView(view: ViewInfo, name: string, newName: string): string {
  if (!mentions(view.definition, name)) return view.definition;
  const definition = requalified(view.definition, name, newName);
  if (definition === null) throw refusedBy(name, `view "${view.name}"`);
  return definition;
}

/** A table moved with its schema; its DEFAULT search paths follow (any schema's table). A text naming the old schema refuses the rename. */
function renamedTable(table: TableInfo, rename: (s: string) => string, renamePath: (p: readonly string[] | undefined) => readonly string[] | undefined, name: string): TableInfo {
  for (const column of table.columns) {
    for (const [what, text] of [['default', column.defaultText], ['generation expression', column.generatedText]] as const) {
      if (text && mentions(text, name)) throw refusedBy(name, `the ${what} of column "${column.name}" of table "${table.name}"`);
    }
  }
  for (const check of table.checks ?? []) {
    if (mentions(check.text, name)) throw refusedBy(name, `constraint "${check.name}" of table "${table.name}"`);
  }
  const columns = table.columns.map((c): ColumnInfo => (c.defaultSearchPath ? { ...c, defaultSearchPath: renamePath(c.defaultSearchPath)! } : c));
  return { ...table, schema: rename(table.schema), columns };
}

function refusedBy(name: string, user: string): SqlError {
  return new SqlError('0A000', `renaming schema "${name}", which ${user} names, is not supported`);
}

/** Whether SQL text may name the schema as a qualifier (`s.t`, `"s".t`, `'s.seq'`): a false alarm only refuses. */
function mentions(text: string, schema: string): boolean {
  const quoted = schema.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_$])"?${quoted}"?\\s*\\.`).test(text);
}
