/**
 * A Parse of the same text is planned once (Session.prepare's cache): drivers parse their
 * parameterised queries as unnamed statements again for every execution. Whatever could change
 * what the text means — a setting (search_path, TimeZone …), the role, the catalog, the
 * parameter hints — makes a new plan.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PreparedStatement, SqlSession, WireCell } from '../contracts/sql-session.js';
import { MemoryOrderedStore } from '../env/memory-store.js';
import { SystemTimers } from '../env/timers.js';
import { MvccStorage } from '../storage/mvcc-storage.js';
import { loadParser } from './sql/parse.js';
import { ALWAYS_SAFE, ApplyingAdjudicator, simpleQuery as query, startProcessor } from '../../test/support/in-memory-processor.js';

before(loadParser);

async function session(): Promise<SqlSession> {
  const storage = new MvccStorage(new MemoryOrderedStore(), ALWAYS_SAFE);
  const started = await startProcessor(storage, new ApplyingAdjudicator(storage), new SystemTimers());
  await query(started.session, 'CREATE TABLE t (id int PRIMARY KEY, v text)');
  await query(started.session, "INSERT INTO t VALUES (1, 'public one')");
  await query(started.session, 'CREATE SCHEMA other');
  await query(started.session, 'CREATE TABLE other.t (id int PRIMARY KEY, v text)');
  await query(started.session, "INSERT INTO other.t VALUES (1, 'other one')");
  return started.session;
}

async function parse(s: SqlSession, sql: string, hints: number[] = []): Promise<PreparedStatement> {
  await s.refreshCatalog();
  return s.prepare(sql, hints);
}

async function run(s: SqlSession, statement: PreparedStatement, params: string[]): Promise<(readonly WireCell[])[]> {
  const rows: (readonly WireCell[])[] = [];
  const portal = s.bind(statement, params.map(() => 0), params.map((p) => new TextEncoder().encode(p)), [0]);
  await portal.execute(0, (cells) => rows.push(cells));
  await s.finishImplicit();
  return rows;
}

const SQL = 'SELECT v FROM t WHERE id = $1';

test('the same text parsed again is the same planned statement from its second Parse on, and runs as often as it is bound', async () => {
  const s = await session();
  const first = await parse(s, SQL);
  assert.deepEqual(await run(s, first, ['1']), [['public one']]);
  // A text parsed once is not kept (a stream of distinct texts would only churn the collector).
  const second = await parse(s, SQL);
  assert.notEqual(second, first);
  const again = await parse(s, SQL);
  assert.equal(again, second, 'planned once more, then kept');
  assert.deepEqual(await run(s, again, ['1']), [['public one']]);
  assert.deepEqual(await run(s, again, ['2']), []);
  assert.equal(await parse(s, SQL), second);
  await parse(s, SQL, [23]);
  assert.notEqual(await parse(s, SQL, [23]), second, 'other parameter hints: another statement');
});

/** Parses `sql` until the session keeps it (its second Parse), and returns the kept statement. */
async function kept(s: SqlSession, sql: string): Promise<PreparedStatement> {
  await parse(s, sql);
  const statement = await parse(s, sql);
  assert.equal(await parse(s, sql), statement);
  return statement;
}

test('a setting, the catalog or the role changed: the text is planned again and means what it means now', async () => {
  const s = await session();
  const first = await kept(s, SQL);
  await query(s, 'SET search_path = other, public');
  const afterSet = await parse(s, SQL);
  assert.notEqual(afterSet, first);
  assert.deepEqual(await run(s, afterSet, ['1']), [['other one']]);
  await query(s, 'RESET search_path');
  const afterDdl = await kept(s, SQL);
  await query(s, 'ALTER TABLE t ADD COLUMN w int');
  const planned = await parse(s, SQL);
  assert.notEqual(planned, afterDdl, 'a new catalog version');
  assert.deepEqual(await run(s, planned, ['1']), [['public one']]);
  const [[user]] = await query(s, 'SELECT current_user');
  await query(s, 'CREATE ROLE reader');
  await query(s, `GRANT reader TO ${String(user)}`);
  await kept(s, SQL);
  await query(s, 'SET ROLE reader');
  await assert.rejects(async () => run(s, await parse(s, SQL), ['1']), /permission denied for table t/);
  await query(s, 'RESET ROLE');
  assert.deepEqual(await run(s, await parse(s, SQL), ['1']), [['public one']]);
});

test('in a failed transaction block a cached text is refused as any other', async () => {
  const s = await session();
  await kept(s, SQL);
  await query(s, 'BEGIN');
  await assert.rejects(query(s, 'SELECT 1/0'), /division by zero/);
  await assert.rejects(parse(s, SQL), /current transaction is aborted/);
  await query(s, 'ROLLBACK');
  assert.deepEqual(await run(s, await parse(s, SQL), ['1']), [['public one']]);
});
