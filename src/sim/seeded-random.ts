import type { RandomSource } from '../contracts/time.js';

/**
 * mulberry32: a small, fast, deterministic source of floats in [0, 1). Seeded tests and
 * simulations draw their schedules from it, so a failing seed replays exactly.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The injected RandomSource (contracts/time.ts) drawn from seededRandom: same seed, same draws. */
export class SeededRandom implements RandomSource {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = seededRandom(seed);
  }

  int(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  bytes(count: number): Uint8Array {
    return Uint8Array.from({ length: count }, () => this.int(256));
  }
}
