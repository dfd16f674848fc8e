/**
 * The relay as its own process (`strata node --role relay`): its region's client endpoint.
 * It splices each connection to a live query processor (those registered in etcd, over every AZ
 * of its region, fewest open sessions first: session-spread.ts) without terminating TLS, so
 * sessions spread over the QPs and a QP's loss costs only its share of them: those clients
 * reconnect through the relay to another QP. (Preferring the relay's own AZ would put every
 * session of a one-relay cluster on one QP.)
 */
import type { Coordination } from '../../env/coordination.js';
import type { Env } from '../../env/env.js';
import { startSpliceServer, type Backend } from '../../env/splice.js';
import { addressOf, createdNodes, nodesOf, registrationsPrefix, type ClusterConfig, type NodeConfig } from './cluster-config.js';
import { observePrefix, register } from './leadership.js';
import { registeredQp } from './registrations.js';
import { SessionSpread } from './session-spread.js';

const REGISTRATION_TTL_SECONDS = 2;

export interface RelayRole {
  readonly port: number;
  /** Serves a client connection another process accepted on the shared port. */
  accept(client: unknown): void;
  /** Serves the shared port's listening socket, handed over by another process (SpliceServer.adopt). */
  adopt(listener: unknown): void;
  stop(): Promise<void>;
}

/**
 * `handedOver`: the relay binds nothing; the local supervisor hands it the client port's
 * listening socket and connections (`adopt`, `accept`), so that several relays share one
 * endpoint (src/cli/relay-pool.ts). Otherwise the relay binds the port itself.
 */
export async function startRelayRole(env: Env, config: ClusterConfig, node: NodeConfig, coordination: Coordination,
  handedOver = false): Promise<RelayRole> {
  // The endpoint of a region splices only to that region's QPs: a session runs where its client
  // connected, and only its COMMIT crosses regions (DESIGN.md §4).
  const configured = nodesOf(config, 'qp').filter((q) => q.region === node.region);
  if (configured.length === 0) throw new Error(`relay ${node.name}: no qp in its region ${node.region} to serve its clients`);
  // The QPs registered in etcd, followed by a watch (it changes only when a node comes or goes);
  // every configured one until the first read. Backends are the QPs the cluster was created
  // with and those of the region registered now besides (added while the cluster runs: `strata
  // local add`, automatic scaling), at the address they registered — an added QP removed again
  // is no backend any more, and one added again under its old name may have another port.
  const backendOf = (q: { readonly name: string; readonly host: string; readonly port: number }): Backend & { readonly name: string } =>
    ({ host: q.host, port: q.port, name: q.name });
  const created = createdNodes(config, 'qp').filter((q) => q.region === node.region).map(backendOf);
  let backends = configured.map(backendOf);
  let live = new Set<string>(configured.map((q) => q.name));
  const registered = observePrefix(coordination, env.timers, registrationsPrefix(config), (entries) => {
    live = new Set([...entries.keys()].map((key) => key.slice(key.lastIndexOf('/') + 1)));
    const added = [...entries].map(([key, value]) => registeredQp(key, value))
      .filter((qp) => qp !== null && (qp.region ?? node.region) === node.region && !created.some((b) => b.name === qp.name))
      .map((qp) => backendOf(qp!));
    for (const qp of added) if (!backends.some((b) => b.name === qp.name)) env.log.info(`${node.name}: ${qp.name} joined the region's QPs: sessions may go to it`);
    for (const b of backends) if (!created.some((c) => c.name === b.name) && !added.some((qp) => qp.name === b.name)) env.log.info(`${node.name}: ${b.name} left the region's QPs`);
    backends = [...created, ...added];
  });
  const spread = new SessionSpread(env.random);
  const server = await startSpliceServer({
    host: node.host, port: node.port, bind: !handedOver,
    pick: () => {
      const up = backends.filter((q) => live.has(q.name));
      // The QP with the fewest of this relay's sessions, then the others in case it does not answer.
      return spread.order(up.length > 0 ? up : backends);
    },
    all: () => backends,
    onSpliced: (backend) => spread.opened(backend.name),
    onError: (message) => env.log.warn(message),
  });
  const registration = await register(coordination, env.timers, `${registrationsPrefix(config)}${node.name}`,
    JSON.stringify({ role: 'relay', region: node.region, az: node.az, address: addressOf(node) }), REGISTRATION_TTL_SECONDS, (message) => env.log.warn(message));
  return {
    port: server.port,
    accept: (client) => server.accept(client),
    adopt: (listener) => server.adopt(listener),
    async stop() {
      await registered.close();
      await registration.revoke().catch(() => {});
      await server.close();
    },
  };
}
