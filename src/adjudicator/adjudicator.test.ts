import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommitOutcome, CommitRequest } from '../contracts/adjudicator.js';
import type { Journal, JournalPosition, JournalRecord } from '../contracts/journal.js';
import { FakeClock, FakeTimers } from '../sim/fake-clock.js';
import { LocalAdjudicator, type LocalAdjudicatorOptions } from './adjudicator.js';

const key = (text: string): Uint8Array => new TextEncoder().encode(text);

/** An in-memory journal whose appends complete automatically or when the test says so. */
class ControlledJournal implements Journal {
  readonly records: JournalRecord[] = [];
  auto = true;
  appendCalls = 0;
  private assigned = 0;
  private durable = 0;
  readonly pending: { records: readonly JournalRecord[]; position: number; resolve: (p: number) => void; reject: (e: Error) => void }[] = [];

  get durablePosition(): JournalPosition {
    return this.durable;
  }
  append(records: readonly JournalRecord[]): Promise<JournalPosition> {
    this.appendCalls++;
    this.assigned += records.length;
    const position = this.assigned;
    if (this.auto) {
      this.records.push(...records);
      this.durable = position;
      return Promise.resolve(position);
    }
    return new Promise((resolve, reject) => this.pending.push({ records, position, resolve, reject }));
  }
  /** Completes the pending append at `index` (0 = oldest). */
  complete(index = 0): void {
    const [append] = this.pending.splice(index, 1);
    assert.ok(append, 'an append is pending');
    this.records.push(...append.records);
    this.durable = Math.max(this.durable, append.position);
    append.resolve(append.position);
  }
  failNext(): void {
    this.pending.shift()!.reject(new Error('disk on fire'));
  }
  async replay(after: JournalPosition, onRecord: (record: JournalRecord, position: JournalPosition) => void): Promise<void> {
    this.records.slice(after).forEach((record, i) => onRecord(record, after + i + 1));
  }
  async trim(): Promise<void> {}
  async close(): Promise<void> {}
}

interface Harness {
  clock: FakeClock;
  timers: FakeTimers;
  journal: ControlledJournal;
  published: { records: readonly JournalRecord[]; position: number }[];
  adjudicator: LocalAdjudicator;
  options: LocalAdjudicatorOptions;
}

function harness(extra: Partial<LocalAdjudicatorOptions> = {}, journal = new ControlledJournal(), clock = new FakeClock()): Harness {
  const timers = new FakeTimers(clock);
  const published: Harness['published'] = [];
  const options: LocalAdjudicatorOptions = {
    clock, timers, journal,
    publish: async (records, position) => { published.push({ records, position }); },
    ...extra,
  };
  return { clock, timers, journal, published, adjudicator: new LocalAdjudicator(options), options };
}

let transactionCount = 0;
/** A commit request; each gets its own transaction id unless the test names one. */
function request(start: number, writes: string[], extra: { locks?: string[]; shares?: string[]; schema?: string[]; id?: string } = {}): CommitRequest {
  return {
    transactionId: extra.id ?? `tx-${++transactionCount}`,
    startTimestamp: start,
    writes: writes.map((k) => ({ key: key(k), value: key(`value of ${k}`) })),
    lockKeys: (extra.locks ?? []).map(key),
    keyShareKeys: (extra.shares ?? []).map(key),
    schemaKeys: (extra.schema ?? []).map(key),
  };
}

/** Lets queued I/O callbacks and microtasks run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs virtual time forward in 1 ms steps until every promise has settled. */
async function finish<T>(h: Harness, promises: Promise<T>[]): Promise<T[]> {
  let done = false;
  const all = Promise.all(promises).finally(() => { done = true; });
  for (let step = 0; step < 10_000 && !done; step++) {
    await settle();
    if (!done) h.timers.advance(1000);
  }
  assert.ok(done, 'every commit settled');
  return all;
}

async function commitNow(h: Harness, r: CommitRequest): Promise<CommitOutcome> {
  return (await finish(h, [h.adjudicator.commit(r)]))[0]!;
}

