import { join } from 'node:path';
import type { Journal, JournalPosition, JournalRecord } from '../contracts/journal.js';
import type { Disk, FileHandle, Log } from '../env/env.js';
import { assert } from '../contracts/errors.js';
import { decodePayload, encodeBatch } from './record-codec.js';
import { FrameScanner } from './frame-scanner.js';

/**
 * The embedded journal (DESIGN.md §4): records framed with a CRC in segment files under one
 * directory, made durable with fsync, with group commit.
 *
 * Layout: `manifest.json` lists the live segments in order, each named after the position of
 * its first record (`segment-<16 digits>.log`). Only the last segment is appended to; a new one
 * is started at a batch boundary once the current one would pass `segmentBytes`, so every
 * earlier segment holds whole, synced records (and is cut to its last record when the next one
 * starts). Recovery scans only the last segment: its log ends at the first frame that is not
 * whole and checksummed.
 *
 * The last segment is preallocated: zero-filled (and synced) `preallocateBytes` at a time ahead
 * of the records, as PostgreSQL preallocates its WAL segments. A durable write inside the file
 * then changes neither its size nor its extents, so the file system commits no metadata for it;
 * an append to a growing file made every group commit pay that second commit (measured on the
 * 2-core machine: ~600–880 µs per 200-byte O_DSYNC append, ~210 µs per overwrite of zeros).
 * A zero tail ends the log like a torn one (length 0 is no valid frame); recovery zeroes any
 * bytes after the end, so a torn group's later frames cannot resurface behind a new record.
 */
export interface FileJournalOptions {
  /** Roll to a new segment once the current one would grow past this (default 64 MiB). */
  readonly segmentBytes?: number;
  /** Zero-fill the current segment this far ahead of its records at a time (default 4 MiB). */
  readonly preallocateBytes?: number;
  /** Bound of one coalesced write + fsync (default 32 MiB; one batch may exceed it alone). */
  readonly maxWriteBytes?: number;
  /** Bound of the bytes waiting for a write; appends beyond it are refused (default 256 MiB). */
  readonly maxQueuedBytes?: number;
  /** Durable writes of consecutive groups that may run at once (default 1: measured no faster with 2). */
  readonly maxWritesInFlight?: number;
  readonly log?: Log;
}

interface Segment {
  readonly firstPosition: JournalPosition;
  readonly file: string;
}

interface PendingAppend {
  readonly bytes: Uint8Array;
  readonly lastPosition: JournalPosition;
  readonly resolve: (position: JournalPosition) => void;
  readonly reject: (error: Error) => void;
}

/** One group's durable write, started and not yet acknowledged (acknowledgements go in order). */
interface WriteInFlight {
  readonly group: readonly PendingAppend[];
  /** The segment's bytes that are durable once this write and every earlier one are. */
  readonly endBytes: number;
  done: boolean;
}

/**
 * Bound of the writes finished or running but not yet acknowledged (an earlier write still
 * running holds back every later one's acknowledgement).
 */
const MAX_UNACKNOWLEDGED_WRITES = 16;
const MANIFEST_FILE = 'manifest.json';
const MANIFEST_VERSION = 1;
/** Recovery reads the tail after the log's end in chunks of this size. */
const TAIL_READ_CHUNK_BYTES = 1024 * 1024;

function segmentFileName(firstPosition: JournalPosition): string {
  return `segment-${String(firstPosition).padStart(16, '0')}.log`;
}

export class FileJournal implements Journal {
  private segments: readonly Segment[];
  private current: FileHandle;
  /** Bytes written to the current segment, and the prefix of them that is synced. */
  private currentBytes: number;
  private currentDurableBytes: number;
  /** The current segment's file size: zeros from `currentBytes` up to here. */
  private preallocatedBytes: number;
  private durable: JournalPosition;
  /** The position given to the last record accepted by `append` (durable or not). */
  private assigned: JournalPosition;
  private readonly queue: PendingAppend[] = [];
  private queuedBytes = 0;
  /** Started writes in position order; the head is the oldest not yet acknowledged. */
  private readonly inFlight: WriteInFlight[] = [];
  /** Writes of `inFlight` that the disk has not finished. */
  private writesRunning = 0;
  /** A roll or preallocation is running (after the writes in flight drained); no write starts. */
  private preparing = false;
  private signalDrained: (() => void) | null = null;
  private active = false;
  private idle: Promise<void> = Promise.resolve();
  private signalIdle: () => void = () => {};
  private failure: Error | null = null;
  private closed = false;
  private manifestUpdate: Promise<void> = Promise.resolve();
  private readonly segmentBytes: number;
  private readonly preallocateBytes: number;
  private readonly maxWriteBytes: number;
  private readonly maxQueuedBytes: number;
  private readonly maxWritesInFlight: number;
  /** Counts fsyncs of the journal (observability; tests of group commit). */
  syncCount = 0;

