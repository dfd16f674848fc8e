/**
 * Access paths (issue 4): integers of a wider type bound keys of a narrower one, as PostgreSQL's
 * btree integer operator family lets it read the index (`int4_id = 4294967297::int8`,
 * `int2_id < 70000`). An out-of-range equality reads nothing, an out-of-range bound reads the
 * whole key range or nothing; answers are compared with PostgreSQL 15 at, just inside and just
 * outside each type's range, and EXPLAIN shows the read is by key.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE k4 (id int4 PRIMARY KEY, v int)',
  'CREATE TABLE k2 (id int2 PRIMARY KEY, v int)',
  'CREATE TABLE k8 (id int8 PRIMARY KEY, ref int8, v int)',
  'CREATE TABLE s4 (a int4, b int4, v int, PRIMARY KEY (a, b))',
  'INSERT INTO k4 VALUES (-2147483648, 1), (-2147483647, 2), (-1, 3), (0, 4), (1, 5), (2147483646, 6), (2147483647, 7)',
  'INSERT INTO k2 VALUES (-32768, 1), (-32767, 2), (-1, 3), (0, 4), (1, 5), (32766, 6), (32767, 7)',
  'INSERT INTO k8 VALUES (1, 1, 1), (2, 2147483647, 2), (3, 2147483648, 3), (4, -2147483649, 4), (5, NULL, 5), (6, -2147483648, 6)',
  'INSERT INTO s4 VALUES (1, -2147483648, 1), (1, 0, 2), (1, 2147483647, 3), (2, 5, 4)',
]);

async function plan(sql: string, params?: unknown[]): Promise<string> {
  return (await db().strata.query(`EXPLAIN ${sql}`, params)).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
}

/** Each type's boundary values: at, just inside and just outside its range, as int8 literals. */
const INT4_EDGES = ['-2147483649', '-2147483648', '-2147483647', '-1', '0', '2147483646', '2147483647', '2147483648', '4294967297', '-9223372036854775808', '9223372036854775807'];
const INT2_EDGES = ['-32769', '-32768', '-32767', '0', '32766', '32767', '32768', '70000', '2147483648', '-2147483649'];

test('int8 constants bound an int4 key: equality and each range operator at the edges', { skip }, async () => {
  for (const edge of INT4_EDGES) {
    for (const op of ['=', '<', '<=', '>', '>=']) {
      await db().same(`SELECT id, v FROM k4 WHERE id ${op} ${edge}::int8 ORDER BY id`);
      await db().same(`SELECT id, v FROM k4 WHERE ${edge}::int8 ${op} id ORDER BY id`);
    }
  }
  await db().same('SELECT id FROM k4 WHERE id = NULL::int8');
  await db().same('SELECT id FROM k4 WHERE id < NULL::int8');
  await db().same('SELECT id FROM k4 WHERE id BETWEEN -5000000000 AND 5000000000 ORDER BY id');
  await db().same('SELECT id FROM k4 WHERE id BETWEEN 2147483647 AND 5000000000 ORDER BY id');
  await db().same('SELECT id FROM k4 WHERE id BETWEEN 5000000000 AND 6000000000');
  await db().same('SELECT id FROM k4 WHERE id > -5000000000 AND id < 1 ORDER BY id DESC');
  await db().same('SELECT id FROM k4 WHERE id = $1', [4294967297n.toString()]);
  await db().same('SELECT id FROM k4 WHERE id = $1::int8', ['2147483647']);
  await db().same('SELECT id FROM k4 WHERE id = $1::int8', ['2147483648']);
  await db().same('SELECT id FROM k4 WHERE id < $1::int8 ORDER BY id', ['5000000000']);
  // A wrapped value (4294967297 mod 2^32 = 1) must not be read.
  await db().same('DELETE FROM k4 WHERE id = 4294967297 RETURNING id');
  await db().same('UPDATE k4 SET v = v WHERE id > 5000000000 RETURNING id');
  assert.match(await plan('SELECT * FROM k4 WHERE id = 4294967297::int8'), /Storage Lookup on k4/);
  assert.match(await plan('SELECT * FROM k4 WHERE id = 5000000000'), /Storage Lookup on k4/);
  assert.match(await plan('SELECT * FROM k4 WHERE id < 5000000000'), /Storage Scan on k4\n\s+Index Cond: primary key range/);
  assert.match(await plan('SELECT * FROM k4 WHERE id > 5000000000'), /Storage Scan on k4\n\s+Index Cond: primary key range/);
  assert.match(await plan('SELECT * FROM k4 WHERE id >= $1::int8', ['5000000000']), /Storage Scan on k4\n\s+Index Cond: primary key range/);
});

