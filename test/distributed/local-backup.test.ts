/**
 * Backups and restores of the local multi-process cluster (docs/backup.md, "The distributed
 * deployment"): `strata local backup` while a writer commits holds exactly a prefix of its
 * commits; the file restores into an embedded node (`strata restore`), whose own backup
 * restores into a new local cluster (`strata local up --restore`) — the one format both ways —
 * with indexes, constraints and sequences working and writes taken at once. A replica that
 * fails mid-read hands over to another (the same bytes as a read that did not fail); when
 * none is left the command fails and leaves no file; a corrupt file and a stopped cluster are
 * refused.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePorts } from '../../src/env/ports.js';
import { localBackup } from '../../src/cli/local-backup.js';
import { localStart, localStop } from '../../src/cli/local-cluster.js';
import { backupCommand, restoreCommand } from '../../src/cli/backup.js';
import { startEmbedded } from '../../src/node/embedded.js';
import { decodeHeader, HEADER_BYTES } from '../../src/storage/backup-format.js';
import { etcdUnavailableReason } from '../support/etcd.js';
import { controlApiClient } from '../support/control-api.js';
import {
  CreateBackupVaultCommand, DescribeBackupJobCommand, DescribeBackupVaultCommand, ListRecoveryPointsByResourceCommand, StartBackupJobCommand,
  StartRestoreJobCommand, type DescribeBackupJobCommandOutput,
} from '@aws-sdk/client-backup';
import { GetClusterCommand } from '@aws-sdk/client-dsql';
import { startOrderedWriter } from '../support/ordered-writer.js';
import { localSession, localUpOnFreePort, serving, strata, until } from '../support/local-cli.js';

const skip = etcdUnavailableReason() ?? false;
const opts = { skip, timeout: 300_000 };
let parent = '';
let source = '';
let sourcePort = 0;

/** The exit code and stderr of a command expected to fail. */
async function refused(...args: string[]): Promise<string> {
  const error = await strata(...args).then(() => null, (e: { code?: number; stderr?: string }) => e);
  assert.ok(error !== null, `strata ${args.join(' ')} fails`);
  assert.equal(error.code, 1);
  return error.stderr ?? '';
}

/** A two-AZ cluster in `dir` on a free port. */
async function up(dir: string, ...more: string[]): Promise<{ port: number; out: string }> {
  return localUpOnFreePort(['--dir', dir, '--azs', '2', '--owner-pid', String(process.pid), ...more]);
}

/** Rows, sums, and what the catalog carries (index, constraints, sequence), checked in a restored cluster. */
async function checkRestored(c: pg.Client, before: number, written: number, ticket: number): Promise<number[]> {
  const seqs = (await c.query('SELECT seq FROM log ORDER BY seq')).rows.map((row) => row.seq as number);
  assert.ok(seqs.length >= before && seqs.length <= written, `${seqs.length} rows: at least the ${before} acknowledged before the backup started, at most the ${written} written`);
  assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'the rows of the commits up to one point, and none after');
  assert.deepEqual((await c.query('SELECT count(*)::int AS n, sum(qty)::int AS q FROM items')).rows[0], { n: 2_000, q: 49_000 });
  const plan = (await c.query('EXPLAIN SELECT id FROM items WHERE qty = 7')).rows.map((row) => row['QUERY PLAN']).join('\n');
  assert.match(plan, /items_qty/);
  assert.equal((await c.query('SELECT count(*)::int AS n FROM items WHERE qty = 7')).rows[0].n, 40);
  await assert.rejects(c.query("INSERT INTO items VALUES (9001, 'item 5', 1)"), { code: '23505' });
  await assert.rejects(c.query("INSERT INTO items VALUES (9001, 'new', -1)"), { code: '23514' });
  assert.equal((await c.query("SELECT nextval('ticket')::int AS v")).rows[0].v, ticket);
  return seqs;
}

