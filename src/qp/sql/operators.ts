import type { OutputStyle } from '../types/output-style.js';
import { SqlError } from '../../contracts/errors.js';
import type { Key } from '../../contracts/kv.js';
import type { PushedComparison, RowVisitor } from '../../contracts/storage.js';
import { copyBetween } from '../../encoding/bytes.js';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import type { Transaction } from '../transaction.js';
import type { AggregateCall } from './compile.js';
import type { CompiledExpr, Evaluator, ExecContext } from './compiled.js';
import type { RowLockStrength } from './ast.js';
import { rowKeyLockKey, type TableCodec } from './table-codec.js';
import type { IndexInfo } from '../catalog/catalog.js';
import * as types from './typesystem.js';
import { IntKeyTable } from './int-key-table.js';

/**
 * Executor operators. Rows move in batches (arrays of rows) so that an `await` happens per
 * storage read, not per row; each operator is pull-based: `next()` returns the next batch or
 * null when done.
 */
export type Row = SqlValue[];

export interface Runtime {
  readonly ctx: ExecContext;
  readonly txn: Transaction;
  /** Checked between batches: a CancelRequest (or the statement timeout) sets it. */
  cancelled: boolean;
  /** Why, when not the client's CancelRequest ('user request'): 'statement timeout'. */
  cancelReason?: string;
  /**
   * Gives the event loop a turn. Storage reads resolve without I/O, so a long scan would
   * otherwise run as one chain of microtasks and starve every other session (and the
   * CancelRequest that should stop it).
   */
  readonly pause: () => Promise<void>;
  /** Batches produced since the last pause. */
  batches: number;
}

/**
 * SELECT … FOR UPDATE adjudicates a row as if written, and also conflicts with a concurrent
 * FOR KEY SHARE of it (a SELECT's or a foreign-key check's; DSQL's conflict matrix): its
 * key-lock key too. FOR KEY SHARE shares only the key-lock key, which a delete, a key change
 * and FOR UPDATE lock (plan-modify.ts) and a non-key update leaves alone.
 */
function lockRow(txn: Transaction, strength: RowLockStrength, key: Key): void {
  if (strength === 'key-share') {
    txn.keyShare(rowKeyLockKey(key));
    return;
  }
  txn.lock(key);
  txn.lock(rowKeyLockKey(key));
}

/**
 * A FROM item a locking clause covers (row-locks.ts): the read the planner built for it is told to
 * lock every row it reads. Every read an access path builds can; one that could not would lose
 * the locks silently, so it is a bug, caught here.
 */
export function lockingRead(source: RowSource, strength: RowLockStrength): RowSource {
  if (!source.lockRowsWith) throw new Error(`${source.constructor.name} cannot lock the rows it reads`);
  source.lockRowsWith(strength);
  return source;
}

/** Batches between two turns of the event loop (512 rows each for scans). */
const BATCHES_PER_TURN = 8;

/** Called once per batch by the leaf operators: yields now and then, and honours cancellation. */
export async function breathe(rt: Runtime): Promise<void> {
  if (++rt.batches >= BATCHES_PER_TURN) {
    rt.batches = 0;
    await rt.pause();
  }
  checkCancel(rt);
}

export interface RowSource {
  next(rt: Runtime): Promise<Row[] | null>;
  /**
   * The next batch without a promise, when every read it needs can be answered now (a point read
   * of a warm row); undefined when one must wait: then `next` continues where this left off. A
   * point select spends most of its query path in promise turns otherwise (one per operator).
   */
  nextReady?(rt: Runtime): Row[] | null | undefined;
  /**
   * Told that no one above reads slot `slot` of its rows (a pruned scan's row key): a source
   * that would copy something into it may leave it NULL instead.
   */
  leaveUnread?(slot: number): void;
  /**
   * Told that every row it reads is locked, FOR UPDATE (adjudicated as if written) or FOR KEY SHARE
   * (its key-lock key carried as a key share): the reads of a FROM item a locking clause covers.
   */
  lockRowsWith?(strength: RowLockStrength): void;
  /** What EXPLAIN prints for this node (explain.ts); absent, its class name and its inputs. */
  explain?(): ExplainInfo;
}

export interface ExplainInfo {
  readonly label: string;
  readonly details?: readonly string[];
  readonly children: readonly RowSource[];
  /** A node EXPLAIN leaves out (it only trims helper columns): its child stands in its place. */
  readonly transparent?: boolean;
  /** The node reads storage by key (a primary-key lookup or range, an index read), not a whole table. */
  readonly keyRead?: boolean;
}

