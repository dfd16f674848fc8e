import { SqlError, assert } from '../contracts/errors.js';
import type { Key, WriteEntry } from '../contracts/kv.js';
import type { MeasureResult, PushedComparison, RowVisitor, StorageNode } from '../contracts/storage.js';
import type { Timestamp } from '../contracts/time.js';
import { latin1Key } from '../encoding/bytes.js';
import { billedReadBytes, billedRowBytes } from './metering/dpu.js';

/** DSQL's limits (reference/dsql.md §3.2). */
export const MAX_MUTATED_ROWS = 3000;
export const MAX_TRANSACTION_BYTES = 10 * 1024 * 1024;
export const MAX_TRANSACTION_AGE_US = 300_000_000;

const mapKey: (key: Key) => string = latin1Key;

/** Schema-key lists a transaction keeps by reference before merging them (see `schemaKeyLists`). */
const MAX_SCHEMA_KEY_LISTS = 8;

export interface ScanBatch {
  readonly keys: Key[];
  readonly values: Uint8Array[];
  /** Where the next batch starts (forward) or ends (reverse); null when the range is done. */
  readonly resume: Key | null;
}

/**
 * One transaction inside a query processor: reads at its start timestamp with its own
 * buffered writes on top; nothing leaves the QP until COMMIT (DESIGN.md §2, DSQL's design).
 */
export class Transaction {
  // Created on first use: most transactions are one read-only statement, which needs none
  // but the schema keys, and a Map costs an allocation of its own.
  private writes: Map<string, WriteEntry> | null = null;
  /**
   * While a statement snapshot is taken, the buffered writes reads see: those from before the
   * statement. A data-modifying WITH's sub-statements and its main query all read the same
   * snapshot and not each other's changes, as in PostgreSQL; undefined when none is taken.
   */
  private snapshotWrites: Map<string, WriteEntry> | null | undefined = undefined;
  private lockKeys: Map<string, Key> | null = null;
  private keyShareKeys: Map<string, Key> | null = null;
  /**
   * The schema-version keys of the tables used, as the plans listed them: a statement adds its
   * plan's list by reference (no key turned into a string per Execute), and only a commit, which
   * few transactions reach, merges them. Past `MAX_SCHEMA_KEY_LISTS` lists (a long block of
   * statements planned one by one) they are folded into `schemaKeysByName`, so both stay bounded.
   */
  private schemaKeyLists: (readonly Key[])[] | null = null;
  private schemaKeysByName: Map<string, Key> | null = null;
  private mutatedRows: Set<string> | null = null;
  private writtenBytes = 0;
  /**
   * Metering (src/qp/metering): the bytes billed for this transaction's storage reads, each
   * read at least 128, and for its buffered rows, each at least 128 (a row written twice counts
   * once, as it is committed once). Reads of its own buffered writes reach no storage and bill
   * nothing.
   */
  bytesRead = 0;
  bytesWritten = 0;
  /**
   * Foreign-key work queued by this statement's row changes (checks and referential actions),
   * run when the statement ends, as PostgreSQL's RI triggers fire (foreign-keys.ts).
   */
  readonly statementChecks: (() => Promise<void>)[] = [];
  /** Checks of DEFERRABLE INITIALLY DEFERRED foreign keys, run at COMMIT. */
  readonly commitChecks: (() => Promise<void>)[] = [];
  /** Set by the first DDL; DSQL allows one DDL and no DML beside it. */
  ddl = false;
  dml = false;

  /**
   * `id` may be a function that names the transaction when it is first asked: only a commit
   * that reaches the adjudicator needs the name, and most transactions are one read.
   */
  constructor(
    private naming: string | (() => string),
    readonly startTimestamp: Timestamp,
    private readonly storage: StorageNode,
  ) {}

  get id(): string {
    if (typeof this.naming !== 'string') this.naming = this.naming();
    return this.naming;
  }