before(async () => {
  if (skip) return;
  parent = mkdtempSync(join(tmpdir(), 'strata-local-backup-'));
  source = join(parent, 'source');
  let out: string;
  ({ port: sourcePort, out } = await up(source));
  assert.match(out, /ready/);
});

after(async () => {
  if (skip || parent === '') return;
  for (const dir of readdirSync(parent)) {
    if (existsSync(join(parent, dir, 'local.json'))) await strata('local', 'down', '--dir', join(parent, dir)).catch(() => {});
  }
  rmSync(parent, { recursive: true, force: true });
});

test('a backup taken while a writer commits holds a prefix of its commits; it restores into an embedded node, whose backup restores into a new local cluster', opts, async () => {
  const c = await localSession(source, sourcePort);
  await c.query('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL UNIQUE, qty int CHECK (qty >= 0))');
  const job = (await c.query('CREATE INDEX ASYNC items_qty ON items (qty)')).rows[0].job_id as string;
  await c.query(`CALL sys.wait_for_job('${job}')`);
  await c.query('CREATE SEQUENCE ticket START 100 CACHE 1');
  await c.query('CREATE TABLE log (seq int PRIMARY KEY)');
  await c.query("INSERT INTO items SELECT g, 'item ' || g, g % 50 FROM generate_series(1, 2000) g");
  await c.query("SELECT nextval('ticket'), nextval('ticket')");

  // Whatever the backup holds must be 1..k (ordered-writer.ts).
  const writer = startOrderedWriter(c);
  await until(async () => writer.acknowledged, (n) => n >= 20, '20 commits');
  const before = writer.acknowledged;
  const file = join(parent, 'local.backup');
  const out = await strata('local', 'backup', '--dir', source, '--to', file);
  assert.match(out, /wrote .*local\.backup: cluster local-[0-9a-f]{8} as of commit timestamp \d+ .*: \d+ keys/);
  await until(async () => writer.acknowledged, (n) => n >= before + 10, '10 commits after the backup');
  await writer.stop();
  await c.end();
  await refused('local', 'backup', '--dir', source, '--to', file).then((err) => assert.match(err, /already exists/));

  // Into an embedded node, as a new cluster.
  const embedded = join(parent, 'embedded');
  const id = 'l'.repeat(26);
  const lines: string[] = [];
  assert.equal(await restoreCommand(['--data-dir', embedded, '--from', file, '--cluster-id', id], (l) => lines.push(l), (l) => lines.push(l)), 0, lines.join('\n'));
  const node = await startEmbedded({ dataDir: embedded, host: '127.0.0.1', port: 0, apiPort: 0, quiet: true });
  let seqs: number[];
  try {
    const endpoint = `${id}.dsql.${node.credentials.region}.on.aws`;
    const e = new pg.Client({
      host: '127.0.0.1', port: node.port, user: 'admin', database: 'postgres', password: await node.tokenFor(endpoint),
      ssl: { rejectUnauthorized: false, servername: endpoint },
    });
    await e.connect();
    seqs = await checkRestored(e, before, writer.acknowledged, 102);
    // A commit of the embedded node's own, to follow into the next restore.
    await e.query('INSERT INTO log VALUES ($1)', [seqs.length + 1]);
    await e.end();
  } finally {
    await node.stop();
  }

  // The embedded node's backup into a new local cluster: every replica from the file.
  const embeddedFile = join(parent, 'embedded.backup');
  assert.equal(await backupCommand(['--data-dir', embedded, '--cluster', id, '--to', embeddedFile], (l) => lines.push(l), (l) => lines.push(l)), 0, lines.join('\n'));
  const restored = join(parent, 'restored');
  const { port: restoredPort, out: upOut } = await up(restored, '--restore', embeddedFile);
  assert.match(upOut, /restored .*embedded\.backup into storage-1, storage-2: cluster l{26} as of/);
  const r = await localSession(restored, restoredPort);
  const again = await checkRestored(r, seqs.length + 1, seqs.length + 1, 103);
  assert.equal(again.length, seqs.length + 1);
  // Writable at once, its timestamps above the restored data's; the source is apart.
  await r.query("INSERT INTO items VALUES (9001, 'new', 1)");
  assert.equal((await r.query('SELECT count(*)::int AS n FROM items WHERE id = 9001')).rows[0].n, 1);
  await r.end();
  // A replica whose store is lost (a new disk) starts again from a peer's copy: this cluster's
  // journal starts after the restored rows, so replaying it alone would leave them out.
  await strata('local', 'stop', '--dir', restored, 'storage-2');
  rmSync(join(restored, 'storage-2', 'storage'), { recursive: true, force: true });
  await strata('local', 'start', '--dir', restored, 'storage-2');
  await serving(restored, 'storage-2');
  assert.match(readFileSync(join(restored, 'logs', 'storage-2.log'), 'utf8'), /a new store: starting from a peer's snapshot/);
  // Every replica holds the same data: a backup read from each is the same.
  const bodies = await Promise.all(['storage-1', 'storage-2'].map(async (name) => {
    const read = new Set<string>();
    const header = await localBackup(restored, join(parent, `restored-${name}.backup`), () => {}, { first: name, pageRows: 200, onPage: async (replica) => { read.add(replica); } });
    assert.deepEqual([...read], [name]);
    return { entries: header.entries, sha: header.bodySha256 };
  }));
  assert.deepEqual(bodies[0], bodies[1]);
  await strata('local', 'down', '--dir', restored);
  const s = await localSession(source, sourcePort);
  assert.equal((await s.query('SELECT count(*)::int AS n FROM items WHERE id = 9001')).rows[0].n, 0, 'the clusters are apart');
  await s.end();
});

test('a replica that fails mid-read hands the read over to another; with none left the command fails and leaves no file', opts, async () => {
  // Nothing is written meanwhile: a read that did not fail is the reference.
  const reference = await localBackup(source, join(parent, 'reference.backup'), () => {}, { first: 'storage-2' });
  const read: string[] = [];
  let stopped = '';
  const said: string[] = [];
  const handedOver = await localBackup(source, join(parent, 'handed-over.backup'), (line) => said.push(line), {
    pageRows: 100,
    onPage: async (replica, pages) => {
      if (read.at(-1) !== replica) read.push(replica);
      if (pages === 2 && stopped === '') {
        stopped = replica;
        await localStop(source, replica);
      }
    },
  });
  assert.deepEqual(read, ['storage-1', 'storage-2'], 'storage-1 was stopped after two pages and storage-2 carried on');
  assert.match(said[0]!, /^strata local backup: storage-1: .*; the read goes on at storage-2 from where it stopped$/);
  assert.deepEqual({ entries: handedOver.entries, sha: handedOver.bodySha256, catalog: handedOver.catalogVersion },
    { entries: reference.entries, sha: reference.bodySha256, catalog: reference.catalogVersion });
  await localStart(source, stopped);
  await serving(source, stopped);

  // One attempt only, and its replica stopped halfway: no file, no partial file, and the reason.
  const failed = join(parent, 'failed.backup');
  const error = await localBackup(source, failed, () => {}, {
    pageRows: 100, attempts: 1, onPage: async (replica, pages) => { if (pages === 2) await localStop(source, replica); },
  }).then(() => null, (e: Error) => e);
  assert.ok(error !== null, 'the backup fails');
  assert.match(error.message, /the backup's read failed on every storage replica it tried: storage-1: /);
  assert.equal(existsSync(failed), false);
  assert.equal(existsSync(`${failed}.partial`), false);
  await localStart(source, 'storage-1');
  await serving(source, 'storage-1');
});

test('AWS Backup\'s API on the control node: a backup job writes a recovery point whose file a new deployment restores from', opts, async () => {
  const c = await localSession(source, sourcePort);
  await c.query('CREATE TABLE IF NOT EXISTS via_api (id int PRIMARY KEY)');
  await c.query('INSERT INTO via_api SELECT g FROM generate_series(1, 300) g');
  await c.end();
  const { client: dsql, backup, identity } = controlApiClient(source, 'control-1');
  try {
    const arn = (await dsql.send(new GetClusterCommand({ identifier: identity.clusterId }))).arn!;
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'nightly' }));
    const started = await backup.send(new StartBackupJobCommand({ BackupVaultName: 'nightly', ResourceArn: arn, IamRoleArn: 'arn:aws:iam::123456789012:role/backup' }));
    const job = await until<DescribeBackupJobCommandOutput>(() => backup.send(new DescribeBackupJobCommand({ BackupJobId: started.BackupJobId })),
      (j) => j.State === 'COMPLETED' || j.State === 'FAILED', 'the backup job ends');
    assert.equal(job.State, 'COMPLETED', job.StatusMessage);
    assert.equal(job.ResourceArn, arn);
    assert.ok(job.BackupSizeInBytes! > 0);
    const points = await backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: arn }));
    assert.deepEqual(points.RecoveryPoints!.map((p) => p.RecoveryPointArn), [started.RecoveryPointArn]);
    assert.equal((await backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'nightly' }))).NumberOfRecoveryPoints, 1);
    await assert.rejects(backup.send(new StartBackupJobCommand({ BackupVaultName: 'Default', ResourceArn: arn.replace(identity.clusterId, 'z'.repeat(26)), IamRoleArn: 'arn:aws:iam::123456789012:role/backup' })),
      { name: 'ResourceNotFoundException' });

    // A restore is a new deployment: refused, naming the file to start one from.
    const refusal = await backup.send(new StartRestoreJobCommand({
      RecoveryPointArn: started.RecoveryPointArn, Metadata: { regionalConfig: JSON.stringify([{ region: identity.region, isDeletionProtectionEnabled: true }]) },
    })).then(() => assert.fail('StartRestoreJob is refused'), (e: Error) => e);
    assert.equal(refusal.name, 'InvalidRequestException');
    const file = /--restore (\S+\.backup)$/.exec(refusal.message)?.[1];
    assert.ok(file !== undefined && existsSync(file), refusal.message);
    const restored = join(parent, 'from-api');
    const { port, out } = await up(restored, '--restore', file);
    assert.match(out, /restored .* into storage-1, storage-2/);
    const r = await localSession(restored, port);
    assert.equal((await r.query('SELECT count(*)::int AS n FROM via_api')).rows[0].n, 300);
    await r.end();
    await strata('local', 'down', '--dir', restored);
  } finally {
    dsql.destroy();
    backup.destroy();
  }
});

