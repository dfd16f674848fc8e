/**
 * 42703 for a column name that is not there carries PostgreSQL's "Perhaps you meant to reference
 * the column …" HINT where PostgreSQL 15 gives one (sql/column-hint.ts); node-postgres exposes it
 * as `hint`. Compared with PostgreSQL for the same statements.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type pg from 'pg';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE ht (id int PRIMARY KEY, abc int, name text)',
  'CREATE TABLE ht2 (id int PRIMARY KEY, abd int, nam text)',
]);

async function failure(client: pg.Client, sql: string): Promise<{ code?: string; message?: string; hint?: string }> {
  try {
    await client.query(sql);
  } catch (error) {
    const { code, message, hint } = error as pg.DatabaseError;
    return { code, message, hint };
  }
  return {};
}

test('a misspelt column gets PostgreSQL\'s hint: the nearest column, two when they tie, none when nothing is near', { skip }, async () => {
  for (const sql of [
    'SELECT ab FROM ht',
    'SELECT ht.ab FROM ht',
    'SELECT nme FROM ht',
    'SELECT xyz FROM ht',
    'SELECT a FROM ht',
    'SELECT abcd FROM ht',
    'SELECT ab FROM ht, ht2',
    'SELECT ht.ab FROM ht, ht2',
    'SELECT x.abd FROM ht x',
    'SELECT tt.abc FROM ht tt WHERE tt.ab = 1',
    'SELECT * FROM ht WHERE EXISTS (SELECT 1 FROM ht2 WHERE idd = 1)',
    'SELECT * FROM ht WHERE EXISTS (SELECT 1 FROM ht2 WHERE ht2.id = ht.idd)',
    "SELECT * FROM ht JOIN ht2 USING (id) WHERE nme = 'x'",
    'SELECT count(*) FROM ht GROUP BY abcc',
    'SELECT abc FROM ht ORDER BY nmae',
    "UPDATE ht SET abc = 1 WHERE nme = 'x'",
    'SELECT * FROM (SELECT abc AS q FROM ht) s WHERE s.qq = 1',
  ]) {
    const expected = await failure(db().postgres, sql);
    assert.equal(expected.code, '42703', sql);
    assert.deepEqual(await failure(db().strata, sql), expected, sql);
  }
});
