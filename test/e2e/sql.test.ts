import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, expectError, type TestCluster } from '../support/cluster.js';

let t: TestCluster;
before(async () => { t = await startTestCluster(); });
after(async () => { await t.stop(); });

test('DDL and DML round trip over the simple and the extended protocol', async () => {
  const c = await t.client();
  await c.query('CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance numeric(12,2) DEFAULT 0, opened date)');
  await c.query("INSERT INTO accounts VALUES (1, 'ann', 10.5, '2024-01-02'), (2, 'bob', 20, NULL)");
  const inserted = await c.query('INSERT INTO accounts (id, owner) VALUES ($1, $2) RETURNING id, balance', [3, 'cy']);
  assert.deepEqual(inserted.rows, [{ id: 3, balance: '0.00' }]);
  const all = await c.query('SELECT id, owner, balance FROM accounts ORDER BY id');
  assert.deepEqual(all.rows.map((r) => [r.id, r.owner, r.balance]), [[1, 'ann', '10.50'], [2, 'bob', '20.00'], [3, 'cy', '0.00']]);
  const updated = await c.query('UPDATE accounts SET balance = balance + $1 WHERE id = $2 RETURNING balance', ['1.25', 2]);
  assert.equal(updated.rowCount, 1);
  assert.equal(updated.rows[0].balance, '21.25');
  const deleted = await c.query('DELETE FROM accounts WHERE id > 2');
  assert.equal(deleted.rowCount, 1);
  const point = await c.query('SELECT owner FROM accounts WHERE id = $1', [1]);
  assert.deepEqual(point.rows, [{ owner: 'ann' }]);
  const simple = await c.query("SELECT count(*) AS n, sum(balance) AS total, min(owner), max(id) FROM accounts");
  assert.deepEqual(simple.rows, [{ n: '2', total: '31.75', min: 'ann', max: 2 }]);
});

test('joins, grouping, distinct, limit and offset', async () => {
  const c = await t.client();
  await c.query('CREATE TABLE dept (id int PRIMARY KEY, name text)');
  await c.query('CREATE TABLE emp (id int PRIMARY KEY, dept int, salary int)');
  await c.query("INSERT INTO dept VALUES (1, 'eng'), (2, 'ops'), (3, 'empty')");
  await c.query('INSERT INTO emp VALUES (1, 1, 100), (2, 1, 200), (3, 2, 50), (4, NULL, 10)');
  const joined = await c.query('SELECT d.name, count(e.id) AS n, sum(e.salary) AS total FROM dept d LEFT JOIN emp e ON e.dept = d.id GROUP BY d.name HAVING count(e.id) >= 0 ORDER BY d.name');
  assert.deepEqual(joined.rows, [{ name: 'empty', n: '0', total: null }, { name: 'eng', n: '2', total: '300' }, { name: 'ops', n: '1', total: '50' }]);
  const inner = await c.query('SELECT e.id FROM emp e JOIN dept d ON d.id = e.dept WHERE d.name = $1 ORDER BY e.id DESC', ['eng']);
  assert.deepEqual(inner.rows.map((r) => r.id), [2, 1]);
  const distinct = await c.query('SELECT DISTINCT dept FROM emp ORDER BY dept NULLS FIRST');
  assert.deepEqual(distinct.rows.map((r) => r.dept), [null, 1, 2]);
  const paged = await c.query('SELECT id FROM emp ORDER BY salary DESC LIMIT 2 OFFSET 1');
  assert.deepEqual(paged.rows.map((r) => r.id), [1, 3]);
  const avg = await c.query('SELECT avg(salary) AS a FROM emp WHERE dept = 1');
  assert.equal(avg.rows[0].a, '150.0000000000000000');
});

