/**
 * Backups and restores of the local multi-process cluster (docs/backup.md, "The distributed
 * deployment"): `strata local backup --dir DIR --to FILE` (the read: node/roles/deployed-backup.ts)
 * and `strata local up --restore FILE`.
 */
import { resolve } from 'node:path';
import type { BackupHeader } from '../contracts/backup.js';
import { EtcdCoordination } from '../env/etcd-coordination.js';
import { systemEnv } from '../env/system-env.js';
import { restoreDatabase } from '../storage/backup-files.js';
import { nodesOf, shardMapOf, shardOf, type ClusterConfig } from '../node/roles/cluster-config.js';
import { backupDeployed, ClusterNotServing, type DeployedBackupOptions } from '../node/roles/deployed-backup.js';
import { linkTlsOfTools, readState, recordedAlive } from './local-cluster.js';
import { describeBackup } from './backup.js';

export type LocalBackupOptions = Omit<DeployedBackupOptions, 'say' | 'cancelled'>;

/** `strata local backup`: the cluster in `dir` as of now, into the new file `to`. */
export async function localBackup(dirArg: string, toArg: string, out: (line: string) => void, options: LocalBackupOptions = {}): Promise<BackupHeader> {
  const dir = resolve(dirArg);
  const to = resolve(toArg);
  const { state, config } = readState(dir);
  if (!nodesOf(config, 'storage').some((node) => recordedAlive(state, state.pids[node.name] ?? -1))) {
    throw new Error(`the local cluster in ${dir} is not running (no storage replica is; strata local up --dir ${dir})`);
  }
  const env = systemEnv();
  const tls = linkTlsOfTools(config);
  const coordination = new EtcdCoordination(config.etcd, { tls });
  try {
    const header = await backupDeployed({ env, config, coordination, tls }, to, { ...options, say: (line) => out(`strata local backup: ${line}`) });
    out(`strata local backup: wrote ${to}: ${describeBackup(header)}`);
    return header;
  } catch (error) {
    if (!(error instanceof ClusterNotServing)) throw error;
    throw new Error(`the local cluster in ${dir} is not running (${error.message}; see strata local status --dir ${dir})`);
  } finally {
    await coordination.close();
  }
}

/**
 * `strata local up --restore FILE`: every storage replica of the new cluster `config` starts
 * from the file (each restored and checked on its own, into its data directory), with an
 * empty journal. Runs before any process starts; on any failure nothing is left.
 */
export async function restoreReplicas(config: ClusterConfig, fileArg: string): Promise<string> {
  const file = resolve(fileArg);
  const env = systemEnv();
  const done: string[] = [];
  let header: BackupHeader | null = null;
  try {
    const map = shardMapOf(config);
    for (const node of nodesOf(config, 'storage')) {
      if (await env.disk.exists(node.dataDir!)) throw new Error(`${node.dataDir!} already exists`);
      // A sharded cluster's replica holds its shard's rows only.
      const shard = shardOf(node);
      header = await restoreDatabase(env, file, node.dataDir!, undefined, map.shards === 1 ? undefined : (key) => map.shardOf(key) === shard);
      done.push(node.dataDir!);
    }
  } catch (error) {
    for (const path of done) await env.disk.remove(path);
    throw error;
  }
  return `restored ${file} into ${nodesOf(config, 'storage').map((n) => n.name).join(', ')}: ${describeBackup(header!)}`;
}
