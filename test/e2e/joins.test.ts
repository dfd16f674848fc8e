/**
 * Outer joins and USING/NATURAL column merging, compared with PostgreSQL 15: RIGHT JOIN keeps
 * the columns in the order written, FULL JOIN adds the right rows nothing matched, and a USING
 * pair becomes one column (COALESCE of both for FULL JOIN) that `*` lists first.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE a (id int, x text)',
  'CREATE TABLE b (id int, y text)',
  'CREATE TABLE c (id bigint PRIMARY KEY, z text)',
  "INSERT INTO a VALUES (1, 'a1'), (2, 'a2'), (NULL, 'an')",
  "INSERT INTO b VALUES (2, 'b2'), (3, 'b3'), (NULL, 'bn')",
  "INSERT INTO c VALUES (2, 'c2'), (5, 'c5')",
]);

test('USING and NATURAL merge the named columns', { skip }, async () => {
  for (const sql of [
    'SELECT * FROM a JOIN b USING (id) ORDER BY id',
    'SELECT id FROM a JOIN b USING (id) ORDER BY id',
    'SELECT * FROM a NATURAL JOIN b ORDER BY id',
    'SELECT a.id, b.id, id FROM a LEFT JOIN b USING (id) ORDER BY x',
    'SELECT * FROM a LEFT JOIN b USING (id) ORDER BY x',
    'SELECT * FROM a RIGHT JOIN b USING (id) ORDER BY y',
    'SELECT id, x, y FROM a RIGHT JOIN b USING (id) ORDER BY y',
    'SELECT * FROM a JOIN c USING (id)',
    'SELECT * FROM a JOIN b USING (id) JOIN a a2 USING (id)',
    'SELECT * FROM (a JOIN b USING (id)) JOIN c USING (id)',
    'SELECT a.*, b.* FROM a JOIN b USING (id)',
    'SELECT * FROM a LEFT JOIN b USING (id) WHERE b.id IS NULL ORDER BY x',
    'SELECT * FROM a JOIN b USING (x)',
    'SELECT * FROM a JOIN b USING (id, id)',
  ]) await db().same(sql);
});

test('RIGHT JOIN lists its columns in the order written', { skip }, async () => {
  for (const sql of [
    'SELECT * FROM a RIGHT JOIN b ON a.id = b.id ORDER BY y',
    'SELECT * FROM a RIGHT JOIN c ON a.id = c.id ORDER BY z',
  ]) await db().same(sql);
});

test('FULL JOIN: matched pairs, then the unmatched rows of either side with NULLs', { skip }, async () => {
  for (const sql of [
    'SELECT * FROM a FULL JOIN b USING (id) ORDER BY x, y',
    'SELECT * FROM a FULL JOIN b ON a.id = b.id ORDER BY x, y',
    "SELECT a.*, b.* FROM a FULL JOIN b ON a.id = b.id AND a.x <> 'a2' ORDER BY x, y",
    'SELECT * FROM a FULL JOIN b ON true ORDER BY x, y',
    'SELECT count(*) FROM a FULL JOIN b ON false',
    'SELECT id, a.id, b.id FROM a FULL JOIN b USING (id) WHERE id IS NOT NULL ORDER BY 1',
    'SELECT * FROM a FULL JOIN c USING (id) ORDER BY id',
    'SELECT * FROM a NATURAL FULL JOIN b ORDER BY x, y',
    'SELECT * FROM a FULL JOIN b USING (id) FULL JOIN c USING (id) ORDER BY id, x',
    'SELECT x, count(*) FROM a FULL JOIN b ON a.id = b.id GROUP BY x ORDER BY x',
  ]) await db().same(sql);
});

test('a whole-row reference to the NULL-filled side of an outer join is NULL, not a row of NULLs', { skip }, async () => {
  for (const sql of [
    'SELECT a::text, b::text, b IS NULL, row_to_json(b) FROM a LEFT JOIN b ON a.id = b.id ORDER BY x',
    'SELECT a::text, b::text FROM a RIGHT JOIN b ON a.id = b.id ORDER BY y',
    'SELECT a::text, b::text FROM a FULL JOIN b USING (id) ORDER BY x, y',
    'SELECT b::text FROM a LEFT JOIN b USING (id) WHERE b IS NOT NULL',
    'SELECT b::text, c::text FROM a LEFT JOIN (b JOIN c USING (id)) ON a.id = b.id ORDER BY a.x',
    'SELECT a.x, s::text, s.v FROM a LEFT JOIN LATERAL (SELECT a.id * 10 AS v WHERE a.id > 1) s ON true ORDER BY x',
    'SELECT x, count(b) FROM a LEFT JOIN b USING (id) GROUP BY x ORDER BY x',
  ]) await db().same(sql);
});

test('FROM a, b WHERE a.x = b.y joins by the equality (a hash join, not every pair), with the same rows as PostgreSQL', { skip }, async () => {
  await db().strata.query('CREATE TABLE wk_f (k float8, n numeric, t text)');
  await db().postgres.query('CREATE TABLE wk_f (k float8, n numeric, t text)');
  const rows = "INSERT INTO wk_f VALUES (0, 2, '2'), ('-0', 2.0, 'x'), ('NaN', NULL, NULL), (1.5, 5, 'c5'), (NULL, 3, '3')";
  await db().strata.query(rows);
  await db().postgres.query(rows);
  for (const sql of [
    'SELECT a.x, b.y FROM a, b WHERE a.id = b.id ORDER BY 1, 2',
    'SELECT a.x, c.z FROM a, c WHERE a.id = c.id ORDER BY 1',
    'SELECT a.x, c.z FROM a, c WHERE c.id = a.id AND c.z > a.x ORDER BY 1',
    'SELECT a.x, b.y, c.z FROM a, b, c WHERE a.id = b.id AND b.id = c.id',
    'SELECT a.x, b.y, c.z FROM a, b, c WHERE a.id = c.id AND b.id = c.id',
    'SELECT count(*) FROM a, b WHERE a.id = b.id OR a.id IS NULL',
    'SELECT f1.k, f2.k FROM wk_f f1, wk_f f2 WHERE f1.k = f2.k ORDER BY f1.k::text, f2.k::text',
    'SELECT f.n, c.z FROM wk_f f, c WHERE f.n = c.id ORDER BY f.n::text',
    'SELECT a.x, b.y FROM a CROSS JOIN b WHERE b.id = a.id',
    'SELECT a.x, b.y FROM a JOIN b ON true WHERE b.id = a.id',
    'SELECT a.x, b.y FROM a LEFT JOIN (b CROSS JOIN c) ON a.id = b.id WHERE b.id = c.id',
    'SELECT x FROM a WHERE EXISTS (SELECT 1 FROM b, c WHERE b.id = c.id AND c.id = a.id)',
    // Errors come from the WHERE, in its order.
    'SELECT 1 FROM a, b WHERE a.nope = b.id AND a.x = b.id',
    'SELECT 1 FROM a, b WHERE a.x = b.id',
    'SELECT 1 FROM a, a a2 WHERE id = a2.id',
  ]) await db().same(sql);
  // Joined by the key, not every pair filtered afterwards (10,000 × 10,000 rows ran out of memory).
  const plan = (await db().strata.query('EXPLAIN SELECT a.x, b.y FROM a, b WHERE a.id = b.id')).rows.map((r) => r['QUERY PLAN']).join('\n');
  assert.match(plan, /Hash Cross Join\n\s+Hash Keys: 1/);
});
