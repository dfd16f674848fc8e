import { SqlError } from '../../contracts/errors.js';
import type { SqlValue } from '../../contracts/sql-value.js';
import type { CatalogSnapshot, CheckInfo, ColumnInfo, TableInfo } from '../catalog/catalog.js';
import { domainValueScope, referencedColumns, tableColumnsScope } from '../sql/table-expressions.js';
import * as types from '../sql/typesystem.js';
import { deparsedDefault } from './catalog-objects.js';
import { expressionText } from './expression-text.js';
import { attributeNumbers } from '../sql/tuple-layout.js';

/**
 * CHECK constraints, generation expressions and domains as PostgreSQL's catalogs show them:
 * pg_constraint rows (contype 'c'), pg_type rows (typtype 'd'), pg_attrdef rows for generated
 * columns, and the text pg_get_constraintdef / pg_get_expr print for them.
 */

/**
 * CHECK constraints have no oid of their own in our catalog: they get one derived from their
 * table's or domain's oid and their place in its list, above the ranges catalog-objects.ts uses
 * for index-backed constraints and defaults, so none collide within one catalog snapshot.
 */
const CHECK_OID_BASE = 0xc0000000;
const CHECKS_PER_OWNER = 64;

export function checkOid(ownerId: number, position: number): number {
  return CHECK_OID_BASE + ((ownerId * CHECKS_PER_OWNER + position) % 0x3fffffff);
}

/** pg_attrdef.adbin of a generation expression: a reference pg_get_expr resolves in the catalog. */
const GENERATED_ADBIN = '\u0000generated:';

export function generatedAdbin(tableId: number, attnum: number): string {
  return `${GENERATED_ADBIN}${tableId}:${attnum}`;
}

/** pg_get_expr over a generation expression's adbin; undefined for any other adbin. */
export function generatedExpressionText(catalog: CatalogSnapshot, adbin: string, pretty: boolean): string | undefined {
  if (!adbin.startsWith(GENERATED_ADBIN)) return undefined;
  const [tableId, attnum] = adbin.slice(GENERATED_ADBIN.length).split(':').map(Number);
  const table = catalog.tableById(tableId!);
  const column = table?.columns[table ? attributeNumbers(table).indexOf(attnum!) : -1];
  if (!table || !column?.generatedText) throw new SqlError('XX000', `cache lookup failed for attribute ${attnum} of relation ${tableId}`);
  const text = expressionText(column.generatedText, tableColumnsScope(table), pretty, false, domainColumns(table));
  if (text === null) throw new SqlError('0A000', `pg_get_expr cannot yet display the expression ${column.generatedText} as PostgreSQL does`);
  return text;
}

function domainColumns(table: TableInfo): Set<number> {
  return new Set(table.columns.flatMap((c, i) => (c.domainOid !== undefined ? [i] : [])));
}

/** pg_attribute's view of a column: a domain column shows the domain, typmod -1 (as in PostgreSQL). */
export function attributeType(column: ColumnInfo): { typeOid: number; typmod: number; generated: string } {
  return {
    typeOid: column.domainOid ?? column.typeOid, typmod: column.domainOid !== undefined ? -1 : column.typmod,
    generated: column.generatedText ? 's' : '',
  };
}

/**
 * pg_constraint rows of CHECK constraints, tables' then domains'. Columns: oid conname
 * connamespace contype condeferrable condeferred convalidated conrelid contypid conindid
 * conparentid confrelid conkey conislocal coninhcount connoinherit.
 */
export function checkConstraintRows(catalog: CatalogSnapshot, namespaceOid: (schema: string) => number): SqlValue[][] {
  const rows: SqlValue[][] = [];
  for (const t of catalog.allTables()) {
    (t.checks ?? []).forEach((c, i) => {
      const conkey = `{${referencedColumns(c.text, t.columns).map((p) => attributeNumbers(t)[p]).join(',')}}`;
      rows.push([checkOid(t.id, i), c.name, namespaceOid(t.schema), 'c', false, false, c.validated, t.id, 0, 0, 0, 0, conkey, true, 0, c.noInherit]);
    });
  }
  for (const d of catalog.allDomains()) {
    d.checks.forEach((c, i) => rows.push([checkOid(d.id, i), c.name, namespaceOid(d.schema), 'c', false, false, c.validated, 0, d.id, 0, 0, 0, null, true, 0, false]));
  }
  return rows;
}

/** pg_get_constraintdef of a CHECK constraint; undefined when the oid is not one. */
export function checkConstraintDefinition(catalog: CatalogSnapshot, oid: number, pretty: boolean): string | undefined {
  const found = checkByOid(catalog, oid);
  if (!found) return undefined;
  const { check } = found;
  const text = found.table
    ? expressionText(check.text, tableColumnsScope(found.table), pretty, false, domainColumns(found.table))
    : expressionText(check.text, domainValueScope(found.baseOid, found.baseTypmod), pretty, true);
  if (text === null) throw new SqlError('0A000', `pg_get_constraintdef cannot yet display the expression ${check.text} as PostgreSQL does`);
  return `CHECK (${text})${check.noInherit ? ' NO INHERIT' : ''}${check.validated ? '' : ' NOT VALID'}`;
}

