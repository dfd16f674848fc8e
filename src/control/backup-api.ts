import {
  backupError, MAX_LIST_RESULTS, RESOURCE_TYPE, type BackupJobRecord, type BackupPlane, type RecoveryPointRecord, type RestoreJobRecord, type VaultRecord,
} from './backup-plane.js';

/**
 * The part of AWS Backup's API (restJson1, signing name `backup`) that DSQL's users call, on
 * the control plane's port (docs/backup.md): the HTTP method and path pick the operation as in
 * `@aws-sdk/client-backup`'s model; inputs are the JSON body plus path and query members.
 * Members Strata cannot honour (lifecycles, recovery point tags, logically air-gapped vaults,
 * other filters) are refused by name, never ignored.
 */

export interface BackupRequest {
  readonly params: readonly string[];
  readonly query: Record<string, string | string[]>;
  readonly body: Record<string, unknown>;
}

export type BackupHandler = (backups: BackupPlane, request: BackupRequest) => Promise<unknown>;

export const BACKUP_ROUTES: readonly (readonly [string, string, BackupHandler])[] = [
  ['PUT', '/backup-vaults/{BackupVaultName}', createBackupVault],
  ['GET', '/backup-vaults/{BackupVaultName}', async (backups, { params, query }) => describeBackupVault(backups, params[0]!, query)],
  ['DELETE', '/backup-vaults/{BackupVaultName}', async (backups, { params }) => { await backups.deleteVault(params[0]!); return {}; }],
  ['GET', '/backup-vaults', listBackupVaults],
  ['PUT', '/backup-jobs', startBackupJob],
  ['GET', '/backup-jobs', listBackupJobs],
  ['GET', '/backup-jobs/{BackupJobId}', async (backups, { params }) => backupJobView(backups, backups.backupJob(params[0]!))],
  ['GET', '/resources/{ResourceArn}/recovery-points', listRecoveryPointsByResource],
  ['GET', '/backup-vaults/{BackupVaultName}/recovery-points', listRecoveryPointsByVault],
  ['GET', '/backup-vaults/{BackupVaultName}/recovery-points/{RecoveryPointArn}', async (backups, { params }) => recoveryPointView(backups, backups.recoveryPoint(params[1]!, params[0]!))],
  ['DELETE', '/backup-vaults/{BackupVaultName}/recovery-points/{RecoveryPointArn}', async (backups, { params }) => { await backups.deleteRecoveryPoint(params[0]!, params[1]!); return {}; }],
  ['GET', '/backup-vaults/{BackupVaultName}/recovery-points/{RecoveryPointArn}/restore-metadata', restoreMetadata],
  ['PUT', '/restore-jobs', startRestoreJob],
  ['GET', '/restore-jobs', async (backups, { query }) => page(backups.restoreJobs(), query, (job) => restoreJobView(backups, job), 'RestoreJobs', [])],
  ['GET', '/restore-jobs/{RestoreJobId}', async (backups, { params }) => restoreJobView(backups, backups.restoreJob(params[0]!))],
];

function text(body: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required) throw backupError('MissingParameterValueException', `${name} is required`);
    return undefined;
  }
  if (typeof value !== 'string' || value.length === 0) throw backupError('InvalidParameterValueException', `${name} must be a non-empty string`);
  return value;
}

function refuse(body: Record<string, unknown>, names: readonly string[]): void {
  for (const name of names) {
    if (body[name] !== undefined && body[name] !== null) throw backupError('InvalidParameterValueException', `${name} is not supported by Strata (docs/backup.md)`);
  }
}

function queryText(query: Record<string, string | string[]>, name: string): string | undefined {
  const value = query[name];
  return Array.isArray(value) ? value[0] : value;
}

async function createBackupVault(backups: BackupPlane, { params, body }: BackupRequest): Promise<unknown> {
  refuse(body, ['BackupVaultTags', 'EncryptionKeyArn']);
  const vault = await backups.createVault(params[0]!, text(body, 'CreatorRequestId', false));
  return { BackupVaultName: vault.name, BackupVaultArn: backups.vaultArn(vault.name), CreationDate: vault.creationMs / 1000 };
}

