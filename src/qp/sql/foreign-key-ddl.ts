import { SqlError } from '../../contracts/errors.js';
import { TypeOid } from '../../contracts/sql-value.js';
import type { CatalogChange, CatalogSnapshot, ForeignKeyInfo, IndexInfo, TableInfo } from '../catalog/catalog.js';
import type { ForeignKeyDefinition } from './ast.js';
import { constraintNamesInSchema } from './ddl-domains.js';
import * as types from './typesystem.js';

/**
 * The DDL side of FOREIGN KEY constraints (reference/dsql.md §2.2 "Foreign keys"): resolving
 * a clause against the catalog with PostgreSQL's checks and errors (tablecmds.c
 * ATAddForeignKeyConstraint), naming, and what DROP TABLE / DROP CONSTRAINT do to them.
 * Enforcement is foreign-keys.ts.
 */
const MAX_IDENTIFIER = 63;

/** PostgreSQL's makeObjectName: name1_name2_label, shortening the longer name part to fit 63 bytes. */
function makeObjectName(name1: string, name2: string, label: string): string {
  let n1 = Buffer.byteLength(name1);
  let n2 = Buffer.byteLength(name2);
  const available = MAX_IDENTIFIER - 2 - label.length;
  while (n1 + n2 > available) {
    if (n1 > n2) n1--;
    else n2--;
  }
  const clip = (s: string, n: number) => Buffer.from(s).subarray(0, n).toString();
  return `${clip(name1, n1)}_${clip(name2, n2)}_${label}`;
}

/** ChooseConstraintName(table, col1_col2…, "fkey"): `c_p_id_fkey`, then `c_p_id_fkey1`… */
function chooseName(catalog: CatalogSnapshot, table: TableInfo, columns: readonly string[], taken: readonly string[]): string {
  const used = constraintNamesInSchema(catalog, table.schema);
  for (const name of taken) used.add(name);
  const addition = Buffer.from(columns.join('_')).subarray(0, MAX_IDENTIFIER).toString();
  for (let pass = 0; ; pass++) {
    const candidate = makeObjectName(table.name, addition, pass === 0 ? 'fkey' : `fkey${pass}`);
    if (!used.has(candidate)) return candidate;
  }
}

const FAMILIES: readonly ReadonlySet<number>[] = [
  new Set([TypeOid.int2, TypeOid.int4, TypeOid.int8]),
  new Set([TypeOid.float4, TypeOid.float8]),
  new Set([TypeOid.date, TypeOid.timestamp, TypeOid.timestamptz]),
  new Set([TypeOid.text, TypeOid.varchar, TypeOid.bpchar, TypeOid.name]),
];

/**
 * PostgreSQL accepts a pair when the referenced column's btree operator family has an equality
 * operator for the referencing type, or the referencing type casts implicitly to it.
 */
function typesCompatible(fkType: number, pkType: number): boolean {
  if (fkType === pkType) return true;
  if (FAMILIES.some((f) => f.has(fkType) && f.has(pkType))) return true;
  return types.castContext(fkType, pkType) === 'i';
}

function typeName(oid: number): string {
  return oid === TypeOid.bpchar ? 'character' : types.formatType(oid, -1);
}

function columnPositions(table: TableInfo, names: readonly string[]): number[] {
  return names.map((name) => {
    const i = table.columns.findIndex((c) => c.name === name);
    if (i < 0) throw new SqlError('42703', `column "${name}" referenced in foreign key constraint does not exist`);
    return i;
  });
}

/** The referenced table's primary key or valid unique index over exactly these columns. */
function matchingIndex(table: TableInfo, columns: readonly number[]): IndexInfo {
  if (new Set(columns).size !== columns.length) throw new SqlError('42830', 'foreign key referenced-columns list must not contain duplicates');
  const sameSet = (keys: readonly number[]) => keys.length === columns.length && columns.every((c) => keys.includes(c));
  const primary = table.indexes.find((i) => i.primary);
  if (primary && sameSet(table.primaryKey)) return primary;
  const unique = table.indexes.find((i) => i.unique && !i.primary && i.valid && sameSet(i.columns));
  if (unique) return unique;
  throw new SqlError('42830', `there is no unique constraint matching given keys for referenced table "${table.name}"`);
}

/**
 * Resolves one FOREIGN KEY clause of `table` (being created, or altered). `self` is the table
 * itself as it will be, so a self-reference sees its own keys. Checks follow PostgreSQL's order.
 */
