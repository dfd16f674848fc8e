/**
 * Statement-level gaps the conformance corpus showed around subqueries, compared with
 * PostgreSQL 15: outer references from a FROM-less subquery, subqueries inside VALUES, subqueries
 * in ON CONFLICT DO UPDATE SET, WITH queries on INSERT/UPDATE/DELETE, and what ORDER BY may name
 * on a UNION.
 */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE int8_tbl (q1 int8, q2 int8)',
  'CREATE TABLE int4_tbl (f1 int4)',
  'CREATE TABLE upsert_test (a int PRIMARY KEY, b text)',
  'CREATE TABLE target (a int PRIMARY KEY, b text)',
  'CREATE TABLE other (k int, note text)',
  "INSERT INTO target VALUES (1, 'Boo'), (2, 'Two'), (3, 'Zoo'), (4, 'Four')",
  "INSERT INTO other VALUES (2, 'second'), (3, 'third'), (3, 'third again'), (4, 'fourth')",
  'INSERT INTO int8_tbl VALUES (1, 2), (0, 4), (42, 42)',
  'INSERT INTO int4_tbl VALUES (42), (0), (2)',
  "INSERT INTO upsert_test VALUES (1, 'Boo'), (3, 'Zoo')",
]);

test('a subquery without FROM reads the enclosing query\'s columns', { skip }, async () => {
  for (const sql of [
    'SELECT (SELECT sq1) FROM (SELECT 1 AS sq1) s',
    'SELECT (SELECT s.x) FROM (SELECT 1 AS x) s JOIN (SELECT 1 AS y) t ON true',
    `SELECT (SELECT sq1) AS qq1 FROM (SELECT exists(SELECT 1 FROM int4_tbl WHERE f1 = q2) AS sq1, 42 AS dummy FROM int8_tbl) sq0
       JOIN int4_tbl i4 ON dummy = i4.f1 ORDER BY 1`,
  ]) await db().same(sql);
});

test('subqueries inside VALUES', { skip }, async () => {
  for (const sql of [
    'VALUES ((SELECT max(q1) FROM int8_tbl)), ((SELECT min(f1) FROM int4_tbl))',
    `SELECT * FROM int4_tbl, (VALUES ((SELECT i FROM (VALUES (10000), (2), (389), ((SELECT 10029))) AS foo(i) ORDER BY i LIMIT 1))) bar (i)
       WHERE int4_tbl.f1 = bar.i`,
    'SELECT * FROM (VALUES ((SELECT q1 FROM int8_tbl))) v(x)',
  ]) await db().same(sql);
});

test('ON CONFLICT DO UPDATE SET with subqueries, correlated with the row and EXCLUDED', { skip }, async () => {
  for (const sql of [
    `INSERT INTO upsert_test VALUES (1, 'Baz'), (3, 'Zaz') ON CONFLICT (a)
       DO UPDATE SET (b, a) = (SELECT b || ', Correlated', a FROM upsert_test i WHERE i.a = upsert_test.a) RETURNING *`,
    `INSERT INTO upsert_test VALUES (1, 'Bat'), (3, 'Zot') ON CONFLICT (a)
       DO UPDATE SET (b, a) = (SELECT b || ', Excluded', a FROM upsert_test i WHERE i.a = excluded.a) RETURNING *`,
    "INSERT INTO upsert_test VALUES (5, 'x') ON CONFLICT (a) DO UPDATE SET b = (SELECT 'never') RETURNING *",
    "INSERT INTO upsert_test VALUES (5, 'y') ON CONFLICT (a) DO UPDATE SET b = (SELECT count(*) FROM int8_tbl)::text || excluded.b RETURNING *",
    "INSERT INTO upsert_test VALUES (5, 'z') ON CONFLICT (a) DO UPDATE SET b = (SELECT q1 FROM int8_tbl)::text RETURNING *",
    'SELECT * FROM upsert_test ORDER BY a',
  ]) await db().same(sql);
});

test('ORDER BY of a UNION names its output columns only', { skip }, async () => {
  for (const sql of [
    'SELECT q1 FROM int8_tbl EXCEPT SELECT q2 FROM int8_tbl ORDER BY q1',
    'SELECT q1 FROM int8_tbl EXCEPT SELECT q2 FROM int8_tbl ORDER BY q2 LIMIT 1',
    'SELECT q1 FROM int8_tbl EXCEPT SELECT q2 FROM int8_tbl ORDER BY int8_tbl.q1 LIMIT 1',
    'SELECT q1 FROM int8_tbl UNION SELECT q2 FROM int8_tbl ORDER BY q1 + 1',
  ]) await db().same(sql);
});

test('WITH queries on INSERT, UPDATE and DELETE are visible to the whole statement', { skip }, async () => {
  for (const sql of [
    "WITH aaa AS (SELECT 1 AS a, 'Foo' AS b) INSERT INTO upsert_test VALUES (1, 'Bar') ON CONFLICT (a) DO UPDATE SET (b, a) = (SELECT b, a FROM aaa) RETURNING *",
    `WITH aaa AS (SELECT 1 AS ctea, ' Foo' AS cteb) INSERT INTO upsert_test VALUES (1, 'Bar'), (2, 'Baz') ON CONFLICT (a)
       DO UPDATE SET (b, a) = (SELECT upsert_test.b || cteb, upsert_test.a FROM aaa) RETURNING *`,
    "WITH src AS (SELECT 10 AS a, 'ten' AS b) INSERT INTO upsert_test SELECT * FROM src RETURNING *",
    "WITH src(x) AS (VALUES (10), (999)) UPDATE upsert_test SET b = 'upd' WHERE a IN (SELECT x FROM src) RETURNING *",
    'WITH src AS (SELECT 2 AS k) UPDATE upsert_test SET b = src.k::text FROM src WHERE a = src.k RETURNING a, b',
    'WITH src AS (SELECT 3 AS k) DELETE FROM upsert_test USING src WHERE a = src.k RETURNING a, b',
    'WITH src AS (SELECT 2 AS k) DELETE FROM upsert_test WHERE a = (SELECT k FROM src) RETURNING *',
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) INSERT INTO upsert_test SELECT n + 100, 'r' FROM r RETURNING a",
    "WITH upsert_test AS (SELECT 1) INSERT INTO upsert_test VALUES (7, 'seven') RETURNING *",
    'WITH src AS (SELECT 101 AS k) SELECT * FROM upsert_test WHERE a = (SELECT k FROM src)',
    'SELECT * FROM upsert_test ORDER BY a',
  ]) await db().same(sql);
});

test('RETURNING of UPDATE … FROM and DELETE … USING lists and names the other FROM items too', { skip }, async () => {
  for (const sql of [
    'UPDATE target SET b = o.note FROM other o WHERE a = o.k AND o.k = 2 RETURNING *',
    'UPDATE target SET b = o.note FROM other o WHERE a = o.k AND o.k = 4 RETURNING target.a, o.note, o.*',
    "UPDATE target t SET b = 'x' FROM other o JOIN (SELECT 2 AS z) zz ON o.k = zz.z WHERE t.a = o.k RETURNING *",
    'DELETE FROM target USING (SELECT 1 AS k) src WHERE a = src.k RETURNING *',
    "DELETE FROM target USING other o WHERE a = o.k AND o.note = 'fourth' RETURNING o.note, a",
    'SELECT * FROM target ORDER BY a',
  ]) await db().same(sql);
});
