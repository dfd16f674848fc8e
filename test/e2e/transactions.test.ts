import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, embeddedOnly, expectError, type TestCluster } from '../support/cluster.js';

let t: TestCluster;
before(async () => {
  t = await startTestCluster();
  const c = await t.client();
  await c.query('CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL)');
  await c.query('INSERT INTO counters VALUES (1, 0), (2, 0), (3, 0)');
});
after(async () => { await t.stop(); });

test('two sessions update one row: the later COMMIT gets 40001 OC000 and nothing is lost', async () => {
  const a = await t.client();
  const b = await t.client();
  await a.query('BEGIN');
  await b.query('BEGIN');
  await a.query('UPDATE counters SET n = n + 1 WHERE id = 1');
  await b.query('UPDATE counters SET n = n + 10 WHERE id = 1');
  await a.query('COMMIT');
  const conflict = await expectError(b, 'COMMIT');
  assert.equal(conflict.code, '40001');
  assert.match(conflict.message, /OC000/);
  assert.equal((await a.query('SELECT n FROM counters WHERE id = 1')).rows[0].n, 1);
  // The loser's session is usable again and a retry succeeds.
  await b.query('UPDATE counters SET n = n + 10 WHERE id = 1');
  assert.equal((await a.query('SELECT n FROM counters WHERE id = 1')).rows[0].n, 11);
});

test('disjoint rows do not conflict', async () => {
  const a = await t.client();
  const b = await t.client();
  await a.query('BEGIN');
  await b.query('BEGIN');
  await a.query('UPDATE counters SET n = n + 1 WHERE id = 2');
  await b.query('UPDATE counters SET n = n + 1 WHERE id = 3');
  await a.query('COMMIT');
  await b.query('COMMIT');
  const rows = (await a.query('SELECT id, n FROM counters WHERE id >= 2 ORDER BY id')).rows;
  assert.deepEqual(rows, [{ id: 2, n: 1 }, { id: 3, n: 1 }]);
});

test('a transaction sees a stable snapshot while another commits, and reads its own writes', async () => {
  const reader = await t.client();
  const writer = await t.client();
  await writer.query('CREATE TABLE snap (id int PRIMARY KEY, v text)');
  await writer.query("INSERT INTO snap VALUES (1, 'before')");
  await reader.query('BEGIN');
  assert.equal((await reader.query('SELECT v FROM snap WHERE id = 1')).rows[0].v, 'before');
  await writer.query("UPDATE snap SET v = 'after' WHERE id = 1");
  await writer.query("INSERT INTO snap VALUES (2, 'new')");
  assert.equal((await reader.query('SELECT v FROM snap WHERE id = 1')).rows[0].v, 'before');
  assert.equal((await reader.query('SELECT count(*) AS n FROM snap')).rows[0].n, '1');
  await reader.query("INSERT INTO snap VALUES (3, 'mine')");
  assert.deepEqual((await reader.query('SELECT id FROM snap ORDER BY id')).rows.map((r) => r.id), [1, 3]);
  await reader.query('COMMIT');
  assert.deepEqual((await reader.query('SELECT id, v FROM snap ORDER BY id')).rows, [{ id: 1, v: 'after' }, { id: 2, v: 'new' }, { id: 3, v: 'mine' }]);
});

test('concurrent inserts of one key: one commits, the other gets a write conflict', async () => {
  const a = await t.client();
  const b = await t.client();
  await a.query('CREATE TABLE uniq (id int PRIMARY KEY)');
  await a.query('BEGIN');
  await b.query('BEGIN');
  await a.query('INSERT INTO uniq VALUES (7)');
  await b.query('INSERT INTO uniq VALUES (7)');
  await a.query('COMMIT');
  assert.equal((await expectError(b, 'COMMIT')).code, '40001');
  assert.equal((await expectError(b, 'INSERT INTO uniq VALUES (7)')).code, '23505');
});

test('row limit: 3,000 rows pass, 3,001 fail at the statement and nothing persists', async () => {
  const c = await t.client();
  await c.query('CREATE TABLE bulk (id int PRIMARY KEY)');
  const values = (n: number, from: number) => Array.from({ length: n }, (_, i) => `(${from + i})`).join(',');
  await c.query(`INSERT INTO bulk VALUES ${values(3000, 0)}`);
  const tooMany = await expectError(c, `INSERT INTO bulk VALUES ${values(3001, 10000)}`);
  assert.equal(tooMany.code, '54000');
  assert.equal(tooMany.message, 'transaction row limit exceeded');
  assert.equal((await c.query('SELECT count(*) AS n FROM bulk')).rows[0].n, '3000');
  await c.query('BEGIN');
  await c.query(`INSERT INTO bulk VALUES ${values(2000, 20000)}`);
  assert.equal((await expectError(c, `INSERT INTO bulk VALUES ${values(1001, 30000)}`)).code, '54000');
  assert.equal((await expectError(c, 'SELECT 1')).code, '25P02');
  const rolledBack = await c.query('COMMIT');
  assert.equal(rolledBack.command, 'ROLLBACK');
  assert.equal((await c.query('SELECT count(*) AS n FROM bulk')).rows[0].n, '3000');
});