function checkByOid(catalog: CatalogSnapshot, oid: number): { check: CheckInfo; table?: TableInfo; baseOid: number; baseTypmod: number } | undefined {
  if (oid < CHECK_OID_BASE) return undefined;
  for (const t of catalog.allTables()) {
    const i = (t.checks ?? []).findIndex((_, j) => checkOid(t.id, j) === oid);
    if (i >= 0) return { check: t.checks![i]!, table: t, baseOid: 0, baseTypmod: -1 };
  }
  for (const d of catalog.allDomains()) {
    const i = d.checks.findIndex((_, j) => checkOid(d.id, j) === oid);
    if (i >= 0) return { check: d.checks[i]!, baseOid: d.baseOid, baseTypmod: d.baseTypmod };
  }
  return undefined;
}

/**
 * pg_type rows of domains (typtype 'd'), in pg_type's column order: oid typname typnamespace
 * typowner typlen typbyval typtype typcategory typisdefined typdelim typrelid typelem typarray
 * typbasetype typtypmod typnotnull typcollation typdefault. typdefault is the DEFAULT as
 * pg_get_expr would print it; a form that printer does not cover shows as written.
 */
export function domainTypeRows(catalog: CatalogSnapshot, namespaceOid: (schema: string) => number, owner: number, collation: (oid: number) => number): SqlValue[][] {
  const rows: SqlValue[][] = [];
  const base = new Map(types.allTypes().map((t) => [t.oid, t]));
  for (const d of catalog.allDomains()) {
    const t = base.get(d.baseOid)!;
    const shownDefault = d.defaultText === null ? null : deparsedDefault(d.defaultText, d.baseOid, d.baseTypmod);
    const typdefault = shownDefault === null ? null : shownDefault.startsWith('\u0000') ? d.defaultText : shownDefault;
    rows.push([d.id, d.name, namespaceOid(d.schema), owner, t.length, t.length > 0 && t.length <= 8, 'd', t.category, true, ',', 0, 0, 0, d.baseOid, d.baseTypmod, d.notNull, collation(d.baseOid), typdefault]);
  }
  return rows;
}

/** format_type of a domain's oid: its name (qualified when not in a schema on the search path). */
export function domainTypeName(catalog: CatalogSnapshot, oid: number, searchPath: readonly string[]): string | undefined {
  const domain = catalog.domainById(oid);
  if (!domain) return undefined;
  return searchPath.includes(domain.schema) ? domain.name : `${domain.schema}.${domain.name}`;
}

/** pg_type_is_visible: built-in types always; a domain when its schema is on the search path and no earlier schema has one of its name. */
export function typeIsVisible(catalog: CatalogSnapshot, oid: number, searchPath: readonly string[]): boolean {
  const domain = catalog.domainById(oid);
  if (!domain) return true;
  for (const schema of searchPath) {
    if (schema === domain.schema) return true;
    if (catalog.domain(schema, domain.name)) return false;
  }
  return false;
}

/** information_schema's name for a NOT NULL "constraint" (PostgreSQL synthesizes it from oids and attnum). */
function notNullName(namespaceOid: number, tableId: number, attnum: number): string {
  return `${namespaceOid}_${tableId}_${attnum}_not_null`;
}

/** information_schema.check_constraints: CHECKs of tables and domains, then every NOT NULL column. */
export function checkConstraintViewRows(catalog: CatalogSnapshot, namespaceOid: (schema: string) => number): SqlValue[][] {
  const rows: SqlValue[][] = [];
  const clause = (oid: number) => checkConstraintDefinition(catalog, oid, false)!.slice('CHECK '.length);
  for (const t of catalog.allTables()) (t.checks ?? []).forEach((c, i) => rows.push(['postgres', t.schema, c.name, clause(checkOid(t.id, i))]));
  for (const d of catalog.allDomains()) d.checks.forEach((c, i) => rows.push(['postgres', d.schema, c.name, clause(checkOid(d.id, i))]));
  for (const t of catalog.allTables()) {
    t.columns.forEach((c, i) => { if (c.notNull) rows.push(['postgres', t.schema, notNullName(namespaceOid(t.schema), t.id, attributeNumbers(t)[i]!), `${c.name} IS NOT NULL`]); });
  }
  return rows;
}

/** information_schema.table_constraints: PRIMARY KEY, UNIQUE and CHECK constraints, then NOT NULL columns as CHECK. */
export function tableConstraintViewRows(catalog: CatalogSnapshot, namespaceOid: (schema: string) => number): SqlValue[][] {
  const rows: SqlValue[][] = [];
  const row = (t: TableInfo, name: string, type: string, nullsDistinct: string | null) => ['postgres', t.schema, name, 'postgres', t.schema, t.name, type, 'NO', 'NO', 'YES', nullsDistinct];
  for (const t of catalog.allTables()) {
    for (const i of t.indexes) {
      if (i.constraintName) rows.push(row(t, i.constraintName, i.primary ? 'PRIMARY KEY' : 'UNIQUE', i.primary ? null : i.nullsNotDistinct ? 'NO' : 'YES'));
    }
    for (const c of t.checks ?? []) rows.push(row(t, c.name, 'CHECK', null));
  }
  for (const t of catalog.allTables()) {
    t.columns.forEach((c, i) => { if (c.notNull) rows.push(row(t, notNullName(namespaceOid(t.schema), t.id, attributeNumbers(t)[i]!), 'CHECK', null)); });
  }
  return rows;
}
