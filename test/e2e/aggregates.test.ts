/**
 * The collecting aggregates (string_agg, array_agg, json_agg, jsonb_agg, json_object_agg,
 * jsonb_object_agg, bit_and/or/xor) and an aggregate's own ORDER BY, compared with PostgreSQL 15.
 */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE e (id int PRIMARY KEY, name text, dept int, sal numeric(8,2), at timestamptz, ok bool)',
  `INSERT INTO e VALUES (1, 'bob', 1, 100.5, '2020-01-01 10:00+00', true), (2, 'al', 1, NULL, '2021-06-01 00:00:00.5+00', false),
    (3, 'cy', 2, 300, NULL, NULL), (4, 'dee', 2, 50, '2022-01-01 00:00+00', true)`,
]);

test('string_agg and array_agg, with their own ORDER BY, DISTINCT and FILTER', { skip }, async () => {
  for (const sql of [
    "SELECT dept, string_agg(name, ',' ORDER BY name), string_agg(name, '-' ORDER BY id DESC), array_agg(id ORDER BY name), array_agg(sal ORDER BY id) FROM e GROUP BY dept ORDER BY dept",
    "SELECT string_agg(name, ', ' ORDER BY id), array_agg(name ORDER BY name DESC NULLS LAST) FROM e",
    "SELECT array_agg(DISTINCT dept ORDER BY dept), string_agg(DISTINCT name, ',' ORDER BY name) FROM e",
    "SELECT string_agg(DISTINCT name, ',' ORDER BY id) FROM e",
    'SELECT array_agg(x ORDER BY x NULLS FIRST) FROM (VALUES (3), (NULL), (1)) v(x)',
    'SELECT array_agg(x) FROM (VALUES (1), (2)) v(x) WHERE false',
    "SELECT string_agg(x::bytea, '\\x2c'::bytea ORDER BY x) FROM (VALUES ('a'), ('b')) v(x)",
    "SELECT dept, count(*) FILTER (WHERE ok), string_agg(name, ';' ORDER BY name) FILTER (WHERE sal > 60) FROM e GROUP BY dept ORDER BY 1",
    'SELECT string_agg(name) FROM e',
    "SELECT string_agg(id, ',') FROM e",
    "SELECT string_agg(name, ',') OVER () FROM e",
  ]) await db().same(sql);
});

test('json_agg, jsonb_agg and the object aggregates write values as to_json does', { skip }, async () => {
  for (const sql of [
    'SELECT json_agg(name ORDER BY id), jsonb_agg(sal ORDER BY id), json_agg(at ORDER BY id), json_agg(ok ORDER BY id), jsonb_agg(e.id ORDER BY id) FROM e',
    'SELECT json_object_agg(name, sal ORDER BY id), jsonb_object_agg(name, id) FROM e',
    "SELECT json_agg(x) FROM (VALUES (1.5::float8), ('NaN'::float8)) v(x)",
    'SELECT json_agg(x) FROM (VALUES (ARRAY[1, 2]), (ARRAY[3])) v(x)',
    "SELECT json_agg(d) FROM (VALUES ('2020-01-01'::date), ('2020-01-01 10:00'::timestamp)) v(d)",
  ]) await db().same(sql);
});

test('bit_and, bit_or and bit_xor over integers', { skip }, async () => {
  await db().same('SELECT bit_and(id), bit_or(id), bit_xor(id), bit_or(id::int8), bit_and(id::int2) FROM e');
});

test('sum and avg over numeric and int8 keep the widest scale, NaN and the infinities', { skip }, async () => {
  for (const sql of [
    "SELECT sum(x), avg(x) FROM (VALUES (1.5::numeric), (2), (0.125), (NULL), (-3.10)) v(x)",
    "SELECT sum(x), avg(x) FROM (VALUES (1.5::numeric), ('NaN'), (2)) v(x)",
    "SELECT sum(x) FROM (VALUES ('Infinity'::numeric), (1.25), ('-Infinity')) v(x)",
    "SELECT sum(x), avg(x) FROM (VALUES ('-Infinity'::numeric), (1.25)) v(x)",
    'SELECT sum(x), avg(x) FROM (VALUES (9223372036854775807::int8), (9223372036854775807), (-5)) v(x)',
    'SELECT dept, sum(sal), sum(sal * 1.5), avg(sal), sum(id::int8) FROM e GROUP BY dept ORDER BY dept',
    'SELECT sum(x) FROM (VALUES (1e-20::numeric), (1e20)) v(x)',
  ]) await db().same(sql);
});

