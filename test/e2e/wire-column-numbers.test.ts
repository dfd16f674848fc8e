/**
 * RowDescription's table oid and column attribute number, compared with PostgreSQL 15: a table's
 * column is named by its attnum, which survives DROP COLUMN with a gap; a view's column by the
 * view and its position; a column read through a subquery or WITH query keeps its origin; any
 * other expression is 0.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type pg from 'pg';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE wc (id int PRIMARY KEY, a text, b int, c int)',
  "INSERT INTO wc VALUES (1, 'x', 2, 3)",
  'ALTER TABLE wc DROP COLUMN a',
  'ALTER TABLE wc ADD COLUMN d int',
  'ALTER TABLE wc DROP COLUMN b',
  'CREATE VIEW wcv AS SELECT c, id, d + 1 AS e FROM wc',
  'CREATE VIEW wcv2 AS SELECT * FROM wcv',
]);

/** Each column as name, the relation its table oid names (or 0), and its attribute number. */
async function origins(client: pg.Client, sql: string): Promise<string[]> {
  const result = await client.query(sql);
  const out: string[] = [];
  for (const f of result.fields) {
    const relation = f.tableID === 0 ? '0' : (await client.query('SELECT relname FROM pg_class WHERE oid = $1', [f.tableID])).rows[0]?.relname;
    out.push(`${f.name} ${relation} ${f.columnID}`);
  }
  return out;
}

test('the wire names each column by its table and attnum as PostgreSQL does, after DROP COLUMN too', { skip }, async () => {
  for (const sql of [
    'SELECT * FROM wc',
    'SELECT d, c, id FROM wc',
    'SELECT wc.c AS renamed, c + 1, 1 AS one, max(d) OVER () FROM wc',
    'SELECT * FROM wcv',
    'SELECT e, c FROM wcv2',
    'SELECT x.c, x.k FROM (SELECT c, id + 1 AS k FROM wc) AS x',
    'WITH q AS (SELECT d, id FROM wc) SELECT * FROM q',
    'SELECT t2.d, t1.c FROM wc t1 JOIN wc t2 USING (id)',
    'SELECT c FROM wc GROUP BY c',
    'SELECT DISTINCT d FROM wc',
    'SELECT max(c), count(*) FROM wc',
    'SELECT c FROM wc UNION SELECT 1',
    'SELECT c, d, count(*), grouping(c) FROM wc GROUP BY ROLLUP (c, d)',
    'SELECT DISTINCT ON (c) c, d FROM wc GROUP BY GROUPING SETS ((c, d), (c)) ORDER BY c, d',
    'INSERT INTO wc VALUES (2, 5, 6) RETURNING d, c, id * 2, *',
    'UPDATE wc SET c = c + 1 WHERE id = 2 RETURNING c, d',
  ]) {
    assert.deepEqual(await origins(db().strata, sql), await origins(db().postgres, sql), sql);
  }
});
