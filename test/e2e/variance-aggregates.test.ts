/** var_pop/var_samp/variance and stddev_pop/stddev_samp/stddev, digit for digit with PostgreSQL 15. */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE emp (id int PRIMARY KEY, dept_id int, salary numeric(10,2), bonus_pct real, s2 smallint, b8 bigint, f8 float8, n numeric)',
  "INSERT INTO emp VALUES (1, 1, 100, 0.1, 1, 10, 1.5, '1.5'), (2, 1, 200, NULL, 2, 20, 2.25, 'NaN'), (3, 2, 300.33, 0.3, 3, 40, 1e300, '3'), (4, 2, 0.01, 0.35, 4, -7, -2, '-4.125')",
]);

test('an aggregate ORDER BY next to casts over variance aggregates (conformance surface.sql)', { skip }, async () => {
  await db().same('SELECT array_agg(id ORDER BY id DESC), avg(bonus_pct)::numeric(10,4), stddev(salary)::numeric(12,2), variance(id) FROM emp');
});

test('integer and numeric inputs answer numeric at select_div_scale, NaN and infinities give NaN', { skip }, async () => {
  for (const sql of [
    'SELECT stddev(salary), variance(salary), var_pop(salary), var_samp(salary), stddev_pop(salary), stddev_samp(salary) FROM emp',
    'SELECT stddev(s2), variance(s2), var_pop(b8), stddev_pop(b8), stddev(id), var_pop(id) FROM emp',
    'SELECT stddev(n), variance(n) FROM emp',
    'SELECT stddev(n), variance(n), var_pop(n), stddev_pop(n) FROM emp WHERE id <> 2',
    'SELECT dept_id, stddev(salary), variance(id), var_pop(id), stddev_samp(id) FROM emp GROUP BY dept_id ORDER BY 1',
    'SELECT stddev(1e-10::numeric * id) FROM emp',
    'SELECT variance(x) FROM (VALUES (1e20::numeric), (1e-20::numeric), (3)) v(x)',
    "SELECT stddev(x), variance(x) FROM (VALUES ('Infinity'::numeric), (1)) v(x)",
  ]) await db().same(sql);
});

test('float inputs answer float8; one row, no rows, DISTINCT, FILTER, windows, wrong types', { skip }, async () => {
  for (const sql of [
    'SELECT stddev(bonus_pct), variance(bonus_pct), var_pop(bonus_pct), stddev_pop(bonus_pct) FROM emp',
    'SELECT stddev(f8), variance(f8) FROM emp',
    'SELECT stddev(f8), variance(f8), var_pop(f8) FROM emp WHERE id <> 3',
    "SELECT stddev(x)::text, variance(x)::text FROM (VALUES ('Infinity'::float8), (1)) v(x)",
    'SELECT stddev(id), var_pop(id), stddev_pop(f8) FROM emp WHERE id = 1',
    'SELECT stddev(id), var_pop(id) FROM emp WHERE id > 10',
    'SELECT variance(DISTINCT dept_id), stddev(id) FILTER (WHERE id > 1) FROM emp',
    'SELECT id, variance(salary) OVER (ORDER BY id) FROM emp ORDER BY id',
    'SELECT variance(dept_id::text) FROM emp',
  ]) await db().same(sql);
});
