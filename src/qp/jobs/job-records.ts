import type { Key, WriteEntry } from '../../contracts/kv.js';
import type { StorageNode } from '../../contracts/storage.js';
import { catalogKey } from '../catalog/catalog.js';

/**
 * A background job's pending record: JSON under one catalog index, keyed by the job id, written
 * in the commit of the DDL that starts the job and deleted by the job when it is done. The
 * records live in the catalog's key range but are no part of a CatalogSnapshot (writing or
 * deleting one bumps no catalog version); a query processor that starts reads them and resumes
 * their jobs under the same ids. Indexes: 30 DROP (drop-job.ts), 31 VALIDATE_CONSTRAINT
 * (validate-constraint-job.ts).
 */

/** Records read per storage call at start-up. */
const RECORDS_PER_READ = 100;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function jobRecordKey(index: number, jobId: string): Key {
  return catalogKey(index, encoder.encode(jobId));
}

export function putJobRecord(index: number, record: { readonly jobId: string }): WriteEntry {
  return { key: jobRecordKey(index, record.jobId), value: encoder.encode(JSON.stringify(record)) };
}

/** The records under `index` as of `timestamp`: the jobs a restart interrupted. */
export async function readJobRecords<T>(storage: StorageNode, index: number, timestamp: number): Promise<T[]> {
  const out: T[] = [];
  let start: Key = catalogKey(index, null);
  const end = catalogKey(index + 1, null);
  for (;;) {
    const batch = await storage.read({ start, end, readTimestamp: timestamp, limit: RECORDS_PER_READ });
    for (const value of batch.values) out.push(JSON.parse(decoder.decode(value)) as T);
    if (!batch.resumeKey) return out;
    start = batch.resumeKey;
  }
}
