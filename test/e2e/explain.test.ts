/** EXPLAIN and EXPLAIN ANALYZE: the operator tree, the storage access chosen, and row counts. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startTestCluster, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;
let client: pg.Client;

before(async () => {
  cluster = await startTestCluster();
  client = await cluster.client();
  await client.query('CREATE TABLE t (id int PRIMARY KEY, g int, name text)');
  await client.query("INSERT INTO t VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'c')");
  const job = (await client.query('CREATE INDEX ASYNC t_g ON t (g)')).rows[0].job_id as string;
  await client.query(`CALL sys.wait_for_job('${job}')`);
});

after(async () => {
  await cluster.stop();
});

async function plan(sql: string): Promise<string> {
  const result = await client.query(sql);
  assert.deepEqual(result.fields.map((f) => [f.name, f.dataTypeID]), [['QUERY PLAN', 25]]);
  return result.rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
}

test('EXPLAIN shows how each table is read: key lookup, index range, scan with filters pushed down', async () => {
  assert.match(await plan('EXPLAIN SELECT * FROM t WHERE id = 1'), /->  Storage Lookup on t/);
  assert.match(await plan('EXPLAIN SELECT * FROM t WHERE g = 2'), /->  B-Tree Scan using t_g on t/);
  const scan = await plan("EXPLAIN SELECT g, count(*) FROM t WHERE name > 'a' GROUP BY g ORDER BY g");
  assert.match(scan, /^Sort\n/);
  assert.match(scan, /HashAggregate/);
  assert.match(scan, /Storage Scan on t\n\s+Filters pushed down to storage/);
});

test('EXPLAIN ANALYZE runs the query and counts the rows of every node', async () => {
  const text = await plan('EXPLAIN ANALYZE SELECT * FROM t t1 JOIN t t2 ON t1.id = t2.g');
  assert.match(text, /^Projection \(actual rows=3 loops=1\)/);
  assert.match(text, /Hash Join \(actual rows=3 loops=1\)/);
  assert.equal(text.match(/Storage Scan on t \(actual rows=3 loops=1\)/g)?.length, 2);
});

test('EXPLAIN of DML plans without writing; EXPLAIN ANALYZE writes, as in PostgreSQL', async () => {
  assert.match(await plan('EXPLAIN UPDATE t SET name = $$x$$ WHERE id = 3 AND g > 0'), /^Update on t\n  ->  Filter\n        ->  Storage Lookup on t\n/);
  assert.deepEqual((await client.query('SELECT name FROM t WHERE id = 3')).rows, [{ name: 'c' }]);
  assert.match(await plan('EXPLAIN ANALYZE UPDATE t SET name = $$x$$ WHERE id = 3'), /^Update on t \(actual rows=1 loops=1\)\n/);
  assert.deepEqual((await client.query('SELECT name FROM t WHERE id = 3')).rows, [{ name: 'x' }]);
});

test('EXPLAIN options: unknown ones and other formats fail clearly', async () => {
  await assert.rejects(client.query('EXPLAIN (FORMAT JSON) SELECT 1'), (e: pg.DatabaseError) => e.code === '0A000');
  await assert.rejects(client.query('EXPLAIN (NOPE) SELECT 1'), (e: pg.DatabaseError) => e.code === '42601');
  assert.match(await plan('EXPLAIN (COSTS OFF, VERBOSE) SELECT 1'), /Values Scan/);
});

test('EXPLAIN completes with the EXPLAIN command tag', async () => {
  assert.equal((await client.query('EXPLAIN SELECT 1')).command, 'EXPLAIN');
});

test('a correlated subquery reads the inner table by key, the outer column bounding it like a parameter', async () => {
  const text = await plan('EXPLAIN SELECT id FROM t WHERE EXISTS (SELECT 1 FROM t t2 WHERE t2.id = t.g)');
  assert.match(text, /SubPlan 1: exists, per row/);
  assert.match(text, /Storage Lookup on t\n\s+Index Cond: primary key/);
  assert.deepEqual((await client.query('SELECT id FROM t WHERE EXISTS (SELECT 1 FROM t t2 WHERE t2.id = t.g) ORDER BY id')).rows.map((r: { id: number }) => r.id), [1, 2, 3]);
});

test('a lookup by the whole integer key filters no further on the key; other conjuncts and other key types still filter', async () => {
  // The key read decides `id = 1` exactly: no Filter above the lookup, for SELECT and UPDATE.
  assert.doesNotMatch(await plan('EXPLAIN SELECT name FROM t WHERE id = 1'), /Filter/);
  assert.doesNotMatch(await plan('EXPLAIN UPDATE t SET g = g WHERE id = 1'), /Filter/);
  assert.match(await plan('EXPLAIN SELECT name FROM t WHERE id = 1 AND g = 2'), /Filter\n\s+->  Storage Lookup on t/);
  assert.deepEqual((await client.query('SELECT name FROM t WHERE id = 1 AND g = 2')).rows, []);
  assert.deepEqual((await client.query('SELECT name FROM t WHERE id = $1 AND g = 1', [1])).rows, [{ name: 'a' }]);
  assert.deepEqual((await client.query('SELECT name FROM t WHERE id = $1', [null])).rows, []);
  // An int4 value against an int8 key widens exactly; a numeric one is no key read at all.
  await client.query('CREATE TABLE wide (id bigint PRIMARY KEY, v text)');
  await client.query("INSERT INTO wide VALUES (5, 'five'), (3000000000, 'big')");
  assert.deepEqual((await client.query('SELECT v FROM wide WHERE id = 5::int4')).rows, [{ v: 'five' }]);
  assert.deepEqual((await client.query('SELECT v FROM wide WHERE id = $1', ['3000000000'])).rows, [{ v: 'big' }]);
  assert.deepEqual((await client.query('SELECT v FROM wide WHERE id = 5.5')).rows, []);
  // Text keys keep the Filter: the key's bytes and `=` need not agree for every collation or type.
  await client.query('CREATE TABLE named (k text PRIMARY KEY, v int)');
  assert.match(await plan("EXPLAIN SELECT v FROM named WHERE k = 'a'"), /Filter\n\s+->  Storage Lookup on named/);
});
