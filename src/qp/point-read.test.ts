/**
 * A planned primary-key point SELECT reads storage without a promise when storage can answer
 * now (`getReady`), through whatever operators the planner puts above the lookup. The operator
 * unit tests build their own trees; this one plans real statements, so an operator added to the
 * planner's tree without `nextReady` (as column pruning's ForgetSlot once was) fails here.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Key } from '../contracts/kv.js';
import type { SqlSession, WireCell } from '../contracts/sql-session.js';
import type { Timestamp } from '../contracts/time.js';
import { MemoryOrderedStore } from '../env/memory-store.js';
import { SystemTimers } from '../env/timers.js';
import { MvccStorage } from '../storage/mvcc-storage.js';
import { loadParser } from './sql/parse.js';
import { ALWAYS_SAFE, ApplyingAdjudicator, simpleQuery as query, startProcessor } from '../../test/support/in-memory-processor.js';

before(loadParser);

/** The catalog's table id (keys start with a big-endian u32 table id): its reads are not counted. */
const CATALOG_TABLE = 1;

/** Storage that counts its point reads of user rows: answered at once, or through a promise. */
class CountingStorage extends MvccStorage {
  readyReads = 0;
  awaitedReads = 0;
  override getReady(key: Key, readTimestamp: Timestamp): Uint8Array | null | undefined {
    if (isUserRow(key)) this.readyReads++;
    return super.getReady(key, readTimestamp);
  }
  override get(key: Key, readTimestamp: Timestamp): Promise<Uint8Array | null> {
    if (isUserRow(key)) this.awaitedReads++;
    return super.get(key, readTimestamp);
  }
}

function isUserRow(key: Key): boolean {
  return new DataView(key.buffer, key.byteOffset, key.byteLength).getUint32(0) > CATALOG_TABLE;
}

/** Prepares `sql`, then binds and executes it once per parameter list, as pgbench -M prepared does. */
async function executePrepared(session: SqlSession, sql: string, runs: readonly string[][]): Promise<(readonly WireCell[])[][]> {
  await session.refreshCatalog();
  const statement = session.prepare(sql, []);
  const results: (readonly WireCell[])[][] = [];
  for (const params of runs) {
    const rows: (readonly WireCell[])[] = [];
    const portal = session.bind(statement, params.map(() => 0), params.map((p) => new TextEncoder().encode(p)), [0]);
    const outcome = await portal.execute(0, (cells) => rows.push(cells));
    assert.equal(outcome.kind, 'complete');
    assert.equal(await session.finishImplicit(), undefined, 'a read-only implicit transaction ends without a commit');
    results.push(rows);
  }
  return results;
}

async function processorWithAccounts() {
  const storage = new CountingStorage(new MemoryOrderedStore(), ALWAYS_SAFE);
  const { session } = await startProcessor(storage, new ApplyingAdjudicator(storage), new SystemTimers());
  await query(session, 'CREATE TABLE accounts (aid int NOT NULL PRIMARY KEY, bid int, abalance int, filler char(84))');
  await query(session, "INSERT INTO accounts SELECT g, 1, g * 10, '' FROM generate_series(1, 20) g");
  await query(session, "CREATE TABLE named (name text PRIMARY KEY, n int)");
  await query(session, "INSERT INTO named VALUES ('a', 1), ('b', 2)");
  return { storage, session };
}

test("pgbench's select-only statement reads its row without a promise", async () => {
  const { storage, session } = await processorWithAccounts();
  storage.readyReads = storage.awaitedReads = 0;
  const results = await executePrepared(session, 'SELECT abalance FROM accounts WHERE aid = $1', [['3'], ['17'], ['99']]);
  assert.deepEqual(results, [[['30']], [['170']], []]);
  assert.equal(storage.awaitedReads, 0, 'no point read took the promise path');
  assert.ok(storage.readyReads >= 3, 'each execution read its key');
});

test('a point read under a Filter (a condition the key does not decide, or a text key) stays synchronous too', async () => {
  const { storage, session } = await processorWithAccounts();
  storage.readyReads = storage.awaitedReads = 0;
  const filtered = await executePrepared(session, 'SELECT aid, abalance FROM accounts WHERE aid = $1 AND abalance > 50', [['3'], ['7']]);
  assert.deepEqual(filtered, [[], [['7', '70']]]);
  const byText = await executePrepared(session, 'SELECT n FROM named WHERE name = $1', [['b'], ['c']]);
  assert.deepEqual(byText, [[['2']], []]);
  assert.equal(storage.awaitedReads, 0, 'no point read took the promise path');
});

test("pgbench's UPDATE reads its target row without a promise, and the update is seen", async () => {
  const { storage, session } = await processorWithAccounts();
  await session.refreshCatalog();
  const update = session.prepare('UPDATE accounts SET abalance = abalance + $1 WHERE aid = $2', []);
  storage.readyReads = storage.awaitedReads = 0;
  for (const [delta, aid] of [['5', '3'], ['-7', '3'], ['1', '99']] as const) {
    const portal = session.bind(update, [0, 0], [new TextEncoder().encode(delta), new TextEncoder().encode(aid)], [0]);
    const outcome = await portal.execute(0, () => assert.fail('no RETURNING, no rows'));
    assert.deepEqual(outcome, { kind: 'complete', commandTag: aid === '99' ? 'UPDATE 0' : 'UPDATE 1' });
    await session.finishImplicit();
  }
  assert.equal(storage.awaitedReads, 0, "no target row's read took the promise path");
  assert.ok(storage.readyReads >= 3, 'each execution read its key');
  const after = await executePrepared(session, 'SELECT abalance FROM accounts WHERE aid = $1', [['3']]);
  assert.deepEqual(after, [[['28']]]);
});
