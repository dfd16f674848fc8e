import { SqlError } from '../../contracts/errors.js';
import { CatalogChange, CatalogSnapshot, type FunctionInfo, type SequenceInfo, type TableInfo, type ViewInfo } from '../catalog/catalog.js';
import { hasPrivilege, isOwner, mustBeOwner, permissionDenied } from '../roles/object-privileges.js';
import { ownedSequences } from '../sequences/sequence-catalog.js';
import type { AlteredObject, AlterObjectStatement, SelectStatement } from './ast.js';
import { renameViewStatement, schemaFor, schemaHolding, truncateIdentifier, type DdlContext, type DdlResult } from './ddl.js';
import { changeOwner, type OwnedObject } from './ddl-owner.js';
import { parseSql } from './parse.js';
import * as types from './typesystem.js';

/**
 * ALTER VIEW/SEQUENCE/FUNCTION/SCHEMA … OWNER TO and ALTER TABLE/VIEW/SEQUENCE/FUNCTION … SET
 * SCHEMA, which DSQL accepts (reference/dsql.md §2.2, §2.4), with PostgreSQL 15's errors.
 *
 * SET SCHEMA moves what the object owns with it, as PostgreSQL does: a table's indexes (they live
 * in its record) and the sequences it owns. Strata keeps view definitions and DEFAULT
 * expressions as text resolved by name where used, where PostgreSQL binds them by oid; so a move
 * that would leave a view or a DEFAULT naming the object in its old schema is refused (0A000)
 * rather than let them read something else.
 */
type Relation =
  | { readonly kind: 'table'; readonly info: TableInfo }
  | { readonly kind: 'view'; readonly info: ViewInfo }
  | { readonly kind: 'sequence'; readonly info: SequenceInfo };

export function executeAlterObject(statement: AlterObjectStatement, ctx: DdlContext): DdlResult {
  const object = statement.object;
  const tag = `ALTER ${object.objectType.toUpperCase()}`;
  const found = findObject(object, ctx);
  if (found === null) return { tag, writes: [], notice: `relation "${object.names[object.names.length - 1]}" does not exist, skipping` };
  if (statement.kind === 'rename-object') {
    if (found.kind !== 'view') throw new Error('only views are renamed here');
    const roleOid = ctx.catalog.access.role(ctx.sessionUser)?.oid ?? -1;
    if (!isOwner(ctx.catalog, roleOid, found.info.id)) throw mustBeOwner('view', found.info.name);
    const rename = 'newName' in statement.rename ? { newName: truncateIdentifier(statement.rename.newName) } : { column: statement.rename.column, newColumn: truncateIdentifier(statement.rename.newColumn) };
    return renameViewStatement(found.info, rename, ctx, 'ALTER VIEW');
  }
  const change = new CatalogChange(ctx.catalog);
  if (statement.kind === 'alter-owner') {
    // ALTER TABLE … OWNER TO is an ALTER TABLE action (ddl-owner.ts changeTableOwner).
    changeOwner(ownedObject(found), statement.role ?? ctx.sessionUser, ctx, change);
  } else {
    setSchema(found, schemaFor(statement.newSchema, ctx), ctx, change);
  }
  return { tag, writes: change.writes.length === 0 ? [] : change.finish() };
}

type Found = Relation | { readonly kind: 'function'; readonly info: FunctionInfo } | { readonly kind: 'schema'; readonly info: { readonly name: string; readonly oid: number } };

function ownedObject(found: Found): OwnedObject {
  if (found.kind === 'schema') return { oid: found.info.oid, kind: 'schema', name: found.info.name, schema: null };
  return { oid: found.info.id, kind: found.kind, name: found.info.name, schema: found.info.schema };
}

