import type { FollowableJournal, JournalPosition, JournalRecord, JournalSubscription } from '../contracts/journal.js';
import type { Coordination, StoredEntry, Comparison, Operation } from '../env/coordination.js';
import { prefixEnd } from '../env/coordination.js';
import type { Log } from '../env/env.js';
import type { Timers } from '../contracts/time.js';
import { assert } from '../contracts/errors.js';
import { decodeBatch, encodeBatch } from './record-codec.js';

/**
 * The distributed journal (DESIGN.md §4): batches of committed transactions stored in the
 * coordination store (etcd: Raft, fsync on a quorum before it answers), one key per batch.
 *
 * - Key: `<prefix>` + the batch's last position as 16 decimal digits, so key order is journal
 *   order and a reader finds the batch holding position p as the first key ≥ p.
 * - Value: a header [u32 record count][u32 chunk count][u64 contiguous-through], then the
 *   records as `encodeBatch` frames, each with its CRC. etcd cannot replay a WAL entry over
 *   10 MiB (a member holding one never restarts), so a batch whose frames pass `chunkBytes`
 *   stores them under `<chunkPrefix><position>/<i>` keys, each put in its own store
 *   transaction before the batch key, which names how many there are and stays the one atomic
 *   point of publication.
 * - Group commit: one store transaction per batch, several in flight, each fenced on the
 *   writer's leadership key (its create revision: a deposed leader's appends fail) and putting
 *   its own batch only (its key must not exist yet), so the store writes each batch once, as a
 *   plain compare-and-put of the same bytes would.
 * - Order: etcd applies concurrent requests in any order (it reordered about half of them at 4
 *   in flight), so a batch may land before its predecessor. Appends still resolve in order, and
 *   readers deliver in order: a batch past a gap waits until the gap is filled. Every position
 *   at or below a batch's contiguous-through (the writer's durable position when it sent the
 *   batch) is in the journal, so gaps lie only above the newest batch's. A writer that dies
 *   (or is deposed) with appends in flight can leave a gap for good: its successor, whose
 *   fence refuses any of the old writer's requests still on their way, fills each gap with a
 *   hole — a key covering those positions with no records — before it appends.
 *   (Earlier designs, measured with bench:distributed: each transaction requiring its
 *   predecessor cost 2 store transactions per append, each refused overtaker waiting for its
 *   predecessor; carrying every pending predecessor along made etcd write each batch ~2.5
 *   times and the journal alone ran at 0.55× of raw compare-and-puts of the same batches.)
 * - Trim deletes whole batches at or before a position, never the newest (the next append's
 *   predecessor), then compacts the store's history to the previous trim's revision.
 */
export interface CoordinatedJournalOptions {
  readonly coordination: Coordination;
  readonly timers: Timers;
  /** Key prefix of this journal, e.g. `strata/<cluster>/journal/`. */
  readonly prefix: string;
  /**
   * The writer's leadership: appends succeed only while `key` has this create revision.
   * Absent for readers, whose `append` refuses. A writer opens under a leadership no earlier
   * writer held (a new create revision): that is what refuses the earlier writer's requests
   * still on their way, before this one fills the gaps they left.
   */
  readonly fence?: { readonly key: Uint8Array; readonly createRevision: number };
  /** Where the chunks of large batches go (default: the prefix with `-chunks/` for its last `/`). */
  readonly chunkPrefix?: string;
  /** Largest value put in one store transaction (default 4 MiB; etcd's WAL refuses > 10 MiB). */
  readonly chunkBytes?: number;
  /** Batches read per range request while catching up (bounded memory). */
  readonly readPageBatches?: number;
  readonly log?: Log;
}

/** A follower's next position is no longer in the journal: it must start from a snapshot. */
export class JournalTrimmedError extends Error {}

interface PendingAppend {
  readonly lastPosition: JournalPosition;
  readonly done: Promise<void>;
}

/** A stored batch's header (see the class comment). */
interface BatchHeader {
  /** Positions the batch covers: its records, or a hole's missing positions. */
  readonly count: number;
  readonly chunks: number;
  /** Every position at or below this was in the journal when the batch was sent. */
  readonly contiguousThrough: JournalPosition;
  readonly hole: boolean;
}

