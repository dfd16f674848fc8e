import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyFirstBytes, MAX_PEEK_BYTES } from './first-bytes.js';
import { clientHello } from '../../test/support/client-hello.js';

const SSL_REQUEST = Uint8Array.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

test('an SSLRequest alone asks for the S; with bytes after it, the query service decides', () => {
  assert.deepEqual(classifyFirstBytes(SSL_REQUEST.subarray(0, 5), false), { kind: 'more' });
  assert.deepEqual(classifyFirstBytes(SSL_REQUEST, false), { kind: 'ssl-request' });
  assert.deepEqual(classifyFirstBytes(Uint8Array.from([...SSL_REQUEST, 0x16]), false), { kind: 'plain' });
});

test('a GSSENCRequest alone is refused by the peek, which then reads on', () => {
  assert.deepEqual(classifyFirstBytes(Uint8Array.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30]), false), { kind: 'gssenc-request' });
});

test('a plain startup packet has no SNI', () => {
  const startup = Uint8Array.from([0, 0, 0, 9, 0, 3, 0, 0, 0]);
  assert.deepEqual(classifyFirstBytes(startup, false), { kind: 'plain' });
  assert.equal(classifyFirstBytes(startup, true).kind, 'malformed', 'after S only a ClientHello may come');
});

test('the SNI of a real ClientHello, whole or cut into records and chunks', async () => {
  const name = 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws';
  const hello = await clientHello(name);
  assert.deepEqual(classifyFirstBytes(hello, true), { kind: 'tls', serverName: name });
  for (const cut of [1, 5, 40, hello.length - 1]) assert.deepEqual(classifyFirstBytes(hello.subarray(0, cut), false), { kind: 'more' });
  // The same handshake message split over two TLS records, as a client may send it.
  const message = hello.subarray(5);
  const half = Math.floor(message.length / 2);
  const record = (part: Uint8Array) => Uint8Array.from([0x16, 3, 1, part.length >> 8, part.length & 0xff, ...part]);
  const split = Uint8Array.from([...record(message.subarray(0, half)), ...record(message.subarray(half))]);
  assert.deepEqual(classifyFirstBytes(split, false), { kind: 'tls', serverName: name });
});

test('a ClientHello without SNI (a client connecting to an IP address)', async () => {
  assert.deepEqual(classifyFirstBytes(await clientHello(undefined), false), { kind: 'tls', serverName: null });
});

test('what is not a ClientHello is malformed, and the peek is bounded', () => {
  assert.equal(classifyFirstBytes(Uint8Array.from([0x16, 3, 1, 0, 4, 2, 0, 0, 0]), false).kind, 'malformed');
  const endless = new Uint8Array(MAX_PEEK_BYTES + 10);
  endless.set([0x16, 3, 1, 0xff, 0xff]);
  assert.deepEqual(classifyFirstBytes(endless.subarray(0, 100), false), { kind: 'more' });
  const records: number[] = [];
  while (records.length < MAX_PEEK_BYTES) records.push(0x16, 3, 1, 0, 1, 1);
  // A handshake message claiming 16 MiB, fed one byte per record: refused at the bound.
  records.splice(5, 1, 1);
  const claimsHuge = Uint8Array.from([0x16, 3, 1, 0, 4, 1, 0xff, 0xff, 0xff, ...records]);
  assert.equal(classifyFirstBytes(claimsHuge, false).kind, 'malformed');
});
