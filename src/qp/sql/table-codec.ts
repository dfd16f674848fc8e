import { SqlError, assert } from '../../contracts/errors.js';
import type { Key } from '../../contracts/kv.js';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import type { RandomSource } from '../../contracts/time.js';
import { KeyWriter, prefixEnd } from '../../encoding/key.js';
import { decodeTuple, decodeTupleSlots, encodeTuple } from '../../encoding/tuple.js';
import type { IndexInfo, TableInfo } from '../catalog/catalog.js';
import * as types from './typesystem.js';
import { IndexEntryLayout, isCovering } from './index-entry.js';
import { tupleLayout, type TupleLayout } from './tuple-layout.js';

/**
 * How one table's rows and index entries become keys and values (DESIGN.md §3):
 *   primary index (id 1):  [table id][1][primary key columns]            → row tuple
 *   no primary key:        [table id][1][16 random bytes as bytea]      → row tuple
 *   secondary index:       [table id][index id][index columns][pk cols] → empty
 *   unique index:          [table id][index id][index columns]          → primary key suffix
 * (a unique index entry with a NULL column falls back to the secondary form: NULLs are
 * distinct unless NULLS NOT DISTINCT). An index with covering entries (index-entry.ts) has the
 * same keys; its values are a tuple of the primary key suffix (or NULL) and the stored columns.
 */
export const PRIMARY_INDEX_ID = 1;
/** DSQL's limit on the combined size of key columns. */
const MAX_KEY_BYTES = 1024 + 6;

export class TableCodec {
  readonly columnTypes: readonly number[];
  private readonly writer = new KeyWriter();
  readonly primaryIndex: IndexInfo;
  /** Prefix [table id][1] and its end: the table's whole primary key range. */
  readonly rowsStart: Key;
  readonly rowsEnd: Key;
  /** Null unless columns were dropped: then the tuple has slots no column reads. */
  private readonly layout: TupleLayout | null;
  /** Null: decodeRow decodes every column. Otherwise only these (see pruned()). */
  private readonly decoded: DecodedColumns | null;
  /**
   * A row of NULLs, one slot per column and one for the key, built by pushes so that it is a
   * packed array: each decoded row starts as a copy of it (a memory copy, and operators that
   * copy rows on take the packed arrays' fast paths; `new Array(n)` makes holey ones).
   */
  private readonly emptyRow: SqlValue[] = [];
  /** The entry layouts of the covering indexes, by index id, made when first used. */
  private readonly entryLayouts = new Map<number, IndexEntryLayout>();

  /**
   * `decoded`: the columns a query reads (ascending positions); null for all. A pruned codec's
   * rows hold NULL in every other column, so only a plan whose every reference to the table is
   * in the list may use one (column-use.ts). The row key is always kept: operators read it
   * (a key-read union removes duplicates by it).
   */
  constructor(readonly table: TableInfo, decoded: readonly number[] | null = null) {
    this.columnTypes = table.columns.map((c) => c.typeOid);
    for (let i = 0; i <= this.columnTypes.length; i++) this.emptyRow.push(null);
    this.layout = tupleLayout(table);
    this.decoded = decoded === null ? null : this.decodedColumns(decoded);
    this.primaryIndex = table.indexes.find((i) => i.primary) ?? {
      id: PRIMARY_INDEX_ID, oid: 0, name: `${table.name}_pkey`, columns: [], include: [], unique: true, primary: true, valid: true, nullsNotDistinct: false, constraintName: null,
    };
    this.rowsStart = this.indexPrefix(PRIMARY_INDEX_ID);
    this.rowsEnd = prefixEnd(this.rowsStart);
  }

  indexPrefix(indexId: number): Key {
    const w = this.writer;
    w.reset();
    w.writeUint32(this.table.id);
    w.writeUint16(indexId);
    return w.finish();
  }

  encodeRow(row: readonly SqlValue[]): Uint8Array {
    const tuple = this.layout !== null
      ? this.encodeSlots(row, this.layout)
      : encodeTuple(this.columnTypes, row.length === this.columnTypes.length ? row : row.slice(0, this.columnTypes.length));
    if (tuple.length > MAX_COLUMN_BYTES) checkValueSizes(row, tuple.length);
    return tuple;
  }

  /** The same table's codec, decoding only `columns` (see the constructor). */
  pruned(columns: readonly number[]): TableCodec {
    return new TableCodec(this.table, columns);
  }

  /** The names of the columns decodeRow decodes, or null for all (EXPLAIN shows them). */
  decodedColumnNames(): string[] | null {
    if (this.decoded === null) return null;
    return this.decoded.columns.map((c) => this.table.columns[c]!.name);
  }

