import type { Adjudicator, CommitOutcome, CommitRequest } from '../contracts/adjudicator.js';
import type { Journal, JournalPosition, JournalRecord } from '../contracts/journal.js';
import type { Key } from '../contracts/kv.js';
import type { Clock, Timers, Timestamp } from '../contracts/time.js';
import type { Log } from '../env/env.js';
import { assert } from '../contracts/errors.js';
import { latin1Key } from '../encoding/bytes.js';

/**
 * The embedded adjudicator (DESIGN.md §2 Commit): optimistic concurrency control, first
 * committer wins, over a map of recently written keys → their last commit timestamp.
 *
 * A commit is decided synchronously inside `commit` (check, timestamp, record in the map), so
 * pipelined commits see each other before the journal has them. Decisions then travel in
 * batches: one journal append per batch (group commit), several appends in flight, published
 * to storage strictly in decision order, acknowledged after commit wait.
 */
export interface LocalAdjudicatorOptions {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly journal: Journal;
  /** Hands durable records to the crossbar/storage; called in journal order, one call at a time. */
  readonly publish: (records: readonly JournalRecord[], position: JournalPosition) => Promise<void>;
  /** The longest allowed transaction; also how long the conflict map remembers a key. */
  readonly maxTransactionAgeUs?: number;
  /** Commits decided but not yet acknowledged; beyond it commits are refused as unavailable. */
  readonly maxInFlightCommits?: number;
  /** Bound of one journal append (one record larger than this travels alone). */
  readonly maxBatchBytes?: number;
  readonly maxBatchRecords?: number;
  /** Journal appends in flight at once; further decisions wait in open batches. */
  readonly maxAppendsInFlight?: number;
  /** Bound of one commit bundle (DSQL's 10 MiB of data plus keys and overhead). */
  readonly maxCommitBytes?: number;
  /** Called once when the adjudicator stops deciding (a failed append: it cannot take back decisions). */
  readonly onFailure?: (reason: string) => void;
  /** How many recent transaction ids keep their outcome for retried commits. */
  readonly maxRememberedCommits?: number;
  /**
   * Hands decisions to storage before they are durable (in decision order, once per turn of
   * the event loop), so a read waits only for in-flight commits that touch its keys; see
   * `decidedWatermark`. Storage still applies only what the journal holds.
   */
  readonly onDecided?: (records: readonly JournalRecord[]) => void;
  /**
   * The longest `reserve` a leader grants: a new leader's timestamps start this far above
   * now().latest, above anything its predecessor reserved.
   */
  readonly maxReservationUs?: number;
  /**
   * How far above now().latest a new leader's timestamps start (at least maxReservationUs): above
   * anything a deposed predecessor may still promise (src/node/roles/promise-fence.ts).
   */
  readonly takeoverGapUs?: number;
  readonly log?: Log;
}

/**
 * When a commit is acknowledged, besides after its durable write and commit wait:
 * - 'applied': once storage has applied it too. A reader that starts its transactions at what
 *   the store shows (a follower process over the same store) then sees every commit
 *   acknowledged before it started.
 * - 'durable': before the apply. Only for sessions whose every read waits until safe time
 *   passes its timestamp, and whose transactions start at `snapshotTime()` or later (at or above
 *   every acknowledged commit): the watermark stays below a commit until it is applied, so such a
 *   read waits for the apply instead of missing the commit.
 */
export type AcknowledgeAt = 'durable' | 'applied';

interface PendingCommit {
  readonly record: JournalRecord;
  readonly resolve: (outcome: CommitOutcome) => void;
  readonly acknowledgeAt: AcknowledgeAt;
  acknowledged: boolean;
}

interface Batch {
  readonly commits: PendingCommit[];
  readonly records: JournalRecord[];
  bytes: number;
  state: 'open' | 'appending' | 'durable';
  position: JournalPosition;
}

