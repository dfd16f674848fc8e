import { join } from 'node:path';
import { assert } from '../contracts/errors.js';
import { backupFileBytes, type BackupHeader, type ClusterBackups } from '../contracts/backup.js';
import type { Env } from '../env/env.js';
import { ApiError } from './api-error.js';
import type { ControlPlane, CreateClusterInput } from './control-plane.js';
import { DurableJson } from './durable-json.js';

/**
 * Backups and restores as DSQL's users reach them, through AWS Backup (reference/dsql.md §9;
 * docs/backup.md): on-demand backup jobs that write a full backup of a cluster into a
 * recovery point of a vault, and restore jobs that make a new cluster from a recovery point.
 * Jobs run in the background, CREATED (restores: PENDING) → RUNNING → COMPLETED or FAILED.
 *
 * State: `<data dir>/backups/backups.json` (vaults, recovery points, jobs), rewritten whole
 * and atomically on each change, one write at a time; each recovery point's file is
 * `<data dir>/backups/<recovery point id>.backup`. A job that a restart interrupted is FAILED
 * at the next start, and what it left (a partial file, a half-filled cluster directory) removed.
 */

/** DSQL's quota: at most 4 restore jobs at once (reference/dsql.md §3.1). */
export const MAX_CONCURRENT_RESTORES = 4;
/** Not an AWS number: backups under way at once, each a read of a whole cluster. */
export const MAX_CONCURRENT_BACKUPS = 4;
/** Finished jobs kept for Describe/List (AWS keeps them for a while too); the oldest go first. */
const MAX_FINISHED_JOBS = 1_000;
/** ListBackupJobs and the recovery point lists: pages of at most this many (AWS Backup's MaxResults bound). */
export const MAX_LIST_RESULTS = 1_000;
const STATE_VERSION = 1;
/** AWS Backup's vault names. */
const VAULT_NAME = /^[a-zA-Z0-9\-_]{2,50}$/;
/** The resource type AWS Backup gives DSQL clusters. */
export const RESOURCE_TYPE = 'AuroraDSQL';

export type BackupJobState = 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED';
export type RestoreJobStatus = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED';

export interface BackupJobRecord {
  readonly id: string;
  readonly vaultName: string;
  readonly clusterId: string;
  readonly recoveryPointId: string;
  state: BackupJobState;
  statusMessage?: string;
  readonly creationMs: number;
  completionMs?: number;
  sizeBytes?: number;
  readonly iamRoleArn?: string;
  readonly idempotencyToken?: string;
}

export interface RecoveryPointRecord {
  readonly id: string;
  readonly vaultName: string;
  readonly clusterId: string;
  readonly creationMs: number;
  readonly completionMs: number;
  readonly sizeBytes: number;
  /** The commit timestamp (µs) the backup holds the cluster as of. */
  readonly timestamp: number;
  /** The source cluster's tags when it was backed up (CopySourceTagsToRestoredResource). */
  readonly sourceTags: Record<string, string>;
  readonly iamRoleArn?: string;
}

export interface RestoreJobRecord {
  readonly id: string;
  readonly recoveryPointId: string;
  status: RestoreJobStatus;
  statusMessage?: string;
  readonly creationMs: number;
  completionMs?: number;
  /** The id the new cluster gets (reserved when the job starts, so a restart can clean up). */
  readonly createdClusterId: string;
  created?: boolean;
  readonly deletionProtectionEnabled: boolean;
  readonly tags: Record<string, string>;
  readonly iamRoleArn?: string;
  readonly idempotencyToken?: string;
  sizeBytes?: number;
}

export interface VaultRecord {
  readonly name: string;
  readonly creationMs: number;
  /** CreateBackupVault's idempotency id, when it gave one. */
  readonly creatorRequestId?: string;
}

interface StoredState {
  readonly version: number;
  readonly vaults: VaultRecord[];
  readonly recoveryPoints: RecoveryPointRecord[];
  readonly backupJobs: BackupJobRecord[];
  readonly restoreJobs: RestoreJobRecord[];
}

