/**
 * Storage shards by key range (`strata local up --storage-splits`, docs/distributed.md "Storage
 * shards"): a split key inside one table puts its rows on two shards, each with a replica per
 * AZ. SQL reads across the split in both directions and writes to both shards in one
 * transaction; each replica holds exactly its shard's rows and refuses a read of another's;
 * losing a shard's replica moves reads to the other one; a backup reads every shard in key
 * order, and a restore gives each replica its shard's rows only.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { grpcClient } from '../../src/env/grpc.js';
import { NodeDisk } from '../../src/env/disk.js';
import { TypeOid } from '../../src/contracts/sql-value.js';
import { KeyWriter } from '../../src/encoding/key.js';
import { restoreReplicas } from '../../src/cli/local-backup.js';
import { nodesOf, shardMapOf, shardOf, type ClusterConfig } from '../../src/node/roles/cluster-config.js';
import { etcdUnavailableReason } from '../support/etcd.js';
import { localSession, localUpOnFreePort, serving, strata, until } from '../support/local-cli.js';

const run = promisify(execFile);
const STRATA = join(process.cwd(), 'bin', 'strata.js');
const skip = etcdUnavailableReason() ?? false;
const opts = { skip, timeout: 300_000 };
/** The first table a new cluster creates gets this id (FIRST_USER_OID); the test checks it. */
const TABLE_ID = 16_384;
const ROWS = 1_000;
/** Rows with id below this are on shard 0 (with the catalog), the rest on shard 1. */
const SPLIT_ID = 500;
let parent = '';
let dir = '';
let port = 0;

/** A key of the table's primary index: [table id][index 1][id as int4]. */
function rowKey(id: number | null): Buffer {
  const prefix = Buffer.alloc(6);
  prefix.writeUInt32BE(TABLE_ID, 0);
  prefix.writeUInt16BE(1, 4);
  if (id === null) return prefix;
  const writer = new KeyWriter();
  writer.writeValue(TypeOid.int4, id);
  return Buffer.concat([prefix, writer.finish()]);
}
const SPLIT = rowKey(SPLIT_ID).toString('hex');

function config(): ClusterConfig {
  return JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as ClusterConfig;
}

/** The live keys a replica counts in [start, end) at now (it refuses a range outside its shard). */
async function measured(name: string, start: Buffer, end: Buffer): Promise<number> {
  const node = config().nodes.find((n) => n.name === name)!;
  const client = grpcClient('Storage', `${node.host}:${node.port}`);
  try {
    const reply = await client.call('Measure', { start, end, read_timestamp: Date.now() * 1000, limit: 100_000 }, 30_000);
    return Number(reply['keys']);
  } finally {
    client.close();
  }
}

before(async () => {
  if (skip) return;
  parent = mkdtempSync(join(tmpdir(), 'strata-local-shards-'));
  dir = join(parent, 'cluster');
  let out: string;
  ({ port, out } = await localUpOnFreePort(['--dir', dir, '--azs', '2', '--owner-pid', String(process.pid), '--storage-splits', SPLIT]));
  assert.match(out, /ready/);
});

after(async () => {
  if (skip || parent === '') return;
  await strata('local', 'down', '--dir', dir).catch(() => {});
  rmSync(parent, { recursive: true, force: true });
});

