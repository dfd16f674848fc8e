import { assert, SqlError, serverUnavailable } from '../contracts/errors.js';
import type { SafeTimeSource } from '../contracts/storage.js';
import type { TimerHandle, Timers, Timestamp } from '../contracts/time.js';

/**
 * Safe time for one storage node (DESIGN.md §2 Time): the node calls `advance(τ)` once every
 * commit at or below τ is applied (records applied through τ, and a watermark promising no
 * commit <= τ is still on its way). Reads at τ wait in `waitFor` until then.
 *
 * Waiters are kept sorted by timestamp (FIFO among equal ones) and released in that order; the
 * queue is bounded, and each wait is bounded by a timer so a stalled journal turns into a
 * clear error instead of a read that never returns.
 */
export interface SafeTimeOptions {
  readonly timers: Timers;
  /** How long a read may wait for safe time before it fails. */
  readonly maxWaitMs?: number;
  /** How many reads may wait at once; beyond it reads fail at once. */
  readonly maxWaiters?: number;
  /** Safe time at start (e.g. the last applied commit timestamp after a restart). */
  readonly initial?: Timestamp;
}

interface Waiter {
  readonly timestamp: Timestamp;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  timer: TimerHandle | null;
}

export class SafeTime implements SafeTimeSource {
  private current: Timestamp;
  /** Sorted by timestamp ascending; FIFO among equal timestamps. */
  private readonly waiters: Waiter[] = [];
  private readonly timers: Timers;
  private readonly maxWaitMs: number;
  private readonly maxWaiters: number;
  private closedWith: Error | null = null;

  constructor(options: SafeTimeOptions) {
    this.timers = options.timers;
    this.maxWaitMs = options.maxWaitMs ?? 10_000;
    this.maxWaiters = options.maxWaiters ?? 10_000;
    this.current = options.initial ?? 0;
    assert(this.maxWaitMs > 0 && this.maxWaiters > 0, 'safe time bounds are positive');
  }

  safeTime(): Timestamp {
    return this.current;
  }

  /** How many reads are waiting (diagnostics and tests). */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Moves safe time forward to `timestamp` (a smaller value is ignored: several feeds — applied
   * records and watermarks — may report out of step) and releases every waiter it covers.
   */
  advance(timestamp: Timestamp): void {
    assert(Number.isFinite(timestamp), 'safe time is a finite timestamp');
    if (timestamp <= this.current) return;
    this.current = timestamp;
    let released = 0;
    while (released < this.waiters.length && this.waiters[released]!.timestamp <= timestamp) released++;
    if (released === 0) return;
    const ready = this.waiters.splice(0, released);
    for (const waiter of ready) {
      if (waiter.timer !== null) this.timers.clearTimeout(waiter.timer);
      waiter.resolve();
    }
  }

  waitFor(timestamp: Timestamp): Promise<void> {
    if (timestamp <= this.current) return Promise.resolve();
    if (this.closedWith !== null) return Promise.reject(this.closedWith);
    if (this.waiters.length >= this.maxWaiters) {
      return Promise.reject(new SqlError('53000', 'too many reads waiting for safe time'));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { timestamp, resolve, reject, timer: null };
      this.waiters.splice(this.insertionPoint(timestamp), 0, waiter);
      waiter.timer = this.timers.setTimeout(() => this.expire(waiter), this.maxWaitMs);
    });
  }

  /** Fails every waiting read (the node is shutting down); later waits fail at once. */
  close(error: Error = new SqlError('57P01', 'terminating connection due to administrator command')): void {
    this.closedWith = error;
    const all = this.waiters.splice(0, this.waiters.length);
    for (const waiter of all) {
      if (waiter.timer !== null) this.timers.clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }

  private expire(waiter: Waiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index < 0) return; // released in the same turn
    this.waiters.splice(index, 1);
    waiter.reject(serverUnavailable(`storage did not reach read timestamp ${waiter.timestamp} within ${this.maxWaitMs} ms (safe time is ${this.current})`));
  }

  /** After every waiter with a timestamp <= `timestamp` (reads mostly arrive in order: search from the end). */
  private insertionPoint(timestamp: Timestamp): number {
    let low = 0;
    let high = this.waiters.length;
    if (high > 0 && this.waiters[high - 1]!.timestamp <= timestamp) return high;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.waiters[middle]!.timestamp <= timestamp) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
