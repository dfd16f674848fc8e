import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, open, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeDisk } from '../env/disk.js';
import type { Disk, FileHandle } from '../env/env.js';
import type { JournalRecord } from '../contracts/journal.js';
import { FileJournal } from './file-journal.js';
import { encodeBatch } from './record-codec.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function record(n: number, size = 3): JournalRecord {
  return {
    commitTimestamp: 1_700_000_000_000_000 + n,
    transactionId: `tx-${n}`,
    writes: [
      { key: bytes(`key-${n}`), value: bytes('v'.repeat(size)) },
      { key: bytes(`gone-${n}`), value: null },
    ],
  };
}

async function withDirectory(body: (directory: string) => Promise<void>): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'strata-journal-'));
  try {
    await body(join(directory, 'journal'));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

async function readAll(journal: FileJournal, after = 0): Promise<{ record: JournalRecord; position: number }[]> {
  const out: { record: JournalRecord; position: number }[] = [];
  await journal.replay(after, (r, position) => out.push({ record: r, position }));
  return out;
}

function segmentPath(directory: string, first = 1): string {
  return join(directory, `segment-${String(first).padStart(16, '0')}.log`);
}

/** A Disk whose file syncs wait for `release()` while `gated`; counts syncs. */
class GatedDisk implements Disk {
  private readonly inner = new NodeDisk();
  gated = false;
  syncs = 0;
  failSyncs = false;
  private waiting: (() => void)[] = [];
  release(): void {
    for (const resume of this.waiting.splice(0)) resume();
  }
  /** Lets only the most recent held sync finish (a later write that the disk completes first). */
  releaseLast(): void {
    this.waiting.pop()?.();
  }
  get waitingSyncs(): number {
    return this.waiting.length;
  }
  /** Counts a sync, holds it while gated, fails it when told to. */
  private async gate(): Promise<void> {
    this.syncs++;
    if (this.gated) await new Promise<void>((resume) => this.waiting.push(resume));
    if (this.failSyncs) throw new Error('EIO: injected');
  }

  async open(path: string): Promise<FileHandle> {
    const handle = await this.inner.open(path);
    return {
      read: (p, l) => handle.read(p, l),
      append: (d) => handle.append(d),
      writeDurable: async (position, d) => {
        await this.gate();
        return handle.writeDurable(position, d);
      },
      zeroFill: (from, to) => handle.zeroFill(from, to),
      size: () => handle.size(),
      truncate: (l) => handle.truncate(l),
      close: () => handle.close(),
      sync: async () => {
        await this.gate();
        return handle.sync();
      },
    };
  }
  readFile = (path: string) => this.inner.readFile(path);
  writeFileAtomic = (path: string, data: Uint8Array) => this.inner.writeFileAtomic(path, data);
  mkdir = (path: string) => this.inner.mkdir(path);
  exists = (path: string) => this.inner.exists(path);
  remove = (path: string) => this.inner.remove(path);
  rename = (from: string, to: string) => this.inner.rename(from, to);
  syncDirectory = (path: string) => this.inner.syncDirectory(path);
  openOrderedStore = (path: string) => this.inner.openOrderedStore(path);
}

/** Bytes the records take on disk: where the log of a fresh segment holding them ends. */
function logBytes(records: readonly JournalRecord[]): number {
  return encodeBatch(records).length;
}

/** Overwrites bytes of a file in place, as a torn or stray write leaves them. */
async function writeAt(path: string, offset: number, data: Uint8Array): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.write(data, 0, data.length, offset);
  } finally {
    await handle.close();
  }
}

