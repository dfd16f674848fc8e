import { join } from 'node:path';
import type { Env } from '../env/env.js';
import type { TimerHandle } from '../contracts/time.js';
import { assert } from '../contracts/errors.js';
import { ApiError, arnNotFound, conflict, notFound, validation } from './api-error.js';
import { ClusterRegistry, newClusterId, type ClusterRecord } from './registry.js';

/**
 * The control plane of one data directory (DESIGN.md §1): cluster lifecycle and tags over the
 * registry, each created cluster a whole database of its own under `<data dir>/clusters/<id>/`.
 * The node opens and closes those databases (`ClusterCores`); this decides when, and answers
 * the API's operations with DSQL's shapes (reference/dsql.md §7).
 *
 * Creating and deleting take milliseconds here, but the API still shows DSQL's states:
 * CreateCluster answers CREATING and the cluster turns ACTIVE once its database is open;
 * DeleteCluster answers DELETING and the cluster is gone once its sessions are ended and its
 * files removed. So the SDK's waiters behave as against DSQL.
 *
 * Scaling to zero, as DSQL's clusters do (reference/dsql.md §7.2): a created cluster with no
 * connection for `idleAfterMs` turns IDLE; after `inactiveAfterMs` its database closes (journal,
 * storage, adjudicator, timers; the files stay) and it is INACTIVE. A connection to either
 * makes it ACTIVE again, reopening an INACTIVE one first (`connect`). Opens and closes of one
 * cluster (a close to INACTIVE, a reopen, a deletion) run one after another (`serialize`), so a
 * connection arriving while the cluster closes waits for the close and then the reopen.
 */

/** Opens and closes the database of a created cluster (the node assembles them). */
export interface ClusterCores {
  /** Opens (creating on first use) the cluster's database in `directory` and starts serving it. */
  open(id: string, directory: string): Promise<void>;
  /** Ends the cluster's sessions (FATAL 57P01) and closes its database. */
  close(id: string): Promise<void>;
  /** The cluster's open connections (0 when it is not open): what keeps it ACTIVE. */
  openConnections(id: string): number;
}

export interface ControlPlaneOptions {
  readonly env: Env;
  readonly dataDir: string;
  readonly region: string;
  /** The data directory's own cluster, served by the node's main store. */
  readonly defaultClusterId: string;
  readonly cores: ClusterCores;
  /** At most this many clusters, the default one included (DSQL's default quota: 20 per Region). */
  readonly maxClusters?: number;
  /**
   * A created cluster with no connection for this long turns IDLE (default 10 minutes); null:
   * never (an offline tool that edits the registry with no cluster open).
   */
  readonly idleAfterMs?: number | null;
  /** ... and for this long INACTIVE, its database closed (default 1 hour; at least `idleAfterMs`). */
  readonly inactiveAfterMs?: number;
}

export const DSQL_CLUSTER_QUOTA = 20;
export const DEFAULT_IDLE_AFTER_MS = 10 * 60_000;
export const DEFAULT_INACTIVE_AFTER_MS = 60 * 60_000;
/**
 * How long a connection to an INACTIVE cluster waits for its reopen before it is told to try
 * again (57P03). PostgreSQL's authentication_timeout, 60 s, bounds a connection's start as well.
 */
export const RESUME_WAIT_MS = 60_000;
/** The idle check runs this often at most (and at least 10 times per `idleAfterMs`). */
const MAX_SWEEP_INTERVAL_MS = 30_000;
const MAX_TAGS = 50;
const MAX_LIST_RESULTS = 100;

/** A cluster as the API shows it (GetCluster's fields; the other operations show a subset). */
export interface ClusterView {
  readonly identifier: string;
  readonly arn: string;
  readonly status: string;
  /** Seconds since the epoch: restJson1's default timestamp format. */
  readonly creationTime: number;
  readonly deletionProtectionEnabled: boolean;
  readonly tags: Record<string, string>;
  readonly endpoint: string;
  readonly encryptionDetails: { readonly encryptionType: 'AWS_OWNED_KMS_KEY'; readonly encryptionStatus: 'ENABLED' };
  /** A linked cluster's: its witness region and the ARNs of the peers (itself included). */
  readonly multiRegionProperties?: { readonly witnessRegion?: string; readonly clusters: readonly string[] };
}

