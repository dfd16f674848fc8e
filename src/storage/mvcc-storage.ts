import { assert, SqlError } from '../contracts/errors.js';
import type { Key } from '../contracts/kv.js';
import type { JournalPosition, JournalRecord } from '../contracts/journal.js';
import type {
  MeasureRequest, MeasureResult, PushedComparison, ReadRequest, ReadResult, RowVisitor, SafeTimeSource, StorageNode, VisitedRead,
} from '../contracts/storage.js';
import type { Timestamp } from '../contracts/time.js';
import type { OrderedStore, OrderedWrite } from '../env/env.js';
import { bytesBetween, copyBetween, latin1Key } from '../encoding/bytes.js';
import { NewestVersions, type NewestVersion } from './newest-versions.js';
import {
  afterAllVersions, compareUserKey, decodeUint64, encodeUint64, isCommitTimestamp, isVersionOf, sameUserKeyAs, userKeyOf, versionKey,
  versionTimestamp, VERSION_BYTES,
} from './version-key.js';

/**
 * MVCC storage on an ordered store (DESIGN.md §2 Journal and storage). Each version of a user
 * key K is stored at `K || ~commitTimestamp` (see version-key.ts); the value starts with a
 * marker byte, PUT or TOMBSTONE. Metadata lives under table id 0, below every user key (user
 * keys begin with a table id >= 1): the applied journal position and last applied commit
 * timestamp and the live bytes, written in the same atomic batch as the data they cover, and the
 * GC horizon.
 *
 * Reads are synchronous inside (LMDB reads are), after at most one wait for safe time.
 */
const PUT = 1;
const TOMBSTONE = 0;
const META_APPLIED = new Uint8Array([0, 0, 0, 0, 0, 1]);
const META_GC_HORIZON = new Uint8Array([0, 0, 0, 0, 0, 2]);
/** The writer's safe time as it last recorded it, for readers in other processes. */
const META_SAFE_TIME = new Uint8Array([0, 0, 0, 0, 0, 3]);
/** The live bytes (see `liveBytes`) as of the applied position, written in the same batch. */
const META_LIVE_BYTES = new Uint8Array([0, 0, 0, 0, 0, 4]);
/** The first user key: table ids are uint32 >= 1 (ids 0 hold the metadata above). */
export const USER_START = new Uint8Array([0, 0, 0, 1]);
/** Above every stored key (table ids are uint32; no key has 32 leading 0xff bytes). */
export const STORE_END = new Uint8Array(32).fill(0xff);
/** Versions of one key walked one by one before a scan seeks past the rest. */
const SEQUENTIAL_VERSIONS = 8;
/** User keys one read examines at most beyond its limit (filters and tombstones can hide many). */
const SCAN_BUDGET = 10_000;
/** Stored entries one GC pass examines per user key it may visit. */
const GC_ENTRIES_PER_KEY = 16;
/** The row cache's default size (see NewestVersions): a 100k-row table of 100-byte rows fits. */
export const DEFAULT_ROW_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * The order-preserving key encoding of column `column` of a stored tuple, or null for SQL NULL.
 * Supplied by the tuple codec (src/encoding), so storage compares bytes without knowing types.
 */
export type ColumnKeyOf = (value: Uint8Array, column: number, typeOid?: number) => Uint8Array | null;

export interface GcResult {
  /** Stored versions removed by this pass. */
  readonly removed: number;
  /** True when the pass reached the end of the key space (the next pass starts over). */
  readonly complete: boolean;
}

