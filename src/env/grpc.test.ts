import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grpcClient, serveGrpc, type Message, type ServerStream } from './grpc.js';

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

test('one message object pushed to several server streams reaches each intact, and each object its own', async () => {
  const streams: ServerStream[] = [];
  const server = await serveGrpc('127.0.0.1', 0, {
    Adjudicator: { Watermarks: (_request: Message, stream: ServerStream) => { streams.push(stream); } },
  });
  const clients = [0, 1, 2].map(() => grpcClient('Adjudicator', `127.0.0.1:${server.port}`));
  const received: Message[][] = clients.map(() => []);
  const calls = clients.map((client, i) => client.stream('Watermarks', { watch_keys: [], liveness_only: false, follower: `s${i}` },
    (message) => received[i]!.push(message), () => {}));
  try {
    await until(() => streams.length === 3);
    const first = { epoch: 1, position: 10, watermark: 100, decided: 101, issued: 99, reserved: 0, decisions: [{ commit_timestamp: 100, keys: [Buffer.from('k1')] }] };
    const second = { ...first, position: 11, decided: 105, decisions: [] };
    for (const stream of streams) stream.push(first);
    for (const stream of streams) stream.push(second);
    // A third object to one stream only, between pushes of shared ones.
    streams[1]!.push({ ...second, position: 12 });
    for (const stream of streams) stream.push(first);
    await until(() => received.every((r) => r.length >= 3) && received[1]!.length === 4);
    const summary = (r: Message[]) => r.map((m) => [m['position'], m['decided'], m['decisions'].map((d: Message) => [d['commit_timestamp'], d['keys'].map(String)])]);
    const shared = [[10, 101, [[100, ['k1']]]], [11, 105, []], [10, 101, [[100, ['k1']]]]];
    assert.deepEqual(summary(received[0]!), shared);
    assert.deepEqual(summary(received[2]!), shared);
    assert.deepEqual(summary(received[1]!), [shared[0], shared[1], [12, 105, []], shared[2]]);
  } finally {
    for (const call of calls) call.cancel();
    for (const client of clients) client.close();
    await server.close();
  }
});

test('a method its Calls stream does not carry is refused at the caller, not sent as an empty call', async () => {
  const client = grpcClient('Storage', '127.0.0.1:1');
  try {
    await assert.rejects(client.call('Status', {}, 1_000), /Storage\.Status is not carried by the Calls stream/);
    assert.throws(() => client.send('Status', {}), /not carried/);
  } finally {
    client.close();
  }
});
