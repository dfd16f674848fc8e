/**
 * Simple queries that differ only in their values share one plan (sql/auto-parameters.ts): from
 * a literal shape's fourth text on (the second keeps the shape's tree, the third marks its plan
 * key seen in the session), the session answers with the statement it planned with the
 * values as parameters, and each text's own values. PostgreSQL's answers for the same texts are
 * compared in test/e2e/auto-parameters.test.ts; here, that the shared plan is used, and when not.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PreparedStatement, SqlSession } from '../contracts/sql-session.js';
import { SqlError } from '../contracts/errors.js';
import { MemoryOrderedStore } from '../env/memory-store.js';
import { SystemTimers } from '../env/timers.js';
import { MvccStorage } from '../storage/mvcc-storage.js';
import { columnKeyOf } from '../node/column-key.js';
import { loadParser } from './sql/parse.js';
import { ALWAYS_SAFE, ApplyingAdjudicator, simpleQuery as query, startProcessor } from '../../test/support/in-memory-processor.js';

before(loadParser);

async function session(): Promise<SqlSession> {
  const storage = new MvccStorage(new MemoryOrderedStore(), ALWAYS_SAFE, columnKeyOf);
  const started = await startProcessor(storage, new ApplyingAdjudicator(storage), new SystemTimers());
  await query(started.session, 'CREATE TABLE t (id int PRIMARY KEY, v text, n int)');
  for (let id = 1; id <= 5; id++) await query(started.session, `INSERT INTO t VALUES (${id}, 'v${id}', ${id * 10})`);
  return started.session;
}

/** The statement prepareSimple gives for a one-statement text (fields set: planned already). */
async function prepared(s: SqlSession, sql: string): Promise<PreparedStatement> {
  await s.refreshCatalog();
  const statements = s.prepareSimple(sql);
  assert.equal(statements.length, 1);
  return statements[0]!;
}

test('from a shape\'s fourth text on, one plan answers every text with its own values', async () => {
  const s = await session();
  const first = await prepared(s, 'SELECT v FROM t WHERE id = 1');
  assert.equal(first.fields, null, 'the first text is planned when it runs');
  assert.deepEqual(await query(s, 'SELECT v FROM t WHERE id = 1'), [['v1']]);
  // The second text keeps the shape's tree; the third is the session's first of its plan key.
  assert.deepEqual(await query(s, 'SELECT v FROM t WHERE id = 2'), [['v2']]);
  assert.equal((await prepared(s, 'SELECT v FROM t WHERE id = 5')).fields, null);
  const third = await prepared(s, 'SELECT v FROM t WHERE id = 3');
  assert.notEqual(third.fields, null, 'planned with the value as a parameter');
  const fourth = await prepared(s, 'SELECT v FROM t WHERE id = 44');
  assert.equal(fourth.fields, third.fields, 'the same planned statement');
  assert.deepEqual(await query(s, 'SELECT v FROM t WHERE id = 3'), [['v3']]);
  assert.deepEqual(await query(s, 'SELECT v FROM t WHERE id = 44'), []);
  assert.deepEqual(await query(s, 'SELECT v FROM t WHERE id = -4'), [], 'a negative value is its own shape');
  // IN lists and BETWEEN bounds of literals.
  for (const [a, b] of [[1, 2], [2, 3], [3, 4]]) await query(s, `SELECT v FROM t WHERE id IN (${a}, ${b}) AND n BETWEEN ${a * 10} AND ${b * 10}`);
  const listed = await prepared(s, 'SELECT v FROM t WHERE id IN (4, 5) AND n BETWEEN 40 AND 50');
  assert.notEqual(listed.fields, null);
  assert.equal((await prepared(s, 'SELECT v FROM t WHERE id IN (1, 5) AND n BETWEEN 0 AND 100')).fields, listed.fields);
  assert.deepEqual(await query(s, 'SELECT v FROM t WHERE id IN (1, 5) AND n BETWEEN 0 AND 20'), [['v1']]);
  // Literals that stay literals are part of the plan's key.
  for (const limit of [1, 2, 3]) assert.equal((await query(s, `SELECT v FROM t WHERE id >= 2 ORDER BY id LIMIT ${limit}`)).length, limit);
});