export interface AdjudicatorStats {
  readonly inFlightCommits: number;
  readonly batchesInFlight: number;
  readonly conflictMapSize: number;
  readonly lastIssued: Timestamp;
}

const PER_WRITE_OVERHEAD_BYTES = 8;
const PER_RECORD_OVERHEAD_BYTES = 64;
const DEFAULT_PRUNE_BATCH = 10_000;

/** The conflict map's key: the key bytes as a one-byte-per-char string (cheap, exact, hashable). */
const conflictKey: (key: Key) => string = latin1Key;

function commitBytes(request: CommitRequest): number {
  let total = PER_RECORD_OVERHEAD_BYTES + request.transactionId.length;
  for (const write of request.writes) {
    total += PER_WRITE_OVERHEAD_BYTES + write.key.length + (write.value === null ? 0 : write.value.length);
  }
  return total;
}

export class LocalAdjudicator implements Adjudicator {
  private readonly clock: Clock;
  private readonly timers: Timers;
  private journal: Journal;
  private readonly publish: LocalAdjudicatorOptions['publish'];
  private readonly log: Log | undefined;
  private readonly onFailure: ((reason: string) => void) | undefined;
  private readonly onDecided: ((records: readonly JournalRecord[]) => void) | undefined;
  private readonly maxTransactionAgeUs: number;
  private readonly maxInFlightCommits: number;
  private readonly maxBatchBytes: number;
  private readonly maxBatchRecords: number;
  private readonly maxAppendsInFlight: number;
  private readonly maxCommitBytes: number;

