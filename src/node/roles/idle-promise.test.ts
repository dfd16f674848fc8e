/**
 * The idle leader's promise end to end, on virtual time: a LocalAdjudicator leading, its
 * NoticeStreams promising ahead of the clock while it is idle and reads go on, and storage
 * replicas (InFlightDecisions, fed as storage-role feeds it) whose notices arrive late but in
 * order and whose journal batches arrive later still; one replica joins mid-run and catches up
 * from the start of the journal. Seeded random commits, reads and quiet spells; every read is
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
import { seededRandom } from '../../sim/seeded-random.js';

const KEYS = ['a', 'b', 'c', 'd'];
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));


type Later = (maxMs: number, action: () => void) => void;

/** A storage replica as storage-role runs one: journal applied in order, notices taken in order. */
class Replica {
  readonly safeTime: SafeTime;
  readonly inFlight: InFlightDecisions;
  readonly applied = new Map<string, number[]>(KEYS.map((k) => [k, []]));
  /** Notices taken so far (a read served before another arrives was served at once). */
  noticesTaken = 0;
  private appliedPosition = 0;
  private lastApplied = 0;
  private nextBatch = 0;
  private applying = false;
  private readonly pendingWatermarks: { position: number; watermark: number }[] = [];
  private streamStart: number | null = null;
  private latestDecided = 0;
  private readonly inTransit: Message[] = [];

  constructor(readonly name: string, timers: FakeTimers, private readonly journal: { records: readonly JournalRecord[]; position: number }[],
    private readonly later: Later) {
    this.safeTime = new SafeTime({ timers, maxWaitMs: 60_000 });
    this.inFlight = new InFlightDecisions(this.safeTime);
  }

  /** A batch became durable (or the replica joined): apply what the journal holds, late, in order. */
  follow(): void {
    if (this.applying || this.nextBatch >= this.journal.length) return;
    this.applying = true;
    this.later(4, () => {
      const batch = this.journal[this.nextBatch++]!;
      for (const record of batch.records) {
        for (const write of record.writes) this.applied.get(new TextDecoder().decode(write.key))!.push(record.commitTimestamp);
        this.lastApplied = record.commitTimestamp;
      }
      this.appliedPosition = batch.position;
      this.advance();
      this.applying = false;
      this.follow();
    });
  }

  /** Its notice stream: messages arrive late, in order. */
  stream(): ServerStream {
    return {
      push: (message) => {
        this.inTransit.push(message);
        this.later(2, () => this.take(this.inTransit.shift()!));
        return true;
      },
      drained: () => Promise.resolve(),
      end: () => {},
      fail: () => {},
      onCancel: () => {},
    };
  }

  private take(notice: Message): void {
    this.noticesTaken++;
    if (this.streamStart === null) this.streamStart = notice['position'];
    const decisions = notice['decisions'] as Message[];
    if (decisions.length > 0) this.inFlight.add(decisions.map(decisionFromMessage));
    if (notice['decided'] > this.latestDecided) this.latestDecided = notice['decided'];
    this.pendingWatermarks.push({ position: notice['position'], watermark: notice['watermark'] });
    this.advance();
  }

  private advance(): void {
    let reached = this.lastApplied;
    while (this.pendingWatermarks.length > 0 && this.pendingWatermarks[0]!.position <= this.appliedPosition) {
      reached = Math.max(reached, this.pendingWatermarks.shift()!.watermark);
    }
    if (reached > 0) this.safeTime.advance(reached);
    this.inFlight.settle(Math.max(this.lastApplied, this.safeTime.safeTime()));
    // The decided watermark holds once the replica applied through where its stream began.
    if (this.streamStart !== null && this.appliedPosition >= this.streamStart) this.inFlight.advanceDecided(this.latestDecided);
  }
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
  const rand = seededRandom(seed);
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  const later: Later = (maxMs, action) => { timers.setTimeout(action, 0.05 + rand() * maxMs); };
  const journal: { records: readonly JournalRecord[]; position: number }[] = [];
  const replicas: Replica[] = [];

  let assigned = 0;
  const store: Journal = {
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
  let published = 0;
  const adjudicator = new LocalAdjudicator({
    clock, timers, journal: store, maxReservationUs: 50_000, takeoverGapUs: 50_000,
    publish: (records, position) => {
      journal.push({ records, position });
      published = position;
      for (const replica of replicas) replica.follow();
      return Promise.resolve();
    },
    onDecided: (records) => notices.broadcast(records),
  });
  await adjudicator.takeOver(store);
  notices = new NoticeStreams(clock, timers, 20, 50_000, promise ? { aheadUs: 10_000, renewMs: 4, idleMs: 100, readingMs: 200, reads: 3 } : null);
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
  const join = (name: string) => {
    const replica = new Replica(name, timers, journal, later);
    replicas.push(replica);
    notices.add(replica.stream(), [], false, name);
    replica.follow();
  };
  join('storage-1');
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
    // As a QP does: a snapshot at now().latest, a Notify naming the replica (a bench probe names
    // none) and a Get to that replica.
    const replica = replicas[Math.floor(rand() * replicas.length)]!;
    const entry: Read = { key, at: clock.now().latest, ackedBefore: [...acknowledged], seen: null, atOnce: false };
    reads.push(entry);
    const named = rand() < 0.8 ? replica.name : '';
    later(1, () => notices.request(entry.at, named === '' ? [] : [named]));
    later(1, () => {
      const arrivedWith = replica.noticesTaken;
      waits.push(replica.inFlight.waitFor(entry.at, { start: bytes(key), end: null }).then(() => {
        entry.seen = [...replica.applied.get(key)!];
        entry.atOnce = replica.noticesTaken === arrivedWith;
      }));
    });
  };

  for (let step = 0; step < 1_500; step++) {
    if (step === 500) join('storage-2');
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
  for (let i = 0; i < 1_000; i++) {
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
  test(`an idle leader's promise never lets a read miss a commit or see one above its snapshot, a replica joining midway (seed ${seed})`, async () => {
    const { reads, commits, atOnce } = await run(seed, true);
    check(reads, commits);
    assert.ok([...commits.values()].flat().length > 500, 'the run committed');
    assert.ok(atOnce > 50, `reads in quiet spells were served at once on the promise (${atOnce} of ${reads.length})`);
  });
}

test('without the promise the same runs are exact, and no read is served before a notice after it', async () => {
  const { reads, commits, atOnce } = await run(1, false);
  check(reads, commits);
  assert.equal(atOnce, 0);
});
