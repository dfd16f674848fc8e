import type { SqlValue } from '../../contracts/sql-value.js';
import type { CatalogSnapshot, ForeignKeyInfo, TableInfo } from '../catalog/catalog.js';
import { isVisible, quoteIdent } from './catalog-objects.js';
import { attributeNumbers } from '../sql/tuple-layout.js';
import { referencedColumns } from '../sql/table-expressions.js';

/**
 * How FOREIGN KEY constraints look through PostgreSQL's catalogs: pg_constraint rows
 * (contype 'f'), pg_get_constraintdef's text (what psql's \d prints under "Foreign-key
 * constraints:" and "Referenced by:"), and the information_schema views ORMs introspect
 * (table_constraints, key_column_usage, referential_constraints, constraint_column_usage).
 */

const ACTION_TEXT: Record<ForeignKeyInfo['onDelete'], string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

function namespaceOid(catalog: CatalogSnapshot, schema: string): number {
  return catalog.schema(schema)?.oid ?? 0;
}

function allForeignKeys(catalog: CatalogSnapshot): { table: TableInfo; foreignKey: ForeignKeyInfo }[] {
  const out: { table: TableInfo; foreignKey: ForeignKeyInfo }[] = [];
  for (const table of catalog.allTables()) for (const foreignKey of table.foreignKeys ?? []) out.push({ table, foreignKey });
  return out;
}

/** conkey / confkey: the columns' attribute numbers. */
function positionsArray(table: TableInfo | undefined, positions: readonly number[]): string {
  const attnums = table ? attributeNumbers(table) : [];
  return `{${positions.map((p) => attnums[p] ?? p + 1).join(',')}}`;
}

/**
 * pg_constraint rows of the foreign keys, in its column order: oid conname connamespace contype
 * condeferrable condeferred convalidated conrelid contypid conindid conparentid confrelid conkey
 * conislocal coninhcount connoinherit confkey confupdtype confdeltype confmatchtype.
 */
export function foreignKeyConstraintRows(catalog: CatalogSnapshot): SqlValue[][] {
  return allForeignKeys(catalog).map(({ table, foreignKey: fk }) => {
    const referenced = catalog.tableById(fk.referencedTableId);
    const index = referenced?.indexes.find((i) => i.id === fk.referencedIndexId);
    return [fk.oid, fk.name, namespaceOid(catalog, table.schema), 'f', fk.deferrable, fk.initiallyDeferred, fk.validated, table.id, 0, index?.oid ?? 0, 0,
      fk.referencedTableId, positionsArray(table, fk.columns), true, 0, true, positionsArray(referenced, fk.referencedColumns), fk.onUpdate, fk.onDelete, fk.match === 'full' ? 'f' : 's'];
  });
}

/**
 * pg_class.relhastriggers: PostgreSQL enforces a foreign key with triggers on both tables, so the
 * flag is set on the referencing and the referenced table. psql's \d prints the "Foreign-key
 * constraints" and "Referenced by" sections only when it is set.
 */
export function hasForeignKeyTriggers(catalog: CatalogSnapshot, table: TableInfo): boolean {
  return (table.foreignKeys?.length ?? 0) > 0 || catalog.referencedBy(table.id).length > 0;
}

/** The foreign key with this constraint oid, with its referencing table. */
export function foreignKeyByOid(catalog: CatalogSnapshot, oid: number): { table: TableInfo; foreignKey: ForeignKeyInfo } | undefined {
  return allForeignKeys(catalog).find((f) => f.foreignKey.oid === oid);
}

/** pg_get_constraintdef of a foreign key (ruleutils.c's order of clauses). */
export function foreignKeyDefinition(catalog: CatalogSnapshot, searchPath: readonly string[], table: TableInfo, fk: ForeignKeyInfo): string {
  const referenced = catalog.tableById(fk.referencedTableId)!;
  const names = (t: TableInfo, positions: readonly number[]) => positions.map((p) => quoteIdent(t.columns[p]!.name)).join(', ');
  const visible = isVisible(catalog, searchPath, referenced.schema, referenced.name);
  const target = visible ? quoteIdent(referenced.name) : `${quoteIdent(referenced.schema)}.${quoteIdent(referenced.name)}`;
  let text = `FOREIGN KEY (${names(table, fk.columns)}) REFERENCES ${target}(${names(referenced, fk.referencedColumns)})`;
  if (fk.match === 'full') text += ' MATCH FULL';
  if (fk.onUpdate !== 'a') text += ` ON UPDATE ${ACTION_TEXT[fk.onUpdate]}`;
  if (fk.onDelete !== 'a') text += ` ON DELETE ${ACTION_TEXT[fk.onDelete]}`;
  if (fk.deleteSetColumns !== null) text += ` (${names(table, fk.deleteSetColumns)})`;
  if (fk.deferrable) text += ' DEFERRABLE';
  if (fk.initiallyDeferred) text += ' INITIALLY DEFERRED';
  if (!fk.validated) text += ' NOT VALID';
  return text;
}

