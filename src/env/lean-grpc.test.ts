import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttp2Server } from 'node:http2';
import { createServer, connect as connectTcp, type Socket } from 'node:net';
import { SqlError } from '../contracts/errors.js';
import { grpcClient, serveGrpc, TransportError, type Message, type ServerStream } from './grpc.js';
import { frameMessage, GrpcMessageReader, MAX_MESSAGE_BYTES } from './lean-grpc.js';

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

test('the message reader finds every message however the stream is cut, and refuses what it cannot read', () => {
  const messages = [Buffer.alloc(0), Buffer.from('a'), Buffer.alloc(70_000, 7), Buffer.from('last one')];
  const wire = Buffer.concat(messages.map(frameMessage));
  // Every cut into two pieces, and one byte at a time.
  const cuts: Buffer[][] = [];
  for (let at = 0; at <= wire.length; at += at < 40 ? 1 : 997) cuts.push([wire.subarray(0, at), wire.subarray(at)]);
  cuts.push([...wire].map((byte) => Buffer.from([byte])));
  for (const pieces of cuts) {
    const reader = new GrpcMessageReader();
    const read: Buffer[] = [];
    for (const piece of pieces) reader.push(piece, (message) => read.push(Buffer.from(message)));
    assert.deepEqual(read, messages);
    assert.equal(reader.held, 0);
  }
  const half = new GrpcMessageReader();
  half.push(wire.subarray(0, 12), () => {});
  assert.ok(half.held > 0, 'a message begun and not finished is held');
  const compressed = Buffer.from(frameMessage(Buffer.from('x')));
  compressed[0] = 1;
  assert.throws(() => new GrpcMessageReader().push(compressed, () => {}), /compressed/);
  const tooLong = Buffer.from([0, 0xff, 0xff, 0xff, 0xff]);
  assert.throws(() => new GrpcMessageReader(MAX_MESSAGE_BYTES).push(tooLong, () => {}), /limit/);
});

/** Notices as the leader sends them: decisions, defaults left out, a journal batch cut across many DATA frames. */
const NOTICES: Message[] = [
  { epoch: 7, position: 10, watermark: 100.5, decided: 101, issued: 99, reserved: 0, decisions: [{ commit_timestamp: 100, keys: [Buffer.from('k1'), Buffer.alloc(0)] }] },
  { epoch: 7, position: 2 ** 40, decisions: [] },
  { epoch: 7, position: 12, journal_first: 11, journal_frames: Buffer.alloc(200_000, 3) },
];

test('a server stream reads the same messages through the lean client and grpc-js, from the grpc-js server', async () => {
  const requests: Message[] = [];
  const server = await serveGrpc('127.0.0.1', 0, {
    Adjudicator: {
      Watermarks: (request: Message, stream: ServerStream) => {
        requests.push(request);
        for (const notice of NOTICES) stream.push(notice);
        stream.end();
      },
    },
  });
  try {
    const read = async (transport: 'lean' | 'grpc-js') => {
      const client = grpcClient('Adjudicator', `127.0.0.1:${server.port}`, null, transport);
      const messages: Message[] = [];
      const ended = await new Promise<Error | null>((resolve) => {
        client.stream('Watermarks', { watch_keys: [Buffer.from('w')], follower: transport }, (m) => messages.push(m), resolve);
      });
      client.close();
      return { messages, ended };
    };
    const lean = await read('lean');
    const grpcJs = await read('grpc-js');
    assert.equal(lean.ended, null);
    assert.equal(lean.messages.length, NOTICES.length);
    assert.deepEqual(lean.messages, grpcJs.messages);
    assert.equal(lean.messages[1]!['position'], 2 ** 40);
    assert.deepEqual(lean.messages[2]!['journal_frames'], Buffer.alloc(200_000, 3));
    // The server read the lean client's request as grpc-js's.
    assert.deepEqual(requests.map((r) => [r['follower'], r['watch_keys'].map(String), r['liveness_only']]), [['lean', ['w'], false], ['grpc-js', ['w'], false]]);
  } finally {
    await server.close();
  }
});

test('a server stream that fails ends with the error grpc-js raises: a SqlError as itself, anything else with its status', async () => {
  const server = await serveGrpc('127.0.0.1', 0, {
    Adjudicator: {
      Watermarks: (request: Message, stream: ServerStream) => {
        stream.push(NOTICES[0]!);
        stream.fail(request['follower'] === 'sql' ? new SqlError('40001', 'refused here', { detail: 'why' }) : new Error('it broke: 100% é'));
      },
    },
  });
  try {
    for (const follower of ['sql', 'other']) {
      const endings = await Promise.all((['lean', 'grpc-js'] as const).map((transport) => new Promise<Error | null>((resolve) => {
        const client = grpcClient('Adjudicator', `127.0.0.1:${server.port}`, null, transport);
        client.stream('Watermarks', { follower }, () => {}, (error) => { client.close(); resolve(error); });
      })));
      const [lean, grpcJs] = endings;
      assert.ok(lean !== null && grpcJs !== null);
      assert.equal(lean.constructor, grpcJs.constructor);
      assert.equal(lean.message, grpcJs.message);
      if (follower === 'sql') assert.ok(lean instanceof SqlError && lean.code === '40001' && lean.detail === 'why');
      else assert.ok(lean instanceof TransportError && !lean.unreachable && lean.code === (grpcJs as TransportError).code);
    }
  } finally {
    await server.close();
  }
});