test('errors carry PostgreSQL SQLSTATEs and leave the session usable', async () => {
  const c = await t.client();
  await c.query('CREATE TABLE e1 (id int PRIMARY KEY, v int2)');
  assert.equal((await expectError(c, 'SELECT 1/0')).code, '22012');
  assert.equal((await expectError(c, "SELECT 'abc'::int")).code, '22P02');
  assert.equal((await expectError(c, 'SELECT 2147483647 + 1')).code, '22003');
  assert.equal((await expectError(c, 'INSERT INTO e1 VALUES (1, 40000)')).code, '22003');
  assert.equal((await expectError(c, 'SELECT * FROM nope')).code, '42P01');
  assert.equal((await expectError(c, 'SELECT nope FROM e1')).code, '42703');
  assert.equal((await expectError(c, 'SELEC 1')).code, '42601');
  assert.equal((await expectError(c, 'INSERT INTO e1 VALUES (NULL, 1)')).code, '23502');
  assert.equal((await expectError(c, 'TRUNCATE e1')).message, 'unsupported statement: Truncate');
  assert.equal((await expectError(c, 'CREATE INDEX i ON e1 (v)')).code, '0A000');
  await c.query('INSERT INTO e1 VALUES (1, 1)');
  const dup = await expectError(c, 'INSERT INTO e1 VALUES (1, 2)');
  assert.equal(dup.code, '23505');
  assert.equal(dup.detail, 'Key (id)=(1) already exists.');
  assert.equal((await c.query('SELECT v FROM e1')).rows[0].v, 1);
});

test('ON CONFLICT DO NOTHING and DO UPDATE', async () => {
  const c = await t.client();
  await c.query('CREATE TABLE kv (k text PRIMARY KEY, v int)');
  await c.query("INSERT INTO kv VALUES ('a', 1)");
  const nothing = await c.query("INSERT INTO kv VALUES ('a', 2) ON CONFLICT DO NOTHING RETURNING k");
  assert.equal(nothing.rowCount, 0);
  const upsert = await c.query("INSERT INTO kv VALUES ('a', 5), ('b', 7) ON CONFLICT (k) DO UPDATE SET v = kv.v + EXCLUDED.v RETURNING k, v");
  assert.deepEqual(upsert.rows, [{ k: 'a', v: 6 }, { k: 'b', v: 7 }]);
});

test('unique constraints and CREATE INDEX ASYNC with sys.wait_for_job', async () => {
  const c = await t.client();
  await c.query('CREATE TABLE users (id int PRIMARY KEY, email text UNIQUE, city text)');
  await c.query("INSERT INTO users VALUES (1, 'a@x', 'rome'), (2, 'b@x', 'oslo'), (3, 'c@x', 'rome')");
  assert.equal((await expectError(c, "INSERT INTO users VALUES (4, 'a@x', 'x')")).code, '23505');
  const job = await c.query('CREATE INDEX ASYNC users_city ON users (city)');
  assert.equal(job.rows.length, 1);
  const jobId = job.rows[0].job_id as string;
  assert.match(jobId, /^[a-z2-7]{26}$/);
  await c.query(`CALL sys.wait_for_job('${jobId}')`);
  const status = await c.query('SELECT status FROM sys.jobs WHERE job_id = $1', [jobId]);
  assert.equal(status.rows[0].status, 'completed');
  const byCity = await c.query("SELECT id FROM users WHERE city = 'rome' ORDER BY id");
  assert.deepEqual(byCity.rows.map((r) => r.id), [1, 3]);
  await c.query("UPDATE users SET city = 'oslo' WHERE id = 1");
  const moved = await c.query("SELECT id FROM users WHERE city = $1 ORDER BY id", ['oslo']);
  assert.deepEqual(moved.rows.map((r) => r.id), [1, 2]);
});

