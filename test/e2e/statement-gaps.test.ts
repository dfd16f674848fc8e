/** Statement-level details the conformance corpus showed, compared with PostgreSQL 15. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential(['CREATE TABLE int4_tbl (f1 int)']);

test('SET … TO DEFAULT is tagged SET, RESET is tagged RESET', { skip }, async () => {
  for (const sql of ['SET work_mem TO DEFAULT', 'SET work_mem = DEFAULT', 'RESET work_mem', 'SET SESSION AUTHORIZATION DEFAULT', 'SHOW work_mem']) await db().same(sql);
});

test('SELECT … INTO inside another statement is 42601', { skip }, async () => {
  for (const sql of [
    'SELECT * FROM (SELECT 1 INTO f) bar',
    'INSERT INTO int4_tbl SELECT 1 INTO f',
    'SELECT 1 UNION SELECT 2 INTO f',
    'WITH x AS (SELECT 1 INTO f) SELECT * FROM x',
    'CREATE VIEW foo AS SELECT 1 INTO int4_tbl',
  ]) await db().same(sql);
});

test('a whole SELECT … INTO is CREATE TABLE AS, which DSQL refuses', { skip }, async () => {
  for (const sql of ['SELECT 1 INTO f', 'SELECT 1 INTO f UNION SELECT 2']) {
    await assert.rejects(db().strata.query(sql), (error: { code?: string; message?: string }) => error.code === '0A000' && error.message === 'unsupported statement: CreateTableAs');
  }
});

test('a UNION with FOR SHARE / FOR NO KEY UPDATE gets DSQL\'s locking refusal; with FOR UPDATE PostgreSQL\'s', { skip }, async () => {
  for (const [sql, message] of [
    ['SELECT f1 FROM int4_tbl EXCEPT ALL SELECT f1 FROM int4_tbl FOR NO KEY UPDATE', 'locking clauses other than FOR UPDATE/FOR KEY SHARE are not supported'],
    ['SELECT f1 FROM int4_tbl UNION SELECT f1 FROM int4_tbl FOR SHARE', 'locking clauses other than FOR UPDATE/FOR KEY SHARE are not supported'],
    ['SELECT f1 FROM int4_tbl UNION SELECT f1 FROM int4_tbl FOR UPDATE', 'FOR UPDATE is not allowed with UNION/INTERSECT/EXCEPT'],
  ] as const) {
    await assert.rejects(db().strata.query(sql), (error: { code?: string; message?: string }) => error.code === '0A000' && error.message === message);
  }
});

test('$n in a simple query (no parameters to bind) is 42P02 at the reference, not NULL', { skip }, async () => {
  for (const sql of ['SELECT $1', 'SELECT 1 WHERE $2 IS NULL', 'SELECT f1 FROM int4_tbl WHERE f1 = $1', 'INSERT INTO int4_tbl VALUES ($1)']) await db().same(sql);
  await assert.rejects(db().strata.query('SELECT 1, $3'), (e: Error & { code?: string; position?: string }) =>
    e.code === '42P02' && e.message === 'there is no parameter $3' && e.position === '11');
  // With a parameter bound (extended protocol) the same text runs.
  assert.deepEqual((await db().strata.query('SELECT $1::int AS x', [7])).rows, [{ x: 7 }]);
});

test('a PostgreSQL type Strata has not built is refused (0A000), not said not to exist; an unknown one does not exist (42704) on both', { skip }, async () => {
  for (const [sql, message] of [
    ['SELECT 100::money', 'type money is not supported'],
    ["SELECT '08:00:2b:01:02:03'::pg_catalog.macaddr", 'type macaddr is not supported'],
    ["SELECT ARRAY['(1,2)'::point]", 'type point is not supported'],
    ["SELECT '[1,2)'::int4range", 'type int4range is not supported'],
    ["SELECT CAST('<a/>' AS xml)", 'type xml is not supported'],
  ] as const) {
    await assert.rejects(db().strata.query(sql), (error: { code?: string; message?: string }) => error.code === '0A000' && error.message === message);
  }
  for (const sql of ['SELECT 1::no_such_type', 'SELECT 1::public.money']) await db().same(sql);
  // A column type keeps DSQL's refusal text.
  await assert.rejects(db().strata.query('CREATE TABLE gaps_money (m money)'), (error: { code?: string; message?: string }) => error.code === '0A000' && error.message === 'datatype money not supported');
});

test('forms not built are 0A000 in the SQL the user wrote, not the parser\'s enum names', { skip }, async () => {
  await db().strata.query('CREATE VIEW gaps_v AS SELECT 1 AS a');
  for (const [sql, message] of [
    ['ALTER TABLE int4_tbl CLUSTER ON int4_tbl_pkey', 'ALTER TABLE … CLUSTER ON is not supported'],
    ['ALTER TABLE int4_tbl SET (fillfactor = 50)', 'ALTER TABLE … SET (…) is not supported'],
    ['ALTER TABLE int4_tbl REPLICA IDENTITY FULL', 'ALTER TABLE … REPLICA IDENTITY is not supported'],
    ['ALTER TABLE int4_tbl SET WITHOUT CLUSTER', 'ALTER TABLE … SET WITHOUT CLUSTER is not supported'],
    ['ALTER TABLE int4_tbl ENABLE TRIGGER ALL', 'ALTER TABLE … ENABLE TRIGGER ALL is not supported'],
    ['ALTER VIEW gaps_v SET (security_barrier)', 'ALTER VIEW … SET (…) is not supported'],
    ['DROP OPERATOR CLASS gaps_ops USING hash', 'DROP OPERATOR CLASS is not supported'],
    ['DROP MATERIALIZED VIEW gaps_mv', 'DROP MATERIALIZED VIEW is not supported'],
  ] as const) {
    await assert.rejects(db().strata.query(sql), (error: { code?: string; message?: string }) => error.code === '0A000' && error.message === message, sql);
  }
});

test('a qualified name in a missing schema: 42P01 where a query opens its tables, 3F000 where DDL and COPY look the schema up', { skip }, async () => {
  for (const sql of [
    'SELECT * FROM gaps_nosuch.t', 'INSERT INTO gaps_nosuch.t VALUES (1)', 'UPDATE gaps_nosuch.t SET a = 1', 'DELETE FROM gaps_nosuch.t',
    'SELECT (SELECT 1 FROM gaps_nosuch.t)', 'SELECT * FROM gaps_nosuch.t2 JOIN int4_tbl ON true',
    'DROP TABLE gaps_nosuch.t', 'DROP TABLE IF EXISTS gaps_nosuch.t', 'DROP VIEW gaps_nosuch.v', 'DROP VIEW IF EXISTS gaps_nosuch.v',
    'DROP INDEX gaps_nosuch.i', 'DROP INDEX IF EXISTS gaps_nosuch.i', 'DROP SEQUENCE gaps_nosuch.s', 'DROP SEQUENCE IF EXISTS gaps_nosuch.s',
    'ALTER TABLE gaps_nosuch.t ADD COLUMN b int', 'ALTER TABLE IF EXISTS gaps_nosuch.t ADD COLUMN b int',
    'DROP FUNCTION gaps_nosuch.f()', 'DROP FUNCTION IF EXISTS gaps_nosuch.f()', 'DROP DOMAIN gaps_nosuch.d', 'DROP DOMAIN IF EXISTS gaps_nosuch.d',
    'ALTER SEQUENCE gaps_nosuch.s RESTART', 'ALTER SEQUENCE IF EXISTS gaps_nosuch.s RESTART',
    'DROP TABLE public.gaps_nosuch', 'COPY gaps_nosuch.t TO STDOUT',
  ]) await db().same(sql);
});

test('DROP and ALTER find an unqualified name through the search path, as PostgreSQL does', { skip }, async () => {
  for (const sql of [
    'CREATE SCHEMA gaps_sp',
    'CREATE TABLE gaps_sp.x (a int PRIMARY KEY)',
    'CREATE VIEW gaps_sp.xv AS SELECT a FROM gaps_sp.x',
    'CREATE SEQUENCE gaps_sp.xs CACHE 1',
    "CREATE FUNCTION gaps_sp.xf() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    'SET search_path = public, gaps_sp',
    'ALTER TABLE x ADD COLUMN b int',
    'SELECT * FROM x',
    'ALTER SEQUENCE xs RESTART',
    'ALTER FUNCTION xf() OWNER TO CURRENT_USER',
    "COMMENT ON TABLE x IS 'found'",
    "COMMENT ON COLUMN x.a IS 'found too'",
    "COMMENT ON FUNCTION xf() IS 'and this'",
    "SELECT obj_description('gaps_sp.x'::regclass, 'pg_class'), col_description('gaps_sp.x'::regclass, 1)",
    'CREATE TABLE gaps_ref (a int PRIMARY KEY REFERENCES x (a))',
    'DROP TABLE gaps_ref',
    'DROP FUNCTION xf()',
    'DROP VIEW xv',
    'DROP SEQUENCE xs',
    'DROP TABLE x',
    'DROP TABLE x',
    'RESET search_path',
    'DROP SCHEMA gaps_sp',
  ]) await db().same(sql);
});

test('CREATE INDEX ASYNC finds its table through the search path', { skip }, async () => {
  const strata = db().strata;
  await strata.query('CREATE SCHEMA gaps_sp2');
  await strata.query('CREATE TABLE gaps_sp2.y (a int PRIMARY KEY, b int)');
  await strata.query('SET search_path = public, gaps_sp2');
  const job = (await strata.query('CREATE INDEX ASYNC gaps_y_b ON y (b)')).rows[0].job_id as string;
  // Its build ends with a catalog change: waited for, so the next test's DDL does not race it (40001).
  await strata.query(`CALL sys.wait_for_job('${job}')`);
  const { rows } = await strata.query("SELECT schemaname FROM pg_indexes WHERE indexname = 'gaps_y_b'");
  assert.deepEqual(rows, [{ schemaname: 'gaps_sp2' }]);
  await strata.query('RESET search_path');
});

test('DROP INDEX CONCURRENTLY drops the index, with PostgreSQL\'s restrictions: one index, no CASCADE, not in a transaction block', { skip }, async () => {
  await db().strata.query('CREATE TABLE dic (id int PRIMARY KEY, a int, b int)');
  await db().postgres.query('CREATE TABLE dic (id int PRIMARY KEY, a int, b int)');
  for (const column of ['a', 'b']) {
    const job = (await db().strata.query(`CREATE INDEX ASYNC dic_${column} ON dic (${column})`)).rows[0].job_id as string;
    // The build commits a catalog change when it ends: the next DDL would otherwise race it (40001).
    await db().strata.query(`CALL sys.wait_for_job('${job}')`);
    await db().postgres.query(`CREATE INDEX dic_${column} ON dic (${column})`);
  }
  for (const sql of [
    'DROP INDEX CONCURRENTLY dic_a, dic_b',
    'DROP INDEX CONCURRENTLY dic_a CASCADE',
    'BEGIN', 'DROP INDEX CONCURRENTLY dic_a', 'ROLLBACK',
    'DROP INDEX CONCURRENTLY IF EXISTS nope',
    'DROP INDEX CONCURRENTLY nope',
    'DROP INDEX CONCURRENTLY dic_pkey',
    'DROP INDEX CONCURRENTLY dic_a',
    "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = 'dic'::regclass ORDER BY 1",
    'DROP TABLE dic',
  ]) await db().same(sql);
});

test('pg_toast exists, as in PostgreSQL: its owner alone may use it, GRANT and REVOKE on it work; the catalog schemas cannot be dropped', { skip }, async () => {
  for (const sql of [
    'CREATE ROLE toast_user',
    "SELECT has_schema_privilege('toast_user', 'pg_toast', 'USAGE')",
    'GRANT USAGE ON SCHEMA pg_toast TO toast_user',
    "SELECT has_schema_privilege('toast_user', 'pg_toast', 'USAGE')",
    'REVOKE USAGE ON SCHEMA pg_toast FROM toast_user',
    "SELECT has_schema_privilege('toast_user', 'pg_toast', 'USAGE')",
    "SELECT 'pg_toast'::regnamespace::oid",
    'CREATE TABLE pg_toast.t (a int)',
    'DROP SCHEMA pg_toast',
    'DROP SCHEMA pg_catalog',
    'DROP SCHEMA pg_catalog CASCADE',
    'DROP ROLE toast_user',
  ]) await db().same(sql);
});

test('REINDEX is refused (0A000: an index here is written with its rows, nothing to rebuild), after PostgreSQL\'s own checks: the block, the object', { skip }, async () => {
  await db().strata.query('CREATE TABLE reindexed (id int PRIMARY KEY, a int)');
  await db().postgres.query('CREATE TABLE reindexed (id int PRIMARY KEY, a int)');
  for (const sql of [
    'REINDEX TABLE nope', 'REINDEX INDEX nope', 'REINDEX TABLE gaps_nosuch.t', 'REINDEX SCHEMA gaps_nosuch', 'REINDEX DATABASE other',
    'BEGIN', 'REINDEX SCHEMA public', 'ROLLBACK',
    'BEGIN', 'REINDEX TABLE CONCURRENTLY reindexed', 'ROLLBACK',
    'BEGIN', 'REINDEX SCHEMA gaps_nosuch', 'ROLLBACK',
  ]) await db().same(sql);
  for (const sql of ['REINDEX TABLE reindexed', 'REINDEX INDEX reindexed_pkey', 'REINDEX (CONCURRENTLY) TABLE reindexed', 'REINDEX SCHEMA public']) {
    await assert.rejects(db().strata.query(sql), (e: { code?: string; message?: string }) => e.code === '0A000' && e.message === 'unsupported statement: Reindex', sql);
  }
  await db().strata.query('DROP TABLE reindexed');
  await db().postgres.query('DROP TABLE reindexed');
});