// Data-driven conflict cases: each step commits and is awaited in order. `start: 'T0'` is the
// start taken before any step; 'now' is a start taken just before the step.
interface Step { start: 'T0' | 'now'; writes?: string[]; locks?: string[]; shares?: string[]; schema?: string[]; expect: CommitOutcome['kind'] }
const conflictCases: { name: string; steps: Step[] }[] = [
  { name: 'write/write: first committer wins', steps: [
    { start: 'T0', writes: ['a'], expect: 'committed' },
    { start: 'T0', writes: ['a'], expect: 'data-conflict' },
  ] },
  { name: 'disjoint keys do not conflict', steps: [
    { start: 'T0', writes: ['a'], expect: 'committed' },
    { start: 'T0', writes: ['b'], expect: 'committed' },
  ] },
  { name: 'a transaction that started after the commit does not conflict', steps: [
    { start: 'T0', writes: ['a'], expect: 'committed' },
    { start: 'now', writes: ['a'], expect: 'committed' },
  ] },
  { name: 'one key among many conflicts', steps: [
    { start: 'T0', writes: ['a', 'b', 'c'], expect: 'committed' },
    { start: 'T0', writes: ['x', 'y', 'c'], expect: 'data-conflict' },
    { start: 'T0', writes: ['x', 'y'], expect: 'committed' },
  ] },
  { name: 'a locked row conflicts with a later concurrent writer', steps: [
    { start: 'T0', locks: ['a'], writes: ['z'], expect: 'committed' },
    { start: 'T0', writes: ['a'], expect: 'data-conflict' },
  ] },
  { name: 'a lock conflicts with an earlier concurrent write', steps: [
    { start: 'T0', writes: ['a'], expect: 'committed' },
    { start: 'T0', locks: ['a'], writes: ['z'], expect: 'data-conflict' },
  ] },
  // Foreign-key checks share a referenced row's key-lock key; deletes and key changes lock it.
  { name: 'a key share conflicts with a concurrent lock committed first', steps: [
    { start: 'T0', writes: ['parent:1'], locks: ['keylock:1'], expect: 'committed' },
    { start: 'T0', writes: ['child:1'], shares: ['keylock:1'], expect: 'data-conflict' },
  ] },
  { name: 'a lock conflicts with a concurrent key share committed first', steps: [
    { start: 'T0', writes: ['child:1'], shares: ['keylock:1'], expect: 'committed' },
    { start: 'T0', writes: ['parent:1'], locks: ['keylock:1'], expect: 'data-conflict' },
  ] },
  { name: 'key shares do not conflict with each other nor with writes of other keys', steps: [
    { start: 'T0', writes: ['child:1'], shares: ['keylock:1'], expect: 'committed' },
    { start: 'T0', writes: ['child:2'], shares: ['keylock:1'], expect: 'committed' },
    { start: 'T0', writes: ['parent:1'], expect: 'committed' },
    { start: 'T0', writes: ['child:3'], shares: ['keylock:1'], expect: 'committed' },
  ] },
  { name: 'a refused key share records nothing', steps: [
    { start: 'T0', writes: ['a'], expect: 'committed' },
    { start: 'T0', writes: ['a'], shares: ['keylock:1'], expect: 'data-conflict' },
    { start: 'T0', writes: ['parent:1'], locks: ['keylock:1'], expect: 'committed' },
  ] },
  { name: 'a DDL changes the schema key: concurrent users of the table get a schema conflict', steps: [
    { start: 'T0', writes: ['schema:t'], schema: ['schema:t'], expect: 'committed' },
    { start: 'T0', writes: ['row:t:1'], schema: ['schema:t'], expect: 'schema-conflict' },
  ] },
  { name: 'schema keys are checked, not written', steps: [
    { start: 'T0', writes: ['row:t:1'], schema: ['schema:t'], expect: 'committed' },
    { start: 'T0', writes: ['row:t:2'], schema: ['schema:t'], expect: 'committed' },
    { start: 'T0', writes: ['schema:t'], schema: ['schema:t'], expect: 'committed' },
  ] },
  { name: 'a refused commit records nothing', steps: [
    { start: 'T0', writes: ['a'], expect: 'committed' },
    { start: 'T0', writes: ['a', 'b'], expect: 'data-conflict' },
    { start: 'T0', writes: ['b'], expect: 'committed' },
  ] },
];

for (const { name, steps } of conflictCases) {
  test(`conflicts: ${name}`, async () => {
    const h = harness();
    const t0 = h.clock.now().latest;
    const outcomes: string[] = [];
    for (const step of steps) {
      h.timers.advance(10);
      const start = step.start === 'T0' ? t0 : h.clock.now().latest;
      const outcome = await commitNow(h, request(start, step.writes ?? [], { locks: step.locks, shares: step.shares, schema: step.schema }));
      outcomes.push(outcome.kind);
    }
    assert.deepEqual(outcomes, steps.map((s) => s.expect));
  });
}

