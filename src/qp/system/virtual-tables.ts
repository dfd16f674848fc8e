import { formatAcl } from '../roles/acl.js';
import { COLUMN_PRIVILEGES_SPEC, columnPrivilegeRows } from '../roles/column-privilege-inquiry.js';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import { BUILTIN_SCHEMAS, type CatalogSnapshot, type IndexInfo, type TableInfo } from '../catalog/catalog.js';
import type { VirtualColumn, VirtualTable } from '../sql/relations.js';
import * as types from '../sql/typesystem.js';
import { informationSchemaSequenceRows, pgDependRows, pgSequenceRows, sequenceClassRows } from '../sequences/sequence-system-views.js';
import { aclColumn, iamMappingRows, IAM_MAPPINGS_SPEC, ownerColumn, pgAuthidRows, pgAuthMembersRows, pgRolesRows, PG_AUTHID_SPEC, PG_AUTH_MEMBERS_SPEC, PG_ROLES_SPEC,
  tablePrivilegeRows, TABLE_PRIVILEGES_SPEC } from '../roles/role-system-views.js';
import { attrdefOid, constraintOid, DEFAULT_COLLATION_OID, C_COLLATION_OID, deparsedDefault, expressionText, indexDefinition, quoteIdent } from './catalog-objects.js';
import {
  constraintColumnUsageRows, foreignKeyConstraintRows, hasForeignKeyTriggers, keyColumnUsageRows, NOT_A_FOREIGN_KEY, referentialConstraintRows, foreignKeyTableConstraintRows,
} from './foreign-key-catalog.js';
import { pgRewriteRows, PG_REWRITE_SPEC } from './relation-text.js';
import { COLUMNS_SPEC, informationSchemaColumnRows } from './information-schema-columns.js';
import { defaultBtreeOpclass } from './opclass-catalog.js';
import { pgStatUserIndexesRows, PG_STAT_USER_INDEXES_SPEC } from './index-statistics-catalog.js';
import { INT2VECTOR, OIDVECTOR } from '../types/vectors.js';
import { DUMP_RELATIONS } from './dump-catalog.js';
import { pgLanguageRows, pgProcRows, PG_LANGUAGE_SPEC, PG_PROC_SPEC } from './function-catalog.js';
import { attributeType, checkConstraintRows, checkConstraintViewRows, domainTypeRows, generatedAdbin, tableConstraintViewRows } from './check-catalog.js';
import { attributeNumbers } from '../sql/tuple-layout.js';
import { pgDescriptionRows, pgShdescriptionRows, PG_DESCRIPTION_SPEC, PG_SHDESCRIPTION_SPEC } from '../comments/comment-system-views.js';
import { viewUpdatability } from '../sql/view-modify.js';
import { parameterRows, PARAMETERS_SPEC, routineRows, ROUTINES_SPEC } from './routine-catalog.js';
import { rowTypeOid, rowTypeRows, type RowTypeRelation } from './row-type-catalog.js';

const yesNo = (b: boolean): string => (b ? 'YES' : 'NO');

/**
 * System views computed from the catalog snapshot: the pg_catalog and information_schema rows
 * that psql's \dt / \d / \di / \dn / \l and drivers' type handling read. Each is a plain
 * function of the snapshot, so they always agree with the catalog the transaction sees.
 * Catalogs of features Strata does not have (policies, publications, inheritance, extended
 * statistics) exist and are empty, which is the true answer for them.
 */
export const ADMIN_OID = 10;

const SPEC_TYPES: Record<string, number> = {
  oid: TypeOid.oid, name: TypeOid.name, text: TypeOid.text, char: TypeOid.char, bool: TypeOid.bool,
  int2: TypeOid.int2, int4: TypeOid.int4, int8: TypeOid.int8, float4: TypeOid.float4, timestamptz: TypeOid.timestamptz,
  varchar: TypeOid.varchar, 'text[]': TypeOid.textArray, 'int2[]': TypeOid.int2Array, 'oid[]': TypeOid.oidArray,
  int2vector: INT2VECTOR, oidvector: OIDVECTOR,
};

