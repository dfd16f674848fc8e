import { SqlError } from '../../contracts/errors.js';
import type { CatalogSnapshot } from '../catalog/catalog.js';

/**
 * A session's roles: the authenticated user, session_user (SET SESSION AUTHORIZATION) and
 * current_user (SET ROLE), kept by name. As in PostgreSQL, SET ROLE needs membership in the
 * role (INHERIT or not) and a SET inside a transaction block is undone by its rollback; SET
 * LOCAL lasts until the transaction ends. SET SESSION AUTHORIZATION needs a superuser in
 * PostgreSQL; DSQL's admin is none, so here it may only name the authenticated user (which
 * undoes an earlier SET ROLE), for admin and every other role alike.
 */
interface RoleState {
  readonly sessionUser: string;
  /** SET ROLE's role; null for NONE. */
  readonly role: string | null;
}

export class SessionRoles {
  private state: RoleState;
  /** The state when the transaction block began (what a rollback restores). */
  private atBlockStart: RoleState | null = null;
  /** SET LOCAL ROLE's value, until the transaction ends. */
  private local: { role: string | null } | null = null;

  constructor(readonly authenticatedUser: string) {
    this.state = { sessionUser: authenticatedUser, role: null };
  }

  get sessionUser(): string {
    return this.state.sessionUser;
  }

  get currentUser(): string {
    const role = this.local !== null ? this.local.role : this.state.role;
    return role ?? this.state.sessionUser;
  }

  /** SHOW role: `none` when no SET ROLE is in effect. */
  get shownRole(): string {
    return (this.local !== null ? this.local.role : this.state.role) ?? 'none';
  }

  /** SET [LOCAL] ROLE name | NONE; RESET ROLE passes null. */
  setRole(name: string | null, local: boolean, inBlock: boolean, catalog: CatalogSnapshot): void {
    const role = name === null || name === 'none' ? null : name;
    if (role !== null) {
      const access = catalog.access;
      const target = access.role(role);
      if (!target) throw new SqlError('42704', `role "${role}" does not exist`);
      const session = access.role(this.state.sessionUser);
      if (!session || !access.memberRoles(session.oid).has(target.oid)) throw new SqlError('42501', `permission denied to set role "${role}"`);
    }
    if (local) {
      // Outside a block SET LOCAL has no effect (PostgreSQL warns, and so do we).
      if (inBlock) this.local = { role };
      return;
    }
    this.local = null;
    this.state = { ...this.state, role };
  }

  /** SET SESSION AUTHORIZATION name | DEFAULT (null). */
  setSessionAuthorization(name: string | null, local: boolean, inBlock: boolean): void {
    const user = name ?? this.authenticatedUser;
    if (user !== this.authenticatedUser) throw new SqlError('42501', `permission denied to set session authorization "${user}"`);
    if (local && !inBlock) return;
    this.local = null;
    this.state = { sessionUser: user, role: null };
  }

  blockBegan(): void {
    this.atBlockStart = this.state;
  }

  /** The transaction ended: SET LOCAL is over, and a rollback undoes the block's SETs. */
  transactionEnded(committed: boolean): void {
    this.local = null;
    if (!committed && this.atBlockStart !== null) this.state = this.atBlockStart;
    this.atBlockStart = null;
  }
}
