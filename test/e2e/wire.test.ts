import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { startTestCluster, embeddedOnly, type TestCluster } from '../support/cluster.js';

let t: TestCluster;
before(async () => { t = await startTestCluster(); });
after(async () => { await t.stop(); });

function rawSession(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((ok) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('close', () => ok(Buffer.concat(chunks)));
    socket.on('error', () => ok(Buffer.concat(chunks)));
    setTimeout(() => socket.destroy(), 5000);
  });
}

test('malformed wire input closes only that connection; other sessions keep working', async () => {
  const healthy = await t.client();
  await healthy.query('CREATE TABLE survivors (id int PRIMARY KEY)');
  await healthy.query('INSERT INTO survivors VALUES (1)');
  const bad = [
    Buffer.from([0, 0, 0, 2]), // length below the minimum
    Buffer.from([0, 0, 0, 8, 0x12, 0x34, 0x56, 0x78]), // unknown protocol version
    Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 0]), // absurd startup length
    Buffer.concat([Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]), Buffer.from('garbage after ssl request')]),
  ];
  for (const bytes of bad) {
    const reply = await rawSession(t.port, bytes);
    assert.ok(reply.length === 0 || reply[0] === 0x45 /* E */ || reply[0] === 0x4e /* N */, `unexpected reply ${reply.subarray(0, 16).toString('hex')}`);
  }
  assert.deepEqual((await healthy.query('SELECT id FROM survivors')).rows, [{ id: 1 }]);
  const fresh = await t.client();
  assert.deepEqual((await fresh.query('SELECT count(*) AS n FROM survivors')).rows, [{ n: '1' }]);
});