const SCAN_BATCH = 512;
/** A bound on rows an operator may hold in memory (DSQL: 128 MiB per query operation). */
export const MAX_MATERIALIZED_ROWS = 2_000_000;

function checkCancel(rt: Runtime): void {
  if (rt.cancelled) throw cancelError(rt);
}

/** 57014 with PostgreSQL's words for why the statement was cancelled. */
export function cancelError(rt: { readonly cancelReason?: string }): SqlError {
  return new SqlError('57014', `canceling statement due to ${rt.cancelReason ?? 'user request'}`);
}

/** EXPLAIN's line for a scan that decodes only some columns (column-use.ts); none when it decodes all. */
function decodedDetail(codec: TableCodec): string[] {
  const names = codec.decodedColumnNames();
  return names === null ? [] : [`Decoded Columns: ${names.length > 0 ? names.join(', ') : 'none'}`];
}

/**
 * Decodes the rows a scan visits, where storage found them, into one batch; copies a row's key
 * only when its slot is read or the row is locked.
 */
class ScannedRows implements RowVisitor {
  rows: Row[] = [];
  /** Set for SELECT … FOR UPDATE / FOR KEY SHARE: every row read is locked, in `txn`. */
  lock: RowLockStrength | null = null;
  txn: Transaction | null = null;
  keySlotRead = true;

  constructor(private readonly codec: TableCodec) {}

  row(key: Uint8Array, keyLength: number, value: Uint8Array, valueStart: number): void {
    // A copy whatever its size (bytesBetween keeps a view of a large one): `key` is storage's
    // buffer, rewritten for the next row. The tuple is decoded now; its values are copies.
    const rowKey = this.keySlotRead || this.lock !== null ? copyBetween(key, 0, keyLength) : null;
    if (this.lock !== null) lockRow(this.txn!, this.lock, rowKey!);
    this.rows.push(this.codec.decodeRowAt(value, valueStart, this.keySlotRead ? rowKey : null));
  }

  /** The batch so far; the next starts empty. */
  take(): Row[] {
    const rows = this.rows;
    this.rows = [];
    return rows;
  }
}

/** Full or ranged scan of a table's primary index. */
export class TableScan implements RowSource {
  private resume: Key | null = null;
  private done = false;
  private start: Key | null = null;
  private end: Key | null = null;
  private readonly scanned: ScannedRows;

  private filter: readonly PushedComparison[] | undefined;

  constructor(
    private readonly codec: TableCodec,
    private readonly range: (rt: Runtime) => { start: Key; end: Key } | null,
    private readonly reverse: boolean,
    /** Comparisons storage evaluates before returning rows; null means no row can match. */
    private readonly pushed: ((rt: Runtime) => readonly PushedComparison[] | null) | null = null,
    /** The range is a primary-key prefix or range (not the whole table): EXPLAIN says so. */
    private readonly keyRange = false,
  ) {
    this.scanned = new ScannedRows(codec);
  }

  explain(): ExplainInfo {
    const details = [...(this.keyRange ? ['Index Cond: primary key range'] : []), ...(this.pushed ? ['Filters pushed down to storage'] : []), ...decodedDetail(this.codec)];
    return { label: `Storage Scan on ${this.codec.table.name}${this.reverse ? ' (backward)' : ''}`, details, children: [], keyRead: this.keyRange };
  }

  leaveUnread(slot: number): void {
    if (slot === this.codec.columnTypes.length) this.scanned.keySlotRead = false;
  }

  lockRowsWith(strength: RowLockStrength): void {
    this.scanned.lock = strength;
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    if (this.done) return null;
    await breathe(rt);
    if (this.start === null) {
      const r = this.range(rt);
      const filter = this.pushed ? this.pushed(rt) : [];
      if (!r || filter === null) { this.done = true; return null; }
      this.start = r.start;
      this.end = r.end;
      this.filter = filter.length > 0 ? filter : undefined;
    }
    const start = this.reverse ? this.start! : (this.resume ?? this.start!);
    const end = this.reverse ? (this.resume ?? this.end!) : this.end!;
    this.scanned.txn = rt.txn;
    this.resume = await rt.txn.scanEach(start, end, SCAN_BATCH, this.reverse, this.filter, this.scanned);
    if (this.resume === null) this.done = true;
    return this.scanned.take();
  }
}

/** A lookup of one row by its full primary key (values computed per execution). */
export class PointLookup implements RowSource {
  private done = false;
  /** The key computed by a `nextReady` that had to wait. */
  private key: Key | null = null;
  private lock: RowLockStrength | null = null;

  constructor(private readonly codec: TableCodec, private readonly keyValues: readonly Evaluator[]) {}

