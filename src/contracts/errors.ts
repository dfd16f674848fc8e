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

/**
 * The cluster cannot serve this now — storage did not reach the read's timestamp in time, no
 * replica or adjudicator leader answered: a region cut off from the others, or a failover under
 * way. SQLSTATE 57P03 (cannot_connect_now), PostgreSQL's code for a server that is up but not
 * serving yet (starting up, in recovery): class 57 is what drivers and poolers treat as "try
 * again later", where XX000 would say the server has a bug. The detail says what was waited for.
 */
export function serverUnavailable(detail: string): SqlError {
  return new SqlError(SERVER_UNAVAILABLE, 'server unavailable', { detail });
}

export const SERVER_UNAVAILABLE = '57P03';

/**
 * A statement past what the JavaScript engine holds, as PostgreSQL's errors for its own limits:
 * nested deeper than the stack reaches (a thousands-deep expression, set operation or json
 * value) is 54001, which PostgreSQL raises where its own stack runs out; a string or array past
 * the engine's largest (string_agg of a gigabyte) is 54000 out of memory, as PostgreSQL's
 * enlargeStringInfo says. A limit of the statement, not a bug. Null for any other error.
 */
export function resourceLimitError(error: unknown): SqlError | null {
  if (!(error instanceof RangeError)) return null;
  if (/maximum call stack/i.test(error.message)) return new SqlError('54001', 'stack depth limit exceeded', { hint: 'The statement is nested too deeply.' });
  if (/^(Invalid string length|Invalid array length|Invalid typed array length|Array buffer allocation failed)/.test(error.message)) {
    return new SqlError('54000', 'out of memory', { detail: 'A value the statement builds is larger than the server can hold.' });
  }
  return null;
}

/** A broken invariant: a bug, never a user error. Assertions stay on in production. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
