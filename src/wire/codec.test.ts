/**
 * Byte-level tests of the protocol codec, with frames built by node-postgres's own frontend
 * serializer (pg-protocol) and fixtures from the message formats of the PostgreSQL docs
 * (https://www.postgresql.org/docs/current/protocol-message-formats.html).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serialize } from 'pg-protocol';
import { FrontendDecoder, ProtocolError, SSL_REQUEST_CODE, MAX_MESSAGE_BYTES } from './frontend.js';
import { BackendWriter } from './backend.js';

function startup(params: Record<string, string>): Buffer {
  return serialize.startup(params);
}

test('a StartupMessage, then typed messages, split across chunks at every byte', () => {
  const bytes = Buffer.concat([
    startup({ user: 'admin', database: 'postgres' }),
    serialize.password('token'),
    serialize.parse({ name: 's1', text: 'SELECT $1', types: [23] }),
    serialize.bind({ portal: '', statement: 's1', values: ['42', null] }),
    serialize.describe({ type: 'P', name: '' }),
    serialize.execute({ portal: '', rows: 5 }),
    serialize.sync(),
  ]);
  for (let split = 1; split < bytes.length; split += 7) {
    const decoder = new FrontendDecoder();
    const messages = [...decoder.feed(bytes.subarray(0, split)), ...decoder.feed(bytes.subarray(split))];
    assert.deepEqual(messages.map((m) => m.type), ['startup', 'password', 'parse', 'bind', 'describe', 'execute', 'sync']);
    const [s, p, parse, bind, describe, execute] = messages as any[];
    assert.equal(s.protocol, 196608);
    assert.deepEqual([...s.parameters], [['user', 'admin'], ['database', 'postgres'], ['client_encoding', 'UTF8']]);
    assert.equal(p.password, 'token');
    assert.deepEqual({ name: parse.name, sql: parse.sql, types: parse.paramTypes }, { name: 's1', sql: 'SELECT $1', types: [23] });
    assert.equal(bind.statement, 's1');
    assert.deepEqual(bind.params.map((v: Uint8Array | null) => (v ? Buffer.from(v).toString() : null)), ['42', null]);
    assert.deepEqual({ kind: describe.kind, name: describe.name }, { kind: 'P', name: '' });
    assert.equal(execute.maxRows, 5);
  }
});

test('decoded messages keep no view of the chunk: the socket reuses its read buffer', () => {
  const decoder = new FrontendDecoder();
  decoder.feed(startup({ user: 'u' }));
  const bind = serialize.bind({ portal: 'p', statement: 's', values: ['12345'] });
  const copy = serialize.copyData(Buffer.from('1\tx\n'));
  const execute = serialize.execute({ portal: 'p', rows: 0 });
  const chunk = Buffer.concat([bind, copy, execute]);
  // The last message is split: its head waits in the decoder until the next read.
  const messages = decoder.feed(chunk.subarray(0, chunk.length - 3)) as any[];
  const tail = Buffer.from(chunk.subarray(chunk.length - 3));
  chunk.fill(0xee);
  assert.deepEqual(messages.map((m) => m.type), ['bind', 'copy-data']);
  assert.equal(Buffer.from(messages[0].params[0]).toString(), '12345');
  assert.equal(Buffer.from(messages[1].data).toString(), '1\tx\n');
  const rest = decoder.feed(tail) as any[];
  assert.deepEqual(rest.map((m) => [m.type, m.portal]), [['execute', 'p']]);
});

test('SSLRequest is the whole read: bytes after it wait for the new transport', () => {
  const request = Buffer.alloc(8);
  request.writeInt32BE(8, 0);
  request.writeInt32BE(SSL_REQUEST_CODE, 4);
  const decoder = new FrontendDecoder();
  const messages = decoder.feed(Buffer.concat([request, Buffer.from('xyz')]));
  assert.deepEqual(messages.map((m) => m.type), ['ssl-request']);
  assert.equal(decoder.pending(), 3);
});

test('CancelRequest carries the process id and secret key', () => {
  const cancel = serialize.cancel(1234, 5678);
  assert.deepEqual(new FrontendDecoder().feed(cancel), [{ type: 'cancel', processId: 1234, secretKey: 5678 }]);
});

test('malformed input is a ProtocolError', () => {
  const afterStartup = () => {
    const d = new FrontendDecoder();
    d.feed(startup({ user: 'a' }));
    return d;
  };
  assert.throws(() => new FrontendDecoder().feed(Buffer.from([0, 0, 0, 2])), ProtocolError);
  assert.throws(() => new FrontendDecoder().feed(Buffer.from([0, 1, 0, 0, 0, 3, 0, 0])), ProtocolError); // 65536-byte startup
  assert.throws(() => afterStartup().feed(Buffer.from([0x7a, 0, 0, 0, 4])), /invalid frontend message type/);
  const huge = Buffer.alloc(5);
  huge[0] = 0x51;
  huge.writeInt32BE(MAX_MESSAGE_BYTES + 1, 1);
  assert.throws(() => afterStartup().feed(huge), /invalid message length/);
  assert.throws(() => afterStartup().feed(Buffer.from([0x51, 0, 0, 0, 7, 0x61, 0x62, 0x63])), /invalid string/); // no NUL
  const badBind = Buffer.from([0x42, 0, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0, 0]); // one format code promised, none given
  assert.throws(() => afterStartup().feed(badBind), ProtocolError);
});

test('backend messages match the documented byte layouts', () => {
  const w = new BackendWriter();
  w.authenticationOk();
  w.readyForQuery('I');
  w.commandComplete('SELECT 1');
  w.dataRow(['1', null, new Uint8Array([7])]);
  w.errorResponse({ severity: 'ERROR', code: '42601', message: 'bad', position: 3 });
  const bytes = w.take();
  const expected = Buffer.concat([
    Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]),
    Buffer.from([0x5a, 0, 0, 0, 5, 0x49]),
    Buffer.concat([Buffer.from([0x43, 0, 0, 0, 13]), Buffer.from('SELECT 1\0')]),
    Buffer.from([0x44, 0, 0, 0, 20, 0, 3, 0, 0, 0, 1, 0x31, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 7]),
    Buffer.concat([Buffer.from([0x45, 0, 0, 0, 34]), Buffer.from('SERROR\0VERROR\0C42601\0Mbad\0P3\0\0')]),
  ]);
  assert.deepEqual(bytes, expected);
  assert.equal(w.length, 0);
});

test('a DataRow with multi-byte text writes its UTF-8 length', () => {
  const w = new BackendWriter();
  w.dataRow(['héllo']);
  const bytes = w.take();
  assert.equal(bytes.readInt32BE(7), Buffer.byteLength('héllo'));
  assert.equal(bytes.subarray(11).toString('utf8'), 'héllo');
});

test('text cells and tags are UTF-8 however they mix ASCII, other characters and length', () => {
  // Short ASCII strings take a byte loop, the rest the encoder: the bytes must not tell which.
  const texts = ['', 'a', 'SELECT 1', '0123456789'.repeat(3) + '01', '0123456789'.repeat(3) + '012', 'abcé', 'é', 'ab\u{1F600}c', '\u007f\u0080', 'x'.repeat(31) + 'ü', '\0'];
  for (const text of texts) {
    const w = new BackendWriter();
    w.dataRow([text, 'after']);
    w.commandComplete(text);
    const bytes = w.take();
    const utf8 = Buffer.from(text, 'utf8');
    assert.equal(bytes.readInt32BE(7), utf8.length, `cell length of ${JSON.stringify(text)}`);
    assert.deepEqual(bytes.subarray(11, 11 + utf8.length), utf8);
    assert.deepEqual(bytes.subarray(11 + utf8.length, 11 + utf8.length + 9), Buffer.from([0, 0, 0, 5, ...Buffer.from('after')]));
    const complete = bytes.subarray(11 + utf8.length + 9);
    assert.deepEqual(complete, Buffer.concat([Buffer.from([0x43, 0, 0, 0, 5 + utf8.length]), utf8, Buffer.from([0])]));
  }
});

test('taken bytes stay as they were while the writer goes on, across buffer changes mid-message', () => {
  const w = new BackendWriter();
  w.commandComplete('SELECT 1');
  const first = w.take();
  const firstCopy = Buffer.from(first);
  // Fill past the buffer so a later message starts in one buffer and ends in another.
  const cell = 'x'.repeat(5000);
  const takes: Buffer[] = [];
  for (let i = 0; i < 20; i++) {
    w.dataRow([cell, String(i)]);
    if (i % 3 === 0) takes.push(Buffer.from(w.take()));
  }
  w.dataRow(['y'.repeat(40_000)]);
  const rest = w.take();
  assert.deepEqual(first, firstCopy);
  const all = Buffer.concat([...takes, rest]);
  // Walk the messages: every length field must land on the next message's type byte.
  let at = 0;
  let rows = 0;
  while (at < all.length) {
    assert.equal(all[at], 0x44);
    at += 1 + all.readInt32BE(at + 1);
    rows++;
  }
  assert.equal(at, all.length);
  assert.equal(rows, 21);
});

test('COPY messages: CopyData, CopyDone, CopyFail in; CopyIn/OutResponse, CopyData, CopyDone and CONTEXT out', () => {
  const decoder = new FrontendDecoder();
  decoder.feed(startup({ user: 'u' }));
  const bytes = Buffer.concat([serialize.copyData(Buffer.from('1\tx\n')), serialize.copyDone(), serialize.copyFail('stop')]);
  const messages = decoder.feed(bytes) as any[];
  assert.deepEqual(messages.map((m) => m.type), ['copy-data', 'copy-done', 'copy-fail']);
  assert.equal(Buffer.from(messages[0].data).toString(), '1\tx\n');
  assert.equal(messages[2].message, 'stop');

  const writer = new BackendWriter();
  writer.copyInResponse(false, 2);
  writer.copyOutResponse(true, 1);
  writer.copyData(Buffer.from('ab'));
  writer.copyDone();
  writer.errorResponse({ severity: 'ERROR', code: '22P02', message: 'bad', where: 'COPY t, line 1' });
  const out = writer.take();
  // CopyInResponse: 'G', length 4+1+2+2*2, text overall, 2 columns, each text.
  assert.deepEqual([...out.subarray(0, 12)], [0x47, 0, 0, 0, 11, 0, 0, 2, 0, 0, 0, 0]);
  // CopyOutResponse: 'H', binary, 1 column, binary.
  assert.deepEqual([...out.subarray(12, 22)], [0x48, 0, 0, 0, 9, 1, 0, 1, 0, 1]);
  // CopyData 'd' with its bytes, CopyDone 'c'.
  assert.deepEqual([...out.subarray(22, 29)], [0x64, 0, 0, 0, 6, 0x61, 0x62]);
  assert.deepEqual([...out.subarray(29, 34)], [0x63, 0, 0, 0, 4]);
  assert.ok(out.subarray(34).includes(Buffer.from('WCOPY t, line 1\0')));
});