  lockRowsWith(strength: RowLockStrength): void {
    this.lock = strength;
  }

  explain(): ExplainInfo {
    return { label: `Storage Lookup on ${this.codec.table.name}`, details: ['Index Cond: primary key', ...decodedDetail(this.codec)], children: [], keyRead: true };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    if (this.done) return null;
    const key = this.key ?? this.keyOf(rt);
    this.done = true;
    if (key === null) return [];
    return this.found(rt, key, await rt.txn.get(key));
  }

  nextReady(rt: Runtime): Row[] | null | undefined {
    if (this.done) return null;
    const key = this.key ?? this.keyOf(rt);
    if (key === null) { this.done = true; return []; }
    const value = rt.txn.getReady(key);
    // Not ready: `next` reads the key computed here (its values are evaluated once).
    if (value === undefined) { this.key = key; return undefined; }
    this.done = true;
    return this.found(rt, key, value);
  }

  /** The key for this execution's values; null when one is NULL (no row equals NULL). */
  private keyOf(rt: Runtime): Key | null {
    const values: SqlValue[] = new Array(this.keyValues.length);
    for (let i = 0; i < values.length; i++) {
      const v = this.keyValues[i]!([], rt.ctx);
      if (v === null) return null;
      values[i] = v;
    }
    return this.codec.primaryKeyFromValues(values);
  }

  private found(rt: Runtime, key: Key, value: Uint8Array | null): Row[] {
    // FOR UPDATE locks an absent key too (a concurrent insert of it conflicts); a key share, as
    // in PostgreSQL, holds only rows that exist.
    if (this.lock === 'update' || (this.lock === 'key-share' && value !== null)) lockRow(rt.txn, this.lock, key);
    if (value === null) return [];
    return [this.codec.decodeRow(value, key)];
  }
}

/**
 * A range of a secondary index, then the rows it points to; or, when the index's entries hold
 * every column the codec decodes, the rows built from the entries alone (an index-only read).
 */
export class IndexScan implements RowSource {
  private readonly entries: TableScanLike;
  private readonly indexOnly: boolean;
  private lock: RowLockStrength | null = null;

  constructor(private readonly codec: TableCodec, private readonly index: IndexInfo, range: (rt: Runtime) => { start: Key; end: Key } | null, private readonly reverse = false) {
    this.entries = new TableScanLike(range, reverse);
    this.indexOnly = codec.readsIndexOnly(index);
  }

  explain(): ExplainInfo {
    const label = `B-Tree Scan${this.reverse ? ' Backward' : ''} using ${this.index.name} on ${this.codec.table.name}${this.indexOnly ? ' (index only)' : ''}`;
    return { label, details: decodedDetail(this.codec), children: [], keyRead: true };
  }

  lockRowsWith(strength: RowLockStrength): void {
    this.lock = strength;
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    const batch = await this.entries.next(rt);
    if (!batch) return null;
    if (this.indexOnly) return this.entryRows(rt, batch);
    const keys = batch.keys.map((k, i) => this.codec.primaryKeyFromIndexEntry(this.index, k, batch.values[i]!));
    const values = await Promise.all(keys.map((k) => rt.txn.get(k)));
    const rows: Row[] = [];
    for (let i = 0; i < keys.length; i++) {
      const value = values[i];
      if (value === null || value === undefined) continue;
      if (this.lock) lockRow(rt.txn, this.lock, keys[i]!);
      rows.push(this.codec.decodeRow(value, keys[i]!));
    }
    return rows;
  }

  /** Rows from covering entries: an entry at the snapshot is exactly its row's committed state. */
  private entryRows(rt: Runtime, batch: { keys: Key[]; values: Uint8Array[] }): Row[] {
    const rows: Row[] = new Array(batch.keys.length);
    for (let i = 0; i < batch.keys.length; i++) {
      const row = this.codec.decodeIndexEntry(this.index, batch.keys[i]!, batch.values[i]!);
      if (this.lock) lockRow(rt.txn, this.lock, row[row.length - 1] as Key);
      rows[i] = row;
    }
    return rows;
  }
}

class TableScanLike {
  private resume: Key | null = null;
  private done = false;
  private bounds: { start: Key; end: Key } | null = null;

  constructor(private readonly range: (rt: Runtime) => { start: Key; end: Key } | null, private readonly reverse = false) {}

