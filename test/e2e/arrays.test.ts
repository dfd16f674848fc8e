/** Arrays at query time (ARRAY[…], = ANY, ARRAY(SELECT …)), compared with PostgreSQL 15. */
import assert from 'node:assert/strict';
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

test('every scalar type has its array type, with PostgreSQL\'s text forms', { skip }, async () => {
  for (const sql of [
    "SELECT '{NaN,+Inf,-Inf}'::float4[], '{2.0,3.0123}'::numeric[], '{a,b,\"\"}'::varchar[], '{x}'::char[]",
    "SELECT '{2018-01-01,2018-01-02}'::date[], '{2018-01-01 12:00:00}'::timestamp[], '{2018-01-01 12:00:00+08}'::timestamptz[]",
    "SELECT '{1 day,2 mon}'::interval[], '{t,f}'::bool[], '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'::uuid[], '{abc}'::name[]",
    'SELECT ARRAY[1.5::numeric, 2], ARRAY[$$2020-01-01$$::date]',
  ]) await db().same(sql);
});

test('a cast names its column as PostgreSQL\'s FigureColname does', { skip }, async () => {
  for (const sql of [
    "SELECT 1::int2, '{1,2,3}'::int2[], 'x'::char, 'x'::varchar(3), 1::double precision, 2::bigint, 5::numeric(3,1)",
    "SELECT length('abc')::text, (CASE WHEN true THEN 1 END)::text, 1::int::text, (1 + 2)::text, 'a'::text::varchar",
    'SELECT ARRAY[1, 2]::text, (SELECT 1)::text, coalesce(1, 2)::text, id::text FROM t WHERE id = 1',
  ]) await db().same(sql);
});

test('array subscripts and slices, as in PostgreSQL (one dimension)', { skip }, async () => {
  for (const sql of [
    'SELECT (ARRAY[10, 20, 30])[2], (ARRAY[10, 20, 30])[4], (ARRAY[10, 20, 30])[0], (ARRAY[10, 20, 30])[2:3], (ARRAY[10, 20, 30])[:2], (ARRAY[10, 20, 30])[2:]',
    "SELECT (ARRAY['a', 'b'])[3:5], (string_to_array('a,b,c', ','))[2] AS x, (regexp_match('foo123', '(\\d+)'))[1]",
    'SELECT a[1], a[2:2] FROM (VALUES (ARRAY[1, 2, 3]), (NULL::int[])) v(a)',
    "SELECT (ARRAY[1, 2])[NULL], (ARRAY[1, 2])['1'], (ARRAY[1, 2])[1.6]",
    'SELECT (1)[1]',
    "SELECT (ARRAY[1, 2])['x']",
    // A subscript of a parenthesized slice subscripts the slice (not a second dimension).
    "SELECT (('{1,2,3}'::int[])[2:])[1:1], ((ARRAY[1, 2, 3])[2:])[1], ((ARRAY['a', 'b', 'c'])[1:2])[2]",
    'SELECT ((ARRAY[1, 2, 3])[1])[1]',
  ]) await db().same(sql);
  // Untyped parameters (as node-postgres sends them) as subscripts are integers.
  await db().same('SELECT (ARRAY[5, 6, 7])[$1], (ARRAY[5, 6, 7])[$2:], (ARRAY[5, 6, 7])[:$1], (ARRAY[5, 6, 7])[$1:$2]', ['1', '2']);
  await db().same("SELECT ('{\"a\": [1, 2]}'::jsonb)['a'][$1]", ['1']);
});

