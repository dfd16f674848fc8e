import { SqlError } from '../../contracts/errors.js';
import type { WriteEntry } from '../../contracts/kv.js';
import { CatalogChange, type CatalogSnapshot } from '../catalog/catalog.js';
import { accessWrites, ADMIN_ROLE_OID, PUBLIC_OID, type AccessCatalog, type RoleInfo } from './access-catalog.js';
import type { ObjectKind } from './acl.js';
import { defaultAclDependents, executeAlterDefaultPrivileges } from './default-privileges.js';
import { executeGrantPrivileges } from './grant-ddl.js';
import { executeIamGrant } from './iam-mappings.js';
import type { RoleOptions, RoleSpec, RoleStatement } from './role-ast.js';
import * as types from '../sql/typesystem.js';

/**
 * CREATE/ALTER/DROP ROLE, ALTER ROLE … RENAME, GRANT/REVOKE role membership, and the dispatch
 * of object GRANT/REVOKE and AWS IAM GRANT/REVOKE. Each statement becomes catalog writes that
 * commit like other DDL. `admin` is DSQL's: it has CREATEROLE but is no superuser, so the
 * rules are PostgreSQL 15's for a CREATEROLE role (reference/dsql.md §5.2).
 */
export interface RoleDdlContext {
  readonly catalog: CatalogSnapshot;
  /** current_user's and session_user's oids. */
  readonly currentRole: number;
  readonly sessionRole: number;
  readonly searchPath: readonly string[];
}

export interface RoleDdlResult {
  readonly tag: string;
  readonly writes: WriteEntry[];
  /** NOTICEs and WARNINGs (01xxx) to send before the command completes. */
  readonly notices: SqlError[];
}

const MAX_IDENTIFIER_BYTES = 63;

export function executeRoleDdl(statement: RoleStatement, ctx: RoleDdlContext): RoleDdlResult {
  switch (statement.kind) {
    case 'create-role': return createRole(statement.name, statement.options, ctx);
    case 'alter-role': return alterRole(statement.role, statement.options, ctx);
    case 'drop-role': return dropRoles(statement.names, statement.ifExists, ctx);
    case 'rename-role': return renameRole(statement.name, statement.newName, ctx);
    case 'grant-role': return grantRole(statement, ctx);
    case 'grant-privileges': return executeGrantPrivileges(statement, ctx);
    case 'iam-grant': return executeIamGrant(statement, ctx);
    case 'alter-default-privileges': return executeAlterDefaultPrivileges(statement, ctx);
  }
}

export function undefinedRole(name: string): SqlError {
  return new SqlError('42704', `role "${name}" does not exist`);
}

/** The role a RoleSpec names (PUBLIC is oid 0). */
export function resolveRoleSpec(spec: RoleSpec, ctx: RoleDdlContext, allowPublic: boolean): number {
  const access = ctx.catalog.access;
  switch (spec.kind) {
    case 'public':
      if (!allowPublic) throw undefinedRole('public');
      return PUBLIC_OID;
    case 'current_user': return ctx.currentRole;
    case 'session_user': return ctx.sessionRole;
    case 'name': {
      const role = access.role(spec.name);
      if (!role) throw undefinedRole(spec.name);
      return role.oid;
    }
  }
}

function currentRoleInfo(ctx: RoleDdlContext): RoleInfo | undefined {
  return ctx.catalog.access.roleByOid(ctx.currentRole);
}

function requireCreateRole(ctx: RoleDdlContext, what: string): void {
  if (currentRoleInfo(ctx)?.createRole !== true) throw new SqlError('42501', `permission denied to ${what}`);
}

/** PostgreSQL reserves PUBLIC, NONE and the pg_ prefix; names longer than 63 bytes are cut, as identifiers are. */
function checkNewRoleName(name: string): string {
  if (name === 'public' || name === 'none') throw new SqlError('42939', `role name "${name}" is reserved`);
  if (name.startsWith('pg_')) throw new SqlError('42939', `role name "${name}" is reserved`, { detail: 'Role names starting with "pg_" are reserved.' });
  return Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES ? Buffer.from(name).subarray(0, MAX_IDENTIFIER_BYTES).toString() : name;
}

function adminRefusal(what: string): SqlError {
  return new SqlError('42501', `permission denied to ${what}`, { detail: 'The admin role cannot be modified.' });
}