test('a server stream ends as unreachable when its server goes away, and when nothing listens', async () => {
  const streams: ServerStream[] = [];
  const server = await serveGrpc('127.0.0.1', 0, { Adjudicator: { Watermarks: (_r: Message, stream: ServerStream) => { streams.push(stream); } } });
  const port = server.port;
  const client = grpcClient('Adjudicator', `127.0.0.1:${port}`);
  try {
    const ended = new Promise<Error | null>((resolve) => client.stream('Watermarks', {}, () => {}, resolve));
    await until(() => streams.length === 1);
    await server.close();
    const error = await ended;
    assert.ok(error instanceof TransportError && error.unreachable, String(error));
    const refused = await new Promise<Error | null>((resolve) => client.stream('Watermarks', {}, () => {}, resolve));
    assert.ok(refused instanceof TransportError && refused.unreachable, String(refused));
  } finally {
    client.close();
  }
});

/**
 * A TCP relay to `target` that can freeze: it stops passing bytes both ways, as a peer that is
 * SIGSTOPped or cut off does, while both connections stay open.
 */
async function freezableRelay(target: number) {
  let frozen = false;
  const sockets: Socket[] = [];
  const relay = createServer((inbound) => {
    const outbound = connectTcp(target, '127.0.0.1');
    sockets.push(inbound, outbound);
    inbound.on('data', (chunk) => { if (!frozen) outbound.write(chunk); });
    outbound.on('data', (chunk) => { if (!frozen) inbound.write(chunk); });
    inbound.on('error', () => {});
    outbound.on('error', () => {});
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    port: (relay.address() as { port: number }).port,
    freeze: () => { frozen = true; },
    close: () => {
      for (const socket of sockets) socket.destroy();
      relay.close();
    },
  };
}

test('a stream whose server stops answering ends as unreachable (keep-alive), though its connection stays open', async () => {
  const streams: ServerStream[] = [];
  const server = await serveGrpc('127.0.0.1', 0, { Adjudicator: { Watermarks: (_r: Message, stream: ServerStream) => { streams.push(stream); stream.push(NOTICES[0]!); } } });
  const relay = await freezableRelay(server.port);
  const client = grpcClient('Adjudicator', `127.0.0.1:${relay.port}`);
  try {
    let received = 0;
    const ended = new Promise<Error | null>((resolve) => client.stream('Watermarks', {}, () => { received++; }, resolve));
    await until(() => received === 1);
    relay.freeze();
    const error = await ended;
    assert.ok(error instanceof TransportError && error.unreachable, String(error));
  } finally {
    client.close();
    relay.close();
    await server.close();
  }
});

test('a paused server stream holds its messages until resumed, and a cancelled one reports no end', async () => {
  let stream: ServerStream | null = null;
  const server = await serveGrpc('127.0.0.1', 0, { Adjudicator: { Watermarks: (_r: Message, s: ServerStream) => { stream = s; } } });
  const client = grpcClient('Adjudicator', `127.0.0.1:${server.port}`);
  try {
    const received: Message[] = [];
    let ends = 0;
    const call = client.stream('Watermarks', {}, (m) => received.push(m), () => { ends++; });
    await until(() => stream !== null);
    call.pause();
    // Far more than HTTP/2's windows hold (10 MB): while paused only the first few can arrive.
    const sent = 50;
    for (let i = 0; i < sent; i++) stream!.push(NOTICES[2]!);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const whilePaused = received.length;
    assert.ok(whilePaused < sent / 2, `${whilePaused} of ${sent} arrived while paused`);
    call.resume();
    await until(() => received.length === sent);
    assert.equal(received.length, sent);
    call.cancel();
    stream!.end();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(ends, 0);
  } finally {
    client.close();
    await server.close();
  }
});

test('a stream paused inside a chunk of several messages delivers none of the rest, nor its end, until resumed', async () => {
  // grpc-js sends a DATA frame per message; a gRPC server may put several in one: a bare HTTP/2
  // server does, with 100 WatermarkNotices { position: 1..100, epoch: 1 } in one write.
  const server = createHttp2Server();
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(Buffer.concat(Array.from({ length: 100 }, (_, i) => frameMessage(Buffer.from([0x08, i + 1, 0x38, 1])))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = grpcClient('Adjudicator', `127.0.0.1:${(server.address() as { port: number }).port}`);
  try {
    const received: number[] = [];
    let ended: Error | null | undefined;
    let call: { pause(): void; resume(): void } | null = null;
    const done = new Promise<void>((resolve) => {
      call = client.stream('Watermarks', {}, (m) => {
        received.push(m['position']);
        if (received.length === 1) call!.pause();
      }, (error) => { ended = error; resolve(); });
    });
    await until(() => received.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(received, [1]);
    assert.equal(ended, undefined);
    call!.resume();
    await done;
    assert.equal(ended, null);
    assert.deepEqual(received, Array.from({ length: 100 }, (_, i) => i + 1));
  } finally {
    client.close();
    server.close();
  }
});