/** A vault as DescribeBackupVault and ListBackupVaults show it: AWS Backup's own kind, never locked. */
function vaultView(backups: BackupPlane, vault: VaultRecord): Record<string, unknown> {
  return {
    BackupVaultName: vault.name, BackupVaultArn: backups.vaultArn(vault.name), VaultType: 'BACKUP_VAULT', VaultState: 'AVAILABLE',
    CreationDate: vault.creationMs / 1000, NumberOfRecoveryPoints: backups.recoveryPointCount(vault.name), Locked: false,
    EncryptionKeyType: 'AWS_OWNED_KMS_KEY', ...(vault.creatorRequestId === undefined ? {} : { CreatorRequestId: vault.creatorRequestId }),
  };
}

async function describeBackupVault(backups: BackupPlane, name: string, query: Record<string, string | string[]>): Promise<unknown> {
  const account = queryText(query, 'backupVaultAccountId');
  if (account !== undefined && account !== backups.accountId) throw backupError('InvalidParameterValueException', 'Vaults of other accounts are not supported by Strata');
  return vaultView(backups, backups.vaultNamed(name));
}

/** ListBackupVaults: every vault is a BACKUP_VAULT (a filter for another type lists none); none is shared. */
async function listBackupVaults(backups: BackupPlane, { query }: BackupRequest): Promise<unknown> {
  if (queryText(query, 'shared') === 'true') throw backupError('InvalidParameterValueException', 'Shared vaults are not supported by Strata');
  const type = queryText(query, 'vaultType');
  const vaults = type === undefined || type === 'BACKUP_VAULT' ? backups.vaults() : [];
  return page(vaults, query, (vault) => vaultView(backups, vault), 'BackupVaultList', ['vaultType', 'shared']);
}

async function startBackupJob(backups: BackupPlane, { body }: BackupRequest): Promise<unknown> {
  refuse(body, ['Lifecycle', 'RecoveryPointTags', 'BackupOptions', 'LogicallyAirGappedBackupVaultArn', 'Index']);
  const iamRoleArn = text(body, 'IamRoleArn', false);
  const idempotencyToken = text(body, 'IdempotencyToken', false);
  const job = await backups.startBackupJob({
    vaultName: text(body, 'BackupVaultName', true)!, resourceArn: text(body, 'ResourceArn', true)!,
    ...(iamRoleArn === undefined ? {} : { iamRoleArn }), ...(idempotencyToken === undefined ? {} : { idempotencyToken }),
  });
  return { BackupJobId: job.id, RecoveryPointArn: backups.recoveryPointArn(job.recoveryPointId), CreationDate: job.creationMs / 1000, IsParent: false };
}

function backupJobView(backups: BackupPlane, job: BackupJobRecord): unknown {
  const finished = job.state === 'COMPLETED' || job.state === 'FAILED';
  return {
    AccountId: backups.accountId, BackupJobId: job.id, BackupVaultName: job.vaultName, BackupVaultArn: backups.vaultArn(job.vaultName),
    RecoveryPointArn: backups.recoveryPointArn(job.recoveryPointId), ResourceArn: backups.clusterArn(job.clusterId), ResourceName: job.clusterId,
    ResourceType: RESOURCE_TYPE, CreationDate: job.creationMs / 1000, InitiationDate: job.creationMs / 1000, State: job.state,
    PercentDone: job.state === 'COMPLETED' ? '100.0' : '0.0', BackupType: 'FULL', IsParent: false, IsEncrypted: true,
    ...(finished ? { CompletionDate: job.completionMs! / 1000 } : {}),
    ...(job.statusMessage === undefined ? {} : { StatusMessage: job.statusMessage }),
    ...(job.sizeBytes === undefined ? {} : { BackupSizeInBytes: job.sizeBytes, BytesTransferred: job.sizeBytes }),
    ...(job.iamRoleArn === undefined ? {} : { IamRoleArn: job.iamRoleArn }),
  };
}