test('array functions and operators over one-dimensional arrays', { skip }, async () => {
  for (const sql of [
    "SELECT array_length(ARRAY[1, 2, 3], 1), array_length(ARRAY[1], 2), array_length('{}'::int[], 1), array_upper(ARRAY['a', 'b'], 1), array_lower(ARRAY[5], 1), cardinality(ARRAY[1, 2]), cardinality('{}'::int[]), array_ndims(ARRAY[1]), array_dims(ARRAY[1, 2])",
    'SELECT array_append(ARRAY[1, 2], 3), array_prepend(0, ARRAY[1]), array_cat(ARRAY[1], ARRAY[2, 3]), array_append(NULL::int[], 1), array_cat(NULL, ARRAY[1])',
    "SELECT array_position(ARRAY['a', 'b', 'c'], 'b'), array_position(ARRAY[1, 2], 5), array_positions(ARRAY[1, 2, 1], 1), array_remove(ARRAY[1, 2, 1, NULL], 1), array_replace(ARRAY[1, 2, 1], 1, 9)",
    "SELECT ARRAY[1, 2] || 3, 0 || ARRAY[1], ARRAY[1] || ARRAY[2, 3], ARRAY['a'] || 'b'::text",
    'SELECT ARRAY[1, 2, 3] @> ARRAY[2], ARRAY[1] <@ ARRAY[1, 2], ARRAY[1, 2] && ARRAY[2, 3], ARRAY[1, NULL] @> ARRAY[NULL::int]',
    "SELECT 'a' || 'b', 'x' || 1, 1 || 'x'",
    "SELECT ARRAY['a'] || 1",
    // || meets at the elements' common type (anycompatiblearray), or there is no such operator.
    "SELECT ARRAY[1::int2] || 5::int8, ARRAY[1] || 2.5, ARRAY[1::int8] || 1::int2, ARRAY['a'::varchar] || 'b'::text, ARRAY[1] || '{2,3}', '{2,3}' || ARRAY[1]",
    "SELECT ARRAY['a'::text] || ARRAY[1]",
    "SELECT ARRAY[1] || ARRAY['a'::text]",
  ]) await db().same(sql);
  await db().same('SELECT ARRAY[$1] || ARRAY[1]', ['1']);
  // A cast types the constructor's untyped parameters: bound as integers, 'a' is 22P02.
  await db().same('SELECT ARRAY[$1, $2]::int[]', ['1', '2']);
  await db().same('SELECT ARRAY[$1, $2]::int[]', ['a', 'b']);
});

test('arrays order as PostgreSQL\'s array_cmp: element by element, NULL elements last, then the shorter first', { skip }, async () => {
  for (const sql of [
    'SELECT a FROM (VALUES (ARRAY[1,2]), (ARRAY[1]), (ARRAY[1,NULL]), (ARRAY[NULL::int]), (ARRAY[0,5,5]), (\'{}\'::int[]), (NULL)) v(a) ORDER BY a',
    'SELECT a FROM (VALUES (ARRAY[1,2]), (ARRAY[1]), (ARRAY[1,NULL]), (ARRAY[0,5,5]), (\'{}\'::int[])) v(a) ORDER BY a DESC',
    'SELECT a FROM (VALUES (ARRAY[\'b\',\'a\']), (ARRAY[\'b\']), (ARRAY[\'a\',\'z\'])) v(a) ORDER BY 1',
    'SELECT g, array_agg(x ORDER BY x) AS xs FROM (VALUES (1, 3), (1, 1), (2, 2), (3, 1), (3, 0)) v(g, x) GROUP BY g ORDER BY xs, g',
    'SELECT DISTINCT a FROM (VALUES (ARRAY[2.5]), (ARRAY[1.0, 2]), (ARRAY[2.5])) v(a) ORDER BY a',
    'SELECT a FROM (VALUES (ARRAY[\'{"a":1}\'::json])) v(a) ORDER BY a',
    'SELECT string_agg(x::text, \',\' ORDER BY ARRAY[x % 2, x]) FROM generate_series(1, 6) x',
    'SELECT max(a) FROM (VALUES (ARRAY[1,2]), (ARRAY[3])) v(a)',
    'SELECT greatest(ARRAY[1,2], ARRAY[1,3])',
    'SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY a) FROM (VALUES (ARRAY[1,2]), (ARRAY[3]), (ARRAY[0])) v(a)',
  ]) await db().same(sql);
});

