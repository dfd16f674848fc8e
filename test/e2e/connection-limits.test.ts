/**
 * DSQL's connection limits on the embedded node (reference/dsql.md §3.1, src/node/admission.ts):
 * new connections at 100 a second with a burst of 1,000 (here a small rate set through the
 * options, so the test does not open a thousand), refused over it with 53400 "Unable to accept
 * connection, rate exceeded." — plain and TLS clients alike, the server and its sessions
 * unharmed; the quota of open connections (53300) likewise.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startTestCluster, embeddedOnly, type TestCluster } from '../support/cluster.js';

const only = embeddedOnly('sets the connection limits through the embedded options');
let t: TestCluster | null = null;
before(async () => {
  if (!only.skip) t = await startTestCluster({ connectionRate: { perSecond: 2, burst: 3 }, maxConnections: 5 });
});
after(async () => { await t?.stop(); });

async function connect(ssl: boolean): Promise<pg.Client | { code?: string; message: string }> {
  const client = new pg.Client({ ...(await t!.config()), ...(ssl ? { ssl: { rejectUnauthorized: false } } : {}) });
  client.on('error', () => {});
  return client.connect().then(() => client, (error: { code?: string; message: string }) => error);
}

test('connections over the rate get 53400 with DSQL\'s text until the bucket refills; the open sessions go on', only, async () => {
  const opened: pg.Client[] = [];
  let refused: { code?: string; message: string } | null = null;
  // The burst of 3 (plus what refills meanwhile at 2 a second), then a refusal.
  for (let i = 0; i < 8 && refused === null; i++) {
    const outcome = await connect(i % 2 === 1);
    if (outcome instanceof pg.Client) opened.push(outcome);
    else refused = outcome;
  }
  assert.ok(refused, `a connection over the rate is refused (opened ${opened.length})`);
  assert.equal(refused.code, '53400');
  assert.equal(refused.message, 'Unable to accept connection, rate exceeded.');
  assert.ok(opened.length >= 3 && opened.length < 8, `the burst was admitted: ${opened.length}`);
  // Over TLS too, while the bucket is empty.
  const overTls = await connect(true);
  assert.ok(!(overTls instanceof pg.Client), 'the TLS client is refused too');
  assert.equal(overTls.code, '53400');
  for (const client of opened) assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
  // Refilled at 2 a second.
  await new Promise((resolve) => setTimeout(resolve, 1200));
  const later = await connect(false);
  assert.ok(later instanceof pg.Client, `admitted after the refill: ${(later as { message?: string }).message}`);
  opened.push(later);
  for (const client of opened) await client.end();
});

test('the open-connection quota refuses with 53300 before it spends the rate', only, async () => {
  await new Promise((resolve) => setTimeout(resolve, 1600)); // a full bucket
  const opened: pg.Client[] = [];
  let refused: { code?: string; message: string } | null = null;
  for (let i = 0; i < 8 && refused === null; i++) {
    const outcome = await connect(false);
    if (outcome instanceof pg.Client) opened.push(outcome);
    else refused = outcome;
    // Stay under the rate: 2 a second.
    await new Promise((resolve) => setTimeout(resolve, 550));
  }
  assert.equal(opened.length, 5, 'the quota of 5');
  assert.equal(refused?.code, '53300');
  assert.equal(refused?.message, 'Unable to accept connection, too many open connections.');
  for (const client of opened) await client.end();
});
