import { SqlError } from '../../contracts/errors.js';
import type { CatalogSnapshot, ColumnInfo, TableInfo } from '../catalog/catalog.js';
import { attributeNumbers } from '../sql/tuple-layout.js';
import { COLUMN_LETTERS, columnPrivilegesOf } from './column-privileges.js';
import { PUBLIC_OID } from './access-catalog.js';
import { aclOf } from './object-privileges.js';
import { checkPrivilegeText, relationById, relationByName, roleOidOf } from './role-system-views.js';

/**
 * has_column_privilege([user,] table, column, privilege) and has_any_column_privilege([user,]
 * table, privilege): a table by name or oid, a column by name or attnum. A missing table oid or
 * attnum is NULL, a missing name an error, as in PostgreSQL. A view has no column ACLs here, so
 * its table-level privileges answer.
 */
export function hasColumnPrivilege(catalog: CatalogSnapshot, searchPath: readonly string[], user: string | number, table: string | number,
  column: string | number, privilege: string): boolean | null {
  const roleOid = roleOidOf(catalog, user);
  const found = relation(catalog, searchPath, table);
  if (!found) return null;
  if (!found.table) return checkPrivilegeText(catalog, roleOid, found.oid, 'view', privilege, COLUMN_LETTERS);
  const info = columnOf(found.table, column);
  if (!info) return null;
  return columnCheck(catalog, roleOid, found.table, [info], privilege);
}

export function hasAnyColumnPrivilege(catalog: CatalogSnapshot, searchPath: readonly string[], user: string | number, table: string | number,
  privilege: string): boolean | null {
  const roleOid = roleOidOf(catalog, user);
  const found = relation(catalog, searchPath, table);
  if (!found) return null;
  if (!found.table) return checkPrivilegeText(catalog, roleOid, found.oid, 'view', privilege, COLUMN_LETTERS);
  return columnCheck(catalog, roleOid, found.table, found.table.columns, privilege);
}

function relation(catalog: CatalogSnapshot, searchPath: readonly string[], table: string | number): { oid: number; table: TableInfo | undefined } | null {
  const found = typeof table === 'number' ? relationById(catalog, table) : relationByName(catalog, searchPath, table);
  if (!found) {
    if (typeof table === 'number') return null;
    throw new SqlError('42P01', `relation "${table}" does not exist`);
  }
  return { oid: found.oid, table: catalog.tableById(found.oid) };
}

function columnOf(table: TableInfo, column: string | number): ColumnInfo | null {
  if (typeof column === 'number') {
    const position = attributeNumbers(table).indexOf(column);
    return position < 0 ? null : table.columns[position]!;
  }
  const info = table.columns.find((c) => c.name === column);
  if (!info) throw new SqlError('42703', `column "${column}" of relation "${table.name}" does not exist`);
  return info;
}

/** Any of the privileges the text names (with or without grant option) on any of `columns`. */
function columnCheck(catalog: CatalogSnapshot, roleOid: number, table: TableInfo, columns: readonly ColumnInfo[], privilege: string): boolean {
  // The text is checked once, against the table (which also answers when the table privilege is held).
  if (checkPrivilegeText(catalog, roleOid, table.id, 'table', privilege, COLUMN_LETTERS)) return true;
  const wanted = privilege.split(',').map((part) => {
    const m = /^\s*(\w+)(\s+with\s+grant\s+option)?\s*$/i.exec(part)!;
    return { letter: ({ select: 'r', insert: 'a', update: 'w', references: 'x' } as Record<string, string>)[m[1]!.toLowerCase()]!, grantOption: m[2] !== undefined };
  });
  return columns.some((column) => {
    const held = columnPrivilegesOf(catalog, roleOid, table, column);
    return wanted.some((w) => (w.grantOption ? held.grantOptions : held.privileges).includes(w.letter));
  });
}

export const COLUMN_PRIVILEGES_SPEC = `grantor name, grantee name, table_catalog name, table_schema name, table_name name, column_name name,
  privilege_type varchar, is_grantable varchar`;

const COLUMN_PRIVILEGE_WORDS: Record<string, string> = { r: 'SELECT', a: 'INSERT', w: 'UPDATE', x: 'REFERENCES' };

/**
 * information_schema.column_privileges: for each column, the column-applicable privileges of
 * its table's ACL and of its own, once each, where the grantor or grantee is a role the current
 * user has the privileges of or the grantee is PUBLIC; grantable when held WITH GRANT OPTION or
 * by a role with the owner's privileges (PostgreSQL 15's view).
 */
export function columnPrivilegeRows(catalog: CatalogSnapshot, user: string): (string | null)[][] {
  const access = catalog.access;
  const me = access.role(user);
  const mine = me ? access.privilegeRoles(me.oid) : new Set<number>();
  const rows: (string | null)[][] = [];
  for (const table of catalog.allTables()) {
    const owner = access.ownerOf(table.id);
    const tableAcl = aclOf(catalog, table.id, 'table');
    for (const column of table.columns) {
      const seen = new Set<string>();
      for (const item of [...tableAcl, ...(column.acl ?? [])]) {
        if (!(mine.has(item.grantor) || mine.has(item.grantee) || item.grantee === PUBLIC_OID)) continue;
        const grantee = item.grantee === PUBLIC_OID ? 'PUBLIC' : access.roleName(item.grantee);
        for (const letter of 'rawx') {
          if (!item.privileges.includes(letter)) continue;
          const grantable = item.grantOptions.includes(letter) || (item.grantee !== PUBLIC_OID && access.hasPrivilegesOf(item.grantee, owner));
          const row = [access.roleName(item.grantor), grantee, 'postgres', table.schema, table.name, column.name, COLUMN_PRIVILEGE_WORDS[letter]!, grantable ? 'YES' : 'NO'];
          const key = row.join('\u0000');
          if (!seen.has(key)) { seen.add(key); rows.push(row); }
        }
      }
    }
  }
  return rows;
}
