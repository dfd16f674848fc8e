/**
 * ALTER TABLE … DROP COLUMN compared with PostgreSQL 15: rows written before the drop read
 * correctly afterwards (the column keeps its tuple slot), indexes and constraints on the column
 * go with it, outside dependents need CASCADE; DSQL's refusal for a primary key column.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE d (id int PRIMARY KEY, a text, b int, c numeric, e text)',
  "INSERT INTO d VALUES (1, 'one', 10, 1.5, 'x'), (2, 'two', 20, NULL, 'y'), (3, NULL, 30, 3.25, NULL)",
]);

test('rows stored before DROP COLUMN read, filter, update and sort correctly afterwards', { skip }, async () => {
  for (const sql of [
    'ALTER TABLE d DROP COLUMN b',
    'SELECT * FROM d ORDER BY id',
    'SELECT id, c FROM d WHERE c > 2',
    "SELECT id FROM d WHERE a = 'two'",
    'SELECT id FROM d WHERE e IS NULL',
    "INSERT INTO d VALUES (4, 'four', 4.75, 'z')",
    'INSERT INTO d VALUES (5, NULL, NULL, NULL, NULL)',
    'SELECT b FROM d',
    "UPDATE d SET e = 'u' WHERE id = 1",
    'SELECT * FROM d ORDER BY c DESC NULLS LAST, id',
    'ALTER TABLE d ADD COLUMN b int',
    'SELECT * FROM d ORDER BY id',
    'INSERT INTO d VALUES (6, $$six$$, 6, $$w$$, 60)',
    'SELECT id, b, e FROM d WHERE b = 60 OR id < 3 ORDER BY id',
    'ALTER TABLE d DROP COLUMN a',
    'ALTER TABLE d DROP COLUMN IF EXISTS a',
    'ALTER TABLE d DROP COLUMN a',
    'SELECT * FROM d ORDER BY id',
    "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = 'd'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attname",
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'd' ORDER BY column_name",
  ]) await db().same(sql);
});

test('indexes, CHECK constraints and foreign keys on the column go with it; views and referencing keys need CASCADE', { skip }, async () => {
  for (const sql of [
    'CREATE TABLE p (id int PRIMARY KEY, code text UNIQUE, qty int, note text, CONSTRAINT qty_pos CHECK (qty > 0))',
    "INSERT INTO p VALUES (1, 'a', 5, 'n1'), (2, 'b', 6, 'n2')",
    'CREATE TABLE r (id int PRIMARY KEY, code text REFERENCES p (code), pid int REFERENCES p (id))',
    "INSERT INTO r VALUES (1, 'a', 2)",
    'CREATE VIEW pv AS SELECT id, note FROM p',
    'CREATE VIEW pq AS SELECT id, qty FROM p',
    'ALTER TABLE p DROP COLUMN qty',
    "SELECT conname FROM pg_constraint WHERE conrelid = 'p'::regclass ORDER BY conname",
    'INSERT INTO p VALUES (3, $$c$$, -1, $$n3$$)',
    'ALTER TABLE p DROP COLUMN qty CASCADE',
    "SELECT conname FROM pg_constraint WHERE conrelid = 'p'::regclass ORDER BY conname",
    "SELECT relname FROM pg_class WHERE relname IN ('pv', 'pq') ORDER BY relname",
    'INSERT INTO p VALUES (3, $$c$$, $$n3$$)',
    'SELECT * FROM pv ORDER BY id',
    'ALTER TABLE p DROP COLUMN code',
    'ALTER TABLE p DROP COLUMN code CASCADE',
    "SELECT conname FROM pg_constraint WHERE conrelid IN ('p'::regclass, 'r'::regclass) ORDER BY conname",
    "SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = 'p'::regclass ORDER BY 1",
    "INSERT INTO r VALUES (2, 'zz', 1)",
    'INSERT INTO r VALUES (3, NULL, 9)',
    'SELECT * FROM p ORDER BY id',
    'ALTER TABLE r DROP COLUMN pid',
    'DELETE FROM p WHERE id = 2',
    'SELECT * FROM r ORDER BY id',
    'ALTER TABLE nope DROP COLUMN x',
  ]) await db().same(sql);
});

test('an index on a column after the dropped one still finds rows; generated columns depend on their inputs', { skip }, async () => {
  for (const sql of [
    'CREATE TABLE g (id int PRIMARY KEY, a int, b int, s int GENERATED ALWAYS AS (a * 2) STORED)',
    'INSERT INTO g (id, a, b) VALUES (1, 1, 100), (2, 2, 200)',
    'ALTER TABLE g DROP COLUMN a',
    'ALTER TABLE g DROP COLUMN a CASCADE',
    'SELECT * FROM g ORDER BY id',
    'INSERT INTO g VALUES (3, 300)',
    'SELECT id FROM g WHERE b = 200',
  ]) await db().same(sql);
  const job = (await db().strata.query('CREATE INDEX ASYNC g_b ON g (b)')).rows[0].job_id as string;
  await db().strata.query(`CALL sys.wait_for_job('${job}')`);
  await db().postgres.query('CREATE INDEX g_b ON g (b)');
  for (const sql of ['SELECT id FROM g WHERE b = 300', 'SELECT id FROM g WHERE b >= 200 ORDER BY b DESC']) await db().same(sql);
});

test('DSQL refuses dropping a primary key column with its text', { skip }, async () => {
  await assert.rejects(db().strata.query('ALTER TABLE d DROP COLUMN id'),
    (e: { code?: string; message: string }) => e.code === '0A000' && e.message === 'cannot drop primary key column id');
});
