import type { Expr } from './ast.js';
import { mapTree } from './ast-map.js';
import type { Evaluator } from './compiled.js';
import { Filter, Truncate, type RowSource } from './operators.js';
import { ApplySubplans, type SubplanCollector } from './subplans.js';

/**
 * Subqueries over tables inside JOIN … ON. A join evaluates its condition synchronously on each
 * pair of rows, while a subplan reads storage asynchronously (subplans.ts), so the parts of an
 * inner join's condition that hold a subquery are tested after the join instead, on its output
 * rows, the way a WHERE is: for an inner join that keeps exactly the same rows. An outer join
 * fills in NULLs for the rows its condition rejects, which a later filter cannot do, so there
 * the join itself runs the subplans on each candidate pair before testing the condition
 * (`JoinSpec.conditionSubplans`; such a join is not made an index nested loop).
 */

export function containsSubquery(expr: Expr): boolean {
  let found = false;
  mapTree(expr, (node) => (node.kind === 'subquery' ? (found = true, node) : undefined));
  return found;
}

/** The inner join's conjuncts the join itself tests, and those tested after it (they hold a subquery). */
export function splitJoinCondition(kind: 'inner' | 'cross' | 'left' | 'full', conjuncts: readonly Expr[]): { readonly join: Expr[]; readonly after: Expr[] } {
  if (kind !== 'inner' && kind !== 'cross') return { join: [...conjuncts], after: [] };
  return { join: conjuncts.filter((c) => !containsSubquery(c)), after: conjuncts.filter(containsSubquery) };
}


/**
 * The joined rows that pass `predicate`, its subplans run per row first (their results go after
 * the `width` joined columns, where the planner set `subplans.base`, and are dropped after).
 */
export function filterJoinedRows(joined: RowSource, width: number, predicate: Evaluator, subplans: SubplanCollector): RowSource {
  if (subplans.empty) return new Filter(joined, predicate);
  return new Truncate(new Filter(new ApplySubplans(joined, subplans), predicate), width);
}
