import { join, resolve } from 'node:path';
import { systemEnv } from '../env/system-env.js';
import { whileClaimed } from '../env/data-dir-claim.js';
import { endpointFor, loadOrCreateIdentity } from '../node/identity.js';
import { openCore } from '../node/embedded.js';
import { backupCore } from '../node/cluster-backup.js';
import { BackupThreads } from '../node/backup-threads.js';
import { ControlPlane } from '../control/control-plane.js';
import { CLUSTER_ID, newClusterId } from '../control/registry.js';
import { backupFileBytes, type BackupHeader } from '../contracts/backup.js';
import { parseOptions } from './args.js';

export const BACKUP_USAGE = 'usage: strata backup [--data-dir DIR] [--cluster ID] --to FILE';
export const RESTORE_USAGE = 'usage: strata restore [--data-dir DIR] --from FILE [--cluster-id ID]';

/**
 * `strata backup` and `strata restore` for laptop users (docs/backup.md): offline, on a data
 * directory no `strata start` is serving (each refuses while the other holds it: the server
 * is reached through AWS Backup's API instead). A backup reads the cluster as of its last
 * commit; a restore always makes a new cluster in the data directory, served at the next start.
 */

export function describeBackup(header: BackupHeader): string {
  const asOf = new Date(Math.floor(header.timestamp / 1000)).toISOString();
  return `cluster ${header.clusterId} as of commit timestamp ${header.timestamp} (${asOf}): ${header.entries} keys, ${backupFileBytes(header)} bytes, catalog version ${header.catalogVersion}`;
}

export async function backupCommand(args: string[], out: (line: string) => void, err: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<number> {
  let options;
  try {
    options = parseOptions(args, { 'data-dir': 'string', cluster: 'string', to: 'string' });
    if (!options.has('to')) throw new Error('--to FILE is required');
    if (options.has('cluster') && !CLUSTER_ID.test(String(options.get('cluster')))) throw new Error(`--cluster takes a cluster id (26 characters a-z and 0-9), got "${String(options.get('cluster'))}"`);
  } catch (error) {
    err(`strata backup: ${(error as Error).message}`);
    err(BACKUP_USAGE);
    return 2;
  }
  const dataDir = resolve(String(options.get('data-dir') ?? './strata-data'));
  const to = resolve(String(options.get('to')));
  const env = systemEnv();
  if (!await env.disk.exists(join(dataDir, 'identity.json'))) {
    err(`strata backup: ${dataDir} is not a Strata data directory (no identity.json)`);
    return 1;
  }
  try {
    await whileClaimed(dataDir, 'strata backup', async () => {
      const identity = await loadOrCreateIdentity(env.disk, env.random, dataDir, { clock: env.clock });
      const clusterId = String(options.get('cluster') ?? identity.clusterId);
      const directory = clusterId === identity.clusterId ? dataDir : join(dataDir, 'clusters', clusterId);
      if (clusterId !== identity.clusterId && !await env.disk.exists(join(directory, 'journal'))) throw new Error(`there is no cluster ${clusterId} in ${dataDir}`);
      const core = await openCore(env, directory);
      try {
        out(`strata backup: wrote ${to}: ${describeBackup(await backupCore(env, new BackupThreads(env), core, clusterId, to))}`);
      } finally {
        await core.close();
      }
    });
    return 0;
  } catch (error) {
    err(`strata backup: ${(error as Error).message}`);
    return 1;
  }
}

export async function restoreCommand(args: string[], out: (line: string) => void, err: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<number> {
  let options;
  try {
    options = parseOptions(args, { 'data-dir': 'string', from: 'string', 'cluster-id': 'string' });
    if (!options.has('from')) throw new Error('--from FILE is required');
    if (options.has('cluster-id') && !CLUSTER_ID.test(String(options.get('cluster-id')))) throw new Error(`--cluster-id takes a cluster id (26 characters a-z and 0-9), got "${String(options.get('cluster-id'))}"`);
  } catch (error) {
    err(`strata restore: ${(error as Error).message}`);
    err(RESTORE_USAGE);
    return 2;
  }
  const dataDir = resolve(String(options.get('data-dir') ?? './strata-data'));
  const from = resolve(String(options.get('from')));
  const env = systemEnv();
  try {
    await env.disk.mkdir(dataDir);
    await whileClaimed(dataDir, 'strata restore', async () => {
      const identity = await loadOrCreateIdentity(env.disk, env.random, dataDir, { clock: env.clock });
      // The clusters are not opened: only the registry changes, and the next start opens them.
      const plane = await ControlPlane.start({
        env, dataDir, region: identity.region, defaultClusterId: identity.clusterId, cores: { open: async () => {}, close: async () => {}, openConnections: () => 0 }, idleAfterMs: null,
      });
      try {
        const id = String(options.get('cluster-id') ?? newClusterId(env.random));
        if (plane.registry.get(id) !== undefined || await env.disk.exists(join(dataDir, 'clusters', id))) {
          throw new Error(`cluster ${id} already exists in ${dataDir}; a restore always creates a new cluster (choose another --cluster-id, or none)`);
        }
        let header: BackupHeader | null = null;
        await plane.createRestored(id, { deletionProtectionEnabled: true }, async (directory) => { header = await new BackupThreads(env).run({ kind: 'restore', path: from, directory }, () => false); });
        out(`strata restore: restored ${from} (${describeBackup(header!)}) as new cluster ${id} in ${dataDir}`);
        out(`  \`strata start --data-dir ${dataDir}\` serves it at ${endpointFor(id, identity.region)}; \`strata token --data-dir ${dataDir} --cluster ${id} --admin\` makes its tokens`);
      } finally {
        await plane.stop();
      }
    });
    return 0;
  } catch (error) {
    err(`strata restore: ${(error as Error).message}`);
    return 1;
  }
}
