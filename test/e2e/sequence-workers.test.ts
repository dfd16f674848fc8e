/**
 * Sequences served by several processes (the embedded node's query-processor workers, or the
 * local cluster's QPs): each process keeps its
 * own cache of sequence values and takes blocks by committing on the sequence row through the
 * one adjudicator, so sessions in different processes, asking at the same time, never get the
 * same value.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { startTestCluster, type TestCluster } from '../support/cluster.js';

let t: TestCluster;
before(async () => { t = await startTestCluster({ workers: 2 }); });
after(async () => { await t.stop(); });

const SESSIONS = 4;
const CALLS = 40;

async function sessions(): Promise<pg.Client[]> {
  // Over the three processes that run SQL, one after another.
  return t.clientsInProcesses(SESSIONS);
}

async function takeConcurrently(clients: pg.Client[], sql: string): Promise<bigint[]> {
  const perSession = await Promise.all(clients.map(async (client) => {
    const values: bigint[] = [];
    for (let i = 0; i < CALLS; i++) values.push(BigInt((await client.query(sql)).rows[0].v));
    return values;
  }));
  return perSession.flat();
}

test('CACHE 1: concurrent sessions in two processes get every value once, with no gaps', async () => {
  const clients = await sessions();
  await clients[0]!.query('CREATE SEQUENCE one_by_one CACHE 1');
  const values = await takeConcurrently(clients, "SELECT nextval('one_by_one') AS v");
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  assert.deepEqual(sorted, Array.from({ length: SESSIONS * CALLS }, (_, i) => BigInt(i + 1)));
  for (const client of clients) await client.end();
});

test('CACHE 65536: each serving process takes its own block; no value is handed out twice', async () => {
  const clients = await sessions();
  await clients[0]!.query('CREATE SEQUENCE blocks CACHE 65536');
  const values = await takeConcurrently(clients, "SELECT nextval('blocks') AS v");
  assert.equal(new Set(values).size, values.length, 'every value once');
  const blocks = new Set(values.map((v) => (v - 1n) / 65536n));
  // The primary serves SQL too: three processes, each with a block of its own once it has sessions.
  assert.ok(blocks.size >= 2 && blocks.size <= 3, `one block per serving process: ${[...blocks]}`);
  for (const client of clients) await client.end();
});

test('identity columns: concurrent inserts from two processes get distinct ids', async () => {
  const clients = await sessions();
  await clients[0]!.query('CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY (CACHE 1) PRIMARY KEY, session int)');
  const ids = await Promise.all(clients.map(async (client, s) => {
    const got: bigint[] = [];
    for (let i = 0; i < CALLS / 2; i++) got.push(BigInt((await client.query('INSERT INTO events (session) VALUES ($1) RETURNING id AS v', [s])).rows[0].v));
    return got;
  }));
  const all = ids.flat();
  assert.equal(new Set(all).size, all.length);
  const count = await clients[1]!.query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM events');
  assert.deepEqual(count.rows, [{ n: all.length, d: all.length }]);
  for (const client of clients) await client.end();
});

test('setval in one process is seen by nextval in another', async () => {
  const clients = await sessions();
  await clients[0]!.query('CREATE SEQUENCE moved CACHE 1');
  await clients[0]!.query("SELECT setval('moved', 1000)");
  assert.deepEqual((await clients[1]!.query("SELECT nextval('moved') AS v")).rows, [{ v: '1001' }]);
  for (const client of clients) await client.end();
});
