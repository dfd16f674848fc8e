/**
 * The local launcher (`strata local up|status|kill|stop|start|restart|down --dir DIR`): a
 * complete multi-process cluster on this machine, for users and tests — a 3-member etcd
 * cluster, per AZ an adjudicator (one leads, the others stand by), a storage replica and a
 * query processor, behind one relay on the client port, and a control node (background jobs,
 * node registry). Every process is detached and recorded in DIR/local.json, so later commands
 * (from any shell) find them; a detached supervisor (local-supervisor.ts) starts again any that
 * dies, except those stopped with `stop`.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SystemClock } from '../env/clock.js';
import { NodeDisk } from '../env/disk.js';
import { prefixEnd } from '../env/coordination.js';
import type { EtcdCoordination } from '../env/etcd-coordination.js';
import { clientEndpoint, ETCD_BINARY, etcdArguments, etcdUnavailableReason, waitForEtcd, type EtcdMember } from '../env/etcd-server.js';
import { freePorts, listenProblem } from '../env/ports.js';
import { processAlive, processPaused, processStamp, processStampsAvailable, recordedProcessAlive, spawnDetached } from '../env/processes.js';
import { SystemRandom } from '../env/random.js';
import { loadOrCreateIdentity } from '../node/identity.js';
import { makeClusterCa, makeNodeCertificate, type CertificatePair } from '../node/cluster-certs.js';
import { CLIENT_IDENTITY, loadLinkTls } from '../node/roles/cluster-tls.js';
import type { LinkTls } from '../env/link-tls.js';
import { addressOf, appliedPrefix, clusterPrefix, journalPrefix, leaderKey, loadPrefix, nodesOf, parseClusterConfig, registrationsPrefix, scalingKeys, scalingPolicyOf, shardMapOf, shardOf, type ClusterConfig, type NodeConfig, type Role, type ScalingConfig } from '../node/roles/cluster-config.js';
import { listUnder } from '../node/roles/leadership.js';
import { readHeld, readRestarts, supervisionPath, writeAtomically, writeHeld } from './local-supervisor.js';
import { registryKey, type Registry } from '../node/roles/node-registry.js';
import { parseLoad, type LoadSample } from '../node/roles/load-report.js';
import { describe, parseScalingDone, parseScalingRequest, type ScalingDone, type ScalingRequest } from '../node/roles/autoscaler.js';

export interface LocalUpOptions {
  readonly azs: number;
  readonly port: number;
  readonly host: string;
  readonly region?: string;
  /**
   * A multi-region cluster (DESIGN.md §4, docs/distributed.md "Multi-region"): two peer
   * regions, each with its own endpoint (`port`, `port + 1`), and a witness region that runs
   * only an etcd member.
   */
  readonly multiRegion?: { readonly regions: readonly [string, string]; readonly witness: string };
  /** ClusterConfig.journalRetentionSeconds (tests shorten it to watch trims and snapshots). */
  readonly journalRetentionSeconds?: number | undefined;
  /** ClusterConfig.maxConnections (DSQL's quota of open connections, default 10,000). */
  readonly maxConnections?: number | undefined;
  /** How long `up` waits for the cluster to serve. */
  readonly timeoutMs?: number;
  /** Mutual TLS on every link (gRPC between roles, etcd clients and peers), with certificates made in DIR/certs. */
  readonly tls?: boolean;
  /** LocalState.owner. */
  readonly ownerPid?: number;
  /**
   * A backup file (docs/backup.md) every storage replica of the new cluster starts from; the
   * journal starts empty. Only for a new cluster (a directory without one).
   */
  readonly restore?: string;
  /**
   * ClusterConfig.storageSplits: storage shards by key range (hex split keys), each with a
   * replica per AZ: `storage-<az>` holds shard 0, `storage-<az>-s<N>` shard N.
   */
  readonly storageSplits?: readonly string[];
  /** ClusterConfig.scaling: the control leader adds and removes QPs by load, the supervisor acts. */
  readonly scaling?: ScalingConfig;
}

export interface LocalState {
  readonly etcd: EtcdMember[];
  /** Name → pid of every process, etcd members included. */
  readonly pids: Record<string, number>;
  /** The supervisor's pid (local-supervisor.ts). */
  readonly supervisor?: number;
  /**
   * A process whose end ends the cluster (`up --owner-pid`): the supervisor kills every process
   * when it is gone, so a test's cluster never outlives a test run that was killed.
   */
  readonly owner?: number;
  /**
   * pid → processStamp of each process above, taken when the state was written; absent where
   * /proc does not tell processes apart (or written by an earlier Strata). A recorded pid whose
   * process is gone may belong to another process by the time it is read again (after a reboot,
   * or pids wrapping around), which must be neither signalled nor taken for the cluster's own.
   */
  readonly stamps?: Record<string, string>;
}

/** Whether `pid` of `state` is still the process recorded there (see LocalState.stamps). */
export function recordedAlive(state: LocalState, pid: number): boolean {
  if (state.stamps === undefined) return processAlive(pid);
  const stamp = state.stamps[String(pid)];
  // Stamped states stamp every process alive when written: one without a stamp had died by then.
  return stamp !== undefined && recordedProcessAlive(pid, stamp);
}

const STRATA_BIN = fileURLToPath(new URL('../../../bin/strata.js', import.meta.url));

function statePath(dir: string): string {
  return join(dir, 'local.json');
}

function configPath(dir: string): string {
  return join(dir, 'cluster.json');
}

export function readState(dir: string): { state: LocalState; config: ClusterConfig } {
  if (!existsSync(statePath(dir))) throw new Error(`no local cluster in ${dir} (run strata local up --dir ${dir})`);
  return {
    state: JSON.parse(readFileSync(statePath(dir), 'utf8')) as LocalState,
    config: JSON.parse(readFileSync(configPath(dir), 'utf8')) as ClusterConfig,
  };
}

/** Writes the state with the stamps of its processes as they run now; returns what it wrote. */
export function writeState(dir: string, state: LocalState): LocalState {
  const { stamps: _old, ...rest } = state;
  const written: LocalState = processStampsAvailable() ? { ...rest, stamps: stampsOf(rest) } : rest;
  writeAtomically(statePath(dir), JSON.stringify(written, null, 2) + '\n');
  return written;
}

