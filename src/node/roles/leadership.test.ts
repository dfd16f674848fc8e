import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryCoordination, type Coordination } from '../../env/coordination.js';
import { FakeClock, FakeTimers } from '../../sim/fake-clock.js';
import { campaign, observeKey, observePrefix, register, type HolderLiveness, type Leadership } from './leadership.js';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setUp() {
  const coordination = new MemoryCoordination((task) => queueMicrotask(task));
  const timers = new FakeTimers(new FakeClock());
  return { coordination, timers };
}

/** A liveness signal the test fires by hand, recording which holders it was asked about. */
function manualLiveness(): { liveness: HolderLiveness; asked: string[]; fire(): void } {
  const asked: string[] = [];
  let fire = () => {};
  return {
    asked,
    fire: () => fire(),
    liveness: (value) => {
      asked.push(value);
      return { down: new Promise<void>((resolve) => { fire = resolve; }), cancel: () => {} };
    },
  };
}

test('a standby takes over when the leader lease is lost, with a later fence revision', async () => {
  const { coordination, timers } = setUp();
  const first = await campaign(coordination, timers, 'leader', 'a:1', 1, () => false);
  assert.ok(first);
  const second: { won?: Leadership | null } = {};
  void campaign(coordination, timers, 'leader', 'b:1', 1, () => false).then((l) => { second.won = l; });
  await settle();
  assert.equal(second.won, undefined, 'the standby waits while the leader holds the key');
  await first.lease.revoke();
  for (let i = 0; i < 10 && second.won === undefined; i++) await settle();
  const won = second.won as Leadership | null | undefined;
  assert.ok(won && won.createRevision > first.createRevision);
});

test('a standby that sees the leader gone deletes its key and leads before the lease runs out', async () => {
  const { coordination, timers } = setUp();
  const first = await campaign(coordination, timers, 'leader', 'a:1', 60, () => false);
  assert.ok(first);
  const seen: (string | null)[] = [];
  const observer = await observeKey(coordination, timers, 'leader', (value) => seen.push(value));
  const probe = manualLiveness();
  const second: { won?: Leadership | null } = {};
  void campaign(coordination, timers, 'leader', 'b:1', 60, () => false, { liveness: probe.liveness }).then((l) => { second.won = l; });
  await settle();
  assert.deepEqual(probe.asked, ['a:1'], 'the standby watches the holder named in the key');
  assert.equal(second.won, undefined);
  probe.fire();
  for (let i = 0; i < 10 && second.won === undefined; i++) await settle();
  const won = second.won as Leadership | null | undefined;
  assert.ok(won && won.createRevision > first.createRevision, 'the standby leads with a new fence revision');
  let firstLost = false;
  void first.lease.lost.then(() => { firstLost = true; });
  await settle();
  assert.equal(firstLost, false, "the old leader's lease is still alive: only its key (its fence) is gone");
  assert.deepEqual(seen, ['a:1', null, 'b:1']);
  await observer.close();
});

test('a liveness report about a holder that was already replaced deletes nothing', async () => {
  const { coordination, timers } = setUp();
  const first = await campaign(coordination, timers, 'leader', 'a:1', 60, () => false);
  assert.ok(first);
  const probe = manualLiveness();
  const standby: { won?: Leadership | null } = {};
  void campaign(coordination, timers, 'leader', 'b:1', 60, () => false, { liveness: probe.liveness }).then((l) => { standby.won = l; });
  await settle();
  // The leader goes and a third node takes over before the standby acts on its report.
  await first.lease.revoke();
  const third = await campaign(coordination, timers, 'leader', 'c:1', 60, () => false);
  assert.ok(third);
  probe.fire();
  for (let i = 0; i < 10; i++) await settle();
  assert.equal(standby.won, undefined, 'the third node still leads');
  const seen: (string | null)[] = [];
  const observer = await observeKey(coordination, timers, 'leader', (value) => seen.push(value));
  assert.deepEqual(seen, ['c:1']);
  await observer.close();
});