test('a transaction older than the horizon is too old', async () => {
  const h = harness({ maxTransactionAgeUs: 300_000_000 });
  const start = h.clock.now().latest;
  h.timers.advance(299_000_000);
  assert.equal((await commitNow(h, request(start, ['a']))).kind, 'committed');
  h.timers.advance(2_000_000);
  assert.deepEqual(await commitNow(h, request(start, ['b'])), { kind: 'too-old' });
});

test('commit timestamps strictly increase and follow the start, with pipelined commits', async () => {
  const h = harness();
  const now = h.clock.now().latest;
  const starts = Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? now + 5_000 : now - i));
  const outcomes = await finish(h, starts.map((start, i) => h.adjudicator.commit(request(start, [`k${i}`]))));
  let previous = 0;
  outcomes.forEach((outcome, i) => {
    assert.equal(outcome.kind, 'committed');
    if (outcome.kind !== 'committed') return;
    assert.ok(outcome.commitTimestamp > previous, 'strictly increasing');
    assert.ok(outcome.commitTimestamp > starts[i]!, 'after the start');
    assert.ok(outcome.commitTimestamp <= h.clock.now().earliest, 'acknowledged only after commit wait');
    previous = outcome.commitTimestamp;
  });
});

test('decisions made in one turn share one journal append (group commit), within the batch bound', async () => {
  const h = harness({ maxBatchRecords: 10 });
  const start = h.clock.now().latest;
  const outcomes = await finish(h, Array.from({ length: 50 }, (_, i) => h.adjudicator.commit(request(start, [`k${i}`]))));
  assert.ok(outcomes.every((o) => o.kind === 'committed'));
  assert.equal(h.journal.appendCalls, 5);
  assert.deepEqual(h.published.map((p) => p.position), [10, 20, 30, 40, 50]);
});

test('pipelined commits see each other before the journal append completes', async () => {
  const h = harness();
  h.journal.auto = false;
  const start = h.clock.now().latest;
  const first = h.adjudicator.commit(request(start, ['a']));
  const second = await h.adjudicator.commit(request(start, ['a']));
  assert.equal(second.kind, 'data-conflict');
  await settle();
  assert.equal(h.journal.pending.length, 1);
  h.journal.complete();
  assert.equal((await finish(h, [first]))[0]!.kind, 'committed');
});

test('batches publish in decision order even when the journal completes them out of order', async () => {
  const h = harness();
  h.journal.auto = false;
  const start = h.clock.now().latest;
  const a = h.adjudicator.commit(request(start, ['a'], { id: 'tx-a' }));
  await settle();
  const b = h.adjudicator.commit(request(start, ['b'], { id: 'tx-b' }));
  await settle();
  assert.equal(h.journal.pending.length, 2, 'two appends in flight');
  h.journal.complete(1);
  await settle();
  assert.equal(h.published.length, 0, 'the later batch waits for the earlier one');
  h.journal.complete(0);
  const outcomes = await finish(h, [a, b]);
  // Both are durable by then: consecutive durable batches share one publish (one apply).
  assert.deepEqual(h.published.map((p) => [p.position, p.records.map((r) => r.transactionId)]), [[2, ['tx-a', 'tx-b']]]);
  assert.ok(outcomes.every((o) => o.kind === 'committed'));
});

test('durable batches publish together in order, at most maxBatchRecords records at a time', async () => {
  const h = harness({ maxBatchRecords: 3 });
  h.journal.auto = false;
  const start = h.clock.now().latest;
  const commits: Promise<CommitOutcome>[] = [];
  for (const size of [2, 1, 1, 2]) {
    for (let i = 0; i < size; i++) commits.push(h.adjudicator.commit(request(start, [`k${commits.length}`], { id: `tx-${commits.length}` })));
    await settle();
  }
  assert.equal(h.journal.pending.length, 4, 'one append per turn');
  for (const index of [3, 2, 1]) h.journal.complete(index);
  await settle();
  assert.equal(h.published.length, 0, 'nothing publishes past the first batch, still in flight');
  h.journal.complete(0);
  const outcomes = await finish(h, commits);
  assert.ok(outcomes.every((o) => o.kind === 'committed'));
  assert.deepEqual(h.published.map((p) => [p.position, p.records.map((r) => r.transactionId)]),
    [[3, ['tx-0', 'tx-1', 'tx-2']], [6, ['tx-3', 'tx-4', 'tx-5']]]);
});

