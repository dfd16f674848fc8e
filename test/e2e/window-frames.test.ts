/**
 * Window frames compared with PostgreSQL 15: RANGE offsets per sort type (in_range: NULLs, NaN,
 * infinities, DESC), GROUPS, EXCLUDE, every frame-based function over them, and the errors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  `CREATE TABLE f (id int PRIMARY KEY, g text, i int, s smallint, b bigint, x float8, r real, n numeric,
     d date, t time, ts timestamp, tz timestamptz, iv interval, w text)`,
  `INSERT INTO f VALUES
     (1, 'a', 1, 1, 10, 1.5, 1.5, 1.5, '2024-01-01', '08:00', '2024-01-01 08:00', '2024-01-01 08:00+00', '1 day', 'p'),
     (2, 'a', 2, 2, 20, 2, 2, 2.25, '2024-01-02', '09:30', '2024-01-01 09:30', '2024-01-01 09:30+00', '1 day 2 hours', 'q'),
     (3, 'a', 2, 2, 20, 'NaN', 'NaN', 'NaN', '2024-01-04', '09:30', '2024-01-02 09:30', '2024-01-02 09:30+00', '2 days', 'r'),
     (4, 'a', 5, 5, 50, 'Infinity', 'Infinity', 'Infinity', 'infinity', '12:00', 'infinity', 'infinity', '1 mon', 's'),
     (5, 'a', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 't'),
     (6, 'b', 7, 7, 70, '-Infinity', '-Infinity', '-Infinity', '-infinity', '00:00', '-infinity', '-infinity', '-1 day', 'u'),
     (7, 'b', 8, 8, 80, 8, 8, 8.125, '2024-02-01', '23:59', '2024-02-01 00:00', '2024-02-01 00:00+00', '31 days', 'v'),
     (8, 'b', 8, 8, 80, 9.75, 9.75, 9.75, '2024-02-03', '24:00', '2024-02-03 00:00', '2024-02-03 00:00+00', '1 mon 1 day', NULL),
     (9, 'b', 12, 12, 120, -3, -3, -3, '2023-12-25', '01:00', '2023-12-25 00:00', '2023-12-25 00:00+00', '00:00', 'x'),
     (10, 'b', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'y')`,
]);

const same = async (sqls: readonly string[]) => {
  for (const sql of sqls) await db().same(sql);
};

/**
 * Rows with equal sort keys may reach a window in any order (PostgreSQL's sort is not stable),
 * so order-sensitive calls read the sort key itself, the same for every peer.
 */
const keyColumn = (key: string) => key.split(' ')[0]!;

test('RANGE offsets over integer, numeric and float keys, ascending and descending, with NULLs', { skip }, async () => {
  const frames = [
    'RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING',
    'RANGE BETWEEN 3 PRECEDING AND CURRENT ROW',
    'RANGE BETWEEN CURRENT ROW AND 2 FOLLOWING',
    'RANGE BETWEEN 1 FOLLOWING AND 4 FOLLOWING',
    'RANGE BETWEEN 5 PRECEDING AND 2 PRECEDING',
    'RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING',
    'RANGE BETWEEN 0 PRECEDING AND UNBOUNDED FOLLOWING',
    'RANGE 2 PRECEDING',
  ];
  const sqls: string[] = [];
  for (const frame of frames) {
    for (const key of ['i', 's', 'b', 'i DESC', 'i NULLS FIRST', 'b DESC NULLS LAST']) {
      const k = keyColumn(key);
      sqls.push(`SELECT id, sum(id) OVER w, count(*) OVER w, first_value(${k}) OVER w, last_value(${k}) OVER w FROM f WINDOW w AS (PARTITION BY g ORDER BY ${key} ${frame}) ORDER BY id`);
    }
  }
  for (const frame of ['RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING', "RANGE BETWEEN 'Infinity' PRECEDING AND CURRENT ROW",
    "RANGE BETWEEN CURRENT ROW AND 'Infinity' FOLLOWING", 'RANGE BETWEEN 0.5 PRECEDING AND 6.5 FOLLOWING']) {
    for (const key of ['x', 'r', 'n', 'x DESC', 'n DESC NULLS LAST', 'n NULLS FIRST']) {
      sqls.push(`SELECT id, array_agg(${keyColumn(key)}) OVER w, sum(id) OVER w FROM f WINDOW w AS (ORDER BY ${key} ${frame}) ORDER BY id`);
    }
  }
  sqls.push(
    'SELECT id, sum(n) OVER (ORDER BY n RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING), avg(n) OVER (ORDER BY i RANGE 3 PRECEDING) FROM f ORDER BY id',
    'SELECT id, sum(i) OVER (ORDER BY i RANGE BETWEEN 1::int2 PRECEDING AND 1::int8 FOLLOWING) FROM f ORDER BY id',
    "SELECT id, sum(i) OVER (ORDER BY i RANGE BETWEEN '2' PRECEDING AND CURRENT ROW) FROM f ORDER BY id",
    'SELECT id, sum(i) OVER (ORDER BY i RANGE BETWEEN 2147483647 PRECEDING AND 2147483647 FOLLOWING) FROM f ORDER BY id',
    'SELECT id, sum(i) OVER (ORDER BY b RANGE BETWEEN 9223372036854775807 PRECEDING AND 9223372036854775807 FOLLOWING) FROM f ORDER BY id',
    'SELECT id, sum(id) OVER (ORDER BY i RANGE BETWEEN $1 PRECEDING AND $1 FOLLOWING) FROM f ORDER BY id',
  );
  await same(sqls);
  await db().same('SELECT id, sum(id) OVER (ORDER BY i RANGE BETWEEN $1 PRECEDING AND $1 FOLLOWING) FROM f ORDER BY id', [3]);
});