  /** Key → timestamp of its last commit, in timestamp order (a re-written key moves to the end). */
  private readonly lastCommit = new Map<string, Timestamp>();
  /**
   * Key-lock key → timestamp of the last commit that read it FOR KEY SHARE (a SELECT or a
   * foreign-key check), in timestamp order. Only lock keys check it: key shares do not conflict with each
   * other nor with writes that leave the key alone.
   */
  private readonly lastKeyShare = new Map<string, Timestamp>();
  private readonly scratchShares: string[] = [];
  private lastIssued: Timestamp = 0;
  /** The timestamp of the last commit acknowledged (acknowledgements go in timestamp order). */
  private lastAcknowledged: Timestamp = 0;
  private lastWatermark: Timestamp = 0;
  private lastDecidedWatermark: Timestamp = 0;
  /** Key → a timestamp no commit writing it may have (leases granted to readers, see `reserve`). */
  private readonly reservations = new Map<string, Timestamp>();
  private readonly maxReservationUs: number;
  private readonly takeoverGapUs: number;
  /** Decisions not yet handed to `onDecided`, in decision order. */
  private readonly undelivered: JournalRecord[] = [];
  /** Every entry below this was pruned: a transaction that started earlier is too old. */
  private prunedHorizon: Timestamp = 0;
  /** Transactions that started before a rebuild are refused (lock keys are not journaled). */
  private rebuildFloor: Timestamp = 0;
  /** Unpublished batches in decision order; the first holds the lowest timestamp in flight. */
  private readonly batches: Batch[] = [];
  private inFlightCommits = 0;
  private appendsInFlight = 0;
  private flushScheduled = false;
  private draining = false;
  private drainScheduled = false;
  private failure: string | null = null;
  private stopping = false;
  private readonly watermarkListeners: ((watermark: Timestamp) => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private readonly scratchKeys: string[] = [];
  /** Transaction id → outcome of recent commits (decided here or replayed from the journal). */
  private readonly recentCommits = new Map<string, Promise<CommitOutcome>>();
  private readonly maxRememberedCommits: number;

  constructor(options: LocalAdjudicatorOptions) {
    this.clock = options.clock;
    this.timers = options.timers;
    this.journal = options.journal;
    this.publish = options.publish;
    this.log = options.log;
    this.onFailure = options.onFailure;
    this.maxTransactionAgeUs = options.maxTransactionAgeUs ?? 300_000_000;
    this.maxInFlightCommits = options.maxInFlightCommits ?? 10_000;
    this.maxBatchBytes = options.maxBatchBytes ?? 8 * 1024 * 1024;
    this.maxBatchRecords = options.maxBatchRecords ?? 1_000;
    this.maxAppendsInFlight = options.maxAppendsInFlight ?? 4;
    this.maxCommitBytes = options.maxCommitBytes ?? 16 * 1024 * 1024;
    this.maxRememberedCommits = options.maxRememberedCommits ?? 200_000;
    this.onDecided = options.onDecided;
    this.maxReservationUs = options.maxReservationUs ?? 0;
    this.takeoverGapUs = Math.max(this.maxReservationUs, options.takeoverGapUs ?? 0);
    assert(this.maxTransactionAgeUs > 0 && this.maxInFlightCommits > 0 && this.maxAppendsInFlight > 0, 'adjudicator bounds are positive');
  }

  /**
   * Builds an adjudicator after a restart: replays the journal to warm the conflict map with
   * the commits inside the horizon and to continue timestamps after the last journaled one.
   */
  static async rebuild(options: LocalAdjudicatorOptions): Promise<LocalAdjudicator> {
    const adjudicator = new LocalAdjudicator(options);
    await adjudicator.takeOver(options.journal);
    return adjudicator;
  }

  /** Journal position of the last record learned (by `learn` or a replay). */
  private learned: JournalPosition = 0;
  /** Records learned, for the log line at takeover. */
  private learnedRecords = 0;
  private serving = false;

  /**
   * A standby learns the journal as it grows (records through `lastPosition`), keeping its
   * conflict map and remembered transaction ids warm, so a takeover only replays the tail.
   */
  learn(records: readonly JournalRecord[], lastPosition: JournalPosition): void {
    assert(!this.serving, 'only a standby learns the journal');
    assert(lastPosition > this.learned, 'the journal is learned in order');
    const horizon = this.clock.now().earliest - this.maxTransactionAgeUs;
    for (const record of records) this.learnRecord(record, horizon);
    this.learned = lastPosition;
  }

  private learnRecord(record: JournalRecord, horizon: Timestamp): void {
    assert(record.commitTimestamp > this.lastIssued, 'journal commit timestamps increase');
    this.lastIssued = record.commitTimestamp;
    this.learnedRecords++;
    if (record.commitTimestamp < horizon) {
      this.prunedHorizon = record.commitTimestamp;
      return;
    }
    for (const write of record.writes) this.remember(conflictKey(write.key), record.commitTimestamp);
    this.rememberCommit(record.transactionId, Promise.resolve({ kind: 'committed', commitTimestamp: record.commitTimestamp }));
  }

  /**
   * Starts deciding, appending to `journal` (the new leader's fenced handle): replays what was
   * not learned yet, then continues timestamps after every journaled and every promised one.
   */
  async takeOver(journal: Journal): Promise<void> {
    assert(!this.serving && this.batches.length === 0, 'takeover happens once, before any decision');
    this.journal = journal;
    const horizon = this.clock.now().earliest - this.maxTransactionAgeUs;
    const before = this.learnedRecords;
    await journal.replay(this.learned, (record, position) => {
      this.learnRecord(record, horizon);
      this.learned = position;
    });
    if (this.learnedRecords > 0 || journal.durablePosition > 0) {
      // FOR UPDATE lock keys are not in the journal (and a trimmed journal lacks older
      // commits), so a transaction that started before the takeover could miss a conflict:
      // refuse those (no such start exists in embedded mode).
      const latest = this.clock.now().latest;
      this.rebuildFloor = this.learnedRecords > 0 ? Math.min(this.lastIssued, latest) : latest;
    }
    // The adjudicator before this one may have promised storage "no commit at or below W" for
    // any W up to the true time of its last notice; the next timestamp goes above all of them.
    this.lastIssued = Math.max(this.lastIssued, this.clock.now().latest + this.takeoverGapUs);
    this.serving = true;
    this.log?.info(`adjudicator took over at journal position ${this.learned}: ${this.learnedRecords - before} records replayed, `
      + `${before} learned before; ${this.lastCommit.size} keys in the conflict map`);
  }

  commit(request: CommitRequest, acknowledgeAt: AcknowledgeAt = 'applied'): Promise<CommitOutcome> {
    // A retried commit (its first answer was lost with a process or a connection) gets the
    // first attempt's outcome: a transaction is never applied twice.
    const earlier = this.recentCommits.get(request.transactionId);
    if (earlier !== undefined) return earlier;
    const bytes = commitBytes(request);
    const refusal = this.admit(request, bytes);
    if (refusal !== null) return Promise.resolve(refusal);
    const conflict = this.check(request);
    if (conflict !== null) return Promise.resolve(conflict);
    const commitTimestamp = this.nextTimestamp(request.startTimestamp, this.reservedFloor(request));
    this.recordDecision(commitTimestamp);
    const record: JournalRecord = { commitTimestamp, transactionId: request.transactionId, writes: request.writes };
    const outcome = new Promise<CommitOutcome>((resolve) => this.enqueue({ record, resolve, acknowledgeAt, acknowledged: false }, bytes));
    this.rememberCommit(request.transactionId, outcome);
    return outcome;
  }

  /** Bounded, oldest forgotten first: retries come within seconds of the first attempt. */
  private rememberCommit(transactionId: string, outcome: Promise<CommitOutcome>): void {
    if (this.recentCommits.size >= this.maxRememberedCommits) {
      const oldest = this.recentCommits.keys().next();
      if (!oldest.done) this.recentCommits.delete(oldest.value);
    }
    this.recentCommits.set(transactionId, outcome);
  }

  /** Refusals that do not depend on the keys: failure, bounds, age. */
  private admit(request: CommitRequest, bytes: number): CommitOutcome | null {
    if (this.failure !== null) return { kind: 'unavailable', reason: this.failure };
    if (this.stopping) return { kind: 'unavailable', reason: 'adjudicator stopped' };
    if (this.inFlightCommits >= this.maxInFlightCommits) {
      return { kind: 'unavailable', reason: `adjudicator overloaded: ${this.inFlightCommits} commits in flight` };
    }
    if (bytes > this.maxCommitBytes) {
      return { kind: 'unavailable', reason: `commit bundle exceeds ${this.maxCommitBytes} bytes` };
    }
    if (request.startTimestamp < this.horizon()) return { kind: 'too-old' };
    if (request.startTimestamp < this.rebuildFloor) {
      return { kind: 'unavailable', reason: 'the adjudicator restarted after this transaction started' };
    }
    return null;
  }

  private horizon(): Timestamp {
    return Math.max(this.clock.now().earliest - this.maxTransactionAgeUs, this.prunedHorizon);
  }

  /**
   * First committer wins: a key with a commit after our start conflicts. Fills `scratchKeys`
   * with the keys to record (writes, then lock keys) so they are converted only once.
   */
  private check(request: CommitRequest): CommitOutcome | null {
    const start = request.startTimestamp;
    for (const key of request.schemaKeys) {
      const last = this.lastCommit.get(conflictKey(key));
      if (last !== undefined && last > start) return { kind: 'schema-conflict' };
    }
    const keys = this.scratchKeys;
    keys.length = 0;
    for (const write of request.writes) keys.push(conflictKey(write.key));
    for (const key of keys) {
      const last = this.lastCommit.get(key);
      if (last !== undefined && last > start) return { kind: 'data-conflict' };
    }
    for (const key of request.lockKeys) {
      const k = conflictKey(key);
      const last = this.lastCommit.get(k);
      const shared = this.lastKeyShare.get(k);
      if ((last !== undefined && last > start) || (shared !== undefined && shared > start)) return { kind: 'data-conflict' };
      keys.push(k);
    }
    const shares = this.scratchShares;
    shares.length = 0;
    for (const key of request.keyShareKeys ?? []) {
      const k = conflictKey(key);
      const last = this.lastCommit.get(k);
      if (last !== undefined && last > start) return { kind: 'data-conflict' };
      shares.push(k);
    }
    return null;
  }

  /** τ_commit = max(now().earliest, last issued + 1, τ_start + 1), and above any watermark given out. */
  private nextTimestamp(start: Timestamp, floor: Timestamp): Timestamp {
    const earliest = this.clock.now().earliest;
    const commitTimestamp = Math.max(earliest, this.lastIssued + 1, start + 1, this.lastWatermark + 1, this.lastDecidedWatermark + 1, floor);
    assert(commitTimestamp > this.lastIssued && commitTimestamp > start, 'commit timestamps increase and follow the start');
    this.lastIssued = commitTimestamp;
    return commitTimestamp;
  }

  /**
   * Promises that no commit writing `key` gets a timestamp at or below `through` (a reader may
   * then take the key as unchanged up to it without asking). A commit that writes it goes
   * above, and commit wait holds its acknowledgement (and, timestamps being ordered, the
   * acknowledgement of commits decided after it) until the clock passes — so reservations are
   * short and only for rarely written keys (the catalog version).
   */
  reserve(key: Key, through: Timestamp): void {
    assert(through <= this.clock.now().latest + this.maxReservationUs, 'a reservation stays within maxReservationUs');
    const name = conflictKey(key);
    if (through > (this.reservations.get(name) ?? 0)) this.reservations.set(name, through);
  }

  /**
   * Reserves `key` through `through` and returns what a reader may take as covered: `through`,
   * or only the decided watermark while decisions are not yet handed out (one of them may
   * write the key at or below `through`).
   */
  reserveCovered(key: Key, through: Timestamp): Timestamp {
    this.reserve(key, through);
    return this.undelivered.length > 0 ? this.decidedWatermark() : through;
  }

  /**
   * Promises that no later decision, on any key, gets a timestamp at or below `through`, and
   * returns the decided watermark, which then reaches `through` (so a replica may serve a read
   * at τ ≤ `through` without waiting for another notice). Granted only while every decision
   * has been handed to `onDecided`: the decided watermark must also cover every earlier
   * decision. A commit decided under the promise goes above it, and commit wait holds its
   * acknowledgement until the clock passes — so the caller grants it only on an idle leader.
   */
  promiseDecided(through: Timestamp): Timestamp {
    assert(through <= this.clock.now().latest + this.maxReservationUs, 'a promise stays within maxReservationUs');
    if (this.undelivered.length === 0 && this.failure === null && !this.stopping && through > this.lastDecidedWatermark) {
      this.lastDecidedWatermark = through;
    }
    return this.decidedWatermark();
  }

  private reservedFloor(request: CommitRequest): Timestamp {
    if (this.reservations.size === 0) return 0;
    let floor = 0;
    for (const write of request.writes) {
      const through = this.reservations.get(conflictKey(write.key));
      if (through !== undefined && through + 1 > floor) floor = through + 1;
    }
    return floor;
  }

  /** Written and locked keys are recorded as written (FOR UPDATE adjudicates rows as if written). */
  private recordDecision(commitTimestamp: Timestamp): void {
    for (const key of this.scratchKeys) this.remember(key, commitTimestamp);
    this.scratchKeys.length = 0;
    for (const key of this.scratchShares) {
      this.lastKeyShare.delete(key);
      this.lastKeyShare.set(key, commitTimestamp);
    }
    this.scratchShares.length = 0;
  }

  private remember(key: string, commitTimestamp: Timestamp): void {
    // Delete first so the map stays in timestamp order and prune can stop at the first young entry.
    this.lastCommit.delete(key);
    this.lastCommit.set(key, commitTimestamp);
  }

  private enqueue(commit: PendingCommit, bytes: number): void {
    let batch = this.batches[this.batches.length - 1];
    const full = batch !== undefined && (batch.records.length >= this.maxBatchRecords || batch.bytes + bytes > this.maxBatchBytes);
    if (batch === undefined || batch.state !== 'open' || full) {
      batch = { commits: [], records: [], bytes: 0, state: 'open', position: 0 };
      this.batches.push(batch);
    }
    batch.commits.push(commit);
    batch.records.push(commit.record);
    batch.bytes += bytes;
    if (this.onDecided !== undefined) this.undelivered.push(commit.record);
    this.inFlightCommits++;
    if (!this.flushScheduled) {
      // Decisions made in this turn of the event loop share one append.
      this.flushScheduled = true;
      this.timers.setImmediate(() => this.flush());
    }
  }

  /** Starts appends for open batches, oldest first, up to the in-flight bound. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.undelivered.length > 0 && this.failure === null) {
      const decided = this.undelivered.splice(0);
      try {
        this.onDecided!(decided);
      } catch (error) {
        this.log?.warn(`decision listener failed: ${(error as Error).message}`);
      }
    }
    for (const batch of this.batches) {
      if (this.failure !== null || this.appendsInFlight >= this.maxAppendsInFlight) return;
      if (batch.state === 'open') this.startAppend(batch);
    }
  }

  private startAppend(batch: Batch): void {
    batch.state = 'appending';
    this.appendsInFlight++;
    this.journal.append(batch.records).then(
      (position) => {
        this.appendsInFlight--;
        batch.position = position;
        batch.state = 'durable';
        this.scheduleDrain();
        this.flush();
      },
      (error: unknown) => {
        this.appendsInFlight--;
        this.fail(`journal append failed: ${(error as Error).message}`);
      },
    );
  }

  /**
   * Drains after the microtasks already queued: the appends one journal write made durable
   * resolve one after another, and their batches then go in one publish rather than two or three.
   */
  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    queueMicrotask(() => {
      this.drainScheduled = false;
      void this.drain();
    });
  }

