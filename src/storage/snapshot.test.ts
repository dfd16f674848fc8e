import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JournalRecord } from '../contracts/journal.js';
import type { SafeTimeSource } from '../contracts/storage.js';
import { MemoryOrderedStore } from '../env/memory-store.js';
import { MvccStorage } from './mvcc-storage.js';
import { restoreSnapshot, snapshotPages, type SnapshotPage } from './snapshot.js';

const ALWAYS_SAFE: SafeTimeSource = { safeTime: () => Number.MAX_SAFE_INTEGER, waitFor: () => Promise.resolve() };
const key = (n: number): Uint8Array => new Uint8Array([0, 0, 0, 1, 0x10, ...Buffer.from(`k${String(n).padStart(4, '0')}`), 0x00, 0x01]);
const TABLE = { start: new Uint8Array([0, 0, 0, 1]), end: new Uint8Array([0, 0, 0, 2]) };

/** Commit i writes keys i % 50 and (7 i) % 50, deleting every third one. */
function commit(i: number): JournalRecord {
  return {
    commitTimestamp: 1_000 + 10 * i, transactionId: `t${i}`,
    writes: [
      { key: key(i % 50), value: Buffer.from(`v${i}`) },
      { key: key((7 * i) % 50 + 50), value: i % 3 === 0 ? null : Buffer.from(`w${i}`) },
    ],
  };
}

async function everything(storage: MvccStorage, at: number): Promise<string[]> {
  const result = await storage.read({ start: TABLE.start, end: TABLE.end, readTimestamp: at, limit: 10_000, reverse: false });
  return result.keys.map((k, i) => `${Buffer.from(k).toString('latin1')}=${Buffer.from(result.values[i]!).toString()}`);
}

test('a snapshot taken while the source applies, plus the journal after its position, equals the source', async () => {
  const source = new MvccStorage(new MemoryOrderedStore(), ALWAYS_SAFE);
  const sourceStore = (source as unknown as { store: MemoryOrderedStore }).store;
  let position = 0;
  const journal: JournalRecord[] = [];
  const applyNext = async () => {
    const record = commit(journal.length + 1);
    journal.push(record);
    await source.apply([record], ++position);
  };
  for (let i = 0; i < 120; i++) await applyNext();

  // Small pages, with commits applied between them: the copy is not one consistent read.
  const pages: SnapshotPage[] = [];
  for (const page of snapshotPages(sourceStore, 7)) {
    pages.push(page);
    await applyNext();
  }
  assert.ok(pages.length > 10);

  const target = new MemoryOrderedStore();
  async function* stream() { yield* pages; }
  await restoreSnapshot(target, stream());
  const replica = new MvccStorage(target, ALWAYS_SAFE);
  assert.equal(replica.appliedPosition, 120, 'the copy names the position of its first page');
  await replica.apply(journal.slice(replica.appliedPosition), position);

  for (const at of [1_000, 1_555, 2_200, 1_000 + 10 * position, Number.MAX_SAFE_INTEGER]) {
    assert.deepEqual(await everything(replica, at), await everything(source, at), `reads at ${at} agree`);
  }
});

test('a snapshot restores only into an empty store, with keys in order', async () => {
  const source = new MvccStorage(new MemoryOrderedStore(), ALWAYS_SAFE);
  await source.apply([commit(1)], 1);
  const pages = [...snapshotPages((source as unknown as { store: MemoryOrderedStore }).store)];
  async function* stream(p: SnapshotPage[]) { yield* p; }
  const used = new MemoryOrderedStore();
  await used.write([{ key: key(1), value: new Uint8Array([1]) }]);
  await assert.rejects(restoreSnapshot(used, stream(pages)), /empty store/);
  const reversed: SnapshotPage = { keys: [...pages[0]!.keys].reverse(), values: [...pages[0]!.values].reverse() };
  await assert.rejects(restoreSnapshot(new MemoryOrderedStore(), stream([reversed])), /increasing order/);
});
