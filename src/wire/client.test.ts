/**
 * The client codec against the server's own codec: what encodeX writes, FrontendDecoder reads
 * back; what BackendWriter writes, BackendDecoder reads back, split across chunks at every byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BackendWriter } from './backend.js';
import { FrontendDecoder } from './frontend.js';
import {
  BackendDecoder, BackendProtocolError, encodeBind, encodeCancelRequest, encodeClosePortal, encodeDescribePortal, encodeExecute,
  encodeParse, encodePassword, encodeSslRequest, encodeStartup, encodeSync, encodeTerminate,
} from './client.js';

test('frontend messages encoded by the client decode on the server side', () => {
  const ssl = new FrontendDecoder().feed(encodeSslRequest());
  assert.deepEqual(ssl, [{ type: 'ssl-request' }]);
  assert.deepEqual(new FrontendDecoder().feed(encodeCancelRequest(42, -7)), [{ type: 'cancel', processId: 42, secretKey: -7 }]);
  const decoder = new FrontendDecoder();
  const messages = decoder.feed(Buffer.concat([
    encodeStartup({ user: 'admin', database: 'postgres' }), encodePassword('tok'), encodeParse('SELECT 1'), encodeBind(),
    encodeDescribePortal(), encodeExecute(10_001), encodeClosePortal(), encodeSync(), encodeTerminate(),
  ]));
  assert.deepEqual(messages.map((m) => m.type), ['startup', 'password', 'parse', 'bind', 'describe', 'execute', 'close', 'sync', 'terminate']);
  const [startup, password, parse, bind, , execute] = messages as any[];
  assert.deepEqual([...startup.parameters], [['user', 'admin'], ['database', 'postgres']]);
  assert.equal(password.password, 'tok');
  assert.equal(parse.sql, 'SELECT 1');
  assert.deepEqual(bind.params, []);
  assert.equal(execute.maxRows, 10_001);
  assert.throws(() => encodeParse('SELECT \0'), RangeError);
});

test('backend messages written by the server decode on the client side, whatever the chunking', () => {
  const writer = new BackendWriter();
  writer.authenticationOk();
  writer.parameterStatus('server_version', '16.15');
  writer.backendKeyData(7, -9);
  writer.rowDescription([{ name: 'a', tableOid: 0, columnNumber: 0, typeOid: 23, typeSize: 4, typeModifier: -1, format: 0 }]);
  writer.dataRow(['1', null, 'é']);
  writer.portalSuspended();
  writer.commandComplete('SELECT 1');
  writer.noticeResponse({ severity: 'NOTICE', code: '00000', message: 'note' });
  writer.errorResponse({ severity: 'ERROR', code: '42601', message: 'syntax error', detail: 'd', hint: 'h', position: 12 });
  writer.readyForQuery('E');
  const bytes = writer.take();
  for (let split = 1; split < bytes.length; split += 3) {
    const decoder = new BackendDecoder(1 << 20);
    const messages = [...decoder.feed(bytes.subarray(0, split)), ...decoder.feed(bytes.subarray(split))];
    assert.deepEqual(messages.map((m) => m.type), ['authentication', 'parameter-status', 'backend-key-data', 'row-description', 'data-row', 'portal-suspended', 'command-complete', 'notice', 'error', 'ready-for-query']);
    const m = messages as any[];
    assert.deepEqual(m[2], { type: 'backend-key-data', processId: 7, secretKey: -9 });
    assert.deepEqual(m[3].columns, [{ name: 'a', typeOid: 23, typeModifier: -1 }]);
    assert.deepEqual(m[4].cells, ['1', null, 'é']);
    assert.deepEqual(m[8].fields, { severity: 'ERROR', code: '42601', message: 'syntax error', detail: 'd', hint: 'h', position: 12 });
    assert.equal(m[9].status, 'E');
  }
});

test('a message longer than the limit is a protocol error, not a growing buffer', () => {
  const writer = new BackendWriter();
  writer.dataRow(['x'.repeat(2000)]);
  assert.throws(() => new BackendDecoder(1000).feed(writer.take()), BackendProtocolError);
});
