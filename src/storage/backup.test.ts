import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JournalRecord } from '../contracts/journal.js';
import type { SafeTimeSource } from '../contracts/storage.js';
import { NodeDisk } from '../env/disk.js';
import { MemoryOrderedStore } from '../env/memory-store.js';
import { MvccStorage } from './mvcc-storage.js';
import { readBackupHeader, restoreBackup, writeBackup } from './backup.js';
import { BackupFormatError, HEADER_BYTES } from './backup-format.js';

const ALWAYS_SAFE: SafeTimeSource = { safeTime: () => Number.MAX_SAFE_INTEGER, waitFor: () => Promise.resolve() };
const disk = new NodeDisk();

function key(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setUint32(0, 7);
  new DataView(out.buffer).setUint32(4, n);
  return out;
}

function record(commitTimestamp: number, writes: [number, string | null][]): JournalRecord {
  return { commitTimestamp, transactionId: `t${commitTimestamp}`, writes: writes.map(([k, v]) => ({ key: key(k), value: v === null ? null : Buffer.from(v) })) };
}

async function rows(storage: MvccStorage, at: number): Promise<string[]> {
  const out: string[] = [];
  let start: Uint8Array | null = key(0);
  while (start !== null) {
    const page = await storage.read({ start, end: key(0xffffffff), readTimestamp: at, limit: 100 });
    for (let i = 0; i < page.keys.length; i++) out.push(`${new DataView(page.keys[i]!.buffer, page.keys[i]!.byteOffset).getUint32(4)}=${Buffer.from(page.values[i]!).toString()}`);
    start = page.resumeKey;
  }
  return out;
}

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-backup-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A source with 2,500 rows at 10, some updated and deleted at 20, more added at 30. */
async function source(): Promise<MvccStorage> {
  const storage = new MvccStorage(new MemoryOrderedStore(), ALWAYS_SAFE);
  const first: [number, string][] = [];
  for (let i = 1; i <= 2_500; i++) first.push([i, `v${i}`]);
  await storage.apply([record(10, first)], 1);
  await storage.apply([record(20, [[5, 'five'], [6, null], [2_600, 'new']])], 2);
  await storage.apply([record(30, [[7, 'late'], [8, null], [2_700, 'later']])], 3);
  return storage;
}

async function backupOf(storage: MvccStorage, path: string, timestamp: number): Promise<void> {
  const file = await disk.open(path);
  try {
    await writeBackup({ storage, clusterId: 'c'.repeat(26), timestamp, takenAtMs: 1, catalogVersion: 3 }, file);
  } finally {
    await file.close();
  }
}

async function restoreFrom(path: string): Promise<MvccStorage> {
  const store = new MemoryOrderedStore();
  const file = await disk.open(path);
  try {
    await restoreBackup(file, store, path);
  } finally {
    await file.close();
  }
  return new MvccStorage(store, ALWAYS_SAFE);
}

test('a backup at τ restores exactly the rows visible at τ, in a store every later read sees', async () => {
  await withDir(async (dir) => {
    const storage = await source();
    const path = join(dir, 'at20.backup');
    await backupOf(storage, path, 20);
    const file = await disk.open(path);
    const header = await readBackupHeader(file, path);
    await file.close();
    assert.equal(header.timestamp, 20);
    assert.equal(header.entries, 2_500, '2,500 rows, one deleted, one added');
    assert.equal(header.catalogVersion, 3);

    const restored = await restoreFrom(path);
    assert.deepEqual(await rows(restored, 1_000_000), await rows(storage, 20));
    assert.ok((await rows(restored, 5)).includes('5=five'), 'the restored state is the first state: reads at any time see it');
    // The restored store takes new commits above it.
    await restored.apply([record(40, [[5, 'again']])], 1);
    assert.ok((await rows(restored, 40)).includes('5=again'));
  });
});

test('a corrupt, truncated or foreign file is refused with a clear error', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'good.backup');
    await backupOf(await source(), path, 30);
    const good = await readFile(path);

    const flipped = Buffer.from(good);
    flipped[HEADER_BYTES + 1_000]! ^= 0x40;
    await writeFile(join(dir, 'flipped'), flipped);
    await assert.rejects(restoreFrom(join(dir, 'flipped')), (error: Error) => error instanceof BackupFormatError && /corrupt/.test(error.message));

    await writeFile(join(dir, 'short'), good);
    await truncate(join(dir, 'short'), good.length - 10);
    await assert.rejects(restoreFrom(join(dir, 'short')), (error: Error) => error instanceof BackupFormatError && /truncated/.test(error.message));

    const header = Buffer.from(good);
    header[20]! ^= 0x01;
    await writeFile(join(dir, 'header'), header);
    await assert.rejects(restoreFrom(join(dir, 'header')), (error: Error) => error instanceof BackupFormatError && /header is corrupt/.test(error.message));

    await writeFile(join(dir, 'foreign'), Buffer.alloc(HEADER_BYTES + 10, 7));
    await assert.rejects(restoreFrom(join(dir, 'foreign')), (error: Error) => error instanceof BackupFormatError && /not a Strata backup/.test(error.message));
  });
});
