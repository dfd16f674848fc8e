import { performance } from 'node:perf_hooks';
import type { Clock, ClockReading, Timestamp } from '../contracts/time.js';

/**
 * The machine's clock as a ClockBound interval. Within one process the clock is read from a
 * monotonic source anchored once to the wall clock, so it never goes backwards; `errorBoundUs`
 * is the configured ε (0 in embedded mode, where every component shares this one clock).
 */
export class SystemClock implements Clock {
  private readonly originUs: number;
  private last: Timestamp = 0;
  private offsetUs = 0;

  constructor(private readonly errorBoundUs: number = 0) {
    this.originUs = Math.round(performance.timeOrigin * 1000);
  }

  now(): ClockReading {
    let t = this.originUs + this.offsetUs + Math.floor(performance.now() * 1000);
    if (t <= this.last) t = this.last;
    this.last = t;
    return { earliest: t - this.errorBoundUs, latest: t + this.errorBoundUs };
  }

  /** Moves the clock forward (never back): tests of time limits use it. */
  advance(micros: number): void {
    this.offsetUs += Math.max(0, micros);
  }
}

/**
 * A monotonic reading in microseconds with no allocation (one `performance.now`, ~50 ns): the
 * stopwatch the query processor times its sessions' processing with (ComputeDPU).
 */
export function monotonicMicros(): number {
  return performance.now() * 1000;
}
