import type { SqlValue } from '../../contracts/sql-value.js';
import type { CatalogSnapshot } from '../catalog/catalog.js';
import { PUBLIC_OID, type RoleInfo } from './access-catalog.js';
import { LETTER_NAMES, formatAcl, type ObjectKind } from './acl.js';
import { aclOf, privilegesOf, shownAcl } from './object-privileges.js';
import { SqlError } from '../../contracts/errors.js';

/**
 * The catalog rows of roles and privileges: pg_roles, pg_authid, pg_auth_members,
 * sys.iam_pg_role_mappings, information_schema.table_privileges / role_table_grants, the
 * relacl/nspacl text, and has_table_privilege / has_schema_privilege. Each is a function of
 * the snapshot, as the other system views are.
 */

/** relacl / nspacl as text, or null while the object has its default ACL. */
export function aclColumn(catalog: CatalogSnapshot, oid: number): string | null {
  const acl = shownAcl(catalog, oid);
  return acl === null ? null : formatAcl(acl, catalog.access);
}

export function ownerColumn(catalog: CatalogSnapshot, oid: number): number {
  return catalog.access.ownerOf(oid);
}

function sortedRoles(catalog: CatalogSnapshot): RoleInfo[] {
  return catalog.access.allRoles().sort((a, b) => a.oid - b.oid);
}

/** rolname … rolconfig, oid: PostgreSQL 15's pg_roles columns in its order; admin creates roles and databases, no one is a superuser. */
export const PG_ROLES_SPEC = `rolname name, rolsuper bool, rolinherit bool, rolcreaterole bool, rolcreatedb bool, rolcanlogin bool, rolreplication bool,
  rolconnlimit int4, rolpassword text, rolvaliduntil timestamptz, rolbypassrls bool, rolconfig text[], oid oid`;
export function pgRolesRows(catalog: CatalogSnapshot): SqlValue[][] {
  return sortedRoles(catalog).map((r) => [r.name, false, r.inherit, r.createRole, r.createRole, r.login, false, -1, '********', null, false, null, r.oid]);
}

export const PG_AUTHID_SPEC = `oid oid, rolname name, rolsuper bool, rolinherit bool, rolcreaterole bool, rolcreatedb bool, rolcanlogin bool, rolreplication bool,
  rolbypassrls bool, rolconnlimit int4, rolpassword text, rolvaliduntil timestamptz`;
/** rolpassword is always NULL: roles authenticate with IAM tokens, never a password. */
export function pgAuthidRows(catalog: CatalogSnapshot): SqlValue[][] {
  return sortedRoles(catalog).map((r) => [r.oid, r.name, false, r.inherit, r.createRole, r.createRole, r.login, false, false, -1, null, null]);
}

export const PG_AUTH_MEMBERS_SPEC = 'roleid oid, member oid, grantor oid, admin_option bool';
export function pgAuthMembersRows(catalog: CatalogSnapshot): SqlValue[][] {
  return catalog.access.allMemberships().map((m) => [m.roleOid, m.memberOid, m.grantorOid, m.adminOption]);
}

export const IAM_MAPPINGS_SPEC = 'iam_oid oid, arn text, pg_role_oid oid, pg_role_name name, grantor_pg_role_oid oid, grantor_pg_role_name name';
export function iamMappingRows(catalog: CatalogSnapshot): SqlValue[][] {
  const access = catalog.access;
  return access.iamMappings().map((m) => [m.oid, m.arn, m.roleOid, access.roleName(m.roleOid), m.grantorOid, access.roleName(m.grantorOid)]);
}

export const TABLE_PRIVILEGES_SPEC = `grantor name, grantee name, table_catalog name, table_schema name, table_name name, privilege_type varchar,
  is_grantable varchar, with_hierarchy varchar`;
