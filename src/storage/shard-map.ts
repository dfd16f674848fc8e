/**
 * Storage shards by key range (DESIGN.md §1, the crossbar's job): sorted split keys cut the key
 * space into contiguous shards, shard i holding [splits[i-1], splits[i]) — the first from the
 * empty key, the last without an end. Each shard is its own set of replicas; the journal's writes
 * reach the shard whose range holds their key, and a read of a range is served by the shards it
 * crosses, in key order. No splits: one shard holds everything.
 */
import type { JournalRecord } from '../contracts/journal.js';
import type { Key } from '../contracts/kv.js';
import { compareBytes } from '../encoding/bytes.js';

/** One shard's part of a range: [start, end). */
export interface ShardPiece {
  readonly shard: number;
  readonly start: Key;
  readonly end: Key;
}

export class ShardMap {
  private readonly splits: readonly Key[];

  /** `splits`: strictly increasing, none empty (checked: a bad map would misplace rows). */
  constructor(splits: readonly Key[]) {
    for (let i = 0; i < splits.length; i++) {
      if (splits[i]!.length === 0) throw new Error('a storage split key is empty');
      if (i > 0 && compareBytes(splits[i - 1]!, splits[i]!) >= 0) throw new Error('storage split keys must increase strictly');
    }
    this.splits = splits;
  }

  /** Split keys as lowercase hex (the config's form). */
  static fromHex(splits: readonly string[] = []): ShardMap {
    return new ShardMap(splits.map((hex) => {
      if (!/^([0-9a-f]{2})+$/i.test(hex)) throw new Error(`a storage split key must be hex bytes: ${JSON.stringify(hex)}`);
      return new Uint8Array(Buffer.from(hex, 'hex'));
    }));
  }

  get shards(): number {
    return this.splits.length + 1;
  }

  /** The shard whose range holds `key`: how many split keys are at or below it. */
  shardOf(key: Key): number {
    let low = 0;
    let high = this.splits.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareBytes(this.splits[middle]!, key) <= 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Shard `shard`'s range. */
  rangeOf(shard: number): { start: Key; end: Key | null } {
    return { start: shard === 0 ? new Uint8Array(0) : this.splits[shard - 1]!, end: shard === this.splits.length ? null : this.splits[shard]! };
  }

  contains(shard: number, key: Key): boolean {
    return this.shardOf(key) === shard;
  }

  /**
   * The parts of [start, end) each shard holds, in key order (descending for `reverse`); an
   * empty range has none.
   */
  pieces(start: Key, end: Key, reverse = false): ShardPiece[] {
    const out: ShardPiece[] = [];
    if (compareBytes(start, end) >= 0) return out;
    const first = this.shardOf(start);
    for (let shard = first; shard < this.shards; shard++) {
      const range = this.rangeOf(shard);
      if (shard > first && compareBytes(range.start, end) >= 0) break;
      const pieceEnd = range.end === null || compareBytes(range.end, end) >= 0 ? end : range.end;
      out.push({ shard, start: shard === first ? start : range.start, end: pieceEnd });
    }
    return reverse ? out.reverse() : out;
  }

  /**
   * What of `records` shard `shard` applies: each record's writes in its range, in order. A
   * record with none stays (empty), so positions and timestamps still advance in step with the
   * journal; a record wholly inside is passed as is.
   */
  route(records: readonly JournalRecord[], shard: number): readonly JournalRecord[] {
    if (this.splits.length === 0) return records;
    let out: JournalRecord[] | null = null;
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      let inside = 0;
      for (const write of record.writes) if (this.shardOf(write.key) === shard) inside++;
      if (inside === record.writes.length) {
        out?.push(record);
        continue;
      }
      out ??= records.slice(0, i);
      out.push({ ...record, writes: record.writes.filter((write) => this.shardOf(write.key) === shard) });
    }
    return out ?? records;
  }
}
