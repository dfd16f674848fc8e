import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { generate } from 'selfsigned';
import type { ClientSocket, TlsCredentials } from './env.js';
import { NodeNet } from './net.js';

/**
 * NodeClientSocket reads every plain connection into one shared buffer (Node's `onread`) and
 * takes over the OS handle of the socket a server accepted. These tests drive real sockets
 * through what the query processor relies on: bytes in order across many reads and several
 * connections, back-pressure, close, and both ways of starting TLS (SSLRequest, direct).
 */

/** A server whose connections keep copies of what they read and can answer through `reply`. */
async function startServer(listen: 'listen' | 'hand-off', onChunk: (socket: ClientSocket, chunk: Uint8Array) => void = () => {}) {
  const nodeNet = new NodeNet();
  const received = new Map<number, Buffer[]>();
  const sockets: ClientSocket[] = [];
  const accept = (socket: ClientSocket) => {
    const index = sockets.length;
    sockets.push(socket);
    received.set(index, []);
    socket.onData((chunk) => {
      received.get(index)!.push(Buffer.from(chunk));
      onChunk(socket, chunk);
    });
  };
  const server = listen === 'listen'
    ? await nodeNet.listen('127.0.0.1', 0, accept)
    : await nodeNet.listenForHandOff('127.0.0.1', 0, (handOff) => accept(nodeNet.adopt(handOff.handle)));
  return { server, received, sockets, text: (i: number) => Buffer.concat(received.get(i) ?? []).toString() };
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Reads from a client socket until `done` says what arrived is complete. */
function readUntil(socket: net.Socket | tls.TLSSocket, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (!done(text)) return;
      socket.removeListener('data', onData);
      resolve(text);
    };
    socket.on('data', onData);
  });
}

for (const mode of ['listen', 'hand-off'] as const) {
  test(`${mode}: every connection's bytes arrive whole and in order, and answers go back`, async () => {
    const t = await startServer(mode, (socket, chunk) => {
      if (Buffer.from(chunk).includes('.')) socket.write(Buffer.from('ok.'));
    });
    try {
      const clients = await Promise.all([connect(t.server.port), connect(t.server.port), connect(t.server.port)]);
      const expected = clients.map((_, c) => Array.from({ length: 200 }, (_, i) => `c${c}m${i};`).join(''));
      const answers = clients.map((client) => readUntil(client, (text) => text === 'ok.'));
      // Many small writes from several clients interleave their reads in the server.
      for (let i = 0; i < 200; i++) clients.forEach((client, c) => client.write(`c${c}m${i};`));
      clients.forEach((client) => client.write('.'));
      assert.deepEqual(await Promise.all(answers), ['ok.', 'ok.', 'ok.']);
      // Which server-side socket is which client follows from the first bytes each one read.
      const texts = [0, 1, 2].map((i) => t.text(i)).sort();
      assert.deepEqual(texts, expected.map((e) => `${e}.`).sort());
      for (const client of clients) client.destroy();
    } finally {
      await t.server.close();
    }
  });
}

test('pause stops delivery until resume; nothing is lost or reordered', async () => {
  let paused: ClientSocket | null = null;
  const t = await startServer('listen', (socket, chunk) => {
    if (paused === null && Buffer.from(chunk).includes('|')) {
      paused = socket;
      socket.pause();
    }
  });
  try {
    const client = await connect(t.server.port);
    const first = 'a'.repeat(1000) + '|';
    client.write(first);
    while (paused === null) await new Promise((resolve) => setImmediate(resolve));
    const deliveredBeforeResume = t.text(0).length;
    // More than the shared read buffer holds, sent while the server does not read.
    const rest = Array.from({ length: 3000 }, (_, i) => `${i},`).join('').repeat(20);
    await new Promise<void>((resolve) => client.write(rest, () => resolve()));
    assert.equal(t.text(0).length, deliveredBeforeResume, 'nothing is delivered while paused');
    (paused as ClientSocket).resume();
    const answered = new Promise<void>((resolve) => {
      const check = () => (t.text(0).length >= first.length + rest.length ? resolve() : setImmediate(check));
      check();
    });
    await answered;
    assert.equal(t.text(0), first + rest);
    client.destroy();
  } finally {
    await t.server.close();
  }
});

test('a client that goes away closes the connection, and server.close drops the ones left', async () => {
  const t = await startServer('listen');
  try {
    const leaving = await connect(t.server.port);
    const staying = await connect(t.server.port);
    while (t.sockets.length < 2) await new Promise((resolve) => setImmediate(resolve));
    const closed = t.sockets.map((socket) => new Promise<void>((resolve) => socket.onClose(resolve)));
    leaving.end();
    await closed[0];
    const stayingEnded = new Promise<void>((resolve) => staying.on('close', () => resolve()));
    await t.server.close();
    await Promise.all([closed[1], stayingEnded]);
  } finally {
    await t.server.close().catch(() => {});
  }
});

async function credentials(): Promise<TlsCredentials> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' });
  return { key: pems.private, cert: pems.cert };
}

test('TLS after an SSLRequest-style exchange, and direct TLS from the first byte', async () => {
  const creds = await credentials();
  const serverNames: (string | null)[] = [];
  const nodeNet = new NodeNet();
  const server = await nodeNet.listen('127.0.0.1', 0, (socket) => {
    let first = true;
    socket.onData((chunk) => {
      const bytes = Buffer.from(chunk);
      if (first) {
        first = false;
        if (bytes[0] === 0x16) {
          // Direct TLS: the ClientHello is already read, and the shared buffer it sits in is
          // reused after this call: startTls must take it now.
          socket.startTls(creds, chunk, (name) => serverNames.push(name), () => {});
          return;
        }
        if (bytes.toString() === 'STARTTLS') {
          socket.write(Buffer.from('S'));
          socket.startTls(creds, null, (name) => serverNames.push(name), () => {});
          return;
        }
      }
      socket.write(Buffer.from(`echo:${bytes.toString()}`));
    });
  });
  try {
    // Upgrade in place, as after an SSLRequest.
    const plain = await connect(server.port);
    const answer = readUntil(plain, (text) => text === 'S');
    plain.write('STARTTLS');
    await answer;
    plain.removeAllListeners('data');
    const upgraded = tls.connect({ socket: plain, servername: 'upgraded.example', rejectUnauthorized: false });
    await new Promise((resolve) => upgraded.once('secureConnect', resolve));
    const echoed = readUntil(upgraded, (text) => text === 'echo:ping');
    upgraded.write('ping');
    assert.equal(await echoed, 'echo:ping');
    upgraded.destroy();

    // Direct TLS: the first bytes are the ClientHello.
    const direct = tls.connect({ host: '127.0.0.1', port: server.port, servername: 'direct.example', rejectUnauthorized: false });
    await new Promise((resolve) => direct.once('secureConnect', resolve));
    const big = 'x'.repeat(100_000);
    const echoedBig = readUntil(direct, (text) => text.length >= 5 + big.length);
    direct.write(big);
    const text = await echoedBig;
    assert.ok(text.startsWith('echo:'));
    assert.equal(text.replace(/echo:/g, ''), big);
    direct.destroy();
    assert.deepEqual(serverNames.sort(), ['direct.example', 'upgraded.example']);
  } finally {
    await server.close();
  }
});