export class MvccStorage implements StorageNode {
  private applied: JournalPosition = 0;
  private lastCommit: Timestamp = 0;
  private horizon: Timestamp = -Infinity;
  private applying = false;
  private closed = false;
  private gcRunning = false;
  /** Where the next GC pass resumes, and the state of the key it stopped inside. */
  private gcCursor: Uint8Array | null = null;
  private gcKey: Uint8Array | null = null;
  private gcKept = false;
  /** Keyed by the key's bytes as a latin1 string. */
  private readonly newest: NewestVersions;
  /** The safe time the writer recorded (followers read it; see `readableThrough`). */
  private recordedSafeTime: Timestamp = 0;
  /** See `liveBytes`; null until read from the store or, when it does not record it, counted. */
  private live: number | null = null;

  constructor(
    private readonly store: OrderedStore,
    private readonly safeTime: SafeTimeSource,
    private readonly columnKeyOf: ColumnKeyOf | null = null,
    rowCacheBytes: number = DEFAULT_ROW_CACHE_BYTES,
  ) {
    this.newest = new NewestVersions(rowCacheBytes);
    this.loadMetadata();
  }

  private loadMetadata(): void {
    const applied = this.store.get(META_APPLIED);
    if (applied !== undefined) {
      assert(applied.length === 16, 'the applied-position record is 16 bytes (a data directory of an older format?)');
      this.applied = decodeUint64(applied, 0);
      this.lastCommit = decodeUint64(applied, 8);
    }
    const horizon = this.store.get(META_GC_HORIZON);
    if (horizon !== undefined) this.horizon = decodeUint64(horizon, 0);
    const safe = this.store.get(META_SAFE_TIME);
    if (safe !== undefined) this.recordedSafeTime = decodeUint64(safe, 0);
    const live = this.store.get(META_LIVE_BYTES);
    if (live !== undefined) this.live = decodeUint64(live, 0);
  }

  /**
   * The bytes of the newest version of every key that has one (not a tombstone): its key and
   * its row as the journal carries them, so base-table rows and index entries alike, the catalog
   * too. Neither older versions nor storage's own suffixes and markers count: it is the size of
   * the database as its rows are, what DSQL's `ClusterStorageSize` reports, and the same on
   * every replica at one applied position. Kept exact by each apply; a follower sees the
   * writer's as of its last refresh. A store that does not record it (written before it was
   * kept, or filled by a restore) is counted by one scan, when it is first asked for or applied to:
   * not at open, so a follower that is never asked (a worker process) never scans.
   */
  get liveBytes(): number {
    return this.live ??= this.countLiveBytes();
  }

  /**
   * The live bytes by a scan over every stored version (once per store, see `liveBytes`), as of
   * the applied position: a snapshot's copy may hold versions of records it has yet to replay
   * (snapshot.ts), and the replay adds those. A restore's rows lie at RESTORED_VERSION_TIMESTAMP.
   */
  private countLiveBytes(): number {
    const through = Math.max(this.lastCommit, RESTORED_VERSION_TIMESTAMP);
    let live = 0;
    let current: Uint8Array | null = null;
    let counted = false;
    for (const entry of this.store.range({ start: USER_START, end: STORE_END })) {
      if (current === null || !isVersionOf(entry.key, current)) {
        current = userKeyOf(entry.key);
        counted = false;
      }
      // Versions run newest first: the first at or below `through` is the key's applied state.
      if (counted || versionTimestamp(entry.key) > through) continue;
      counted = true;
      if (entry.value[0] === PUT) live += current.length + entry.value.length - 1;
    }
    return live;
  }

  /**
   * For a follower: a reader in another process over the same store, which never applies.
   * Takes a fresh snapshot of the store and the writer's metadata; what the follower remembers
   * of newest versions is dropped when the writer has applied anything since. When nothing was
   * committed to the store since the last refresh, the metadata read then is current: a commit
   * acknowledged since would have been applied, and so committed to the store, first.
   */
  refresh(): void {
    const before = this.applied;
    if (!this.store.renew()) return;
    this.loadMetadata();
    if (this.applied !== before) this.newest.clear();
  }

