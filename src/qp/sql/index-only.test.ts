/**
 * Index-only reads, seen from storage: a query whose columns a covering index holds reads the
 * index and not one row of the table (counted at the storage interface), and what it returns
 * follows every write of the covered columns (UPDATE of an INCLUDE column or of a numeric key's
 * scale, DELETE, ON CONFLICT, an INSERT). A query needing a column the index does not hold
 * still reads the rows (index-entry.test.ts shows an index of the old format is never read so).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Key } from '../../contracts/kv.js';
import type { Timestamp } from '../../contracts/time.js';
import type { ReadRequest, ReadResult } from '../../contracts/storage.js';
import type { SqlSession } from '../../contracts/sql-session.js';
import { MemoryOrderedStore } from '../../env/memory-store.js';
import { SystemTimers } from '../../env/timers.js';
import { MvccStorage } from '../../storage/mvcc-storage.js';
import { loadParser } from './parse.js';
import { ALWAYS_SAFE, ApplyingAdjudicator, simpleQuery as query, startProcessor } from '../../../test/support/in-memory-processor.js';
import { PRIMARY_INDEX_ID } from './table-codec.js';

/** Storage that counts the reads of one table's rows (its primary index, id 1). */
class RowReadCounting extends MvccStorage {
  tableId = -1;
  rowReads = 0;

  private count(key: Key): void {
    if (key.length >= 6 && Buffer.from(key).readUInt32BE(0) === this.tableId && Buffer.from(key).readUInt16BE(4) === PRIMARY_INDEX_ID) this.rowReads++;
  }

  override get(key: Key, readTimestamp: Timestamp): Promise<Uint8Array | null> {
    this.count(key);
    return super.get(key, readTimestamp);
  }

  override getReady(key: Key, readTimestamp: Timestamp): Uint8Array | null | undefined {
    this.count(key);
    return super.getReady(key, readTimestamp);
  }

  override read(request: ReadRequest): Promise<ReadResult> {
    this.count(request.start);
    return super.read(request);
  }
}

let storage: RowReadCounting;
let session: SqlSession;

before(async () => {
  await loadParser();
  storage = new RowReadCounting(new MemoryOrderedStore(), ALWAYS_SAFE);
  ({ session } = await startProcessor(storage, new ApplyingAdjudicator(storage), new SystemTimers()));
  await query(session, 'CREATE TABLE items (id int PRIMARY KEY, price numeric, label text, note text, qty int)');
  await query(session, "INSERT INTO items SELECT n, (n || '.50')::numeric, 'l' || n, 'n' || n, n FROM generate_series(1, 200) n");
  for (const sql of ['CREATE INDEX ASYNC items_price ON items (price) INCLUDE (label)', 'CREATE INDEX ASYNC items_old ON items (qty)']) {
    const [[job]] = await query(session, sql) as [[string]];
    await query(session, `CALL sys.wait_for_job('${job}')`);
  }
  const [[oid]] = await query(session, "SELECT 'items'::regclass::oid") as [[string]];
  // A table's oid is its id in keys (the first test checks it).
  storage.tableId = Number(oid);
});

/** The rows of `sql` and how many row reads of `items` it made. */
async function counted(sql: string): Promise<{ rows: unknown[]; rowReads: number }> {
  const before = storage.rowReads;
  const rows = (await query(session, sql)).map((cells) => cells.map((c) => (c === null ? null : Buffer.from(c as Uint8Array).toString())));
  return { rows, rowReads: storage.rowReads - before };
}

async function plan(sql: string): Promise<string> {
  return (await query(session, `EXPLAIN ${sql}`)).map((cells) => Buffer.from(cells[0] as Uint8Array).toString()).join('\n');
}

test('the table id the counter watches is the one the rows are stored under', async () => {
  assert.ok((await counted('SELECT note FROM items WHERE id = 3')).rowReads > 0);
});

test('a covered query reads the index alone; an uncovered one reads the rows', async () => {
  assert.match(await plan('SELECT id, price, label FROM items WHERE price < 3.0'), /B-Tree Scan using items_price on items \(index only\)/);
  const covered = await counted('SELECT id, price, label FROM items WHERE price < 3.0 ORDER BY price');
  assert.deepEqual(covered.rows, [['1', '1.50', 'l1'], ['2', '2.50', 'l2']]);
  assert.equal(covered.rowReads, 0);
  assert.doesNotMatch(await plan('SELECT note FROM items WHERE price < 3.0'), /index only/);
  const uncovered = await counted('SELECT note FROM items WHERE price < 3.0 ORDER BY note');
  assert.deepEqual(uncovered.rows, [['n1'], ['n2']]);
  assert.equal(uncovered.rowReads, 2);
});

test('writes of covered columns are seen through the index alone', async () => {
  await query(session, "UPDATE items SET label = 'changed' WHERE id = 1");
  await query(session, 'UPDATE items SET price = 2.5000 WHERE id = 2');
  await query(session, 'DELETE FROM items WHERE id = 3');
  await query(session, "INSERT INTO items VALUES (4, 0.5, 'x', 'y', 4) ON CONFLICT (id) DO UPDATE SET label = 'upserted', price = 0.25");
  await query(session, "INSERT INTO items VALUES (201, 1.0, 'new', NULL, 0)");
  const read = await counted('SELECT id, price, label FROM items WHERE price <= 3.5 ORDER BY price, id');
  assert.deepEqual(read.rows, [['4', '0.25', 'upserted'], ['201', '1.0', 'new'], ['1', '1.50', 'changed'], ['2', '2.5000', 'l2']]);
  assert.equal(read.rowReads, 0);
});

test('a transaction reads its own covered writes through the index alone', async () => {
  await query(session, "BEGIN; UPDATE items SET label = 'mine' WHERE id = 5");
  const read = await counted('SELECT label FROM items WHERE price = 5.5');
  await query(session, 'COMMIT');
  assert.deepEqual(read.rows, [['mine']]);
  assert.equal(read.rowReads, 0);
});
