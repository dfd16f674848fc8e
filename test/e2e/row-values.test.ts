/**
 * Row values (ROW(…), whole-row references, field selection, record comparison, row comparisons
 * with subqueries, row_to_json), compared with PostgreSQL 15.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE t (a int PRIMARY KEY, b text, c numeric)',
  `INSERT INTO t VALUES (1, 'x', 1.5), (2, NULL, NULL), (3, 'a "q" \\ b', 2), (4, '', 0)`,
]);

test('row constructors as values: text output, VALUES, set operations, DISTINCT and ORDER BY', { skip }, async () => {
  for (const sql of [
    "SELECT row(1, 'a b', NULL), (1, 2), row(), row(row(1, 'x'), NULL)",
    "SELECT row(1, 2)::text, cast(row(1, 'a b') AS varchar)",
    'SELECT x FROM (VALUES (row(1, 2)), (row(1, 3))) _(x) UNION SELECT x FROM (VALUES (row(1, 2)), (row(1, 4))) _(x) ORDER BY 1',
    'SELECT x FROM (VALUES (row(1, 2)), (row(1, 3))) _(x) INTERSECT SELECT x FROM (VALUES (row(1, 2)), (row(1, 4))) _(x)',
    'SELECT x FROM (VALUES (row(1, 2)), (row(1, 3))) _(x) EXCEPT SELECT x FROM (VALUES (row(1, 2)), (row(1, 4))) _(x)',
    'SELECT row(a, b) FROM t UNION SELECT row(a, b) FROM t ORDER BY 1 DESC',
    'SELECT DISTINCT row(a % 2, c > 1) FROM t ORDER BY 1',
    'SELECT x FROM (VALUES (row(1, NULL)), (row(1, 2)), (row(NULL, 1)), (NULL)) v(x) ORDER BY x',
    'SELECT row(a, count(*)) FROM t GROUP BY a ORDER BY 1',
    'SELECT t::text, count(*) FROM t GROUP BY t ORDER BY t',
    'SELECT t.a FROM t GROUP BY t',
    'SELECT max(row(a)), min(t) FROM t',
    "SELECT 'x' || row(1, 2), row(1, 2) || 'y', concat(row(1, 2), 'z'), format('%s', row(1, 'a b'))",
    'SELECT greatest(row(1, 2), row(1, 3)), least(row(1, 2), row(1, 3)), row(1, 2) BETWEEN row(0, 0) AND row(2, 2)',
    "SELECT CASE row(1, 2) WHEN row(1, 2) THEN 'y' ELSE 'n' END, nullif(row(1, 2), row(1, 2)) IS NULL",
    "SELECT x FROM (VALUES (row(1, 'a')), (row(NULL, NULL))) v(x) ORDER BY x",
    "SELECT DISTINCT row(1, 'x')",
    "SELECT '(1,2)'::record",
    "SELECT array[row(1, 'a b'), row(2, NULL)], array_agg(row(x)) FROM (VALUES (1), (2)) v(x)",
    'SELECT array(SELECT row(x, x * 2) FROM (VALUES (1), (2)) v(x))',
  ]) await db().same(sql);
});

test('record comparison: = and ordering between row values, NULL fields equal and last', { skip }, async () => {
  for (const sql of [
    'SELECT (1, 2) = (1, NULL), row(1, 2) < row(1, 3), (1, 2) < (1, NULL), (1, 2) < (2, NULL), (NULL, 1) <= (NULL, 2)',
    'SELECT row(1, NULL) IS DISTINCT FROM row(1, NULL), row(1, NULL) IS NOT DISTINCT FROM row(1, 2)',
    'SELECT x = y, x < y, x >= y FROM (VALUES (row(1, NULL), row(1, NULL)), (row(1, 2), row(1, NULL)), (row(1, 3), row(2, 0))) v(x, y)',
    'SELECT row(1, 2) = row(1, 2, 3)',
    'SELECT x = row(1, 2) FROM (VALUES (row(1, 2)), (row(1, 3))) v(x)',
    "SELECT x = y FROM (VALUES (row(1), row('a'::text))) v(x, y)",
  ]) await db().same(sql);
});

test('IS [NOT] NULL of a row looks at every field', { skip }, async () => {
  for (const sql of [
    'SELECT row(1, 2) IS NULL, row(NULL, NULL) IS NULL, row(1, NULL) IS NOT NULL, row(NULL, NULL) IS NOT NULL',
    'SELECT a, (a, b) IS NULL, (b, c) IS NULL, (b, c) IS NOT NULL, t IS NOT NULL FROM t ORDER BY a',
    'SELECT count(*) FROM t WHERE t IS NOT NULL',
  ]) await db().same(sql);
});

test('whole-row references and field selection', { skip }, async () => {
  for (const sql of [
    'SELECT foo FROM (SELECT 1 OFFSET 0) AS foo',
    'SELECT foo FROM (SELECT NULL OFFSET 0) AS foo',
    "SELECT foo FROM (SELECT 'xyzzy', 1, NULL OFFSET 0) AS foo",
    'SELECT q FROM (SELECT max(a) FROM t GROUP BY a ORDER BY a) q',
    'WITH q AS (SELECT max(a) FROM t GROUP BY a ORDER BY a) SELECT q FROM q',
    'SELECT t::text FROM t ORDER BY a',
    'SELECT row(t.*) FROM t ORDER BY a',
    'SELECT (t).a, (t).* FROM t ORDER BY 1',
    'SELECT (t.*).b FROM t ORDER BY a',
    "SELECT foo.x, (foo).y, (foo).* FROM (SELECT 1 AS x, 'a' AS y OFFSET 0) foo",
    'SELECT (row(1, 2)).f1, (row(1, 2)).f2',
    'SELECT (row(1, 2)).f3',
    'SELECT (1).x',
    'SELECT (x).f1 FROM (VALUES (row(1, 2))) _(x)',
    'SELECT (x).f1, (x).f2 FROM (SELECT row(1, 2) AS x) s',
    'SELECT * FROM t t1 WHERE (SELECT t1) IS NOT NULL ORDER BY a',
    'SELECT a, (SELECT row_to_json(t1) FROM t t2 WHERE t2.a = t1.a + 1) FROM t t1 ORDER BY a',
    'SELECT b FROM t GROUP BY b HAVING (SELECT t) IS NULL',
    "SELECT CASE WHEN a = 1 THEN row(a, b) ELSE row(0, 'z') END FROM t ORDER BY a",
    'SELECT CASE WHEN a = 1 THEN 1 ELSE a END, CASE WHEN a = 1 THEN 1 ELSE 2 END, CASE WHEN a = 1 THEN 1 ELSE coalesce(a, 1) END FROM t ORDER BY 1',
    "SELECT t FROM t WHERE t = row(1, 'x', 1.5)",
    'SELECT row(1, 2) IN (row(1, 2), row(3, 4)), row(1, NULL) IN (row(1, 2))',
    'SELECT x IN (row(1, 2)) FROM (VALUES (row(1, 2))) v(x)',
    'SELECT (1, 2) = (SELECT 1, 2 UNION ALL SELECT 1, 3)',
    'SELECT count(t), count(DISTINCT row(a % 2)) FROM t',
  ]) await db().same(sql);
});

test('a whole-row reference to a table is a record: PostgreSQL names its row type there (a departure)', { skip }, async () => {
  const strata = await db().strata.query('SELECT t FROM t ORDER BY a');
  const postgres = await db().postgres.query('SELECT t FROM t ORDER BY a');
  assert.deepEqual(strata.rows, postgres.rows);
  assert.equal(strata.fields[0]!.dataTypeID, 2249);
});

test('row comparisons with subqueries: IN, = ANY, <> ALL, = (SELECT …), ordering operators', { skip }, async () => {
  for (const sql of [
    'SELECT a FROM t WHERE (a, b) IN (SELECT a, b FROM t WHERE a < 3) ORDER BY a',
    "SELECT a FROM t WHERE (a, b) IN (VALUES (1, 'x'), (3, 'y')) ORDER BY a",
    "SELECT a FROM t WHERE (a, b) NOT IN (VALUES (1, 'x'), (3, 'y')) ORDER BY a",
    "SELECT a FROM t WHERE (a, b) NOT IN (VALUES (1, 'x'), (3, NULL)) ORDER BY a",
    'SELECT a FROM t WHERE (a, c) = (SELECT 1, 1.5)',
    'SELECT a FROM t WHERE (a, c) <= (SELECT 2, 1) ORDER BY a',
    'SELECT a FROM t WHERE (a, c) = (SELECT 1, 1.5 WHERE false)',
    'SELECT a FROM t WHERE (a, b) = ANY (SELECT a, b FROM t) ORDER BY a',
    'SELECT a FROM t WHERE (a, b) <> ALL (SELECT a, b FROM t WHERE a = 1) ORDER BY a',
    'SELECT a, (a, a) IN (SELECT x.a, y.a FROM t x, t y WHERE x.a = t.a) FROM t ORDER BY a',
    'SELECT row(row(row(1))) = ANY (SELECT row(row(1)))',
    'SELECT a FROM t WHERE (a, b) = (SELECT a, b FROM t)',
    'SELECT a FROM t WHERE (a, b) = (SELECT a FROM t)',
    'SELECT a FROM t WHERE (a, b) IN (SELECT a, b, c FROM t)',
    "SELECT row(1, 'a') IN (SELECT row(1, 'a'))",
    "SELECT a, (a, b) IN (SELECT a, b FROM t), (a, b) NOT IN (SELECT a, b FROM t WHERE a <> 1), (a, b) IN (VALUES (2, NULL::text), (9, 'z')) FROM t ORDER BY a",
    "SELECT a, (a, b) NOT IN (SELECT 1, 'x' UNION ALL SELECT NULL, 'y') FROM t ORDER BY a",
  ]) await db().same(sql);
});

test('row_to_json, to_json and to_jsonb of rows', { skip }, async () => {
  for (const sql of [
    'SELECT row_to_json(t), to_jsonb(t), to_json(t) FROM t ORDER BY a',
    "SELECT row_to_json(row(1, 'a', NULL, row(2, 'b'))), to_jsonb(row(1, 'x'))",
    'SELECT row_to_json(foo) FROM (SELECT 1 AS x, NULL::text AS y) foo',
    'SELECT json_agg(t ORDER BY a), jsonb_agg(t ORDER BY a), json_object_agg(a, t ORDER BY a) FROM t',
    "SELECT json_build_object('r', row(1, 'a')), jsonb_build_object('r', row(1, 'a')), json_build_array(row(1, 2))",
    'SELECT json_agg(row(a, b) ORDER BY a) FROM t',
    `SELECT row_to_json(row(1, array[1, 2], '{"k":1}'::json, '{"k": 2}'::jsonb))`,
  ]) await db().same(sql);
});

test('UPDATE … SET (a, b) = ROW(v.*) takes the fields in order; SET a = v.* is a record', { skip }, async () => {
  for (const sql of [
    'CREATE TABLE update_test (a int DEFAULT 10, b int, c text)',
    "INSERT INTO update_test VALUES (5, 10, 'foo'), (10, 15, 'bar'), (21, 99, NULL)",
    'UPDATE update_test SET a = v.* FROM (VALUES (100, 20)) AS v(i, j) WHERE update_test.b = v.j',
    'UPDATE update_test SET (a, b) = ROW(v.*) FROM (VALUES (21, 100)) AS v(i, j) WHERE update_test.a = v.i',
    'UPDATE update_test SET (b, a) = ROW(v.*) FROM (VALUES (21, 101)) AS v(i, j) WHERE update_test.b = v.j',
    'SELECT a, b, char_length(c) FROM update_test ORDER BY a',
    'UPDATE update_test SET (a, b, c) = ROW(v.*) FROM (VALUES (21, 100)) AS v(i, j) WHERE update_test.a = v.i',
    'UPDATE update_test SET (a, b) = ROW(v.*, 1) FROM (VALUES (21, 100)) AS v(i, j) WHERE update_test.a = v.i',
    'UPDATE update_test SET (a, b) = (v.*) FROM (VALUES (21, 100)) AS v(i, j) WHERE update_test.a = v.i',
    'SELECT a, b, char_length(c) FROM update_test ORDER BY a',
  ]) await db().same(sql);
});

test('a row value in binary format is record_send: field count, then each field\'s type OID, length and value', { skip }, async () => {
  const query = {
    text: "SELECT row(1, 'a b'::text, NULL::int, row(2.5::float8, 12.50::numeric), 9::int8, true) AS r",
    name: 'binary-record', binary: true, types: { getTypeParser: () => (value: unknown) => value },
  };
  const strata = await db().strata.query(query);
  const postgres = await db().postgres.query(query);
  assert.equal(strata.fields[0]!.format, 'binary');
  assert.equal(strata.fields[0]!.dataTypeID, 2249);
  assert.deepEqual(strata.rows, postgres.rows);
});
