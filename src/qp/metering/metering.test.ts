/**
 * Metering through real statements (reference/dsql.md §6.1): the Read and Write parts of DSQL's
 * worked examples, filtered scans, secondary indexes, read-only transactions, compute, and the
 * EXPLAIN ANALYZE VERBOSE estimate. Each transaction's bill is what the session reports when
 * the transaction ends.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import type { TransactionUsage, UsageRecorder } from '../../contracts/metering.js';
import type { SqlSession } from '../../contracts/sql-session.js';
import { MemoryOrderedStore } from '../../env/memory-store.js';
import { SystemTimers } from '../../env/timers.js';
import { MvccStorage } from '../../storage/mvcc-storage.js';
import { columnKeyOf } from '../../node/column-key.js';
import { loadParser } from '../sql/parse.js';
import { ALWAYS_SAFE, ApplyingAdjudicator, simpleQuery, startProcessor } from '../../../test/support/in-memory-processor.js';

before(loadParser);

const READ_MINIMUM_DPU = 2048 * 0.00000183105;
const WRITE_MINIMUM_DPU = 1024 * 0.00004883;

/** Keeps a copy of every bill (the session reuses its record). */
class Bills implements UsageRecorder {
  readonly all: TransactionUsage[] = [];
  record(usage: TransactionUsage): void {
    this.all.push({ ...usage });
  }
  /** The bills of what `run` does. */
  async of(run: () => Promise<unknown>): Promise<TransactionUsage[]> {
    const from = this.all.length;
    await run();
    return this.all.slice(from);
  }
}

