/**
 * SQL served by several processes — the embedded node with query-processor worker processes,
 * or the local cluster's QPs: sessions in different processes see one database — commits
 * acknowledged in one are visible at once in another, conflicts are decided by the one
 * adjudicator, DDL and index builds are seen everywhere, cancellation finds the session wherever
 * it lives, and losing a process loses only its sessions.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startTestCluster, embeddedOnly, expectError, type TestCluster } from '../support/cluster.js';

let t: TestCluster;
before(async () => { t = await startTestCluster({ workers: 2 }); });
after(async () => { await t.stop(); });

/** Two sessions in different processes. */
async function twoWorkers(): Promise<[pg.Client, pg.Client]> {
  const [a, b] = await t.clientsInProcesses(2);
  const pidA = (await a!.query('SELECT pg_backend_pid() AS p')).rows[0].p;
  const pidB = (await b!.query('SELECT pg_backend_pid() AS p')).rows[0].p;
  assert.notEqual(pidA, pidB);
  return [a!, b!];
}

test('a commit acknowledged in one worker is visible at once in another, for DDL and rows', async () => {
  const [a, b] = await twoWorkers();
  await a.query('CREATE TABLE acct (id int PRIMARY KEY, balance int NOT NULL)');
  // A prepared statement in the other worker resolves the new table at Parse.
  const select = { name: 'get_acct', text: 'SELECT balance FROM acct WHERE id = $1' };
  await a.query('INSERT INTO acct VALUES (1, 100), (2, 100)');
  assert.deepEqual((await b.query({ ...select, values: [1] })).rows, [{ balance: 100 }]);
  for (let i = 1; i <= 20; i++) {
    await a.query('UPDATE acct SET balance = $1 WHERE id = 1', [100 + i]);
    assert.deepEqual((await b.query({ ...select, values: [1] })).rows, [{ balance: 100 + i }], `update ${i} seen by the other worker`);
  }
});

test('the one adjudicator decides conflicts between workers: the later commit gets OC000', async () => {
  const [a, b] = await twoWorkers();
  await a.query('CREATE TABLE contended (id int PRIMARY KEY, n int)');
  await a.query('INSERT INTO contended VALUES (1, 0)');
  await a.query('BEGIN');
  await b.query('BEGIN');
  await a.query('UPDATE contended SET n = n + 1 WHERE id = 1');
  await b.query('UPDATE contended SET n = n + 10 WHERE id = 1');
  await a.query('COMMIT');
  const error = await expectError(b, 'COMMIT');
  assert.equal(error.code, '40001');
  assert.match(error.message, /OC000/);
  assert.deepEqual((await b.query('SELECT n FROM contended')).rows, [{ n: 1 }]);
});

test('an index build started in one worker is waited for and listed in another', async () => {
  const [a, b] = await twoWorkers();
  await a.query('CREATE TABLE things (id int PRIMARY KEY, color text)');
  const rows = Array.from({ length: 500 }, (_, i) => `(${i}, '${i % 2 ? 'red' : 'blue'}')`).join(',');
  await a.query(`INSERT INTO things VALUES ${rows}`);
  const jobId = (await a.query('CREATE INDEX ASYNC things_color ON things (color)')).rows[0].job_id as string;
  await b.query(`CALL sys.wait_for_job('${jobId}')`);
  const listed = await b.query('SELECT status FROM sys.jobs WHERE job_id = $1', [jobId]);
  assert.deepEqual(listed.rows, [{ status: 'completed' }]);
  assert.deepEqual((await b.query("SELECT count(*)::int AS n FROM things WHERE color = 'red'")).rows, [{ n: 250 }]);
  assert.equal((await expectError(b, "CALL sys.wait_for_job('no-such-job')")).code, '42704');
});

