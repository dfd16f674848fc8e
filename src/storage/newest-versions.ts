import type { Timestamp } from '../contracts/time.js';
import { latin1Key } from '../encoding/bytes.js';

/**
 * The newest version of a key as a point read found it: the row (without storage's marker
 * byte), or null when the key has no live version; and its commit timestamp (0 when the key has
 * no version at all). It answers any read at or above that timestamp until a newer version of
 * the key is applied.
 */
export interface NewestVersion {
  readonly timestamp: Timestamp;
  readonly row: Uint8Array | null;
}

/** What one entry costs besides its key and row: the Map slot, the entry object, the view. */
const ENTRY_OVERHEAD_BYTES = 96;

/**
 * Storage's row cache: the newest version of recently read keys, bounded by bytes, evicting the
 * oldest entries first. It is what makes a point read of a hot row a Map lookup instead of an
 * LMDB cursor seek (the seek, through lmdb-js, costs several microseconds; a whole point SELECT
 * is a few tens). Insertion-order eviction rather than LRU: a hit then costs no bookkeeping, and
 * a working set that fits stays; one that does not fit churns either way.
 *
 * Keys of one common shape (`IntShape`: one int4 or small int8 column, what most primary keys
 * are) are held by a number, in a Map per index: a lookup then neither builds nor hashes a
 * string, and the Map compares numbers in place instead of following each candidate key to
 * its characters (several times cheaper over a 100,000-row table, where every step is a cache
 * miss). Other keys go by their bytes as a latin1 string. Both are exact: equal keys and only
 * equal keys meet in one entry. Eviction takes the oldest of the string-keyed entries first,
 * then of each index's, in the order the indexes were first cached.
 *
 * The owner keeps it exact: it replaces the version of every cached key it applies, and clears
 * it when the store changed under it in ways it cannot see key by key (a follower's refresh).
 */
export class NewestVersions {
  private readonly byName = new Map<string, NewestVersion>();
  /** IntShape keys: by their index (`IntShape.index`), then by their column's int. */
  private readonly byIndex = new Map<number, Map<number, NewestVersion>>();
  /** The last index looked up, and its Map: a point-read workload asks for one index in a row. */
  private lastIndex = -1;
  private lastEntries: Map<number, NewestVersion> | undefined = undefined;
  private count = 0;
  private bytes = 0;

  constructor(private readonly budgetBytes: number) {}

  get(key: Uint8Array): NewestVersion | undefined {
    const index = intShapeIndex(key);
    if (index < 0) return this.byName.get(latin1Key(key));
    return this.entriesOf(index, false)?.get(intShapeValue(key));
  }

  set(key: Uint8Array, version: NewestVersion): void {
    if (this.budgetBytes <= 0) return;
    const index = intShapeIndex(key);
    const entries: Map<number | string, NewestVersion> = index < 0 ? this.byName : this.entriesOf(index, true)!;
    const id = index < 0 ? latin1Key(key) : intShapeValue(key);
    const previous = entries.get(id);
    if (previous !== undefined) this.forget(key.length, previous);
    entries.set(id, version);
    this.count++;
    this.bytes += cost(key.length, version);
    if (this.bytes > this.budgetBytes) this.evict();
  }

  delete(key: Uint8Array): void {
    const index = intShapeIndex(key);
    const entries: Map<number | string, NewestVersion> | undefined = index < 0 ? this.byName : this.entriesOf(index, false);
    if (entries === undefined) return;
    const id = index < 0 ? latin1Key(key) : intShapeValue(key);
    const entry = entries.get(id);
    if (entry === undefined) return;
    entries.delete(id);
    this.forget(key.length, entry);
  }

  clear(): void {
    this.byName.clear();
    this.byIndex.clear();
    this.lastIndex = -1;
    this.lastEntries = undefined;
    this.count = 0;
    this.bytes = 0;
  }

  get size(): number {
    return this.count;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  private entriesOf(index: number, create: boolean): Map<number, NewestVersion> | undefined {
    if (index === this.lastIndex) return this.lastEntries;
    let entries = this.byIndex.get(index);
    if (entries === undefined) {
      if (!create) return undefined;
      entries = new Map();
      this.byIndex.set(index, entries);
    }
    this.lastIndex = index;
    this.lastEntries = entries;
    return entries;
  }

  private forget(keyLength: number, entry: NewestVersion): void {
    this.count--;
    this.bytes -= cost(keyLength, entry);
  }

  /** Down to 90 % of the budget, oldest first (see the class comment for the order). */
  private evict(): void {
    const target = this.budgetBytes * 0.9;
    for (const [name, entry] of this.byName) {
      if (this.bytes <= target) return;
      this.byName.delete(name);
      this.forget(name.length, entry);
    }
    for (const [index, entries] of this.byIndex) {
      const keyLength = intShapeLength(index);
      for (const [id, entry] of entries) {
        if (this.bytes <= target) return;
        entries.delete(id);
        this.forget(keyLength, entry);
      }
    }
  }
}

/**
 * The IntShape: a key of table id (4 bytes), index id (2), then one column tagged 0x10 (the key
 * encoding's tag of fixed-width values) that is either 4 bytes (int4, date, oid, float4, a short
 * text…) or 8 bytes whose first four are 0x80 0 0 0 (an int8 in [0, 2^32)). Such a key is its
 * index (table, index id and which of the two lengths: exact in a double) and the column's last
 * four bytes as an int32, sign bit flipped back so that small ints are V8 small integers. Both
 * are lossless, so distinct keys stay distinct whatever the column's type.
 */
const INT_SHAPE_TAG = 0x10;
const INT4_KEY_BYTES = 11;
const INT8_KEY_BYTES = 15;

/** The key's index (>= 0) if it has the IntShape, else -1. */
function intShapeIndex(key: Uint8Array): number {
  if (key[6] !== INT_SHAPE_TAG) return -1;
  let long: number;
  if (key.length === INT4_KEY_BYTES) long = 0;
  else if (key.length === INT8_KEY_BYTES && key[7] === 0x80 && key[8] === 0 && key[9] === 0 && key[10] === 0) long = 1;
  else return -1;
  const table = (key[0]! * 0x1000000) + ((key[1]! << 16) | (key[2]! << 8) | key[3]!);
  return (table * 0x10000 + ((key[4]! << 8) | key[5]!)) * 2 + long;
}

/** The column's int of an IntShape key: its last four bytes, read as an int4 key column. */
function intShapeValue(key: Uint8Array): number {
  const at = key.length - 4;
  return ((key[at]! ^ 0x80) << 24) | (key[at + 1]! << 16) | (key[at + 2]! << 8) | key[at + 3]!;
}

function intShapeLength(index: number): number {
  return index % 2 === 0 ? INT4_KEY_BYTES : INT8_KEY_BYTES;
}

function cost(keyLength: number, version: NewestVersion): number {
  return keyLength + (version.row === null ? 0 : version.row.length) + ENTRY_OVERHEAD_BYTES;
}