const POSITION_DIGITS = 16;
/** Bytes of a stored batch's header, before its frames. */
export const JOURNAL_HEADER_BYTES = 16;
/** The chunk count that marks a hole: positions a deposed writer left without a batch. */
const HOLE = 0xffff_ffff;
const FOLLOW_RETRY_MS = 100;
const encoder = new TextEncoder();

export class CoordinatedJournal implements FollowableJournal {
  private readonly coordination: Coordination;
  private readonly timers: Timers;
  private readonly prefix: Uint8Array;
  private readonly end: Uint8Array;
  private readonly chunkPrefix: string;
  /** Holds the last trimmed position (see `trim`). */
  private readonly trimmedKey: Uint8Array;
  private readonly chunkBytes: number;
  private readonly fence: CoordinatedJournalOptions['fence'];
  private readonly pageBatches: number;
  private readonly log: Log | undefined;
  private durable: JournalPosition;
  private assigned: JournalPosition;
  /** The newest append; the next one waits for it before it resolves. */
  private last: PendingAppend | null = null;
  private failure: Error | null = null;
  private closed = false;
  private lastTrimRevision = 0;
  private readonly subscriptions = new Set<JournalSubscription>();

  private constructor(options: CoordinatedJournalOptions, durable: JournalPosition) {
    this.coordination = options.coordination;
    this.timers = options.timers;
    this.prefix = encoder.encode(options.prefix);
    this.end = prefixEnd(this.prefix);
    this.chunkPrefix = options.chunkPrefix ?? `${options.prefix.replace(/\/$/, '')}-chunks/`;
    this.trimmedKey = encoder.encode(`${options.prefix.replace(/\/$/, '')}-trimmed`);
    this.chunkBytes = options.chunkBytes ?? 4 * 1024 * 1024;
    this.fence = options.fence;
    this.pageBatches = options.readPageBatches ?? 64;
    this.log = options.log;
    this.durable = durable;
    this.assigned = durable;
  }

  /**
   * Opens the journal at its current tail. A writer first fills the gaps a previous writer
   * left (see the class comment), so that everything up to the tail is durable and in order.
   */
  static async open(options: CoordinatedJournalOptions): Promise<CoordinatedJournal> {
    const journal = new CoordinatedJournal(options, 0);
    if (options.fence !== undefined) await journal.fillHoles(options.fence);
    await journal.refreshTail();
    journal.assigned = journal.durable;
    return journal;
  }