test('the appends one journal write makes durable go to storage in one publish', async () => {
  const h = harness();
  h.journal.auto = false;
  const start = h.clock.now().latest;
  const a = h.adjudicator.commit(request(start, ['a']));
  await settle();
  const b = h.adjudicator.commit(request(start, ['b']));
  await settle();
  assert.equal(h.journal.pending.length, 2, 'one append per turn');
  // A journal write resolves the appends it covers one after another, in one callback.
  h.journal.complete(0);
  h.journal.complete(0);
  const outcomes = await finish(h, [a, b]);
  assert.ok(outcomes.every((o) => o.kind === 'committed'));
  assert.deepEqual(h.published.map((p) => p.position), [2]);
});

test('a failed journal append makes the adjudicator unavailable for good', async () => {
  const h = harness();
  h.journal.auto = false;
  const start = h.clock.now().latest;
  const first = h.adjudicator.commit(request(start, ['a']));
  await settle();
  h.journal.failNext();
  const outcome = await first;
  assert.equal(outcome.kind, 'unavailable');
  assert.match(outcome.kind === 'unavailable' ? outcome.reason : '', /journal append failed: disk on fire/);
  h.journal.auto = true;
  const later = await h.adjudicator.commit(request(h.clock.now().latest, ['b']));
  assert.equal(later.kind, 'unavailable');
  assert.deepEqual(h.published, []);
});

test('the watermark never reaches a commit that is not durable and published', async () => {
  const h = harness();
  h.journal.auto = false;
  const heard: number[] = [];
  h.adjudicator.onWatermark((w) => heard.push(w));
  const before = h.adjudicator.watermark();
  assert.equal(before, h.clock.now().earliest - 1, 'idle: the watermark follows the clock');
  const pending = h.adjudicator.commit(request(h.clock.now().latest, ['a']));
  await settle();
  h.timers.advance(1_000_000);
  const commitTimestamp = h.journal.pending[0]!.records[0]!.commitTimestamp;
  assert.ok(h.adjudicator.watermark() < commitTimestamp);
  assert.ok(h.adjudicator.watermark() >= before, 'the watermark never goes back');
  h.journal.complete();
  const [outcome] = await finish(h, [pending]);
  assert.deepEqual(outcome, { kind: 'committed', commitTimestamp });
  assert.equal(heard.length, 1);
  assert.ok(heard[0]! >= commitTimestamp, 'published: the watermark passes the commit');
  // Every later commit gets a timestamp above any watermark given out.
  h.journal.auto = true;
  const w = h.adjudicator.watermark();
  const [next] = await finish(h, [h.adjudicator.commit(request(w - 100, ['b']))]);
  assert.ok(next!.kind === 'committed' && next!.commitTimestamp > w);
});

test('commit wait: no acknowledgement until clock.earliest reaches the commit timestamp', async () => {
  const h = harness();
  h.clock.earliestLagUs = 5_000;
  const start = h.clock.now().latest;
  let outcome: CommitOutcome | undefined;
  void h.adjudicator.commit(request(start, ['a'])).then((o) => { outcome = o; });
  await settle();
  await settle();
  assert.equal(h.published.length, 1, 'durable and published before the wait ends');
  assert.equal(outcome, undefined, 'still waiting');
  const commitTimestamp = h.published[0]!.records[0]!.commitTimestamp;
  assert.equal(commitTimestamp, start + 1);
  for (let i = 0; i < 100 && outcome === undefined; i++) {
    h.timers.advance(1000);
    await settle();
    if (outcome === undefined) assert.ok(h.clock.now().earliest < commitTimestamp, 'acknowledged as soon as earliest passes');
  }
  assert.deepEqual(outcome, { kind: 'committed', commitTimestamp });
  assert.ok(h.clock.now().earliest >= commitTimestamp);
});

test('beyond the in-flight bound commits are refused as unavailable', async () => {
  const h = harness({ maxInFlightCommits: 2 });
  h.journal.auto = false;
  const start = h.clock.now().latest;
  const a = h.adjudicator.commit(request(start, ['a']));
  const b = h.adjudicator.commit(request(start, ['b']));
  const c = await h.adjudicator.commit(request(start, ['c']));
  assert.equal(c.kind, 'unavailable');
  assert.match(c.kind === 'unavailable' ? c.reason : '', /overloaded/);
  await settle();
  h.journal.complete();
  assert.deepEqual((await finish(h, [a, b])).map((o) => o.kind), ['committed', 'committed']);
});

