/**
 * Inner joins of two primary-key reads on their primary keys run as a merge join (both inputs
 * walked in key order); every other join keeps the hash join. Answers equal PostgreSQL's:
 * duplicates of a key prefix on both sides, gaps on either side, empty sides, sides longer than
 * one scan batch, negative and past-2^53 keys, extra conditions and filters, a transaction's
 * own writes, and the joins that must not merge (outer joins, numeric keys equal by value, text,
 * mixed integer types, nullable columns).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE ma (id int PRIMARY KEY, v int, note text)',
  "INSERT INTO ma SELECT g, g % 97, 'n' || (g % 13) FROM generate_series(-200, 1500) g WHERE g % 7 <> 3",
  'CREATE TABLE mb (id int PRIMARY KEY, w numeric)',
  'INSERT INTO mb SELECT g, g / 4.0 FROM generate_series(-50, 3000, 2) g',
  'CREATE TABLE pa (g int, n int, val text, PRIMARY KEY (g, n))',
  "INSERT INTO pa SELECT g % 40, g, 'v' || g FROM generate_series(1, 1200) g",
  'CREATE TABLE pb (g int, n int, x int, PRIMARY KEY (g, n))',
  'INSERT INTO pb SELECT g % 30, g, g * 3 FROM generate_series(1, 900, 3) g',
  'CREATE TABLE pg1 (g int PRIMARY KEY, label text)',
  "INSERT INTO pg1 SELECT g, 'group ' || g FROM generate_series(0, 50, 2) g",
  'CREATE TABLE ba (id bigint PRIMARY KEY, t text)',
  "INSERT INTO ba VALUES (9007199254740993, 'a'), (9007199254740992, 'b'), (-9223372036854775808, 'min'), (9223372036854775807, 'max'), (0, 'zero'), (-1, 'neg')",
  'CREATE TABLE bb (id bigint PRIMARY KEY, u int)',
  'INSERT INTO bb VALUES (9007199254740993, 1), (9007199254740994, 2), (-9223372036854775808, 3), (9223372036854775807, 4), (-1, 5)',
  'CREATE TABLE sa (id smallint PRIMARY KEY, s text)',
  "INSERT INTO sa SELECT g, 's' || g FROM generate_series(-300, 300, 3) g",
  'CREATE TABLE sb (id smallint PRIMARY KEY)',
  'INSERT INTO sb SELECT g FROM generate_series(-300, 300, 5) g',
  'CREATE TABLE me (id int PRIMARY KEY, z int)',
  'CREATE TABLE na (id numeric PRIMARY KEY, t text)',
  "INSERT INTO na VALUES (1.0, 'one point zero'), (2, 'two'), (2.50, 'two and a half')",
  'CREATE TABLE nb (id numeric PRIMARY KEY, t text)',
  "INSERT INTO nb VALUES (1, 'one'), (2.00, 'two point zero zero'), (2.5, 'two and a half')",
  'CREATE TABLE ta (k text PRIMARY KEY, v int)',
  "INSERT INTO ta VALUES ('a', 1), ('B', 2), ('é', 3), ('ab', 4)",
  'CREATE TABLE tb (k text PRIMARY KEY, w int)',
  "INSERT INTO tb VALUES ('a', 10), ('b', 20), ('é', 30), ('AB', 40)",
  'CREATE TABLE la (id bigint PRIMARY KEY)',
  'INSERT INTO la SELECT g FROM generate_series(1, 600) g',
  'CREATE TABLE nn (id int PRIMARY KEY, ref int)',
  'INSERT INTO nn SELECT g, CASE WHEN g % 4 = 0 THEN NULL ELSE g % 9 END FROM generate_series(1, 40) g',
]);

test('primary key = primary key: the same rows as PostgreSQL, gaps, batches and extra conditions', { skip }, async () => {
  for (const sql of [
    'SELECT count(*), sum(a.v), sum(b.w), min(a.id), max(b.id) FROM ma a JOIN mb b ON b.id = a.id',
    'SELECT a.id, a.note, b.w FROM ma a JOIN mb b ON a.id = b.id ORDER BY a.id',
    'SELECT count(*), sum(a.v - b.v) FROM ma a JOIN ma b ON b.id = a.id',
    'SELECT a.id, b.w FROM ma a JOIN mb b ON b.id = a.id AND a.v > b.w ORDER BY a.id',
    'SELECT a.id, b.w FROM ma a JOIN mb b ON b.id = a.id WHERE a.id % 3 = 0 AND b.id > 100 ORDER BY a.id',
    'SELECT a.id, b.w FROM ma a JOIN mb b ON b.id = a.id WHERE a.id BETWEEN 100 AND 900 AND b.id < 700 ORDER BY a.id DESC',
    'SELECT a.id FROM ma a JOIN mb b ON b.id = a.id WHERE a.id IN (-50, 4, 8, 1001, 1500, 3000) ORDER BY a.id',
    'SELECT b.id, a.v FROM mb b JOIN ma a ON a.id = b.id ORDER BY b.id LIMIT 30',
    'SELECT a.id, b.id FROM ma a JOIN mb b USING (id) ORDER BY 1',
    'SELECT count(*) FROM ma a, mb b WHERE a.id = b.id',
    'SELECT a.id, b.w FROM ma a, mb b WHERE a.id = b.id AND a.v < 50 ORDER BY a.id',
    'SELECT count(*), sum(p.x) FROM pa, pb p WHERE p.g = pa.g',
    'SELECT x.id, x.w, x.v FROM (SELECT * FROM ma a JOIN mb b USING (id)) x WHERE x.v = 5 ORDER BY x.id',
    'SELECT a.id, b.w, c.v FROM ma a JOIN mb b ON b.id = a.id JOIN ma c ON c.id = b.id ORDER BY a.id LIMIT 50',
  ]) await db().same(sql);
});

test('a key prefix with duplicates on both sides, keys written out of order, the whole two-column key', { skip }, async () => {
  for (const sql of [
    'SELECT pa.g, pa.n, pb.n, pb.x FROM pa JOIN pb ON pb.g = pa.g ORDER BY 1, 2, 3',
    'SELECT count(*), sum(pa.n * pb.x) FROM pa JOIN pb ON pb.g = pa.g',
    'SELECT pa.g, pa.n, pb.x FROM pa JOIN pb ON pb.n = pa.n AND pb.g = pa.g ORDER BY 1, 2',
    'SELECT pa.g, pa.n, pb.x FROM pa JOIN pb ON pa.g = pb.g AND pa.n = pb.n ORDER BY 1, 2',
    'SELECT pa.n, g.label FROM pa JOIN pg1 g ON g.g = pa.g ORDER BY pa.n',
    'SELECT g.label, count(*) FROM pg1 g JOIN pa ON pa.g = g.g GROUP BY g.label ORDER BY 1',
    'SELECT pa.g, pb.n FROM pa JOIN pb ON pb.g = pa.g AND pb.n > pa.n + 600 ORDER BY 1, 2',
    'SELECT pa.n FROM pa JOIN pb ON pb.g = pa.n ORDER BY 1',
  ]) await db().same(sql);
});

test('bigint past 2^53, negative and extreme keys, smallint keys, empty sides', { skip }, async () => {
  for (const sql of [
    'SELECT ba.id, ba.t, bb.u FROM ba JOIN bb ON bb.id = ba.id ORDER BY ba.id',
    'SELECT ba.id::text, bb.u FROM bb JOIN ba ON ba.id = bb.id ORDER BY bb.u',
    'SELECT sa.id, sa.s FROM sa JOIN sb ON sb.id = sa.id ORDER BY sa.id',
    'SELECT count(*) FROM ma a JOIN me e ON e.id = a.id',
    'SELECT count(*) FROM me e JOIN ma a ON a.id = e.id',
    'SELECT count(*) FROM me e JOIN me f ON f.id = e.id',
    'SELECT la.id FROM la JOIN ba ON ba.id = la.id ORDER BY 1',
  ]) await db().same(sql);
});

test('joins that keep the hash join: outer joins, numeric, text, mixed integer types, nullable keys', { skip }, async () => {
  for (const sql of [
    'SELECT a.id, b.w FROM ma a LEFT JOIN mb b ON b.id = a.id ORDER BY a.id',
    'SELECT a.id, b.id, b.w FROM ma a RIGHT JOIN mb b ON b.id = a.id ORDER BY b.id',
    'SELECT a.id, b.id FROM ma a FULL JOIN mb b ON b.id = a.id ORDER BY a.id NULLS FIRST, b.id',
    'SELECT na.t, nb.t FROM na JOIN nb ON nb.id = na.id ORDER BY 1',
    'SELECT ta.k, tb.w FROM ta JOIN tb ON tb.k = ta.k ORDER BY 1',
    'SELECT la.id FROM la JOIN ma ON ma.id = la.id ORDER BY 1 LIMIT 20',
    'SELECT count(*) FROM ma JOIN la ON la.id = ma.id',
    'SELECT x.id, y.id FROM nn x JOIN nn y ON y.ref = x.ref ORDER BY 1, 2',
    'SELECT x.id, y.id FROM nn x LEFT JOIN nn y ON y.id = x.ref ORDER BY 1',
    'SELECT x.id, y.id FROM nn x JOIN nn y ON y.id = x.ref ORDER BY 1',
  ]) await db().same(sql);
});

test('a transaction\'s own writes and deletes are merged in key order', { skip }, async () => {
  for (const sql of [
    'BEGIN',
    'INSERT INTO mb SELECT g, -g FROM generate_series(-201, 1501, 2) g ON CONFLICT (id) DO NOTHING',
    'DELETE FROM ma WHERE id % 10 = 1',
    'SELECT a.id, b.w FROM ma a JOIN mb b ON b.id = a.id ORDER BY a.id',
    'SELECT count(*), sum(b.w) FROM ma a JOIN mb b ON b.id = a.id',
    'ROLLBACK',
    'SELECT count(*), sum(b.w) FROM ma a JOIN mb b ON b.id = a.id',
  ]) await db().same(sql);
});

test('EXPLAIN names the merge join where both sides are primary-key reads joined on the key', { skip }, async () => {
  const plan = async (sql: string): Promise<string> => (await db().strata.query(`EXPLAIN ${sql}`)).rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
  assert.match(await plan('SELECT * FROM ma a JOIN mb b ON b.id = a.id'), /Merge Join\n\s+Merge Keys: 1\n\s+->  Storage Scan on ma\n[^]*->  Storage Scan on mb/);
  assert.match(await plan('SELECT * FROM pa JOIN pb ON pb.n = pa.n AND pb.g = pa.g'), /Merge Join\n\s+Merge Keys: 2/);
  assert.match(await plan('SELECT * FROM pa JOIN pg1 ON pg1.g = pa.g'), /Merge Join\n\s+Merge Keys: 1/);
  assert.match(await plan('SELECT * FROM ma a, mb b WHERE a.id = b.id'), /Merge Join\n\s+Merge Keys: 1/);
  assert.match(await plan('SELECT * FROM ma a, mb b WHERE a.id < b.id'), /Nested Loop Cross Join/);
  assert.match(await plan('ANALYZE SELECT * FROM sa JOIN sb ON sb.id = sa.id'), /Merge Join \(actual rows=41 loops=1\)/);
  for (const sql of [
    'SELECT * FROM ma a LEFT JOIN mb b ON b.id = a.id',
    'SELECT * FROM na JOIN nb ON nb.id = na.id',
    'SELECT * FROM ta JOIN tb ON tb.k = ta.k',
    'SELECT * FROM la JOIN ma ON ma.id = la.id',
    'SELECT * FROM pa JOIN pb ON pb.n = pa.n',
    'SELECT * FROM ma a JOIN mb b ON b.id = a.v',
  ]) assert.match(await plan(sql), /Hash (Left )?Join/, sql);
});