/** The object named, or null for a missing relation under IF EXISTS. */
function findObject(object: AlteredObject, ctx: DdlContext): Found | null {
  const name = object.names[object.names.length - 1]!;
  const holds = object.objectType === 'function' ? (s: string) => ctx.catalog.functions(s, name).length > 0 : (s: string) => ctx.catalog.relationExists(s, name);
  const schema = schemaHolding(ctx, object.names.length > 1 ? object.names[object.names.length - 2]! : null, holds);
  if (object.objectType === 'schema') {
    const info = ctx.catalog.schema(name);
    if (!info) throw new SqlError('3F000', `schema "${name}" does not exist`);
    return { kind: 'schema', info };
  }
  if (object.objectType === 'function') return { kind: 'function', info: findFunction(object, schema, name, ctx.catalog) };
  const relation = findRelation(ctx.catalog, schema, name);
  if (!relation) {
    if (object.ifExists) return null;
    throw new SqlError('42P01', `relation "${object.names.join('.')}" does not exist`);
  }
  // ALTER TABLE takes any relation; ALTER VIEW and ALTER SEQUENCE only their own kind.
  if (object.objectType !== 'table' && relation.kind !== object.objectType) throw new SqlError('42809', `"${name}" is not a ${object.objectType}`);
  return relation;
}

function findRelation(catalog: CatalogSnapshot, schema: string, name: string): Relation | null {
  const table = catalog.table(schema, name);
  if (table) return { kind: 'table', info: table };
  const view = catalog.view(schema, name);
  if (view) return { kind: 'view', info: view };
  const sequence = catalog.sequence(schema, name);
  return sequence ? { kind: 'sequence', info: sequence } : null;
}

function findFunction(object: AlteredObject, schema: string, name: string, catalog: CatalogSnapshot): FunctionInfo {
  const argOids = object.argTypes?.map((t) => types.resolveTypeName(t).oid) ?? null;
  const candidates = catalog.functions(schema, name).filter((f) => argOids === null || sameArguments(f, argOids));
  if (candidates.length === 0) {
    if (argOids === null) throw new SqlError('42883', `could not find a function named "${name}"`);
    throw new SqlError('42883', `function ${signature(name, argOids)} does not exist`);
  }
  if (candidates.length > 1) throw new SqlError('42725', `function name "${name}" is not unique`, { hint: 'Specify the argument list to select the function unambiguously.' });
  return candidates[0]!;
}

function sameArguments(fn: FunctionInfo, argOids: readonly number[]): boolean {
  return fn.args.length === argOids.length && fn.args.every((a, i) => a.typeOid === argOids[i]);
}

function signature(name: string, argOids: readonly number[]): string {
  return `${name}(${argOids.map((o) => types.formatType(o, -1)).join(', ')})`;
}

/** SET SCHEMA: the caller owns the object and has CREATE on the new schema; moving to the schema it is in does nothing. */
function setSchema(found: Found, newSchema: string, ctx: DdlContext, change: CatalogChange): void {
  if (found.kind === 'schema') throw new Error('a schema has no SET SCHEMA');
  const object = ownedObject(found);
  const roleOid = ctx.catalog.access.role(ctx.sessionUser)?.oid ?? -1;
  if (!isOwner(ctx.catalog, roleOid, object.oid)) throw mustBeOwner(object.kind, object.name);
  const target = ctx.catalog.schema(newSchema)!;
  if (!hasPrivilege(ctx.catalog, roleOid, target.oid, 'schema', 'C')) throw permissionDenied('schema', newSchema);
  if (found.info.schema === newSchema) return;
  switch (found.kind) {
    case 'table': return moveTable(found.info, newSchema, ctx, change);
    case 'view': return moveView(found.info, newSchema, ctx, change);
    case 'sequence': return moveSequence(found.info, newSchema, ctx, change);
    case 'function': return moveFunction(found.info, newSchema, ctx, change);
  }
}

function moveTable(table: TableInfo, newSchema: string, ctx: DdlContext, change: CatalogChange): void {
  const sequences = ownedSequences(ctx.catalog, table.id);
  for (const name of [table.name, ...table.indexes.map((i) => i.name), ...sequences.map((s) => s.name)]) checkFreeName(ctx.catalog, newSchema, name);
  refuseNamedInDefaults(ctx.catalog, sequences);
  const moved = { ...table, schema: newSchema };
  const movedSequences = sequences.map((s) => ({ ...s, schema: newSchema }));
  refuseBrokenViews(ctx, replaced(ctx.catalog, { tables: [moved], sequences: movedSequences }), table.name);
  change.putTable(moved);
  for (const sequence of movedSequences) change.putSequence(sequence);
}