test('a commit bundle beyond the size bound is refused and records nothing', async () => {
  const h = harness({ maxCommitBytes: 1000 });
  const start = h.clock.now().latest;
  const big: CommitRequest = { ...request(start, []), writes: [{ key: key('a'), value: new Uint8Array(2000) }] };
  const outcome = await h.adjudicator.commit(big);
  assert.equal(outcome.kind, 'unavailable');
  assert.match(outcome.kind === 'unavailable' ? outcome.reason : '', /exceeds 1000 bytes/);
  assert.equal((await commitNow(h, request(start, ['a']))).kind, 'committed');
});

test('close refuses new commits and waits for decided ones', async () => {
  const h = harness();
  h.journal.auto = false;
  const pending = h.adjudicator.commit(request(h.clock.now().latest, ['a']));
  await settle();
  let closed = false;
  const closing = h.adjudicator.close().then(() => { closed = true; });
  assert.equal((await h.adjudicator.commit(request(h.clock.now().latest, ['b']))).kind, 'unavailable');
  await settle();
  assert.equal(closed, false);
  h.journal.complete();
  await closing;
  assert.equal((await finish(h, [pending]))[0]!.kind, 'committed');
});

test('prune drops entries beyond the horizon in bounded batches', async () => {
  const h = harness();
  const start = h.clock.now().latest;
  await finish(h, ['a', 'b', 'c'].map((k) => h.adjudicator.commit(request(start, [k]))));
  h.timers.advance(200_000_000);
  await commitNow(h, request(h.clock.now().latest, ['d']));
  h.timers.advance(150_000_000);
  assert.equal(h.adjudicator.stats().conflictMapSize, 4);
  assert.equal(h.adjudicator.prune(2), 2);
  assert.equal(h.adjudicator.prune(), 1);
  assert.equal(h.adjudicator.prune(), 0, 'd is inside the horizon');
  assert.equal(h.adjudicator.stats().conflictMapSize, 1);
});

test('rebuild after a restart warms the conflict map and continues timestamps', async () => {
  const journal = new ControlledJournal();
  const clock = new FakeClock();
  const first = harness({}, journal, clock);
  const oldStart = clock.now().latest;
  await commitNow(first, request(oldStart, ['old']));
  first.timers.advance(200_000_000);
  const t1 = clock.now().latest;
  await finish(first, [first.adjudicator.commit(request(t1, ['a'])), first.adjudicator.commit(request(t1, ['b']))]);
  const lastIssued = first.adjudicator.stats().lastIssued;
  first.timers.advance(150_000_000);

  const restartedClock = new FakeClock(clock.trueTime);
  const second = harness({}, journal, restartedClock);
  second.adjudicator = await LocalAdjudicator.rebuild(second.options);
  assert.equal(second.adjudicator.stats().conflictMapSize, 2, "only commits inside the horizon ('a', 'b')");
  const beforeRestart = await commitNow(second, request(t1, ['c']));
  assert.equal(beforeRestart.kind, 'unavailable', 'a transaction that started before the restart is refused');
  const [outcome] = await finish(second, [second.adjudicator.commit(request(lastIssued, ['a']))]);
  assert.ok(outcome!.kind === 'committed' && outcome!.commitTimestamp > lastIssued);
  assert.equal(journal.records.length, 4);
});

test('a retried commit gets the first outcome and is journaled once, before and after a restart', async () => {
  const journal = new ControlledJournal();
  const clock = new FakeClock();
  const first = harness({}, journal, clock);
  const start = clock.now().latest;
  const once = request(start, ['a'], { id: 'retried' });
  const [a, b] = await finish(first, [first.adjudicator.commit(once), first.adjudicator.commit(once)]);
  assert.equal(a!.kind, 'committed');
  assert.deepEqual(b, a, 'a retry while the first attempt is pending waits for it');
  assert.deepEqual(await commitNow(first, once), a, 'a retry after the answer repeats it');
  assert.equal(journal.records.length, 1);

  const second = harness({}, journal, new FakeClock(clock.trueTime));
  second.adjudicator = await LocalAdjudicator.rebuild(second.options);
  assert.deepEqual(await commitNow(second, once), a, 'a retry to the next leader finds the commit in the journal');
  assert.equal(journal.records.length, 1);
  assert.equal((await commitNow(second, request(start, ['a']))).kind, 'unavailable', 'another transaction with the same writes is not confused with it');
});