/**
 * AWS Backup's client errors: 400 with the type the SDK maps to its exception, Code (the type,
 * unless a finer code is given) and Message.
 */
export function backupError(type: string, message: string, code: string = type): ApiError {
  return new ApiError(400, type, message, { Code: code, Message: message });
}

export interface StartBackupInput {
  readonly vaultName: string;
  readonly resourceArn: string;
  readonly iamRoleArn?: string;
  readonly idempotencyToken?: string;
}

export interface StartRestoreInput {
  readonly recoveryPointArn: string;
  readonly deletionProtectionEnabled: boolean;
  readonly copySourceTags: boolean;
  readonly iamRoleArn?: string;
  readonly idempotencyToken?: string;
}

/** A cluster as a backup job sees it. */
export interface BackupSubject {
  readonly id: string;
  readonly status: string;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The clusters backups are taken of: the embedded node's control plane's (`controlPlaneSubjects`),
 * or the one cluster of a distributed deployment.
 */
export interface BackupSubjects {
  readonly accountId: string;
  arnOf(id: string): string;
  /** The cluster an ARN names; rejects when it names none here. */
  find(arn: string): Promise<BackupSubject>;
  /** Keeps the cluster open (and ACTIVE) until the returned release is called. */
  hold(id: string): () => void;
}

/** Where restores make their clusters (ControlPlane's operations of the same names). */
export interface RestoreTarget {
  reserveId(): string;
  /** Whether the cluster entered the registry (a restore that got that far is whole). */
  exists(id: string): boolean;
  createRestored(id: string, input: CreateClusterInput, fill: (directory: string) => Promise<void>): Promise<unknown>;
  discardRestore(id: string): Promise<void>;
}

export interface BackupPlaneOptions {
  readonly env: Env;
  /** Where `backups/` goes: the state file and the recovery points' files. */
  readonly dataDir: string;
  readonly region: string;
  readonly clusters: BackupSubjects;
  /** Where restores create clusters; or why StartRestoreJob is refused here, given the recovery point's file. */
  readonly restores: RestoreTarget | { readonly refusal: (file: string) => string };
  readonly backups: ClusterBackups;
}

/** The embedded node's clusters as backup subjects: its control plane's. */
export function controlPlaneSubjects(plane: ControlPlane): BackupSubjects {
  return {
    get accountId() {
      return plane.registry.accountId;
    },
    arnOf: (id) => plane.arnOf(id),
    find: async (arn) => plane.findByArn(arn),
    hold: (id) => plane.hold(id),
  };
}

export class BackupPlane {
  private readonly env: Env;
  private readonly directory: string;
  private readonly running = new Set<Promise<void>>();
  private readonly file: DurableJson;
  private stopping = false;

  private constructor(private readonly options: BackupPlaneOptions, private readonly state: StoredState) {
    this.env = options.env;
    this.directory = join(options.dataDir, 'backups');
    // Finished jobs beyond the bound are dropped, oldest first, as each save starts.
    this.file = new DurableJson(this.env.disk, join(this.directory, 'backups.json'), () => {
      trimFinished(state.backupJobs, (job) => job.state === 'COMPLETED' || job.state === 'FAILED');
      trimFinished(state.restoreJobs, (job) => job.status === 'COMPLETED' || job.status === 'FAILED');
      return state;
    }, 1);
  }

  /** Reads the state; jobs a restart interrupted turn FAILED and what they left is removed. */
  static async start(options: BackupPlaneOptions): Promise<BackupPlane> {
    const directory = join(options.dataDir, 'backups');
    await options.env.disk.mkdir(directory);
    const bytes = await options.env.disk.readFile(join(directory, 'backups.json'));
    const state = bytes === null ? { version: STATE_VERSION, vaults: [], recoveryPoints: [], backupJobs: [], restoreJobs: [] } : parseState(directory, bytes);
    const plane = new BackupPlane(options, state);
    await plane.failInterrupted();
    return plane;
  }

