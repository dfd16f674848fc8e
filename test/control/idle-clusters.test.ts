/**
 * Scaling to zero end to end, through AWS's own SDKs and node-postgres: a created cluster with
 * no connection turns IDLE, then INACTIVE (its database closed), refuses backups meanwhile with
 * DSQL's text, and a connection brings it back with its data, also after a restart. The idle
 * times are short; every wait polls with a generous bound and nothing asserts a duration.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  CreateClusterCommand, DeleteClusterCommand, DSQLClient, GetClusterCommand, ListClustersCommand, UpdateClusterCommand,
  waitUntilClusterNotExists,
} from '@aws-sdk/client-dsql';
import { BackupClient, StartBackupJobCommand } from '@aws-sdk/client-backup';
import { startEmbedded, type EmbeddedCluster, type EmbeddedOptions } from '../../src/node/embedded.js';

const WAIT = { maxWaitTime: 60, minDelay: 1, maxDelay: 1 };
const IDLE_AFTER_MS = 300;
const INACTIVE_AFTER_MS = 1_500;

function clients(node: EmbeddedCluster): { dsql: DSQLClient; backup: BackupClient } {
  const config = {
    endpoint: `http://127.0.0.1:${node.apiPort}`, region: node.credentials.region, maxAttempts: 1,
    credentials: { accessKeyId: node.credentials.accessKeyId, secretAccessKey: node.credentials.secretAccessKey },
  };
  return { dsql: new DSQLClient(config), backup: new BackupClient(config) };
}

async function connect(node: EmbeddedCluster, endpoint: string): Promise<pg.Client> {
  const client = new pg.Client({
    host: '127.0.0.1', port: node.port, user: 'admin', database: 'postgres', password: await node.tokenFor(endpoint),
    ssl: { rejectUnauthorized: false, servername: endpoint }, connectionTimeoutMillis: 120_000,
  });
  client.on('error', () => {});
  await client.connect();
  return client;
}

async function statusOf(dsql: DSQLClient, id: string): Promise<string> {
  return (await dsql.send(new GetClusterCommand({ identifier: id }))).status!;
}

/**
 * Polls GetCluster until the cluster's status is `status` (generous bound: a loaded machine is
 * slow, never wrong). Not the SDK's waiter: it polls each second, and a new cluster here may
 * be IDLE by then.
 */
async function untilStatus(dsql: DSQLClient, id: string, status: string | RegExp): Promise<void> {
  const matches = (seen: string) => (typeof status === 'string' ? seen === status : status.test(seen));
  const deadline = Date.now() + 120_000;
  let seen = await statusOf(dsql, id);
  while (!matches(seen) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    seen = await statusOf(dsql, id);
  }
  assert.ok(matches(seen), `cluster ${id} is ${seen}, expected ${String(status)}`);
}

