import { PG_DEFAULT_ACL_SPEC, pgDefaultAclRows } from '../roles/default-privileges.js';
import { SqlError } from '../../contracts/errors.js';
import type { SqlValue } from '../../contracts/sql-value.js';
import { BUILTIN_SCHEMAS, type CatalogSnapshot } from '../catalog/catalog.js';
import { formatAcl } from '../roles/acl.js';
import { builtinSchemaAcl } from '../roles/object-privileges.js';
import type { VirtualTableSession } from '../sql/relations.js';
import { settingDefinitions } from '../settings.js';
import { ownerColumn, pgRolesRows } from '../roles/role-system-views.js';
import { pgOpclassRows } from './opclass-catalog.js';

/**
 * The catalogs pg_dump reads beyond those psql needs (docs/sql.md, "Introspection"). Most list
 * kinds of object a user cannot create in Strata (DSQL refuses CREATE EXTENSION, OPERATOR,
 * CAST, TEXT SEARCH …, FOREIGN DATA WRAPPER, EVENT TRIGGER, SUBSCRIPTION), so they hold no user
 * rows. PostgreSQL's built-in rows of these catalogs are not listed either: Strata's built-ins
 * are code, not catalog rows, and pg_dump skips built-ins anyway (by the pg_catalog namespace or
 * by oid below 16384), so its output is the same.
 */
export interface SystemRelation {
  readonly oid: number;
  readonly name: string;
  readonly spec: string;
  readonly rows: (catalog: CatalogSnapshot, session: VirtualTableSession) => SqlValue[][];
}

const none = (): SqlValue[][] => [];

/** PostgreSQL's two tablespaces; Strata stores every relation in the default one (reltablespace 0). */
const TABLESPACE_ROWS: SqlValue[][] = [[1663, 'pg_default', 10, null, null], [1664, 'pg_global', 10, null, null]];

/**
 * pg_tablespace_location(oid): PostgreSQL answers '' for its two built-in tablespaces (they live
 * in the data directory); they are the only ones Strata has (DSQL refuses CREATE TABLESPACE).
 */
export function tablespaceLocation(oid: number): string {
  if (TABLESPACE_ROWS.some((row) => row[0] === oid)) return '';
  throw new SqlError('42704', `tablespace with OID ${oid} does not exist`);
}

export const DUMP_RELATIONS: readonly SystemRelation[] = [
  { oid: 12010, name: 'pg_settings', spec: 'name text, setting text, unit text, context text, vartype text, source text, boot_val text, reset_val text, pending_restart bool', rows: settingRows },
  { oid: 12011, name: 'pg_user', spec: 'usename name, usesysid oid, usecreatedb bool, usesuper bool, userepl bool, usebypassrls bool, passwd text, valuntil timestamptz, useconfig text[]', rows: userRows },
  // drizzle-kit's introspection reads it. last_value is left out: it lives on the storage nodes, not in the catalog.
  { oid: 12013, name: 'pg_sequences', spec: `schemaname name, sequencename name, sequenceowner name, data_type text, start_value int8, min_value int8,
    max_value int8, increment_by int8, cycle bool, cache_size int8`, rows: sequenceRows },
  { oid: 12012, name: 'pg_seclabels', spec: 'objoid oid, classoid oid, objsubid int4, objtype text, objnamespace oid, objname text, provider text, label text', rows: none },
  { oid: 1213, name: 'pg_tablespace', spec: 'oid oid, spcname name, spcowner oid, spcacl text[], spcoptions text[]', rows: () => TABLESPACE_ROWS },
  // DSQL refuses CREATE TYPE (enums included) and CREATE POLICY.
  // Large objects do not exist in DSQL: psql's \lo_list lists none.
  { oid: 2995, name: 'pg_largeobject_metadata', spec: 'oid oid, lomowner oid, lomacl text[]', rows: none },
  { oid: 3501, name: 'pg_enum', spec: 'oid oid, enumtypid oid, enumsortorder float4, enumlabel name', rows: none },
  { oid: 12014, name: 'pg_policies', spec: 'schemaname name, tablename name, policyname name, permissive text, roles text[], cmd text, qual text, with_check text', rows: none },
  { oid: 3079, name: 'pg_extension', spec: 'oid oid, extname name, extowner oid, extnamespace oid, extrelocatable bool, extversion text, extconfig oid[], extcondition text[]', rows: none },
  { oid: 3394, name: 'pg_init_privs', spec: 'objoid oid, classoid oid, objsubid int4, privtype char, initprivs text[]', rows: initialPrivilegeRows },
  { oid: 2617, name: 'pg_operator', spec: `oid oid, oprname name, oprnamespace oid, oprowner oid, oprkind char, oprcanmerge bool, oprcanhash bool, oprleft oid,
    oprright oid, oprresult oid, oprcom oid, oprnegate oid, oprcode oid`, rows: none },
  { oid: 2616, name: 'pg_opclass', spec: 'oid oid, opcmethod oid, opcname name, opcnamespace oid, opcowner oid, opcfamily oid, opcintype oid, opcdefault bool, opckeytype oid', rows: pgOpclassRows },
  { oid: 2753, name: 'pg_opfamily', spec: 'oid oid, opfmethod oid, opfname name, opfnamespace oid, opfowner oid', rows: none },
  { oid: 2602, name: 'pg_amop', spec: `oid oid, amopfamily oid, amoplefttype oid, amoprighttype oid, amopstrategy int2, amoppurpose char, amopopr oid,
    amopmethod oid, amopsortfamily oid`, rows: none },
  { oid: 2603, name: 'pg_amproc', spec: 'oid oid, amprocfamily oid, amproclefttype oid, amprocrighttype oid, amprocnum int2, amproc oid', rows: none },
  { oid: 3601, name: 'pg_ts_parser', spec: 'oid oid, prsname name, prsnamespace oid, prsstart oid, prstoken oid, prsend oid, prsheadline oid, prslextype oid', rows: none },
  { oid: 3764, name: 'pg_ts_template', spec: 'oid oid, tmplname name, tmplnamespace oid, tmplinit oid, tmpllexize oid', rows: none },
  { oid: 3600, name: 'pg_ts_dict', spec: 'oid oid, dictname name, dictnamespace oid, dictowner oid, dicttemplate oid, dictinitoption text', rows: none },
  { oid: 3602, name: 'pg_ts_config', spec: 'oid oid, cfgname name, cfgnamespace oid, cfgowner oid, cfgparser oid', rows: none },
  { oid: 2328, name: 'pg_foreign_data_wrapper', spec: 'oid oid, fdwname name, fdwowner oid, fdwhandler oid, fdwvalidator oid, fdwacl text[], fdwoptions text[]', rows: none },
  { oid: 1417, name: 'pg_foreign_server', spec: 'oid oid, srvname name, srvowner oid, srvfdw oid, srvtype text, srvversion text, srvacl text[], srvoptions text[]', rows: none },
  { oid: 3118, name: 'pg_foreign_table', spec: 'ftrelid oid, ftserver oid, ftoptions text[]', rows: none },
  { oid: 826, name: 'pg_default_acl', spec: PG_DEFAULT_ACL_SPEC, rows: pgDefaultAclRows },
  { oid: 2607, name: 'pg_conversion', spec: 'oid oid, conname name, connamespace oid, conowner oid, conforencoding int4, contoencoding int4, conproc oid, condefault bool', rows: none },
  { oid: 2605, name: 'pg_cast', spec: 'oid oid, castsource oid, casttarget oid, castfunc oid, castcontext char, castmethod char', rows: none },
  { oid: 3541, name: 'pg_range', spec: 'rngtypid oid, rngsubtype oid, rngmultitypid oid, rngcollation oid, rngsubopc oid, rngcanonical oid, rngsubdiff oid', rows: none },
  { oid: 3576, name: 'pg_transform', spec: 'oid oid, trftype oid, trflang oid, trffromsql oid, trftosql oid', rows: none },
  { oid: 3466, name: 'pg_event_trigger', spec: 'oid oid, evtname name, evtevent name, evtowner oid, evtfoid oid, evtenabled char, evttags text[]', rows: none },
  { oid: 6100, name: 'pg_subscription', spec: `oid oid, subdbid oid, subname name, subowner oid, subenabled bool, subbinary bool, substream bool, subtwophasestate char,
    subdisableonerr bool, subconninfo text, subslotname name, subsynccommit text, subpublications text[]`, rows: none },
];

