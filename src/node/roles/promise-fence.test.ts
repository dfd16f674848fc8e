import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryCoordination } from '../../env/coordination.js';
import { FakeClock, FakeTimers } from '../../sim/fake-clock.js';
import { LocalAdjudicator } from '../../adjudicator/adjudicator.js';
import type { Journal, JournalRecord } from '../../contracts/journal.js';
import type { NoticeSource } from './notice-streams.js';
import { campaign } from './leadership.js';
import { PromiseFence } from './promise-fence.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};
const KEY = 'strata/test/adjudicator/leader';
const INTERVAL_MS = 50;
const VALIDITY_US = 300_000;

/** A journal that holds nothing and takes every append: the successor here only takes over. */
const emptyJournal: Journal = {
  durablePosition: 0,
  append: (records: readonly JournalRecord[]) => Promise.resolve(records.length),
  replay: () => Promise.resolve(),
  trim: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

/** A leader that would promise anything: only the fence holds it back. */
const boundlessSource: NoticeSource = {
  epoch: 1, published: 0,
  watermark: () => Number.MAX_SAFE_INTEGER,
  decidedWatermark: () => Number.MAX_SAFE_INTEGER,
  decisionsInFlight: () => [],
  lastIssued: () => 0,
  reserveCovered: (_key, through) => through,
  promiseDecided: () => Number.MAX_SAFE_INTEGER,
};

test('a leader deposed while alive promises nothing its successor can commit at', async () => {
  const clock = new FakeClock();
  clock.errorBoundUs = 2_000;
  const timers = new FakeTimers(clock);
  const coordination = new MemoryCoordination((task) => queueMicrotask(task));
  const old = await campaign(coordination, timers, KEY, 'old:1', 3, () => false);
  assert.ok(old);
  const deposed: string[] = [];
  const fence = new PromiseFence({
    coordination, clock, timers, key: new TextEncoder().encode(KEY), createRevision: old.createRevision,
    intervalMs: INTERVAL_MS, validityUs: VALIDITY_US, onDeposed: (reason) => deposed.push(reason),
  });
  await fence.start();
  const fenced = fence.fence(boundlessSource);
  let highestPromise = 0;
  const promise = () => {
    const through = clock.now().latest + 50_000;
    highestPromise = Math.max(highestPromise, fenced.watermark(), fenced.decidedWatermark(), fenced.reserveCovered(new Uint8Array(), through), fenced.promiseDecided(through));
  };
  for (let i = 0; i < 5; i++) {
    promise();
    timers.advance(INTERVAL_MS * 1000);
    await settle();
  }
  const beforeDeposition = fence.promisableThrough();
  assert.ok(beforeDeposition > clock.now().latest, 'a confirmed leader promises ahead of the clock');

  // A standby sees the leader as gone (it is not) and takes over at once.
  await coordination.transaction([], [{ type: 'delete', from: new TextEncoder().encode(KEY) }]);
  const successor = await campaign(coordination, timers, KEY, 'new:1', 3, () => false);
  assert.ok(successor && successor.createRevision > old.createRevision);
  const adjudicator = new LocalAdjudicator({ clock, timers, journal: emptyJournal, publish: () => Promise.resolve(),
    maxReservationUs: 50_000, takeoverGapUs: VALIDITY_US });
  await adjudicator.takeOver(emptyJournal);
  const firstCommitAbove = adjudicator.stats().lastIssued;

  // The old leader keeps streaming until its next confirmation finds the key taken.
  promise();
  timers.advance(INTERVAL_MS * 1000);
  await settle();
  promise();
  assert.equal(deposed.length, 1, 'the next confirmation deposes the old leader');
  assert.match(deposed[0]!, /taken over/);
  assert.equal(fence.promisableThrough(), beforeDeposition, 'a deposed leader promises no further');
  timers.advance(10 * INTERVAL_MS * 1000);
  await settle();
  promise();
  assert.ok(highestPromise <= firstCommitAbove,
    `every promise of the deposed leader (${highestPromise}) is below the successor's commits (> ${firstCommitAbove})`);
  fence.stop();
  await adjudicator.close();
});

test('promises stall, not overreach, while the coordination store cannot confirm', async () => {
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  const coordination = new MemoryCoordination((task) => queueMicrotask(task));
  const leader = await campaign(coordination, timers, KEY, 'a:1', 3, () => false);
  assert.ok(leader);
  const problems: string[] = [];
  const fence = new PromiseFence({
    coordination, clock, timers, key: new TextEncoder().encode(KEY), createRevision: leader.createRevision,
    intervalMs: INTERVAL_MS, validityUs: VALIDITY_US, onDeposed: () => assert.fail('not deposed'), onProblem: (m) => problems.push(m),
  });
  await fence.start();
  const confirmed = fence.promisableThrough();
  const transaction = coordination.transaction.bind(coordination);
  coordination.transaction = () => Promise.reject(new Error('etcd unreachable'));
  for (let i = 0; i < 20; i++) {
    timers.advance(INTERVAL_MS * 1000);
    await settle();
  }
  assert.equal(fence.promisableThrough(), confirmed);
  assert.ok(fence.fence(boundlessSource).watermark() < clock.now().earliest, 'the watermark falls behind the clock');
  assert.ok(problems.length > 0);
  coordination.transaction = transaction;
  timers.advance(INTERVAL_MS * 1000);
  await settle();
  assert.ok(fence.promisableThrough() > clock.now().earliest, 'a confirmation moves it on again');
  fence.stop();
});

test('fenced appends confirm the leadership as of when they were sent: no read while they come, reads again when they stop', async () => {
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  const coordination = new MemoryCoordination((task) => queueMicrotask(task));
  const leader = await campaign(coordination, timers, KEY, 'a:1', 3, () => false);
  assert.ok(leader);
  const key = new TextEncoder().encode(KEY);
  const deposed: string[] = [];
  const fence = new PromiseFence({
    coordination, clock, timers, key, createRevision: leader.createRevision,
    intervalMs: INTERVAL_MS, validityUs: VALIDITY_US, onDeposed: (reason) => deposed.push(reason),
  });
  await fence.start();
  assert.equal(fence.reads, 1);
  const journal = fence.confirming(coordination);
  const fenced = { key, target: 'create' as const, op: '==' as const, revision: leader.createRevision };
  let n = 0;
  const append = (comparisons: Parameters<typeof journal.transaction>[0]) =>
    journal.transaction(comparisons, [{ type: 'put', key: new TextEncoder().encode(`journal/${n++}`), value: new Uint8Array(1) }]);
  for (let i = 0; i < 20; i++) {
    timers.advance(10_000);
    const sent = clock.now().earliest;
    await append([fenced]);
    assert.equal(fence.promisableThrough(), sent + VALIDITY_US, 'an append confirms as of when it was sent');
    await settle();
  }
  assert.equal(fence.reads, 1, 'no read while appends confirm');
  // Neither an unfenced transaction nor one whose compare failed confirms anything.
  timers.advance(10_000);
  const through = fence.promisableThrough();
  await append([]);
  await append([fenced, { key, target: 'create', op: '==', revision: leader.createRevision + 100 }]);
  assert.equal(fence.promisableThrough(), through);
  // Appends stop: the reads come back, one an interval.
  timers.advance(INTERVAL_MS * 1000);
  await settle();
  timers.advance(INTERVAL_MS * 1000);
  await settle();
  assert.ok(fence.reads >= 2);
  assert.ok(fence.promisableThrough() > through);
  // And they still find a deposition.
  await coordination.transaction([], [{ type: 'delete', from: key }]);
  timers.advance(INTERVAL_MS * 1000);
  await settle();
  assert.equal(deposed.length, 1);
  fence.stop();
});
