/**
 * DSQL's answer to SET ROLE and SET SESSION AUTHORIZATION, which differs from the corpus's
 * PostgreSQL by design: the harness connects to PostgreSQL as a superuser, while DSQL's `admin`
 * is none (../shared/reference/dsql.md §5.2: its permissions "don't extend to objects that other
 * users create"; "the admin user can grant itself any other role" — it is not a member of a role
 * until it does). So in DSQL, as in PostgreSQL for a user that is no superuser:
 *
 * - `SET [SESSION] ROLE r` for a role the file created and did not grant to admin is refused
 *   with 42501 (permission denied to set role);
 * - `SET SESSION AUTHORIZATION r` for any role but admin is refused with 42501 (only a superuser
 *   may);
 * - `ALTER DEFAULT PRIVILEGES FOR ROLE r` for such a role is refused with 42501 (must be member of
 *   role).
 *
 * The reference records no text for these, so only the SQLSTATE is expected. After such a
 * refusal PostgreSQL's session runs as the other role and DSQL's does not, so every statement up
 * to RESET ROLE / SET ROLE NONE / RESET SESSION AUTHORIZATION / SET SESSION AUTHORIZATION DEFAULT
 * (or the end of the file) follows a refusal.
 */
import type { Node, StatementInfo } from './analysis.js';
import type { Refusal } from './dsql.js';
import type { SessionDivergence } from './dsql-session.js';

/** The user the harness connects as on both servers (DSQL's admin). */
const CONNECTING_USER = 'admin';

export class DsqlSessionRoles implements SessionDivergence {
  /** Roles the file created (and has not dropped). */
  private readonly created = new Set<string>();
  /** Of those, the ones granted to admin. */
  private readonly granted = new Set<string>();
  /** PostgreSQL's session runs as another role since a refused SET ROLE / SESSION AUTHORIZATION. */
  private divergedSince: number | null = null;

  get diverged(): boolean {
    return this.divergedSince !== null;
  }

  /** DSQL's refusal of this statement, when it is a SET ROLE / SESSION AUTHORIZATION admin may not do. */
  refusal(info: Pick<StatementInfo, 'type' | 'node'>): Refusal | null {
    if (info.type === 'AlterDefaultPrivilegesStmt') return this.defaultPrivilegesRefusal(info.node);
    if (info.type !== 'VariableSetStmt' || info.node.kind !== 'VAR_SET_VALUE') return null;
    const target = settingValue(info.node);
    if (target === null || target === 'none' || target === CONNECTING_USER) return null;
    if (info.node.name === 'role' && this.created.has(target) && !this.granted.has(target)) {
      return { rule: 'SET ROLE to a role admin is not a member of', code: '42501', message: null };
    }
    if (info.node.name === 'session_authorization' && this.created.has(target)) {
      return { rule: 'SET SESSION AUTHORIZATION (admin is no superuser)', code: '42501', message: null };
    }
    return null;
  }

  /**
   * ALTER DEFAULT PRIVILEGES FOR ROLE r needs membership in r (PostgreSQL's 42501 "must be member
   * of role" for a user that is no superuser). What it would change applies only to objects r
   * makes, which a file can only do after a SET ROLE / SESSION AUTHORIZATION refused above.
   */
  private defaultPrivilegesRefusal(node: Node): Refusal | null {
    const option = ((node.options as Node[] | undefined) ?? []).map((o) => o.DefElem as Node).find((d) => d?.defname === 'roles');
    const roles = roleNames(((option?.arg as Node | undefined)?.List as Node | undefined)?.items);
    if (!roles.some((role) => this.created.has(role) && !this.granted.has(role))) return null;
    return { rule: 'ALTER DEFAULT PRIVILEGES FOR ROLE a role admin is not a member of', code: '42501', message: null };
  }

  /** Records a statement's effect; `refused` when DSQL refuses it (by any rule). */
  after(info: Pick<StatementInfo, 'type' | 'node'>, refused: boolean, index: number): void {
    const body = info.node;
    switch (info.type) {
      case 'CreateRoleStmt':
        if (!refused && typeof body.role === 'string') this.created.add(body.role.toLowerCase());
        return;
      case 'DropRoleStmt':
        for (const role of roleNames(body.roles)) { this.created.delete(role); this.granted.delete(role); }
        return;
      case 'GrantRoleStmt': {
        if (refused || !roleNames(body.grantee_roles).includes(CONNECTING_USER)) return;
        const roles = ((body.granted_roles as Node[]) ?? []).map((r) => String(((r.AccessPriv as Node | undefined)?.priv_name) ?? '').toLowerCase());
        for (const role of roles) if (body.is_grant) this.granted.add(role); else this.granted.delete(role);
        return;
      }
      case 'VariableSetStmt': {
        if (body.name !== 'role' && body.name !== 'session_authorization') return;
        const target = body.kind === 'VAR_SET_VALUE' ? settingValue(body) : null;
        if (refused && this.refusal(info)) this.divergedSince ??= index;
        else if (target === null || target === 'none' || target === CONNECTING_USER) this.divergedSince = null;
        return;
      }
      default:
        return;
    }
  }
}

function settingValue(node: Node): string | null {
  const arg = ((node.args as Node[] | undefined) ?? [])[0];
  const value = ((arg?.A_Const as Node | undefined)?.sval as Node | undefined)?.sval;
  return typeof value === 'string' ? value.toLowerCase() : null;
}

function roleNames(list: unknown): string[] {
  return ((list as Node[] | undefined) ?? [])
    .map((r) => (r.RoleSpec as Node | undefined)?.rolename)
    .filter((n): n is string => typeof n === 'string')
    .map((n) => n.toLowerCase());
}
