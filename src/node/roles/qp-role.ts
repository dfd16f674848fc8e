/**
 * A query-processor host as its own process (`strata node --role qp`): the same query service
 * as the embedded node, reading from storage replicas (own AZ first) and committing through the
 * adjudicator leader over gRPC. Transactions start at now().latest and reads wait at storage
 * until its safe time passes that (DESIGN.md §2 Time).
 */
import type { Coordination } from '../../env/coordination.js';
import type { Env } from '../../env/env.js';
import { loadParser } from '../../qp/sql/parse.js';
import { loadOrCreateIdentity } from '../identity.js';
import { startQueryService } from '../query-service.js';
import { RemoteAdjudicator } from '../remote/remote-adjudicator.js';
import { RemoteStorage } from '../remote/remote-storage.js';
import { KeyWatch } from '../remote/key-watch.js';
import { CATALOG_VERSION_KEY } from '../../qp/catalog/catalog.js';
import { addressOf, clusterPrefix, nodesOf, type ClusterConfig, type NodeConfig } from './cluster-config.js';
import { leaderKey } from './adjudicator-role.js';
import { observeKey, register } from './leadership.js';

const REGISTRATION_TTL_SECONDS = 2;

export interface QpRole {
  readonly port: number;
  stop(): Promise<void>;
}

export async function startQpRole(env: Env, config: ClusterConfig, node: NodeConfig, coordination: Coordination): Promise<QpRole> {
  await loadParser();
  const identity = await loadOrCreateIdentity(env.disk, env.random, env.clock, config.identityDir);
  const storage = new RemoteStorage(nodesOf(config, 'storage').map((s) => ({ name: s.name, address: addressOf(s), az: s.az })), node.az, env.clock, env.timers);
  const adjudicator = new RemoteAdjudicator({ clock: env.clock, timers: env.timers });
  // Every transaction reads the catalog version at its snapshot: mostly answered from the
  // leader's stream of decisions writing it, without a storage round trip.
  const catalogWatch = new KeyWatch(CATALOG_VERSION_KEY, env.timers);
  storage.watch(catalogWatch);
  const leader = await observeKey(coordination, env.timers, leaderKey(config), (address, epoch) => {
    adjudicator.setLeader(address);
    catalogWatch.follow(address === null ? null : { address, epoch });
  });
  const service = await startQueryService({
    env, storage, adjudicator, identity,
    snapshotTime: () => {
      // Storage serves the snapshot once a notice from the leader covers it: ask for one now,
      // while the first read is on its way.
      const timestamp = env.clock.now().latest;
      adjudicator.requestNotice(timestamp);
      return timestamp;
    },
    // Builds run where they were started; resuming interrupted ones is left to the embedded node.
    resumeIndexBuilds: false,
    // The relay sends every CancelRequest to every QP; each ignores keys it does not have.
    onCancelRequest: (processId, secretKey) => service.cancel(processId, secretKey),
  });
  const server = await env.net.listen(node.host, node.port, (socket) => service.accept(socket));
  const registration = await register(coordination, `${clusterPrefix(config)}nodes/${node.name}`,
    JSON.stringify({ role: 'qp', az: node.az, address: addressOf(node) }), REGISTRATION_TTL_SECONDS);
  return {
    port: server.port,
    async stop() {
      await registration.revoke().catch(() => {});
      await server.close();
      service.closeAll();
      await leader.close();
      catalogWatch.close();
      adjudicator.close();
      await storage.close();
    },
  };
}