export interface CreateClusterInput {
  readonly deletionProtectionEnabled?: boolean;
  readonly tags?: Record<string, string>;
  readonly clientToken?: string;
}

export class ControlPlane {
  private readonly env: Env;
  private readonly clustersDir: string;
  /** Opens and deletions under way, so `stop` can wait for them. */
  private readonly pending = new Set<Promise<void>>();
  /** Ids restores under way will create (reserveId). */
  private readonly reserved = new Set<string>();
  private stopped = false;
  private readonly idleAfterMs: number | null;
  private readonly inactiveAfterMs: number;
  /** When each open created cluster last had a connection (or since it opened), ms. */
  private readonly lastActiveMs = new Map<string, number>();
  /** Work other than connections that keeps a cluster open (a backup reading it), by id. */
  private readonly holds = new Map<string, number>();
  /** The open, close or deletion of a cluster under way; the next waits for it. */
  private readonly transitions = new Map<string, Promise<void>>();
  private sweep: TimerHandle | null = null;

  private constructor(private readonly options: ControlPlaneOptions, readonly registry: ClusterRegistry) {
    this.env = options.env;
    this.clustersDir = join(options.dataDir, 'clusters');
    this.idleAfterMs = options.idleAfterMs === undefined ? DEFAULT_IDLE_AFTER_MS : options.idleAfterMs;
    this.inactiveAfterMs = Math.max(this.idleAfterMs ?? 0, options.inactiveAfterMs ?? DEFAULT_INACTIVE_AFTER_MS);
    assert(this.idleAfterMs === null || this.idleAfterMs > 0, 'clusters turn IDLE after a positive time');
  }

  /** Reads the registry and brings every created cluster back: open, or finish its deletion. */
  static async start(options: ControlPlaneOptions): Promise<ControlPlane> {
    const nowMs = Math.floor(options.env.clock.now().earliest / 1000);
    const registry = await ClusterRegistry.open(options.env.disk, options.env.random, join(options.dataDir, 'clusters'), { id: options.defaultClusterId, nowMs });
    const plane = new ControlPlane(options, registry);
    for (const record of registry.list()) {
      // An INACTIVE cluster stays closed until a connection asks for it.
      if (record.isDefault || record.status === 'INACTIVE') continue;
      if (record.status === 'DELETING') plane.track(plane.finishDeletion(record));
      else await plane.bringUp(record);
    }
    if (plane.idleAfterMs !== null) {
      const sweepMs = Math.max(1, Math.min(MAX_SWEEP_INTERVAL_MS, Math.floor(plane.idleAfterMs / 10)));
      plane.sweep = options.env.timers.setInterval(() => plane.sweepIdle(), sweepMs);
    }
    return plane;
  }

  arnOf(id: string): string {
    return `arn:aws:dsql:${this.options.region}:${this.registry.accountId}:cluster/${id}`;
  }

  endpointOf(id: string): string {
    return `${id}.dsql.${this.options.region}.on.aws`;
  }

  /** The cluster a connection's SNI names, if it is one of the created ones and serving. */
  clusterAt(endpoint: string): ClusterRecord | undefined {
    const id = endpoint.slice(0, endpoint.indexOf('.'));
    const record = this.registry.get(id);
    return record !== undefined && this.endpointOf(id) === endpoint ? record : undefined;
  }

  view(record: ClusterRecord): ClusterView {
    return {
      identifier: record.id, arn: this.arnOf(record.id), status: record.status,
      creationTime: record.creationTimeMs / 1000, deletionProtectionEnabled: record.deletionProtectionEnabled,
      tags: { ...record.tags }, endpoint: this.endpointOf(record.id),
      encryptionDetails: { encryptionType: 'AWS_OWNED_KMS_KEY', encryptionStatus: 'ENABLED' },
    };
  }

  find(id: string): ClusterRecord {
    const record = this.registry.get(id);
    if (record === undefined) throw notFound(id);
    return record;
  }

  /** The cluster an ARN names (tag operations); ResourceNotFoundException for any other ARN. */
  findByArn(arn: string): ClusterRecord {
    const id = arn.slice(arn.lastIndexOf('/') + 1);
    const record = this.registry.get(id);
    if (record === undefined || this.arnOf(id) !== arn) throw arnNotFound(arn);
    return record;
  }