/**
 * information_schema.table_privileges: one row per privilege of an ACL item whose grantor or
 * grantee is a role the current user has the privileges of, or whose grantee is PUBLIC
 * (role_table_grants leaves PUBLIC out), in PostgreSQL's privilege order.
 */
export function tablePrivilegeRows(catalog: CatalogSnapshot, user: string, includePublic: boolean): SqlValue[][] {
  const access = catalog.access;
  const me = access.role(user);
  const mine = me ? access.privilegeRoles(me.oid) : new Set<number>();
  const rows: SqlValue[][] = [];
  const relations: { oid: number; schema: string; name: string; kind: ObjectKind }[] = [
    ...[...catalog.allTables()].map((t) => ({ oid: t.id, schema: t.schema, name: t.name, kind: 'table' as const })),
    ...[...catalog.allViews()].map((v) => ({ oid: v.id, schema: v.schema, name: v.name, kind: 'view' as const })),
  ];
  for (const relation of relations) {
    for (const item of aclOf(catalog, relation.oid, relation.kind)) {
      const visible = mine.has(item.grantor) || mine.has(item.grantee) || (includePublic && item.grantee === PUBLIC_OID);
      if (!visible) continue;
      const grantee = item.grantee === PUBLIC_OID ? 'PUBLIC' : access.roleName(item.grantee);
      for (const letter of 'rawdDxt') {
        if (!item.privileges.includes(letter)) continue;
        const grantable = item.grantOptions.includes(letter) || item.grantee === access.ownerOf(relation.oid);
        rows.push([access.roleName(item.grantor), grantee, 'postgres', relation.schema, relation.name, LETTER_NAMES[letter]!, grantable ? 'YES' : 'NO', letter === 'r' ? 'YES' : 'NO']);
      }
    }
  }
  return rows;
}

const PRIVILEGE_WORDS: Record<string, string> = {
  select: 'r', insert: 'a', update: 'w', delete: 'd', truncate: 'D', references: 'x', trigger: 't', usage: 'U', create: 'C', execute: 'X',
};

/** `'SELECT, INSERT WITH GRANT OPTION'` → required letters (any one suffices) with grant-option flags, as has_*_privilege reads it. */
function parsePrivilegeText(text: string, allowed: string): { letter: string; grantOption: boolean }[] {
  return text.split(',').map((part) => {
    const m = /^\s*(\w+)(\s+with\s+grant\s+option)?\s*$/i.exec(part);
    const letter = m ? PRIVILEGE_WORDS[m[1]!.toLowerCase()] : undefined;
    if (!m || letter === undefined || !allowed.includes(letter)) throw new SqlError('22023', `unrecognized privilege type: "${part.trim()}"`);
    return { letter, grantOption: m[2] !== undefined };
  });
}

export function checkPrivilegeText(catalog: CatalogSnapshot, roleOid: number, oid: number, kind: ObjectKind, text: string, allowed: string): boolean {
  const wanted = parsePrivilegeText(text, allowed);
  const held = privilegesOf(catalog, roleOid, oid, kind);
  return wanted.some((w) => (w.grantOption ? held.grantOptions : held.privileges).includes(w.letter));
}

/** has_table_privilege([user,] table, privilege): table by name (search path) or oid. */
export function hasTablePrivilege(catalog: CatalogSnapshot, searchPath: readonly string[], user: string | number, table: string | number, privilege: string): boolean | null {
  const roleOid = roleOidOf(catalog, user);
  const found = typeof table === 'number' ? relationById(catalog, table) : relationByName(catalog, searchPath, table);
  if (!found) {
    if (typeof table === 'number') return null;
    // A qualified name's schema is looked up first (RangeVarGetRelid).
    const schema = qualifyingSchema(table);
    if (schema !== null && !catalog.schema(schema)) throw new SqlError('3F000', `schema "${schema}" does not exist`);
    throw new SqlError('42P01', `relation "${table}" does not exist`);
  }
  return checkPrivilegeText(catalog, roleOid, found.oid, found.kind, privilege, 'rawdDxt');
}