test('GROUP BY and hash joins on one integer, bigint or text column, NULLs in a group of their own', { skip }, async () => {
  for (const sql of [
    "SELECT name, count(*) FROM (VALUES ('a'), (NULL), (''), ('a'), (NULL)) v(name) GROUP BY name ORDER BY name NULLS FIRST",
    'SELECT x, count(*) FROM (VALUES (1::int8), (NULL), (1), (-0)) v(x) GROUP BY x ORDER BY x',
    'SELECT dept % 2, count(*), sum(sal) FROM e GROUP BY dept % 2 ORDER BY 1',
    'SELECT a.x, b.y FROM (VALUES (1::int4), (2), (NULL)) a(x) JOIN (VALUES (1::int8), (2), (2), (NULL)) b(y) ON a.x = b.y ORDER BY 1, 2',
    "SELECT a.t, b.u FROM (VALUES ('x'::text), ('y')) a(t) JOIN (VALUES ('x'::varchar), ('y '), ('y')) b(u) ON a.t = b.u ORDER BY 1, 2",
    "SELECT a.t, b.u FROM (VALUES ('x'::char(3)), ('y')) a(t) JOIN (VALUES ('x'::text), ('y  ')) b(u) ON a.t = b.u ORDER BY 1, 2",
    'SELECT e1.name, e2.name FROM e e1 LEFT JOIN e e2 ON e2.dept = e1.id ORDER BY 1, 2',
  ]) await db().same(sql);
});

test('DISTINCT aggregates sort their input and keep one NULL, as PostgreSQL does', { skip }, async () => {
  for (const sql of [
    'SELECT array_agg(DISTINCT x) FROM (VALUES (3),(NULL),(1),(NULL),(3)) v(x)',
    'SELECT array_agg(DISTINCT x ORDER BY x DESC) FROM (VALUES (3),(NULL),(1),(NULL),(3)) v(x)',
    "SELECT string_agg(DISTINCT x, ','), string_agg(DISTINCT x, ',' ORDER BY x DESC) FROM (VALUES ('b'),(NULL),('a'),('b')) v(x)",
    'SELECT json_agg(DISTINCT x), jsonb_agg(DISTINCT x) FROM (VALUES (3),(NULL),(1),(3)) v(x)',
    'SELECT count(DISTINCT x), sum(DISTINCT x), avg(DISTINCT x) FROM (VALUES (3),(NULL),(1),(3)) v(x)',
    "SELECT k, array_agg(DISTINCT v) FROM (VALUES (1, 'z'), (1, 'a'), (2, 'm'), (1, 'z')) t(k, v) GROUP BY k ORDER BY k",
    'SELECT sum(DISTINCT x) FROM (VALUES (0.1::float8),(0.2::float8),(0.3::float8), (1e16::float8), (1::float8)) v(x)',
  ]) await db().same(sql);
});

test('avg(interval), as interval_div divides the sum', { skip }, async () => {
  for (const sql of [
    "SELECT sum(d) AS s, avg(d) AS a FROM (VALUES (interval '1 day'), (interval '3 hours'), (interval '1 mon')) v(d)",
    "SELECT avg(d) FROM (VALUES (interval '1 mon'), (interval '1 mon 1 day'), (interval '1 second')) v(d)",
    'SELECT avg(d) FROM (VALUES (NULL::interval)) v(d)',
    "SELECT avg(d) OVER (ORDER BY n ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM (VALUES (1, interval '1 hour'), (2, interval '3 hours'), (3, interval '1 day')) v(n, d)",
  ]) await db().same(sql);
});