test('time columns: a time primary key stores, orders and looks rows up; time(p) rounds; an index on time', async () => {
  const c = await t.client();
  await c.query('CREATE TABLE shifts (starts time PRIMARY KEY, label text, ends time(0))');
  await c.query("INSERT INTO shifts VALUES ('13:30', 'lunch', '14:00:00.6'), ('24:00:00', 'midnight', '24:00'), ('allballs', 'zero', NULL), ('09:05:06.789', 'morning', '12:00')");
  await c.query('INSERT INTO shifts VALUES ($1, $2, $3)', ['040506', 'early', '23:59:59.5']);
  assert.equal((await expectError(c, "INSERT INTO shifts VALUES ('13:30:00', 'dup', NULL)")).code, '23505');
  assert.equal((await expectError(c, "INSERT INTO shifts VALUES ('24:00:01', 'bad', NULL)")).message, 'date/time field value out of range: "24:00:01"');
  assert.equal((await expectError(c, "INSERT INTO shifts VALUES ('noon-ish', 'bad', NULL)")).code, '22007');
  const ordered = await c.query('SELECT starts::text AS s, ends::text AS e FROM shifts ORDER BY starts');
  assert.deepEqual(ordered.rows.map((r) => [r.s, r.e]), [
    ['00:00:00', null], ['04:05:06', '24:00:00'], ['09:05:06.789', '12:00:00'], ['13:30:00', '14:00:01'], ['24:00:00', '24:00:00'],
  ]);
  const desc = await c.query('SELECT label FROM shifts ORDER BY starts DESC');
  assert.deepEqual(desc.rows.map((r) => r.label), ['midnight', 'lunch', 'morning', 'early', 'zero']);
  assert.deepEqual((await c.query("SELECT label FROM shifts WHERE starts = '13:30'")).rows, [{ label: 'lunch' }]);
  assert.deepEqual((await c.query('SELECT label FROM shifts WHERE starts = $1', ['09:05:06.789'])).rows, [{ label: 'morning' }]);
  const range = await c.query("SELECT label FROM shifts WHERE starts >= '04:05:06' AND starts < '13:30' ORDER BY starts");
  assert.deepEqual(range.rows.map((r) => r.label), ['early', 'morning']);
  const arithmetic = await c.query("SELECT (starts + interval '11 hours')::text AS later, (starts - time '01:00')::text AS since FROM shifts WHERE starts = '13:30'");
  assert.deepEqual(arithmetic.rows, [{ later: '00:30:00', since: '12:30:00' }]);
  const typed = await c.query("SELECT starts, make_time(1, 2, 3.5)::text AS m, extract(minute FROM starts)::text AS mi FROM shifts WHERE starts = '13:30'");
  assert.deepEqual(typed.rows, [{ starts: '13:30:00', m: '01:02:03.5', mi: '30' }]);
  assert.equal(typed.fields[0]!.dataTypeID, 1083);
  await c.query("UPDATE shifts SET starts = starts + interval '1 minute' WHERE starts = '13:30'");
  assert.deepEqual((await c.query("SELECT label FROM shifts WHERE starts = '13:31'")).rows, [{ label: 'lunch' }]);
  const job = (await c.query('CREATE INDEX ASYNC shifts_ends ON shifts (ends)')).rows[0].job_id as string;
  await c.query(`CALL sys.wait_for_job('${job}')`);
  const byEnd = await c.query("SELECT label FROM shifts WHERE ends = '24:00' ORDER BY starts");
  assert.deepEqual(byEnd.rows.map((r) => r.label), ['early', 'midnight']);
  const cols = await c.query("SELECT column_name, data_type, datetime_precision FROM information_schema.columns WHERE table_name = 'shifts' ORDER BY ordinal_position").catch(() => null);
  if (cols) assert.deepEqual(cols.rows.map((r) => r.data_type), ['time without time zone', 'text', 'time without time zone']);
  // timetz is a DSQL column type (test/e2e/timetz.test.ts), but not a key.
  await c.query('CREATE TABLE tz (id int PRIMARY KEY, at time with time zone)');
  await c.query("INSERT INTO tz VALUES (1, '13:30+02')");
  assert.deepEqual((await c.query('SELECT at FROM tz')).rows, [{ at: '13:30:00+02' }]);
  assert.equal((await expectError(c, 'CREATE TABLE tz2 (at timetz PRIMARY KEY)')).message, 'datatype time with time zone is not supported as a key column ("at")');
});

test('DSQL transaction rules: one DDL per transaction, no DDL with DML', async () => {
  const c = await t.client();
  await c.query('BEGIN');
  await c.query('CREATE TABLE r1 (id int PRIMARY KEY)');
  const second = await expectError(c, 'CREATE TABLE r2 (id int PRIMARY KEY)');
  assert.equal(second.message, 'multiple ddl statements not supported in a transaction');
  assert.equal((await expectError(c, 'SELECT 1')).code, '25P02');
  await c.query('ROLLBACK');
  await c.query('BEGIN');
  await c.query('CREATE TABLE r3 (id int PRIMARY KEY)');
  assert.equal((await expectError(c, 'INSERT INTO r3 VALUES (1)')).message, 'ddl and dml are not supported in the same transaction');
  await c.query('ROLLBACK');
  assert.equal((await expectError(c, 'SELECT * FROM r3')).code, '42P01');
  // A second DDL that Strata refuses anyway still gets DSQL's two-DDL answer first.
  await c.query('BEGIN');
  await c.query('CREATE TABLE r4 (id int PRIMARY KEY)');
  const refused = await expectError(c, "CREATE FUNCTION f4() RETURNS int AS 'begin return 1; end' LANGUAGE plpgsql");
  assert.equal(refused.message, 'multiple ddl statements not supported in a transaction');
  await c.query('ROLLBACK');
  assert.equal((await expectError(c, "CREATE FUNCTION f4() RETURNS int AS 'begin return 1; end' LANGUAGE plpgsql")).message, 'CREATE FUNCTION with language plpgsql not supported');
  assert.equal((await expectError(c, 'BEGIN ISOLATION LEVEL SERIALIZABLE')).message, 'Unsupported isolation level: SERIALIZABLE');
});