test('RANGE offsets over date, time, timestamp, timestamptz and interval keys take intervals', { skip }, async () => {
  const sqls: string[] = [];
  for (const key of ['d', 'ts', 'tz', 'iv', 'd DESC', 'tz DESC NULLS LAST', 'iv NULLS FIRST']) {
    for (const frame of ["RANGE BETWEEN '1 day' PRECEDING AND '1 day' FOLLOWING", "RANGE BETWEEN '1 mon' PRECEDING AND CURRENT ROW",
      "RANGE BETWEEN CURRENT ROW AND '36 hours' FOLLOWING", "RANGE BETWEEN '2 days' FOLLOWING AND '1 year' FOLLOWING"]) {
      sqls.push(`SELECT id, string_agg(${keyColumn(key)}::text, ',') OVER w, sum(id) OVER w FROM f WINDOW w AS (ORDER BY ${key} ${frame}) ORDER BY id`);
    }
  }
  for (const frame of ["RANGE BETWEEN '90 minutes' PRECEDING AND '1 hour' FOLLOWING", "RANGE BETWEEN '1 day 1 hour' PRECEDING AND CURRENT ROW",
    "RANGE BETWEEN CURRENT ROW AND '20 hours' FOLLOWING"]) {
    sqls.push(`SELECT id, string_agg(t::text, ',') OVER (ORDER BY t ${frame}), sum(id) OVER (ORDER BY t ${frame}) FROM f ORDER BY id`);
    sqls.push(`SELECT id, string_agg(t::text, ',') OVER (ORDER BY t DESC ${frame}), sum(id) OVER (ORDER BY t DESC ${frame}) FROM f ORDER BY id`);
  }
  await same(sqls);
});

test('GROUPS frames count peer groups', { skip }, async () => {
  const sqls: string[] = [];
  for (const frame of ['GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING', 'GROUPS BETWEEN CURRENT ROW AND 2 FOLLOWING', 'GROUPS 1 PRECEDING',
    'GROUPS BETWEEN 2 PRECEDING AND 1 PRECEDING', 'GROUPS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING', 'GROUPS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW',
    'GROUPS BETWEEN 0 PRECEDING AND 0 FOLLOWING', 'GROUPS BETWEEN 10 PRECEDING AND 10 FOLLOWING']) {
    for (const key of ['i', 'g', 'i DESC', 'x NULLS FIRST']) {
      const k = keyColumn(key);
      sqls.push(`SELECT id, array_agg(${k}) OVER w, first_value(${k}) OVER w, last_value(${k}) OVER w, nth_value(${k}, 2) OVER w, max(w) OVER w, sum(id) OVER w FROM f WINDOW w AS (ORDER BY ${key} ${frame}) ORDER BY id`);
    }
  }
  sqls.push('SELECT id, sum(i) OVER (PARTITION BY g ORDER BY i GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM f ORDER BY id');
  await same(sqls);
});

