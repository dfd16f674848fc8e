/**
 * Primary-key point SELECTs over the extended protocol, differentially against PostgreSQL 15:
 * Strata answers these without a promise turn when storage can (the statement starts, begins
 * its transaction and reads its row synchronously), and these scenarios pin down that this path
 * gives the same messages as PostgreSQL: pgbench's pipelined Bind/Describe/Execute/Sync, misses,
 * row limits, errors raised while the row is projected, pruned columns, explicit transactions
 * with their own writes, and a failed block. Compared as in wire-differential.test.ts.
 */
import { test } from 'node:test';
import { serialize } from '../support/wire-client.js';
import { useWireDifferential, type WireStep } from '../support/wire-differential.js';

const SETUP = [
  'CREATE TABLE ps_accounts (aid int NOT NULL PRIMARY KEY, bid int, abalance int, filler char(84))',
  "INSERT INTO ps_accounts SELECT g, 1, g - 3, 'x' FROM generate_series(1, 10) g",
  'CREATE TABLE ps_named (name text PRIMARY KEY, n bigint)',
  "INSERT INTO ps_named VALUES ('a', 1), ('b', 9223372036854775807)",
];

const { skip, same } = useWireDifferential(SETUP);

const { query, parse, bind, describe, execute, sync } = serialize;
const SELECT = 'SELECT abalance FROM ps_accounts WHERE aid = $1';

/** One exchange of messages, answered up to `ready` ReadyForQuery messages. */
const step = (...send: Buffer[]): WireStep => ({ send });
/** What pgbench -M prepared sends for one select-only transaction. */
const pgbenchTransaction = (aid: string, portal = '') => [bind({ statement: 'sel', portal, values: [aid] }), describe({ type: 'P', name: portal }), execute({ portal }), sync()];

const SCENARIOS: readonly { readonly name: string; readonly steps: readonly WireStep[] }[] = [
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


for (const scenario of SCENARIOS) {
  test(`point select: ${scenario.name}`, { skip }, async () => {
    await same(scenario.steps);
  });
}
