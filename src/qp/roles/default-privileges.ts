import { SqlError } from '../../contracts/errors.js';
import type { SqlValue } from '../../contracts/sql-value.js';
import { CatalogChange, type CatalogSnapshot } from '../catalog/catalog.js';
import { accessWrites, PUBLIC_OID, type AclItem, type DefaultAcl, type DefaultAclObjectType } from './access-catalog.js';
import { defaultAcl, formatAcl, grantTo, privilegeLetters, revokeFrom, type ObjectKind } from './acl.js';
import type { RoleStatement } from './role-ast.js';
import { resolveRoleSpec, undefinedRole, type RoleDdlContext, type RoleDdlResult } from './role-ddl.js';

/**
 * ALTER DEFAULT PRIVILEGES (reference/dsql.md §2.2, since 2026-04-24) as PostgreSQL 15 keeps
 * them: one pg_default_acl row per (role, schema or none, object type). A row for no schema
 * replaces the hard-wired default ACL of that role's new objects, so it starts from that default
 * and goes when it equals it again; a row for a schema adds to it, starting empty. An object the
 * role creates gets the merge of both (get_user_default_acl), or NULL when that is the default.
 * Every ACL here is sorted by grantee, then grantor, as aclitemsort leaves it.
 */

type DefaultPrivilegesStatement = Extract<RoleStatement, { kind: 'alter-default-privileges' }>;

const OBJECT_TYPES: Record<DefaultPrivilegesStatement['objectType'], { type: DefaultAclObjectType; kind: ObjectKind; word: string }> = {
  tables: { type: 'r', kind: 'table', word: 'relation' },
  sequences: { type: 'S', kind: 'sequence', word: 'sequence' },
  functions: { type: 'f', kind: 'function', word: 'function' },
  schemas: { type: 'n', kind: 'schema', word: 'schema' },
};

export function executeAlterDefaultPrivileges(statement: DefaultPrivilegesStatement, ctx: RoleDdlContext): RoleDdlResult {
  const { catalog } = ctx;
  const access = catalog.access;
  const roles = statement.roles.length === 0 ? [ctx.currentRole] : statement.roles.map((name) => {
    const role = access.role(name);
    if (!role) throw undefinedRole(name);
    // PostgreSQL 15 asks for membership (check_is_member_of_role), whatever INHERIT says.
    if (!access.memberRoles(ctx.currentRole).has(role.oid)) throw new SqlError('42501', `must be member of role "${name}"`);
    return role.oid;
  });
  const { type, kind, word } = OBJECT_TYPES[statement.objectType];
  const schemaOids = statement.schemas.map((name) => {
    const schema = catalog.schema(name);
    if (!schema) throw new SqlError('3F000', `schema "${name}" does not exist`);
    return schema.oid;
  });
  if (type === 'n' && schemaOids.length > 0) throw new SqlError('0LP01', 'cannot use IN SCHEMA clause when using GRANT/REVOKE ON SCHEMAS');
  const letters = privilegeLetters(statement.privileges, kind, word);
  const grantees = statement.grantees.map((spec) => resolveRoleSpec(spec, ctx, true));
  if (statement.grant && statement.grantOption && grantees.includes(PUBLIC_OID)) throw new SqlError('0LP01', 'grant options can only be granted to roles');
  const change = new CatalogChange(catalog);
  for (const role of roles) {
    for (const schemaOid of schemaOids.length > 0 ? schemaOids : [0]) {
      const existing = access.defaultAcl(role, schemaOid, type);
      const base = schemaOid === 0 ? defaultAcl(kind, role) : [];
      let acl: AclItem[] = [...(existing?.acl ?? base)];
      for (const grantee of grantees) {
        acl = statement.grant ? grantTo(acl, grantee, role, letters, statement.grantOption) : revokeFrom(acl, grantee, role, letters, statement.grantOption);
      }
      acl = sortAcl(acl);
      if (sameAcl(acl, sortAcl(base))) {
        if (existing) change.writes.push(accessWrites.deleteDefaultAcl(existing));
        continue;
      }
      change.writes.push(accessWrites.putDefaultAcl({ oid: existing?.oid ?? change.allocateId(), role, schemaOid, objectType: type, acl }));
    }
  }
  return { tag: 'ALTER DEFAULT PRIVILEGES', writes: change.finish(), notices: [] };
}