export function resolveForeignKey(definition: ForeignKeyDefinition, table: TableInfo, catalog: CatalogSnapshot, change: CatalogChange, taken: readonly string[],
  searchPath: readonly string[]): ForeignKeyInfo {
  // An unqualified referenced table is looked up as every other name is (through the session's
  // search path: its existing schemas, the current one first), not in the referencing table's
  // schema: `CREATE TABLE app.item (… REFERENCES parent)` means public.parent under the default
  // search_path, as in PostgreSQL. The table being created is found where it is being made.
  const target = definition.referencedTable;
  const holds = (schema: string): boolean => (schema === table.schema && target === table.name) || catalog.relationExists(schema, target);
  const referencedSchema = definition.referencedSchema ?? searchPath.find(holds) ?? searchPath[0] ?? table.schema;
  const isSelf = referencedSchema === table.schema && definition.referencedTable === table.name;
  const referenced = isSelf ? table : catalog.table(referencedSchema, definition.referencedTable);
  if (!referenced) {
    if (catalog.view(referencedSchema, definition.referencedTable)) throw new SqlError('42809', `referenced relation "${definition.referencedTable}" is not a table`);
    throw new SqlError('42P01', `relation "${definition.referencedTable}" does not exist`);
  }
  const columns = columnPositions(table, definition.columns);
  let referencedColumns: number[];
  let index: IndexInfo;
  if (definition.referencedColumns === null) {
    const primary = referenced.indexes.find((i) => i.primary);
    if (!primary || referenced.primaryKey.length === 0) throw new SqlError('42704', `there is no primary key for referenced table "${referenced.name}"`);
    referencedColumns = [...referenced.primaryKey];
    index = primary;
  } else {
    referencedColumns = columnPositions(referenced, definition.referencedColumns);
    index = matchingIndex(referenced, referencedColumns);
  }
  let deleteSetColumns: number[] | null = null;
  if (definition.deleteSetColumns !== null) {
    deleteSetColumns = columnPositions(table, definition.deleteSetColumns);
    deleteSetColumns.forEach((p, i) => {
      if (!columns.includes(p)) throw new SqlError('42P10', `column "${definition.deleteSetColumns![i]}" referenced in ON DELETE SET action must be part of foreign key`);
    });
  }
  if (columns.length !== referencedColumns.length) throw new SqlError('42830', 'number of referencing and referenced columns for foreign key disagree');
  // The table's own constraints count too: a table being created is not in the catalog yet.
  const onTable = [...(table.foreignKeys ?? []).map((fk) => fk.name), ...table.indexes.flatMap((i) => (i.constraintName ? [i.constraintName] : [])),
    ...(table.checks ?? []).map((c) => c.name), ...taken];
  const name = definition.name !== null ? Buffer.from(definition.name).subarray(0, MAX_IDENTIFIER).toString() : chooseName(catalog, table, definition.columns, onTable);
  if (definition.name !== null && onTable.includes(name)) {
    throw new SqlError('42710', `constraint "${name}" for relation "${table.name}" already exists`);
  }
  columns.forEach((c, i) => {
    const fkType = table.columns[c]!.typeOid;
    const pkType = referenced.columns[referencedColumns[i]!]!.typeOid;
    if (!typesCompatible(fkType, pkType)) {
      throw new SqlError('42804', `foreign key constraint "${name}" cannot be implemented`, {
        detail: `Key columns "${table.columns[c]!.name}" and "${referenced.columns[referencedColumns[i]!]!.name}" are of incompatible types: ${typeName(fkType)} and ${typeName(pkType)}.`,
      });
    }
  });
  return {
    oid: change.allocateId(), name, columns, referencedTableId: referenced.id, referencedColumns, referencedIndexId: index.id,
    match: definition.match, onUpdate: definition.onUpdate, onDelete: definition.onDelete, deleteSetColumns,
    deferrable: definition.deferrable || definition.initiallyDeferred, initiallyDeferred: definition.initiallyDeferred, validated: !definition.notValid,
  };
}

/**
 * The FOREIGN KEYs of a CREATE TABLE, resolved against the new table. Each referenced table
 * other than the new one is written again unchanged: that bumps its schema-version key, so a
 * transaction writing it under the old catalog (which knew no foreign key) fails with OC001.
 */
export function createTableForeignKeys(definitions: readonly ForeignKeyDefinition[], table: TableInfo, catalog: CatalogSnapshot, change: CatalogChange,
  searchPath: readonly string[]): TableInfo {
  if (definitions.length === 0) return table;
  const foreignKeys: ForeignKeyInfo[] = [];
  for (const definition of definitions) {
    // A new table has no rows to check: PostgreSQL marks its foreign keys valid even when NOT VALID is written.
    foreignKeys.push(resolveForeignKey({ ...definition, notValid: false }, table, catalog, change, foreignKeys.map((fk) => fk.name), searchPath));
  }
  touchReferencedTables(foreignKeys, table.id, catalog, change);
  return { ...table, foreignKeys };
}

