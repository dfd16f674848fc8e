import { SqlError } from '../../contracts/errors.js';

/** At most this many are kept: only the first is ever raised, the rest wait behind it in case it is dropped. */
const MAX_FOLD_ERRORS = 64;

/**
 * Errors PostgreSQL raises while it plans a statement. Its planner folds constant subexpressions
 * (`1/0`, `2147483647 + 1`, `1e20::int`), and an error there comes before any row is read — even
 * where no row would reach the expression (`CASE WHEN i > 100 THEN 1/0 …`, a scan of an empty
 * table). Strata folds the same subexpressions as it compiles (compile.ts); a fold that fails is
 * recorded here, and the statement fails when it is bound, where PostgreSQL plans it (Parse still
 * succeeds).
 *
 * What PostgreSQL's simplification drops before it reaches a subexpression is never folded there,
 * so its error is dropped here too (`mark` before, `dropSince`/`drop` after): the arguments of
 * AND/OR after a constant false/true, a CASE arm under a constant-false WHEN and everything after
 * a constant-true one, and COALESCE arguments after a non-null constant. An EXISTS subquery's
 * select list is never compiled where PostgreSQL throws it away (exists-query.ts). A SQL function
 * call's body (and its arguments with it) is left unjudged: PostgreSQL plans it with the query
 * only where it inlines it.
 */
export class FoldErrors {
  private readonly errors: SqlError[] = [];

  record(error: SqlError): void {
    if (this.errors.length < MAX_FOLD_ERRORS) this.errors.push(error);
  }

  /** A position to drop back to. */
  mark(): number {
    return this.errors.length;
  }

  /** Forgets what was recorded since `mark`. */
  dropSince(mark: number): void {
    if (mark < this.errors.length) this.errors.length = mark;
  }

  /** Forgets what was recorded between two marks (later marks shift down by the count dropped). */
  drop(from: number, to: number): void {
    if (from < to) this.errors.splice(from, Math.min(to, this.errors.length) - from);
  }

  /** The error PostgreSQL's planner would raise first, if any. */
  get first(): SqlError | null {
    return this.errors[0] ?? null;
  }
}