test('a corrupt file is refused before a cluster exists, and a cluster that is not running is not backed up', opts, async () => {
  const bytes = readFileSync(join(parent, 'local.backup'));
  const sourceCluster = (JSON.parse(readFileSync(join(source, 'cluster.json'), 'utf8')) as { cluster: string }).cluster;
  assert.equal(decodeHeader(bytes.subarray(0, HEADER_BYTES), 'local.backup').clusterId, sourceCluster);
  bytes[bytes.length - 3]! ^= 0x10;
  const corrupt = join(parent, 'corrupt.backup');
  writeFileSync(corrupt, bytes);
  const [port] = await freePorts(1);
  const target = join(parent, 'from-corrupt');
  assert.match(await refused('local', 'up', '--dir', target, '--port', String(port), '--azs', '2', '--restore', corrupt), /corrupt/);
  assert.equal(existsSync(target), false, 'nothing started, no replica data, not even the directory it made');
  assert.match(await refused('local', 'up', '--dir', source, '--port', String(sourcePort), '--restore', join(parent, 'local.backup')), /already holds one/);

  await strata('local', 'down', '--dir', source);
  assert.match(await refused('local', 'backup', '--dir', source, '--to', join(parent, 'late.backup')), /is not running/);
  assert.match(await refused('local', 'backup', '--dir', join(parent, 'none'), '--to', join(parent, 'late.backup')), /no local cluster/);
  assert.equal(existsSync(join(parent, 'late.backup')), false);
});
