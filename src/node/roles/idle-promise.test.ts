/**
 * The idle leader's promise end to end, on virtual time: a LocalAdjudicator leading, its
 * NoticeStreams promising ahead of the clock while it is idle and reads go on, and a storage
 * replica's InFlightDecisions fed by a stream that delays notices (in order) and a journal that
 * delivers durable batches late. Seeded random commits, reads and quiet spells; every read is
 * checked against every commit the run made: it saw exactly the commits at or below its
 * snapshot on its key, and every commit acknowledged before it began is at or below it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Journal, JournalPosition, JournalRecord } from '../../contracts/journal.js';
import type { Message, ServerStream } from '../../env/grpc.js';
import { LocalAdjudicator } from '../../adjudicator/adjudicator.js';
import { InFlightDecisions } from '../../storage/in-flight-decisions.js';
import { SafeTime } from '../../storage/safe-time.js';
import { FakeClock, FakeTimers } from '../../sim/fake-clock.js';
import { decisionFromMessage } from '../remote/messages.js';
import { NoticeStreams } from './notice-streams.js';

const KEYS = ['a', 'b', 'c', 'd'];
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Read {
  readonly key: string;
  readonly at: number;
  /** Commits acknowledged before the read began (their timestamps). */
  readonly ackedBefore: number[];
  /** Commit timestamps of the key the replica had applied when it served the read. */
  seen: number[] | null;
  /** Served when it arrived, before any notice after its Notify. */
  atOnce: boolean;
}

