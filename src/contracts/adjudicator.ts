import type { Timestamp } from './time.js';
import type { Key, WriteEntry } from './kv.js';

/**
 * The commit bundle a query processor sends at COMMIT (DESIGN.md §2 Commit).
 * - writes: the write set (new values or tombstones);
 * - lockKeys: check-only keys of rows read with SELECT … FOR UPDATE (and their key-lock
 *   keys), and the key-lock keys of rows the transaction deleted or whose key columns it
 *   changed; recorded as written, so they conflict with every concurrent write, lock and key share;
 * - keyShareKeys: key-lock keys of rows read FOR KEY SHARE (a SELECT's rows, a foreign-key
 *   check's referenced row); they conflict only with concurrent lock keys, not with writes or
 *   other key shares (absent: none);
 * - schemaKeys: the schema-version key of every table the transaction used.
 */
export interface CommitRequest {
  readonly transactionId: string;
  readonly startTimestamp: Timestamp;
  readonly writes: readonly WriteEntry[];
  readonly lockKeys: readonly Key[];
  readonly keyShareKeys?: readonly Key[];
  readonly schemaKeys: readonly Key[];
}

export type CommitOutcome =
  | { readonly kind: 'committed'; readonly commitTimestamp: Timestamp }
  /** A write or lock key was committed by another transaction in (start, commit): OC000. */
  | { readonly kind: 'data-conflict' }
  /** A schema key the transaction used changed in (start, commit): OC001. */
  | { readonly kind: 'schema-conflict' }
  /** The transaction started before the conflict map's horizon. */
  | { readonly kind: 'too-old' }
  /** The adjudicator cannot decide now (not leader, journal failure); the commit did not happen. */
  | { readonly kind: 'unavailable'; readonly reason: string };

/** Optimistic concurrency control: first committer wins. */
export interface Adjudicator {
  commit(request: CommitRequest): Promise<CommitOutcome>;
  /**
   * A promise that every commit this adjudicator acknowledges later has a timestamp greater
   * than the returned value, and every commit at or below it is durable and handed to storage.
   */
  watermark(): Timestamp;
}