  /**
   * Whether COMMIT must go to the adjudicator: writes, FOR UPDATE locks, or key shares (a
   * read-only transaction's SELECT … FOR KEY SHARE loses to a delete that commits first, and
   * must be on record so that such a delete committing later loses).
   */
  get needsAdjudication(): boolean {
    return this.writes !== null || this.lockKeys !== null || this.keyShareKeys !== null;
  }

  get writeCount(): number {
    return this.writes?.size ?? 0;
  }

  /** It ran into the 300 s age limit (checkAge, or the adjudicator's too-old): billed as a QueryTimeout. */
  ageLimitReached = false;

  async get(key: Key): Promise<Uint8Array | null> {
    const writes = this.snapshotWrites === undefined ? this.writes : this.snapshotWrites;
    if (writes !== null) {
      const buffered = writes.get(mapKey(key));
      if (buffered) return buffered.value;
    }
    const value = await this.storage.get(key, this.startTimestamp);
    this.bytesRead += billedReadBytes(key.length + (value?.length ?? 0));
    return value;
  }

  /** `get` without a promise when storage can answer now; undefined when it must wait (call `get`). */
  getReady(key: Key): Uint8Array | null | undefined {
    const writes = this.snapshotWrites === undefined ? this.writes : this.snapshotWrites;
    if (writes !== null) {
      const buffered = writes.get(mapKey(key));
      if (buffered) return buffered.value;
    }
    const value = this.storage.getReady?.(key, this.startTimestamp);
    if (value !== undefined) this.bytesRead += billedReadBytes(key.length + (value?.length ?? 0));
    return value;
  }

  /** One bounded batch of the range [start, end), merged with this transaction's writes. */
  /**
   * `filter` is pushed down to storage: it only narrows what storage returns, so buffered
   * writes are merged unfiltered and the caller still evaluates its full predicate.
   */
  async scan(start: Key, end: Key, limit: number, reverse: boolean, filter?: readonly PushedComparison[]): Promise<ScanBatch> {
    const stored = await this.storage.read({ start, end, readTimestamp: this.startTimestamp, limit, reverse, filter });
    this.bytesRead += billedReadBytes(stored.bytesRead ?? receivedBytes(stored.keys, stored.values));
    const writes = this.snapshotWrites === undefined ? this.writes : this.snapshotWrites;
    if (writes === null) return { keys: stored.keys, values: stored.values, resume: stored.resumeKey };
    // The stored batch covers [start, resume) (forward) or [resume, end) (reverse): merge the
    // buffered writes that fall in that same span.
    const spanStart = reverse ? (stored.resumeKey ?? start) : start;
    const spanEnd = reverse ? end : (stored.resumeKey ?? end);
    const buffered: WriteEntry[] = [];
    for (const entry of writes.values()) {
      if (Buffer.compare(entry.key, spanStart) >= 0 && Buffer.compare(entry.key, spanEnd) < 0) buffered.push(entry);
    }
    if (buffered.length === 0) return { keys: stored.keys, values: stored.values, resume: stored.resumeKey };
    const direction = reverse ? -1 : 1;
    buffered.sort((a, b) => direction * Buffer.compare(a.key, b.key));
    const keys: Key[] = [];
    const values: Uint8Array[] = [];
    let i = 0;
    let j = 0;
    while (i < stored.keys.length || j < buffered.length) {
      const order = i >= stored.keys.length ? 1 : j >= buffered.length ? -1 : direction * Buffer.compare(stored.keys[i]!, buffered[j]!.key);
      if (order < 0) {
        keys.push(stored.keys[i]!);
        values.push(stored.values[i]!);
        i++;
      } else {
        const entry = buffered[j++]!;
        if (order === 0) i++;
        if (entry.value !== null) {
          keys.push(entry.key);
          values.push(entry.value);
        }
      }
    }
    return { keys, values, resume: stored.resumeKey };
  }

