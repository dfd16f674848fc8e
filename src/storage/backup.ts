/**
 * Full backups of a cluster's key space as of one commit timestamp τ, and restores of them
 * into a new, empty store (DESIGN.md §1: the control plane's backups and restores; the file
 * format is in backup-format.ts).
 *
 * A backup is an ordinary MVCC read at τ, page by page: no lock, no pause of writers; a
 * version committed after τ is not seen. The caller keeps garbage collection from passing τ
 * while the read runs (the reads would otherwise fail with "snapshot too old").
 */
import { assert } from '../contracts/errors.js';
import type { StorageNode } from '../contracts/storage.js';
import type { Timestamp } from '../contracts/time.js';
import type { FileHandle, OrderedStore, OrderedWrite } from '../env/env.js';
import { backupFileBytes } from '../contracts/backup.js';
import { BackupFormatError, BodyReader, BodyWriter, decodeHeader, encodeHeader, HEADER_BYTES, type BackupHeader } from './backup-format.js';
import { restoredVersion, STORE_END, USER_START } from './mvcc-storage.js';
import type { SnapshotPage } from './snapshot.js';

/**
 * Rows per storage read, each followed by a turn of the event loop (`Pacing.pause`). The
 * embedded node's jobs run on threads of their own (node/backup-threads.ts), where a turn lets
 * lmdb-js renew the thread's read snapshot; on a thread that serves sessions (where they ran
 * before) a writer's commit waited for a page per turn, so pages were made small: 1,000-row
 * pages made a concurrent writer's p50 commit 10 ms, 64-row pages 4.6 ms, against 0.6 ms with
 * no backup (docs/performance.md, "Backups and restores").
 */
const READ_PAGE_ROWS = 64;
/** Bytes per read of a backup file (parsed in one step). */
const FILE_CHUNK_BYTES = 256 * 1024;
/** Rows per store write when restoring, each followed by a turn of the event loop. */
const RESTORE_BATCH_ROWS = 100;

export class BackupCancelled extends Error {}

/**
 * How a backup or restore shares its thread: `pause` gives the event loop a turn (reads and
 * store writes resolve without I/O, so without it a long job would hold the thread for its
 * whole length: every session, on the node's thread; lmdb-js's snapshot renewal, on its own),
 * `cancelled` ends the job between pages.
 */
export interface Pacing {
  pause(): Promise<void>;
  cancelled(): boolean;
}

const UNPACED: Pacing = { pause: () => Promise.resolve(), cancelled: () => false };

export interface BackupSource {
  readonly storage: StorageNode;
  readonly clusterId: string;
  readonly timestamp: Timestamp;
  readonly takenAtMs: number;
  readonly catalogVersion: number;
}

/**
 * Writes the backup into `file` (new and empty): the header's block reserved, the body
 * appended as the read goes, then the header written in place and everything made durable.
 * Pages of the read are paced by `pacing`.
 */
export function writeBackup(source: BackupSource, file: FileHandle, pacing: Pacing = UNPACED): Promise<BackupHeader> {
  const { storage, timestamp, ...fields } = source;
  return writeBackupPages(pagesAt(storage, timestamp, pacing), { ...fields, timestamp }, file);
}

/** A page of a read at τ in key order: what the body is made of, wherever it was read. */
export type BackupPage = SnapshotPage;

/** The key space at `timestamp`, READ_PAGE_ROWS at a time, a turn of `pacing` after each. */
async function* pagesAt(storage: StorageNode, timestamp: Timestamp, pacing: Pacing): AsyncGenerator<BackupPage> {
  let start: Uint8Array | null = USER_START;
  while (start !== null) {
    if (pacing.cancelled()) throw new BackupCancelled('the backup was interrupted');
    const page = await storage.read({ start, end: STORE_END, readTimestamp: timestamp, limit: READ_PAGE_ROWS });
    yield page;
    start = page.resumeKey;
    await pacing.pause();
  }
}

