import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALWAYS_SAFE, record, rows } from '../../test/support/backup-rows.js';
import { systemEnv } from '../env/system-env.js';
import { NodeDisk } from '../env/disk.js';
import { BackupCancelled, writeBackup } from '../storage/backup.js';
import { BackupFormatError, HEADER_BYTES } from '../storage/backup-format.js';
import { writeBackupFile } from '../storage/backup-files.js';
import { MvccStorage } from '../storage/mvcc-storage.js';
import { BackupThreads } from './backup-threads.js';

const CLUSTER = 'c'.repeat(26);
const ROWS = 20_000;

/**
 * The node's side: an LMDB store, open in this thread, of ROWS rows at 10, some updated and
 * deleted at 20 (more than a 1 MiB chunk and many pages of backup).
 */
async function withNodeStore(body: (dir: string, storage: MvccStorage, storePath: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-backup-threads-'));
  const storePath = join(dir, 'storage');
  const storage = new MvccStorage(new NodeDisk().openOrderedStore(storePath), ALWAYS_SAFE);
  try {
    const first: [number, string][] = [];
    for (let i = 1; i <= ROWS; i++) first.push([i, `row ${i} `.padEnd(60, 'x')]);
    await storage.apply([record(10, first)], 1);
    await storage.apply([record(20, [[5, 'five'], [6, null], [ROWS + 1, 'new']])], 2);
    await body(dir, storage, storePath);
  } finally {
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function backupJob(storePath: string, path: string, timestamp: number) {
  return { kind: 'backup', storePath, path, clusterId: CLUSTER, timestamp, takenAtMs: 1, catalogVersion: 3 } as const;
}

test('a backup on a thread of its own reads the open store at τ while the node writes, and writes the same bytes as one on the node\'s thread', async () => {
  await withNodeStore(async (dir, storage, storePath) => {
    const here = join(dir, 'here.backup');
    const expected = await writeBackupFile(systemEnv(), here, (file) => writeBackup({ storage, clusterId: CLUSTER, timestamp: 20, takenAtMs: 1, catalogVersion: 3 }, file));
    const there = join(dir, 'there.backup');
    const running = new BackupThreads(systemEnv()).run(backupJob(storePath, there, 20), () => false);
    // The node goes on committing into the same environment while the thread reads it.
    for (let t = 30; t < 60; t++) await storage.apply([record(t, [[t, `late ${t}`], [t + 100, null]])], t);
    const header = await running;
    assert.deepEqual(header, expected);
    assert.ok(header.entries === ROWS && header.bodyBytes > 1024 * 1024, 'the backup spans chunks and pages');
    assert.ok((await readFile(there)).equals(await readFile(here)), 'byte for byte the same file');
    assert.deepEqual((await readdir(dir)).sort(), ['here.backup', 'storage', 'there.backup'], 'no partial file left');
    assert.ok((await rows(storage, 59, 1_000)).includes('30=late 30'), 'the node\'s store is still open and written after the thread closed its handle');
  });
});

test('a restore on a thread of its own makes the same database, and a corrupt file fails with its own error, leaving nothing', async () => {
  await withNodeStore(async (dir, storage, storePath) => {
    const threads = new BackupThreads(systemEnv());
    const path = join(dir, 'source.backup');
    await threads.run(backupJob(storePath, path, 20), () => false);
    const header = await threads.run({ kind: 'restore', path, directory: join(dir, 'restored') }, () => false);
    assert.equal(header.entries, ROWS);
    const restored = new MvccStorage(new NodeDisk().openOrderedStore(join(dir, 'restored', 'storage')), ALWAYS_SAFE);
    try {
      assert.deepEqual(await rows(restored, 1, 1_000), await rows(storage, 20, 1_000));
    } finally {
      await restored.close();
    }

    const corrupt = Buffer.from(await readFile(path));
    corrupt[HEADER_BYTES + 70_000]! ^= 0x40;
    await writeFile(join(dir, 'corrupt.backup'), corrupt);
    await assert.rejects(threads.run({ kind: 'restore', path: join(dir, 'corrupt.backup'), directory: join(dir, 'bad') }, () => false),
      (error: Error) => error instanceof BackupFormatError && /corrupt/.test(error.message));
    assert.ok(!(await readdir(dir)).includes('bad'), 'the half-filled directory is removed');
  });
});

test('a cancelled job fails as interrupted and leaves no file', async () => {
  await withNodeStore(async (dir, _storage, storePath) => {
    const threads = new BackupThreads(systemEnv());
    const path = join(dir, 'cancelled.backup');
    await assert.rejects(threads.run(backupJob(storePath, path, 20), () => true), (error: Error) => error instanceof BackupCancelled && /interrupted/.test(error.message));
    await threads.run(backupJob(storePath, join(dir, 'whole.backup'), 20), () => false);
    await assert.rejects(threads.run({ kind: 'restore', path: join(dir, 'whole.backup'), directory: join(dir, 'restored') }, () => true),
      (error: Error) => error instanceof BackupCancelled && /interrupted/.test(error.message));
    assert.deepEqual((await readdir(dir)).sort(), ['storage', 'whole.backup']);
  });
});

test('a thread that dies without an answer fails the job, and what it left is removed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'strata-backup-threads-'));
  try {
    // A stand-in for a thread that crashes mid-way: it leaves a partial file and exits.
    const crashing = join(dir, 'crashing-thread.mjs');
    await writeFile(crashing, `import { workerData } from 'node:worker_threads';
import { writeFileSync } from 'node:fs';
writeFileSync(workerData.job.path + '.partial', 'half');
process.exit(3);
`);
    const path = join(dir, 'crashed.backup');
    await assert.rejects(new BackupThreads(systemEnv(), crashing).run(backupJob(join(dir, 'storage'), path, 20), () => false), /backup thread ended without finishing: exit code 3/);
    assert.deepEqual(await readdir(dir), ['crashing-thread.mjs']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
