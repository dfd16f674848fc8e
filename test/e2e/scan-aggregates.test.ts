/**
 * The executor paths analytic queries take, against PostgreSQL: scans that decode rows where
 * storage finds them (Transaction.scanEach; with the transaction's own writes merged, backward,
 * FOR UPDATE), hash joins with NULL and missing keys, and exact sums and counts (count in a
 * number, sum(numeric) and sum(int8) in a double while exact, then in a bigint) over many rows,
 * mixed scales, NaN and infinities, moving window frames and empty inputs.
 */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

/** DSQL allows 3,000 rows per transaction: the tables are loaded in statements below that. */
const LOAD_BATCH = 2_500;
const ROWS = 10_000;

function loads(table: string, select: (range: string) => string): string[] {
  const out: string[] = [];
  for (let start = 1; start <= ROWS; start += LOAD_BATCH) out.push(`INSERT INTO ${table} ${select(`generate_series(${start}, ${start + LOAD_BATCH - 1}) g`)}`);
  return out;
}

const { skip, db } = useDifferential([
  'CREATE TABLE c (id int PRIMARY KEY, region text)',
  "INSERT INTO c SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE 'r' || (g % 4) END FROM generate_series(1, 1000) g",
  'CREATE TABLE o (id int PRIMARY KEY, c_id int, amount numeric(12,2), big numeric(30,2), n int8, loose numeric, status text)',
  // Coefficients of `big` reach ~10^19 (beyond 2^52 one by one), `n` near 2^60, `amount` small
  // but summing past 2^52 in coefficient only in `big`; `loose` has scales 0 to 3 and negatives.
  ...loads('o', (range) => `SELECT g, CASE WHEN g % 13 = 0 THEN NULL ELSE 1 + (g * 7919) % 1100 END,
    CASE WHEN g % 17 = 0 THEN NULL ELSE ((g * 37) % 10000) / 100.0 END,
    (g::numeric * 1234567890123456) / 100 + 0.01 * (g % 3),
    CASE WHEN g % 11 = 0 THEN NULL ELSE g::int8 * 115292150460684 * (CASE WHEN g % 2 = 0 THEN -1 ELSE 1 END) END,
    CASE g % 4 WHEN 0 THEN g WHEN 1 THEN -g / 10.0 WHEN 2 THEN g / 100.0 ELSE round(g / 1000.0, 3) END,
    CASE WHEN g % 10 = 0 THEN 'open' ELSE 'done' END FROM ${range}`),
  'CREATE TABLE specials (id int PRIMARY KEY, g int, v numeric)',
  "INSERT INTO specials VALUES (1, 1, 1.5), (2, 1, 'NaN'), (3, 2, 'Infinity'), (4, 2, 2.25), (5, 3, '-Infinity'), (6, 3, 'Infinity'), (7, 4, '-Infinity'), (8, 4, -7), (9, 5, NULL)",
  'CREATE TABLE empty (id int PRIMARY KEY, v numeric, k int)',
]);

test('the bench queries over 10,000 rows: join + aggregate, key join, group-by', { skip }, async () => {
  for (const sql of [
    'SELECT c.region, count(*) AS n, sum(o.amount) AS total FROM o JOIN c ON c.id = o.c_id GROUP BY c.region ORDER BY c.region',
    'SELECT count(*) AS n, sum(a.amount - b.amount) AS zero, sum(a.big - b.loose) AS d FROM o a JOIN o b ON b.id = a.id',
    'SELECT c_id % 100 AS bucket, count(*), count(amount), sum(amount), min(amount), max(amount), avg(amount) FROM o GROUP BY c_id % 100 ORDER BY bucket',
  ]) await db().same(sql);
});

test('sums stay exact past 2^52 in the coefficient, over mixed scales and negatives', { skip }, async () => {
  for (const sql of [
    'SELECT sum(big), avg(big), sum(n), avg(n), sum(loose), avg(loose), count(n), count(*) FROM o',
    'SELECT status, sum(big), sum(n), sum(loose), sum(amount) FROM o GROUP BY status ORDER BY status',
    'SELECT id % 5 AS k, sum(big - loose), sum(-n), sum(n) FILTER (WHERE n > 0) FROM o GROUP BY id % 5 ORDER BY k',
    'SELECT sum(x) FROM (VALUES (4503599627370495::numeric), (4503599627370495), (1), (-9007199254740991), (0.5)) v(x)',
    'SELECT sum(x), avg(x) FROM (VALUES (9223372036854775807::int8), (9223372036854775807), (-1)) v(x)',
    'SELECT sum(x) FROM (VALUES (1.5), (2), (0.125), (-3.625)) v(x)',
  ]) await db().same(sql);
});