/**
 * The ACL a new object gets when `owner` creates it in the schema `schemaOid` (0 for a schema
 * itself): the role's defaults merged, or null when that is the object kind's default.
 */
export function creationAcl(catalog: CatalogSnapshot, owner: number, schemaOid: number, kind: ObjectKind): AclItem[] | null {
  const type = defaultAclType(kind);
  const access = catalog.access;
  const base = defaultAcl(kind, owner);
  let acl: AclItem[] = [...(access.defaultAcl(owner, 0, type)?.acl ?? base)];
  for (const item of schemaOid === 0 ? [] : access.defaultAcl(owner, schemaOid, type)?.acl ?? []) {
    acl = grantTo(acl, item.grantee, item.grantor, item.privileges, false);
    if (item.grantOptions !== '') acl = grantTo(acl, item.grantee, item.grantor, item.grantOptions, true);
  }
  acl = sortAcl(acl);
  return sameAcl(acl, sortAcl(base)) ? null : acl;
}

function defaultAclType(kind: ObjectKind): DefaultAclObjectType {
  switch (kind) {
    case 'table':
    case 'view': return 'r';
    case 'sequence': return 'S';
    case 'function': return 'f';
    case 'schema': return 'n';
  }
}

function sortAcl(acl: readonly AclItem[]): AclItem[] {
  return [...acl].sort((a, b) => a.grantee - b.grantee || a.grantor - b.grantor);
}

function sameAcl(a: readonly AclItem[], b: readonly AclItem[]): boolean {
  return a.length === b.length && a.every((item, i) => {
    const other = b[i]!;
    return item.grantee === other.grantee && item.grantor === other.grantor && item.privileges === other.privileges && item.grantOptions === other.grantOptions;
  });
}

/** The rows to delete with a dropped schema: its default privileges go with it. */
export function schemaDefaultAcls(catalog: CatalogSnapshot, schemaOid: number): DefaultAcl[] {
  return catalog.access.defaultAcls().filter((d) => d.schemaOid === schemaOid);
}

export const PG_DEFAULT_ACL_SPEC = 'oid oid, defaclrole oid, defaclnamespace oid, defaclobjtype char, defaclacl text[]';

export function pgDefaultAclRows(catalog: CatalogSnapshot): SqlValue[][] {
  return catalog.access.defaultAcls().map((d) => [d.oid, d.role, d.schemaOid, d.objectType, formatAcl(d.acl, catalog.access)]);
}

const OBJECT_WORDS: Record<DefaultAclObjectType, string> = { r: 'relations', S: 'sequences', f: 'functions', n: 'schemas' };

/** DROP ROLE's DETAIL lines for default privileges that belong to or name `roleOid`. */
export function defaultAclDependents(catalog: CatalogSnapshot, roleOid: number): string[] {
  const lines: string[] = [];
  for (const d of catalog.access.defaultAcls()) {
    const schema = d.schemaOid === 0 ? '' : ` in schema ${[...catalog.allSchemas()].find((s) => s.oid === d.schemaOid)?.name ?? d.schemaOid}`;
    const what = `default privileges on new ${OBJECT_WORDS[d.objectType]} belonging to role ${catalog.access.roleName(d.role)}${schema}`;
    if (d.role === roleOid) lines.push(`owner of ${what}`);
    else if (d.acl.some((item) => item.grantee === roleOid || item.grantor === roleOid)) lines.push(`privileges for ${what}`);
  }
  return lines;
}
