/**
 * A parenthesised join with an alias, `(a JOIN b …) AS j [(c1, …)]`: j's columns are the join's
 * `*`, renamed by the column aliases; a and b are hidden behind j (PostgreSQL's "cannot be
 * referenced from this part of the query") but FOR UPDATE OF may still name them. Expectations
 * are PostgreSQL 15's answers, written out.
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
    'CREATE TABLE ja (x int PRIMARY KEY, y int)',
    'CREATE TABLE jb (x int PRIMARY KEY, z int)',
    'INSERT INTO ja VALUES (1, 10), (2, 20), (3, 30)',
    'INSERT INTO jb VALUES (1, 100), (3, 300), (4, 400)',
  ]) await client.query(sql);
});

after(async () => {
  await cluster.stop();
});

async function rows(sql: string): Promise<unknown[][]> {
  return (await client.query({ text: sql, rowMode: 'array' })).rows;
}

/** RETURNING's rows, in the order of their first column. */
async function returned(sql: string): Promise<unknown[][]> {
  return (await rows(sql)).sort((a, b) => Number(a[0]) - Number(b[0]));
}

async function fails(sql: string, code: string, message: string, hint?: string): Promise<void> {
  const error = await expectError(client, sql);
  assert.equal(error.code, code, sql);
  assert.equal(error.message, message, sql);
  if (hint !== undefined) assert.equal(error.hint, hint, sql);
}

test('the alias names the join\'s columns, renamed by its column aliases', async () => {
  assert.deepEqual(await rows('SELECT * FROM (ja JOIN jb ON ja.x = jb.x) AS j ORDER BY 1'), [[1, 10, 1, 100], [3, 30, 3, 300]]);
  assert.deepEqual(await rows('SELECT j.y, j.z FROM (ja JOIN jb ON ja.x = jb.x) AS j ORDER BY 1'), [[10, 100], [30, 300]]);
  const renamed = await client.query('SELECT * FROM (ja JOIN jb USING (x)) AS j (c1, c2) ORDER BY 1');
  assert.deepEqual(renamed.fields.map((f) => f.name), ['c1', 'c2', 'z']);
  assert.deepEqual(await rows('SELECT j.c1, j.c2, j.z FROM (ja JOIN jb USING (x)) AS j (c1, c2) ORDER BY 1'), [[1, 10, 100], [3, 30, 300]]);
  assert.deepEqual(await rows('SELECT c1 FROM (ja LEFT JOIN jb USING (x)) AS j (c1, c2) ORDER BY 1'), [[1], [2], [3]]);
  assert.deepEqual(await rows('SELECT j FROM (ja JOIN jb USING (x)) AS j ORDER BY 1'), [['(1,10,100)'], ['(3,30,300)']]);
  assert.deepEqual(await rows('SELECT j.* FROM (ja JOIN jb USING (x)) AS j (c1) ORDER BY 1'), [[1, 10, 100], [3, 30, 300]]);
  assert.deepEqual(await rows('SELECT * FROM (ja FULL JOIN jb USING (x)) AS j (k) ORDER BY 1'), [[1, 10, 100], [2, 20, null], [3, 30, 300], [4, null, 400]]);
  assert.deepEqual(await rows('SELECT j.c1, count(*) FROM (ja JOIN jb USING (x)) AS j (c1) GROUP BY j.c1 ORDER BY j.c1'), [[1, '1'], [3, '1']]);
  assert.deepEqual(await rows('SELECT * FROM (ja JOIN jb USING (x)) AS j, LATERAL (SELECT j.z + 1 AS w) s ORDER BY 1'), [[1, 10, 100, 101], [3, 30, 300, 301]]);
  assert.deepEqual(await rows('SELECT * FROM ((ja JOIN jb USING (x)) AS j JOIN ja AS a2 USING (x)) ORDER BY 1'), [[1, 10, 100, 10], [3, 30, 300, 30]]);
  assert.deepEqual(await rows('SELECT count(*) FROM (ja NATURAL JOIN jb) AS j'), [['2']]);
});

test('an aliased join on the nullable side of an outer join is NULL as a whole row', async () => {
  assert.deepEqual(await rows('SELECT * FROM ja LEFT JOIN (ja AS a2 JOIN jb USING (x)) AS j ON ja.x = j.x WHERE j IS NULL ORDER BY 1'), [[2, 20, null, null, null]]);
});

