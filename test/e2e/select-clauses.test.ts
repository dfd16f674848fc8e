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