  private async failInterrupted(): Promise<void> {
    const nowMs = this.nowMs();
    const reason = 'interrupted: strata stopped while the job ran; start the job again';
    for (const job of this.state.backupJobs) {
      if (job.state !== 'CREATED' && job.state !== 'RUNNING') continue;
      const file = this.fileOf(job.recoveryPointId);
      await this.env.disk.remove(`${file}.partial`);
      await this.env.disk.remove(file);
      Object.assign(job, { state: 'FAILED', statusMessage: reason, completionMs: nowMs });
    }
    const restores = 'refusal' in this.options.restores ? null : this.options.restores;
    for (const job of this.state.restoreJobs) {
      if (job.status !== 'PENDING' && job.status !== 'RUNNING') continue;
      if (restores !== null && restores.exists(job.createdClusterId)) {
        // The cluster entered the registry whole (it does only once its data is durable):
        // only the job's own record was not written.
        Object.assign(job, { status: 'COMPLETED', completionMs: nowMs, created: true });
        continue;
      }
      await restores?.discardRestore(job.createdClusterId);
      Object.assign(job, { status: 'FAILED', statusMessage: reason, completionMs: nowMs });
    }
    await this.save();
  }

  // ARNs

  vaultArn(name: string): string {
    return `arn:aws:backup:${this.options.region}:${this.accountId}:backup-vault:${name}`;
  }

  recoveryPointArn(id: string): string {
    return `arn:aws:backup:${this.options.region}:${this.accountId}:recovery-point:${id}`;
  }

  get accountId(): string {
    return this.options.clusters.accountId;
  }

  get region(): string {
    return this.options.region;
  }

  clusterArn(id: string): string {
    return this.options.clusters.arnOf(id);
  }

  // Backup jobs

  /**
   * StartBackupJob: a full backup of the cluster the ARN names into a new recovery point of the
   * vault (made on first use). The cluster must be ACTIVE, as DSQL requires.
   */
  async startBackupJob(input: StartBackupInput): Promise<BackupJobRecord> {
    if (this.stopping) throw new ApiError(503, 'ServiceUnavailableException', 'strata is stopping', { Code: 'ServiceUnavailableException', Message: 'strata is stopping' });
    checkVaultName(input.vaultName);
    const sameRequest = () => (input.idempotencyToken === undefined ? undefined : this.state.backupJobs.find((job) => job.idempotencyToken === input.idempotencyToken));
    const earlier = sameRequest();
    if (earlier !== undefined) return earlier;
    const cluster = await this.clusterOf(input.resourceArn);
    if (cluster.status !== 'ACTIVE') throw notActive(cluster);
    // Looked for again: another request with the token may have started its job meanwhile.
    const started = sameRequest();
    if (started !== undefined) return started;
    if (this.state.backupJobs.filter((job) => job.state === 'CREATED' || job.state === 'RUNNING').length >= MAX_CONCURRENT_BACKUPS) {
      throw backupError('LimitExceededException', `At most ${MAX_CONCURRENT_BACKUPS} backup jobs can run at once`);
    }
    this.vault(input.vaultName);
    const job: BackupJobRecord = {
      id: this.uuid(), vaultName: input.vaultName, clusterId: cluster.id, recoveryPointId: this.uuid(), state: 'CREATED', creationMs: this.nowMs(),
      ...(input.iamRoleArn === undefined ? {} : { iamRoleArn: input.iamRoleArn }),
      ...(input.idempotencyToken === undefined ? {} : { idempotencyToken: input.idempotencyToken }),
    };
    // The backup is activity: the cluster stays open and ACTIVE until it is read.
    const release = this.options.clusters.hold(cluster.id);
    try {
      this.state.backupJobs.push(job);
      await this.save();
    } catch (error) {
      release();
      throw error;
    }
    this.run(this.runBackup(job, { ...cluster.tags }).finally(release));
    return job;
  }

