import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { startSpliceServer, type SpliceServer } from './splice.js';

/** A backend that echoes every byte, and records the first bytes of each connection. */
async function echoBackend(): Promise<{ server: Server; port: number; firsts: Buffer[] }> {
  const firsts: Buffer[] = [];
  const server = createServer((socket) => {
    socket.once('data', (chunk: Buffer) => firsts.push(chunk));
    socket.pipe(socket);
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  assert(address !== null && typeof address === 'object');
  return { server, port: address.port, firsts };
}

async function relayTo(ports: readonly number[]): Promise<SpliceServer> {
  const backends = ports.map((port) => ({ host: '127.0.0.1', port }));
  return startSpliceServer({ host: '127.0.0.1', port: 0, pick: () => backends, all: () => backends });
}

function dialRelay(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));
const digest = (chunks: readonly Buffer[]) => createHash('sha256').update(Buffer.concat(chunks)).digest('hex');

test('the splice carries every byte both ways, in order, through reads into one shared buffer and a slow reader', async () => {
  const backend = await echoBackend();
  const relay = await relayTo([backend.port]);
  try {
    const client = await dialRelay(relay.port);
    const first = Buffer.from([0, 0, 0, 8, 4, 210, 22, 47]); // an SSLRequest
    // 8 MiB in pieces of varied sizes: the echo comes back faster than this client reads it
    // (it pauses), so the relay's writes queue and its reads must stop and resume.
    const sent: Buffer[] = [first];
    for (let i = 0; sent.reduce((n, b) => n + b.length, 0) < 8 * 1024 * 1024; i++) {
      const piece = Buffer.alloc(1 + ((i * 7919) % 70_000));
      for (let j = 0; j < piece.length; j++) piece[j] = (i + j) & 0xff;
      sent.push(piece);
    }
    const total = sent.reduce((n, b) => n + b.length, 0);
    const received: Buffer[] = [];
    let receivedBytes = 0;
    const done = new Promise<void>((resolve) => {
      client.on('data', (chunk: Buffer) => {
        received.push(chunk);
        receivedBytes += chunk.length;
        if (receivedBytes >= total) resolve();
        else if (received.length % 16 === 0) { client.pause(); setTimeout(() => client.resume(), 5); }
      });
    });
    client.write(first);
    // The first packet goes out alone, as a client's startup does; the rest may follow at once.
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const piece of sent.slice(1)) client.write(piece);
    await done;
    assert.equal(receivedBytes, total);
    assert.equal(digest(received), digest(sent));
    assert.deepEqual(backend.firsts[0], first);
    client.destroy();
  } finally {
    await relay.close();
    await close(backend.server);
  }
});

test('a backend that closes closes its client, and a client that ends ends its backend', async () => {
  const backend = await echoBackend();
  const upstreams: Socket[] = [];
  backend.server.on('connection', (socket) => upstreams.push(socket));
  const relay = await relayTo([backend.port]);
  try {
    const a = await dialRelay(relay.port);
    a.write('hello');
    await new Promise((resolve) => a.once('data', resolve));
    const aClosed = new Promise((resolve) => a.once('close', resolve));
    upstreams[0]!.destroy();
    await aClosed;

    const b = await dialRelay(relay.port);
    b.write('again');
    await new Promise((resolve) => b.once('data', resolve));
    const upstreamEnded = new Promise((resolve) => upstreams[1]!.once('end', resolve));
    b.end();
    await upstreamEnded;
    b.destroy();
  } finally {
    await relay.close();
    await close(backend.server);
  }
});

test('a cancel request goes to every backend and nothing else is spliced', async () => {
  const one = await echoBackend();
  const two = await echoBackend();
  const relay = await relayTo([one.port, two.port]);
  try {
    const client = await dialRelay(relay.port);
    const cancel = Buffer.alloc(16);
    cancel.writeUInt32BE(16, 0);
    cancel.writeUInt32BE(80877102, 4);
    cancel.writeUInt32BE(42, 8);
    cancel.writeUInt32BE(7, 12);
    const closed = new Promise((resolve) => client.once('close', resolve));
    client.on('data', () => assert.fail('a cancel request is not answered'));
    client.write(cancel);
    await closed;
    while (one.firsts.length === 0 || two.firsts.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(one.firsts[0], cancel);
    assert.deepEqual(two.firsts[0], cancel);
  } finally {
    await relay.close();
    await close(one.server);
    await close(two.server);
  }
});

test('onSpliced counts the backend being dialled: let go when it refuses, ended when the splice closes', async () => {
  const live = await echoBackend();
  const dead = await echoBackend();
  const deadPort = dead.port;
  await close(dead.server);
  const backends = [{ host: '127.0.0.1', port: deadPort }, { host: '127.0.0.1', port: live.port }];
  const open = new Map<number, number>();
  const relay = await startSpliceServer({
    host: '127.0.0.1', port: 0, pick: () => backends, all: () => backends,
    onSpliced: (backend) => {
      open.set(backend.port, (open.get(backend.port) ?? 0) + 1);
      return () => open.set(backend.port, open.get(backend.port)! - 1);
    },
  });
  try {
    const client = await dialRelay(relay.port);
    client.write('hello');
    await new Promise((resolve) => client.once('data', resolve));
    // The dead one was counted while it was dialled (a burst picking meanwhile sees it), and let go when it refused.
    assert.deepEqual([...open], [[deadPort, 0], [live.port, 1]]);
    client.destroy();
    while (open.get(live.port) !== 0) await new Promise((resolve) => setTimeout(resolve, 5));
  } finally {
    await relay.close();
    await close(live.server);
  }
});

