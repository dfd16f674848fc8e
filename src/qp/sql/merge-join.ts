import { SqlError } from '../../contracts/errors.js';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import { joinedRow, MAX_MATERIALIZED_ROWS, type ExplainInfo, type JoinSpec, type Row, type RowSource, type Runtime } from './operators.js';
import type { ReadOrder } from './wanted-order.js';

/**
 * Merge join: an inner equi-join of two inputs that both arrive in ascending order of the join
 * keys (two primary-key scans joined on their primary keys, or a leading part of them). It walks
 * both inputs once, holding only the right rows of the current key, where a hash join would read
 * the whole right side into a table first: for 100,000 × 100,000 rows those 100,000 held rows
 * outlived the young generation, and the collector's copying of them was the largest cost of the
 * join. Nothing is held, so nothing survives.
 *
 * Only integer keys of one type on both sides: their storage order is their numeric order, and
 * JavaScript compares their values (number or bigint) exactly as PostgreSQL does. Other types
 * (numeric 1.0 = 1, text under a collation, floats' -0 and NaN) keep the hash join, whose keys
 * already say what equal means.
 */
const MERGEABLE = new Set<number>([TypeOid.int2, TypeOid.int4, TypeOid.int8]);

/** Where each input's join keys sit in its rows, in the inputs' order (the primary keys' order). */
export interface MergeKeys {
  readonly left: readonly number[];
  readonly right: readonly number[];
}

/**
 * The merge keys for a join, or null when it must hash: an inner join without subplans, both
 * inputs forward primary-key reads (`ReadOrder` without index columns) of base tables, and the
 * equi-keys exactly a leading part of both primary keys, pairwise, as plain columns of the keys'
 * own integer type. `leftColumns`/`rightColumns`: each key's plain column in its side's row (or null).
 */
export function mergeKeys(
  spec: JoinSpec, left: ReadOrder | null, right: ReadOrder | null,
  leftColumns: readonly (number | null)[], rightColumns: readonly (number | null)[],
): MergeKeys | null {
  // A cross join here has keys only from its WHERE (`FROM a, b WHERE a.id = b.id`): an inner join.
  if ((spec.kind !== 'inner' && spec.kind !== 'cross') || spec.conditionSubplans || !left || !right) return null;
  if (left.reverse || right.reverse || left.columns || right.columns) return null;
  const n = spec.keyOids.length;
  const leftPk = left.table.primaryKey;
  const rightPk = right.table.primaryKey;
  if (n === 0 || n > leftPk.length || n > rightPk.length) return null;
  const leftAt: number[] = [];
  const rightAt: number[] = [];
  for (let i = 0; i < n; i++) {
    // The key pairing the i-th primary-key column of each side (keys may be written in any order).
    const j = leftColumns.findIndex((c, k) => c === leftPk[i] && rightColumns[k] === rightPk[i]);
    if (j < 0) return null;
    const oid = spec.keyOids[j]!;
    if (!MERGEABLE.has(oid) || left.table.columns[leftPk[i]!]!.typeOid !== oid || right.table.columns[rightPk[i]!]!.typeOid !== oid) return null;
    leftAt.push(leftPk[i]!);
    rightAt.push(rightPk[i]!);
  }
  return { left: leftAt, right: rightAt };
}

/** Reads `row`'s keys at `positions` into `into`; false when one is NULL (such a row joins nothing). */
function keysOf(row: Row, positions: readonly number[], into: SqlValue[]): boolean {
  for (let i = 0; i < positions.length; i++) {
    const value = row[positions[i]!]!;
    if (value === null) return false;
    into[i] = value;
  }
  return true;
}