  /** Decodes a row tuple into a fresh array with one extra slot for the row's key. */
  decodeRow(value: Uint8Array, key: Key): SqlValue[] {
    return this.decodeRowAt(value, 0, key);
  }

  /**
   * decodeRow of the tuple that starts at `value[base]` (a scan decodes rows where storage
   * found them); `key` may be null when no one reads the row's key slot.
   */
  decodeRowAt(value: Uint8Array, base: number, key: Key | null): SqlValue[] {
    const decoded = this.decoded;
    if (decoded !== null) return this.decodeSome(value, base, key, decoded);
    const out = this.emptyRow.slice();
    if (this.layout === null) decodeTuple(this.columnTypes, value, out, base);
    else this.decodeSlots(value, base, this.layout, out);
    out[this.columnTypes.length] = key;
    return out;
  }

  private decodeSome(value: Uint8Array, base: number, key: Key | null, decoded: DecodedColumns): SqlValue[] {
    const out = this.emptyRow.slice();
    decodeTupleSlots(value, decoded.slots, decoded.slotTypes, decoded.columns, out, base);
    out[this.columnTypes.length] = key;
    return out;
  }

  private decodedColumns(columns: readonly number[]): DecodedColumns {
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i]!;
      assert(Number.isInteger(c) && c >= 0 && c < this.columnTypes.length && (i === 0 || c > columns[i - 1]!), 'decoded columns are ascending column positions');
    }
    return { columns, slots: columns.map((c) => this.slot(c)), slotTypes: columns.map((c) => this.columnTypes[c]!) };
  }

  /** The tuple slot of a column (storage reads pushed-down filter columns from the tuple). */
  slot(column: number): number {
    return this.layout === null ? column : this.layout.columnSlots[column]!;
  }

  private encodeSlots(row: readonly SqlValue[], layout: TupleLayout): Uint8Array {
    const slots: SqlValue[] = new Array(layout.slotTypes.length).fill(null);
    for (let i = 0; i < layout.columnSlots.length; i++) slots[layout.columnSlots[i]!] = row[i]!;
    return encodeTuple(layout.slotTypes, slots);
  }

  private decodeSlots(value: Uint8Array, base: number, layout: TupleLayout, out: SqlValue[]): void {
    const slots = decodeTuple(layout.slotTypes, value, new Array(layout.slotTypes.length), base);
    for (let i = 0; i < layout.columnSlots.length; i++) out[i] = slots[layout.columnSlots[i]!]!;
  }

  /** The primary key of a row (or a fresh random row id for a table without one). */
  primaryKey(row: readonly SqlValue[], random: RandomSource | null): Key {
    const w = this.writer;
    w.reset();
    w.writeUint32(this.table.id);
    w.writeUint16(PRIMARY_INDEX_ID);
    if (this.table.primaryKey.length === 0) {
      if (!random) throw new Error('a row id needs randomness');
      w.writeValue(TypeOid.bytea, random.bytes(16));
    } else {
      for (const position of this.table.primaryKey) w.writeValue(this.columnTypes[position]!, row[position]!);
    }
    return this.checkKeySize(w.finish());
  }

  /** The key of a primary key given its column values in key order (point lookups). */
  primaryKeyFromValues(values: readonly SqlValue[]): Key {
    return this.keyFromValues(PRIMARY_INDEX_ID, this.table.primaryKey, values);
  }

  /** The key (or key prefix) of the first `values.length` columns of an index. */
  keyFromValues(indexId: number, columns: readonly number[], values: readonly SqlValue[]): Key {
    const w = this.writer;
    w.reset();
    w.writeUint32(this.table.id);
    w.writeUint16(indexId);
    for (let i = 0; i < values.length; i++) w.writeValue(this.columnTypes[columns[i]!]!, values[i]!);
    return w.finish();
  }

  /**
   * The entry of a secondary index for a row: its key, and the value stored under it. The
   * primary key suffix is the primary key minus its [table id][1] prefix.
   */
  indexEntry(index: IndexInfo, row: readonly SqlValue[], primaryKey: Key): { key: Key; value: Uint8Array; uniqueChecked: boolean } {
    const w = this.writer;
    w.reset();
    w.writeUint32(this.table.id);
    w.writeUint16(index.id);
    let hasNull = false;
    for (const position of index.columns) {
      const value = row[position]!;
      if (value === null) hasNull = true;
      w.writeValue(this.columnTypes[position]!, value);
    }
    const suffix = primaryKey.subarray(6);
    const uniqueChecked = index.unique && (!hasNull || index.nullsNotDistinct);
    if (!uniqueChecked) w.writeBytes(suffix);
    const key = this.checkKeySize(w.finish());
    if (isCovering(index)) return { key, value: this.entryLayout(index).value(row, uniqueChecked ? suffix : null), uniqueChecked };
    return { key, value: uniqueChecked ? suffix : new Uint8Array(0), uniqueChecked };
  }

  /** The layout of a covering index's entries (index-entry.ts). */
  entryLayout(index: IndexInfo): IndexEntryLayout {
    let layout = this.entryLayouts.get(index.id);
    if (layout === undefined) {
      layout = new IndexEntryLayout(this.table, index, this.columnTypes);
      this.entryLayouts.set(index.id, layout);
    }
    return layout;
  }

  /**
   * Whether a read through `index` can build this codec's rows from the entries alone (an
   * index-only read): the index has covering entries that hold every column the codec decodes.
   */
  readsIndexOnly(index: IndexInfo): boolean {
    if (!isCovering(index)) return false;
    const covered = this.entryLayout(index).covered;
    if (this.decoded === null) return this.columnTypes.every((_, c) => covered.has(c));
    return this.decoded.columns.every((c) => covered.has(c));
  }

  /** A row built from a covering entry (readsIndexOnly), with the row key in its last slot. */
  decodeIndexEntry(index: IndexInfo, key: Key, value: Uint8Array): SqlValue[] {
    const width = this.columnTypes.length;
    const out: SqlValue[] = new Array(width + 1);
    for (let i = 0; i < width; i++) out[i] = null;
    this.entryLayout(index).decode(key, value, this.rowsStart, out);
    return out;
  }

  /** The primary key a secondary index entry points to. */
  primaryKeyFromIndexEntry(index: IndexInfo, key: Key, value: Uint8Array): Key {
    const suffix = isCovering(index) ? this.entryLayout(index).primaryKeySuffix(key, value) : value.length > 0 ? value : this.indexSuffix(index, key);
    const out = new Uint8Array(6 + suffix.length);
    out.set(this.rowsStart, 0);
    out.set(suffix, 6);
    return out;
  }

  private indexSuffix(index: IndexInfo, key: Key): Uint8Array {
    // Non-unique entries end with the primary key suffix; skip the index columns to find it.
    const skipped = types.skipKeyColumns(key, 6, index.columns.map((c) => this.columnTypes[c]!));
    return key.subarray(skipped);
  }

  private checkKeySize(key: Key): Key {
    if (key.length > MAX_KEY_BYTES) throw new SqlError('54000', 'key size too large');
    return key;
  }

  /** "Key (a, b)=(1, x)" detail text for a unique violation. */
  describeKey(index: IndexInfo, row: readonly SqlValue[]): string {
    const columns = index.columns.map((p) => this.table.columns[p]!.name).join(', ');
    const values = index.columns.map((p) => {
      const v = row[p]!;
      return v === null ? 'null' : types.formatTextValue(this.columnTypes[p]!, v);
    }).join(', ');
    return `Key (${columns})=(${values})`;
  }
}

