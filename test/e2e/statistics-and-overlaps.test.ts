/**
 * The two-argument statistics aggregates (corr, covar_*, regr_*) and `(a, b) OVERLAPS (c, d)`,
 * against PostgreSQL 15 side by side: the same digits (PostgreSQL's own Youngs-Cramer sums), the
 * same NULLs, errors and column types.
 */
import { test } from 'node:test';
import { sameAnswers, useDifferential } from '../support/differential.js';

const pair = useDifferential([
  `CREATE TABLE r (id int PRIMARY KEY, g text, x float8, y numeric, z int)`,
  `INSERT INTO r SELECT i, chr(97 + i % 2), i * 1.5, (i * 7 % 11)::numeric / 4, i % 3 FROM generate_series(1, 20) i`,
  `INSERT INTO r VALUES (21, 'a', NULL, 1, 1), (22, 'b', 2, NULL, 2)`,
]);

async function same(texts: readonly string[]): Promise<void> {
  await sameAnswers(pair.db(), texts);
}

test('corr, covar_pop, covar_samp and the regr_ aggregates, grouped and as window functions', { skip: pair.skip }, async () => {
  await same([
    `SELECT g, corr(y, x), covar_pop(y, x), covar_samp(y, x), regr_count(y, x), regr_slope(y, x), regr_intercept(y, x), regr_r2(y, x) FROM r GROUP BY g ORDER BY g`,
    `SELECT regr_sxx(y, x), regr_syy(y, x), regr_sxy(y, x), regr_avgx(y, x), regr_avgy(y, x) FROM r`,
    `SELECT corr(z, id), corr(id, id), corr(1, id), regr_r2(1, id), regr_r2(id, 1), regr_slope(id, 1) FROM r`,
    `SELECT corr(x, y) FROM r WHERE false`,
    `SELECT regr_count(x, y) FROM r WHERE false`,
    `SELECT covar_samp(x, y) FROM r WHERE id = 1`,
    `SELECT corr('1', x) FROM r`,
    `SELECT corr(g, x) FROM r`,
    `SELECT corr(x) FROM r`,
    `SELECT id, corr(y, x) OVER (ORDER BY id ROWS BETWEEN 3 PRECEDING AND CURRENT ROW), regr_count(y, x) OVER (PARTITION BY g) FROM r ORDER BY id LIMIT 8`,
    `SELECT corr(x, 'infinity'::float8) FROM r`,
    `SELECT covar_pop(1e308::float8, id) FROM r`,
    `SELECT corr(DISTINCT z, z) FROM r`,
    `SELECT regr_slope(y, x) FILTER (WHERE z > 0) FROM r`,
  ]);
});

test('(start, end) OVERLAPS (start, end): dates, times, timestamps, intervals as ends, NULL ends', { skip: pair.skip }, async () => {
  await same([
    `SELECT (date '2024-01-01', date '2024-02-01') OVERLAPS (date '2024-01-15', date '2024-03-01')`,
    `SELECT (date '2024-01-01', date '2024-02-01') OVERLAPS (date '2024-02-01', date '2024-03-01')`,
    `SELECT (date '2024-02-01', date '2024-01-01') OVERLAPS (date '2024-01-15', date '2024-01-16')`,
    `SELECT (timestamp '2024-01-01', interval '2 days') OVERLAPS (timestamp '2024-01-02', interval '1 hour')`,
    `SELECT (timestamptz '2024-01-01 00:00+00', timestamptz '2024-01-01 05:00+00') OVERLAPS (timestamptz '2024-01-01 04:00+00', NULL)`,
    `SELECT (NULL::date, date '2024-02-01') OVERLAPS (date '2024-01-15', date '2024-03-01')`,
    `SELECT (NULL::date, NULL::date) OVERLAPS (date '2024-01-15', date '2024-03-01')`,
    `SELECT (date '2024-01-01', NULL::date) OVERLAPS (date '2024-01-01', date '2024-03-01')`,
    `SELECT (date '2024-01-01', NULL::date) OVERLAPS (date '2023-01-01', date '2023-03-01')`,
    `SELECT (time '10:00', time '12:00') OVERLAPS (time '11:00', time '13:00')`,
    `SELECT (1, 2) OVERLAPS (3, 4)`,
    `SELECT x FROM generate_series(1, 3) x WHERE (date '2024-01-01' + x, date '2024-01-03') OVERLAPS (date '2024-01-02', date '2024-01-05')`,
  ]);
});
