/**
 * Data-modifying statements in WITH (INSERT/UPDATE/DELETE … RETURNING as CTEs), compared with
 * PostgreSQL 15: each runs once, all read one snapshot, RETURNING feeds the CTE.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type pg from 'pg';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE emp (id int PRIMARY KEY, name text, bonus_pct real)',
  'CREATE TABLE archive (id int PRIMARY KEY, name text)',
  "INSERT INTO emp VALUES (1, 'a', 0.1), (2, 'b', 0.2), (3, 'c', NULL), (4, 'd', 0.4)",
]);

test('a CTE that updates, deletes or inserts feeds its RETURNING rows to the main query', { skip }, async () => {
  for (const sql of [
    'WITH moved AS (UPDATE emp SET bonus_pct = bonus_pct WHERE id = 1 RETURNING id) SELECT count(*) FROM moved',
    'WITH moved AS (DELETE FROM emp WHERE id >= 3 RETURNING *) INSERT INTO archive SELECT id, name FROM moved',
    'SELECT * FROM archive ORDER BY id',
    'SELECT * FROM emp ORDER BY id',
    'WITH i AS (INSERT INTO archive VALUES (10, \'x\') RETURNING *), j AS (INSERT INTO archive SELECT id + 1, name FROM i RETURNING *) SELECT * FROM j',
    'WITH d (x) AS (DELETE FROM archive WHERE id = 3 RETURNING id) SELECT x FROM d',
    'WITH d AS (DELETE FROM archive WHERE id = 10 RETURNING *) UPDATE emp SET name = d.name FROM d WHERE emp.id = 1 RETURNING emp.*',
    'WITH d AS (DELETE FROM archive WHERE id = 11 RETURNING *) DELETE FROM emp WHERE id IN (SELECT id - 9 FROM d) RETURNING *',
    "WITH u AS (UPDATE emp SET name = 'y' WHERE id = 1 RETURNING *) INSERT INTO archive SELECT id + 100, name FROM u RETURNING *",
    "WITH i AS (INSERT INTO archive VALUES (101, 'q') ON CONFLICT (id) DO UPDATE SET name = 'r' RETURNING *) SELECT * FROM i",
    'SELECT * FROM archive ORDER BY id',
    'SELECT * FROM emp ORDER BY id',
  ]) await db().same(sql);
});

test('every sub-statement runs once, referenced or not; none sees another\'s changes', { skip }, async () => {
  for (const sql of [
    "INSERT INTO archive VALUES (200, 'p'), (201, 'q')",
    'WITH d AS (DELETE FROM archive WHERE id = 200) SELECT * FROM archive WHERE id >= 200 ORDER BY id',
    'SELECT * FROM archive WHERE id >= 200 ORDER BY id',
    "WITH u AS (UPDATE archive SET name = name || '!' WHERE id = 201 RETURNING id, name) SELECT a.id, a.name, u.name AS new FROM archive a JOIN u USING (id)",
    "WITH u AS (UPDATE archive SET name = 'z' WHERE id = 201 RETURNING 1) SELECT a.name, (SELECT name FROM archive WHERE id = 201) FROM archive a WHERE id = 201",
    'WITH a AS (DELETE FROM archive WHERE id = 201 RETURNING id), b AS (SELECT count(*) FROM archive WHERE id = 201) SELECT * FROM a, b',
    'SELECT * FROM archive WHERE id >= 200 ORDER BY id',
    'BEGIN',
    "INSERT INTO archive VALUES (300, 's')",
    'WITH d AS (DELETE FROM archive WHERE id >= 300 RETURNING id) SELECT (SELECT count(*) FROM archive WHERE id >= 300) AS before, count(*) FROM d',
    'SELECT count(*) FROM archive WHERE id >= 300',
    'ROLLBACK',
    "WITH i AS (INSERT INTO archive VALUES (400, 'x') RETURNING *), j AS (INSERT INTO archive VALUES (400, 'y') RETURNING *) SELECT * FROM i",
    'SELECT count(*) FROM archive WHERE id = 400',
  ]) await db().same(sql);
});

test('PostgreSQL\'s refusals: no RETURNING, not at top level, in a view, read-only', { skip }, async () => {
  for (const sql of [
    'WITH d AS (DELETE FROM archive) SELECT * FROM d',
    'WITH d (x, y, z) AS (DELETE FROM archive RETURNING id) SELECT x FROM d',
    'SELECT * FROM (WITH d AS (DELETE FROM archive RETURNING *) SELECT * FROM d) s',
    'WITH a AS (WITH d AS (DELETE FROM archive RETURNING *) SELECT * FROM d) SELECT * FROM a',
    'INSERT INTO archive WITH d AS (DELETE FROM emp RETURNING id, name) SELECT * FROM d',
    'CREATE VIEW v AS WITH d AS (DELETE FROM archive RETURNING id) SELECT * FROM d',
    'BEGIN READ ONLY',
    'WITH d AS (DELETE FROM emp RETURNING *) SELECT count(*) FROM d',
    'ROLLBACK',
    'BEGIN READ ONLY',
    'WITH d AS (DELETE FROM emp RETURNING *) INSERT INTO archive SELECT id, name FROM d',
    'ROLLBACK',
    'SELECT count(*) FROM emp',
  ]) await db().same(sql);
});

async function failure(client: pg.Client, sql: string): Promise<{ code?: string; message: string }> {
  try {
    await client.query(sql);
  } catch (error) {
    const e = error as pg.DatabaseError;
    return { code: e.code, message: e.message };
  }
  assert.fail(`${sql} succeeded`);
}

test('DSQL\'s 3,000-row limit counts the writes of every sub-statement of the transaction', { skip }, async () => {
  const strata = db().strata;
  await strata.query('CREATE TABLE many (id int PRIMARY KEY)');
  await strata.query('INSERT INTO many SELECT generate_series(1, 2000)');
  await strata.query('INSERT INTO many SELECT generate_series(2001, 3200)');
  const tooMany = await failure(strata, 'WITH a AS (DELETE FROM many WHERE id <= 1600 RETURNING id), b AS (DELETE FROM many WHERE id > 1600 RETURNING id) SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM b)');
  assert.deepEqual(tooMany, { code: '54000', message: 'transaction row limit exceeded' });
  const within = await strata.query('WITH a AS (DELETE FROM many WHERE id <= 1500 RETURNING id), b AS (DELETE FROM many WHERE id > 1500 AND id <= 3000 RETURNING id) SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM b) AS n');
  assert.deepEqual(within.rows, [{ n: '3000' }]);
  assert.deepEqual((await strata.query('SELECT count(*) AS n FROM many')).rows, [{ n: '200' }]);
});

test('EXPLAIN shows the sub-statements after the main plan without running them; EXPLAIN ANALYZE is refused', { skip }, async () => {
  const strata = db().strata;
  await strata.query("INSERT INTO archive VALUES (500, 'e')");
  const plan = await strata.query('EXPLAIN WITH d AS (DELETE FROM archive WHERE id = 500 RETURNING id) SELECT * FROM d');
  const lines = plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']);
  assert.ok(lines.includes('  CTE d') && lines.includes('    ->  Delete on archive'), lines.join('\n'));
  assert.deepEqual((await strata.query('SELECT count(*)::int AS n FROM archive WHERE id = 500')).rows, [{ n: 1 }]);
  const analyze = await failure(strata, 'EXPLAIN ANALYZE WITH d AS (DELETE FROM archive WHERE id = 500 RETURNING id) SELECT * FROM d');
  assert.deepEqual(analyze, { code: '0A000', message: 'EXPLAIN ANALYZE of a statement with data-modifying WITH queries is not supported yet' });
});
