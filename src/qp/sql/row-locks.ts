import type { RowLockStrength, Statement } from './ast.js';

/**
 * Which rows a statement locks with SELECT … FOR UPDATE or FOR KEY SHARE, and how
 * (reference/dsql.md §4.2). Null when there is no locking clause anywhere; otherwise:
 * - strength: 'update' adjudicates the rows as if written; 'key-share' carries their key-lock
 *   keys as key shares, which conflict only with a concurrent delete, key change or FOR UPDATE.
 *   One strength per statement, the strongest of its clauses: FOR UPDATE conflicts with
 *   everything FOR KEY SHARE does, so a row locked more strongly than PostgreSQL would only adds
 *   conflicts, never hides one;
 * - scope 'outer': a clause on the statement's own SELECT only — the rows of its FROM items
 *   (subqueries and LATERAL ones included), not those its expression subqueries read, as in
 *   PostgreSQL;
 * - scope 'every': a clause on a nested SELECT (in WITH, in FROM, in an expression). PostgreSQL
 *   locks that SELECT's rows; the executor's lock flag is per statement, so every row the
 *   statement reads is locked. Locking more than PostgreSQL only adds conflicts; locking less
 *   would let a concurrent write to a locked row go undetected.
 * Computed once per plan.
 */
export interface RowLocks {
  readonly strength: RowLockStrength;
  readonly scope: 'outer' | 'every';
}

export function rowLocksOf(statement: Statement): RowLocks | null {
  if (statement.kind !== 'select' && statement.kind !== 'insert' && statement.kind !== 'update' && statement.kind !== 'delete') return null;
  const own = statement.kind === 'select' ? statement.locking : null;
  const nested = nestedLocking(statement);
  if (nested !== null) return { strength: own === 'update' ? 'update' : nested, scope: 'every' };
  return own === null ? null : { strength: own, scope: 'outer' };
}

/** The strongest locking clause of a SELECT below the root (the AST is a tree of plain objects). */
function nestedLocking(root: object): RowLockStrength | null {
  let strongest: RowLockStrength | null = null;
  const pending: unknown[] = Object.values(root);
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === null || typeof node !== 'object') continue;
    if ((node as { kind?: unknown }).kind === 'select') {
      const locking = (node as { locking?: RowLockStrength | null }).locking;
      if (locking === 'update') return 'update';
      if (locking === 'key-share') strongest = 'key-share';
    }
    // One push per child: a long VALUES list would overflow a spread's argument limit.
    for (const child of Array.isArray(node) ? node : Object.values(node)) pending.push(child);
  }
  return strongest;
}