test('EXCLUDE CURRENT ROW, GROUP, TIES and NO OTHERS in ROWS, RANGE and GROUPS frames', { skip }, async () => {
  const sqls: string[] = [];
  for (const exclude of ['EXCLUDE CURRENT ROW', 'EXCLUDE GROUP', 'EXCLUDE TIES', 'EXCLUDE NO OTHERS']) {
    for (const frame of ['ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING', 'ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW', 'RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING',
      'RANGE BETWEEN 1 PRECEDING AND 3 FOLLOWING', 'GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING', 'RANGE BETWEEN CURRENT ROW AND CURRENT ROW']) {
      sqls.push(`SELECT id, sum(i) OVER w, count(*) OVER w, string_agg(i::text, ',') OVER w, first_value(i) OVER w, last_value(i) OVER w,
        nth_value(i, 3) OVER w, min(x) OVER w, avg(n) OVER w, sum(id) OVER w FROM f WINDOW w AS (ORDER BY i ${frame} ${exclude}) ORDER BY id`);
      sqls.push(`SELECT id, string_agg(w, ',') OVER w, first_value(id) OVER w, last_value(id) OVER w, nth_value(w, 2) OVER w, sum(x) OVER w
        FROM f WINDOW w AS (ORDER BY i / 4, id ${frame.replace('RANGE BETWEEN 1 PRECEDING AND 3 FOLLOWING', 'ROWS BETWEEN 3 PRECEDING AND 1 FOLLOWING')} ${exclude}) ORDER BY id`);
    }
  }
  sqls.push("SELECT id, sum(i) FILTER (WHERE g = 'a') OVER (ORDER BY i ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE TIES) FROM f ORDER BY id");
  sqls.push('SELECT id, count(*) OVER (EXCLUDE CURRENT ROW), count(*) OVER (ORDER BY g EXCLUDE GROUP) FROM f ORDER BY id');
  await same(sqls);
});

test('aggregates slide over moving frames with PostgreSQL\'s results, scales and float sums', { skip }, async () => {
  await same([
    'SELECT id, sum(n) OVER w, avg(n) OVER w, sum(b) OVER w, avg(i) OVER w, sum(x) OVER w, avg(r) OVER w, count(n) OVER w FROM f WINDOW w AS (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) ORDER BY id',
    `SELECT k, sum(v) OVER w, avg(v) OVER w, sum(v::float8) OVER w, min(v) OVER w, max(v) OVER w
       FROM (VALUES (1, 1.5), (2, 2), (3, 0.125), (4, 3), (5, NULL), (6, 4.25), (7, 'NaN'), (8, 1), (9, 2.5)) AS v(k, v)
       WINDOW w AS (ORDER BY k ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) ORDER BY k`,
    'SELECT sum(iv), g FROM f GROUP BY g ORDER BY g',
    'SELECT id, sum(iv) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW), sum(iv) OVER (ORDER BY i GROUPS 1 PRECEDING EXCLUDE TIES) FROM f ORDER BY id',
    `SELECT k, sum(v) OVER (ORDER BY k ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
       FROM (VALUES (1, 'Infinity'::numeric), (2, '-Infinity'), (3, 1), (4, 2)) AS v(k, v) ORDER BY k`,
    `SELECT k, sum(k) OVER (ORDER BY k RANGE BETWEEN 10 PRECEDING AND CURRENT ROW), count(*) OVER (ORDER BY k RANGE BETWEEN 3 PRECEDING AND 3 FOLLOWING)
       FROM generate_series(1, 200, 3) AS k ORDER BY k`,
  ]);
});