/** has_schema_privilege([user,] schema, privilege). */
export function hasSchemaPrivilege(catalog: CatalogSnapshot, user: string | number, schemaName: string | number, privilege: string): boolean | null {
  const roleOid = roleOidOf(catalog, user);
  const schema = typeof schemaName === 'number' ? [...catalog.allSchemas()].find((s) => s.oid === schemaName) : catalog.schema(schemaName);
  if (!schema) {
    if (typeof schemaName === 'number') return null;
    throw new SqlError('3F000', `schema "${schemaName}" does not exist`);
  }
  return checkPrivilegeText(catalog, roleOid, schema.oid, 'schema', privilege, 'UC');
}

/** has_sequence_privilege([user,] sequence, privilege): USAGE, SELECT or UPDATE; a relation that is no sequence is 42809. */
export function hasSequencePrivilege(catalog: CatalogSnapshot, searchPath: readonly string[], user: string | number, sequence: string | number, privilege: string): boolean | null {
  const roleOid = roleOidOf(catalog, user);
  if (typeof sequence === 'number') {
    if (catalog.sequenceById(sequence)) return checkPrivilegeText(catalog, roleOid, sequence, 'sequence', privilege, 'Urw');
    if (relationById(catalog, sequence)) throw new SqlError('42809', `"${relationName(catalog, sequence)}" is not a sequence`);
    return null;
  }
  const parts = sequence.split('.').map((p) => (p.startsWith('"') ? p.slice(1, -1).replace(/""/g, '"') : p.toLowerCase()));
  const name = parts[parts.length - 1]!;
  for (const schema of parts.length > 1 ? [parts[parts.length - 2]!] : searchPath) {
    const found = catalog.sequence(schema, name);
    if (found) return checkPrivilegeText(catalog, roleOid, found.id, 'sequence', privilege, 'Urw');
    if (catalog.table(schema, name) || catalog.view(schema, name)) throw new SqlError('42809', `"${sequence}" is not a sequence`);
  }
  throw new SqlError('42P01', `relation "${sequence}" does not exist`);
}

function relationName(catalog: CatalogSnapshot, oid: number): string {
  return catalog.tableById(oid)?.name ?? [...catalog.allViews()].find((v) => v.id === oid)?.name ?? String(oid);
}

export function roleOidOf(catalog: CatalogSnapshot, user: string | number): number {
  if (typeof user === 'number') return user;
  const role = catalog.access.role(user);
  if (!role) throw new SqlError('42704', `role "${user}" does not exist`);
  return role.oid;
}

export function relationById(catalog: CatalogSnapshot, oid: number): { oid: number; kind: ObjectKind } | null {
  if (catalog.tableById(oid)) return { oid, kind: 'table' };
  if ([...catalog.allViews()].some((v) => v.id === oid)) return { oid, kind: 'view' };
  return null;
}

export function relationByName(catalog: CatalogSnapshot, searchPath: readonly string[], text: string): { oid: number; kind: ObjectKind } | null {
  const parts = nameParts(text);
  const name = parts[parts.length - 1]!;
  for (const schema of parts.length > 1 ? [parts[parts.length - 2]!] : searchPath) {
    const table = catalog.table(schema, name);
    if (table) return { oid: table.id, kind: 'table' };
    const view = catalog.view(schema, name);
    if (view) return { oid: view.id, kind: 'view' };
  }
  return null;
}

/** A relation name's parts, as relationByName reads them. */
function nameParts(text: string): string[] {
  return text.split('.').map((p) => (p.startsWith('"') ? p.slice(1, -1).replace(/""/g, '"') : p.toLowerCase()));
}

/** The schema a relation name is qualified with, or null. */
function qualifyingSchema(text: string): string | null {
  const parts = nameParts(text);
  return parts.length > 1 ? parts[parts.length - 2]! : null;
}
