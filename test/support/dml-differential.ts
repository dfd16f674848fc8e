/**
 * Runs a seed's random schema and DML session (dml-generator.ts) on Strata and PostgreSQL 15,
 * statement by statement, and lists where the answers differ: rows (RETURNING's in any order,
 * a table's read in primary-key order), column names and types, tag and count, or the error's
 * SQLSTATE. The tables' reads in the session compare whole contents; at the end every table is
 * read once more.
 */
import type pg from 'pg';
import type { Differential } from './differential.js';
import { randomSchema, randomSession, Random, schemaStatements, tableContents } from './dml-generator.js';

/** The schema statement on both servers: a unique index is CREATE UNIQUE INDEX ASYNC on Strata, waited for. */
async function define(db: Differential, sql: string, uniqueIndex: boolean): Promise<void> {
  await db.postgres.query(sql);
  if (!uniqueIndex) {
    await db.strata.query(sql);
    return;
  }
  const job = (await db.strata.query(sql.replace(' INDEX ', ' INDEX ASYNC '))).rows[0].job_id as string;
  await db.strata.query(`CALL sys.wait_for_job('${job}')`);
}

async function answer(client: pg.Client, sql: string): Promise<{ outcome: unknown; message?: string }> {
  try {
    const r = await client.query(sql);
    // RETURNING's rows come in the order rows were visited, which a heap and a key-ordered store need not share.
    const rows = sql.startsWith('SELECT') ? r.rows : r.rows.map((row: unknown) => JSON.stringify(row)).sort();
    return { outcome: { columns: r.fields.map((f) => `${f.name}:${f.dataTypeID}`), rows, command: r.command, count: r.rowCount } };
  } catch (error) {
    const e = error as pg.DatabaseError;
    if (e.code === undefined) throw error;
    // Of a statement's rows that break different rules (NOT NULL, CHECK, a unique key), the
    // first one visited decides which error it is: that can be another row on the two servers.
    return { outcome: { error: e.code.startsWith('23') ? '23xxx' : e.code }, message: e.message };
  }
}

/**
 * The statements of seed `seed` (`count` DML statements) whose answers differ, each with both
 * answers; at most `limit` of them, since after a difference in a table's contents the rest of
 * the session differs too.
 */
export async function dmlDifferences(db: Differential, seed: number, count: number, limit = 3): Promise<string[]> {
  const random = new Random(seed);
  const tables = randomSchema(random, `s${seed}_t`);
  for (const s of schemaStatements(random, tables)) await define(db, s.sql, s.uniqueIndex ?? false);
  const found: string[] = [];
  let block = false;
  for (const sql of [...randomSession(random, tables, count), ...tables.map(tableContents)]) {
    // PostgreSQL visits a table's rows in heap order, Strata in key order; outside a block the
    // heap is put in key order first (CLUSTER cannot run in one), so that an order-dependent
    // outcome (a transient duplicate, which of two conflicting rows is written) is the same.
    if (!block) for (const t of tables) await db.postgres.query(`CLUSTER ${t.name} USING ${t.name}_pkey`);
    if (sql === 'BEGIN') block = true;
    if (sql === 'COMMIT' || sql === 'ROLLBACK') block = false;
    const [strata, postgres] = [await answer(db.strata, sql), await answer(db.postgres, sql)];
    if (JSON.stringify(strata.outcome) === JSON.stringify(postgres.outcome)) continue;
    found.push(`${sql}\n  strata:   ${JSON.stringify(strata.outcome)} ${strata.message ?? ''}\n  postgres: ${JSON.stringify(postgres.outcome)} ${postgres.message ?? ''}`);
    if (found.length >= limit) break;
  }
  // A session stopped inside a block leaves it open: end it, so the next seed starts in autocommit.
  await Promise.all([db.strata.query('ROLLBACK'), db.postgres.query('ROLLBACK')]);
  return found;
}