test('a node started again while its earlier incarnation\'s key lives takes the key at once when it holds the address alone', async () => {
  const { coordination, timers } = setUp();
  // The earlier incarnation of a:1: killed, its lease (a minute) still running.
  const earlier = await campaign(coordination, timers, 'leader', 'a:1', 60, () => false);
  assert.ok(earlier);
  const restarted: { won?: Leadership | null } = {};
  void campaign(coordination, timers, 'leader', 'a:1', 60, () => false, { valueHeldExclusively: true }).then((l) => { restarted.won = l; });
  for (let i = 0; i < 10 && restarted.won === undefined; i++) await settle();
  const won = restarted.won as Leadership | null | undefined;
  assert.ok(won && won.createRevision > earlier.createRevision, 'the restarted node leads with a new fence revision');
  // Another node's key is never taken so, and without the option a node waits as any standby.
  const other: { won?: Leadership | null } = {};
  void campaign(coordination, timers, 'leader', 'b:1', 60, () => false, { valueHeldExclusively: true }).then((l) => { other.won = l; });
  const sameValue: { won?: Leadership | null } = {};
  void campaign(coordination, timers, 'leader', 'a:1', 60, () => false).then((l) => { sameValue.won = l; });
  for (let i = 0; i < 10; i++) await settle();
  assert.equal(other.won, undefined, 'b:1 waits for a:1');
  assert.equal(sameValue.won, undefined, 'without the option, the same value waits too');
  const seen: (string | null)[] = [];
  const observer = await observeKey(coordination, timers, 'leader', (value) => seen.push(value));
  assert.deepEqual(seen, ['a:1']);
  await observer.close();
});

/** A MemoryCoordination that counts the calls a standby makes and records where its watches start. */
function counted(coordination: MemoryCoordination) {
  const calls = { transaction: 0, range: 0, watch: 0, watchFrom: [] as number[] };
  const wrapped: Coordination = {
    transaction: (c, o) => { calls.transaction++; return coordination.transaction(c, o); },
    range: (from, to, options) => { calls.range++; return coordination.range(from, to, options); },
    watch: (from, to, after, onEvents, onError) => { calls.watch++; calls.watchFrom.push(after); return coordination.watch(from, to, after, onEvents, onError); },
    grantLease: () => coordination.grantLease(),
    compact: (revision) => coordination.compact(revision),
    close: () => coordination.close(),
  };
  return { calls, wrapped };
}

test('a waiting standby reads the key once a second and keeps its one watch, which starts where it read the holder', async () => {
  const { coordination, timers } = setUp();
  const first = await campaign(coordination, timers, 'leader', 'a:1', 60, () => false);
  assert.ok(first);
  // Later writes: the holder's own revision is now far behind the store's.
  for (let i = 0; i < 5; i++) await coordination.transaction([], [{ type: 'put', key: new TextEncoder().encode(`journal/${i}`), value: new Uint8Array(1) }]);
  const { calls, wrapped } = counted(coordination);
  const standby: { won?: Leadership | null } = {};
  void campaign(wrapped, timers, 'leader', 'b:1', 60, () => false).then((l) => { standby.won = l; });
  await settle();
  assert.deepEqual(calls.watchFrom, [first.createRevision + 5], 'the watch starts at the revision the holder was read at');
  for (let second = 0; second < 5; second++) {
    timers.advance(1_000_000);
    await settle();
  }
  assert.equal(standby.won, undefined);
  assert.deepEqual({ transaction: calls.transaction, range: calls.range, watch: calls.watch }, { transaction: 1, range: 1 + 5, watch: 1 },
    'one campaign attempt and one watch; each recheck is one read');
  await first.lease.revoke();
  for (let i = 0; i < 10 && standby.won === undefined; i++) await settle();
  assert.ok((standby.won as Leadership | null | undefined)?.createRevision, 'the watch still sees the key go');
});

test('a waiting standby whose recheck finds the key held by someone else campaigns again', async () => {
  const { coordination, timers } = setUp();
  const first = await campaign(coordination, timers, 'leader', 'a:1', 60, () => false);
  assert.ok(first);
  const { calls, wrapped } = counted(coordination);
  // A watch that never delivers (a stalled member): only the recheck can notice the change.
  const stalled: Coordination = { ...wrapped, watch: (from, to, after) => { calls.watch++; calls.watchFrom.push(after); return Promise.resolve({ close: () => Promise.resolve() }); } };
  const standby: { won?: Leadership | null } = {};
  void campaign(stalled, timers, 'leader', 'b:1', 60, () => false).then((l) => { standby.won = l; });
  await settle();
  await first.lease.revoke();
  const third = await campaign(coordination, timers, 'leader', 'c:1', 60, () => false);
  assert.ok(third);
  timers.advance(1_000_000);
  for (let i = 0; i < 5; i++) await settle();
  assert.equal(calls.transaction, 2, 'the recheck saw a new holder and campaigned again');
  assert.equal(calls.watch, 2);
  await third.lease.revoke();
  timers.advance(1_000_000);
  for (let i = 0; i < 10 && standby.won === undefined; i++) await settle();
  assert.ok((standby.won as Leadership | null | undefined)?.createRevision, 'it leads once the key is gone');
});