function columns(spec: string): VirtualColumn[] {
  return spec.trim().split(/\s*,\s*/).map((part) => {
    const [name, type] = part.split(/\s+/);
    const oid = SPEC_TYPES[type!];
    if (oid === undefined) throw new Error(`virtual column type ${type} is not mapped`);
    return { name: name!, oid };
  });
}

function table(oid: number, schema: string, name: string, spec: string, rows: VirtualTable['rows']): VirtualTable {
  return { oid, schema, name, columns: columns(spec), rows };
}

const empty = (): SqlValue[][] => [];

function namespaceOid(catalog: CatalogSnapshot, schema: string): number {
  return catalog.schema(schema)?.oid ?? 0;
}

/** Collation of a column as pg_attribute shows it: "default" for text types, "C" for name. */
export function columnCollation(typeOid: number): number {
  if (!types.isCollatable(typeOid)) return 0;
  return typeOid === TypeOid.name ? C_COLLATION_OID : DEFAULT_COLLATION_OID;
}

function classRows(catalog: CatalogSnapshot): SqlValue[][] {
  const rows: SqlValue[][] = [];
  // oid relname relnamespace reltype relowner relam relkind relpersistence relhasindex relispartition relnatts
  // reltuples relhasrules relhastriggers relrowsecurity relforcerowsecurity relreplident reloptions relacl
  // reltablespace relpages relchecks relispopulated relhassubclass relpartbound reloftype reltoastrelid
  for (const t of catalog.allTables()) {
    const ns = namespaceOid(catalog, t.schema);
    const owner = ownerColumn(catalog, t.id);
    rows.push([t.id, t.name, ns, rowTypeOid(t.id), owner, 2, 'r', 'p', t.indexes.length > 0, false, t.columns.length, -1, false, hasForeignKeyTriggers(catalog, t), false, false, 'd', null, aclColumn(catalog, t.id), 0, 0, t.checks?.length ?? 0, true, false, null, 0, 0]);
    for (const i of t.indexes) rows.push([i.oid, i.name, ns, 0, owner, 403, 'i', 'p', false, false, i.columns.length + i.include.length, -1, false, false, false, false, 'n', null, null, 0, 0, 0, true, false, null, 0, 0]);
  }
  rows.push(...sequenceClassRows(catalog, (schema) => namespaceOid(catalog, schema), ADMIN_OID, (oid) => aclColumn(catalog, oid)));
  for (const view of catalog.allViews()) {
    rows.push([view.id, view.name, namespaceOid(catalog, view.schema), rowTypeOid(view.id), ownerColumn(catalog, view.id), 0, 'v', 'p', false, false, view.columns.length, -1, true, false, false, false, 'n', null, aclColumn(catalog, view.id), 0, 0, 0, true, false, null, 0, 0]);
  }
  for (const v of TABLES) {
    const kind = v.schema === 'pg_catalog' ? 'r' : 'v';
    rows.push([v.oid, v.name, namespaceOid(catalog, v.schema), rowTypeOid(v.oid), ADMIN_OID, kind === 'r' ? 2 : 0, kind, 'p', false, false, v.columns.length, -1, false, false, false, false, kind === 'r' ? 'd' : 'n', null, null, 0, 0, 0, true, false, null, 0, 0]);
  }
  return rows;
}

/** The relations with a row type (row-type-catalog.ts): tables, views and the system relations. */
function rowTypeRelations(catalog: CatalogSnapshot): RowTypeRelation[] {
  const relation = (oid: number, schema: string, name: string, owner: number) => ({ oid, name, namespace: namespaceOid(catalog, schema), owner });
  return [...[...catalog.allTables()].map((t) => relation(t.id, t.schema, t.name, ownerColumn(catalog, t.id))),
    ...[...catalog.allViews()].map((v) => relation(v.id, v.schema, v.name, ownerColumn(catalog, v.id))),
    ...TABLES.map((v) => relation(v.oid, v.schema, v.name, ADMIN_OID))];
}

