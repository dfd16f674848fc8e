import type { Clock, ClockReading, TimerHandle, Timers, Timestamp } from '../contracts/time.js';

/**
 * A clock on virtual time: the true time moves only when told to. `errorBoundUs` widens the
 * interval around it (ε); `earliestLagUs` additionally pulls `earliest` back, to model a clock
 * whose lower bound trails (commit wait then has to wait).
 */
export class FakeClock implements Clock {
  errorBoundUs = 0;
  earliestLagUs = 0;

  constructor(private trueTimeUs: Timestamp = 1_700_000_000_000_000) {}

  now(): ClockReading {
    return {
      earliest: this.trueTimeUs - this.errorBoundUs - this.earliestLagUs,
      latest: this.trueTimeUs + this.errorBoundUs,
    };
  }

  get trueTime(): Timestamp {
    return this.trueTimeUs;
  }

  /** Moves the true time forward (never back). */
  advance(micros: number): void {
    if (micros > 0) this.trueTimeUs += micros;
  }
}

interface PendingTimer {
  readonly handle: TimerHandle;
  dueUs: number;
  readonly intervalUs: number | null;
  readonly callback: () => void;
}

/**
 * Timers on a FakeClock's virtual time. Timeouts fire only from `advance`, in due order;
 * `setImmediate` callbacks run as microtasks (deterministic, before any timer).
 */
export class FakeTimers implements Timers {
  private readonly pending = new Map<number, PendingTimer>();
  private nextId = 1;

  constructor(private readonly clock: FakeClock) {}

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    return this.add(callback, delayMs, null);
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle.id as number);
  }

  setInterval(callback: () => void, intervalMs: number): TimerHandle {
    return this.add(callback, intervalMs, Math.max(1, intervalMs) * 1000);
  }

  clearInterval(handle: TimerHandle): void {
    this.pending.delete(handle.id as number);
  }

  setImmediate(callback: () => void): void {
    queueMicrotask(callback);
  }

  /** How many timeouts and intervals are waiting. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Advances the clock by `micros`, firing every timer that falls due, in due order. */
  advance(micros: number): void {
    const target = this.clock.trueTime + Math.max(0, micros);
    for (;;) {
      const next = this.earliestDue();
      if (next === undefined || next.dueUs > target) break;
      this.clock.advance(next.dueUs - this.clock.trueTime);
      if (next.intervalUs === null) this.pending.delete(next.handle.id as number);
      else next.dueUs += next.intervalUs;
      next.callback();
    }
    this.clock.advance(target - this.clock.trueTime);
  }

  private add(callback: () => void, delayMs: number, intervalUs: number | null): TimerHandle {
    const handle = { id: this.nextId++ };
    const dueUs = this.clock.trueTime + Math.max(0, delayMs) * 1000;
    this.pending.set(handle.id, { handle, dueUs, intervalUs, callback });
    return handle;
  }

  private earliestDue(): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const timer of this.pending.values()) {
      if (best === undefined || timer.dueUs < best.dueUs) best = timer;
    }
    return best;
  }
}
