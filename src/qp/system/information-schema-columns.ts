import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import type { CatalogSnapshot, TableInfo, ViewInfo } from '../catalog/catalog.js';
import { viewUpdatability } from '../sql/view-modify.js';
import { attributeNumbers } from '../sql/tuple-layout.js';
import * as types from '../sql/typesystem.js';
import { typeByOid } from '../types/index.js';
import { identityAndGenerationColumns, IDENTITY_AND_GENERATION_SPEC } from './column-catalog.js';

/**
 * information_schema.columns as PostgreSQL 15 defines it, column for column: the columns of
 * tables and of views (ORMs — Prisma, TypeORM, drizzle-kit — read numeric_precision_radix,
 * datetime_precision, udt_schema and the rest of the row, and list a view's columns from here).
 */
export const COLUMNS_SPEC = `table_catalog name, table_schema name, table_name name, column_name name, ordinal_position int4, column_default varchar,
  is_nullable varchar, data_type varchar, character_maximum_length int4, character_octet_length int4, numeric_precision int4, numeric_precision_radix int4,
  numeric_scale int4, datetime_precision int4, interval_type varchar, interval_precision int4, character_set_catalog name, character_set_schema name,
  character_set_name name, collation_catalog name, collation_schema name, collation_name name, domain_catalog name, domain_schema name, domain_name name,
  udt_catalog name, udt_schema name, udt_name name, scope_catalog name, scope_schema name, scope_name name, maximum_cardinality int4, dtd_identifier name,
  is_self_referencing varchar, ${IDENTITY_AND_GENERATION_SPEC}, is_updatable varchar`;

/** pg_encoding_max_length of the database's encoding (UTF8): character_octet_length is characters times this. */
const MAX_BYTES_PER_CHARACTER = 4;
/** _pg_char_octet_length of an unbounded string type: the largest field, 1 GB. */
const UNBOUNDED_OCTETS = 2 ** 30;

const DATETIME_TYPES: ReadonlySet<number> = new Set([TypeOid.date, TypeOid.time, TypeOid.timetz, TypeOid.timestamp, TypeOid.timestamptz, TypeOid.interval]);

/** The type-describing columns, data_type through dtd_identifier (PostgreSQL's _pg_* helper functions). */
function typeColumns(catalog: CatalogSnapshot, typeOid: number, typmod: number, domainOid: number | undefined, attnum: number): SqlValue[] {
  const info = types.columnTypeInfo(typeOid, typmod);
  const type = typeByOid(typeOid);
  const isArray = type !== undefined && type.element !== 0 && type.length === -1;
  const isString = typeOid === TypeOid.text || typeOid === TypeOid.varchar || typeOid === TypeOid.bpchar;
  const octets = !isString ? null : info.characterMaximumLength === null ? UNBOUNDED_OCTETS : info.characterMaximumLength * MAX_BYTES_PER_CHARACTER;
  const radix = info.numericPrecision !== null ? (typeOid === TypeOid.numeric ? 10 : 2) : typeOid === TypeOid.numeric ? 10 : null;
  // date has no fractional seconds; the others default to microseconds (precision 6).
  const datetimePrecision = !DATETIME_TYPES.has(typeOid) ? null : typeOid === TypeOid.date ? 0 : typmod >= 0 && typeOid !== TypeOid.interval ? typmod : 6;
  // The "C" collation shows (name columns); the database default does not.
  const collation = typeOid === TypeOid.name ? ['postgres', 'pg_catalog', 'C'] : [null, null, null];
  const domain = domainOid === undefined ? undefined : catalog.domainById(domainOid);
  return [
    isArray ? 'ARRAY' : info.dataType, info.characterMaximumLength, octets, info.numericPrecision, radix, info.numericScale, datetimePrecision, null, null,
    null, null, null, ...collation,
    domain ? 'postgres' : null, domain?.schema ?? null, domain?.name ?? null,
    'postgres', 'pg_catalog', info.udtName, null, null, null, null, String(attnum), 'NO',
  ];
}

/** Rows for a table's columns, in COLUMNS_SPEC's order; `columnDefault` prints a column's default as pg_get_expr does. */
function tableColumnRows(catalog: CatalogSnapshot, t: TableInfo, columnDefault: (text: string | null, typeOid: number, typmod: number) => string | null): SqlValue[][] {
  const attnums = attributeNumbers(t);
  return t.columns.map((c, i) => {
    const domain = c.domainOid === undefined ? undefined : catalog.domainById(c.domainOid);
    const notNull = c.notNull || domain?.notNull === true;
    return ['postgres', t.schema, t.name, c.name, attnums[i]!, columnDefault(c.defaultText, c.typeOid, c.typmod), notNull ? 'NO' : 'YES',
      ...typeColumns(catalog, c.typeOid, c.typmod, c.domainOid, attnums[i]!), ...identityAndGenerationColumns(catalog, t, i), 'YES'];
  });
}

/** A view's columns: nullable, no default, updatable as the view is (PostgreSQL's per-column answer for a simple view). */
function viewColumnRows(catalog: CatalogSnapshot, v: ViewInfo): SqlValue[][] {
  const updatable = viewUpdatability(v, catalog).updatable ? 'YES' : 'NO';
  return v.columns.map((c, i) => ['postgres', v.schema, v.name, c.name, i + 1, null, 'YES', ...typeColumns(catalog, c.typeOid, c.typmod, undefined, i + 1),
    'NO', null, null, null, null, null, 'NO', 'NEVER', null, updatable]);
}

export function informationSchemaColumnRows(catalog: CatalogSnapshot, columnDefault: (text: string | null, typeOid: number, typmod: number) => string | null): SqlValue[][] {
  return [...[...catalog.allTables()].flatMap((t) => tableColumnRows(catalog, t, columnDefault)), ...[...catalog.allViews()].flatMap((v) => viewColumnRows(catalog, v))];
}
