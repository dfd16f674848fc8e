/**
 * Foreign keys under optimistic concurrency (reference/dsql.md §2.2, §4.2): a referencing
 * row's check reads the referenced key FOR KEY SHARE, so a concurrent delete or key change of
 * the referenced row makes one of the two transactions fail at COMMIT with 40001 OC000, while
 * a non-key update of the referenced row, or another referencing insert, does not conflict.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, expectError, type TestCluster } from '../support/cluster.js';

let t: TestCluster;
before(async () => {
  t = await startTestCluster();
  const c = await t.client();
  await c.query('CREATE TABLE parent (id int PRIMARY KEY, name text, code int UNIQUE)');
  await c.query('CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent)');
  await c.query('CREATE TABLE by_code (id int PRIMARY KEY, code int REFERENCES parent (code))');
  await c.query("INSERT INTO parent VALUES (1, 'a', 10), (2, 'b', 20), (3, 'c', 30), (4, 'd', 40), (5, 'e', 50), (6, 'f', 60)");
});
after(async () => { await t.stop(); });

async function count(sql: string): Promise<number> {
  const c = await t.client();
  return Number((await c.query(sql)).rows[0].n);
}

test('delete of the parent commits first: the child insert fails at COMMIT with OC000, no orphan', async () => {
  const a = await t.client();
  const b = await t.client();
  await a.query('BEGIN');
  await b.query('BEGIN');
  await a.query('INSERT INTO child VALUES (1, 1)');
  await b.query('DELETE FROM parent WHERE id = 1');
  await b.query('COMMIT');
  const conflict = await expectError(a, 'COMMIT');
  assert.equal(conflict.code, '40001');
  assert.match(conflict.message, /OC000/);
  assert.equal(await count('SELECT count(*) AS n FROM child WHERE parent_id = 1'), 0);
  assert.equal(await count('SELECT count(*) AS n FROM parent WHERE id = 1'), 0);
});

test('child insert commits first: the parent delete fails at COMMIT with OC000', async () => {
  const a = await t.client();
  const b = await t.client();
  await a.query('BEGIN');
  await b.query('BEGIN');
  await a.query('INSERT INTO child VALUES (2, 2)');
  // b's snapshot has no child yet: its NO ACTION check passes, the conflict comes at COMMIT.
  await b.query('DELETE FROM parent WHERE id = 2');
  await a.query('COMMIT');
  const conflict = await expectError(b, 'COMMIT');
  assert.equal(conflict.code, '40001');
  assert.match(conflict.message, /OC000/);
  assert.equal(await count('SELECT count(*) AS n FROM parent WHERE id = 2'), 1);
});

test('a key change of the parent conflicts with a concurrent child insert', async () => {
  const a = await t.client();
  const b = await t.client();
  await a.query('BEGIN');
  await b.query('BEGIN');
  await a.query('INSERT INTO child VALUES (3, 3)');
  await b.query('UPDATE parent SET id = 33 WHERE id = 3');
  await b.query('COMMIT');
  assert.equal((await expectError(a, 'COMMIT')).code, '40001');
});

test('a non-key update of the parent and a child insert both commit', async () => {
  const a = await t.client();
  const b = await t.client();
  await a.query('BEGIN');
  await b.query('BEGIN');
  await a.query('INSERT INTO child VALUES (4, 4)');
  await b.query("UPDATE parent SET name = 'renamed' WHERE id = 4");
  await b.query('COMMIT');
  await a.query('COMMIT');
  assert.equal(await count("SELECT count(*) AS n FROM parent WHERE id = 4 AND name = 'renamed'"), 1);
  assert.equal(await count('SELECT count(*) AS n FROM child WHERE id = 4'), 1);
});

test('the same holds the other way round: the child insert commits first, then the non-key update', async () => {
  const a = await t.client();
  const b = await t.client();
  await a.query('BEGIN');
  await b.query('BEGIN');
  await a.query('INSERT INTO child VALUES (5, 5)');
  await b.query("UPDATE parent SET name = 'again' WHERE id = 5");
  await a.query('COMMIT');
  await b.query('COMMIT');
  assert.equal(await count('SELECT count(*) AS n FROM child WHERE id = 5'), 1);
});

test('two child inserts referencing one parent both commit (key shares do not conflict)', async () => {
  const a = await t.client();
  const b = await t.client();
  await a.query('BEGIN');
  await b.query('BEGIN');
  await a.query('INSERT INTO child VALUES (6, 6)');
  await b.query('INSERT INTO child VALUES (7, 6)');
  await a.query('COMMIT');
  await b.query('COMMIT');
  assert.equal(await count('SELECT count(*) AS n FROM child WHERE parent_id = 6'), 2);
});

test('a reference through a UNIQUE column: changing that column conflicts with a concurrent referencing insert', async () => {
  const a = await t.client();
  const b = await t.client();
  await a.query('BEGIN');
  await b.query('BEGIN');
  await a.query('INSERT INTO by_code VALUES (1, 50)');
  await b.query('UPDATE parent SET code = 55 WHERE id = 5');
  await b.query('COMMIT');
  assert.equal((await expectError(a, 'COMMIT')).code, '40001');

});

test('SELECT … FOR UPDATE of the parent conflicts with a concurrent child insert', async () => {
  const c = await t.client();
  await c.query("INSERT INTO parent VALUES (7, 'g', 70)");
  const a = await t.client();
  const b = await t.client();
  await a.query('BEGIN');
  await b.query('BEGIN');
  await a.query('INSERT INTO child VALUES (8, 7)');
  await b.query('SELECT * FROM parent WHERE id = 7 FOR UPDATE');
  await b.query("UPDATE parent SET name = 'locked' WHERE id = 7");
  await b.query('COMMIT');
  assert.equal((await expectError(a, 'COMMIT')).code, '40001');
});

test('rows changed by a cascade count towards the 3,000-row limit', async () => {
  const c = await t.client();
  await c.query('CREATE TABLE big_parent (id int PRIMARY KEY)');
  await c.query('CREATE TABLE big_child (id int PRIMARY KEY, p int REFERENCES big_parent ON DELETE CASCADE)');
  await c.query('INSERT INTO big_parent VALUES (1), (2)');
  const values = (from: number, n: number, p: number) => Array.from({ length: n }, (_, i) => `(${from + i}, ${p})`).join(',');
  await c.query(`INSERT INTO big_child VALUES ${values(0, 2000, 1)}`);
  await c.query(`INSERT INTO big_child VALUES ${values(2000, 1000, 1)}`);
  // 1 parent row + 3,000 cascaded child rows: one over the limit.
  const tooMany = await expectError(c, 'DELETE FROM big_parent WHERE id = 1');
  assert.equal(tooMany.code, '54000');
  assert.equal(await count('SELECT count(*) AS n FROM big_child'), 3000);
  await c.query('DELETE FROM big_child WHERE id >= 2999');
  await c.query('DELETE FROM big_parent WHERE id = 1');
  assert.equal(await count('SELECT count(*) AS n FROM big_child'), 0);
});
