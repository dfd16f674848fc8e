import type { Timestamp } from './time.js';
import type { WriteEntry } from './kv.js';

/** One committed transaction, as the journal stores it and storage applies it. */
export interface JournalRecord {
  readonly commitTimestamp: Timestamp;
  readonly transactionId: string;
  readonly writes: readonly WriteEntry[];
}

/** A position in a journal: the sequence number of the last record included. */
export type JournalPosition = number;

/**
 * The durable, ordered log of committed transactions (DESIGN.md §2 Journal).
 * Exactly one adjudicator leader appends; `append` resolves only once the batch is durable
 * (fsync, or a quorum), and batches become durable in the order they were appended.
 */
export interface Journal {
  /** Appends a batch (group commit) and resolves with the position of its last record. */
  append(records: readonly JournalRecord[]): Promise<JournalPosition>;
  /** Calls `onRecord` for every durable record after `after`, in order. */
  replay(after: JournalPosition, onRecord: (record: JournalRecord, position: JournalPosition) => void): Promise<void>;
  /** The position of the last durable record (0 when empty). */
  readonly durablePosition: JournalPosition;
  /** Records at or before `position` are no longer needed by any reader. */
  trim(position: JournalPosition): Promise<void>;
  close(): Promise<void>;
}

/** A subscription to a journal's growth; `close` stops it. */
export interface JournalSubscription {
  close(): Promise<void>;
}

/**
 * A journal that processes other than its writer follow as it grows (the distributed journal:
 * storage replicas, adjudicator standbys). Batches arrive whole, in position order, each once.
 */
export interface FollowableJournal extends Journal {
  /**
   * Delivers every batch after `after`, then each new one. Fails when records after `after`
   * were trimmed; `onTrimmed` reports a follower that fell behind a trim later (it stops).
   */
  follow(after: JournalPosition, onBatch: (records: readonly JournalRecord[], lastPosition: JournalPosition) => void,
    onTrimmed?: (error: Error) => void): Promise<JournalSubscription>;
  /** Re-reads the newest durable position from the store (a reader's view of the tail). */
  refreshTail(): Promise<JournalPosition>;
}
