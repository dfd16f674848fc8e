/**
 * GROUP BY a table's primary key groups the table's other columns too (PostgreSQL's functional
 * dependency, which ORMs' `SELECT u.*, count(p.id) … GROUP BY u.id` relies on), whole-row
 * references included — but not through a subquery, a view or a WITH query, and not by a
 * unique key or an expression. Compared with PostgreSQL 15: rows, or SQLSTATE, message, position.
 */
import { test } from 'node:test';
import { sameAnswers, useDifferential } from '../support/differential.js';

const pair = useDifferential([
  'CREATE TABLE gu (id int PRIMARY KEY, email text UNIQUE, name text)',
  'CREATE TABLE gp (id int PRIMARY KEY, uid int, v int)',
  'CREATE TABLE gk (a int, b int, c text, PRIMARY KEY (a, b))',
  'CREATE VIEW gv AS SELECT * FROM gu',
  "INSERT INTO gu VALUES (1, 'a@x', 'A'), (2, 'b@x', NULL), (3, 'c@x', 'C')",
  'INSERT INTO gp VALUES (1, 1, 10), (2, 1, 20), (3, 2, 5)',
  "INSERT INTO gk VALUES (1, 1, 'x'), (1, 2, 'y')",
]);

async function same(texts: readonly string[]): Promise<void> {
  await sameAnswers(pair.db(), texts);
}

test('columns of a table whose primary key is grouped may be selected, ordered and tested', { skip: pair.skip }, async () => {
  await same([
    'SELECT gu.*, count(gp.id) AS n FROM gu LEFT JOIN gp ON gp.uid = gu.id GROUP BY gu.id ORDER BY n DESC, gu.email',
    'SELECT gu.email, sum(gp.v) FROM gu JOIN gp ON gp.uid = gu.id GROUP BY gu.id ORDER BY gu.email',
    'SELECT u.name, count(*) FROM gu u JOIN gp p ON p.uid = u.id GROUP BY u.id HAVING u.name IS NOT NULL',
    'SELECT email FROM gu GROUP BY id ORDER BY name',
    'SELECT c FROM gk GROUP BY a, b ORDER BY c',
    'SELECT u1.email FROM gu u1 JOIN gu u2 ON u1.id = u2.id GROUP BY u1.id ORDER BY 1',
    'SELECT email, (SELECT count(*) FROM gp WHERE gp.uid = gu.id) FROM gu GROUP BY id ORDER BY 1',
    'SELECT DISTINCT ON (gu.id) gu.email, count(*) FROM gu JOIN gp ON gp.uid = gu.id GROUP BY gu.id ORDER BY gu.id',
    'SELECT email FROM public.gu GROUP BY id ORDER BY 1',
    'SELECT gu.email, count(*) FROM gu, gp GROUP BY gu.id, gp.id ORDER BY 1, 2',
    // a subquery sees the dependent columns too
    "SELECT gu.id, (SELECT count(*) FROM gp WHERE gp.v > length(gu.email)) AS n, count(gp.id) FROM gu JOIN gp ON gp.uid = gu.id GROUP BY gu.id ORDER BY 1",
    "SELECT gu.id FROM gu JOIN gp ON gp.uid = gu.id GROUP BY gu.id HAVING EXISTS (SELECT 1 FROM gp g2 WHERE g2.v > length(gu.name)) ORDER BY 1",
  ]);
});

test('whole-row references of a grouped table', { skip: pair.skip }, async () => {
  await same([
    'SELECT row_to_json(u) FROM gu u GROUP BY u.id ORDER BY u.id',
    'SELECT u::text, count(p.*) FROM gu u LEFT JOIN gp p ON p.uid = u.id GROUP BY u.id ORDER BY u.id',
    "SELECT to_jsonb(u) || jsonb_build_object('n', count(*)) FROM gu u JOIN gp ON gp.uid = u.id GROUP BY u.id ORDER BY u.id",
    'SELECT gu::text FROM gu GROUP BY gu.id, gu.email, gu.name ORDER BY 1',
    'SELECT p::text FROM gu u LEFT JOIN gp p ON p.uid = u.id GROUP BY p.id ORDER BY 1',
    'SELECT gu FROM gu GROUP BY gu.email',
  ]);
});

test('no dependency without the whole primary key of a table named in FROM', { skip: pair.skip }, async () => {
  await same([
    'SELECT gp.v FROM gu JOIN gp ON gp.uid = gu.id GROUP BY gu.id',
    'SELECT c FROM gk GROUP BY a',
    'SELECT email FROM gu GROUP BY gu.id + 0',
    'SELECT name FROM gu GROUP BY email',
    'SELECT x.email FROM (SELECT * FROM gu) x GROUP BY x.id',
    'SELECT u1.email FROM gu u1 JOIN gu u2 ON u1.id = u2.id GROUP BY u2.id',
    'WITH c AS (SELECT * FROM gu) SELECT c.email FROM c GROUP BY c.id',
    'SELECT email FROM gv GROUP BY id',
  ]);
});
