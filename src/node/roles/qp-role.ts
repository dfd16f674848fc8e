/**
 * A query-processor host as its own process (`strata node --role qp`): the same query service
 * as the embedded node, reading from storage replicas (own AZ first) and committing through the
 * adjudicator leader over gRPC. Transactions start at now().latest and reads wait at storage
 * until its safe time passes that (DESIGN.md §2 Time).
 */
import { join } from 'node:path';
import type { Coordination } from '../../env/coordination.js';
import type { Env } from '../../env/env.js';
import { loadParser } from '../../qp/sql/parse.js';
import { loadOrCreateIdentity } from '../identity.js';
import { startQueryService } from '../query-service.js';
import { addressOf, clusterPrefix, nodesOf, type ClusterConfig, type NodeConfig } from './cluster-config.js';
import { register } from './leadership.js';
import { connectQueryBackends } from './query-backends.js';

const REGISTRATION_TTL_SECONDS = 2;

export interface QpRole {
  readonly port: number;
  stop(): Promise<void>;
}

export async function startQpRole(env: Env, config: ClusterConfig, node: NodeConfig, coordination: Coordination): Promise<QpRole> {
  await loadParser();
  const identity = await loadOrCreateIdentity(env.disk, env.random, env.clock, config.identityDir);
  const backends = await connectQueryBackends(env, config, node, coordination);
  const service = await startQueryService({
    env, storage: backends.storage, adjudicator: backends.adjudicator, identity,
    snapshotTime: backends.snapshotTime,
    // With a control role, it runs every build and resumes those a death interrupted; without
    // one, builds run where they were started and are not resumed.
    resumeIndexBuilds: false,
    runsIndexBuilds: nodesOf(config, 'control').length === 0,
    // The relay sends every CancelRequest to every QP; each ignores keys it does not have.
    onCancelRequest: (processId, secretKey) => service.cancel(processId, secretKey),
    // One usage file per QP process, beside the cluster's others (`strata usage --dir` sums them).
    usageFile: join(node.dataDir ?? config.identityDir, 'usage', `${node.name}.json`),
  });
  const server = await env.net.listen(node.host, node.port, (socket) => service.accept(socket));
  const registration = await register(coordination, env.timers, `${clusterPrefix(config)}nodes/${node.name}`,
    JSON.stringify({ role: 'qp', az: node.az, address: addressOf(node) }), REGISTRATION_TTL_SECONDS, (message) => env.log.warn(message));
  return {
    port: server.port,
    async stop() {
      await registration.revoke().catch(() => {});
      await server.close();
      service.closeAll();
      await service.usage?.stop();
      await backends.close();
    },
  };
}
