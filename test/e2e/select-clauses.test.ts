/** GROUP BY items matched through the columns they name, and FETCH … WITH TIES, against PostgreSQL 15. */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE tmt (a int PRIMARY KEY, b int, c char(8))',
  "INSERT INTO tmt VALUES (1, 2, 'ABAB'), (2, 2, 'ABAB'), (3, 3, 'BBBB'), (4, NULL, 'CCCC'), (5, NULL, 'CCCC')",
]);

test('a GROUP BY column matches however the select list spells it', { skip }, async () => {
  for (const sql of [
    'SELECT c, count(*) FROM tmt GROUP BY tmt.c ORDER BY c',
    'SELECT tmt.c, count(*) FROM tmt GROUP BY c ORDER BY tmt.c',
    'SELECT x.b + 1, count(*) FROM tmt x GROUP BY b + 1 ORDER BY 1',
    'SELECT count(*) FROM tmt x GROUP BY x.b ORDER BY x.b',
    'SELECT a, count(*) FROM tmt GROUP BY c',
  ]) await db().same(sql);
});

test('HAVING without GROUP BY or an aggregate never reads the input, as PostgreSQL (a WHERE that would fail is not run)', { skip }, async () => {
  for (const sql of [
    'SELECT 1 AS one FROM tmt WHERE 1/(b - 2) = 1 HAVING 1 < 2',
    'SELECT 1 AS one FROM tmt WHERE 1/(b - 2) = 1 HAVING 1 > 2',
    'SELECT 1 AS one FROM tmt WHERE false HAVING true',
    'SELECT (SELECT count(*) FROM tmt) AS n, generate_series(1, 2) AS g FROM tmt WHERE 1/(b - 2) = 1 HAVING 1 < 2 ORDER BY g',
    // An aggregate or a GROUP BY reads the rows, and the WHERE fails.
    'SELECT count(*) FROM tmt WHERE 1/(b - 2) = 1 HAVING 1 < 2',
    'SELECT 1 FROM tmt WHERE 1/(b - 2) = 1 HAVING count(*) > 0',
    'SELECT 1 AS one FROM tmt WHERE 1/(b - 2) = 1 GROUP BY a HAVING 1 < 2',
  ]) await db().same(sql);
});

test('FETCH FIRST … WITH TIES returns the rows tied with the last', { skip }, async () => {
  for (const sql of [
    'SELECT a FROM tmt ORDER BY a FETCH FIRST 1 ROW WITH TIES',
    'SELECT b FROM tmt ORDER BY b FETCH FIRST 1 ROW WITH TIES',
    'SELECT b FROM tmt ORDER BY b DESC FETCH FIRST 2 ROWS WITH TIES',
    'SELECT b FROM tmt ORDER BY b NULLS FIRST FETCH FIRST 1 ROW WITH TIES',
    'SELECT b FROM tmt ORDER BY b OFFSET 1 FETCH FIRST 1 ROW WITH TIES',
    'SELECT a FROM tmt ORDER BY c FETCH FIRST 3 ROWS WITH TIES',
    'SELECT a FROM tmt ORDER BY c FETCH FIRST 0 ROWS WITH TIES',
    'SELECT b FROM tmt FETCH FIRST 1 ROW WITH TIES',
  ]) await db().same(sql);
});

test('INSERT refuses target columns and expressions that do not pair up, as PostgreSQL', { skip }, async () => {
  for (const sql of [
    'CREATE TABLE ins (c1 int, c2 int NOT NULL, c3 text DEFAULT $$testing$$)',
    'INSERT INTO ins (c1, c2, c3) VALUES (DEFAULT, DEFAULT)',
    'INSERT INTO ins (c1, c2, c3) VALUES (1, 2)',
    'INSERT INTO ins (c1) VALUES (1, 2)',
    'INSERT INTO ins (c1, c2) SELECT 1',
    'INSERT INTO ins VALUES (DEFAULT, 7)',
    'SELECT * FROM ins',
    'DROP TABLE ins',
  ]) await db().same(sql);
});
