/**
 * The bare-gRPC watch (src/env/etcd-watch.ts) against a real 3-member etcd: events per revision
 * in order from a past revision and live, a compacted start revision, a member killed under a
 * watch, and close.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { WatchEvent } from '../../src/env/coordination.js';
import { EtcdCoordination } from '../../src/env/etcd-coordination.js';
import { EtcdWatches } from '../../src/env/etcd-watch.js';
import { etcdUnavailableReason, startEtcd, type TestEtcd } from '../support/etcd.js';

const skip = etcdUnavailableReason() ?? false;
const opts = { skip, timeout: 120_000 };
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (b: Uint8Array): string => Buffer.from(b).toString();
const MAX = 64 * 1024 * 1024;
let etcd: TestEtcd;

before(async () => { if (!skip) etcd = await startEtcd(3); });
after(async () => { await etcd?.stop(); });

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  assert.ok(condition(), what);
}

type Seen = { revision: number; events: string[] };
const describe = (events: readonly WatchEvent[]): string[] => events.map((e) => `${e.type} ${text(e.entry.key)}=${text(e.entry.value)}@${e.entry.modRevision}`);

test('events from a past revision and then live ones, one call per revision in order, puts and deletes, nothing after close', opts, async () => {
  const store = new EtcdCoordination(etcd.endpoints);
  const watches = new EtcdWatches(etcd.endpoints, { maxMessageBytes: MAX });
  try {
    const first = await store.transaction([], [{ type: 'put', key: bytes('w1/a'), value: bytes('1') }]);
    await store.transaction([], [{ type: 'put', key: bytes('w1/b'), value: bytes('2') }, { type: 'put', key: bytes('w1/c'), value: bytes('3') }]);
    await store.transaction([], [{ type: 'put', key: bytes('w0/outside'), value: bytes('x') }]);
    const seen: Seen[] = [];
    const errors: Error[] = [];
    const watch = await watches.watch(bytes('w1/'), bytes('w10'), first.revision - 1,
      (events, revision) => seen.push({ revision, events: describe(events) }), (error) => errors.push(error));
    const last = await store.transaction([], [{ type: 'delete', from: bytes('w1/a') }]);
    await until(() => seen.length === 3, 'three revisions seen');
    assert.deepEqual(seen, [
      { revision: first.revision, events: [`put w1/a=1@${first.revision}`] },
      { revision: first.revision + 1, events: [`put w1/b=2@${first.revision + 1}`, `put w1/c=3@${first.revision + 1}`] },
      { revision: last.revision, events: [`delete w1/a=@${last.revision}`] },
    ]);
    await watch.close();
    await store.transaction([], [{ type: 'put', key: bytes('w1/d'), value: bytes('4') }]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(seen.length, 3, 'nothing after close');
    assert.deepEqual(errors, [], 'close is not an error');
  } finally {
    watches.close();
    await store.close();
  }
});

test('a watch from a compacted revision ends with an error naming the compaction', opts, async () => {
  const store = new EtcdCoordination(etcd.endpoints);
  const watches = new EtcdWatches(etcd.endpoints, { maxMessageBytes: MAX });
  try {
    const old = await store.transaction([], [{ type: 'put', key: bytes('w2/a'), value: bytes('1') }]);
    const newer = await store.transaction([], [{ type: 'put', key: bytes('w2/a'), value: bytes('2') }]);
    await store.compact(newer.revision);
    const errors: Error[] = [];
    const seen: number[] = [];
    let failure: Error | null = null;
    await watches.watch(bytes('w2/'), bytes('w20'), old.revision - 1, (_events, revision) => seen.push(revision), (error) => errors.push(error))
      .catch((error: Error) => { failure = error; });
    await until(() => errors.length > 0 || failure !== null, 'the compaction is reported');
    const reported = failure ?? errors[0]!;
    assert.match(reported.message, /compacted/);
    assert.deepEqual(seen, [], 'no events from a compacted start');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(errors.length <= 1, 'reported once');
  } finally {
    watches.close();
    await store.close();
  }
});

test('the member under a watch is killed: the watch reports it once, and a new watch (on another member) misses nothing', opts, async () => {
  const store = new EtcdCoordination(etcd.endpoints);
  // Watches start on member 0, the one killed.
  const watches = new EtcdWatches(etcd.endpoints, { maxMessageBytes: MAX, firstMember: 0 });
  try {
    const seen: string[] = [];
    const errors: Error[] = [];
    const start = await store.transaction([], [{ type: 'put', key: bytes('w3/a'), value: bytes('1') }]);
    let delivered = start.revision - 1;
    const onEvents = (events: readonly WatchEvent[], revision: number) => {
      seen.push(...describe(events));
      delivered = revision;
    };
    await watches.watch(bytes('w3/'), bytes('w30'), delivered, onEvents, (error) => errors.push(error));
    await until(() => seen.length === 1, 'the first event');
    await etcd.kill(0);
    await until(() => errors.length === 1, 'the broken stream is reported');
    const during = await store.transaction([], [{ type: 'put', key: bytes('w3/b'), value: bytes('2') }]);
    // As the journal follower does: watch again from the last revision it delivered.
    const again = await watches.watch(bytes('w3/'), bytes('w30'), delivered, onEvents, (error) => errors.push(error));
    await store.transaction([], [{ type: 'put', key: bytes('w3/c'), value: bytes('3') }]);
    await until(() => seen.length === 3, 'the events during and after the break');
    assert.deepEqual(seen.slice(1), [`put w3/b=2@${during.revision}`, `put w3/c=3@${during.revision + 1}`]);
    assert.equal(errors.length, 1, 'reported once');
    await again.close();
  } finally {
    watches.close();
    await store.close();
    await etcd.restart(0);
  }
});

test('closing the watch client ends every open watch without reporting errors', opts, async () => {
  const store = new EtcdCoordination(etcd.endpoints);
  const watches = new EtcdWatches(etcd.endpoints, { maxMessageBytes: MAX });
  const errors: Error[] = [];
  // From the current revision: an earlier test compacted the history, and a watch from a
  // compacted revision is cancelled by etcd — an error that could race the close below.
  const { revision } = await store.transaction([], [{ type: 'put', key: bytes('w4/a'), value: bytes('1') }]);
  await store.close();
  await watches.watch(bytes('w4/'), bytes('w40'), revision, () => {}, (error) => errors.push(error));
  await watches.watch(bytes('w5/'), bytes('w50'), revision, () => {}, (error) => errors.push(error));
  watches.close();
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(errors, []);
  await assert.rejects(watches.watch(bytes('w6/'), bytes('w60'), 0, () => {}, () => {}), /closed/);
});