/**
 * Writes a backup of the pages (a read at `fields.timestamp` of the whole key space, in key
 * order: the embedded node's storage, or a replica's over gRPC) into `file` (new and empty).
 */
export async function writeBackupPages(pages: AsyncIterable<BackupPage>, fields: Pick<BackupHeader, 'clusterId' | 'timestamp' | 'takenAtMs' | 'catalogVersion'>,
  file: FileHandle): Promise<BackupHeader> {
  assert(await file.size() === 0, 'a backup is written into an empty file');
  await file.append(new Uint8Array(HEADER_BYTES));
  const body = new BodyWriter();
  for await (const page of pages) {
    assert(page.keys.length === page.values.length, 'a page pairs each key with a value');
    for (let i = 0; i < page.keys.length; i++) {
      const full = body.add(page.keys[i]!, page.values[i]!);
      if (full === null) continue;
      await file.append(full);
      // Synced chunk by chunk: a journal's fsync on the same file system (ext4 orders data
      // before metadata) would otherwise wait for every page of the backup not yet written back.
      await file.sync();
    }
  }
  const rest = body.take();
  if (rest.length > 0) await file.append(rest);
  const header = body.header(fields);
  await file.sync();
  await file.writeDurable(0, encodeHeader(header));
  return header;
}

/** Reads and checks a backup file's header, and that the file is as long as it says. */
export async function readBackupHeader(file: FileHandle, where: string): Promise<BackupHeader> {
  const size = await file.size();
  if (size < HEADER_BYTES) throw new BackupFormatError(`${where} is not a Strata backup (${size} bytes, shorter than a header)`);
  const header = decodeHeader(await file.read(0, HEADER_BYTES), where);
  const expected = backupFileBytes(header);
  if (size !== expected) {
    throw new BackupFormatError(`${where}: the backup is ${size < expected ? 'truncated' : 'longer than its header says'} (${size} bytes, expected ${expected})`);
  }
  return header;
}

/**
 * Restores a backup file into `store`, which must be empty: every row as one version at the
 * new cluster's first timestamp, so every read in the new cluster sees them. Checks the file
 * as it goes and throws BackupFormatError at the first fault or at the end (checksum, counts);
 * the caller restores into a directory of its own and discards it on any error, so a bad file
 * leaves nothing behind. The store is not synced here: the caller does, once it is whole.
 * `keep`: the rows this store holds (a storage shard's key range); the whole file is still checked.
 */
export async function restoreBackup(file: FileHandle, store: OrderedStore, where: string, pacing: Pacing = UNPACED,
  keep: (key: Uint8Array) => boolean = () => true): Promise<BackupHeader> {
  for (const _ of store.range({ start: USER_START, end: STORE_END, limit: 1 })) throw new Error('a backup restores into an empty store');
  const header = await readBackupHeader(file, where);
  const reader = new BodyReader(header, where);
  let batch: OrderedWrite[] = [];
  const end = backupFileBytes(header);
  for (let at = HEADER_BYTES; at < end; at += FILE_CHUNK_BYTES) {
    if (pacing.cancelled()) throw new BackupCancelled('the restore was interrupted');
    const chunk = await file.read(at, Math.min(FILE_CHUNK_BYTES, end - at));
    if (chunk.length === 0) throw new BackupFormatError(`${where}: the backup is truncated`);
    for (const entry of reader.push(chunk)) {
      if (Buffer.compare(entry.key, USER_START) < 0) throw new BackupFormatError(`${where}: the backup is corrupt: a key outside every table`);
      if (!keep(entry.key)) continue;
      batch.push(restoredVersion(entry.key, entry.value));
      if (batch.length >= RESTORE_BATCH_ROWS) {
        await store.write(batch);
        batch = [];
        await pacing.pause();
      }
    }
  }
  reader.finish();
  if (batch.length > 0) await store.write(batch);
  return header;
}
