/**
 * More of the ALTER TABLE forms DSQL accepts (reference/dsql.md §2.4), compared with PostgreSQL
 * 15: ALTER COLUMN … SET STORAGE and ADD CONSTRAINT … UNIQUE USING INDEX; DSQL's 55000 for an
 * index still building.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE s (id int PRIMARY KEY, t text, n int, code text)',
  "INSERT INTO s VALUES (1, 'a', 1, 'x'), (2, 'b', 2, 'y')",
]);

/** CREATE INDEX ASYNC on Strata (waited for), CREATE INDEX on PostgreSQL. */
async function createIndex(sql: string): Promise<void> {
  const job = (await db().strata.query(sql.replace(' INDEX ', ' INDEX ASYNC '))).rows[0].job_id as string;
  await db().strata.query(`CALL sys.wait_for_job('${job}')`);
  await db().postgres.query(sql);
}

test('SET STORAGE changes pg_attribute.attstorage only, with PostgreSQL\'s checks', { skip }, async () => {
  for (const sql of [
    'ALTER TABLE s ALTER COLUMN t SET STORAGE EXTERNAL',
    'ALTER TABLE s ALTER COLUMN code SET STORAGE MAIN',
    'ALTER TABLE s ALTER COLUMN n SET STORAGE PLAIN',
    'ALTER TABLE s ALTER COLUMN n SET STORAGE EXTENDED',
    'ALTER TABLE s ALTER COLUMN nope SET STORAGE PLAIN',
    "SELECT attname, attstorage FROM pg_attribute WHERE attrelid = 's'::regclass AND attnum > 0 ORDER BY attnum",
    "INSERT INTO s VALUES (3, repeat('z', 5000), 3, 'w')",
    'SELECT id, length(t) FROM s ORDER BY id',
  ]) await db().same(sql);
});

test('ADD CONSTRAINT … UNIQUE USING INDEX makes a unique index a constraint, renaming it', { skip }, async () => {
  await createIndex('CREATE UNIQUE INDEX s_code_idx ON s (code)');
  await createIndex('CREATE INDEX s_n_idx ON s (n)');
  for (const sql of [
    'ALTER TABLE s ADD CONSTRAINT s_code_key UNIQUE USING INDEX s_code_idx',
    "SELECT conname, contype FROM pg_constraint WHERE conrelid = 's'::regclass ORDER BY conname",
    "SELECT relname FROM pg_class WHERE relname LIKE 's\\_%' ORDER BY relname",
    "INSERT INTO s VALUES (4, 'd', 4, 'x')",
    'ALTER TABLE s ADD CONSTRAINT s_n_key UNIQUE USING INDEX s_n_idx',
    'ALTER TABLE s ADD CONSTRAINT again UNIQUE USING INDEX s_code_key',
    'ALTER TABLE s ADD CONSTRAINT pk UNIQUE USING INDEX s_pkey',
    'ALTER TABLE s ADD CONSTRAINT x UNIQUE USING INDEX nope',
    'ALTER TABLE s DROP CONSTRAINT s_code_key',
    "SELECT relname FROM pg_class WHERE relname LIKE 's\\_%' ORDER BY relname",
    "INSERT INTO s VALUES (4, 'd', 4, 'x')",
  ]) await db().same(sql);
});

test('an index CREATE INDEX ASYNC is still building is not valid (55000), as DSQL answers', { skip }, async () => {
  const c = db().strata;
  await c.query("INSERT INTO s SELECT n, 'v', n, 'c' || n FROM generate_series(100, 2099) n");
  const job = (await c.query('CREATE UNIQUE INDEX ASYNC s_t_n ON s (n, id)')).rows[0].job_id as string;
  const answer = await c.query('ALTER TABLE s ADD CONSTRAINT s_t_n_key UNIQUE USING INDEX s_t_n').then(() => null, (e: { code: string; message: string }) => e);
  await c.query(`CALL sys.wait_for_job('${job}')`);
  // The build may have finished first on a fast machine: then the constraint was added.
  if (answer !== null) {
    assert.deepEqual({ code: answer.code, message: answer.message }, { code: '55000', message: 'index "s_t_n" is not valid' });
    await c.query('ALTER TABLE s ADD CONSTRAINT s_t_n_key UNIQUE USING INDEX s_t_n');
  }
  const constraint = await c.query("SELECT conname FROM pg_constraint WHERE conname = 's_t_n_key'");
  assert.equal(constraint.rows.length, 1);
});

test('OWNER TO moves the table to the role: pg_class.relowner and the owner\'s rights follow', { skip }, async () => {
  for (const sql of [
    'CREATE ROLE ow_bob WITH LOGIN',
    'CREATE ROLE ow_carol WITH LOGIN',
    'CREATE ROLE ow_dave WITH LOGIN',
    'GRANT ow_carol TO ow_bob',
    'GRANT ow_bob, ow_carol, ow_dave TO CURRENT_USER',
    'CREATE TABLE o (id int PRIMARY KEY, v text)',
    'ALTER TABLE o OWNER TO ow_nobody',
    'ALTER TABLE o OWNER TO ow_bob',
    "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'o'",
    'SET ROLE ow_bob',
    'ALTER TABLE o ADD COLUMN w int',
    'INSERT INTO o VALUES (1, $$a$$, 2)',
    'SELECT * FROM o',
    'ALTER TABLE o OWNER TO ow_dave',
    'ALTER TABLE o OWNER TO ow_carol',
    'RESET ROLE',
    'GRANT CREATE ON SCHEMA public TO ow_carol',
    'SET ROLE ow_bob',
    'ALTER TABLE o OWNER TO ow_carol',
    "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'o'",
    'RESET ROLE',
    'SET ROLE ow_dave',
    'SELECT * FROM o',
    'ALTER TABLE o ADD COLUMN z int',
    'RESET ROLE',
    'SET ROLE ow_carol',
    'SELECT * FROM o',
    'ALTER TABLE o ADD COLUMN z int',
    'RESET ROLE',
  ]) await db().same(sql);
});
