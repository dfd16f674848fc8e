/**
 * A point select's operators answer without a promise when the read is ready (`nextReady`) and
 * fall back to `next` when it must wait, continuing where `nextReady` stopped.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Key } from '../../contracts/kv.js';
import type { SqlValue } from '../../contracts/sql-value.js';
import type { Transaction } from '../transaction.js';
import type { ExecContext } from './compiled.js';
import { Filter, PointLookup, Project, type Runtime } from './operators.js';
import type { TableCodec } from './table-codec.js';

/** A table (id, name) whose key is the id's decimal digits and whose row value is the name. */
const codec = {
  primaryKeyFromValues: (values: readonly SqlValue[]) => new TextEncoder().encode(String(values[0])),
  decodeRow: (value: Uint8Array, key: Key) => [Number(new TextDecoder().decode(key)), new TextDecoder().decode(value)],
} as unknown as TableCodec;

const ROWS = new Map([['1', 'one'], ['2', 'two']]);

/** A transaction whose storage is ready or not, and counts the reads of each kind. */
function transaction(ready: boolean) {
  const reads = { ready: 0, awaited: 0 };
  const lookup = (key: Key) => {
    const name = ROWS.get(new TextDecoder().decode(key));
    return name === undefined ? null : new TextEncoder().encode(name);
  };
  const txn = {
    getReady: (key: Key) => { reads.ready++; return ready ? lookup(key) : undefined; },
    get: async (key: Key) => { reads.awaited++; return lookup(key); },
  } as unknown as Transaction;
  return { txn, reads };
}

function runtime(txn: Transaction, params: SqlValue[]): Runtime {
  return { ctx: { params } as unknown as ExecContext, txn, cancelled: false, batches: 0, pause: async () => {} };
}

/** `SELECT name FROM t WHERE id = $1 AND name <> 'two'`, with the key value's evaluations counted. */
function pointSelect() {
  const evaluations = { key: 0 };
  const lookup = new PointLookup(codec, [(_row, ctx) => { evaluations.key++; return ctx.params[0]!; }]);
  const filtered = new Filter(lookup, (row) => row[1] !== 'two');
  return { tree: new Project(filtered, [(row) => row[1]!]), evaluations };
}

test('a ready point read comes up through Project and Filter without a promise, then the tree is done', () => {
  const { txn, reads } = transaction(true);
  const rt = runtime(txn, [1]);
  const { tree } = pointSelect();
  assert.deepEqual(tree.nextReady(rt), [['one']]);
  assert.equal(tree.nextReady(rt), null);
  assert.deepEqual(reads, { ready: 1, awaited: 0 });
  // The filter still applies to what the key read found.
  const other = pointSelect().tree;
  assert.equal(other.nextReady(runtime(transaction(true).txn, [2])), null);
});

test('a point read that must wait answers undefined, and next continues with the key already computed', async () => {
  const { txn, reads } = transaction(false);
  const rt = runtime(txn, [1]);
  const { tree, evaluations } = pointSelect();
  assert.equal(tree.nextReady(rt), undefined);
  assert.deepEqual(await tree.next(rt), [['one']]);
  assert.equal(await tree.next(rt), null);
  assert.deepEqual(reads, { ready: 1, awaited: 1 });
  assert.equal(evaluations.key, 1, 'the key values are evaluated once');
});

test('a NULL key value reads nothing, ready or not', async () => {
  const { txn, reads } = transaction(true);
  const { tree } = pointSelect();
  assert.equal(tree.nextReady(runtime(txn, [null])), null);
  assert.equal(await tree.next(runtime(txn, [null])), null);
  assert.deepEqual(reads, { ready: 0, awaited: 0 });
});
