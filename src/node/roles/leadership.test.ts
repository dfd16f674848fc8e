import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryCoordination } from '../../env/coordination.js';
import { FakeClock, FakeTimers } from '../../sim/fake-clock.js';
import { campaign, observeKey, type HolderLiveness, type Leadership } from './leadership.js';

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
  void campaign(coordination, timers, 'leader', 'b:1', 60, () => false, probe.liveness).then((l) => { second.won = l; });
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
  void campaign(coordination, timers, 'leader', 'b:1', 60, () => false, probe.liveness).then((l) => { standby.won = l; });
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