  /**
   * CreateCluster: a new id, CREATING in the registry (durably) before any file exists, then the
   * database opens in the background and the cluster turns ACTIVE. The same client token again
   * answers the cluster it made (an SDK retry), or ConflictException if the input differs.
   */
  create(input: CreateClusterInput): Promise<ClusterRecord> {
    return this.operation(() => this.createNow(input));
  }

  private async createNow(input: CreateClusterInput): Promise<ClusterRecord> {
    const tags = input.tags ?? {};
    checkTags(tags);
    const protect = input.deletionProtectionEnabled ?? true;
    if (input.clientToken !== undefined) {
      const earlier = this.registry.withClientToken(input.clientToken);
      if (earlier !== undefined) {
        if (earlier.deletionProtectionEnabled !== protect || JSON.stringify(sorted(earlier.tags)) !== JSON.stringify(sorted(tags))) {
          throw conflict(earlier.id, `The client token ${input.clientToken} was used for cluster ${earlier.id} with other parameters`);
        }
        return earlier;
      }
    }
    this.checkQuota();
    const id = this.unusedId();
    const record: ClusterRecord = {
      id, status: 'CREATING', creationTimeMs: this.nowMs(),
      deletionProtectionEnabled: protect, tags: { ...tags }, clientToken: input.clientToken ?? null, isDefault: false,
    };
    this.registry.put(record);
    await this.registry.save();
    this.track(this.bringUp(record));
    return record;
  }

  /**
   * An id for a cluster a restore will create: in no registry entry and given out once, so
   * the restore job can name the directory it fills before the cluster exists.
   */
  reserveId(): string {
    const id = this.unusedId();
    this.reserved.add(id);
    return id;
  }

  /** A new id: no cluster's, and no restore's under way. */
  private unusedId(): string {
    let id = newClusterId(this.env.random);
    while (this.registry.get(id) !== undefined || this.reserved.has(id)) id = newClusterId(this.env.random);
    return id;
  }

  /**
   * A new cluster from a restore (docs/backup.md): `fill` writes its database into a directory
   * of its own, and only once that is whole and durable does the directory take the cluster's
   * place and the cluster enter the registry, and open. So a failed restore leaves no cluster,
   * and a cluster in the registry always has its data. Resolves once the cluster is ACTIVE.
   */
  createRestored(id: string, input: CreateClusterInput, fill: (directory: string) => Promise<void>): Promise<ClusterRecord> {
    return this.operation(async () => {
      try {
        if (this.registry.get(id) !== undefined) throw conflict(id, `Cluster ${id} already exists`);
        const tags = input.tags ?? {};
        checkTags(tags);
        this.checkQuota();
        const filling = this.restoreDirectory(id);
        await this.env.disk.remove(filling);
        await fill(filling);
        this.checkQuota();
        await this.env.disk.rename(filling, join(this.clustersDir, id));
        const record: ClusterRecord = {
          id, status: 'CREATING', creationTimeMs: this.nowMs(),
          deletionProtectionEnabled: input.deletionProtectionEnabled ?? true, tags: { ...tags }, clientToken: null, isDefault: false,
        };
        this.registry.put(record);
        // Also makes the rename durable: the registry is in the same directory.
        await this.registry.save();
        await this.bringUp(record);
        if (record.status !== 'ACTIVE') throw new Error(`the restored cluster ${id} failed to open`);
        return record;
      } finally {
        this.reserved.delete(id);
      }
    });
  }

  /** Whether cluster `id` is in the registry. */
  exists(id: string): boolean {
    return this.registry.get(id) !== undefined;
  }

  /** What an interrupted restore into `id` left: its directory, unless the cluster made it into the registry. */
  async discardRestore(id: string): Promise<void> {
    await this.env.disk.remove(this.restoreDirectory(id));
    if (this.registry.get(id) === undefined) await this.env.disk.remove(join(this.clustersDir, id));
  }

  private restoreDirectory(id: string): string {
    return join(this.clustersDir, `.restore-${id}`);
  }

  private checkQuota(): void {
    const quota = this.options.maxClusters ?? DSQL_CLUSTER_QUOTA;
    if (this.registry.size >= quota) {
      throw new ApiError(402, 'ServiceQuotaExceededException', 'You have reached the cluster limit.', { resourceId: '', resourceType: 'cluster', serviceCode: 'dsql', quotaCode: 'single-region-clusters' });
    }
  }