test('frame errors give PostgreSQL\'s SQLSTATEs', { skip }, async () => {
  await same([
    'SELECT sum(i) OVER (ORDER BY i, x RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM f',
    'SELECT sum(i) OVER (RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM f',
    'SELECT sum(i) OVER (ORDER BY w RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM f',
    "SELECT sum(i) OVER (ORDER BY i RANGE BETWEEN '1 day' PRECEDING AND CURRENT ROW) FROM f",
    'SELECT sum(i) OVER (ORDER BY i RANGE BETWEEN 1.5 PRECEDING AND CURRENT ROW) FROM f',
    'SELECT sum(i) OVER (ORDER BY ts RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM f',
    'SELECT sum(i) OVER (ORDER BY d RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM f',
    'SELECT sum(i) OVER (ORDER BY n RANGE BETWEEN 1::float8 PRECEDING AND CURRENT ROW) FROM f',
    'SELECT sum(i) OVER (ORDER BY i RANGE BETWEEN -1 PRECEDING AND CURRENT ROW) FROM f',
    "SELECT sum(i) OVER (ORDER BY x RANGE BETWEEN 'NaN' PRECEDING AND CURRENT ROW) FROM f",
    "SELECT sum(i) OVER (ORDER BY n RANGE BETWEEN '-Infinity' PRECEDING AND CURRENT ROW) FROM f",
    "SELECT sum(i) OVER (ORDER BY ts RANGE BETWEEN '-1 day' PRECEDING AND CURRENT ROW) FROM f",
    "SELECT sum(i) OVER (ORDER BY t RANGE BETWEEN '-1 hour' PRECEDING AND CURRENT ROW) FROM f",
    "SELECT sum(i) OVER (ORDER BY iv RANGE BETWEEN '-1 day' PRECEDING AND CURRENT ROW) FROM f",
    'SELECT sum(i) OVER (ORDER BY i RANGE BETWEEN NULL PRECEDING AND CURRENT ROW) FROM f',
    'SELECT sum(i) OVER (ORDER BY i ROWS BETWEEN CURRENT ROW AND NULL FOLLOWING) FROM f',
    'SELECT sum(i) OVER (ORDER BY i ROWS BETWEEN -1 PRECEDING AND CURRENT ROW) FROM f WHERE false',
    'SELECT sum(i) OVER (ORDER BY i GROUPS BETWEEN CURRENT ROW AND -2 FOLLOWING) FROM f',
    'SELECT sum(i) OVER (GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM f',
    'SELECT sum(i) OVER (ORDER BY i RANGE BETWEEN i PRECEDING AND CURRENT ROW) FROM f',
    'SELECT sum(i) OVER (ORDER BY i ROWS BETWEEN i PRECEDING AND CURRENT ROW) FROM f',
    'SELECT sum(i) OVER (ORDER BY i RANGE BETWEEN sum(i) PRECEDING AND CURRENT ROW) FROM f',
    'SELECT sum(i) OVER (ORDER BY i RANGE BETWEEN CURRENT ROW AND 1 PRECEDING) FROM f',
    "SELECT string_agg(w, ',' ORDER BY w DESC) OVER (ORDER BY i) FROM f",
    'SELECT sum(i) OVER (ORDER BY i GROUPS BETWEEN 1 FOLLOWING AND CURRENT ROW) FROM f',
    'SELECT sum(i) OVER (ORDER BY i ROWS BETWEEN 1.6 PRECEDING AND CURRENT ROW) FROM f',
    "SELECT sum(i) OVER (ORDER BY i ROWS BETWEEN 'x'::text PRECEDING AND CURRENT ROW) FROM f",
    'SELECT row_number() OVER (ORDER BY i RANGE BETWEEN -1 PRECEDING AND CURRENT ROW) FROM f',
  ]);
});

test('a subquery as a frame offset is refused, not answered wrongly', { skip }, async () => {
  await assert.rejects(db().strata.query('SELECT sum(i) OVER (ORDER BY i RANGE BETWEEN (SELECT 2) PRECEDING AND CURRENT ROW) FROM f'),
    { code: '0A000', message: 'subqueries in a window RANGE offset are not supported' });
});

test('an untyped RANGE offset takes the sort column\'s own type', { skip }, async () => {
  for (const sql of [
    "SELECT sum(x) OVER (ORDER BY x RANGE BETWEEN '1 day' PRECEDING AND CURRENT ROW) FROM (VALUES (1)) v(x)",
    "SELECT sum(x) OVER (ORDER BY x RANGE BETWEEN 'a' PRECEDING AND CURRENT ROW) FROM (VALUES (1::int2)) v(x)",
    "SELECT sum(x) OVER (ORDER BY x RANGE BETWEEN '3000000000' PRECEDING AND CURRENT ROW) FROM (VALUES (1)) v(x)",
    "SELECT sum(x) OVER (ORDER BY x RANGE BETWEEN '1' PRECEDING AND CURRENT ROW) FROM (VALUES (1),(2),(4)) v(x)",
  ]) await db().same(sql);
});
