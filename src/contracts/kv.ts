/**
 * Keys and writes as every role sees them: opaque, bytewise-ordered keys (DESIGN.md §3) and
 * row values as compact binary tuples. A value of `null` is a tombstone (the row was deleted).
 */
export type Key = Uint8Array;

export interface WriteEntry {
  readonly key: Key;
  readonly value: Uint8Array | null;
}

export interface KeyRange {
  /** Inclusive lower bound. */
  readonly start: Key;
  /** Exclusive upper bound. */
  readonly end: Key;
}
