import { SqlError, serverUnavailable } from '../contracts/errors.js';
import type { Adjudicator } from '../contracts/adjudicator.js';
import type { SafeTimeSource } from '../contracts/storage.js';
import type { Timestamp, Timers } from '../contracts/time.js';

/**
 * Safe time for storage in the embedded cluster, pulled from the adjudicator's watermark
 * (every commit at or below it is durable and applied). The watermark follows the clock even
 * with no commits, so a read on an idle cluster waits at most a clock tick; with commits in
 * flight below the read timestamp, it waits for their batch to publish.
 */
const MAX_WAITERS = 100_000;
const SPIN_US = 50;

export class AdjudicatorSafeTime implements SafeTimeSource {
  private waiters: { timestamp: Timestamp; resolve: () => void; reject: (error: Error) => void; deadline: number }[] = [];
  private polling = false;

  constructor(
    private readonly adjudicator: Adjudicator & {
      onWatermark(listener: (w: Timestamp) => void): unknown;
      inFlightAtOrBelow(timestamp: Timestamp): boolean;
    },
    private readonly timers: Timers,
    private readonly now: () => Timestamp,
    private readonly maxWaitUs = 10_000_000,
  ) {
    adjudicator.onWatermark(() => this.release());
  }

  safeTime(): Timestamp {
    return this.adjudicator.watermark();
  }

  waitFor(timestamp: Timestamp): Promise<void> {
    if (this.adjudicator.watermark() >= timestamp) return Promise.resolve();
    // A shortfall of a few microseconds is the clock: wait it out here rather than give up a
    // turn of the event loop. A commit in flight at or below the timestamp (one acknowledged
    // before its apply, say) is published by this thread, so spinning cannot outlast it.
    if (!this.adjudicator.inFlightAtOrBelow(timestamp)) {
      const spinUntil = this.now() + SPIN_US;
      while (timestamp - this.now() < SPIN_US && this.now() < spinUntil) {
        if (this.adjudicator.watermark() >= timestamp) return Promise.resolve();
      }
    }
    if (this.waiters.length >= MAX_WAITERS) return Promise.reject(new SqlError('53000', 'too many reads waiting for safe time'));
    return new Promise((resolve, reject) => {
      this.waiters.push({ timestamp, resolve, reject, deadline: this.now() + this.maxWaitUs });
      this.poll();
    });
  }

  /** Re-checks on the next turn while anyone waits: the clock moves the watermark, not events. */
  private poll(): void {
    if (this.polling) return;
    this.polling = true;
    this.timers.setImmediate(() => {
      this.polling = false;
      this.release();
      if (this.waiters.length > 0) this.timers.setTimeout(() => this.poll(), 0);
    });
  }

  private release(): void {
    if (this.waiters.length === 0) return;
    const watermark = this.adjudicator.watermark();
    const now = this.now();
    const still: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (waiter.timestamp <= watermark) waiter.resolve();
      else if (now > waiter.deadline) waiter.reject(serverUnavailable('storage did not reach the read timestamp in time'));
      else still.push(waiter);
    }
    this.waiters = still;
  }
}
