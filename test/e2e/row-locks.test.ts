/**
 * SELECT … FOR UPDATE wherever PostgreSQL accepts it: the rows it locks count as written
 * (reference/dsql.md §4.2), so a concurrent write to one of them that commits first makes the
 * locking transaction lose at COMMIT with 40001 — where PostgreSQL makes the writer wait
 * (measured against PostgreSQL 15 with lock_timeout). Before row-locks.ts a FOR UPDATE on a
 * nested SELECT (in WITH, in FROM, in an expression) and a LATERAL FROM item's rows locked
 * nothing, so that write went undetected.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, expectError, type TestCluster } from '../support/cluster.js';

let t: TestCluster;
before(async () => {
  t = await startTestCluster();
  const c = await t.client();
  await c.query('CREATE TABLE lock_a (id int PRIMARY KEY, v int)');
  await c.query('CREATE TABLE lock_b (id int PRIMARY KEY, v int)');
  await c.query('INSERT INTO lock_a VALUES (1, 10)');
  await c.query('INSERT INTO lock_b VALUES (1, 100)');
});
after(async () => { await t.stop(); });

const WRITE_B = 'UPDATE lock_b SET v = v + 1 WHERE id = 1';

/** Locking query, and whether PostgreSQL locks lock_b's row with it. */
const CASES: readonly [string, boolean][] = [
  ['SELECT * FROM lock_a JOIN lock_b USING (id) FOR UPDATE', true],
  ['WITH x AS (SELECT * FROM lock_b WHERE id = 1 FOR UPDATE) SELECT * FROM x', true],
  ['SELECT * FROM (SELECT * FROM lock_b FOR UPDATE) s', true],
  ['SELECT * FROM lock_a, LATERAL (SELECT * FROM lock_b WHERE lock_b.id = lock_a.id FOR UPDATE) s', true],
  ['SELECT * FROM lock_a, LATERAL (SELECT * FROM lock_b WHERE lock_b.id = lock_a.id) s FOR UPDATE', true],
  ['SELECT * FROM lock_a, (SELECT * FROM lock_b) s WHERE s.id = lock_a.id FOR UPDATE', true],
  ['SELECT * FROM lock_a WHERE id = (SELECT id FROM lock_b FOR UPDATE)', true],
  ['WITH x AS (SELECT * FROM lock_b WHERE id = 1 FOR UPDATE) UPDATE lock_a SET v = v + 1 WHERE id IN (SELECT id FROM x)', true],
  // PostgreSQL locks only the outer FROM's rows: an expression subquery's are not locked.
  ['SELECT * FROM lock_a WHERE id = (SELECT id FROM lock_b) FOR UPDATE', false],
  ['SELECT * FROM lock_a WHERE EXISTS (SELECT 1 FROM lock_b WHERE lock_b.id = lock_a.id) FOR UPDATE', false],
];

for (const [sql, locksB] of CASES) {
  test(`${sql}: a concurrent write to lock_b's row ${locksB ? 'conflicts at COMMIT' : 'does not conflict'}`, async () => {
    const locker = await t.client();
    const writer = await t.client();
    await locker.query('BEGIN');
    await locker.query(sql);
    await writer.query(WRITE_B);
    if (locksB) {
      const conflict = await expectError(locker, 'COMMIT');
      assert.equal(conflict.code, '40001');
      assert.equal(conflict.message, 'change conflicts with another transaction (OC000)');
    } else {
      await locker.query('COMMIT');
    }
    await locker.end();
    await writer.end();
  });
}

test('a nested FOR UPDATE is refused in a READ ONLY transaction, as a top-level one is', async () => {
  const c = await t.client();
  await c.query('BEGIN READ ONLY');
  const refused = await expectError(c, 'SELECT * FROM (SELECT * FROM lock_b FOR UPDATE) s');
  assert.equal(refused.code, '25006');
  await c.query('ROLLBACK');
  await c.end();
});