  /**
   * Everything at or below this timestamp is in the store: the last applied commit (applies go
   * in timestamp order) or the writer's recorded safe time, whichever is later. A follower's
   * transactions start here: every commit acknowledged before its last refresh is visible.
   */
  get readableThrough(): Timestamp {
    return Math.max(this.lastCommit, this.recordedSafeTime);
  }

  /**
   * The writer records its safe time (every commit at or below it is applied) so that followers
   * can start transactions on an idle store at a recent timestamp.
   */
  async recordSafeTime(safeTime: Timestamp): Promise<void> {
    assert(!this.closed, 'storage is open');
    if (!(safeTime > this.recordedSafeTime) || this.applying) return;
    assert(safeTime <= this.safeTime.safeTime(), 'the recorded safe time is one storage has reached');
    const meta = new Uint8Array(8);
    encodeUint64(Math.floor(safeTime), meta, 0);
    await this.store.write([{ key: META_SAFE_TIME, value: meta }]);
    this.recordedSafeTime = Math.floor(safeTime);
  }

  get appliedPosition(): JournalPosition {
    return this.applied;
  }

  /** The commit timestamp of the last applied record (0 before any). */
  get lastAppliedTimestamp(): Timestamp {
    return this.lastCommit;
  }

  /** Reads below this timestamp are refused: GC may have dropped versions they need. */
  get gcHorizon(): Timestamp {
    return this.horizon;
  }

  async apply(records: readonly JournalRecord[], position: JournalPosition): Promise<void> {
    assert(!this.closed, 'storage is open');
    assert(!this.applying, 'one apply at a time (the crossbar serializes deliveries)');
    assert(Number.isSafeInteger(position) && position > this.applied, `journal positions increase (${position} after ${this.applied})`);
    const batch: OrderedWrite[] = [];
    let last = this.lastCommit;
    let live = this.liveBytes;
    // Keys this batch wrote, with their live bytes after it (a key written twice replaces
    // itself); a batch of one write needs none.
    const written = records.length > 1 || (records[0]?.writes.length ?? 0) > 1 ? new Map<string, number>() : null;
    for (const record of records) {
      const timestamp = record.commitTimestamp;
      assert(isCommitTimestamp(timestamp) && timestamp > last, `records apply in commit-timestamp order (${timestamp} after ${last})`);
      last = timestamp;
      for (const write of record.writes) {
        assert(isUserKey(write.key), 'written keys belong to a table (id >= 1)');
        batch.push({ key: versionKey(write.key, timestamp), value: marked(write.value) });
        const after = write.value === null ? 0 : write.key.length + write.value.length;
        if (written === null) {
          live += after - this.liveBytesBelow(write.key, timestamp);
          continue;
        }
        const id = latin1Key(write.key);
        live += after - (written.get(id) ?? this.liveBytesBelow(write.key, timestamp));
        written.set(id, after);
      }
    }
    const meta = storedBytes(16);
    encodeUint64(position, meta, 0);
    encodeUint64(last, meta, 8);
    batch.push({ key: META_APPLIED, value: meta });
    const liveMeta = storedBytes(8);
    encodeUint64(live, liveMeta, 0);
    batch.push({ key: META_LIVE_BYTES, value: liveMeta });
    this.applying = true;
    try {
      await this.store.write(batch);
    } finally {
      this.applying = false;
    }
    // Only once the batch is committed: a failed write leaves the node where it was.
    this.applied = position;
    this.lastCommit = last;
    this.live = live;
    if (this.newest.size > 0) this.refreshCachedVersions(records);
  }

