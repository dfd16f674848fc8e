import { SqlError } from '../../contracts/errors.js';
import { convertTypeName } from '../sql/convert.js';
import type { GrantTarget, RelationName, RoleOptions, RoleSpec, RoleStatement, RoutineName, RoutineWord } from './role-ast.js';

/**
 * libpg-query's role and privilege statements → RoleStatement. What DSQL does not have is
 * refused here (0A000), so it never reaches the catalog: passwords (DSQL authenticates with IAM
 * tokens), CREATEDB (one database per cluster), CREATEROLE for custom roles (only `admin` manages
 * roles), connection limits and expiry (not enforced here, so not accepted), column privileges.
 * SUPERUSER, REPLICATION and BYPASSRLS get PostgreSQL's own refusal for a creator that is not a
 * superuser, which DSQL's admin is not.
 */

// libpg-query nodes are `{ NodeName: { ...fields } }` with every field optional.
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function unsupported(message: string): SqlError {
  return new SqlError('0A000', message);
}

function roleSpec(node: Json): RoleSpec {
  const spec = node.RoleSpec ?? node;
  switch (spec.roletype) {
    case 'ROLESPEC_CSTRING': return { kind: 'name', name: spec.rolename };
    case 'ROLESPEC_PUBLIC': return { kind: 'public' };
    case 'ROLESPEC_CURRENT_USER':
    case 'ROLESPEC_CURRENT_ROLE': return { kind: 'current_user' };
    case 'ROLESPEC_SESSION_USER': return { kind: 'session_user' };
    default: throw unsupported(`role specification ${String(spec.roletype)} is not supported`);
  }
}

function roleNames(list: Json): string[] {
  return (list ?? []).map((node: Json) => {
    const spec = roleSpec(node);
    if (spec.kind !== 'name') throw new SqlError('42704', `role "${spec.kind}" does not exist`);
    return spec.name;
  });
}

const SUPERUSER_ONLY: Record<string, string> = {
  superuser: 'must be superuser to create superusers',
  isreplication: 'must be superuser to create replication users',
  bypassrls: 'must be superuser to create bypassrls users',
};

const OPTION_WORDS: Record<string, string> = {
  superuser: 'SUPERUSER', createdb: 'CREATEDB', createrole: 'CREATEROLE', isreplication: 'REPLICATION', bypassrls: 'BYPASSRLS',
  password: 'PASSWORD', validUntil: 'VALID UNTIL', connectionlimit: 'CONNECTION LIMIT', sysid: 'SYSID',
};

/** Options of CREATE ROLE (`create`) or ALTER ROLE. */
function roleOptions(list: Json, create: boolean, user: boolean): RoleOptions {
  const options: { login?: boolean; inherit?: boolean; inRoles?: string[]; members?: string[]; adminMembers?: string[] } = user ? { login: true } : {};
  for (const item of list ?? []) {
    const def = item.DefElem;
    const name: string = def.defname;
    const flag = def.arg?.Boolean ? !!def.arg.Boolean.boolval : def.arg?.Integer ? def.arg.Integer.ival !== 0 : true;
    if (name === 'canlogin') options.login = flag;
    else if (name === 'inherit') options.inherit = flag;
    else if (create && name === 'addroleto') options.inRoles = roleNames(def.arg);
    else if (create && name === 'rolemembers') options.members = roleNames(def.arg);
    else if (create && name === 'adminmembers') options.adminMembers = roleNames(def.arg);
    else if (['superuser', 'createdb', 'createrole', 'isreplication', 'bypassrls'].includes(name) && !flag) continue; // NOSUPERUSER etc.: the default
    else if (create && SUPERUSER_ONLY[name]) throw new SqlError('42501', SUPERUSER_ONLY[name]!);
    else if (name === 'password' && def.arg === undefined) continue; // PASSWORD NULL: no password, which is the only state
    else {
      const word = OPTION_WORDS[name] ?? name.toUpperCase();
      throw unsupported(`${create ? 'CREATE' : 'ALTER'} ROLE with ${word} is not supported`);
    }
  }
  return options;
}

function relationName(node: Json): RelationName {
  const r = node.RangeVar;
  return { schema: r.schemaname ?? null, name: r.relname };
}