test('a cast gives ARRAY[…] its element type: ARRAY[]::int[] and each element cast', { skip }, async () => {
  for (const sql of [
    'SELECT ARRAY[]::int[], ARRAY[]::int[] = \'{}\', \'{}\' = ARRAY[]::text[], pg_typeof(ARRAY[]::varchar[])',
    'SELECT cardinality(ARRAY[]::int[]), array_length(ARRAY[]::int[], 1), coalesce(NULL, ARRAY[]::int[]), 2 <> ALL (ARRAY[]::int[])',
    "SELECT ARRAY['abcd']::varchar(2)[], ARRAY[1.234]::numeric(5,1)[], ARRAY['1', '2']::int[], ARRAY[1, 2]::text[], ARRAY[1.5, 2]::int[]",
    "SELECT ARRAY['x']::int[]",
    'SELECT ARRAY[]::text[] || \'a\'',
    'SELECT ARRAY[1]::int',
  ]) await db().same(sql);
});

test('array comparisons follow the element type (array_eq, array_cmp), in DISTINCT and GROUP BY too', { skip }, async () => {
  for (const sql of [
    'SELECT ARRAY[1.0] = ARRAY[1.00], ARRAY[1.0] <> ARRAY[1.00], ARRAY[NULL]::int[] = ARRAY[NULL]::int[]',
    "SELECT ARRAY[1,2,3] < ARRAY[1,3], ARRAY[1,2] > ARRAY[1], ARRAY[1,2] <= ARRAY[1,2], ARRAY['b'] >= ARRAY['a','z'], ARRAY[1,NULL] < ARRAY[1,2], ARRAY[10] > ARRAY[9]",
    'SELECT DISTINCT x FROM (VALUES (ARRAY[1.0]), (ARRAY[1.00])) v(x)',
    'SELECT x, count(*) FROM (VALUES (ARRAY[1.0]), (ARRAY[1.00]), (ARRAY[2.0])) v(x) GROUP BY x ORDER BY x',
    "SELECT ARRAY['{}'::json] < ARRAY['{}'::json]",
  ]) await db().same(sql);
});

test('array_position from a start, array_fill and trim_array', { skip }, async () => {
  for (const sql of [
    'SELECT array_position(ARRAY[1,2,3,2], 2, 3), array_position(ARRAY[1,2], 2, 5), array_position(ARRAY[NULL,1], NULL), array_position(ARRAY[1,2], 1, -5)',
    'SELECT array_position(ARRAY[1,2], 1, NULL)',
    "SELECT array_position(NULL::int[], 1, 1), array_position(ARRAY['a','b'], 'b', 2)",
    "SELECT array_fill(7, ARRAY[3]), array_fill('x'::text, ARRAY[2], ARRAY[1]), array_fill(1, ARRAY[0]), array_fill(NULL::int, ARRAY[2]), array_fill(1, ARRAY[]::int[])",
    'SELECT array_fill(1, NULL)',
    "SELECT array_fill('a', ARRAY[1])",
    'SELECT array_fill(1, ARRAY[NULL]::int[])',
    "SELECT trim_array(ARRAY[1,2,3,4], 2), trim_array(ARRAY[1,2], 0), trim_array(ARRAY['a'], 1), pg_typeof(trim_array(ARRAY[1.5], 0))",
    'SELECT trim_array(ARRAY[1,2], 3)',
    'SELECT trim_array(ARRAY[1,2], -1)',
    'SELECT trim_array(NULL::int[], 1), trim_array(ARRAY[1], NULL)',
  ]) await db().same(sql);
});

test('array text with dimension information; what Strata cannot hold is refused, not misread', { skip }, async () => {
  for (const sql of [
    "SELECT '[1:3]={1,2,3}'::int[] AS a, '[1:1]={x}'::text[] AS b",
    "SELECT '[1:2]={1,2,3}'::int[]", "SELECT '[1:0]={}'::int[]", "SELECT '{1,{2}}'::int[]",
  ]) await db().same(sql);
  for (const sql of ["SELECT '[0:2]={1,2,3}'::int[]", "SELECT '{{1,2},{3,4}}'::int[]", "SELECT '[1:2][1:1]={{1},{2}}'::int[]"]) {
    await assert.rejects(db().strata.query(sql), { code: '0A000' });
  }
});

