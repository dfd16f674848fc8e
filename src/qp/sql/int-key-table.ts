/**
 * A hash join's build side for one int2/int4 key: an open-addressing table over typed arrays
 * from key to the index of its first row, its rows chained by index in the order they were added.
 * A Map of 100,000 keys grew by rehashing into ever larger tables on the JavaScript heap (and
 * duplicates needed an array per key); these arrays are sized once from the row count and hold
 * no objects, so the collector neither copies nor scans them.
 */
export class IntKeyTable {
  private readonly keys: Int32Array;
  /** Per slot: 1 + the index of the key's first row (0: an empty slot). */
  private readonly heads: Int32Array;
  /** Per slot: the index of the key's last row, where the next duplicate is chained. */
  private readonly tails: Int32Array;
  /** Per row: the index of the next row with its key, or -1. */
  readonly nextSame: Int32Array;
  private readonly shift: number;
  private readonly mask: number;

  constructor(rows: number) {
    // At most half full, so probe runs stay short.
    let bits = 4;
    while (1 << bits < rows * 2) bits++;
    this.keys = new Int32Array(1 << bits);
    this.heads = new Int32Array(1 << bits);
    this.tails = new Int32Array(1 << bits);
    this.nextSame = new Int32Array(Math.max(rows, 1));
    this.shift = 32 - bits;
    this.mask = (1 << bits) - 1;
  }

  /** Whether `value` is a key this table can hold (an int32; int2 and int4 values always are). */
  static holds(value: unknown): value is number {
    return typeof value === 'number' && (value | 0) === value;
  }

  /** Adds row `index` (indexes added in increasing order) under `key`, an int32. */
  add(key: number, index: number): void {
    let slot = this.slotOf(key);
    while (this.heads[slot] !== 0 && this.keys[slot] !== key) slot = (slot + 1) & this.mask;
    this.nextSame[index] = -1;
    if (this.heads[slot] === 0) {
      this.keys[slot] = key;
      this.heads[slot] = index + 1;
    } else this.nextSame[this.tails[slot]!] = index;
    this.tails[slot] = index;
  }

  /** The index of `key`'s first row (then follow `nextSame`), or -1. */
  first(key: number): number {
    let slot = this.slotOf(key);
    for (;;) {
      const head = this.heads[slot]!;
      if (head === 0) return -1;
      if (this.keys[slot] === key) return head - 1;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Fibonacci hashing: the top bits of key × 2^32/φ, so runs of consecutive keys spread out. */
  private slotOf(key: number): number {
    return Math.imul(key, -1640531527) >>> this.shift;
  }
}
