/** Views: CREATE [OR REPLACE] VIEW, reading through them, DROP VIEW and dependencies, compared with PostgreSQL 15. */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE emp (id int PRIMARY KEY, dept text, salary numeric(10,2))',
  "INSERT INTO emp VALUES (1, 'eng', 100), (2, 'eng', 150), (3, 'ops', 90), (4, 'ops', NULL)",
]);

test('views read like their queries, with their column names, and nest', { skip }, async () => {
  for (const sql of [
    "CREATE VIEW eng AS SELECT id, salary FROM emp WHERE dept = 'eng'",
    'SELECT * FROM eng ORDER BY id',
    'CREATE VIEW totals (dept, total, n) AS SELECT dept, sum(salary), count(*) FROM emp GROUP BY dept',
    'SELECT * FROM totals ORDER BY dept',
    'SELECT t.dept, e.id FROM totals t JOIN emp e ON e.dept = t.dept WHERE t.total > 100 ORDER BY e.id',
    'CREATE VIEW rich AS SELECT * FROM eng WHERE salary > 120',
    'SELECT * FROM rich',
    "SELECT table_name, table_type::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    "SELECT relname, relkind FROM pg_class WHERE relname IN ('eng', 'totals', 'emp') ORDER BY relname",
    'CREATE VIEW eng AS SELECT 1',
    "CREATE OR REPLACE VIEW eng AS SELECT id, salary, dept FROM emp WHERE dept = 'eng'",
    'SELECT * FROM eng ORDER BY id',
    'CREATE OR REPLACE VIEW eng AS SELECT id FROM emp',
    'CREATE OR REPLACE VIEW eng AS SELECT id, dept AS salary, dept FROM emp',
    'CREATE VIEW bad (a, b, c) AS SELECT 1, 2',
  ]) await db().same(sql);
});

test('DROP VIEW, and DROP TABLE refused while a view reads the table', { skip }, async () => {
  for (const sql of [
    'DROP TABLE totals',
    'DROP VIEW emp',
    'DROP VIEW IF EXISTS nope',
    'DROP VIEW nope',
    'DROP VIEW rich',
    'SELECT * FROM rich',
    'DROP TABLE emp',
    'DROP VIEW eng',
    'DROP VIEW totals',
    'DROP TABLE emp',
    "SELECT count(*) FROM information_schema.views WHERE table_schema = 'public'",
  ]) await db().same(sql);
});
