import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import type { Comparison, Operation } from './coordination.js';
import { decodeTxnResponse, encodeTxnRequest } from './etcd-txn.js';

// etcd's own rpc.proto (the copy etcd3 ships), read by protobufjs: the reference encoding.
const rpcProto = join(dirname(createRequire(import.meta.url).resolve('etcd3/package.json')), 'proto', 'rpc.proto');
const kv = protoLoader.loadSync(rpcProto, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true })['etcdserverpb.KV'] as protoLoader.ServiceDefinition;
const txn = kv['Txn']!;
const bytes = (text: string): Buffer => Buffer.from(text);

/** What protobufjs reads from our framed request. */
function decoded(comparisons: readonly Comparison[], operations: readonly Operation[]): Record<string, unknown> {
  const framed = encodeTxnRequest(comparisons, operations);
  assert.equal(framed[0], 0, 'not compressed');
  assert.equal(framed.readUInt32BE(1), framed.length - 5, 'the prefix holds the message length');
  return txn.requestDeserialize(framed.subarray(5)) as Record<string, unknown>;
}

test('a journal append encodes as etcd reads it: fence and own-key compares (and the other compare forms), a put', () => {
  const value = Buffer.alloc(300, 7);
  const request = decoded(
    [
      { key: bytes('c/leader'), target: 'create', op: '==', revision: 123_456_789_012 },
      { key: bytes('c/journal/0000000000000004'), target: 'create', op: '>', revision: 0 },
      { key: bytes('c/journal/0000000000000009'), target: 'create', op: '==', revision: 0 },
      { key: bytes('c/x'), target: 'mod', op: '<', revision: 2 ** 53 - 1 },
      { key: bytes('c/y'), target: 'value', op: '==', value: bytes('held') },
    ],
    [{ type: 'put', key: bytes('c/journal/0000000000000009'), value }],
  );
  const compares = request['compare'] as Record<string, unknown>[];
  assert.equal(compares.length, 5);
  assert.deepEqual(compares.map((c) => [String(c['key']), c['target'], c['result'], c['target_union'], String(c[c['target_union'] as string])]), [
    ['c/leader', 'Create', 'Equal', 'create_revision', '123456789012'],
    ['c/journal/0000000000000004', 'Create', 'Greater', 'create_revision', '0'],
    ['c/journal/0000000000000009', 'Create', 'Equal', 'create_revision', '0'],
    ['c/x', 'Mod', 'Less', 'mod_revision', String(2 ** 53 - 1)],
    ['c/y', 'Value', 'Equal', 'value', 'held'],
  ]);
  const success = request['success'] as Record<string, any>[];
  assert.equal(success.length, 1);
  assert.equal(success[0]!['request'], 'request_put');
  assert.equal(String(success[0]!['request_put'].key), 'c/journal/0000000000000009');
  assert.ok(Buffer.compare(success[0]!['request_put'].value, value) === 0);
  assert.equal(success[0]!['request_put'].lease, '0');
  assert.equal((request['failure'] as unknown[]).length, 0);
});

test('puts with a lease (int64 beyond 2^53), deletes of a key and of a range, empty values, large values', () => {
  const large = Buffer.alloc(3 * 1024 * 1024 + 17, 1);
  const request = decoded([], [
    { type: 'put', key: bytes('lease/key'), value: bytes('v'), lease: '7587870254357889283' },
    { type: 'put', key: bytes('empty'), value: new Uint8Array(0) },
    { type: 'delete', from: bytes('one') },
    { type: 'delete', from: bytes('a/'), to: bytes('a0') },
    { type: 'put', key: bytes('large'), value: large, lease: '0' },
  ]);
  const success = request['success'] as Record<string, any>[];
  assert.deepEqual(success.map((op) => op['request']), ['request_put', 'request_put', 'request_delete_range', 'request_delete_range', 'request_put']);
  assert.equal(success[0]!['request_put'].lease, '7587870254357889283');
  assert.equal(success[1]!['request_put'].value.length, 0);
  assert.equal(String(success[2]!['request_delete_range'].key), 'one');
  assert.equal(success[2]!['request_delete_range'].range_end.length, 0);
  assert.equal(String(success[3]!['request_delete_range'].range_end), 'a0');
  assert.ok(Buffer.compare(success[4]!['request_put'].value, large) === 0);
  assert.deepEqual(request['compare'], []);
});

test('an answer yields succeeded and the header revision, whatever else it carries', () => {
  for (const [succeeded, revision] of [[true, 1], [false, 987_654_321_012], [true, 2 ** 53 - 1]] as const) {
    const answer = txn.responseSerialize({
      header: { cluster_id: '18446744073709551615', member_id: '12345678901234567890', revision: String(revision), raft_term: '7' },
      succeeded,
      responses: [{ response_put: { header: { revision: '5' } } }, { response_range: { kvs: [{ key: bytes('k'), value: bytes('v'), mod_revision: '3' }], count: '1' } }],
    });
    assert.deepEqual(decodeTxnResponse(answer), { succeeded, revision });
  }
  // A failed compare of an empty store: etcd omits every default field but the header.
  assert.deepEqual(decodeTxnResponse(txn.responseSerialize({ header: { revision: '1' } })), { succeeded: false, revision: 1 });
});

test('a truncated answer is an error, not a wrong result', () => {
  const answer = txn.responseSerialize({ header: { revision: '300' }, succeeded: true });
  assert.throws(() => decodeTxnResponse(answer.subarray(0, answer.length - 3)), /truncated/);
});