function routineName(node: Json): RoutineName {
  const o = node.ObjectWithArgs;
  const argTypes = o.args_unspecified ? null : ((o.objargs ?? []) as Json[]).map((t) => convertTypeName(t.TypeName ?? t));
  return { names: (o.objname as Json[]).map((s) => String(s.String.sval)), argTypes };
}

function grantTarget(n: Json): GrantTarget {
  const strings = (): string[] => (n.objects ?? []).map((o: Json) => o.String.sval as string);
  if (n.targtype === 'ACL_TARGET_DEFAULTS') throw unsupported('ALTER DEFAULT PRIVILEGES is not supported yet');
  const inSchema = n.targtype === 'ACL_TARGET_ALL_IN_SCHEMA';
  switch (n.objtype) {
    case 'OBJECT_TABLE':
      return inSchema ? { kind: 'all-tables-in-schema', schemas: strings() } : { kind: 'tables', relations: (n.objects ?? []).map(relationName) };
    case 'OBJECT_SEQUENCE':
      return inSchema ? { kind: 'all-sequences-in-schema', schemas: strings() } : { kind: 'sequences', relations: (n.objects ?? []).map(relationName) };
    case 'OBJECT_SCHEMA': return { kind: 'schemas', names: strings() };
    case 'OBJECT_FUNCTION':
    case 'OBJECT_PROCEDURE':
    case 'OBJECT_ROUTINE': {
      const word = String(n.objtype).replace('OBJECT_', '').toLowerCase() as RoutineWord;
      return inSchema ? { kind: 'all-routines-in-schema', word, schemas: strings() } : { kind: 'routines', word, routines: (n.objects ?? []).map(routineName) };
    }
    case 'OBJECT_DATABASE': throw unsupported('GRANT and REVOKE on the database are not supported');
    default: throw unsupported(`GRANT and REVOKE on ${String(n.objtype).replace('OBJECT_', '').toLowerCase()} objects are not supported`);
  }
}

function grantPrivileges(n: Json): string[] | null {
  if (!n.privileges) return null;
  return n.privileges.map((p: Json) => {
    if (p.AccessPriv.cols) throw unsupported('column privileges are not supported');
    return p.AccessPriv.priv_name as string;
  });
}

const DEFAULT_PRIVILEGE_OBJECTS: Record<string, 'tables' | 'sequences' | 'functions' | 'schemas'> = {
  OBJECT_TABLE: 'tables', OBJECT_SEQUENCE: 'sequences', OBJECT_FUNCTION: 'functions', OBJECT_ROUTINE: 'functions', OBJECT_SCHEMA: 'schemas',
};

/** ALTER DEFAULT PRIVILEGES: its options (FOR ROLE, IN SCHEMA) and the GRANT/REVOKE it carries. */
function convertAlterDefaultPrivileges(n: Json): RoleStatement {
  let roles: string[] = [];
  let schemas: string[] = [];
  for (const item of n.options ?? []) {
    const def = item.DefElem;
    if (def.defname === 'roles') roles = roleNames(def.arg?.List?.items ?? def.arg);
    else if (def.defname === 'schemas') schemas = (def.arg?.List?.items ?? def.arg ?? []).map((s: Json) => String(s.String.sval));
  }
  const action = n.action;
  const objectType = DEFAULT_PRIVILEGE_OBJECTS[action.objtype];
  if (!objectType) throw unsupported(`ALTER DEFAULT PRIVILEGES … ON ${String(action.objtype).replace('OBJECT_', '')}S is not supported`);
  return {
    kind: 'alter-default-privileges', grant: !!action.is_grant, roles, schemas, objectType, privileges: grantPrivileges(action),
    grantees: (action.grantees ?? []).map(roleSpec), grantOption: !!action.grant_option, cascade: action.behavior === 'DROP_CASCADE',
  };
}

