/**
 * A prepared statement planned again: PostgreSQL's plan cache re-plans a statement when the
 * catalog or search_path changed, and refuses it (0A000 `cached plan must not change result
 * type`) when the new plan's columns differ from those its Parse described — the client holds
 * that description. Checked against PostgreSQL 15's answers (recorded here): with node-postgres's
 * named statements (Parse once, then Bind and Execute).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { startTestCluster, type TestCluster } from '../support/cluster.js';

let t: TestCluster;
let c: pg.Client;
before(async () => {
  t = await startTestCluster();
  c = await t.client();
  await c.query('CREATE TABLE pt (id int PRIMARY KEY, v text)');
  await c.query("INSERT INTO pt VALUES (1, 'public')");
  await c.query('CREATE SCHEMA other');
  await c.query('CREATE TABLE other.pt (id int PRIMARY KEY, v text, w int)');
  await c.query("INSERT INTO other.pt VALUES (1, 'other', 7)");
  await c.query('CREATE TABLE other.same (id int PRIMARY KEY, v text)');
  await c.query("INSERT INTO other.same VALUES (1, 'other same')");
  await c.query('CREATE TABLE same (id int PRIMARY KEY, v text)');
  await c.query("INSERT INTO same VALUES (1, 'public same')");
});
after(async () => {
  await c.end();
  await t.stop();
});

async function named(name: string, text: string): Promise<unknown> {
  try {
    return (await c.query({ name, text, values: [1] })).rows;
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
}

test('another search_path re-plans a prepared statement: the same columns are read from the other table', async () => {
  assert.deepEqual(await named('same', 'SELECT * FROM same WHERE id = $1'), [{ id: 1, v: 'public same' }]);
  await c.query('SET search_path = other, public');
  try {
    assert.deepEqual(await named('same', 'SELECT * FROM same WHERE id = $1'), [{ id: 1, v: 'other same' }]);
  } finally {
    await c.query('RESET search_path');
  }
  assert.deepEqual(await named('same', 'SELECT * FROM same WHERE id = $1'), [{ id: 1, v: 'public same' }]);
});

test('a re-plan that would change the columns is refused, and the statement serves again once it would not', async () => {
  const sql = 'SELECT * FROM pt WHERE id = $1';
  assert.deepEqual(await named('pt', sql), [{ id: 1, v: 'public' }]);
  await c.query('SET search_path = other, public');
  try {
    assert.equal(await named('pt', sql), '0A000: cached plan must not change result type');
  } finally {
    await c.query('RESET search_path');
  }
  assert.deepEqual(await named('pt', sql), [{ id: 1, v: 'public' }]);
  await c.query('ALTER TABLE pt ADD COLUMN z int');
  assert.equal(await named('pt', sql), '0A000: cached plan must not change result type');
  // The session goes on; the same text prepared anew describes the new columns.
  assert.deepEqual(await named('pt2', sql), [{ id: 1, v: 'public', z: null }]);
});
