import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as connectHttp2 } from 'node:http2';
import { connect as connectTcp } from 'node:net';
import { SqlError } from '../contracts/errors.js';
import { grpcClient, serveGrpc, type Message, type ServerStream } from './grpc.js';
import { TransportError } from './transport-error.js';

async function until(condition: () => boolean, ms = 5_000): Promise<void> {
  for (let i = 0; i < ms / 10 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

const GET = { key: Buffer.from('k'), read_timestamp: 5 };

test('unary errors reach grpc-js and lean callers alike, a detail with a newline and non-ASCII intact; an unserved method is UNIMPLEMENTED', { timeout: 60_000 }, async () => {
  const detail = 'line one\nline two: 100% naïve – ok';
  const server = await serveGrpc('127.0.0.1', 0, {
    Storage: {
      Get: async (request: Message) => {
        if (String(request['key']) === 'sql') throw new SqlError('23505', 'duplicate key value violates unique constraint "t_pkey"', { detail });
        if (String(request['key']) === 'boom') throw new Error('it broke: 50% done');
        return { value: Buffer.from(`v@${request['read_timestamp']}`) };
      },
    },
  });
  const address = `127.0.0.1:${server.port}`;
  const unaryClient = grpcClient('Storage', address, null, 'grpc-js');
  const leanClient = grpcClient('Storage', address, null, 'lean');
  try {
    assert.equal(String((await unaryClient.unary('Get', GET, 5_000))['value']), 'v@5');
    assert.equal(String((await leanClient.call('Get', GET, 5_000))['value']), 'v@5', 'over the Calls stream');
    for (const call of [() => unaryClient.unary('Get', { ...GET, key: Buffer.from('sql') }, 5_000), () => leanClient.call('Get', { ...GET, key: Buffer.from('sql') }, 5_000)]) {
      await assert.rejects(call(), (error: unknown) => error instanceof SqlError && error.code === '23505' && error.detail === detail
        && error.message === 'duplicate key value violates unique constraint "t_pkey"');
    }
    await assert.rejects(unaryClient.unary('Get', { ...GET, key: Buffer.from('boom') }, 5_000),
      (error: unknown) => error instanceof TransportError && !error.unreachable && /INTERNAL: it broke: 50% done/.test(error.message));
    await assert.rejects(unaryClient.unary('Status', {}, 5_000), (error: unknown) => error instanceof TransportError && /UNIMPLEMENTED/.test(error.message));
    // The server is still there for the next call.
    assert.equal(String((await unaryClient.unary('Get', GET, 5_000))['value']), 'v@5');
  } finally {
    unaryClient.close();
    leanClient.close();
    await server.close();
  }
});

test('a caller that cancels a server stream is seen by its handler, and the server goes on', { timeout: 60_000 }, async () => {
  const streams: ServerStream[] = [];
  let cancelled = 0;
  const server = await serveGrpc('127.0.0.1', 0, {
    Adjudicator: {
      Watermarks: (_request: Message, stream: ServerStream) => {
        streams.push(stream);
        stream.onCancel(() => { cancelled++; });
      },
    },
  });
  try {
    for (const transport of ['lean', 'grpc-js'] as const) {
      const client = grpcClient('Adjudicator', `127.0.0.1:${server.port}`, null, transport);
      const received: Message[] = [];
      const call = client.stream('Watermarks', { follower: transport }, (message) => received.push(message), () => {});
      await until(() => streams.length > 0);
      streams.shift()!.push({ epoch: 1, position: 1, watermark: 1, decided: 1, issued: 1, reserved: 0, decisions: [] });
      await until(() => received.length === 1);
      const before = cancelled;
      call.cancel();
      await until(() => cancelled > before);
      assert.equal(cancelled, before + 1, `${transport}: the handler heard the cancel`);
      client.close();
    }
  } finally {
    await server.close();
  }
});

test('bad input ends only its own call: a message over the limit, bytes that are not protobuf, a request that is not gRPC', { timeout: 60_000 }, async () => {
  let served = 0;
  const server = await serveGrpc('127.0.0.1', 0, { Storage: { Get: async () => { served++; return {}; } } });
  const session = connectHttp2(`http://127.0.0.1:${server.port}`);
  const call = (headers: Record<string, string>, body: Buffer) => new Promise<{ status: string | undefined; grpcStatus: string | undefined }>((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': '/strata.Storage/Get', 'content-type': 'application/grpc', te: 'trailers', ...headers });
    let grpcStatus: string | undefined;
    let status: string | undefined;
    stream.on('response', (h) => { status = String(h[':status']); grpcStatus = h['grpc-status'] as string | undefined ?? grpcStatus; });
    stream.on('trailers', (h) => { grpcStatus = h['grpc-status'] as string | undefined; });
    stream.on('data', () => {});
    stream.on('close', () => resolve({ status, grpcStatus }));
    stream.on('error', reject);
    stream.end(body);
  });
  try {
    const oversized = Buffer.alloc(5);
    oversized.writeUInt32BE(0xffff_fff0, 1);
    assert.equal((await call({}, oversized)).grpcStatus, String(8), 'RESOURCE_EXHAUSTED');
    const garbage = Buffer.from([0, 0, 0, 0, 3, 0xff, 0xff, 0xff]);
    assert.equal((await call({}, garbage)).grpcStatus, String(13), 'INTERNAL: undecodable');
    assert.equal((await call({ 'content-type': 'text/plain' }, Buffer.from('hello'))).status, '415');
    assert.equal(served, 0);
    const client = grpcClient('Storage', `127.0.0.1:${server.port}`, null, 'grpc-js');
    try {
      assert.equal((await client.unary('Get', GET, 5_000))['value'], undefined);
    } finally {
      client.close();
    }
    assert.equal(served, 1);
  } finally {
    session.destroy();
    await server.close();
  }
});

test('a caller that stops answering pings is dropped, so it holds no stream; close ends open streams at once', { timeout: 60_000 }, async () => {
  const streams: ServerStream[] = [];
  const server = await serveGrpc('127.0.0.1', 0, { Adjudicator: { Watermarks: (_r: Message, stream: ServerStream) => { streams.push(stream); } } });
  try {
    // A raw socket that speaks HTTP/2's preface and then nothing, as a frozen process's does.
    const socket = connectTcp(server.port, '127.0.0.1');
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => {});
    socket.on('connect', () => {
      socket.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
    });
    // It reads what comes and answers nothing: no ping is acknowledged.
    socket.on('data', () => {});
    const started = performance.now();
    await closed;
    assert.ok(performance.now() - started < 10_000, 'dropped after an unanswered ping');

    const ended: (Error | null)[] = [];
    const client = grpcClient('Adjudicator', `127.0.0.1:${server.port}`);
    client.stream('Watermarks', { follower: 'x' }, () => {}, (error) => ended.push(error));
    await until(() => streams.length === 1);
    const closing = performance.now();
    await server.close();
    await until(() => ended.length === 1);
    assert.ok(performance.now() - closing < 3_000, 'close did not wait for the open stream');
    assert.ok(ended[0] instanceof TransportError && ended[0].unreachable, `the caller's stream ended as unreachable: ${String(ended[0])}`);
    client.close();
  } finally {
    await server.close();
  }
});