/** DSQL's limits on a stored row (reference/dsql.md §3.2): 1 MiB per column value, 2 MiB per row. */
const MAX_COLUMN_BYTES = 1024 * 1024;
const MAX_ROW_BYTES = 2 * 1024 * 1024;

/** Bytes of a variable-length value as stored (strings as UTF-8); fixed-size values are small. */
function valueBytes(value: SqlValue): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (value instanceof Uint8Array) return value.length;
  return 0;
}

/** 54000 for a column value over 1 MiB, then for a row over 2 MiB, with DSQL's texts. */
function checkValueSizes(row: readonly SqlValue[], rowBytes: number): void {
  for (const value of row) {
    if (valueBytes(value) > MAX_COLUMN_BYTES) throw new SqlError('54000', 'maximum column size exceeded');
  }
  if (rowBytes > MAX_ROW_BYTES) throw new SqlError('54000', 'maximum row size exceeded');
}

/** The columns a pruned codec decodes: row positions, their tuple slots and the slots' types. */
interface DecodedColumns {
  readonly columns: readonly number[];
  readonly slots: readonly number[];
  readonly slotTypes: readonly number[];
}

/**
 * The key-lock key of a row: its primary key with index id 0, which no index uses. It is never
 * stored; it names the row's key columns to the adjudicator, which a foreign-key check shares
 * and a delete or key change locks (foreign-keys.ts).
 */
export function rowKeyLockKey(rowKey: Key): Key {
  assert(rowKey.length > 6 && rowKey[4] === 0 && rowKey[5] === PRIMARY_INDEX_ID, 'a key-lock key is made from a row key');
  const out = Uint8Array.from(rowKey);
  out[4] = 0;
  out[5] = 0;
  return out;
}
