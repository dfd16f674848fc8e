/**
 * Views are bound when they are made, as in PostgreSQL: they read the relations their names
 * resolved to under the creator's search path (not the reader's), and they follow a table or
 * view that is renamed. Compared with PostgreSQL 15; what Strata refuses instead is asserted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type pg from 'pg';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE base (id int PRIMARY KEY, a int)',
  'INSERT INTO base VALUES (1, 10), (2, -5)',
  'CREATE VIEW bv AS SELECT id, a FROM base',
  'CREATE VIEW bq AS SELECT base.id, b.a FROM public.base JOIN base b USING (id) WHERE base.a > 0',
  'CREATE VIEW onbv AS SELECT * FROM bv',
]);

async function refused(client: pg.Client, sql: string, code: string): Promise<void> {
  await assert.rejects(client.query(sql), (error: pg.DatabaseError) => error.code === code, sql);
}

test('a view reads the relation its name resolved to when it was made, whatever the reader\'s search path', { skip }, async () => {
  for (const sql of [
    'CREATE TABLE t (id int PRIMARY KEY)',
    'INSERT INTO t VALUES (1)',
    'CREATE VIEW v AS SELECT id FROM t',
    'CREATE SCHEMA s1',
    'CREATE TABLE s1.t (id int PRIMARY KEY)',
    'INSERT INTO s1.t VALUES (99)',
    'SET search_path = s1, public',
    'SELECT * FROM v',
    'SELECT * FROM public.v',
    'RESET search_path',
    'SELECT * FROM v',
  ]) await db().same(sql);
});

test('renaming a table or view keeps the views that read it reading it', { skip }, async () => {
  for (const sql of [
    'ALTER TABLE base RENAME TO base2',
    'SELECT * FROM bv ORDER BY id',
    'SELECT * FROM bq',
    'CREATE TABLE base (id int PRIMARY KEY, a int)',
    'SELECT * FROM bv ORDER BY id',
    'ALTER VIEW bv RENAME TO bv2',
    'SELECT * FROM onbv ORDER BY id',
    'ALTER TABLE bv2 RENAME TO bv3',
    'ALTER VIEW bv3 RENAME COLUMN id TO ident',
    'SELECT * FROM bv3 ORDER BY ident',
    'SELECT * FROM onbv ORDER BY id',
    'ALTER TABLE bv3 RENAME COLUMN ident TO id2',
    'ALTER VIEW bv3 RENAME COLUMN nope TO x',
    'ALTER VIEW bv3 RENAME COLUMN id2 TO a',
    'ALTER VIEW nope RENAME TO x',
    'ALTER VIEW IF EXISTS nope RENAME TO x',
    'ALTER VIEW base2 RENAME TO x',
    'ALTER VIEW bv3 RENAME TO base2',
  ]) await db().same(sql);
});

test('renaming a column a view names is refused (0A000) rather than breaking the view; other columns rename', { skip }, async () => {
  await db().same('CREATE TABLE c (id int PRIMARY KEY, used int, unused int)');
  await db().same('CREATE VIEW cv AS SELECT id, used FROM c');
  await db().same('ALTER TABLE c RENAME COLUMN unused TO spare');
  await refused(db().strata, 'ALTER TABLE c RENAME COLUMN used TO renamed', '0A000');
  await db().same('SELECT * FROM cv');
});
