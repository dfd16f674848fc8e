/**
 * DSQL's cluster operations for a distributed deployment (docs/distributed.md "The control
 * API"): the one cluster its processes make up, as every control node answers for it.
 *
 * What the API can change (deletion protection, tags) and what it shows that no node knows by
 * itself (the account id of the ARN, the creation time) live in one etcd key, written by
 * compare-and-swap on its revision, so any control node answers and changes it, leader or not,
 * and a change made through one is what the next request to another sees. The first control
 * node to start writes it (put if absent): that is the cluster's creation time.
 *
 * The deployment is its cluster: CreateCluster is refused (a new cluster is a new deployment),
 * and so is DeleteCluster once deletion protection is off (the nodes are stopped and their data
 * removed by whoever runs them: `strata local down`, then the directory). A linked cluster's
 * GetCluster shows its witness region and the ARN of each peer region's cluster: the peers share
 * one identifier, endpoint name and signing region (identity.json), where DSQL gives each its own.
 */
import type { ClusterView, CreateClusterInput } from '../../control/control-plane.js';
import { checkPage, checkTags, deletionProtected } from '../../control/control-plane.js';
import type { ClusterPage, ClusterService } from '../../control/cluster-service.js';
import type { BackupSubjects } from '../../control/backup-plane.js';
import { ApiError, arnNotFound, notFound, validation } from '../../control/api-error.js';
import type { Coordination } from '../../env/coordination.js';
import type { Clock, RandomSource } from '../../contracts/time.js';

export interface DeployedClusterOptions {
  readonly coordination: Coordination;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** The etcd key of the cluster's record. */
  readonly key: string;
  /** The cluster's identity (identity.json): its identifier, signing region and endpoint name. */
  readonly identity: { readonly clusterId: string; readonly region: string; readonly endpoint: string };
  /** A linked cluster's peer regions (those with query processors) and witness; absent for one region. */
  readonly linked?: { readonly peerRegions: readonly string[]; readonly witnessRegion?: string };
}

/** The record in etcd. */
interface StoredCluster {
  readonly version: 1;
  readonly accountId: string;
  readonly creationTimeMs: number;
  readonly deletionProtectionEnabled: boolean;
  readonly tags: Readonly<Record<string, string>>;
}

/** A change that lost its compare-and-swap this many times in a row is answered ConflictException. */
const MAX_ATTEMPTS = 8;

export class DeployedCluster implements ClusterService {
  private readonly key: Uint8Array;

  /** The account id of the cluster's ARNs: chosen once, by the first control node. */
  private readonly accountId: string;

  private constructor(private readonly options: DeployedClusterOptions, key: Uint8Array, record: StoredCluster) {
    this.key = key;
    this.accountId = record.accountId;
  }

  /** Opens the record, writing it first when no control node has yet. */
  static async open(options: DeployedClusterOptions): Promise<DeployedCluster> {
    const key = Buffer.from(options.key);
    let accountId = '';
    for (let i = 0; i < 12; i++) accountId += String(options.random.int(10));
    const first: StoredCluster = {
      version: 1, accountId, creationTimeMs: Math.floor(options.clock.now().earliest / 1000), deletionProtectionEnabled: true, tags: {},
    };
    await options.coordination.transaction(
      [{ key, target: 'create', op: '==', revision: 0 }],
      [{ type: 'put', key, value: Buffer.from(JSON.stringify(first)) }],
    );
    return new DeployedCluster(options, key, (await readRecord(options.coordination, key)).record);
  }

  get identifier(): string {
    return this.options.identity.clusterId;
  }

  create(_input: CreateClusterInput): Promise<ClusterView> {
    return Promise.reject(validation('other', `This API answers for the distributed cluster ${this.identifier} its nodes make up; a new cluster is a deployment of its own (strata local up --dir DIR, or nodes started from a cluster config)`));
  }

  async get(identifier: string): Promise<ClusterView> {
    this.check(identifier);
    return this.view((await this.read()).record);
  }

  async list(maxResults: number | undefined, nextToken: string | undefined): Promise<ClusterPage> {
    checkPage(maxResults, nextToken);
    if (nextToken !== undefined && nextToken >= this.identifier) return { clusters: [] };
    return { clusters: [{ identifier: this.identifier, arn: this.arn(this.options.identity.region) }] };
  }

  async update(identifier: string, deletionProtectionEnabled: boolean | undefined): Promise<ClusterView> {
    this.check(identifier);
    return this.view(await this.change((record) => (deletionProtectionEnabled === undefined ? record : { ...record, deletionProtectionEnabled })));
  }