  private constructor(
    private readonly disk: Disk,
    private readonly directory: string,
    state: {
      segments: readonly Segment[]; current: FileHandle; currentBytes: number; fileBytes: number; durable: JournalPosition;
    },
    options: FileJournalOptions,
  ) {
    this.segments = state.segments;
    this.current = state.current;
    this.currentBytes = state.currentBytes;
    this.currentDurableBytes = state.currentBytes;
    this.preallocatedBytes = state.fileBytes;
    this.durable = state.durable;
    this.assigned = state.durable;
    this.segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    this.preallocateBytes = options.preallocateBytes ?? 4 * 1024 * 1024;
    assert(this.preallocateBytes > 0, 'the journal preallocates a positive number of bytes at a time');
    this.maxWriteBytes = options.maxWriteBytes ?? 32 * 1024 * 1024;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 256 * 1024 * 1024;
    this.maxWritesInFlight = options.maxWritesInFlight ?? 1;
    assert(Number.isSafeInteger(this.maxWritesInFlight) && this.maxWritesInFlight >= 1, 'at least one journal write may be in flight');
  }

  /** Opens (or creates) the journal in `directory`, cutting a torn or corrupt tail. */
  static async open(disk: Disk, directory: string, options: FileJournalOptions = {}): Promise<FileJournal> {
    await disk.mkdir(directory);
    const segments = await readOrCreateManifest(disk, directory);
    const last = segments[segments.length - 1]!;
    const handle = await disk.open(join(directory, last.file));
    const recovered = await recoverSegment(handle, `${directory}/${last.file}`, options.log);
    return new FileJournal(disk, directory, {
      segments, current: handle, currentBytes: recovered.validBytes, fileBytes: recovered.fileBytes,
      durable: last.firstPosition - 1 + recovered.records,
    }, options);
  }

  get durablePosition(): JournalPosition {
    return this.durable;
  }

  /** The position of the oldest record still kept (records before it were trimmed). */
  get firstPosition(): JournalPosition {
    return this.segments[0]!.firstPosition;
  }

