/** INSERT, UPDATE and DELETE through automatically updatable views, compared with PostgreSQL 15. */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  "CREATE TABLE emp (id int PRIMARY KEY, dept text, salary numeric(10,2), note text DEFAULT 'n/a')",
  "INSERT INTO emp VALUES (1, 'eng', 100, 'a'), (2, 'eng', 150, 'b'), (3, 'ops', 90, 'c'), (4, 'ops', NULL, 'd')",
  "CREATE VIEW eng AS SELECT id, salary, dept FROM emp WHERE dept = 'eng'",
  'CREATE VIEW exprs AS SELECT id, salary * 2 AS double, upper(dept) AS d, dept FROM emp',
  'CREATE VIEW star AS SELECT * FROM emp e WHERE e.salary > 95',
]);

test('UPDATE and DELETE change the base rows the view shows; RETURNING sees view rows', { skip }, async () => {
  for (const sql of [
    'UPDATE eng SET salary = salary + 1 WHERE id = 1 RETURNING *',
    'UPDATE eng SET salary = 0 WHERE id = 3 RETURNING *',
    'UPDATE eng e SET salary = e.salary * 2 WHERE e.id = 2 RETURNING e.id, e.salary',
    "UPDATE exprs SET dept = 'ops' WHERE id = 1 RETURNING *",
    "UPDATE star SET note = 'hi' WHERE id IN (SELECT id FROM emp WHERE dept = 'ops') RETURNING *",
    'SELECT * FROM emp ORDER BY id',
    'DELETE FROM eng WHERE salary > 250 RETURNING *',
    'DELETE FROM eng RETURNING id',
    'SELECT * FROM emp ORDER BY id',
  ]) await db().same(sql);
});

test('INSERT fills the base columns behind the view\'s, defaults for the rest', { skip }, async () => {
  for (const sql of [
    "INSERT INTO exprs (id, dept) VALUES (10, 'hr') RETURNING *",
    "INSERT INTO eng VALUES (12, 500, 'ops') RETURNING *",
    'INSERT INTO eng (id) VALUES (13) RETURNING id, salary',
    "INSERT INTO star VALUES (20, 'x', 1) RETURNING *",
    "INSERT INTO eng SELECT id + 100, salary, 'eng' FROM emp WHERE id = 12 RETURNING *",
    "INSERT INTO eng VALUES (1, 1, 'eng')",
    "WITH d AS (DELETE FROM star WHERE id = 12 RETURNING *) SELECT * FROM d",
    'SELECT * FROM emp ORDER BY id',
  ]) await db().same(sql);
});

test('views that are not automatically updatable, and columns that are not, refused as PostgreSQL', { skip }, async () => {
  for (const sql of [
    'CREATE VIEW totals AS SELECT dept, sum(salary) AS total FROM emp GROUP BY dept',
    'CREATE VIEW dis AS SELECT DISTINCT dept FROM emp',
    'CREATE VIEW lim AS SELECT * FROM emp LIMIT 2',
    'CREATE VIEW un AS SELECT id FROM emp UNION SELECT 1',
    'CREATE VIEW j AS SELECT e.id FROM emp e JOIN emp f ON e.id = f.id',
    'CREATE VIEW c AS SELECT 1 AS one',
    'CREATE VIEW w AS SELECT id, row_number() OVER () FROM emp',
    'CREATE VIEW allexpr AS SELECT id + 0 AS x FROM emp',
    'CREATE VIEW agg AS SELECT count(*) FROM emp',
    'DELETE FROM totals',
    'UPDATE totals SET total = 1',
    "INSERT INTO totals VALUES ('x', 1)",
    'DELETE FROM dis',
    'DELETE FROM lim',
    'DELETE FROM un',
    'DELETE FROM j',
    'DELETE FROM c',
    'DELETE FROM w',
    'DELETE FROM agg',
    'INSERT INTO allexpr VALUES (1)',
    'DELETE FROM allexpr WHERE x = 20',
    'UPDATE exprs SET double = 1 WHERE id = 1',
    'UPDATE exprs SET nope = 1 WHERE id = 1',
    "INSERT INTO exprs VALUES (11, 1, 'x', 'hr')",
    'SELECT count(*) FROM emp',
  ]) await db().same(sql);
});

test('the user needs the privilege on the view, the view\'s owner the one on the table', { skip }, async () => {
  for (const sql of [
    'CREATE ROLE clerk',
    'CREATE ROLE vowner',
    'GRANT clerk TO CURRENT_USER',
    'GRANT vowner TO CURRENT_USER',
    'GRANT UPDATE, SELECT ON eng TO clerk',
    'SET ROLE clerk',
    'UPDATE eng SET salary = 1 WHERE id = 2 RETURNING *',
    'UPDATE emp SET salary = 1 WHERE id = 2',
    'DELETE FROM eng',
    'INSERT INTO eng VALUES (5, 5)',
    'RESET ROLE',
    'GRANT USAGE, CREATE ON SCHEMA public TO vowner',
    'ALTER VIEW eng OWNER TO vowner',
    'SET ROLE clerk',
    'UPDATE eng SET salary = 2 WHERE id = 2 RETURNING *',
    'RESET ROLE',
    'GRANT SELECT, UPDATE ON emp TO vowner',
    'SET ROLE clerk',
    'UPDATE eng SET salary = 3 WHERE id = 2 RETURNING *',
    'RESET ROLE',
    'SELECT * FROM emp ORDER BY id',
  ]) await db().same(sql);
});