test('in a failed transaction block the aborted-block error comes before refusals past the grammar, as in PostgreSQL', async () => {
  const c = await t.client();
  await c.query('BEGIN');
  await expectError(c, 'SELECT 1/0');
  for (const sql of ['SAVEPOINT a', 'RELEASE a', 'CREATE TEMP TABLE tt (id int)', "CREATE FUNCTION f5() RETURNS int AS 'begin return 1; end' LANGUAGE plpgsql"]) {
    const error = await expectError(c, sql);
    assert.equal(error.code, '25P02', sql);
    assert.equal(error.message, 'current transaction is aborted, commands ignored until end of transaction block');
  }
  // Over the extended protocol too (its Parse is refused in the failed block).
  assert.equal((await expectError(c, 'SAVEPOINT b', [])).code, '25P02');
  // The grammar still comes first, and ROLLBACK TO (which may end the block) keeps DSQL's refusal.
  assert.equal((await expectError(c, 'SAVEPOINT')).code, '42601');
  assert.equal((await expectError(c, 'ROLLBACK TO a')).message, 'unsupported transaction statement: ROLLBACK TO');
  await c.query('ROLLBACK');
  // Outside a failed block, DSQL's refusal.
  await c.query('BEGIN');
  assert.equal((await expectError(c, 'SAVEPOINT a')).message, 'unsupported transaction statement: SAVEPOINT');
  await c.query('ROLLBACK');
});

