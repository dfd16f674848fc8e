/**
 * PostgreSQL folds constant subexpressions when it plans a statement, so their errors (1/0,
 * integer overflow) come before any row is read — also where no row reaches them — except where
 * its simplification drops them first (AND/OR after a decisive constant, CASE arms, COALESCE
 * after a non-null constant, an EXISTS subquery's select list, a one-row VALUES list's values
 * folded into the query that reads it). Compared with PostgreSQL 15.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE pte (i int PRIMARY KEY, t text)',
  "INSERT INTO pte VALUES (1, 'a'), (2, 'b')",
  'CREATE TABLE pte_empty (i int PRIMARY KEY)',
  'CREATE VIEW pte_view AS SELECT i, 1/0 AS x FROM pte_empty',
  'CREATE TABLE pte_nulls (i int PRIMARY KEY, n int, z int, t text, j jsonb)',
  "INSERT INTO pte_nulls VALUES (1, NULL, 0, NULL, '{}')",
]);

test('a constant fold that fails is the statement\'s error, even where no row reaches it', { skip }, async () => {
  for (const sql of [
    'SELECT CASE WHEN i > 100 THEN 1/0 ELSE 0 END FROM pte',
    'SELECT CASE WHEN i > 100 THEN 1/0 END FROM pte_empty',
    'SELECT CASE i WHEN 5 THEN 1/0 END FROM pte_empty',
    'SELECT 1/0 FROM pte_empty',
    'SELECT i FROM pte_empty WHERE i = 1/0',
    'SELECT i FROM pte WHERE 1/0 = 1 AND false',
    'SELECT 2147483647 + 1 FROM pte_empty',
    'SELECT (2147483647::int8 + 1)::int4 FROM pte_empty',
    "SELECT ('1' || 'x')::int FROM pte_empty",
    'SELECT i FROM pte_empty WHERE i IN (1, 1/0)',
    'SELECT i FROM pte_empty ORDER BY 1/0',
    'SELECT count(1/0) FROM pte_empty',
    'SELECT coalesce(NULL, 1/0) FROM pte_empty',
    'SELECT (SELECT 1/0 FROM pte_empty) FROM pte',
    'SELECT i FROM pte WHERE i IN (SELECT 1/0 FROM pte_empty)',
    'SELECT i FROM pte_empty UNION SELECT 1/0 FROM pte_empty',
    'SELECT * FROM (SELECT 1/0 AS x FROM pte_empty) s',
    'SELECT * FROM pte_view',
    'SELECT 1/0 FROM pte LIMIT 0',
    'UPDATE pte SET t = (1/0)::text WHERE false',
    'DELETE FROM pte WHERE i = 1/0',
    'EXPLAIN SELECT 1/0 FROM pte_empty',
  ]) await db().same(sql);
});

test('what PostgreSQL\'s simplification drops before folding raises nothing', { skip }, async () => {
  for (const sql of [
    'SELECT i FROM pte WHERE false AND 1/0 = 1',
    'SELECT i FROM pte WHERE true OR 1/0 = 1 ORDER BY i',
    'SELECT i FROM pte WHERE false AND (1/0 = 1 OR true)',
    'SELECT i, CASE WHEN false THEN 1/0 ELSE 1 END FROM pte ORDER BY i',
    'SELECT CASE WHEN true THEN 1 ELSE 1/0 END FROM pte_empty',
    'SELECT CASE WHEN NULL THEN 1/0 WHEN i > 0 THEN 2 END FROM pte ORDER BY 1',
    'SELECT CASE 1 WHEN 0 THEN 1/0 WHEN 1 THEN 1 ELSE 2/0 END',
    'SELECT coalesce(1, 1/0) FROM pte',
    "SELECT coalesce('5', 1/0) FROM pte",
    'SELECT i FROM pte WHERE EXISTS (SELECT 1/0 FROM pte_empty)',
    'WITH w AS (SELECT 1/0 AS x FROM pte_empty) SELECT i FROM pte ORDER BY i',
  ]) await db().same(sql);
});

test('a one-row VALUES list is folded into the query that reads it: its columns decide AND and CASE first', { skip }, async () => {
  for (const sql of [
    'SELECT x FROM (VALUES (1)) v(x) WHERE x > 5 AND 1/0 = 1',
    'SELECT x FROM (VALUES (1)) v(x) WHERE CASE WHEN x > 5 THEN 1/0 ELSE 0 END = 1',
    'SELECT CASE WHEN x > 5 THEN 1/0 END FROM (VALUES (1)) v(x)',
    "SELECT x, y FROM (VALUES (1, 'a')) v(x, y) WHERE y = 'b' AND 1/0 = 1",
    'SELECT * FROM pte JOIN (VALUES (1)) v(x) ON true WHERE x > 5 AND 1/0 = 1',
    // Not folded: more than one row, a LIMIT, or the nullable side of an outer join.
    'SELECT x FROM (VALUES (1), (2)) v(x) WHERE x > 5 AND 1/0 = 1',
    'SELECT x FROM (VALUES (1) LIMIT 1) v(x) WHERE x > 5 AND 1/0 = 1',
    'SELECT * FROM pte LEFT JOIN (VALUES (1)) v(x) ON true WHERE x > 5 AND 1/0 = 1',
    'SELECT x FROM (VALUES (1)) v(x) WHERE x < 5 AND 1/0 = 1',
    // Its rows are still read as rows.
    'SELECT i, x FROM pte LEFT JOIN (VALUES (1)) v(x) ON i = x ORDER BY i',
    'SELECT x, count(*) FROM (VALUES (1)) v(x) GROUP BY x',
  ]) await db().same(sql);
});

test('a join condition that folds to false is no condition at all: its keys are never evaluated', { skip }, async () => {
  for (const sql of [
    'SELECT * FROM pte a JOIN pte b ON false AND a.i = b.i + 1/0',
    'SELECT * FROM pte a LEFT JOIN pte b ON false AND a.i = b.i + 1/0 ORDER BY a.i',
    'SELECT * FROM pte a JOIN pte b ON a.i = b.i AND false',
    'SELECT * FROM pte a JOIN pte b ON a.i = b.i + 1/0',
    'SELECT * FROM pte a JOIN pte b ON a.i = b.i AND true ORDER BY a.i',
  ]) await db().same(sql);
});

test('an EXISTS subquery\'s select list, ORDER BY, DISTINCT and positive LIMIT are never evaluated', { skip }, async () => {
  for (const sql of [
    'SELECT 1 WHERE EXISTS (SELECT 1/0)',
    'SELECT EXISTS (SELECT 1/0)',
    'SELECT i FROM pte WHERE EXISTS (SELECT 1/(i - 1) FROM pte) ORDER BY i',
    'SELECT 1 WHERE EXISTS (SELECT 1/0 ORDER BY 1)',
    'SELECT 1 WHERE EXISTS (SELECT 1 ORDER BY 1/0)',
    'SELECT 1 WHERE EXISTS (SELECT 1/0 LIMIT 1)',
    'SELECT 1 WHERE EXISTS (SELECT DISTINCT 1/(i - 1) FROM pte)',
    'SELECT 1 WHERE EXISTS (SELECT 1 FROM pte GROUP BY 1/(i - 1))',
    // Kept whole where the select list can change whether a row comes back.
    'SELECT 1 WHERE EXISTS (SELECT 1/0 LIMIT 0)',
    'SELECT 1 WHERE EXISTS (SELECT count(1/0))',
    'SELECT 1 WHERE EXISTS (SELECT generate_series(1, 1/0))',
    'SELECT 1 WHERE EXISTS (SELECT 1/(i - 1), count(*) FROM pte GROUP BY i)',
    "CREATE FUNCTION pte_none() RETURNS SETOF int LANGUAGE sql AS 'SELECT 1 WHERE false'",
    'SELECT EXISTS (SELECT pte_none())',
    'SELECT EXISTS (SELECT pte_none() LIMIT 1)',
    // Still analyzed whole: unknown names and bad literals in what is dropped are errors.
    'SELECT 1 WHERE EXISTS (SELECT nocol)',
    'SELECT i FROM pte WHERE EXISTS (SELECT nocol FROM pte p)',
    "SELECT 1 WHERE EXISTS (SELECT 1 + 'a')",
    'SELECT 1 WHERE EXISTS (SELECT 1 ORDER BY nocol)',
    // The rest of the subquery is planned, so its constant folds still fail.
    'SELECT 1 WHERE EXISTS (SELECT 1 WHERE 1/0 = 1)',
    'SELECT i FROM pte WHERE EXISTS (SELECT 1 FROM pte p WHERE p.i = pte.i AND 1/0 = 1)',
  ]) await db().same(sql);
});

test('Parse succeeds; the error comes when the statement runs, and a transaction block it fails in is aborted', { skip }, async () => {
  const client = db().strata;
  await client.query('BEGIN');
  await assert.rejects(client.query({ text: 'SELECT 1/0 FROM pte_empty', values: [] }), { code: '22012', message: 'division by zero' });
  await assert.rejects(client.query('SELECT 1'), { code: '25P02' });
  await client.query('ROLLBACK');
});

test('a SQL function\'s body is planned when it is first called, where PostgreSQL does not inline it: no error without a call', { skip }, async () => {
  for (const sql of [
    'CREATE FUNCTION pte_reads(x int) RETURNS int LANGUAGE sql AS \'SELECT 1/0 + x FROM pte LIMIT 1\'',
    'SELECT pte_reads(i) FROM pte_empty',
    'SELECT pte_reads(i) FROM pte',
  ]) await db().same(sql);
});

test('an immutable function of constants folds when planned; a stable one runs with the rows', { skip }, async () => {
  for (const sql of [
    'SELECT make_date(2023, 2, 31) FROM pte_empty',
    "SELECT i FROM pte_empty WHERE i = jsonb_array_length('{}')",
    "SELECT i + make_date(2023, 2, 31) - date '2023-01-01' FROM pte_empty",
    // to_char and array_to_string are stable in PostgreSQL: nothing runs without a row.
    "SELECT to_char(1, 'RN')::int FROM pte_empty",
    "SELECT array_to_string(ARRAY['x'], ',')::int FROM pte_empty",
    // Which error comes first: folds go depth first, left to right.
    "SELECT make_date(2023, 13, 1) + jsonb_array_length('{}') FROM pte",
    "SELECT jsonb_array_length('{}') + (make_date(2023, 13, 1) - date '2023-01-01') FROM pte",
  ]) await db().same(sql);
});

test('a strict function or operator: NULL without running the rest when planned, every argument at run time', { skip }, async () => {
  for (const sql of [
    // A NULL constant makes the call NULL when planned; a row-dependent argument never runs.
    'SELECT NULL::int + (i / 0) FROM pte ORDER BY 1',
    'SELECT power(NULL::numeric, i / 0) FROM pte ORDER BY 1',
    "SELECT (NULL::date + time '10:30')::timestamp - t::interval FROM pte",
    // A constant argument's own fold error still counts.
    "SELECT NULL::bigint / jsonb_array_length('{}') FROM pte",
    'SELECT greatest(NULL::int, 1/0) FROM pte',
    // At run time a NULL argument does not stop the next one from running (and failing).
    'SELECT n / jsonb_array_length(j) FROM pte_nulls',
    'SELECT n + (i / z) FROM pte_nulls',
    'SELECT substr(t, i / z) FROM pte_nulls',
    'SELECT power(n, i / z) FROM pte_nulls',
  ]) await db().same(sql);
  // An unnamed statement is planned with its parameters' values: an argument that takes one folds (and fails) too.
  await db().same('SELECT make_date(0, $1, 31) + NULL::int', ['13']);
  await db().same('SELECT NULL::int + length($1::int::text)', ['x']);
});