test('after a takeover every commit timestamp is above any watermark the old adjudicator could have sent', async () => {
  const journal = new ControlledJournal();
  const clock = new FakeClock();
  clock.errorBoundUs = 5_000;
  const old = harness({}, journal, clock);
  await commitNow(old, request(clock.now().latest, ['a']));
  old.timers.advance(50_000);
  const start = clock.now().latest;
  old.timers.advance(50_000);
  // Idle, the old adjudicator promises storage no commit at or below its watermark.
  const promised = old.adjudicator.watermark();
  assert.ok(promised <= clock.trueTime);
  // A standby on a clock that trails by less than its error bound takes over at once, and a
  // transaction that started after the last commit comes to it.
  const standbyClock = new FakeClock(clock.trueTime - 4_000);
  standbyClock.errorBoundUs = 5_000;
  const next = harness({}, journal, standbyClock);
  next.adjudicator = await LocalAdjudicator.rebuild(next.options);
  const outcome = await commitNow(next, request(start, ['b']));
  assert.ok(outcome.kind === 'committed' && outcome.commitTimestamp > promised, `${JSON.stringify(outcome)} above ${promised}`);
});

test('a standby that learned the journal takes over with only the tail replayed, and decides as the leader would', async () => {
  const journal = new ControlledJournal();
  const clock = new FakeClock();
  const leader = harness({}, journal, clock);
  const start = clock.now().latest;
  await finish(leader, [leader.adjudicator.commit(request(start, ['a'], { id: 'first' })), leader.adjudicator.commit(request(start, ['b']))]);

  const standby = harness({}, new ControlledJournal(), clock);
  // The standby learns the two records the leader journaled so far…
  standby.adjudicator.learn(journal.records.slice(0, 2), 2);
  // …the leader commits once more and dies; the standby takes over on the same journal.
  await commitNow(leader, request(clock.now().latest, ['c']));
  let replayedFrom = -1;
  const watched: typeof journal = Object.assign(Object.create(Object.getPrototypeOf(journal)), journal, {
    replay: (after: number, onRecord: Parameters<typeof journal.replay>[1]) => { replayedFrom = after; return journal.replay(after, onRecord); },
  });
  await standby.adjudicator.takeOver(watched);
  assert.equal(replayedFrom, 2, 'only the tail after what was learned is replayed');
  assert.equal(standby.adjudicator.stats().conflictMapSize, 3);
  assert.deepEqual(await commitNow(standby, request(start, ['a'], { id: 'first' })), (await commitNow(leader, request(start, ['a'], { id: 'first' }))),
    'a retried commit learned before the takeover gets its first outcome');
  assert.throws(() => standby.adjudicator.learn([], 9), /only a standby/);
  const next = await commitNow(standby, request(clock.now().latest, ['a']));
  assert.ok(next.kind === 'committed');
  assert.equal(journal.records.length, 4, 'the new leader appends to the journal it took over');
});

test('decisions reach onDecided before they are durable, and the decided watermark covers exactly them', async () => {
  const journal = new ControlledJournal();
  journal.auto = false;
  const delivered: JournalRecord[][] = [];
  const h = harness({ onDecided: (records) => delivered.push([...records]) }, journal);
  h.clock.advance(10_000);
  await h.adjudicator.takeOver(journal);
  const start = h.clock.now().latest;
  const first = h.adjudicator.commit(request(start, ['a']));
  const second = h.adjudicator.commit(request(start, ['b']));
  // Decided, not yet handed out: the decided watermark stays below them.
  const lowest = h.adjudicator.decisionsInFlight()[0]!.commitTimestamp;
  assert.ok(h.adjudicator.decidedWatermark() < lowest);
  await settle();
  assert.deepEqual(delivered.map((batch) => batch.length), [2], 'one turn of decisions is one delivery');
  assert.equal(journal.pending.length, 1, 'the append is still in flight');
  h.clock.advance(5_000);
  const decided = h.adjudicator.decidedWatermark();
  assert.ok(decided >= delivered[0]![1]!.commitTimestamp, 'delivered decisions are covered although not durable');
  assert.ok(h.adjudicator.watermark() < lowest, 'the durable watermark still waits for the append');
  // Every later decision goes above the decided watermark.
  const third = h.adjudicator.commit(request(start, ['c']));
  const inFlight = h.adjudicator.decisionsInFlight();
  assert.equal(inFlight.length, 3);
  assert.ok(inFlight[2]!.commitTimestamp > decided);
  journal.auto = true;
  journal.complete();
  const outcomes = await finish(h, [first, second, third]);
  assert.deepEqual(outcomes.map((o) => o.kind), ['committed', 'committed', 'committed']);
  assert.equal(h.adjudicator.decisionsInFlight().length, 0);
});

