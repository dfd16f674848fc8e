import { assert } from '../contracts/errors.js';
import type { Key } from '../contracts/kv.js';
import type { JournalPosition, JournalRecord } from '../contracts/journal.js';
import type { ReadRequest, ReadResult, SafeTimeSource, StorageNode } from '../contracts/storage.js';
import type { Timestamp } from '../contracts/time.js';
import type { OrderedStore, OrderedWrite } from '../env/env.js';

/**
 * MVCC storage on an ordered store (DESIGN.md §2 Journal and storage). Each version of a user
 * key K is stored at `K || ~commitTimestamp` (8 bytes, big-endian, inverted so the newest
 * version comes first); the value starts with a marker byte: 1 = row, 0 = tombstone. User keys
 * are prefix-free (src/encoding), so all versions of one key are contiguous and a read at τ is
 * one seek to `K || ~τ`. The applied journal position lives at a metadata key (table id 0,
 * below every user key) and is written in the same atomic batch as the data it covers.
 */
const VERSION_BYTES = 8;
const PUT = 1;
const TOMBSTONE = 0;
const APPLIED_POSITION_KEY = new Uint8Array([0, 0, 0, 0, 0, 1]);
const MAX_TIMESTAMP = 2 ** 53 - 1;

function versionKey(key: Key, timestamp: Timestamp): Uint8Array {
  assert(timestamp >= 0 && timestamp <= MAX_TIMESTAMP, 'commit timestamps are non-negative safe integers');
  const out = new Uint8Array(key.length + VERSION_BYTES);
  out.set(key, 0);
  const inverted = BigInt(MAX_TIMESTAMP - timestamp);
  new DataView(out.buffer, out.byteOffset, out.byteLength).setBigUint64(key.length, inverted, false);
  return out;
}

function versionTimestamp(stored: Uint8Array): Timestamp {
  const view = new DataView(stored.buffer, stored.byteOffset, stored.byteLength);
  return MAX_TIMESTAMP - Number(view.getBigUint64(stored.length - VERSION_BYTES, false));
}

function userKey(stored: Uint8Array): Uint8Array {
  return stored.subarray(0, stored.length - VERSION_BYTES);
}

function sameUserKey(stored: Uint8Array, key: Uint8Array): boolean {
  if (stored.length - VERSION_BYTES !== key.length) return false;
  return Buffer.compare(stored.subarray(0, key.length), key) === 0;
}

/** The first stored key after every version of `key`. */
function afterAllVersions(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + VERSION_BYTES);
  out.set(key, 0);
  out.fill(0xff, key.length);
  return out;
}

export class MvccStorage implements StorageNode {
  private applied: JournalPosition;
  private lastApplied: Timestamp = 0;

  constructor(private readonly store: OrderedStore, private readonly safeTime: SafeTimeSource) {
    const raw = store.get(APPLIED_POSITION_KEY);
    this.applied = raw ? Number(Buffer.from(raw).readBigUInt64BE(0)) : 0;
  }

  get appliedPosition(): JournalPosition {
    return this.applied;
  }

  async apply(records: readonly JournalRecord[], position: JournalPosition): Promise<void> {
    assert(position > this.applied, 'journal positions increase');
    const batch: OrderedWrite[] = [];
    for (const record of records) {
      assert(record.commitTimestamp > this.lastApplied, 'records apply in commit-timestamp order');
      this.lastApplied = record.commitTimestamp;
      for (const write of record.writes) {
        const value = write.value === null ? new Uint8Array([TOMBSTONE]) : prefixed(write.value);
        batch.push({ key: versionKey(write.key, record.commitTimestamp), value });
      }
    }
    const encoded = Buffer.alloc(8);
    encoded.writeBigUInt64BE(BigInt(position));
    batch.push({ key: APPLIED_POSITION_KEY, value: encoded });
    this.applied = position;
    await this.store.write(batch);
  }

  async get(key: Key, readTimestamp: Timestamp): Promise<Uint8Array | null> {
    if (this.safeTime.safeTime() < readTimestamp) await this.safeTime.waitFor(readTimestamp);
    return this.visible(key, readTimestamp);
  }

