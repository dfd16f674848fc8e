import { SqlError } from '../../contracts/errors.js';
import type { Key } from '../../contracts/kv.js';
import type { SqlValue } from '../../contracts/sql-value.js';
import type { PushedComparison } from '../../contracts/storage.js';
import { prefixEnd } from '../../encoding/key.js';
import type { IndexInfo } from '../catalog/catalog.js';
import type { Evaluator } from './compiled.js';
import { IndexScan, lockingRead, MAX_MATERIALIZED_ROWS, TableScan, type ExplainInfo, type Row, type RowSource, type Runtime } from './operators.js';
import type { TableCodec } from './table-codec.js';
import type { RowLockStrength } from './ast.js';

/**
 * Reads of several keys or key ranges of one index: `id IN (1, 2, 3)`, `id = ANY ($1)`,
 * `a = 1 OR a = 5`, `note IS NULL`. Each leading index column is equal to one value, to NULL, or
 * to any of a list; the ranges are the product of those, sorted and merged so no entry is read
 * twice, and read one after another — in key order, so a primary-key read still returns rows in
 * primary-key order.
 */

export interface KeyRange { readonly start: Key; readonly end: Key }

/** What one leading index column is equal to. */
export type KeyEquality =
  | { readonly kind: 'value'; readonly value: Evaluator }
  | { readonly kind: 'null' }
  /** Any of the values of a list (its NULLs match nothing). */
  | { readonly kind: 'list'; readonly values: (rt: Runtime) => readonly SqlValue[] | null; readonly count: number | null };

export interface KeyBound { readonly op: '<' | '<=' | '>' | '>='; readonly value: Evaluator }

/** Equalities on the leading columns of an index, then at most a range on the next column. */
export interface KeyPrefix {
  readonly equal: readonly KeyEquality[];
  readonly lower: KeyBound | null;
  readonly upper: KeyBound | null;
}

/**
 * More ranges than this and the lists are not spelled out: the read covers the prefix before the
 * first list instead (the filter after the read still decides which rows match).
 */
export const MAX_KEY_RANGES = 1024;

/** The sorted, disjoint ranges a union of key prefixes covers, computed per execution. */
export function keyRanges(codec: TableCodec, indexId: number, columns: readonly number[], prefixes: readonly KeyPrefix[]): (rt: Runtime) => KeyRange[] {
  return (rt) => merged(prefixes.flatMap((prefix) => rangesOf(codec, indexId, columns, prefix, rt)));
}

function rangesOf(codec: TableCodec, indexId: number, columns: readonly number[], prefix: KeyPrefix, rt: Runtime): KeyRange[] {
  let tuples: SqlValue[][] = [[]];
  let complete = true;
  for (const equality of prefix.equal) {
    const options = equalValues(equality, rt);
    if (options.length === 0) return [];
    if (tuples.length * options.length > MAX_KEY_RANGES) { complete = false; break; }
    tuples = tuples.flatMap((tuple) => options.map((value) => [...tuple, value]));
  }
  const ranges: KeyRange[] = [];
  for (const values of tuples) {
    const range = rangeOf(codec, indexId, columns, values, complete ? prefix.lower : null, complete ? prefix.upper : null, rt);
    if (range) ranges.push(range);
  }
  return ranges;
}

function equalValues(equality: KeyEquality, rt: Runtime): readonly SqlValue[] {
  if (equality.kind === 'null') return [null];
  if (equality.kind === 'value') {
    const value = equality.value([], rt.ctx);
    return value === null ? [] : [value]; // `col = NULL` matches nothing
  }
  return (equality.values(rt) ?? []).filter((v) => v !== null);
}

