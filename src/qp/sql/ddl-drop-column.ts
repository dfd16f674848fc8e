import { SqlError } from '../../contracts/errors.js';
import { CatalogChange, CatalogSnapshot, type ForeignKeyInfo, type TableInfo } from '../catalog/catalog.js';
import { removeSequence } from '../sequences/sequence-ddl.js';
import type { AlterTableAction, SelectStatement } from './ast.js';
import { parseSql } from './parse.js';
import { referencedColumns } from './table-expressions.js';
import { tupleLayout } from './tuple-layout.js';

/**
 * ALTER TABLE … DROP COLUMN (reference/dsql.md §2.4; not a primary key column). No row is
 * rewritten: the column's tuple slot is kept as dropped (sql/tuple-layout.ts), so rows written
 * before read correctly by column identity. As in PostgreSQL, the table's own indexes, CHECK
 * constraints and foreign keys that use the column go with it; what depends on it from outside
 * — views, other tables' foreign keys through a unique index on it, generated columns — refuses
 * the drop with 2BP01 unless CASCADE, which drops them too.
 */
export interface DropColumnHost {
  readonly catalog: CatalogSnapshot;
  /** Plans a view's query against a catalog (to learn whether it still plans without the column). */
  readonly describeQuery?: (query: SelectStatement, paramTypes: readonly number[], catalog: CatalogSnapshot, searchPath?: readonly string[]) => { columns: readonly { name: string; oid: number }[] };
}

type DropColumnAction = Extract<AlterTableAction, { kind: 'drop-column' }>;

interface Dependent {
  readonly line: string;
  /** As the cascade notice names it (ddl-cascade.ts). */
  readonly description: string;
  readonly drop: () => void;
}

export function dropColumn(table: TableInfo, action: DropColumnAction, host: DropColumnHost, change: CatalogChange, notices: string[], cascaded: string[]): TableInfo {
  const position = table.columns.findIndex((c) => c.name === action.column);
  if (position < 0) {
    if (action.ifExists) {
      notices.push(`column "${action.column}" of relation "${table.name}" does not exist, skipping`);
      return table;
    }
    throw new SqlError('42703', `column "${action.column}" of relation "${table.name}" does not exist`);
  }
  if (table.primaryKey.includes(position)) throw new SqlError('0A000', `cannot drop primary key column ${action.column}`);
  const what = `column ${action.column} of table ${table.name}`;
  const dependents: Dependent[] = [];
  const removed = new Set([position]);
  table.columns.forEach((c, i) => {
    if (i === position || !c.generatedText || !referencedColumns(c.generatedText, table.columns).includes(position)) return;
    dependents.push({ line: `column ${c.name} of table ${table.name} depends on ${what}`, description: `column ${c.name} of table ${table.name}`, drop: () => removed.add(i) });
  });
  const droppedForeignKeys = new Set<ForeignKeyInfo>();
  for (const { table: referencing, foreignKey } of host.catalog.referencedBy(table.id)) {
    if (!foreignKey.referencedColumns.includes(position) || (referencing.id === table.id && foreignKey.columns.includes(position))) continue;
    const index = table.indexes.find((i) => i.id === foreignKey.referencedIndexId)!;
    dependents.push({
      line: `constraint ${foreignKey.name} on table ${referencing.name} depends on index ${index.name}`,
      description: `constraint ${foreignKey.name} on table ${referencing.name}`, drop: () => droppedForeignKeys.add(foreignKey),
    });
  }
  const after = () => withoutColumns(table, removed, droppedForeignKeys);
  for (const view of dependentViews(table, after(), host)) {
    dependents.push({ line: `view ${view.name} depends on ${what}`, description: `view ${view.name}`, drop: () => change.deleteView(view.id) });
  }
  if (dependents.length > 0 && !action.cascade) {
    throw new SqlError('2BP01', `cannot drop ${what} because other objects depend on it`, {
      detail: dependents.map((d) => d.line).join('\n'), hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
    });
  }
  cascaded.push(...dependents.map((d) => d.description));
  for (const dependent of dependents) dependent.drop();
  for (const i of removed) {
    const identity = table.columns[i]!.identity;
    if (identity) removeSequence(identity.sequenceId, change);
  }
  for (const { table: referencing } of host.catalog.referencedBy(table.id)) {
    if (referencing.id !== table.id) change.putTable(remapReferencing(referencing, table, removed, droppedForeignKeys));
  }
  return after();
}

