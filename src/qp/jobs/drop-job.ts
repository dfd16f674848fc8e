import type { CatalogChange, IndexInfo, TableInfo } from '../catalog/catalog.js';
import type { Key } from '../../contracts/kv.js';
import type { StorageNode } from '../../contracts/storage.js';
import type { BackgroundJobs } from './background-jobs.js';
import { jobRecordKey, putJobRecord, readJobRecords } from './job-records.js';

/**
 * DROP TABLE's and DROP INDEX's background job (reference/dsql.md §2.4: "DROP TABLE/INDEX create
 * background DROP jobs in sys.jobs"). The DDL removes the object from the catalog and, in the
 * same commit, records a pending drop: the key range its rows or entries occupy. After the
 * commit the job deletes that range in bounded transactions (no batch writes more than
 * BATCH_ROWS keys, under DSQL's 3,000-row transaction limit), then deletes the record. The
 * record lives in the catalog's key range (catalog index 30), so a restart finds it and
 * resumes the job under its id; deleting keys that are already gone is harmless.
 *
 * Nothing else writes the range once the catalog entry is gone: a session that still has the
 * old catalog depends on the table's schema version key, which the DROP changed, so its commit
 * fails with OC001. Index ids are never reused within a table (`withoutIndex`), so a later
 * index never lands in a range a drop is still clearing.
 */
export interface PendingDrop {
  readonly jobId: string;
  readonly objectId: number;
  readonly objectName: string;
  /** The range to clear, [start, end), as hex. */
  readonly start: string;
  readonly end: string;
}

const DROP_JOBS_INDEX = 30;
/** Keys deleted per transaction. */
const BATCH_ROWS = 1000;

function prefix(tableId: number, indexId: number | null): { start: Buffer; end: Buffer } {
  const start = Buffer.alloc(indexId === null ? 4 : 6);
  start.writeUInt32BE(tableId, 0);
  if (indexId !== null) start.writeUInt16BE(indexId, 4);
  const end = Buffer.from(start);
  // The table id and index id are fixed-width: the prefix's end is the next id.
  if (indexId === null) end.writeUInt32BE(tableId + 1, 0);
  else end.writeUInt16BE(indexId + 1, 4);
  return { start, end };
}

/** Records the drop of a whole table (its rows and every index's entries) in the DDL's change. */
export function recordTableDrop(change: CatalogChange, jobId: string, table: TableInfo): PendingDrop {
  return record(change, { jobId, objectId: table.id, objectName: `${table.schema}.${table.name}` }, prefix(table.id, null));
}

/** Records the drop of one secondary index's entries. */
export function recordIndexDrop(change: CatalogChange, jobId: string, table: TableInfo, index: IndexInfo): PendingDrop {
  return record(change, { jobId, objectId: index.oid, objectName: `${table.schema}.${index.name}` }, prefix(table.id, index.id));
}

function record(change: CatalogChange, object: Omit<PendingDrop, 'start' | 'end'>, span: { start: Buffer; end: Buffer }): PendingDrop {
  const pending: PendingDrop = { ...object, start: span.start.toString('hex'), end: span.end.toString('hex') };
  const write = putJobRecord(DROP_JOBS_INDEX, pending);
  change.putRow(write.key, write.value);
  return pending;
}

/**
 * The table without `index`, remembering the highest index id it ever had, so that CREATE
 * INDEX does not give a new index the id of one whose entries are still being deleted.
 */
export function withoutIndex(table: TableInfo, index: IndexInfo): TableInfo {
  const highest = Math.max(table.highestIndexId ?? 1, ...table.indexes.map((i) => i.id));
  return { ...table, indexes: table.indexes.filter((i) => i !== index), highestIndexId: highest };
}

/** The drops a restart interrupted, as of `timestamp`. */
export function pendingDrops(storage: StorageNode, timestamp: number): Promise<PendingDrop[]> {
  return readJobRecords<PendingDrop>(storage, DROP_JOBS_INDEX, timestamp);
}

export function startDrop(jobs: BackgroundJobs, drop: PendingDrop): void {
  jobs.start({ jobId: drop.jobId, jobType: 'DROP', objectId: drop.objectId, objectName: drop.objectName }, async () => {
    const end = Buffer.from(drop.end, 'hex');
    let from: Key | null = Buffer.from(drop.start, 'hex');
    while (from !== null) {
      const start: Key = from;
      from = await jobs.withRetries(() => deleteBatch(jobs, start, end));
    }
    await jobs.withRetries(async () => {
      const txn = jobs.newTransaction('drop');
      txn.put(jobRecordKey(DROP_JOBS_INDEX, drop.jobId), null, null);
      await jobs.commit(txn);
    });
  });
}

/** Deletes up to BATCH_ROWS keys from `start`; where to go on, or null when the range is empty. */
async function deleteBatch(jobs: BackgroundJobs, start: Key, end: Key): Promise<Key | null> {
  const txn = jobs.newTransaction('drop');
  const batch = await txn.scan(start, end, BATCH_ROWS, false);
  for (const key of batch.keys) txn.put(key, null, null);
  await jobs.commit(txn);
  return batch.resume;
}
