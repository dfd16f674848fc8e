/**
 * SELECT … FOR KEY SHARE, DSQL's conflict matrix (reference/dsql.md §4.2): the rows it reads
 * are carried to the adjudicator as key shares of their key-lock keys, so a concurrent DELETE,
 * an UPDATE of a key column (the primary key or a unique index's column) or a FOR UPDATE of
 * the row fails whichever of the two transactions commits last with 40001 OC000, while a
 * concurrent non-key UPDATE or another FOR KEY SHARE does not conflict. Each cell is run in
 * both commit orders. FOR SHARE and FOR NO KEY UPDATE keep DSQL's refusal.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, expectError, type TestCluster } from '../support/cluster.js';

let t: TestCluster;
/** Each case takes its own row, so no case sees another's commits. */
let nextId = 1;
before(async () => {
  t = await startTestCluster();
  const c = await t.client();
  await c.query('CREATE TABLE ks (id int PRIMARY KEY, code int UNIQUE, note text)');
  await c.query("INSERT INTO ks SELECT g, 1000 + g, 'n' || g FROM generate_series(1, 100) g");
  await c.end();
});
after(async () => { await t.stop(); });

/** The sharer's reads of row $id: by primary key, by the unique index, by a scan, nested. */
const SHARES: readonly string[] = [
  'SELECT * FROM ks WHERE id = $1 FOR KEY SHARE',
  'SELECT * FROM ks WHERE code = 1000 + $1 FOR KEY SHARE',
  "SELECT * FROM ks WHERE note = 'n' || $1 FOR KEY SHARE",
  'SELECT * FROM (SELECT * FROM ks WHERE id = $1 FOR KEY SHARE) s',
];

/** The other transaction's statement on row $id, and whether it conflicts with a key share. */
const OTHERS: readonly [string, boolean][] = [
  ['DELETE FROM ks WHERE id = $1', true],
  ['UPDATE ks SET id = id + 1000 WHERE id = $1', true],
  ['UPDATE ks SET code = code + 1000 WHERE id = $1', true],
  ['SELECT * FROM ks WHERE id = $1 FOR UPDATE', true],
  ["UPDATE ks SET note = note || '!' WHERE id = $1", false],
  ['SELECT * FROM ks WHERE id = $1 FOR KEY SHARE', false],
];

const OC000 = 'change conflicts with another transaction (OC000)';

async function expectConflict(client: Awaited<ReturnType<TestCluster['client']>>): Promise<void> {
  const conflict = await expectError(client, 'COMMIT');
  assert.equal(conflict.code, '40001');
  assert.equal(conflict.message, OC000);
}

for (const share of SHARES) {
  for (const [other, conflicts] of OTHERS) {
    for (const sharerFirst of [false, true]) {
      const order = sharerFirst ? 'the sharer commits first' : 'the other commits first';
      test(`${share} against ${other}, ${order}: ${conflicts ? 'the later COMMIT fails with OC000' : 'both commit'}`, async () => {
        const id = nextId++;
        const sharer = await t.client();
        const writer = await t.client();
        await sharer.query('BEGIN');
        assert.equal((await sharer.query(share, [id])).rows.length, 1);
        await writer.query('BEGIN');
        await writer.query(other, [id]);
        const [first, second] = sharerFirst ? [sharer, writer] : [writer, sharer];
        await first.query('COMMIT');
        if (conflicts) await expectConflict(second);
        else await second.query('COMMIT');
        await sharer.end();
        await writer.end();
      });
    }
  }
}

test('an insert of another row does not conflict with a key share', async () => {
  const id = nextId++;
  const sharer = await t.client();
  const writer = await t.client();
  await sharer.query('BEGIN');
  await sharer.query('SELECT * FROM ks WHERE id = $1 FOR KEY SHARE', [id]);
  await writer.query("INSERT INTO ks VALUES (1000 + $1, 5000 + $1, 'x')", [id]);
  await sharer.query('COMMIT');
  await sharer.end();
  await writer.end();
});

test('FOR KEY SHARE beside FOR UPDATE locks as FOR UPDATE: a non-key update then conflicts', async () => {
  const id = nextId++;
  const sharer = await t.client();
  const writer = await t.client();
  await sharer.query('BEGIN');
  await sharer.query('SELECT * FROM ks a JOIN ks b USING (id) WHERE id = $1 FOR KEY SHARE OF a FOR UPDATE OF b', [id]);
  await writer.query("UPDATE ks SET note = 'changed' WHERE id = $1", [id]);
  await expectConflict(sharer);
  await sharer.end();
  await writer.end();
});

test('the loser of a key-share conflict changed nothing: the row stays deleted, the sharer\'s insert is gone', async () => {
  const id = nextId++;
  const sharer = await t.client();
  const writer = await t.client();
  await sharer.query('BEGIN');
  await sharer.query('SELECT * FROM ks WHERE id = $1 FOR KEY SHARE', [id]);
  await sharer.query("UPDATE ks SET note = 'by sharer' WHERE id = $1 + 1000", [id]);
  await writer.query('DELETE FROM ks WHERE id = $1', [id]);
  await expectConflict(sharer);
  const check = await t.client();
  assert.equal((await check.query('SELECT count(*)::int AS n FROM ks WHERE id IN ($1, $1 + 2000)', [id])).rows[0].n, 0);
  await check.end();
  await sharer.end();
  await writer.end();
});

test('FOR SHARE and FOR NO KEY UPDATE keep DSQL\'s refusal; FOR KEY SHARE with UNION PostgreSQL\'s', async () => {
  const c = await t.client();
  for (const [sql, message] of [
    ['SELECT * FROM ks WHERE id = 1 FOR SHARE', 'locking clauses other than FOR UPDATE/FOR KEY SHARE are not supported'],
    ['SELECT * FROM ks WHERE id = 1 FOR NO KEY UPDATE', 'locking clauses other than FOR UPDATE/FOR KEY SHARE are not supported'],
    ['SELECT * FROM ks WHERE id = 1 FOR KEY SHARE FOR SHARE', 'locking clauses other than FOR UPDATE/FOR KEY SHARE are not supported'],
    ['SELECT id FROM ks UNION SELECT id FROM ks FOR KEY SHARE', 'FOR KEY SHARE is not allowed with UNION/INTERSECT/EXCEPT'],
  ] as const) {
    const refused = await expectError(c, sql);
    assert.equal(refused.code, '0A000', sql);
    assert.equal(refused.message, message, sql);
  }
  await c.end();
});

test('FOR KEY SHARE is refused in a READ ONLY transaction, as PostgreSQL refuses it', async () => {
  const c = await t.client();
  await c.query('BEGIN READ ONLY');
  const refused = await expectError(c, 'SELECT * FROM ks WHERE id = 1 FOR KEY SHARE');
  assert.equal(refused.code, '25006');
  assert.equal(refused.message, 'cannot execute SELECT FOR KEY SHARE in a read-only transaction');
  await c.query('ROLLBACK');
  await c.end();
});