  append(records: readonly JournalRecord[]): Promise<JournalPosition> {
    if (this.failure !== null) return Promise.reject(new Error(`journal unavailable after a failed write: ${this.failure.message}`));
    if (this.closed) return Promise.reject(new Error('journal closed'));
    let bytes: Uint8Array;
    try {
      bytes = encodeBatch(records);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (this.queuedBytes + bytes.length > this.maxQueuedBytes && this.queue.length > 0) {
      return Promise.reject(new RangeError(`journal write queue full (${this.queuedBytes} bytes waiting)`));
    }
    this.assigned += records.length;
    const lastPosition = this.assigned;
    return new Promise<JournalPosition>((resolve, reject) => {
      this.queue.push({ bytes, lastPosition, resolve, reject });
      this.queuedBytes += bytes.length;
      if (!this.active) {
        this.active = true;
        this.idle = new Promise((resolve) => { this.signalIdle = resolve; });
      }
      this.pump();
    });
  }

  /**
   * Group commit: every append that queued while the writes in flight ran goes to disk in the
   * next single durable write. Up to `maxWritesInFlight` such writes may run at once, so a group
   * need not wait for the previous group's write before its own starts (the 2-core machine's
   * disk completes overlapping durable writes ~1.5x faster, but the eight-client update ran no
   * faster with 2: smaller groups, more writes; hence the default of 1). Acknowledgements go in
   * position order: a group resolves only once its write and every earlier one are durable.
   * A crash can leave a later write on disk behind a torn earlier one; recovery ends the log
   * at the torn frame and zeroes what follows, and none of it was acknowledged.
   */
  private pump(): void {
    while (this.queue.length > 0 && this.failure === null && !this.preparing && this.writesRunning < this.maxWritesInFlight
      && this.inFlight.length < MAX_UNACKNOWLEDGED_WRITES) {
      const group = this.takeGroup();
      const bytes = group.length === 1 ? group[0]!.bytes : Buffer.concat(group.map((pending) => pending.bytes));
      const roll = this.currentBytes > 0 && this.currentBytes + bytes.length > this.segmentBytes;
      if (roll || this.currentBytes + bytes.length > this.preallocatedBytes) {
        this.preparing = true;
        void this.prepareThenWrite(group, bytes, roll);
        return;
      }
      this.startWrite(group, bytes);
    }
    this.settleIfIdle();
  }

  /** Rolls or preallocates once the writes in flight drained (a roll cuts the old segment). */
  private async prepareThenWrite(group: readonly PendingAppend[], bytes: Uint8Array, roll: boolean): Promise<void> {
    try {
      if (this.inFlight.length > 0) await new Promise<void>((resolve) => { this.signalDrained = resolve; });
      if (this.failure !== null) throw this.failure;
      if (roll) await this.roll(this.durable + 1);
      const end = this.currentBytes + bytes.length;
      if (end > this.preallocatedBytes) await this.preallocate(end);
    } catch (error) {
      this.preparing = false;
      this.fail(error as Error, group);
      this.settleIfIdle();
      return;
    }
    this.preparing = false;
    this.startWrite(group, bytes);
    this.pump();
  }

  private startWrite(group: readonly PendingAppend[], bytes: Uint8Array): void {
    assert(this.currentBytes + bytes.length <= this.preallocatedBytes || bytes.length === 0, 'journal writes land inside the preallocated segment');
    const offset = this.currentBytes;
    this.currentBytes += bytes.length;
    const write: WriteInFlight = { group, endBytes: this.currentBytes, done: false };
    this.inFlight.push(write);
    this.writesRunning++;
    // One durable write (O_DSYNC) rather than a write and an fdatasync: half the trips to
    // the disk per group, which is what bounds commit latency.
    const durable = bytes.length > 0 ? this.current.writeDurable(offset, bytes) : Promise.resolve();
    durable.then(() => {
      this.writesRunning--;
      if (bytes.length > 0) this.syncCount++;
      write.done = true;
      this.acknowledgeInOrder();
      this.pump();
    }, (error: unknown) => {
      this.writesRunning--;
      this.failWrite(write, error as Error);
      this.settleIfIdle();
    });
  }

  /** Resolves the oldest writes that are durable, stopping at the first still in flight. */
  private acknowledgeInOrder(): void {
    while (this.inFlight.length > 0 && this.inFlight[0]!.done) {
      const write = this.inFlight.shift()!;
      const lastPosition = write.group[write.group.length - 1]!.lastPosition;
      assert(lastPosition >= this.durable, 'journal positions become durable in order');
      this.durable = lastPosition;
      this.currentDurableBytes = write.endBytes;
      for (const pending of write.group) pending.resolve(pending.lastPosition);
    }
    this.noteDrained();
  }

  private noteDrained(): void {
    if (this.inFlight.length > 0 || this.signalDrained === null) return;
    const resume = this.signalDrained;
    this.signalDrained = null;
    resume();
  }

  private settleIfIdle(): void {
    if (!this.active || this.queue.length > 0 || this.inFlight.length > 0 || this.preparing) return;
    this.active = false;
    this.signalIdle();
  }

  private takeGroup(): PendingAppend[] {
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length && (count === 0 || bytes + this.queue[count]!.bytes.length <= this.maxWriteBytes)) {
      bytes += this.queue[count]!.bytes.length;
      count++;
    }
    this.queuedBytes -= bytes;
    return this.queue.splice(0, count);
  }

  /**
   * A failed write fails its group and every later one (they may not be acknowledged past a
   * gap); earlier writes still in flight complete and are acknowledged as usual.
   */
  private failWrite(write: WriteInFlight, error: Error): void {
    const index = this.inFlight.indexOf(write);
    assert(index >= 0, 'a failed write is still in flight');
    const later = this.inFlight.splice(index);
    this.fail(error, later.flatMap((failed) => failed.group));
    this.acknowledgeInOrder();
  }

