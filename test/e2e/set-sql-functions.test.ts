/** Set-returning SQL functions (RETURNS SETOF a scalar type) in FROM, compared with PostgreSQL 15. */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE emp (id int PRIMARY KEY, name text, dept_id int)',
  "INSERT INTO emp VALUES (1, 'Ada', 1), (2, 'Bob', 1), (3, 'Cy', 2), (4, NULL, 1)",
]);

test('RETURNS SETOF: the body\'s rows in FROM, per row of the items before it, and alone in a select list', { skip }, async () => {
  for (const sql of [
    "CREATE FUNCTION dept_staff(d int) RETURNS SETOF text LANGUAGE sql AS 'SELECT name FROM emp WHERE dept_id = d ORDER BY name'",
    'SELECT * FROM dept_staff(1)',
    'SELECT s FROM dept_staff(1) AS s ORDER BY 1',
    'SELECT x FROM dept_staff(2) AS s(x)',
    'SELECT e.id, s FROM emp e, dept_staff(e.dept_id) s ORDER BY 1, 2',
    'SELECT count(*) FROM dept_staff(NULL)',
    'SELECT dept_staff(1)',
    "CREATE FUNCTION sillysrf(int) RETURNS SETOF int AS 'VALUES (1), (10), (2), ($1)' LANGUAGE sql IMMUTABLE",
    'SELECT * FROM sillysrf(42)',
    'SELECT sillysrf(-1) ORDER BY 1',
    "CREATE FUNCTION strictsrf(int) RETURNS SETOF int STRICT AS 'SELECT $1 UNION ALL SELECT $1 + 1' LANGUAGE sql",
    'SELECT * FROM strictsrf(NULL)',
    'SELECT * FROM strictsrf(5)',
    "CREATE OR REPLACE FUNCTION dept_staff(d int) RETURNS text LANGUAGE sql AS 'SELECT 1::text'",
    "CREATE FUNCTION badsrf() RETURNS SETOF int AS 'SELECT 1, 2' LANGUAGE sql",
    'SELECT * FROM generate_series(1, 2)',
    'DROP FUNCTION dept_staff(int)',
    'SELECT * FROM dept_staff(1)',
    'DROP FUNCTION sillysrf(int)',
  ]) await db().same(sql);
});
