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
import { startLoadReports } from './load-report.js';
import { ADMIN_SHUTDOWN } from '../../control/cluster-host.js';
import { addressOf, createdNodes, loadPrefix, nodesOf, registrationsPrefix, type ClusterConfig, type NodeConfig } from './cluster-config.js';
import { register } from './leadership.js';
import { connectQueryBackends } from './query-backends.js';

const REGISTRATION_TTL_SECONDS = 2;
/** How long a stopping QP lets transactions under way finish (the node process exits 5 s after SIGTERM at most). */
const DRAIN_GRACE_MS = 3_000;

export interface QpRole {
  readonly port: number;
  stop(): Promise<void>;
}

export async function startQpRole(env: Env, config: ClusterConfig, node: NodeConfig, coordination: Coordination): Promise<QpRole> {
  await loadParser();
  const identity = await loadOrCreateIdentity(env.disk, env.random, env.clock, config.identityDir);
  const backends = await connectQueryBackends(env, config, node, coordination);
  // The other QPs (cancel requests are passed on to them) and this region's (they share its
  // connection limits): those the cluster was created with, and any registered now besides
  // (`strata local add`, automatic scaling) — an added QP removed again leaves both. Until the
  // first read of the registrations, every QP its config names.
  const configured = nodesOf(config, 'qp');
  const created = createdNodes(config, 'qp');
  const peerOf = (qp: { readonly name: string; readonly host: string; readonly port: number }) => [qp.name, { host: qp.host, port: qp.port }] as const;
  let peers = new Map(configured.filter((qp) => qp.name !== node.name).map(peerOf));
  let sharers = new Set(configured.filter((qp) => qp.region === node.region).map((qp) => qp.name));
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
    // Clients reach this QP through a relay's splice: the sockets it accepts are the relay's.
    spliced: true,
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
    const qps = registered.filter((qp) => qp.role === 'qp' && qp.name !== node.name);
    const base = created.filter((qp) => qp.name !== node.name);
    peers = new Map([...base.map(peerOf), ...qps.map(peerOf)]);
    const next = new Set([node.name, ...[...base, ...qps].filter((qp) => (qp.region ?? node.region) === node.region).map((qp) => qp.name)]);
    if (next.size === sharers.size && [...next].every((name) => sharers.has(name))) return;
    sharers = next;
    admission.reshare(shareOf(limits, sharers.size));
    env.log.info(`${node.name}: the region's QPs are now ${[...sharers].sort().join(', ')}: this one admits 1/${sharers.size} of the connection limits`);
  });
  const server = await env.net.listen(node.host, node.port, (socket) => service.accept(socket));
  const registration = await register(coordination, env.timers, `${registrationsPrefix(config)}${node.name}`,
    JSON.stringify({ role: 'qp', region: node.region, az: node.az, address: addressOf(node) }), REGISTRATION_TTL_SECONDS, (message) => env.log.warn(message));
  // Its load, for the control leader's scaling decisions (where the process can be measured).
  const cpuUs = env.processCpuUs;
  const reports = cpuUs === undefined ? null : startLoadReports({
    coordination, clock: env.clock, timers: env.timers, key: `${loadPrefix(config)}${node.name}`, lease: () => registration.lease,
    cpuUs, sessions: () => service.openConnections, onError: (message) => env.log.warn(message),
  });
  return {
    port: server.port,
    async stop() {
      reports?.stop();
      // Relays send it no new session once its registration is gone; a transaction under way
      // may still commit (inside the node's bound on a stop), then each session ends as
      // PostgreSQL's shutdown ends it.
      await registration.revoke().catch(() => {});
      env.log.info(`${node.name}: stopping: its ${service.openConnections} sessions end as they finish their transactions (within ${DRAIN_GRACE_MS / 1000} s)`);
      // The listener after the drain: closing it drops the connections it holds.
      await service.drain(ADMIN_SHUTDOWN, DRAIN_GRACE_MS);
      await server.close();
      await service.usage?.stop();
      await backends.close();
    },
  };
}
