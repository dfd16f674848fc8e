import { SqlError } from '../../contracts/errors.js';
import type { CatalogSnapshot, FunctionInfo } from '../catalog/catalog.js';
import { regtypeInput } from '../system/regtype-input.js';
import { hasPrivilege } from './object-privileges.js';
import { checkPrivilegeText, roleOidOf } from './role-system-views.js';

/**
 * has_function_privilege([user,] function, privilege): the function by oid (NULL when there is
 * none) or by PostgreSQL's regprocedure text, `name(type, …)`, read as parseNameAndArgTypes
 * reads it — identifiers folded or double-quoted, each argument a type name.
 */
export function hasFunctionPrivilege(catalog: CatalogSnapshot, searchPath: readonly string[], currentUser: string, user: string | number,
  fn: string | number, privilege: string): boolean | null {
  const roleOid = roleOidOf(catalog, user);
  const found = typeof fn === 'number'
    ? catalog.allFunctions().find((f) => f.id === fn)
    : functionByText(catalog, searchPath, catalog.access.role(currentUser)?.oid ?? -1, fn);
  if (!found) return null;
  return checkPrivilegeText(catalog, roleOid, found.id, 'function', privilege, 'X');
}

/** regprocedurein: the function `text` names with exactly these argument types, looked up as `lookupRole` sees the schemas. */
function functionByText(catalog: CatalogSnapshot, searchPath: readonly string[], lookupRole: number, text: string): FunctionInfo {
  const open = text.indexOf('(');
  if (open < 0) throw new SqlError('22P02', 'expected a left parenthesis');
  const trimmed = text.trimEnd();
  if (!trimmed.endsWith(')')) throw new SqlError('22P02', 'expected a right parenthesis');
  const names = qualifiedName(text.slice(0, open));
  const argOids = argumentTexts(trimmed.slice(open + 1, -1)).map((arg) => regtypeInput(catalog, searchPath, arg, {}));
  const name = names[names.length - 1]!;
  let schemas: readonly string[];
  if (names.length > 1) {
    const schema = catalog.schema(names[0]!);
    if (!schema) throw new SqlError('3F000', `schema "${names[0]}" does not exist`);
    if (!hasPrivilege(catalog, lookupRole, schema.oid, 'schema', 'U')) throw new SqlError('42501', `permission denied for schema ${schema.name}`);
    schemas = [schema.name];
  } else {
    // Schemas the role may not use are not on its effective search path.
    schemas = searchPath.filter((s) => { const schema = catalog.schema(s); return schema !== undefined && hasPrivilege(catalog, lookupRole, schema.oid, 'schema', 'U'); });
  }
  for (const schema of schemas) {
    const match = catalog.functions(schema, name).find((f) => f.args.length === argOids.length && f.args.every((a, i) => a.typeOid === argOids[i]));
    if (match) return match;
  }
  throw new SqlError('42883', `function "${text}" does not exist`);
}

/** `s.f`, `"F"` → the name's parts (stringToQualifiedNameList); at most schema.name here, one database. */
function qualifiedName(text: string): string[] {
  const parts: string[] = [];
  const pattern = /\s*(?:"((?:[^"]|"")*)"|([^".\s]+))\s*(\.|$)/y;
  let position = 0;
  while (position < text.length) {
    pattern.lastIndex = position;
    const m = pattern.exec(text);
    if (!m || m[0] === '') throw new SqlError('22P02', 'invalid name syntax');
    parts.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!.toLowerCase());
    position = pattern.lastIndex;
    if (m[3] === '.' && position >= text.length) throw new SqlError('22P02', 'invalid name syntax');
  }
  if (parts.length === 0) throw new SqlError('22P02', 'invalid name syntax');
  if (parts.length > 2) throw new SqlError('0A000', `cross-database references are not implemented: ${text}`);
  return parts;
}

/** The argument list's type names, split at top-level commas; `()` is no arguments. */
function argumentTexts(list: string): string[] {
  if (list.trim() === '') return [];
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && c === ',') { out.push(list.slice(start, i)); start = i + 1; }
  }
  out.push(list.slice(start));
  return out.map((arg) => {
    if (arg.trim() === '') throw new SqlError('22P02', 'expected a type name');
    return arg.trim();
  });
}
