/**
 * Column pruning (src/qp/sql/column-use.ts): a SELECT's scans decode only the columns the
 * statement names, every other column is NULL in the scanned row. Each query below reaches the
 * rows some way the used-column analysis must see (whole-row references, `*`, USING/NATURAL,
 * correlation, views, ORDER BY/GROUP BY/window expressions, a dropped and an added column),
 * and its answer must equal PostgreSQL's; writes, which never prune, must leave whole rows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE p (id int PRIMARY KEY, a int, b text, c numeric(8,2), d text)',
  'CREATE TABLE q (id int PRIMARY KEY, p_id int, b text, e int)',
  'CREATE TABLE k (a int, b text)',
  "INSERT INTO p VALUES (1, 10, 'x', 1.50, 'd1'), (2, 20, 'y', 2.50, 'd2'), (3, NULL, 'z', NULL, 'd3'), (4, 10, NULL, 4.00, NULL)",
  "INSERT INTO q VALUES (1, 1, 'x', 100), (2, 1, 'q2', 200), (3, 3, 'z', NULL), (4, 9, 'q4', 400)",
  "INSERT INTO k VALUES (1, 'k1'), (2, 'k2'), (NULL, 'kn')",
  'CREATE TABLE dropped (id int PRIMARY KEY, gone text, kept int, also text)',
  "INSERT INTO dropped VALUES (1, 'g1', 11, 'a1'), (2, 'g2', 22, 'a2')",
  'ALTER TABLE dropped DROP COLUMN gone',
  'ALTER TABLE dropped ADD COLUMN later int',
  "INSERT INTO dropped VALUES (3, 33, 'a3', 333)",
  'CREATE VIEW pv AS SELECT id, c, b || d AS bd FROM p',
  'CREATE VIEW pstar AS SELECT * FROM p',
]);

test('columns named anywhere in the statement are decoded: every clause, every level', { skip }, async () => {
  for (const sql of [
    'SELECT a FROM p ORDER BY id',
    'SELECT count(*) FROM p',
    'SELECT a, count(*) FROM p GROUP BY a ORDER BY a',
    'SELECT a FROM p ORDER BY d NULLS FIRST, id',
    'SELECT a % 3 AS m, sum(c) FROM p GROUP BY a % 3 ORDER BY m',
    'SELECT a FROM p GROUP BY a HAVING max(b) > $$x$$ ORDER BY a',
    'SELECT DISTINCT ON (a) a, b FROM p ORDER BY a, d DESC',
    'SELECT id, sum(c) OVER (PARTITION BY a ORDER BY d) FROM p ORDER BY id',
    'SELECT id, rank() OVER w FROM p WINDOW w AS (ORDER BY b) ORDER BY id',
    'SELECT id FROM p WHERE c > 2 ORDER BY id',
    'SELECT p.id, q.e FROM p JOIN q ON q.p_id = p.id ORDER BY 1, 2',
    'SELECT p.a, q.e FROM p LEFT JOIN q ON q.p_id = p.id AND q.b = p.b ORDER BY 1, 2',
    'SELECT id, b FROM p JOIN q USING (id, b) ORDER BY id',
    'SELECT b, count(*) FROM p FULL JOIN q USING (b) GROUP BY b ORDER BY b',
    'SELECT * FROM p NATURAL JOIN q ORDER BY id',
    'SELECT id FROM p NATURAL JOIN q ORDER BY id',
    'SELECT id, (SELECT max(e) FROM q WHERE q.p_id = p.id) FROM p ORDER BY id',
    'SELECT id FROM p WHERE EXISTS (SELECT 1 FROM q WHERE q.b = p.d OR q.b = p.b) ORDER BY id',
    'SELECT id FROM p WHERE EXISTS (SELECT * FROM q WHERE q.p_id = p.id) ORDER BY id',
    'SELECT id FROM p WHERE a IN (SELECT e / 10 FROM q) ORDER BY id',
    'SELECT p.id, s.e FROM p, LATERAL (SELECT e FROM q WHERE q.p_id = p.id ORDER BY e LIMIT 1) s ORDER BY 1',
    'WITH w AS (SELECT a, c FROM p) SELECT a, sum(c) FROM w GROUP BY a ORDER BY a',
    'SELECT a FROM p UNION SELECT e FROM q ORDER BY 1',
    'SELECT x FROM (SELECT b AS x, d FROM p) s WHERE d > $$d1$$ ORDER BY x',
    'SELECT id, c FROM p WHERE (a, b) = (10, $$x$$)',
    'SELECT id FROM p WHERE (a, c) IN (SELECT p_id * 10, e / 100.0 FROM q) ORDER BY id',
    'SELECT kept, also, later FROM dropped ORDER BY id',
    'SELECT later FROM dropped ORDER BY later',
    'SELECT a, b FROM k ORDER BY a',
  ]) await db().same(sql);
});

test('whole-row references and `*` decode whole rows', { skip }, async () => {
  for (const sql of [
    'SELECT * FROM p ORDER BY id',
    'SELECT p.* FROM p JOIN q ON q.id = p.id ORDER BY p.id',
    'SELECT q.e, p::text FROM p JOIN q ON q.id = p.id ORDER BY q.e',
    'SELECT row_to_json(p) FROM p ORDER BY id',
    'SELECT (p).d FROM p ORDER BY id',
    'SELECT ROW(p.*) FROM p ORDER BY id',
    'SELECT count(DISTINCT p) FROM p',
    'SELECT p IS NULL, p IS NOT NULL FROM p ORDER BY id',
    'SELECT id FROM p ORDER BY p',
    'SELECT x.* FROM p AS x ORDER BY x.id',
    'SELECT to_json(x) FROM p AS x ORDER BY x.id',
    'SELECT f1, f3 FROM p AS t(f1, f2, f3) ORDER BY f1',
    'SELECT q.id, (SELECT row_to_json(p) FROM p WHERE p.id = q.p_id) FROM q ORDER BY q.id',
    'SELECT k::text FROM k ORDER BY a',
    'SELECT * FROM dropped ORDER BY id',
    'SELECT dropped::text FROM dropped ORDER BY id',
    'SELECT * FROM pv ORDER BY id',
    'SELECT bd FROM pv ORDER BY id',
    'SELECT count(*) FROM pv',
    'SELECT d FROM pstar ORDER BY id',
    'SELECT pstar::text FROM pstar ORDER BY id',
  ]) await db().same(sql);
});

test('writes read whole rows: UPDATE, DELETE, RETURNING, ON CONFLICT keep every column', { skip }, async () => {
  const d = db();
  for (const sql of [
    'CREATE TABLE w (id int PRIMARY KEY, a int, b text, c int)',
    "INSERT INTO w VALUES (1, 1, 'b1', 10), (2, 2, 'b2', 20), (3, 3, 'b3', 30)",
    'UPDATE w SET a = a + 1 WHERE c > 10 RETURNING *',
    'UPDATE w SET c = q.e FROM q WHERE q.id = w.id AND q.e > 150 RETURNING w.id, w.b',
    'SELECT * FROM w ORDER BY id',
    "INSERT INTO w VALUES (1, 9, 'nine', 9) ON CONFLICT (id) DO UPDATE SET a = excluded.a RETURNING *",
    "INSERT INTO w SELECT id + 10, a, b, e FROM q WHERE e IS NOT NULL RETURNING id, b",
    'DELETE FROM w WHERE a = 9 RETURNING *',
    'SELECT * FROM w ORDER BY id',
  ]) await d.same(sql);
});

async function plan(sql: string): Promise<string> {
  const result = await db().strata.query(`EXPLAIN ${sql}`);
  return result.rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
}

/** The columns each table's scan decodes, by table, in plan order ('all' when it decodes whole rows). */
async function decoded(sql: string): Promise<[string, string][]> {
  const lines = (await plan(sql)).split('\n');
  const out: [string, string][] = [];
  lines.forEach((line, i) => {
    const scan = /(?:Storage Scan|Storage Lookup|B-Tree Scan[^]*?) on (\w+)/.exec(line);
    if (!scan) return;
    let columns = 'all';
    for (let j = i + 1; j < lines.length && !lines[j]!.includes('->'); j++) {
      const m = /Decoded Columns: (.*)$/.exec(lines[j]!);
      if (m) columns = m[1]!;
    }
    out.push([scan[1]!, columns]);
  });
  return out;
}