test('size limit: more than 10 MiB of writes fails at COMMIT', async () => {
  const c = await t.client();
  await c.query('CREATE TABLE blobs (id int PRIMARY KEY, body text)');
  await c.query('BEGIN');
  const body = 'x'.repeat(1024 * 1024 - 100);
  for (let i = 0; i < 11; i++) await c.query('INSERT INTO blobs VALUES ($1, $2)', [i, body]);
  const error = await expectError(c, 'COMMIT');
  assert.equal(error.code, '54000');
  assert.equal(error.message, 'transaction size limit 10mb exceeded');
  assert.equal((await c.query('SELECT count(*) AS n FROM blobs')).rows[0].n, '0');
});

test('value limits: a column value over 1 MiB and a row over 2 MiB fail at the statement with DSQL\'s texts', async () => {
  const c = await t.client();
  await c.query('CREATE TABLE wide (id int PRIMARY KEY, a text, b text, c bytea, j jsonb)');
  const mib = 1024 * 1024;
  await c.query('INSERT INTO wide (id, a) VALUES (1, $1)', ['x'.repeat(mib)]);
  const column = await expectError(c, 'INSERT INTO wide (id, a) VALUES (2, $1)', ['x'.repeat(mib + 1)]);
  assert.deepEqual([column.code, column.message], ['54000', 'maximum column size exceeded']);
  // Multi-byte characters count as their UTF-8 bytes.
  assert.equal((await expectError(c, 'INSERT INTO wide (id, a) VALUES (2, $1)', ['é'.repeat(mib / 2 + 1)])).message, 'maximum column size exceeded');
  assert.equal((await expectError(c, "INSERT INTO wide (id, c) VALUES (2, decode(repeat('ab', $1), 'hex'))", [mib + 1])).message, 'maximum column size exceeded');
  assert.equal((await expectError(c, "INSERT INTO wide (id, j) VALUES (2, ('\"' || repeat('y', $1) || '\"')::jsonb)", [mib])).message, 'maximum column size exceeded');
  const row = await expectError(c, 'UPDATE wide SET b = $1, c = $2 WHERE id = 1', ['y'.repeat(mib), Buffer.alloc(mib - 10)]);
  assert.deepEqual([row.code, row.message], ['54000', 'maximum row size exceeded']);
  assert.equal((await c.query('SELECT count(*) AS n, max(length(a)) AS l, max(length(b)) AS lb FROM wide')).rows[0].lb, null);
});

test('age limit: a transaction older than 300 s fails with 54000', embeddedOnly('moves the cluster\'s clock forward (advanceClock); the local cluster\'s processes read the system clock'), async () => {
  const c = await t.client();
  await c.query('BEGIN');
  await c.query('UPDATE counters SET n = n + 1 WHERE id = 2');
  await t.cluster.advanceClock(301_000_000);
  const error = await expectError(c, 'COMMIT');
  assert.equal(error.code, '54000');
  assert.equal(error.message, 'transaction age limit of 300s exceeded');
  await c.query('SELECT 1');
});

test('SELECT … FOR UPDATE adjudicates the rows read as if written (write skew prevented)', async () => {
  const a = await t.client();
  const b = await t.client();
  await a.query('CREATE TABLE doctors (id int PRIMARY KEY, on_call bool NOT NULL)');
  await a.query('INSERT INTO doctors VALUES (1, true), (2, true)');
  await a.query('BEGIN');
  await b.query('BEGIN');
  // Each checks that the other is on call, then goes off call: the classic write skew.
  assert.equal((await a.query('SELECT on_call FROM doctors WHERE id = 2 FOR UPDATE')).rows[0].on_call, true);
  assert.equal((await b.query('SELECT on_call FROM doctors WHERE id = 1 FOR UPDATE')).rows[0].on_call, true);
  await a.query('UPDATE doctors SET on_call = false WHERE id = 1');
  await b.query('UPDATE doctors SET on_call = false WHERE id = 2');
  await a.query('COMMIT');
  const error = await expectError(b, 'COMMIT');
  assert.equal(error.code, '40001');
  assert.deepEqual((await a.query('SELECT id FROM doctors WHERE on_call ORDER BY id')).rows, [{ id: 2 }]);
});

test('a read-only transaction that overlaps a commit still commits (no validation for readers)', async () => {
  const a = await t.client();
  const b = await t.client();
  await a.query('BEGIN');
  await a.query('SELECT n FROM counters WHERE id = 3');
  await b.query('UPDATE counters SET n = n + 1 WHERE id = 3');
  const done = await a.query('COMMIT');
  assert.equal(done.command, 'COMMIT');
});