  async next(rt: Runtime): Promise<{ keys: Key[]; values: Uint8Array[] } | null> {
    if (this.done) return null;
    await breathe(rt);
    if (!this.bounds) {
      this.bounds = this.range(rt);
      if (!this.bounds) { this.done = true; return null; }
    }
    const batch = this.reverse
      ? await rt.txn.scan(this.bounds.start, this.resume ?? this.bounds.end, SCAN_BATCH, true)
      : await rt.txn.scan(this.resume ?? this.bounds.start, this.bounds.end, SCAN_BATCH, false);
    this.resume = batch.resume;
    if (batch.resume === null) this.done = true;
    return batch;
  }
}

export class Filter implements RowSource {
  constructor(private readonly source: RowSource, private readonly predicate: Evaluator) {}

  explain(): ExplainInfo {
    return { label: 'Filter', children: [this.source] };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    for (;;) {
      const batch = await this.source.next(rt);
      if (!batch) return null;
      const out = this.passing(batch, rt);
      if (out.length > 0) return out;
    }
  }

  nextReady(rt: Runtime): Row[] | null | undefined {
    if (!this.source.nextReady) return undefined;
    for (;;) {
      const batch = this.source.nextReady(rt);
      if (!batch) return batch;
      const out = this.passing(batch, rt);
      if (out.length > 0) return out;
    }
  }

  private passing(batch: Row[], rt: Runtime): Row[] {
    const out: Row[] = [];
    for (let i = 0; i < batch.length; i++) if (this.predicate(batch[i]!, rt.ctx) === true) out.push(batch[i]!);
    return out;
  }
}

export class Project implements RowSource {
  constructor(private readonly source: RowSource, private readonly exprs: readonly Evaluator[]) {}

  explain(): ExplainInfo {
    return { label: 'Projection', details: [`Columns: ${this.exprs.length}`], children: [this.source] };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    const batch = await this.source.next(rt);
    return batch && this.project(batch, rt);
  }

  nextReady(rt: Runtime): Row[] | null | undefined {
    const batch = this.source.nextReady?.(rt);
    return batch && this.project(batch, rt);
  }

  private project(batch: Row[], rt: Runtime): Row[] {
    const n = this.exprs.length;
    const out: Row[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const input = batch[i]!;
      const row: Row = new Array(n);
      for (let j = 0; j < n; j++) row[j] = this.exprs[j]!(input, rt.ctx);
      out[i] = row;
    }
    return out;
  }
}

/** Rows computed from expressions only (VALUES, SELECT without FROM). */
export class ValuesSource implements RowSource {
  private done = false;
  constructor(private readonly rows: readonly (readonly Evaluator[])[]) {}

  explain(): ExplainInfo {
    return { label: `Values Scan (${this.rows.length} rows)`, children: [] };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    if (this.done) return null;
    this.done = true;
    return this.rows.map((exprs) => exprs.map((e) => e([], rt.ctx)));
  }
}

export class Limit implements RowSource {
  private skipped = 0;
  private returned = 0;
  private limit = -1;
  private offset = 0;
  private initialized = false;

  /** The last row returned, while WITH TIES may still add rows equal to it on the keys. */
  private last: Row | null = null;

  constructor(
    private readonly source: RowSource, private readonly limitExpr: Evaluator | null, private readonly offsetExpr: Evaluator | null,
    /** FETCH … WITH TIES: the ORDER BY keys that decide which rows tie with the last. */
    private readonly ties: readonly SortKey[] | null = null,
  ) {}

  explain(): ExplainInfo {
    return { label: 'Limit', children: [this.source] };
  }

  private tied(a: Row, b: Row): boolean {
    for (const key of this.ties!) {
      const x = a[key.position]!;
      const y = b[key.position]!;
      if (x === null || y === null) { if (x !== y) return false; continue; }
      if (types.comparator(key.oid)(x, y) !== 0) return false;
    }
    return true;
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    if (!this.initialized) {
      this.initialized = true;
      this.limit = this.limitExpr ? toCount(this.limitExpr([], rt.ctx), 'LIMIT') : -1;
      this.offset = this.offsetExpr ? toCount(this.offsetExpr([], rt.ctx), 'OFFSET') ?? 0 : 0;
      if (this.offset < 0) this.offset = 0;
    }
    for (;;) {
      if (this.limit >= 0 && this.returned >= this.limit && !(this.ties && this.last)) return null;
      const batch = await this.source.next(rt);
      if (!batch) return null;
      let rows = batch;
      if (this.skipped < this.offset) {
        const skip = Math.min(this.offset - this.skipped, rows.length);
        this.skipped += skip;
        rows = rows.slice(skip);
      }
      if (this.limit >= 0 && this.returned + rows.length > this.limit) {
        let end = Math.max(0, this.limit - this.returned);
        if (this.ties) {
          // Past the limit, rows keep coming while they tie with the last row within it.
          const last = end > 0 ? rows[end - 1]! : this.last;
          while (last && end < rows.length && this.tied(rows[end]!, last)) end++;
          this.last = end < rows.length || !last ? null : last;
        }
        rows = rows.slice(0, end);
      } else if (this.ties && rows.length > 0) {
        this.last = rows[rows.length - 1]!;
      }
      this.returned += rows.length;
      if (rows.length > 0) return rows;
      if (this.ties && !this.last && this.limit >= 0 && this.returned >= this.limit) return null;
    }
  }
}

