/**
 * System columns (src/qp/sql/system-columns.ts): `tableoid` is the table's oid (NULL in a row an
 * outer join filled in), in SELECT, WHERE and RETURNING; the ones that name a transaction or a
 * tuple's place (xmin, xmax, cmin, cmax, ctid) are refused with 0A000 rather than made up; a
 * table column may not take their names. Compared with PostgreSQL 15.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE sys_a (k int PRIMARY KEY, v int)',
  'CREATE TABLE sys_b (k int PRIMARY KEY)',
  'INSERT INTO sys_a VALUES (1, 1), (2, 2)',
  'INSERT INTO sys_b VALUES (1)',
]);

test('tableoid is the table\'s oid, hidden from *, NULL on an outer join\'s filled-in rows', { skip }, async () => {
  for (const sql of [
    'SELECT tableoid::regclass, k FROM sys_a ORDER BY k',
    "SELECT sys_a.tableoid = 'sys_a'::regclass AS same, * FROM sys_a ORDER BY k",
    'SELECT a.k, b.tableoid::regclass FROM sys_a a LEFT JOIN sys_b b ON a.k = b.k ORDER BY 1',
    "SELECT count(*) FROM sys_a WHERE tableoid = 'sys_a'::regclass",
    'SELECT (SELECT tableoid::regclass FROM sys_b WHERE sys_b.k = sys_a.k) FROM sys_a ORDER BY k',
    'SELECT tableoid FROM sys_a, sys_b',
    'SELECT tableoid FROM (SELECT * FROM sys_a) s',
    'UPDATE sys_a SET v = v + 1 WHERE k = 1 RETURNING tableoid::regclass, k, v',
    'INSERT INTO sys_a VALUES (3, 3) RETURNING tableoid::regclass, k',
    'DELETE FROM sys_a WHERE k = 3 RETURNING tableoid::regclass',
  ]) await db().same(sql);
});

test('a column may not take a system column\'s name', { skip }, async () => {
  for (const sql of [
    'CREATE TABLE sys_c (xmin int PRIMARY KEY)',
    'ALTER TABLE sys_b ADD COLUMN ctid int',
    'ALTER TABLE sys_b ADD COLUMN IF NOT EXISTS tableoid int',
    'ALTER TABLE sys_b RENAME COLUMN k TO xmax',
  ]) await db().same(sql);
});

test('xmin, xmax, cmin, cmax and ctid are refused with 0A000, never a made-up value', { skip }, async () => {
  for (const name of ['xmin', 'xmax', 'cmin', 'cmax', 'ctid']) {
    await assert.rejects(db().strata.query(`SELECT ${name} FROM sys_a`), { code: '0A000', message: `system column "${name}" is not supported` });
    await assert.rejects(db().strata.query(`SELECT sys_a.${name} FROM sys_a`), { code: '0A000' });
  }
  // A name no table in scope has stays PostgreSQL's 42703.
  await db().same('SELECT xmin FROM (SELECT 1 AS k) s');
});