async function listBackupJobs(backups: BackupPlane, { query }: BackupRequest): Promise<unknown> {
  const filter = {
    ...optional('resourceArn', queryText(query, 'resourceArn')), ...optional('state', queryText(query, 'state')),
    ...optional('vaultName', queryText(query, 'backupVaultName')),
  };
  return page(backups.backupJobs(filter), query, (job) => backupJobView(backups, job), 'BackupJobs', ['resourceArn', 'state', 'backupVaultName']);
}

function recoveryPointSummary(backups: BackupPlane, point: RecoveryPointRecord): Record<string, unknown> {
  return {
    RecoveryPointArn: backups.recoveryPointArn(point.id), BackupVaultName: point.vaultName, CreationDate: point.creationMs / 1000,
    Status: 'COMPLETED', BackupSizeBytes: point.sizeBytes, IsParent: false, ResourceName: point.clusterId, IsEncrypted: true,
  };
}

async function listRecoveryPointsByResource(backups: BackupPlane, { params, query }: BackupRequest): Promise<unknown> {
  return page(backups.recoveryPointsOfResource(params[0]!), query, (point) => recoveryPointSummary(backups, point), 'RecoveryPoints', ['managedByAWSBackupOnly']);
}

async function listRecoveryPointsByVault(backups: BackupPlane, { params, query }: BackupRequest): Promise<unknown> {
  const resourceArn = queryText(query, 'resourceArn');
  const points = backups.recoveryPointsOfVault(params[0]!).filter((point) => resourceArn === undefined || backups.clusterArn(point.clusterId) === resourceArn);
  return page(points, query, (point) => recoveryPointView(backups, point), 'RecoveryPoints', ['resourceArn', 'resourceType']);
}

function recoveryPointView(backups: BackupPlane, point: RecoveryPointRecord): unknown {
  return {
    ...recoveryPointSummary(backups, point), BackupVaultArn: backups.vaultArn(point.vaultName), ResourceArn: backups.clusterArn(point.clusterId),
    ResourceType: RESOURCE_TYPE, CompletionDate: point.completionMs / 1000, BackupSizeInBytes: point.sizeBytes, StorageClass: 'WARM',
    CreatedBy: {}, ...(point.iamRoleArn === undefined ? {} : { IamRoleArn: point.iamRoleArn }),
  };
}

async function restoreMetadata(backups: BackupPlane, { params }: BackupRequest): Promise<unknown> {
  const point = backups.recoveryPoint(params[1]!, params[0]!);
  return {
    BackupVaultArn: backups.vaultArn(point.vaultName), RecoveryPointArn: backups.recoveryPointArn(point.id), ResourceType: RESOURCE_TYPE,
    RestoreMetadata: { regionalConfig: JSON.stringify([{ region: backups.region, isDeletionProtectionEnabled: true }]) },
  };
}

/**
 * StartRestoreJob's Metadata for DSQL: `regionalConfig`, a JSON list of one entry for this
 * Region (`region`, `isDeletionProtectionEnabled`, `kmsKeyId`). A multi-Region restore (more
 * entries, a witness Region) and customer managed keys are refused; other keys are ignored.
 */
function restoreSettings(metadata: unknown, region: string): { deletionProtectionEnabled: boolean } {
  if (metadata === undefined || metadata === null) throw backupError('MissingParameterValueException', 'Metadata is required');
  if (typeof metadata !== 'object' || Array.isArray(metadata)) throw backupError('InvalidParameterValueException', 'Metadata must map keys to strings');
  const config = (metadata as Record<string, unknown>)['regionalConfig'];
  if (config === undefined) return { deletionProtectionEnabled: true };
  let entries: unknown;
  try {
    entries = JSON.parse(String(config));
  } catch {
    throw backupError('InvalidParameterValueException', 'Metadata regionalConfig must be a JSON list');
  }
  if (!Array.isArray(entries) || entries.length !== 1 || typeof entries[0] !== 'object' || entries[0] === null) {
    throw backupError('InvalidParameterValueException', 'Metadata regionalConfig must list exactly one Region: multi-Region restores are not supported by Strata');
  }
  const entry = entries[0] as Record<string, unknown>;
  if (entry['region'] !== undefined && entry['region'] !== region) throw backupError('InvalidParameterValueException', `Metadata regionalConfig names Region ${String(entry['region'])}; this endpoint is ${region}`);
  if (entry['kmsKeyId'] !== undefined && entry['kmsKeyId'] !== 'AWS_OWNED_KMS_KEY') throw backupError('InvalidParameterValueException', 'Customer managed KMS keys (kmsKeyId) are not supported by Strata');
  const protect = entry['isDeletionProtectionEnabled'];
  if (protect !== undefined && typeof protect !== 'boolean') throw backupError('InvalidParameterValueException', 'isDeletionProtectionEnabled must be true or false');
  return { deletionProtectionEnabled: protect ?? true };
}