  /**
   * Puts a hole in each gap above the newest batch's contiguous-through, in one fenced
   * transaction. Positions trimmed since that batch was sent are not gaps: the scan starts
   * above the trim point too. A refused transaction is looked at again: a repeated request
   * (its first answer lost) finds its own holes there and nothing left to fill.
   */
  private async fillHoles(fence: NonNullable<CoordinatedJournalOptions['fence']>): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const holes = await this.findGaps();
      if (holes.length === 0) return;
      const comparisons: Comparison[] = [{ key: fence.key, target: 'create', op: '==', revision: fence.createRevision }];
      const operations: Operation[] = [];
      for (const { key, value } of holes) {
        comparisons.push({ key, target: 'create', op: '==', revision: 0 });
        operations.push({ type: 'put', key, value });
      }
      if ((await this.coordination.transaction(comparisons, operations)).succeeded) {
        this.log?.warn(`journal: filled ${holes.length} gap(s) a previous writer left`);
        return;
      }
    }
    throw new Error('journal: leadership lost while filling the gaps a previous writer left');
  }

  /** The holes that would fill the gaps above the newest batch's contiguous-through (and the trim point). */
  private async findGaps(): Promise<{ key: Uint8Array; value: Uint8Array }[]> {
    const newest = (await this.coordination.range(this.prefix, this.end, { limit: 1, reverse: true })).entries[0];
    if (newest === undefined) return [];
    let through = Math.max(headerOf(newest).contiguousThrough, await this.trimmedThrough());
    const holes: { key: Uint8Array; value: Uint8Array }[] = [];
    for (let from = this.keyOf(through + 1); ;) {
      const page = await this.coordination.range(from, this.end, { limit: this.pageBatches });
      for (const entry of page.entries) {
        const first = this.firstOf(entry);
        if (first > through + 1) holes.push({ key: this.keyOf(first - 1), value: batchValue(first - 1 - through, HOLE, through, null) });
        through = this.positionOf(entry.key);
      }
      if (!page.more || page.entries.length === 0) return holes;
      from = this.keyOf(through + 1);
    }
  }

  get durablePosition(): JournalPosition {
    return this.durable;
  }

  async refreshTail(): Promise<JournalPosition> {
    const tail = await this.coordination.range(this.prefix, this.end, { limit: 1, reverse: true });
    const entry = tail.entries[0];
    if (entry !== undefined) {
      const last = this.positionOf(entry.key);
      if (last > this.durable) this.durable = last;
    }
    return this.durable;
  }

  /**
   * The first position not trimmed away (1 before any trim): a reader at `after` can follow
   * only when `after + 1` is at or above it; older ones need a snapshot.
   */
  async oldestPosition(): Promise<JournalPosition> {
    return (await this.trimmedThrough()) + 1;
  }

  private keyOf(position: JournalPosition): Uint8Array {
    const digits = encoder.encode(String(position).padStart(POSITION_DIGITS, '0'));
    const key = new Uint8Array(this.prefix.length + digits.length);
    key.set(this.prefix, 0);
    key.set(digits, this.prefix.length);
    return key;
  }

  private positionOf(key: Uint8Array): JournalPosition {
    return Number(Buffer.from(key.subarray(this.prefix.length)).toString('latin1'));
  }

  /** The first position a stored batch (or hole) covers. */
  private firstOf(entry: StoredEntry): JournalPosition {
    return this.positionOf(entry.key) - headerOf(entry).count + 1;
  }

  private chunkKey(position: JournalPosition, index: number): Uint8Array {
    return encoder.encode(`${this.chunkPrefix}${String(position).padStart(POSITION_DIGITS, '0')}/${String(index).padStart(6, '0')}`);
  }

  /** The records of a stored batch (none for a hole), fetching its chunks when it has them. */
  private async decode(entry: StoredEntry): Promise<JournalRecord[]> {
    return this.decodeWhole(entry) ?? this.decodeChunked(entry);
  }

  /** The records of a batch stored whole in its key, or of a hole (null: it has chunks, which must be read). */
  private decodeWhole(entry: StoredEntry): JournalRecord[] | null {
    const header = headerOf(entry);
    if (header.hole) return [];
    if (header.chunks > 0) return null;
    const records = decodeBatch(entry.value.subarray(JOURNAL_HEADER_BYTES));
    assert(records.length === header.count, 'a journal batch holds the records its header counts');
    return records;
  }

  private async decodeChunked(entry: StoredEntry): Promise<JournalRecord[]> {
    const { count, chunks } = headerOf(entry);
    const position = this.positionOf(entry.key);
    const from = this.chunkKey(position, 0);
    const read = await this.coordination.range(from, this.chunkKey(position, chunks));
    if (read.entries.length !== chunks) throw new Error(`journal batch ${position} lacks chunks (${read.entries.length} of ${chunks})`);
    const records = decodeBatch(Buffer.concat(read.entries.map((e) => e.value)));
    assert(records.length === count, 'a journal batch holds the records its header counts');
    return records;
  }

  append(records: readonly JournalRecord[]): Promise<JournalPosition> {
    if (this.fence === undefined) return Promise.reject(new Error('this journal handle only reads'));
    if (this.failure !== null) return Promise.reject(new Error(`journal unavailable after a failed append: ${this.failure.message}`));
    if (this.closed) return Promise.reject(new Error('journal closed'));
    if (records.length === 0) return Promise.resolve(this.assigned);
    let frames: Uint8Array;
    try {
      frames = encodeBatch(records);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const previous = this.last;
    this.assigned += records.length;
    const lastPosition = this.assigned;
    const done = this.write(records.length, frames, lastPosition, previous).then(
      () => {
        assert(lastPosition > this.durable, 'journal positions become durable in order');
        this.durable = lastPosition;
      },
      (error: unknown) => {
        // A failed or refused append leaves the tail unknown to this writer: it stops appending.
        if (this.failure === null) this.failure = error as Error;
        throw error;
      },
    );
    this.last = { lastPosition, done };
    return done.then(() => lastPosition);
  }

  /**
   * Puts one batch under its own key, fenced on leadership; resolves once it and every batch
   * before it are in (see the class comment).
   */
  private async write(count: number, frames: Uint8Array, lastPosition: JournalPosition, previous: PendingAppend | null): Promise<void> {
    const fence = this.fence!;
    const fenced: Comparison = { key: fence.key, target: 'create', op: '==', revision: fence.createRevision };
    const chunks = frames.length > this.chunkBytes ? Math.ceil(frames.length / this.chunkBytes) : 0;
    await Promise.all(Array.from({ length: chunks }, async (_, i) => {
      const put = { type: 'put' as const, key: this.chunkKey(lastPosition, i), value: frames.subarray(i * this.chunkBytes, (i + 1) * this.chunkBytes) };
      const result = await this.coordination.transaction([fenced], [put]);
      if (!result.succeeded) throw new Error(`journal append at position ${lastPosition} refused: leadership lost`);
    }));
    // Appends resolve in order, so `durable` is contiguous: every position at or below it is in.
    const value = batchValue(count, chunks, this.durable, chunks > 0 ? null : frames);
    const key = this.keyOf(lastPosition);
    // Its key must not exist yet: a second leader with a stale tail cannot overwrite a batch.
    const result = await this.coordination.transaction([fenced, { key, target: 'create', op: '==', revision: 0 }], [{ type: 'put', key, value }]);
    // A repeated request (its first answer was lost) finds its batch already there.
    if (!result.succeeded && !(await this.holds(lastPosition, value))) {
      throw new Error(`journal append at position ${lastPosition} refused: leadership lost`);
    }
    if (previous !== null) await previous.done;
  }

  private async holds(position: JournalPosition, value: Uint8Array): Promise<boolean> {
    const key = this.keyOf(position);
    const read = await this.coordination.range(key, prefixEnd(key), { limit: 1 });
    const entry = read.entries[0];
    return entry !== undefined && Buffer.compare(entry.key, key) === 0 && Buffer.compare(entry.value, value) === 0;
  }

  async replay(after: JournalPosition, onRecord: (record: JournalRecord, position: JournalPosition) => void): Promise<void> {
    // Replay starts at the oldest record kept when earlier ones were trimmed (as the file journal does).
    await this.readFrom(after, this.durable, false, (records, _last, first) => {
      for (let i = 0; i < records.length; i++) {
        if (first + i > after) onRecord(records[i]!, first + i);
      }
    });
  }

  /** The last position trimmed away (0: none); the journal holds every position after it. */
  async trimmedThrough(): Promise<JournalPosition> {
    const read = await this.coordination.range(this.trimmedKey, prefixEnd(this.trimmedKey), { limit: 1 });
    const entry = read.entries[0];
    return entry !== undefined && Buffer.compare(entry.key, this.trimmedKey) === 0 ? Number(Buffer.from(entry.value).toString('latin1')) : 0;
  }

  /**
   * Reads batches after `after` up to `through` (Infinity: to the tail) page by page and
   * delivers them in order up to the first gap. `strict` refuses to skip trimmed records (a
   * follower must not miss any). The batches past a gap (written before their predecessors)
   * go to `onAhead` when given, else the read stops there. Returns the store revision of the
   * first page, from which a watch misses nothing.
   */
  private async readFrom(after: JournalPosition, through: JournalPosition, strict: boolean,
    onBatch: (records: JournalRecord[], lastPosition: JournalPosition, firstPosition: JournalPosition) => void,
    onAhead?: (entry: StoredEntry) => void): Promise<{ revision: number; delivered: JournalPosition }> {
    let from = this.keyOf(after + 1);
    let revision = 0;
    let delivered = after;
    let gap = false;
    for (;;) {
      const page = await this.coordination.range(from, this.end, { limit: this.pageBatches });
      if (revision === 0) revision = page.revision;
      let seen = delivered;
      for (const entry of page.entries) {
        const last = this.positionOf(entry.key);
        if (last > through) return { revision, delivered };
        seen = last;
        const first = this.firstOf(entry);
        if (!gap && first > delivered + 1) {
          // Positions after `delivered` are missing: trimmed away, or not written yet.
          const trimmed = await this.trimmedThrough();
          if (trimmed > delivered) {
            if (strict) throw new JournalTrimmedError(`journal position ${delivered + 1} has been trimmed (the journal starts at ${trimmed + 1})`);
            delivered = trimmed;
          }
          gap = first > delivered + 1;
        }
        if (gap) {
          if (onAhead === undefined) return { revision, delivered };
          onAhead(entry);
          continue;
        }
        onBatch(await this.decode(entry), last, first);
        delivered = last;
      }
      if (!page.more || page.entries.length === 0) return { revision, delivered };
      from = this.keyOf(seen + 1);
    }
  }

  /**
   * Delivers, in order, the records after `after` that the store holds now, and returns the
   * last position delivered (`after` if there was nothing new). Strict: records trimmed from
   * after `after` raise JournalTrimmedError. For a reader that needs the journal soon but not at
   * once (an adjudicator standby): reading now and then costs the store one request per read,
   * where a watch (`follow`) costs it a message per batch.
   */
  async readAfter(after: JournalPosition,
    onBatch: (records: readonly JournalRecord[], lastPosition: JournalPosition, firstPosition: JournalPosition) => void): Promise<JournalPosition> {
    const { delivered } = await this.readFrom(after, Infinity, true, (whole, last, first) => {
      // The first batch may begin before `after`: hand over only the records after it. A hole
      // hands over no records for the positions first..last.
      onBatch(first <= after ? whole.slice(after + 1 - first) : whole, last, Math.max(first, after + 1));
    });
    return delivered;
  }

  /**
   * Delivers every batch after `after` in order, then each new one as it becomes durable: a
   * catch-up read, then a watch from the read's revision. A batch that arrives before its
   * predecessor waits for it (see the class comment). A watch that ends (compaction, lost
   * connection) starts over from the last delivered position.
   */
  async follow(after: JournalPosition, onBatch: (records: readonly JournalRecord[], lastPosition: JournalPosition) => void,
    onTrimmed?: (error: Error) => void): Promise<JournalSubscription> {
    let delivered = after;
    let watch: { close(): Promise<void> } | null = null;
    let stopped = false;
    /** Batches past a gap, by first position, until the batches before them arrive. */
    const ahead = new Map<JournalPosition, { readonly records: JournalRecord[]; readonly last: JournalPosition }>();
    const hand = (whole: JournalRecord[], first: JournalPosition, last: JournalPosition) => {
      // The first batch may begin before `after`: hand over only the records after it.
      const records = first <= delivered ? whole.slice(delivered + 1 - first) : whole;
      delivered = last;
      if (last > this.durable) this.durable = last;
      onBatch(records, last);
    };
    const deliver = (whole: JournalRecord[], last: JournalPosition, first: JournalPosition) => {
      if (last <= delivered) return;
      if (first > delivered + 1) {
        ahead.set(first, { records: whole, last });
        return;
      }
      hand(whole, first, last);
      for (let next = ahead.get(delivered + 1); next !== undefined; next = ahead.get(delivered + 1)) {
        ahead.delete(delivered + 1);
        hand(next.records, delivered + 1, next.last);
      }
    };
    // Each watch is a generation: events of a watch being replaced are dropped.
    let generation = 0;
    const start = async (): Promise<void> => {
      ahead.clear();
      const pastGap: StoredEntry[] = [];
      const caughtUp = await this.readFrom(delivered, Infinity, true, deliver, (entry) => pastGap.push(entry));
      for (const entry of pastGap) deliver(await this.decode(entry), this.positionOf(entry.key), this.firstOf(entry));
      if (stopped) return;
      const mine = ++generation;
      // Batches are delivered strictly in order. One stored whole is decoded and delivered in
      // the watch's own callback (no promise turn per batch: the hot path of every replica);
      // one with chunks is a read, and what arrives while a read is pending queues behind it.
      let chain: Promise<void> | null = null;
      const accept = (entry: StoredEntry, records: JournalRecord[]) => deliver(records, this.positionOf(entry.key), this.firstOf(entry));
      watch = await this.coordination.watch(this.prefix, this.end, caughtUp.revision, (events) => {
        for (const event of events) {
          if (stopped || mine !== generation) return;
          if (event.type !== 'put') continue;
          const entry = event.entry;
          if (chain === null) {
            try {
              const records = this.decodeWhole(entry);
              if (records !== null) {
                accept(entry, records);
                continue;
              }
            } catch (error) {
              void restart(error as Error);
              return;
            }
          }
          const queued: Promise<void> = (chain ?? Promise.resolve()).then(async () => {
            if (stopped || mine !== generation) return;
            accept(entry, await this.decode(entry));
          }).then(() => {
            if (chain === queued) chain = null;
          }, (error: Error) => {
            if (mine === generation) void restart(error);
          });
          chain = queued;
        }
      }, (error) => { if (mine === generation) void restart(error); });
    };
    const restart = async (error: Error): Promise<void> => {
      if (stopped) return;
      generation++;
      this.log?.warn(`journal follower restarting after ${delivered}: ${error.message}`);
      const old = watch;
      watch = null;
      await old?.close().catch(() => {});
      for (;;) {
        if (stopped) return;
        try {
          await start();
          return;
        } catch (retryError) {
          // Trimmed past this follower: waiting will not bring the records back.
          if (retryError instanceof JournalTrimmedError && onTrimmed !== undefined) {
            stopped = true;
            onTrimmed(retryError);
            return;
          }
          this.log?.warn(`journal follower: ${(retryError as Error).message}`);
          await new Promise<void>((resolve) => this.timers.setTimeout(resolve, FOLLOW_RETRY_MS));
        }
      }
    };
    await start();
    const subscription: JournalSubscription = {
      close: async () => {
        stopped = true;
        this.subscriptions.delete(subscription);
        await (watch as { close(): Promise<void> } | null)?.close();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /**
   * Deletes whole batches whose records are all at or before `position`, keeping the newest
   * batch, then compacts the store's history up to the previous trim.
   */
  async trim(position: JournalPosition): Promise<void> {
    const through = Math.min(position, this.durable);
    if (through <= 0) return;
    const newest = await this.coordination.range(this.prefix, this.end, { limit: 1, reverse: true });
    const newestKey = newest.entries[0]?.key;
    if (newestKey === undefined) return;
    // The last batch wholly at or before the bound: the journal then starts right after it.
    const below = await this.coordination.range(this.keyOf(0), this.keyOf(Math.min(through, this.positionOf(newestKey) - 1) + 1), { limit: 1, reverse: true });
    const lastKey = below.entries[0]?.key;
    if (lastKey === undefined) return;
    const bound = this.positionOf(lastKey);
    if (bound <= (await this.trimmedThrough())) return;
    // Fenced like the appends: a deposed writer's late trim cannot move the recorded trim point back.
    const fenced: Comparison[] = this.fence === undefined ? [] : [{ key: this.fence.key, target: 'create', op: '==', revision: this.fence.createRevision }];
    const result = await this.coordination.transaction(fenced, [
      { type: 'delete', from: this.keyOf(0), to: this.keyOf(bound + 1) },
      { type: 'delete', from: this.chunkKey(0, 0), to: this.chunkKey(bound + 1, 0) },
      { type: 'put', key: this.trimmedKey, value: encoder.encode(String(bound)) },
    ]);
    if (!result.succeeded) return;
    if (this.lastTrimRevision > 0) await this.coordination.compact(this.lastTrimRevision).catch((error: Error) => {
      // Compacting an already compacted revision is harmless.
      this.log?.warn(`journal compaction: ${error.message}`);
    });
    this.lastTrimRevision = result.revision;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.last?.done.catch(() => {});
    for (const subscription of [...this.subscriptions]) await subscription.close();
  }
}

function headerOf(entry: StoredEntry): BatchHeader {
  const view = new DataView(entry.value.buffer, entry.value.byteOffset, entry.value.byteLength);
  const chunks = view.getUint32(4, true);
  return { count: view.getUint32(0, true), chunks, contiguousThrough: Number(view.getBigUint64(8, true)), hole: chunks === HOLE };
}

/** A batch key's value: the header, then the frames when they are stored whole (null: in chunks, or a hole). */
function batchValue(count: number, chunks: number, contiguousThrough: JournalPosition, frames: Uint8Array | null): Uint8Array {
  const value = new Uint8Array(JOURNAL_HEADER_BYTES + (frames?.length ?? 0));
  const header = new DataView(value.buffer);
  header.setUint32(0, count, true);
  header.setUint32(4, chunks, true);
  header.setBigUint64(8, BigInt(contiguousThrough), true);
  if (frames !== null) value.set(frames, JOURNAL_HEADER_BYTES);
  return value;
}
