/**
 * The commit bundle's schema keys: every table a transaction used, once each, however its
 * statements brought them (a prepared statement's list again and again, many lists, single keys).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Key } from '../contracts/kv.js';
import { MemoryOrderedStore } from '../env/memory-store.js';
import { MvccStorage } from '../storage/mvcc-storage.js';
import { ALWAYS_SAFE } from '../../test/support/in-memory-processor.js';
import { Transaction } from './transaction.js';

function schemaKey(table: number): Key {
  return Uint8Array.of(0, 0, 0, 1, 0, 1, table);
}

/** A transaction with one write, so that it has a commit bundle. */
function writing(): Transaction {
  const txn = new Transaction('t', 10, new MvccStorage(new MemoryOrderedStore(), ALWAYS_SAFE));
  txn.put(Uint8Array.of(0, 0, 0, 9, 1), Uint8Array.of(1), null);
  return txn;
}

function tablesOf(txn: Transaction): number[] {
  return txn.commitBundle().schemaKeys.map((key) => key[6]!);
}

test('a prepared statement executed many times names its tables once', () => {
  const txn = writing();
  const planned = [schemaKey(3)];
  for (let i = 0; i < 100; i++) txn.useSchemas(planned);
  assert.deepEqual(tablesOf(txn), [3]);
});

test('keys from several statements are merged in first-use order, each once', () => {
  const txn = writing();
  txn.useSchemas([schemaKey(3), schemaKey(4)]);
  txn.useSchemas([schemaKey(4), schemaKey(5)]);
  txn.useSchema(schemaKey(3));
  txn.useSchemas([]);
  assert.deepEqual(tablesOf(txn), [3, 4, 5]);
});

test('statements planned one by one (a new list each) are folded, not kept without bound', () => {
  const txn = writing();
  for (let i = 0; i < 1000; i++) txn.useSchemas([schemaKey(i % 20), schemaKey(7)]);
  const tables = tablesOf(txn);
  assert.equal(tables.length, 20);
  assert.deepEqual([...tables].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i));
  // The bundle can be asked for again (the adjudicator may be retried) and gives the same keys.
  assert.deepEqual(tablesOf(txn), tables);
});

test('a list a statement handed over is not changed by the bundle', () => {
  const txn = writing();
  const planned = [schemaKey(3)];
  txn.useSchemas(planned);
  const bundle = txn.commitBundle();
  assert.notEqual(bundle.schemaKeys, planned);
  assert.deepEqual(planned, [schemaKey(3)]);
});
