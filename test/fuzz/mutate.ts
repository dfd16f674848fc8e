/**
 * Seeded mutation of real inputs for the fuzz tests: a xorshift32 PRNG (the same seed gives the
 * same cases on every run and machine) and the mutations that find parser bugs: bit flips,
 * truncation, corrupted and huge length fields, repeated slices, random junk.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = (seed >>> 0) || 0x9e3779b9;
  }

  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  /** An integer in [0, bound). */
  int(bound: number): number {
    return bound <= 0 ? 0 : this.next() % bound;
  }

  bytes(count: number): Uint8Array {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = this.next() & 0xff;
    return out;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** One to four mutations of `input` (never changed in place). */
export function mutate(random: Prng, input: Uint8Array): Uint8Array {
  let bytes = Uint8Array.from(input);
  const rounds = 1 + random.int(4);
  for (let round = 0; round < rounds; round++) {
    const at = random.int(Math.max(bytes.length, 1));
    switch (random.int(7)) {
      case 0: // bit flip
        if (bytes.length > 0) bytes[at] = bytes[at]! ^ (1 << random.int(8));
        break;
      case 1: // truncation
        bytes = bytes.slice(0, at);
        break;
      case 2: // a length field (any two bytes) set to an extreme
        if (at + 1 < bytes.length) {
          const value = random.pick([0, 1, 0xff, 0x7fff, 0xffff, bytes.length - at, bytes.length - at + 1]);
          bytes[at] = (value >> 8) & 0xff;
          bytes[at + 1] = value & 0xff;
        }
        break;
      case 3: // four bytes set to a huge or negative 32-bit length
        if (at + 3 < bytes.length) {
          const value = random.pick([0, 4, 0x7fffffff, 0xffffffff, 0x80000000, 10_000_001]);
          bytes[at] = value >>> 24; bytes[at + 1] = (value >>> 16) & 0xff; bytes[at + 2] = (value >>> 8) & 0xff; bytes[at + 3] = value & 0xff;
        }
        break;
      case 4: { // a slice repeated (repeated extensions, repeated fields)
        const length = 1 + random.int(Math.min(64, Math.max(bytes.length - at, 1)));
        const slice = bytes.slice(at, at + length);
        const times = 1 + random.int(8);
        const end = at + slice.length;
        const out = new Uint8Array(bytes.length + slice.length * times);
        out.set(bytes.subarray(0, end));
        for (let i = 0; i < times; i++) out.set(slice, end + i * slice.length);
        out.set(bytes.subarray(end), end + times * slice.length);
        bytes = out;
        break;
      }
      case 5: { // random junk inserted
        const junk = random.bytes(1 + random.int(32));
        const cut = Math.min(at, bytes.length);
        const out = new Uint8Array(bytes.length + junk.length);
        out.set(bytes.subarray(0, cut));
        out.set(junk, cut);
        out.set(bytes.subarray(cut), cut + junk.length);
        bytes = out;
        break;
      }
      default: // a byte set to a boundary value
        if (bytes.length > 0) bytes[at] = random.pick([0, 1, 0x16, 0x7f, 0x80, 0xff]);
    }
  }
  return bytes;
}

/** A text input mutated as its UTF-8 bytes, read back as text (invalid sequences become U+FFFD). */
export function mutateText(random: Prng, text: string): string {
  return Buffer.from(mutate(random, Buffer.from(text, 'utf8'))).toString('utf8');
}
