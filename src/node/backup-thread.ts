import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { BackupHeader } from '../contracts/backup.js';
import { assert } from '../contracts/errors.js';
import type { SafeTimeSource } from '../contracts/storage.js';
import type { Timestamp } from '../contracts/time.js';
import type { Env } from '../env/env.js';
import { systemEnv } from '../env/system-env.js';
import { writeBackup } from '../storage/backup.js';
import { restoreDatabase, turnPacing, writeBackupFile } from '../storage/backup-files.js';
import { MvccStorage } from '../storage/mvcc-storage.js';
import type { BackupThreadJob, BackupThreadStart, FromBackupThread } from './backup-threads.js';

/**
 * A backup or restore job on a thread of its own (started by backup-threads.ts): the same code
 * the node's thread would run, over a store and files this thread opens itself.
 */

/** Runs the job; every file it made is removed on failure (writeBackupFile, restoreDatabase). */
export async function runBackupJob(env: Env, job: BackupThreadJob, cancelled: () => boolean): Promise<BackupHeader> {
  if (job.kind === 'restore') return restoreDatabase(env, job.path, job.directory, cancelled);
  // The node's environment, shared: this thread's reads never block the node's writes.
  const storage = new MvccStorage(env.disk.openOrderedStore(job.storePath), readableThrough(job.timestamp));
  try {
    const source = { storage, clusterId: job.clusterId, timestamp: job.timestamp, takenAtMs: job.takenAtMs, catalogVersion: job.catalogVersion };
    return await writeBackupFile(env, job.path, (file) => writeBackup(source, file, turnPacing(env, cancelled)));
  } finally {
    await storage.close();
  }
}

/**
 * The caller saw storage's safe time pass the backup's timestamp before it started the thread,
 * so every version the read needs is in the store: reads at the timestamp never wait.
 */
function readableThrough(timestamp: Timestamp): SafeTimeSource {
  return {
    safeTime: () => timestamp,
    waitFor: (wanted) => {
      assert(wanted <= timestamp, `a backup thread reads only at its timestamp (${timestamp}), not ${wanted}`);
      return Promise.resolve();
    },
  };
}

if (!isMainThread && parentPort !== null) {
  const port = parentPort;
  const start = workerData as BackupThreadStart;
  const flag = new Int32Array(start.cancelFlag);
  runBackupJob(systemEnv(), start.job, () => Atomics.load(flag, 0) === 1).then(
    (header) => port.postMessage({ type: 'done', header } satisfies FromBackupThread),
    (error: unknown) => port.postMessage({
      type: 'failed', name: error instanceof Error ? error.constructor.name : 'Error', message: error instanceof Error ? error.message : String(error),
    } satisfies FromBackupThread),
  );
}
