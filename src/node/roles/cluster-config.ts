/**
 * The configuration of a distributed cluster (`strata node --config FILE`): its nodes with
 * their role, region and AZ, and the etcd endpoints. One file describes the whole cluster; each
 * process picks its own entry by name. Keys in etcd live under `strata/<cluster>/`.
 */
import { checkTlsSettings } from './cluster-tls.js';
import type { ConfiguredLimits } from '../admission.js';
import { ShardMap } from '../../storage/shard-map.js';
import { DEFAULT_SCALING, type ScalingPolicy } from '../../control/load-scaling.js';

export type Role = 'relay' | 'qp' | 'adjudicator' | 'storage' | 'control';
export const ROLES: readonly Role[] = ['relay', 'qp', 'adjudicator', 'storage', 'control'];

export interface NodeConfig {
  readonly name: string;
  readonly role: Role;
  readonly region: string;
  readonly az: string;
  readonly host: string;
  /** The port it serves: PostgreSQL for relay and qp, gRPC for adjudicator and storage. */
  readonly port: number;
  /** Its own files: storage's LMDB environment; a control node's backup jobs and recovery points (default `<identityDir>/<name>`). */
  readonly dataDir?: string;
  /** Its TLS certificate and key (PEM files); default `<tls.certsDir>/<name>.crt` and `.key` (cluster-tls.ts). */
  readonly certFile?: string;
  readonly keyFile?: string;
  /** A storage node's shard: which key range of `storageSplits` it holds (default 0; src/storage/shard-map.ts). */
  readonly shard?: number;
  /**
   * A node added while the cluster ran (`strata local add`, or a scaling request of the control
   * leader): scaling may remove it again, never one the cluster was created with.
   */
  readonly added?: { readonly by: 'hand' } | { readonly by: 'scaling'; readonly request: number };
}

/**
 * Automatic scaling of query processors and, with `maxReplicasPerShard`, of storage replicas
 * (src/control/load-scaling.ts): the control leader decides, the local supervisor acts
 * (docs/distributed.md "Automatic scaling"). Busy is the fraction of one core a node's process
 * uses; both kinds scale by the same lines and times.
 */
export interface ScalingConfig {
  readonly maxQpsPerRegion: number;
  /** At most this many replicas of a storage shard in a region; absent: replicas are not scaled. */
  readonly maxReplicasPerShard?: number;
  readonly scaleOutBusy?: number;
  readonly scaleOutAfterSeconds?: number;
  readonly scaleInBusy?: number;
  readonly scaleInAfterSeconds?: number;
  readonly cooldownSeconds?: number;
}

/**
 * `maxConnections` and `connectionRate`: the cluster's connection limits (DSQL's by default), of
 * which each QP of a region admits an equal share (admission.ts).
 */
export interface ClusterConfig extends ConfiguredLimits {
  readonly cluster: string;
  readonly etcd: readonly string[];
  /** Where the token credentials and the TLS certificate live (identity.json, created by `local up`). */
  readonly identityDir: string;
  readonly nodes: readonly NodeConfig[];
  /**
   * How long journal records stay after every storage replica applied them (default 60): a
   * replica down for longer comes back from a snapshot of a live one.
   */
  readonly journalRetentionSeconds?: number;
  /** How often the adjudicator leader trims the journal (default 5). */
  readonly journalTrimIntervalSeconds?: number;
  /** Mutual TLS on every gRPC and etcd link (cluster-tls.ts, docs/distributed.md "Transport security"). */
  readonly tls?: ClusterTls;
  /** Plaintext links beyond loopback, on purpose (without it and without `tls`, such a node refuses to start). */
  readonly insecure?: boolean;
  /**
   * A linked cluster's witness region (DESIGN.md §4): it holds etcd members only, so no node
   * names it; the control API shows it (GetCluster's multiRegionProperties).
   */
  readonly witnessRegion?: string;
  /**
   * Storage shards by key range: split keys (hex, strictly increasing) cut the key space, shard i
   * holding [split i-1, split i) (src/storage/shard-map.ts); each shard has its own replicas
   * (storage nodes naming it). Absent: one shard. Fixed for the cluster's life: a replica keeps
   * the range it was created for and refuses to start with another.
   */
  readonly storageSplits?: readonly string[];
  /** Automatic scaling of query processors; absent: the cluster runs the QPs it names. */
  readonly scaling?: ScalingConfig;
}