async function run(seed: number, promise: boolean): Promise<{ reads: Read[]; commits: Map<string, number[]>; atOnce: number }> {
  const rand = random(seed);
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  const later = (maxMs: number, action: () => void) => timers.setTimeout(action, 0.05 + rand() * maxMs);

  // The replica: applies durable batches late and in order; takes notices as storage-role does.
  const safeTime = new SafeTime({ timers, maxWaitMs: 60_000 });
  const inFlight = new InFlightDecisions(safeTime);
  const applied = new Map<string, number[]>(KEYS.map((k) => [k, []]));
  let appliedPosition = 0;
  let lastApplied = 0;
  const pendingWatermarks: { position: number; watermark: number }[] = [];
  let latestDecided = 0;
  const advance = () => {
    let reached = lastApplied;
    while (pendingWatermarks.length > 0 && pendingWatermarks[0]!.position <= appliedPosition) reached = Math.max(reached, pendingWatermarks.shift()!.watermark);
    if (reached > 0) safeTime.advance(reached);
    inFlight.settle(Math.max(lastApplied, safeTime.safeTime()));
    inFlight.advanceDecided(latestDecided);
  };
  const journalQueue: { records: readonly JournalRecord[]; position: number }[] = [];
  const deliverBatch = () => {
    const batch = journalQueue.shift()!;
    for (const record of batch.records) {
      for (const write of record.writes) applied.get(new TextDecoder().decode(write.key))!.push(record.commitTimestamp);
      lastApplied = record.commitTimestamp;
    }
    appliedPosition = batch.position;
    advance();
  };
  let assigned = 0;
  const journal: Journal = {
    get durablePosition() { return assigned; },
    append: (records) => new Promise<JournalPosition>((resolve) => {
      assigned += records.length;
      const position = assigned;
      later(6, () => resolve(position));
    }),
    replay: () => Promise.resolve(),
    trim: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };

  let notices: NoticeStreams;
  const adjudicator = new LocalAdjudicator({
    clock, timers, journal, maxReservationUs: 50_000, takeoverGapUs: 50_000,
    publish: (records, position) => {
      journalQueue.push({ records, position });
      later(4, deliverBatch);
      published = position;
      return Promise.resolve();
    },
    onDecided: (records) => notices.broadcast(records),
  });
  let published = 0;
  await adjudicator.takeOver(journal);
  notices = new NoticeStreams(clock, timers, 20, 50_000, promise ? { aheadUs: 10_000, renewMs: 4, idleMs: 100, readingMs: 1_000 } : null);
  notices.lead({
    epoch: 1,
    get published() { return published; },
    watermark: () => adjudicator.watermark(),
    decidedWatermark: () => adjudicator.decidedWatermark(),
    decisionsInFlight: () => adjudicator.decisionsInFlight(),
    lastIssued: () => adjudicator.stats().lastIssued,
    reserveCovered: (key, through) => adjudicator.reserveCovered(key, through),
    promiseDecided: (through) => adjudicator.promiseDecided(through),
  });
  // The stream to the replica: notices arrive late, in order.
  const inTransit: Message[] = [];
  let noticesTaken = 0;
  const toReplica: ServerStream = {
    push: (message) => {
      inTransit.push(message);
      later(2, () => {
        const notice = inTransit.shift()!;
        noticesTaken++;
        const decisions = notice['decisions'] as Message[];
        if (decisions.length > 0) inFlight.add(decisions.map(decisionFromMessage));
        if (notice['decided'] > latestDecided) latestDecided = notice['decided'];
        pendingWatermarks.push({ position: notice['position'], watermark: notice['watermark'] });
        advance();
      });
      return true;
    },
    drained: () => Promise.resolve(),
    end: () => {},
    onCancel: () => {},
  };
  notices.add(toReplica, [], false, 'storage-1');
  const tick = timers.setInterval(() => notices.tick(), 20);

  const commits = new Map<string, number[]>(KEYS.map((k) => [k, []]));
  const acknowledged: number[] = [];
  const outcomes: Promise<void>[] = [];
  const reads: Read[] = [];
  const waits: Promise<void>[] = [];
  let transactions = 0;
  const commit = (key: string) => {
    const outcome = adjudicator.commit({
      transactionId: `tx-${++transactions}`, startTimestamp: clock.now().latest,
      writes: [{ key: bytes(key), value: bytes('v') }], lockKeys: [], keyShareKeys: [], schemaKeys: [],
    });
    outcomes.push(outcome.then((result) => {
      // A commit above the clock (over a promise) conflicts with a transaction that began before it.
      if (result.kind === 'data-conflict') return;
      assert.equal(result.kind, 'committed');
      if (result.kind !== 'committed') return;
      assert.ok(clock.now().earliest >= result.commitTimestamp, 'commit wait: acknowledged once the clock passed the commit');
      commits.get(key)!.push(result.commitTimestamp);
      acknowledged.push(result.commitTimestamp);
    }));
  };
  const read = (key: string) => {
    // As a QP does: a snapshot at now().latest, a Notify to the leader and a Get to the replica.
    const entry: Read = { key, at: clock.now().latest, ackedBefore: [...acknowledged], seen: null, atOnce: false };
    reads.push(entry);
    // QPs name the replica they read from; a bench probe does not.
    const replica = rand() < 0.8 ? 'storage-1' : '';
    later(1, () => notices.request(entry.at, replica));
    later(1, () => {
      const arrivedWith = noticesTaken;
      waits.push(inFlight.waitFor(entry.at, { start: bytes(key), end: null }).then(() => {
        entry.seen = [...applied.get(key)!];
        entry.atOnce = noticesTaken === arrivedWith;
      }));
    });
  };

  for (let step = 0; step < 1_500; step++) {
    const quiet = rand() < 0.02;
    const spellMs = quiet ? 150 + rand() * 100 : 1 + rand() * 4;
    for (let elapsed = 0; elapsed < spellMs; elapsed++) {
      if (rand() < (quiet ? 0.3 : 0.2)) read(KEYS[Math.floor(rand() * KEYS.length)]!);
      if (!quiet && rand() < 0.15) commit(KEYS[Math.floor(rand() * KEYS.length)]!);
      timers.advance(1_000);
      await settle();
    }
  }
  // Let every commit be acknowledged and every read served.
  for (let i = 0; i < 400; i++) {
    timers.advance(1_000);
    await settle();
  }
  timers.clearInterval(tick);
  notices.close();
  await Promise.all(outcomes);
  await Promise.all(waits);
  return { reads, commits, atOnce: reads.filter((r) => r.atOnce).length };
}

function check(reads: readonly Read[], commits: Map<string, number[]>): void {
  for (const r of reads) {
    assert.ok(r.seen !== null, 'every read was served');
    const expected = commits.get(r.key)!.filter((t) => t <= r.at).sort((a, b) => a - b);
    const seen = r.seen!.filter((t) => t <= r.at);
    assert.deepEqual(seen, expected, `a read of ${r.key} at ${r.at} saw exactly the commits at or below it`);
    for (const t of r.ackedBefore) assert.ok(t <= r.at, 'a commit acknowledged before the read began is below its snapshot');
  }
}

for (const seed of [1, 2, 3]) {
  test(`an idle leader's promise never lets a read miss a commit or see one above its snapshot (seed ${seed})`, async () => {
    const { reads, commits, atOnce } = await run(seed, true);
    check(reads, commits);
    assert.ok([...commits.values()].flat().length > 500, 'the run committed');
    assert.ok(atOnce > 50, `reads in quiet spells were served at once on the promise (${atOnce} of ${reads.length})`);
  });
}

test('without the promise the same runs are exact and no read is served before a notice', async () => {
  const { reads, commits, atOnce } = await run(1, false);
  check(reads, commits);
  assert.equal(atOnce, 0);
});