test('a CancelRequest reaches the session in whichever worker runs it', async () => {
  const { serialize } = await import('pg-protocol');
  const busy = await t.client();
  const { processID, secretKey } = busy as unknown as { processID: number; secretKey: number };
  const long = busy.query('SELECT count(*) FROM generate_series(1, 200000000) n').then(() => null, (error: { code?: string }) => error);
  // Cancel until it lands (the statement may not have started when the first request arrives).
  let error: { code?: string } | null = null;
  for (let attempt = 0; attempt < 50 && error === null; attempt++) {
    await new Promise<void>((resolve) => {
      const socket = net.connect(t.port, '127.0.0.1', () => socket.end(serialize.cancel(processID, secretKey)));
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    error = await Promise.race([long, new Promise<null>((resolve) => setTimeout(() => resolve(null), 200))]);
  }
  assert.equal(error?.code, '57014');
  // The session goes on. A cancel sent by an earlier attempt may still be on its way (through the
  // relay, which forwards it to every QP) and land on the next statement, as a late cancel does
  // in PostgreSQL; a statement after that one is not hit.
  let after = await busy.query('SELECT 1 AS one').then((r) => r.rows, (e: { code?: string }) => e);
  for (let i = 0; i < 3 && (after as { code?: string }).code === '57014'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    after = await busy.query('SELECT 1 AS one').then((r) => r.rows, (e: { code?: string }) => e);
  }
  assert.deepEqual(after, [{ one: 1 }]);
});

test('the transaction age limit holds in workers when the clock moves', embeddedOnly('moves the embedded clock'), async () => {
  const c = await t.client();
  await c.query('BEGIN');
  await c.query('SELECT 1');
  await t.cluster.advanceClock(301_000_000);
  const error = await expectError(c, 'SELECT 1');
  assert.equal(error.code, '54000');
  await c.query('ROLLBACK');
});

test('the connection quota counts connections across workers', embeddedOnly('sets maxConnections'), async () => {
  const small = await startTestCluster({ workers: 2, maxConnections: 2 });
  try {
    const first = await small.client();
    await small.client();
    const third = new pg.Client(await small.config());
    third.on('error', () => {});
    await assert.rejects(third.connect(), (error: { code?: string }) => error.code === '53300');
    await first.end();
    // The freed slot is counted once the worker reports the close.
    let fourth: pg.Client | null = null;
    for (let attempt = 0; attempt < 50 && fourth === null; attempt++) {
      const candidate = new pg.Client(await small.config());
      candidate.on('error', () => {});
      fourth = await candidate.connect().then(() => candidate, () => null);
      if (fourth === null) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(fourth, 'a connection is accepted again after one closed');
    await fourth.end();
  } finally {
    await small.stop();
  }
});

test('every acknowledged commit is there after a restart with workers', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-workers-restart-'));
  try {
    const first = await startTestCluster({ workers: 2, dataDir });
    try {
      const c = await first.client();
      await c.query('CREATE TABLE durable (id int PRIMARY KEY)');
      for (let i = 0; i < 30; i++) await c.query('INSERT INTO durable VALUES ($1)', [i]);
    } finally {
      await first.stop();
    }
    const second = await startTestCluster({ workers: 2, dataDir });
    try {
      const d = await second.client();
      assert.deepEqual((await d.query('SELECT count(*)::int AS n FROM durable')).rows, [{ n: 30 }]);
      await d.query('INSERT INTO durable VALUES (30)');
      assert.deepEqual((await d.query('SELECT max(id) AS m FROM durable')).rows, [{ m: 30 }]);
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a worker killed with SIGKILL loses only its sessions; another takes its place', async () => {
  // Six sessions, two in each process that runs SQL.
  const sessions = await t.clientsInProcesses(6);
  await sessions[0]!.query('CREATE TABLE survivors_w (id int PRIMARY KEY)');
  await sessions[0]!.query('INSERT INTO survivors_w VALUES (1)');
  const before = t.queryProcessorPids();
  assert.ok(before.length >= 2, `processes to kill: ${before}`);
  process.kill(before[0]!, 'SIGKILL');
  const alive = await Promise.all(sessions.map((s) => s.query('SELECT 1 AS one').then(() => true, () => false)));
  const lost = alive.filter((a) => !a).length;
  assert.ok(lost >= 1 && lost < sessions.length, `the killed process's sessions end, the others go on (alive: ${alive})`);
  // A replacement starts; new sessions are served and see every commit.
  let pids: number[] = [];
  for (let attempt = 0; attempt < 400 && (pids.length < before.length || pids.includes(before[0]!)); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    pids = t.queryProcessorPids();
  }
  assert.equal(pids.length, before.length);
  assert.ok(!pids.includes(before[0]!), 'the killed process was replaced');
  for (let i = 0; i < 4; i++) {
    const c = await t.client();
    assert.deepEqual((await c.query('SELECT id FROM survivors_w')).rows, [{ id: 1 }]);
  }
});