  /**
   * `scan`'s batch handed to `visitor` row by row; returns where the next batch resumes. With no
   * buffered writes to merge, storage that can visit its rows in place does so (no arrays of
   * keys and values); otherwise the merged batch is visited.
   */
  async scanEach(start: Key, end: Key, limit: number, reverse: boolean, filter: readonly PushedComparison[] | undefined, visitor: RowVisitor): Promise<Key | null> {
    const writes = this.snapshotWrites === undefined ? this.writes : this.snapshotWrites;
    if (writes === null && this.storage.readEach) {
      const visited = await this.storage.readEach({ start, end, readTimestamp: this.startTimestamp, limit, reverse, filter }, visitor);
      // Storage that visits in place counts what it examined (MvccStorage does).
      this.bytesRead += billedReadBytes(visited.bytesRead ?? 0);
      return visited.resumeKey;
    }
    const batch = await this.scan(start, end, limit, reverse, filter);
    for (let i = 0; i < batch.keys.length; i++) {
      const key = batch.keys[i]!;
      visitor.row(key, key.length, batch.values[i]!, 0);
    }
    return batch.resume;
  }

  /**
   * The live keys and bytes of [start, end) as committed at the start timestamp, one bounded
   * batch at a time (this transaction's own buffered writes are not counted).
   */
  async measure(start: Key, end: Key, limit: number): Promise<MeasureResult> {
    const measured = await this.storage.measure({ start, end, readTimestamp: this.startTimestamp, limit });
    this.bytesRead += billedReadBytes(measured.bytes);
    return measured;
  }

  /** A key as it is now, the statement snapshot's writes or not (uniqueness checks must see every write). */
  async getCurrent(key: Key): Promise<Uint8Array | null> {
    const buffered = this.writes?.get(mapKey(key));
    if (buffered) return buffered.value;
    // Without a promise when storage can answer now (an INSERT checks every new key).
    const ready = this.storage.getReady?.(key, this.startTimestamp);
    const value = ready !== undefined ? ready : await this.storage.get(key, this.startTimestamp);
    this.bytesRead += billedReadBytes(key.length + (value?.length ?? 0));
    return value;
  }

  /** `getCurrent` without a promise when storage can answer now; undefined when it must wait (call `getCurrent`). */
  getCurrentReady(key: Key): Uint8Array | null | undefined {
    const buffered = this.writes?.get(mapKey(key));
    if (buffered) return buffered.value;
    const value = this.storage.getReady?.(key, this.startTimestamp);
    if (value !== undefined) this.bytesRead += billedReadBytes(key.length + (value?.length ?? 0));
    return value;
  }

  /** Reads see the buffered writes as they are now until `endStatementSnapshot`. */
  beginStatementSnapshot(): void {
    assert(this.snapshotWrites === undefined, 'one statement snapshot at a time');
    this.snapshotWrites = this.writes === null ? null : new Map(this.writes);
  }

  endStatementSnapshot(): void {
    this.snapshotWrites = undefined;
  }

  /** Runs `body` under a statement snapshot, or under the one already taken (a data-modifying WITH's). */
  async asBegun<T>(body: () => Promise<T>): Promise<T> {
    if (this.snapshotWrites !== undefined) return body();
    this.beginStatementSnapshot();
    try {
      return await body();
    } finally {
      this.endStatementSnapshot();
    }
  }

  /** Buffers a write. `rowKey` identifies the base-table row for the 3,000-row limit. */
  put(key: Key, value: Uint8Array | null, rowKey: Key | null): void {
    const k = mapKey(key);
    const writes = this.writes ??= new Map();
    const previous = writes.get(k);
    if (previous) {
      const previousBytes = previous.key.length + (previous.value?.length ?? 0);
      this.writtenBytes -= previousBytes;
      this.bytesWritten -= billedRowBytes(previousBytes);
    }
    writes.set(k, { key, value });
    const rowBytes = key.length + (value?.length ?? 0);
    this.writtenBytes += rowBytes;
    this.bytesWritten += billedRowBytes(rowBytes);
    if (rowKey) {
      const mutatedRows = this.mutatedRows ??= new Set();
      mutatedRows.add(rowKey === key ? k : mapKey(rowKey));
      if (mutatedRows.size > MAX_MUTATED_ROWS) throw new SqlError('54000', 'transaction row limit exceeded');
    }
  }

