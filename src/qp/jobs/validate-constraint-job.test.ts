/**
 * The VALIDATE_CONSTRAINT job survives a restart: ALTER TABLE ASYNC … VALIDATE CONSTRAINT records
 * the request in its commit, a query processor started over the same store after the job was
 * held back resumes it under the same job id, and a finished job (validated or failed) leaves
 * nothing to resume. Query processors over one in-memory MVCC store, as drop-job.test.ts does.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SqlSession } from '../../contracts/sql-session.js';
import type { Timers } from '../../contracts/time.js';
import { MemoryOrderedStore } from '../../env/memory-store.js';
import { SystemTimers } from '../../env/timers.js';
import { MvccStorage } from '../../storage/mvcc-storage.js';
import { loadParser } from '../sql/parse.js';
import { ALWAYS_SAFE, ApplyingAdjudicator, HoldingTimers, simpleQuery as query, startProcessor } from '../../../test/support/in-memory-processor.js';

async function start(storage: MvccStorage, adjudicator: ApplyingAdjudicator, timers: Timers): Promise<SqlSession> {
  return (await startProcessor(storage, adjudicator, timers)).session;
}

const VALIDATED = "SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'orders'::regclass AND contype IN ('c', 'f') ORDER BY conname";
const JOBS = "SELECT job_id, status FROM sys.jobs WHERE job_type = 'VALIDATE_CONSTRAINT' ORDER BY job_id";

before(loadParser);

test('a VALIDATE_CONSTRAINT job a restart interrupted resumes under its job id, and finished jobs are not resumed', async () => {
  const storage = new MvccStorage(new MemoryOrderedStore(), ALWAYS_SAFE);
  const adjudicator = new ApplyingAdjudicator(storage);
  const timers = new HoldingTimers();
  const first = await start(storage, adjudicator, timers);
  await query(first, 'CREATE TABLE customers (id int PRIMARY KEY)');
  await query(first, 'INSERT INTO customers SELECT n FROM generate_series(1, 50) n');
  await query(first, 'CREATE TABLE orders (id int PRIMARY KEY, customer int, amount int)');
  await query(first, 'INSERT INTO orders SELECT n, n % 50 + 1, n - 1 FROM generate_series(1, 2500) n');
  await query(first, 'ALTER TABLE orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer) REFERENCES customers (id) NOT VALID');
  await query(first, 'ALTER TABLE orders ADD CONSTRAINT amount_positive CHECK (amount > 0) NOT VALID');
  timers.hold = true;
  const [[foreignKeyJob]] = await query(first, 'ALTER TABLE ASYNC orders VALIDATE CONSTRAINT orders_customer_fkey') as [[string]];
  const [[checkJob]] = await query(first, 'ALTER TABLE ASYNC orders VALIDATE CONSTRAINT amount_positive') as [[string]];
  assert.deepEqual(await query(first, VALIDATED), [['amount_positive', 'f'], ['orders_customer_fkey', 'f']], 'the held jobs have not run');

  const second = await start(storage, adjudicator, new SystemTimers());
  assert.deepEqual((await query(second, JOBS)).map((r) => r[0]), [foreignKeyJob, checkJob].sort());
  await query(second, `CALL sys.wait_for_job('${foreignKeyJob}')`);
  await assert.rejects(query(second, `CALL sys.wait_for_job('${checkJob}')`),
    { code: 'XX000', message: `job ${checkJob} failed: check constraint "amount_positive" of relation "orders" is violated by some row` });
  assert.deepEqual(await query(second, VALIDATED), [['amount_positive', 'f'], ['orders_customer_fkey', 't']]);

  // Both finished (one validated, one failed): a third start finds nothing to resume.
  const third = await start(storage, adjudicator, new SystemTimers());
  assert.deepEqual(await query(third, JOBS), []);
});