test('after a failed append the decided watermark stops moving', async () => {
  const journal = new ControlledJournal();
  journal.auto = false;
  const h = harness({ onDecided: () => {} }, journal);
  h.clock.advance(10_000);
  await h.adjudicator.takeOver(journal);
  const outcome = h.adjudicator.commit(request(h.clock.now().latest, ['a']));
  await settle();
  journal.failNext();
  assert.equal((await outcome).kind, 'unavailable');
  const frozen = h.adjudicator.decidedWatermark();
  h.clock.advance(50_000);
  assert.equal(h.adjudicator.decidedWatermark(), frozen);
});

test('a reserved key is committed above the reservation, acknowledged once the clock passes it', async () => {
  const h = harness({ maxReservationUs: 50_000 });
  h.clock.advance(10_000);
  await h.adjudicator.takeOver(h.journal);
  const now = h.clock.now().latest;
  assert.ok(h.adjudicator.stats().lastIssued >= now + 50_000, 'a new leader starts above any reservation of its predecessor');
  const through = h.clock.now().latest + 50_000;
  assert.equal(h.adjudicator.reserveCovered(key('catalog'), through), through);
  assert.throws(() => h.adjudicator.reserve(key('catalog'), h.clock.now().latest + 60_000), /maxReservationUs/);
  const outcome = await commitNow(h, request(h.clock.now().latest, ['catalog', 'table-row']));
  assert.equal(outcome.kind, 'committed');
  assert.ok(outcome.kind === 'committed' && outcome.commitTimestamp > through);
  assert.ok(h.clock.now().earliest >= (outcome.kind === 'committed' ? outcome.commitTimestamp : 0), 'commit wait covered the reservation');
});

test('while decisions are not handed out, a reservation covers only the decided watermark', async () => {
  const h = harness({ maxReservationUs: 50_000, onDecided: () => {} });
  h.clock.advance(10_000);
  await h.adjudicator.takeOver(h.journal);
  h.clock.advance(60_000);
  const pending = h.adjudicator.commit(request(h.clock.now().latest, ['catalog']));
  const through = h.clock.now().latest + 50_000;
  const covered = h.adjudicator.reserveCovered(key('catalog'), through);
  assert.ok(covered < h.adjudicator.decisionsInFlight()[0]!.commitTimestamp, 'the undelivered decision is not covered');
  await settle();
  assert.equal(h.adjudicator.reserveCovered(key('catalog'), through), through);
  await finish(h, [pending]);
});

test('a promised decided watermark puts every later commit above it, acknowledged once the clock passes it', async () => {
  const h = harness({ maxReservationUs: 50_000, onDecided: () => {} });
  h.clock.advance(10_000);
  await h.adjudicator.takeOver(h.journal);
  h.clock.advance(60_000);
  const through = h.clock.now().latest + 10_000;
  assert.equal(h.adjudicator.promiseDecided(through), through);
  assert.equal(h.adjudicator.decidedWatermark(), through, 'the promise holds until the clock passes it');
  assert.throws(() => h.adjudicator.promiseDecided(h.clock.now().latest + 60_000), /maxReservationUs/);
  let acknowledged = false;
  const outcome = h.adjudicator.commit(request(h.clock.now().latest, ['a']));
  void outcome.then(() => { acknowledged = true; });
  h.timers.advance(5_000);
  await settle();
  assert.equal(acknowledged, false, 'commit wait holds the acknowledgement while the clock is below the promise');
  const [result] = await finish(h, [outcome]);
  assert.ok(result!.kind === 'committed' && result!.commitTimestamp > through);
  assert.ok(h.clock.now().earliest >= through);
});

test('no promise passes a decision not yet handed out', async () => {
  const h = harness({ maxReservationUs: 50_000, onDecided: () => {} });
  h.clock.advance(10_000);
  await h.adjudicator.takeOver(h.journal);
  h.clock.advance(60_000);
  const pending = h.adjudicator.commit(request(h.clock.now().latest, ['a']));
  const through = h.clock.now().latest + 10_000;
  assert.ok(h.adjudicator.promiseDecided(through) < h.adjudicator.decisionsInFlight()[0]!.commitTimestamp);
  await settle();
  assert.equal(h.adjudicator.promiseDecided(through), through, 'once handed out, the promise goes through');
  await finish(h, [pending]);
});

