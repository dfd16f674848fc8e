/**
 * Fencing of the adjudicator leader's promises (the watermark notices). A notice promises
 * followers that no commit will come at or below some timestamp (the watermark, the decided
 * watermark, a key's reservation). A leader deposed while alive — a standby that saw it as gone
 * deleted its key and took over — can keep sending notices until it notices, and a follower
 * whose etcd watch lags still takes them; without a bound, such a notice would cover commits
 * the successor makes meanwhile.
 *
 * The bound: the leader confirms its leadership with a linearizable read of its key (a read-only
 * transaction comparing its create revision) every `intervalMs`, and promises nothing above
 * c + `validityUs`, where c is its clock's earliest time taken before the read was sent. The read saw the key with this leader's create revision
 * at some true time ≥ c, so any successor created its key later, and it starts its timestamps
 * above its own now().latest + `validityUs` (LocalAdjudicator's takeoverGapUs) ≥ that true
 * time + `validityUs` > c + `validityUs`. Every promise of the old leader stays below every
 * commit of the new one, whatever the followers know — the clock bound makes c and the
 * successor's latest comparable across machines. A read that finds the key gone or held by
 * someone else ends the leadership (the caller exits, crash-only); a read that fails keeps the
 * last bound, so promises stall rather than overreach while etcd is unreachable.
 *
 * A journal append confirms as well as a read does: it is a transaction that compares the
 * leader key's create revision with this leader's, so when it succeeds the key was this
 * leader's at some true time after the append was sent. Appends go through `confirming`, and
 * the read is made only when none succeeded within the interval: under commit load the leader
 * sends no reads at all (bench:distributed counted 20 a second beside ~200 appends).
 */
import type { Comparison, Coordination } from '../../env/coordination.js';
import type { Clock, Timers, Timestamp } from '../../contracts/time.js';
import type { NoticeSource } from './notice-streams.js';

export interface PromiseFenceOptions {
  readonly coordination: Coordination;
  readonly clock: Clock;
  readonly timers: Timers;
  /** The leader key and the create revision this leader holds it with (its epoch). */
  readonly key: Uint8Array;
  readonly createRevision: number;
  readonly intervalMs: number;
  readonly validityUs: number;
  /** The key is gone or held by another leader: this one must stop. Called at most once. */
  readonly onDeposed: (reason: string) => void;
  readonly onProblem?: (message: string) => void;
}

export class PromiseFence {
  private through: Timestamp = 0;
  /** The clock's earliest time before the latest confirmation was sent (read or append). */
  private confirmedFrom: Timestamp = -Infinity;
  /** Confirmations so far by a read of the key (the rest came with appends). */
  reads = 0;
  private timer: ReturnType<Timers['setTimeout']> | null = null;
  private stopped = false;
  private deposed = false;

  constructor(private readonly options: PromiseFenceOptions) {}

  /** Confirms once now, then every interval. */
  async start(): Promise<void> {
    await this.confirm();
  }

  /** The highest timestamp this leader may promise anything about. */
  promisableThrough(): Timestamp {
    return this.through;
  }

  /** Wraps a notice source so that nothing it says reaches past the bound. */
  fence(source: NoticeSource): NoticeSource {
    return {
      epoch: source.epoch,
      get published() { return source.published; },
      watermark: () => Math.min(source.watermark(), this.through),
      decidedWatermark: () => Math.min(source.decidedWatermark(), this.through),
      decisionsInFlight: () => source.decisionsInFlight(),
      lastIssued: () => source.lastIssued(),
      reserveCovered: (key, through) => source.reserveCovered(key, Math.min(through, this.through)),
      promiseDecided: (through) => Math.min(source.promiseDecided(Math.min(through, this.through)), this.through),
    };
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.options.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * `coordination` with every successful transaction that carries this leader's fence compare
   * (the journal's appends) counted as a confirmation, as of the time it was sent.
   */
  confirming(coordination: Coordination): Coordination {
    return {
      transaction: async (comparisons, operations) => {
        const before = this.options.clock.now().earliest;
        const result = await coordination.transaction(comparisons, operations);
        if (result.succeeded && comparisons.some((c) => this.isFence(c))) this.confirmed(before);
        return result;
      },
      range: (from, to, options) => coordination.range(from, to, options),
      watch: (from, to, afterRevision, onEvents, onError) => coordination.watch(from, to, afterRevision, onEvents, onError),
      grantLease: (ttlSeconds) => coordination.grantLease(ttlSeconds),
      compact: (revision) => coordination.compact(revision),
      close: () => coordination.close(),
    };
  }

  private isFence(comparison: Comparison): boolean {
    return comparison.target === 'create' && comparison.op === '==' && comparison.revision === this.options.createRevision
      && Buffer.compare(comparison.key, this.options.key) === 0;
  }

  private confirmed(before: Timestamp): void {
    if (this.deposed) return;
    if (before > this.confirmedFrom) this.confirmedFrom = before;
    const through = before + this.options.validityUs;
    if (through > this.through) this.through = through;
  }

  private async confirm(): Promise<void> {
    if (this.stopped || this.deposed) return;
    const { coordination, clock, key, createRevision, intervalMs } = this.options;
    const before = clock.now().earliest;
    // An append confirmed within the interval: no read now; look again an interval after it.
    const sinceMs = (before - this.confirmedFrom) / 1000;
    if (sinceMs < intervalMs) {
      this.timer = this.options.timers.setTimeout(() => void this.confirm(), Math.max(1, Math.ceil(intervalMs - sinceMs)));
      return;
    }
    try {
      this.reads++;
      // The check as a transaction with the append's own compare and nothing to write: etcd
      // serves a read-only transaction linearizably, as it does a range, and this one goes
      // over the lean client to etcd's leader like the appends (etcd-txn.ts), not through
      // etcd3's per-call stream.
      const { succeeded } = await coordination.transaction([{ key, target: 'create', op: '==', revision: createRevision }], []);
      if (!succeeded) {
        this.deposed = true;
        this.stop();
        this.options.onDeposed(await this.whyDeposed());
        return;
      }
      this.confirmed(before);
    } catch (error) {
      this.options.onProblem?.(`confirming leadership: ${(error as Error).message}`);
    }
    if (!this.stopped) this.timer = this.options.timers.setTimeout(() => void this.confirm(), intervalMs);
  }

  /** What the failed check found, for the log (read once more: the check itself says only no). */
  private async whyDeposed(): Promise<string> {
    const { coordination, key, createRevision } = this.options;
    const end = new Uint8Array(key.length + 1);
    end.set(key);
    const holder = await coordination.range(key, end).then((read) => read.entries[0], () => null);
    if (holder === null) return `the leader key no longer has this leader's revision ${createRevision}`;
    return holder === undefined ? 'the leader key is gone'
      : `the leader key was taken over (revision ${holder.createRevision}, this leader's ${createRevision})`;
  }
}
