import type { Statement } from './ast.js';

/**
 * Which rows a statement locks with SELECT … FOR UPDATE, which DSQL adjudicates as if written
 * (reference/dsql.md §4.2):
 * - 'none': no locking clause anywhere;
 * - 'outer': FOR UPDATE on the statement's own SELECT only — the rows of its FROM items
 *   (subqueries and LATERAL ones included), not those its expression subqueries read, as in
 *   PostgreSQL;
 * - 'every': FOR UPDATE on a nested SELECT (in WITH, in FROM, in an expression). PostgreSQL
 *   locks that SELECT's rows; the executor's lock flag is per statement, so every row the
 *   statement reads is locked. Locking more than PostgreSQL only adds conflicts; locking less
 *   would let a concurrent write to a locked row go undetected.
 * Computed once per plan.
 */
export type RowLocks = 'none' | 'outer' | 'every';

export function rowLocksOf(statement: Statement): RowLocks {
  if (statement.kind !== 'select' && statement.kind !== 'insert' && statement.kind !== 'update' && statement.kind !== 'delete') return 'none';
  if (hasNestedForUpdate(statement)) return 'every';
  return statement.kind === 'select' && statement.forUpdate ? 'outer' : 'none';
}

/** Whether a SELECT below the root has FOR UPDATE (the AST is a tree of plain objects). */
function hasNestedForUpdate(root: object): boolean {
  const pending: unknown[] = Object.values(root);
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === null || typeof node !== 'object') continue;
    if ((node as { kind?: unknown }).kind === 'select' && (node as { forUpdate?: unknown }).forUpdate === true) return true;
    // One push per child: a long VALUES list would overflow a spread's argument limit.
    for (const child of Array.isArray(node) ? node : Object.values(node)) pending.push(child);
  }
  return false;
}
