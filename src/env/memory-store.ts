import { assert } from '../contracts/errors.js';
import type { OrderedRangeOptions, OrderedStore, OrderedWrite } from './env.js';

/**
 * An in-memory OrderedStore for the simulator and tests, with LMDB's semantics: bytewise key
 * order, synchronous reads, atomic batches, and snapshot-consistent iteration (an iterator sees
 * the store as it was when it started, whatever is written meanwhile).
 *
 * Layout: a list of sorted chunks (at most MAX_CHUNK entries each), found by binary search on
 * their first keys. Writes are copy-on-write: a batch copies the chunk list and each chunk it
 * touches once, so an iterator holding the old list keeps its snapshot for free.
 * Stored keys and values are copies of what was written; what reads return must be treated as
 * read-only (as LMDB's mapped memory would be).
 */
const MAX_CHUNK = 256;

interface Chunk {
  readonly keys: Uint8Array[];
  readonly values: Uint8Array[];
}

export class MemoryOrderedStore implements OrderedStore {
  private chunks: Chunk[] = [];
  private closed = false;
  /** Batches written, and how many there were at the last renew. */
  private writes = 0;
  private writesAtRenew = -1;

  /** Number of stored entries (tests and diagnostics). */
  get size(): number {
    let total = 0;
    for (const chunk of this.chunks) total += chunk.keys.length;
    return total;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    assert(!this.closed, 'memory store is open');
    const chunk = this.chunks[chunkFor(this.chunks, key)];
    if (chunk === undefined) return undefined;
    const index = lowerBound(chunk.keys, key);
    if (index < chunk.keys.length && Buffer.compare(chunk.keys[index]!, key) === 0) return chunk.values[index];
    return undefined;
  }

  range(options: OrderedRangeOptions): Iterable<{ key: Uint8Array; value: Uint8Array }> {
    assert(!this.closed, 'memory store is open');
    const limit = options.limit ?? Infinity;
    return options.reverse
      ? iterateReverse(this.chunks, options.start, options.end, limit)
      : iterateForward(this.chunks, options.start, options.end, limit);
  }

  /**
   * `range`'s entries as copies that are overwritten (0xee) once the iterator steps on or stops:
   * LMDB's in-place entries are reused the same way, so a caller that keeps one across a step
   * reads garbage here too, in every simulated and unit test, instead of only under LMDB.
   */
  rangeInPlace(options: OrderedRangeOptions): Iterable<{ key: Uint8Array; value: Uint8Array }> {
    return overwrittenOnStep(this.range(options));
  }

  write(batch: readonly OrderedWrite[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('memory store is closed'));
    const chunks = this.chunks.slice();
    const fresh = new Set<Chunk>();
    for (const write of batch) applyWrite(chunks, fresh, write);
    this.chunks = chunks;
    this.writes++;
    return Promise.resolve();
  }

  /** One process, and every write is visible at once: nothing to renew, only to report. */
  renew(): boolean {
    const changed = this.writes !== this.writesAtRenew;
    this.writesAtRenew = this.writes;
    return changed;
  }

  /** Memory is as durable as it gets here. */
  sync(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** Applies one write to the (already copied) chunk list, copying the chunk it touches once. */
function applyWrite(chunks: Chunk[], fresh: Set<Chunk>, write: OrderedWrite): void {
  if (chunks.length === 0) {
    if (write.value === null) return;
    const chunk: Chunk = { keys: [], values: [] };
    chunks.push(chunk);
    fresh.add(chunk);
  }
  const at = chunkFor(chunks, write.key);
  let chunk = chunks[at]!;
  if (!fresh.has(chunk)) {
    chunk = { keys: chunk.keys.slice(), values: chunk.values.slice() };
    chunks[at] = chunk;
    fresh.add(chunk);
  }
  const index = lowerBound(chunk.keys, write.key);
  const present = index < chunk.keys.length && Buffer.compare(chunk.keys[index]!, write.key) === 0;
  if (write.value === null) {
    if (!present) return;
    chunk.keys.splice(index, 1);
    chunk.values.splice(index, 1);
    if (chunk.keys.length === 0) chunks.splice(at, 1);
    return;
  }
  const value = write.value.slice();
  if (present) {
    chunk.values[index] = value;
    return;
  }
  chunk.keys.splice(index, 0, write.key.slice());
  chunk.values.splice(index, 0, value);
  if (chunk.keys.length > MAX_CHUNK) splitChunk(chunks, fresh, at);
}

function splitChunk(chunks: Chunk[], fresh: Set<Chunk>, at: number): void {
  const chunk = chunks[at]!;
  const half = chunk.keys.length >> 1;
  const upper: Chunk = { keys: chunk.keys.splice(half), values: chunk.values.splice(half) };
  chunks.splice(at + 1, 0, upper);
  fresh.add(upper);
}

/** Index of the chunk that holds (or would hold) `key`: the last whose first key is <= key. */
function chunkFor(chunks: readonly Chunk[], key: Uint8Array): number {
  let low = 0;
  let high = chunks.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (Buffer.compare(chunks[middle]!.keys[0]!, key) <= 0) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** First index whose key is >= `key`. */
function lowerBound(keys: readonly Uint8Array[], key: Uint8Array): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (Buffer.compare(keys[middle]!, key) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

function* iterateForward(chunks: readonly Chunk[], start: Uint8Array, end: Uint8Array, limit: number): Generator<{ key: Uint8Array; value: Uint8Array }> {
  if (chunks.length === 0 || limit <= 0) return;
  let count = 0;
  let at = chunkFor(chunks, start);
  let index = lowerBound(chunks[at]!.keys, start);
  for (; at < chunks.length; at++, index = 0) {
    const chunk = chunks[at]!;
    for (; index < chunk.keys.length; index++) {
      const key = chunk.keys[index]!;
      if (Buffer.compare(key, end) >= 0) return;
      yield { key, value: chunk.values[index]! };
      if (++count >= limit) return;
    }
  }
}

function* iterateReverse(chunks: readonly Chunk[], start: Uint8Array, end: Uint8Array, limit: number): Generator<{ key: Uint8Array; value: Uint8Array }> {
  if (chunks.length === 0 || limit <= 0) return;
  let count = 0;
  let at = chunkFor(chunks, end);
  // The last entry strictly below `end`.
  let index = lowerBound(chunks[at]!.keys, end) - 1;
  for (; at >= 0; at--, index = at >= 0 ? chunks[at]!.keys.length - 1 : -1) {
    const chunk = chunks[at]!;
    for (; index >= 0; index--) {
      const key = chunk.keys[index]!;
      if (Buffer.compare(key, start) < 0) return;
      yield { key, value: chunk.values[index]! };
      if (++count >= limit) return;
    }
  }
}

function* overwrittenOnStep(entries: Iterable<{ key: Uint8Array; value: Uint8Array }>): Generator<{ key: Uint8Array; value: Uint8Array }> {
  for (const entry of entries) {
    // Copies of their own (a stored array may be a Buffer, whose slice() is a view).
    const key = new Uint8Array(entry.key);
    const value = new Uint8Array(entry.value);
    try {
      yield { key, value };
    } finally {
      key.fill(0xee);
      value.fill(0xee);
    }
  }
}
