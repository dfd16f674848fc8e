/**
 * Primary-key point SELECTs over the extended protocol, differentially against PostgreSQL 15:
 * Strata answers these without a promise turn when storage can (the statement starts, begins
 * its transaction and reads its row synchronously), and these scenarios pin down that this path
 * gives the same messages as PostgreSQL: pgbench's pipelined Bind/Describe/Execute/Sync, misses,
 * row limits, errors raised while the row is projected, pruned columns, explicit transactions
 * with their own writes, and a failed block. Compared as in wire-differential.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { postgresUnavailableReason, startPostgres, type TestPostgres } from '../support/postgres.js';
import { serialize, summarizeAll, WireClient } from '../support/wire-client.js';

const skip = postgresUnavailableReason() ?? false;
let strata: TestCluster;
let postgres: TestPostgres;

const SETUP = [
  'CREATE TABLE ps_accounts (aid int NOT NULL PRIMARY KEY, bid int, abalance int, filler char(84))',
  "INSERT INTO ps_accounts SELECT g, 1, g - 3, 'x' FROM generate_series(1, 10) g",
  'CREATE TABLE ps_named (name text PRIMARY KEY, n bigint)',
  "INSERT INTO ps_named VALUES ('a', 1), ('b', 9223372036854775807)",
];

before(async () => {
  if (skip) return;
  [strata, postgres] = await Promise.all([startTestCluster(), startPostgres()]);
  const strataSql = await strata.client();
  const postgresSql = new pg.Client(postgres.config);
  await postgresSql.connect();
  for (const sql of SETUP) {
    await strataSql.query(sql);
    await postgresSql.query(sql);
  }
  await postgresSql.end();
});

after(async () => {
  if (skip) return;
  await Promise.all([strata.stop(), postgres.stop()]);
});

const { query, parse, bind, describe, execute, sync } = serialize;
const SELECT = 'SELECT abalance FROM ps_accounts WHERE aid = $1';

/** One exchange of messages, answered up to `ready` ReadyForQuery messages. */
interface Step { readonly send: readonly Buffer[]; readonly ready?: number }
const step = (...send: Buffer[]): Step => ({ send });
/** What pgbench -M prepared sends for one select-only transaction. */
const pgbenchTransaction = (aid: string, portal = '') => [bind({ statement: 'sel', portal, values: [aid] }), describe({ type: 'P', name: portal }), execute({ portal }), sync()];

const SCENARIOS: readonly { readonly name: string; readonly steps: readonly Step[] }[] = [
  { name: "pgbench's select-only transactions, one at a time and pipelined, hits and misses", steps: [
    step(parse({ name: 'sel', text: SELECT }), sync()),
    step(...pgbenchTransaction('3')),
    step(...pgbenchTransaction('99')),
    { send: [...pgbenchTransaction('1'), ...pgbenchTransaction('10'), ...pgbenchTransaction('0'), ...pgbenchTransaction('7')], ready: 4 },
    step(...pgbenchTransaction('')),
  ] },
  { name: 'a row limit on a point read suspends after its row; executing again completes it', steps: [
    step(query('BEGIN')),
    step(parse({ name: 'sel', text: SELECT }), bind({ statement: 'sel', portal: 'c', values: ['4'] }), execute({ portal: 'c', rows: 1 }), execute({ portal: 'c', rows: 1 }), execute({ portal: 'c' }), sync()),
    step(query('COMMIT')),
  ] },
  { name: 'errors while the found row is projected or filtered, and the transaction they fail', steps: [
    step(parse({ name: 'div', text: 'SELECT 10 / abalance FROM ps_accounts WHERE aid = $1' }), bind({ statement: 'div', values: ['2'] }), execute(), sync()),
    step(bind({ statement: 'div', values: ['3'] }), execute(), sync()),
    step(query('BEGIN')),
    step(bind({ statement: 'div', values: ['3'] }), execute(), sync()),
    step(bind({ statement: 'div', values: ['2'] }), execute(), sync()),
    step(query('ROLLBACK')),
    step(parse({ text: 'SELECT n + 1 FROM ps_named WHERE name = $1' }), bind({ values: ['b'] }), execute(), sync()),
    step(parse({ text: 'SELECT aid FROM ps_accounts WHERE aid = $1 AND 1 / (abalance + 2) > 0' }), bind({ values: ['1'] }), execute(), sync()),
  ] },
  { name: 'pruned and unpruned columns, text keys, binary results', steps: [
    step(parse({ text: 'SELECT aid, filler FROM ps_accounts WHERE aid = $1' }), bind({ values: ['5'] }), describe({ type: 'P' }), execute(), sync()),
    step(parse({ text: 'SELECT * FROM ps_accounts WHERE aid = $1' }), bind({ values: ['6'], binary: true }), describe({ type: 'P' }), execute(), sync()),
    step(parse({ text: 'SELECT n FROM ps_named WHERE name = $1' }), bind({ values: ['a'] }), execute(), bind({ values: ['z'] }), execute(), sync()),
  ] },
  { name: "a transaction's point reads see its own writes, and its snapshot after a rollback", steps: [
    step(query('BEGIN')),
    step(parse({ name: 'sel', text: SELECT }), ...pgbenchTransaction('8')),
    step(query('UPDATE ps_accounts SET abalance = abalance + 100 WHERE aid = 8')),
    step(...pgbenchTransaction('8')),
    step(query("INSERT INTO ps_accounts VALUES (11, 1, 42, 'y')")),
    step(...pgbenchTransaction('11')),
    step(query('DELETE FROM ps_accounts WHERE aid = 8')),
    step(...pgbenchTransaction('8')),
    step(query('ROLLBACK')),
    step(...pgbenchTransaction('8')),
    step(...pgbenchTransaction('11')),
  ] },
];

async function run(client: WireClient, steps: readonly Step[]): Promise<string[]> {
  const out: string[] = [];
  for (const s of steps) out.push(...summarizeAll(await client.exchange(s.send, s.ready ?? 1)), '--');
  return out;
}

for (const scenario of SCENARIOS) {
  test(`point select: ${scenario.name}`, { skip }, async () => {
    const [a, b] = await Promise.all([
      strata.token().then((password) => WireClient.connect({ host: '127.0.0.1', port: strata.port, user: 'admin', database: 'postgres', password })),
      WireClient.connect({ host: '127.0.0.1', port: postgres.port, user: 'postgres', database: 'postgres' }),
    ]);
    try {
      const [x, y] = await Promise.all([run(a, scenario.steps), run(b, scenario.steps)]);
      assert.deepEqual(x, y);
    } finally {
      a.close();
      b.close();
    }
  });
}