  /**
   * Publishes durable batches at the head, strictly in decision order, one publish at a time;
   * consecutive durable batches go in one publish (one apply), up to `maxBatchRecords` records.
   */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      let lastPosition = 0;
      while (this.failure === null && this.batches.length > 0 && this.batches[0]!.state === 'durable') {
        const count = this.durableAtHead();
        const last = this.batches[count - 1]!;
        assert(this.batches[0]!.position > lastPosition, 'journal positions increase in decision order');
        lastPosition = last.position;
        // The sessions that may hear of their commits before the apply do, and the apply runs
        // once their answers are on their way (after the turn's microtasks): the clients'
        // round trips then overlap the apply instead of following it.
        if (this.acknowledgeDurable(count)) {
          await new Promise<void>((resolve) => this.timers.setImmediate(resolve));
          if (this.failure !== null) break;
        }
        await this.publish(count === 1 ? last.records : this.batches.slice(0, count).flatMap((batch) => batch.records), last.position);
        const published = this.batches.splice(0, count);
        for (const batch of published) this.inFlightCommits -= batch.commits.length;
        this.announceWatermark();
        for (const batch of published) this.acknowledge(batch.commits, 0);
      }
    } catch (error) {
      this.fail(`publishing to storage failed: ${(error as Error).message}`);
    } finally {
      this.draining = false;
    }
    this.notifyIdle();
  }

  /**
   * How many durable batches at the head go in the next publish: consecutive in the journal
   * (each starts right after the one before), together at most `maxBatchRecords` records.
   */
  private durableAtHead(): number {
    let count = 1;
    let records = this.batches[0]!.records.length;
    while (count < this.batches.length) {
      const next = this.batches[count]!;
      if (next.state !== 'durable' || records + next.records.length > this.maxBatchRecords) break;
      assert(next.position - next.records.length === this.batches[count - 1]!.position, 'batches are consecutive in the journal');
      records += next.records.length;
      count++;
    }
    return count;
  }

  /**
   * Acknowledges the commits of the first `count` (durable, unpublished) batches that asked to
   * hear before the apply, in timestamp order up to the first whose commit wait is not over
   * (that one and those after it are acknowledged after the apply). Returns whether any was.
   */
  private acknowledgeDurable(count: number): boolean {
    const earliest = this.clock.now().earliest;
    let any = false;
    for (let b = 0; b < count; b++) {
      for (const commit of this.batches[b]!.commits) {
        if (commit.record.commitTimestamp > earliest) return any;
        if (commit.acknowledgeAt === 'durable') {
          this.resolveCommitted(commit);
          any = true;
        }
      }
    }
    return any;
  }

  private resolveCommitted(commit: PendingCommit): void {
    commit.acknowledged = true;
    const commitTimestamp = commit.record.commitTimestamp;
    if (commitTimestamp > this.lastAcknowledged) this.lastAcknowledged = commitTimestamp;
    commit.resolve({ kind: 'committed', commitTimestamp });
  }

  /**
   * Commit wait: a commit is acknowledged only once now().earliest ≥ τ_commit, so every
   * transaction that starts after the acknowledgement sees it. Commits in a batch are in
   * timestamp order, so `from` walks forward.
   */
  private acknowledge(commits: readonly PendingCommit[], from: number): void {
    const earliest = this.clock.now().earliest;
    let index = from;
    while (index < commits.length && commits[index]!.record.commitTimestamp <= earliest) {
      const commit = commits[index]!;
      if (!commit.acknowledged) this.resolveCommitted(commit);
      index++;
    }
    if (index === commits.length) return;
    const waitUs = commits[index]!.record.commitTimestamp - earliest;
    this.timers.setTimeout(() => this.acknowledge(commits, index), Math.max(1, Math.ceil(waitUs / 1000)));
  }

  /**
   * The adjudicator cannot take back a decision: after a failed append it stops deciding. Every
   * undelivered commit answers unavailable (it may or may not be in the journal), and the
   * batches stay in place so the watermark never passes them.
   */
  private fail(reason: string): void {
    if (this.failure !== null) return;
    this.failure = `adjudicator unavailable: ${reason}`;
    this.log?.error(this.failure);
    this.onFailure?.(this.failure);
    const outcome: CommitOutcome = { kind: 'unavailable', reason: `${this.failure}; the transaction may have committed` };
    // A commit acknowledged before its apply stays acknowledged: it is durable, the watermark
    // never passes it here, and a restart applies it from the journal.
    for (const batch of this.batches) {
      for (const commit of batch.commits) if (!commit.acknowledged) commit.resolve(outcome);
    }
    this.notifyIdle();
  }

  /**
   * W such that every later commit gets a timestamp > W and every commit ≤ W is durable and
   * published: min(lowest timestamp in flight − 1, now().earliest − 1), never decreasing.
   */
  watermark(): Timestamp {
    let watermark = this.clock.now().earliest - 1;
    const oldest = this.batches[0];
    if (oldest !== undefined) {
      const lowestInFlight = oldest.records[0]!.commitTimestamp;
      assert(lowestInFlight > this.lastWatermark, 'no commit in flight is at or below a watermark given out');
      watermark = Math.min(watermark, lowestInFlight - 1);
    }
    if (watermark > this.lastWatermark) this.lastWatermark = watermark;
    return this.lastWatermark;
  }

  /**
   * Wd such that every later decision gets a timestamp > Wd and every decision ≤ Wd has been
   * handed to `onDecided` (durable or not): min(lowest undelivered timestamp − 1,
   * now().earliest − 1), never decreasing. A storage node that holds every decision handed out
   * can serve a read at τ ≤ Wd once no undurable decision at or below τ touches its keys. After
   * a failure it stops moving (a new leader's timestamps start above it).
   */
  decidedWatermark(): Timestamp {
    if (this.failure !== null || this.stopping) return this.lastDecidedWatermark;
    let watermark = this.clock.now().earliest - 1;
    const oldest = this.undelivered[0];
    if (oldest !== undefined) {
      assert(oldest.commitTimestamp > this.lastDecidedWatermark, 'no undelivered decision is at or below a decided watermark given out');
      watermark = Math.min(watermark, oldest.commitTimestamp - 1);
    }
    if (watermark > this.lastDecidedWatermark) this.lastDecidedWatermark = watermark;
    return this.lastDecidedWatermark;
  }

  /**
   * Where a transaction that starts now begins: the watermark, or the last acknowledged commit
   * when that is above it (acknowledged before its apply, or in the microsecond the watermark's
   * clock reading lags commit wait). Every commit at or below it is durable, and every later
   * one gets a timestamp above it; a read there waits for safe time, so for the apply.
   */
  snapshotTime(): Timestamp {
    return Math.max(this.watermark(), this.lastAcknowledged);
  }

  /** Whether a commit at or below `timestamp` is decided but not yet published (so the watermark waits on it, not on the clock). */
  inFlightAtOrBelow(timestamp: Timestamp): boolean {
    const oldest = this.batches[0];
    return oldest !== undefined && oldest.records[0]!.commitTimestamp <= timestamp;
  }

  /** Decisions not yet published to storage, in decision order (for a storage node that connects). */
  decisionsInFlight(): JournalRecord[] {
    const records: JournalRecord[] = [];
    for (const batch of this.batches) records.push(...batch.records);
    return records;
  }

  /** Calls `listener` with the new watermark after each published batch. Returns an unsubscribe. */
  onWatermark(listener: (watermark: Timestamp) => void): () => void {
    this.watermarkListeners.push(listener);
    return () => {
      const index = this.watermarkListeners.indexOf(listener);
      if (index >= 0) this.watermarkListeners.splice(index, 1);
    };
  }

  private announceWatermark(): void {
    if (this.watermarkListeners.length === 0) return;
    const watermark = this.watermark();
    for (const listener of this.watermarkListeners) {
      try {
        listener(watermark);
      } catch (error) {
        this.log?.warn(`watermark listener failed: ${(error as Error).message}`);
      }
    }
  }

  /**
   * Drops conflict-map entries older than the horizon, at most `maxEntries` per call (the node
   * calls this from a timer). A transaction that started before a dropped entry is too old.
   * Returns how many entries were dropped.
   */
  prune(maxEntries: number = DEFAULT_PRUNE_BATCH): number {
    const horizon = this.clock.now().earliest - this.maxTransactionAgeUs;
    let dropped = 0;
    for (const [key, commitTimestamp] of this.lastCommit) {
      if (commitTimestamp >= horizon || dropped >= maxEntries) break;
      this.lastCommit.delete(key);
      // A start before this entry's commit would conflict with it, and it is gone: too old.
      if (commitTimestamp > this.prunedHorizon) this.prunedHorizon = commitTimestamp;
      dropped++;
    }
    for (const [key, commitTimestamp] of this.lastKeyShare) {
      if (commitTimestamp >= horizon || dropped >= maxEntries) break;
      this.lastKeyShare.delete(key);
      if (commitTimestamp > this.prunedHorizon) this.prunedHorizon = commitTimestamp;
      dropped++;
    }
    return dropped;
  }

  stats(): AdjudicatorStats {
    return {
      inFlightCommits: this.inFlightCommits,
      batchesInFlight: this.batches.length,
      conflictMapSize: this.lastCommit.size + this.lastKeyShare.size,
      lastIssued: this.lastIssued,
    };
  }

  /** Refuses new commits and resolves once every decided commit is published (or failed). */
  async close(): Promise<void> {
    this.stopping = true;
    if (this.batches.length === 0 || this.failure !== null) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private notifyIdle(): void {
    if (this.idleWaiters.length === 0) return;
    if (this.batches.length > 0 && this.failure === null) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
