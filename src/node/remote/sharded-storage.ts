/**
 * The StorageNode contract over storage sharded by key range (src/storage/shard-map.ts), for a
 * query processor in its own process: each shard is its own set of replicas (a RemoteStorage);
 * a point read goes to the shard holding its key, and a read or measure of a range is served by
 * the shards the range crosses, one after another in key order (descending for a reverse read),
 * each with what is left of the limit. A range inside one shard is passed to it as is, so one
 * shard costs nothing.
 *
 * Paging matches one store's: a part that stops at its limit (or its scan budget) hands back its
 * resume key; when the limit is used up exactly at the end of a part and more parts remain, the
 * resume key is where the next part begins (forward) or ends (reverse, exclusive) — without
 * reading it, so the next page may come back empty with no resume key, which one store would
 * have said at once.
 *
 * Also answers reads of the watched key (the catalog version key) from the leader's stream when
 * it can (key-watch.ts).
 */
import type { JournalPosition, JournalRecord } from '../../contracts/journal.js';
import type { Key } from '../../contracts/kv.js';
import type { MeasureRequest, MeasureResult, ReadRequest, ReadResult, StorageNode } from '../../contracts/storage.js';
import type { Timestamp } from '../../contracts/time.js';
import type { ShardMap } from '../../storage/shard-map.js';
import type { KeyWatch } from './key-watch.js';

/** One shard's storage as a query processor reads it (RemoteStorage is one). */
export interface ShardStorage extends Pick<StorageNode, 'read' | 'get' | 'measure' | 'close'> {
  /** The replica the shard's reads go to first. */
  readsFrom(): string;
}

export class ShardedStorage implements StorageNode {
  private keyWatch: KeyWatch | null = null;

  constructor(private readonly map: ShardMap, private readonly shards: readonly ShardStorage[]) {
    if (shards.length !== map.shards) throw new Error(`the shard map has ${map.shards} shards, but ${shards.length} are given`);
  }

  /** Each shard's first replica (see RemoteStorage.readsFrom), in shard order. */
  readsFrom(): string[] {
    return this.shards.map((shard) => shard.readsFrom());
  }

  /** Answers reads of the watched key from the leader's stream when it can (key-watch.ts). */
  watch(keyWatch: KeyWatch): void {
    this.keyWatch = keyWatch;
  }

  async get(key: Key, readTimestamp: Timestamp): Promise<Uint8Array | null> {
    const shard = this.shards.length === 1 ? this.shards[0]! : this.shards[this.map.shardOf(key)]!;
    const watch = this.keyWatch;
    if (watch === null || !watch.isKey(key)) return shard.get(key, readTimestamp);
    const known = await watch.valueAt(readTimestamp);
    if (known !== undefined) return known.value;
    const value = await shard.get(key, readTimestamp);
    watch.observed(value, readTimestamp);
    return value;
  }

  read(request: ReadRequest): Promise<ReadResult> {
    if (this.shards.length === 1) return this.shards[0]!.read(request);
    const reverse = request.reverse ?? false;
    const pieces = this.map.pieces(request.start, request.end, reverse);
    // An empty range goes to a shard too: it checks the request as any read's and answers it.
    if (pieces.length <= 1) return this.shards[pieces[0]?.shard ?? this.map.shardOf(request.start)]!.read(request);
    return this.readPieces(request, pieces, reverse);
  }

  private async readPieces(request: ReadRequest, pieces: ReturnType<ShardMap['pieces']>, reverse: boolean): Promise<ReadResult> {
    const keys: Key[] = [];
    const values: Uint8Array[] = [];
    // What shards counted, and what those that count nothing sent (what the reader would count).
    let counted: number | undefined;
    let received = 0;
    let resumeKey: Key | null = null;
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      const result = await this.shards[piece.shard]!.read({ ...request, start: piece.start, end: piece.end, limit: remaining(request.limit, keys.length, i) });
      for (let row = 0; row < result.keys.length; row++) {
        keys.push(result.keys[row]!);
        values.push(result.values[row]!);
      }
      if (result.bytesRead !== undefined) counted = (counted ?? 0) + result.bytesRead;
      else for (let row = 0; row < result.keys.length; row++) received += result.keys[row]!.length + result.values[row]!.length;
      if (result.resumeKey !== null) {
        resumeKey = result.resumeKey;
        break;
      }
      if (keys.length >= request.limit && i + 1 < pieces.length) {
        // Forward: the next piece begins at its start; reverse: below this piece's start.
        resumeKey = reverse ? piece.start : pieces[i + 1]!.start;
        break;
      }
    }
    return counted === undefined ? { keys, values, resumeKey } : { keys, values, resumeKey, bytesRead: counted + received };
  }

  measure(request: MeasureRequest): Promise<MeasureResult> {
    if (this.shards.length === 1) return this.shards[0]!.measure(request);
    const pieces = this.map.pieces(request.start, request.end);
    if (pieces.length <= 1) return this.shards[pieces[0]?.shard ?? this.map.shardOf(request.start)]!.measure(request);
    return this.measurePieces(request, pieces);
  }

  private async measurePieces(request: MeasureRequest, pieces: ReturnType<ShardMap['pieces']>): Promise<MeasureResult> {
    let keys = 0;
    let bytes = 0;
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      const result = await this.shards[piece.shard]!.measure({ ...request, start: piece.start, end: piece.end, limit: remaining(request.limit, keys, i) });
      keys += result.keys;
      bytes += result.bytes;
      if (result.resumeKey !== null) return { keys, bytes, resumeKey: result.resumeKey };
      if (keys >= request.limit && i + 1 < pieces.length) return { keys, bytes, resumeKey: pieces[i + 1]!.start };
    }
    return { keys, bytes, resumeKey: null };
  }

  apply(_records: readonly JournalRecord[], _position: JournalPosition): Promise<void> {
    return Promise.reject(new Error('a query processor does not apply the journal'));
  }

  get appliedPosition(): JournalPosition {
    return 0;
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((shard) => shard.close()));
  }
}

/**
 * The limit of piece `index` of a read after `taken` rows. The first piece gets the request's
 * own, so storage checks it as it checks any (a limit below 1 is refused). Storage stops once
 * it has taken at least its limit (`taken >= limit`), so a fractional limit L yields up to
 * ceil(L) rows; rounding what is left up keeps that, and keeps every later limit at 1 or more
 * (a piece is only read while taken < limit).
 */
function remaining(limit: number, taken: number, index: number): number {
  return index === 0 ? limit : Math.ceil(limit - taken);
}