test('NaN and the infinities decide a sum; empty inputs give NULL sums and zero counts', { skip }, async () => {
  for (const sql of [
    'SELECT g, sum(v), avg(v), count(v), count(*), min(v), max(v) FROM specials GROUP BY g ORDER BY g',
    'SELECT sum(v), count(v) FROM specials WHERE g IN (1, 2)',
    'SELECT sum(v), avg(v), count(v), count(*), min(v) FROM empty',
    'SELECT k, sum(v), count(*) FROM empty GROUP BY k',
    'SELECT sum(amount), count(*) FROM o WHERE id < 0',
    'SELECT count(*), sum(e.v) FROM o JOIN empty e ON e.k = o.id',
    'SELECT count(*), count(e.v) FROM o LEFT JOIN empty e ON e.k = o.id',
  ]) await db().same(sql);
});

test('moving window frames add and remove rows of the exact sums and counts', { skip }, async () => {
  for (const sql of [
    'SELECT id, sum(loose) OVER w, count(loose) OVER w, sum(n) OVER w FROM o WHERE id <= 300 WINDOW w AS (ORDER BY id ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) ORDER BY id',
    'SELECT id, sum(v) OVER w, count(v) OVER w, avg(v) OVER w FROM specials WINDOW w AS (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) ORDER BY id',
    'SELECT id, sum(big) OVER (ORDER BY id ROWS BETWEEN 5 PRECEDING AND 2 PRECEDING) FROM o WHERE id <= 200 ORDER BY id',
  ]) await db().same(sql);
});

test('hash joins: NULL keys on either side never match; outer joins keep them', { skip }, async () => {
  for (const sql of [
    'SELECT count(*), count(c.id), sum(o.amount) FROM o JOIN c ON c.id = o.c_id',
    'SELECT count(*), count(c.id), count(o.c_id) FROM o LEFT JOIN c ON c.id = o.c_id',
    'SELECT count(*), count(c.region) FROM c FULL JOIN o ON o.c_id = c.id',
    'SELECT c.region, count(*), sum(o.n) FROM c JOIN o ON o.c_id = c.id GROUP BY c.region ORDER BY c.region NULLS FIRST',
    'SELECT a.id FROM c a JOIN c b ON b.region = a.region WHERE a.id <= 8 AND b.id <= 8 ORDER BY a.id, b.id',
  ]) await db().same(sql);
});

test("scans inside a transaction merge its own writes; backward scans and FOR UPDATE read the same rows", { skip }, async () => {
  for (const sql of [
    'BEGIN',
    "INSERT INTO o VALUES (20001, 5, 1.25, 2.5, 3, 4.5, 'new'), (20002, NULL, NULL, NULL, NULL, NULL, 'new')",
    'UPDATE o SET amount = amount + 1 WHERE id BETWEEN 100 AND 120',
    'DELETE FROM o WHERE id BETWEEN 200 AND 210',
    'SELECT c.region, count(*), sum(o.amount) FROM o JOIN c ON c.id = o.c_id GROUP BY c.region ORDER BY c.region',
    'SELECT count(*), sum(a.amount - b.amount) FROM o a JOIN o b ON b.id = a.id',
    'SELECT status, count(*), sum(amount), min(amount), max(amount) FROM o GROUP BY status ORDER BY status',
    'SELECT id, amount FROM o ORDER BY id DESC LIMIT 5',
    'SELECT id, amount FROM o WHERE id BETWEEN 95 AND 215 ORDER BY id DESC',
    'ROLLBACK',
    'SELECT id, amount FROM o ORDER BY id DESC LIMIT 3',
    'BEGIN',
    'SELECT id, amount, status FROM o WHERE id <= 40 ORDER BY id FOR UPDATE',
    'COMMIT',
  ]) await db().same(sql);
});
