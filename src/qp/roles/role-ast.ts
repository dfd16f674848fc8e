import type { TypeName } from '../sql/ast.js';

/**
 * The statements of roles and privileges (CREATE/ALTER/DROP ROLE, GRANT, REVOKE, AWS IAM
 * GRANT/REVOKE), as src/qp/sql/ast.ts's Statement union includes them.
 */

/** A role as a statement names it: a name, PUBLIC, or CURRENT_USER / SESSION_USER / CURRENT_ROLE. */
export type RoleSpec =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'public' }
  | { readonly kind: 'current_user' }
  | { readonly kind: 'session_user' };

/** CREATE/ALTER ROLE options that are kept; every other option is refused when converted. */
export interface RoleOptions {
  readonly login?: boolean;
  readonly inherit?: boolean;
  /** IN ROLE: roles the new role becomes a member of. */
  readonly inRoles?: readonly string[];
  /** ROLE / ADMIN: roles that become members of the new role (ADMIN: with admin option). */
  readonly members?: readonly string[];
  readonly adminMembers?: readonly string[];
}

export interface RelationName {
  readonly schema: string | null;
  readonly name: string;
}

/** GRANT … ON FUNCTION | PROCEDURE | ROUTINE: which kinds of routine the statement's word admits. */
export type RoutineWord = 'function' | 'procedure' | 'routine';

/** A routine as GRANT names it: `f`, `s.f(int, text)`; argTypes null when no parentheses were written. */
export interface RoutineName {
  readonly names: readonly string[];
  readonly argTypes: readonly TypeName[] | null;
}

export type GrantTarget =
  | { readonly kind: 'tables'; readonly relations: readonly RelationName[] }
  | { readonly kind: 'sequences'; readonly relations: readonly RelationName[] }
  | { readonly kind: 'all-tables-in-schema'; readonly schemas: readonly string[] }
  | { readonly kind: 'all-sequences-in-schema'; readonly schemas: readonly string[] }
  | { readonly kind: 'schemas'; readonly names: readonly string[] }
  | { readonly kind: 'routines'; readonly word: RoutineWord; readonly routines: readonly RoutineName[] }
  | { readonly kind: 'all-routines-in-schema'; readonly word: RoutineWord; readonly schemas: readonly string[] };

export type RoleStatement =
  | { readonly kind: 'create-role'; readonly name: string; readonly user: boolean; readonly options: RoleOptions }
  | { readonly kind: 'alter-role'; readonly role: RoleSpec; readonly options: RoleOptions }
  | { readonly kind: 'drop-role'; readonly names: readonly RoleSpec[]; readonly ifExists: boolean }
  | { readonly kind: 'rename-role'; readonly name: string; readonly newName: string }
  | {
      readonly kind: 'grant-privileges'; readonly grant: boolean; readonly target: GrantTarget;
      /** Privilege keywords as written; null for ALL [PRIVILEGES]; empty when only column privileges are named. */
      readonly privileges: readonly string[] | null;
      /** `SELECT (a, b)`: privileges on columns (privilege null for ALL (cols)). */
      readonly columnPrivileges: readonly { readonly privilege: string | null; readonly columns: readonly string[] }[];
      readonly grantees: readonly RoleSpec[];
      /** GRANT … WITH GRANT OPTION, or REVOKE GRANT OPTION FOR. */
      readonly grantOption: boolean;
      readonly cascade: boolean;
    }
  | {
      readonly kind: 'grant-role'; readonly grant: boolean; readonly roles: readonly string[]; readonly members: readonly RoleSpec[];
      /** GRANT … WITH ADMIN OPTION, or REVOKE ADMIN OPTION FOR. */
      readonly adminOption: boolean;
      readonly cascade: boolean;
    }
  | { readonly kind: 'iam-grant'; readonly grant: boolean; readonly role: string; readonly arn: string }
  | {
      /** ALTER DEFAULT PRIVILEGES [FOR ROLE …] [IN SCHEMA …] GRANT|REVOKE … ON TABLES|SEQUENCES|FUNCTIONS|SCHEMAS. */
      readonly kind: 'alter-default-privileges'; readonly grant: boolean;
      /** FOR ROLE: empty for the current role. */
      readonly roles: readonly string[];
      readonly schemas: readonly string[];
      readonly objectType: 'tables' | 'sequences' | 'functions' | 'schemas';
      readonly privileges: readonly string[] | null;
      readonly grantees: readonly RoleSpec[];
      readonly grantOption: boolean;
      readonly cascade: boolean;
    };

const ROLE_STATEMENT_KINDS = new Set(['create-role', 'alter-role', 'drop-role', 'rename-role', 'grant-privileges', 'grant-role', 'iam-grant', 'alter-default-privileges']);

export function isRoleStatement(statement: { readonly kind: string }): statement is RoleStatement {
  return ROLE_STATEMENT_KINDS.has(statement.kind);
}