function stampsOf(state: LocalState): Record<string, string> {
  const stamps: Record<string, string> = {};
  for (const pid of [...Object.values(state.pids), state.supervisor, state.owner]) {
    const stamp = pid === undefined ? null : processStamp(pid);
    if (stamp !== null) stamps[String(pid)] = stamp;
  }
  return stamps;
}

/** Lays out the cluster: ports, names, data directories. */
async function layout(dir: string, options: LocalUpOptions): Promise<{ config: ClusterConfig; etcd: EtcdMember[] }> {
  if (options.multiRegion !== undefined) return multiRegionLayout(dir, options, options.multiRegion);
  const shards = (options.storageSplits?.length ?? 0) + 1;
  // No node or member on the client port --port names.
  const ports = await freePorts(7 + (2 + shards) * options.azs + 1, options.host, new Set([options.port]));
  const clientPort = options.port === 0 ? ports.pop()! : options.port;
  const etcd: EtcdMember[] = [1, 2, 3].map((i) => etcdMemberAt(dir, options, `etcd-${i}`, ports[2 * i - 2]!, ports[2 * i - 1]!));
  const region = options.region ?? 'local';
  const nodes: NodeConfig[] = [];
  let next = 6;
  for (let a = 1; a <= options.azs; a++) {
    const az = `az${a}`;
    nodes.push({ name: `adjudicator-${a}`, role: 'adjudicator', region, az, host: options.host, port: ports[next++]! });
    for (let shard = 0; shard < shards; shard++) nodes.push(storageNode(dir, `storage-${a}`, shard, region, az, options.host, ports[next++]!));
    nodes.push({ name: `qp-${a}`, role: 'qp', region, az, host: options.host, port: ports[next++]! });
  }
  // Relays in two AZs share the client port (the supervisor hands it to each: relay-pool.ts).
  for (let a = 1; a <= Math.min(2, options.azs); a++) {
    nodes.push({ name: `relay-${a}`, role: 'relay', region, az: `az${a}`, host: options.host, port: clientPort });
  }
  // Background jobs, the node registry, and DSQL's and AWS Backup's APIs on its port (its backups in its dataDir).
  nodes.push({ name: 'control-1', role: 'control', region, az: 'az1', host: options.host, port: ports[next++]!, dataDir: join(dir, 'control-1') });
  return { config: clusterConfigOf(dir, options, etcd, nodes), etcd };
}

/**
 * Two peer regions and a witness. etcd: one member per AZ of each peer region and one in the
 * witness — 2·azs + 1 members, so a quorum (azs + 1) never lies inside one region: every
 * journal append is durable in two regions before it is acknowledged, and the two regions left
 * after losing any one still make a quorum. Each peer region has, per AZ, an adjudicator (one
 * leader in the whole cluster, the rest standbys), a full storage replica and a QP; its own
 * relays on its own client port; and a control node (one leads). Names and AZs carry the region.
 */
async function multiRegionLayout(dir: string, options: LocalUpOptions, multi: NonNullable<LocalUpOptions['multiRegion']>): Promise<{ config: ClusterConfig; etcd: EtcdMember[] }> {
  const { regions, witness } = multi;
  const memberCount = 2 * options.azs + 1;
  const shards = (options.storageSplits?.length ?? 0) + 1;
  // No node or member on the client ports --port names (it and the next).
  const ports = await freePorts(2 * memberCount + 2 * ((2 + shards) * options.azs + 1) + 2, options.host, new Set([options.port, options.port + 1]));
  // --port 0: each region's endpoint on a free port (they need not be neighbours then).
  const clientPorts = options.port === 0 ? [ports.pop()!, ports.pop()!] : [options.port, options.port + 1];
  let next = 0;
  const etcd: EtcdMember[] = [];
  for (const region of regions) {
    for (let a = 1; a <= options.azs; a++) etcd.push(etcdMemberAt(dir, options, `${region}-etcd-${a}`, ports[next++]!, ports[next++]!, region));
  }
  etcd.push(etcdMemberAt(dir, options, `${witness}-etcd-1`, ports[next++]!, ports[next++]!, witness));
  const nodes: NodeConfig[] = [];
  const host = options.host;
  regions.forEach((region, r) => {
    for (let a = 1; a <= options.azs; a++) {
      const az = `${region}-az${a}`;
      nodes.push({ name: `${region}-adjudicator-${a}`, role: 'adjudicator', region, az, host, port: ports[next++]! });
      for (let shard = 0; shard < shards; shard++) nodes.push(storageNode(dir, `${region}-storage-${a}`, shard, region, az, host, ports[next++]!));
      nodes.push({ name: `${region}-qp-${a}`, role: 'qp', region, az, host, port: ports[next++]! });
    }
    // The region's endpoint: the first region on --port, the second on the next port.
    for (let a = 1; a <= Math.min(2, options.azs); a++) {
      nodes.push({ name: `${region}-relay-${a}`, role: 'relay', region, az: `${region}-az${a}`, host, port: clientPorts[r]! });
    }
    nodes.push({ name: `${region}-control-1`, role: 'control', region, az: `${region}-az1`, host, port: ports[next++]!, dataDir: join(dir, `${region}-control-1`) });
  });
  return { config: { ...clusterConfigOf(dir, options, etcd, nodes), witnessRegion: witness }, etcd };
}

/** A storage replica of `shard` in `az`: shard 0 keeps the unsharded name, shard N is `<name>-s<N>`. */
function storageNode(dir: string, base: string, shard: number, region: string, az: string, host: string, port: number): NodeConfig {
  return storageNodeNamed(dir, shard === 0 ? base : `${base}-s${shard}`, shard, region, az, host, port);
}

/** A storage replica of `shard` named `name`, its store in DIR/<name>. */
function storageNodeNamed(dir: string, name: string, shard: number, region: string, az: string, host: string, port: number): NodeConfig {
  return { name, role: 'storage', region, az, host, port, dataDir: join(dir, name), ...(shard === 0 ? {} : { shard }) };
}

