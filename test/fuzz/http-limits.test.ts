/**
 * The HTTP server under the control-plane API and the console (src/env/http-server.ts) against
 * requests that never complete (slowloris): headers or a body that stop coming are answered 408
 * and the connection closed at the request timeout, so a stalled client does not hold one of
 * the server's connections forever. The timeout is 30 s in service; here it is set short, and
 * the test waits for the close (no assertion on how long it took).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { listenHttp } from '../../src/env/http-server.js';
import type { ListeningServer } from '../../src/env/env.js';

let server: ListeningServer;
let handled = 0;

before(async () => {
  server = await listenHttp({
    host: '127.0.0.1', port: 0, tls: null, maxBodyBytes: 1024, maxConnections: 4, requestTimeoutMs: 400,
    handler: async () => { handled++; return { status: 200, headers: {}, body: 'ok' }; },
  });
});

after(async () => { await server.close(); });

/** Sends `bytes` and never more; resolves with what came back when the server closed. */
function stall(bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const received: Buffer[] = [];
    const socket = net.connect(server.port, '127.0.0.1', () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(received).toString('latin1')));
  });
}

test('headers that stop coming, a body that stops coming, and silence: each closed at the timeout, none handled', async () => {
  const answers = await Promise.all([
    stall('POST /cluster HTTP/1.1\r\nhost: x\r\nx-slow: '),
    stall('POST /cluster HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{"a":'),
    stall(''),
  ]);
  assert.match(answers[0]!, /^HTTP\/1\.1 408/);
  assert.match(answers[1]!, /^HTTP\/1\.1 408/);
  assert.equal(handled, 0);
  // The connections they held are free again: more than maxConnections complete requests in turn.
  for (let i = 0; i < 6; i++) {
    const answer = await stall('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 200/);
  }
  assert.equal(handled, 6);
});

test('headers over 16 KiB (a SigV4 Authorization naming 10,000 signed headers) are 431, never handled', async () => {
  const signedHeaders = Array.from({ length: 10_000 }, (_, i) => `x-h${i}`).join(';');
  const answer = await stall(`POST /cluster HTTP/1.1\r\nhost: x\r\nauthorization: AWS4-HMAC-SHA256 Credential=a/b/c/dsql/aws4_request, SignedHeaders=${signedHeaders}, Signature=00\r\n\r\n`);
  assert.match(answer, /^HTTP\/1\.1 431/);
});