  /**
   * The live bytes of `key` just before a version at `timestamp`: its newest version below it.
   * Below, not at or below: a replica started from a snapshot replays records whose versions the
   * copy may already hold (snapshot.ts), and its count, copied with the applied position, is of
   * the state before them.
   */
  private liveBytesBelow(key: Key, timestamp: Timestamp): number {
    // A cached version is the key's newest (visibleAt): below `timestamp`, it is the newest
    // below it, and the seek is saved. An INSERT's uniqueness check and an UPDATE's read of its
    // row cache the keys they write, so most applied keys are found here.
    const cached = this.newest.get(key);
    if (cached !== undefined && cached.timestamp < timestamp) return cached.row === null ? 0 : key.length + cached.row.length;
    // Read in place: only the entry's marker and length are needed, before the iterator closes.
    for (const entry of this.store.rangeInPlace({ start: versionKey(key, timestamp - 1), end: STORE_END, limit: 1 })) {
      return isVersionOf(entry.key, key) && entry.value[0] === PUT ? key.length + entry.value.length - 1 : 0;
    }
    return 0;
  }

  /**
   * Keeps the row cache exact after an apply: a cached key now has the applied version as its
   * newest, so the cache takes it (a key written twice in the batch ends with the later one).
   * Replacing rather than evicting keeps the next point read of an updated row a Map lookup, not
   * an LMDB seek (an UPDATE reads its row first, so an updated row is usually cached); keys
   * not cached stay out, so a bulk load does not churn the cache.
   */
  private refreshCachedVersions(records: readonly JournalRecord[]): void {
    for (const record of records) {
      for (const write of record.writes) {
        if (this.newest.get(write.key) === undefined) continue;
        this.newest.set(write.key, { timestamp: record.commitTimestamp, row: write.value === null ? null : ownedRow(write.value) });
      }
    }
  }

  get(key: Key, readTimestamp: Timestamp): Promise<Uint8Array | null> {
    if (this.safeTime.safeTime() >= readTimestamp) return settle(() => this.visibleAt(key, readTimestamp));
    return this.safeTime.waitFor(readTimestamp, { start: key, end: null }).then(() => this.visibleAt(key, readTimestamp));
  }

  getReady(key: Key, readTimestamp: Timestamp): Uint8Array | null | undefined {
    return this.safeTime.safeTime() >= readTimestamp ? this.visibleAt(key, readTimestamp) : undefined;
  }

  read(request: ReadRequest): Promise<ReadResult> {
    return this.whenReadable(request, () => {
      const sink = new CollectingSink();
      const resumeKey = this.scan(request, sink);
      return { keys: sink.keys, values: sink.values, resumeKey, bytesRead: sink.examinedBytes };
    });
  }

  readEach(request: ReadRequest, visitor: RowVisitor): Promise<VisitedRead> {
    return this.whenReadable(request, () => {
      const sink = new VisitingSink(visitor);
      const resumeKey = this.scan(request, sink);
      return { rows: sink.taken, resumeKey, bytesRead: sink.examinedBytes };
    });
  }

  /** Runs `read` once safe time has passed the request's read timestamp (at once when it has). */
  private whenReadable<T>(request: ReadRequest, read: () => T): Promise<T> {
    if (this.safeTime.safeTime() >= request.readTimestamp) return settle(read);
    return this.safeTime.waitFor(request.readTimestamp, { start: request.start, end: request.end }).then(read);
  }

  /** The visible rows of the range, counted where they are stored: only the totals leave storage. */
  measure(request: MeasureRequest): Promise<MeasureResult> {
    return this.read({ start: request.start, end: request.end, readTimestamp: request.readTimestamp, limit: request.limit }).then(measured);
  }

  /**
   * A point read. Reads at or above the last applied commit see the key's newest version, which
   * the cache remembers. An apply puts the version it writes into the cache in place of a
   * cached one once its batch is committed, and while it runs the cache is neither read nor
   * filled, so a cached version is the newest for as long as it stays cached.
   */
  private visibleAt(key: Key, readTimestamp: Timestamp): Uint8Array | null {
    this.checkReadable(readTimestamp);
    const newest = !this.applying && readTimestamp >= this.lastCommit;
    const cached = newest ? this.newest.get(key) : undefined;
    if (cached !== undefined && cached.timestamp <= readTimestamp) return cached.row;
    const found = this.newestVersion(key, readTimestamp);
    if (newest) this.newest.set(key, found ?? ABSENT);
    return found === null ? null : found.row;
  }

