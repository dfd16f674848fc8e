/**
 * The extended protocol at the byte level, driven with node-postgres's own frontend serializer:
 * row limits suspend a portal and the next Execute resumes it; an error discards messages until
 * Sync; an empty query answers EmptyQueryResponse.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { serialize } from 'pg-protocol';
import { startTestCluster, type TestCluster } from '../support/cluster.js';

let t: TestCluster;
before(async () => {
  t = await startTestCluster();
  const c = await t.client();
  await c.query('CREATE TABLE nums (n int PRIMARY KEY)');
  await c.query('INSERT INTO nums SELECT n FROM generate_series(1, 5) n');
});
after(async () => { await t.stop(); });

/** A raw session: sends frames, collects backend message type letters until ReadyForQuery. */
async function rawSession(): Promise<{ exchange(frames: Buffer[]): Promise<string[]>; close(): void }> {
  const socket = net.connect(t.port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  let buffer = Buffer.alloc(0);
  let waiter: (() => void) | null = null;
  socket.on('data', (chunk) => { buffer = Buffer.concat([buffer, chunk]); waiter?.(); });
  const readUntilReady = async (): Promise<string[]> => {
    const types: string[] = [];
    for (;;) {
      while (buffer.length >= 5 && buffer.length >= 1 + buffer.readInt32BE(1)) {
        const type = String.fromCharCode(buffer[0]!);
        const length = buffer.readInt32BE(1);
        buffer = buffer.subarray(1 + length);
        types.push(type);
        if (type === 'Z') return types;
      }
      await new Promise<void>((r) => { waiter = r; });
    }
  };
  socket.write(serialize.startup({ user: 'admin', database: 'postgres' }));
  await new Promise<void>((r) => { waiter = () => { if (buffer.length >= 9) r(); }; waiter(); });
  buffer = buffer.subarray(1 + buffer.readInt32BE(1)); // AuthenticationCleartextPassword
  socket.write(serialize.password(await t.token('admin')));
  const startup = await readUntilReady();
  assert.equal(startup[0], 'R');
  return {
    async exchange(frames) {
      socket.write(Buffer.concat(frames));
      return readUntilReady();
    },
    close: () => socket.destroy(),
  };
}

test('a row limit suspends the portal and the next Execute resumes it', async () => {
  const s = await rawSession();
  const types = await s.exchange([
    serialize.parse({ name: '', text: 'SELECT n FROM nums ORDER BY n', types: [] }),
    serialize.bind({ portal: 'p', statement: '', values: [] }),
    serialize.execute({ portal: 'p', rows: 2 }),
    serialize.execute({ portal: 'p', rows: 2 }),
    serialize.execute({ portal: 'p', rows: 2 }),
    serialize.sync(),
  ]);
  // ParseComplete, BindComplete, 2 rows + suspended, 2 rows + suspended, 1 row + complete, ready
  assert.deepEqual(types.join(''), '12DDsDDsDCZ');
  s.close();
});

test('an error discards messages until Sync; an empty query gives EmptyQueryResponse', async () => {
  const s = await rawSession();
  const failed = await s.exchange([
    serialize.parse({ name: '', text: 'SELECT 1/0', types: [] }),
    serialize.bind({ portal: '', statement: '', values: [] }),
    serialize.execute({ portal: '', rows: 0 }),
    serialize.parse({ name: '', text: 'SELECT 1', types: [] }),
    serialize.sync(),
  ]);
  assert.deepEqual(failed.join(''), '12EZ');
  const empty = await s.exchange([
    serialize.parse({ name: '', text: '', types: [] }),
    serialize.bind({ portal: '', statement: '', values: [] }),
    serialize.describe({ type: 'P', name: '' }),
    serialize.execute({ portal: '', rows: 0 }),
    serialize.sync(),
  ]);
  assert.deepEqual(empty.join(''), '12nIZ');
  s.close();
});