/** The range of entries that start with `values` and lie within the bounds on the next column. */
export function rangeOf(codec: TableCodec, indexId: number, columns: readonly number[], values: readonly SqlValue[], lower: KeyBound | null, upper: KeyBound | null, rt: Runtime): KeyRange | null {
  const base = codec.keyFromValues(indexId, columns, values);
  let start = base;
  let end = prefixEnd(base);
  if (lower) {
    const v = lower.value([], rt.ctx);
    if (v === null) return null;
    const key = codec.keyFromValues(indexId, columns, [...values, v]);
    start = lower.op === '>' ? prefixEnd(key) : key;
  }
  if (upper) {
    const v = upper.value([], rt.ctx);
    if (v === null) return null;
    const key = codec.keyFromValues(indexId, columns, [...values, v]);
    end = upper.op === '<' ? key : prefixEnd(key);
  }
  if (Buffer.compare(start, end) >= 0) return null;
  return { start, end };
}

/** Sorted by start, overlapping or touching ranges joined: each key lies in at most one. */
function merged(ranges: KeyRange[]): KeyRange[] {
  ranges.sort((a, b) => Buffer.compare(a.start, b.start));
  const out: KeyRange[] = [];
  for (const range of ranges) {
    const last = out[out.length - 1];
    if (last && Buffer.compare(range.start, last.end) <= 0) {
      if (Buffer.compare(range.end, last.end) > 0) out[out.length - 1] = { start: last.start, end: range.end };
    } else {
      out.push(range);
    }
  }
  return out;
}

/** The ranges of the primary index (index null) or of a secondary index, read in order. */
export class KeyRangesScan implements RowSource {
  private pending: KeyRange[] | null = null;
  private current: RowSource | null = null;
  private lock: RowLockStrength | null = null;

  constructor(
    private readonly codec: TableCodec,
    private readonly index: IndexInfo | null,
    private readonly ranges: (rt: Runtime) => KeyRange[],
    private readonly pushed: ((rt: Runtime) => readonly PushedComparison[] | null) | null,
  ) {}

  explain(): ExplainInfo {
    const table = this.codec.table.name;
    if (this.index) {
      const only = this.codec.readsIndexOnly(this.index) ? ' (index only)' : '';
      return { label: `B-Tree Scan using ${this.index.name} on ${table}${only}`, details: ['Index Cond: several keys'], children: [], keyRead: true };
    }
    return { label: `Storage Scan on ${table}`, details: ['Index Cond: primary key, several keys', ...(this.pushed ? ['Filters pushed down to storage'] : [])], children: [], keyRead: true };
  }

  lockRowsWith(strength: RowLockStrength): void {
    this.lock = strength;
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    this.pending ??= this.ranges(rt);
    for (;;) {
      if (!this.current) {
        const range = this.pending.shift();
        if (!range) return null;
        this.current = this.index
          ? new IndexScan(this.codec, this.index, () => range)
          : new TableScan(this.codec, () => range, false, this.pushed, true);
        if (this.lock) lockingRead(this.current, this.lock);
      }
      const batch = await this.current.next(rt);
      if (batch) return batch;
      this.current = null;
    }
  }
}

/** Several reads of one table, one after another; a row two of them find comes out once (by its row key). */
export class KeyReadUnion implements RowSource {
  private readonly seen = new Set<string>();
  private current = 0;

  constructor(private readonly reads: readonly RowSource[]) {}

  explain(): ExplainInfo {
    return { label: 'Key Read Union', children: this.reads };
  }

  lockRowsWith(strength: RowLockStrength): void {
    for (const read of this.reads) lockingRead(read, strength);
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    while (this.current < this.reads.length) {
      const batch = await this.reads[this.current]!.next(rt);
      if (!batch) { this.current++; continue; }
      const out: Row[] = [];
      for (const row of batch) {
        const key = Buffer.from(row[row.length - 1] as Uint8Array).toString('latin1');
        if (this.seen.has(key)) continue;
        if (this.seen.size >= MAX_MATERIALIZED_ROWS) throw new SqlError('53200', 'query requires too much temp space, out of memory.');
        this.seen.add(key);
        out.push(row);
      }
      return out;
    }
    return null;
  }
}
