import { SqlError } from '../../contracts/errors.js';
import type { CatalogSnapshot } from '../catalog/catalog.js';
import { ADMIN_ROLE_OID } from '../roles/access-catalog.js';

/**
 * has_database_privilege for the one database, postgres (psql's \l+ asks it before
 * pg_database_size). Its ACL is PostgreSQL's default, which GRANT cannot change here: PUBLIC
 * may CONNECT and create TEMPORARY objects, the owner (admin) may also CREATE and grant.
 */
/** Strata's one database, as pg_database lists it. */
export const DATABASE = { oid: 5, name: 'postgres' } as const;
const EVERYONE = new Set(['CONNECT', 'TEMPORARY', 'TEMP']);
const OWNER_ONLY = new Set(['CREATE']);

export function hasDatabasePrivilege(catalog: CatalogSnapshot, user: string, database: string | number, privilege: string): boolean | null {
  if (typeof database === 'number' ? database !== DATABASE.oid : database !== DATABASE.name) {
    if (typeof database === 'number') return null;
    throw new SqlError('3D000', `database "${database}" does not exist`);
  }
  const role = catalog.access.role(user);
  if (!role) throw new SqlError('42704', `role "${user}" does not exist`);
  const owner = catalog.access.hasPrivilegesOf(role.oid, ADMIN_ROLE_OID);
  // Any one of a comma-separated list suffices, as PostgreSQL's convert_any_priv_string reads it.
  return privilege.split(',').some((item) => {
    const words = item.trim().toUpperCase().split(/\s+/);
    const grantOption = words.length === 4 && words.slice(1).join(' ') === 'WITH GRANT OPTION';
    const name = words[0]!;
    if ((words.length !== 1 && !grantOption) || (!EVERYONE.has(name) && !OWNER_ONLY.has(name))) {
      throw new SqlError('22023', `unrecognized privilege type: "${item}"`);
    }
    return owner || (!grantOption && EVERYONE.has(name));
  });
}