test('SET, SHOW and the parameters drivers read', async () => {
  const c = await t.client();
  assert.equal((await c.query('SHOW server_version')).rows[0].server_version, '16.15');
  assert.equal((await c.query('SHOW transaction_isolation')).rows[0].transaction_isolation, 'repeatable read');
  await c.query("SET application_name = 'strata-test'");
  assert.equal((await c.query('SHOW application_name')).rows[0].application_name, 'strata-test');
  assert.equal((await expectError(c, 'SHOW lc_collate')).code, '42704');
  assert.equal((await expectError(c, 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED')).code, '0A000');
});

test('session functions, SHOW ALL and subqueries in FROM', async () => {
  const c = await t.client();
  const info = (await c.query('SELECT current_database() AS db, current_schema() AS s, pg_backend_pid() > 0 AS pid, current_setting($1) AS tz', ['TimeZone'])).rows[0];
  assert.deepEqual(info, { db: 'postgres', s: 'public', pid: true, tz: 'UTC' });
  assert.match((await c.query('SELECT version()')).rows[0].version, /^PostgreSQL 16/);
  // No temporary schema (temporary tables are refused): PostgreSQL's 0, printed '-' as a regnamespace.
  assert.deepEqual((await c.query('SELECT pg_my_temp_schema() AS o, pg_my_temp_schema()::regnamespace::text AS n, pg_typeof(pg_my_temp_schema())::text AS t')).rows, [{ o: 0, n: '-', t: 'oid' }]);
  assert.ok((await c.query('SHOW ALL')).rows.some((r) => r.name === 'server_version' && r.setting === '16.15'));
  const derived = await c.query('SELECT s.parity, count(*) AS n FROM (SELECT n % 2 AS parity FROM generate_series(1, 5) n) s GROUP BY s.parity ORDER BY 1');
  assert.deepEqual(derived.rows, [{ parity: 0, n: '2' }, { parity: 1, n: '3' }]);
  assert.deepEqual((await c.query('SELECT x FROM (VALUES (1), (2)) v(x) ORDER BY x DESC')).rows, [{ x: 2 }, { x: 1 }]);
  // PostgreSQL 16 (DSQL's base) accepts a subquery in FROM without an alias.
  assert.deepEqual((await c.query('SELECT * FROM (SELECT 1 AS one)')).rows, [{ one: 1 }]);
});

test('filters pushed down to storage give PostgreSQL answers (NULLs, char padding, numeric scale)', async () => {
  const c = await t.client();
  await c.query('CREATE TABLE pushed (id int PRIMARY KEY, a text, n numeric, ch char(4), x int, f float8)');
  await c.query(`INSERT INTO pushed VALUES
    (1, 'x', 1.50, 'ab', 1, 0.5), (2, 'y', 2, 'ab  ', NULL, -0.0), (3, NULL, NULL, NULL, 3, 'NaN'),
    (4, 'x', 1.5, 'abc', 5, 'Infinity'), (5, 'xx', 0.25, 'b', 2, 0)`);
  const ids = async (sql: string, params: unknown[] = []) => (await c.query(sql, params)).rows.map((r) => r.id);
  assert.deepEqual(await ids("SELECT id FROM pushed WHERE a = 'x' ORDER BY id"), [1, 4]);
  assert.deepEqual(await ids('SELECT id FROM pushed WHERE n = 1.5 ORDER BY id'), [1, 4]);
  assert.deepEqual(await ids('SELECT id FROM pushed WHERE n >= $1 ORDER BY id', ['1.5']), [1, 2, 4]);
  assert.deepEqual(await ids("SELECT id FROM pushed WHERE ch = 'ab' ORDER BY id"), [1, 2]);
  assert.deepEqual(await ids('SELECT id FROM pushed WHERE x < 3 ORDER BY id'), [1, 5]);
  assert.deepEqual(await ids('SELECT id FROM pushed WHERE x <> 3 ORDER BY id'), [1, 4, 5]);
  assert.deepEqual(await ids('SELECT id FROM pushed WHERE a = $1', [null]), []);
  assert.deepEqual(await ids('SELECT id FROM pushed WHERE f = 0 ORDER BY id'), [2, 5]);
  assert.deepEqual(await ids("SELECT id FROM pushed WHERE f > 'Infinity' ORDER BY id"), [3]);
  assert.deepEqual(await ids("SELECT id FROM pushed WHERE id >= 2 AND a > 'x' ORDER BY id"), [2, 5]);
  // Own writes are merged before the pushed filter is re-checked in the query processor.
  await c.query('BEGIN');
  await c.query("UPDATE pushed SET a = 'x' WHERE id = 2");
  await c.query("UPDATE pushed SET a = 'z' WHERE id = 1");
  assert.deepEqual(await ids("SELECT id FROM pushed WHERE a = 'x' ORDER BY id"), [2, 4]);
  await c.query('ROLLBACK');
});

test('DSQL refusals come first and with its texts: CREATE INDEX without ASYNC, non-SQL functions, unsupported column types', async () => {
  const t = await startTestCluster();
  try {
    const c = await t.client();
    await c.query('CREATE TABLE refusals (id int PRIMARY KEY, v int)');
    for (const [sql, message] of [
      ['CREATE INDEX r_partial ON refusals (v) WHERE v > 1', 'unsupported mode. please use CREATE INDEX ASYNC.'],
      ['CREATE INDEX ASYNC r_partial ON refusals (v) WHERE v > 1', 'partial indexes are not supported yet'],
      ["CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$", 'CREATE FUNCTION with language plpgsql not supported'],
      ['CREATE TABLE m (id int PRIMARY KEY, price money)', 'datatype money not supported'],
      ['CREATE TABLE m (id int PRIMARY KEY, b bit varying(8))', 'datatype bit varying not supported'],
      ['CREATE TABLE m (id int PRIMARY KEY, a inet)', 'datatype inet not supported'],
      ['CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$', 'PROCEDURE is not supported'],
      ['CREATE TABLE m (id int PRIMARY KEY, r int4range, EXCLUDE USING gist (r WITH &&))', 'datatype int4range not supported'],
      ['SELECT * FROM refusals TABLESAMPLE SYSTEM (50)', 'TABLESAMPLE clause not supported'],
      ['CREATE SCHEMA s2 CREATE TABLE abc (a int PRIMARY KEY) CREATE INDEX abc_a ON abc (a)', 'unsupported mode. please use CREATE INDEX ASYNC.'],
    ] as const) {
      await assert.rejects(c.query(sql), (e: { code?: string; message: string }) => e.code === '0A000' && e.message === message, sql);
    }
  } finally {
    await t.stop();
  }
});
