import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { OrderedRangeOptions, OrderedStore, OrderedWrite } from './env.js';

/**
 * LMDB through lmdb-js: binary keys in bytewise order, synchronous snapshot reads.
 * Durability comes from the journal (storage replays from its applied position), so the
 * store does not fsync every batch (noSync); a crash loses at most un-synced batches, which
 * replay restores. Writes go straight into the memory map (useWritemap): a commit is then a few
 * stores into shared pages instead of a pwrite per dirty page, which halves the cost of the
 * small batches storage applies. A killed process loses nothing either way (the pages are the
 * kernel's); a machine crash can lose or tear un-synced pages with or without it.
 */
export class LmdbOrderedStore implements OrderedStore {
  private readonly db: RootDatabase<Buffer, Buffer>;
  /**
   * A second handle on the same database (and the same environment, read transaction and
   * key/value read buffers) for `rangeInPlace`: its decoder returns lmdb-js's shared value
   * buffer as it stands (its `length` set to the entry's size) and its key reader a view of the
   * shared key buffer, so an entry costs no copies, only lmdb-js's entry objects.
   */
  private readonly inPlace: Database<Uint8Array, Buffer>;
  /** The last committed transaction id at the last renew (NaN: unknown, never equal). */
  private renewedAt = NaN;

  constructor(private readonly path: string) {
    this.db = open<Buffer, Buffer>({
      path,
      keyEncoding: 'binary',
      encoding: 'binary',
      noSync: true,
      useWritemap: true,
      mapSize: 4 * 1024 * 1024 * 1024,
    });
    // `decoderCopies` (set because the decoder has no `needsStableBuffer`) makes lmdb-js hand the
    // decoder its global read buffer instead of a slice of it; the encoder is never used (this
    // handle only reads).
    this.inPlace = this.db.openDB({
      name: null,
      keyEncoding: 'binary',
      encoding: 'binary',
      encoder: { encode: (value: Uint8Array) => value, decode: (bytes: Uint8Array) => bytes },
    } as never) as unknown as Database<Uint8Array, Buffer>;
    // lmdb-js reads each key with `store.readKey(keyBuffer, start, end)`, a copy for binary keys;
    // it has no option for a view, so the handle's reader is replaced.
    (this.inPlace as unknown as { readKey: KeyReader }).readKey = keyViews();
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.db.getBinary(key as Buffer) ?? undefined;
  }

  range(options: OrderedRangeOptions): Iterable<{ key: Uint8Array; value: Uint8Array }> {
    // lmdb's entries are already { key, value }: forward ranges pass them through unwrapped.
    if (!options.reverse) return this.db.getRange({ start: options.start as Buffer, end: options.end as Buffer, limit: options.limit });
    return this.reverseRange(options);
  }

  rangeInPlace(options: OrderedRangeOptions): Iterable<{ key: Uint8Array; value: Uint8Array }> {
    // Reverse ranges copy (a copy keeps the contract): only forward scans are hot.
    if (options.reverse) return this.range(options);
    return this.inPlace.getRange({ start: options.start as Buffer, end: options.end as Buffer, limit: options.limit });
  }

  private *reverseRange(options: OrderedRangeOptions): Iterable<{ key: Uint8Array; value: Uint8Array }> {
    const iterable = this.db.getRange({ start: options.end as Buffer, end: options.start as Buffer, reverse: true, limit: options.limit });
    for (const entry of iterable) {
      // In reverse, lmdb's start bound is inclusive: skip the exclusive end key itself.
      if (Buffer.compare(entry.key, options.end) >= 0) continue;
      yield { key: entry.key, value: entry.value };
    }
  }

  /**
   * Commits the batch synchronously: without fsync an LMDB commit of a small batch takes tens
   * of microseconds, far less than a hop through lmdb-js's asynchronous write thread, and the
   * commit path waits for it (storage applies before a commit is acknowledged).
   */
  write(batch: readonly OrderedWrite[]): Promise<void> {
    this.db.transactionSync(() => {
      for (const write of batch) {
        if (write.value === null) this.db.removeSync(write.key as Buffer);
        else this.db.putSync(write.key as Buffer, write.value as Buffer);
      }
    });
    return Promise.resolve();
  }

  renew(): boolean {
    // Read before the reset, so that the snapshot the next read takes is at least this new.
    const last = this.lastCommittedTxnId();
    if (last === this.renewedAt) return false;
    this.renewedAt = last;
    this.db.resetReadTxn();
    return true;
  }

  /**
   * LMDB's last committed write transaction id, as any process's next read transaction would
   * see it: it is read from the shared meta page (mdb_env_info), with no read transaction, a
   * few key lookups and a timer cheaper than the renew it lets a follower skip. lmdb-js keeps
   * its environment, with `info()`, on the database; without it every renew renews (NaN).
   */
  private lastCommittedTxnId(): number {
    const env = (this.db as unknown as { env?: { info?: () => { lastTxnId?: number } } }).env;
    return env?.info?.().lastTxnId ?? NaN;
  }

  /**
   * fdatasync of the environment's data file (`<path>/data.mdb`: lmdb-js makes the path a
   * directory): with a write map the committed pages are the page cache's, which the sync
   * writes back, meta pages included.
   */
  async sync(): Promise<void> {
    const file = await fs.open(join(this.path, 'data.mdb'), 'r+');
    try {
      await file.datasync();
    } finally {
      await file.close();
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

type KeyReader = (target: Uint8Array, start: number, end: number) => Uint8Array;

/**
 * A key reader that returns views of lmdb-js's key buffer, one per key length, made once: lmdb-js
 * writes each entry's key at the same offset of the same buffer, so the view of that length
 * shows the current key (a new view per entry cost a tenth of a scan). A view is reused for the
 * next key of its length, as `rangeInPlace`'s contract allows.
 */
function keyViews(): KeyReader {
  let target: Uint8Array | null = null;
  let start = -1;
  let views: Uint8Array[] = [];
  return (buffer, from, end) => {
    if (buffer !== target || from !== start) {
      target = buffer;
      start = from;
      views = [];
    }
    const length = end - from;
    return views[length] ??= new Uint8Array(buffer.buffer, buffer.byteOffset + from, length);
  };
}
