/**
 * json (and jsonpath, and arrays of them) has no equality operator: grouping, DISTINCT in a
 * select list or an aggregate, and UNION/INTERSECT/EXCEPT without ALL are PostgreSQL's 42883 at
 * the expression. Before, Strata grouped json by its text and answered, where PostgreSQL refuses
 * (and `'{"a":1}'` and `'{"a": 1}'` were two groups). What needs no equality still answers: ALL
 * set operations, jsonb, json cast to text. Compared with PostgreSQL 15 down to the message and
 * its position.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exactOutcome, useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE jt (id int PRIMARY KEY, j json, b jsonb)',
  `INSERT INTO jt VALUES (1, '{"a":1}', '{"a":1}'), (2, '{"a": 1}', '{"a": 1}'), (3, '[1]', '[1]')`,
]);

test('grouping, DISTINCT and set operations over json are 42883 at the expression', { skip }, async () => {
  for (const sql of [
    'SELECT DISTINCT j FROM jt',
    'SELECT DISTINCT (j) FROM jt',
    'SELECT DISTINCT id, j FROM jt',
    'SELECT DISTINCT * FROM jt',
    'SELECT j, count(*) FROM jt GROUP BY j',
    'SELECT id FROM jt GROUP BY id, j',
    'SELECT j FROM jt GROUP BY 1',
    'SELECT x FROM (SELECT j AS x FROM jt) s GROUP BY x',
    'SELECT j FROM jt GROUP BY ROLLUP (j)',
    'SELECT j FROM jt GROUP BY GROUPING SETS ((j), ())',
    'SELECT array[j] FROM jt GROUP BY array[j]',
    'SELECT j FROM jt UNION SELECT j FROM jt',
    'SELECT j FROM jt INTERSECT SELECT j FROM jt',
    'SELECT id, j FROM jt EXCEPT SELECT id, j FROM jt',
    `SELECT * FROM (VALUES ('{}'::json)) v(x) UNION SELECT '[]'::json`,
    'SELECT count(DISTINCT j) FROM jt',
    'SELECT array_agg(DISTINCT j) FROM jt',
    'SELECT json_object_agg(DISTINCT id, j) FROM jt',
    'SELECT id FROM jt GROUP BY id HAVING count(DISTINCT j) > 0',
    "SELECT DISTINCT jsonpath '$.a'",
    // What needs no equality operator answers.
    'SELECT j FROM jt UNION ALL SELECT j FROM jt ORDER BY 1::text',
    'SELECT DISTINCT b FROM jt ORDER BY b',
    'SELECT b, count(*) FROM jt GROUP BY b ORDER BY b',
    'SELECT jsonb_agg(DISTINCT b) FROM jt',
    'SELECT j::text, count(*) FROM jt GROUP BY j::text ORDER BY 1',
    'SELECT count(j) FROM jt',
    // A type mismatch in a set operation over `*` is placed at the star, as PostgreSQL places it.
    "SELECT * FROM (VALUES (1)) a UNION SELECT * FROM (VALUES ('x'::text)) b",
  ]) {
    assert.deepEqual(await exactOutcome(db().strata, sql, { position: true }), await exactOutcome(db().postgres, sql, { position: true }), sql);
  }
});
