/**
 * Mutual TLS on gRPC links (link-tls.ts): a node with the cluster's certificates is served; a
 * caller without a certificate from the cluster CA — plaintext, TLS without a client
 * certificate, or one from another CA — is refused before any handler runs; and a client
 * refuses a server whose certificate does not name the host it dialled.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { makeClusterCa, makeNodeCertificate, type CertificatePair } from '../node/cluster-certs.js';
import { grpcClient, serveGrpc, type GrpcServer } from './grpc.js';
import type { LinkTls } from './link-tls.js';

let ca: CertificatePair;
let serverTls: LinkTls;
let clientTls: LinkTls;
let strangerTls: LinkTls;

function linkTls(authority: CertificatePair, pair: CertificatePair): LinkTls {
  return { ca: Buffer.from(authority.cert), cert: Buffer.from(pair.cert), key: Buffer.from(pair.key) };
}

before(async () => {
  ca = await makeClusterCa('test');
  serverTls = linkTls(ca, await makeNodeCertificate(ca, 'storage-1', ['127.0.0.1', 'localhost']));
  clientTls = linkTls(ca, await makeNodeCertificate(ca, 'qp-1', ['127.0.0.1']));
  // Another cluster's CA: its certificates name the same hosts but must not be accepted.
  const otherCa = await makeClusterCa('other');
  strangerTls = { ...linkTls(otherCa, await makeNodeCertificate(otherCa, 'qp-1', ['127.0.0.1'])), ca: Buffer.from(ca.cert) };
});

/** A Storage server whose Get counts the calls that reached it. */
async function countingServer(tls: LinkTls | null): Promise<{ server: GrpcServer; reached: () => number }> {
  let reached = 0;
  const server = await serveGrpc('127.0.0.1', 0, { Storage: { Get: async () => { reached++; return { value: Buffer.from('v') }; } } }, tls);
  return { server, reached: () => reached };
}

/** How a refused handshake reaches a caller: the server is unavailable to it (or never answers in time). */
function refused(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED;
}

/** A bare Get with the given channel credentials (the Storage client's shape, without grpc.ts). */
function bareGet(port: number, credentials: grpc.ChannelCredentials): Promise<void> {
  const client = new grpc.Client(`127.0.0.1:${port}`, credentials);
  const pass = (b: Buffer) => b;
  return new Promise<void>((resolve, reject) => {
    client.makeUnaryRequest('/strata.Storage/Get', pass, pass, Buffer.alloc(0), { deadline: Date.now() + 3_000 }, (error) => {
      client.close();
      if (error) reject(error);
      else resolve();
    });
  });
}

test('a node with a certificate from the cluster CA is served over mutual TLS, over unary calls and the Calls stream', async () => {
  const { server, reached } = await countingServer(serverTls);
  const client = grpcClient('Storage', `127.0.0.1:${server.port}`, clientTls);
  try {
    assert.equal(String((await client.unary('Get', { key: Buffer.from('k'), read_timestamp: 1 }, 5_000))['value']), 'v');
    assert.equal(String((await client.call('Get', { key: Buffer.from('k'), read_timestamp: 1 }, 5_000))['value']), 'v');
    assert.equal(reached(), 2);
  } finally {
    client.close();
    await server.close();
  }
});

test('a caller without a certificate from the cluster CA is refused before any handler runs', async () => {
  const { server, reached } = await countingServer(serverTls);
  try {
    const address = `127.0.0.1:${server.port}`;
    const refusals: [string, () => Promise<unknown>][] = [
      ['plaintext', () => { const c = grpcClient('Storage', address); return c.unary('Get', {}, 3_000).finally(() => c.close()); }],
      ['TLS without a client certificate', () => bareGet(server.port, grpc.credentials.createSsl(serverTls.ca))],
      ['a certificate from another CA', () => { const c = grpcClient('Storage', address, strangerTls); return c.unary('Get', {}, 3_000).finally(() => c.close()); }],
      // The Calls stream goes through the lean client (lean-grpc.ts), which must refuse alike.
      ['plaintext, over the Calls stream', () => { const c = grpcClient('Storage', address); return c.call('Get', {}, 3_000).finally(() => c.close()); }],
      ['a certificate from another CA, over the Calls stream', () => { const c = grpcClient('Storage', address, strangerTls); return c.call('Get', {}, 3_000).finally(() => c.close()); }],
    ];
    for (const [what, attempt] of refusals) await assert.rejects(attempt(), refused, what);
    assert.equal(reached(), 0);
  } finally {
    await server.close();
  }
});

test('a client refuses a server whose certificate does not name the host it dialled', async () => {
  const elsewhere = linkTls(ca, await makeNodeCertificate(ca, 'storage-2', ['10.9.8.7', 'storage-2.example']));
  const { server, reached } = await countingServer(elsewhere);
  const client = grpcClient('Storage', `127.0.0.1:${server.port}`, clientTls);
  try {
    await assert.rejects(client.unary('Get', {}, 3_000), refused);
    await assert.rejects(client.call('Get', {}, 3_000), refused, 'over the Calls stream (lean-grpc.ts)');
    assert.equal(reached(), 0);
  } finally {
    client.close();
    await server.close();
  }
});
