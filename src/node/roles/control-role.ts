/**
 * The control role as its own process (`strata node --role control`): the cluster's background
 * work that must outlive any one query processor.
 *
 * - Index builds (CREATE INDEX ASYNC, sys.jobs): query processors of a cluster with a control
 *   node leave every build to it (QueryProcessorOptions.runsIndexBuilds) and follow it through
 *   the catalog. The control leader runs each build it finds in the catalog (an index not yet
 *   valid, with a job id) and, after a restart or a takeover, resumes the ones that were
 *   running: the backfill is idempotent, so a resumed build rewrites what was done and goes on.
 * - The node registry (node-registry.ts): which configured nodes are up and since when, for
 *   `strata local status`.
 * - Automatic scaling (autoscaler.ts), when the config asks for it: the leader decides when
 *   a region needs a query processor more or fewer, from their load reports.
 * - DSQL's control-plane API (deployed-cluster.ts) and AWS Backup's (backup jobs over
 *   deployed-backup.ts) on the node's port, SigV4-verified with the cluster's identity as the
 *   embedded node's are: every control node serves them, leader or not.
 *
 * Several control nodes may run: one leads (a leader key on its lease, like the adjudicator),
 * the others wait. Commits and reads never go through it, so losing it only delays builds and
 * freezes the registry until a restart or a standby takes over; a leader that loses its lease
 * exits (crash-only), and two leaders for a moment at worst build the same index twice, which
 * the idempotent backfill and the conflict check make harmless.
 */
import { join } from 'node:path';
import type { Coordination } from '../../env/coordination.js';
import type { Env } from '../../env/env.js';
import { QueryProcessor } from '../../qp/query-processor.js';
import { loadParser } from '../../qp/sql/parse.js';
import { addressOf, clusterPrefix, nodesOf, registrationsPrefix, type ClusterConfig, type NodeConfig } from './cluster-config.js';
import { campaign, register } from './leadership.js';
import { connectQueryBackends } from './query-backends.js';
import { startNodeRegistry, type NodeRegistry } from './node-registry.js';
import { IndexBuilds } from './index-builds.js';
import { DeployedCluster } from './deployed-cluster.js';
import { loadOrCreateIdentity } from '../identity.js';
import { startControlApi } from '../../control/api.js';
import { RequestSignature } from '../../control/request-signature.js';
import type { ListeningServer } from '../../env/env.js';
import { BackupPlane } from '../../control/backup-plane.js';
import { DeployedBackups } from './deployed-backup.js';
import { startAutoscaler } from './autoscaler.js';

const REGISTRATION_TTL_SECONDS = 2;
const LEADER_LEASE_SECONDS = 3;
/**
 * The leader looks in the catalog for builds to run whenever the catalog may have changed (the
 * leader's notices of decisions writing its version key), and this often regardless, in case a
 * notice went missing. Polling every 250 ms, as before, cost an idle cluster four catalog
 * reads a second, each waking this node, the adjudicator leader and a storage replica.
 */
const BUILD_SCAN_MS = 5_000;

export interface ControlRole {
  readonly isLeader: boolean;
  /** Where DSQL's control-plane API listens. */
  readonly apiPort: number;
  stop(): Promise<void>;
}

export function controlLeaderKey(config: ClusterConfig): string {
  return `${clusterPrefix(config)}control/leader`;
}

/** The cluster's record the control API shows and changes (deployed-cluster.ts). */
export function clusterRecordKey(config: ClusterConfig): string {
  return `${clusterPrefix(config)}control/cluster`;
}

/**
 * DSQL's control-plane API for the cluster, and AWS Backup's, on the node's own address. A
 * linked cluster's peers are the regions with query processors (the witness has none). Backup
 * jobs' state and recovery points go to the node's data directory (default
 * `<identityDir>/<name>`): AWS Backup's vaults are a region's, as each region's control node's are.
 */
