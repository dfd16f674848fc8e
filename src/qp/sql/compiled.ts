import type { RecordField, SqlValue } from '../../contracts/sql-value.js';
import type { OutputStyle } from '../types/output-style.js';
import type { Timestamp } from '../../contracts/time.js';
import type { RandomSource } from '../../contracts/time.js';
import type { SessionSequences } from '../sequences/sequence-session.js';
import type { SessionRandom } from '../types/session-random.js';

/** What a running statement gives its expressions. */
export interface ExecContext {
  readonly params: readonly SqlValue[];
  /** The transaction's start timestamp (now(), current_timestamp), µs since the Unix epoch. */
  readonly statementTimestamp: Timestamp;
  /** current_user; session_user is `sessionUser` when it differs (SET ROLE). */
  readonly user: string;
  readonly sessionUser?: string;
  readonly random: RandomSource;
  /** random() and setseed(): the session's (absent: random() draws from `random`). */
  readonly sessionRandom?: SessionRandom;
  /** Rows of the "outer" side, for ON CONFLICT's EXCLUDED and the like. */
  excluded: SqlValue[] | null;
  /** The rows of the enclosing queries, innermost last, while a correlated subquery runs. */
  readonly outerRows?: readonly (readonly SqlValue[])[];
  /** The session's sequence functions (nextval, currval, …). */
  readonly sequences?: SessionSequences;
  /** Waits (pg_sleep); absent where statements cannot wait. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The wall clock now, µs since the Unix epoch (pg_sleep_for/until's clock_timestamp()); absent where statements cannot wait. */
  readonly wallClock?: () => number;
  /** bytea_output and extra_float_digits, for casts of bytea and floats to text. */
  readonly outputStyle?: OutputStyle;
  /** The running statement's processing so far, µs (EXPLAIN ANALYZE VERBOSE's DPU estimate); absent where not metered. */
  readonly statementMicros?: () => number;
}

export type Evaluator = (row: SqlValue[], ctx: ExecContext) => SqlValue;

/** A typed, compiled expression. */
export interface CompiledExpr {
  readonly oid: number;
  readonly typmod: number;
  readonly eval: Evaluator;
  /** Set for an untyped string literal ('unknown'), so a context can give it a type. */
  readonly unknownLiteral?: string;
  /** Set for a parameter reference whose type may still be inferred from context. */
  readonly paramIndex?: number;
  /** A parameter reference's: gives the parameter a type when it has none yet (the first context to type it wins). */
  readonly inferParameter?: (oid: number) => void;
  /** Set for a plain column reference: its position in the input row. */
  readonly column?: number;
  /** True when the value depends on no row (constants, parameters, now()). */
  readonly rowIndependent: boolean;
  /** The output column name PostgreSQL would give this expression. */
  readonly name: string;
  /**
   * The name is a weak guess (PostgreSQL's FigureColname strength 1: a cast's type, CASE): an
   * enclosing cast names the column after its own type instead. False: a strong name even when
   * it is `?column?` (a scalar subquery's column). Unset: strong unless it is `?column?`.
   */
  readonly weakName?: boolean;
  readonly location: number;
  /** For a row value (oid record) whose fields are known when planning: them, for `(x).f` and `(x).*`. */
  readonly record?: readonly RecordField[];
}