test('information_schema says which views take INSERT, UPDATE and DELETE', { skip }, async () => {
  await db().same("SELECT table_name, is_updatable, is_insertable_into FROM information_schema.views WHERE table_schema = 'public' ORDER BY table_name");
  await db().same("SELECT table_name, table_type, is_insertable_into FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name");
});

test('WITH [LOCAL | CASCADED] CHECK OPTION: rows written through the view must stay in it', { skip }, async () => {
  for (const sql of [
    'CREATE TABLE pay (id int PRIMARY KEY, dept text, salary numeric(10,2))',
    "INSERT INTO pay VALUES (1, 'eng', 100), (2, 'ops', 90)",
    "CREATE VIEW pay_eng AS SELECT id, salary, dept FROM pay WHERE dept = 'eng' WITH CHECK OPTION",
    "CREATE VIEW pay_engl AS SELECT id, salary, dept FROM pay WHERE dept = 'eng' WITH LOCAL CHECK OPTION",
    'CREATE VIEW pay_rich AS SELECT id, salary FROM pay WHERE salary > 50 WITH CASCADED CHECK OPTION',
    'CREATE VIEW pay_bad AS SELECT dept, count(*) FROM pay GROUP BY dept WITH CHECK OPTION',
    "INSERT INTO pay_eng VALUES (3, 10, 'eng') RETURNING *",
    "INSERT INTO pay_eng VALUES (4, 10, 'ops')",
    "INSERT INTO pay_engl VALUES (4, 10, 'ops')",
    "UPDATE pay_eng SET dept = 'ops' WHERE id = 1",
    'UPDATE pay_eng SET salary = 5 WHERE id = 1 RETURNING *',
    'INSERT INTO pay_rich VALUES (5, 10)',
    'INSERT INTO pay_rich VALUES (5, NULL)',
    'INSERT INTO pay_rich VALUES (6, 60) RETURNING *',
    'UPDATE pay_rich SET salary = salary - 100',
    "SELECT table_name, check_option, is_updatable, is_insertable_into FROM information_schema.views WHERE table_name LIKE 'pay%' ORDER BY 1",
    'SELECT * FROM pay ORDER BY id',
  ]) await db().same(sql);
});

test('a view over an updatable view changes rows through it in turn, with every view\'s check options', { skip }, async () => {
  for (const sql of [
    'CREATE TABLE staff (id int PRIMARY KEY, dept text, salary numeric(10,2), note text DEFAULT \'n/a\')',
    "INSERT INTO staff VALUES (1, 'eng', 100, 'a'), (2, 'eng', 150, 'b'), (3, 'ops', 90, 'c')",
    "CREATE VIEW staff_eng AS SELECT id, salary, dept, upper(note) AS loud FROM staff WHERE dept = 'eng'",
    'CREATE VIEW staff_rich AS SELECT id AS ident, salary * 1 AS pay, salary, loud FROM staff_eng WHERE salary > 120',
    'CREATE VIEW staff_all AS SELECT * FROM staff_rich r',
    'UPDATE staff_rich SET salary = salary + 1 RETURNING *',
    'UPDATE staff_all SET salary = 1000 WHERE ident = 2 RETURNING *',
    'UPDATE staff_rich SET pay = 1',
    "UPDATE staff_rich SET loud = 'x'",
    'INSERT INTO staff_rich (ident, salary) VALUES (10, 500) RETURNING *',
    'DELETE FROM staff_rich RETURNING ident',
    'SELECT * FROM staff ORDER BY id',
    "CREATE VIEW staff_eng2 AS SELECT id, salary, dept FROM staff WHERE dept = 'eng'",
    'CREATE VIEW low_local AS SELECT id, salary, dept FROM staff_eng2 WHERE salary < 500 WITH LOCAL CHECK OPTION',
    'CREATE VIEW low_cascaded AS SELECT id, salary, dept FROM staff_eng2 WHERE salary < 500 WITH CASCADED CHECK OPTION',
    "INSERT INTO low_local VALUES (20, 10, 'ops') RETURNING *",
    "INSERT INTO low_cascaded VALUES (21, 10, 'ops')",
    "INSERT INTO low_cascaded VALUES (22, 900, 'eng')",
    "CREATE VIEW staff_checked AS SELECT id, salary, dept FROM staff WHERE dept = 'eng' WITH CHECK OPTION",
    'CREATE VIEW over_checked AS SELECT id, salary, dept FROM staff_checked WHERE salary < 500',
    "INSERT INTO over_checked VALUES (24, 10, 'ops')",
    "INSERT INTO over_checked VALUES (25, 900, 'eng') RETURNING *",
    'CREATE VIEW staff_agg AS SELECT dept, count(*) FROM staff GROUP BY dept',
    'CREATE VIEW over_agg AS SELECT dept FROM staff_agg',
    'DELETE FROM over_agg',
    "SELECT table_name, is_updatable, is_insertable_into FROM information_schema.views WHERE table_name IN ('staff_rich', 'staff_all', 'over_agg', 'low_local') ORDER BY 1",
    'SELECT * FROM staff ORDER BY id',
  ]) await db().same(sql);
});