/** The relation (table, view or system relation) a row type belongs to, by the relation's oid. */
export function rowTypeRelationById(catalog: CatalogSnapshot, relid: number): { schema: string; name: string } | undefined {
  const table = catalog.tableById(relid);
  if (table) return table;
  return [...catalog.allViews()].find((v) => v.id === relid) ?? BY_OID.get(relid);
}

/** pg_tables: pg_class's rows of relkind 'r' (relname, relnamespace, relowner, relhasindex, relhasrules, relhastriggers, relrowsecurity). */
function tableRows(catalog: CatalogSnapshot): SqlValue[][] {
  const schemaNames = new Map([...catalog.allSchemas()].map((s) => [s.oid, s.name]));
  return classRows(catalog).filter((row) => row[6] === 'r').map((row) =>
    [schemaNames.get(row[2] as number) ?? null, row[1]!, catalog.access.roleName(row[4] as number), null, row[8]!, row[12]!, row[13]!, row[14]!]);
}

/** Variable-length types PostgreSQL keeps inline (typstorage 'm'); the others are 'x'. */
const MAIN_STORAGE = new Set<number>([TypeOid.numeric, 869, 650]);

/**
 * pg_class.relfrozenxid and relminmxid: Strata has no transaction ids to freeze (versions are
 * timestamps and expire with the 5-minute transaction limit), so both are InvalidTransactionId.
 * The columns are `oid` because Strata has no xid type; both are unsigned 32-bit numbers.
 */
const NO_TRANSACTION_IDS = [0, 0];

/** pg_type.typalign of a type: fixed lengths align to their size, variable ones to int4 (as PostgreSQL's varlena types, including numeric and text). */
function typeAlignment(typeOid: number): string {
  const length = types.typeLength(typeOid);
  if (length === 1 || length === 64) return 'c'; // bool, "char", name
  if (length === 2) return 's';
  if (length === 8 || typeOid === TypeOid.interval || typeOid === TypeOid.timetz) return 'd';
  if (length === 16) return 'c'; // uuid
  return 'i';
}

function typeStorage(typeOid: number): string {
  return types.typeLength(typeOid) !== -1 ? 'p' : MAIN_STORAGE.has(typeOid) ? 'm' : 'x';
}

function attributeRow(relid: number, name: string, typeOid: number, typmod: number, attnum: number, notNull: boolean, hasDefault: boolean, collation: number, generated = '', identity = '',
  storageSet?: string): SqlValue[] {
  // attrelid attname atttypid attnum attlen atttypmod attnotnull atthasdef attisdropped attidentity attgenerated
  // attcollation attstattarget attstorage attcompression attislocal attinhcount attndims
  const storage = storageSet ?? typeStorage(typeOid);
  return [relid, name, typeOid, attnum, types.typeLength(typeOid), typmod, notNull, hasDefault, false, identity, generated, collation, -1, storage, '', true, 0, 0, null];
}

/** A dropped column's attribute, as PostgreSQL keeps it: its number, no name or type, its old length and collation. */
function droppedAttributeRow(relid: number, slot: number, typeOid: number): SqlValue[] {
  const row = attributeRow(relid, `........pg.dropped.${slot + 1}........`, typeOid, -1, slot + 1, false, false, columnCollation(typeOid));
  row[2] = 0;
  row[8] = true;
  row[12] = 0;
  return row;
}