function touchReferencedTables(foreignKeys: readonly ForeignKeyInfo[], selfId: number, catalog: CatalogSnapshot, change: CatalogChange): void {
  const touched = new Set<number>();
  for (const fk of foreignKeys) {
    if (fk.referencedTableId === selfId || touched.has(fk.referencedTableId)) continue;
    touched.add(fk.referencedTableId);
    change.putTable(catalog.tableById(fk.referencedTableId)!);
  }
}

/** ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY … NOT VALID (the only form DSQL allows on an existing table). */
export function addForeignKey(definition: ForeignKeyDefinition, table: TableInfo, catalog: CatalogSnapshot, change: CatalogChange, searchPath: readonly string[]): TableInfo {
  const foreignKey = resolveForeignKey(definition, table, catalog, change, [], searchPath);
  touchReferencedTables([foreignKey], table.id, catalog, change);
  return { ...table, foreignKeys: [...(table.foreignKeys ?? []), foreignKey] };
}

/**
 * ALTER TABLE … DROP CONSTRAINT for a foreign key; null when `name` is no foreign key of the
 * table (the caller looks at its other constraints).
 */
export function dropForeignKey(name: string, table: TableInfo): TableInfo | null {
  const foreignKeys = table.foreignKeys ?? [];
  if (!foreignKeys.some((fk) => fk.name === name)) return null;
  return { ...table, foreignKeys: foreignKeys.filter((fk) => fk.name !== name) };
}

/** ALTER TABLE … RENAME CONSTRAINT of a foreign key; null when `name` is no foreign key of the table. */
export function renameForeignKey(name: string, newName: string, table: TableInfo): TableInfo | null {
  const foreignKeys = table.foreignKeys ?? [];
  if (!foreignKeys.some((fk) => fk.name === name)) return null;
  if (foreignKeys.some((fk) => fk.name === newName) || table.indexes.some((i) => i.constraintName === newName) || (table.checks ?? []).some((c) => c.name === newName)) {
    throw new SqlError('42710', `constraint "${newName}" for relation "${table.name}" already exists`);
  }
  return { ...table, foreignKeys: foreignKeys.map((fk) => (fk.name === name ? { ...fk, name: newName } : fk)) };
}

/** 2BP01 when other tables' foreign keys use the index that backs a constraint being dropped. */
export function checkIndexNotReferenced(catalog: CatalogSnapshot, table: TableInfo, index: IndexInfo, what: string): void {
  const users = catalog.referencedBy(table.id).filter((r) => r.foreignKey.referencedIndexId === index.id && r.table.id !== table.id);
  if (users.length === 0) return;
  throw new SqlError('2BP01', `cannot drop ${what} because other objects depend on it`, {
    detail: users.map((u) => `constraint ${u.foreignKey.name} on table ${u.table.name} depends on index ${index.name}`).join('\n'),
    hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
  });
}

/**
 * What DROP TABLE / DROP SCHEMA do to foreign keys of other tables that reference dropped
 * tables: refuse (2BP01, with PostgreSQL's detail lines) unless CASCADE, which drops those
 * constraints. Collected over the whole statement, written once per table at the end.
 */
export class ForeignKeyDrops {
  private readonly removed = new Map<number, Set<number>>();

  constructor(private readonly catalog: CatalogSnapshot, private readonly droppedTables: ReadonlySet<number>) {}

  /**
   * The constraints that reference a dropped table from tables the statement keeps, as PostgreSQL
   * describes them (ddl-cascade.ts; `name` spells a table as the search path sees it); they are
   * dropped by `finish`, which runs only when the drop goes ahead (CASCADE, or none of them).
   */
  cascade(table: TableInfo, name: (table: TableInfo) => string): { id: number; description: string }[] {
    return this.outside(table).map((r) => {
      const set = this.removed.get(r.table.id) ?? new Set<number>();
      set.add(r.foreignKey.oid);
      this.removed.set(r.table.id, set);
      return { id: r.foreignKey.oid, description: `constraint ${r.foreignKey.name} on table ${name(r.table)}` };
    });
  }

  finish(change: CatalogChange): void {
    for (const [tableId, oids] of this.removed) {
      const table = this.catalog.tableById(tableId)!;
      change.putTable({ ...table, foreignKeys: (table.foreignKeys ?? []).filter((fk) => !oids.has(fk.oid)) });
    }
  }

  private outside(table: TableInfo): { table: TableInfo; foreignKey: ForeignKeyInfo }[] {
    return this.catalog.referencedBy(table.id).filter((r) => !this.droppedTables.has(r.table.id));
  }
}