function etcdMemberAt(dir: string, options: LocalUpOptions, name: string, clientPort: number, peerPort: number, region?: string): EtcdMember {
  const certsDir = join(dir, 'certs');
  return {
    name, dataDir: join(dir, name), clientPort, peerPort, host: options.host, ...(region === undefined ? {} : { region }),
    ...(options.tls === true ? { tls: { caFile: join(certsDir, 'ca.crt'), certFile: join(certsDir, `${name}.crt`), keyFile: join(certsDir, `${name}.key`) } } : {}),
  };
}

function clusterConfigOf(dir: string, options: LocalUpOptions, etcd: readonly EtcdMember[], nodes: NodeConfig[]): ClusterConfig {
  const certsDir = join(dir, 'certs');
  const journal = options.journalRetentionSeconds === undefined ? {}
    : { journalRetentionSeconds: options.journalRetentionSeconds, journalTrimIntervalSeconds: Math.min(5, options.journalRetentionSeconds) };
  const tls = options.tls === true ? { tls: { caFile: join(certsDir, 'ca.crt'), certsDir } } : {};
  // A name of its own: every key lives under strata/<cluster>/, so a node that reached another
  // local cluster's etcd (a port taken between this layout and the start, with clusters started
  // side by side) finds nothing of its own there, rather than that cluster's leader and journal.
  const splits = options.storageSplits === undefined || options.storageSplits.length === 0 ? {} : { storageSplits: options.storageSplits };
  return {
    cluster: `local-${Buffer.from(new SystemRandom().bytes(4)).toString('hex')}`, etcd: etcd.map(clientEndpoint), identityDir: dir, nodes, ...journal, ...tls, ...splits,
    ...(options.scaling === undefined ? {} : { scaling: options.scaling }),
  };
}

/** Each client endpoint once (one per region), with the first relay serving it. */
function endpointsOf(config: ClusterConfig): NodeConfig[] {
  const seen = new Map<string, NodeConfig>();
  for (const relay of nodesOf(config, 'relay')) if (!seen.has(addressOf(relay))) seen.set(addressOf(relay), relay);
  return [...seen.values()];
}

/** The identity the launcher and other tools reach etcd and the roles with: `<certsDir>/client.crt` (null: plaintext). */
export function linkTlsOfTools(config: ClusterConfig): LinkTls | null {
  return loadLinkTls(config, CLIENT_IDENTITY, (path) => readFileSync(path));
}

/**
 * The cluster CA and a certificate for every node, etcd member and the tools (cluster-tls.ts's
 * layout), each made once: a restart of a stopped cluster keeps them. Keys are written 0600.
 */
async function makeLinkCertificates(config: ClusterConfig, etcd: readonly EtcdMember[]): Promise<void> {
  const certsDir = config.tls!.certsDir!;
  mkdirSync(certsDir, { recursive: true, mode: 0o700 });
  const clock = new SystemClock(0);
  const paths = (name: string) => ({ cert: join(certsDir, `${name}.crt`), key: join(certsDir, `${name}.key`) });
  const write = (name: string, pair: CertificatePair) => {
    writeFileSync(paths(name).key, pair.key, { mode: 0o600 });
    writeFileSync(paths(name).cert, pair.cert);
  };
  const read = (name: string): CertificatePair => ({ cert: readFileSync(paths(name).cert, 'utf8'), key: readFileSync(paths(name).key, 'utf8') });
  const made = (name: string) => existsSync(paths(name).cert) && existsSync(paths(name).key);
  if (!made('ca')) write('ca', await makeClusterCa(config.cluster, clock));
  const ca = read('ca');
  // Peers dial a node by its configured host; localhost and 127.0.0.1 serve tools on this machine.
  const holders = [
    ...config.nodes.map((n) => ({ name: n.name, host: n.host })),
    ...etcd.map((m) => ({ name: m.name, host: m.host ?? '127.0.0.1' })),
    { name: CLIENT_IDENTITY, host: 'localhost' },
  ];
  for (const { name, host } of holders) {
    if (!made(name)) write(name, await makeNodeCertificate(ca, name, [host, 'localhost', '127.0.0.1'], clock));
  }
}

/** The command line of `strata node` for a node of the local cluster. */
export function nodeArguments(dir: string, node: NodeConfig): string[] {
  return [STRATA_BIN, 'node', '--role', node.role, '--config', configPath(dir), '--name', node.name];
}

export function startNode(dir: string, node: NodeConfig): number {
  return spawnDetached(process.execPath, nodeArguments(dir, node), join(dir, 'logs', `${node.name}.log`));
}

/** `cluster`: the cluster's name (config.cluster), its members' token. */
export function startEtcdMember(dir: string, member: EtcdMember, all: readonly EtcdMember[], cluster: string): number {
  mkdirSync(member.dataDir, { recursive: true });
  return spawnDetached(ETCD_BINARY, etcdArguments(member, all, cluster), join(dir, 'logs', `${member.name}.log`));
}

