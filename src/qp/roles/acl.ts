import { SqlError } from '../../contracts/errors.js';
import { PUBLIC_OID, type AccessCatalog, type AclItem } from './access-catalog.js';

/**
 * PostgreSQL's ACL arithmetic: privilege letters, each object kind's default ACL (what an
 * object's NULL relacl/nspacl means), GRANT and REVOKE on an item list, and the privileges a
 * role holds through its memberships (aclmask). Pure functions of their arguments.
 */
export type ObjectKind = 'table' | 'view' | 'sequence' | 'schema' | 'function';

/** The order aclitemout prints letters in (ACL_ALL_RIGHTS_STR). */
const LETTER_ORDER = 'arwdDxtXUCTc';

const PRIVILEGE_LETTERS: Record<string, string> = {
  select: 'r', insert: 'a', update: 'w', delete: 'd', truncate: 'D', references: 'x', trigger: 't',
  execute: 'X', usage: 'U', create: 'C',
};

export const LETTER_NAMES: Record<string, string> = {
  r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE', D: 'TRUNCATE', x: 'REFERENCES', t: 'TRIGGER', X: 'EXECUTE', U: 'USAGE', C: 'CREATE',
};

/** Every privilege an object of a kind can have (ALL PRIVILEGES), in aclitem order. */
export function allPrivileges(kind: ObjectKind): string {
  switch (kind) {
    case 'table':
    case 'view': return 'arwdDxt';
    case 'sequence': return 'rwU';
    case 'schema': return 'UC';
    case 'function': return 'X';
  }
}

/** The name an error message and a notice use for the kind (`permission denied for table t`). */
export function kindWord(kind: ObjectKind): string {
  return kind;
}

/** Privilege keywords of a GRANT/REVOKE → letters; 0LP01 for one the object kind lacks (PostgreSQL's text). */
export function privilegeLetters(names: readonly string[] | null, kind: ObjectKind, word: string = kind === 'view' ? 'table' : kind): string {
  const all = allPrivileges(kind);
  if (names === null) return all;
  let letters = '';
  for (const name of names) {
    const letter = PRIVILEGE_LETTERS[name.toLowerCase()];
    if (letter === undefined) throw new SqlError('42601', `unrecognized privilege type "${name}"`);
    if (!all.includes(letter)) throw new SqlError('0LP01', `invalid privilege type ${name.toUpperCase()} for ${word}`);
    if (!letters.includes(letter)) letters += letter;
  }
  return ordered(letters);
}

export function ordered(letters: string): string {
  let out = '';
  for (const letter of LETTER_ORDER) if (letters.includes(letter)) out += letter;
  return out;
}

function union(a: string, b: string): string {
  return ordered(a + b);
}

function minus(a: string, b: string): string {
  let out = '';
  for (const letter of a) if (!b.includes(letter)) out += letter;
  return out;
}

/** What a NULL ACL means (acldefault): the owner holds everything; PUBLIC may EXECUTE functions (its item first, as acldefault orders them). */
export function defaultAcl(kind: ObjectKind, owner: number): AclItem[] {
  const items: AclItem[] = kind === 'function' ? [{ grantee: PUBLIC_OID, grantor: owner, privileges: 'X', grantOptions: '' }] : [];
  items.push({ grantee: owner, grantor: owner, privileges: allPrivileges(kind), grantOptions: '' });
  return items;
}

/** Adds privileges (and grant options) to the item of (grantee, grantor), creating it if needed. */
export function grantTo(acl: readonly AclItem[], grantee: number, grantor: number, letters: string, withGrantOption: boolean): AclItem[] {
  const out = acl.map((item) => ({ ...item }));
  const existing = out.find((item) => item.grantee === grantee && item.grantor === grantor);
  if (existing) {
    existing.privileges = union(existing.privileges, letters);
    if (withGrantOption) existing.grantOptions = union(existing.grantOptions, letters);
  } else {
    out.push({ grantee, grantor, privileges: letters, grantOptions: withGrantOption ? letters : '' });
  }
  return out;
}

/** Removes privileges (or only their grant options) of (grantee, grantor); empty items go. */
export function revokeFrom(acl: readonly AclItem[], grantee: number, grantor: number, letters: string, grantOptionOnly: boolean): AclItem[] {
  const out: AclItem[] = [];
  for (const item of acl) {
    if (item.grantee !== grantee || item.grantor !== grantor) { out.push(item); continue; }
    const privileges = grantOptionOnly ? item.privileges : minus(item.privileges, letters);
    const grantOptions = minus(item.grantOptions, letters);
    if (privileges !== '') out.push({ grantee, grantor, privileges, grantOptions: grantOptions.split('').filter((l) => privileges.includes(l)).join('') });
  }
  return out;
}

/** What `roleOid` holds on an object: ACL items of PUBLIC and of every role whose privileges it has; its owner holds all grant options. */
export function effectivePrivileges(acl: readonly AclItem[], owner: number, roleOid: number, access: AccessCatalog, kind: ObjectKind): { privileges: string; grantOptions: string } {
  const roles = access.privilegeRoles(roleOid);
  let privileges = '';
  let grantOptions = roles.has(owner) ? allPrivileges(kind) : '';
  for (const item of acl) {
    if (item.grantee !== PUBLIC_OID && !roles.has(item.grantee)) continue;
    privileges += item.privileges;
    grantOptions += item.grantOptions;
  }
  return { privileges: ordered(privileges), grantOptions: ordered(grantOptions) };
}

/** A role name as aclitemout writes it: bare when only letters, digits and `_`, else double-quoted. */
function aclName(name: string): string {
  return /^[A-Za-z0-9_]+$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** `grantee=ar*w/grantor` (PUBLIC's grantee is empty). */
export function formatAclItem(item: AclItem, access: AccessCatalog): string {
  let letters = '';
  for (const letter of item.privileges) letters += item.grantOptions.includes(letter) ? `${letter}*` : letter;
  const grantee = item.grantee === PUBLIC_OID ? '' : aclName(access.roleName(item.grantee));
  return `${grantee}=${letters}/${aclName(access.roleName(item.grantor))}`;
}

/** An aclitem[] as text (`{a=r/b,"x y"=w/b}`), the form relacl and nspacl hold here. */
export function formatAcl(acl: readonly AclItem[], access: AccessCatalog): string {
  return `{${acl.map((item) => {
    const text = formatAclItem(item, access);
    return /[",{}\\\s]/.test(text) ? `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : text;
  }).join(',')}}`;
}
