import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JournalRecord } from '../contracts/journal.js';
import { ShardMap } from './shard-map.js';

const key = (...bytes: number[]) => new Uint8Array(bytes);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

test('shardOf: a key belongs to the shard whose range [split i-1, split i) holds it', () => {
  const map = new ShardMap([key(0, 5), key(0, 9, 1)]);
  assert.equal(map.shards, 3);
  const cases: [Uint8Array, number][] = [
    [key(), 0], [key(0), 0], [key(0, 4, 255), 0], [key(0, 5), 1], [key(0, 5, 0), 1], [key(0, 9), 1], [key(0, 9, 0, 255), 1],
    [key(0, 9, 1), 2], [key(0, 9, 1, 0), 2], [key(1), 2], [key(255, 255), 2],
  ];
  for (const [k, shard] of cases) assert.equal(map.shardOf(k), shard, hex(k));
  assert.equal(new ShardMap([]).shardOf(key(9)), 0, 'no splits: one shard');
  assert.deepEqual(map.rangeOf(0), { start: key(), end: key(0, 5) });
  assert.deepEqual(map.rangeOf(2), { start: key(0, 9, 1), end: null });
});

test('pieces: a range cut at the splits it crosses, in key order or reversed; an empty range has none', () => {
  const map = ShardMap.fromHex(['0005', '000901']);
  const show = (pieces: ReturnType<ShardMap['pieces']>) => pieces.map((p) => `${p.shard}:${hex(p.start)}-${hex(p.end)}`);
  assert.deepEqual(show(map.pieces(key(0, 1), key(0, 3))), ['0:0001-0003']);
  assert.deepEqual(show(map.pieces(key(0, 1), key(0, 5))), ['0:0001-0005'], 'ending at a split: one shard');
  assert.deepEqual(show(map.pieces(key(0, 5), key(0, 6))), ['1:0005-0006'], 'starting at a split');
  assert.deepEqual(show(map.pieces(key(0, 1), key(0, 7))), ['0:0001-0005', '1:0005-0007']);
  assert.deepEqual(show(map.pieces(key(), key(1))), ['0:-0005', '1:0005-000901', '2:000901-01']);
  assert.deepEqual(show(map.pieces(key(), key(1), true)), ['2:000901-01', '1:0005-000901', '0:-0005']);
  assert.deepEqual(map.pieces(key(0, 3), key(0, 3)), []);
  assert.deepEqual(map.pieces(key(0, 4), key(0, 3)), []);
});

test('route: each record keeps the writes of the shard, in order; a record with none stays, empty', () => {
  const map = ShardMap.fromHex(['0005']);
  const write = (k: Uint8Array) => ({ key: k, value: key(1) });
  const records: JournalRecord[] = [
    { commitTimestamp: 1, transactionId: 'a', writes: [write(key(0, 1)), write(key(0, 2))] },
    { commitTimestamp: 2, transactionId: 'b', writes: [write(key(0, 1)), write(key(0, 7)), write(key(0, 3))] },
    { commitTimestamp: 3, transactionId: 'c', writes: [write(key(0, 8))] },
  ];
  const keysOf = (routed: readonly JournalRecord[]) => routed.map((r) => [r.transactionId, r.writes.map((w) => hex(w.key))]);
  assert.deepEqual(keysOf(map.route(records, 0)), [['a', ['0001', '0002']], ['b', ['0001', '0003']], ['c', []]]);
  assert.deepEqual(keysOf(map.route(records, 1)), [['a', []], ['b', ['0007']], ['c', ['0008']]]);
  assert.deepEqual(map.route(records, 0).map((r) => r.commitTimestamp), [1, 2, 3], 'timestamps advance on every shard');
  assert.equal(map.route(records, 0)[0], records[0], 'a record wholly inside is passed as is');
  assert.equal(new ShardMap([]).route(records, 0), records, 'one shard: the records as they are');
});

test('split keys must be hex, non-empty and strictly increasing', () => {
  assert.throws(() => ShardMap.fromHex(['00', '00']), /increase strictly/);
  assert.throws(() => ShardMap.fromHex(['01', '00ff']), /increase strictly/);
  assert.throws(() => ShardMap.fromHex(['0g']), /hex bytes/);
  assert.throws(() => ShardMap.fromHex(['abc']), /hex bytes/);
  assert.throws(() => ShardMap.fromHex(['']), /hex bytes/);
  assert.equal(ShardMap.fromHex(undefined).shards, 1);
});
