import type { Timestamp } from './time.js';
import type { Key } from './kv.js';
import type { JournalRecord, JournalPosition } from './journal.js';

/**
 * A pushed-down filter on a row tuple: a conjunction of comparisons of one column (by its
 * position in the stored tuple) with a constant, already encoded with the key encoding of the
 * column's type so storage compares bytes without knowing SQL types.
 */
export interface PushedComparison {
  readonly column: number;
  readonly op: '=' | '<>' | '<' | '<=' | '>' | '>=' | 'is-null' | 'is-not-null';
  /** Order-preserving encoding of the constant (absent for the null tests). */
  readonly operand?: Uint8Array;
  /** The column's SQL type, so storage can decode it from the tuple and encode it as a key. */
  readonly typeOid?: number;
}

export interface ReadRequest {
  /** Inclusive start key. */
  readonly start: Key;
  /** Exclusive end key. */
  readonly end: Key;
  /** The snapshot: see every commit with timestamp <= readTimestamp, nothing later. */
  readonly readTimestamp: Timestamp;
  /** At most this many rows (bounded reads; resume from `resumeKey`). */
  readonly limit: number;
  readonly reverse?: boolean;
  readonly filter?: readonly PushedComparison[];
}

export interface ReadResult {
  readonly keys: Key[];
  readonly values: Uint8Array[];
  /** Set when the limit stopped the scan: the next key to read from (exclusive for reverse). */
  readonly resumeKey: Key | null;
  /**
   * The key and value bytes of every visible row the read examined, those a pushed-down filter
   * dropped included: what the read is billed for (DSQL bills a filtered scan's every row).
   * Absent from storage that does not count them; the reader then counts what it received.
   */
  readonly bytesRead?: number;
}

/**
 * Takes the rows of a local scan one by one where storage finds them, with no copy of a key or
 * value per row (`StorageNode.readEach`). The row's key is `key[0, keyLength)` and its tuple is
 * `value[valueStart, value.length)`. The arrays are storage's read buffers, rewritten for the
 * next row (a local store's `rangeInPlace`): read them during the call and copy what must
 * outlive it, with a real copy (copyBetween), never a view (bytesBetween, subarray).
 */
export interface RowVisitor {
  row(key: Uint8Array, keyLength: number, value: Uint8Array, valueStart: number): void;
}

/** What a `readEach` did: the rows it handed over and where the next read resumes. */
export interface VisitedRead {
  readonly rows: number;
  /** As ReadResult's: set when the limit stopped the scan. */
  readonly resumeKey: Key | null;
  /** As ReadResult's. */
  readonly bytesRead?: number;
}

/** How much of a key range is live at a timestamp (pg_relation_size and friends). */
export interface MeasureRequest {
  /** Inclusive start key. */
  readonly start: Key;
  /** Exclusive end key. */
  readonly end: Key;
  readonly readTimestamp: Timestamp;
  /** At most this many keys are counted per call (resume from `resumeKey`). */
  readonly limit: number;
}

export interface MeasureResult {
  /** Keys with a live (not deleted) version at the timestamp. */
  readonly keys: number;
  /** Their bytes: each key's length plus its visible value's length. */
  readonly bytes: number;
  /** Set when the limit stopped the count: the next key to count from. */
  readonly resumeKey: Key | null;
}

/** An MVCC store for a key range that serves reads "as of time τ" (DESIGN.md §2 Storage). */
export interface StorageNode {
  /** Reads the newest version at or before readTimestamp of each key in the range. */
  read(request: ReadRequest): Promise<ReadResult>;
  /**
   * The same read with each row handed to `visitor` as it is found instead of collected: a scan
   * of many rows then allocates no key and value arrays of its own. Absent on storage that is
   * never local (a remote node).
   */
  readEach?(request: ReadRequest, visitor: RowVisitor): Promise<VisitedRead>;
  /** Point read of one key at a timestamp; null when absent or deleted. */
  get(key: Key, readTimestamp: Timestamp): Promise<Uint8Array | null>;
  /**
   * The same point read without a promise, when storage can answer it now (the data is local
   * and safe time has reached readTimestamp); undefined when the read must wait: call `get`.
   * Absent on storage that is never local (a remote node).
   */
  getReady?(key: Key, readTimestamp: Timestamp): Uint8Array | null | undefined;
  /**
   * Counts the live keys of a range and their bytes at a timestamp, without returning them: the
   * size of a relation is the size of its key range (docs/sql.md "Relation sizes"). Costs what
   * a read of the same range costs, so it is bounded by `limit` and resumable like `read`.
   */
  measure(request: MeasureRequest): Promise<MeasureResult>;
  /** Applies committed records in timestamp order, recording the journal position atomically. */
  apply(records: readonly JournalRecord[], position: JournalPosition): Promise<void>;
  /** The journal position whose effects are all applied (restart resumes after it). */
  readonly appliedPosition: JournalPosition;
  close(): Promise<void>;
}

/** Where storage learns how far it may serve reads. */
export interface SafeTimeSource {
  /** Every commit with timestamp <= the returned value has been applied. */
  safeTime(): Timestamp;
  /**
   * Resolves once safeTime() >= timestamp (or rejects after the wait bound). With `span`, it may
   * resolve earlier: once every commit at or below `timestamp` that writes a key in the span is
   * applied (src/storage/in-flight-decisions.ts).
   */
  waitFor(timestamp: Timestamp, span?: KeySpan): Promise<void>;
}

/** The keys a read covers: [start, end), or the key `start` alone when `end` is null. */
export interface KeySpan {
  readonly start: Key;
  readonly end: Key | null;
}
