/**
 * Differential test: the bytewise order of encoded keys must be exactly the order a real
 * PostgreSQL 15 gives the same values with ORDER BY … COLLATE "C", ascending and descending,
 * NULLs where PostgreSQL puts them by default. Skipped (with the reason printed) when
 * PostgreSQL cannot be started here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeOid, type SqlValue } from '../contracts/sql-value.js';
import { startPostgres, type TestPostgres } from '../../test/support/postgres.js';
import { compareKeys, KeyWriter } from './key.js';
import { SAMPLED_TYPES, sampleValues, SeededRandom, sqlLiteral, SQL_TYPE_NAMES } from './samples.js';

const COLLATABLE = new Set<number>([TypeOid.text, TypeOid.varchar, TypeOid.bpchar, TypeOid.name]);
const writer = new KeyWriter();

interface Column {
  readonly typeOid: number;
  readonly descending: boolean;
}

function keyOf(columns: readonly Column[], row: readonly SqlValue[]): Uint8Array {
  writer.reset();
  writer.writeUint32(1);
  writer.writeUint16(1);
  columns.forEach((c, i) => writer.writeValue(c.typeOid, row[i]!, c.descending));
  return writer.finish();
}

/** Row numbers in encoded-key order, ties by row number (as ORDER BY …, i does). */
function keyOrder(columns: readonly Column[], rows: readonly SqlValue[][]): number[] {
  const keys = rows.map((row) => keyOf(columns, row));
  return rows.map((_, i) => i).sort((a, b) => compareKeys(keys[a]!, keys[b]!) || a - b);
}

async function postgresOrder(pg: TestPostgres, columns: readonly Column[], rows: readonly SqlValue[][]): Promise<number[]> {
  const names = columns.map((_, c) => `c${c}`);
  const values = rows.map((row, i) => `(${i}, ${row.map((v, c) => sqlLiteral(columns[c]!.typeOid, v)).join(', ')})`).join(',\n');
  const orderBy = columns.map((c, i) => `${names[i]}${COLLATABLE.has(c.typeOid) ? ' COLLATE "C"' : ''}${c.descending ? ' DESC' : ''}`);
  const sql = `SELECT i FROM (VALUES ${values}) AS t(i, ${names.join(', ')}) ORDER BY ${orderBy.join(', ')}, i`;
  const result = await pg.query<{ i: number }>(sql);
  return result.rows.map((r) => r.i);
}

test('key order matches PostgreSQL 15 ORDER BY (COLLATE "C")', async (t) => {
  let pg: TestPostgres;
  try {
    pg = await startPostgres();
  } catch (error) {
    const reason = `PostgreSQL could not be started: ${error instanceof Error ? error.message : String(error)}`;
    console.log(`skipping the differential key-order test: ${reason}`);
    t.skip(reason);
    return;
  }
  try {
    await pg.query(`SET TimeZone = 'UTC'`);
    for (const typeOid of SAMPLED_TYPES) {
      await t.test(SQL_TYPE_NAMES[typeOid]!, async () => {
        const rows = sampleValues(new SeededRandom(1000 + typeOid), typeOid, 200).map((v) => [v]);
        for (const descending of [false, true]) {
          const columns = [{ typeOid, descending }];
          assert.deepEqual(keyOrder(columns, rows), await postgresOrder(pg, columns, rows), `${SQL_TYPE_NAMES[typeOid]} ${descending ? 'DESC' : 'ASC'}`);
        }
      });
    }
    await t.test('composite (int4, text DESC, numeric, bytea DESC)', async () => {
      const columns: Column[] = [
        { typeOid: TypeOid.int4, descending: false }, { typeOid: TypeOid.text, descending: true },
        { typeOid: TypeOid.numeric, descending: false }, { typeOid: TypeOid.bytea, descending: true },
      ];
      const r = new SeededRandom(77);
      const pools = columns.map((c) => sampleValues(r, c.typeOid, 3).slice(0, 6));
      const rows = Array.from({ length: 300 }, () => columns.map((_, c) => r.pick(pools[c]!)));
      assert.deepEqual(keyOrder(columns, rows), await postgresOrder(pg, columns, rows));
    });
  } finally {
    await pg.stop();
  }
});
