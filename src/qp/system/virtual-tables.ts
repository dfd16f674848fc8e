import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import { BUILTIN_SCHEMAS, type CatalogSnapshot } from '../catalog/catalog.js';
import type { VirtualColumn, VirtualTable } from '../sql/relations.js';
import * as types from '../sql/typesystem.js';

/**
 * System views computed from the catalog snapshot: the pg_catalog and information_schema rows
 * that psql's \dt / \d and drivers' type handling read. Each is a plain function of the
 * snapshot, so they always agree with the catalog the transaction sees.
 */
const ADMIN_OID = 10;

function columns(spec: string): VirtualColumn[] {
  const oids: Record<string, number> = {
    oid: TypeOid.oid, name: TypeOid.name, text: TypeOid.text, char: TypeOid.char, bool: TypeOid.bool,
    int2: TypeOid.int2, int4: TypeOid.int4, int8: TypeOid.int8, float4: TypeOid.float4, timestamptz: TypeOid.timestamptz,
  };
  return spec.trim().split(/\s*,\s*/).map((part) => {
    const [name, type] = part.split(/\s+/);
    return { name: name!, oid: oids[type!]! };
  });
}

function table(oid: number, schema: string, name: string, spec: string, rows: VirtualTable['rows']): VirtualTable {
  return { oid, schema, name, columns: columns(spec), rows };
}

function namespaceOid(catalog: CatalogSnapshot, schema: string): number {
  return catalog.schema(schema)?.oid ?? 0;
}

