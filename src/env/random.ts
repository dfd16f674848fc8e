import { randomBytes, randomInt } from 'node:crypto';
import type { RandomSource } from '../contracts/time.js';

export class SystemRandom implements RandomSource {
  bytes(count: number): Uint8Array {
    return randomBytes(count);
  }
  int(bound: number): number {
    return randomInt(bound);
  }
}
