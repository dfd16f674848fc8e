/**
 * Set-returning functions in FROM (one call, ROWS FROM, WITH ORDINALITY, LATERAL references)
 * and in the select list (ProjectSet: calls run side by side, padded with NULLs), compared with
 * PostgreSQL 15; and PostgreSQL's errors where a set-returning call is not allowed.
 */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE docs (id int PRIMARY KEY, tags text, body jsonb, n int)',
  `INSERT INTO docs VALUES (1, 'a,b', '{"x": 1, "y": [1, 2]}', 2), (2, 'c', '{"z": null}', 0), (3, NULL, '[1, "two", null]', 3)`,
]);

test('generate_series over integers, numerics and timestamps, in FROM and in the select list', { skip }, async () => {
  for (const sql of [
    'SELECT * FROM generate_series(1, 5)',
    'SELECT * FROM generate_series(10, 1, -3) AS g',
    'SELECT g.x FROM generate_series(1, 3) AS g(x)',
    'SELECT generate_series(1, 3), generate_series(1::int8, 5, 2)',
    'SELECT generate_series(1.5, 3, 0.5)',
    "SELECT * FROM generate_series('2020-01-01'::timestamp, '2020-01-03', '1 day')",
    "SELECT * FROM generate_series('2020-01-01 00:00'::timestamptz, '2020-01-01 02:00', '30 min') t",
    "SELECT * FROM generate_series('2020-01-01'::date, '2020-01-03', '1 day')",
    'SELECT generate_series(1, 0)',
    'SELECT generate_series(1, NULL)',
    'SELECT generate_series(1, 3, 0)',
    'SELECT * FROM generate_series(1, 3, 0)',
    "SELECT generate_series(1, 'NaN'::numeric)",
    'SELECT generate_series(1, 10) LIMIT 3',
  ]) await db().same(sql);
});

test('unnest, generate_subscripts, ROWS FROM and WITH ORDINALITY', { skip }, async () => {
  for (const sql of [
    'SELECT * FROM unnest(ARRAY[1, 2, 3])',
    "SELECT * FROM unnest(ARRAY['x', 'y']) u",
    "SELECT u.* FROM unnest(ARRAY['x', 'y']) AS u(val)",
    "SELECT * FROM unnest(ARRAY[1, 2], ARRAY['a', 'b', 'c']) AS u(a, b)",
    'SELECT * FROM unnest(ARRAY[1, 2]) WITH ORDINALITY',
    "SELECT * FROM ROWS FROM (generate_series(1, 2), unnest(ARRAY['a', 'b', 'c'])) AS r(n, s)",
    'SELECT unnest(ARRAY[1, 2]), unnest(ARRAY[1, 2, 3])',
    "SELECT unnest('{}'::int[]), unnest(NULL::int[])",
    'SELECT generate_subscripts(ARRAY[10, 20, 30], 1), generate_subscripts(ARRAY[10, 20], 1, true)',
    'SELECT id, unnest(string_to_array(tags, $$,$$)) FROM docs ORDER BY id',
  ]) await db().same(sql);
});

test('text and json expanders', { skip }, async () => {
  for (const sql of [
    "SELECT regexp_matches('foobarbequebaz', '(bar)(beque)'), regexp_matches('abcabc', 'b', 'g')",
    "SELECT regexp_split_to_table('a b  c', '\\s+')",
    "SELECT * FROM regexp_split_to_table('a,b', ',') WITH ORDINALITY",
    "SELECT string_to_table('a,b,,c', ','), string_to_table('a|b', '|', 'b')",
    `SELECT * FROM json_each('{"a":1, "b":[2, 3]}'), jsonb_each_text('{"c":"x"}')`,
    `SELECT * FROM json_array_elements_text('[1,"a",null]') WITH ORDINALITY AS t(v, n)`,
    `SELECT jsonb_array_elements('[1,{"a":2}]'), json_object_keys('{"a":1,"b":2,"a":3}')`,
    `SELECT json_array_elements('[1, {"a" : 2},  "x"]')`,
    'SELECT id, k, v FROM docs, jsonb_each(body) AS e(k, v) WHERE id < 3 ORDER BY id, k',
    'SELECT * FROM jsonb_array_elements($${"a": 1}$$)',
    'SELECT * FROM json_each($$[1]$$)',
  ]) await db().same(sql);
});

test('functions in FROM see the items before them (LATERAL)', { skip }, async () => {
  for (const sql of [
    'SELECT * FROM generate_series(1, 3) g, LATERAL generate_series(1, g) h',
    'SELECT * FROM generate_series(1, 3) g(x) CROSS JOIN generate_series(1, x) h',
    'SELECT d.id, s FROM docs d, generate_series(1, d.n) s ORDER BY d.id, s',
    'SELECT d.id, s FROM docs d LEFT JOIN generate_series(1, d.n) s ON true ORDER BY d.id, s',
  ]) await db().same(sql);
});

test('select-list calls expand after grouping and window functions, before ORDER BY and LIMIT', { skip }, async () => {
  for (const sql of [
    'SELECT id, generate_series(1, n) FROM docs ORDER BY id DESC',
    'SELECT sum(n), generate_series(1, 2) FROM docs',
    'SELECT generate_series(1, count(*)::int) FROM docs',
    'SELECT id, row_number() OVER (ORDER BY id), generate_series(1, 2) AS k FROM docs ORDER BY id, k',
    'SELECT generate_series(1, 3) + 1 AS a, unnest(ARRAY[$$a$$, $$b$$]) b, 7',
    'SELECT x FROM (VALUES (1)) v(x) ORDER BY generate_series(1, 2)',
    'SELECT DISTINCT generate_series(1, 3) % 2 AS r ORDER BY r',
  ]) await db().same(sql);
});

test('set-returning calls where PostgreSQL refuses them', { skip }, async () => {
  for (const sql of [
    'SELECT 1 WHERE generate_series(1, 2) > 1',
    'SELECT CASE WHEN true THEN generate_series(1, 2) END',
    'SELECT coalesce(generate_series(1, 2), 0)',
    'SELECT count(generate_series(1, 2))',
    'SELECT sum(generate_series(1, 2)) OVER ()',
    'SELECT id FROM docs HAVING generate_series(1, 2) > 0',
    'SELECT * FROM generate_series(1, $$x$$)',
    'SELECT * FROM no_such_function(1)',
  ]) await db().same(sql);
});
