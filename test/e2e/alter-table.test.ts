/** ALTER TABLE as DSQL allows it, compared with PostgreSQL 15; DSQL's refusals with its texts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE a (id int PRIMARY KEY, v text NOT NULL)',
  "INSERT INTO a VALUES (1, 'x'), (2, 'y')",
]);

test('ADD COLUMN, SET/DROP DEFAULT, DROP NOT NULL and RENAME change the table as in PostgreSQL', { skip }, async () => {
  for (const sql of [
    'ALTER TABLE a ADD COLUMN n int',
    'SELECT * FROM a ORDER BY id',
    'INSERT INTO a VALUES (3, $$z$$, 7)',
    'SELECT * FROM a WHERE n IS NULL ORDER BY id',
    'SELECT * FROM a WHERE n = 7',
    'ALTER TABLE a ADD COLUMN n int',
    'ALTER TABLE a ADD COLUMN IF NOT EXISTS n int',
    'ALTER TABLE a ALTER COLUMN n SET DEFAULT 42',
    'INSERT INTO a (id, v) VALUES (4, $$w$$)',
    'SELECT * FROM a ORDER BY id',
    'ALTER TABLE a ALTER COLUMN n DROP DEFAULT',
    'INSERT INTO a (id, v) VALUES (5, $$u$$)',
    'ALTER TABLE a ALTER COLUMN v DROP NOT NULL',
    'INSERT INTO a VALUES (6, NULL, NULL)',
    'ALTER TABLE a RENAME COLUMN n TO m',
    'SELECT id, m FROM a ORDER BY id',
    'ALTER TABLE a RENAME COLUMN nope TO x',
    'ALTER TABLE a RENAME TO b',
    'SELECT count(*) FROM b',
    'SELECT count(*) FROM a',
    'ALTER TABLE nope ADD COLUMN x int',
    'ALTER TABLE IF EXISTS nope ADD COLUMN x int',
    "ALTER TABLE b ALTER COLUMN m SET DEFAULT 'text'",
  ]) await db().same(sql);
});

test('ALTER TABLE forms DSQL refuses get its texts', { skip }, async () => {
  for (const [sql, message] of [
    ['ALTER TABLE b ADD COLUMN c int NOT NULL', 'ALTER TABLE ADD COLUMN with constraint not supported'],
    ['ALTER TABLE b ADD COLUMN c int DEFAULT 1', 'ALTER TABLE ADD COLUMN with constraint not supported'],
    ['ALTER TABLE b ALTER COLUMN m TYPE bigint', 'unsupported ALTER TABLE ALTER COLUMN ... SET DATA TYPE statement'],
    ['ALTER TABLE b ADD CONSTRAINT u UNIQUE (m)', 'unsupported ALTER TABLE ADD CONSTRAINT statement'],
  ] as const) {
    await assert.rejects(db().strata.query(sql), (e: { code?: string; message: string }) => e.code === '0A000' && e.message === message, sql);
  }
});