  /** The newest version of `key` at or below the timestamp, or null. */
  private visible(key: Key, readTimestamp: Timestamp): Uint8Array | null {
    for (const entry of this.store.range({ start: versionKey(key, readTimestamp), end: afterAllVersions(key), limit: 1 })) {
      const value = entry.value;
      return value[0] === PUT ? value.subarray(1) : null;
    }
    return null;
  }

  async read(request: ReadRequest): Promise<ReadResult> {
    if (this.safeTime.safeTime() < request.readTimestamp) await this.safeTime.waitFor(request.readTimestamp);
    return request.reverse ? this.scanReverse(request) : this.scanForward(request);
  }

  private scanForward(request: ReadRequest): ReadResult {
    const keys: Key[] = [];
    const values: Uint8Array[] = [];
    let cursor: Uint8Array = request.start;
    for (;;) {
      let next: Uint8Array | null = null;
      // Take the first stored entry at or after the cursor: it names the next user key.
      for (const entry of this.store.range({ start: cursor, end: request.end, limit: 1 })) next = entry.key;
      if (!next) return { keys, values, resumeKey: null };
      const key = userKey(next);
      if (Buffer.compare(key, request.end) >= 0) return { keys, values, resumeKey: null };
      if (keys.length >= request.limit) return { keys, values, resumeKey: new Uint8Array(key) };
      const value = this.visible(key, request.readTimestamp);
      if (value !== null) {
        keys.push(new Uint8Array(key));
        values.push(value);
      }
      cursor = afterAllVersions(key);
    }
  }

  private scanReverse(request: ReadRequest): ReadResult {
    const keys: Key[] = [];
    const values: Uint8Array[] = [];
    let upper: Uint8Array = request.end;
    for (;;) {
      let last: Uint8Array | null = null;
      for (const entry of this.store.range({ start: request.start, end: upper, reverse: true, limit: 1 })) last = entry.key;
      if (!last) return { keys, values, resumeKey: null };
      const key = userKey(last);
      if (Buffer.compare(key, request.start) < 0) return { keys, values, resumeKey: null };
      if (keys.length >= request.limit) return { keys, values, resumeKey: afterAllVersions(key) };
      const value = this.visible(key, request.readTimestamp);
      if (value !== null) {
        keys.push(new Uint8Array(key));
        values.push(value);
      }
      upper = versionKey(key, MAX_TIMESTAMP);
    }
  }

  /**
   * Drops versions no reader can see: for each key, versions older than the newest one at or
   * below the horizon, and keys whose newest version below the horizon is a tombstone.
   * Bounded by maxKeys per call; returns how many stored entries were removed.
   */
  async collectGarbage(horizon: Timestamp, maxKeys: number): Promise<number> {
    const deletes: OrderedWrite[] = [];
    let keysSeen = 0;
    let current: Uint8Array | null = null;
    let keptVisible = false;
    const start = new Uint8Array([0, 0, 0, 1]);
    const end = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff]);
    for (const entry of this.store.range({ start: this.gcCursor ?? start, end })) {
      const key = userKey(entry.key);
      if (!current || Buffer.compare(current, key) !== 0) {
        if (++keysSeen > maxKeys) {
          this.gcCursor = new Uint8Array(entry.key);
          break;
        }
        current = new Uint8Array(key);
        keptVisible = false;
      }
      const timestamp = versionTimestamp(entry.key);
      if (timestamp > horizon) continue;
      if (!keptVisible) {
        keptVisible = true;
        // The newest version at the horizon stays, unless it is a tombstone (nothing to see).
        if (entry.value[0] === TOMBSTONE) deletes.push({ key: new Uint8Array(entry.key), value: null });
        continue;
      }
      deletes.push({ key: new Uint8Array(entry.key), value: null });
    }
    if (keysSeen <= maxKeys) this.gcCursor = null;
    if (deletes.length > 0) await this.store.write(deletes);
    return deletes.length;
  }

  private gcCursor: Uint8Array | null = null;

  async close(): Promise<void> {
    await this.store.close();
  }
}

function prefixed(value: Uint8Array): Uint8Array {
  const out = new Uint8Array(value.length + 1);
  out[0] = PUT;
  out.set(value, 1);
  return out;
}
