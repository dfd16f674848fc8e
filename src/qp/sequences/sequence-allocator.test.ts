import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommitOutcome, CommitRequest } from '../../contracts/adjudicator.js';
import { CatalogSnapshot, FIRST_USER_OID, type SequenceInfo } from '../catalog/catalog.js';
import { SequenceAllocator, type SequenceHost } from './sequence-allocator.js';
import { encodeState, initialState, sequenceRowKey } from './sequence-state.js';

/**
 * Several query processors (allocators) over one versioned store and one first-committer-wins
 * adjudicator, in memory: blocks taken concurrently never overlap, losers retry.
 */
class SharedStore {
  private readonly versions = new Map<string, { at: number; value: Uint8Array | null }[]>();
  now = 1;
  commits = 0;
  conflicts = 0;

  put(key: Uint8Array, value: Uint8Array | null, at: number): void {
    const k = Buffer.from(key).toString('hex');
    this.versions.set(k, [...(this.versions.get(k) ?? []), { at, value }]);
  }

  async get(key: Uint8Array, at: number): Promise<Uint8Array | null> {
    await Promise.resolve();
    const list = this.versions.get(Buffer.from(key).toString('hex')) ?? [];
    let found: Uint8Array | null = null;
    for (const version of list) if (version.at <= at) found = version.value;
    return found;
  }

  async commit(request: CommitRequest): Promise<CommitOutcome> {
    await Promise.resolve();
    for (const write of request.writes) {
      const list = this.versions.get(Buffer.from(write.key).toString('hex')) ?? [];
      if (list.some((v) => v.at > request.startTimestamp)) {
        this.conflicts++;
        return { kind: 'data-conflict' };
      }
    }
    const at = ++this.now;
    for (const write of request.writes) this.put(write.key, write.value, at);
    this.commits++;
    return { kind: 'committed', commitTimestamp: at };
  }
}

function allocator(store: SharedStore, catalog: CatalogSnapshot): SequenceAllocator {
  let seed = 7;
  const host: SequenceHost = {
    storage: store, adjudicator: store,
    // Every allocator starts from the same (stale) snapshot, so their first attempts collide.
    snapshotTime: () => 1,
    freshTime: () => store.now,
    catalogAt: () => Promise.resolve(catalog),
    sleep: () => Promise.resolve(),
    uniform: (bound) => (seed = (seed * 48271) % 2147483647) % bound,
  };
  return new SequenceAllocator(host);
}

const SEQUENCE: SequenceInfo = {
  id: FIRST_USER_OID, schema: 'public', name: 's', increment: '1', minValue: '1', maxValue: '9223372036854775807', start: '1', cache: '1', cycle: false,
  generation: 0, ownedBy: null,
};

function setup(cache: string): { store: SharedStore; catalog: CatalogSnapshot; sequence: SequenceInfo } {
  const sequence = { ...SEQUENCE, cache };
  const store = new SharedStore();
  store.put(sequenceRowKey(sequence.id), encodeState(initialState(1n)), 1);
  return { store, sequence, catalog: new CatalogSnapshot(1, FIRST_USER_OID + 1, [], [], [], [], [], [sequence]) };
}

test('CACHE 1: concurrent nextval on several QPs hands out 1..n exactly once, one commit each', async () => {
  const { store, catalog, sequence } = setup('1');
  const qps = [allocator(store, catalog), allocator(store, catalog), allocator(store, catalog)];
  const values = await Promise.all(Array.from({ length: 30 }, (_, i) => qps[i % 3]!.nextval(sequence)));
  assert.deepEqual([...values].sort((a, b) => Number(a - b)), Array.from({ length: 30 }, (_, i) => BigInt(i + 1)));
  assert.equal(store.commits, 30);
  assert.ok(store.conflicts > 0, 'the stale first attempts conflicted and were retried');
});

test('CACHE 65536: each QP commits once for a block and serves from it', async () => {
  const { store, catalog, sequence } = setup('65536');
  const qps = [allocator(store, catalog), allocator(store, catalog)];
  const values = await Promise.all(Array.from({ length: 100 }, (_, i) => qps[i % 2]!.nextval(sequence)));
  assert.equal(new Set(values).size, 100);
  assert.equal(store.commits, 2);
  const blocks = new Set(values.map((v) => (v - 1n) / 65536n));
  assert.deepEqual([...blocks].sort(), [0n, 1n]);
});

test('setval forgets the cached block: the next value follows the new counter', async () => {
  const { store, catalog, sequence } = setup('65536');
  const qp = allocator(store, catalog);
  assert.equal(await qp.nextval(sequence), 1n);
  await qp.setval(sequence, 500n, true);
  assert.equal(await qp.nextval(sequence), 501n);
  await assert.rejects(qp.setval(sequence, 0n, true), (e: { code?: string }) => e.code === '22003');
});