test('the tables inside are hidden: their names may be used again outside, and WHERE does not reach them', async () => {
  assert.deepEqual(await rows('SELECT * FROM ja, (ja JOIN jb USING (x)) j WHERE ja.x > 2 ORDER BY 1, 2, 3'), [[3, 30, 1, 10, 100], [3, 30, 3, 30, 300]]);
  assert.deepEqual(await rows('SELECT * FROM (ja JOIN jb USING (x)) AS ja ORDER BY 1'), [[1, 10, 100], [3, 30, 300]]);
  assert.deepEqual(await rows('SELECT (SELECT j.z FROM (ja JOIN jb USING (x)) j WHERE j.x = o.x) FROM ja o ORDER BY 1'), [[100], [300], [null]]);
  assert.deepEqual(await rows('SELECT x FROM jb WHERE EXISTS (SELECT 1 FROM (ja JOIN jb AS b2 USING (x)) AS j WHERE j.x = jb.x) ORDER BY 1'), [[1], [3]]);
});

test('names behind the alias, ambiguous names and too many column aliases get PostgreSQL\'s errors', async () => {
  const hidden = 'There is an entry for table "ja", but it cannot be referenced from this part of the query.';
  await fails('SELECT ja.y FROM (ja JOIN jb ON ja.x = jb.x) AS j', '42P01', 'invalid reference to FROM-clause entry for table "ja"', hidden);
  await fails('SELECT * FROM (ja AS a1 JOIN jb ON a1.x = jb.x) AS j WHERE a1.x > 1', '42P01', 'invalid reference to FROM-clause entry for table "a1"',
    'There is an entry for table "a1", but it cannot be referenced from this part of the query.');
  await fails('SELECT ja.* FROM (ja JOIN jb USING (x)) AS j', '42P01', 'invalid reference to FROM-clause entry for table "ja"', hidden);
  await fails('SELECT j.x FROM (ja JOIN jb ON ja.x = jb.x) AS j', '42702', 'column reference "x" is ambiguous');
  await fails('SELECT j.x FROM (ja JOIN jb USING (x)) AS j (c1, c2)', '42703', 'column j.x does not exist');
  await fails('SELECT x FROM (ja JOIN jb USING (x)) AS j (c1, c2)', '42703', 'column "x" does not exist',
    'There is a column named "x" in table "ja", but it cannot be referenced from this part of the query.');
  await fails('SELECT * FROM (ja JOIN jb USING (x)) AS j (c1, c2, c3, c4)', '42P10', 'join expression "j" has 3 columns available but 4 columns specified');
  await fails('SELECT * FROM (ja JOIN jb USING (x)) j, ja j', '42712', 'table name "j" specified more than once');
});

test('FOR UPDATE locks the tables behind the alias; OF may name them but not the join', async () => {
  assert.deepEqual(await rows('SELECT * FROM (ja JOIN jb USING (x)) AS j FOR UPDATE'), [[1, 10, 100], [3, 30, 300]]);
  assert.deepEqual(await rows('SELECT * FROM (ja JOIN jb USING (x)) AS j ORDER BY 1 FOR UPDATE OF ja'), [[1, 10, 100], [3, 30, 300]]);
  await fails('SELECT * FROM (ja JOIN jb USING (x)) AS j FOR UPDATE OF j', '0A000', 'FOR UPDATE cannot be applied to a join');
  await fails('SELECT * FROM ja LEFT JOIN (ja AS a2 JOIN jb USING (x)) AS j ON ja.x = j.x FOR UPDATE', '0A000', 'FOR UPDATE cannot be applied to the nullable side of an outer join');
  // WHERE j.z > 0 makes it an inner join, whose rows can be locked.
  assert.deepEqual(await rows('SELECT ja.x FROM ja LEFT JOIN (ja AS a2 JOIN jb USING (x)) AS j ON ja.x = j.x WHERE j.z > 0 ORDER BY 1 FOR UPDATE'), [[1], [3]]);
});

test('an aliased join in a view and in UPDATE … FROM / DELETE … USING', async () => {
  await client.query('CREATE VIEW jv AS SELECT * FROM (ja JOIN jb USING (x)) AS j (k, yy)');
  const view = await client.query({ text: 'SELECT * FROM jv ORDER BY 1', rowMode: 'array' });
  assert.deepEqual(view.fields.map((f) => f.name), ['k', 'yy', 'z']);
  assert.deepEqual(view.rows, [[1, 10, 100], [3, 30, 300]]);
  await client.query('BEGIN');
  assert.deepEqual(await returned('UPDATE ja SET y = j.z FROM (jb JOIN ja AS a2 USING (x)) AS j WHERE j.x = ja.x RETURNING ja.*, j.*'),
    [[1, 100, 1, 100, 10], [3, 300, 3, 300, 30]]);
  assert.deepEqual(await returned('DELETE FROM ja USING (jb JOIN ja AS a2 USING (x)) AS j (k) WHERE j.k = ja.x RETURNING *'),
    [[1, 100, 1, 100, 100], [3, 300, 3, 300, 300]]);
  assert.deepEqual(await rows('SELECT * FROM ja ORDER BY 1'), [[2, 20]]);
  await client.query('ROLLBACK');
});
