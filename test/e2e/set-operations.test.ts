/** UNION, INTERSECT and EXCEPT, with and without ALL, compared with PostgreSQL 15. */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE a (id int PRIMARY KEY, x int, s text)',
  'CREATE TABLE b (id int PRIMARY KEY, x int, s text)',
  "INSERT INTO a VALUES (1, 1, 'p'), (2, 1, 'p'), (3, 2, 'q'), (4, NULL, NULL), (5, NULL, NULL), (6, 3, 'r')",
  "INSERT INTO b VALUES (1, 1, 'p'), (2, 2, 'q'), (3, 2, 'q'), (4, NULL, NULL), (5, 4, 's')",
]);

test('INTERSECT and EXCEPT [ALL] keep the rows PostgreSQL keeps, NULLs equal', { skip }, async () => {
  for (const sql of [
    'SELECT x, s FROM a INTERSECT SELECT x, s FROM b ORDER BY 1, 2',
    'SELECT x, s FROM a INTERSECT ALL SELECT x, s FROM b ORDER BY 1, 2',
    'SELECT x, s FROM a EXCEPT SELECT x, s FROM b ORDER BY 1, 2',
    'SELECT x, s FROM a EXCEPT ALL SELECT x, s FROM b ORDER BY 1, 2',
    'SELECT x, s FROM b EXCEPT ALL SELECT x, s FROM a ORDER BY 1, 2',
    'SELECT x FROM a UNION SELECT x FROM b EXCEPT SELECT x FROM b WHERE x = 2 ORDER BY x',
    'SELECT x FROM a UNION ALL SELECT x FROM b INTERSECT SELECT x FROM b ORDER BY x',
    'SELECT x FROM a EXCEPT SELECT x, s FROM b',
    "SELECT x FROM a INTERSECT SELECT s FROM b",
    'SELECT x FROM a EXCEPT SELECT x FROM b ORDER BY x DESC LIMIT 1',
    'SELECT count(*) FROM (SELECT x FROM a INTERSECT ALL SELECT x FROM b) i',
  ]) await db().same(sql);
});

test('DISTINCT ON keeps the first row of each group in ORDER BY order, as PostgreSQL does', { skip }, async () => {
  for (const sql of [
    'SELECT DISTINCT ON (x) x, id, s FROM a ORDER BY x, id DESC',
    'SELECT DISTINCT ON (x) id FROM a ORDER BY x, id',
    'SELECT DISTINCT ON (1) x, id FROM a ORDER BY 1, 2',
    'SELECT DISTINCT ON (s, x) s, x, id FROM a ORDER BY s, x, id',
    'SELECT DISTINCT ON (x) x, id FROM a ORDER BY id',
    'SELECT count(*) FROM (SELECT DISTINCT ON (x) x FROM a) d',
  ]) await db().same(sql);
});

test('ORDER BY … USING < and > sort as ASC and DESC', { skip }, async () => {
  for (const sql of [
    'SELECT id, x FROM a ORDER BY x USING <, id USING >',
    'SELECT id FROM a ORDER BY id USING > NULLS LAST',
  ]) await db().same(sql);
});
