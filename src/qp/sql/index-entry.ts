import { assert } from '../../contracts/errors.js';
import type { Key } from '../../contracts/kv.js';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import { KeyReader } from '../../encoding/key.js';
import { decodeColumn, decodeTuple, encodeTuple } from '../../encoding/tuple.js';
import type { IndexInfo, TableInfo } from '../catalog/catalog.js';

/**
 * The covering entry format of a secondary index (`IndexInfo.entryFormat`), which lets a query
 * whose columns the index holds read the index alone (an index-only read):
 *
 *   key:   [table id][index id][index columns]([primary key suffix] unless the entry is unique-checked)
 *   value: tuple (primary key suffix as bytea, or NULL when the key ends with it; stored columns…)
 *
 * The stored columns are the INCLUDE columns and every index or primary key column whose key
 * bytes do not give its value back exactly (numeric loses its scale, float8 its -0, bpchar its
 * trailing blanks, interval its months: key.ts). So an entry changes whenever any column it
 * holds changes, and the writers (which rewrite an entry whose key or value differs) keep it
 * exact. Indexes created before this format have no entryFormat: their entries hold only the
 * key (and a unique entry's primary key suffix as the raw value), and are never read index-only.
 */
export const COVERING_ENTRY_FORMAT = 2;

const EMPTY = new Uint8Array(0);

/** Types whose key encoding decodes (KeyReader) to exactly the value that was written. */
const KEY_EXACT_TYPES: ReadonlySet<number> = new Set([
  TypeOid.bool, TypeOid.int2, TypeOid.int4, TypeOid.int8, TypeOid.oid,
  TypeOid.text, TypeOid.varchar, TypeOid.name, TypeOid.bytea, TypeOid.uuid,
  TypeOid.date, TypeOid.timestamp, TypeOid.timestamptz, TypeOid.time,
]);

export function keyDecodesExactly(typeOid: number): boolean {
  return KEY_EXACT_TYPES.has(typeOid);
}

/** Whether an index's entries use the covering format (see above). */
export function isCovering(index: IndexInfo): boolean {
  return index.entryFormat === COVERING_ENTRY_FORMAT;
}

/** How one covering index's entry values are laid out, and how to turn an entry back into a row. */
export class IndexEntryLayout {
  /** Column positions held in the value after the primary key suffix, in definition order. */
  readonly stored: readonly number[];
  /** The value tuple's types: bytea (the suffix), then the stored columns' types. */
  private readonly valueTypes: readonly number[];
  /** Every column an index-only read yields exactly. */
  readonly covered: ReadonlySet<number>;
  private readonly keyColumnTypes: readonly number[];
  /** Key columns whose value comes from the value tuple instead (skipped in the key). */
  private readonly keyColumnStored: readonly boolean[];
  private readonly reader = new KeyReader();
  private readonly slots: SqlValue[];
  private readonly storedValues: SqlValue[];

  constructor(private readonly table: TableInfo, private readonly index: IndexInfo, private readonly columnTypes: readonly number[]) {
    assert(isCovering(index) && !index.primary, 'a covering layout is made for a covering secondary index');
    const stored: number[] = [...index.include];
    for (const c of [...index.columns, ...table.primaryKey]) {
      if (!keyDecodesExactly(columnTypes[c]!) && !stored.includes(c)) stored.push(c);
    }
    this.stored = stored;
    this.valueTypes = [TypeOid.bytea, ...stored.map((c) => columnTypes[c]!)];
    this.covered = new Set([...index.columns, ...table.primaryKey, ...stored]);
    this.keyColumnTypes = index.columns.map((c) => columnTypes[c]!);
    this.keyColumnStored = index.columns.map((c) => stored.includes(c));
    this.slots = new Array(this.valueTypes.length);
    this.storedValues = new Array(this.valueTypes.length);
  }

  /** The entry's value for a row: `suffix` when the key does not end with it, else NULL. */
  value(row: readonly SqlValue[], suffix: Uint8Array | null): Uint8Array {
    const values = this.storedValues;
    values[0] = suffix;
    for (let i = 0; i < this.stored.length; i++) values[i + 1] = row[this.stored[i]!]!;
    return encodeTuple(this.valueTypes, values);
  }

  /** The primary key suffix (the primary key without [table id][1]) an entry points to. */
  primaryKeySuffix(key: Key, value: Uint8Array): Uint8Array {
    const suffix = decodeColumn(value, 0, TypeOid.bytea);
    if (suffix instanceof Uint8Array) return suffix;
    assert(suffix === null, 'a covering entry value starts with the primary key suffix or NULL');
    const r = this.reader;
    r.reset(key, 6);
    for (const type of this.keyColumnTypes) r.skipValue(type);
    const at = r.position;
    r.reset(EMPTY);
    return key.subarray(at);
  }

  /**
   * Fills `out` (a row of the table's width plus the row-key slot) from an entry: the index and
   * primary key columns from the key bytes, the stored columns from the value, the row key.
   * Columns the index does not cover are left as they are (the caller's NULLs).
   */
  decode(key: Key, value: Uint8Array, rowsStart: Key, out: SqlValue[]): void {
    const slots = decodeTuple(this.valueTypes, value, this.slots);
    const r = this.reader;
    r.reset(key, 6);
    for (let i = 0; i < this.keyColumnTypes.length; i++) {
      if (this.keyColumnStored[i]) r.skipValue(this.keyColumnTypes[i]!);
      else out[this.index.columns[i]!] = r.readValue(this.keyColumnTypes[i]!);
    }
    const suffix = slots[0] instanceof Uint8Array ? slots[0] : key.subarray(r.position);
    const primaryKey = this.table.primaryKey;
    if (primaryKey.length > 0) {
      r.reset(suffix, 0);
      for (let i = 0; i < primaryKey.length; i++) {
        const type = this.columnTypes[primaryKey[i]!]!;
        if (keyDecodesExactly(type)) out[primaryKey[i]!] = r.readValue(type);
        else r.skipValue(type);
      }
      assert(r.atEnd, 'a covering entry\'s primary key suffix holds exactly the primary key');
    }
    r.reset(EMPTY);
    for (let i = 0; i < this.stored.length; i++) out[this.stored[i]!] = slots[i + 1]!;
    const rowKey = new Uint8Array(rowsStart.length + suffix.length);
    rowKey.set(rowsStart, 0);
    rowKey.set(suffix, rowsStart.length);
    out[this.columnTypes.length] = rowKey;
  }
}
