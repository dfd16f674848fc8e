/**
 * The DROP job: after DROP TABLE / DROP INDEX commits, the dropped object's keys are deleted
 * from storage in bounded transactions, the job shows in sys.jobs as DROP, and a restart that
 * interrupted it resumes it under the same job id. A query processor over an in-memory MVCC
 * store, with an adjudicator that applies each commit at the next timestamp, so the test can
 * look at storage itself.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommitRequest } from '../../contracts/adjudicator.js';
import type { SqlSession } from '../../contracts/sql-session.js';
import { MemoryOrderedStore } from '../../env/memory-store.js';
import { SystemTimers } from '../../env/timers.js';
import { MvccStorage } from '../../storage/mvcc-storage.js';
import { loadParser } from '../sql/parse.js';
import { ALWAYS_SAFE, ApplyingAdjudicator, HoldingTimers, simpleQuery as query, startProcessor as processor } from '../../../test/support/in-memory-processor.js';

/** DSQL's limit on the rows one transaction may write. */
const DSQL_TRANSACTION_ROWS = 3000;

/** The largest number of keys one DROP job transaction wrote. */
class DropBatches {
  largestCommit = 0;
  readonly onCommit = (request: CommitRequest): void => {
    if (request.transactionId.startsWith('drop')) this.largestCommit = Math.max(this.largestCommit, request.writes.length);
  };
}

/** How many keys storage holds now with this table id as their first four bytes. */
async function keysOfTable(storage: MvccStorage, tableId: number, indexId?: number): Promise<number> {
  const start = Buffer.alloc(indexId === undefined ? 4 : 6);
  start.writeUInt32BE(tableId, 0);
  if (indexId !== undefined) start.writeUInt16BE(indexId, 4);
  const end = Buffer.from(start);
  if (indexId === undefined) end.writeUInt32BE(tableId + 1, 0);
  else end.writeUInt16BE(indexId + 1, 4);
  let count = 0;
  let from: Uint8Array = start;
  for (;;) {
    const batch = await storage.read({ start: from, end, readTimestamp: Number.MAX_SAFE_INTEGER - 1, limit: 1000 });
    count += batch.keys.length;
    if (!batch.resumeKey) return count;
    from = batch.resumeKey;
  }
}

async function setUpTables(session: SqlSession): Promise<{ dropped: number; kept: number }> {
  await query(session, 'CREATE TABLE t (id int PRIMARY KEY, v text)');
  await query(session, "INSERT INTO t SELECT n, 'x' || n FROM generate_series(1, 2500) n");
  await query(session, "INSERT INTO t SELECT n, 'y' || n FROM generate_series(2501, 4500) n");
  const [[job]] = await query(session, 'CREATE INDEX ASYNC t_v ON t (v)') as [[string]];
  await query(session, `CALL sys.wait_for_job('${job}')`);
  await query(session, 'CREATE TABLE keep (id int PRIMARY KEY)');
  await query(session, 'INSERT INTO keep VALUES (1), (2), (3)');
  const [[dropped]] = await query(session, "SELECT 't'::regclass::oid") as [[string]];
  const [[kept]] = await query(session, "SELECT 'keep'::regclass::oid") as [[string]];
  return { dropped: Number(dropped), kept: Number(kept) };
}

before(loadParser);

test('DROP TABLE leaves a DROP job that deletes the rows and index entries in bounded batches', async () => {
  const storage = new MvccStorage(new MemoryOrderedStore(), ALWAYS_SAFE);
  const batches = new DropBatches();
  const adjudicator = new ApplyingAdjudicator(storage, batches.onCommit);
  const { session } = await processor(storage, adjudicator, new SystemTimers());
  const { dropped, kept } = await setUpTables(session);
  assert.equal(await keysOfTable(storage, dropped), 9000);
  await query(session, 'DROP TABLE t');
  const jobs = await query(session, "SELECT job_id, job_type, object_id, object_name FROM sys.jobs WHERE job_type = 'DROP'");
  assert.equal(jobs.length, 1);
  assert.deepEqual(jobs[0]!.slice(1), ['DROP', String(dropped), 'public.t']);
  await query(session, `CALL sys.wait_for_job('${jobs[0]![0]}')`);
  assert.deepEqual(await query(session, `SELECT status, details FROM sys.jobs WHERE job_id = '${jobs[0]![0]}'`), [['completed', null]]);
  assert.equal(await keysOfTable(storage, dropped), 0);
  assert.equal(await keysOfTable(storage, kept), 3);
  assert.ok(batches.largestCommit > 0 && batches.largestCommit <= DSQL_TRANSACTION_ROWS, `a batch wrote ${batches.largestCommit} keys`);
});

test('DROP INDEX deletes that index\'s entries only; a new index does not take the dropped one\'s id', async () => {
  const storage = new MvccStorage(new MemoryOrderedStore(), ALWAYS_SAFE);
  const adjudicator = new ApplyingAdjudicator(storage);
  const { session } = await processor(storage, adjudicator, new SystemTimers());
  const { dropped: tableId } = await setUpTables(session);
  assert.equal(await keysOfTable(storage, tableId, 2), 4500);
  await query(session, 'DROP INDEX t_v');
  const [[job]] = await query(session, "SELECT job_id FROM sys.jobs WHERE job_type = 'DROP' AND object_name = 'public.t_v'") as [[string]];
  await query(session, `CALL sys.wait_for_job('${job}')`);
  assert.equal(await keysOfTable(storage, tableId, 2), 0);
  assert.equal(await keysOfTable(storage, tableId, 1), 4500);
  const [[build]] = await query(session, 'CREATE INDEX ASYNC t_v2 ON t (v)') as [[string]];
  await query(session, `CALL sys.wait_for_job('${build}')`);
  assert.equal(await keysOfTable(storage, tableId, 3), 4500);
  assert.deepEqual(await query(session, "SELECT id FROM t WHERE v = 'y3000'"), [['3000']]);
});

test('a DROP job a restart interrupted resumes under its job id', async () => {
  const storage = new MvccStorage(new MemoryOrderedStore(), ALWAYS_SAFE);
  const adjudicator = new ApplyingAdjudicator(storage);
  const timers = new HoldingTimers();
  const first = await processor(storage, adjudicator, timers);
  const { dropped, kept } = await setUpTables(first.session);
  timers.hold = true;
  await query(first.session, 'DROP TABLE t');
  const [[jobId]] = await query(first.session, "SELECT job_id FROM sys.jobs WHERE job_type = 'DROP'") as [[string]];
  assert.equal(await keysOfTable(storage, dropped), 9000, 'the held job has not run');
  const second = await processor(storage, adjudicator, new SystemTimers());
  assert.deepEqual(await query(second.session, "SELECT job_id, object_name FROM sys.jobs WHERE job_type = 'DROP'"), [[jobId, 'public.t']]);
  await query(second.session, `CALL sys.wait_for_job('${jobId}')`);
  assert.equal(await keysOfTable(storage, dropped), 0);
  assert.equal(await keysOfTable(storage, kept), 3);
  // Done: a third start finds nothing to resume.
  const third = await processor(storage, adjudicator, new SystemTimers());
  assert.deepEqual(await query(third.session, "SELECT job_id FROM sys.jobs WHERE job_type = 'DROP'"), []);
});