function createRole(rawName: string, options: RoleOptions, ctx: RoleDdlContext): RoleDdlResult {
  requireCreateRole(ctx, 'create role');
  const name = checkNewRoleName(rawName);
  const access = ctx.catalog.access;
  if (access.role(name)) throw new SqlError('42710', `role "${name}" already exists`);
  const change = new CatalogChange(ctx.catalog);
  const role: RoleInfo = { oid: change.allocateId(), name, login: options.login ?? false, inherit: options.inherit ?? true, createRole: false };
  change.writes.push(accessWrites.putRole(role));
  const roleOf = (n: string): number => {
    const found = access.role(n);
    if (!found) throw undefinedRole(n);
    return found.oid;
  };
  for (const of of options.inRoles ?? []) {
    if (roleOf(of) === ADMIN_ROLE_OID) throw new SqlError('42501', 'permission denied to grant role "admin"');
    change.writes.push(accessWrites.putMembership({ roleOid: roleOf(of), memberOid: role.oid, grantorOid: ctx.currentRole, adminOption: false }));
  }
  for (const member of options.members ?? []) change.writes.push(accessWrites.putMembership({ roleOid: role.oid, memberOid: roleOf(member), grantorOid: ctx.currentRole, adminOption: false }));
  for (const member of options.adminMembers ?? []) change.writes.push(accessWrites.putMembership({ roleOid: role.oid, memberOid: roleOf(member), grantorOid: ctx.currentRole, adminOption: true }));
  return { tag: 'CREATE ROLE', writes: change.finish(), notices: [] };
}

function alterRole(spec: RoleSpec, options: RoleOptions, ctx: RoleDdlContext): RoleDdlResult {
  const oid = resolveRoleSpec(spec, ctx, false);
  if (oid === ADMIN_ROLE_OID) throw adminRefusal('alter role');
  requireCreateRole(ctx, 'alter role');
  const role = ctx.catalog.access.roleByOid(oid)!;
  const change = new CatalogChange(ctx.catalog);
  change.writes.push(accessWrites.putRole({ ...role, login: options.login ?? role.login, inherit: options.inherit ?? role.inherit }));
  return { tag: 'ALTER ROLE', writes: change.finish(), notices: [] };
}

function renameRole(name: string, rawNewName: string, ctx: RoleDdlContext): RoleDdlResult {
  const access = ctx.catalog.access;
  const role = access.role(name);
  if (!role) throw undefinedRole(name);
  if (role.oid === ctx.sessionRole) throw new SqlError('0A000', 'session user cannot be renamed');
  if (role.oid === ctx.currentRole) throw new SqlError('0A000', 'current user cannot be renamed');
  if (role.oid === ADMIN_ROLE_OID) throw adminRefusal('rename role');
  requireCreateRole(ctx, 'rename role');
  const newName = checkNewRoleName(rawNewName);
  if (access.role(newName)) throw new SqlError('42710', `role "${newName}" already exists`);
  const change = new CatalogChange(ctx.catalog);
  change.writes.push(accessWrites.putRole({ ...role, name: newName }));
  return { tag: 'ALTER ROLE', writes: change.finish(), notices: [] };
}

function dropRoles(specs: readonly RoleSpec[], ifExists: boolean, ctx: RoleDdlContext): RoleDdlResult {
  requireCreateRole(ctx, 'drop role');
  const access = ctx.catalog.access;
  const change = new CatalogChange(ctx.catalog);
  const notices: SqlError[] = [];
  for (const spec of specs) {
    if (spec.kind === 'name' && !access.role(spec.name)) {
      if (!ifExists) throw undefinedRole(spec.name);
      notices.push(new SqlError('00000', `role "${spec.name}" does not exist, skipping`));
      continue;
    }
    const oid = resolveRoleSpec(spec, ctx, false);
    const role = access.roleByOid(oid)!;
    if (oid === ctx.currentRole) throw new SqlError('55006', 'current user cannot be dropped');
    if (oid === ctx.sessionRole) throw new SqlError('55006', 'session user cannot be dropped');
    if (oid === ADMIN_ROLE_OID) throw adminRefusal('drop role');
    const dependents = roleDependents(ctx.catalog, oid, ctx.searchPath);
    if (dependents.length > 0) {
      throw new SqlError('2BP01', `role "${role.name}" cannot be dropped because some objects depend on it`, { detail: dependents.join('\n') });
    }
    change.writes.push(accessWrites.deleteRole(oid));
    for (const m of access.allMemberships()) {
      if (m.roleOid === oid || m.memberOid === oid) change.writes.push(accessWrites.deleteMembership(m.roleOid, m.memberOid));
    }
  }
  return { tag: 'DROP ROLE', writes: change.finish(), notices };
}

/** What keeps a role from being dropped, as PostgreSQL's DETAIL lines say it; DSQL adds its IAM mappings. */
function roleDependents(catalog: CatalogSnapshot, oid: number, searchPath: readonly string[]): string[] {
  const lines: string[] = [];
  for (const acl of catalog.access.allObjectAcls()) {
    const object = describeObject(catalog, acl.oid);
    if (!object) continue;
    const name = describedName(catalog, acl.oid, object, searchPath);
    if (acl.owner === oid) lines.push(`owner of ${object.kind} ${name}`);
    else if ((acl.acl ?? []).some((item) => item.grantee === oid || item.grantor === oid)) lines.push(`privileges for ${object.kind} ${name}`);
  }
  lines.push(...defaultAclDependents(catalog, oid));
  for (const mapping of catalog.access.iamMappings()) if (mapping.roleOid === oid) lines.push(`IAM trust with ${mapping.arn}`);
  return lines;
}

