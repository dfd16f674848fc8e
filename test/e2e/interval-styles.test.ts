/** IntervalStyle postgres_verbose and iso_8601: interval output (and text casts, JSON) compared with PostgreSQL 15. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type pg from 'pg';
import { useDifferential } from '../support/differential.js';

const { skip, db } = useDifferential([
  'CREATE TABLE spans (id int PRIMARY KEY, span interval)',
  "INSERT INTO spans VALUES (1, '1 year 2 mons 3 days 04:05:06.5'), (2, '-1 year -2 mons'), (3, '-3 days 04:00'), (4, '00:00:00'), " +
    "(5, '-00:00:01.25'), (6, '1 sec'), (7, '-1 day -00:00:01'), (8, '3 days -4 hours'), (9, '1 mon -1 sec'), (10, '-178956970 years -7 mons')",
]);

/** Rows as the server's text, unparsed. */
async function textRows(client: pg.Client, sql: string): Promise<unknown> {
  try {
    return (await client.query({ text: sql, rowMode: 'array', types: { getTypeParser: () => (v: string) => v } })).rows;
  } catch (error) {
    return { error: (error as pg.DatabaseError).code };
  }
}

test('interval prints in postgres_verbose and iso_8601 as PostgreSQL prints it', { skip }, async () => {
  for (const style of ['postgres_verbose', 'iso_8601', 'postgres']) {
    for (const sql of [
      `SET IntervalStyle = ${style}`,
      'SELECT id, span, span::text, ARRAY[span], to_json(span)::text, row(span) FROM spans ORDER BY id',
      "SELECT interval '0', interval '-1 day +2 hours', interval '1.5 months', interval '100 years'",
    ]) assert.deepEqual(await textRows(db().strata, sql), await textRows(db().postgres, sql), `${style}: ${sql}`);
  }
});

test('IntervalStyle values: SHOW, invalid names, RESET; sql_standard is refused (it changes interval input too)', { skip }, async () => {
  for (const sql of [
    'SET IntervalStyle TO iso_8601', 'SHOW IntervalStyle', "SET IntervalStyle = 'POSTGRES_VERBOSE'", "SELECT current_setting('IntervalStyle')",
    "SET IntervalStyle = 'nonsense'", 'RESET IntervalStyle', "SELECT current_setting('IntervalStyle')",
  ]) await db().same(sql);
  await assert.rejects(db().strata.query('SET IntervalStyle = sql_standard'), (e: pg.DatabaseError) => e.code === '0A000' && /IntervalStyle/.test(e.message));
});

test('DateStyle: ISO with MDY is taken as PostgreSQL takes it; other styles and orders are refused, not misread', { skip }, async () => {
  for (const sql of ["SET DateStyle = 'ISO, MDY'", 'SHOW DateStyle', "SET DateStyle = 'US'", 'SHOW DateStyle', "SELECT date '01/02/2024'", 'RESET DateStyle']) await db().same(sql);
  for (const value of ['ISO, DMY', 'European', 'SQL, MDY', 'German']) {
    await assert.rejects(db().strata.query(`SET DateStyle = '${value}'`), (e: pg.DatabaseError) => e.code === '0A000' && /DateStyle/.test(e.message), value);
  }
});
