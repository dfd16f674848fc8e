/**
 * Created clusters from outside the process: psql with `host=<endpoint> hostaddr=127.0.0.1`
 * (its SNI names the cluster) and a password from `strata token --cluster ID`; and a node with
 * query-processor workers, whose default cluster keeps its worker path while created clusters
 * are served in the main process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { CreateClusterCommand, DSQLClient, waitUntilClusterActive } from '@aws-sdk/client-dsql';
import { startEmbedded, type EmbeddedCluster } from '../../src/node/embedded.js';
import { tokenCommand } from '../../src/cli/token.js';
import { runPsql } from '../support/psql.js';
import { usageCommand } from '../../src/cli/usage.js';

const WAIT = { maxWaitTime: 60, minDelay: 1, maxDelay: 1 };

async function withNode(options: { workers?: number }, body: (node: EmbeddedCluster, dataDir: string, client: DSQLClient) => Promise<void>): Promise<void> {
  const parent = await mkdtemp(join(tmpdir(), 'strata-control-clients-'));
  const dataDir = join(parent, 'data');
  const node = await startEmbedded({ dataDir, host: '127.0.0.1', port: 0, apiPort: 0, quiet: true, ...options });
  const client = new DSQLClient({ endpoint: `http://127.0.0.1:${node.apiPort}`, region: node.credentials.region, credentials: node.credentials });
  try {
    await body(node, dataDir, client);
  } finally {
    client.destroy();
    await node.stop();
    await rm(parent, { recursive: true, force: true });
  }
}

async function createActive(client: DSQLClient): Promise<string> {
  const created = await client.send(new CreateClusterCommand({ deletionProtectionEnabled: false }));
  await waitUntilClusterActive({ client, ...WAIT }, { identifier: created.identifier });
  return created.identifier!;
}

async function cliToken(dataDir: string, cluster: string): Promise<string> {
  const out: string[] = [];
  const status = await tokenCommand(['--data-dir', dataDir, '--cluster', cluster, '--admin'], (line) => out.push(line), () => {});
  assert.equal(status, 0);
  return out[0]!;
}

test('psql reaches a created cluster by its endpoint, with a token from strata token --cluster', async () => {
  await withNode({}, async (node, dataDir, client) => {
    const id = await createActive(client);
    const endpoint = `${id}.dsql.us-east-1.on.aws`;
    const env = {
      PGHOST: endpoint, PGHOSTADDR: '127.0.0.1', PGPORT: String(node.port), PGUSER: 'admin', PGDATABASE: 'postgres',
      PGSSLMODE: 'require', PGPASSWORD: await cliToken(dataDir, id),
    };
    const created = await runPsql(env, 'CREATE TABLE via_psql (id int PRIMARY KEY)');
    assert.equal(created.status, 0, created.stderr);
    const listed = await runPsql(env, "SELECT count(*) FROM via_psql");
    assert.match(listed.stdout, /\b0\b/);
    // The default cluster's token at the created cluster's endpoint is refused.
    const wrong = await runPsql({ ...env, PGPASSWORD: await node.token() }, 'SELECT 1');
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.stderr, /access denied/);
    const unknown = await runPsql({ ...env, PGHOST: `${'q'.repeat(26)}.dsql.us-east-1.on.aws` }, 'SELECT 1');
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /FATAL: {2}unable to accept connection, cluster not found/);
    assert.equal((await tokenCommand(['--data-dir', dataDir, '--cluster', 'not-an-id'], () => {}, () => {})), 2);
  });
});

test('with workers, the default cluster is served by them and created clusters by the main process', async () => {
  await withNode({ workers: 1 }, async (node, _dataDir, client) => {
    const id = await createActive(client);
    const endpoint = `${id}.dsql.us-east-1.on.aws`;
    // Held open together, the default cluster's connections alternate between this process and
    // the worker (least loaded first): TLS and plain ones both reach the worker with what the
    // shared port peeked.
    const own: pg.Client[] = [];
    for (const ssl of [{ rejectUnauthorized: false }, { rejectUnauthorized: false }, false, false]) {
      const session = new pg.Client({ host: '127.0.0.1', port: node.port, user: 'admin', database: 'postgres', password: await node.token(), ssl });
      await session.connect();
      own.push(session);
    }
    const created = new pg.Client({ host: '127.0.0.1', port: node.port, user: 'admin', database: 'postgres', password: await node.tokenFor(endpoint), ssl: { rejectUnauthorized: false, servername: endpoint } });
    await created.connect();
    try {
      await own[0]!.query('CREATE TABLE in_default (id int PRIMARY KEY)');
      for (const [i, session] of own.entries()) await session.query('INSERT INTO in_default VALUES ($1)', [i]);
      assert.equal((await own[3]!.query('SELECT count(*)::int AS n FROM in_default')).rows[0].n, 4);
      const missing = await created.query('SELECT * FROM in_default').then(() => null, (error: { code?: string }) => error.code);
      assert.equal(missing, '42P01', 'the created cluster does not see the default cluster\'s table');
      assert.equal(node.workerPids().length, 1, 'the worker is still there');
    } finally {
      for (const session of own) await session.end();
      await created.end();
    }
  });
});

test('a created cluster is metered on its own: strata usage --cluster ID', async () => {
  let id = '';
  let dir = '';
  await withNode({}, async (node, dataDir, client) => {
    id = await createActive(client);
    dir = dataDir;
    const endpoint = `${id}.dsql.${node.credentials.region}.on.aws`;
    const session = new pg.Client({ host: '127.0.0.1', port: node.port, user: 'admin', database: 'postgres', password: await node.tokenFor(endpoint), ssl: { rejectUnauthorized: false, servername: endpoint } });
    await session.connect();
    try {
      await session.query('CREATE TABLE metered (id int PRIMARY KEY, note text)');
      for (let i = 0; i < 3; i++) await session.query('INSERT INTO metered VALUES ($1, $2)', [i, 'x'.repeat(100)]);
    } finally {
      await session.end();
    }
    // Stopping the node (withNode) writes the usage files out.
    const totals = async (args: string[]) => {
      const lines: string[] = [];
      assert.equal(await usageCommand([...args, '--json'], (line) => lines.push(line), (line) => assert.fail(line)), 0);
      return JSON.parse(lines.join('\n')).totals;
    };
    await node.stop();
    const created = await totals(['--data-dir', dataDir, '--cluster', id]);
    assert.ok(created.TotalTransactions >= 4, JSON.stringify(created));
    assert.ok(created.WriteDPU >= 3 * 0.05 - 1e-9, JSON.stringify(created));
    const own = await totals(['--data-dir', dataDir]);
    assert.equal(own.WriteDPU, 0, 'the default cluster wrote nothing');
  });
  assert.equal(await usageCommand(['--data-dir', dir, '--cluster', 'NOT-AN-ID'], () => {}, () => {}), 2);
  assert.ok(id.length === 26);
});