  /**
   * UpdateCluster: deletion protection is the one property Strata has to change. It is a
   * registry change, so an IDLE or INACTIVE cluster takes it too, and stays as it is: making it
   * ACTIVE is a connection's part (protecting a cluster nobody uses is what one would do).
   */
  update(id: string, deletionProtectionEnabled: boolean | undefined): Promise<ClusterRecord> {
    return this.operation(async () => {
      const record = this.find(id);
      if (record.status !== 'ACTIVE' && record.status !== 'IDLE' && record.status !== 'INACTIVE') {
        throw conflict(id, `Cluster ${id} is ${record.status}; only an ACTIVE, IDLE or INACTIVE cluster can be updated`);
      }
      if (deletionProtectionEnabled !== undefined && deletionProtectionEnabled !== record.deletionProtectionEnabled) {
        record.deletionProtectionEnabled = deletionProtectionEnabled;
        await this.registry.save();
      }
      return record;
    });
  }

  /**
   * DeleteCluster: refused while deletion protection is on and for the data directory's own
   * cluster; otherwise DELETING (durably), then in the background its sessions end, its
   * database closes, its files go, and it leaves the registry.
   */
  delete(id: string): Promise<ClusterRecord> {
    return this.operation(() => this.deleteNow(id));
  }

  private async deleteNow(id: string): Promise<ClusterRecord> {
    const record = this.find(id);
    if (record.isDefault) {
      throw validation('other', `Cluster ${id} is this data directory's own cluster and cannot be deleted; stop strata and remove the data directory instead`);
    }
    if (record.status === 'DELETING') return record;
    if (record.deletionProtectionEnabled) throw deletionProtected(id);
    if (record.status === 'CREATING') throw conflict(id, `Cluster ${id} is still being created; delete it once it is ACTIVE`);
    record.status = 'DELETING';
    await this.registry.save();
    // After a reopen or a close under way: an INACTIVE cluster has nothing open to close.
    this.track(this.serialize(id, () => this.finishDeletion(record)));
    return record;
  }

  tag(arn: string, tags: Record<string, string>): Promise<void> {
    return this.operation(async () => {
      const record = this.findByArn(arn);
      const merged = { ...record.tags, ...tags };
      checkTags(merged);
      record.tags = merged;
      await this.registry.save();
    });
  }

  untag(arn: string, keys: readonly string[]): Promise<void> {
    return this.operation(async () => {
      const record = this.findByArn(arn);
      const kept = { ...record.tags };
      for (const key of keys) delete kept[key];
      record.tags = kept;
      await this.registry.save();
    });
  }

  /** One page of clusters in id order; `nextToken` is the last id of the previous page. */
  list(maxResults: number | undefined, nextToken: string | undefined): { clusters: ClusterRecord[]; nextToken?: string } {
    const limit = checkPage(maxResults, nextToken);
    const after = this.registry.list().filter((record) => nextToken === undefined || record.id > nextToken);
    const page = after.slice(0, limit);
    return after.length > limit ? { clusters: page, nextToken: page[page.length - 1]!.id } : { clusters: page };
  }

  /**
   * A connection for cluster `id` (routed by its SNI): the cluster is ACTIVE from now. null when
   * it is open and the connection can be served at once; else a promise that settles once the
   * close or reopen under way is done (rejected if the cluster could not be reopened, or not
   * within RESUME_WAIT_MS); the caller then routes the connection again.
   */
  connect(id: string): Promise<void> | null {
    const record = this.registry.get(id);
    if (record === undefined || record.isDefault) return null;
    this.lastActiveMs.set(id, this.nowMs());
    if (!this.transitions.has(id) && (record.status === 'ACTIVE' || record.status === 'IDLE')) {
      if (record.status === 'IDLE') void this.changeStatus(record, 'ACTIVE');
      return null;
    }
    if (record.status !== 'INACTIVE' && record.status !== 'IDLE' && record.status !== 'ACTIVE') return null;
    if (this.stopped) return Promise.reject(new Error('strata is stopping'));
    const resumed = this.serialize(id, () => this.resume(record));
    this.track(resumed.catch(() => {}));
    return this.withinResumeWait(resumed);
  }