test('writes take their values as parameters too; a value that does not read as its type fails as the literal does', async () => {
  const s = await session();
  for (let id = 10; id < 14; id++) await query(s, `INSERT INTO t (id, v, n) VALUES (${id}, 'w${id}', ${id})`);
  for (let id = 10; id < 14; id++) await query(s, `UPDATE t SET n = n + ${id} WHERE id = ${id}`);
  assert.deepEqual(await query(s, 'SELECT id, v, n FROM t WHERE id >= 10 ORDER BY id'), [['10', 'w10', '20'], ['11', 'w11', '22'], ['12', 'w12', '24'], ['13', 'w13', '26']]);
  for (let id = 10; id < 13; id++) await query(s, `DELETE FROM t WHERE id = ${id}`);
  assert.deepEqual(await query(s, 'SELECT id FROM t WHERE id >= 10'), [['13']]);
  // The shape `… WHERE id = '…'` is kept; 'x' is no integer: the literal form's error, with its position.
  for (const id of ['1', '2', '3']) await query(s, `SELECT v FROM t WHERE id = '${id}'`);
  assert.deepEqual(await query(s, "SELECT v FROM t WHERE id = '4'"), [['v4']]);
  await assert.rejects(query(s, "SELECT v FROM t WHERE id = 'x'"), (error: SqlError) => {
    assert.equal(error.code, '22P02');
    assert.equal(error.message, 'invalid input syntax for type integer: "x"');
    assert.equal(error.position, 28);
    return true;
  });
  // A shape whose parameterised form does not plan (text = integer) answers as before.
  for (const n of [1, 2, 3, 4]) await assert.rejects(query(s, `SELECT id FROM t WHERE v = ${n}`), (error: SqlError) => error.code === '42883' && error.position === 26);
});

test('a changed catalog or setting plans the shape again', async () => {
  const s = await session();
  for (const id of [1, 2, 3]) assert.deepEqual(await query(s, `SELECT * FROM t WHERE id = ${id}`), [[String(id), `v${id}`, String(id * 10)]]);
  await query(s, 'ALTER TABLE t ADD COLUMN w int');
  assert.deepEqual(await query(s, 'SELECT * FROM t WHERE id = 4'), [['4', 'v4', '40', null]]);
  await query(s, 'CREATE SCHEMA other');
  await query(s, 'CREATE TABLE other.t (id int PRIMARY KEY, v text, n int)');
  await query(s, "INSERT INTO other.t VALUES (5, 'other five', 0)");
  await query(s, 'SET search_path = other, public');
  assert.deepEqual(await query(s, 'SELECT v FROM t WHERE id = 5'), [['other five']]);
  for (const id of [1, 2, 3]) await query(s, `SELECT v FROM t WHERE id = ${id}`);
  await query(s, 'RESET search_path');
  assert.deepEqual(await query(s, 'SELECT v FROM t WHERE id = 5'), [['v5']]);
});

test('standard_conforming_strings off: strings are not taken from a shape read with it on', async () => {
  const s = await session();
  for (const v of ['a', 'b', 'c']) await query(s, `SELECT id FROM t WHERE v = '${v}'`);
  await query(s, "INSERT INTO t VALUES (20, 'x''y', 0), (21, 'x\\y', 0)");
  await query(s, 'SET standard_conforming_strings = off');
  // With it off, 'x\\'y' is x'y; with it on, the same text would not even lex as one string.
  assert.deepEqual(await query(s, "SELECT id FROM t WHERE v = 'x\\\\y'"), [['21']]);
});

test('plan_cache_mode = force_custom_plan plans every text on its own', async () => {
  const s = await session();
  await query(s, 'SET plan_cache_mode = force_custom_plan');
  for (const id of [1, 2, 3, 4]) assert.deepEqual(await query(s, `SELECT v FROM t WHERE id = ${id}`), [[`v${id}`]]);
  assert.equal((await prepared(s, 'SELECT v FROM t WHERE id = 5')).fields, null);
  await query(s, 'RESET plan_cache_mode');
  for (const id of [1, 2]) await query(s, `SELECT v FROM t WHERE id = ${id}`);
  assert.notEqual((await prepared(s, 'SELECT v FROM t WHERE id = 5')).fields, null);
  await assert.rejects(query(s, "SET plan_cache_mode = 'sometimes'"), (error: SqlError) => error.code === '22023'
    && error.message === 'invalid value for parameter "plan_cache_mode": "sometimes"' && error.hint === 'Available values: auto, force_generic_plan, force_custom_plan.');
});
