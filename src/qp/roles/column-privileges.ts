import { SqlError } from '../../contracts/errors.js';
import type { CatalogSnapshot, ColumnInfo, TableInfo } from '../catalog/catalog.js';
import type { AclItem } from './access-catalog.js';
import { effectivePrivileges, grantTo, ordered, privilegeLetters, revokeFrom } from './acl.js';
import { isOwner, privilegesOf } from './object-privileges.js';
import type { RoleStatement } from './role-ast.js';
import type { RoleDdlContext } from './role-ddl.js';

/**
 * Column privileges, PostgreSQL's: SELECT, INSERT, UPDATE and REFERENCES may be granted on
 * columns of a table (`GRANT SELECT (id, v) ON t TO app`). A column's ACL (pg_attribute.attacl)
 * lives in its ColumnInfo, so it follows RENAME COLUMN and goes with DROP COLUMN. What a role
 * holds on a column is its table-level privileges plus the column's own; a table privilege
 * REVOKEd is revoked from every column too, as ExecGrant_Relation does.
 */
export const COLUMN_LETTERS = 'arwx';

type GrantStatement = Extract<RoleStatement, { kind: 'grant-privileges' }>;

/** What `roleOid` holds on a column: its table-level privileges and the column's own. */
export function columnPrivilegesOf(catalog: CatalogSnapshot, roleOid: number, table: TableInfo, column: ColumnInfo): { privileges: string; grantOptions: string } {
  const tableLevel = privilegesOf(catalog, roleOid, table.id, 'table');
  const own = effectivePrivileges(column.acl ?? [], catalog.access.ownerOf(table.id), roleOid, catalog.access, 'table');
  return { privileges: ordered(tableLevel.privileges + own.privileges), grantOptions: ordered(tableLevel.grantOptions + own.grantOptions) };
}

/**
 * The table with its columns' ACLs changed by a GRANT/REVOKE (column privileges it names, and
 * for a REVOKE the table privileges that also apply to columns); null when no column changes.
 */
export function columnAclChanges(statement: GrantStatement, table: TableInfo, tableLetters: string, grantees: readonly number[], ctx: RoleDdlContext,
  notices: SqlError[]): TableInfo | null {
  const wanted = wantedColumnLetters(statement, table);
  if (!statement.grant) {
    const cascaded = [...tableLetters].filter((l) => COLUMN_LETTERS.includes(l)).join('');
    if (cascaded !== '') table.columns.forEach((_, i) => wanted.set(i, ordered((wanted.get(i) ?? '') + cascaded)));
  }
  if (wanted.size === 0) return null;
  const { catalog, currentRole } = ctx;
  const owner = catalog.access.ownerOf(table.id);
  const owns = isOwner(catalog, currentRole, table.id);
  const columns = [...table.columns];
  let changed = false;
  for (const [position, letters] of wanted) {
    const column = columns[position]!;
    const grantor = owns ? owner : currentRole;
    let grantable = letters;
    if (!owns) {
      const held = columnPrivilegesOf(catalog, currentRole, table, column);
      if (held.privileges === '' && held.grantOptions === '') throw new SqlError('42501', `permission denied for column ${column.name} of relation ${table.name}`);
      grantable = [...letters].filter((l) => held.grantOptions.includes(l)).join('');
      if (grantable !== letters) {
        const verb = statement.grant ? 'no privileges were granted' : 'no privileges could be revoked';
        const some = statement.grant ? 'not all privileges were granted' : 'not all privileges could be revoked';
        notices.push(new SqlError(statement.grant ? '01007' : '01006', `${grantable === '' ? verb : some} for column "${column.name}" of relation "${table.name}"`));
      }
      if (grantable === '') continue;
    }
    let acl: AclItem[] = [...(column.acl ?? [])];
    for (const grantee of grantees) {
      acl = statement.grant ? grantTo(acl, grantee, grantor, grantable, statement.grantOption) : revokeFrom(acl, grantee, grantor, grantable, statement.grantOption);
    }
    if (!statement.grant) acl = revokeDependents(acl, table, statement.cascade, catalog);
    // An emptied ACL is NULL attacl again: the field goes rather than staying as [].
    const { acl: _previous, ...rest } = column;
    columns[position] = acl.length > 0 ? { ...rest, acl } : rest;
    changed = true;
  }
  return changed ? { ...table, columns } : null;
}

/** Bounds the CASCADE walk: each round removes at least one item. */
const MAX_CASCADE_ROUNDS = 1000;

/**
 * Privileges a role granted onward on a column, now without the grant option for them (on the
 * column or the table), go with CASCADE and refuse the REVOKE without it (grant-ddl.ts's rule).
 */
function revokeDependents(acl: AclItem[], table: TableInfo, cascade: boolean, catalog: CatalogSnapshot): AclItem[] {
  const owner = catalog.access.ownerOf(table.id);
  const lost = (item: AclItem): string => {
    if (item.grantor === owner) return '';
    const held = effectivePrivileges(acl, owner, item.grantor, catalog.access, 'table').grantOptions + privilegesOf(catalog, item.grantor, table.id, 'table').grantOptions;
    return [...item.privileges].filter((l) => !held.includes(l)).join('');
  };
  for (let round = 0; round < MAX_CASCADE_ROUNDS; round++) {
    const orphan = acl.find((item) => lost(item) !== '');
    if (!orphan) return acl;
    if (!cascade) throw new SqlError('2BP01', 'dependent privileges exist', { hint: 'Use CASCADE to revoke them too.' });
    acl = revokeFrom(acl, orphan.grantee, orphan.grantor, lost(orphan), false);
  }
  throw new Error(`assertion failed: REVOKE CASCADE on the columns of ${table.name} did not settle`);
}

/** Column position → the letters the statement's column privileges name for it, checked as PostgreSQL checks them. */
function wantedColumnLetters(statement: GrantStatement, table: TableInfo): Map<number, string> {
  const wanted = new Map<number, string>();
  for (const item of statement.columnPrivileges) {
    const letters = item.privilege === null ? COLUMN_LETTERS : privilegeLetters([item.privilege], 'table');
    if (![...letters].every((l) => COLUMN_LETTERS.includes(l))) throw new SqlError('0LP01', `invalid privilege type ${item.privilege!.toUpperCase()} for column`);
    for (const name of item.columns) {
      const position = table.columns.findIndex((c) => c.name === name);
      if (position < 0) throw new SqlError('42703', `column "${name}" of relation "${table.name}" does not exist`);
      wanted.set(position, ordered((wanted.get(position) ?? '') + letters));
    }
  }
  return wanted;
}

/**
 * Whether `roleOid` may use a table with privilege `letter` through only the columns named:
 * every one of them (null: every column of the table), or any column when none is named
 * (`SELECT count(*)`) — ExecCheckRTEPerms when the table-level privilege is missing.
 */
export function columnsAllow(catalog: CatalogSnapshot, roleOid: number, table: TableInfo, letter: string, names: readonly string[] | null): boolean {
  const holds = (column: ColumnInfo) => columnPrivilegesOf(catalog, roleOid, table, column).privileges.includes(letter);
  if (names === null) return table.columns.every(holds);
  if (names.length === 0) return table.columns.some(holds);
  return names.every((name) => {
    const column = table.columns.find((c) => c.name === name);
    return column !== undefined && holds(column);
  });
}
