import { dirname, join } from 'node:path';
import type { BackupHeader, ClusterBackups } from '../contracts/backup.js';
import type { Timestamp } from '../contracts/time.js';
import type { Env, FileHandle, OrderedStore } from '../env/env.js';
import type { MvccStorage } from '../storage/mvcc-storage.js';
import { restoreBackup, writeBackup, type Pacing } from '../storage/backup.js';
import { BackupFormatError } from '../storage/backup-format.js';
import { CATALOG_VERSION_KEY } from '../qp/catalog/catalog.js';
import type { ClusterCore } from './embedded.js';

/**
 * Backups of the embedded node's open clusters and restores into new cluster directories
 * (docs/backup.md): the node's side of the control plane's backup and restore jobs, and of
 * `strata backup` / `strata restore`.
 */
export class NodeBackups implements ClusterBackups {
  constructor(private readonly env: Env, private readonly coreOf: (clusterId: string) => ClusterCore | undefined) {}

  backup(clusterId: string, path: string, cancelled: () => boolean): Promise<BackupHeader> {
    const core = this.coreOf(clusterId);
    if (core === undefined) return Promise.reject(new Error(`cluster ${clusterId} is not open`));
    return backupCore(this.env, core, clusterId, path, cancelled);
  }

  restore(path: string, directory: string, cancelled: () => boolean): Promise<BackupHeader> {
    return restoreDatabase(this.env, path, directory, cancelled);
  }
}

/**
 * A full backup of an open cluster into `path`: as of the snapshot a transaction starting now
 * would get (every acknowledged commit), written to `path.partial` and renamed once durable.
 */
export async function backupCore(env: Env, core: ClusterCore, clusterId: string, path: string, cancelled: () => boolean = () => false): Promise<BackupHeader> {
  if (await env.disk.exists(path)) throw new Error(`${path} already exists`);
  const timestamp = core.adjudicator.snapshotTime();
  const release = core.holdVersions(timestamp);
  try {
    const catalogVersion = await catalogVersionAt(core.storage, timestamp);
    const takenAtMs = Math.floor(env.clock.now().earliest / 1000);
    return await writeBackupFile(env, path, (file) => writeBackup({ storage: core.storage, clusterId, timestamp, takenAtMs, catalogVersion }, file, pacing(env, cancelled)));
  } finally {
    release();
  }
}

/**
 * Makes the backup file `path` with `write`: into `path.partial`, renamed once durable and its
 * directory synced; on any failure the partial file is removed, so no half backup is left.
 */
export async function writeBackupFile(env: Env, path: string, write: (file: FileHandle) => Promise<BackupHeader>): Promise<BackupHeader> {
  if (await env.disk.exists(path)) throw new Error(`${path} already exists`);
  const partial = `${path}.partial`;
  await env.disk.remove(partial);
  let file: FileHandle | null = null;
  try {
    file = await env.disk.open(partial);
    const header = await write(file);
    await file.close();
    file = null;
    await env.disk.rename(partial, path);
    await env.disk.syncDirectory(dirname(path));
    return header;
  } catch (error) {
    await file?.close();
    await env.disk.remove(partial);
    throw error;
  }
}

/** A turn of the event loop after every page: sessions keep being served while a job runs. */
function pacing(env: Env, cancelled: () => boolean): Pacing {
  return { cancelled, pause: () => new Promise((resolve) => env.timers.setImmediate(resolve)) };
}

async function catalogVersionAt(storage: MvccStorage, timestamp: Timestamp): Promise<number> {
  const bytes = await storage.get(CATALOG_VERSION_KEY, timestamp);
  return bytes === null ? 0 : Number(Buffer.from(bytes).toString('utf8'));
}

/**
 * Restores the backup at `path` as a cluster's database in `directory` (new): its storage
 * filled from the file and synced, its journal empty (the cluster's first commit starts it).
 * On any failure the directory is removed.
 */
export async function restoreDatabase(env: Env, path: string, directory: string, cancelled: () => boolean = () => false): Promise<BackupHeader> {
  if (!await env.disk.exists(path)) throw new BackupFormatError(`${path} does not exist`);
  if (await env.disk.exists(directory)) throw new Error(`${directory} already exists`);
  await env.disk.mkdir(directory);
  let store: OrderedStore | null = null;
  const file = await env.disk.open(path);
  try {
    store = env.disk.openOrderedStore(join(directory, 'storage'));
    const header = await restoreBackup(file, store, path, pacing(env, cancelled));
    // The store has no journal behind it: it must be on disk before the restore is done.
    await store.sync();
    await store.close();
    store = null;
    await env.disk.syncDirectory(directory);
    return header;
  } catch (error) {
    await store?.close();
    await env.disk.remove(directory);
    throw error;
  } finally {
    await file.close();
  }
}
