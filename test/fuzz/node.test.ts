/**
 * A running node (startEmbedded with the control-plane API) fed a few hundred malformed
 * connections and requests from fixed seeds: mutated SSLRequests, startup packets and real
 * ClientHellos on the PostgreSQL port (some a byte per write), mutated raw SigV4-signed HTTP
 * requests on the API port, request smuggling forms and bodies at and over the limit. Every
 * connection must end (a hang here is a test timeout), and afterwards the node still serves a
 * query and an SDK call, with every connection slot free: `maxConnections` connections open.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import pg from 'pg';
import { DSQLClient, ListClustersCommand } from '@aws-sdk/client-dsql';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { startEmbedded, type EmbeddedCluster } from '../../src/node/embedded.js';
import { MAX_API_BODY_BYTES } from '../../src/control/api.js';
import { mutate, Prng } from './mutate.js';
import { clientHello } from '../support/client-hello.js';

const MAX_CONNECTIONS = 6;
const BATCH = 16;

let parent: string;
let node: EmbeddedCluster;

before(async () => {
  parent = await mkdtemp(join(tmpdir(), 'strata-fuzz-node-'));
  node = await startEmbedded({ dataDir: join(parent, 'data'), host: '127.0.0.1', port: 0, apiPort: 0, quiet: true, maxConnections: MAX_CONNECTIONS });
});

after(async () => {
  await node?.stop();
  await rm(parent, { recursive: true, force: true });
});

/** Sends `chunks` (one write each) and half-closes; resolves with what came back once the server closed. */
function exchange(port: number, chunks: readonly Uint8Array[]): Promise<Buffer> {
  return new Promise((resolve) => {
    const received: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(received)));
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
      socket.end();
    });
  });
}

async function inBatches<T>(items: readonly T[], each: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH) await Promise.all(items.slice(i, i + BATCH).map(each));
}

function sdk(): DSQLClient {
  return new DSQLClient({ endpoint: `http://127.0.0.1:${node.apiPort}`, region: node.credentials.region, credentials: node.credentials, maxAttempts: 1 });
}

/** Opens `MAX_CONNECTIONS` sessions at once (so no slot is held by anything else), queries on each, closes them. */
async function everySlotServes(): Promise<void> {
  const clients: pg.Client[] = [];
  try {
    for (let i = 0; i < MAX_CONNECTIONS; i++) {
      const client = new pg.Client({ host: '127.0.0.1', port: node.port, user: 'admin', database: 'postgres', password: await node.token(), ssl: { rejectUnauthorized: false, servername: node.endpoint } });
      client.on('error', () => {});
      await client.connect();
      clients.push(client);
    }
    for (const client of clients) assert.equal((await client.query('SELECT 1 AS one')).rows[0].one, 1);
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => {})));
  }
}

const SSL_REQUEST = Uint8Array.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
const GSSENC_REQUEST = Uint8Array.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30]);
const STARTUP = Uint8Array.from(Buffer.concat([Buffer.from([0, 0, 0, 41, 0, 3, 0, 0]), Buffer.from('user\0admin\0database\0postgres\0\0', 'latin1')]));
const QUERY = Uint8Array.from(Buffer.concat([Buffer.from([0x51, 0, 0, 0, 13]), Buffer.from('SELECT 1\0', 'latin1')]));

test('a few hundred malformed connections on the PostgreSQL port all end, and every slot is free after', async () => {
  const hellos = [await clientHello(node.endpoint), await clientHello('abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws'), await clientHello(undefined)];
  const random = new Prng(0x5eed21);
  const cases: Uint8Array[][] = [];
  for (let i = 0; i < 240; i++) {
    const form = random.int(5);
    const hello = random.pick(hellos);
    const bytes = form === 0 ? [SSL_REQUEST, mutate(random, hello)]
      : form === 1 ? [mutate(random, hello)]
      : form === 2 ? [mutate(random, Uint8Array.from([...STARTUP, ...QUERY]))]
      : form === 3 ? [GSSENC_REQUEST, SSL_REQUEST, mutate(random, hello)]
      : [random.bytes(random.int(64))];
    // A third of them a byte per write: the peek must gather them.
    cases.push(random.int(3) === 0 ? bytes.flatMap((chunk) => Array.from(chunk, (byte) => Uint8Array.of(byte))) : bytes);
  }
  await inBatches(cases, async (chunks) => { await exchange(node.port, chunks); });
  await everySlotServes();
});

test('a ClientHello split into one-byte writes after the S is still routed (here: to the default cluster, whose TLS answers)', async () => {
  const hello = await clientHello(node.endpoint);
  const answer = await new Promise<Buffer>((resolve) => {
    const received: Buffer[] = [];
    const socket = net.connect(node.port, '127.0.0.1');
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('connect', () => socket.write(SSL_REQUEST));
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      const sofar = Buffer.concat(received);
      // As libpq does: the ClientHello only once the S came back.
      if (sofar.length === chunk.length && chunk[0] === 0x53) for (const byte of hello) socket.write(Uint8Array.of(byte));
      if (sofar.length > 1) {
        resolve(sofar);
        socket.destroy();
      }
    });
    socket.on('close', () => resolve(Buffer.concat(received)));
  });
  assert.equal(answer[0], 0x53, 'the SSLRequest is answered S');
  assert.equal(answer[1], 0x16, 'a TLS handshake record follows: the split ClientHello reached TLS whole');
});