/** Key constraints (PRIMARY KEY, UNIQUE, FOREIGN KEY) of every table, for the information_schema views. */
interface KeyConstraint {
  readonly table: TableInfo;
  readonly name: string;
  readonly type: 'PRIMARY KEY' | 'UNIQUE' | 'FOREIGN KEY';
  readonly columns: readonly number[];
  readonly deferrable: boolean;
  readonly initiallyDeferred: boolean;
  readonly foreignKey: ForeignKeyInfo | null;
  /** information_schema's nulls_distinct: set for UNIQUE only. */
  readonly nullsDistinct: 'YES' | 'NO' | null;
}

const yesNo = (b: boolean): 'YES' | 'NO' => (b ? 'YES' : 'NO');

function keyConstraints(catalog: CatalogSnapshot): KeyConstraint[] {
  const out: KeyConstraint[] = [];
  for (const table of catalog.allTables()) {
    for (const index of table.indexes) {
      if (!index.constraintName) continue;
      out.push({ table, name: index.constraintName, type: index.primary ? 'PRIMARY KEY' : 'UNIQUE', columns: index.columns, deferrable: false, initiallyDeferred: false, foreignKey: null,
        nullsDistinct: index.primary ? null : yesNo(!index.nullsNotDistinct) });
    }
    for (const fk of table.foreignKeys ?? []) {
      out.push({ table, name: fk.name, type: 'FOREIGN KEY', columns: fk.columns, deferrable: fk.deferrable, initiallyDeferred: fk.initiallyDeferred, foreignKey: fk, nullsDistinct: null });
    }
  }
  return out;
}

/** information_schema.table_constraints rows of the foreign keys (check-catalog.ts gives the others). */
export function foreignKeyTableConstraintRows(catalog: CatalogSnapshot): SqlValue[][] {
  return keyConstraints(catalog).filter((k) => k.foreignKey !== null).map((k) => ['postgres', k.table.schema, k.name, 'postgres', k.table.schema, k.table.name, k.type,
    yesNo(k.deferrable), yesNo(k.initiallyDeferred), 'YES', k.nullsDistinct]);
}

/** information_schema.key_column_usage: one row per column of each key constraint. */
export function keyColumnUsageRows(catalog: CatalogSnapshot): SqlValue[][] {
  const rows: SqlValue[][] = [];
  for (const k of keyConstraints(catalog)) {
    k.columns.forEach((p, i) => {
      // position_in_unique_constraint: the referenced column's place in the referenced key, in that key's column order.
      let uniquePosition: number | null = null;
      if (k.foreignKey) {
        const referenced = catalog.tableById(k.foreignKey.referencedTableId);
        const index = referenced?.indexes.find((x) => x.id === k.foreignKey!.referencedIndexId);
        uniquePosition = index ? index.columns.indexOf(k.foreignKey.referencedColumns[i]!) + 1 : null;
      }
      rows.push(['postgres', k.table.schema, k.name, 'postgres', k.table.schema, k.table.name, k.table.columns[p]!.name, i + 1, uniquePosition]);
    });
  }
  return rows;
}

/** information_schema.referential_constraints: each foreign key with the key constraint it references. */
export function referentialConstraintRows(catalog: CatalogSnapshot): SqlValue[][] {
  return allForeignKeys(catalog).map(({ table, foreignKey: fk }) => {
    const referenced = catalog.tableById(fk.referencedTableId);
    const index = referenced?.indexes.find((i) => i.id === fk.referencedIndexId);
    return ['postgres', table.schema, fk.name, index?.constraintName ? 'postgres' : null, index?.constraintName ? referenced!.schema : null, index?.constraintName ?? null,
      fk.match === 'full' ? 'FULL' : 'NONE', ACTION_TEXT[fk.onUpdate], ACTION_TEXT[fk.onDelete]];
  });
}

/**
 * information_schema.constraint_column_usage: the columns a constraint uses; for a foreign key,
 * the referenced columns (PostgreSQL's definition), which is what ORMs join it for; for a
 * CHECK constraint, every column its expression reads (PostgreSQL's pg_depend entries).
 */
export function constraintColumnUsageRows(catalog: CatalogSnapshot): SqlValue[][] {
  const rows: SqlValue[][] = [];
  for (const t of catalog.allTables()) {
    for (const check of t.checks ?? []) {
      for (const p of new Set(referencedColumns(check.text, t.columns))) rows.push(['postgres', t.schema, t.name, t.columns[p]!.name, 'postgres', t.schema, check.name]);
    }
  }
  for (const k of keyConstraints(catalog)) {
    const owner = k.foreignKey ? catalog.tableById(k.foreignKey.referencedTableId) : k.table;
    if (!owner) continue;
    const columns = k.foreignKey ? k.foreignKey.referencedColumns : k.columns;
    for (const p of [...new Set(columns)]) rows.push(['postgres', owner.schema, owner.name, owner.columns[p]!.name, 'postgres', k.table.schema, k.name]);
  }
  return rows;
}

/** The non-foreign-key pg_constraint rows get PostgreSQL's blanks in the foreign-key columns. */
export const NOT_A_FOREIGN_KEY: readonly SqlValue[] = [null, ' ', ' ', ' '];