/** A harness whose publishes (storage applies) wait until the test lets them finish or fail. */
function heldPublishHarness(): Harness & { applies: { resolve: () => void; reject: (e: Error) => void }[] } {
  const applies: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const h = harness({ publish: () => new Promise<void>((resolve, reject) => applies.push({ resolve, reject })) });
  return Object.assign(h, { applies });
}

test('a commit acknowledged when durable answers before its apply; the watermark waits for the apply, the snapshot time does not', async () => {
  const h = heldPublishHarness();
  const heard: CommitOutcome[] = [];
  const early = h.adjudicator.commit(request(h.clock.now().latest, ['a']), 'durable');
  const late = h.adjudicator.commit(request(h.clock.now().latest, ['b']), 'applied');
  void early.then((o) => heard.push(o));
  void late.then((o) => heard.push(o));
  h.clock.advance(1000); // past commit wait: only the apply stands between them and their answers
  for (let i = 0; i < 5 && h.applies.length === 0; i++) await settle();
  assert.equal(h.applies.length, 1, 'the apply started');
  assert.equal(heard.length, 1, 'only the commit that asked to hear when durable has its answer');
  const outcome = heard[0]!;
  assert.ok(outcome.kind === 'committed');
  // Storage has not applied it: safe time (the watermark) stays below it, while a transaction
  // that starts now starts at or above it, so its reads wait for the apply.
  assert.ok(h.adjudicator.watermark() < outcome.commitTimestamp);
  assert.ok(h.adjudicator.snapshotTime() >= outcome.commitTimestamp);
  assert.ok(h.adjudicator.inFlightAtOrBelow(outcome.commitTimestamp));
  h.applies[0]!.resolve();
  const [second] = await finish(h, [late]);
  assert.ok(second!.kind === 'committed' && second!.commitTimestamp > outcome.commitTimestamp);
  assert.ok(h.adjudicator.watermark() >= second!.commitTimestamp, 'applied: the watermark passes both');
  assert.ok(!h.adjudicator.inFlightAtOrBelow(second!.commitTimestamp));
});

test('a commit acknowledged before a failed apply stays acknowledged, and the watermark never passes it', async () => {
  const h = heldPublishHarness();
  const early = h.adjudicator.commit(request(h.clock.now().latest, ['a']), 'durable');
  const late = h.adjudicator.commit(request(h.clock.now().latest, ['b']));
  h.clock.advance(1000);
  const [outcome] = await finish(h, [early]);
  assert.ok(outcome!.kind === 'committed');
  h.applies[0]!.reject(new Error('map full'));
  const [second] = await finish(h, [late]);
  assert.equal(second!.kind, 'unavailable', 'a commit not yet acknowledged may or may not have committed');
  assert.deepEqual(await early, outcome, 'the acknowledgement is not taken back: the journal has the commit');
  h.timers.advance(10_000_000);
  assert.ok(h.adjudicator.watermark() < outcome!.commitTimestamp, 'reads at or above it wait rather than miss it');
  assert.ok(h.adjudicator.snapshotTime() >= outcome!.commitTimestamp);
  assert.deepEqual(h.journal.records.map((r) => r.commitTimestamp).includes(outcome!.commitTimestamp), true);
});

test('commit wait holds a commit acknowledged when durable until the clock passes it, even past its apply', async () => {
  const h = harness();
  h.clock.earliestLagUs = 5_000;
  let outcome: CommitOutcome | null = null;
  void h.adjudicator.commit(request(h.clock.now().latest, ['a']), 'durable').then((o) => { outcome = o; });
  for (let i = 0; i < 5; i++) await settle();
  assert.equal(outcome, null, 'durable and applied, but now().earliest is below the commit timestamp');
  assert.equal(h.published.length, 1);
  for (let i = 0; i < 20 && outcome === null; i++) { h.timers.advance(1000); await settle(); }
  assert.ok(outcome !== null && (outcome as CommitOutcome).kind === 'committed');
  const committed = outcome as { commitTimestamp: number };
  assert.ok(h.clock.now().earliest >= committed.commitTimestamp);
  assert.ok(h.adjudicator.snapshotTime() >= committed.commitTimestamp);
});