  private async runBackup(job: BackupJobRecord, sourceTags: Record<string, string>): Promise<void> {
    job.state = 'RUNNING';
    await this.save();
    try {
      const header = await this.options.backups.backup(job.clusterId, this.fileOf(job.recoveryPointId), () => this.stopping);
      const size = backupFileBytes(header);
      this.state.recoveryPoints.push({
        id: job.recoveryPointId, vaultName: job.vaultName, clusterId: job.clusterId, creationMs: job.creationMs, completionMs: this.nowMs(),
        sizeBytes: size, timestamp: header.timestamp, sourceTags, ...(job.iamRoleArn === undefined ? {} : { iamRoleArn: job.iamRoleArn }),
      });
      Object.assign(job, { state: 'COMPLETED', completionMs: this.nowMs(), sizeBytes: size });
    } catch (error) {
      Object.assign(job, { state: 'FAILED', completionMs: this.nowMs(), statusMessage: messageOf(error) });
    }
    await this.save();
  }

  backupJob(id: string): BackupJobRecord {
    const job = this.state.backupJobs.find((candidate) => candidate.id === id);
    if (job === undefined) throw backupError('ResourceNotFoundException', `Backup job ${id} not found`);
    return job;
  }

  backupJobs(filter: { resourceArn?: string; state?: string; vaultName?: string }): BackupJobRecord[] {
    return this.state.backupJobs.filter((job) => (filter.resourceArn === undefined || this.clusterArn(job.clusterId) === filter.resourceArn)
      && (filter.state === undefined || job.state === filter.state)
      && (filter.vaultName === undefined || job.vaultName === filter.vaultName));
  }

  // Vaults

  /**
   * CreateBackupVault: a vault is a name here (no access policy, lock or key to set up). The
   * same name again is AlreadyExistsException, as AWS answers, unless it is the same request
   * again (its CreatorRequestId).
   */
  async createVault(name: string, creatorRequestId?: string): Promise<VaultRecord> {
    checkVaultName(name);
    const existing = this.state.vaults.find((vault) => vault.name === name);
    if (existing !== undefined) {
      if (creatorRequestId !== undefined && existing.creatorRequestId === creatorRequestId) return existing;
      throw backupError('AlreadyExistsException', `Backup vault with the same name ${name} already exists`);
    }
    const vault: VaultRecord = { name, creationMs: this.nowMs(), ...(creatorRequestId === undefined ? {} : { creatorRequestId }) };
    this.state.vaults.push(vault);
    await this.save();
    return vault;
  }

  vaultNamed(name: string): VaultRecord {
    const vault = this.state.vaults.find((candidate) => candidate.name === name);
    if (vault === undefined) throw backupError('ResourceNotFoundException', `Backup vault ${name} not found`);
    return vault;
  }

  vaults(): readonly VaultRecord[] {
    return this.state.vaults;
  }

  recoveryPointCount(vaultName: string): number {
    return this.state.recoveryPoints.filter((point) => point.vaultName === vaultName).length;
  }

  /** DeleteBackupVault: only an empty vault with no backup job writing into it, as AWS requires. */
  async deleteVault(name: string): Promise<void> {
    const vault = this.vaultNamed(name);
    if (this.recoveryPointCount(name) > 0) throw backupError('InvalidRequestException', `Backup vault ${name} cannot be deleted because it contains recovery points`);
    if (this.state.backupJobs.some((job) => job.vaultName === name && (job.state === 'CREATED' || job.state === 'RUNNING'))) {
      throw backupError('InvalidRequestException', `Backup vault ${name} cannot be deleted while a backup job writes into it`);
    }
    this.state.vaults.splice(this.state.vaults.indexOf(vault), 1);
    await this.save();
  }

  // Recovery points

  recoveryPointsOfResource(resourceArn: string): RecoveryPointRecord[] {
    return this.state.recoveryPoints.filter((point) => this.clusterArn(point.clusterId) === resourceArn);
  }

  recoveryPointsOfVault(vaultName: string): RecoveryPointRecord[] {
    this.vaultNamed(vaultName);
    return this.state.recoveryPoints.filter((point) => point.vaultName === vaultName);
  }