function toCount(value: SqlValue, clause: string): number {
  if (value === null) return -1;
  const n = Number(value);
  if (n < 0) throw new SqlError(clause === 'LIMIT' ? '2201W' : '2201X', `${clause} must not be negative`);
  return n;
}

/**
 * Reads every row of a source into memory, bounded. Batches that can be had now come through
 * `nextReady`, without a promise per operator (an UPDATE's point read of a warm row).
 */
export async function materialize(source: RowSource, rt: Runtime): Promise<Row[]> {
  const rows: Row[] = [];
  for (;;) {
    let batch = source.nextReady ? source.nextReady(rt) : undefined;
    if (batch === undefined) batch = await source.next(rt);
    if (!batch) return rows;
    for (const row of batch) rows.push(row);
    if (rows.length > MAX_MATERIALIZED_ROWS) throw new SqlError('53200', 'query requires too much temp space, out of memory.');
  }
}

export interface SortKey {
  readonly position: number;
  readonly oid: number;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

export class Sort implements RowSource {
  private sorted: Row[] | null = null;
  private emitted = false;

  constructor(private readonly source: RowSource, private readonly keys: readonly SortKey[]) {}

  explain(): ExplainInfo {
    return { label: 'Sort', details: [`Sort Keys: ${this.keys.length}`], children: [this.source] };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    if (this.emitted) return null;
    this.emitted = true;
    const rows = await materialize(this.source, rt);
    const comparators = this.keys.map((k) => ({ ...k, compare: types.comparator(k.oid) }));
    rows.sort((a, b) => {
      for (const k of comparators) {
        const x = a[k.position]!;
        const y = b[k.position]!;
        if (x === null || y === null) {
          if (x === null && y === null) continue;
          return (x === null) === k.nullsFirst ? -1 : 1;
        }
        const c = k.compare(x, y);
        if (c !== 0) return k.descending ? -c : c;
      }
      return 0;
    });
    this.sorted = rows;
    return this.sorted;
  }
}

/** Removes duplicate rows (DISTINCT), comparing by the key encoding so 1.0 = 1.00. */
export class Distinct implements RowSource {
  private readonly seen = new Set<string>();
  constructor(private readonly source: RowSource, private readonly oids: readonly number[], private readonly width: number) {}

  explain(): ExplainInfo {
    return { label: 'HashAggregate (DISTINCT)', children: [this.source] };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    for (;;) {
      const batch = await this.source.next(rt);
      if (!batch) return null;
      const out: Row[] = [];
      for (const row of batch) {
        const key = types.groupKey(this.oids, row, this.width);
        if (this.seen.has(key)) continue;
        this.seen.add(key);
        if (this.seen.size > MAX_MATERIALIZED_ROWS) throw new SqlError('53200', 'query requires too much temp space, out of memory.');
        out.push(row);
      }
      if (out.length > 0) return out;
    }
  }
}

/** Strips trailing helper columns (sort keys not in the select list). */
export class Truncate implements RowSource {
  constructor(private readonly source: RowSource, private readonly width: number) {}
  explain(): ExplainInfo {
    return { label: 'Truncate', children: [this.source], transparent: true };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    const batch = await this.source.next(rt);
    if (!batch) return null;
    for (let i = 0; i < batch.length; i++) if (batch[i]!.length > this.width) batch[i] = batch[i]!.slice(0, this.width);
    return batch;
  }
}

/**
 * Sets one slot of every row to NULL: a pruned scan's row key once its access path (which may
 * read it: a key-read union removes duplicates by it) is done with it, so that rows a hash join
 * or sort keeps do not hold a key Buffer each for nothing.
 */
export class ForgetSlot implements RowSource {
  constructor(private readonly source: RowSource, private readonly slot: number) {
    source.leaveUnread?.(slot);
  }
  explain(): ExplainInfo {
    return { label: 'Forget Slot', children: [this.source], transparent: true };
  }

  lockRowsWith(strength: RowLockStrength): void {
    lockingRead(this.source, strength);
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    const batch = await this.source.next(rt);
    return batch && this.forget(batch);
  }