export async function localUp(dirArg: string, options: LocalUpOptions, out: (line: string) => void): Promise<ClusterConfig> {
  const dir = resolve(dirArg);
  const reason = etcdUnavailableReason();
  if (reason) throw new Error(reason);
  if (options.restore !== undefined && (existsSync(configPath(dir)) || existsSync(statePath(dir)))) {
    throw new Error(`--restore makes a new cluster: ${dir} already holds one (choose another --dir)`);
  }
  if (existsSync(statePath(dir))) {
    const { state } = readState(dir);
    // A process killed a moment ago may not have finished dying: give it a second.
    const running = () => [...Object.values(state.pids), state.supervisor ?? -1].some((pid) => recordedAlive(state, pid));
    for (let i = 0; i < 20 && running(); i++) await new Promise((r) => setTimeout(r, 50));
    if (running()) throw new Error(`a local cluster is already running in ${dir} (strata local down --dir ${dir})`);
  }
  const dirIsNew = !existsSync(dir);
  // A restart of a stopped cluster keeps its layout (ports, data); a new one gets fresh ports.
  const { config: laidOut, etcd } = existsSync(configPath(dir)) && existsSync(statePath(dir))
    ? { config: readState(dir).config, etcd: readState(dir).state.etcd }
    : await layout(dir, options);
  // The connection quota is a setting, not layout: `up --max-connections N` sets it, on a new
  // cluster or a stopped one.
  const config = options.maxConnections === undefined ? laidOut : { ...laidOut, maxConnections: options.maxConnections };
  // A stopped cluster starts again as it was laid out: with TLS when it was made with --tls.
  if (options.tls === true && config.tls === undefined) throw new Error(`${dir} holds a plaintext cluster; --tls applies to a new one (another --dir)`);
  const regions = new Set(config.nodes.map((n) => n.region));
  if (options.multiRegion !== undefined && !options.multiRegion.regions.every((r) => regions.has(r))) {
    throw new Error(`${dir} holds a cluster in ${[...regions].join(', ')}; --regions applies to a new one (another --dir)`);
  }
  // A client port another server holds (a PostgreSQL on 5432) left both relays starting until
  // the serving bound ran out, 60 s later: say so before anything starts.
  for (const endpoint of endpointsOf(config)) {
    const portProblem = await listenProblem(endpoint.port, endpoint.host);
    if (portProblem !== null) throw new Error(`cannot serve clients on ${endpoint.host}:${endpoint.port}: ${portProblem} (another server on it? choose another with --port)`);
  }
  // Before anything starts: a file that does not restore leaves no cluster behind (nor the
  // directory, when this command made it).
  if (options.restore !== undefined) {
    const { restoreReplicas } = await import('./local-backup.js');
    out(await restoreReplicas(config, options.restore).catch((error: unknown) => {
      if (dirIsNew && existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
      throw error;
    }));
  }
  mkdirSync(join(dir, 'logs'), { recursive: true });
  writeFileSync(configPath(dir), JSON.stringify(config, null, 2) + '\n');
  // The token credentials and TLS certificate every QP serves with (strata token --data-dir DIR).
  const { region: signingRegion } = await loadOrCreateIdentity(new NodeDisk(), new SystemRandom(), new SystemClock(0), dir);
  if (config.tls !== undefined) await makeLinkCertificates(config, etcd);
  const toolTls = linkTlsOfTools(config);
  const pids: Record<string, number> = {};
  const owner = options.ownerPid === undefined ? {} : { owner: options.ownerPid };
  for (const member of etcd) pids[member.name] = startEtcdMember(dir, member, etcd, config.cluster);
  writeState(dir, { etcd, pids, ...owner });
  // One bound for the whole start. A cluster that does not come up within it is stopped, not
  // left restarting its processes in the background; its data and logs stay for a look.
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = performance.now() + timeoutMs;
  try {
    await Promise.all(etcd.map((m) => waitForEtcd(clientEndpoint(m), timeoutMs, toolTls)));
    // Read before any node starts: only what is written after it shows this run serving.
    const since = await etcdRevision(config, toolTls);
    // A fresh supervisor: nothing held down, no restarts counted yet. It starts the relays (they
    // take the client port from it), so it starts first and loads while the nodes do; it waits
    // to supervise until the state names it, after every node's pid is written.
    writeHeld(dir, new Set());
    writeAtomically(supervisionPath(dir), '{}\n');
    const supervisor = spawnDetached(process.execPath, [STRATA_BIN, 'local', 'supervise', '--dir', dir], join(dir, 'logs', 'supervisor.log'));
    for (const node of config.nodes) if (node.role !== 'relay') pids[node.name] = startNode(dir, node);
    writeState(dir, { etcd, pids, supervisor, ...owner });
    await waitUntilServing(config, deadline, toolTls, since);
  } catch (error) {
    await localDown(dir).catch(() => {});
    throw new Error(`the local cluster did not come up within ${timeoutMs} ms: ${(error as Error).message}; stopped it (logs in ${join(dir, 'logs')})`);
  }
  const peers = [...regions];
  const witnesses = [...new Set(etcd.map((m) => m.region).filter((r): r is string => r !== undefined && !regions.has(r)))];
  const where = witnesses.length === 0 ? `in ${options.azs} AZs` : `in regions ${peers.join(', ')} (${options.azs} AZs each) and witness ${witnesses.join(', ')}`;
  out(`strata local cluster ready: ${config.nodes.length} nodes and ${etcd.length} etcd members ${where} (${dir})`
    + (config.tls !== undefined ? `; mutual TLS on every link (certificates in ${config.tls.certsDir ?? config.tls.caFile})` : ''));
  for (const relay of endpointsOf(config)) {
    out(`connect${peers.length > 1 ? ` (${relay.region})` : ''}: PGPASSWORD="$(npx strata token --data-dir ${dir} --admin)" psql "host=${relay.host} port=${relay.port} user=admin dbname=postgres sslmode=require"`);
  }
  for (const control of nodesOf(config, 'control')) {
    out(`control-plane API (${control.name}): ${config.tls === undefined ? 'http' : 'https'}://${control.host}:${control.port}, region ${signingRegion}, keys in ${join(dir, 'identity.json')}`
      + (config.tls === undefined ? '' : `, CA ${config.tls.caFile}`));
  }
  return config;
}

/**
 * A client of the cluster's etcd, its module (etcd3, grpc-js, their .proto files) loaded here:
 * the supervisor and `local down`, `kill`, `stop` import this file and never talk to etcd.
 */
export async function etcdOf(config: ClusterConfig, tls: LinkTls | null): Promise<EtcdCoordination> {
  const { EtcdCoordination } = await import('../env/etcd-coordination.js');
  return new EtcdCoordination(config.etcd, { tls });
}

/** etcd's revision now: every key written from here on has a higher mod revision. */
async function etcdRevision(config: ClusterConfig, tls: LinkTls | null): Promise<number> {
  const coordination = await etcdOf(config, tls);
  try {
    const prefix = new TextEncoder().encode(clusterPrefix(config));
    return (await coordination.range(prefix, prefixEnd(prefix), { limit: 1 })).revision;
  } finally {
    await coordination.close();
  }
}

/**
 * Serving: a leader, every storage and QP registered, the relay accepting connections — each
 * key written after revision `since`. A cluster's previous run leaves its leader key and
 * registrations behind for seconds after a power cut (etcd renews every lease in full when it
 * starts again), and counting them made `up` return before its QPs and relays served: the
 * first client's connection was reset.
 */
async function waitUntilServing(config: ClusterConfig, deadline: number, tls: LinkTls | null, since: number): Promise<void> {
  const coordination = await etcdOf(config, tls);
  const needed = config.nodes.filter((n) => n.role !== 'adjudicator').map((n) => n.name);
  try {
    for (;;) {
      const problem = await servingProblem(coordination, config, needed, since);
      if (problem === null) return;
      if (performance.now() > deadline) throw new Error(problem);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await coordination.close();
  }
}

async function servingProblem(coordination: EtcdCoordination, config: ClusterConfig, needed: readonly string[], since: number): Promise<string | null> {
  const writtenSince = async (prefix: string): Promise<string[]> =>
    (await listUnder(coordination, prefix)).filter((entry) => entry.modRevision > since).map((entry) => entry.key);
  try {
    if ((await writtenSince(leaderKey(config))).length === 0) return 'no adjudicator leader yet';
    const registered = new Set((await writtenSince(registrationsPrefix(config))).map((key) => key.slice(key.lastIndexOf('/') + 1)));
    const missing = needed.filter((name) => !registered.has(name));
    if (missing.length > 0) return `not yet serving: ${missing.join(', ')}`;
  } catch (error) {
    return `etcd: ${(error as Error).message}`;
  }
  for (const relay of endpointsOf(config)) {
    const open = await new Promise<boolean>((done) => {
      const socket = connect(relay.port, relay.host, () => { socket.destroy(); done(true); });
      socket.on('error', () => done(false));
    });
    if (!open) return `the relay on ${addressOf(relay)} is not accepting connections`;
  }
  return null;
}

/** How long `status` waits for etcd's view (leader, registrations, registry). */
const STATUS_READ_MS = 3_000;

/**
 * One line per node: name, role, region, AZ, pid, state, restarts by the supervisor, the control
 * leader's registry; for a storage replica its shard and how far it has applied the journal.
 */
export async function localStatus(dirArg: string): Promise<string[]> {
  const dir = resolve(dirArg);
  const { state, config } = readState(dir);
  let leaderAddress: string | null = null;
  let registered = new Set<string>();
  let registry: Registry = {};
  /** Replica name → the journal position it last reported applied (its lease's key). */
  let applied = new Map<string, number>();
  /** The newest batch's last position; null: an empty (or wholly trimmed) journal. */
  let journalHead: number | null = null;
  /** The control leader's last scaling request and the supervisor's answer (autoscaler.ts). */
  let scalingRequest: ScalingRequest | null = null;
  let scalingDone: ScalingDone | null = null;
  /** QP name → its last load report (load-report.ts). */
  let loads = new Map<string, LoadSample>();
  const coordination = await etcdOf(config, linkTlsOfTools(config));
  let timer: NodeJS.Timeout | undefined;
  try {
    // etcd without a quorum would hold the reads: past the bound, the states come from the
    // processes alone. The timer is cleared after, or it would hold the command for the bound.
    const read = await Promise.race([
      Promise.all([listUnder(coordination, leaderKey(config)), listUnder(coordination, registrationsPrefix(config)),
        listUnder(coordination, registryKey(config)), listUnder(coordination, appliedPrefix(config)), newestJournalPosition(coordination, config),
        listUnder(coordination, scalingKeys(config).request), listUnder(coordination, scalingKeys(config).done), listUnder(coordination, loadPrefix(config))]),
      new Promise<null>((r) => { timer = setTimeout(() => r(null), STATUS_READ_MS); }),
    ]);
    if (read !== null) {
      leaderAddress = read[0][0]?.value ?? null;
      registered = new Set(read[1].map((r) => r.key.slice(r.key.lastIndexOf('/') + 1)));
      if (read[2][0] !== undefined) registry = JSON.parse(read[2][0].value) as Registry;
      applied = new Map(read[3].map((r) => [r.key.slice(r.key.lastIndexOf('/') + 1), Number(r.value)]));
      journalHead = read[4];
      scalingRequest = parseScalingRequest(read[5][0]?.value ?? null);
      scalingDone = parseScalingDone(read[6][0]?.value ?? null);
      loads = new Map(read[7].flatMap((r) => {
        const load = parseLoad(r.value);
        return load === null ? [] : [[r.key.slice(r.key.lastIndexOf('/') + 1), load] as const];
      }));
    }
  } catch {
    // etcd has no quorum: states below say what the processes are doing.
  } finally {
    clearTimeout(timer);
    await coordination.close();
  }
  const held = readHeld(dir);
  const restarts = readRestarts(dir);
  const stopped = (name: string) => (held.has(name) ? 'stopped (held)' : 'stopped');
  // As the control leader's registry saw it: up or down for how long, and how often down.
  const nowUs = Date.now() * 1000;
  const health = (name: string) => {
    const seen = registry[name];
    if (seen === undefined) return '-';
    return `${seen.up ? 'up' : 'down'} ${Math.max(0, Math.round((nowUs - seen.since) / 1e6))}s, ${seen.downs} down`;
  };
  // A replica's applied position against the journal's newest, as of this read (a replica
  // reports about every 100 ms, so a busy one shows a few behind).
  const progress = (node: NodeConfig) => {
    const position = applied.get(node.name);
    if (position === undefined) return '-';
    return journalHead === null ? String(position) : `${position} (${Math.max(0, journalHead - position)} behind)`;
  };
  // A QP's last load report: the share of a core its process used, and its open sessions.
  const load = (name: string) => {
    const report = loads.get(name);
    return report === undefined ? '-' : `${Math.round(report.busy * 100)} %, ${report.sessions} sessions`;
  };
  const rows: string[][] = [['NAME', 'ROLE', 'REGION', 'AZ', 'PID', 'STATE', 'RESTARTS', 'REGISTRY', 'SHARD', 'APPLIED', 'LOAD']];
  for (const member of state.etcd) {
    const pid = state.pids[member.name];
    rows.push([member.name, 'etcd', regionOf(state, config, member.name), '-', String(pid ?? '-'),
      recordedAlive(state, pid ?? -1) ? (processPaused(pid!) ? 'paused' : 'running') : stopped(member.name),
      String(restarts[member.name]?.total ?? 0), '-', '-', '-', '-']);
  }
  for (const node of config.nodes) {
    const pid = state.pids[node.name];
    const alive = pid !== undefined && recordedAlive(state, pid);
    let nodeState = alive ? 'running' : stopped(node.name);
    if (alive && node.role === 'adjudicator') nodeState = leaderAddress === addressOf(node) ? 'leader' : 'standby';
    if (alive && node.role !== 'adjudicator') {
      nodeState = registered.has(node.name) ? 'serving' : 'starting';
    }
    // Frozen (`local pause`): alive, and maybe still registered until its lease runs out.
    if (alive && processPaused(pid)) nodeState = 'paused';
    const storage = node.role === 'storage';
    rows.push([node.name, node.role, node.region, node.az, String(pid ?? '-'), nodeState, String(restarts[node.name]?.total ?? 0), health(node.name),
      storage ? String(shardOf(node)) : '-', storage ? progress(node) : '-', node.role === 'qp' ? load(node.name) : '-']);
  }
  const supervisor = state.supervisor;
  rows.push(['supervisor', 'supervisor', '-', '-', String(supervisor ?? '-'), supervisor !== undefined && recordedAlive(state, supervisor) ? 'running' : 'stopped', '-', '-', '-', '-', '-']);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
  if (config.scaling !== undefined) lines.push(scalingLine(config.scaling, scalingRequest, scalingDone));
  return lines;
}

/** `local status`'s last line on a cluster that scales: the policy, and the last request and its answer. */
function scalingLine(scaling: ScalingConfig, request: ScalingRequest | null, done: ScalingDone | null): string {
  const policy = scalingPolicyOf(scaling);
  const percent = (fraction: number) => `${Math.round(fraction * 100)} %`;
  const replicas = scaling.maxReplicasPerShard === undefined ? '' : ` and ${scaling.maxReplicasPerShard} replicas a shard`;
  const head = `automatic scaling: up to ${policy.maxPerGroup} QPs a region${replicas}, one more at ${percent(policy.scaleOutBusy)} busy for ${policy.scaleOutAfterMs / 1000} s, one fewer at ${percent(policy.scaleInBusy)} for ${policy.scaleInAfterMs / 1000} s`;
  if (request === null) return `${head}; no request yet`;
  const answer = done === null || done.seq < request.seq ? 'not answered yet'
    : `${done.outcome}${done.name === undefined ? '' : ` (${done.name})`}${done.detail === undefined ? '' : `: ${done.detail}`}`;
  return `${head}; last request ${request.seq}: ${describe(request)} — ${answer}`;
}

/** The last position of the journal's newest batch (its key ends in it, zero-padded), or null. */
async function newestJournalPosition(coordination: EtcdCoordination, config: ClusterConfig): Promise<number | null> {
  const from = new TextEncoder().encode(journalPrefix(config));
  const newest = await coordination.range(from, prefixEnd(from), { limit: 1, reverse: true, keysOnly: true });
  const key = newest.entries[0]?.key;
  return key === undefined ? null : Number(new TextDecoder().decode(key.subarray(from.length)));
}

/** A node's or etcd member's region (a single-region cluster's etcd members are in its one region). */
function regionOf(state: LocalState, config: ClusterConfig, name: string): string {
  const member = state.etcd.find((m) => m.name === name);
  if (member !== undefined) return member.region ?? config.nodes[0]?.region ?? '-';
  const node = config.nodes.find((n) => n.name === name);
  if (node === undefined) throw new Error(`no process named ${name}`);
  return node.region;
}

/** Every process of a region, etcd members first. */
export function regionMembers(dirArg: string, region: string): string[] {
  const { state, config } = readState(resolve(dirArg));
  const names = [...state.etcd.map((m) => m.name), ...config.nodes.map((n) => n.name)].filter((name) => regionOf(state, config, name) === region);
  if (names.length === 0) throw new Error(`no process in region ${region}`);
  return names;
}

/**
 * Loses a whole region: every process of it (etcd members included) SIGKILLed and held down —
 * a region outage is not a crash the supervisor undoes — until `restart --region`.
 */
export function localKillRegion(dirArg: string, region: string): string[] {
  const dir = resolve(dirArg);
  const names = regionMembers(dir, region);
  // Held first, so the supervisor does not start any of them again in between.
  writeHeld(dir, new Set([...readHeld(dir), ...names]));
  for (const name of names) localKill(dir, name);
  return names;
}

/**
 * SIGSTOP (or SIGCONT) every process of a region: on one machine, a region that stops
 * answering without its connections closing, as a network cut looks from the other side.
 */
export function localSignalRegion(dirArg: string, region: string, signal: 'SIGSTOP' | 'SIGCONT'): string[] {
  const names = regionMembers(dirArg, region);
  for (const name of names) localKill(dirArg, name, signal);
  return names;
}

/** Starts every process of a region again (after `kill --region`), by the supervisor when it runs. */
export async function localRestartRegion(dirArg: string, region: string): Promise<string[]> {
  const dir = resolve(dirArg);
  const names = regionMembers(dir, region);
  const held = readHeld(dir);
  for (const name of names) held.delete(name);
  writeHeld(dir, held);
  for (const name of names) await localRestart(dir, name);
  return names;
}

/** The pid last recorded for a node. */
export function localPid(dirArg: string, name: string): number {
  return recordOf(resolve(dirArg), name).pid;
}

/** The pid recorded for a node, and the state it is recorded in (to tell whether it is still that process). */
function recordOf(dir: string, name: string): { readonly pid: number; readonly state: LocalState } {
  const { state } = readState(dir);
  const pid = state.pids[name];
  if (pid === undefined) throw new Error(`no process named ${name} (see strata local status --dir ${dir})`);
  return { pid, state };
}

function supervised(dir: string): boolean {
  const { state } = readState(dir);
  return state.supervisor !== undefined && recordedAlive(state, state.supervisor);
}

/** SIGKILL: the supervisor starts the node again (use `stop` to keep it down). */
export function localKill(dirArg: string, name: string, signal: NodeJS.Signals = 'SIGKILL'): number {
  const dir = resolve(dirArg);
  const { pid, state } = recordOf(dir, name);
  if (recordedAlive(state, pid)) process.kill(pid, signal);
  return pid;
}

/** Stops a node and keeps it down: the supervisor leaves it until `start`. */
export async function localStop(dirArg: string, name: string): Promise<number> {
  const dir = resolve(dirArg);
  const { pid, state } = recordOf(dir, name);
  writeHeld(dir, new Set([...readHeld(dir), name]));
  await stopProcesses(state, [pid]);
  return pid;
}

/**
 * `strata local add --role storage|qp --az AZ [--shard N]`: one more storage replica of a shard,
 * or one more query processor, in an AZ of the running cluster (scale-out by hand, as DSQL adds
 * replicas and compute under load). It is written into the config; the supervisor starts it. A
 * replica copies a live replica of its shard and catches up on the journal after the copy
 * (storage-role.ts), then registers; the QPs find it by that registration and send it reads. A
 * QP registers once it serves; the region's relays find it the same way and send it sessions,
 * and the region's QPs share the connection limits with it. Returns its name once it serves.
 */
export async function localAdd(dirArg: string, options: { readonly role: string; readonly az: string; readonly shard: number; readonly timeoutMs: number }): Promise<string> {
  const dir = resolve(dirArg);
  const { name, next } = await withConfigLock(dir, () => addToConfig(dir, { ...options, added: { by: 'hand' } }));
  const coordination = await etcdOf(next, linkTlsOfTools(next));
  try {
    const deadline = performance.now() + options.timeoutMs;
    const key = `${registrationsPrefix(next)}${name}`;
    while (!(await listUnder(coordination, key).catch(() => [])).some((entry) => entry.key === key)) {
      if (performance.now() > deadline) throw new Error(`${name} did not serve within ${Math.round(options.timeoutMs / 1000)} s (its log: ${join(dir, 'logs', `${name}.log`)}); it stays in the cluster`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await coordination.close();
  }
  return name;
}

/**
 * Runs `change` holding `DIR/config.lock`, so two `local add`s at once do not both read the
 * config and each write it without the other's node. A lock left by a process that is gone is
 * taken over.
 */
export async function withConfigLock<T>(dir: string, change: () => Promise<T>): Promise<T> {
  const path = join(dir, 'config.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      let holder = NaN;
      try {
        holder = Number(readFileSync(path, 'utf8').trim());
      } catch {
        // Released meanwhile: try again.
      }
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) throw new Error(`another command (pid ${holder}) is changing the cluster's config (${path})`);
      try {
        unlinkSync(path);
      } catch {
        // Released meanwhile.
      }
    }
  }
  try {
    return await change();
  } finally {
    unlinkSync(path);
  }
}

/** `local add`'s change to the config (under its lock): the new node, written; the supervisor starts it. */
export async function addToConfig(dir: string, options: { readonly role: string; readonly az: string; readonly shard: number; readonly added: NonNullable<NodeConfig['added']> }): Promise<{ name: string; next: ClusterConfig }> {
  const { state, config } = readState(dir);
  const role = options.role;
  if (role !== 'storage' && role !== 'qp') throw new Error(`local add adds storage replicas and query processors (--role storage|qp), not ${role} nodes`);
  if (state.supervisor === undefined || !recordedAlive(state, state.supervisor)) {
    throw new Error('the supervisor is not running (it starts the added node): start the cluster with strata local up');
  }
  const shards = shardMapOf(config).shards;
  if (role === 'qp' && options.shard !== 0) throw new Error('--shard is a storage replica\'s: a query processor reads every shard');
  if (!Number.isInteger(options.shard) || options.shard < 0 || options.shard >= shards) {
    throw new Error(`--shard ${options.shard}: the cluster has ${shards === 1 ? 'one storage shard (0)' : `storage shards 0 to ${shards - 1}`}`);
  }
  const inAz = config.nodes.find((n) => n.az === options.az);
  if (inAz === undefined) throw new Error(`no node of the cluster is in AZ ${options.az} (its AZs: ${[...new Set(config.nodes.map((n) => n.az))].join(', ')})`);
  // Named after the first of its kind in that AZ: storage-2 → storage-2-r2, qp-1 → qp-1-r2 …
  const sibling = nodesOf(config, role).find((n) => n.az === options.az && (role === 'qp' || shardOf(n) === options.shard));
  const base = sibling?.name ?? `${role}-${options.az}${options.shard === 0 ? '' : `-s${options.shard}`}`;
  let copy = 2;
  while (config.nodes.some((n) => n.name === `${base}-r${copy}`)) copy++;
  const name = `${base}-r${copy}`;
  const host = (sibling ?? inAz).host;
  // A free port that no node or member of the cluster names (a stopped one's is free but taken).
  const taken = new Set([...config.nodes.map((n) => n.port), ...state.etcd.flatMap((m) => [m.clientPort, m.peerPort])]);
  const port = (await freePorts(1, host, taken))[0]!;
  const node: NodeConfig = { ...(role === 'qp' ? { name, role, region: inAz.region, az: options.az, host, port }
    : storageNodeNamed(dir, name, options.shard, inAz.region, options.az, host, port)), added: options.added };
  // After the cluster's last node of its role, so the config reads as `local up` lays it out.
  const at = config.nodes.map((n) => n.role).lastIndexOf(role) + 1;
  const next: ClusterConfig = { ...config, nodes: [...config.nodes.slice(0, at), node, ...config.nodes.slice(at)] };
  const text = JSON.stringify(next, null, 2) + '\n';
  parseClusterConfig(text, configPath(dir));
  if (next.tls !== undefined) await makeLinkCertificates(next, state.etcd);
  writeAtomically(configPath(dir), text);
  return { name, next };
}

/**
 * `strata local remove --dir DIR NAME`: a query processor or storage replica added while the
 * cluster ran (`local add`, automatic scaling) leaves it; the nodes it was created with are its
 * floor. It goes from the config; the supervisor stops it and forgets it. A QP drains on SIGTERM:
 * it leaves the registrations first, so relays send it no new session, and ends each session
 * with 57P01, as PostgreSQL's shutdown does, once its transaction under way is over. Relays, QPs
 * and the journal's trimmer drop a node when its registration goes. A replica's store (its
 * dataDir inside DIR) is deleted once the process is gone. Returns its pid.
 */
export async function localRemove(dirArg: string, name: string, timeoutMs: number): Promise<number | null> {
  const dir = resolve(dirArg);
  // Its pid as recorded before: the supervisor forgets it once the process is stopped.
  const { state } = readState(dir);
  const pid = state.pids[name];
  const node = await withConfigLock(dir, async () => removeFromConfig(dir, name));
  const deadline = performance.now() + timeoutMs;
  while (pid !== undefined && recordedAlive(state, pid)) {
    if (performance.now() > deadline) throw new Error(`${name} left the config but its process (pid ${pid}) still runs after ${Math.round(timeoutMs / 1000)} s (see ${join(dir, 'logs', 'supervisor.log')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // Only a store `local add` made (DIR/<name>): a path elsewhere is the operator's.
  if (node.role === 'storage' && node.dataDir !== undefined && resolve(node.dataDir) === join(dir, name)) rmSync(node.dataDir, { recursive: true, force: true });
  return pid ?? null;
}

/** `local remove`'s change to the config (under its lock): the node, gone from it. */
export function removeFromConfig(dir: string, name: string): NodeConfig {
  const { state, config } = readState(dir);
  const node = config.nodes.find((n) => n.name === name);
  if (node === undefined) throw new Error(`no node ${name} in the cluster`);
  if (node.role !== 'qp' && node.role !== 'storage') throw new Error(`local remove removes query processors and storage replicas (${name} is a ${node.role} node; strata local stop keeps one down)`);
  if (node.added === undefined) throw new Error(`${name} is one of the nodes the cluster was created with: strata local stop keeps it down, remove takes only those added since`);
  if (state.supervisor === undefined || !recordedAlive(state, state.supervisor)) {
    throw new Error('the supervisor is not running (it stops the removed node): start the cluster with strata local up');
  }
  const text = JSON.stringify({ ...config, nodes: config.nodes.filter((n) => n.name !== name) }, null, 2) + '\n';
  parseClusterConfig(text, configPath(dir));
  writeAtomically(configPath(dir), text);
  return node;
}

/** Lets a stopped node run again (a running one is left alone: `started` is false). */
export async function localStart(dirArg: string, name: string): Promise<{ pid: number; started: boolean }> {
  const dir = resolve(dirArg);
  const { pid, state } = recordOf(dir, name);
  if (!readHeld(dir).has(name) && recordedAlive(state, pid)) return { pid, started: false };
  return { pid: await localRestart(dir, name), started: true };
}

/** Kills a node and starts it again (or starts a stopped one): by the supervisor when it runs. */
export async function localRestart(dirArg: string, name: string): Promise<number> {
  const dir = resolve(dirArg);
  const { pid: old, state: before } = recordOf(dir, name);
  const held = readHeld(dir);
  if (held.delete(name)) writeHeld(dir, held);
  if (recordedAlive(before, old)) {
    process.kill(old, 'SIGKILL');
    for (let i = 0; i < 100 && recordedAlive(before, old); i++) await new Promise((r) => setTimeout(r, 20));
  }
  if (supervised(dir)) {
    for (let i = 0; i < 200; i++) {
      const pid = recordOf(dir, name).pid;
      if (pid !== old) return pid;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the supervisor did not start ${name} again within 10 s (see ${join(dir, 'logs', 'supervisor.log')})`);
  }
  const { state, config } = readState(dir);
  const member = state.etcd.find((m) => m.name === name);
  const node = config.nodes.find((n) => n.name === name);
  const pid = member !== undefined ? startEtcdMember(dir, member, state.etcd, config.cluster) : startNode(dir, node!);
  writeState(dir, { ...state, pids: { ...state.pids, [name]: pid } });
  return pid;
}

/** SIGTERM, then SIGKILL for those still alive 5 s later; returns those it killed. Only `state`'s own processes are signalled. */
export async function stopProcesses(state: LocalState, candidates: readonly number[]): Promise<number[]> {
  const alive = (pid: number) => recordedAlive(state, pid);
  const pids = candidates.filter(alive);
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
  const killed = pids.filter(alive);
  for (const pid of killed) process.kill(pid, 'SIGKILL');
  return killed;
}

/** Stops the supervisor, every node, then etcd; returns the names of those that had to be killed. */
export async function localDown(dirArg: string): Promise<string[]> {
  const dir = resolve(dirArg);
  const { state, config } = readState(dir);
  const killed: string[] = [];
  if (state.supervisor !== undefined && (await stopProcesses(state, [state.supervisor])).length > 0) killed.push('supervisor');
  // Read again: the supervisor may have started a node before it stopped.
  const now = readState(dir).state;
  const pids = now.pids;
  const stopGroup = async (names: readonly string[]) => {
    const killedPids = await stopProcesses(now, names.map((n) => pids[n]).filter((p): p is number => p !== undefined));
    killed.push(...names.filter((n) => killedPids.includes(pids[n]!)));
  };
  const order: Role[] = ['relay', 'qp', 'control', 'storage', 'adjudicator'];
  for (const role of order) await stopGroup(config.nodes.filter((n) => n.role === role).map((n) => n.name));
  // One member at a time: a leader told to stop hands its leadership to a follower first, and
  // when that follower is stopping too the hand-over waits out etcd's request timeout (~5 s).
  for (const member of state.etcd) await stopGroup([member.name]);
  return killed;
}