  /** The recovery point an ARN names, in `vaultName` when given. */
  recoveryPoint(arn: string, vaultName?: string): RecoveryPointRecord {
    const point = this.state.recoveryPoints.find((candidate) => this.recoveryPointArn(candidate.id) === arn && (vaultName === undefined || candidate.vaultName === vaultName));
    if (point === undefined) throw backupError('ResourceNotFoundException', `Recovery point ${arn} not found${vaultName === undefined ? '' : ` in backup vault ${vaultName}`}`);
    return point;
  }

  async deleteRecoveryPoint(vaultName: string, arn: string): Promise<void> {
    const point = this.recoveryPoint(arn, vaultName);
    if (this.state.restoreJobs.some((job) => job.recoveryPointId === point.id && (job.status === 'PENDING' || job.status === 'RUNNING'))) {
      throw backupError('InvalidRequestException', `Recovery point ${arn} is being restored; delete it once the restore job ends`);
    }
    const index = this.state.recoveryPoints.indexOf(point);
    this.state.recoveryPoints.splice(index, 1);
    await this.save();
    await this.env.disk.remove(this.fileOf(point.id));
  }

  // Restore jobs

  /** StartRestoreJob: a new cluster from the recovery point; at most 4 at once. */
  async startRestoreJob(input: StartRestoreInput): Promise<RestoreJobRecord> {
    if (this.stopping) throw new ApiError(503, 'ServiceUnavailableException', 'strata is stopping', { Code: 'ServiceUnavailableException', Message: 'strata is stopping' });
    if (input.idempotencyToken !== undefined) {
      const earlier = this.state.restoreJobs.find((job) => job.idempotencyToken === input.idempotencyToken);
      if (earlier !== undefined) return earlier;
    }
    const point = this.recoveryPoint(input.recoveryPointArn);
    const { restores } = this.options;
    if ('refusal' in restores) throw backupError('InvalidRequestException', restores.refusal(this.fileOf(point.id)));
    if (this.state.restoreJobs.filter((job) => job.status === 'PENDING' || job.status === 'RUNNING').length >= MAX_CONCURRENT_RESTORES) {
      throw backupError('LimitExceededException', `At most ${MAX_CONCURRENT_RESTORES} restore jobs can run at once (Aurora DSQL's quota of concurrent restore jobs)`);
    }
    const job: RestoreJobRecord = {
      id: this.uuid(), recoveryPointId: point.id, status: 'PENDING', creationMs: this.nowMs(), createdClusterId: restores.reserveId(),
      deletionProtectionEnabled: input.deletionProtectionEnabled, tags: input.copySourceTags ? { ...point.sourceTags } : {},
      ...(input.iamRoleArn === undefined ? {} : { iamRoleArn: input.iamRoleArn }),
      ...(input.idempotencyToken === undefined ? {} : { idempotencyToken: input.idempotencyToken }),
    };
    this.state.restoreJobs.push(job);
    await this.save();
    this.run(this.runRestore(job, restores));
    return job;
  }

  private async runRestore(job: RestoreJobRecord, restores: RestoreTarget): Promise<void> {
    job.status = 'RUNNING';
    await this.save();
    try {
      let header: BackupHeader | null = null;
      await restores.createRestored(job.createdClusterId, { deletionProtectionEnabled: job.deletionProtectionEnabled, tags: job.tags }, async (directory) => {
        header = await this.options.backups.restore(this.fileOf(job.recoveryPointId), directory, () => this.stopping);
      });
      assert(header !== null, 'a restored cluster was filled');
      Object.assign(job, { status: 'COMPLETED', completionMs: this.nowMs(), created: true, sizeBytes: backupFileBytes(header as BackupHeader) });
    } catch (error) {
      await restores.discardRestore(job.createdClusterId).catch(() => {});
      Object.assign(job, { status: 'FAILED', completionMs: this.nowMs(), statusMessage: messageOf(error) });
    }
    await this.save();
  }