  /**
   * The newest version of `key` at or below the timestamp, its row copied out (null: none).
   * The seek reads the entry in place (`rangeInPlace`: valid until the iterator closes) and
   * copies only the row: an INSERT checks each new key, and lmdb-js's two Buffers per entry
   * were most of what a bulk load allocated.
   */
  private newestVersion(key: Key, readTimestamp: Timestamp): NewestVersion | null {
    for (const entry of this.store.rangeInPlace({ start: versionKey(key, readTimestamp), end: STORE_END, limit: 1 })) {
      if (!isVersionOf(entry.key, key)) return null;
      const value = entry.value;
      return { timestamp: versionTimestamp(entry.key), row: value[0] === PUT ? copyBetween(value, 1, value.length) : null };
    }
    return null;
  }

  /** The newest version of `key` at or below the timestamp: its stored value (marker included). */
  private newestAtOrBefore(key: Key, readTimestamp: Timestamp): { timestamp: Timestamp; value: Uint8Array } | null {
    for (const entry of this.store.range({ start: versionKey(key, readTimestamp), end: STORE_END, limit: 1 })) {
      return isVersionOf(entry.key, key) ? { timestamp: versionTimestamp(entry.key), value: entry.value } : null;
    }
    return null;
  }

  private checkReadable(readTimestamp: Timestamp): void {
    assert(!this.closed, 'storage is open');
    assert(Number.isFinite(readTimestamp), 'read timestamps are finite');
    if (readTimestamp < this.horizon) throw new SqlError('72000', 'snapshot too old');
  }

  /** Hands the range's visible rows that pass the filter to `sink`; returns the resume key. */
  private scan(request: ReadRequest, sink: ScanSink): Key | null {
    this.checkReadable(request.readTimestamp);
    assert(request.limit >= 1, 'reads are bounded by a positive limit');
    assert(!request.filter || request.filter.length === 0 || this.columnKeyOf !== null, 'pushed filters need a column decoder');
    sink.filter = request.filter && request.filter.length > 0 ? request.filter : null;
    sink.columnKeyOf = this.columnKeyOf;
    return request.reverse ? this.scanReverse(request, sink) : this.scanForward(request, sink);
  }

  /**
   * Walks stored entries in key order. For each user key, the first version at or below the
   * read timestamp is the visible one; the rest are skipped — one by one while few, by a seek
   * past the key (or down to `K || ~τ`) when many.
   */
  private scanForward(request: ReadRequest, sink: ScanSink): Key | null {
    const readTimestamp = request.readTimestamp;
    const budget = Math.max(request.limit, SCAN_BUDGET);
    let seekFrom: Uint8Array = userFloor(request.start);
    // The entries are the store's read buffers, valid for one step (rangeInPlace). What outlives
    // a step is the stored key of the first version seen of the current user key (its versions
    // share every byte but the last VERSION_BYTES): it is copied into `held`, one array per scan
    // (not per storage: a visitor may start another scan), grown when a key is longer; `heldLength` < 0 means no key yet. Resume and seek keys are
    // copies; rows go to the sink within the step (the sink copies what it keeps).
    let held = new Uint8Array(64);
    let heldLength = -1;
    let found = false;
    let walked = 0;
    let examined = 0;
    // Keys come in ascending order: once one is at or above `start`, every later one is too.
    let pastStart = false;
    for (;;) {
      let sought = false;
      for (const entry of this.store.rangeInPlace({ start: seekFrom, end: STORE_END })) {
        const stored = entry.key;
        if (heldLength < 0 || !sameUserKeyAs(stored, held, heldLength)) {
          if (compareUserKey(stored, request.end) >= 0) return null;
          if (stored.length > held.length) held = new Uint8Array(Math.max(stored.length, held.length * 2));
          // (set: a byte loop over a view of lmdb-js's off-heap key buffer costs ~1.6× as much.)
          held.set(stored);
          heldLength = stored.length;
          walked = 0;
          // A key that is a proper prefix of `start` sorts below it although its versions do not.
          found = !pastStart && compareUserKey(stored, request.start) < 0;
          if (found) continue;
          pastStart = true;
          if (sink.taken >= request.limit || examined >= budget) return copyBetween(held, 0, heldLength - VERSION_BYTES);
          examined++;
        }
        if (found) {
          if (++walked > SEQUENTIAL_VERSIONS) { seekFrom = afterAllVersions(held.subarray(0, heldLength - VERSION_BYTES)); sought = true; break; }
          continue;
        }
        if (versionTimestamp(stored) > readTimestamp) {
          if (++walked > SEQUENTIAL_VERSIONS) { seekFrom = versionKey(held.subarray(0, heldLength - VERSION_BYTES), readTimestamp); walked = 0; sought = true; break; }
          continue;
        }
        found = true;
        walked = 0;
        const value = entry.value;
        if (value[0] === PUT) sink.take(held, heldLength - VERSION_BYTES, value);
      }
      if (!sought) return null;
    }
  }

