import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { decodeWatchResponse, encodeWatchCreate } from './etcd-watch.js';

// etcd's own message definitions (as the etcd3 client ships them), encoded by protobufjs: the
// reference the hand-written decoder is checked against.
const require = createRequire(import.meta.url);
const protobuf = require('protobufjs') as typeof import('protobufjs');
const root = protobuf.loadSync(join(dirname(require.resolve('etcd3/package.json')), 'proto', 'rpc.proto'));
const WatchResponse = root.lookupType('etcdserverpb.WatchResponse');
const WatchRequest = root.lookupType('etcdserverpb.WatchRequest');
const bytes = (text: string): Buffer => Buffer.from(text);

test('a WatchResponse decodes to the header revision, the flags and each event (key, value, revisions, lease), views of the message', () => {
  const message = Buffer.from(WatchResponse.encode(WatchResponse.fromObject({
    header: { clusterId: '14841639068965178418', memberId: '10276657743932975437', revision: '123456789012', raftTerm: '7' },
    watchId: '-1', created: false, fragment: false,
    events: [
      { type: 'Put', kv: { key: bytes('journal/0001'), createRevision: '123456789010', modRevision: '123456789011', version: '3', value: Buffer.alloc(300, 7), lease: '0' } },
      { type: 'Put', kv: { key: bytes('nodes/qp-1'), createRevision: '5', modRevision: '123456789012', version: '1', value: bytes('{}'), lease: '7587879214337263123' },
        prevKv: { key: bytes('nodes/qp-1'), value: bytes('old') } },
      { type: 'Delete', kv: { key: bytes('leader'), modRevision: '123456789012' } },
    ],
  })).finish());
  const response = decodeWatchResponse(message);
  assert.equal(response.revision, 123456789012);
  assert.equal(response.created, false);
  assert.equal(response.canceled, false);
  assert.equal(response.compactRevision, 0);
  assert.deepEqual(response.events.map((e) => ({ ...e, entry: { ...e.entry, key: e.entry.key.toString(), value: Buffer.from(e.entry.value).toString('hex') } })), [
    { type: 'put', entry: { key: 'journal/0001', value: Buffer.alloc(300, 7).toString('hex'), createRevision: 123456789010, modRevision: 123456789011, lease: '0' } },
    { type: 'put', entry: { key: 'nodes/qp-1', value: bytes('{}').toString('hex'), createRevision: 5, modRevision: 123456789012, lease: '7587879214337263123' } },
    { type: 'delete', entry: { key: 'leader', value: '', createRevision: 0, modRevision: 123456789012, lease: '0' } },
  ]);
  const value = response.events[0]!.entry.value;
  assert.equal((value as Buffer).buffer, message.buffer, 'values are views of the message, not copies');
});

test('created, cancelled and compacted responses', () => {
  const created = decodeWatchResponse(Buffer.from(WatchResponse.encode(WatchResponse.fromObject({ header: { revision: '9' }, watchId: '0', created: true })).finish()));
  assert.deepEqual({ ...created }, { revision: 9, created: true, canceled: false, compactRevision: 0, cancelReason: '', events: [] });
  const compacted = decodeWatchResponse(Buffer.from(WatchResponse.encode(WatchResponse.fromObject({
    header: { revision: '900' }, canceled: true, compactRevision: '850', cancelReason: 'mvcc: required revision has been compacted' })).finish()));
  assert.deepEqual({ ...compacted }, { revision: 900, created: false, canceled: true, compactRevision: 850, cancelReason: 'mvcc: required revision has been compacted', events: [] });
});

test('a truncated or malformed message is refused, not misread', () => {
  const whole = Buffer.from(WatchResponse.encode(WatchResponse.fromObject({
    header: { revision: '77' }, events: [{ type: 'Put', kv: { key: bytes('k'), modRevision: '77', value: Buffer.alloc(40, 1) } }] })).finish());
  for (const cut of [whole.length - 1, whole.length - 20, 3]) {
    assert.throws(() => decodeWatchResponse(whole.subarray(0, cut)), /malformed etcd watch response/, `cut at ${cut}`);
  }
  assert.throws(() => decodeWatchResponse(Buffer.from([0x0b])), /wire type 3/);
});

test('a watch request encodes key, range end and start revision as etcd reads them', () => {
  for (const start of [0, 1, 127, 128, 300, 2 ** 40 + 5]) {
    const decoded = WatchRequest.toObject(WatchRequest.decode(encodeWatchCreate(bytes('strata/c/journal/'), bytes('strata/c/journal0'), start)), { longs: String }) as {
      createRequest: { key: Buffer; rangeEnd: Buffer; startRevision?: string };
    };
    assert.equal(Buffer.from(decoded.createRequest.key).toString(), 'strata/c/journal/');
    assert.equal(Buffer.from(decoded.createRequest.rangeEnd).toString(), 'strata/c/journal0');
    assert.equal(decoded.createRequest.startRevision ?? '0', String(start));
  }
  assert.throws(() => encodeWatchCreate(bytes('k'), bytes('l'), -1), /revision/);
});
