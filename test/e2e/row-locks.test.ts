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
  await c.query('CREATE VIEW lock_bv AS SELECT * FROM lock_b');
  await c.query('CREATE VIEW lock_counts AS SELECT count(*) FROM lock_b');
  await c.query('CREATE VIEW lock_b_locked AS SELECT * FROM lock_b FOR UPDATE');
  await c.query('CREATE VIEW lock_ab AS SELECT lock_a.id AS aid, lock_b.id AS bid FROM lock_a LEFT JOIN lock_b ON lock_a.id = lock_b.id');
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
  // OF locks only the FROM items it names (by alias when there is one); a subquery or view it
  // names has its tables locked; nested clauses lock only their own SELECT's rows.
  ['SELECT * FROM lock_a JOIN lock_b USING (id) FOR UPDATE OF lock_a', false],
  ['SELECT * FROM lock_a JOIN lock_b USING (id) FOR UPDATE OF lock_b', true],
  ['SELECT * FROM lock_a a, lock_b b WHERE a.id = b.id FOR UPDATE OF a', false],
  ['SELECT * FROM lock_a a, lock_b b WHERE a.id = b.id FOR UPDATE OF b', true],
  ['SELECT * FROM lock_a, (SELECT * FROM lock_b) s WHERE s.id = lock_a.id FOR UPDATE OF lock_a', false],
  ['SELECT * FROM lock_a, (SELECT * FROM lock_b) s WHERE s.id = lock_a.id FOR UPDATE OF s', true],
  ['SELECT * FROM lock_a, lock_bv WHERE lock_bv.id = lock_a.id FOR UPDATE OF lock_a', false],
  ['SELECT * FROM lock_a, lock_bv WHERE lock_bv.id = lock_a.id FOR UPDATE OF lock_bv', true],
  ['SELECT * FROM lock_a, LATERAL (SELECT * FROM lock_b WHERE lock_b.id = lock_a.id) s FOR UPDATE OF lock_a', false],
  ['SELECT * FROM lock_a LEFT JOIN lock_b USING (id) FOR UPDATE OF lock_a', false],
  ['SELECT * FROM lock_a LEFT JOIN lock_b USING (id) WHERE lock_b.v > 0 FOR UPDATE', true],
  ['SELECT * FROM lock_a, (SELECT id FROM lock_b FOR UPDATE) s WHERE s.id = lock_a.id FOR UPDATE OF lock_a', true],
  ['WITH x AS (SELECT * FROM lock_b) SELECT * FROM x, lock_a FOR UPDATE', false],
  // A WITH query on an outer join's nullable side is not locked, so it is no refusal either.
  ['WITH x AS (SELECT * FROM lock_b) SELECT * FROM lock_a LEFT JOIN x USING (id) FOR UPDATE', false],
  // PostgreSQL pulls a simple subquery or view up before it checks outer joins: a strict
  // condition of the enclosing query on its nullable side's column makes the join an inner one.
  ['SELECT * FROM lock_a JOIN (SELECT lock_b.id AS bid FROM lock_a a2 LEFT JOIN lock_b ON a2.id = lock_b.id) j ON lock_a.id = j.bid FOR UPDATE', true],
  ['SELECT * FROM (SELECT lock_b.v AS bv FROM lock_a LEFT JOIN lock_b USING (id)) j WHERE j.bv > 0 FOR UPDATE', true],
  ['SELECT * FROM lock_ab WHERE bid = 1 FOR UPDATE', true],
  ['SELECT * FROM lock_a WHERE id = (SELECT id FROM lock_a FOR UPDATE) AND EXISTS (SELECT 1 FROM lock_b)', false],
  // Several clauses, each strength on its own items: lock_b's key share lets a non-key UPDATE through.
  ['SELECT * FROM lock_a, lock_b FOR UPDATE OF lock_a FOR KEY SHARE OF lock_b', false],
  ['SELECT * FROM lock_a, lock_b FOR KEY SHARE OF lock_a FOR UPDATE OF lock_b', true],
  ['SELECT * FROM lock_a, lock_b FOR KEY SHARE FOR UPDATE OF lock_b', true],
  // A view's own clause locks what it reads wherever the view is read.
  ['SELECT * FROM lock_b_locked', true],
  ['SELECT * FROM lock_a, lock_b_locked FOR KEY SHARE OF lock_a', true],
  // The tables behind a join's alias are locked by a clause on the whole SELECT, and OF may name them.
  ['SELECT * FROM (lock_a JOIN lock_b USING (id)) AS j FOR UPDATE', true],
  ['SELECT * FROM (lock_a JOIN lock_b USING (id)) AS j FOR UPDATE OF lock_b', true],
  ['SELECT * FROM (lock_a JOIN lock_b USING (id)) AS j FOR UPDATE OF lock_a', false],
  // NOWAIT: nothing waits in Strata, so it changes nothing.
  ['SELECT * FROM lock_b FOR UPDATE NOWAIT', true],
];

