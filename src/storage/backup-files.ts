import { dirname, join } from 'node:path';
import type { BackupHeader } from '../contracts/backup.js';
import type { Env, FileHandle, OrderedStore } from '../env/env.js';
import { restoreBackup, type Pacing } from './backup.js';
import { BackupFormatError } from './backup-format.js';

/**
 * A backup file and a restored database as whole things on disk (docs/backup.md): made under a
 * temporary name and renamed once durable, removed on any failure, so neither is ever left
 * half made. Kept apart from the node's modules so that a backup thread (node/backup-thread.ts)
 * loads only storage and the environment.
 */

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

/**
 * A turn of the event loop after every step, and `cancelled` asked before each: a job on the
 * thread that serves sessions lets them in, and one on a thread of its own lets its store's
 * read snapshot be renewed (lmdb-js resets it on a timer) and a cancellation arrive.
 */
export function turnPacing(env: Env, cancelled: () => boolean): Pacing {
  return { cancelled, pause: () => new Promise((resolve) => env.timers.setImmediate(resolve)) };
}

/**
 * Restores the backup at `path` as a cluster's database in `directory` (new): its storage
 * filled from the file and synced, its journal empty (the cluster's first commit starts it).
 * On any failure the directory is removed.
 */
export async function restoreDatabase(env: Env, path: string, directory: string, cancelled: () => boolean = () => false,
  keep?: (key: Uint8Array) => boolean): Promise<BackupHeader> {
  if (!await env.disk.exists(path)) throw new BackupFormatError(`${path} does not exist`);
  if (await env.disk.exists(directory)) throw new Error(`${directory} already exists`);
  await env.disk.mkdir(directory);
  let store: OrderedStore | null = null;
  const file = await env.disk.open(path);
  try {
    store = env.disk.openOrderedStore(join(directory, 'storage'));
    const header = await restoreBackup(file, store, path, turnPacing(env, cancelled), keep);
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
