import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALWAYS_SAFE, record, rows } from '../../test/support/backup-rows.js';
import { NodeDisk } from '../env/disk.js';
import { MemoryOrderedStore } from '../env/memory-store.js';
import { MvccStorage } from './mvcc-storage.js';
import { readBackupHeader, restoreBackup, writeBackup } from './backup.js';
import { BackupFormatError, HEADER_BYTES } from './backup-format.js';

const disk = new NodeDisk();

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
    // Its size (ClusterStorageSize), counted from the restored rows, is the source's as of 20.
    const upTo20 = new MvccStorage(new MemoryOrderedStore(), ALWAYS_SAFE);
    await upTo20.apply([record(10, Array.from({ length: 2_500 }, (_, i) => [i + 1, `v${i + 1}`] as [number, string]))], 1);
    await upTo20.apply([record(20, [[5, 'five'], [6, null], [2_600, 'new']])], 2);
    assert.equal(restored.liveBytes, upTo20.liveBytes);
    assert.ok(upTo20.liveBytes > 0 && upTo20.liveBytes < storage.liveBytes);
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