  /**
   * Zero-fills the current segment past `end`: a step of `preallocateBytes`, not beyond the
   * segment bound unless one group alone passes it. The commits of this group wait for it
   * (one larger write every few MiB of records).
   */
  private async preallocate(end: number): Promise<void> {
    const target = Math.max(end, Math.min(this.preallocatedBytes + this.preallocateBytes, this.segmentBytes));
    await this.current.zeroFill(this.preallocatedBytes, target);
    this.preallocatedBytes = target;
  }

  /** A failed write leaves the file in an unknown state: refuse everything from now on. */
  private fail(error: Error, group: readonly PendingAppend[]): void {
    this.failure ??= error;
    const failed = new Error(`journal write failed: ${error.message}`);
    for (const pending of group) pending.reject(failed);
    for (const pending of this.queue.splice(0)) pending.reject(failed);
    this.queuedBytes = 0;
  }

  /** Starts a new segment whose first record will be `firstPosition`. */
  private async roll(firstPosition: JournalPosition): Promise<void> {
    const file = segmentFileName(firstPosition);
    // Cut the finished segment's zero tail first: every segment but the last then ends at its
    // last record, which replay and trim rely on. A crash before the manifest names the new
    // segment leaves this one last, and its next write preallocates again.
    if (this.preallocatedBytes > this.currentBytes) {
      await this.current.truncate(this.currentBytes);
      await this.current.sync();
    }
    // The manifest names the new segment before it is written to, so recovery always scans it.
    await this.updateManifest((segments) => [...segments, { firstPosition, file }]);
    const handle = await this.disk.open(join(this.directory, file));
    if ((await handle.size()) > 0) await handle.truncate(0);
    await this.current.close();
    this.current = handle;
    this.currentBytes = 0;
    this.currentDurableBytes = 0;
    this.preallocatedBytes = 0;
  }

  /** Manifest changes (roll, trim) run one at a time, each from the latest segment list. */
  private updateManifest(change: (segments: readonly Segment[]) => readonly Segment[]): Promise<void> {
    const update = this.manifestUpdate.then(async () => {
      const next = change(this.segments);
      assert(next.length > 0, 'the journal keeps at least one segment');
      await this.disk.writeFileAtomic(join(this.directory, MANIFEST_FILE), encodeManifest(next));
      this.segments = next;
    });
    this.manifestUpdate = update.catch(() => {});
    return update;
  }

  async replay(after: JournalPosition, onRecord: (record: JournalRecord, position: JournalPosition) => void): Promise<void> {
    const through = this.durable;
    const lastDurableBytes = this.currentDurableBytes;
    const segments = this.segments;
    let index = segments.length - 1;
    while (index > 0 && segments[index]!.firstPosition > after + 1) index--;
    for (; index < segments.length; index++) {
      const segment = segments[index]!;
      if (segment.firstPosition > through) break;
      const isLast = index === segments.length - 1;
      await this.replaySegment(segment, isLast ? lastDurableBytes : null, after, through, onRecord);
    }
  }

  /**
   * Replays one segment. Records before `after` are skipped undecoded; a segment that ends
   * early or holds a bad frame before `through` is corruption of acknowledged data.
   */
  private async replaySegment(
    segment: Segment, limit: number | null, after: JournalPosition, through: JournalPosition,
    onRecord: (record: JournalRecord, position: JournalPosition) => void,
  ): Promise<void> {
    const handle = await this.disk.open(join(this.directory, segment.file));
    try {
      const scanner = new FrameScanner(handle, limit ?? (await handle.size()));
      let position = segment.firstPosition;
      while (position <= through) {
        const step = await scanner.next();
        if (step.kind === 'end') break;
        if (step.kind !== 'frame') {
          throw new Error(`journal segment ${segment.file} is ${step.kind} at offset ${step.offset}, before position ${position}`);
        }
        if (position > after) onRecord(decodePayload(step.bytes, step.payloadStart, step.payloadLength), position);
        position++;
      }
    } finally {
      await handle.close();
    }
  }