test('a table split across two storage shards: SQL across the split, each replica holding its range, a shard\'s replica lost and back, a backup and a restore', opts, async () => {
  const layout = config();
  assert.deepEqual(layout.storageSplits, [SPLIT]);
  assert.deepEqual(nodesOf(layout, 'storage').map((n) => [n.name, shardOf(n), n.az]),
    [['storage-1', 0, 'az1'], ['storage-1-s1', 1, 'az1'], ['storage-2', 0, 'az2'], ['storage-2-s1', 1, 'az2']]);
  for (const name of ['storage-1', 'storage-1-s1', 'storage-2', 'storage-2-s1']) await serving(dir, name);

  const c = await localSession(dir, port);
  await c.query('CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL)');
  assert.equal(Number((await c.query("SELECT 't'::regclass::oid AS oid")).rows[0].oid), TABLE_ID, 'the first table\'s id, which the split key names');
  await c.query(`INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, ${ROWS}) g`);

  // Reads across the split: whole-table, a range around it, both directions, with limits.
  assert.deepEqual((await c.query('SELECT count(*)::int AS n, sum(id)::int AS s FROM t')).rows[0], { n: ROWS, s: ROWS * (ROWS + 1) / 2 });
  const ids = async (sql: string) => (await c.query(sql)).rows.map((row) => row.id as number);
  assert.deepEqual(await ids('SELECT id FROM t WHERE id BETWEEN 495 AND 505 ORDER BY id'), [495, 496, 497, 498, 499, 500, 501, 502, 503, 504, 505]);
  assert.deepEqual(await ids('SELECT id FROM t WHERE id < 503 ORDER BY id DESC LIMIT 5'), [502, 501, 500, 499, 498]);
  assert.deepEqual(await ids('SELECT id FROM t ORDER BY id DESC LIMIT 3'), [1000, 999, 998]);
  assert.deepEqual(await ids('SELECT id FROM t WHERE id >= 499 ORDER BY id LIMIT 2'), [499, 500]);
  assert.deepEqual(await ids(`SELECT id FROM t WHERE id IN (1, ${SPLIT_ID - 1}, ${SPLIT_ID}, ${ROWS}) ORDER BY id`), [1, SPLIT_ID - 1, SPLIT_ID, ROWS]);
  // One transaction writing both shards commits as one.
  await c.query('BEGIN');
  await c.query("UPDATE t SET v = 'both' WHERE id IN (1, 1000)");
  await c.query('COMMIT');
  assert.deepEqual(await ids("SELECT id FROM t WHERE v = 'both' ORDER BY id"), [1, 1000]);
  // A secondary index's entries ([table][index 2]…) sort after the split: shard 1 holds them all.
  await c.query(`CALL sys.wait_for_job('${(await c.query('CREATE INDEX ASYNC t_v ON t (v)')).rows[0].job_id as string}')`);
  assert.deepEqual(await ids("SELECT id FROM t WHERE v = 'row 42'"), [42]);

  // Each replica holds its shard's rows, both replicas of a shard alike, and refuses another's.
  const table = [rowKey(null), rowKey(SPLIT_ID), Buffer.from([...rowKey(null).subarray(0, 4), 0, 2])];
  for (const name of ['storage-1', 'storage-2']) assert.equal(await measured(name, table[0]!, table[1]!), SPLIT_ID - 1, `${name}: ids below the split`);
  for (const name of ['storage-1-s1', 'storage-2-s1']) assert.equal(await measured(name, table[1]!, table[2]!), ROWS - SPLIT_ID + 1, `${name}: ids from the split on`);
  await assert.rejects(measured('storage-1', table[0]!, table[2]!), /holds storage shard 0 only/);
  await assert.rejects(measured('storage-1-s1', table[0]!, table[1]!), /holds storage shard 1 only/);

  // Shard 1's replica in the QPs' first AZ down: reads and writes go on through the other one;
  // back, it catches up; then the other is down and it serves alone, commits made meanwhile included.
  await strata('local', 'stop', '--dir', dir, 'storage-1-s1');
  assert.deepEqual((await c.query('SELECT count(*)::int AS n FROM t WHERE id >= 500')).rows[0], { n: ROWS - SPLIT_ID + 1 });
  await c.query(`INSERT INTO t VALUES (${ROWS + 1}, 'while down')`);
  await strata('local', 'start', '--dir', dir, 'storage-1-s1');
  await serving(dir, 'storage-1-s1');
  await strata('local', 'stop', '--dir', dir, 'storage-2-s1');
  assert.deepEqual((await c.query(`SELECT v FROM t WHERE id = ${ROWS + 1}`)).rows, [{ v: 'while down' }]);
  assert.deepEqual((await c.query('SELECT count(*)::int AS n FROM t')).rows[0], { n: ROWS + 1 });
  await strata('local', 'start', '--dir', dir, 'storage-2-s1');
  await serving(dir, 'storage-2-s1');
  await c.end();

  // `local status` names each replica's shard and how far it has applied the journal: with no
  // more writes, every replica catches up to the newest batch.
  const statusOf = async () => new Map((await strata('local', 'status', '--dir', dir)).trim().split('\n').map((l) => l.split(/\s{2,}/))
    .map((cells) => [cells[0]!, cells] as const));
  const caughtUp = await until(statusOf, (rows) => ['storage-1', 'storage-1-s1', 'storage-2', 'storage-2-s1']
    .every((name) => / \(0 behind\)$/.test(rows.get(name)?.[9] ?? '')), 'every replica 0 behind');
  assert.deepEqual(caughtUp.get('NAME')!.slice(8), ['SHARD', 'APPLIED', 'LOAD']);
  // And each QP's last load report: the share of a core it used, its open sessions.
  assert.match(caughtUp.get('qp-1')![10] ?? '', /^\d+ %, \d+ sessions$/);
  assert.equal(caughtUp.get('storage-1')![10], '-');
  assert.deepEqual(['storage-1', 'storage-1-s1', 'storage-2', 'storage-2-s1', 'qp-1'].map((name) => caughtUp.get(name)![8]), ['0', '1', '0', '1', '-']);
  const positions = ['storage-1', 'storage-2-s1'].map((name) => Number(caughtUp.get(name)![9]!.split(' ')[0]));
  assert.ok(positions[0]! > 0 && positions[0] === positions[1], `one journal, one newest position: ${positions.join(', ')}`);

  // A backup reads shard after shard; a restore of it gives each replica its own rows only.
  const file = join(parent, 'sharded.backup');
  assert.match(await strata('local', 'backup', '--dir', dir, '--to', file), /wrote .*sharded\.backup/);
  const restored: ClusterConfig = {
    ...layout, identityDir: join(parent, 'restored'),
    nodes: nodesOf(layout, 'storage').map((n) => ({ ...n, dataDir: join(parent, 'restored', n.name) })),
  };
  await restoreReplicas(restored, file);
  const map = shardMapOf(restored);
  const disk = new NodeDisk();
  const rowsOf = new Map<string, number>();
  for (const node of nodesOf(restored, 'storage')) {
    const store = disk.openOrderedStore(join(node.dataDir!, 'storage'));
    let rows = 0;
    try {
      // Stored keys are versions: the row key and an 8-byte timestamp.
      for (const { key } of store.range({ start: rowKey(null), end: table[2]! })) {
        assert.equal(map.shardOf(key.subarray(0, key.length - 8)), shardOf(node), `${node.name} holds only shard ${shardOf(node)}'s rows`);
        rows++;
      }
    } finally {
      await store.close();
    }
    rowsOf.set(node.name, rows);
  }
  assert.deepEqual(Object.fromEntries(rowsOf), { 'storage-1': SPLIT_ID - 1, 'storage-1-s1': ROWS - SPLIT_ID + 2, 'storage-2': SPLIT_ID - 1, 'storage-2-s1': ROWS - SPLIT_ID + 2 });
});