const TABLES: VirtualTable[] = [
  table(2615, 'pg_catalog', 'pg_namespace', 'oid oid, nspname name, nspowner oid, nspacl text', (catalog) =>
    [...catalog.allSchemas()].map((s) => [s.oid, s.name, ADMIN_OID, null])),
  table(1259, 'pg_catalog', 'pg_class', `oid oid, relname name, relnamespace oid, reltype oid, relowner oid, relam oid,
    relkind char, relpersistence char, relhasindex bool, relispartition bool, relnatts int2, reltuples float4,
    relhasrules bool, relhastriggers bool, relrowsecurity bool, relforcerowsecurity bool, relreplident char, reloptions text, relacl text, reltablespace oid, relpages int4, relchecks int2, relispopulated bool, relhassubclass bool, relpartbound text, reloftype oid`, (catalog) => {
    const rows: SqlValue[][] = [];
    for (const t of catalog.allTables()) {
      const ns = namespaceOid(catalog, t.schema);
      rows.push([t.id, t.name, ns, 0, ADMIN_OID, 2, 'r', 'p', t.indexes.length > 0, false, t.columns.length, -1, false, false, false, false, 'd', null, null, 0, 0, 0, true, false, null, 0]);
      for (const i of t.indexes) rows.push([i.oid, i.name, ns, 0, ADMIN_OID, 403, 'i', 'p', false, false, i.columns.length, -1, false, false, false, false, 'n', null, null, 0, 0, 0, true, false, null, 0]);
    }
    return rows;
  }),
  table(1249, 'pg_catalog', 'pg_attribute', `attrelid oid, attname name, atttypid oid, attnum int2, attlen int2, atttypmod int4, attnotnull bool,
    atthasdef bool, attisdropped bool, attidentity char, attgenerated char, attcollation oid, attstattarget int2, attstorage char, attcompression char, attislocal bool, attinhcount int4`, (catalog) => {
    const rows: SqlValue[][] = [];
    for (const t of catalog.allTables()) {
      t.columns.forEach((c, i) => rows.push([t.id, c.name, c.typeOid, i + 1, types.typeLength(c.typeOid), c.typmod, c.notNull, c.defaultText !== null, false, '', '', types.isCollatable(c.typeOid) ? 950 : 0, -1, 'p', '', true, 0]));
      for (const index of t.indexes) {
        index.columns.forEach((p, i) => {
          const c = t.columns[p]!;
          rows.push([index.oid, c.name, c.typeOid, i + 1, types.typeLength(c.typeOid), c.typmod, false, false, false, '', '', 0, -1, 'p', '', true, 0]);
        });
      }
    }
    return rows;
  }),
  table(2610, 'pg_catalog', 'pg_index', `indexrelid oid, indrelid oid, indnatts int2, indnkeyatts int2, indisunique bool, indisprimary bool,
    indisexclusion bool, indimmediate bool, indisclustered bool, indisvalid bool, indisready bool, indislive bool, indisreplident bool, indkey text, indnullsnotdistinct bool`, (catalog) => {
    const rows: SqlValue[][] = [];
    for (const t of catalog.allTables()) {
      for (const i of t.indexes) {
        const keys = [...i.columns, ...i.include].map((p) => p + 1).join(' ');
        rows.push([i.oid, t.id, i.columns.length + i.include.length, i.columns.length, i.unique, i.primary, false, true, false, i.valid, true, true, false, keys, i.nullsNotDistinct]);
      }
    }
    return rows;
  }),
  table(1247, 'pg_catalog', 'pg_type', 'oid oid, typname name, typnamespace oid, typowner oid, typlen int2, typbyval bool, typtype char, typcategory char, typisdefined bool, typdelim char, typrelid oid, typelem oid, typarray oid, typbasetype oid, typtypmod int4, typnotnull bool, typcollation oid', () =>
    types.allTypes().map((t) => [t.oid, t.name, 11, ADMIN_OID, t.length, t.length > 0 && t.length <= 8, 'b', t.category, true, ',', 0, t.element, t.array, 0, -1, false, t.collatable ? 950 : 0])),
  table(1262, 'pg_catalog', 'pg_database', 'oid oid, datname name, datdba oid, encoding int4, datcollate text, datctype text, datistemplate bool, datallowconn bool, datconnlimit int4, datacl text', () =>
    [[5, 'postgres', ADMIN_OID, 6, 'C', 'C', false, true, -1, null]]),
  table(1260, 'pg_catalog', 'pg_roles', 'oid oid, rolname name, rolsuper bool, rolinherit bool, rolcreaterole bool, rolcreatedb bool, rolcanlogin bool, rolreplication bool, rolconnlimit int4, rolbypassrls bool', () =>
    [[ADMIN_OID, 'admin', false, true, true, true, true, false, -1, false]]),
  table(2601, 'pg_catalog', 'pg_am', 'oid oid, amname name, amhandler oid, amtype char', () => [[2, 'heap', 0, 't'], [403, 'btree', 0, 'i']]),
  table(13200, 'information_schema', 'tables', 'table_catalog name, table_schema name, table_name name, table_type text, is_insertable_into text, is_typed text', (catalog) =>
    [...catalog.allTables()].map((t) => ['postgres', t.schema, t.name, 'BASE TABLE', 'YES', 'NO'])),
  table(13201, 'information_schema', 'columns', `table_catalog name, table_schema name, table_name name, column_name name, ordinal_position int4, column_default text,
    is_nullable text, data_type text, character_maximum_length int4, numeric_precision int4, numeric_scale int4, udt_name name`, (catalog) => {
    const rows: SqlValue[][] = [];
    for (const t of catalog.allTables()) {
      t.columns.forEach((c, i) => {
        const info = types.columnTypeInfo(c.typeOid, c.typmod);
        rows.push(['postgres', t.schema, t.name, c.name, i + 1, c.defaultText, c.notNull ? 'NO' : 'YES', info.dataType, info.characterMaximumLength, info.numericPrecision, info.numericScale, info.udtName]);
      });
    }
    return rows;
  }),
  table(13202, 'information_schema', 'schemata', 'catalog_name name, schema_name name, schema_owner name', (catalog) =>
    [...catalog.allSchemas()].map((s) => ['postgres', s.name, BUILTIN_SCHEMAS.some((b) => b.name === s.name) ? 'rdsadmin' : 'admin'])),
];

const BY_NAME = new Map<string, VirtualTable>(TABLES.map((t) => [`${t.schema}.${t.name}`, t]));

export function virtualTable(schema: string | null, name: string): VirtualTable | undefined {
  return BY_NAME.get(`${schema ?? 'pg_catalog'}.${name}`);
}

/** sys.jobs is per-host state, registered by the query processor. */
export function jobsTable(list: () => { jobId: string; status: string; details: string | null; jobType: string; objectId: number; objectName: string; startTime: number; updateTime: number }[]): VirtualTable {
  return table(13300, 'sys', 'jobs', 'job_id text, status text, details text, job_type text, class_id oid, object_id oid, object_name text, start_time timestamptz, update_time timestamptz', () =>
    list().map((j) => [j.jobId, j.status, j.details, j.jobType, 1259, j.objectId, j.objectName, types.timestampFromUnixMicros(j.startTime), types.timestampFromUnixMicros(j.updateTime)]));
}
