/**
 * Automatic scaling of storage replicas (`"maxReplicasPerShard"` in `--autoscale`,
 * docs/distributed.md "Automatic scaling"): under read load a shard's replicas stay busy, the
 * control leader asks for one more, the supervisor adds it (it starts from a live replica's copy
 * plus the journal after it, and registers to serve reads); once the load is gone it is asked to
 * go and removed, and the shard serves on from the replicas the cluster was created with. The
 * lines are set low (busy 10 % / 5 %, seconds), and the QPs are at their maximum already, so
 * only replicas scale.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { EtcdCoordination } from '../../src/env/etcd-coordination.js';
import { registrationsPrefix } from '../../src/node/roles/cluster-config.js';
import { listUnder } from '../../src/node/roles/leadership.js';
import { etcdUnavailableReason } from '../support/etcd.js';
import { strata, until, useScalingCluster } from '../support/local-cli.js';

const skip = etcdUnavailableReason() ?? false;
const SCALING = { maxQpsPerRegion: 2, maxReplicasPerShard: 3, scaleOutBusy: 0.1, scaleOutAfterSeconds: 2, scaleInBusy: 0.05, scaleInAfterSeconds: 4, cooldownSeconds: 3 };
const ROWS = 3_000;
const cluster = useScalingCluster('local-autoscale-replicas', SCALING, skip);
const { config, scaled } = cluster;

test('under read load a storage replica is added and registers to serve; idle again, it is removed', { skip, timeout: 300_000 }, async () => {
  const password = (await strata('token', '--data-dir', cluster.dir, '--admin')).trim();
  const connect = async () => {
    const c = new pg.Client({ host: '127.0.0.1', port: cluster.port, user: 'admin', password, database: 'postgres' });
    c.on('error', () => {});
    await c.connect();
    return c;
  };
  const setup = await connect();
  await setup.query('CREATE TABLE readings (id int PRIMARY KEY, v text)');
  for (let from = 1; from <= ROWS; from += 1_000) await setup.query(`INSERT INTO readings SELECT g, 'reading ' || g FROM generate_series(${from}, ${from + 999}) g`);
  await setup.end();
  // Scans: storage reads and filters every row.
  let running = true;
  let queries = 0;
  const client = async () => {
    while (running) {
      try {
        const c = await connect();
        for (let i = 0; i < 20 && running; i++) {
          await c.query("SELECT count(*) FROM readings WHERE v LIKE '%7%'");
          queries++;
        }
        await c.end().catch(() => {});
      } catch {
        // A session ended under it: the next one.
      }
    }
  };
  const clients = Array.from({ length: 6 }, client);
  const etcd = new EtcdCoordination(config().etcd, { tls: null });
  let added = '';
  try {
    const node = (await until(async () => scaled(), (nodes) => nodes.length > 0, 'a replica added under load', 120_000))[0]!;
    assert.equal(node.role, 'storage');
    added = node.name;
    // It started from a copy, caught up and registered: QPs now read from it too.
    await until(async () => (await listUnder(etcd, `${registrationsPrefix(config())}${added}`)).length, (n) => n === 1, `${added} registered`, 120_000);
  } finally {
    running = false;
    await Promise.all(clients);
    await etcd.close();
  }
  assert.ok(queries > 0);
  await until(async () => scaled(), (nodes) => nodes.length === 0, 'the added replica removed once idle', 120_000);
  assert.deepEqual(config().nodes.filter((n) => n.role === 'storage').map((n) => n.added), [undefined, undefined]);
  const removed = new RegExp(`scaling request \\d+ \\(remove storage replica ${added} of local\\): done ${added}`);
  const supervisor = await until(async () => readFileSync(join(cluster.dir, 'logs', 'supervisor.log'), 'utf8'), (log) => removed.test(log), 'the removal logged', 30_000);
  assert.match(supervisor, new RegExp(`scaling request \\d+ \\(add a storage replica of shard 0 in AZ az\\d of local\\): done ${added}`));
  assert.match(readFileSync(join(cluster.dir, 'logs', 'control-1.log'), 'utf8'), /add a storage replica of shard 0 in AZ az\d of local — 2 storage replicas of shard 0 of local averaged \d+ % busy for 2 s/);
  const status = await strata('local', 'status', '--dir', cluster.dir);
  assert.match(status, /^automatic scaling: up to 2 QPs a region and 3 replicas a shard, one more at 10 % busy for 2 s/m);
  // The shard serves on from the replicas the cluster was created with.
  const c = await connect();
  try {
    assert.deepEqual((await c.query('SELECT count(*)::int AS n FROM readings')).rows, [{ n: ROWS }]);
  } finally {
    await c.end();
  }
});
