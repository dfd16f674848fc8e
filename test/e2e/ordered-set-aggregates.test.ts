/**
 * Ordered-set aggregates (`WITHIN GROUP`): percentile_cont, percentile_disc, mode, and the
 * hypothetical-set rank, dense_rank, percent_rank and cume_dist, compared with PostgreSQL 15 —
 * results, result types, NULL handling, direct arguments that name grouped columns, and the errors.
 */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE t (id int PRIMARY KEY, g int, x int, f float8, n numeric, s text, ts timestamptz, iv interval, d date)',
  'INSERT INTO t VALUES (1, 1, 1, 1.5, 1.5, \'a\', \'2024-01-01\', \'1 day\', \'2024-01-01\'), (2, 1, 3, 2.5, 2.5, \'b\', \'2024-01-03\', \'3 days 4 hours\', \'2024-01-05\'), (3, 1, 3, null, null, \'b\', null, null, null), (4, 2, 10, 10, 10, \'z\', \'2024-02-01\', \'1 hour\', \'2023-12-31\'), (5, 2, null, null, null, null, null, null, null)',
]);

test('percentile_cont, percentile_disc and mode per group, over every sortable type, with arrays of fractions', { skip }, async () => {
  for (const sql of [
    'SELECT g, percentile_cont(0.5) WITHIN GROUP (ORDER BY x), percentile_disc(0.5) WITHIN GROUP (ORDER BY x), mode() WITHIN GROUP (ORDER BY s) FROM t GROUP BY g ORDER BY g',
    'SELECT percentile_cont(ARRAY[0, 0.25, 0.5, 1]) WITHIN GROUP (ORDER BY f) FROM t',
    'SELECT percentile_disc(ARRAY[0, 0.25, 0.5, 1]) WITHIN GROUP (ORDER BY s) FROM t',
    'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY iv), percentile_cont(0.3) WITHIN GROUP (ORDER BY ts) FROM t',
    'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY n), percentile_disc(0.5) WITHIN GROUP (ORDER BY n DESC) FROM t',
    'SELECT percentile_cont(1.5) WITHIN GROUP (ORDER BY x) FROM t',
    'SELECT percentile_cont(NULL) WITHIN GROUP (ORDER BY x) FROM t',
    'SELECT percentile_cont(0.5) FROM t',
    'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s) FROM t',
    'SELECT rank(3) WITHIN GROUP (ORDER BY x), dense_rank(3) WITHIN GROUP (ORDER BY x), percent_rank(3) WITHIN GROUP (ORDER BY x), cume_dist(3) WITHIN GROUP (ORDER BY x) FROM t',
    'SELECT g, rank(3, \'b\') WITHIN GROUP (ORDER BY x DESC, s) FROM t GROUP BY g ORDER BY g',
    'SELECT rank(2.5) WITHIN GROUP (ORDER BY x) FROM t',
    'SELECT rank(3) WITHIN GROUP (ORDER BY x) FROM t WHERE false',
    'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM t WHERE false',
    'SELECT rank(1, 2) WITHIN GROUP (ORDER BY x) FROM t',
    'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) OVER () FROM t',
    'SELECT percentile_cont(x) WITHIN GROUP (ORDER BY x) FROM t',
    'SELECT g, percentile_cont(g / 10.0) WITHIN GROUP (ORDER BY x) FROM t GROUP BY g ORDER BY g',
    'SELECT mode() WITHIN GROUP (ORDER BY x) FILTER (WHERE x > 1) FROM t',
    'SELECT percentile_disc(0) WITHIN GROUP (ORDER BY x), percentile_disc(1) WITHIN GROUP (ORDER BY x) FROM t',
    'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x), sum(x) FROM t',
    'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY DISTINCT x) FROM t',
    'SELECT count(*) WITHIN GROUP (ORDER BY x) FROM t',
    'SELECT mode() WITHIN GROUP (ORDER BY x, s) FROM t',
    'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x NULLS FIRST) FROM t',
    'SELECT cume_dist(NULL) WITHIN GROUP (ORDER BY x) FROM t',
    'SELECT rank(NULL) WITHIN GROUP (ORDER BY x NULLS FIRST), rank(NULL) WITHIN GROUP (ORDER BY x) FROM t',
    'SELECT dense_rank(3) WITHIN GROUP (ORDER BY x) FROM t',
  ]) await db().same(sql);
});

