/**
 * The lean Txn client (src/env/etcd-txn.ts) against a real etcd: the same random transactions
 * through it and through MemoryCoordination (etcd's semantics as the tests know them) must
 * succeed or fail alike and leave the same keys, values and revisions; leases, failures and
 * deadlines behave as a unary call's.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import type { Comparison, Operation, StoredEntry } from '../../src/env/coordination.js';
import { MemoryCoordination } from '../../src/env/coordination.js';
import { EtcdCoordination } from '../../src/env/etcd-coordination.js';
import { EtcdTxnClient, EtcdTxnError } from '../../src/env/etcd-txn.js';
import { SeededRandom } from '../../src/encoding/samples.js';
import { etcdUnavailableReason, startEtcd, type TestEtcd } from '../support/etcd.js';

const skip = etcdUnavailableReason() ?? false;
const opts = { skip, timeout: 120_000 };
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (value: Uint8Array): string => Buffer.from(value).toString();
let etcd: TestEtcd;

before(async () => { if (!skip) etcd = await startEtcd(1); });
after(async () => { await etcd?.stop(); });

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f'];

interface Revisions {
  /** etcd's revision for a memory revision (0, "absent", stays 0). */
  etcd(memory: number): number;
}

function randomTransaction(random: SeededRandom, prefix: string, state: ReadonlyMap<string, StoredEntry>, revisions: Revisions):
{ memory: [Comparison[], Operation[]]; etcd: [Comparison[], Operation[]] } {
  const key = () => bytes(`${prefix}${NAMES[random.int(NAMES.length)]}`);
  const memoryCompares: Comparison[] = [];
  const etcdCompares: Comparison[] = [];
  for (let i = random.int(3); i > 0; i--) {
    const k = key();
    const held = state.get(text(k));
    const kind = random.int(3);
    if (kind === 2) {
      const value = held !== undefined && random.int(2) === 0 ? held.value : bytes(`v${random.int(4)}`);
      memoryCompares.push({ key: k, target: 'value', op: '==', value });
      etcdCompares.push({ key: k, target: 'value', op: '==', value });
      continue;
    }
    const target = kind === 0 ? 'create' as const : 'mod' as const;
    const actual = held === undefined ? 0 : target === 'create' ? held.createRevision : held.modRevision;
    const revision = [0, actual, Math.max(0, actual - 1), actual + 1][random.int(4)]!;
    const op = (['==', '<', '>'] as const)[random.int(3)]!;
    memoryCompares.push({ key: k, target, op, revision });
    etcdCompares.push({ key: k, target, op, revision: revisions.etcd(revision) });
  }
  const operations: Operation[] = [];
  for (let i = 1 + random.int(3); i > 0; i--) {
    const kind = random.int(4);
    // etcd refuses a transaction that writes one key twice: each operation gets its own key.
    const k = bytes(`${prefix}${NAMES[operations.length]}`);
    if (kind <= 1) operations.push({ type: 'put', key: k, value: bytes(`v${random.int(4)}`) });
    else if (kind === 2) operations.push({ type: 'delete', from: k });
    else operations.push({ type: 'put', key: k, value: new Uint8Array(0) });
  }
  return { memory: [memoryCompares, operations], etcd: [etcdCompares, operations] };
}

async function entries(store: { range(from: Uint8Array, to: Uint8Array): Promise<{ entries: StoredEntry[] }> }, prefix: string): Promise<StoredEntry[]> {
  return (await store.range(bytes(prefix), bytes(`${prefix}\xff`))).entries;
}

test('random transactions: the lean client and the memory store agree on outcome, keys, values and revisions', opts, async () => {
  const reader = new EtcdCoordination(etcd.endpoints);
  const lean = new EtcdTxnClient(etcd.endpoints[0]!);
  const memory = new MemoryCoordination((task) => queueMicrotask(task));
  try {
    const prefix = 'diff/';
    // The memory store starts at revision 1; etcd at its current one: every later revision is offset.
    const base = (await reader.range(bytes(prefix), bytes(`${prefix}\xff`))).revision;
    const revisions: Revisions = { etcd: (m) => (m === 0 ? 0 : m + base - 1) };
    const random = new SeededRandom(20261130);
    const state = new Map<string, StoredEntry>();
    const outcomes = [0, 0];
    for (let step = 0; step < 300; step++) {
      const { memory: [mc, mo], etcd: [ec, eo] } = randomTransaction(random, prefix, state, revisions);
      const expected = await memory.transaction(mc, mo);
      const actual = await lean.transaction(ec, eo, 5_000);
      assert.equal(actual.succeeded, expected.succeeded, `step ${step}: outcome`);
      assert.equal(actual.revision, revisions.etcd(expected.revision), `step ${step}: revision`);
      outcomes[expected.succeeded ? 0 : 1]!++;
      const [want, got] = [await entries(memory, prefix), await entries(reader, prefix)];
      assert.deepEqual(got.map((e) => [text(e.key), text(e.value), e.createRevision, e.modRevision]),
        want.map((e) => [text(e.key), text(e.value), revisions.etcd(e.createRevision), revisions.etcd(e.modRevision)]), `step ${step}: contents`);
      state.clear();
      for (const e of want) state.set(text(e.key), e);
    }
    // The run exercised both branches.
    assert.ok(outcomes[0]! > 50 && outcomes[1]! > 50, `outcomes ${outcomes.join('/')}`);
  } finally {
    lean.close();
    await reader.close();
  }
});