  // A pruned point read sits under this: without it, every point SELECT would take a promise.
  nextReady(rt: Runtime): Row[] | null | undefined {
    const batch = this.source.nextReady?.(rt);
    return batch && this.forget(batch);
  }

  private forget(batch: Row[]): Row[] {
    for (let i = 0; i < batch.length; i++) batch[i]![this.slot] = null;
    return batch;
  }
}

/** A fresh accumulator for one group of an aggregate call. */
function newState(a: AggregateCall, style: OutputStyle | undefined): types.AggregateState {
  if (a.state) return a.state();
  return types.newAggregateState(a.name, a.arg ? a.arg.oid : null, a.distinct, a.order.map((k) => k.key), a.second ? a.second.oid : null, style);
}

/**
 * GROUP BY and aggregates by hashing: output rows are [group values…, aggregate results…].
 * With no GROUP BY, one row even for empty input (count(*) = 0).
 */
export class HashAggregate implements RowSource {
  private emitted = false;

  constructor(
    private readonly source: RowSource,
    private readonly groupExprs: readonly CompiledExpr[],
    private readonly aggregates: readonly AggregateCall[],
  ) {}

  explain(): ExplainInfo {
    return { label: 'HashAggregate', details: [`Group Keys: ${this.groupExprs.length}`, `Aggregates: ${this.aggregates.length}`], children: [this.source] };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    if (this.emitted) return null;
    this.emitted = true;
    const groups = new Map<string | number | bigint | null, { values: Row; states: types.AggregateState[] }>();
    const groupOids = this.groupExprs.map((g) => g.oid);
    const n = this.groupExprs.length;
    // The group values of the current row; copied only when they start a new group.
    const values: Row = new Array(n);
    for (;;) {
      const batch = await this.source.next(rt);
      if (!batch) break;
      for (let r = 0; r < batch.length; r++) {
        const row = batch[r]!;
        for (let i = 0; i < n; i++) values[i] = this.groupExprs[i]!.eval(row, rt.ctx);
        const key = n === 0 ? '' : types.hashKey(groupOids, values, n);
        let group = groups.get(key);
        if (!group) {
          group = { values: values.slice(), states: this.aggregates.map((a) => newState(a, rt.ctx.outputStyle)) };
          groups.set(key, group);
          if (groups.size > MAX_MATERIALIZED_ROWS) throw new SqlError('53200', 'query requires too much temp space, out of memory.');
        }
        this.accumulate(group.states, row, rt);
      }
    }
    if (groups.size === 0 && n === 0) {
      groups.set('', { values: [], states: this.aggregates.map((a) => newState(a, rt.ctx.outputStyle)) });
    }
    const out: Row[] = [];
    for (const group of groups.values()) {
      const row: Row = group.values;
      for (const state of group.states) row.push(state.result());
      out.push(row);
    }
    return out;
  }

  /** Adds one input row to its group's aggregate states. */
  private accumulate(states: types.AggregateState[], row: Row, rt: Runtime): void {
    for (let i = 0; i < this.aggregates.length; i++) {
      const a = this.aggregates[i]!;
      if (a.filter && a.filter.eval(row, rt.ctx) !== true) continue;
      const state = states[i]!;
      if (a.order.length > 0 && types.isOrderedInput(state)) state.keys(a.order.map((k) => k.eval(row, rt.ctx)));
      if (a.arg) state.add(a.arg.eval(row, rt.ctx), a.second ? a.second.eval(row, rt.ctx) : undefined);
      else state.add(true);
    }
  }
}

export interface JoinSpec {
  readonly kind: 'inner' | 'left' | 'full' | 'cross';
  readonly rightWidth: number;
  /** FULL JOIN: the width of the left rows, for the right rows nothing matched. */
  readonly leftWidth?: number;
  /**
   * Presence markers appended to each row (scope.ts PRESENCE_MARKER): 1 for the right side
   * (LEFT JOIN), 2 for the right side then the left (FULL JOIN); true where that side joined.
   */
  readonly markers?: 0 | 1 | 2;
  /** Equi-join keys: evaluators on the left row and on the right row, with their common type. */
  readonly leftKeys: readonly Evaluator[];
  readonly rightKeys: readonly Evaluator[];
  readonly keyOids: readonly number[];
  /** The full join condition, evaluated on the combined row (null = always true). */
  readonly condition: Evaluator | null;
  /**
   * An outer join's condition that holds subqueries over tables: their subplans run on each
   * candidate pair first (this appends their results to the combined row the condition reads).
   */
  readonly conditionSubplans?: (combined: Row, rt: Runtime) => Promise<Row>;
}

/**
 * The left row's values then the right row's, in a new row: a copy by hand costs a third of
 * `concat`'s on packed rows and less on holey ones (once per joined pair, so it shows).
 */
export function joinedRow(left: Row, right: Row): Row {
  const n = left.length;
  const m = right.length;
  const out: Row = new Array(n + m);
  for (let i = 0; i < n; i++) out[i] = left[i]!;
  for (let j = 0; j < m; j++) out[n + j] = right[j]!;
  return out;
}

/** Join key types whose values are int32 numbers, hashed by IntKeyTable. */
const INT32_KEYS = new Set<number>([TypeOid.int2, TypeOid.int4]);

/** Hash join on equi-keys (or a nested loop when there are none); inner, left and full joins. */
export class HashJoin implements RowSource {
  /** FULL JOIN: every right row, and those some left row matched (emitted after the left side ends). */
  private rightRows: Row[] | null = null;
  private readonly matchedRight = new Set<Row>();
  private leftDone = false;
  /** The first right row of each key; `more` has the rest, for the few keys with several. */
  private table: Map<string | number | bigint, Row> | null = null;
  private readonly more = new Map<string | number | bigint, Row[]>();
  private all: Row[] | null = null;
  /** One int2/int4 key: the right rows, found through `ints` by index (instead of `table`). */
  private ints: IntKeyTable | null = null;
  private intRows: Row[] = [];
  private built = false;

