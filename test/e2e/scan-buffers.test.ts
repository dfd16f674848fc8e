/**
 * Rows a scan reads out of storage's reused read buffers (LMDB's `rangeInPlace`: an entry's key
 * and value are valid for one cursor step) and that operators then hold: a hash join's build
 * side, sorts, hash aggregation's text group keys, DISTINCT, window partitions, the row key of
 * `SELECT *`/FOR UPDATE, a key join of two scans. Keys and values are past 64 bytes (where a
 * view instead of a copy would be kept) and tables span several scan batches; every answer must
 * equal PostgreSQL's.
 */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const pad = (expression: string): string => `${expression} || repeat('.', 70)`;

const { skip, db } = useDifferential([
  'CREATE TABLE lk (k text PRIMARY KEY, grp text, v int, note text)',
  `INSERT INTO lk SELECT ${pad("'k' || lpad(g::text, 5, '0')")}, ${pad("'g' || (g % 37)")}, g, ${pad("'n' || (g * 7919 % 1000)")} FROM generate_series(1, 1500) g`,
  'CREATE TABLE rk (k text PRIMARY KEY, w int, tag text)',
  `INSERT INTO rk SELECT ${pad("'k' || lpad(g::text, 5, '0')")}, g * 3, ${pad("'t' || (g % 11)")} FROM generate_series(1, 1500, 2) g`,
  'CREATE TABLE small (grp text PRIMARY KEY, label text)',
  `INSERT INTO small SELECT ${pad("'g' || g")}, 'label ' || g FROM generate_series(0, 40) g`,
]);

test('rows held past the scan step that read them: joins, sorts, text groups, windows, row keys', { skip }, async () => {
  for (const sql of [
    'SELECT s.label, count(*), sum(l.v), min(l.note), max(l.k) FROM lk l JOIN small s ON s.grp = l.grp GROUP BY s.label ORDER BY s.label',
    'SELECT l.k, r.tag, l.v + r.w FROM lk l JOIN rk r ON r.k = l.k ORDER BY l.k',
    'SELECT r.k, l.note FROM rk r JOIN lk l ON l.note = r.tag || $$x$$ ORDER BY 1, 2',
    'SELECT grp, count(*), string_agg(note, $$,$$ ORDER BY k) FROM lk GROUP BY grp ORDER BY grp',
    'SELECT note, grp FROM lk ORDER BY note DESC, grp, k LIMIT 40',
    'SELECT * FROM lk ORDER BY v DESC LIMIT 25',
    'SELECT DISTINCT grp FROM lk ORDER BY grp',
    'SELECT k, v, rank() OVER (PARTITION BY grp ORDER BY note, k), lag(k) OVER (ORDER BY k) FROM lk ORDER BY k LIMIT 60',
    'SELECT k FROM lk WHERE k IN (SELECT k FROM rk WHERE w % 5 = 0) ORDER BY k',
    'SELECT count(*), max(k), min(note) FROM lk WHERE note > $$n5$$',
    'SELECT k, v FROM lk ORDER BY k DESC LIMIT 30',
    'SELECT array_agg(k ORDER BY k) FROM (SELECT k FROM rk ORDER BY k LIMIT 20) s',
  ]) await db().same(sql);
});

test('FOR UPDATE and a transaction\'s own writes over long keys lock and see the rows read', { skip }, async () => {
  const d = db();
  for (const sql of [
    'BEGIN',
    'SELECT k, v FROM lk WHERE v > 1400 ORDER BY k FOR UPDATE',
    `UPDATE lk SET note = ${pad("'changed'")} WHERE v % 100 = 0`,
    'SELECT k, note FROM lk WHERE v % 50 = 0 ORDER BY k',
    'SELECT grp, count(*) FROM lk GROUP BY grp ORDER BY grp',
    'ROLLBACK',
  ]) await d.same(sql);
});
