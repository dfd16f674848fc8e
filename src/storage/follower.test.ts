/**
 * A follower (a worker's read-only MvccStorage over the writer's LMDB store) refreshes at every
 * transaction start; when nothing was committed to the store since its last refresh, it keeps
 * what it read then, and after any commit it sees the commit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SafeTimeSource } from '../contracts/storage.js';
import { LmdbOrderedStore } from '../env/lmdb-store.js';
import { MemoryOrderedStore } from '../env/memory-store.js';
import { MvccStorage } from './mvcc-storage.js';

const ALWAYS_SAFE: SafeTimeSource = { safeTime: () => Number.MAX_SAFE_INTEGER, waitFor: () => Promise.resolve() };
const KEY = new Uint8Array([0, 0, 0, 1, 0, 1, 7]);

// One handle: LMDB must not be opened twice in one process (its locks are per process); the
// cross-process case is test/e2e/workers.test.ts's commits seen at once in another worker.
test('an LMDB store reports whether anything was committed since its last renew', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-renew-'));
  const store = new LmdbOrderedStore(dir);
  try {
    assert.equal(store.renew(), true, 'the first renew renews');
    assert.equal(store.renew(), false, 'nothing committed since');
    assert.equal(store.get(KEY), undefined, 'a read does not commit');
    assert.equal(store.renew(), false);
    await store.write([{ key: KEY, value: new Uint8Array([1]) }]);
    assert.equal(store.renew(), true);
    assert.deepEqual([...store.get(KEY)!], [1]);
    assert.equal(store.renew(), false);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a memory store reports its writes since the last renew too', async () => {
  const store = new MemoryOrderedStore();
  assert.equal(store.renew(), true);
  assert.equal(store.renew(), false);
  await store.write([{ key: KEY, value: new Uint8Array([1]) }]);
  assert.equal(store.renew(), true);
  assert.equal(store.renew(), false);
});

test("a follower sees each commit the writer applied before the follower's refresh, and keeps its state between", async () => {
  const shared = new MemoryOrderedStore();
  const writer = new MvccStorage(shared, ALWAYS_SAFE);
  const follower = new MvccStorage(shared, ALWAYS_SAFE);
  for (let i = 1; i <= 5; i++) {
    await writer.apply([{ commitTimestamp: 100 * i, transactionId: `t${i}`, writes: [{ key: KEY, value: new Uint8Array([i]) }] }], i);
    follower.refresh();
    assert.equal(follower.readableThrough, 100 * i, 'the applied commit is readable');
    assert.deepEqual(follower.getReady(KEY, follower.readableThrough), new Uint8Array([i]));
    follower.refresh();
    assert.equal(follower.appliedPosition, i, 'a refresh with nothing new keeps the position');
    assert.deepEqual(follower.getReady(KEY, follower.readableThrough), new Uint8Array([i]));
  }
  await writer.recordSafeTime(750);
  follower.refresh();
  assert.equal(follower.readableThrough, 750, "the writer's recorded safe time is a commit to the store too");
});
