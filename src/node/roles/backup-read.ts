/**
 * A storage replica's side of a backup of the distributed deployment (docs/backup.md): the
 * key space as of τ, read page by page in key order and pushed on a gRPC stream as the caller
 * takes them. A page is read only when the stream has room, so the replica holds at most one
 * page and the stream's buffers, whatever the cluster's size; the caller's pace sets ours.
 *
 * The read is an ordinary MVCC read at τ (it waits, as any read does, until the replica's safe
 * time passes τ). Every replica reads the same rows at the same τ, so a caller whose replica
 * fails carries on at another from the last page's resume key.
 */
import type { StorageNode } from '../../contracts/storage.js';
import type { Timers } from '../../contracts/time.js';
import type { Message, ServerStream } from '../../env/grpc.js';
import { STORE_END, USER_START } from '../../storage/mvcc-storage.js';

/** Rows per page when the caller asks for none, and the most it may ask for. */
export const BACKUP_PAGE_ROWS = 500;
const MAX_PAGE_ROWS = 5_000;
/**
 * A caller that takes no page for this long (stopped, not gone: its connection stays open) is
 * dropped, so garbage collection does not wait on it forever: the version horizon.
 */
export const BACKUP_STALL_MS = 300_000;

/**
 * Serves one BackupRead stream. `hold` pauses the replica's garbage collection and returns
 * its release: versions at τ must outlive the read, however long the caller takes.
 */
export function serveBackupRead(storage: StorageNode, timers: Timers, request: Message, stream: ServerStream, hold: () => () => void): void {
  const release = hold();
  let cancelled = false;
  stream.onCancel(() => { cancelled = true; });
  const readTimestamp = request['read_timestamp'] as number;
  const limit = Math.min(MAX_PAGE_ROWS, (request['page_rows'] as number) || BACKUP_PAGE_ROWS);
  const requested = request['start'] as Buffer;
  const send = async () => {
    let start: Uint8Array | null = requested.length > 0 ? requested : USER_START;
    while (start !== null && !cancelled) {
      const page = await storage.read({ start, end: STORE_END, readTimestamp, limit });
      start = page.resumeKey;
      const message = { keys: page.keys.map(asBuffer), values: page.values.map(asBuffer), ...(start === null ? {} : { resume_key: asBuffer(start) }) };
      if (!stream.push(message) && !await drainedWithin(stream, timers)) {
        throw new Error(`the caller took no page for ${BACKUP_STALL_MS / 1000} s`);
      }
    }
    if (!cancelled) stream.end();
  };
  send().catch((error: unknown) => { if (!cancelled) stream.fail(error as Error); }).finally(release);
}

async function drainedWithin(stream: ServerStream, timers: Timers): Promise<boolean> {
  let timer: ReturnType<Timers['setTimeout']> | undefined;
  const stalled = new Promise<false>((resolve) => { timer = timers.setTimeout(() => resolve(false), BACKUP_STALL_MS); });
  try {
    return await Promise.race([stream.drained().then(() => true as const), stalled]);
  } finally {
    timers.clearTimeout(timer!);
  }
}

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