async function processor(): Promise<{ session: SqlSession; bills: Bills }> {
  const storage = new MvccStorage(new MemoryOrderedStore(), ALWAYS_SAFE, columnKeyOf);
  const bills = new Bills();
  const { session } = await startProcessor(storage, new ApplyingAdjudicator(storage), new SystemTimers(), bills);
  return { session, bills };
}

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≠ ${expected}`);
}

test('a point lookup bills the 2,048-byte read minimum and no write', async () => {
  const { session, bills } = await processor();
  await simpleQuery(session, 'CREATE TABLE t (id int PRIMARY KEY, v text)');
  await simpleQuery(session, "INSERT INTO t VALUES (1, 'one')");
  const [bill, ...more] = await bills.of(() => simpleQuery(session, 'SELECT v FROM t WHERE id = 1'));
  assert.equal(more.length, 0);
  assert.equal(bill!.bytesRead, 128, 'one storage read of a small row bills 128 bytes');
  close(bill!.readDpu, READ_MINIMUM_DPU, 'ReadDPU');
  assert.equal(bill!.readDpu.toFixed(5), '0.00375');
  assert.equal(bill!.writeDpu, 0);
  assert.equal(bill!.bytesWritten, 0);
  assert.equal(bill!.readOnly, true);
  assert.equal(bill!.commitLatencyUs, null);
});

test('a single 100-byte-row insert bills 0.05 write and 0.00375 read (its uniqueness read)', async () => {
  const { session, bills } = await processor();
  await simpleQuery(session, 'CREATE TABLE t (id int PRIMARY KEY, v text)');
  const [bill] = await bills.of(() => simpleQuery(session, `INSERT INTO t VALUES (1, '${'x'.repeat(90)}')`));
  assert.equal(bill!.bytesWritten, 128, 'a row under 128 bytes bills 128');
  close(bill!.writeDpu, WRITE_MINIMUM_DPU, 'WriteDPU');
  assert.equal(bill!.writeDpu.toFixed(5), '0.05000');
  assert.equal(bill!.bytesRead, 128, 'the primary-key uniqueness read');
  close(bill!.readDpu, READ_MINIMUM_DPU, 'ReadDPU');
  assert.equal(bill!.readOnly, false);
  assert.ok(bill!.commitLatencyUs !== null && bill!.commitLatencyUs >= 0);
});

test("a 100-row insert's write part is 100 × 128 bytes", async () => {
  const { session, bills } = await processor();
  await simpleQuery(session, 'CREATE TABLE t (id int PRIMARY KEY, v text)');
  const [bill] = await bills.of(() => simpleQuery(session, "INSERT INTO t SELECT g, repeat('x', 90) FROM generate_series(1, 100) g"));
  assert.equal(bill!.bytesWritten, 12_800);
  close(bill!.writeDpu, 12_800 * 0.00004883, 'WriteDPU');
  assert.equal(bill!.writeDpu.toFixed(5), '0.62502');
});

test('rows over 128 bytes bill their size: the key and value as written', async () => {
  const { session, bills } = await processor();
  await simpleQuery(session, 'CREATE TABLE t (id int PRIMARY KEY, v text)');
  const [bill] = await bills.of(() => simpleQuery(session, "INSERT INTO t SELECT g, repeat('x', 1000) FROM generate_series(1, 3) g"));
  // pg_relation_size is the bytes of the live keys and values (docs/sql.md): what was written.
  const [[size]] = await simpleQuery(session, "SELECT pg_relation_size('t')") as [[string]];
  assert.equal(bill!.bytesWritten, Number(size));
  assert.ok(bill!.bytesWritten > 3000);
});

test('an insert into a table with a secondary index bills the base row and the index row', async () => {
  const { session, bills } = await processor();
  await simpleQuery(session, 'CREATE TABLE t (id int PRIMARY KEY, v text)');
  await simpleQuery(session, 'CREATE INDEX ASYNC t_v ON t (v)');
  await waitForValidIndex(session);
  const [bill] = await bills.of(() => simpleQuery(session, "INSERT INTO t VALUES (1, 'one')"));
  assert.equal(bill!.bytesWritten, 2 * 128);
  close(bill!.writeDpu, WRITE_MINIMUM_DPU, 'WriteDPU (both rows are under the 1,024-byte minimum)');
  const [many] = await bills.of(() => simpleQuery(session, "INSERT INTO t SELECT g, 'v' || g FROM generate_series(2, 11) g"));
  assert.equal(many!.bytesWritten, 10 * 2 * 128);
});

async function waitForValidIndex(session: SqlSession): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const rows = await simpleQuery(session, "SELECT count(*) FROM sys.jobs WHERE status <> 'completed'");
    if (rows[0]![0] === '0') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail('the index build did not finish');
}

test('a filtered scan bills every row it scanned, not the rows it returned', async () => {
  const { session, bills } = await processor();
  await simpleQuery(session, 'CREATE TABLE t (id int PRIMARY KEY, v text, n int)');
  await simpleQuery(session, "INSERT INTO t SELECT g, repeat('y', 300), g FROM generate_series(1, 50) g");
  const [[size]] = await simpleQuery(session, "SELECT pg_relation_size('t')") as [[string]];
  const [bill] = await bills.of(() => simpleQuery(session, 'SELECT id FROM t WHERE n = 7'));
  assert.equal(bill!.bytesRead, Number(size), 'all 50 rows, though one matched');
  close(bill!.readDpu, Number(size) * 0.00000183105, 'ReadDPU');
  const [none] = await bills.of(() => simpleQuery(session, 'SELECT id FROM t WHERE n < 0'));
  assert.equal(none!.bytesRead, Number(size), 'no row matched: still every row scanned');
});

test('a read-only transaction bills no write; a rolled-back one neither', async () => {
  const { session, bills } = await processor();
  await simpleQuery(session, 'CREATE TABLE t (id int PRIMARY KEY, v text)');
  await simpleQuery(session, "INSERT INTO t VALUES (1, 'one'), (2, 'two')");
  const block = await bills.of(async () => {
    await simpleQuery(session, 'BEGIN');
    await simpleQuery(session, 'SELECT v FROM t WHERE id = 1');
    await simpleQuery(session, 'SELECT v FROM t WHERE id = 2');
    await simpleQuery(session, 'COMMIT');
  });
  assert.equal(block.length, 1, 'one transaction, one bill');
  assert.equal(block[0]!.bytesRead, 256, 'two point reads');
  assert.equal(block[0]!.writeDpu, 0);
  assert.equal(block[0]!.readOnly, true);
  const rolledBack = await bills.of(async () => {
    await simpleQuery(session, 'BEGIN');
    await simpleQuery(session, "INSERT INTO t VALUES (3, 'three')");
    await simpleQuery(session, 'ROLLBACK');
  });
  assert.equal(rolledBack.length, 1);
  assert.equal(rolledBack[0]!.writeDpu, 0, 'nothing was written');
  assert.equal(rolledBack[0]!.bytesWritten, 0);
  assert.equal(rolledBack[0]!.readOnly, false);
});

test('compute is positive and no more than the wall time of the statements', async () => {
  const { session, bills } = await processor();
  await simpleQuery(session, 'CREATE TABLE t (id int PRIMARY KEY, v text)');
  const began = performance.now();
  const [bill] = await bills.of(() => simpleQuery(session, "INSERT INTO t SELECT g, 'v' FROM generate_series(1, 500) g"));
  const wallSeconds = (performance.now() - began) / 1000;
  assert.ok(bill!.computeDpu > 0, 'some processing was timed');
  assert.ok(bill!.computeDpu <= wallSeconds, `compute ${bill!.computeDpu} s within the wall time ${wallSeconds} s`);
});

test('pg_sleep is waiting, not processing', async () => {
  const { session, bills } = await processor();
  // The processor's timers do not hold the process open: this one does, for the sleep.
  const alive = setInterval(() => {}, 1000);
  const [bill] = await bills.of(() => simpleQuery(session, 'SELECT pg_sleep(0.3)')).finally(() => clearInterval(alive));
  assert.ok(bill!.computeDpu < 0.3, `compute ${bill!.computeDpu} s leaves out the 0.3 s sleep`);
});

const ESTIMATE = [
  /^Statement DPU Estimate:$/,
  /^ {2}Compute: \d+\.\d{5} DPU$/,
  /^ {2}Read: \d+\.\d{5} DPU \(Transaction minimum: 0\.00375\)$/,
  /^ {2}Write: \d+\.\d{5} DPU \(Transaction minimum: 0\.05000\)$/,
  /^ {2}Total: \d+\.\d{5} DPU$/,
];

test('EXPLAIN ANALYZE VERBOSE appends the statement DPU estimate; EXPLAIN ANALYZE and EXPLAIN VERBOSE do not', async () => {
  const { session } = await processor();
  await simpleQuery(session, 'CREATE TABLE t (id int PRIMARY KEY, v text)');
  await simpleQuery(session, "INSERT INTO t VALUES (1, 'one')");
  const lines = (await simpleQuery(session, 'EXPLAIN ANALYZE VERBOSE SELECT v FROM t WHERE id = 1')).map((row) => String(row[0]));
  const block = lines.slice(-5);
  ESTIMATE.forEach((pattern, i) => assert.match(block[i]!, pattern));
  assert.equal(block[2], '  Read: 0.00023 DPU (Transaction minimum: 0.00375)', 'one read of 128 bytes');
  assert.equal(block[3], '  Write: 0.00000 DPU (Transaction minimum: 0.05000)');
  const parts = block.slice(1, 4).map((line) => Number(/(\d+\.\d+) DPU/.exec(line)![1]));
  const total = Number(/(\d+\.\d+) DPU/.exec(block[4]!)![1]);
  assert.ok(Math.abs(total - (parts[0]! + parts[1]! + parts[2]!)) <= 0.00001 + 1e-12, 'Total is the sum of the parts');
  for (const sql of ['EXPLAIN ANALYZE SELECT v FROM t WHERE id = 1', 'EXPLAIN VERBOSE SELECT v FROM t WHERE id = 1', 'EXPLAIN (ANALYZE, VERBOSE false) SELECT v FROM t']) {
    const plain = (await simpleQuery(session, sql)).map((row) => String(row[0]));
    assert.ok(!plain.some((line) => line.includes('DPU')), `${sql} shows no estimate`);
  }
  const insert = (await simpleQuery(session, "EXPLAIN (ANALYZE, VERBOSE) INSERT INTO t VALUES (2, 'two')")).map((row) => String(row[0]));
  assert.equal(insert.at(-2), '  Write: 0.00625 DPU (Transaction minimum: 0.05000)', 'one row of 128 bytes');
  assert.equal(insert.at(-3), '  Read: 0.00023 DPU (Transaction minimum: 0.00375)', 'its uniqueness read');
});