  restoreJob(id: string): RestoreJobRecord {
    const job = this.state.restoreJobs.find((candidate) => candidate.id === id);
    if (job === undefined) throw backupError('ResourceNotFoundException', `Restore job ${id} not found`);
    return job;
  }

  restoreJobs(): RestoreJobRecord[] {
    return this.state.restoreJobs;
  }

  /** Ends the jobs under way (each turns FAILED, its partial output removed) and saves. */
  async stop(): Promise<void> {
    this.stopping = true;
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    await this.save();
  }

  // Helpers

  private async clusterOf(resourceArn: string): Promise<BackupSubject> {
    try {
      return await this.options.clusters.find(resourceArn);
    } catch (error) {
      if (error instanceof ApiError && error.status >= 500) throw error;
      throw backupError('ResourceNotFoundException', `Resource ${resourceArn} not found: not the ARN of a cluster served here`);
    }
  }

  private vault(name: string): VaultRecord {
    let vault = this.state.vaults.find((candidate) => candidate.name === name);
    if (vault === undefined) {
      // Created on first use: the vault is a name here (no access policy, lock or key to set up).
      vault = { name, creationMs: this.nowMs() };
      this.state.vaults.push(vault);
    }
    return vault;
  }

  private fileOf(recoveryPointId: string): string {
    return join(this.directory, `${recoveryPointId}.backup`);
  }

  private run(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => this.env.log.error(`backup job: ${messageOf(error)}`)).finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  private nowMs(): number {
    return Math.floor(this.env.clock.now().earliest / 1000);
  }

  /** AWS Backup's job ids are upper-case UUIDs. */
  private uuid(): string {
    let hex = '';
    for (let i = 0; i < 32; i++) hex += '0123456789ABCDEF'[this.env.random.int(16)];
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** Writes the state durably (durable-json.ts). */
  private save(): Promise<void> {
    return this.file.save();
  }
}

function trimFinished<T>(jobs: T[], finished: (job: T) => boolean): void {
  let excess = jobs.filter(finished).length - MAX_FINISHED_JOBS;
  for (let i = 0; i < jobs.length && excess > 0;) {
    if (finished(jobs[i]!)) {
      jobs.splice(i, 1);
      excess--;
    } else {
      i++;
    }
  }
}

function checkVaultName(name: string): void {
  if (!VAULT_NAME.test(name)) throw backupError('InvalidParameterValueException', `BackupVaultName ${JSON.stringify(name)} is invalid: 2 to 50 letters, digits, hyphens and underscores`);
}

/**
 * DSQL's refusal of a backup of a cluster that is not ACTIVE (reference/dsql.md §7.2, code
 * FailedPrecondition). AWS Backup's StartBackupJob can answer six exception types; of those
 * InvalidRequestException ("something is wrong with the input to the request") is the one for a
 * well-formed request the resource's state refuses, and it carries a `Code` member, which holds
 * DSQL's FailedPrecondition. The recorded text ends in "…": its last sentence is completed here.
 */
function notActive(cluster: BackupSubject): ApiError {
  const wake = cluster.status === 'IDLE' || cluster.status === 'INACTIVE' ? ' Please connect to your cluster to transition it to Active state.' : '';
  return backupError('InvalidRequestException', `Cluster '${cluster.id}' is in state '${cluster.status}' and can't be backed up. In order to take a backup of your cluster, it must be in Active state.${wake}`, 'FailedPrecondition');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Checks the shape, so a hand-edited file fails loudly at start. */
function parseState(directory: string, bytes: Uint8Array): StoredState {
  let value: StoredState;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8')) as StoredState;
  } catch (error) {
    throw new Error(`${directory}/backups.json is not valid JSON: ${(error as Error).message}`);
  }
  if (value?.version !== STATE_VERSION || ![value.vaults, value.recoveryPoints, value.backupJobs, value.restoreJobs].every(Array.isArray)) {
    throw new Error(`${directory}/backups.json is malformed or of another version`);
  }
  return value;
}