function attributeRows(catalog: CatalogSnapshot): SqlValue[][] {
  const rows: SqlValue[][] = [];
  for (const t of catalog.allTables()) {
    const attnums = attributeNumbers(t);
    for (const dropped of t.droppedColumns ?? []) rows.push(droppedAttributeRow(t.id, dropped.slot, dropped.typeOid));
    t.columns.forEach((c, i) => {
      const shown = attributeType(c);
      const row = attributeRow(t.id, c.name, shown.typeOid, shown.typmod, attnums[i]!, c.notNull, hasDefault(c.defaultText) || shown.generated !== '', columnCollation(c.typeOid), shown.generated, c.identity?.generation, c.storage);
      row[row.length - 1] = c.acl ? formatAcl(c.acl, catalog.access) : null; // attacl
      rows.push(row);
    });
    for (const index of t.indexes) {
      [...index.columns, ...index.include].forEach((p, i) => {
        const c = t.columns[p]!;
        rows.push(attributeRow(index.oid, c.name, c.typeOid, c.typmod, i + 1, false, false, columnCollation(c.typeOid)));
      });
    }
  }
  for (const view of catalog.allViews()) view.columns.forEach((c, i) => rows.push(attributeRow(view.id, c.name, c.typeOid, c.typmod, i + 1, false, false, columnCollation(c.typeOid))));
  for (const v of TABLES) v.columns.forEach((c, i) => rows.push(attributeRow(v.oid, c.name, c.oid, -1, i + 1, false, false, columnCollation(c.oid))));
  return rows;
}

/** PostgreSQL stores no pg_attrdef row for DEFAULT NULL. */
function hasDefault(defaultText: string | null): boolean {
  return defaultText !== null && defaultText.trim().toUpperCase() !== 'NULL';
}

/**
 * information_schema.columns.column_default: pg_get_expr's text of the default, as PostgreSQL
 * answers; a default whose form that printer does not cover shows as written (docs/sql.md).
 */
function columnDefault(defaultText: string | null, typeOid: number, typmod: number): string | null {
  if (!hasDefault(defaultText)) return null;
  const adbin = deparsedDefault(defaultText!, typeOid, typmod);
  try {
    return expressionText(adbin);
  } catch {
    return defaultText;
  }
}

function attrdefRows(catalog: CatalogSnapshot): SqlValue[][] {
  const rows: SqlValue[][] = [];
  for (const t of catalog.allTables()) {
    const attnums = attributeNumbers(t);
    t.columns.forEach((c, i) => {
      const attnum = attnums[i]!;
      if (hasDefault(c.defaultText)) rows.push([attrdefOid(t.id, attnum), t.id, attnum, deparsedDefault(c.defaultText!, c.typeOid, c.typmod)]);
      else if (c.generatedText) rows.push([attrdefOid(t.id, attnum), t.id, attnum, generatedAdbin(t.id, attnum)]);
    });
  }
  return rows;
}

function indexRows(catalog: CatalogSnapshot): SqlValue[][] {
  const rows: SqlValue[][] = [];
  for (const t of catalog.allTables()) {
    for (const i of t.indexes) {
      const keys = [...i.columns, ...i.include].map((p) => attributeNumbers(t)[p]);
      // One entry per key column (INCLUDE columns have none), as PostgreSQL's: collation, btree class, no DESC/NULLS FIRST.
      const keyTypes = i.columns.map((p) => t.columns[p]!.typeOid);
      rows.push([i.oid, t.id, i.columns.length + i.include.length, i.columns.length, i.unique, i.primary, false, true, false, i.valid, true, true, false,
        `{${keys.join(',')}}`, `{${keyTypes.map(columnCollation).join(',')}}`, `{${keyTypes.map(defaultBtreeOpclass).join(',')}}`, `{${keyTypes.map(() => 0).join(',')}}`,
        i.nullsNotDistinct, null, null]);
    }
  }
  return rows;
}

function constraintRows(catalog: CatalogSnapshot): SqlValue[][] {
  const rows: SqlValue[][] = [];
  for (const t of catalog.allTables()) {
    for (const i of t.indexes) {
      if (!i.constraintName) continue;
      const conkey = `{${i.columns.map((p) => attributeNumbers(t)[p]).join(',')}}`;
      // oid conname connamespace contype condeferrable condeferred convalidated conrelid contypid conindid
      // conparentid confrelid conkey conislocal coninhcount connoinherit
      rows.push([constraintOid(i), i.constraintName, namespaceOid(catalog, t.schema), i.primary ? 'p' : 'u', false, false, true, t.id, 0, i.oid, 0, 0, conkey, true, 0, true,
        ...NOT_A_FOREIGN_KEY]);
    }
  }
  rows.push(...checkConstraintRows(catalog, (schema) => namespaceOid(catalog, schema)).map((row) => [...row, ...NOT_A_FOREIGN_KEY]));
  rows.push(...foreignKeyConstraintRows(catalog));
  return rows;
}

