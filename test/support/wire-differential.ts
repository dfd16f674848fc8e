/**
 * A test file's wire-level differential pair: a Strata and a throwaway PostgreSQL 15 started
 * before its tests (with `setup` run on both), stopped after them. `same` sends each step's raw
 * frontend messages to both servers, waits for its ReadyForQuery messages, and asserts the
 * summarised backend message sequences (wire-client.ts summarizeAll) are equal.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import pg from 'pg';
import { startTestCluster, type TestCluster } from './cluster.js';
import { postgresUnavailableReason, startPostgres, type TestPostgres } from './postgres.js';
import { summarizeAll, WireClient } from './wire-client.js';

/** Frontend messages sent together, and how many ReadyForQuery messages answer them. */
export interface WireStep {
  readonly send: readonly Buffer[];
  readonly ready?: number;
}

export function useWireDifferential(setup: readonly string[]): { readonly skip: string | false; same(steps: readonly WireStep[]): Promise<void> } {
  const skip = postgresUnavailableReason() ?? false;
  let strata: TestCluster | null = null;
  let postgres: TestPostgres | null = null;
  before(async () => {
    if (skip) return;
    [strata, postgres] = await Promise.all([startTestCluster(), startPostgres()]);
    const strataSql = await strata.client();
    const postgresSql = new pg.Client(postgres.config);
    await postgresSql.connect();
    for (const sql of setup) {
      await strataSql.query(sql);
      await postgresSql.query(sql);
    }
    await postgresSql.end();
  });
  after(async () => {
    await Promise.all([strata?.stop(), postgres?.stop()]);
  });
  return {
    skip,
    async same(steps) {
      if (!strata || !postgres) throw new Error('the wire differential pair is not started');
      const cluster = strata;
      const [a, b] = await Promise.all([
        cluster.token().then((password) => WireClient.connect({ host: '127.0.0.1', port: cluster.port, user: 'admin', database: 'postgres', password })),
        WireClient.connect({ host: '127.0.0.1', port: postgres.port, user: 'postgres', database: 'postgres' }),
      ]);
      try {
        const [x, y] = await Promise.all([run(a, steps), run(b, steps)]);
        assert.deepEqual(x, y);
      } finally {
        a.close();
        b.close();
      }
    },
  };
}

async function run(client: WireClient, steps: readonly WireStep[]): Promise<string[]> {
  const out: string[] = [];
  for (const s of steps) out.push(...summarizeAll(await client.exchange(s.send, s.ready ?? 1)), '--');
  return out;
}
