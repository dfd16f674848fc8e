/**
 * Rows for the backup tests (src/storage/backup.test.ts, src/node/backup-threads.test.ts):
 * integer keys under one table prefix, journal records writing them, and a storage's rows read
 * back as `key=value` text, so two stores compare as two lists.
 */
import type { JournalRecord } from '../../src/contracts/journal.js';
import type { SafeTimeSource } from '../../src/contracts/storage.js';
import type { MvccStorage } from '../../src/storage/mvcc-storage.js';

/** Reads at any timestamp at once: the tests apply every record before they read. */
export const ALWAYS_SAFE: SafeTimeSource = { safeTime: () => Number.MAX_SAFE_INTEGER, waitFor: () => Promise.resolve() };

export function key(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setUint32(0, 7);
  new DataView(out.buffer).setUint32(4, n);
  return out;
}

/** A record committed at `commitTimestamp` writing each [key, value] (null: a delete). */
export function record(commitTimestamp: number, writes: [number, string | null][]): JournalRecord {
  return { commitTimestamp, transactionId: `t${commitTimestamp}`, writes: writes.map(([k, v]) => ({ key: key(k), value: v === null ? null : Buffer.from(v) })) };
}

/** Every row of `storage` at `at`, as `key=value`, in key order, read `pageRows` at a time. */
export async function rows(storage: MvccStorage, at: number, pageRows = 100): Promise<string[]> {
  const out: string[] = [];
  let start: Uint8Array | null = key(0);
  while (start !== null) {
    const page = await storage.read({ start, end: key(0xffffffff), readTimestamp: at, limit: pageRows });
    for (let i = 0; i < page.keys.length; i++) out.push(`${new DataView(page.keys[i]!.buffer, page.keys[i]!.byteOffset).getUint32(4)}=${Buffer.from(page.values[i]!).toString()}`);
    start = page.resumeKey;
  }
  return out;
}
