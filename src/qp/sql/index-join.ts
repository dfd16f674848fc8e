import { SqlError } from '../../contracts/errors.js';
import type { SqlValue } from '../../contracts/sql-value.js';
import type { IndexInfo, TableInfo } from '../catalog/catalog.js';
import type { Evaluator } from './compiled.js';
import type { RowLockStrength } from './ast.js';
import { narrowedKeyBound, narrowsToKey } from './integer-keys.js';
import { rangeOf } from './key-ranges.js';
import { IndexScan, lockingRead, materialize, MAX_MATERIALIZED_ROWS, PointLookup, TableScan, type ExplainInfo, type JoinSpec, type Row, type RowSource, type Runtime } from './operators.js';
import { PRIMARY_INDEX_ID, type TableCodec } from './table-codec.js';

/**
 * Index nested-loop join: for each outer row, the join keys it gives are looked up in the inner
 * table's primary key or a secondary index — a point read or a key-prefix read per outer row —
 * instead of reading the whole inner table into a hash table.
 *
 * When (there are no statistics, so the rule is about what the plan itself bounds): the join
 * keys cover a key prefix of the inner table (the whole primary key, or a leading part of the
 * primary key or of a valid index), and the outer side's rows are bounded at plan time by at
 * most SMALL_OUTER_ROWS — a point read, a list of primary keys, a VALUES list, a LIMIT, or a
 * join of such. Then the inner side costs at most that many reads however big it is, while a
 * hash join would read all of it; with an unbounded outer side the hash join stays, since
 * per-row reads of a big outer side cost more than one scan.
 */
export const SMALL_OUTER_ROWS = 1000;

/** How the inner table is read for one outer row. */
export interface InnerKeyRead {
  /** The index read (null: the primary key). */
  readonly index: IndexInfo | null;
  /** The index's leading columns the join keys give, in index order. */
  readonly columns: readonly number[];
  /** For each of those columns, the evaluator on the outer row giving its value (in the column's type). */
  readonly keys: readonly Evaluator[];
  /** The keys are the whole primary key: at most one row. */
  readonly point: boolean;
}

/** An outer row's value for an inner key column, and the type it comes in (the join's common type). */
export interface JoinKeyValue {
  readonly value: Evaluator;
  readonly oid: number;
}

/**
 * The best key read for join keys `inner column = outer value` (keys by inner column number):
 * the whole primary key, else the longest covered prefix of the primary key or of an index.
 */
export function innerKeyRead(table: TableInfo, keys: ReadonlyMap<number, JoinKeyValue>): InnerKeyRead | null {
  const covered = (columns: readonly number[]): number => {
    let n = 0;
    while (n < columns.length && keys.has(columns[n]!)) n++;
    return n;
  };
  const read = (index: IndexInfo | null, columns: readonly number[], n: number): InnerKeyRead => ({
    index, columns: columns.slice(0, n), keys: columns.slice(0, n).map((c) => keyInColumnType(table, c, keys.get(c)!)), point: index === null && n === columns.length,
  });
  const pk = table.primaryKey;
  const pkCovered = pk.length > 0 ? covered(pk) : 0;
  if (pkCovered === pk.length && pk.length > 0) return read(null, pk, pkCovered);
  let best: InnerKeyRead | null = pkCovered > 0 ? read(null, pk, pkCovered) : null;
  for (const index of table.indexes) {
    if (index.primary || !index.valid) continue;
    const n = covered(index.columns);
    if (n > 0 && (!best || n > best.columns.length)) best = read(index, index.columns, n);
  }
  return best;
}

/**
 * The outer value as a key of the inner column's type: a wider integer (an int8 outer column
 * joined to an int4 key) is narrowed, NULL when out of the key's range, since no key equals it.
 */
function keyInColumnType(table: TableInfo, column: number, key: JoinKeyValue): Evaluator {
  const columnOid = table.columns[column]!.typeOid;
  if (key.oid === columnOid) return key.value;
  if (!narrowsToKey(columnOid, key.oid)) throw new Error(`index join: key of type ${key.oid} for a column of type ${columnOid}`);
  return narrowedKeyBound(columnOid, '=', key.value).value;
}

/** Inner and left joins whose inner rows are read by key per outer row (the row layout of HashJoin). */
export class IndexNestedLoopJoin implements RowSource {
  constructor(
    private readonly outer: RowSource,
    private readonly codec: TableCodec,
    private readonly read: InnerKeyRead,
    private readonly spec: JoinSpec,
    /** The lock a locking clause puts on the inner table's rows (row-locks.ts), or null. */
    private readonly innerLock: RowLockStrength | null = null,
  ) {}

  explain(): ExplainInfo {
    const kind = this.spec.kind === 'inner' ? '' : 'Left ';
    return { label: `Nested Loop ${kind}Join`, children: [this.outer, this.innerSource([], null)] };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    for (;;) {
      const batch = await this.outer.next(rt);
      if (!batch) return null;
      // The inner reads of a batch go out together: one round of storage latency per batch.
      const inner = await Promise.all(batch.map((row) => this.innerRows(row, rt)));
      const out: Row[] = [];
      for (let i = 0; i < batch.length; i++) this.joinRow(batch[i]!, inner[i]!, out, rt);
      if (out.length > MAX_MATERIALIZED_ROWS) throw new SqlError('53200', 'query requires too much temp space, out of memory.');
      if (out.length > 0) return out;
    }
  }

  private joinRow(outerRow: Row, innerRows: readonly Row[], out: Row[], rt: Runtime): void {
    let matched = false;
    for (const innerRow of innerRows) {
      const combined = outerRow.concat(innerRow);
      if (this.spec.condition && this.spec.condition(combined, rt.ctx) !== true) continue;
      matched = true;
      if (this.spec.markers) combined.push(true);
      out.push(combined);
    }
    if (!matched && this.spec.kind === 'left') {
      const padded = outerRow.concat(new Array(this.spec.rightWidth).fill(null));
      if (this.spec.markers) padded.push(null);
      out.push(padded);
    }
  }

  private async innerRows(outerRow: Row, rt: Runtime): Promise<Row[]> {
    const values: SqlValue[] = new Array(this.read.keys.length);
    for (let i = 0; i < values.length; i++) {
      const value = this.read.keys[i]!(outerRow, rt.ctx);
      if (value === null) return []; // NULL = anything is never true
      values[i] = value;
    }
    return materialize(this.innerSource(values, rt), rt);
  }

  /** The inner read for one outer row's key values (rt null: for EXPLAIN only). */
  private innerSource(values: readonly SqlValue[], rt: Runtime | null): RowSource {
    const { index, columns, point } = this.read;
    const range = () => (rt ? rangeOf(this.codec, index?.id ?? PRIMARY_INDEX_ID, columns, values, null, null, rt) : null);
    const read = point ? new PointLookup(this.codec, values.map((v) => () => v))
      : index ? new IndexScan(this.codec, index, range) : new TableScan(this.codec, range, false, null, true);
    return this.innerLock ? lockingRead(read, this.innerLock) : read;
  }
}