test('a range newest first, at most N, keys only: etcd and the memory store give the same keys and no values', opts, async () => {
  const coordination = new EtcdCoordination(etcd.endpoints);
  const memory = new MemoryCoordination((task) => queueMicrotask(task));
  try {
    for (const store of [coordination, memory]) {
      for (const name of ['0001', '0003', '0002']) await store.transaction([], [{ type: 'put', key: bytes(`newest/${name}`), value: bytes(`batch ${name}`) }]);
      const read = async (options: { limit?: number; reverse?: boolean; keysOnly?: boolean }) =>
        (await store.range(bytes('newest/'), bytes('newest/\xff'), options)).entries.map((e) => `${text(e.key)}=${text(e.value)}`);
      assert.deepEqual(await read({ limit: 1, reverse: true, keysOnly: true }), ['newest/0003=']);
      assert.deepEqual(await read({ reverse: true, keysOnly: true }), ['newest/0003=', 'newest/0002=', 'newest/0001=']);
      assert.deepEqual(await read({ limit: 2 }), ['newest/0001=batch 0001', 'newest/0002=batch 0002']);
    }
  } finally {
    await coordination.close();
  }
});

test('a put with a lease is attached to it and goes with it', opts, async () => {
  const coordination = new EtcdCoordination(etcd.endpoints);
  const lean = new EtcdTxnClient(etcd.endpoints[0]!);
  try {
    const lease = await coordination.grantLease(10);
    const key = bytes('leased/key');
    const put = await lean.transaction([{ key, target: 'create', op: '==', revision: 0 }], [{ type: 'put', key, value: bytes('me'), lease: lease.id }], 5_000);
    assert.ok(put.succeeded);
    const [entry] = await entries(coordination, 'leased/');
    assert.equal(entry?.lease, lease.id);
    assert.equal(entry?.createRevision, put.revision);
    await lease.revoke();
    assert.deepEqual(await entries(coordination, 'leased/'), []);
  } finally {
    lean.close();
    await coordination.close();
  }
});

test('etcd refusing a request fails the call with its message; a member gone fails calls, and the next call after its return succeeds', opts, async () => {
  const lean = new EtcdTxnClient(etcd.endpoints[0]!);
  try {
    const key = bytes('refused/twice');
    // etcd refuses a transaction that puts one key twice.
    await assert.rejects(lean.transaction([], [{ type: 'put', key, value: bytes('1') }, { type: 'put', key, value: bytes('2') }], 5_000),
      (error: Error) => error instanceof EtcdTxnError && /duplicate key/.test(error.message));
    assert.ok((await lean.transaction([], [{ type: 'put', key, value: bytes('ok') }], 5_000)).succeeded);
    await etcd.kill(0);
    await assert.rejects(lean.transaction([], [{ type: 'put', key, value: bytes('gone') }], 5_000), EtcdTxnError);
    await etcd.restart(0);
    let result = null;
    for (let attempt = 0; attempt < 50 && result === null; attempt++) {
      result = await lean.transaction([], [{ type: 'put', key, value: bytes('back') }], 5_000).catch(() => null);
      if (result === null) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(result?.succeeded, 'a call succeeds once the member is back');
  } finally {
    lean.close();
  }
});

test('a member that never answers fails the call at its deadline', opts, async () => {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => { sockets.push(socket); });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as { port: number }).port;
  const lean = new EtcdTxnClient(`http://127.0.0.1:${port}`);
  try {
    await assert.rejects(lean.transaction([], [{ type: 'put', key: bytes('k'), value: bytes('v') }], 200),
      (error: Error) => error instanceof EtcdTxnError && error.code === 4);
  } finally {
    lean.close();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});