  /**
   * Walks stored entries downwards: the versions of a key come oldest first, so the visible
   * one is the last seen at or below the read timestamp. A key with many versions is settled
   * with one point seek, then the walk continues below the key.
   */
  private scanReverse(request: ReadRequest, sink: ScanSink): Key | null {
    const readTimestamp = request.readTimestamp;
    const budget = Math.max(request.limit, SCAN_BUDGET);
    const floor = userFloor(request.start);
    let upper: Uint8Array = request.end;
    let current: Uint8Array | null = null;
    let previous: Uint8Array | null = null;
    let candidate: Uint8Array | null = null;
    let walked = 0;
    let examined = 0;
    for (;;) {
      let sought = false;
      for (const entry of this.store.range({ start: floor, end: upper, reverse: true })) {
        const stored = entry.key;
        if (current === null || !isVersionOf(stored, current)) {
          if (current !== null) {
            if (candidate !== null && candidate[0] === PUT) sink.take(current, current.length, candidate);
            previous = current;
          }
          const key = userKeyOf(stored);
          if (Buffer.compare(key, request.start) < 0) return null;
          // Resume below the last key examined: it is a real key, and nothing lies between.
          if (sink.taken >= request.limit || examined >= budget) return previous ?? request.end;
          examined++;
          current = key;
          candidate = null;
          walked = 0;
        }
        if (versionTimestamp(stored) <= readTimestamp) candidate = entry.value;
        if (++walked > SEQUENTIAL_VERSIONS) {
          candidate = this.newestAtOrBefore(current, readTimestamp)?.value ?? null;
          upper = current; // every version of K sorts above K itself
          sought = true;
          break;
        }
      }
      if (current !== null) {
        if (candidate !== null && candidate[0] === PUT) sink.take(current, current.length, candidate);
        previous = current;
        current = null;
      }
      if (!sought) return null;
    }
  }

  /**
   * Drops versions no read at or after `horizon` can see: for each key, every version older
   * than its newest version at or below the horizon, and that version too when it is a
   * tombstone. Visits at most `maxKeys` user keys per call (a timer in the node calls it
   * repeatedly); the horizon never moves back, and reads below it are refused from now on.
   */
  async collectGarbage(horizon: Timestamp, maxKeys: number): Promise<GcResult> {
    assert(!this.closed, 'storage is open');
    assert(Number.isSafeInteger(maxKeys) && maxKeys >= 1, 'GC passes are bounded');
    if (this.gcRunning || !(horizon > 0)) return { removed: 0, complete: false };
    assert(horizon <= this.safeTime.safeTime(), 'the GC horizon is below safe time (no commit at or below it is still to come)');
    this.gcRunning = true;
    try {
      if (horizon > this.horizon) this.horizon = horizon;
      return await this.collectPass(this.horizon, maxKeys);
    } finally {
      this.gcRunning = false;
    }
  }

