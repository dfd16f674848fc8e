/**
 * A schema-qualified name in an expression — a function call, a type, an operator, a reg* literal,
 * a set-returning function in FROM — looks its schema up first, as PostgreSQL does: a schema that
 * does not exist is 3F000 `schema "s" does not exist`, whatever the name; in a schema that exists
 * an unknown function is 42883 naming the schema and the argument types. Expectations are
 * PostgreSQL 15's answers, written out.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { expectError, startTestCluster, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;
let client: pg.Client;

before(async () => {
  cluster = await startTestCluster();
  client = await cluster.client();
  for (const sql of [
    'CREATE SCHEMA sq',
    "CREATE FUNCTION sq.f(x int) RETURNS int LANGUAGE sql AS 'SELECT x + 1'",
    "CREATE FUNCTION sq.g(n int) RETURNS SETOF int LANGUAGE sql AS 'SELECT generate_series(1, n)'",
    'CREATE DOMAIN sq.d AS int CHECK (VALUE > 0)',
    'CREATE TABLE sq_t (x int PRIMARY KEY)',
  ]) await client.query(sql);
});

after(async () => {
  await cluster.stop();
});

async function fails(sql: string, code: string, message: string, position?: number): Promise<void> {
  const error = await expectError(client, sql);
  assert.equal(error.code, code, sql);
  assert.equal(error.message, message, sql);
  if (position !== undefined) assert.equal(error.position, String(position), sql);
}

test('a schema that does not exist is 3F000 wherever an expression names it', async () => {
  const missing = 'schema "sf" does not exist';
  await fails('SELECT sf.f(1)', '3F000', missing, 8);
  await fails('SELECT sf.count(*) FROM sq_t', '3F000', missing, 8);
  await fails('SELECT sf.f(1) OVER () FROM sq_t', '3F000', missing, 8);
  await fails('SELECT 1::sf.t', '3F000', missing, 11);
  await fails('SELECT CAST(NULL AS sf.t)', '3F000', missing, 21);
  await fails('SELECT ARRAY[1]::sf.t[]', '3F000', missing, 18);
  await fails('SELECT 1 OPERATOR(sf.+) 2', '3F000', missing, 10);
  await fails('SELECT * FROM sf.f()', '3F000', missing, 15);
  await fails("SELECT nextval('sf.s')", '3F000', missing);
  await fails("SELECT 'sf.t'::regclass", '3F000', missing);
  await fails("SELECT 'sf.t'::regtype", '3F000', missing);
  await fails("SELECT 'sf.f'::regproc", '3F000', missing);
  await fails("SELECT pg_get_serial_sequence('sf.t', 'x')", '3F000', missing);
  await fails("SELECT has_table_privilege('sf.t', 'select')", '3F000', missing);
  await fails("CREATE FUNCTION sq_bad(x sf.t) RETURNS int LANGUAGE sql AS 'SELECT 1'", '3F000', missing);
  await fails("CREATE FUNCTION sq_bad(x int) RETURNS sf.t LANGUAGE sql AS 'SELECT 1'", '3F000', missing);
  // Not an expression's schema: a table's, a column reference's.
  await fails('SELECT * FROM sf.t', '42P01', 'relation "sf.t" does not exist');
  await fails('SELECT sf.f', '42P01', 'missing FROM-clause entry for table "sf"');
  await fails("SELECT 'a.b'::regnamespace", '42602', 'invalid name syntax');
});

test('in a schema that exists, the schema\'s functions and domains are found and a missing function is 42883', async () => {
  assert.deepEqual((await client.query({ text: 'SELECT sq.f(1), 5::sq.d', rowMode: 'array' })).rows, [[2, 5]]);
  assert.deepEqual((await client.query({ text: 'SELECT * FROM sq.g(3) AS t(v)', rowMode: 'array' })).rows, [[1], [2], [3]]);
  assert.equal((await client.query("SELECT 'sq.f'::regproc::text AS p")).rows[0].p, 'sq.f');
  await fails('SELECT sq.nosuch(1)', '42883', 'function sq.nosuch(integer) does not exist');
  await fails("SELECT sq.nosuch('a', 2.5)", '42883', 'function sq.nosuch(unknown, numeric) does not exist');
  await fails('SELECT * FROM sq.nosuch(3)', '42883', 'function sq.nosuch(integer) does not exist');
  await fails('SELECT pg_catalog.nosuch(1)', '42883', 'function pg_catalog.nosuch(integer) does not exist');
  await fails('SELECT 5::sq.nod', '42704', 'type "sq.nod" does not exist');
  await fails("SELECT 'sq.nosuch'::regproc", '42883', 'function "sq.nosuch" does not exist');
});

test('to_regclass, to_regtype, to_regproc, to_regnamespace and to_regrole answer NULL for a name nothing has, a missing schema too', async () => {
  const found = await client.query({
    text: "SELECT to_regclass('sq_t')::text, to_regclass('public.sq_t') = 'sq_t'::regclass, pg_typeof(to_regclass('sq_t'))::text, to_regtype('integer[]')::text, to_regproc('sq.f')::text, to_regnamespace('sq')::text",
    rowMode: 'array',
  });
  assert.deepEqual(found.rows, [['sq_t', true, 'regclass', 'integer[]', 'sq.f', 'sq']]);
  const missing = await client.query({
    text: "SELECT to_regclass('nosuch'), to_regclass('sf.t'), to_regclass('sq.nosuch'), to_regclass('12'), to_regtype('nosuch'), to_regtype('sf.t'), to_regproc('sq.nosuch'), to_regproc('sf.f'), to_regnamespace('nosuch'), to_regrole('nosuch'), to_regclass(NULL)",
    rowMode: 'array',
  });
  assert.deepEqual(missing.rows, [[null, null, null, null, null, null, null, null, null, null, null]]);
  // A malformed name is still an error.
  await fails("SELECT to_regnamespace('a.b')", '42602', 'invalid name syntax');
  await fails("SELECT to_regtype('int4 x')", '42601', 'invalid type name "int4 x"');
});