export interface ClusterTls {
  /** The cluster's CA certificate (PEM): the only issuer a node trusts for its peers and etcd. */
  readonly caFile: string;
  /** Where `<name>.crt` / `<name>.key` of each node (and `client.crt` / `client.key` for tools) live, when a node names no files. */
  readonly certsDir?: string;
}

export function parseClusterConfig(text: string, source: string): ClusterConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not JSON: ${(error as Error).message}`);
  }
  const config = raw as ClusterConfig;
  const fail = (what: string): never => { throw new Error(`${source}: ${what}`); };
  if (typeof config?.cluster !== 'string' || !/^[a-z0-9-]+$/.test(config.cluster)) fail('"cluster" must be a name of lowercase letters, digits and dashes');
  if (!Array.isArray(config.etcd) || config.etcd.length === 0) fail('"etcd" must list at least one endpoint');
  if (typeof config.identityDir !== 'string') fail('"identityDir" must be a directory');
  if (!Array.isArray(config.nodes) || config.nodes.length === 0) fail('"nodes" must list the cluster\'s nodes');
  const names = new Set<string>();
  for (const node of config.nodes) {
    if (typeof node.name !== 'string' || names.has(node.name)) fail(`node names must be unique strings (${String(node.name)})`);
    names.add(node.name);
    if (!ROLES.includes(node.role)) fail(`node ${node.name}: role must be one of ${ROLES.join(', ')}`);
    if (typeof node.az !== 'string' || typeof node.region !== 'string') fail(`node ${node.name}: needs "region" and "az"`);
    if (!Number.isInteger(node.port) || node.port <= 0 || node.port > 65535) fail(`node ${node.name}: bad port ${String(node.port)}`);
    if (node.role === 'storage' && typeof node.dataDir !== 'string') fail(`node ${node.name}: a storage node needs "dataDir"`);
  }
  for (const field of ['journalRetentionSeconds', 'journalTrimIntervalSeconds'] as const) {
    const value = config[field];
    if (value !== undefined && !(typeof value === 'number' && value > 0)) fail(`"${field}" must be a positive number of seconds`);
  }
  if (config.maxConnections !== undefined && !(Number.isInteger(config.maxConnections) && config.maxConnections > 0)) fail('"maxConnections" must be a positive integer');
  const rate = config.connectionRate;
  if (rate !== undefined && !(typeof rate === 'object' && rate !== null && rate.perSecond > 0 && Number.isInteger(rate.burst) && rate.burst > 0)) {
    fail('"connectionRate" must be { "perSecond": a positive number, "burst": a positive integer }');
  }
  if (config.witnessRegion !== undefined && !(typeof config.witnessRegion === 'string' && /^[a-z0-9-]{1,20}$/.test(config.witnessRegion))) {
    fail('"witnessRegion" must be a region name ([a-z0-9-]{1,20})');
  }
  if (config.witnessRegion !== undefined && config.nodes.some((node) => node.region === config.witnessRegion)) {
    fail(`"witnessRegion" ${config.witnessRegion} must hold no node: a witness holds journal (etcd) members only`);
  }
  let map = new ShardMap([]);
  if (config.storageSplits !== undefined && !(Array.isArray(config.storageSplits) && config.storageSplits.every((split) => typeof split === 'string'))) {
    fail('"storageSplits" must list hex keys');
  }
  try {
    map = ShardMap.fromHex(config.storageSplits);
  } catch (error) {
    fail(`"storageSplits": ${(error as Error).message}`);
  }
  const storage = nodesOf(config, 'storage');
  for (const node of storage) {
    if (node.shard !== undefined && !(Number.isInteger(node.shard) && node.shard >= 0 && node.shard < map.shards)) {
      fail(`node ${node.name}: "shard" must be a shard of "storageSplits" (0 to ${map.shards - 1})`);
    }
  }
  for (let shard = 0; shard < map.shards; shard++) {
    if (storage.length > 0 && !storage.some((node) => shardOf(node) === shard)) fail(`storage shard ${shard} has no storage node`);
  }
  checkScaling(config.scaling, fail);
  checkTlsSettings(config, fail);
  return config;
}

function checkScaling(scaling: ScalingConfig | undefined, fail: (what: string) => never): void {
  if (scaling === undefined) return;
  if (typeof scaling !== 'object' || scaling === null || !(Number.isInteger(scaling.maxQpsPerRegion) && scaling.maxQpsPerRegion >= 1)) {
    fail('"scaling" must be { "maxQpsPerRegion": a positive integer, … }');
  }
  if (scaling.maxReplicasPerShard !== undefined && !(Number.isInteger(scaling.maxReplicasPerShard) && scaling.maxReplicasPerShard >= 1)) {
    fail('"scaling.maxReplicasPerShard" must be a positive integer');
  }
  for (const field of ['scaleOutBusy', 'scaleInBusy', 'scaleOutAfterSeconds', 'scaleInAfterSeconds', 'cooldownSeconds'] as const) {
    const value = scaling[field];
    if (value !== undefined && !(typeof value === 'number' && value >= 0)) fail(`"scaling.${field}" must be a number ≥ 0`);
  }
  const policy = scalingPolicyOf(scaling);
  if (policy.scaleInBusy >= policy.scaleOutBusy) fail('"scaling.scaleInBusy" must be below "scaling.scaleOutBusy"');
}

/**
 * The scaling policy a config sets for query processors (a group: a region's), or with
 * `replicas`, for storage replicas (a group: a shard's in a region; null when they are not
 * scaled). DSQL-like defaults for what it leaves out.
 */
export function scalingPolicyOf(scaling: ScalingConfig): ScalingPolicy;
export function scalingPolicyOf(scaling: ScalingConfig, kind: 'replicas'): ScalingPolicy | null;
export function scalingPolicyOf(scaling: ScalingConfig, kind: 'qps' | 'replicas' = 'qps'): ScalingPolicy | null {
  const seconds = (value: number | undefined, fallbackMs: number) => value === undefined ? fallbackMs : value * 1000;
  if (kind === 'replicas' && scaling.maxReplicasPerShard === undefined) return null;
  return {
    maxPerGroup: kind === 'replicas' ? scaling.maxReplicasPerShard! : scaling.maxQpsPerRegion,
    scaleOutBusy: scaling.scaleOutBusy ?? DEFAULT_SCALING.scaleOutBusy,
    scaleInBusy: scaling.scaleInBusy ?? DEFAULT_SCALING.scaleInBusy,
    scaleOutAfterMs: seconds(scaling.scaleOutAfterSeconds, DEFAULT_SCALING.scaleOutAfterMs),
    scaleInAfterMs: seconds(scaling.scaleInAfterSeconds, DEFAULT_SCALING.scaleInAfterMs),
    cooldownMs: seconds(scaling.cooldownSeconds, DEFAULT_SCALING.cooldownMs),
  };
}

/** The cluster's storage shards (one when it names no splits). */
export function shardMapOf(config: ClusterConfig): ShardMap {
  return ShardMap.fromHex(config.storageSplits);
}

/** The shard a storage node holds. */
export function shardOf(node: NodeConfig): number {
  return node.shard ?? 0;
}

export function nodesOf(config: ClusterConfig, role: Role): NodeConfig[] {
  return config.nodes.filter((n) => n.role === role);
}

/**
 * The nodes of a role the cluster was created with (not `added` since): they count while they
 * are down; a node added since counts only while it is registered (registrations.ts).
 */
export function createdNodes(config: ClusterConfig, role: Role): NodeConfig[] {
  return config.nodes.filter((n) => n.role === role && n.added === undefined);
}

export function addressOf(node: NodeConfig): string {
  return `${node.host}:${node.port}`;
}

/** etcd key prefix of everything this cluster keeps there. */
export function clusterPrefix(config: ClusterConfig): string {
  return `strata/${config.cluster}/`;
}

/** The adjudicator leader's key: its address, under its lease; its create revision is the leader's epoch. */
export function leaderKey(config: ClusterConfig): string {
  return `${clusterPrefix(config)}adjudicator/leader`;
}

/** Where the journal's batches live in etcd. */
export function journalPrefix(config: ClusterConfig): string {
  return `${clusterPrefix(config)}journal/`;
}

/** Where live nodes register (role, region, AZ, address), each `<prefix><name>` on its lease. */
export function registrationsPrefix(config: ClusterConfig): string {
  return `${clusterPrefix(config)}nodes/`;
}

/** Where QPs publish their load (load-report.ts), each `<prefix><name>` on its registration's lease. */
export function loadPrefix(config: ClusterConfig): string {
  return `${clusterPrefix(config)}load/`;
}

/** The control leader's newest scaling request, and the supervisor's answer to it (autoscaler.ts). */
export function scalingKeys(config: ClusterConfig): { readonly request: string; readonly done: string } {
  return { request: `${clusterPrefix(config)}control/scaling/request`, done: `${clusterPrefix(config)}control/scaling/done` };
}

/** Where storage replicas publish the journal position they applied (journal-trimmer.ts). */
export function appliedPrefix(config: ClusterConfig): string {
  return `${clusterPrefix(config)}applied/`;
}
