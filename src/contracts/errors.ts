/**
 * User-facing errors are PostgreSQL errors (DESIGN.md §6): SQLSTATE, message, and where
 * PostgreSQL gives them, detail, hint and a 1-based character position in the query.
 * Anything else thrown is an internal error (a bug) and is reported as XX000.
 */
export class SqlError extends Error {
  readonly code: string;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  position: number | undefined;
  /** PostgreSQL's CONTEXT (the W field): where the error happened, e.g. `COPY t, line 3, column b: "x"`. */
  where: string | undefined;
  readonly severity: 'ERROR' | 'FATAL';

  constructor(
    code: string,
    message: string,
    extra: { detail?: string; hint?: string; position?: number; where?: string; severity?: 'ERROR' | 'FATAL' } = {},
  ) {
    super(message);
    this.name = 'SqlError';
    this.code = code;
    this.detail = extra.detail;
    this.hint = extra.hint;
    this.position = extra.position;
    this.where = extra.where;
    this.severity = extra.severity ?? 'ERROR';
  }
}

/** A broken invariant: a bug, never a user error. Assertions stay on in production. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
