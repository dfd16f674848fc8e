import { SqlError } from '../../contracts/errors.js';
import type { CatalogChange, CatalogSnapshot, TableInfo } from '../catalog/catalog.js';
import { ADMIN_ROLE_OID, accessWrites, type AclItem } from '../roles/access-catalog.js';
import type { ObjectKind } from '../roles/acl.js';
import { hasPrivilege, isOwner, mustBeOwner, permissionDenied } from '../roles/object-privileges.js';
import { ownedSequences } from '../sequences/sequence-catalog.js';

/**
 * … OWNER TO role (reference/dsql.md §2.2, §2.4) for tables, views, sequences, functions and
 * schemas: the object's owner in the access catalog (relowner, proowner, nspowner) becomes the
 * role, and, as PostgreSQL's aclnewowner does, the old owner's entries in an explicit ACL pass to
 * the new one; privilege checks follow the owner from then on. PostgreSQL 15's checks: the
 * caller owns the object and, unless admin, is a member of the new owner, which must have
 * CREATE on the object's schema (on the database for a schema: only admin has that here).
 */
export interface OwnedObject {
  readonly oid: number;
  readonly kind: ObjectKind;
  readonly name: string;
  /** The schema the object is in; null for a schema. */
  readonly schema: string | null;
}

export interface OwnerContext {
  readonly catalog: CatalogSnapshot;
  readonly sessionUser: string;
}

/** Returns false when the role already owns the object (nothing is written, nothing checked, as in PostgreSQL). */
export function changeOwner(object: OwnedObject, roleName: string, ctx: OwnerContext, change: CatalogChange): boolean {
  const access = ctx.catalog.access;
  const role = access.role(roleName);
  if (!role) throw new SqlError('42704', `role "${roleName}" does not exist`);
  if (access.ownerOf(object.oid) === role.oid) return false;
  const current = access.role(ctx.sessionUser)?.oid ?? -1;
  if (current !== ADMIN_ROLE_OID) {
    if (!isOwner(ctx.catalog, current, object.oid)) throw mustBeOwner(object.kind, object.name);
    if (!access.hasPrivilegesOf(current, role.oid)) throw new SqlError('42501', `must be member of role "${roleName}"`);
    if (object.schema === null) throw new SqlError('42501', 'permission denied for database postgres');
    const schema = ctx.catalog.schema(object.schema)!;
    if (!hasPrivilege(ctx.catalog, role.oid, schema.oid, 'schema', 'C')) throw permissionDenied('schema', schema.name);
  }
  putOwner(object.oid, role.oid, ctx.catalog, change);
  return true;
}

/** ALTER TABLE … OWNER TO: the sequences the table owns (identity, OWNED BY) follow it, as in PostgreSQL. */
export function changeTableOwner(table: TableInfo, roleName: string, ctx: OwnerContext, change: CatalogChange): void {
  if (!changeOwner({ oid: table.id, kind: 'table', name: table.name, schema: table.schema }, roleName, ctx, change)) return;
  const role = ctx.catalog.access.role(roleName)!;
  for (const sequence of ownedSequences(ctx.catalog, table.id)) {
    if (ctx.catalog.access.ownerOf(sequence.id) !== role.oid) putOwner(sequence.id, role.oid, ctx.catalog, change);
  }
}

function putOwner(oid: number, newOwner: number, catalog: CatalogSnapshot, change: CatalogChange): void {
  const oldOwner = catalog.access.ownerOf(oid);
  const acl = catalog.access.objectAcl(oid)?.acl ?? null;
  const moved = (grantee: number) => (grantee === oldOwner ? newOwner : grantee);
  const newAcl: AclItem[] | null = acl === null ? null : acl.map((item) => ({ ...item, grantee: moved(item.grantee), grantor: moved(item.grantor) }));
  const write = accessWrites.putObjectAcl({ oid, owner: newOwner, acl: newAcl });
  change.putRow(write.key, write.value);
}