test('array || takes NULLs as array_cat, array_append and array_prepend do', { skip }, async () => {
  for (const sql of [
    'SELECT ARRAY[1] || NULL AS a, NULL || ARRAY[1] AS b, ARRAY[1] || NULL::int AS c, NULL::int || ARRAY[1] AS d, NULL::int[] || 2 AS e, 2 || NULL::int[] AS f, NULL::int[] || NULL::int[] AS g, ARRAY[1] || NULL::int[] AS h',
    "SELECT NULL::text[] || 'a' AS a, 'a' || NULL::text[] AS b, ARRAY['a'] || NULL::text AS c",
  ]) await db().same(sql);
});

test('array_to_string writes elements as the session prints them', { skip }, async () => {
  for (const sql of [
    "SELECT array_to_string(ARRAY[1, NULL, 3], ',') AS a, array_to_string(ARRAY[1, NULL, 3], ',', '*') AS b, array_to_string(ARRAY['a', NULL], NULL) AS c, array_to_string(NULL::int[], ',') AS d, array_to_string(ARRAY[1.5::float8], '-') AS e, array_to_string(ARRAY['\\x01'::bytea], ',') AS f",
    "SET TIME ZONE 'America/New_York'",
    "SELECT array_to_string(ARRAY['2024-01-01 12:00+00'::timestamptz], ',') AS a",
    'RESET TIME ZONE',
    'SET extra_float_digits = 0',
    "SELECT array_to_string(ARRAY[0.1::float8 + 0.2], ',') AS a, array_to_string(ARRAY[interval '1 day'], ',') AS b",
    'RESET extra_float_digits',
    "SELECT array_to_string('{a,b}', ',')",
    "SELECT array_to_string(ARRAY[ROW(1,'a')], ';')",
  ]) await db().same(sql);
});

test('width_bucket(operand, thresholds): the bucket among sorted lower bounds, in the common type; NULL thresholds refused', { skip }, async () => {
  for (const sql of [
    "SELECT width_bucket(5, array[1,3,6]), width_bucket(0, array[1,3,6]), width_bucket(6, array[1,3,6]), width_bucket(9, array[1,3,6]), width_bucket(2.5, array[1,3,6]), width_bucket(now(), array[now() - interval '1 day'])",
    'SELECT width_bucket(5, array[1,null])', "SELECT width_bucket(5, '{}'::int[])", "SELECT width_bucket('b', array['a','c'])",
    'SELECT width_bucket(null::int, array[1])', 'SELECT width_bucket(3, array[1, 3, 3, 5])', 'SELECT width_bucket(5.35, 0.024, 10.06, 5)',
  ]) await db().same(sql);
});

test('op ANY/ALL evaluates its left side once per row, before the array, as PostgreSQL does', { skip }, async () => {
  for (const sql of [
    "SELECT id, s = ANY(ARRAY['a', 'b']), id = ANY(ARRAY[1.0, 2.5]), id <> ALL(ARRAY[1, NULL]), s LIKE ANY(ARRAY['a%', 'z%']) FROM t ORDER BY id",
    // The left side's error comes first, as PostgreSQL evaluates it first.
    "SELECT id, (s || 'x')::int = ANY((ARRAY[s, '1'])::int[]) FROM t ORDER BY id",
  ]) await db().same(sql);
});

test('array_agg of arrays (a multidimensional result) is 0A000, never "no such function"', { skip }, async () => {
  await assert.rejects(db().strata.query('SELECT array_agg(ARRAY[1, 2])'), (e: { code?: string; message?: string }) => e.code === '0A000' && e.message === 'multidimensional arrays are not supported yet');
});
