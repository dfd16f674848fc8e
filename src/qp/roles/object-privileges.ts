import { SqlError } from '../../contracts/errors.js';
import { BUILTIN_SCHEMAS, type CatalogSnapshot } from '../catalog/catalog.js';
import { ADMIN_ROLE_OID, PUBLIC_OID, type AclItem } from './access-catalog.js';
import { defaultAcl, effectivePrivileges, type ObjectKind } from './acl.js';

/**
 * An object's owner and ACL as a snapshot has them, with the defaults filled in, and the
 * questions the planner, DDL and has_*_privilege ask of them.
 */

/**
 * The built-in schemas' ACL: `admin` owns them (as the database owner owns `public` in
 * PostgreSQL 15) and PUBLIC may use them; CREATE in pg_catalog, information_schema and sys is
 * refused by DDL whatever the ACL says.
 */
export function builtinSchemaAcl(oid?: number): AclItem[] {
  const owner: AclItem = { grantee: ADMIN_ROLE_OID, grantor: ADMIN_ROLE_OID, privileges: 'UC', grantOptions: '' };
  // pg_toast is the owner's alone, as initdb leaves it.
  if (oid === PG_TOAST_OID) return [owner];
  return [owner, { grantee: PUBLIC_OID, grantor: ADMIN_ROLE_OID, privileges: 'U', grantOptions: '' }];
}

/** PostgreSQL's oid of pg_toast (PG_TOAST_NAMESPACE). */
const PG_TOAST_OID = 99;

export function isBuiltinSchemaOid(oid: number): boolean {
  return BUILTIN_SCHEMAS.some((s) => s.oid === oid);
}

/** The ACL a catalog column shows: null while the object has its default (PostgreSQL's relacl), but built-in schemas show theirs. */
export function shownAcl(catalog: CatalogSnapshot, oid: number): readonly AclItem[] | null {
  const stored = catalog.access.objectAcl(oid)?.acl ?? null;
  if (stored === null && isBuiltinSchemaOid(oid)) return builtinSchemaAcl(oid);
  return stored;
}

export function aclOf(catalog: CatalogSnapshot, oid: number, kind: ObjectKind): readonly AclItem[] {
  return shownAcl(catalog, oid) ?? defaultAcl(kind, catalog.access.ownerOf(oid));
}

export function privilegesOf(catalog: CatalogSnapshot, roleOid: number, oid: number, kind: ObjectKind): { privileges: string; grantOptions: string } {
  return effectivePrivileges(aclOf(catalog, oid, kind), catalog.access.ownerOf(oid), roleOid, catalog.access, kind);
}

export function hasPrivilege(catalog: CatalogSnapshot, roleOid: number, oid: number, kind: ObjectKind, letter: string): boolean {
  return privilegesOf(catalog, roleOid, oid, kind).privileges.includes(letter);
}

/** Ownership as PostgreSQL tests it: having the privileges of the owning role. */
export function isOwner(catalog: CatalogSnapshot, roleOid: number, oid: number): boolean {
  return catalog.access.hasPrivilegesOf(roleOid, catalog.access.ownerOf(oid));
}

/** `permission denied for table t` (42501), PostgreSQL's aclcheck_error text. */
export function permissionDenied(kind: ObjectKind, name: string): SqlError {
  return new SqlError('42501', `permission denied for ${kind} ${name}`);
}

/** `must be owner of table t` (42501). */
export function mustBeOwner(kind: ObjectKind | 'type', name: string): SqlError {
  return new SqlError('42501', `must be owner of ${kind} ${name}`);
}