function convertGrant(n: Json): RoleStatement {
  const columnItems = (n.privileges ?? []).filter((p: Json) => p.AccessPriv.cols);
  const privileges = columnItems.length === 0 ? grantPrivileges(n)
    : (n.privileges as Json[]).filter((p) => !p.AccessPriv.cols).map((p) => p.AccessPriv.priv_name as string);
  const columnPrivileges = columnItems.map((p: Json) => ({
    privilege: (p.AccessPriv.priv_name as string | undefined) ?? null,
    columns: (p.AccessPriv.cols as Json[]).map((c) => String(c.String.sval)),
  }));
  return {
    kind: 'grant-privileges', grant: !!n.is_grant, target: grantTarget(n), privileges, columnPrivileges,
    grantees: (n.grantees ?? []).map(roleSpec), grantOption: !!n.grant_option, cascade: n.behavior === 'DROP_CASCADE',
  };
}

function convertGrantRole(n: Json): RoleStatement {
  if (n.grantor) throw unsupported('GRANTED BY is not supported');
  let adminOption = false;
  for (const item of n.opt ?? []) {
    const def = item.DefElem;
    if (def.defname !== 'admin') throw unsupported(`GRANT role WITH ${String(def.defname).toUpperCase()} OPTION is not supported`);
    adminOption = def.arg?.Boolean ? !!def.arg.Boolean.boolval : true;
  }
  const roles = (n.granted_roles ?? []).map((p: Json) => {
    if (p.AccessPriv.cols) throw new SqlError('0LP01', 'column names cannot be included in GRANT/REVOKE ROLE');
    return p.AccessPriv.priv_name as string;
  });
  return { kind: 'grant-role', grant: !!n.is_grant, roles, members: (n.grantee_roles ?? []).map(roleSpec), adminOption, cascade: n.behavior === 'DROP_CASCADE' };
}

/** The role statements' nodes, or null for any other node. */
export function convertRoleStatement(name: string, n: Json): RoleStatement | null {
  switch (name) {
    case 'CreateRoleStmt': {
      if (n.stmt_type === 'ROLESTMT_GROUP') throw unsupported('CREATE GROUP is not supported; use CREATE ROLE');
      const user = n.stmt_type === 'ROLESTMT_USER';
      return { kind: 'create-role', name: n.role, user, options: roleOptions(n.options, true, user) };
    }
    case 'AlterRoleStmt':
      return { kind: 'alter-role', role: roleSpec(n.role), options: roleOptions(n.options, false, false) };
    case 'AlterRoleSetStmt': throw unsupported('ALTER ROLE … SET is not supported');
    case 'DropRoleStmt': return { kind: 'drop-role', names: (n.roles ?? []).map(roleSpec), ifExists: !!n.missing_ok };
    case 'GrantStmt': return convertGrant(n);
    case 'GrantRoleStmt': return convertGrantRole(n);
    case 'AlterDefaultPrivilegesStmt': return convertAlterDefaultPrivileges(n);
    case 'ReassignOwnedStmt': throw unsupported('unsupported statement: ReassignOwned');
    case 'DropOwnedStmt': throw unsupported('unsupported statement: DropOwned');
    case 'RenameStmt':
      if (n.renameType !== 'OBJECT_ROLE') return null;
      return { kind: 'rename-role', name: n.subname, newName: n.newname };
    default: return null;
  }
}

/**
 * DSQL's `AWS IAM GRANT role TO 'arn'` / `AWS IAM REVOKE role FROM 'arn'` (reference/dsql.md
 * §5.2), which is not PostgreSQL grammar: recognized before the parser sees the text. Null when
 * `sql` is not such a statement.
 */
export function parseIamStatement(sql: string): RoleStatement | null {
  const head = /^\s*aws\s+iam\s+(grant|revoke)\b/i.exec(sql);
  if (!head) return null;
  const grant = head[1]!.toLowerCase() === 'grant';
  const body = new RegExp(`^\\s*aws\\s+iam\\s+${grant ? 'grant' : 'revoke'}\\s+("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)\\s+${grant ? 'to' : 'from'}\\s+'((?:[^']|'')*)'\\s*;?\\s*$`, 'i').exec(sql);
  if (!body) throw new SqlError('42601', `syntax error in AWS IAM ${grant ? 'GRANT' : 'REVOKE'}: expected AWS IAM ${grant ? 'GRANT role TO' : 'REVOKE role FROM'} 'arn'`);
  const raw = body[1]!;
  const role = raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw.toLowerCase();
  return { kind: 'iam-grant', grant, role, arn: body[2]!.replace(/''/g, "'") };
}