const WRITE_A = 'UPDATE lock_a SET v = v + 1 WHERE id = 1';

// A clause OF one table still locks it: the named side's writer conflicts.
for (const sql of ['SELECT * FROM lock_a JOIN lock_b USING (id) FOR UPDATE OF lock_a', 'SELECT * FROM lock_a a, lock_b b WHERE a.id = b.id FOR UPDATE OF a']) {
  test(`${sql}: a concurrent write to lock_a's row conflicts at COMMIT`, async () => {
    const locker = await t.client();
    const writer = await t.client();
    await locker.query('BEGIN');
    await locker.query(sql);
    await writer.query(WRITE_A);
    const conflict = await expectError(locker, 'COMMIT');
    assert.equal(conflict.code, '40001');
    await locker.end();
    await writer.end();
  });
}

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

test("a view's FOR UPDATE is refused in a READ ONLY transaction (PostgreSQL 15: 25006)", async () => {
  const c = await t.client();
  await c.query('BEGIN READ ONLY');
  const refused = await expectError(c, 'SELECT * FROM lock_b_locked');
  assert.equal(refused.code, '25006');
  assert.equal(refused.message, 'cannot execute SELECT FOR UPDATE in a read-only transaction');
  await c.query('ROLLBACK');
  await c.end();
});

/**
 * Locking clauses PostgreSQL refuses (CheckSelectLocking, transformLockingClause, the planner's
 * outer-join check), wherever it checks: on a subquery, a view or a WITH query the clause reaches.
 * Expectations are PostgreSQL 15's answers to these statements (SQLSTATE, message, position).
 */