  async delete(identifier: string): Promise<ClusterView> {
    this.check(identifier);
    const { record } = await this.read();
    if (record.deletionProtectionEnabled) throw deletionProtected(identifier);
    throw validation('other', `Cluster ${identifier} is a distributed deployment: it is deleted by stopping its nodes and removing their data (strata local down --dir DIR, then the directory)`);
  }

  async tagsOf(arn: string): Promise<Record<string, string>> {
    this.checkArn(arn);
    return { ...(await this.read()).record.tags };
  }

  async tag(arn: string, tags: Record<string, string>): Promise<void> {
    this.checkArn(arn);
    await this.change((record) => {
      const merged = { ...record.tags, ...tags };
      checkTags(merged);
      return { ...record, tags: merged };
    });
  }

  async untag(arn: string, keys: readonly string[]): Promise<void> {
    this.checkArn(arn);
    await this.change((record) => {
      const kept = { ...record.tags };
      for (const key of keys) delete kept[key];
      return { ...record, tags: kept };
    });
  }

  /** The cluster as AWS Backup's jobs see it: always ACTIVE, never closed, so held by nothing. */
  backupSubjects(): BackupSubjects {
    return {
      accountId: this.accountId,
      arnOf: () => this.arn(this.options.identity.region),
      find: async (arn) => {
        this.checkArn(arn);
        const { record } = await this.read();
        return { id: this.identifier, status: 'ACTIVE', tags: record.tags };
      },
      hold: () => () => {},
    };
  }

  private check(identifier: string): void {
    if (identifier !== this.identifier) throw notFound(identifier);
  }

  /** The cluster's ARN in its signing region, or a peer region's ARN of a linked cluster. */
  private checkArn(arn: string): void {
    const regions = [this.options.identity.region, ...(this.options.linked?.peerRegions ?? [])];
    if (!regions.some((region) => this.arn(region) === arn)) throw arnNotFound(arn);
  }

  private arn(region: string): string {
    return `arn:aws:dsql:${region}:${this.accountId}:cluster/${this.identifier}`;
  }

  private view(record: StoredCluster): ClusterView {
    const { identity, linked } = this.options;
    return {
      identifier: identity.clusterId, arn: this.arn(identity.region), status: 'ACTIVE',
      creationTime: record.creationTimeMs / 1000, deletionProtectionEnabled: record.deletionProtectionEnabled,
      tags: { ...record.tags }, endpoint: identity.endpoint,
      encryptionDetails: { encryptionType: 'AWS_OWNED_KMS_KEY', encryptionStatus: 'ENABLED' },
      ...(linked === undefined ? {} : {
        multiRegionProperties: {
          ...(linked.witnessRegion === undefined ? {} : { witnessRegion: linked.witnessRegion }),
          clusters: linked.peerRegions.map((region) => this.arn(region)),
        },
      }),
    };
  }

  private read(): Promise<{ record: StoredCluster; revision: number }> {
    return unavailableAsApiError(readRecord(this.options.coordination, this.key));
  }

  /** Applies `change` to the record by compare-and-swap, read again after each lost race. */
  private async change(change: (record: StoredCluster) => StoredCluster): Promise<StoredCluster> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { record, revision } = await this.read();
      const next = change(record);
      if (next === record) return record;
      const { succeeded } = await unavailableAsApiError(this.options.coordination.transaction(
        [{ key: this.key, target: 'mod', op: '==', revision }],
        [{ type: 'put', key: this.key, value: Buffer.from(JSON.stringify(next)) }],
      ));
      if (succeeded) return next;
    }
    throw new ApiError(409, 'ConflictException', `Cluster ${this.identifier} is being changed by other requests; try again`, { resourceId: this.identifier, resourceType: 'cluster' });
  }
}

/** The record at exactly `key` (the range up to the next possible key). */
async function readRecord(coordination: Coordination, key: Uint8Array): Promise<{ record: StoredCluster; revision: number }> {
  const { entries } = await coordination.range(key, Buffer.concat([key, Buffer.from([0])]));
  const entry = entries[0];
  if (entry === undefined) throw new ApiError(500, 'InternalServerException', `the cluster's record (${Buffer.from(key).toString()}) is missing from etcd`);
  return { record: JSON.parse(Buffer.from(entry.value).toString('utf8')) as StoredCluster, revision: entry.modRevision };
}

/** etcd out of reach: DSQL's retryable InternalServerException, not a dropped request. */
function unavailableAsApiError<T>(work: Promise<T>): Promise<T> {
  return work.catch((error: unknown) => {
    if (error instanceof ApiError) throw error;
    throw new ApiError(500, 'InternalServerException', `The cluster's record could not be read or written: ${(error as Error).message}`, { retryAfterSeconds: 1 });
  });
}
