/** Window functions compared with PostgreSQL 15: ranking, offsets, frames, aggregates, named windows. */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE s (id int PRIMARY KEY, g text, x int, y numeric(8,2))',
  "INSERT INTO s VALUES (1, 'a', 10, 1.5), (2, 'a', 20, 2), (3, 'a', 20, NULL), (4, 'b', 5, 3), (5, 'b', NULL, 4), (6, 'c', 7, 7), (7, 'a', 30, 1), (8, 'b', 5, 0.5)",
]);

test('ranking and offset functions give PostgreSQL values', { skip }, async () => {
  for (const sql of [
    'SELECT id, row_number() OVER (ORDER BY id) FROM s ORDER BY id',
    'SELECT id, g, x, rank() OVER (PARTITION BY g ORDER BY x), dense_rank() OVER (PARTITION BY g ORDER BY x) FROM s ORDER BY id',
    'SELECT id, percent_rank() OVER (PARTITION BY g ORDER BY x), cume_dist() OVER (PARTITION BY g ORDER BY x) FROM s ORDER BY id',
    'SELECT id, ntile(3) OVER (ORDER BY id), ntile(2) OVER (PARTITION BY g ORDER BY id) FROM s ORDER BY id',
    'SELECT id, lag(x) OVER (ORDER BY id), lead(x, 2) OVER (ORDER BY id), lag(x, 1, -1) OVER (PARTITION BY g ORDER BY id) FROM s ORDER BY id',
    'SELECT id, first_value(x) OVER w, last_value(x) OVER w, nth_value(x, 2) OVER w FROM s WINDOW w AS (PARTITION BY g ORDER BY id) ORDER BY id',
    'SELECT id, row_number() OVER () > 0 AS any FROM s ORDER BY id',
    'SELECT g, x FROM s ORDER BY rank() OVER (ORDER BY x DESC NULLS LAST), id',
  ]) await db().same(sql);
});

test('aggregates over windows and frames give PostgreSQL values', { skip }, async () => {
  for (const sql of [
    'SELECT id, sum(x) OVER (ORDER BY id), count(*) OVER (PARTITION BY g), avg(y) OVER (PARTITION BY g) FROM s ORDER BY id',
    'SELECT id, sum(x) OVER (PARTITION BY g ORDER BY x) FROM s ORDER BY id',
    'SELECT id, sum(x) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING), min(x) OVER (ORDER BY id ROWS 2 PRECEDING) FROM s ORDER BY id',
    'SELECT id, max(y) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM s ORDER BY id',
    'SELECT id, count(x) OVER (ORDER BY x RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM s ORDER BY id',
    'SELECT id, sum(x) FILTER (WHERE x > 6) OVER (PARTITION BY g) FROM s ORDER BY id',
    'SELECT id, last_value(x) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM s ORDER BY id',
    'SELECT g, sum(x), rank() OVER (ORDER BY sum(x) DESC) FROM s GROUP BY g ORDER BY g',
    'SELECT g, sum(sum(x)) OVER (ORDER BY g) FROM s GROUP BY g ORDER BY g',
    'SELECT DISTINCT g, count(*) OVER (PARTITION BY g) FROM s ORDER BY g',
    'SELECT id, sum(x) OVER (ORDER BY id ROWS BETWEEN 2 FOLLOWING AND 1 FOLLOWING) FROM s ORDER BY id',
  ]) await db().same(sql);
});

test('misplaced window functions fail as in PostgreSQL', { skip }, async () => {
  for (const sql of [
    'SELECT id FROM s WHERE row_number() OVER () > 1',
    'SELECT sum(row_number() OVER ()) FROM s',
    'SELECT g FROM s GROUP BY g HAVING rank() OVER () > 0',
    'SELECT rank() OVER w FROM s',
    'SELECT abs(x) OVER () FROM s',
    'SELECT count(DISTINCT x) OVER () FROM s',
    'SELECT id, sum(x) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND 1 PRECEDING) FROM s',
    'SELECT ntile() OVER () FROM s',
  ]) await db().same(sql);
});

test('without a final ORDER BY, rows leave in the window\'s partition and order, as PostgreSQL returns them', { skip }, async () => {
  for (const sql of [
    'SELECT g, id, row_number() OVER (PARTITION BY g ORDER BY id) FROM s',
    'SELECT id, sum(x) OVER (ORDER BY id) FROM s',
  ]) await db().same(sql);
});

