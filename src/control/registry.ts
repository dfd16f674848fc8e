import type { Disk } from '../env/env.js';
import type { RandomSource } from '../contracts/time.js';
import { assert } from '../contracts/errors.js';
import { DurableJson } from './durable-json.js';

/**
 * The cluster registry (DESIGN.md §1, the control plane's state): every cluster of a data
 * directory, its status, deletion protection, tags and the client token it was created with.
 * Kept in `<data dir>/clusters/registry.json`, rewritten whole and atomically (temporary file,
 * fsync, rename: Disk.writeFileAtomic) after every change, one write at a time, so a crash
 * leaves either the old registry or the new one.
 *
 * A cluster is in the registry before its files exist (CREATING) and leaves it only after they
 * are removed (DELETING until then): a restart finishes whichever was under way.
 */

/**
 * The statuses Strata's clusters pass through (DSQL's ClusterStatus values, reference/dsql.md
 * §7.2). IDLE: no connection for a while, still open; INACTIVE: no connection for longer, its
 * database closed, its files kept (docs/control-plane.md, "Idle clusters").
 */
export type ClusterStatus = 'CREATING' | 'ACTIVE' | 'IDLE' | 'INACTIVE' | 'DELETING' | 'FAILED';

export interface ClusterRecord {
  readonly id: string;
  status: ClusterStatus;
  /** Milliseconds since the epoch. */
  readonly creationTimeMs: number;
  deletionProtectionEnabled: boolean;
  tags: Record<string, string>;
  /** CreateCluster's idempotency token; null for the data directory's own cluster. */
  readonly clientToken: string | null;
  /** The data directory's own cluster: served by the node's main store, never deleted. */
  readonly isDefault: boolean;
}

interface StoredRegistry {
  readonly version: number;
  readonly accountId: string;
  readonly clusters: readonly ClusterRecord[];
}

const REGISTRY_VERSION = 1;
const REGISTRY_FILE = 'registry.json';
const CLUSTER_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** DSQL's cluster ids: 26 characters `[a-z0-9]` (reference/dsql.md §1). */
export const CLUSTER_ID = /^[a-z0-9]{26}$/;
const ACCOUNT_ID = /^[0-9]{12}$/;

export function newClusterId(random: RandomSource): string {
  let id = '';
  for (let i = 0; i < 26; i++) id += CLUSTER_ID_ALPHABET[random.int(CLUSTER_ID_ALPHABET.length)];
  return id;
}

export class ClusterRegistry {
  private readonly clusters = new Map<string, ClusterRecord>();
  private readonly file: DurableJson;

  private constructor(disk: Disk, path: string, readonly accountId: string) {
    this.file = new DurableJson(disk, path, (): StoredRegistry => ({ version: REGISTRY_VERSION, accountId: this.accountId, clusters: this.list() }), 2);
  }

  /**
   * Reads `<directory>/registry.json`, or starts one holding only the default cluster. The
   * account id in ARNs is drawn once, like the identity's keys, and kept.
   */
  static async open(disk: Disk, random: RandomSource, directory: string, defaultCluster: { id: string; nowMs: number }): Promise<ClusterRegistry> {
    await disk.mkdir(directory);
    const path = `${directory}/${REGISTRY_FILE}`;
    const bytes = await disk.readFile(path);
    if (bytes === null) {
      let accountId = '';
      for (let i = 0; i < 12; i++) accountId += String(random.int(10));
      const registry = new ClusterRegistry(disk, path, accountId);
      registry.put({
        id: defaultCluster.id, status: 'ACTIVE', creationTimeMs: defaultCluster.nowMs,
        deletionProtectionEnabled: true, tags: {}, clientToken: null, isDefault: true,
      });
      await registry.save();
      return registry;
    }
    const stored = parseRegistry(path, bytes);
    const registry = new ClusterRegistry(disk, path, stored.accountId);
    for (const record of stored.clusters) registry.put({ ...record, tags: { ...record.tags } });
    const own = registry.get(defaultCluster.id);
    if (own === undefined || !own.isDefault) throw new Error(`${path} belongs to another data directory: it does not list cluster ${defaultCluster.id} as its own`);
    return registry;
  }

  get(id: string): ClusterRecord | undefined {
    return this.clusters.get(id);
  }

  /** Every cluster, ordered by id (ListClusters pages by id). */
  list(): ClusterRecord[] {
    return [...this.clusters.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  withClientToken(token: string): ClusterRecord | undefined {
    for (const record of this.clusters.values()) if (record.clientToken === token) return record;
    return undefined;
  }

  get size(): number {
    return this.clusters.size;
  }

  put(record: ClusterRecord): void {
    assert(CLUSTER_ID.test(record.id), 'a cluster id has DSQL\'s shape');
    this.clusters.set(record.id, record);
  }

  remove(id: string): void {
    const record = this.clusters.get(id);
    assert(record !== undefined && !record.isDefault, 'only a created cluster leaves the registry');
    this.clusters.delete(id);
  }

  /** Writes the registry durably; resolves once this state (or a later one) is on disk. */
  save(): Promise<void> {
    return this.file.save();
  }
}

const STATUSES: readonly ClusterStatus[] = ['CREATING', 'ACTIVE', 'IDLE', 'INACTIVE', 'DELETING', 'FAILED'];

/** Checks every field, so a hand-edited file fails loudly at start instead of serving garbage. */
function parseRegistry(path: string, bytes: Uint8Array): StoredRegistry {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (value?.['version'] !== REGISTRY_VERSION) throw new Error(`${path}: unsupported registry version ${String(value?.['version'])}`);
  const accountId = value['accountId'];
  if (typeof accountId !== 'string' || !ACCOUNT_ID.test(accountId)) throw new Error(`${path}: field "accountId" is missing or malformed`);
  const clusters = value['clusters'];
  if (!Array.isArray(clusters)) throw new Error(`${path}: field "clusters" is missing`);
  return { version: REGISTRY_VERSION, accountId, clusters: clusters.map((entry, i) => parseRecord(`${path}: clusters[${i}]`, entry)) };
}

function parseRecord(where: string, entry: unknown): ClusterRecord {
  const value = entry as Record<string, unknown>;
  const ok = typeof value === 'object' && value !== null
    && typeof value['id'] === 'string' && CLUSTER_ID.test(value['id'])
    && STATUSES.includes(value['status'] as ClusterStatus)
    && typeof value['creationTimeMs'] === 'number'
    && typeof value['deletionProtectionEnabled'] === 'boolean'
    && typeof value['tags'] === 'object' && value['tags'] !== null
    && Object.values(value['tags'] as object).every((tag) => typeof tag === 'string')
    && (value['clientToken'] === null || typeof value['clientToken'] === 'string')
    && typeof value['isDefault'] === 'boolean';
  if (!ok) throw new Error(`${where} is malformed`);
  return value as unknown as ClusterRecord;
}