test('ordered-set aggregates in HAVING, ORDER BY, ROLLUP, subqueries and beside other aggregates; their errors', { skip }, async () => {
  for (const sql of [
    'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY iv), percentile_cont(0.3) WITHIN GROUP (ORDER BY iv DESC) FROM t',
    'SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY ts), percentile_disc(0.5) WITHIN GROUP (ORDER BY d), mode() WITHIN GROUP (ORDER BY d DESC) FROM t',
    'SELECT g FROM t GROUP BY g HAVING percentile_cont(0.5) WITHIN GROUP (ORDER BY x) > 5',
    'SELECT g, percentile_disc(0.5) WITHIN GROUP (ORDER BY s) AS med FROM t GROUP BY g ORDER BY percentile_disc(0.5) WITHIN GROUP (ORDER BY s) DESC',
    'SELECT g, percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM t GROUP BY ROLLUP (g) ORDER BY g',
    'SELECT percentile_cont(1.5) WITHIN GROUP (ORDER BY x) FROM t WHERE false',
    'SELECT percentile_cont(\'NaN\') WITHIN GROUP (ORDER BY x) FROM t',
    'SELECT percentile_cont(1.0000001) WITHIN GROUP (ORDER BY x) FROM t',
    'SELECT percentile_cont(ARRAY[0.5, NULL]) WITHIN GROUP (ORDER BY x) FROM t',
    'SELECT percentile_cont(ARRAY[0.5, 2]) WITHIN GROUP (ORDER BY x) FROM t',
    'SELECT (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM t t2 WHERE t2.g = t.g) FROM t ORDER BY 1',
    'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x * 2 + 1) FROM t',
    'SELECT mode() WITHIN GROUP (ORDER BY s) FROM t WHERE g = 3',
    'SELECT percentile_disc(0.25) WITHIN GROUP (ORDER BY x::bigint), percentile_disc(0.25) WITHIN GROUP (ORDER BY n) FROM t',
    'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM t WHERE percentile_cont(0.5) WITHIN GROUP (ORDER BY x) > 1',
    'SELECT cume_dist(3, \'b\') WITHIN GROUP (ORDER BY x, s), percent_rank(3, \'b\') WITHIN GROUP (ORDER BY x, s DESC) FROM t',
    'SELECT dense_rank(10) WITHIN GROUP (ORDER BY x DESC NULLS LAST), rank(\'2024-01-02\'::date) WITHIN GROUP (ORDER BY d) FROM t',
    'SELECT rank(\'x\') WITHIN GROUP (ORDER BY x) FROM t',
    'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY f) FILTER (WHERE g = 1), count(*) FROM t',
    'SELECT g, mode() WITHIN GROUP (ORDER BY x), array_agg(x ORDER BY x) FROM t GROUP BY g ORDER BY 1',
    'SELECT percentile_cont($$0.5$$) WITHIN GROUP (ORDER BY x) FROM t',
    'SELECT sum(x) WITHIN GROUP (ORDER BY x) FROM t',
    'SELECT pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM t',
    'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM (VALUES (1), (2), (4), (8)) v(x)',
    'SELECT percentile_cont(0.1) WITHIN GROUP (ORDER BY x) FROM generate_series(1, 7) x',
    'SELECT percentile_cont(0.33) WITHIN GROUP (ORDER BY x::float4) FROM generate_series(1, 7) x',
    'SELECT count(*) WITHIN GROUP (ORDER BY x) FROM t',
    'SELECT lower(s) WITHIN GROUP (ORDER BY x) FROM t',
  ]) await db().same(sql);
});
