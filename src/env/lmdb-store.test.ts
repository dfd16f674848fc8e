import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbOrderedStore } from './lmdb-store.js';

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

test('LMDB store: rangeInPlace yields what range yields, read within each step: short and long keys, a value past the shared read buffer', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'strata-lmdb-'));
  const store = new LmdbOrderedStore(directory);
  try {
    const writes = [];
    for (let i = 0; i < 300; i++) {
      const key = Buffer.alloc(i % 3 === 0 ? 100 : 6, i % 251);
      key.writeUInt32BE(i, 0);
      const value = Buffer.alloc(i === 150 ? 1_000_000 : 1 + (i % 90), (i * 7) % 256);
      writes.push({ key, value });
    }
    await store.write(writes);
    const bounds = [Buffer.alloc(0), Buffer.from([0, 0, 0, 50]), Buffer.from([0, 0, 0, 151]), Buffer.from([0, 0, 1, 0xff])];
    for (const start of bounds) {
      for (const end of bounds) {
        if (Buffer.compare(start, end) >= 0) continue;
        for (const limit of [undefined, 1, 7]) {
          for (const reverse of [false, true]) {
            const options = { start, end, limit, reverse };
            const expected = [...store.range(options)].map((e) => `${hex(e.key)}=${e.value.length}:${hex(e.value.subarray(0, 4))}`);
            const got: string[] = [];
            for (const e of store.rangeInPlace(options)) got.push(`${hex(e.key)}=${e.value.length}:${hex(e.value.subarray(0, 4))}`);
            assert.deepEqual(got, expected, `${hex(start)}..${hex(end)} limit ${limit} reverse ${reverse}`);
          }
        }
      }
    }
    // Point reads between scans leave both handles consistent.
    assert.equal(store.get(writes[150]!.key)!.length, 1_000_000);
    assert.equal([...store.rangeInPlace({ start: Buffer.alloc(0), end: Buffer.from([1]) })].length, 300);
  } finally {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
});