test('ROLLUP, CUBE, GROUPING SETS and GROUPING() give PostgreSQL\'s rows', { skip }, async () => {
  for (const sql of [
    'SELECT g, sum(x) FROM s GROUP BY ROLLUP (g) ORDER BY g',
    'SELECT g, x, count(*), grouping(x) FROM s GROUP BY ROLLUP (g, x) ORDER BY g, x, 4',
    'SELECT g, x, count(*), grouping(g, x) FROM s GROUP BY CUBE (g, x) ORDER BY g, x, 4',
    'SELECT g, x, count(*), grouping(g, x) FROM s GROUP BY GROUPING SETS ((g), (x), ()) ORDER BY g, x, 4',
    'SELECT g, x, sum(x), grouping(x) FROM s GROUP BY g, ROLLUP (x) HAVING sum(x) > 10 ORDER BY 1, 2, 4',
    "SELECT coalesce(g, 'all') AS g, avg(y) FROM s GROUP BY ROLLUP (g) ORDER BY 1",
    'SELECT g, grouping(g) FROM s GROUP BY g ORDER BY g',
  ]) await db().same(sql);
});

test('min and max over a window take varchar, name and "char" as text, as the aggregates do', { skip }, async () => {
  for (const sql of [
    "SELECT min(x) OVER () AS a, max(x) OVER () AS b FROM (VALUES ('b'::varchar), ('a'::varchar)) v(x)",
    "SELECT min(x) OVER () AS a FROM (VALUES ('b'::name), ('a'::name)) v(x)",
    "SELECT max(x) OVER () AS a FROM (VALUES ('b'::char(2)), ('a'::char(2))) v(x)",
  ]) await db().same(sql);
});

test('lag/lead/ntile/nth_value arguments: untyped integers, the default in the common type, no implicit cast is no such function', { skip }, async () => {
  for (const sql of [
    'SELECT lag(x, -1) OVER (ORDER BY x) AS a, lag(x, NULL) OVER () AS b FROM (VALUES (1),(2)) v(x)',
    "SELECT lag(x, '1') OVER (ORDER BY x) AS a, lead(x, 1, NULL) OVER (ORDER BY x) AS b, lead(x, 1, '9') OVER (ORDER BY x) AS c FROM (VALUES (1),(2)) v(x)",
    "SELECT lead(x, 1, 'z') OVER (ORDER BY x) FROM (VALUES (1),(2)) v(x)",
    'SELECT lag(x, 1, 1.5) OVER (ORDER BY x) AS a, lag(x, 1, 2::bigint) OVER (ORDER BY x) AS b, lead(x::float4, 1, 2.5) OVER (ORDER BY x) AS c FROM (VALUES (1),(2)) v(x)',
    "SELECT ntile('2') OVER (ORDER BY x) AS a, nth_value(x, '1') OVER (ORDER BY x) AS b, ntile(NULL) OVER () AS c FROM (VALUES (1),(2)) v(x)",
    "SELECT lag(x, 'a') OVER () FROM (VALUES (1)) v(x)", 'SELECT lag(x, 1.5) OVER () FROM (VALUES (1)) v(x)',
    "SELECT lag(x, 1, 'z'::text) OVER () FROM (VALUES (1)) v(x)", 'SELECT lag(x, 1::bigint) OVER () FROM (VALUES (1)) v(x)',
    'SELECT ntile(2.5) OVER () FROM (VALUES (1)) v(x)', "SELECT lag(t, 1, 'def') OVER (ORDER BY t) FROM (VALUES ('a'::text), ('b')) v(t)",
  ]) await db().same(sql);
});

test('ranking calls with the wrong arguments: no such function, or the hypothetical-set aggregate without WITHIN GROUP', { skip }, async () => {
  for (const sql of [
    'SELECT rank(1) OVER () FROM (VALUES (1)) v(x)', 'SELECT percent_rank(1, 2) OVER () FROM (VALUES (1)) v(x)',
    'SELECT row_number(1) OVER () FROM (VALUES (1)) v(x)', 'SELECT ntile() OVER () FROM (VALUES (1)) v(x)', 'SELECT rank(1)',
    'SELECT rank(1) WITHIN GROUP (ORDER BY x) FROM (VALUES (1)) v(x)',
  ]) await db().same(sql);
});