  private async collectPass(horizon: Timestamp, maxKeys: number): Promise<GcResult> {
    const deletes: OrderedWrite[] = [];
    const maxEntries = maxKeys * GC_ENTRIES_PER_KEY;
    let keys = 0;
    let entries = 0;
    let current = this.gcKey;
    let kept = this.gcKept;
    let stopAt: Uint8Array | null = null;
    for (const entry of this.store.range({ start: this.gcCursor ?? USER_START, end: STORE_END })) {
      const stored = entry.key;
      if (++entries > maxEntries) { stopAt = stored; break; }
      if (current === null || !isVersionOf(stored, current)) {
        if (++keys > maxKeys) { stopAt = stored; break; }
        current = userKeyOf(stored);
        kept = false;
      }
      if (versionTimestamp(stored) > horizon) continue;
      // The newest version at or below the horizon is what reads at the horizon see: keep it,
      // unless it is a tombstone (they would see nothing either way). Everything older goes.
      if (!kept && entry.value[0] === PUT) { kept = true; continue; }
      kept = true;
      deletes.push({ key: stored, value: null });
    }
    this.gcCursor = stopAt;
    this.gcKey = stopAt === null ? null : current;
    this.gcKept = stopAt === null ? false : kept;
    const meta = new Uint8Array(8);
    encodeUint64(Math.max(0, Math.floor(horizon)), meta, 0);
    deletes.push({ key: META_GC_HORIZON, value: meta });
    await this.store.write(deletes);
    return { removed: deletes.length - 1, complete: stopAt === null };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.store.close();
  }
}

function measured(result: ReadResult): MeasureResult {
  let bytes = 0;
  for (let i = 0; i < result.keys.length; i++) bytes += result.keys[i]!.length + result.values[i]!.length;
  return { keys: result.keys.length, bytes, resumeKey: result.resumeKey };
}

/** Scans start no lower than the first user key: metadata lives below it. */
function userFloor(start: Key): Uint8Array {
  return Buffer.compare(start, USER_START) < 0 ? USER_START : start;
}

const ABSENT: NewestVersion = { timestamp: 0, row: null };

function isUserKey(key: Key): boolean {
  return key.length >= 4 && (key[0]! | key[1]! | key[2]! | key[3]!) !== 0;
}

/**
 * A written value as the row cache may keep it: the array itself when it is a whole buffer, else
 * a copy, so a cached row never pins a larger buffer it is a view of (a worker's commit message).
 */
function ownedRow(value: Uint8Array): Uint8Array {
  return value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value : value.slice();
}

/**
 * Room for a value the store will copy: a slice of Node's shared buffer pool. lmdb-js hands the
 * store the address of a value's ArrayBuffer and remembers it on the buffer, so values in one
 * pool slab cost one address lookup between them; a Uint8Array of its own costs an allocation
 * outside the heap (or, when small, moving it there) and a lookup, for every value.
 */
function storedBytes(length: number): Uint8Array {
  return Buffer.allocUnsafe(length);
}

/** Every tombstone is stored from this one value (stores copy what they are given). */
const TOMBSTONE_VALUE: Uint8Array = new Uint8Array([TOMBSTONE]);

/**
 * The timestamp of every version a restore writes: the new cluster's first state, below every
 * commit it will make (commit timestamps come from the clock), so every read sees it.
 */
export const RESTORED_VERSION_TIMESTAMP: Timestamp = 1;

