/** UPDATE … SET (a, b) = (SELECT …) and ON CONFLICT DO UPDATE SET (b, a) = (SELECT …), compared with PostgreSQL 15. */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE upsert_test (a int PRIMARY KEY, b text)',
  "INSERT INTO upsert_test VALUES (1, 'Boo'), (3, 'Zoo')",
]);

test('ON CONFLICT DO UPDATE SET (b, a) = (SELECT …), uncorrelated, correlated and over EXCLUDED (pg_regress update.sql)', { skip }, async () => {
  for (const sql of [
    "WITH aaa AS (SELECT 1 AS a, 'Foo' AS b) INSERT INTO upsert_test VALUES (1, 'Bar') ON CONFLICT(a) DO UPDATE SET (b, a) = (SELECT b, a FROM aaa) RETURNING *",
    "INSERT INTO upsert_test VALUES (1, 'Baz'), (3, 'Zaz') ON CONFLICT(a) DO UPDATE SET (b, a) = (SELECT b || ', Correlated', a from upsert_test i WHERE i.a = upsert_test.a) RETURNING *",
    "INSERT INTO upsert_test VALUES (1, 'Bat'), (3, 'Zot') ON CONFLICT(a) DO UPDATE SET (b, a) = (SELECT b || ', Excluded', a from upsert_test i WHERE i.a = excluded.a) RETURNING *",
    "INSERT INTO upsert_test VALUES (2, 'Beeble') ON CONFLICT(a) DO UPDATE SET (b, a) = (SELECT b || ', Excluded', a from upsert_test i WHERE i.a = excluded.a) RETURNING *",
    "INSERT INTO upsert_test VALUES (2, 'Brox') ON CONFLICT(a) DO UPDATE SET (b, a) = (SELECT b || ', Excluded', a from upsert_test i WHERE i.a = excluded.a) RETURNING *",
    'SELECT * FROM upsert_test ORDER BY a',
  ]) await db().same(sql);
});

test('UPDATE SET (a, b) = (SELECT …) takes one row of any query, once per target row', { skip }, async () => {
  for (const sql of [
    "UPDATE upsert_test SET (b, a) = (SELECT b || '!', a + 10 FROM upsert_test WHERE a = 1) WHERE a = 1 RETURNING *",
    "UPDATE upsert_test SET (b, a) = ROW('x', 3 * 10) WHERE a = 11 RETURNING *",
    'UPDATE upsert_test t SET (a, b) = (SELECT s.a + 100, s.b FROM upsert_test s WHERE s.a = t.a) WHERE a < 100 RETURNING a > 100 AS moved',
    'SELECT * FROM upsert_test ORDER BY a',
    'UPDATE upsert_test SET (a, b) = (SELECT * FROM upsert_test WHERE a = 30) WHERE a = 30 RETURNING *',
    "UPDATE upsert_test SET (b) = (SELECT 'solo') WHERE a = 30 RETURNING *",
    "UPDATE upsert_test SET (a, b) = (SELECT 7, 'x' UNION ALL SELECT 8, 'y' ORDER BY 1 DESC LIMIT 1) WHERE a = 30 RETURNING *",
    "UPDATE upsert_test SET (a, b) = (SELECT 1, 'x' UNION ALL SELECT 2, 'y' LIMIT 0) WHERE a = 8 RETURNING *",
    'CREATE SEQUENCE s CACHE 1',
    "WITH u AS (UPDATE upsert_test SET (b, a) = (SELECT 'n' || nextval('s'), a + 1000 FROM upsert_test i WHERE i.a = upsert_test.a) WHERE a >= 100 RETURNING a, b) SELECT a, b LIKE 'n_' AS numbered FROM u ORDER BY a",
    "SELECT nextval('s')",
    "UPDATE upsert_test u SET (b, a) = (SELECT v.y || u.b, v.x + 1) FROM (VALUES (1102, 'from ')) v(x, y) WHERE u.a = v.x RETURNING u.a, u.b LIKE 'from n_'",
    "SELECT a, regexp_replace(b, 'n[0-9]', 'n?') FROM upsert_test ORDER BY a",
  ]) await db().same(sql);
});

test('SET (a, b) = (SELECT …) refusals as PostgreSQL', { skip }, async () => {
  for (const sql of [
    "UPDATE upsert_test SET (b, a) = (SELECT 'q', a FROM upsert_test) RETURNING *",
    "UPDATE upsert_test SET (b, a) = (SELECT 'q') RETURNING *",
    "UPDATE upsert_test SET (b, a) = (SELECT 'q', 1, 2) RETURNING *",
    'UPDATE upsert_test SET (b, a) = (SELECT * FROM upsert_test LIMIT 1) RETURNING *',
    "UPDATE upsert_test SET (b, a) = (SELECT 'w', 5), (b) = (SELECT 'z')",
    "UPDATE upsert_test SET (a, b) = (SELECT 5, 'w'), b = (SELECT 'z') RETURNING *",
  ]) await db().same(sql);
});
