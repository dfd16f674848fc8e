/**
 * Relation sizes (pg_relation_size, pg_table_size, pg_indexes_size, pg_total_relation_size,
 * pg_database_size) and the size texts (pg_size_pretty, pg_size_bytes), compared with
 * PostgreSQL 15. Strata's sizes are the bytes of the live rows, not 8 kB pages, so the
 * comparisons are of what holds on both (zero or not, sums, NULL for no relation, errors);
 * the byte counts themselves are checked against the rows on Strata alone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE items (id int PRIMARY KEY, name text, qty int)',
  'CREATE TABLE empty_one (id int PRIMARY KEY)',
  'CREATE VIEW item_names AS SELECT name FROM items',
  'CREATE SEQUENCE counter CACHE 1',
]);

test('pg_size_pretty and pg_size_bytes give PostgreSQL\'s texts and numbers', { skip }, async () => {
  for (const sql of [
    'SELECT v, pg_size_pretty(v) FROM (VALUES (0::bigint), (1), (10239), (10240), (-10240), (10485247), (10485248), (20971519), (20971520), (1099511627776), (-5000000000), (9223372036854775807), (-9223372036854775808)) s(v)',
    "SELECT v, pg_size_pretty(v) FROM (VALUES (0::numeric), (1.5), (10239.99), (10240.5), (-10240.7), (20971519.9), (123456789012345678901234567890), (-0.25), ('NaN')) s(v)",
    'SELECT pg_size_pretty(1024::bigint), pg_size_pretty(sum(x)) FROM generate_series(1, 100000) x',
    'SELECT pg_size_pretty(1024)',
    "SELECT pg_size_pretty('1024')",
    "SELECT s, pg_size_bytes(s) FROM (VALUES ('1'), ('123bytes'), ('1kB'), ('1 KB'), ('1MB'), (' 1 GB '), ('1.5 TB'), ('1PB'), ('-1kB'), ('.5kB'), ('5.kb'), ('1e3'), ('1e3 kb'), ('1E-1 mb'), ('+2 gb'), ('0.5'), ('-0.5'), ('2.5 bytes')) v(s)",
    "SELECT pg_size_bytes('1 EB')",
    "SELECT pg_size_bytes('kB')",
    "SELECT pg_size_bytes('')",
    "SELECT pg_size_bytes('1 k B')",
    "SELECT pg_size_bytes('9223372036854775807')",
    "SELECT pg_size_bytes('9223372036854775808')",
    "SELECT pg_size_bytes('8192 PB')",
    'SELECT pg_size_bytes(NULL), pg_size_pretty(NULL::bigint)',
    "SELECT pg_size_bytes(pg_size_pretty(123456789))",
  ]) await db().same(sql);
  const details = async (client: pg.Client) =>
    client.query("SELECT pg_size_bytes('1 EB')").catch((error: { code: string; message: string; detail: string; hint: string }) => [error.code, error.message, error.detail, error.hint]);
  assert.deepEqual(await details(db().strata), await details(db().postgres));
});

test('sizes are zero for empty tables and views, positive with rows, and add up', { skip }, async () => {
  const fill = "INSERT INTO items SELECT g, 'item ' || g, g % 7 FROM generate_series(1, 300) g";
  await db().strata.query(fill);
  await db().postgres.query(fill);
  const job = (await db().strata.query('CREATE INDEX ASYNC items_name ON items (name)')).rows[0].job_id as string;
  await db().strata.query(`CALL sys.wait_for_job('${job}')`);
  await db().postgres.query('CREATE INDEX items_name ON items (name)');
  for (const sql of [
    "SELECT pg_relation_size('empty_one'), pg_table_size('empty_one'), pg_total_relation_size('empty_one') - pg_indexes_size('empty_one') AS without_indexes",
    "SELECT pg_relation_size('items') > 0 AS has_rows, pg_table_size('items') > 0, pg_indexes_size('items') > 0, pg_relation_size('items_name') > 0",
    "SELECT pg_total_relation_size('items') = pg_table_size('items') + pg_indexes_size('items') AS adds_up",
    "SELECT pg_relation_size('item_names'), pg_table_size('item_names'), pg_indexes_size('item_names'), pg_total_relation_size('item_names')",
    "SELECT pg_table_size('counter') > 0 AS sequence_has_a_row, pg_indexes_size('counter'), pg_indexes_size('items_name')",
    "SELECT pg_relation_size('items', 'fsm') >= 0, pg_relation_size('items', 'init'), pg_relation_size('items', 'main') = pg_relation_size('items')",
    "SELECT pg_relation_size('items', 'nope')",
    "SELECT pg_relation_size('nope')",
    "SELECT pg_relation_size('items'::text) = pg_relation_size('items'), pg_relation_size('items'::varchar) > 0",
    "SELECT pg_relation_size('nope'::text)",
    "SELECT pg_relation_size('items'::name)",
    "SELECT pg_relation_size(1.5)",
    "SELECT pg_relation_size('items'::regclass) = pg_relation_size('items'), pg_table_size('items'::regclass::oid) = pg_table_size('items')",
    'SELECT pg_relation_size(0), pg_table_size(NULL), pg_total_relation_size(1::oid), pg_indexes_size(12345678)',
    "SELECT c.relname, pg_relation_size(c.oid) > 0 AS stored FROM pg_class c WHERE c.relname IN ('items', 'empty_one', 'item_names') ORDER BY 1",
    "SELECT sum(pg_total_relation_size(c.oid)) > 0 AS any FROM pg_class c WHERE c.relname IN ('items', 'empty_one')",
    "SELECT pg_database_size('postgres') > 0, pg_database_size(NULL::name), pg_database_size(123456::oid)",
    "SELECT pg_database_size(oid) > 0 FROM pg_database WHERE datname = 'postgres'",
    "SELECT pg_database_size('nope')",
    // psql's \\l+ asks this before pg_database_size.
    "SELECT has_database_privilege('postgres', 'CONNECT'), has_database_privilege('postgres', 'create, temp'), has_database_privilege('postgres', 'TEMPORARY WITH GRANT OPTION')",
    "SELECT has_database_privilege(oid, 'connect') FROM pg_database WHERE datname = 'postgres'",
    "SELECT has_database_privilege(123456::oid, 'connect')",
    "SELECT has_database_privilege('nope', 'connect')",
    "SELECT has_database_privilege('postgres', 'select')",
  ]) await db().same(sql);
});

test('a size is the bytes of the live rows at the snapshot', { skip }, async () => {
  const strata = db().strata;
  await strata.query('CREATE TABLE measured (id int PRIMARY KEY, payload text)');
  const size = async () => Number((await strata.query("SELECT pg_relation_size('measured') AS n")).rows[0].n);
  assert.equal(await size(), 0);
  await strata.query("INSERT INTO measured VALUES (1, repeat('x', 1000))");
  const one = await size();
  assert.ok(one > 1000 && one < 1100, `one row of 1000 bytes of text measures ${one} bytes`);
  await strata.query("INSERT INTO measured SELECT g, repeat('x', 1000) FROM generate_series(2, 10) g");
  assert.equal(await size(), 10 * one);
  // A transaction sees the size as of its snapshot, whatever commits meanwhile.
  const { host, port, user, password, database, ssl } = strata as unknown as pg.ClientConfig;
  const writer = new pg.Client({ host, port, user, password, database, ssl });
  await writer.connect();
  try {
    await strata.query('BEGIN');
    assert.equal(await size(), 10 * one);
    await writer.query("INSERT INTO measured VALUES (11, repeat('x', 1000))");
    assert.equal(await size(), 10 * one);
    await strata.query('COMMIT');
    assert.equal(await size(), 11 * one);
  } finally {
    await writer.end();
  }
  await strata.query('DELETE FROM measured WHERE id > 5');
  assert.equal(await size(), 5 * one);
  await strata.query('DELETE FROM measured');
  assert.equal(await size(), 0);
});
