/** WITH queries, plain and recursive, compared with PostgreSQL 15. */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE t (id int PRIMARY KEY, g int, amount numeric(10,2))',
  'CREATE TABLE tree (id int PRIMARY KEY, parent int, name text)',
  'INSERT INTO t VALUES (1, 1, 10.5), (2, 1, 20), (3, 2, 30.25), (4, 2, NULL), (5, 3, 5)',
  "INSERT INTO tree VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 1, 'b'), (4, 2, 'a1'), (5, 4, 'a1x'), (6, 3, 'b1')",
]);

test('WITH queries are read like subqueries in FROM, by name, in order and nested', { skip }, async () => {
  for (const sql of [
    'WITH x AS (SELECT g, sum(amount) s FROM t GROUP BY g) SELECT * FROM x ORDER BY g',
    'WITH x(a, b) AS (SELECT g, count(*) FROM t GROUP BY g), y AS (SELECT a FROM x WHERE b > 1) SELECT * FROM y ORDER BY a',
    'WITH x AS (SELECT id FROM t) SELECT x1.id, x2.id FROM x x1 JOIN x x2 ON x2.id = x1.id + 1 ORDER BY 1',
    'WITH x AS (SELECT 1 AS one) SELECT (SELECT one FROM x) + id FROM t ORDER BY id',
    'SELECT * FROM (WITH z AS (SELECT 7 AS v) SELECT v FROM z) q',
    'WITH x AS (SELECT 1 AS a), x AS (SELECT 2 AS a) SELECT * FROM x',
    'WITH x(a, b, c) AS (SELECT 1, 2) SELECT * FROM x',
    'WITH x AS (SELECT g FROM t) SELECT g FROM x UNION SELECT 9 ORDER BY 1',
    'WITH t AS (SELECT 42 AS id) SELECT id FROM t',
  ]) await db().same(sql);
});

test('WITH RECURSIVE walks a tree and a series as PostgreSQL does', { skip }, async () => {
  for (const sql of [
    'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r',
    'WITH RECURSIVE r(n) AS (SELECT 1 UNION SELECT (n % 3) + 1 FROM r) SELECT * FROM r ORDER BY n',
    "WITH RECURSIVE sub AS (SELECT id, name, 0 AS depth FROM tree WHERE id = 2 UNION ALL SELECT tree.id, tree.name, depth + 1 FROM tree JOIN sub ON tree.parent = sub.id) SELECT * FROM sub ORDER BY id",
    "WITH RECURSIVE path(id, p) AS (SELECT id, name FROM tree WHERE parent IS NULL UNION ALL SELECT tree.id, p || '/' || tree.name FROM tree, path WHERE tree.parent = path.id) SELECT * FROM path ORDER BY p",
    'WITH RECURSIVE r(n) AS (SELECT n FROM r UNION ALL SELECT 1) SELECT * FROM r',
    'WITH RECURSIVE r(n) AS (SELECT 1 INTERSECT SELECT n FROM r) SELECT * FROM r',
    'WITH RECURSIVE r(n) AS (SELECT 1::int UNION ALL SELECT n + 1.5 FROM r WHERE n < 3) SELECT * FROM r',
    'WITH RECURSIVE x AS (SELECT 5 AS v) SELECT * FROM x',
  ]) await db().same(sql);
});

test('LATERAL subqueries read the row before them, as in PostgreSQL', { skip }, async () => {
  for (const sql of [
    'SELECT t.id, x.d FROM t, LATERAL (SELECT t.id * 2 AS d) x ORDER BY t.id',
    'SELECT t.g, top.id FROM (SELECT DISTINCT g FROM t) t, LATERAL (SELECT id FROM t t2 WHERE t2.g = t.g ORDER BY amount DESC NULLS LAST LIMIT 1) top ORDER BY t.g',
    'SELECT t.id, c.n FROM t LEFT JOIN LATERAL (SELECT count(*) AS n FROM tree WHERE tree.parent = t.id) c ON true ORDER BY t.id',
    'SELECT t.id, k.id FROM t LEFT JOIN LATERAL (SELECT id FROM tree WHERE tree.parent = t.id) k ON k.id > 3 ORDER BY t.id, k.id',
    'SELECT * FROM t, (SELECT t.id) x',
  ]) await db().same(sql);
});
