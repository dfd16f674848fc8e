/**
 * The connection quota on a `local up` cluster (`--max-connections`, ClusterConfig.maxConnections):
 * the QPs of a region admit independently, each its share (src/node/admission.ts). With one AZ
 * there is one QP, which holds the whole quota: the connection past it, through the relay, gets
 * DSQL's 53300 FATAL, and a slot freed is taken again; `local up --max-connections` on the
 * stopped cluster changes the quota.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { stopLocalCluster } from '../support/cluster.js';
import { etcdUnavailableReason } from '../support/etcd.js';

const run = promisify(execFile);
const STRATA = join(process.cwd(), 'bin', 'strata.js');
const skip = etcdUnavailableReason() ?? false;
let dir = '';
let port = 0;
let password = '';

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'strata-local-admission-'));
  const { stdout } = await run(process.execPath, [STRATA, 'local', 'up', '--dir', dir, '--port', '0', '--azs', '1', '--max-connections', '2', '--owner-pid', String(process.pid)], { timeout: 150_000 });
  port = Number(/port=(\d+)/.exec(stdout)?.[1]);
  password = (await run(process.execPath, [STRATA, 'token', '--data-dir', dir, '--admin'])).stdout.trim();
});

after(async () => {
  if (!dir) return;
  await stopLocalCluster(dir);
  rmSync(dir, { recursive: true, force: true });
});

async function connect(): Promise<pg.Client | { code?: string; message: string }> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'admin', password, database: 'postgres', ssl: { rejectUnauthorized: false } });
  client.on('error', () => {});
  return client.connect().then(() => client, (error: { code?: string; message: string }) => error);
}

test('local up --max-connections: past the quota a client gets 53300 through the relay; a slot freed is taken again', { skip, timeout: 200_000 }, async () => {
  const first = await connect();
  const second = await connect();
  assert.ok(first instanceof pg.Client && second instanceof pg.Client, 'two connections fit');
  const third = await connect();
  assert.ok(!(third instanceof pg.Client), 'the third is refused');
  assert.equal(third.code, '53300');
  assert.equal(third.message, 'Unable to accept connection, too many open connections.');
  assert.deepEqual((await first.query('SELECT 1 AS one')).rows, [{ one: 1 }], 'the admitted sessions go on');
  await first.end();
  let again: pg.Client | null = null;
  for (let attempt = 0; attempt < 50 && again === null; attempt++) {
    const outcome = await connect();
    if (outcome instanceof pg.Client) again = outcome;
    else await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(again, 'a connection is admitted once one closed');
  await again.end();
  await second.end();

  // The quota is a setting: `up --max-connections 3` on the stopped cluster raises it.
  await stopLocalCluster(dir);
  await run(process.execPath, [STRATA, 'local', 'up', '--dir', dir, '--max-connections', '3', '--owner-pid', String(process.pid)], { timeout: 150_000 });
  const three = await Promise.all([connect(), connect(), connect()]);
  assert.ok(three.every((c) => c instanceof pg.Client), 'three fit now');
  const fourth = await connect();
  assert.equal((fourth as { code?: string }).code, '53300');
  for (const c of three) await (c as pg.Client).end();
});