/** Integer keys (numbers or bigints; `<` compares the two exactly) in order of their columns. */
function compareKeys(a: readonly SqlValue[], b: readonly SqlValue[], n: number): number {
  for (let i = 0; i < n; i++) {
    const x = a[i] as number | bigint;
    const y = b[i] as number | bigint;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

/** The next batch, without a promise when the source can answer now (as `materialize` reads). */
async function pull(source: RowSource, rt: Runtime): Promise<Row[] | null> {
  const ready = source.nextReady ? source.nextReady(rt) : undefined;
  return ready === undefined ? source.next(rt) : ready;
}

/** Where the right cursor stopped for one left key. */
const Seek = { Passed: 0, End: 1, Fetch: 2 } as const;
type Seek = typeof Seek[keyof typeof Seek];

export class MergeJoin implements RowSource {
  private rightBatch: Row[] = [];
  private rightAt = 0;
  private rightEnded = false;
  /**
   * The right rows whose keys equal `groupKey` (complete once a seek passed them): the first
   * `groupSize` slots, reused per key (setting an array's length is a runtime call per left row).
   */
  private readonly group: Row[] = [];
  private groupSize = 0;
  private readonly groupKey: SqlValue[];
  private hasGroup = false;
  private done = false;
  private readonly leftValues: SqlValue[];
  private readonly rightValues: SqlValue[];

  constructor(private readonly left: RowSource, private readonly right: RowSource, private readonly spec: JoinSpec, private readonly keys: MergeKeys) {
    const n = keys.left.length;
    this.groupKey = new Array(n);
    this.leftValues = new Array(n);
    this.rightValues = new Array(n);
  }

  explain(): ExplainInfo {
    return { label: 'Merge Join', details: [`Merge Keys: ${this.keys.left.length}`], children: [this.left, this.right] };
  }

  async next(rt: Runtime): Promise<Row[] | null> {
    const n = this.keys.left.length;
    for (;;) {
      if (this.done) return null;
      const batch = await pull(this.left, rt);
      if (!batch) {
        this.done = true;
        return null;
      }
      const out: Row[] = [];
      for (let r = 0; r < batch.length; r++) {
        const leftRow = batch[r]!;
        if (!keysOf(leftRow, this.keys.left, this.leftValues)) continue;
        if (!this.hasGroup || compareKeys(this.groupKey, this.leftValues, n) !== 0) {
          this.startGroup(n);
          let seek = this.seek(n);
          while (seek === Seek.Fetch) {
            const next = await pull(this.right, rt);
            this.rightBatch = next ?? [];
            this.rightEnded = next === null;
            this.rightAt = 0;
            seek = this.seek(n);
          }
          // Left keys only grow from here, and no right row is left to match them.
          if (seek === Seek.End && this.groupSize === 0) {
            this.done = true;
            break;
          }
        }
        for (let g = 0; g < this.groupSize; g++) {
          const combined = joinedRow(leftRow, this.group[g]!);
          if (this.spec.condition && this.spec.condition(combined, rt.ctx) !== true) continue;
          out.push(combined);
        }
      }
      if (out.length > MAX_MATERIALIZED_ROWS) throw new SqlError('53200', 'query requires too much temp space, out of memory.');
      if (out.length > 0) return out;
    }
  }

  /** A new group for the current left key: its right rows are collected by `seek`. */
  private startGroup(n: number): void {
    this.groupSize = 0;
    for (let i = 0; i < n; i++) this.groupKey[i] = this.leftValues[i]!;
    this.hasGroup = true;
  }

  /**
   * Moves the right cursor past the rows below the group's key and collects those equal to it;
   * stops at the first greater row (Passed), at the right side's end (End), or at the end of the
   * batch in hand (Fetch: call again with the next one, the group so far kept).
   */
  private seek(n: number): Seek {
    for (;;) {
      if (this.rightAt >= this.rightBatch.length) return this.rightEnded ? Seek.End : Seek.Fetch;
      const row = this.rightBatch[this.rightAt]!;
      if (keysOf(row, this.keys.right, this.rightValues)) {
        const c = compareKeys(this.rightValues, this.groupKey, n);
        if (c > 0) return Seek.Passed;
        if (c === 0) this.group[this.groupSize++] = row;
      }
      this.rightAt++;
    }
  }
}