/** Whether every byte of the file from `offset` on is zero. */
async function zerosFrom(path: string, offset: number): Promise<boolean> {
  return (await readFile(path)).subarray(offset).every((byte) => byte === 0);
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

test('records round-trip through append, close and reopen', async () => {
  await withDirectory(async (directory) => {
    const journal = await FileJournal.open(new NodeDisk(), directory);
    assert.equal(journal.durablePosition, 0);
    assert.equal(await journal.append([record(1), record(2)]), 2);
    assert.equal(await journal.append([record(3, 100_000)]), 3);
    assert.equal(journal.durablePosition, 3);
    await journal.close();

    const reopened = await FileJournal.open(new NodeDisk(), directory);
    assert.equal(reopened.durablePosition, 3);
    const all = await readAll(reopened);
    assert.deepEqual(all.map((r) => r.position), [1, 2, 3]);
    assert.deepEqual(all[0]!.record, record(1));
    assert.deepEqual(all[2]!.record, record(3, 100_000));
    assert.deepEqual((await readAll(reopened, 2)).map((r) => r.position), [3]);
    assert.deepEqual(await readAll(reopened, 3), []);
    await reopened.close();
  });
});

test('concurrent appends during an fsync are coalesced into one write and sync, in call order', async () => {
  await withDirectory(async (directory) => {
    const disk = new GatedDisk();
    // One write at a time, so every append behind the first coalesces into the second write.
    const journal = await FileJournal.open(disk, directory, { maxWritesInFlight: 1 });
    disk.gated = true;
    const first = journal.append([record(1)]);
    await until(() => disk.waitingSyncs === 1);
    const rest: Promise<number>[] = [];
    const resolvedOrder: number[] = [];
    for (let i = 2; i <= 51; i++) {
      const p = journal.append([record(i)]);
      void p.then((position) => resolvedOrder.push(position));
      rest.push(p);
    }
    disk.release();
    assert.equal(await first, 1);
    await until(() => disk.waitingSyncs === 1);
    assert.equal(journal.durablePosition, 1, 'the coalesced group is not durable before its sync');
    disk.gated = false;
    disk.release();
    assert.deepEqual(await Promise.all(rest), Array.from({ length: 50 }, (_, i) => i + 2));
    assert.deepEqual(resolvedOrder, Array.from({ length: 50 }, (_, i) => i + 2));
    assert.equal(disk.syncs, 2, '51 appends took two syncs');
    assert.equal(journal.syncCount, 2);
    assert.equal((await readAll(journal)).length, 51);
    await journal.close();
  });
});

test('a torn last record is cut on open; earlier records stay and appends continue', async () => {
  await withDirectory(async (directory) => {
    const journal = await FileJournal.open(new NodeDisk(), directory);
    await journal.append([record(1), record(2)]);
    await journal.close();
    const intact = logBytes([record(1), record(2)]);
    const size = (await stat(segmentPath(directory))).size;
    assert.equal(size > intact, true, 'the segment is preallocated past its records');
    assert.equal(await zerosFrom(segmentPath(directory), intact), true, 'the preallocated tail is zeros');
    // A partial frame: a header announcing 500 bytes followed by only a few of them.
    const torn = Buffer.alloc(20, 0xab);
    torn.writeUInt32LE(500, 0);
    await writeAt(segmentPath(directory), intact, torn);

    const reopened = await FileJournal.open(new NodeDisk(), directory);
    assert.equal(reopened.durablePosition, 2);
    assert.equal((await stat(segmentPath(directory))).size, size, 'the preallocated size is kept');
    assert.equal(await zerosFrom(segmentPath(directory), intact), true, 'the torn bytes are zeroed');
    assert.equal(await reopened.append([record(3)]), 3);
    await reopened.close();
    const again = await FileJournal.open(new NodeDisk(), directory);
    assert.deepEqual((await readAll(again)).map((r) => r.record.transactionId), ['tx-1', 'tx-2', 'tx-3']);
    await again.close();
  });
});

test('a few garbage bytes (shorter than a header) at the end are cut', async () => {
  await withDirectory(async (directory) => {
    const journal = await FileJournal.open(new NodeDisk(), directory);
    await journal.append([record(1)]);
    await journal.close();
    const size = (await stat(segmentPath(directory))).size;
    await writeAt(segmentPath(directory), size, Buffer.from([0xde, 0xad, 0xbe]));
    const reopened = await FileJournal.open(new NodeDisk(), directory);
    assert.equal(reopened.durablePosition, 1);
    assert.equal(await reopened.append([record(2)]), 2);
    assert.deepEqual((await readAll(reopened)).map((r) => r.position), [1, 2]);
    await reopened.close();
  });
});

test('a last record with a bad checksum is cut', async () => {
  await withDirectory(async (directory) => {
    const journal = await FileJournal.open(new NodeDisk(), directory);
    await journal.append([record(1)]);
    await journal.append([record(2)]);
    await journal.close();
    const end = logBytes([record(1), record(2)]);
    const file = await readFile(segmentPath(directory));
    await writeAt(segmentPath(directory), end - 2, Buffer.from([file[end - 2]! ^ 0xff]));

    const reopened = await FileJournal.open(new NodeDisk(), directory);
    assert.equal(reopened.durablePosition, 1);
    assert.deepEqual((await readAll(reopened)).map((r) => r.record.transactionId), ['tx-1']);
    assert.equal(await reopened.append([record(3)]), 2);
    assert.deepEqual((await readAll(reopened)).map((r) => r.record.transactionId), ['tx-1', 'tx-3']);
    await reopened.close();
  });
});

test('segments roll at the size bound, replay crosses them, trim drops whole segments', async () => {
  await withDirectory(async (directory) => {
    const options = { segmentBytes: 4096 };
    const journal = await FileJournal.open(new NodeDisk(), directory, options);
    for (let i = 1; i <= 20; i++) await journal.append([record(i, 1000)]);
    const all = await readAll(journal);
    assert.deepEqual(all.map((r) => r.position), Array.from({ length: 20 }, (_, i) => i + 1));
    assert.deepEqual((await readAll(journal, 13)).map((r) => r.position), [14, 15, 16, 17, 18, 19, 20]);
    // ~1 KiB records, 4 KiB segments: 3 records each.
    assert.equal((await stat(segmentPath(directory, 4))).size > 0, true);

    await journal.trim(7);
    assert.equal(journal.firstPosition, 7, 'the segment holding 7..9 stays');
    assert.equal((await stat(segmentPath(directory, 1))).size, 0);
    assert.equal((await stat(segmentPath(directory, 4))).size, 0);
    assert.deepEqual((await readAll(journal, 0)).map((r) => r.position)[0], 7);
    await journal.close();

    const reopened = await FileJournal.open(new NodeDisk(), directory, options);
    assert.equal(reopened.durablePosition, 20);
    assert.equal(reopened.firstPosition, 7);
    assert.equal(await reopened.append([record(21)]), 21);
    assert.deepEqual((await readAll(reopened, 18)).map((r) => r.position), [19, 20, 21]);
    await reopened.close();
  });
});

test('a failed sync fails the batch and every later append', async () => {
  await withDirectory(async (directory) => {
    const disk = new GatedDisk();
    const journal = await FileJournal.open(disk, directory);
    await journal.append([record(1)]);
    disk.failSyncs = true;
    await assert.rejects(journal.append([record(2)]), /journal write failed: EIO/);
    disk.failSyncs = false;
    await assert.rejects(journal.append([record(3)]), /journal unavailable/);
    assert.equal(journal.durablePosition, 1);
    await journal.close();
  });
});

test('an oversized record is refused without harming the journal', async () => {
  await withDirectory(async (directory) => {
    const journal = await FileJournal.open(new NodeDisk(), directory);
    await assert.rejects(journal.append([record(1, 17 * 1024 * 1024)]), RangeError);
    assert.equal(await journal.append([record(2)]), 1);
    await journal.close();
  });
});

test('a crash mid-segment: a torn group whose later frame is whole does not resurface behind a new record', async () => {
  await withDirectory(async (directory) => {
    const journal = await FileJournal.open(new NodeDisk(), directory);
    await journal.append([record(1)]);
    await journal.close();
    const end = logBytes([record(1)]);
    // A group of two records (2 and 3) torn by the crash: the first frame's bytes never
    // reached the disk (zeros, as preallocated) but the second frame's did, whole.
    const group = encodeBatch([record(2, 50), record(3)]);
    const secondFrame = logBytes([record(2, 50)]);
    await writeAt(segmentPath(directory), end + secondFrame, group.subarray(secondFrame));

    const reopened = await FileJournal.open(new NodeDisk(), directory);
    assert.equal(reopened.durablePosition, 1, 'the log ends at the zeros of the torn first frame');
    assert.equal(await zerosFrom(segmentPath(directory), end), true, 'the stray whole frame is zeroed');
    // The new record is as long as the torn first one: without zeroing, record 3's stale frame
    // would start exactly where it ends and be read back as position 3.
    const next = record(4, 50);
    assert.equal(logBytes([next]), secondFrame);
    assert.equal(await reopened.append([next]), 2);
    await reopened.close();
    const again = await FileJournal.open(new NodeDisk(), directory);
    assert.equal(again.durablePosition, 2);
    assert.deepEqual((await readAll(again)).map((r) => r.record.transactionId), ['tx-1', 'tx-4']);
    await again.close();
  });
});

test('a crash mid-segment with only preallocated zeros after the records loses nothing and zeroes nothing', async () => {
  await withDirectory(async (directory) => {
    const options = { preallocateBytes: 8192 };
    const journal = await FileJournal.open(new NodeDisk(), directory, options);
    for (let i = 1; i <= 5; i++) await journal.append([record(i, 1000)]);
    // No close: the process dies here; the file keeps whatever the durable writes left.
    const size = (await stat(segmentPath(directory))).size;
    assert.equal(size > logBytes([1, 2, 3, 4, 5].map((i) => record(i, 1000))), true);
    const warnings: string[] = [];
    const log = { info: () => {}, warn: (message: string) => warnings.push(message), error: () => {} };
    const reopened = await FileJournal.open(new NodeDisk(), directory, { ...options, log });
    assert.equal(reopened.durablePosition, 5);
    assert.deepEqual(warnings, [], 'a zero tail is the end of the log, not damage');
    assert.equal(await reopened.append([record(6)]), 6);
    assert.deepEqual((await readAll(reopened)).map((r) => r.position), [1, 2, 3, 4, 5, 6]);
    await reopened.close();
    await journal.close();
  });
});

test('preallocation grows the segment a step at a time; rolled segments end at their last record', async () => {
  await withDirectory(async (directory) => {
    const options = { segmentBytes: 8192, preallocateBytes: 2048 };
    const journal = await FileJournal.open(new NodeDisk(), directory, options);
    await journal.append([record(1, 1000)]);
    assert.equal((await stat(segmentPath(directory))).size, 2048, 'one step preallocated');
    await journal.append([record(2, 1000)]);
    await journal.append([record(3, 1000)]);
    assert.equal((await stat(segmentPath(directory))).size, 4096, 'a second step once the records pass the first');
    const perSegment = Math.floor(8192 / logBytes([record(1, 1000)]));
    for (let i = 4; i <= 3 * perSegment; i++) await journal.append([record(i, 1000)]);
    const second = perSegment + 1;
    assert.equal((await stat(segmentPath(directory))).size, logBytes(
      Array.from({ length: perSegment }, (_, i) => record(i + 1, 1000))), 'the first segment was cut to its records');
    assert.equal((await stat(segmentPath(directory, second))).size <= 8192, true);
    await journal.close();

    const reopened = await FileJournal.open(new NodeDisk(), directory, options);
    assert.equal(reopened.durablePosition, 3 * perSegment);
    assert.deepEqual((await readAll(reopened)).map((r) => r.position), Array.from({ length: 3 * perSegment }, (_, i) => i + 1));
    assert.equal(await reopened.append([record(100)]), 3 * perSegment + 1);
    await reopened.close();
  });
});

test('two writes in flight: a later write that finishes first is acknowledged only after the earlier one', async () => {
  await withDirectory(async (directory) => {
    const disk = new GatedDisk();
    const journal = await FileJournal.open(disk, directory, { maxWritesInFlight: 2 });
    await journal.append([record(0)]);
    disk.gated = true;
    const resolved: number[] = [];
    const first = journal.append([record(1)]);
    void first.then((position) => resolved.push(position));
    await until(() => disk.waitingSyncs === 1);
    const second = journal.append([record(2)]);
    void second.then((position) => resolved.push(position));
    await until(() => disk.waitingSyncs === 2);
    const third = journal.append([record(3)]);
    void third.then((position) => resolved.push(position));
    for (let turn = 0; turn < 20; turn++) await new Promise((resume) => setImmediate(resume));
    assert.equal(disk.waitingSyncs, 2, 'a third write waits while two are in flight');

    disk.releaseLast();
    // The third write starts only once the second finished: then position 3 is on disk.
    await until(() => disk.waitingSyncs === 2);
    assert.equal(journal.durablePosition, 1, 'position 3 is on disk but 2 is not yet');
    assert.deepEqual(resolved, []);

    disk.gated = false;
    disk.release();
    assert.deepEqual(await Promise.all([first, second, third]), [2, 3, 4]);
    assert.deepEqual(resolved, [2, 3, 4]);
    assert.equal(journal.durablePosition, 4);
    await journal.close();
    const reopened = await FileJournal.open(new NodeDisk(), directory);
    assert.deepEqual((await readAll(reopened)).map((r) => r.record.transactionId), ['tx-0', 'tx-1', 'tx-2', 'tx-3']);
    await reopened.close();
  });
});

test('a failed write fails the later write in flight too, and the earlier one still completes', async () => {
  await withDirectory(async (directory) => {
    const disk = new GatedDisk();
    const journal = await FileJournal.open(disk, directory, { maxWritesInFlight: 2 });
    await journal.append([record(0)]);
    disk.gated = true;
    const first = journal.append([record(1)]);
    await until(() => disk.waitingSyncs === 1);
    const second = journal.append([record(2)]);
    await until(() => disk.waitingSyncs === 2);
    disk.failSyncs = true;
    disk.releaseLast();
    await assert.rejects(second, /journal write failed: EIO/);
    disk.failSyncs = false;
    disk.gated = false;
    disk.release();
    assert.equal(await first, 2);
    assert.equal(journal.durablePosition, 2);
    await assert.rejects(journal.append([record(3)]), /journal unavailable/);
    await journal.close();
  });
});
