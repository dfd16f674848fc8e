/**
 * Snapshots of a storage replica, for a replica that starts with nothing or fell behind the
 * journal's trim point (issue 3: "a replacement replica starts from a recent snapshot of a live
 * one plus the journal after it").
 *
 * A snapshot is the source's ordered store copied in key order, page by page, while the source
 * goes on applying. It need not be one consistent read, because of what MVCC storage keeps:
 * - the metadata (applied position P0 and last commit timestamp) sorts first, so the copy
 *   names the position as of its first page;
 * - applying only adds versions (`K || ~ts`, tombstones included), so every version of P0's
 *   state is copied, plus perhaps some versions applied after P0; replaying the journal after
 *   P0 writes those again with the same bytes;
 * - garbage collection is the only thing that removes entries: the source pauses it while a
 *   snapshot is read, so nothing the copy relies on disappears halfway.
 * The receiver writes the pages into an empty store and then follows the journal after P0.
 */
import { assert } from '../contracts/errors.js';
import type { OrderedStore, OrderedWrite } from '../env/env.js';
import { STORE_END } from './mvcc-storage.js';

export interface SnapshotPage {
  readonly keys: readonly Uint8Array[];
  readonly values: readonly Uint8Array[];
}

/** Below every stored key (keys are never empty). */
const FIRST_KEY = new Uint8Array([0]);

/**
 * The store's entries in key order, `pageEntries` at a time. Each page is read in one
 * synchronous step, so it is consistent in itself; see above for why pages need not agree.
 */
export function* snapshotPages(store: OrderedStore, pageEntries = 1_000): Generator<SnapshotPage> {
  assert(pageEntries > 0, 'snapshot pages hold entries');
  let start: Uint8Array = FIRST_KEY;
  for (;;) {
    const keys: Uint8Array[] = [];
    const values: Uint8Array[] = [];
    for (const entry of store.range({ start, end: STORE_END, limit: pageEntries })) {
      // Copies: the store may reuse its buffers once the read moves on.
      keys.push(Uint8Array.from(entry.key));
      values.push(Uint8Array.from(entry.value));
    }
    if (keys.length > 0) yield { keys, values };
    if (keys.length < pageEntries) return;
    start = successor(keys[keys.length - 1]!);
  }
}

/** The smallest key above `key`. */
function successor(key: Uint8Array): Uint8Array {
  const next = new Uint8Array(key.length + 1);
  next.set(key);
  return next;
}

/**
 * Writes a snapshot into `store`, which must be empty. The caller writes into a directory of
 * its own and moves it into place only once this resolves: a half-restored store never looks
 * like a replica at the snapshot's position.
 */
export async function restoreSnapshot(store: OrderedStore, pages: AsyncIterable<SnapshotPage>): Promise<{ entries: number }> {
  for (const _ of store.range({ start: FIRST_KEY, end: STORE_END, limit: 1 })) throw new Error('a snapshot restores into an empty store');
  let entries = 0;
  let previous: Uint8Array | null = null;
  for await (const page of pages) {
    assert(page.keys.length === page.values.length, 'a snapshot page pairs each key with a value');
    const batch: OrderedWrite[] = [];
    for (let i = 0; i < page.keys.length; i++) {
      const key = page.keys[i]!;
      if (previous !== null && Buffer.compare(previous, key) >= 0) throw new Error('snapshot keys arrive in increasing order');
      previous = key;
      batch.push({ key, value: page.values[i]! });
    }
    await store.write(batch);
    entries += batch.length;
  }
  return { entries };
}
