import { SqlError } from '../../contracts/errors.js';
import type { RandomSource } from '../../contracts/time.js';

/**
 * random()'s source in one session. Until setseed(x) it draws from the node's random source;
 * after it, from the session's own generator seeded with x, which is PostgreSQL 15's (pg_prng.c:
 * xoroshiro128** seeded through splitmix64, pg_prng_fseed and pg_prng_double), so a seed gives
 * the same numbers as in PostgreSQL. gen_random_uuid and hidden row ids never draw from it.
 */
const MASK = (1n << 64n) - 1n;

export class SessionRandom {
  private s0 = 0n;
  private s1 = 0n;
  private seeded = false;

  constructor(private readonly source: RandomSource) {}

  /** random(): [0, 1). */
  next(): number {
    if (!this.seeded) return unseededDouble(this.source);
    return Number(this.xoroshiro128ss() >> 12n) / 2 ** 52;
  }

  /** setseed(x), x in [-1, 1]. */
  seed(x: number): void {
    if (!(x >= -1 && x <= 1)) throw new SqlError('22023', `setseed parameter ${formatG(x)} is out of allowed range [-1,1]`);
    let state = BigInt(Math.trunc((2 ** 52 - 1) * x)) & MASK;
    const splitmix64 = (): bigint => {
      state = (state + 0x9e3779b97f4a7c15n) & MASK;
      let v = state;
      v = ((v ^ (v >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
      v = ((v ^ (v >> 27n)) * 0x94d049bb133111ebn) & MASK;
      return v ^ (v >> 31n);
    };
    this.s0 = splitmix64();
    this.s1 = splitmix64();
    if (this.s0 === 0n && this.s1 === 0n) {
      this.s0 = 0x5851f42d4c957f2dn;
      this.s1 = 0x14057b7ef767814fn;
    }
    this.seeded = true;
  }

  private xoroshiro128ss(): bigint {
    const s0 = this.s0;
    const sx = this.s1 ^ s0;
    const value = (rotl((s0 * 5n) & MASK, 7n) * 9n) & MASK;
    this.s0 = rotl(s0, 24n) ^ sx ^ ((sx << 16n) & MASK);
    this.s1 = rotl(sx, 37n);
    return value;
  }
}

function rotl(x: bigint, bits: bigint): bigint {
  return ((x << bits) | (x >> (64n - bits))) & MASK;
}

/** 52 random bits as a double in [0, 1). */
export function unseededDouble(random: RandomSource): number {
  const b = random.bytes(7);
  let v = 0;
  for (let k = 0; k < 7; k++) v = v * 256 + b[k]!;
  return Math.floor(v / 16) / 2 ** 52;
}

/** printf's %g, as the error message prints the seed. */
function formatG(x: number): string {
  // PostgreSQL's own snprintf spells these out.
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
  const exponent = x === 0 ? 0 : Math.floor(Math.log10(Math.abs(x)));
  if (exponent < -4 || exponent >= 6) {
    const [mantissa, power] = x.toExponential(5).split('e') as [string, string];
    const trimmed = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
    const n = Number(power);
    return `${trimmed}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(Number(x.toPrecision(6)));
}
