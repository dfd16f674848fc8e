/**
 * Untyped literals ('…' and NULL) that take their type from where they land — the other side of
 * a UNION, an INSERT's column, a timestamptz[] — read as PostgreSQL reads them: by the type's
 * input function, in the session's TimeZone, with errors at the literal. Against PostgreSQL 15
 * side by side: rows, column names and types, tags, or SQLSTATE, message, DETAIL and position.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sameAnswers, useDifferential } from '../support/differential.js';

const pair = useDifferential([
  'CREATE TABLE ul (i int PRIMARY KEY, v varchar(3), at timestamptz, n numeric(5,1), b bool)',
]);

async function same(texts: readonly string[]): Promise<void> {
  await sameAnswers(pair.db(), texts);
}

test('a UNION reads a literal as the other side\'s type, in the session\'s zone, and fails at the literal', { skip: pair.skip }, async () => {
  await same([
    "SELECT 1 UNION SELECT 'a'",
    "SELECT 'a' UNION SELECT 1",
    "SELECT 1 UNION ALL SELECT 2 UNION SELECT 'x' ORDER BY 1",
    "SELECT 1 UNION SELECT NULL ORDER BY 1",
    "SELECT '1' UNION SELECT 1 ORDER BY 1",
    "SELECT DISTINCT 'a' UNION SELECT 1",
    "SELECT * FROM (SELECT '1' ORDER BY 1) s UNION SELECT 2",
    "SET TimeZone = 'America/New_York'",
    "SELECT x FROM (SELECT now() AS x UNION ALL SELECT '2024-01-01 00:00') s WHERE x < '2025-01-01'",
    "SELECT x::text FROM (SELECT '2024-01-01 00:00'::timestamptz AS x UNION ALL SELECT '2024-06-01 00:00') s ORDER BY 1",
    "SELECT '2024-01-01 00:00'::date UNION SELECT 'bad'",
    'RESET TimeZone',
  ]);
});

test('INSERT … SELECT reads a literal as its column\'s type, unless DISTINCT, ORDER BY or GROUP BY made it text', { skip: pair.skip }, async () => {
  await same([
    "SET TimeZone = 'Asia/Tokyo'",
    "INSERT INTO ul SELECT 1, 'abc', '2024-01-01 00:00', '1.25', 't'",
    "INSERT INTO ul SELECT 2, 'abcd', NULL, NULL, NULL",
    "INSERT INTO ul SELECT 3, 'x', 'bad', NULL, NULL",
    "INSERT INTO ul SELECT '4', 'y', NULL, '12345', NULL",
    "INSERT INTO ul SELECT 'z', 'y', NULL, NULL, NULL",
    "INSERT INTO ul SELECT DISTINCT 5, 'd', NULL, NULL, 'yes'",
    "INSERT INTO ul SELECT 6, 'o', NULL, NULL, 'no' ORDER BY 1",
    'INSERT INTO ul SELECT 7, \'u\', NULL, NULL, NULL UNION ALL SELECT 8, \'w\', NULL, NULL, NULL',
    "INSERT INTO ul SELECT g, 'g', '2024-02-02 02:02', '3.3', 'f' FROM generate_series(11, 12) g",
    "INSERT INTO ul (i, at) SELECT 13, '2024-01-01' WHERE true",
    "INSERT INTO ul (i, b) SELECT 14, 'maybe'",
    "INSERT INTO ul (i, b) SELECT 15, '' || 'true'",
    "INSERT INTO ul (i, v) SELECT 18, 'a' || 'b'",
    "INSERT INTO ul (i, v) WITH c AS (SELECT 19 AS i, 'cte' AS v) SELECT * FROM c",
    "INSERT INTO ul (i, at) SELECT 21, '2024-01-01' ORDER BY 2",
    "INSERT INTO ul (i, at) SELECT 22, '2024-01-01' GROUP BY 1, 2",
    "INSERT INTO ul (i, at) SELECT 23, '2024-01-01' AS x ORDER BY x",
    "INSERT INTO ul (i, at) SELECT 24, '2024-01-01' ORDER BY 1",
    'SELECT i, v, at::text, n, b FROM ul ORDER BY i',
    'RESET TimeZone',
  ]);
});

test('timestamptz[] literals and casts read their elements in the session\'s zone', { skip: pair.skip }, async () => {
  await same([
    "SET TimeZone = 'Asia/Tokyo'",
    "INSERT INTO ul VALUES (30, 'z', '2024-03-01 12:00', NULL, NULL)",
    "SELECT i FROM ul WHERE at = ANY('{\"2024-03-01 12:00\"}') ORDER BY i",
    "SELECT i FROM ul WHERE at = ANY('{\"2024-03-01 12:00\", \"2024-01-01\"}'::timestamptz[]) ORDER BY i",
    "SELECT ('{\"2024-03-01 12:00\"}'::text)::timestamptz[]",
    "SELECT '{\"2024-03-01 12:00+00\", NULL}'::timestamptz[]",
    "SELECT ARRAY['2024-03-01 12:00']::timestamptz[] = '{\"2024-03-01 12:00\"}'",
    "SELECT '{\"2024-03-01 12:00\"}'::timestamp[]",
    "SELECT '{bad}'::timestamptz[]",
    'DELETE FROM ul WHERE i = 30',
    'RESET TimeZone',
  ]);
});

test('to_char prints the session zone\'s offset in TZH, TZM and OF', { skip: pair.skip }, async () => {
  await same([
    "SET TimeZone = 'Asia/Kolkata'",
    "SELECT to_char(timestamptz '2024-03-01 12:00+00', 'YYYY-MM-DD HH24:MI:SS TZH:TZM OF FMTZH FMTZM FMOF')",
    "SET TimeZone = 'America/St_Johns'",
    "SELECT to_char(timestamptz '2024-01-01 12:00+00', 'HH24:MI TZH TZM OF FMOF of tzh')",
    "SELECT to_char(timestamptz '2024-07-01 12:00+00', 'HH24:MI TZH TZM OF')",
    "SELECT to_char(timestamptz 'infinity', 'HH24 OF')",
    "SET TimeZone = 'Pacific/Chatham'",
    "SELECT to_char(timestamptz '2024-07-01 12:00+00', 'HH24:MI TZH:TZM OF')",
    'RESET TimeZone',
    "SELECT to_char(timestamptz '2024-07-01 12:00+00', 'HH24:MI TZH:TZM OF FMTZM FMOF TZ tz')",
    "SELECT to_char(timestamp '2024-07-01 12:00', 'HH24:MI TZH:TZM OF')",
  ]);
});

test('INSERT … SELECT $1, $2 infers each parameter as its column\'s type, a UNION as the other side\'s; ambiguous operators are 42725', { skip: pair.skip }, async () => {
  const { strata, postgres } = pair.db();
  const answer = async (client: typeof strata, sql: string, params: unknown[]) => {
    try {
      const r = await client.query(sql, params);
      return { columns: r.fields.map((f) => `${f.name}:${f.dataTypeID}`), rows: r.rows, command: r.command, count: r.rowCount };
    } catch (error) {
      return { code: (error as { code?: string }).code, message: (error as Error).message };
    }
  };
  for (const [sql, params] of [
    ['INSERT INTO ul (i, v) SELECT $1, $2', [40, 'ab']],
    ['INSERT INTO ul (i, at, n) SELECT $1, $2, $3', [41, '2024-01-01 00:00', '2.25']],
    ['INSERT INTO ul (i, v) SELECT $1, $2', [42, 'abcd']],
    ['INSERT INTO ul (i, b) SELECT $1, $2 WHERE $1 > 0', [43, 'yes']],
    ['INSERT INTO ul (i, v) SELECT $1, $2 UNION ALL SELECT 45, \'u\'', [44, 'x']],
    ['SELECT $1 UNION SELECT 1 ORDER BY 1', ['5']],
    ['SELECT 1 AS one UNION ALL SELECT $1 ORDER BY 1', ['7']],
    ['SELECT $1, \'a\' UNION SELECT 2, $2 ORDER BY 1', ['3', 'b']],
    ['SELECT $1 UNION SELECT \'x\' ORDER BY 1', ['y']],
    ['SELECT $1 UNION SELECT 1 UNION SELECT 2 ORDER BY 1', ['0']],
    ['SELECT i, v, at::text, n, b FROM ul WHERE i >= 40 ORDER BY i', []],
    ['DELETE FROM ul WHERE i >= 40', []],
    // an untyped parameter beside typed values takes their common type (select_common_type)
    ['SELECT x FROM (VALUES ($1::numeric), ($2)) v(x) ORDER BY 1', ['5.5', '6']],
    ['SELECT x FROM (VALUES ($1::timestamptz), ($2)) v(x) ORDER BY 1', ['2024-01-01', '2024-01-02']],
    ['SELECT x FROM (VALUES ($1::date), ($2)) v(x) ORDER BY 1', ['2024-01-01', '2024-01-02']],
    ['SELECT x FROM (VALUES (1.5), ($1)) v(x) ORDER BY 1', ['6']],
    ['SELECT CASE WHEN $1 THEN 1.5 ELSE $2 END AS a', ['false', '2.25']],
    ['SELECT coalesce($1, 1.5) AS a, greatest($2, 1.5, 0.5) AS b', ['2.75', '3.5']],
    ['SELECT coalesce($1, current_date) = current_date AS a', ['2024-05-05']],
    ["SELECT least($1, timestamptz '2024-01-01') AS a", ['2023-01-01']],
    ['SELECT ARRAY[$1, 1.5] AS a', ['2.5']],
    // several operators fit two untyped values equally: "is not unique" (42725), not "does not exist"
    ['SELECT -$1', ['5']],
    ['SELECT $1 + $2', ['1', '2']],
    ["SELECT -'a'", []],
    ["SELECT 'a' + 'b'", []],
    ["SELECT 'a' @> 'b'", []],
  ] as const) {
    assert.deepEqual(await answer(strata, sql, [...params]), await answer(postgres, sql, [...params]), sql);
  }
});

test('an untyped argument where a function\'s only polymorphic one is: 42804, not text', { skip: pair.skip }, async () => {
  await sameAnswers(pair.db(), [
    "SELECT to_json('abc')", 'SELECT to_json(NULL)', 'SELECT to_jsonb(NULL)', "SELECT array_to_json('{1}')", "SELECT array_to_json('{1}', true)",
    "SELECT array_length('{1}', 1)", "SELECT array_upper('{1}', 1)", 'SELECT array_lower(NULL, 1)', "SELECT array_dims('{1}')",
    "SELECT array_ndims('{1}')", "SELECT cardinality('{1}')", "SELECT json_agg('a')", 'SELECT jsonb_agg(NULL)',
    "SELECT to_json('abc'::text), to_jsonb(1), cardinality('{1}'::int[]), array_length('{1,2}'::int[], 1)",
  ]);
});

test('an untyped argument of a one-argument aggregate: text, the one category\'s preferred type, or not unique', { skip: pair.skip }, async () => {
  await sameAnswers(pair.db(), [
    "SELECT sum('1')", 'SELECT avg(NULL)', 'SELECT bit_or(NULL)', "SELECT avg(DISTINCT '1')",
    "SELECT stddev('1') AS a, variance('1') AS b, stddev_pop(NULL) AS c, var_pop('2.5') AS d", "SELECT stddev('abc')",
    "SELECT bool_and('t') AS a, every(NULL) AS b, bool_or('no') AS c", "SELECT max(NULL) AS a, min('a') AS b",
  ]);
});

test('EXTRACT of an untyped value: its pg_catalog.extract is not unique (42725)', { skip: pair.skip }, async () => {
  await sameAnswers(pair.db(), [
    "SELECT extract(year from '2024-01-01')", 'SELECT extract(year from NULL)', 'SELECT extract(year from 1)', "SELECT pg_catalog.abs('1')",
  ]);
});