test('observePrefix: the keys under a prefix, read once, then followed by the watch; a broken watch is replaced by a new read', async () => {
  const { coordination, timers } = setUp();
  const put = (key: string, value: string) => coordination.transaction([], [{ type: 'put', key: new TextEncoder().encode(key), value: new TextEncoder().encode(value) }]);
  const del = (key: string) => coordination.transaction([], [{ type: 'delete', from: new TextEncoder().encode(key) }]);
  await put('nodes/a', '1');
  await put('other', 'x');
  const { calls, wrapped } = counted(coordination);
  const errors: ((error: Error) => void)[] = [];
  const breakable: Coordination = { ...wrapped, watch: (from, to, after, onEvents, onError) => { errors.push(onError); return wrapped.watch(from, to, after, onEvents, onError); } };
  const views: string[] = [];
  const observer = observePrefix(breakable, timers, 'nodes/', (entries) => views.push([...entries].map(([k, v]) => `${k}=${v}`).sort().join(',')));
  await settle();
  await put('nodes/b', '2');
  await settle();
  await del('nodes/a');
  await settle();
  assert.deepEqual(views, ['nodes/a=1', 'nodes/a=1,nodes/b=2', 'nodes/b=2']);
  assert.equal(calls.range, 1);
  errors[0]!(new Error('stream broken'));
  await put('nodes/c', '3');
  await settle();
  assert.equal(views.length, 3, 'nothing while the watch is down');
  timers.advance(200_000);
  for (let i = 0; i < 5; i++) await settle();
  assert.deepEqual(views.slice(3), ['nodes/b=2,nodes/c=3'], 'a fresh read after the break');
  await put('nodes/d', '4');
  await settle();
  assert.deepEqual(views.slice(4), ['nodes/b=2,nodes/c=3,nodes/d=4'], 'and the new watch follows');
  assert.deepEqual({ range: calls.range, watch: calls.watch }, { range: 2, watch: 2 });
  await observer.close();
  await put('nodes/e', '5');
  await settle();
  assert.equal(views.length, 5, 'nothing after close');
});

test('a registration whose lease is lost while the process runs is put again on a new lease, until it is revoked', async () => {
  const { coordination, timers } = setUp();
  const key = new TextEncoder().encode('nodes/qp-1');
  const value = async (): Promise<string | undefined> => {
    const read = await coordination.range(key, new TextEncoder().encode('nodes/qp-1\0'));
    return read.entries[0] === undefined ? undefined : new TextDecoder().decode(read.entries[0].value);
  };
  // The first attempt after the loss fails (etcd unreachable): it is tried again.
  let failNext = false;
  const flaky: Coordination = Object.create(coordination) as Coordination;
  flaky.grantLease = () => {
    if (failNext) { failNext = false; return Promise.reject(new Error('etcd unreachable')); }
    return coordination.grantLease();
  };
  const lost: string[] = [];
  const registration = await register(flaky, timers, 'nodes/qp-1', '{"role":"qp"}', 2, (message) => lost.push(message));
  const first = registration.lease;
  assert.equal(await value(), '{"role":"qp"}');

  failNext = true;
  coordination.expireLease(first.id);
  await settle();
  assert.equal(await value(), undefined, 'the key went with the lease');
  timers.advance(250_000);
  await settle();
  assert.equal(await value(), undefined, 'the first attempt failed');
  timers.advance(250_000);
  for (let i = 0; i < 5; i++) await settle();
  assert.equal(await value(), '{"role":"qp"}', 'registered again');
  assert.notEqual(registration.lease.id, first.id, 'on a new lease');
  assert.equal(lost.length, 2, lost.join('; '));

  // Lost again: registered again (the new lease is kept too).
  coordination.expireLease(registration.lease.id);
  await settle();
  timers.advance(250_000);
  for (let i = 0; i < 5; i++) await settle();
  assert.equal(await value(), '{"role":"qp"}');

  // Revoked: gone for good.
  await registration.revoke();
  await settle();
  timers.advance(1_000_000);
  for (let i = 0; i < 5; i++) await settle();
  assert.equal(await value(), undefined);
});