async function serveControlApi(env: Env, config: ClusterConfig, node: NodeConfig, coordination: Coordination): Promise<{ api: ListeningServer; backups: BackupPlane }> {
  const identity = await loadOrCreateIdentity(env.disk, env.random, config.identityDir, { clock: env.clock });
  const peerRegions = [...new Set(nodesOf(config, 'qp').map((qp) => qp.region))];
  const clusters = await DeployedCluster.open({
    coordination, clock: env.clock, random: env.random, key: clusterRecordKey(config), identity,
    ...(peerRegions.length > 1 ? { linked: { peerRegions, ...(config.witnessRegion === undefined ? {} : { witnessRegion: config.witnessRegion }) } } : {}),
  });
  const backups = await BackupPlane.start({
    env, dataDir: node.dataDir ?? join(config.identityDir, node.name), region: identity.region, clusters: clusters.backupSubjects(),
    restores: { refusal: (file) => `A distributed cluster restores into a new deployment, from the recovery point's file: strata local up --dir NEW_DIR --restore ${file}` },
    backups: new DeployedBackups({ env, config, coordination, tls: env.linkTls ?? null }, (line) => env.log.warn(`backup: ${line}`)),
  });
  // With mutual TLS on the cluster's links, the API is HTTPS with the node's certificate (clients
  // trust the cluster CA); requests are SigV4-signed either way, not client-certificate checked.
  const tls = env.linkTls == null ? null : { key: env.linkTls.key.toString('utf8'), cert: env.linkTls.cert.toString('utf8') };
  const signature = new RequestSignature(identity, env.clock, ['dsql', 'backup']);
  try {
    return { api: await startControlApi({ env, host: node.host, port: node.port, clusters, backups, signature, tls }), backups };
  } catch (error) {
    await backups.stop();
    throw error;
  }
}

export async function startControlRole(env: Env, config: ClusterConfig, node: NodeConfig, coordination: Coordination,
  onLeadershipLost: () => void): Promise<ControlRole> {
  await loadParser();
  const backends = await connectQueryBackends(env, config, node, coordination);
  const qp = new QueryProcessor({
    storage: backends.storage, adjudicator: backends.adjudicator, clock: env.clock, timers: env.timers,
    random: env.random, log: env.log, snapshotTime: backends.snapshotTime,
  });
  const { api, backups } = await serveControlApi(env, config, node, coordination).catch(async (error: unknown) => {
    await backends.close();
    throw error;
  });
  env.log.info(`${node.name}: control-plane API on ${env.linkTls == null ? 'http' : 'https'}://${node.host}:${api.port}`);
  const registration = await register(coordination, env.timers, `${registrationsPrefix(config)}${node.name}`,
    JSON.stringify({ role: 'control', region: node.region, az: node.az, address: addressOf(node) }), REGISTRATION_TTL_SECONDS, (message) => env.log.warn(message));
  let stopped = false;
  let leading = false;
  let scan: ReturnType<Env['timers']['setInterval']> | null = null;
  let stopListening = () => {};
  let registry: NodeRegistry | null = null;
  let autoscaler: { stop(): Promise<void> } | null = null;

  const lead = async () => {
    const leadership = await campaign(coordination, env.timers, controlLeaderKey(config), node.name, LEADER_LEASE_SECONDS, () => stopped);
    if (leadership === null) return;
    void leadership.lease.lost.then(() => {
      if (stopped) return;
      env.log.error(`${node.name}: control leadership lost`);
      onLeadershipLost();
    });
    leading = true;
    env.log.info(`${node.name}: control leader`);
    registry = startNodeRegistry({ coordination, clock: env.clock, timers: env.timers, config, log: env.log });
    const builds = new IndexBuilds(qp, env);
    scan = env.timers.setInterval(() => builds.scan(), BUILD_SCAN_MS);
    // A catalog decision reaches this node before the clock passes its commit timestamp: the
    // scan waits until it has, or it would miss the index it was woken for (and the build
    // waited for the next periodic scan, ~5 s).
    stopListening = backends.onCatalogChanged((changedAt) => builds.scan(changedAt));
    builds.scan();
    if (config.scaling !== undefined && !stopped) {
      autoscaler = await startAutoscaler({
        coordination, clock: env.clock, timers: env.timers, config, scaling: config.scaling,
        leaderKey: controlLeaderKey(config), leadership, log: env.log,
      });
    }
  };
  void lead().catch((error: unknown) => {
    env.log.error(`${node.name}: taking control leadership failed: ${(error as Error).message}`);
    onLeadershipLost();
  });

  return {
    get isLeader() {
      return leading;
    },
    apiPort: api.port,
    async stop() {
      stopped = true;
      await api.close();
      // Jobs under way end (FAILED, their partial files removed) before the links close.
      await backups.stop();
      if (scan !== null) env.timers.clearInterval(scan);
      stopListening();
      (registry as NodeRegistry | null)?.stop();
      await (autoscaler as { stop(): Promise<void> } | null)?.stop();
      await registration.revoke().catch(() => {});
      await backends.close();
    },
  };
}