/** Old position → new position once `removed` are gone (-1 for a removed one). */
function positionMap(count: number, removed: ReadonlySet<number>): number[] {
  const map: number[] = [];
  let next = 0;
  for (let i = 0; i < count; i++) map.push(removed.has(i) ? -1 : next++);
  return map;
}

function withoutColumns(table: TableInfo, removed: ReadonlySet<number>, droppedForeignKeys: ReadonlySet<ForeignKeyInfo>): TableInfo {
  const map = positionMap(table.columns.length, removed);
  const uses = (positions: readonly number[]) => positions.some((p) => removed.has(p));
  const layout = tupleLayout(table);
  const slotOf = (i: number) => (layout === null ? i : layout.columnSlots[i]!);
  const foreignKeys = (table.foreignKeys ?? [])
    .filter((fk) => !droppedForeignKeys.has(fk) && !uses(fk.columns) && !(fk.referencedTableId === table.id && uses(fk.referencedColumns)))
    .map((fk) => ({
      ...fk, columns: fk.columns.map((p) => map[p]!), deleteSetColumns: fk.deleteSetColumns?.map((p) => map[p]!) ?? null,
      referencedColumns: fk.referencedTableId === table.id ? fk.referencedColumns.map((p) => map[p]!) : fk.referencedColumns,
    }));
  return {
    ...table,
    columns: table.columns.filter((_, i) => !removed.has(i)),
    primaryKey: table.primaryKey.map((p) => map[p]!),
    indexes: table.indexes.filter((i) => !uses(i.columns) && !uses(i.include)).map((i) => ({ ...i, columns: i.columns.map((p) => map[p]!), include: i.include.map((p) => map[p]!) })),
    foreignKeys,
    checks: (table.checks ?? []).filter((c) => !referencedColumns(c.text, table.columns).some((p) => removed.has(p))),
    highestIndexId: Math.max(table.highestIndexId ?? 1, ...table.indexes.map((i) => i.id)),
    droppedColumns: [...(table.droppedColumns ?? []), ...[...removed].map((i) => ({ slot: slotOf(i), typeOid: table.columns[i]!.typeOid }))].sort((a, b) => a.slot - b.slot),
  };
}

/** Another table's foreign keys into the altered one: referenced positions shift, dependents go. */
function remapReferencing(referencing: TableInfo, altered: TableInfo, removed: ReadonlySet<number>, dropped: ReadonlySet<ForeignKeyInfo>): TableInfo {
  const map = positionMap(altered.columns.length, removed);
  const tableId = altered.id;
  return {
    ...referencing,
    foreignKeys: (referencing.foreignKeys ?? []).filter((fk) => !dropped.has(fk))
      .map((fk) => (fk.referencedTableId === tableId ? { ...fk, referencedColumns: fk.referencedColumns.map((p) => map[p]!) } : fk)),
  };
}

/**
 * The views over the table that use the column: those that no longer plan, or plan to other
 * columns, against the catalog without it (a view's `SELECT *` was expanded when it was
 * created, so it uses every column then, as PostgreSQL records it).
 */
function dependentViews(table: TableInfo, altered: TableInfo, host: DropColumnHost): { id: number; name: string }[] {
  const views = [...host.catalog.allViews()].filter((v) => v.dependsOn.includes(table.id));
  if (views.length === 0) return [];
  if (!host.describeQuery) throw new SqlError('0A000', 'DROP COLUMN of a table a view reads is not supported here');
  const catalog = catalogWith(host.catalog, altered);
  return views.filter((view) => {
    try {
      const parsed = parseSql(view.definition)[0]!.statement as SelectStatement;
      const planned = host.describeQuery!(parsed, [], catalog, view.searchPath).columns;
      return planned.length !== view.columns.length || planned.some((c, i) => c.oid !== view.columns[i]!.typeOid);
    } catch {
      return true;
    }
  });
}

function catalogWith(catalog: CatalogSnapshot, table: TableInfo): CatalogSnapshot {
  return new CatalogSnapshot(catalog.version, catalog.nextId, [...catalog.allTables()].map((t) => (t.id === table.id ? table : t)), catalog.allSchemas(),
    catalog.allViews(), catalog.allFunctions(), catalog.allDomains(), catalog.allSequences(), catalog.access);
}