test('a replica refuses a store made for another key range: a cluster\'s splits are fixed', opts, async () => {
  const layout = config();
  const changed = { ...layout, storageSplits: [rowKey(SPLIT_ID + 1).toString('hex')] };
  const file = join(parent, 'changed.json');
  writeFileSync(file, JSON.stringify(changed));
  // storage-1's store was made for [∅, split): started with another split, it refuses (before
  // it opens its store or binds its port, so the running storage-1 is untouched).
  const failed = await run(process.execPath, [STRATA, 'node', '--role', 'storage', '--config', file, '--name', 'storage-1'], { timeout: 60_000 })
    .then(() => null, (error: { stderr?: string; stdout?: string }) => `${error.stderr ?? ''}${error.stdout ?? ''}`);
  assert.ok(failed !== null, 'the node does not start');
  assert.match(failed, /storage splits cannot change/);
  await serving(dir, 'storage-1');
});

test('a storage replica added while the cluster runs: it starts from a live replica\'s copy, holds its shard only, and the QPs read from it', opts, async () => {
  // Refused before anything changes: another role, a shard or an AZ the cluster lacks.
  const refused = (args: string[]) => strata('local', 'add', '--dir', dir, ...args).then(() => '', (error: Error) => error.message);
  assert.match(await refused(['--role', 'relay', '--az', 'az1']), /adds storage replicas and query processors/);
  assert.match(await refused(['--role', 'qp', '--az', 'az1', '--shard', '1']), /a query processor reads every shard/);
  assert.match(await refused(['--role', 'storage', '--az', 'az1', '--shard', '2']), /storage shards 0 to 1/);
  assert.match(await refused(['--role', 'storage', '--az', 'az9']), /no node of the cluster is in AZ az9/);
  const before = config().nodes.length;
  // One change to the config at a time: a live holder of its lock refuses the add; a dead one's is taken over.
  const lock = join(dir, 'config.lock');
  writeFileSync(lock, `${process.pid}\n`);
  assert.match(await refused(['--role', 'storage', '--az', 'az1', '--shard', '1']), /another command \(pid \d+\) is changing the cluster's config/);
  const gone = spawnSync(process.execPath, ['-e', '']).pid!;
  writeFileSync(lock, `${gone}\n`);

  const c = await localSession(dir, port);
  await c.query(`INSERT INTO t VALUES (${ROWS + 10}, 'before the add')`);
  assert.match(await strata('local', 'add', '--dir', dir, '--role', 'storage', '--az', 'az1', '--shard', '1'), /storage-1-s1-r2: a storage replica of shard 1 in az1, serving/);
  assert.equal(existsSync(lock), false, 'the stale lock was taken over and released');
  const added = config().nodes.find((n) => n.name === 'storage-1-s1-r2')!;
  assert.deepEqual([config().nodes.length, added.role, added.az, shardOf(added)], [before + 1, 'storage', 'az1', 1]);
  assert.match(readFileSync(join(dir, 'logs', 'storage-1-s1-r2.log'), 'utf8'), /a new store: starting from a peer's snapshot[\s\S]*restored \d+ entries from/);
  await c.query(`INSERT INTO t VALUES (${ROWS + 11}, 'after the add')`);

  // Its shard's rows, every one (the copy and the journal after it), and nothing of the other shard's.
  const table = [rowKey(null), rowKey(SPLIT_ID), Buffer.from([...rowKey(null).subarray(0, 4), 0, 2])];
  const high = Number((await c.query(`SELECT count(*) AS n FROM t WHERE id >= ${SPLIT_ID}`)).rows[0].n);
  await until(() => measured('storage-1-s1-r2', table[1]!, table[2]!), (n) => n === high, 'the added replica holds every row of its shard');
  await assert.rejects(measured('storage-1-s1-r2', table[0]!, table[1]!), /holds storage shard 1 only/);

  // Shard 1's replicas from the config stopped: the QPs, whose config does not name the added
  // one, read and write shard 1 through it.
  await strata('local', 'stop', '--dir', dir, 'storage-1-s1', 'storage-2-s1');
  try {
    assert.deepEqual((await c.query(`SELECT id, v FROM t WHERE id >= ${ROWS + 10} ORDER BY id`)).rows,
      [{ id: ROWS + 10, v: 'before the add' }, { id: ROWS + 11, v: 'after the add' }]);
    await c.query(`UPDATE t SET v = 'through the added one' WHERE id = ${ROWS}`);
    assert.deepEqual((await c.query(`SELECT v FROM t WHERE id = ${ROWS}`)).rows, [{ v: 'through the added one' }]);
    assert.deepEqual((await c.query(`SELECT count(*)::int AS n FROM t WHERE id >= ${SPLIT_ID}`)).rows[0], { n: high });
  } finally {
    await strata('local', 'start', '--dir', dir, 'storage-1-s1', 'storage-2-s1');
  }
  await serving(dir, 'storage-1-s1');
  await serving(dir, 'storage-2-s1');
  await c.end();
  const row = (await strata('local', 'status', '--dir', dir)).split('\n').find((l) => l.startsWith('storage-1-s1-r2'))!.split(/\s{2,}/);
  assert.deepEqual([row[1], row[3], row[5], row[8]], ['storage', 'az1', 'serving', '1']);
});

test('a query processor added while the cluster runs: the relays send it sessions, and the region\'s QPs share the connection limits with it', opts, async () => {
  assert.match(await strata('local', 'add', '--dir', dir, '--role', 'qp', '--az', 'az2'), /qp-2-r2: a query processor in az2, serving/);
  const added = config().nodes.find((n) => n.name === 'qp-2-r2')!;
  assert.deepEqual([added.role, added.az, added.dataDir], ['qp', 'az2', undefined]);
  // The configured QPs stopped: new sessions through the relays, which were not configured with
  // it, reach the added one, and read and write both shards there.
  await strata('local', 'stop', '--dir', dir, 'qp-1', 'qp-2');
  try {
    const c = await localSession(dir, port);
    try {
      await c.query(`INSERT INTO t VALUES (${ROWS + 20}, 'through the added qp')`);
      assert.deepEqual((await c.query(`SELECT count(*)::int AS n FROM t WHERE id IN (1, ${ROWS + 20})`)).rows[0], { n: 2 });
    } finally {
      await c.end();
    }
  } finally {
    await strata('local', 'start', '--dir', dir, 'qp-1', 'qp-2');
  }
  await serving(dir, 'qp-1');
  await serving(dir, 'qp-2');
  // Each configured QP now admits a third of the region's connections (it logs the change).
  assert.match(readFileSync(join(dir, 'logs', 'qp-1.log'), 'utf8'), /the region's QPs are now qp-1, qp-2, qp-2-r2: this one admits 1\/3 of the connection limits/);
  assert.match(readFileSync(join(dir, 'logs', 'relay-1.log'), 'utf8'), /qp-2-r2 joined the region's QPs: sessions may go to it/);
});

test('an added query processor removed: transactions under way on it commit, then its sessions end with 57P01; relays and QPs drop it', opts, async () => {
  const refused = (name: string) => strata('local', 'remove', '--dir', dir, name).then(() => '', (error: Error) => error.message);
  assert.match(await refused('qp-1'), /one of the nodes the cluster was created with/);
  assert.match(await refused('storage-1'), /one of the nodes the cluster was created with/);
  assert.match(await refused('relay-1'), /removes query processors and storage replicas/);
  assert.match(await refused('qp-9'), /no node qp-9/);
  await serving(dir, 'qp-2-r2');
  // Nine sessions over three QPs: each relay puts its sessions on the QP with the fewest of
  // them, so the one to go has some. Each holds a transaction open with a write.
  const password = (await strata('token', '--data-dir', dir, '--admin')).trim();
  const sessions = await Promise.all(Array.from({ length: 9 }, async (_, i) => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'admin', password, database: 'postgres' });
    const errors: string[] = [];
    client.on('error', (error: Error & { code?: string }) => errors.push(error.code ?? error.message));
    await client.connect();
    await client.query('BEGIN');
    await client.query(`INSERT INTO t VALUES (${ROWS + 30 + i}, 'open while its qp left')`);
    return { client, errors };
  }));
  const log = join(dir, 'logs', 'qp-2-r2.log');
  const removing = strata('local', 'remove', '--dir', dir, 'qp-2-r2');
  await until(async () => readFileSync(log, 'utf8'), (text) => /qp-2-r2: stopping: its \d+ sessions end as they finish their transactions/.test(text), 'the removed QP draining');
  // The QP is leaving: a transaction under way there still commits.
  for (const { client } of sessions) await client.query('COMMIT');
  assert.match(await removing, /qp-2-r2: removed from the cluster \(pid \d+ stopped\)/);
  const ended = [];
  for (const { client, errors } of sessions) {
    const next = await client.query('SELECT 1 AS one').then(() => 'served', (error: Error) => error.message);
    if (next !== 'served') ended.push(errors);
    await client.end().catch(() => {});
  }
  assert.ok(ended.length >= 1 && ended.length <= 4, `the removed QP's sessions ended (${ended.length} of 9)`);
  for (const errors of ended) assert.deepEqual(errors.slice(0, 1), ['57P01'], 'each ended as PostgreSQL\'s shutdown ends it');
  assert.ok(!config().nodes.some((n) => n.name === 'qp-2-r2'), 'gone from the config');
  assert.doesNotMatch(await strata('local', 'status', '--dir', dir), /qp-2-r2/);
  const c = await localSession(dir, port);
  try {
    assert.deepEqual((await c.query(`SELECT count(*)::int AS n FROM t WHERE id BETWEEN ${ROWS + 30} AND ${ROWS + 38}`)).rows[0], { n: 9 });
  } finally {
    await c.end();
  }
  await until(async () => readFileSync(join(dir, 'logs', 'qp-1.log'), 'utf8'), (text) => /the region's QPs are now qp-1, qp-2: this one admits 1\/2/.test(text), 'qp-1 sharing the limits with qp-2 alone again');
  assert.match(readFileSync(join(dir, 'logs', 'relay-1.log'), 'utf8'), /qp-2-r2 left the region's QPs/);
});

test('an added storage replica removed: reads of its shard go to the others, and its store is deleted', opts, async () => {
  const added = config().nodes.find((n) => n.name === 'storage-1-s1-r2')!;
  assert.ok(existsSync(added.dataDir!));
  assert.match(await strata('local', 'remove', '--dir', dir, 'storage-1-s1-r2'), /storage-1-s1-r2: removed from the cluster \(pid \d+ stopped\)/);
  assert.ok(!config().nodes.some((n) => n.name === 'storage-1-s1-r2'), 'gone from the config');
  assert.ok(!existsSync(added.dataDir!), 'its store deleted');
  // The QPs, whose config did not name it, drop it from shard 1's read order when its
  // registration goes; shard 1 is read and written through the replicas it was created with.
  await until(async () => readFileSync(join(dir, 'logs', 'qp-1.log'), 'utf8'), (text) => /storage replica storage-1-s1-r2 \(shard 1\) left: reads no longer go to it/.test(text), 'qp-1 dropping the replica');
  const c = await localSession(dir, port);
  try {
    await c.query(`INSERT INTO t VALUES (${ROWS + 40}, 'after the replica left')`);
    // Shard 1's rows this file wrote since the add: two, one, nine and this one.
    assert.deepEqual((await c.query(`SELECT count(*)::int AS n FROM t WHERE id BETWEEN ${ROWS + 10} AND ${ROWS + 40}`)).rows[0], { n: 13 });
  } finally {
    await c.end();
  }
  assert.doesNotMatch(await strata('local', 'status', '--dir', dir), /storage-1-s1-r2/);
});
