/**
 * Set-returning calls inside other set-returning calls' arguments (stacked ProjectSets, one per
 * level, as PostgreSQL's split_pathtarget_at_srfs) and in GROUP BY (expanded before grouping),
 * compared with PostgreSQL 15.
 */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE sl (id int PRIMARY KEY, a text)',
  "INSERT INTO sl VALUES (1, '1,2'), (2, '3'), (3, NULL), (4, '')",
]);

test('a set-returning call in another\'s arguments runs a level below it', { skip }, async () => {
  for (const sql of [
    'SELECT generate_series(1, generate_series(1, 3))',
    'SELECT generate_series(1, 2) AS a, generate_series(1, generate_series(1, 3)) AS b',
    'SELECT generate_series(1, generate_series(1, generate_series(1, 3))) AS x, generate_series(5, 6) AS y',
    "SELECT id, unnest(string_to_array(a, ',')::int[]) + 1 AS n, generate_series(1, unnest(string_to_array(a, ',')::int[])) AS g FROM sl ORDER BY 1, 2, 3",
    "SELECT id, generate_series(id, unnest(string_to_array(a, ',')::int[]) * 2) FROM sl ORDER BY 1, 2",
    'SELECT generate_series(1, generate_series(1, 3)) AS x ORDER BY x DESC LIMIT 4',
    'SELECT DISTINCT generate_series(1, generate_series(1, 4)) AS x ORDER BY 1',
    "SELECT unnest(regexp_split_to_array(string_agg(a, ';'), '[,;]')) FROM sl",
    'SELECT generate_series(1, count(*)) FROM sl',
    'SELECT id, generate_series(1, 2) FROM sl GROUP BY id ORDER BY 1, 2',
  ]) await db().same(sql);
});

test('set-returning calls in GROUP BY expand the rows before grouping', { skip }, async () => {
  for (const sql of [
    'SELECT generate_series(1, 3) AS g, count(*) FROM sl GROUP BY g ORDER BY g',
    'SELECT count(*) FROM sl GROUP BY generate_series(1, id) ORDER BY 1',
    'SELECT generate_series(1, id) AS g, sum(id), max(a) FROM sl GROUP BY 1 ORDER BY 1',
    'SELECT id, count(*) FROM sl WHERE id < 4 GROUP BY id, generate_series(1, 2) ORDER BY 1, 2',
    "SELECT unnest(string_to_array(a, ',')) AS part, count(*) FROM sl GROUP BY part HAVING count(*) > 0 ORDER BY 1",
    'SELECT generate_series(1, id) AS g, generate_series(1, 2) AS h, count(*) FROM sl GROUP BY 1 ORDER BY 1, 2',
    'SELECT g, count(*) FROM (SELECT generate_series(1, id) AS g FROM sl) s GROUP BY g ORDER BY g',
    'SELECT id FROM sl GROUP BY id HAVING generate_series(1, id) > 1',
  ]) await db().same(sql);
});

test('a set-returning call in an argument of AND, OR, NOT, IS TRUE or IN is 42804, as coerce_to_boolean says', { skip }, async () => {
  for (const sql of [
    'SELECT 1 = generate_series(1, 2) AND true',
    'SELECT NOT (1 = generate_series(1, 2))',
    'SELECT (1 = generate_series(1, 2)) OR false',
    'SELECT 2 BETWEEN generate_series(1, 3) AND 5',
    'SELECT 1 IN (generate_series(1, 2))',
    'SELECT (generate_series(1, 3) > 1) IS TRUE',
    "SELECT id, (SELECT count(*) FROM generate_series(1, 3)) > 1 AND true FROM sl ORDER BY id",
    'SELECT generate_series(1, 3) > 1, generate_series(1, 2) IS NULL',
    // Nor in CASE, its test value included (0A000).
    "SELECT CASE generate_series(1, 2) WHEN 1 THEN 'a' END",
  ]) await db().same(sql);
});