  /**
   * Keeps cluster `id` open (and ACTIVE) until the returned release is called: a backup reading
   * its database is activity as a connection is.
   */
  hold(id: string): () => void {
    this.holds.set(id, (this.holds.get(id) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.holds.get(id) ?? 1) - 1;
      if (left > 0) this.holds.set(id, left);
      else this.holds.delete(id);
      if (this.lastActiveMs.has(id)) this.lastActiveMs.set(id, this.nowMs());
    };
  }

  /** The idle check: ACTIVE clusters unused for idleAfterMs turn IDLE, for inactiveAfterMs INACTIVE. */
  private sweepIdle(): void {
    if (this.stopped) return;
    const nowMs = this.nowMs();
    for (const record of this.registry.list()) {
      if (record.isDefault || (record.status !== 'ACTIVE' && record.status !== 'IDLE') || this.transitions.has(record.id)) continue;
      if (this.inUse(record.id)) {
        this.lastActiveMs.set(record.id, nowMs);
        continue;
      }
      if (this.quietFor(record.id, this.inactiveAfterMs)) this.deactivate(record);
      else if (record.status === 'ACTIVE' && this.quietFor(record.id, this.idleAfterMs!)) void this.changeStatus(record, 'IDLE');
    }
  }

  private quietFor(id: string, ms: number): boolean {
    const nowMs = this.nowMs();
    return nowMs - (this.lastActiveMs.get(id) ?? nowMs) >= ms;
  }

  private inUse(id: string): boolean {
    return this.options.cores.openConnections(id) > 0 || this.holds.has(id);
  }

  /**
   * Closes an unused cluster's database and makes it INACTIVE. IDLE at once (a backup needs an
   * ACTIVE cluster, so none starts on it now); a connection that comes meanwhile waits for the
   * close and reopens it (`connect`).
   */
  private deactivate(record: ClusterRecord): void {
    if (record.status === 'ACTIVE') void this.changeStatus(record, 'IDLE');
    this.track(this.serialize(record.id, async () => {
      // A connection that came since the check is activity: it finds the cluster still open.
      if (record.status !== 'IDLE' || this.inUse(record.id) || !this.quietFor(record.id, this.inactiveAfterMs)) return;
      try {
        await this.options.cores.close(record.id);
      } catch (error) {
        // Treated as closed all the same: the next connection opens it anew.
        this.env.log.error(`cluster ${record.id}: closing it as INACTIVE: ${(error as Error).message}`);
      }
      this.lastActiveMs.delete(record.id);
      if (record.status === 'IDLE') await this.changeStatus(record, 'INACTIVE');
    }));
  }

  /** Reopens an INACTIVE cluster for a connection (a cluster still open only turns ACTIVE). */
  private async resume(record: ClusterRecord): Promise<void> {
    if (this.stopped) throw new Error('strata is stopping');
    if (record.status === 'IDLE') await this.changeStatus(record, 'ACTIVE');
    if (record.status !== 'INACTIVE') return;
    try {
      await this.options.cores.open(record.id, join(this.clustersDir, record.id));
    } catch (error) {
      // Stays INACTIVE: the next connection tries again.
      this.env.log.error(`cluster ${record.id} failed to reopen: ${(error as Error).message}`);
      throw error;
    }
    this.lastActiveMs.set(record.id, this.nowMs());
    if (record.status === 'INACTIVE') await this.changeStatus(record, 'ACTIVE');
  }