/** The constraint an index backs, with its table (pg_get_constraintdef's lookup). */
export function constraintByOid(catalog: CatalogSnapshot, oid: number): { table: TableInfo; index: IndexInfo } | undefined {
  for (const t of catalog.allTables()) {
    for (const i of t.indexes) if (i.constraintName && constraintOid(i) === oid) return { table: t, index: i };
  }
  return undefined;
}

const TABLES: VirtualTable[] = [
  table(2615, 'pg_catalog', 'pg_namespace', 'oid oid, nspname name, nspowner oid, nspacl text[]', (catalog) =>
    [...catalog.allSchemas()].map((s) => [s.oid, s.name, ownerColumn(catalog, s.oid), aclColumn(catalog, s.oid)])),
  table(1259, 'pg_catalog', 'pg_class', `oid oid, relname name, relnamespace oid, reltype oid, relowner oid, relam oid,
    relkind char, relpersistence char, relhasindex bool, relispartition bool, relnatts int2, reltuples float4,
    relhasrules bool, relhastriggers bool, relrowsecurity bool, relforcerowsecurity bool, relreplident char, reloptions text[], relacl text[],
    reltablespace oid, relpages int4, relchecks int2, relispopulated bool, relhassubclass bool, relpartbound text, reloftype oid, reltoastrelid oid,
    relfrozenxid oid, relminmxid oid`, (catalog) => classRows(catalog).map((row) => [...row, ...NO_TRANSACTION_IDS])),
  table(1249, 'pg_catalog', 'pg_attribute', `attrelid oid, attname name, atttypid oid, attnum int2, attlen int2, atttypmod int4, attnotnull bool,
    atthasdef bool, attisdropped bool, attidentity char, attgenerated char, attcollation oid, attstattarget int2, attstorage char, attcompression char,
    attislocal bool, attinhcount int4, attndims int4, attacl text[], attalign char, attoptions text[], attfdwoptions text[], atthasmissing bool, attmissingval text`, (catalog) =>
    attributeRows(catalog).map((row) => [...row, typeAlignment(row[2] as number), null, null, false, null])),
  table(2604, 'pg_catalog', 'pg_attrdef', 'oid oid, adrelid oid, adnum int2, adbin text', attrdefRows),
  table(2610, 'pg_catalog', 'pg_index', `indexrelid oid, indrelid oid, indnatts int2, indnkeyatts int2, indisunique bool, indisprimary bool,
    indisexclusion bool, indimmediate bool, indisclustered bool, indisvalid bool, indisready bool, indislive bool, indisreplident bool, indkey int2vector, indcollation oidvector, indclass oidvector, indoption int2vector, indnullsnotdistinct bool, indexprs text, indpred text`, indexRows),
  table(2606, 'pg_catalog', 'pg_constraint', `oid oid, conname name, connamespace oid, contype char, condeferrable bool, condeferred bool, convalidated bool,
    conrelid oid, contypid oid, conindid oid, conparentid oid, confrelid oid, conkey int2[], conislocal bool, coninhcount int4, connoinherit bool,
    confkey int2[], confupdtype char, confdeltype char, confmatchtype char`, constraintRows),
  table(1247, 'pg_catalog', 'pg_type', 'oid oid, typname name, typnamespace oid, typowner oid, typlen int2, typbyval bool, typtype char, typcategory char, typisdefined bool, typdelim char, typrelid oid, typelem oid, typarray oid, typbasetype oid, typtypmod int4, typnotnull bool, typcollation oid, typdefault text, typstorage char, typacl text[]', (catalog) =>
    [...types.allTypes().map((t) => [t.oid, t.name, 11, ADMIN_OID, t.length, t.length > 0 && t.length <= 8, t.category === 'P' || t.oid === TypeOid.unknown ? 'p' : 'b', t.category, true, ',', 0, t.element, t.array, 0, -1, false, columnCollation(t.oid), null]),
      ...domainTypeRows(catalog, (schema) => namespaceOid(catalog, schema), ADMIN_OID, columnCollation)].map((row) => [...row, typeStorage((row[13] as number) || (row[0] as number)), null])
      .concat(rowTypeRows(rowTypeRelations(catalog)))),
  table(3456, 'pg_catalog', 'pg_collation', 'oid oid, collname name, collnamespace oid, collowner oid, collprovider char, collisdeterministic bool, collencoding int4, collcollate text, collctype text, colliculocale text, collversion text', () =>
    [[DEFAULT_COLLATION_OID, 'default', 11, ADMIN_OID, 'd', true, -1, null, null, null, null], [C_COLLATION_OID, 'C', 11, ADMIN_OID, 'c', true, -1, 'C', 'C', null, null],
      [951, 'POSIX', 11, ADMIN_OID, 'c', true, -1, 'POSIX', 'POSIX', null, null]]),
  table(1262, 'pg_catalog', 'pg_database', `oid oid, datname name, datdba oid, encoding int4, datlocprovider char, datistemplate bool, datallowconn bool,
    datconnlimit int4, datcollate text, datctype text, daticulocale text, datcollversion text, datacl text[], dattablespace oid`, () =>
    [[5, 'postgres', ADMIN_OID, 6, 'c', false, true, -1, 'C', 'C', null, null, null, 1663]]),
  table(12002, 'pg_catalog', 'pg_roles', PG_ROLES_SPEC, pgRolesRows),
  table(1260, 'pg_catalog', 'pg_authid', PG_AUTHID_SPEC, pgAuthidRows),
  table(1261, 'pg_catalog', 'pg_auth_members', PG_AUTH_MEMBERS_SPEC, pgAuthMembersRows),
  table(13301, 'sys', 'iam_pg_role_mappings', IAM_MAPPINGS_SPEC, iamMappingRows),
  table(13207, 'information_schema', 'table_privileges', TABLE_PRIVILEGES_SPEC, (catalog, session) => tablePrivilegeRows(catalog, session.user, true)),
  table(13208, 'information_schema', 'role_table_grants', TABLE_PRIVILEGES_SPEC, (catalog, session) => tablePrivilegeRows(catalog, session.user, false)),
  table(13219, 'information_schema', 'column_privileges', COLUMN_PRIVILEGES_SPEC, (catalog, session) => columnPrivilegeRows(catalog, session.user)),
  table(1255, 'pg_catalog', 'pg_proc', PG_PROC_SPEC, pgProcRows),
  table(2612, 'pg_catalog', 'pg_language', PG_LANGUAGE_SPEC, () => pgLanguageRows(ADMIN_OID)),
  table(2618, 'pg_catalog', 'pg_rewrite', PG_REWRITE_SPEC, pgRewriteRows),
  table(2601, 'pg_catalog', 'pg_am', 'oid oid, amname name, amhandler oid, amtype char', () => [[2, 'heap', 0, 't'], [403, 'btree', 0, 'i']]),
  table(2609, 'pg_catalog', 'pg_description', PG_DESCRIPTION_SPEC, pgDescriptionRows),
  table(2396, 'pg_catalog', 'pg_shdescription', PG_SHDESCRIPTION_SPEC, pgShdescriptionRows),
  table(3256, 'pg_catalog', 'pg_policy', 'oid oid, polname name, polrelid oid, polcmd char, polpermissive bool, polroles oid[], polqual text, polwithcheck text', empty),
  table(3381, 'pg_catalog', 'pg_statistic_ext', 'oid oid, stxrelid oid, stxname name, stxnamespace oid, stxowner oid, stxstattarget int4, stxkeys int2[], stxkind text[]', empty),
  table(6104, 'pg_catalog', 'pg_publication', 'oid oid, pubname name, pubowner oid, puballtables bool, pubinsert bool, pubupdate bool, pubdelete bool, pubtruncate bool, pubviaroot bool', empty),
  table(6237, 'pg_catalog', 'pg_publication_namespace', 'oid oid, pnpubid oid, pnnspid oid', empty),
  table(6106, 'pg_catalog', 'pg_publication_rel', 'oid oid, prpubid oid, prrelid oid, prqual text, prattrs int2[]', empty),
  table(2611, 'pg_catalog', 'pg_inherits', 'inhrelid oid, inhparent oid, inhseqno int4, inhdetachpending bool', empty),
  table(2620, 'pg_catalog', 'pg_trigger', 'oid oid, tgrelid oid, tgparentid oid, tgname name, tgfoid oid, tgenabled char, tgisinternal bool, tgconstraint oid', empty),
  // PostgreSQL 15's columns; the typed-table and temporary-table ones are always NULL in Strata (DSQL has neither).
  table(13200, 'information_schema', 'tables', `table_catalog name, table_schema name, table_name name, table_type varchar, self_referencing_column_name name,
    reference_generation varchar, user_defined_type_catalog name, user_defined_type_schema name, user_defined_type_name name, is_insertable_into varchar,
    is_typed varchar, commit_action varchar`, (catalog) =>
    [...[...catalog.allTables()].map((t) => ['postgres', t.schema, t.name, 'BASE TABLE', null, null, null, null, null, 'YES', 'NO', null]),
      ...[...catalog.allViews()].map((v) => ['postgres', v.schema, v.name, 'VIEW', null, null, null, null, null, yesNo(viewUpdatability(v, catalog).insertable), 'NO', null])]),
  table(13203, 'information_schema', 'views', 'table_catalog name, table_schema name, table_name name, view_definition varchar, check_option varchar, is_updatable varchar, is_insertable_into varchar', (catalog) =>
    [...catalog.allViews()].map((v) => {
      const { insertable, updatable } = viewUpdatability(v, catalog);
      return ['postgres', v.schema, v.name, v.definition, v.checkOption ? v.checkOption.toUpperCase() : 'NONE', yesNo(updatable), yesNo(insertable)];
    })),
  // Every index pg_index lists (still-building ones too, as PostgreSQL lists invalid ones), with
  // pg_get_indexdef's text; the table always schema-qualified, as PostgreSQL's view prints it.
  table(12003, 'pg_catalog', 'pg_indexes', 'schemaname name, tablename name, indexname name, tablespace name, indexdef text', (catalog) =>
    [...catalog.allTables()].flatMap((t) => t.indexes.map((i) => [t.schema, t.name, i.name, null,
      indexDefinition(t, i, `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`)]))),
  // pg_class's ordinary tables (relkind 'r': the user's and the pg_catalog relations it lists), as PostgreSQL's view reads them.
  table(12001, 'pg_catalog', 'pg_tables', 'schemaname name, tablename name, tableowner name, tablespace name, hasindexes bool, hasrules bool, hastriggers bool, rowsecurity bool',
    tableRows),
  // DSQL has no materialized views.
  table(13442, 'pg_catalog', 'pg_matviews', 'schemaname name, matviewname name, matviewowner name, tablespace name, hasindexes bool, ispopulated bool, definition text', empty),
  table(12000, 'pg_catalog', 'pg_views', 'schemaname name, viewname name, viewowner name, definition text', (catalog) =>
    [...catalog.allViews()].map((v) => [v.schema, v.name, catalog.access.roleName(ownerColumn(catalog, v.id)), v.definition])),
  table(13201, 'information_schema', 'columns', COLUMNS_SPEC, (catalog) => informationSchemaColumnRows(catalog, columnDefault)),
  table(13204, 'information_schema', 'check_constraints', 'constraint_catalog name, constraint_schema name, constraint_name name, check_clause varchar', (catalog) =>
    checkConstraintViewRows(catalog, (schema) => namespaceOid(catalog, schema))),
  table(13205, 'information_schema', 'table_constraints', `constraint_catalog name, constraint_schema name, constraint_name name, table_catalog name, table_schema name,
    table_name name, constraint_type varchar, is_deferrable varchar, initially_deferred varchar, enforced varchar, nulls_distinct varchar`, (catalog) =>
    [...tableConstraintViewRows(catalog, (schema) => namespaceOid(catalog, schema)), ...foreignKeyTableConstraintRows(catalog)]),
  table(2224, 'pg_catalog', 'pg_sequence', 'seqrelid oid, seqtypid oid, seqstart int8, seqincrement int8, seqmax int8, seqmin int8, seqcache int8, seqcycle bool', pgSequenceRows),
  table(2608, 'pg_catalog', 'pg_depend', 'classid oid, objid oid, objsubid int4, refclassid oid, refobjid oid, refobjsubid int4, deptype char', pgDependRows),
  table(13206, 'information_schema', 'sequences', `sequence_catalog name, sequence_schema name, sequence_name name, data_type varchar, numeric_precision int4,
    numeric_precision_radix int4, numeric_scale int4, start_value varchar, minimum_value varchar, maximum_value varchar, increment varchar, cycle_option varchar`, informationSchemaSequenceRows),
  table(13211, 'information_schema', 'key_column_usage', `constraint_catalog name, constraint_schema name, constraint_name name, table_catalog name, table_schema name,
    table_name name, column_name name, ordinal_position int4, position_in_unique_constraint int4`, keyColumnUsageRows),
  table(13212, 'information_schema', 'referential_constraints', `constraint_catalog name, constraint_schema name, constraint_name name, unique_constraint_catalog name,
    unique_constraint_schema name, unique_constraint_name name, match_option varchar, update_rule varchar, delete_rule varchar`, referentialConstraintRows),
  table(13213, 'information_schema', 'constraint_column_usage', `table_catalog name, table_schema name, table_name name, column_name name, constraint_catalog name,
    constraint_schema name, constraint_name name`, constraintColumnUsageRows),
  table(13181, 'information_schema', 'routines', ROUTINES_SPEC, (catalog, session) => routineRows(catalog, session.user)),
  table(13175, 'information_schema', 'parameters', PARAMETERS_SPEC, (catalog, session) => parameterRows(catalog, session.user)),
  table(13202, 'information_schema', 'schemata', 'catalog_name name, schema_name name, schema_owner name', (catalog) =>
    [...catalog.allSchemas()].map((s) => ['postgres', s.name, BUILTIN_SCHEMAS.some((b) => b.name === s.name) ? 'rdsadmin' : 'admin'])),
  table(12015, 'pg_catalog', 'pg_stat_user_indexes', PG_STAT_USER_INDEXES_SPEC, pgStatUserIndexesRows),
  ...DUMP_RELATIONS.map((r) => table(r.oid, 'pg_catalog', r.name, r.spec, r.rows)),
];

const BY_NAME = new Map<string, VirtualTable>(TABLES.map((t) => [`${t.schema}.${t.name}`, t]));
const BY_OID = new Map<number, VirtualTable>(TABLES.map((t) => [t.oid, t]));

export function virtualTable(schema: string | null, name: string): VirtualTable | undefined {
  return BY_NAME.get(`${schema ?? 'pg_catalog'}.${name}`);
}

export function virtualTableByOid(oid: number): VirtualTable | undefined {
  return BY_OID.get(oid);
}

/** sys.jobs is per-host state, registered by the query processor. */
export function jobsTable(list: () => { jobId: string; status: string; details: string | null; jobType: string; objectId: number; objectName: string; startTime: number | null; updateTime: number | null }[]): VirtualTable {
  return table(13300, 'sys', 'jobs', 'job_id text, status text, details text, job_type text, class_id oid, object_id oid, object_name text, start_time timestamptz, update_time timestamptz', () =>
    list().map((j) => [j.jobId, j.status, j.details, j.jobType, 1259, j.objectId, j.objectName, j.startTime === null ? null : types.timestampFromUnixMicros(j.startTime), j.updateTime === null ? null : types.timestampFromUnixMicros(j.updateTime)]));
}
