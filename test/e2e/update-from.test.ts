/** UPDATE … FROM and DELETE … USING, compared with PostgreSQL 15. */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE dept (id int PRIMARY KEY, name text, bonus int)',
  'CREATE TABLE emp (id int PRIMARY KEY, dept_id int, pay int)',
  "INSERT INTO dept VALUES (1, 'sales', 10), (2, 'eng', 20), (3, 'ops', 0)",
  'INSERT INTO emp VALUES (1, 1, 100), (2, 1, 110), (3, 2, 200), (4, 3, 50), (5, NULL, 70)',
]);

test('UPDATE … FROM and DELETE … USING change the joined rows once, as in PostgreSQL', { skip }, async () => {
  for (const sql of [
    "UPDATE emp e SET dept_id = d.id FROM dept d WHERE d.name = 'sales' AND e.id = 5",
    'UPDATE emp SET pay = emp.pay + dept.bonus FROM dept WHERE dept.id = emp.dept_id AND dept.bonus > 0',
    'SELECT * FROM emp ORDER BY id',
    'UPDATE emp SET pay = 1 FROM dept WHERE dept.bonus >= 0 AND emp.id = 1',
    'SELECT * FROM emp ORDER BY id',
    'UPDATE emp SET pay = d.bonus FROM (SELECT id, bonus * 2 AS bonus FROM dept) d WHERE d.id = emp.dept_id AND emp.id = 3 RETURNING emp.id, emp.pay',
    'UPDATE emp SET pay = d.bonus FROM (SELECT id, bonus * 2 AS bonus FROM dept) d WHERE d.id = emp.dept_id',
    "DELETE FROM emp USING dept WHERE dept.id = emp.dept_id AND dept.name = 'ops'",
    'SELECT * FROM emp ORDER BY id',
    'DELETE FROM emp e USING dept d WHERE d.id = e.dept_id AND d.bonus > 100 RETURNING e.id',
    'UPDATE emp SET nope = 1 FROM dept',
    'UPDATE emp SET pay = dept.name FROM dept WHERE dept.id = emp.dept_id',
  ]) await db().same(sql);
});

test('SET (a, b) = (x, y) assigns each column its element, as in PostgreSQL', { skip }, async () => {
  for (const sql of [
    'UPDATE emp SET (pay, dept_id) = (pay + 1, 3) WHERE id = 2',
    'UPDATE emp SET (pay, dept_id) = (DEFAULT, dept_id), pay = 5 WHERE id = 2',
    'UPDATE emp SET (pay, dept_id) = (1, 2, 3) WHERE id = 2',
    'SELECT * FROM emp ORDER BY id',
  ]) await db().same(sql);
});

test('SET (a, b) = (SELECT x, y …) takes one row\'s columns, as in PostgreSQL', { skip }, async () => {
  for (const sql of [
    'UPDATE emp SET (pay, dept_id) = (SELECT bonus, id FROM dept WHERE id = 2) WHERE id = 2',
    'UPDATE emp SET (pay, dept_id) = (SELECT bonus, id FROM dept WHERE id = emp.dept_id) WHERE id = 3',
    'UPDATE emp SET (pay, dept_id) = (SELECT bonus, id FROM dept) WHERE id = 2',
    'UPDATE emp SET (pay, dept_id) = (SELECT bonus FROM dept WHERE id = 1) WHERE id = 2',
    'SELECT * FROM emp ORDER BY id',
  ]) await db().same(sql);
});
