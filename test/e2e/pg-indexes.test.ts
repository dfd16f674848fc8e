/**
 * pg_catalog.pg_indexes compared with PostgreSQL 15: one row per index (primary key, UNIQUE
 * constraint, secondary and unique indexes, INCLUDE columns, a second schema), with
 * pg_get_indexdef's text. PostgreSQL builds the secondary indexes with CREATE INDEX, Strata with
 * DSQL's CREATE INDEX ASYNC.
 */
import { test } from 'node:test';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE pix (id int PRIMARY KEY, code text UNIQUE, note text, qty int)',
  'CREATE SCHEMA pixapp',
  'CREATE TABLE pixapp.lines (order_id bigint, line int, sku text, PRIMARY KEY (order_id, line))',
]);

async function bothIndex(sql: string): Promise<void> {
  await db().postgres.query(sql.replace(' ASYNC', ''));
  const job = (await db().strata.query(sql)).rows[0].job_id as string;
  await db().strata.query(`CALL sys.wait_for_job('${job}')`);
}

test('pg_indexes lists every index with its definition, as PostgreSQL', { skip }, async () => {
  await bothIndex('CREATE INDEX ASYNC pix_note ON pix (note)');
  await bothIndex('CREATE UNIQUE INDEX ASYNC pix_qty_note ON pix (qty, note) INCLUDE (code)');
  await bothIndex('CREATE INDEX ASYNC lines_sku ON pixapp.lines (sku)');
  await db().same(`SELECT schemaname, tablename, indexname, tablespace, indexdef FROM pg_indexes
    WHERE schemaname IN ('public', 'pixapp') ORDER BY schemaname, tablename, indexname`);
  await db().same("SELECT indexname FROM pg_indexes WHERE tablename = 'pix' AND indexdef LIKE '%UNIQUE%' ORDER BY 1");
});