describe('created clusters scale to zero and back', () => {
  let parent: string;
  let options: EmbeddedOptions;
  let node: EmbeddedCluster;
  let dsql: DSQLClient;
  let backup: BackupClient;

  const startNode = async (): Promise<void> => {
    node = await startEmbedded(options);
    ({ dsql, backup } = clients(node));
  };
  const stopNode = async (): Promise<void> => {
    dsql.destroy();
    backup.destroy();
    await node.stop();
  };

  before(async () => {
    parent = await mkdtemp(join(tmpdir(), 'strata-idle-'));
    options = { dataDir: join(parent, 'data'), host: '127.0.0.1', port: 0, apiPort: 0, quiet: true, idleAfterMs: IDLE_AFTER_MS, inactiveAfterMs: INACTIVE_AFTER_MS };
    await startNode();
  });

  after(async () => {
    await stopNode();
    await rm(parent, { recursive: true, force: true });
  });

  test('IDLE, then INACTIVE; backups refused; a connection reopens it with its data, also after a restart', async () => {
    const created = await dsql.send(new CreateClusterCommand({ deletionProtectionEnabled: false }));
    const id = created.identifier!;
    const endpoint = created.endpoint!;
    await untilStatus(dsql, id, /^(ACTIVE|IDLE|INACTIVE)$/);
    let sql = await connect(node, endpoint);
    await sql.query('CREATE TABLE kept (id int PRIMARY KEY, note text)');
    await sql.query("INSERT INTO kept VALUES (1, 'before')");
    await sql.end();

    await untilStatus(dsql, id, 'IDLE');
    const refused = await backup.send(new StartBackupJobCommand({ BackupVaultName: 'Default', ResourceArn: created.arn, IamRoleArn: 'r' })).then(
      () => assert.fail('a backup of an IDLE cluster must be refused'), (error: unknown) => error as { name: string; message: string; Code?: string });
    assert.equal(refused.name, 'InvalidRequestException');
    assert.equal(refused.Code, 'FailedPrecondition');
    assert.match(refused.message, new RegExp(`^Cluster '${id}' is in state '(IDLE|INACTIVE)' and can't be backed up\\. In order to take a backup of your cluster, it must be in Active state\\. Please connect to your cluster`));

    await untilStatus(dsql, id, 'INACTIVE');
    const listed = await dsql.send(new ListClustersCommand({}));
    assert.ok(listed.clusters!.some((c) => c.identifier === id), 'an INACTIVE cluster is still listed');
    assert.equal(await statusOf(dsql, node.endpoint.slice(0, 26)), 'ACTIVE', 'the data directory\'s own cluster stays open');

    sql = await connect(node, endpoint);
    assert.equal(await statusOf(dsql, id), 'ACTIVE');
    assert.deepEqual((await sql.query('SELECT note FROM kept')).rows, [{ note: 'before' }]);
    await sql.query("INSERT INTO kept VALUES (2, 'after')");
    // An open connection keeps it ACTIVE, however long it sits unused.
    await new Promise((resolve) => setTimeout(resolve, 2 * INACTIVE_AFTER_MS));
    assert.equal(await statusOf(dsql, id), 'ACTIVE');
    await sql.end();

    await untilStatus(dsql, id, 'INACTIVE');
    await stopNode();
    await startNode();
    assert.equal(await statusOf(dsql, id), 'INACTIVE', 'a restart keeps it INACTIVE, not opened');
    sql = await connect(node, endpoint);
    assert.deepEqual((await sql.query('SELECT id, note FROM kept ORDER BY id')).rows, [{ id: 1, note: 'before' }, { id: 2, note: 'after' }]);
    await sql.end();

    // A reopen that fails (its journal directory is a file now) answers 57P03, retryable, and
    // leaves the cluster INACTIVE; once the files are back, the next connection reopens it.
    await untilStatus(dsql, id, 'INACTIVE');
    const journal = join(options.dataDir, 'clusters', id, 'journal');
    await rename(journal, `${journal}.moved`);
    await writeFile(journal, 'not a directory');
    const failed = await connect(node, endpoint).then(() => assert.fail('the reopen must fail'), (error: unknown) => error as { code?: string; message: string });
    assert.equal(failed.code, '57P03');
    assert.match(failed.message, /is resuming from INACTIVE and is not ready/);
    assert.equal(await statusOf(dsql, id), 'INACTIVE');
    await rm(journal);
    await rename(`${journal}.moved`, journal);
    sql = await connect(node, endpoint);
    assert.equal((await sql.query('SELECT count(*)::int AS n FROM kept')).rows[0].n, 2);
    await sql.end();
  });

  test('UpdateCluster and DeleteCluster on an INACTIVE cluster: protection changes, the delete removes its data', async () => {
    const created = await dsql.send(new CreateClusterCommand({ deletionProtectionEnabled: false }));
    const id = created.identifier!;
    await untilStatus(dsql, id, /^(ACTIVE|IDLE|INACTIVE)$/);
    await untilStatus(dsql, id, 'INACTIVE');
    await dsql.send(new UpdateClusterCommand({ identifier: id, deletionProtectionEnabled: true }));
    const got = await dsql.send(new GetClusterCommand({ identifier: id }));
    assert.equal(got.deletionProtectionEnabled, true);
    assert.equal(got.status, 'INACTIVE', 'an update does not wake it');
    await assert.rejects(dsql.send(new DeleteClusterCommand({ identifier: id })), { name: 'ValidationException' });
    await dsql.send(new UpdateClusterCommand({ identifier: id, deletionProtectionEnabled: false }));
    const directory = join(options.dataDir, 'clusters', id);
    assert.ok((await stat(directory)).isDirectory());
    await dsql.send(new DeleteClusterCommand({ identifier: id }));
    await waitUntilClusterNotExists({ client: dsql, ...WAIT }, { identifier: id });
    await assert.rejects(stat(directory), { code: 'ENOENT' });
  });
});