test('an oversized message after startup is refused with a protocol error', async () => {
  const healthy = await t.client();
  const other = await t.client();
  const stream = (other as unknown as { connection: { stream: net.Socket } }).connection.stream;
  const ended = new Promise((r) => stream.once('close', r));
  const header = Buffer.alloc(5);
  header[0] = 0x51; // Query
  header.writeUInt32BE(11 * 1024 * 1024, 1);
  stream.write(header);
  await ended;
  assert.deepEqual((await healthy.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
});

test('a named prepared statement runs many times on one connection', async () => {
  const c = await t.client();
  await c.query('CREATE TABLE many (id int PRIMARY KEY)');
  await c.query(`INSERT INTO many VALUES ${Array.from({ length: 50 }, (_, i) => `(${i})`).join(',')}`);
  // Row limits and PortalSuspended are tested byte by byte in portal.test.ts.
  for (let i = 0; i < 20; i++) {
    const r = await c.query({ name: 'by-id', text: 'SELECT id FROM many WHERE id = $1', values: [i] });
    assert.deepEqual(r.rows, [{ id: i }]);
  }
});

test('psql connects with the token and runs a script', async () => {
  // Asynchronously: the server runs in this process and must keep serving while psql runs.
  const { spawn } = await import('node:child_process');
  const child = spawn('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-At', '-c', 'CREATE TABLE from_psql (id int PRIMARY KEY, name text)', '-c', "INSERT INTO from_psql VALUES (1, 'one')", '-c', 'SELECT id, name FROM from_psql'], {
    env: { ...process.env, PGHOST: '127.0.0.1', PGPORT: String(t.port), PGUSER: 'admin', PGDATABASE: 'postgres', PGPASSWORD: await t.token('admin'), PGSSLMODE: 'require' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const status = await new Promise((r) => child.on('close', r));
  assert.equal(status, 0, stderr);
  assert.match(stdout, /^CREATE TABLE\nINSERT 0 1\n1\|one\n$/);
});

test('connections beyond the quota are refused with 53300 and the rest keep working', embeddedOnly('starts a cluster with the maxConnections option, which `strata local up` does not take'), async () => {
  const small = await startTestCluster({ maxConnections: 2 });
  try {
    const first = await small.client();
    await small.client();
    const { default: pg } = await import('pg');
    const third = new pg.Client(await small.config());
    third.on('error', () => {});
    await assert.rejects(third.connect(), (error: { code?: string; message: string }) => error.code === '53300' && /too many open connections/.test(error.message));
    assert.deepEqual((await first.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
  } finally {
    await small.stop();
  }
});

test('CancelRequest stops a long statement with 57014 while other sessions keep being served', async () => {
  const { serialize } = await import('pg-protocol');
  const busy = await t.client();
  const other = await t.client();
  const { processID, secretKey } = busy as unknown as { processID: number; secretKey: number };
  const long = busy.query('SELECT count(*) FROM generate_series(1, 200000000) n').then(() => null, (error: { code?: string }) => error);
  // An embedded server is single-threaded: this answer proves the long statement yields between
  // batches. (On the local target the relay may put the two sessions on different QPs; the
  // CancelRequest goes to every QP.)
  assert.deepEqual((await other.query('SELECT 2 AS two')).rows, [{ two: 2 }]);
  await new Promise<void>((resolve) => {
    const socket = net.connect(t.port, '127.0.0.1', () => socket.end(serialize.cancel(processID, secretKey)));
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
  const error = await long;
  assert.equal(error?.code, '57014');
  assert.deepEqual((await busy.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
});

test('CancelRequest ends a pg_sleep with 57014; other sessions are served while it waits', async () => {
  const { serialize } = await import('pg-protocol');
  const busy = await t.client();
  const other = await t.client();
  const { processID, secretKey } = busy as unknown as { processID: number; secretKey: number };
  const long = busy.query('SELECT pg_sleep(600)').then(() => null, (error: { code?: string }) => error);
  assert.deepEqual((await other.query('SELECT 2 AS two')).rows, [{ two: 2 }]);
  await new Promise<void>((resolve) => {
    const socket = net.connect(t.port, '127.0.0.1', () => socket.end(serialize.cancel(processID, secretKey)));
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
  assert.equal((await long)?.code, '57014');
  assert.deepEqual((await busy.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
});

/** A CancelRequest sent as node-postgres and pgJDBC send it with SSL on: inside TLS. */
function cancelOverTls(port: number, serialized: Buffer): Promise<void> {
  return new Promise<void>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])));
    socket.once('data', (answer) => {
      assert.equal(answer.toString(), 'S');
      const secure = tls.connect({ socket, rejectUnauthorized: false }, () => secure.end(serialized));
      secure.on('close', () => resolve());
      secure.on('error', () => resolve());
    });
    socket.on('error', () => resolve());
  });
}

test('a CancelRequest inside TLS reaches its session, whichever query processor it lands on', async () => {
  const { serialize } = await import('pg-protocol');
  // Three times: on a local cluster the relay puts a connection on the QP with the fewest of its
  // sessions, so the cancel's connection lands on another QP than the session's (it cannot read
  // inside TLS).
  for (let i = 0; i < 3; i++) {
    const busy = await t.client();
    const { processID, secretKey } = busy as unknown as { processID: number; secretKey: number };
    const long = busy.query('SELECT pg_sleep(600)').then(() => null, (error: { code?: string }) => error);
    const other = await t.client();
    assert.deepEqual((await other.query('SELECT 2 AS two')).rows, [{ two: 2 }]);
    await cancelOverTls(t.port, serialize.cancel(processID, secretKey));
    assert.equal((await long)?.code, '57014');
    await busy.end();
    await other.end();
  }
});

test('notices, error positions and a refused GSSENCRequest', async () => {
  const c = await t.client();
  const notices: string[] = [];
  c.on('notice', (n) => notices.push(n.message ?? ''));
  await c.query('DROP TABLE IF EXISTS never_there');
  assert.deepEqual(notices, ['table "never_there" does not exist, skipping']);
  const error = await c.query('SELECT nope FROM survivors').then(() => null, (e: { code: string; position: string }) => e);
  assert.equal(error?.code, '42703');
  assert.equal(error?.position, '8');
  const gssenc = Buffer.alloc(8);
  gssenc.writeInt32BE(8, 0);
  gssenc.writeInt32BE(80877104, 4);
  const reply = await new Promise<Buffer>((resolve) => {
    const socket = net.connect(t.port, '127.0.0.1', () => socket.write(gssenc));
    socket.once('data', (chunk) => { resolve(chunk); socket.destroy(); });
  });
  assert.equal(reply.toString(), 'N');
});
