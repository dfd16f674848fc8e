/**
 * Statement-by-statement comparison with PostgreSQL 15 for the SQL tests: the same statements
 * run on a fresh Strata and a throwaway PostgreSQL; `same` asserts equal rows (in the order the
 * servers return them), column names and type OIDs, command tags and row counts, or equal
 * SQLSTATEs.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import pg from 'pg';
import { startTestCluster, type TestCluster } from './cluster.js';
import { postgresUnavailableReason, startPostgres, type TestPostgres } from './postgres.js';

export { postgresUnavailableReason };

export interface Differential {
  readonly strata: pg.Client;
  readonly postgres: pg.Client;
  /** Runs `sql` on both and asserts the outcomes are the same. */
  same(sql: string, params?: unknown[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startDifferential(setup: readonly string[]): Promise<Differential> {
  const [cluster, server]: [TestCluster, TestPostgres] = await Promise.all([startTestCluster(), startPostgres()]);
  const strata = await cluster.client();
  const postgres = new pg.Client(server.config);
  await postgres.connect();
  for (const sql of setup) {
    await strata.query(sql);
    await postgres.query(sql);
  }
  return {
    strata,
    postgres,
    async same(sql, params) {
      assert.deepEqual(await outcome(strata, sql, params), await outcome(postgres, sql, params), sql);
    },
    async stop() {
      await postgres.end();
      await Promise.all([cluster.stop(), server.stop()]);
    },
  };
}

async function outcome(client: pg.Client, sql: string, params?: unknown[]): Promise<unknown> {
  try {
    const r = await client.query(sql, params);
    return { columns: r.fields.map((f) => `${f.name}:${f.dataTypeID}`), rows: r.rows, command: r.command, count: r.rowCount };
  } catch (error) {
    return { error: (error as pg.DatabaseError).code };
  }
}

/**
 * A statement's whole answer, for tests that hold Strata to PostgreSQL's exact words: rows,
 * column names and types, tag and count; or the error's SQLSTATE, message, DETAIL and (unless
 * left out) position.
 */
export async function exactOutcome(client: pg.Client, sql: string, options: { position?: boolean } = {}): Promise<unknown> {
  try {
    const r = await client.query(sql);
    return { columns: r.fields.map((f) => `${f.name}:${f.dataTypeID}`), rows: r.rows, command: r.command, count: r.rowCount };
  } catch (error) {
    const e = error as pg.DatabaseError;
    return { code: e.code, message: e.message, detail: e.detail, ...(options.position === false ? {} : { position: e.position }) };
  }
}

/** Runs each text on both servers in order and asserts their whole answers (exactOutcome) are the same. */
export async function sameAnswers(db: Differential, texts: readonly string[], options: { position?: boolean } = {}): Promise<void> {
  for (const sql of texts) assert.deepEqual(await exactOutcome(db.strata, sql, options), await exactOutcome(db.postgres, sql, options), sql);
}

/**
 * A test file's differential pair: started before its tests (with `setup` run on both), stopped
 * after them; `skip` is why it cannot run here (no PostgreSQL), else false.
 */
export function useDifferential(setup: readonly string[]): { readonly skip: string | false; db(): Differential } {
  const skip = postgresUnavailableReason() ?? false;
  let started: Differential | null = null;
  before(async () => {
    if (!skip) started = await startDifferential(setup);
  });
  after(async () => {
    await started?.stop();
  });
  return {
    skip,
    db() {
      if (!started) throw new Error('the differential pair is not started');
      return started;
    },
  };
}

/**
 * A statement's rows with parameters and results in the binary format, bytes as hex (every
 * column's text parser off), or its error's SQLSTATE and message (and DETAIL with `detail`).
 */
export async function binaryOutcome(client: pg.Client, text: string, values: readonly unknown[], binary: boolean, options: { detail?: boolean } = {}): Promise<unknown> {
  try {
    // node-postgres takes `binary` (results in binary) though its typings do not list it.
    const config = { text, values: [...values], binary, types: { getTypeParser: () => (v: unknown) => v } };
    const r = await client.query(config as pg.QueryConfig);
    return r.rows.map((row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('hex') : v])));
  } catch (error) {
    const e = error as pg.DatabaseError;
    return options.detail ? { code: e.code, message: e.message, detail: e.detail } : { code: e.code, message: e.message };
  }
}