test('int4 and int8 constants bound an int2 key', { skip }, async () => {
  for (const edge of INT2_EDGES) {
    for (const op of ['=', '<', '<=', '>', '>=']) {
      await db().same(`SELECT id, v FROM k2 WHERE id ${op} ${edge} ORDER BY id`);
      await db().same(`SELECT id, v FROM k2 WHERE id ${op} ${edge}::int8 ORDER BY id`);
    }
  }
  await db().same('SELECT id FROM k2 WHERE id = NULL::int4');
  assert.match(await plan('SELECT * FROM k2 WHERE id = 70000'), /Storage Lookup on k2/);
  assert.match(await plan('SELECT * FROM k2 WHERE id <= 70000::int8'), /Storage Scan on k2\n\s+Index Cond: primary key range/);
});

test('wider integers bound the second column of a key prefix', { skip }, async () => {
  for (const sql of [
    'SELECT a, b FROM s4 WHERE a = 1 AND b < 5000000000 ORDER BY a, b',
    'SELECT a, b FROM s4 WHERE a = 1 AND b > 5000000000',
    'SELECT a, b FROM s4 WHERE a = 1 AND b >= -5000000000 ORDER BY a, b',
    'SELECT a, b FROM s4 WHERE a = 1 AND b = 2147483648',
    'SELECT a, b FROM s4 WHERE a = 4294967297 AND b = 0',
    'SELECT a, b FROM s4 WHERE a = 1::int8 AND b = 2147483647::int8',
  ]) await db().same(sql);
  assert.match(await plan('SELECT a, b FROM s4 WHERE a = 1 AND b < 5000000000'), /Index Cond: primary key range/);
  assert.match(await plan('SELECT a, b FROM s4 WHERE a = 1::int8 AND b = 2147483647::int8'), /Storage Lookup on s4/);
});

test('IN lists and = ANY with wider integers read only the keys in range', { skip }, async () => {
  for (const sql of [
    'SELECT id FROM k4 WHERE id IN (1, 4294967297, -2147483649, 2147483647) ORDER BY id',
    'SELECT id FROM k4 WHERE id IN (4294967297, 5000000000)',
    'SELECT id FROM k4 WHERE id IN (1, NULL::int8, 0) ORDER BY id',
    "SELECT id FROM k4 WHERE id = ANY ('{1,4294967297,-2147483648,2147483648}'::int8[]) ORDER BY id",
    'SELECT id FROM k4 WHERE id = ANY (ARRAY[0, 5000000000, NULL]) ORDER BY id',
    'SELECT id FROM k4 WHERE id = ANY (NULL::int8[])',
    "SELECT id FROM k2 WHERE id = ANY ('{32767,32768,-32768,-32769}'::int4[]) ORDER BY id",
    "SELECT id FROM k2 WHERE id = ANY ('{1,70000,-1}'::int8[]) ORDER BY id",
    'SELECT id FROM k2 WHERE id IN (70000, 32767, -32769) ORDER BY id',
    'SELECT id FROM k4 WHERE id = 4294967297 OR id = 0 OR id > 5000000000 ORDER BY id',
  ]) await db().same(sql);
  await db().same('SELECT id FROM k4 WHERE id = ANY ($1::int8[]) ORDER BY id', [['1', '4294967297', '2147483647']]);
  assert.match(await plan('SELECT id FROM k4 WHERE id IN (1, 4294967297)'), /Index Cond: primary key, several keys/);
  assert.match(await plan("SELECT id FROM k4 WHERE id = ANY ('{1,4294967297}'::int8[])"), /Index Cond: primary key, several keys/);
  assert.match(await plan("SELECT id FROM k2 WHERE id = ANY ('{1,70000}'::int4[])"), /Index Cond: primary key, several keys/);
});

