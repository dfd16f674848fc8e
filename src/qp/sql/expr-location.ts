import type { Expr } from './ast.js';

/**
 * Where an expression starts, as PostgreSQL's exprLocation places it: an operator's or a test's
 * own position, or its first operand's when that comes first (`'' || 'x'` is at `''`).
 */
export function leftmostLocation(expr: Expr): number {
  const first: Expr | null = ('left' in expr ? expr.left : 'arg' in expr ? expr.arg : null) ?? null;
  const own = expr.location;
  const inner = first === null ? -1 : leftmostLocation(first);
  return own < 0 ? inner : inner < 0 ? own : Math.min(own, inner);
}