  constructor(private readonly left: RowSource, private readonly right: RowSource, private readonly spec: JoinSpec) {}

  private async build(rt: Runtime): Promise<void> {
    const rows = await materialize(this.right, rt);
    this.built = true;
    if (this.spec.kind === 'full') this.rightRows = rows;
    if (this.spec.leftKeys.length === 0) {
      this.all = rows;
      return;
    }
    if (this.spec.keyOids.length === 1 && INT32_KEYS.has(this.spec.keyOids[0]!) && this.buildInts(rows, rt)) return;
    this.table = new Map();
    const values: SqlValue[] = new Array(this.spec.rightKeys.length);
    for (const row of rows) {
      let hasNull = false;
      for (let i = 0; i < values.length; i++) {
        values[i] = this.spec.rightKeys[i]!(row, rt.ctx);
        if (values[i] === null) hasNull = true;
      }
      if (hasNull) continue;
      const key = types.hashKey(this.spec.keyOids, values, values.length)!;
      if (!this.table.has(key)) this.table.set(key, row);
      else {
        const rest = this.more.get(key);
        if (rest) rest.push(row);
        else this.more.set(key, [row]);
      }
    }
  }

  /**
   * The table for one int2/int4 key (NULL keys left out: they match nothing); false, with
   * nothing kept, if some key is not an int32 after all (then the Map takes them).
   */
  private buildInts(rows: Row[], rt: Runtime): boolean {
    const ints = new IntKeyTable(rows.length);
    const key = this.spec.rightKeys[0]!;
    for (let i = 0; i < rows.length; i++) {
      const value = key(rows[i]!, rt.ctx);
      if (value === null) continue;
      if (!IntKeyTable.holds(value)) return false;
      ints.add(value, i);
    }
    this.ints = ints;
    this.intRows = rows;
    return true;
  }

  /** A left row's int key, or null when it can match no right row (NULL, or not an int32). */
  private intKeyOf(leftRow: Row, rt: Runtime): number | null {
    const value = this.spec.leftKeys[0]!(leftRow, rt.ctx);
    const n = typeof value === 'bigint' ? Number(value) : value;
    return IntKeyTable.holds(n) ? n : null;
  }

  /** A left row's hash key, or null when a key column is NULL (it matches nothing); `values` is scratch space of the keys' width. */
  private hashKeyOf(leftRow: Row, values: SqlValue[], rt: Runtime): string | number | bigint | null {
    for (let i = 0; i < values.length; i++) {
      const value = this.spec.leftKeys[i]!(leftRow, rt.ctx);
      if (value === null) return null;
      values[i] = value;
    }
    return types.hashKey(this.spec.keyOids, values, values.length)!;
  }

