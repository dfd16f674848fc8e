/**
 * kill -9 of the server during a stream of acknowledged commits, restart on the same data
 * directory: every acknowledged commit is there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import pg from 'pg';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const bin = join(root, 'bin', 'strata.js');

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => ok(port));
    });
    server.on('error', fail);
  });
}

function startServer(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [bin, 'start', '--data-dir', dataDir, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((ok, fail) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`server did not start: ${output}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/\bready\b/.test(output)) { clearTimeout(timer); ok(child); }
    });
    child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`server exited with ${code}: ${output}`)); });
  });
}

function token(dataDir: string): Promise<string> {
  const child = spawn(process.execPath, [bin, 'token', '--data-dir', dataDir, '--admin'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  return new Promise((ok, fail) => child.on('exit', (code) => (code === 0 ? ok(out.trim()) : fail(new Error(`token exited ${code}`)))));
}

async function connect(port: number, password: string): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'admin', database: 'postgres', password });
  client.on('error', () => {});
  await client.connect();
  return client;
}

test('every acknowledged commit survives kill -9 and restart', { timeout: 180_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-crash-'));
  const port = await freePort();
  let server = await startServer(dataDir, port);
  try {
    const password = await token(dataDir);
    const setup = await connect(port, password);
    await setup.query('CREATE TABLE ledger (id int PRIMARY KEY, amount int NOT NULL)');
    await setup.end();

    const acknowledged: number[] = [];
    const writers = await Promise.all(Array.from({ length: 4 }, () => connect(port, password)));
    let next = 0;
    let stop = false;
    const loops = writers.map(async (client) => {
      while (!stop) {
        const id = next++;
        try {
          await client.query('INSERT INTO ledger VALUES ($1, $2)', [id, id * 3]);
          acknowledged.push(id);
        } catch {
          return; // the server died under us: this insert was not acknowledged
        }
      }
    });
    while (acknowledged.length < 300) await new Promise((r) => setTimeout(r, 5));
    server.kill('SIGKILL');
    stop = true;
    await Promise.all(loops);
    const dead = server;
    await new Promise((r) => (dead.exitCode !== null || dead.signalCode !== null ? r(null) : dead.once('exit', r)));

    server = await startServer(dataDir, port);
    const check = await connect(port, password);
    const rows = (await check.query('SELECT id, amount FROM ledger')).rows as { id: number; amount: number }[];
    const found = new Map(rows.map((r) => [r.id, r.amount]));
    const missing = acknowledged.filter((id) => found.get(id) !== id * 3);
    assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged commits lost`);
    await check.end();
  } finally {
    server.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('an index build interrupted by a stop resumes under its job id after restart', { timeout: 120_000 }, async () => {
  const { startTestCluster } = await import('../support/cluster.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-index-'));
  try {
    let t = await startTestCluster({ dataDir });
    let c = await t.client();
    await c.query('CREATE TABLE items (id int PRIMARY KEY, color text)');
    await c.query(`INSERT INTO items SELECT n, CASE WHEN n % 3 = 0 THEN 'red' ELSE 'blue' END FROM generate_series(1, 3000) n`);
    const jobId = (await c.query('CREATE INDEX ASYNC items_color ON items (color)')).rows[0].job_id as string;
    await t.stop();
    t = await startTestCluster({ dataDir });
    c = await t.client();
    await c.query(`CALL sys.wait_for_job('${jobId}')`);
    const valid = await c.query("SELECT indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'items_color'");
    assert.deepEqual(valid.rows, [{ indisvalid: true }]);
    assert.equal((await c.query("SELECT count(*) AS n FROM items WHERE color = 'red'")).rows[0].n, '1000');
    await t.stop();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
