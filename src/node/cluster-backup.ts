import type { BackupHeader, ClusterBackups } from '../contracts/backup.js';
import type { Timestamp } from '../contracts/time.js';
import type { Env } from '../env/env.js';
import type { MvccStorage } from '../storage/mvcc-storage.js';
import { CATALOG_VERSION_KEY } from '../qp/catalog/catalog.js';
import type { BackupThreads } from './backup-threads.js';
import type { ClusterCore } from './embedded.js';

/**
 * Backups of the embedded node's open clusters and restores into new cluster directories
 * (docs/backup.md): the node's side of the control plane's backup and restore jobs, and of
 * `strata backup` / `strata restore`. The reading and writing run on threads of their own
 * (backup-threads.ts): here only what needs the cluster's live state, its snapshot time and
 * the hold on its garbage collection.
 */
export class NodeBackups implements ClusterBackups {
  constructor(private readonly env: Env, private readonly threads: BackupThreads, private readonly coreOf: (clusterId: string) => ClusterCore | undefined) {}

  backup(clusterId: string, path: string, cancelled: () => boolean): Promise<BackupHeader> {
    const core = this.coreOf(clusterId);
    if (core === undefined) return Promise.reject(new Error(`cluster ${clusterId} is not open`));
    return backupCore(this.env, this.threads, core, clusterId, path, cancelled);
  }

  restore(path: string, directory: string, cancelled: () => boolean): Promise<BackupHeader> {
    return this.threads.run({ kind: 'restore', path, directory }, cancelled);
  }
}

/**
 * A full backup of an open cluster into `path`: as of the snapshot a transaction starting now
 * would get (every acknowledged commit), written to `path.partial` and renamed once durable.
 * Garbage collection is held below that timestamp until the backup's thread has ended.
 */
export async function backupCore(env: Env, threads: BackupThreads, core: ClusterCore, clusterId: string, path: string,
  cancelled: () => boolean = () => false): Promise<BackupHeader> {
  if (await env.disk.exists(path)) throw new Error(`${path} already exists`);
  const timestamp = core.adjudicator.snapshotTime();
  const release = core.holdVersions(timestamp);
  try {
    // A read at the timestamp waits for storage's safe time to pass it: once it answers, the
    // store holds every commit at or below it, which the thread's reads then never wait for.
    const catalogVersion = await catalogVersionAt(core.storage, timestamp);
    const takenAtMs = Math.floor(env.clock.now().earliest / 1000);
    return await threads.run({ kind: 'backup', storePath: core.storePath, path, clusterId, timestamp, takenAtMs, catalogVersion }, cancelled);
  } finally {
    release();
  }
}

async function catalogVersionAt(storage: MvccStorage, timestamp: Timestamp): Promise<number> {
  const bytes = await storage.get(CATALOG_VERSION_KEY, timestamp);
  return bytes === null ? 0 : Number(Buffer.from(bytes).toString('utf8'));
}
