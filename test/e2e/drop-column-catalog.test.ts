/**
 * The catalogs after ALTER TABLE … DROP COLUMN, compared with PostgreSQL 15: pg_attribute keeps
 * the dropped attribute (attisdropped, "........pg.dropped.N........", atttypid 0) and the other
 * columns keep their numbers, so attnum, ordinal_position, conkey, indkey and adnum match, and
 * psql's \d shows the same table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { useDifferential } from '../support/differential.js';
import { runPsql } from '../support/psql.js';

const { skip, db } = useDifferential([
  "CREATE TABLE dc (id int PRIMARY KEY, a text NOT NULL DEFAULT 'x', b int, c numeric(5,2) UNIQUE, d text CHECK (d <> ''))",
  'CREATE TABLE dp (id int PRIMARY KEY)',
  'ALTER TABLE dc ADD CONSTRAINT dc_b_fkey FOREIGN KEY (b) REFERENCES dp NOT VALID',
  'ALTER TABLE dc DROP COLUMN a',
  'ALTER TABLE dc ADD COLUMN e int',
  'ALTER TABLE dc DROP COLUMN e',
  'ALTER TABLE dc ADD COLUMN f text',
  "ALTER TABLE dc ALTER COLUMN f SET DEFAULT 'f'",
]);

test('pg_attribute keeps the dropped attributes and the remaining columns keep their numbers', { skip }, async () => {
  for (const sql of [
    `SELECT attname, atttypid, attnum, attlen, atttypmod, attnotnull, atthasdef, attisdropped, attcollation, attstorage
       FROM pg_attribute WHERE attrelid = 'dc'::regclass AND attnum > 0 ORDER BY attnum`,
    "SELECT column_name, ordinal_position, column_default FROM information_schema.columns WHERE table_name = 'dc' ORDER BY ordinal_position",
    "SELECT adnum, pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'dc'::regclass ORDER BY adnum",
    "SELECT conname, conkey, confkey FROM pg_constraint WHERE conrelid = 'dc'::regclass ORDER BY conname",
    "SELECT indkey::text FROM pg_index WHERE indrelid = 'dc'::regclass ORDER BY 1",
    `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (string_to_array(i.indkey::text, ' ')::int2[])
       WHERE i.indrelid = 'dc'::regclass ORDER BY 1`,
    "INSERT INTO dc (id, b, c, d) VALUES (1, NULL, 1.5, 'd')",
    'SELECT * FROM dc',
  ]) await db().same(sql);
});

async function psql(connection: pg.Client, ssl: boolean, command: string): Promise<string> {
  const password = (connection as unknown as { connectionParameters: { password?: string } }).connectionParameters.password;
  const env = { PGHOST: connection.host, PGPORT: String(connection.port), PGUSER: connection.user, PGDATABASE: connection.database,
    PGPASSWORD: password ?? '', PGSSLMODE: ssl ? 'require' : 'disable' };
  const { status, stdout, stderr } = await runPsql(env, command);
  assert.equal(status, 0, `${command}: ${stderr}`);
  return stdout;
}

test("psql's \\d shows a table with dropped columns as PostgreSQL does", { skip }, async () => {
  const { strata, postgres } = db();
  const [a, b] = await Promise.all([psql(strata, true, '\\d dc'), psql(postgres, false, '\\d dc')]);
  assert.equal(a, b);
  assert.match(a, /"dc_c_key" UNIQUE CONSTRAINT, btree \(c\)/);
});