test("the join and aggregate benchmark's queries decode only the columns they name (bench/join-agg.ts)", { skip }, async () => {
  // The bench's schema, on the Strata side only: the plan is what is checked here.
  await db().strata.query('CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, region text NOT NULL)');
  await db().strata.query('CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, amount numeric(10,2) NOT NULL, status text NOT NULL)');
  assert.deepEqual(await decoded('SELECT c.region, count(*) AS n, sum(o.amount) AS total FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region ORDER BY c.region'),
    [['orders', 'id, customer_id, amount'], ['customers', 'id, region']]);
  assert.deepEqual(await decoded('SELECT count(*) AS n, sum(a.amount - b.amount) AS zero FROM orders a JOIN orders b ON b.id = a.id'),
    [['orders', 'id, amount'], ['orders', 'id, amount']]);
  assert.deepEqual(await decoded('SELECT customer_id % 100 AS bucket, count(*) AS n, sum(amount) AS total, min(amount) AS lo, max(amount) AS hi FROM orders GROUP BY customer_id % 100 ORDER BY bucket'),
    [['orders', 'customer_id, amount']]);
  assert.deepEqual(await decoded('SELECT count(*) FROM orders'), [['orders', 'none']]);
});

test('EXPLAIN shows whole-row reads where the statement reaches a row without naming columns', { skip }, async () => {
  assert.deepEqual(await decoded('SELECT * FROM p'), [['p', 'all']]);
  assert.deepEqual(await decoded('SELECT row_to_json(p) FROM p'), [['p', 'all']]);
  assert.deepEqual(await decoded('SELECT q.e FROM p JOIN q ON q.id = p.id WHERE p IS NOT NULL'), [['p', 'all'], ['q', 'id, e']]);
  // `*` reads whole rows of its own SELECT's tables only.
  assert.deepEqual(await decoded('SELECT p.id FROM p WHERE EXISTS (SELECT * FROM q WHERE q.p_id = p.id)'), [['p', 'id'], ['q', 'all']]);
  assert.deepEqual(await decoded('SELECT id FROM p NATURAL JOIN q'), [['p', 'all'], ['q', 'all']]);
  assert.deepEqual(await decoded('SELECT f1 FROM p AS t(f1)'), [['p', 'all']]);
  assert.deepEqual(await decoded('SELECT bd FROM pv'), [['p', 'id, b, c, d']]);
  assert.deepEqual(await decoded('SELECT d FROM pstar'), [['p', 'all']]);
  // Writes never prune.
  assert.deepEqual(await decoded('UPDATE p SET a = 1 WHERE c > 100'), [['p', 'all']]);
});