/**
 * pg_settings: the session's value of every setting Strata knows. Settings that SET refuses are
 * 'internal' (PostgreSQL's context for values fixed at build time); the others are 'user'.
 */
function settingRows(_catalog: CatalogSnapshot, session: VirtualTableSession): SqlValue[][] {
  const setting = session.setting;
  if (!setting) throw new SqlError('0A000', 'pg_settings in a correlated subquery is not supported');
  return settingDefinitions().map((d) => {
    const value = setting(d.key);
    return [d.name, value, null, d.fixed ? 'internal' : 'user', 'string', value === d.bootValue ? 'default' : 'session', d.bootValue, d.bootValue, false];
  });
}

/** pg_user: the roles that can log in, as PostgreSQL's view over pg_authid shows them. */
function userRows(catalog: CatalogSnapshot): SqlValue[][] {
  // pg_roles: rolname rolsuper rolinherit rolcreaterole rolcreatedb rolcanlogin rolreplication
  // rolconnlimit rolpassword rolvaliduntil rolbypassrls rolconfig oid
  return pgRolesRows(catalog).filter((r) => r[5] === true).map((r) => [r[0]!, r[12]!, r[4]!, r[1]!, r[6]!, r[10]!, '********', r[9]!, r[11]!]);
}

const NAMESPACE_CLASS_OID = 2615;

/**
 * pg_init_privs: the privileges built-in objects had when the cluster was made ('i', initdb's
 * mark). Of Strata's built-in objects only the schemas have catalog rows with an ACL; pg_dump
 * compares the current ACL with this one, so a GRANT on public is dumped and the built-in ACL is not.
 */
function initialPrivilegeRows(catalog: CatalogSnapshot): SqlValue[][] {
  return BUILTIN_SCHEMAS.map((schema) => [schema.oid, NAMESPACE_CLASS_OID, 0, 'i', formatAcl(builtinSchemaAcl(schema.oid), catalog.access)]);
}

/** pg_sequences: every sequence is bigint in Strata (DSQL's sequences), with its catalog options. */
function sequenceRows(catalog: CatalogSnapshot): SqlValue[][] {
  return [...catalog.allSequences()].map((s) => [s.schema, s.name, catalog.access.roleName(ownerColumn(catalog, s.id)), 'bigint',
    BigInt(s.start), BigInt(s.minValue), BigInt(s.maxValue), BigInt(s.increment), s.cycle, BigInt(s.cache)]);
}
