/**
 * Backups and restores through AWS's own SDK (`@aws-sdk/client-backup`, unchanged, its endpoint
 * set to Strata's API): a backup taken while a writer commits holds exactly a prefix of its
 * commits; the recovery point is listed and described; a restore makes a new cluster that the
 * DSQL API shows and that takes connections, with its indexes, constraints and sequences
 * working; a corrupt recovery point fails its restore and creates nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBackupVaultCommand, DeleteBackupVaultCommand, DescribeBackupVaultCommand, ListBackupVaultsCommand,
  BackupClient, DeleteRecoveryPointCommand, GetRecoveryPointRestoreMetadataCommand, ListRestoreJobsCommand, DescribeBackupJobCommand, DescribeRecoveryPointCommand, DescribeRestoreJobCommand,
  ListBackupJobsCommand, ListRecoveryPointsByBackupVaultCommand, ListRecoveryPointsByResourceCommand, StartBackupJobCommand,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import { DSQLClient, GetClusterCommand, ListClustersCommand } from '@aws-sdk/client-dsql';
import { startEmbedded, type EmbeddedCluster } from '../../src/node/embedded.js';
import { connectToCluster } from '../support/cluster-client.js';
import { startOrderedWriter } from '../support/ordered-writer.js';

const credentialsOf = (node: EmbeddedCluster) => ({ accessKeyId: node.credentials.accessKeyId, secretAccessKey: node.credentials.secretAccessKey });


/** Polls `read` until `done` (a job's states; bounded so a stuck job fails the test, not hangs it). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 6_000; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('still not done after 6,000 polls');
}

describe('backups and restores through @aws-sdk/client-backup', () => {
  let parent: string;
  let dataDir: string;
  let node: EmbeddedCluster;
  let backup: BackupClient;
  let dsql: DSQLClient;
  let clusterArn: string;

  before(async () => {
    parent = await mkdtemp(join(tmpdir(), 'strata-backup-'));
    dataDir = join(parent, 'data');
    node = await startEmbedded({ dataDir, host: '127.0.0.1', port: 0, apiPort: 0, quiet: true });
    const endpoint = `http://127.0.0.1:${node.apiPort}`;
    backup = new BackupClient({ endpoint, region: node.credentials.region, credentials: credentialsOf(node), maxAttempts: 1 });
    dsql = new DSQLClient({ endpoint, region: node.credentials.region, credentials: credentialsOf(node), maxAttempts: 1 });
    const id = node.endpoint.slice(0, node.endpoint.indexOf('.'));
    clusterArn = (await dsql.send(new GetClusterCommand({ identifier: id }))).arn!;
  });

  after(async () => {
    backup?.destroy();
    dsql?.destroy();
    await node?.stop();
    await rm(parent, { recursive: true, force: true });
  });

  async function finishedBackup(jobId: string) {
    return until(() => backup.send(new DescribeBackupJobCommand({ BackupJobId: jobId })), (job) => job.State === 'COMPLETED' || job.State === 'FAILED');
  }

  async function finishedRestore(jobId: string) {
    return until(() => backup.send(new DescribeRestoreJobCommand({ RestoreJobId: jobId })), (job) => job.Status === 'COMPLETED' || job.Status === 'FAILED');
  }

  test('a backup taken while a writer commits restores to a prefix of its commits, into a new cluster that works', async () => {
    const source = await connectToCluster(node, node.endpoint);
    await source.query('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL UNIQUE, qty int CHECK (qty >= 0))');
    const job = (await source.query('CREATE INDEX ASYNC items_qty ON items (qty)')).rows[0].job_id as string;
    await source.query(`CALL sys.wait_for_job('${job}')`);
    await source.query('CREATE SEQUENCE ticket START 100 CACHE 1');
    await source.query('CREATE TABLE log (seq int PRIMARY KEY)');
    for (let from = 1; from <= 10_000; from += 2_000) {
      await source.query(`INSERT INTO items SELECT g, 'item ' || g, g % 50 FROM generate_series(${from}, ${from + 1_999}) g`);
    }
    await source.query("SELECT nextval('ticket'), nextval('ticket')");

    // Whatever the backup holds must be 1..k (ordered-writer.ts).
    const writer = startOrderedWriter(source);
    await until(async () => writer.acknowledged, (count) => count >= 20);
    const before = writer.acknowledged;
    const started = await backup.send(new StartBackupJobCommand({
      BackupVaultName: 'Default', ResourceArn: clusterArn, IamRoleArn: 'arn:aws:iam::123456789012:role/backup',
    }));
    assert.match(started.BackupJobId!, /^[0-9A-F-]{36}$/);
    const done = await finishedBackup(started.BackupJobId!);
    await until(async () => writer.acknowledged, (count) => count >= before + 20);
    await writer.stop();
    assert.equal(done.State, 'COMPLETED', done.StatusMessage);
    assert.equal(done.ResourceArn, clusterArn);
    assert.ok(done.BackupSizeInBytes! > 10_000 * 10);
    assert.ok(done.CompletionDate instanceof Date);

    const byResource = await backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: clusterArn }));
    assert.deepEqual(byResource.RecoveryPoints!.map((point) => point.RecoveryPointArn), [started.RecoveryPointArn]);
    const byVault = await backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'Default' }));
    assert.equal(byVault.RecoveryPoints![0]!.ResourceArn, clusterArn);
    const described = await backup.send(new DescribeRecoveryPointCommand({ BackupVaultName: 'Default', RecoveryPointArn: started.RecoveryPointArn }));
    assert.equal(described.Status, 'COMPLETED');
    const jobs = await backup.send(new ListBackupJobsCommand({ ByResourceArn: clusterArn }));
    assert.equal(jobs.BackupJobs!.length, 1);

    const clustersBefore = (await dsql.send(new ListClustersCommand({}))).clusters!.length;
    const restore = await backup.send(new StartRestoreJobCommand({
      RecoveryPointArn: started.RecoveryPointArn, IamRoleArn: 'arn:aws:iam::123456789012:role/backup',
      Metadata: { regionalConfig: JSON.stringify([{ region: node.credentials.region, isDeletionProtectionEnabled: false }]) },
    }));
    const restored = await finishedRestore(restore.RestoreJobId!);
    assert.equal(restored.Status, 'COMPLETED', restored.StatusMessage);
    const newId = restored.CreatedResourceArn!.slice(restored.CreatedResourceArn!.lastIndexOf('/') + 1);
    const cluster = await dsql.send(new GetClusterCommand({ identifier: newId }));
    assert.equal(cluster.status, 'ACTIVE');
    assert.equal(cluster.deletionProtectionEnabled, false);
    assert.equal((await dsql.send(new ListClustersCommand({}))).clusters!.length, clustersBefore + 1);

    const copy = await connectToCluster(node, cluster.endpoint!);
    const seqs = (await copy.query('SELECT seq FROM log ORDER BY seq')).rows.map((row) => row.seq as number);
    assert.ok(seqs.length >= before && seqs.length <= writer.acknowledged, `${seqs.length} rows: at least the ${before} acknowledged before the backup started, at most the ${writer.acknowledged} written`);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'the rows of the commits up to one point, and none after');
    const counts = (await copy.query('SELECT count(*)::int AS n, sum(qty)::int AS q FROM items')).rows[0];
    const sourceCounts = (await source.query('SELECT count(*)::int AS n, sum(qty)::int AS q FROM items')).rows[0];
    assert.deepEqual(counts, sourceCounts);
    // Index, constraints and sequence carry over, and the cluster takes writes at once.
    const plan = (await copy.query('EXPLAIN SELECT id FROM items WHERE qty = 7')).rows.map((row) => row['QUERY PLAN']).join('\n');
    assert.match(plan, /items_qty/);
    assert.equal((await copy.query('SELECT count(*)::int AS n FROM items WHERE qty = 7')).rows[0].n, 200);
    await assert.rejects(copy.query("INSERT INTO items VALUES (20001, 'item 5', 1)"), { code: '23505' });
    await assert.rejects(copy.query("INSERT INTO items VALUES (20001, 'new', -1)"), { code: '23514' });
    assert.equal((await copy.query("SELECT nextval('ticket')::int AS v")).rows[0].v, 102);
    await copy.query("INSERT INTO items VALUES (20001, 'new', 1)");
    assert.equal((await source.query('SELECT count(*)::int AS n FROM items WHERE id = 20001')).rows[0].n, 0, 'the clusters are apart');
    await copy.end();
    await source.end();
  });

  test('a corrupt recovery point fails its restore and creates nothing; a deleted one is gone', async () => {
    const started = await backup.send(new StartBackupJobCommand({ BackupVaultName: 'nightly', ResourceArn: clusterArn, IamRoleArn: 'arn:aws:iam::123456789012:role/backup' }));
    assert.equal((await finishedBackup(started.BackupJobId!)).State, 'COMPLETED');
    const id = started.RecoveryPointArn!.slice(started.RecoveryPointArn!.lastIndexOf(':') + 1);
    const file = join(dataDir, 'backups', `${id}.backup`);
    const bytes = await readFile(file);
    bytes[bytes.length - 5]! ^= 0xff;
    await writeFile(file, bytes);

    const clustersBefore = (await dsql.send(new ListClustersCommand({}))).clusters!.length;
    const restore = await backup.send(new StartRestoreJobCommand({ RecoveryPointArn: started.RecoveryPointArn, Metadata: {} }));
    const failed = await finishedRestore(restore.RestoreJobId!);
    assert.equal(failed.Status, 'FAILED');
    assert.match(failed.StatusMessage!, /corrupt/);
    assert.equal(failed.CreatedResourceArn, undefined);
    assert.equal((await dsql.send(new ListClustersCommand({}))).clusters!.length, clustersBefore);
    const leftovers = (await readdir(join(dataDir, 'clusters'))).filter((name) => name.startsWith('.restore-'));
    assert.deepEqual(leftovers, []);

    await backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'nightly', RecoveryPointArn: started.RecoveryPointArn }));
    await assert.rejects(stat(file), { code: 'ENOENT' });
    await assert.rejects(backup.send(new DescribeRecoveryPointCommand({ BackupVaultName: 'nightly', RecoveryPointArn: started.RecoveryPointArn })), { name: 'ResourceNotFoundException' });
  });

  test('vaults: created, described with their recovery points, listed, and deleted only when empty', async () => {
    const created = await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'weekly', CreatorRequestId: 'req-1' }));
    assert.match(created.BackupVaultArn!, /^arn:aws:backup:us-east-1:\d{12}:backup-vault:weekly$/);
    // The same request again is answered as before; another with the name is refused.
    assert.equal((await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'weekly', CreatorRequestId: 'req-1' }))).BackupVaultArn, created.BackupVaultArn);
    await assert.rejects(backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'weekly' })), { name: 'AlreadyExistsException' });
    await assert.rejects(backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'x' })), { name: 'InvalidParameterValueException' });
    await assert.rejects(backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'keyed', EncryptionKeyArn: 'arn:aws:kms:us-east-1:1:key/k' })), { name: 'InvalidParameterValueException' });
    const empty = await backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'weekly' }));
    assert.equal(empty.NumberOfRecoveryPoints, 0);
    assert.equal(empty.VaultType, 'BACKUP_VAULT');
    assert.equal(empty.Locked, false);
    assert.equal(empty.CreationDate?.getTime(), created.CreationDate?.getTime());

    const started = await backup.send(new StartBackupJobCommand({ BackupVaultName: 'weekly', ResourceArn: clusterArn, IamRoleArn: 'r' }));
    assert.equal((await finishedBackup(started.BackupJobId!)).State, 'COMPLETED');
    assert.equal((await backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'weekly' }))).NumberOfRecoveryPoints, 1);
    const listed = (await backup.send(new ListBackupVaultsCommand({}))).BackupVaultList!;
    assert.ok(listed.some((vault) => vault.BackupVaultName === 'weekly' && vault.NumberOfRecoveryPoints === 1), JSON.stringify(listed));
    assert.deepEqual((await backup.send(new ListBackupVaultsCommand({ ByVaultType: 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT' }))).BackupVaultList, []);

    await assert.rejects(backup.send(new DeleteBackupVaultCommand({ BackupVaultName: 'weekly' })), { name: 'InvalidRequestException' });
    await backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'weekly', RecoveryPointArn: started.RecoveryPointArn }));
    await backup.send(new DeleteBackupVaultCommand({ BackupVaultName: 'weekly' }));
    await assert.rejects(backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'weekly' })), { name: 'ResourceNotFoundException' });
    await assert.rejects(backup.send(new DeleteBackupVaultCommand({ BackupVaultName: 'weekly' })), { name: 'ResourceNotFoundException' });
  });

  test('refusals: an unknown cluster, a bad vault name, a missing recovery point, a multi-Region restore', async () => {
    await assert.rejects(backup.send(new StartBackupJobCommand({ BackupVaultName: 'Default', ResourceArn: `${clusterArn.slice(0, -26)}${'z'.repeat(26)}`, IamRoleArn: 'r' })), { name: 'ResourceNotFoundException' });
    await assert.rejects(backup.send(new StartBackupJobCommand({ BackupVaultName: 'no spaces', ResourceArn: clusterArn, IamRoleArn: 'r' })), { name: 'InvalidParameterValueException' });
    await assert.rejects(backup.send(new StartBackupJobCommand({ BackupVaultName: 'Default', ResourceArn: clusterArn, IamRoleArn: 'r', Lifecycle: { DeleteAfterDays: 3 } })), { name: 'InvalidParameterValueException' });
    await assert.rejects(backup.send(new StartRestoreJobCommand({ RecoveryPointArn: 'arn:aws:backup:us-east-1:1:recovery-point:NOPE', Metadata: {} })), { name: 'ResourceNotFoundException' });
    const started = await backup.send(new StartBackupJobCommand({ BackupVaultName: 'Default', ResourceArn: clusterArn, IamRoleArn: 'r' }));
    await finishedBackup(started.BackupJobId!);
    const metadata = await backup.send(new GetRecoveryPointRestoreMetadataCommand({ BackupVaultName: 'Default', RecoveryPointArn: started.RecoveryPointArn }));
    assert.deepEqual(JSON.parse(metadata.RestoreMetadata!['regionalConfig']!), [{ region: node.credentials.region, isDeletionProtectionEnabled: true }]);
    assert.ok((await backup.send(new ListRestoreJobsCommand({}))).RestoreJobs!.length >= 2);
    const twoRegions = JSON.stringify([{ region: 'us-east-1' }, { region: 'us-east-2' }]);
    await assert.rejects(backup.send(new StartRestoreJobCommand({ RecoveryPointArn: started.RecoveryPointArn, Metadata: { regionalConfig: twoRegions } })), { name: 'InvalidParameterValueException' });
    await assert.rejects(backup.send(new DescribeBackupJobCommand({ BackupJobId: 'NOPE' })), { name: 'ResourceNotFoundException' });
  });
});