test('an SSLRequest with bytes after it in the same read goes to the query service, which answers N (CVE-2021-23214)', async () => {
  const answer = await exchange(node.port, [Uint8Array.from([...SSL_REQUEST, 0x16, 0x03])]);
  assert.equal(answer[0], 0x4e);
});

const signer = (): SignatureV4 => new SignatureV4({ service: 'dsql', region: node.credentials.region, sha256: Sha256, credentials: node.credentials });

/** A request as the SDK sends it, as raw HTTP/1.1 bytes (headers and body), with its parts. */
async function rawRequest(method: string, path: string, body: string): Promise<{ head: string; body: string }> {
  const request = new HttpRequest({
    method, protocol: 'http:', hostname: '127.0.0.1', port: node.apiPort!, path, query: {},
    headers: { host: `127.0.0.1:${node.apiPort}`, 'content-type': 'application/json', ...(body === '' ? {} : { 'content-length': String(Buffer.byteLength(body)) }) }, body,
  });
  const signed = await signer().sign(request, { signingDate: new Date() });
  const lines = Object.entries(signed.headers).map(([name, value]) => `${name}: ${value}`);
  return { head: `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\nconnection: close\r\n\r\n`, body };
}

function statusOf(answer: Buffer): number | null {
  const match = /^HTTP\/1\.1 (\d{3})/.exec(answer.toString('latin1'));
  return match === null ? null : Number(match[1]);
}

test('a few hundred mutated signed requests on the API port: answered below 500 or closed, and the API still serves', async () => {
  const seeds = [
    await rawRequest('POST', '/cluster', '{"deletionProtectionEnabled":false,"tags":{"a":"b"}}'),
    await rawRequest('GET', '/cluster', ''),
    await rawRequest('GET', '/cluster/abcdefghijklmnopqrstuvwxyz', ''),
    await rawRequest('DELETE', '/tags/arn%3Aaws%3Adsql%3Aus-east-1%3A123456789012%3Acluster%2Fabc?tagKeys=a&tagKeys=b', ''),
  ];
  const random = new Prng(0x5eed22);
  const cases: Uint8Array[] = [];
  for (let i = 0; i < 240; i++) {
    const seed = random.pick(seeds);
    cases.push(mutate(random, Buffer.from(seed.head + seed.body, 'latin1')));
  }
  const statuses = new Map<number | null, number>();
  await inBatches(cases, async (bytes) => {
    const status = statusOf(await exchange(node.apiPort!, [bytes]));
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    assert.ok(status === null || status < 500, `status ${status} for ${Buffer.from(bytes).toString('latin1').slice(0, 200)}`);
  });
  assert.ok((statuses.get(400) ?? 0) > 0 && (statuses.get(403) ?? 0) > 0, `statuses: ${JSON.stringify([...statuses])}`);
  const client = sdk();
  try {
    const listed = await client.send(new ListClustersCommand({}));
    assert.ok(listed.clusters!.length >= 1);
  } finally {
    client.destroy();
  }
  await everySlotServes();
});

test('request smuggling forms are refused by the HTTP parser, never reach the handler', async () => {
  const { head, body } = await rawRequest('POST', '/cluster', '{"tags":{}}');
  const base = head.replace(/content-length: \d+\r\n/i, '');
  const length = Buffer.byteLength(body);
  const forms = [
    base.replace('\r\n\r\n', `\r\ncontent-length: ${length}\r\ncontent-length: ${length + 5}\r\n\r\n`) + body,
    base.replace('\r\n\r\n', `\r\ncontent-length: ${length}\r\ntransfer-encoding: chunked\r\n\r\n`) + `${length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    base.replace('\r\n\r\n', `\r\ntransfer-encoding: chunked\r\ntransfer-encoding: identity\r\n\r\n`) + body,
    base.replace('\r\n\r\n', `\r\ncontent-length: -1\r\n\r\n`) + body,
    base.replace('\r\n\r\n', `\r\ncontent-length: ${length}\r\n\r\n`) + body + 'GET /cluster HTTP/1.1\r\nhost: x\r\n\r\n',
  ];
  for (const form of forms.slice(0, 4)) assert.equal(statusOf(await exchange(node.apiPort!, [Buffer.from(form, 'latin1')])), 400, form.slice(-120));
  // A second request after the first on a `connection: close` request is never read.
  const piggyback = (await exchange(node.apiPort!, [Buffer.from(forms[4]!, 'latin1')])).toString('latin1');
  assert.equal(piggyback.match(/^HTTP\/1\.1 /gm)?.length, 1, piggyback);
});

test('a body at the limit is read and answered; one byte over is 413, by its Content-Length or by what arrives', async () => {
  const at = `{"tags":{"a":"${'x'.repeat(MAX_API_BODY_BYTES - 17)}"}}`;
  assert.equal(Buffer.byteLength(at), MAX_API_BODY_BYTES);
  const { head } = await rawRequest('POST', '/cluster', at);
  assert.equal(statusOf(await exchange(node.apiPort!, [Buffer.from(head + at, 'latin1')])), 400, 'read whole: 50 tags at most and 256-character values');
  const over = at + ' ';
  const declared = (await rawRequest('POST', '/cluster', over)).head;
  assert.equal(statusOf(await exchange(node.apiPort!, [Buffer.from(declared + over, 'latin1')])), 413);
  const chunked = declared.replace(/content-length: \d+\r\n/i, 'transfer-encoding: chunked\r\n');
  const chunks = `${Buffer.byteLength(over).toString(16)}\r\n${over}\r\n0\r\n\r\n`;
  assert.equal(statusOf(await exchange(node.apiPort!, [Buffer.from(chunked + chunks, 'latin1')])), 413);
});