  /** Keys read with SELECT … FOR UPDATE: adjudicated as if written. */
  lock(key: Key): void {
    (this.lockKeys ??= new Map()).set(mapKey(key), key);
  }

  /**
   * A key-lock key read FOR KEY SHARE (a SELECT's row, a foreign-key check's referenced row):
   * conflicts with a concurrent commit that locked it (a delete, a key change, FOR UPDATE), not
   * with other shares nor with a non-key update.
   */
  keyShare(key: Key): void {
    (this.keyShareKeys ??= new Map()).set(mapKey(key), key);
  }

  /** The schema-version key of a table the transaction used. */
  useSchema(key: Key): void {
    this.useSchemas([key]);
  }

  /** The schema-version keys of the tables a statement used; `keys` is kept, not copied: it must not change. */
  useSchemas(keys: readonly Key[]): void {
    if (keys.length === 0) return;
    const lists = this.schemaKeyLists ??= [];
    // A prepared statement executed again brings the same list: nothing to add.
    for (let i = 0; i < lists.length; i++) if (lists[i] === keys) return;
    if (lists.length === MAX_SCHEMA_KEY_LISTS) this.foldSchemaKeys(lists);
    lists.push(keys);
  }

  private foldSchemaKeys(lists: (readonly Key[])[]): void {
    const byName = this.schemaKeysByName ??= new Map();
    for (const list of lists) for (const key of list) byName.set(mapKey(key), key);
    lists.length = 0;
  }

  checkAge(now: Timestamp): void {
    const age = now - this.startTimestamp;
    if (age > MAX_TRANSACTION_AGE_US) {
      this.ageLimitReached = true;
      throw new SqlError('54000', 'transaction age limit of 300s exceeded', { detail: `Current transaction age ${Math.floor(age / 1e6)}s exceeds 300s` });
    }
  }

  checkSize(): void {
    if (this.writtenBytes > MAX_TRANSACTION_BYTES) {
      const mb = Math.ceil(this.writtenBytes / (1024 * 1024));
      throw new SqlError('54000', 'transaction size limit 10mb exceeded', { detail: `Current transaction size ${mb}mb > 10mb` });
    }
  }

  commitBundle(): { writes: WriteEntry[]; lockKeys: Key[]; keyShareKeys: Key[]; schemaKeys: Key[] } {
    assert(this.needsAdjudication, 'only transactions with writes, locks or key shares reach the adjudicator');
    const writes = this.writes ? [...this.writes.values()] : [];
    writes.sort((a, b) => Buffer.compare(a.key, b.key));
    return {
      writes, lockKeys: this.lockKeys ? [...this.lockKeys.values()] : [],
      keyShareKeys: this.keyShareKeys ? [...this.keyShareKeys.values()] : [], schemaKeys: this.usedSchemaKeys(),
    };
  }

  /** Each schema-version key used, once. */
  private usedSchemaKeys(): Key[] {
    const lists = this.schemaKeyLists;
    if (lists === null) return this.schemaKeysByName ? [...this.schemaKeysByName.values()] : [];
    // One statement of one table: the common autocommit case, with nothing to merge.
    if (lists.length === 1 && lists[0]!.length === 1 && this.schemaKeysByName === null) return [lists[0]![0]!];
    this.foldSchemaKeys(lists);
    return [...this.schemaKeysByName!.values()];
  }
}

/** What a read handed back, for storage that does not count what it examined. */
function receivedBytes(keys: readonly Key[], values: readonly Uint8Array[]): number {
  let bytes = 0;
  for (let i = 0; i < keys.length; i++) bytes += keys[i]!.length + values[i]!.length;
  return bytes;
}