/** A row of a restored backup as the store keeps it: one version at RESTORED_VERSION_TIMESTAMP. */
export function restoredVersion(key: Key, row: Uint8Array): OrderedWrite {
  assert(isUserKey(key), 'restored keys belong to a table (id >= 1)');
  return { key: versionKey(key, RESTORED_VERSION_TIMESTAMP), value: marked(row) };
}

function marked(value: Uint8Array | null): Uint8Array {
  if (value === null) return TOMBSTONE_VALUE;
  const out = storedBytes(value.length + 1);
  out[0] = PUT;
  out.set(value, 1);
  return out;
}

/**
 * Where a scan puts the visible rows it finds (those that pass the pushed-down filter). `key`'s
 * first `keyLength` bytes are the user key (a forward scan passes the stored version key);
 * `stored` is the stored value, its PUT marker first.
 */
abstract class ScanSink {
  /** Rows taken so far: the read's limit counts them. */
  taken = 0;
  /** Key and tuple bytes of every visible row offered, filtered out or not (the read's bill). */
  examinedBytes = 0;
  filter: readonly PushedComparison[] | null = null;
  columnKeyOf: ColumnKeyOf | null = null;

  take(key: Uint8Array, keyLength: number, stored: Uint8Array): void {
    // The stored value starts with its one-byte PUT marker, which is not the row's.
    this.examinedBytes += keyLength + stored.length - 1;
    if (this.filter === null) {
      this.taken++;
      this.put(key, keyLength, stored, 1);
      return;
    }
    const value = bytesBetween(stored, 1, stored.length);
    if (!passes(value, this.filter, this.columnKeyOf!)) return;
    this.taken++;
    this.put(key, keyLength, value, 0);
  }

  protected abstract put(key: Uint8Array, keyLength: number, value: Uint8Array, valueStart: number): void;
}

/** `read`'s sink: copies of each row's key and tuple, in arrays. */
class CollectingSink extends ScanSink {
  readonly keys: Key[] = [];
  readonly values: Uint8Array[] = [];

  protected put(key: Uint8Array, keyLength: number, value: Uint8Array, valueStart: number): void {
    // Copies whatever their size: a forward scan's key and value are read buffers reused on the
    // next step (bytesBetween would keep a view of a large one).
    this.keys.push(copyBetween(key, 0, keyLength));
    this.values.push(copyBetween(value, valueStart, value.length));
  }
}

/** `readEach`'s sink: each row to the caller's visitor, where it lies. */
class VisitingSink extends ScanSink {
  constructor(private readonly visitor: RowVisitor) {
    super();
  }

  protected put(key: Uint8Array, keyLength: number, value: Uint8Array, valueStart: number): void {
    this.visitor.row(key, keyLength, value, valueStart);
  }
}

/** Runs a synchronous read, turning a throw into a rejection (callers only see promises). */
function settle<T>(read: () => T): Promise<T> {
  try {
    return Promise.resolve(read());
  } catch (error) {
    return Promise.reject(error);
  }
}

/** A conjunction of comparisons; a comparison with SQL NULL is unknown, which filters the row out. */
function passes(value: Uint8Array, filter: readonly PushedComparison[], columnKeyOf: ColumnKeyOf): boolean {
  for (const comparison of filter) {
    const column = columnKeyOf(value, comparison.column, comparison.typeOid);
    if (comparison.op === 'is-null') { if (column !== null) return false; continue; }
    if (comparison.op === 'is-not-null') { if (column === null) return false; continue; }
    if (column === null) return false;
    assert(comparison.operand !== undefined, 'a comparison has an operand');
    const order = Buffer.compare(column, comparison.operand);
    if (!holds(comparison.op, order)) return false;
  }
  return true;
}

function holds(op: PushedComparison['op'], order: number): boolean {
  switch (op) {
    case '=': return order === 0;
    case '<>': return order !== 0;
    case '<': return order < 0;
    case '<=': return order <= 0;
    case '>': return order > 0;
    case '>=': return order >= 0;
    default: return false;
  }
}
