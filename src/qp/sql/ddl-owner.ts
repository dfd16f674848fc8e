import { SqlError } from '../../contracts/errors.js';
import type { CatalogChange, CatalogSnapshot, TableInfo } from '../catalog/catalog.js';
import { ADMIN_ROLE_OID, accessWrites, type AclItem } from '../roles/access-catalog.js';
import { hasPrivilege, permissionDenied } from '../roles/object-privileges.js';

/**
 * ALTER TABLE … OWNER TO role (reference/dsql.md §2.4): the table's owner in the access catalog
 * (pg_class.relowner) becomes the role, and, as PostgreSQL's aclnewowner does, the old owner's
 * entries in an explicit ACL pass to the new one; privilege checks follow the owner from then
 * on. The statement's caller must own the table (checked before any DDL) and, unless admin,
 * be a member of the new owner, which must have CREATE on the table's schema, as PostgreSQL 15
 * requires.
 */
export function changeTableOwner(table: TableInfo, roleName: string, ctx: { readonly catalog: CatalogSnapshot; readonly sessionUser: string }, change: CatalogChange): void {
  const access = ctx.catalog.access;
  const role = access.role(roleName);
  if (!role) throw new SqlError('42704', `role "${roleName}" does not exist`);
  const oldOwner = access.ownerOf(table.id);
  if (oldOwner === role.oid) return;
  const current = access.role(ctx.sessionUser)?.oid ?? -1;
  if (current !== ADMIN_ROLE_OID) {
    if (!access.hasPrivilegesOf(current, role.oid)) throw new SqlError('42501', `must be member of role "${roleName}"`);
    const schema = ctx.catalog.schema(table.schema)!;
    if (!hasPrivilege(ctx.catalog, role.oid, schema.oid, 'schema', 'C')) throw permissionDenied('schema', schema.name);
  }
  const acl = access.objectAcl(table.id)?.acl ?? null;
  const moved = (oid: number) => (oid === oldOwner ? role.oid : oid);
  const newAcl: AclItem[] | null = acl === null ? null : acl.map((item) => ({ ...item, grantee: moved(item.grantee), grantor: moved(item.grantor) }));
  const write = accessWrites.putObjectAcl({ oid: table.id, owner: role.oid, acl: newAcl });
  change.putRow(write.key, write.value);
}
