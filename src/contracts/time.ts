/**
 * Time, as DESIGN.md §2 defines it: a ClockBound-style interval in microseconds since the Unix
 * epoch. The true time is inside [earliest, latest]. Microsecond numbers stay exact in a double
 * until the year 2255, so timestamps are plain numbers on the hot path.
 */
export type Timestamp = number;

export interface ClockReading {
  readonly earliest: Timestamp;
  readonly latest: Timestamp;
}

export interface Clock {
  now(): ClockReading;
}

/** Timers, injected so the simulator can run a cluster on virtual time. */
export interface TimerHandle {
  readonly id: unknown;
}

export interface Timers {
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(callback: () => void, intervalMs: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
  /** Runs `callback` after the current I/O callbacks, before timers (setImmediate). */
  setImmediate(callback: () => void): void;
}

/** Randomness, injected so a simulated run is reproducible from its seed. */
export interface RandomSource {
  bytes(count: number): Uint8Array;
  /** A uniformly random integer in [0, bound). */
  int(bound: number): number;
}