async function startRestoreJob(backups: BackupPlane, { body }: BackupRequest): Promise<unknown> {
  const recoveryPointArn = text(body, 'RecoveryPointArn', true)!;
  const settings = restoreSettings(body['Metadata'], backups.region);
  const resourceType = text(body, 'ResourceType', false);
  if (resourceType !== undefined && resourceType !== RESOURCE_TYPE) throw backupError('InvalidParameterValueException', `ResourceType ${resourceType} is not one Strata restores (${RESOURCE_TYPE})`);
  const iamRoleArn = text(body, 'IamRoleArn', false);
  const idempotencyToken = text(body, 'IdempotencyToken', false);
  const job = await backups.startRestoreJob({
    recoveryPointArn, deletionProtectionEnabled: settings.deletionProtectionEnabled, copySourceTags: body['CopySourceTagsToRestoredResource'] === true,
    ...(iamRoleArn === undefined ? {} : { iamRoleArn }), ...(idempotencyToken === undefined ? {} : { idempotencyToken }),
  });
  return { RestoreJobId: job.id };
}

function restoreJobView(backups: BackupPlane, job: RestoreJobRecord): unknown {
  const finished = job.status === 'COMPLETED' || job.status === 'FAILED';
  return {
    AccountId: backups.accountId, RestoreJobId: job.id, RecoveryPointArn: backups.recoveryPointArn(job.recoveryPointId),
    CreationDate: job.creationMs / 1000, Status: job.status, ResourceType: RESOURCE_TYPE, IsParent: false,
    PercentDone: job.status === 'COMPLETED' ? '100.0' : '0.0',
    ...(finished ? { CompletionDate: job.completionMs! / 1000 } : {}),
    ...(job.created === true ? { CreatedResourceArn: backups.clusterArn(job.createdClusterId) } : {}),
    ...(job.statusMessage === undefined ? {} : { StatusMessage: job.statusMessage }),
    ...(job.sizeBytes === undefined ? {} : { BackupSizeInBytes: job.sizeBytes }),
    ...(job.iamRoleArn === undefined ? {} : { IamRoleArn: job.iamRoleArn }),
  };
}

function optional<K extends string>(name: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [name]: value } as Record<K, string>);
}

/**
 * One page of `items` in their stored order (oldest first): `maxResults` 1–1000, `nextToken`
 * the count already returned. Query members other than paging and `known` are refused.
 */
function page<T>(items: readonly T[], query: Record<string, string | string[]>, view: (item: T) => unknown, member: string, known: readonly string[]): unknown {
  for (const name of Object.keys(query)) {
    if (name !== 'maxResults' && name !== 'nextToken' && !known.includes(name)) throw backupError('InvalidParameterValueException', `The filter ${name} is not supported by Strata`);
  }
  const maxText = queryText(query, 'maxResults');
  const max = maxText === undefined ? MAX_LIST_RESULTS : Number(maxText);
  if (!Number.isInteger(max) || max < 1 || max > MAX_LIST_RESULTS) throw backupError('InvalidParameterValueException', `MaxResults must be from 1 to ${MAX_LIST_RESULTS}`);
  const token = queryText(query, 'nextToken');
  if (token !== undefined && !/^\d{1,9}$/.test(token)) throw backupError('InvalidParameterValueException', 'The NextToken is not one this service issued');
  const from = token === undefined ? 0 : Number(token);
  const slice = items.slice(from, from + max);
  return { [member]: slice.map(view), ...(from + max < items.length ? { NextToken: String(from + max) } : {}) };
}