  explain(): ExplainInfo {
    const kind = this.spec.kind === 'inner' ? '' : `${this.spec.kind[0]!.toUpperCase()}${this.spec.kind.slice(1)} `;
    return { label: this.spec.leftKeys.length > 0 ? `Hash ${kind}Join` : `Nested Loop ${kind}Join`, details: this.spec.leftKeys.length > 0 ? [`Hash Keys: ${this.spec.leftKeys.length}`] : [], children: [this.left, this.right] };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    if (!this.built) await this.build(rt);
    for (;;) {
      if (this.leftDone) return null;
      const batch = await this.left.next(rt);
      if (!batch) {
        this.leftDone = true;
        return this.unmatchedRight();
      }
      const out: Row[] = [];
      const values: SqlValue[] = new Array(this.spec.leftKeys.length);
      for (const leftRow of batch) {
        let matched = false;
        if (this.spec.conditionSubplans) {
          matched = await this.visitWithSubplans(leftRow, values, out, rt);
        } else if (this.all) {
          for (const rightRow of this.all) if (this.visit(leftRow, rightRow, out, rt)) matched = true;
        } else if (this.ints) {
          const key = this.intKeyOf(leftRow, rt);
          if (key !== null) {
            const ints = this.ints;
            for (let i = ints.first(key); i >= 0; i = ints.nextSame[i]!) if (this.visit(leftRow, this.intRows[i]!, out, rt)) matched = true;
          }
        } else {
          const key = this.hashKeyOf(leftRow, values, rt);
          const first = key === null ? undefined : this.table!.get(key);
          if (first) {
            if (this.visit(leftRow, first, out, rt)) matched = true;
            const rest = this.more.size > 0 ? this.more.get(key!) : undefined;
            if (rest) for (const rightRow of rest) if (this.visit(leftRow, rightRow, out, rt)) matched = true;
          }
        }
        if (!matched && (this.spec.kind === 'left' || this.spec.kind === 'full')) {
          const padded = leftRow.concat(new Array(this.spec.rightWidth).fill(null));
          if (this.spec.markers) {
            padded.push(null);
            if (this.spec.markers === 2) padded.push(true);
          }
          out.push(padded);
        }
      }
      if (out.length > MAX_MATERIALIZED_ROWS) throw new SqlError('53200', 'query requires too much temp space, out of memory.');
      if (out.length > 0) return out;
    }
  }

  /**
   * The candidates of one left row (all right rows, or those of its hash key) when the condition
   * needs subplans: each pair's subplans run before the condition is tested. Says whether any matched.
   */
  private async visitWithSubplans(leftRow: Row, values: SqlValue[], out: Row[], rt: Runtime): Promise<boolean> {
    let candidates: readonly Row[];
    if (this.all) candidates = this.all;
    else if (this.ints) {
      const key = this.intKeyOf(leftRow, rt);
      const found: Row[] = [];
      if (key !== null) for (let i = this.ints.first(key); i >= 0; i = this.ints.nextSame[i]!) found.push(this.intRows[i]!);
      candidates = found;
    } else {
      const key = this.hashKeyOf(leftRow, values, rt);
      const first = key === null ? undefined : this.table!.get(key);
      candidates = first ? [first, ...(this.more.get(key!) ?? [])] : [];
    }
    let matched = false;
    for (const rightRow of candidates) {
      checkCancel(rt);
      const extended = await this.spec.conditionSubplans!(leftRow.concat(rightRow), rt);
      if (this.spec.condition && this.spec.condition(extended, rt.ctx) !== true) continue;
      if (this.visit(leftRow, rightRow, out, rt, true)) matched = true;
    }
    return matched;
  }

  /** Emits the joined row if the full join condition holds (or was `tested` already); says whether it did. */
  private visit(leftRow: Row, rightRow: Row, out: Row[], rt: Runtime, tested = false): boolean {
    const combined = joinedRow(leftRow, rightRow);
    if (!tested && this.spec.condition && this.spec.condition(combined, rt.ctx) !== true) return false;
    if (this.spec.markers) {
      combined.push(true);
      if (this.spec.markers === 2) combined.push(true);
    }
    if (this.rightRows) this.matchedRight.add(rightRow);
    out.push(combined);
    return true;
  }

  /** FULL JOIN, once the left side is done: the right rows no left row matched, with NULLs on the left (then the end). */
  private unmatchedRight(): Row[] | null {
    const rows = this.rightRows;
    if (!rows) return null;
    this.rightRows = null;
    const pad: Row = new Array(this.spec.leftWidth ?? 0).fill(null);
    const out = rows.filter((row) => !this.matchedRight.has(row)).map((row) => {
      const padded = pad.concat(row);
      if (this.spec.markers) {
        padded.push(true);
        if (this.spec.markers === 2) padded.push(null);
      }
      return padded;
    });
    this.matchedRight.clear();
    if (out.length > MAX_MATERIALIZED_ROWS) throw new SqlError('53200', 'query requires too much temp space, out of memory.');
    return out.length > 0 ? out : null;
  }
}
