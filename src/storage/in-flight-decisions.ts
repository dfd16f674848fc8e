import type { Key } from '../contracts/kv.js';
import type { KeySpan, SafeTimeSource } from '../contracts/storage.js';
import type { Timestamp } from '../contracts/time.js';
import type { SafeTime } from './safe-time.js';

/**
 * Safe time per key for a storage replica that hears of decisions before they are durable.
 *
 * DESIGN.md §2: a read at τ waits until every commit at or below τ is applied. With safe time
 * alone that means every commit in the cluster, so under load a read at now() waits for the
 * batches in flight (append, journal delivery, apply) even when none of them touches its keys.
 * The adjudicator leader therefore also sends each decision's timestamp and written keys as
 * soon as it is made, and a decided watermark Wd (no later decision is at or below it, and
 * every decision at or below it was sent — or is in the journal at or before a position this
 * replica has applied). A read at τ ≤ Wd is then exact once no undurable decision at or below
 * τ writes one of its keys: every other commit at or below τ is applied already. A read whose
 * keys an in-flight decision touches waits for it as before (or for safe time to pass τ).
 *
 * A decision leaves once applied (its timestamp is at or below the last applied commit:
 * journal order is timestamp order) or once safe time passes it (it is applied or will never
 * be: a decision whose append failed died with its leader, and the next leader's timestamps
 * start above every watermark the old one gave).
 */
export interface InFlightDecision {
  readonly commitTimestamp: Timestamp;
  readonly keys: readonly Key[];
}

interface Waiter {
  readonly timestamp: Timestamp;
  readonly span: KeySpan;
  readonly resolve: () => void;
}

export class InFlightDecisions implements SafeTimeSource {
  /** Undurable decisions, ascending by timestamp. */
  private decisions: InFlightDecision[] = [];
  /** The highest decided watermark this replica may rely on (0: none yet). */
  private decided: Timestamp = 0;
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly base: SafeTime) {}

  safeTime(): Timestamp {
    return this.base.safeTime();
  }

  /** How many decisions are held (diagnostics and tests). */
  get size(): number {
    return this.decisions.length;
  }

  /** The decided watermark reads may use (diagnostics and tests). */
  get decidedWatermark(): Timestamp {
    return this.decided;
  }

  waitFor(timestamp: Timestamp, span?: KeySpan): Promise<void> {
    if (timestamp <= this.base.safeTime()) return Promise.resolve();
    if (span === undefined) return this.base.waitFor(timestamp);
    if (this.clear(timestamp, span)) return Promise.resolve();
    // Whichever comes first: the keys are clear, or safe time passes τ (which also bounds the
    // wait and fails it when storage closes).
    return new Promise<void>((resolve, reject) => {
      let done = false;
      const waiter: Waiter = {
        timestamp, span,
        resolve: () => {
          if (done) return;
          done = true;
          this.waiters.delete(waiter);
          resolve();
        },
      };
      this.waiters.add(waiter);
      this.base.waitFor(timestamp).then(waiter.resolve, (error: unknown) => {
        if (done) return;
        done = true;
        this.waiters.delete(waiter);
        reject(error);
      });
    });
  }

  /** Decisions sent by the leader, in its decision order. */
  add(decisions: readonly InFlightDecision[]): void {
    if (decisions.length === 0) return;
    const last = this.decisions[this.decisions.length - 1];
    for (const decision of decisions) {
      if (decision.commitTimestamp <= this.base.safeTime()) continue;
      this.decisions.push(decision);
    }
    // A resent decision (a new stream carries every unpublished one) or another leader's may
    // arrive out of order; the list stays sorted so `settle` drops from the front.
    if (last !== undefined && decisions[0]!.commitTimestamp <= last.commitTimestamp) {
      this.decisions.sort((a, b) => a.commitTimestamp - b.commitTimestamp);
    }
  }

  /**
   * A decided watermark the replica may now rely on: every decision at or below it was added,
   * or is applied. Never moves back.
   */
  advanceDecided(watermark: Timestamp): void {
    if (!(watermark > this.decided)) return;
    this.decided = watermark;
    this.release();
  }

  /** Every commit at or below `timestamp` is applied (or will never be): drop those decisions. */
  settle(timestamp: Timestamp): void {
    let dropped = 0;
    while (dropped < this.decisions.length && this.decisions[dropped]!.commitTimestamp <= timestamp) dropped++;
    if (dropped > 0) this.decisions.splice(0, dropped);
    this.release();
  }

  private release(): void {
    for (const waiter of this.waiters) {
      if (this.clear(waiter.timestamp, waiter.span)) waiter.resolve();
    }
  }

  /** True when a read of `span` at τ sees every commit at or below τ that touches it. */
  private clear(timestamp: Timestamp, span: KeySpan): boolean {
    if (timestamp > this.decided) return false;
    for (const decision of this.decisions) {
      if (decision.commitTimestamp > timestamp) return true;
      for (const key of decision.keys) if (inSpan(key, span)) return false;
    }
    return true;
  }
}

function inSpan(key: Key, span: KeySpan): boolean {
  if (span.end === null) return Buffer.compare(key, span.start) === 0;
  return Buffer.compare(key, span.start) >= 0 && Buffer.compare(key, span.end) < 0;
}