const REFUSALS: readonly [string, string, string, number?][] = [
  ['SELECT count(*) FROM lock_a FOR UPDATE', '0A000', 'FOR UPDATE is not allowed with aggregate functions'],
  ['SELECT count(*) FROM lock_a FOR KEY SHARE', '0A000', 'FOR KEY SHARE is not allowed with aggregate functions'],
  ['SELECT id FROM lock_a GROUP BY id FOR UPDATE', '0A000', 'FOR UPDATE is not allowed with GROUP BY clause'],
  ['SELECT id FROM lock_a GROUP BY id HAVING id > 0 FOR KEY SHARE', '0A000', 'FOR KEY SHARE is not allowed with GROUP BY clause'],
  ['SELECT 1 FROM lock_a HAVING true FOR UPDATE', '0A000', 'FOR UPDATE is not allowed with HAVING clause'],
  ['SELECT DISTINCT id FROM lock_a FOR UPDATE', '0A000', 'FOR UPDATE is not allowed with DISTINCT clause'],
  ['SELECT DISTINCT ON (id) * FROM lock_a FOR KEY SHARE', '0A000', 'FOR KEY SHARE is not allowed with DISTINCT clause'],
  ['SELECT id, row_number() OVER () FROM lock_a FOR UPDATE', '0A000', 'FOR UPDATE is not allowed with window functions'],
  ['SELECT * FROM lock_a ORDER BY count(*) FOR UPDATE', '0A000', 'FOR UPDATE is not allowed with aggregate functions'],
  ['SELECT generate_series(1, 2) FROM lock_a FOR UPDATE', '0A000', 'FOR UPDATE is not allowed with set-returning functions in the target list'],
  ['SELECT id FROM lock_a UNION SELECT id FROM lock_b FOR UPDATE', '0A000', 'FOR UPDATE is not allowed with UNION/INTERSECT/EXCEPT'],
  ['(SELECT id FROM lock_a FOR KEY SHARE) UNION SELECT id FROM lock_b', '0A000', 'FOR KEY SHARE is not allowed with UNION/INTERSECT/EXCEPT'],
  ['SELECT * FROM lock_a LEFT JOIN lock_b USING (id) FOR UPDATE', '0A000', 'FOR UPDATE cannot be applied to the nullable side of an outer join'],
  ['SELECT * FROM lock_a LEFT JOIN lock_b USING (id) FOR KEY SHARE OF lock_b', '0A000', 'FOR KEY SHARE cannot be applied to the nullable side of an outer join'],
  ['SELECT * FROM lock_a RIGHT JOIN lock_b USING (id) FOR UPDATE OF lock_a', '0A000', 'FOR UPDATE cannot be applied to the nullable side of an outer join'],
  ['SELECT * FROM lock_a FULL JOIN lock_b USING (id) FOR UPDATE OF lock_a', '0A000', 'FOR UPDATE cannot be applied to the nullable side of an outer join'],
  ['SELECT * FROM lock_a LEFT JOIN (SELECT * FROM lock_b LIMIT 1) s ON true FOR UPDATE', '0A000', 'FOR UPDATE cannot be applied to the nullable side of an outer join'],
  ['SELECT * FROM lock_a LEFT JOIN lock_bv ON lock_bv.id = lock_a.id FOR UPDATE', '0A000', 'FOR UPDATE cannot be applied to the nullable side of an outer join'],
  ['SELECT * FROM lock_a LEFT JOIN lock_b ON lock_b.id = lock_a.id WHERE lock_b.v IS NULL FOR UPDATE', '0A000', 'FOR UPDATE cannot be applied to the nullable side of an outer join'],
  ['SELECT * FROM lock_a LEFT JOIN lock_b ON lock_b.id = lock_a.id WHERE lock_b.v > 0 OR lock_a.v > 0 FOR UPDATE', '0A000', 'FOR UPDATE cannot be applied to the nullable side of an outer join'],
  // Not pulled up (ORDER BY), not strict (coalesce, IS NULL) or on the other side: still the nullable side.
  ['SELECT * FROM lock_a JOIN (SELECT lock_b.id AS bid FROM lock_a a2 LEFT JOIN lock_b ON a2.id = lock_b.id ORDER BY 1) j ON lock_a.id = j.bid FOR UPDATE', '0A000', 'FOR UPDATE cannot be applied to the nullable side of an outer join'],
  ['SELECT * FROM lock_a JOIN (SELECT coalesce(lock_b.id, 0) AS bid FROM lock_a a2 LEFT JOIN lock_b ON a2.id = lock_b.id) j ON lock_a.id = j.bid FOR UPDATE', '0A000', 'FOR UPDATE cannot be applied to the nullable side of an outer join'],
  ['SELECT * FROM (SELECT lock_b.v AS bv FROM lock_a LEFT JOIN lock_b USING (id)) j WHERE j.bv IS NULL FOR UPDATE', '0A000', 'FOR UPDATE cannot be applied to the nullable side of an outer join'],
  ['SELECT * FROM lock_ab WHERE aid = 1 FOR UPDATE', '0A000', 'FOR UPDATE cannot be applied to the nullable side of an outer join'],
  ['SELECT * FROM (SELECT count(*) FROM lock_b) s FOR UPDATE', '0A000', 'FOR UPDATE is not allowed with aggregate functions'],
  ['SELECT * FROM lock_counts FOR KEY SHARE', '0A000', 'FOR KEY SHARE is not allowed with aggregate functions'],
  ['SELECT * FROM (SELECT id FROM lock_a UNION SELECT id FROM lock_b) s FOR UPDATE', '0A000', 'FOR UPDATE is not allowed with UNION/INTERSECT/EXCEPT'],
  ['WITH c AS (SELECT count(*) FROM lock_b FOR UPDATE) SELECT * FROM c', '0A000', 'FOR UPDATE is not allowed with aggregate functions'],
  ['SELECT * FROM lock_a WHERE id = (SELECT max(id) FROM lock_b FOR UPDATE)', '0A000', 'FOR UPDATE is not allowed with aggregate functions'],
  ['SELECT * FROM lock_a FOR UPDATE OF x', '42P01', 'relation "x" in FOR UPDATE clause not found in FROM clause', 36],
  ['SELECT * FROM lock_a a FOR UPDATE OF lock_a', '42P01', 'relation "lock_a" in FOR UPDATE clause not found in FROM clause', 38],
  ['SELECT * FROM lock_a FOR UPDATE OF lock_a, nope', '42P01', 'relation "nope" in FOR UPDATE clause not found in FROM clause', 44],
  ['SELECT * FROM lock_a FOR KEY SHARE OF public.lock_a', '42601', 'FOR KEY SHARE must specify unqualified relation names', 39],
  ['SELECT * FROM lock_a, generate_series(1, 2) g FOR UPDATE OF g', '0A000', 'FOR UPDATE cannot be applied to a function', 61],
  ['WITH c AS (SELECT * FROM lock_b) SELECT * FROM c FOR UPDATE OF c', '0A000', 'FOR UPDATE cannot be applied to a WITH query', 64],
  ['SELECT count(*) FROM lock_a FOR UPDATE OF nope', '0A000', 'FOR UPDATE is not allowed with aggregate functions'],
];