/**
 * An object's name as getObjectDescription prints it: qualified when the search path would not
 * find it by its bare name; a function with its argument types (`f(integer)`).
 */
function describedName(catalog: CatalogSnapshot, oid: number, object: { kind: ObjectKind | 'type'; name: string; schema: string | null }, searchPath: readonly string[]): string {
  if (object.schema === null) return object.name;
  const first = searchPath.find((schema) => object.kind === 'function' || object.kind === 'type' ? schema === object.schema
    : catalog.table(schema, object.name) ?? catalog.view(schema, object.name) ?? catalog.sequence(schema, object.name));
  const name = first === object.schema ? object.name : `${object.schema}.${object.name}`;
  if (object.kind !== 'function') return name;
  const fn = catalog.allFunctions().find((f) => f.id === oid);
  return fn ? `${name}(${fn.args.map((a) => types.formatType(a.typeOid, -1)).join(',')})` : name;
}

/** The kind and (qualified where PostgreSQL qualifies it) name of an object by oid. */
export function describeObject(catalog: CatalogSnapshot, oid: number): { kind: ObjectKind | 'type'; name: string; schema: string | null } | null {
  const table = catalog.tableById(oid);
  if (table) return { kind: 'table', name: table.name, schema: table.schema };
  for (const view of catalog.allViews()) if (view.id === oid) return { kind: 'view', name: view.name, schema: view.schema };
  const sequence = catalog.sequenceById(oid);
  if (sequence) return { kind: 'sequence', name: sequence.name, schema: sequence.schema };
  const domain = catalog.domainById(oid);
  if (domain) return { kind: 'type', name: domain.name, schema: domain.schema };
  const fn = catalog.allFunctions().find((f) => f.id === oid);
  if (fn) return { kind: 'function', name: fn.name, schema: fn.schema };
  for (const schema of catalog.allSchemas()) if (schema.oid === oid) return { kind: 'schema', name: schema.name, schema: null };
  return null;
}

/** May the current role grant membership in `roleOid`? CREATEROLE, or ADMIN OPTION on it (PostgreSQL 15). */
function canAdminister(access: AccessCatalog, currentRole: number, roleOid: number): boolean {
  if (access.roleByOid(currentRole)?.createRole) return true;
  for (const via of access.memberRoles(currentRole)) {
    if (access.membership(roleOid, via)?.adminOption) return true;
  }
  return false;
}

function grantRole(statement: Extract<RoleStatement, { kind: 'grant-role' }>, ctx: RoleDdlContext): RoleDdlResult {
  const access = ctx.catalog.access;
  const change = new CatalogChange(ctx.catalog);
  const notices: SqlError[] = [];
  const members = statement.members.map((spec) => resolveRoleSpec(spec, ctx, false));
  for (const roleName of statement.roles) {
    const role = access.role(roleName);
    if (!role) throw undefinedRole(roleName);
    if (role.oid === ADMIN_ROLE_OID) throw new SqlError('42501', `permission denied to ${statement.grant ? 'grant' : 'revoke'} role "admin"`, { detail: 'The admin role cannot be modified.' });
    if (!canAdminister(access, ctx.currentRole, role.oid)) throw new SqlError('42501', `must have admin option on role "${role.name}"`);
    for (const memberOid of members) {
      const memberName = access.roleName(memberOid);
      const existing = access.membership(role.oid, memberOid);
      if (statement.grant) {
        if (access.memberRoles(role.oid).has(memberOid)) throw new SqlError('0LP01', `role "${role.name}" is a member of role "${memberName}"`);
        if (existing && (existing.adminOption || !statement.adminOption)) {
          notices.push(new SqlError('00000', `role "${memberName}" is already a member of role "${role.name}"`));
          continue;
        }
        change.writes.push(accessWrites.putMembership({ roleOid: role.oid, memberOid, grantorOid: ctx.currentRole, adminOption: statement.adminOption || (existing?.adminOption ?? false) }));
      } else {
        if (!existing) {
          notices.push(new SqlError('01000', `role "${memberName}" is not a member of role "${role.name}"`));
          continue;
        }
        if (statement.adminOption) change.writes.push(accessWrites.putMembership({ ...existing, adminOption: false }));
        else change.writes.push(accessWrites.deleteMembership(role.oid, memberOid));
      }
    }
  }
  return { tag: statement.grant ? 'GRANT ROLE' : 'REVOKE ROLE', writes: change.finish(), notices };
}
