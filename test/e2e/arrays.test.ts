/** Arrays at query time (ARRAY[…], = ANY, ARRAY(SELECT …)), compared with PostgreSQL 15. */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential(['CREATE TABLE t (id int PRIMARY KEY, s text)', "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, NULL)"]);

test('ARRAY[…] builds arrays of the elements\' common type', { skip }, async () => {
  for (const sql of [
    'SELECT ARRAY[1, 2, 3]',
    "SELECT ARRAY['x', s] FROM t ORDER BY id",
    'SELECT ARRAY[id, NULL] FROM t ORDER BY id',
    'SELECT id FROM t WHERE id = ANY (ARRAY[1, 3]) ORDER BY id',
    "SELECT id FROM t WHERE s = ANY (ARRAY['b', 'z'])",
    'SELECT ARRAY[]',
    "SELECT ARRAY[1, 'x']",
    'SELECT ARRAY[1, 2] = ARRAY[1, 2]',
  ]) await db().same(sql);
});

test('row comparisons pair by pair, as in PostgreSQL (NULLs included)', { skip }, async () => {
  for (const sql of [
    'SELECT (1, 2) = (1, 2), (1, 2) <> (1, 3), (1, NULL) = (1, 2), (1, NULL) = (2, 2)',
    'SELECT (1, 2) < (1, 3), (1, 2) < (2, NULL), (1, NULL) < (1, 2), (NULL, 1) < (2, 3), (2, 1) >= (1, 9), (1, 2, 3) <= (1, 2, 3)',
    'SELECT id FROM t WHERE (id, s) = (2, $$b$$)',
    'SELECT id FROM t WHERE (id, s) IN ((1, $$a$$), (2, $$x$$)) ORDER BY id',
    'SELECT id FROM t WHERE (id, s) NOT IN ((1, $$a$$)) ORDER BY id',
    'SELECT (1, 2) = (1, 2, 3)',
  ]) await db().same(sql);
});

test('"char" is the one-byte type and char/character are bpchar, as in PostgreSQL', { skip }, async () => {
  for (const sql of [
    `SELECT 'a'::"char", 'ab'::char, 'ab'::char(3), 'x'::character`,
  ]) await db().same(sql);
});
