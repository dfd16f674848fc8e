/**
 * Session state a DSQL refusal leaves different: after a refused SET, PostgreSQL's session goes
 * on with the new setting and DSQL's without it, so the statements that follow are judged as
 * following a refusal until the setting is back where both agree.
 */
import type { Node, StatementInfo } from './analysis.js';
import type { Refusal } from './dsql.js';

export interface SessionDivergence {
  /** PostgreSQL's session differs from DSQL's since a refusal. */
  readonly diverged: boolean;
  /** DSQL's refusal of the statement, when this tracker's rule decides it (else null). */
  refusal(info: Pick<StatementInfo, 'type' | 'node'>): Refusal | null;
  /** Records a statement's effect; `refused` when DSQL refuses it (by any rule). */
  after(info: Pick<StatementInfo, 'type' | 'node'>, refused: boolean, index: number): void;
}

/**
 * A read-only default: `SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY` (DSQL refuses every
 * SET TRANSACTION form, §2.1) and `SET default_transaction_read_only` (§5.2: it cannot be set)
 * make PostgreSQL's later transactions read-only and leave DSQL's writable, until the default is
 * READ WRITE / off again, reset, or RESET ALL.
 */
export class DsqlReadOnlyDefault implements SessionDivergence {
  private divergedSince: number | null = null;

  get diverged(): boolean {
    return this.divergedSince !== null;
  }

  refusal(): Refusal | null {
    return null;
  }

  after(info: Pick<StatementInfo, 'type' | 'node'>, refused: boolean, index: number): void {
    if (info.type !== 'VariableSetStmt') return;
    const readOnly = readOnlyDefault(info.node);
    if (readOnly === true && refused) this.divergedSince ??= index;
    if (readOnly === false) this.divergedSince = null;
  }
}

/** What the statement sets the read-only default to: true, false, or null when it does not touch it. */
function readOnlyDefault(node: Node): boolean | null {
  const name = String(node.name ?? '').toLowerCase();
  if (node.kind === 'VAR_RESET_ALL') return false;
  if (node.kind === 'VAR_SET_MULTI' && name === 'session characteristics') {
    for (const arg of (node.args as Node[] | undefined) ?? []) {
      const def = arg.DefElem as Node | undefined;
      if (def?.defname !== 'transaction_read_only') continue;
      const value = (def.arg as Node | undefined)?.A_Const as Node | undefined;
      return Number((value?.ival as Node | undefined)?.ival ?? 0) === 1 || (value?.boolval as Node | undefined)?.boolval === true;
    }
    return null;
  }
  if (name !== 'default_transaction_read_only') return null;
  if (node.kind !== 'VAR_SET_VALUE') return false;
  const arg = ((node.args as Node[] | undefined) ?? [])[0]?.A_Const as Node | undefined;
  const text = String((arg?.sval as Node | undefined)?.sval ?? (arg?.ival as Node | undefined)?.ival ?? (arg?.boolval as Node | undefined)?.boolval ?? '').toLowerCase();
  return ['on', 'true', 'yes', '1', 't', 'y'].includes(text);
}

/**
 * Settings a diverged transaction block SET: PostgreSQL committed them, while the block DSQL
 * aborted (by a refusal, or by a statement that followed one) rolled them back. The session
 * differs until each is set or reset again (RESET ALL: all of them).
 */
export class DivergedSettings implements SessionDivergence {
  private readonly settings = new Set<string>();

  get diverged(): boolean {
    return this.settings.size > 0;
  }

  /** The settings a diverged block committed on PostgreSQL's side only. */
  diverge(settings: readonly string[]): void {
    for (const name of settings) if (name !== '') this.settings.add(name);
  }

  refusal(): Refusal | null {
    return null;
  }

  after(info: Pick<StatementInfo, 'type' | 'node'>): void {
    if (info.type !== 'VariableSetStmt' || info.node.is_local) return;
    if (info.node.kind === 'VAR_RESET_ALL') this.settings.clear();
    else this.settings.delete(String(info.node.name ?? '').toLowerCase());
  }
}