test('index nested-loop joins between int8 and int4 keys, in both directions', { skip }, async () => {
  for (const sql of [
    // int8 outer values looked up in an int4 key: those out of its range find nothing.
    'SELECT k8.id, k4.id, k4.v FROM k8 JOIN k4 ON k4.id = k8.ref WHERE k8.id IN (1, 2, 3, 4, 5, 6) ORDER BY k8.id',
    'SELECT k8.id, k4.id FROM k8 LEFT JOIN k4 ON k4.id = k8.ref WHERE k8.id IN (1, 2, 3, 4, 5, 6) ORDER BY k8.id',
    'SELECT k8.id, k2.id FROM k8 LEFT JOIN k2 ON k2.id = k8.ref WHERE k8.id IN (1, 3, 5) ORDER BY k8.id',
    // int4 outer values looked up in an int8 key widen exactly.
    'SELECT k4.id, k8.id FROM k4 JOIN k8 ON k8.id = k4.v WHERE k4.id IN (-1, 0, 1, 2147483647) ORDER BY k4.id',
    'SELECT v.x, k4.v FROM (VALUES (1::int8), (4294967297), (NULL), (-2147483648)) AS v(x) LEFT JOIN k4 ON k4.id = v.x ORDER BY v.x',
  ]) await db().same(sql);
  assert.match(await plan('SELECT k4.v FROM k8 JOIN k4 ON k4.id = k8.ref WHERE k8.id IN (1, 2)'), /Nested Loop Join[^]*->  Storage Lookup on k4/);
  assert.match(await plan('SELECT k4.v FROM (VALUES (1::int8), (4294967297)) AS v(x) LEFT JOIN k4 ON k4.id = v.x'), /Nested Loop Left Join[^]*->  Storage Lookup on k4/);
  assert.match(await plan('SELECT k8.v FROM k4 JOIN k8 ON k8.id = k4.v WHERE k4.id IN (1, 2)'), /Nested Loop Join[^]*->  Storage Lookup on k8/);
});

test('numeric and float8 constants are not in the integer family: PostgreSQL scans, and so does Strata', { skip }, async () => {
  // With sequential scans disabled PostgreSQL still reads the table for these: the column is
  // cast to numeric or float8, which no integer index orders.
  await db().postgres.query('SET enable_seqscan = off');
  try {
    const pgPlan = async (sql: string): Promise<string> => (await db().postgres.query(`EXPLAIN ${sql}`)).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
    assert.match(await pgPlan('SELECT * FROM k4 WHERE id = 4294967297::int8'), /Index (Scan using|Cond: \(id = '4294967297'::bigint\))/);
    assert.match(await pgPlan('SELECT * FROM k2 WHERE id < 70000'), /Index Cond: \(id < 70000\)/);
    assert.match(await pgPlan('SELECT * FROM k4 WHERE id = 5.0'), /Seq Scan on k4/);
    assert.match(await pgPlan('SELECT * FROM k4 WHERE id = 5::float8'), /Seq Scan on k4/);
  } finally {
    await db().postgres.query('RESET enable_seqscan');
  }
  await db().same('SELECT id FROM k4 WHERE id = 1.0');
  await db().same('SELECT id FROM k4 WHERE id < 2147483647.5 ORDER BY id');
  await db().same('SELECT id FROM k4 WHERE id = 1::float8');
  assert.match(await plan('SELECT * FROM k4 WHERE id = 1.0'), /Storage Scan on k4(?!\n\s+Index Cond)/);
});

test('integer constants bound numeric and float8 keys, as PostgreSQL casts the constant to the column type', { skip }, async () => {
  for (const sql of [
    'CREATE TABLE kn (id numeric PRIMARY KEY, v int)',
    'CREATE TABLE kf (id float8 PRIMARY KEY, v int)',
    "INSERT INTO kn VALUES (-1.5, 1), (-1, 2), (0.00, 3), (0.5, 5), (1, 6), (1.000001, 7), (9223372036854775807, 8), (9223372036854775808, 9), ('NaN', 10)",
    "INSERT INTO kf VALUES (-1.5, 1), (-1, 2), ('-0', 3), (0.5, 4), (1, 5), (2147483647, 6), (2147483647.5, 7), ('Infinity', 8), ('NaN', 9), ('-Infinity', 10)",
  ]) await db().same(sql);
  assert.equal((await db().strata.query('SELECT count(*)::int AS n FROM kn')).rows[0].n, 9);
  assert.equal((await db().strata.query('SELECT count(*)::int AS n FROM kf')).rows[0].n, 10);
  for (const op of ['=', '<', '<=', '>', '>=']) {
    for (const value of ['0', '1', '-1', '2147483647', '9223372036854775807', '0::int2', '-32768::int2']) {
      await db().same(`SELECT id, v FROM kn WHERE id ${op} ${value} ORDER BY v`);
      await db().same(`SELECT id, v FROM kf WHERE id ${op} ${value} ORDER BY v`);
      await db().same(`SELECT id, v FROM kn WHERE ${value} ${op} id ORDER BY v`);
    }
  }
  await db().same('SELECT id, v FROM kf WHERE id = 9223372036854775807 ORDER BY v');
  await db().same('SELECT id, v FROM kn WHERE id = $1 ORDER BY v', [1]);
  assert.match(await plan('SELECT v FROM kn WHERE id > 0'), /Index Cond: primary key range/);
  assert.match(await plan('SELECT v FROM kf WHERE id >= 1 AND id < 2147483647'), /Index Cond: primary key range/);
  assert.match(await plan('SELECT v FROM kn WHERE id = 1'), /Storage Lookup/);
});
