/**
 * What a query processor in its own process reads and commits through (the qp and control
 * roles): storage replicas over gRPC (each key range's shard; within it own region, then own AZ,
 * first), the adjudicator leader named in etcd, and
 * the leader's stream of catalog-version decisions, so most transactions need no storage round
 * trip for the catalog version.
 */
import type { Coordination } from '../../env/coordination.js';
import type { Env } from '../../env/env.js';
import { RemoteAdjudicator } from '../remote/remote-adjudicator.js';
import { RemoteStorage } from '../remote/remote-storage.js';
import { ShardedStorage } from '../remote/sharded-storage.js';
import { KeyWatch } from '../remote/key-watch.js';
import { grpcNoticeSubscriberAs } from '../remote/leader-notices.js';
import { CATALOG_VERSION_KEY } from '../../qp/catalog/catalog.js';
import { addressOf, createdNodes, leaderKey, nodesOf, registrationsPrefix, shardMapOf, shardOf, type ClusterConfig, type NodeConfig } from './cluster-config.js';
import { observeKey, observePrefix } from './leadership.js';
import { parseRegistration, type Registered } from './registrations.js';

export interface QueryBackends {
  readonly storage: ShardedStorage;
  readonly adjudicator: RemoteAdjudicator;
  /** A new transaction's start time (DESIGN.md §2), with a notice covering it asked for. */
  snapshotTime(): number;
  /**
   * Calls `listener` when the catalog may have changed, with a timestamp a read must be at to see
   * the change (KeyWatch.onChanged); returns a stop.
   */
  onCatalogChanged(listener: (changedAt: number) => void): () => void;
  /** Calls `listener` with every node registered in etcd, at once if known and again whenever one comes or goes. */
  onRegistered(listener: (registered: readonly Registered[]) => void): void;
  close(): Promise<void>;
}

export async function connectQueryBackends(env: Env, config: ClusterConfig, node: NodeConfig, coordination: Coordination): Promise<QueryBackends> {
  // Each storage shard's replicas (own region, then own AZ, first); reads go by key range.
  const map = shardMapOf(config);
  const shards = Array.from({ length: map.shards }, (_, shard) => new RemoteStorage(nodesOf(config, 'storage').filter((s) => shardOf(s) === shard)
    .map((s) => ({ name: s.name, address: addressOf(s), region: s.region, az: s.az })), node, env.clock, env.timers, undefined, env.linkTls));
  const storage = new ShardedStorage(map, shards);
  // Nodes added while this runs (`strata local add`) are not in its config: they are found by
  // their registration in etcd once they serve. Replicas join their shard's read order here;
  // the rest go to the listeners (a QP's peers, say).
  const registeredListeners: ((registered: readonly Registered[]) => void)[] = [];
  let latest: readonly Registered[] | null = null;
  // A replica the cluster was created with stays in its shard's read order while it is down (it
  // comes back); one added since leaves it when its registration goes (removed, or down until
  // it registers again).
  const created = new Set(createdNodes(config, 'storage').map((s) => s.name));
  const known = new Map(nodesOf(config, 'storage').map((s) => [s.name, shardOf(s)]));
  const joined = observePrefix(coordination, env.timers, registrationsPrefix(config), (entries) => {
    const registered = [...entries].map(([key, value]) => parseRegistration(key, value)).filter((r): r is Registered => r !== null);
    latest = registered;
    for (const replica of registered) {
      if (replica.role !== 'storage') continue;
      known.set(replica.name, replica.shard);
      const added = shards[replica.shard]?.add({ name: replica.name, address: replica.address, region: replica.region ?? node.region, az: replica.az });
      if (added === true) env.log.info(`${node.name}: storage replica ${replica.name} (shard ${replica.shard}, ${replica.az}) joined: reads may go to it`);
    }
    for (const [name, shard] of known) {
      if (created.has(name) || registered.some((r) => r.name === name)) continue;
      if (shards[shard]?.remove(name) === true) env.log.info(`${node.name}: storage replica ${name} (shard ${shard}) left: reads no longer go to it`);
    }
    for (const listener of registeredListeners) listener(registered);
  });
  // Named on the leader's notice stream and in its Notify requests: the leader renews this
  // node's reservation while it reads, and not while it is idle.
  const adjudicator = new RemoteAdjudicator({ clock: env.clock, timers: env.timers, tls: env.linkTls, reader: node.name });
  const catalogWatch = new KeyWatch(CATALOG_VERSION_KEY, env.timers, grpcNoticeSubscriberAs(node.name, env.linkTls));
  storage.watch(catalogWatch);
  const leader = await observeKey(coordination, env.timers, leaderKey(config), (address, epoch) => {
    adjudicator.setLeader(address);
    catalogWatch.follow(address === null ? null : { address, epoch });
  });
  return {
    storage,
    adjudicator,
    snapshotTime: () => {
      // Storage serves the snapshot once a notice from the leader covers it: ask for one now,
      // while the first read is on its way.
      const timestamp = env.clock.now().latest;
      adjudicator.requestNotice(timestamp, storage.readsFrom());
      return timestamp;
    },
    onCatalogChanged: (listener) => catalogWatch.onChanged(listener),
    onRegistered: (listener) => {
      registeredListeners.push(listener);
      if (latest !== null) listener(latest);
    },
    async close() {
      await joined.close();
      await leader.close();
      catalogWatch.close();
      adjudicator.close();
      await storage.close();
    },
  };
}
