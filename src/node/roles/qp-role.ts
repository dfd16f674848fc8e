/**
 * A query-processor host as its own process (`strata node --role qp`): the same query service
 * as the embedded node, reading from storage replicas (own AZ first) and committing through the
 * adjudicator leader over gRPC. Transactions start at now().latest and reads wait at storage
 * until its safe time passes that (DESIGN.md §2 Time).
 */
import { join } from 'node:path';
import type { Coordination } from '../../env/coordination.js';
import type { Env } from '../../env/env.js';
import { sendCancelRequest } from '../../env/postgres-socket.js';
import { loadParser } from '../../qp/sql/parse.js';
import { encodeCancelRequest } from '../../wire/client.js';
import { loadOrCreateIdentity } from '../identity.js';
import { startQueryService } from '../query-service.js';
import { Admission, limitsOf, shareOf } from '../admission.js';
import { addressOf, nodesOf, registrationsPrefix, type ClusterConfig, type NodeConfig } from './cluster-config.js';
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
  // The other QPs (cancel requests are passed on to them) and this region's (they share its
  // connection limits): the configured ones, and any that registered since (`strata local add`).
  const peers = new Map(nodesOf(config, 'qp').filter((qp) => qp.name !== node.name).map((qp) => [qp.name, { host: qp.host, port: qp.port }]));
  const sharers = new Set(nodesOf(config, 'qp').filter((q) => q.region === node.region).map((q) => q.name));
  const limits = limitsOf(config);
  const admission = new Admission(env.clock, shareOf(limits, sharers.size));
  const service = await startQueryService({
    env, storage: backends.storage, adjudicator: backends.adjudicator, identity,
    snapshotTime: backends.snapshotTime,
    // With a control role, it runs every build and resumes those a death interrupted; without
    // one, builds run where they were started and are not resumed.
    resumeIndexBuilds: false,
    runsIndexBuilds: nodesOf(config, 'control').length === 0,
    // The relay sends every plain CancelRequest to every QP, and each ignores keys it does not
    // have. One inside TLS (node-postgres and pgJDBC send it so) the relay cannot read: it
    // reaches only the QP it was spliced to, which passes it on, plain, to the others. A plain
    // one is never passed on, so nothing loops.
    onCancelRequest: (processId, secretKey, encrypted) => {
      if (service.cancel(processId, secretKey) || !encrypted) return;
      const request = encodeCancelRequest(processId, secretKey);
      for (const [name, peer] of peers) {
        sendCancelRequest({ host: peer.host, port: peer.port, serverName: peer.host, ca: null }, request)
          .catch((error: Error) => env.log.warn(`passing a cancel request on to ${name}: ${error.message}`));
      }
    },
    // DSQL's connection limits are a cluster's (an endpoint's, per region). The QPs behind a
    // region's relays admit without asking each other, so each enforces an equal share: the
    // relays spread sessions evenly, and a QP lost takes its share with it until it is back.
    admission,
    usage: {
      // One usage file per QP process, beside the cluster's others (`strata usage --dir` sums them).
      path: join(node.dataDir ?? config.identityDir, 'usage', `${node.name}.json`),
      region: node.region,
      // A linked cluster's writes are replicated to every other region with QPs (the witness has
      // none): DSQL bills that as MultiRegionWriteDPU where the commit came from.
      peerRegions: new Set(nodesOf(config, 'qp').map((qp) => qp.region)).size - 1,
    },
  });
  backends.onRegistered((registered) => {
    for (const qp of registered) {
      if (qp.role !== 'qp' || qp.name === node.name) continue;
      if (!peers.has(qp.name)) peers.set(qp.name, { host: qp.host, port: qp.port });
      if (qp.region === node.region && !sharers.has(qp.name)) {
        sharers.add(qp.name);
        admission.reshare(shareOf(limits, sharers.size));
        env.log.info(`${node.name}: ${qp.name} joined the region's QPs: this one admits 1/${sharers.size} of the connection limits`);
      }
    }
  });
  const server = await env.net.listen(node.host, node.port, (socket) => service.accept(socket));
  const registration = await register(coordination, env.timers, `${registrationsPrefix(config)}${node.name}`,
    JSON.stringify({ role: 'qp', region: node.region, az: node.az, address: addressOf(node) }), REGISTRATION_TTL_SECONDS, (message) => env.log.warn(message));
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