  private withinResumeWait(resumed: Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = this.env.timers.setTimeout(() => reject(new Error(`not open within ${RESUME_WAIT_MS / 1000} s`)), RESUME_WAIT_MS);
      resumed.then(resolve, reject).finally(() => this.env.timers.clearTimeout(timer));
    });
  }

  /** Runs `work` on cluster `id` after the open, close or deletion of it under way. */
  private serialize(id: string, work: () => Promise<void>): Promise<void> {
    const before = this.transitions.get(id) ?? Promise.resolve();
    const done = before.then(work, work);
    const settled = done.then(() => {}, () => {});
    this.transitions.set(id, settled);
    void settled.then(() => {
      if (this.transitions.get(id) === settled) this.transitions.delete(id);
    });
    return done;
  }

  /** A lifecycle change, written to the registry so a restart keeps it (an INACTIVE cluster stays closed). */
  private changeStatus(record: ClusterRecord, status: 'ACTIVE' | 'IDLE' | 'INACTIVE'): Promise<void> {
    record.status = status;
    const saved = this.registry.save();
    this.track(saved.catch((error: unknown) => this.env.log.error(`saving the registry: ${(error as Error).message}`)));
    return saved;
  }

  private nowMs(): number {
    return Math.floor(this.env.clock.now().earliest / 1000);
  }

  /** Waits for opens and deletions under way; closing the databases is the node's part. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweep !== null) this.env.timers.clearInterval(this.sweep);
    this.sweep = null;
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    await this.registry.save();
  }

  /**
   * Runs a request's change as work `stop` waits for. An API request's handler runs on after
   * its socket is dropped, so without this a CreateCluster under way when the node stopped
   * opened its cluster after `stop` returned (a database nobody closes; found by the fuzz test
   * in test/fuzz/node.test.ts). The work is tracked before its first await, and a creation's
   * background open is tracked before the creation settles, so `stop`'s loop sees both.
   */
  private operation<T>(work: () => Promise<T>): Promise<T> {
    if (this.stopped) return Promise.reject(new ApiError(503, 'ServiceUnavailableException', 'strata is stopping'));
    const result = work();
    this.track(result.then(() => {}, () => {}));
    return result;
  }

  private track(work: Promise<void>): void {
    const tracked = work.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private async bringUp(record: ClusterRecord): Promise<void> {
    try {
      await this.options.cores.open(record.id, join(this.clustersDir, record.id));
      // Not saved now: a CREATING cluster is opened at the next start all the same, and turns
      // ACTIVE then; the next save records it. One fsync less before a new cluster serves.
      // An IDLE one stays IDLE until a connection comes; its idle time counts from now.
      if (record.status !== 'IDLE') record.status = 'ACTIVE';
      this.lastActiveMs.set(record.id, this.nowMs());
    } catch (error) {
      this.env.log.error(`cluster ${record.id} failed to open: ${(error as Error).message}`);
      record.status = 'FAILED';
      await this.registry.save();
    }
  }

  private async finishDeletion(record: ClusterRecord): Promise<void> {
    try {
      this.lastActiveMs.delete(record.id);
      await this.options.cores.close(record.id);
      await this.env.disk.remove(join(this.clustersDir, record.id));
      this.registry.remove(record.id);
      await this.registry.save();
    } catch (error) {
      // Stays DELETING in the registry: the next start tries again.
      this.env.log.error(`deleting cluster ${record.id}: ${(error as Error).message}`);
    }
  }
}

/** ListClusters' paging input checked: the page size it asks for. */
export function checkPage(maxResults: number | undefined, nextToken: string | undefined): number {
  const limit = maxResults ?? MAX_LIST_RESULTS;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_RESULTS) {
    throw validation('fieldValidationFailed', `maxResults must be from 1 to ${MAX_LIST_RESULTS}`, [{ name: 'maxResults', message: `must be from 1 to ${MAX_LIST_RESULTS}` }]);
  }
  if (nextToken !== undefined && !/^[a-z0-9]{26}$/.test(nextToken)) throw validation('fieldValidationFailed', 'The nextToken is not one this service issued', [{ name: 'nextToken', message: 'invalid token' }]);
  return limit;
}

/** DeleteCluster's refusal while deletion protection is on. */
export function deletionProtected(id: string): ApiError {
  return validation('deletionProtectionEnabled', `Cluster ${id} has deletion protection enabled. Disable it with UpdateCluster (deletionProtectionEnabled false) before deleting the cluster`);
}

function sorted(tags: Record<string, string>): [string, string][] {
  return Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** AWS's tag limits: 50 tags, keys 1–128 characters not starting with `aws:`, values up to 256. */
export function checkTags(tags: Record<string, string>): void {
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) throw validation('fieldValidationFailed', `A resource can have at most ${MAX_TAGS} tags`, [{ name: 'tags', message: `at most ${MAX_TAGS} tags` }]);
  for (const [key, value] of entries) {
    if (typeof value !== 'string' || key.length < 1 || key.length > 128 || value.length > 256 || key.toLowerCase().startsWith('aws:')) {
      throw validation('fieldValidationFailed', `Tag ${JSON.stringify(key)} is invalid: keys are 1 to 128 characters not starting with "aws:", values at most 256`, [{ name: 'tags', message: `invalid tag ${JSON.stringify(key)}` }]);
    }
  }
}
