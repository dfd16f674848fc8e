/**
 * Automatic scaling of query processors (`strata local up --autoscale`, docs/distributed.md
 * "Automatic scaling"): under load the control leader asks for a QP more, the supervisor adds
 * it, the relays send it new sessions; once the load is gone, the leader asks for it to go and
 * the supervisor removes it. The policy's lines are set low here (busy 10 % / 5 %, seconds
 * instead of minutes), so a few clients running small queries cross them on any host.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { EtcdCoordination } from '../../src/env/etcd-coordination.js';
import { loadPrefix } from '../../src/node/roles/cluster-config.js';
import { listUnder } from '../../src/node/roles/leadership.js';
import { parseLoad } from '../../src/node/roles/load-report.js';
import { etcdUnavailableReason } from '../support/etcd.js';
import { strata, until, useScalingCluster } from '../support/local-cli.js';

const skip = etcdUnavailableReason() ?? false;
const SCALING = { maxQpsPerRegion: 3, scaleOutBusy: 0.1, scaleOutAfterSeconds: 2, scaleInBusy: 0.05, scaleInAfterSeconds: 4, cooldownSeconds: 3 };
const cluster = useScalingCluster('local-autoscale', SCALING, skip);
const { config, scaled } = cluster;

test('under load a query processor is added and takes new sessions; idle again, it is removed', { skip, timeout: 300_000 }, async () => {
  assert.equal(config().scaling?.maxQpsPerRegion, 3);
  const password = (await strata('token', '--data-dir', cluster.dir, '--admin')).trim();
  // Clients that reconnect every few queries, as a pool's do: new sessions can reach a new QP.
  let running = true;
  let queries = 0;
  const client = async () => {
    while (running) {
      const c = new pg.Client({ host: '127.0.0.1', port: cluster.port, user: 'admin', password, database: 'postgres' });
      c.on('error', () => {});
      try {
        await c.connect();
        for (let i = 0; i < 20 && running; i++) {
          await c.query('SELECT count(*) FROM generate_series(1, 500)');
          queries++;
        }
      } catch {
        // A session ended under it (a QP removed): the next one goes elsewhere.
      } finally {
        await c.end().catch(() => {});
      }
    }
  };
  const clients = Array.from({ length: 6 }, client);
  let added = '';
  const etcd = new EtcdCoordination(config().etcd, { tls: null });
  try {
    added = (await until(async () => scaled(), (nodes) => nodes.length > 0, 'a QP added under load', 120_000))[0]!.name;
    assert.match(added, /^qp-\d-r\d+$/);
    // The added QP serves sessions: its load report counts them.
    await until(async () => (await listUnder(etcd, `${loadPrefix(config())}${added}`)).map((e) => parseLoad(e.value)?.sessions ?? 0),
      (sessions) => (sessions[0] ?? 0) > 0, `${added} serving sessions`, 60_000);
  } finally {
    running = false;
    await Promise.all(clients);
    await etcd.close();
  }
  assert.ok(queries > 0);
  // Idle: the scaling's QPs go again, the ones the cluster was created with stay.
  await until(async () => scaled(), (nodes) => nodes.length === 0, 'the added QPs removed once idle', 120_000);
  assert.deepEqual(config().nodes.filter((n) => n.role === 'qp').map((n) => n.name), ['qp-1', 'qp-2']);
  // The supervisor writes the config, then answers the request and logs it.
  const removed = new RegExp(`scaling request \\d+ \\(remove query processor ${added} of local\\): done ${added}`);
  const supervisor = await until(async () => readFileSync(join(cluster.dir, 'logs', 'supervisor.log'), 'utf8'), (log) => removed.test(log), 'the removal logged', 30_000);
  assert.match(supervisor, new RegExp(`scaling request \\d+ \\(add a query processor in AZ az\\d of local\\): done ${added}`));
  assert.match(readFileSync(join(cluster.dir, 'logs', 'control-1.log'), 'utf8'), /scaling request 1: add a query processor in AZ az\d of local — 2 QPs of local averaged \d+ % busy for 2 s/);
  const status = await strata('local', 'status', '--dir', cluster.dir);
  assert.doesNotMatch(status, new RegExp(`^${added}\\s`, 'm'));
  assert.match(status, new RegExp(`^automatic scaling: up to 3 QPs a region, one more at 10 % busy for 2 s, one fewer at 5 % for 4 s; last request \\d+: remove query processor ${added} of local — done \\(${added}\\)$`, 'm'));
  // The cluster serves on, on the QPs it was created with.
  const c = new pg.Client({ host: '127.0.0.1', port: cluster.port, user: 'admin', password, database: 'postgres' });
  await c.connect();
  try {
    assert.deepEqual((await c.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
  } finally {
    await c.end();
  }
});

test('--autoscale refuses a policy whose lines cross, before anything starts', { skip }, async () => {
  const refused = await strata('local', 'up', '--dir', join(cluster.dir, '..', 'never'), '--autoscale', '{"maxQpsPerRegion":2,"scaleOutBusy":0.2,"scaleInBusy":0.5}')
    .then(() => '', (error: Error) => error.message);
  assert.match(refused, /"scaling.scaleInBusy" must be below "scaling.scaleOutBusy"/);
  assert.match(await strata('local', 'up', '--dir', join(cluster.dir, '..', 'never'), '--autoscale', 'many').then(() => '', (error: Error) => error.message), /--autoscale: neither a number of QPs nor JSON/);
});