  /**
   * Drops whole segments whose records are all at or before `position`. The current segment
   * is never dropped. The Disk contract has no unlink, so a dropped segment is truncated to
   * zero bytes (its space is returned; an empty file stays behind).
   */
  async trim(position: JournalPosition): Promise<void> {
    let dropped: Segment[] = [];
    await this.updateManifest((segments) => {
      let keepFrom = 0;
      while (keepFrom < segments.length - 1 && segments[keepFrom + 1]!.firstPosition - 1 <= position) keepFrom++;
      dropped = segments.slice(0, keepFrom);
      return segments.slice(keepFrom);
    });
    for (const segment of dropped) {
      const handle = await this.disk.open(join(this.directory, segment.file));
      try {
        await handle.truncate(0);
      } finally {
        await handle.close();
      }
    }
  }

  /** Waits for queued appends to finish, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.idle;
    await this.manifestUpdate;
    await this.current.close();
  }
}

function encodeManifest(segments: readonly Segment[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ version: MANIFEST_VERSION, segments }) + '\n');
}

async function readOrCreateManifest(disk: Disk, directory: string): Promise<readonly Segment[]> {
  const path = join(directory, MANIFEST_FILE);
  const bytes = await disk.readFile(path);
  if (bytes === null) {
    const segments = [{ firstPosition: 1, file: segmentFileName(1) }];
    await disk.writeFileAtomic(path, encodeManifest(segments));
    return segments;
  }
  const manifest = JSON.parse(new TextDecoder().decode(bytes)) as { version?: unknown; segments?: unknown };
  if (manifest.version !== MANIFEST_VERSION || !Array.isArray(manifest.segments) || manifest.segments.length === 0) {
    throw new Error(`journal manifest ${path} is not a version ${MANIFEST_VERSION} manifest`);
  }
  const segments = manifest.segments as Segment[];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    assert(Number.isSafeInteger(segment.firstPosition) && segment.firstPosition >= 1, 'segment positions are positive integers');
    assert(typeof segment.file === 'string' && !segment.file.includes('/'), 'segment names are plain file names');
    if (i > 0) assert(segment.firstPosition >= segments[i - 1]!.firstPosition, 'segments are listed in position order');
  }
  return segments;
}

/**
 * Scans the last segment: counts its whole records; the log ends at the first frame that is not
 * whole with a matching CRC (a torn or corrupt frame, or the preallocated zeros). Nothing from
 * there on was acknowledged (an append resolves only after the durable write that covers all of
 * its bytes). Bytes there that are not zero (a torn group) are zeroed, so that a later, shorter
 * record written at the end cannot be followed by a stale whole frame of the torn group.
 */
async function recoverSegment(
  handle: FileHandle, name: string, log: Log | undefined,
): Promise<{ records: number; validBytes: number; fileBytes: number }> {
  const fileBytes = await handle.size();
  const scanner = new FrameScanner(handle, fileBytes);
  let records = 0;
  for (;;) {
    const step = await scanner.next();
    if (step.kind === 'frame') {
      records++;
      continue;
    }
    const validBytes = step.offset;
    const dirtyEnd = await endOfNonZeroBytes(handle, validBytes, fileBytes);
    if (dirtyEnd > validBytes) {
      const reason = step.kind === 'corrupt' ? step.reason : step.kind === 'torn' ? 'partial record' : 'bytes after the end';
      log?.warn(`journal ${name}: zeroing ${dirtyEnd - validBytes} bytes at offset ${validBytes} (${reason})`);
      await handle.zeroFill(validBytes, dirtyEnd);
    }
    assert(validBytes <= fileBytes, 'the recovered log ends inside its segment');
    return { records, validBytes, fileBytes };
  }
}

/** The offset just past the last byte in [from, to) that is not zero, or `from` if all are zero. */
async function endOfNonZeroBytes(handle: FileHandle, from: number, to: number): Promise<number> {
  let end = from;
  for (let offset = from; offset < to; offset += TAIL_READ_CHUNK_BYTES) {
    const chunk = await handle.read(offset, Math.min(TAIL_READ_CHUNK_BYTES, to - offset));
    assert(chunk.length > 0, 'the segment holds the bytes its size says');
    for (let i = chunk.length - 1; i >= 0; i--) {
      if (chunk[i] !== 0) {
        end = offset + i + 1;
        break;
      }
    }
  }
  return end;
}