function moveView(view: ViewInfo, newSchema: string, ctx: DdlContext, change: CatalogChange): void {
  checkFreeName(ctx.catalog, newSchema, view.name);
  const moved = { ...view, schema: newSchema };
  refuseBrokenViews(ctx, replaced(ctx.catalog, { views: [moved] }), view.name, view.id);
  change.putView(moved);
}

function moveSequence(sequence: SequenceInfo, newSchema: string, ctx: DdlContext, change: CatalogChange): void {
  if (sequence.ownedBy) {
    throw new SqlError('0A000', 'cannot move an owned sequence into another schema', {
      detail: `Sequence "${sequence.name}" is linked to table "${ctx.catalog.tableById(sequence.ownedBy.tableId)?.name ?? ''}".`,
    });
  }
  checkFreeName(ctx.catalog, newSchema, sequence.name);
  refuseNamedInDefaults(ctx.catalog, [sequence]);
  const moved = { ...sequence, schema: newSchema };
  refuseBrokenViews(ctx, replaced(ctx.catalog, { sequences: [moved] }), sequence.name);
  change.putSequence(moved);
}

function moveFunction(fn: FunctionInfo, newSchema: string, ctx: DdlContext, change: CatalogChange): void {
  const argOids = fn.args.map((a) => a.typeOid);
  if (ctx.catalog.functions(newSchema, fn.name).some((f) => sameArguments(f, argOids))) {
    throw new SqlError('42723', `function ${signature(fn.name, argOids)} already exists in schema "${newSchema}"`);
  }
  const moved = { ...fn, schema: newSchema };
  refuseBrokenViews(ctx, replaced(ctx.catalog, { functions: [moved] }), fn.name);
  change.putFunction(moved);
}

function checkFreeName(catalog: CatalogSnapshot, schema: string, name: string): void {
  if (catalog.relationExists(schema, name)) throw new SqlError('42P07', `relation "${name}" already exists in schema "${schema}"`);
}

/** A DEFAULT names its sequence in text (nextval('s')); PostgreSQL's holds the oid and follows the move. */
function refuseNamedInDefaults(catalog: CatalogSnapshot, sequences: readonly SequenceInfo[]): void {
  for (const table of catalog.allTables()) {
    for (const column of table.columns) {
      const text = column.defaultText ?? '';
      const named = sequences.find((s) => text.includes('nextval') && text.includes(s.name));
      if (named) throw new SqlError('0A000', `SET SCHEMA of sequence "${named.name}", which the default of column "${column.name}" of table "${table.name}" names, is not supported`);
    }
  }
}

/** Views are planned from their text where read: one that would no longer read the same tables after the move refuses it. */
function refuseBrokenViews(ctx: DdlContext, after: CatalogSnapshot, movedName: string, movedViewId = -1): void {
  for (const view of ctx.catalog.allViews()) {
    if (view.id === movedViewId || view.definition.indexOf(movedName) < 0) continue;
    if (!ctx.describeQuery || !plansAlike(view, after, ctx)) {
      throw new SqlError('0A000', `SET SCHEMA of "${movedName}", which view "${view.name}" uses, is not supported`);
    }
  }
}

/** Whether `view` read in the `after` catalog would read the same tables. */
export function plansAlike(view: ViewInfo, after: CatalogSnapshot, ctx: DdlContext): boolean {
  try {
    const query = parseSql(view.definition)[0]!.statement as SelectStatement;
    const tables = new Set(ctx.describeQuery!(query, [], after, view.searchPath).tables);
    return tables.size === view.dependsOn.length && view.dependsOn.every((id) => tables.has(id));
  } catch {
    return false;
  }
}

/** The catalog as it will be after the move: the same objects, some replaced by their moved records. */
function replaced(catalog: CatalogSnapshot, moved: { tables?: TableInfo[]; views?: ViewInfo[]; sequences?: SequenceInfo[]; functions?: FunctionInfo[] }): CatalogSnapshot {
  const swap = <T extends { id: number }>(all: Iterable<T>, changed: readonly T[] = []) => [...all].map((o) => changed.find((c) => c.id === o.id) ?? o);
  return new CatalogSnapshot(catalog.version, catalog.nextId, swap(catalog.allTables(), moved.tables), catalog.allSchemas(), swap(catalog.allViews(), moved.views),
    swap(catalog.allFunctions(), moved.functions), catalog.allDomains(), swap(catalog.allSequences(), moved.sequences), catalog.access);
}
