import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqlError } from '../contracts/errors.js';
import { grpcClient, serveGrpc, TransportError, type Message } from './grpc.js';
import { serveCalls } from './grpc-calls.js';

/** A storage server whose Get answers are held until released, in any order. */
async function holdingStorage() {
  const held = new Map<string, (reply: Message) => void>();
  const server = await serveGrpc('127.0.0.1', 0, {
    Storage: {
      Get: (request: Message) => {
        const key = request['key'].toString();
        if (key === 'refuse') return Promise.reject(new SqlError('40001', 'change conflicts with another transaction', { detail: 'why' }));
        if (key === 'crash') return Promise.reject(new Error('handler broke'));
        return new Promise((resolve) => held.set(key, resolve));
      },
      Read: async (request: Message) => ({ keys: [request['start']], values: [Buffer.from('v')] }),
    },
  });
  return { server, held };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

// The client's Calls stream over each transport, against the grpc-js server (the wire is the same).
for (const transport of ['lean', 'grpc-js'] as const) {
  test(`${transport}: calls over the Calls stream get their own replies, in any order, and the unary errors`, async () => {
    const { server, held } = await holdingStorage();
    const client = grpcClient('Storage', `127.0.0.1:${server.port}`, null, transport);
    try {
      const keys = ['a', 'b', 'c'];
      const replies = keys.map((key) => client.call('Get', { key: Buffer.from(key), read_timestamp: 1 }, 5_000));
      const read = await client.call('Read', { start: Buffer.from('s'), end: Buffer.from('t'), read_timestamp: 1, limit: 1, reverse: false, filter: [] }, 5_000);
      assert.deepEqual(read['keys'].map(String), ['s']);
      await until(() => held.size === 3);
      for (const key of [...keys].reverse()) held.get(key)!({ value: Buffer.from(`value of ${key}`) });
      assert.deepEqual((await Promise.all(replies)).map((r) => String(r['value'])), ['value of a', 'value of b', 'value of c']);
      // A user error travels as the unary call's SqlError; any other as a TransportError that is
      // not "unreachable" (the other side answered).
      await assert.rejects(client.call('Get', { key: Buffer.from('refuse'), read_timestamp: 1 }, 5_000),
        (error: unknown) => error instanceof SqlError && error.code === '40001' && error.detail === 'why');
      await assert.rejects(client.call('Get', { key: Buffer.from('crash'), read_timestamp: 1 }, 5_000),
        (error: unknown) => error instanceof TransportError && !error.unreachable && /handler broke/.test(error.message));
      // An absent optional field stays absent, as in the unary reply.
      const pending = client.call('Get', { key: Buffer.from('none'), read_timestamp: 1 }, 5_000);
      await until(() => held.has('none'));
      held.get('none')!({});
      assert.equal((await pending)['value'], undefined);
    } finally {
      client.close();
      await server.close();
    }
  });

  test(`${transport}: a server that goes away fails every call in flight as unreachable; the client reconnects to a new one`, async () => {
    const first = await holdingStorage();
    const port = first.server.port;
    const client = grpcClient('Storage', `127.0.0.1:${port}`, null, transport);
    try {
      const inFlight = ['x', 'y'].map((key) => client.call('Get', { key: Buffer.from(key), read_timestamp: 1 }, 10_000).then(
        () => 'answered', (error: unknown) => (error instanceof TransportError && error.unreachable ? 'unreachable' : `other: ${String(error)}`)));
      await until(() => first.held.size === 2);
      await first.server.close();
      assert.deepEqual(await Promise.all(inFlight), ['unreachable', 'unreachable']);
      // Nothing listens: a call fails as unreachable, as a unary call would.
      await assert.rejects(client.call('Get', { key: Buffer.from('z'), read_timestamp: 1 }, 10_000), (error: unknown) => error instanceof TransportError && error.unreachable);
      // A server back on the port is reached by the next calls.
      const second = await serveGrpc('127.0.0.1', port, { Storage: { Get: async () => ({ value: Buffer.from('back') }) } });
      try {
        let reply: Message | null = null;
        for (let i = 0; i < 100 && reply === null; i++) {
          reply = await client.call('Get', { key: Buffer.from('z'), read_timestamp: 1 }, 10_000).catch(() => null);
          if (reply === null) await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.equal(String(reply?.['value']), 'back');
      } finally {
        await second.close();
      }
    } finally {
      client.close();
    }
  });

  test(`${transport}: a call in flight when the client closes still gets its answer`, async () => {
    const { server, held } = await holdingStorage();
    const client = grpcClient('Storage', `127.0.0.1:${server.port}`, null, transport);
    try {
      const reply = client.call('Get', { key: Buffer.from('k'), read_timestamp: 1 }, 5_000);
      await until(() => held.size === 1);
      client.close();
      held.get('k')!({ value: Buffer.from('late') });
      assert.equal(String((await reply)['value']), 'late');
    } finally {
      await server.close();
    }
  });

  test(`${transport}: a one-way call runs its handler and is not answered, not even when the handler fails; calls beside it are answered as usual`, async () => {
    const notified: number[] = [];
    const server = await serveGrpc('127.0.0.1', 0, {
      Adjudicator: {
        Notify: async (request: Message) => {
          if (request['timestamp'] === 13) throw new Error('refused');
          notified.push(request['timestamp']);
          return {};
        },
        Commit: async () => ({ kind: 'committed', commit_timestamp: 42, reason: '' }),
      },
    });
    const client = grpcClient('Adjudicator', `127.0.0.1:${server.port}`, null, transport);
    try {
      client.send('Notify', { timestamp: 11, replicas: [] });
      client.send('Notify', { timestamp: 13, replicas: [] });
      const reply = client.call('Commit', { transaction_id: 't', start_timestamp: 1, writes: [], lock_keys: [], schema_keys: [], key_share_keys: [] }, 5_000);
      client.send('Notify', { timestamp: 12, replicas: ['storage-1'] });
      assert.equal((await reply)['commit_timestamp'], 42);
      await until(() => notified.length === 2);
      assert.deepEqual(notified, [11, 12]);
      // Still one stream, healthy: a failed one-way call did not break it.
      assert.equal((await client.call('Commit', { transaction_id: 'u', start_timestamp: 1, writes: [], lock_keys: [], schema_keys: [], key_share_keys: [] }, 5_000))['kind'], 'committed');
    } finally {
      client.close();
      await server.close();
    }
  });
}

test('the server writes answers for answered calls only: a one-way call adds nothing to the stream', async () => {
  const written: Message[] = [];
  let deliver: (batch: Message) => void = () => {};
  const stream = {
    onBatch: (listener: (batch: Message) => void) => { deliver = listener; },
    onCallerDone: () => {},
    onGone: () => {},
    write: (message: Message) => { written.push(message); },
    end: () => {},
  };
  const ran: string[] = [];
  serveCalls(stream, {
    notify: async (request) => { ran.push(`notify ${request['timestamp']}`); return {}; },
    commit: async () => { ran.push('commit'); return { kind: 'committed' }; },
  });
  deliver({ calls: [
    { id: 0, one_way: true, request: 'notify', notify: { timestamp: 1 } },
    { id: 7, one_way: false, request: 'commit', commit: {} },
    { id: 0, one_way: true, request: 'notify', notify: { timestamp: 2 } },
  ] });
  await until(() => written.length > 0);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(ran, ['notify 1', 'commit', 'notify 2']);
  assert.deepEqual(written, [{ answers: [{ id: 7, commit: { kind: 'committed' } }] }]);
});