for (const [sql, code, message, position] of REFUSALS) {
  test(`${sql}: ${code} ${message}`, async () => {
    const c = await t.client();
    const refused = await expectError(c, sql);
    assert.equal(refused.code, code);
    assert.equal(refused.message, message);
    assert.equal(refused.position, position === undefined ? undefined : String(position));
    await c.end();
  });
}

test('SKIP LOCKED is refused: rows another transaction locked are not visible to skip', async () => {
  const c = await t.client();
  const refused = await expectError(c, 'SELECT * FROM lock_a FOR UPDATE SKIP LOCKED');
  assert.equal(refused.code, '0A000');
  assert.equal(refused.message, 'SKIP LOCKED is not supported');
  await c.end();
});

const ADVISORY_CALLS = [
  'pg_advisory_lock(1)', 'pg_advisory_lock(1, 2)', 'pg_advisory_lock_shared(1)', 'pg_try_advisory_lock(1)', 'pg_try_advisory_lock_shared(1)',
  'pg_advisory_xact_lock(1)', 'pg_advisory_xact_lock_shared(1)', 'pg_try_advisory_xact_lock(1)', 'pg_try_advisory_xact_lock_shared(1)',
  'pg_advisory_unlock(1)', 'pg_advisory_unlock_shared(1)', 'pg_advisory_unlock_all()',
];

test('advisory lock functions are refused with 0A000, not 42883', async () => {
  const c = await t.client();
  for (const call of ADVISORY_CALLS) {
    const refused = await expectError(c, `SELECT ${call}`);
    assert.equal(refused.code, '0A000', call);
    assert.equal(refused.message, 'advisory locks are not supported', call);
    assert.equal(refused.position, '8', call);
  }
  const inFrom = await expectError(c, 'SELECT * FROM pg_advisory_lock(1)');
  assert.equal(inFrom.code, '0A000');
  assert.equal(inFrom.message, 'advisory locks are not supported');
  await c.end();
});

test('in a READ ONLY transaction a plain EXPLAIN of a locking query runs, EXPLAIN ANALYZE is refused (PostgreSQL 15)', async () => {
  const c = await t.client();
  await c.query('BEGIN READ ONLY');
  await c.query('EXPLAIN SELECT * FROM lock_b FOR UPDATE');
  await c.query('EXPLAIN SELECT * FROM lock_b_locked');
  const refused = await expectError(c, 'EXPLAIN ANALYZE SELECT * FROM lock_b_locked');
  assert.equal(refused.code, '25006');
  assert.equal(refused.message, 'cannot execute SELECT FOR UPDATE in a read-only transaction');
  await c.query('ROLLBACK');
  await c.end();
});
