/**
 * Test support for the encoding: a seeded pseudo-random generator, sample values of every key
 * type (edge values first, then random ones), a reference comparator with PostgreSQL's ordering,
 * and SQL literals so the same values can be sorted by a real PostgreSQL. Used only by tests.
 */
import { TIMESTAMP_INFINITY, TimeTzValue, TypeOid, type IntervalValue, type NumericValue, type SqlValue } from '../contracts/sql-value.js';

/** mulberry32: small, fast, deterministic. */
export class SeededRandom {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(bound: number): number {
    return Math.floor(this.next() * bound);
  }
  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bigint(bits: number): bigint {
    let v = 0n;
    for (let i = 0; i < bits; i += 16) v = (v << 16n) | BigInt(this.int(0x10000));
    v &= (1n << BigInt(bits)) - 1n;
    return this.int(2) === 0 ? v : -v;
  }
}

export const numeric = (text: string): NumericValue => {
  if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return { coefficient: 0n, scale: 0, special: text };
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const dot = body.indexOf('.');
  const digits = dot < 0 ? body : body.slice(0, dot) + body.slice(dot + 1);
  const coefficient = BigInt(digits);
  return { coefficient: negative ? -coefficient : coefficient, scale: dot < 0 ? 0 : body.length - dot - 1 };
};

export function numericText(n: NumericValue): string {
  if (n.special) return n.special;
  const negative = n.coefficient < 0n;
  let digits = (negative ? -n.coefficient : n.coefficient).toString();
  if (n.scale > 0) {
    digits = digits.padStart(n.scale + 1, '0');
    digits = digits.slice(0, digits.length - n.scale) + '.' + digits.slice(digits.length - n.scale);
  }
  return (negative ? '-' : '') + digits;
}

const CHARS = ['a', 'b', 'z', 'A', ' ', '\u0001', '\u007f', 'é', 'ß', '\u00ff', '\u0100', '中', '\uffff', '\ud83d\ude00', '\ue000', '~', '0'];

function randomString(r: SeededRandom, maxLength: number): string {
  let s = '';
  const n = r.int(maxLength + 1);
  for (let i = 0; i < n; i++) s += r.pick(CHARS);
  return s;
}

function sampleBytes(r: SeededRandom, maxLength: number): Uint8Array {
  const n = r.int(maxLength + 1);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = r.pick([0, 0, 1, 0x7f, 0x80, 0xfe, 0xff, r.int(256)]);
  return out;
}

function randomNumeric(r: SeededRandom): NumericValue {
  const size = r.pick([4, 8, 30, 64, 200]);
  const coefficient = r.bigint(r.range(1, size));
  const scale = r.pick([0, 0, 1, 2, 5, 20, 40]);
  return { coefficient: r.int(5) === 0 ? coefficient * 1000n : coefficient, scale };
}

function randomDouble(r: SeededRandom): number {
  const buffer = new DataView(new ArrayBuffer(8));
  buffer.setUint32(0, r.int(0x100000000));
  buffer.setUint32(4, r.int(0x100000000));
  const f = buffer.getFloat64(0);
  return Number.isFinite(f) ? f : r.next() * 1000 - 500;
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

function randomUuid(r: SeededRandom): string {
  const b = new Uint8Array(16);
  for (let i = 0; i < 16; i++) b[i] = r.pick([0, 0xff, r.int(256)]);
  const h = hex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** PostgreSQL's timestamp range, roughly (4713 BC … 294276 AD) in µs since 2000-01-01. */
const TS_MIN = -211813488000000000n;
const TS_MAX = 9223371331200000000n - 1n;

function randomTimestamp(r: SeededRandom): bigint {
  const span = r.pick([1n << 20n, 1n << 40n, 1n << 56n, 1n << 62n]);
  let v = BigInt(Math.floor(r.next() * 2 ** 52)) * (span / (1n << 52n) + 1n) * (r.int(2) === 0 ? 1n : -1n);
  if (v < TS_MIN) v = TS_MIN + BigInt(r.int(1000));
  if (v > TS_MAX) v = TS_MAX - BigInt(r.int(1000));
  return v;
}

function randomInterval(r: SeededRandom): IntervalValue {
  return {
    months: r.pick([0, 0, 1, -1, r.range(-2000, 2000)]),
    days: r.pick([0, 0, 30, -30, r.range(-100000, 100000)]),
    micros: BigInt(r.pick([0, 1, -1, 86_400_000_000, r.range(-1e12, 1e12)])),
  };
}

/** The key types the samples cover (bpchar's values keep trailing blanks). */
export const SAMPLED_TYPES: readonly number[] = [
  TypeOid.bool, TypeOid.int2, TypeOid.int4, TypeOid.int8, TypeOid.oid, TypeOid.float4, TypeOid.float8,
  TypeOid.numeric, TypeOid.text, TypeOid.varchar, TypeOid.bpchar, TypeOid.name, TypeOid.bytea, TypeOid.uuid,
  TypeOid.date, TypeOid.timestamp, TypeOid.timestamptz, TypeOid.interval, TypeOid.time, TypeOid.timetz,
];

/** PostgreSQL's largest zone displacement, in seconds (±15:59:59). */
const MAX_ZONE = 15 * 3600 + 59 * 60 + 59;

function randomTimeTz(r: SeededRandom): TimeTzValue {
  const micros = BigInt(r.pick([0, 3_600_000_000, 43_200_000_000, r.range(0, 86_400_000_000)]));
  return new TimeTzValue(micros, r.pick([0, 3600, -3600, -19800, -MAX_ZONE, r.range(-MAX_ZONE, MAX_ZONE)]));
}

/** Edge values of a type (including NULL). */
export function edgeValues(typeOid: number): SqlValue[] {
  switch (typeOid) {
    case TypeOid.bool: return [null, false, true];
    case TypeOid.int2: return [null, -32768, -1, 0, 1, 255, 256, 32767];
    case TypeOid.int4: return [null, -2147483648, -65536, -1, 0, 1, 255, 256, 2147483647];
    case TypeOid.int8: return [null, -(1n << 63n), -(1n << 32n), -1n, 0n, 1n, 255n, (1n << 53n) + 1n, (1n << 63n) - 1n];
    case TypeOid.oid: return [null, 0, 1, 255, 0x7fffffff, 0x80000000, 0xffffffff];
    case TypeOid.float4: return [null, -Infinity, -3.4028234663852886e38, -1, -1.401298464324817e-45, -0, 0, 1.401298464324817e-45, Math.fround(0.1), 1, 3.4028234663852886e38, Infinity, NaN];
    case TypeOid.float8: return [null, -Infinity, -Number.MAX_VALUE, -1.5, -Number.MIN_VALUE, -0, 0, Number.MIN_VALUE, 0.1, 1, 2, Number.MAX_VALUE, Infinity, NaN];
    case TypeOid.numeric: return [null, ...['-Infinity', '-1000000000000000000000000000000.5', '-100', '-1.5', '-1', '-0.0001', '0', '0.000', '0.0001', '0.00010', '0.1', '1', '1.0', '1.00', '1.5', '9.99', '10', '100', 'Infinity', 'NaN', '123456789012345678901234567890.123456789'].map(numeric)];
    case TypeOid.text: case TypeOid.varchar: case TypeOid.name: {
      const long = typeOid === TypeOid.name ? 'x'.repeat(63) : 'x'.repeat(300); // name holds 63 bytes
      return [null, '', ' ', 'a', 'a ', 'a\u0001', 'a\u007f', 'ab', 'b', 'é', '\uffff', '\ud83d\ude00', '\ue000', long];
    }
    case TypeOid.bpchar: return [null, '', ' ', 'a', 'a ', 'a  ', 'a\u0001', 'ab', 'b ', 'é '];
    case TypeOid.bytea: return [null, new Uint8Array([]), new Uint8Array([0]), new Uint8Array([0, 0]), new Uint8Array([0, 1]), new Uint8Array([1]), new Uint8Array([0xff]), new Uint8Array([0xff, 0]), new Uint8Array([0xff, 0xff])];
    case TypeOid.uuid: return [null, '00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000001', '7fffffff-ffff-ffff-ffff-ffffffffffff', 'ffffffff-ffff-ffff-ffff-ffffffffffff'];
    case TypeOid.date: return [null, -Infinity, -2451545, -1, 0, 1, 2000000, Infinity];
    case TypeOid.timestamp: case TypeOid.timestamptz:
      return [null, -TIMESTAMP_INFINITY, TS_MIN, -1n, 0n, 1n, 86_400_000_000n, TS_MAX, TIMESTAMP_INFINITY];
    case TypeOid.time: return [null, 0n, 1n, 999_999n, 1_000_000n, 3_600_000_000n, 86_399_999_999n, 86_400_000_000n];
    // 12:00+01 and 11:00+00 are the same instant, yet differ (the zone decides).
    case TypeOid.timetz: return [null, new TimeTzValue(0n, 0), new TimeTzValue(0n, MAX_ZONE), new TimeTzValue(86_400_000_000n, -MAX_ZONE),
      new TimeTzValue(43_200_000_000n, -3600), new TimeTzValue(39_600_000_000n, 0), new TimeTzValue(43_200_000_000n, 0),
      new TimeTzValue(1n, -19800), new TimeTzValue(86_400_000_000n, 0), new TimeTzValue(86_400_000_000n, MAX_ZONE)];
    case TypeOid.interval: return [null,
      { months: 0, days: 0, micros: 0n }, { months: 1, days: 0, micros: 0n }, { months: 0, days: 30, micros: 0n },
      { months: 0, days: 0, micros: 2_592_000_000_000n }, { months: -1, days: 0, micros: 1n }, { months: 0, days: -1, micros: 0n },
      { months: 1000000, days: 1000000, micros: 1n << 50n }, { months: -1000000, days: -1000000, micros: -(1n << 50n) },
    ];
    default: throw new Error(`no samples for type ${typeOid}`);
  }
}

/** One random value of a type (never NULL). */
export function randomValue(r: SeededRandom, typeOid: number): SqlValue {
  switch (typeOid) {
    case TypeOid.bool: return r.int(2) === 1;
    case TypeOid.int2: return r.range(-32768, 32767);
    case TypeOid.int4: return r.pick([r.range(-1000, 1000), (r.int(0x100000000) | 0)]);
    case TypeOid.int8: return r.bigint(r.pick([8, 32, 63]));
    case TypeOid.oid: return r.int(0x100000000);
    case TypeOid.float4: return Math.fround(r.pick([r.next() * 200 - 100, randomDouble(r)]));
    case TypeOid.float8: return r.pick([r.next() * 200 - 100, randomDouble(r), r.range(-5, 5)]);
    case TypeOid.numeric: return randomNumeric(r);
    case TypeOid.text: case TypeOid.varchar: case TypeOid.name: case TypeOid.bpchar: return randomString(r, 6);
    case TypeOid.bytea: return sampleBytes(r, 6);
    case TypeOid.uuid: return randomUuid(r);
    case TypeOid.date: return r.range(-2451545, 2000000);
    case TypeOid.timestamp: case TypeOid.timestamptz: return randomTimestamp(r);
    case TypeOid.interval: return randomInterval(r);
    case TypeOid.time: return BigInt(r.range(0, 86_400_000_000));
    case TypeOid.timetz: return randomTimeTz(r);
    default: throw new Error(`no samples for type ${typeOid}`);
  }
}

/** Edge values then `count` random ones. */
export function sampleValues(r: SeededRandom, typeOid: number, count: number): SqlValue[] {
  const out = edgeValues(typeOid);
  for (let i = 0; i < count; i++) out.push(randomValue(r, typeOid));
  return out;
}

const utf8 = new TextEncoder();
const cmp = (a: number | bigint, b: number | bigint): number => (a < b ? -1 : a > b ? 1 : 0);

function compareNumeric(a: NumericValue, b: NumericValue): number {
  const rank = (n: NumericValue): number => (n.special === 'NaN' ? 2 : n.special === 'Infinity' ? 1 : n.special === '-Infinity' ? -1 : 0);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== 0 || rb !== 0) return cmp(ra, rb);
  const scale = Math.max(a.scale, b.scale);
  return cmp(a.coefficient * 10n ** BigInt(scale - a.scale), b.coefficient * 10n ** BigInt(scale - b.scale));
}

function compareFloat(a: number, b: number): number {
  if (a !== a) return b !== b ? 0 : 1;
  if (b !== b) return -1;
  return cmp(a, b);
}

const span = (v: IntervalValue): bigint => (BigInt(v.months) * 30n + BigInt(v.days)) * 86_400_000_000n + v.micros;

/** PostgreSQL's ascending order of two non-null values of a type (COLLATE "C"). */
export function compareValues(typeOid: number, a: SqlValue, b: SqlValue): number {
  if (a === null || b === null) return a === null ? (b === null ? 0 : 1) : -1; // NULLS LAST
  switch (typeOid) {
    case TypeOid.bool: return cmp(a ? 1 : 0, b ? 1 : 0);
    case TypeOid.float4: case TypeOid.float8: return compareFloat(a as number, b as number);
    case TypeOid.numeric: return compareNumeric(a as NumericValue, b as NumericValue);
    case TypeOid.text: case TypeOid.varchar: case TypeOid.name: case TypeOid.uuid:
      return Math.sign(Buffer.compare(utf8.encode(a as string), utf8.encode(b as string)));
    case TypeOid.bpchar:
      return Math.sign(Buffer.compare(utf8.encode((a as string).replace(/ +$/, '')), utf8.encode((b as string).replace(/ +$/, ''))));
    case TypeOid.bytea: return Math.sign(Buffer.compare(a as Uint8Array, b as Uint8Array));
    case TypeOid.interval: return cmp(span(a as IntervalValue), span(b as IntervalValue));
    case TypeOid.timetz: {
      const x = a as TimeTzValue;
      const y = b as TimeTzValue;
      return cmp(x.micros + BigInt(x.zone) * 1_000_000n, y.micros + BigInt(y.zone) * 1_000_000n) || cmp(x.zone, y.zone);
    }
    default: return cmp(a as number | bigint, b as number | bigint);
  }
}

const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** A SQL expression of the given type for a value (session TimeZone must be UTC). */
export function sqlLiteral(typeOid: number, v: SqlValue): string {
  const name = SQL_TYPE_NAMES[typeOid]!;
  if (v === null) return `NULL::${name}`;
  switch (typeOid) {
    case TypeOid.bool: return v ? 'true' : 'false';
    case TypeOid.float4: case TypeOid.float8: {
      const f = v as number;
      const text = f !== f ? 'NaN' : f === Infinity ? 'Infinity' : f === -Infinity ? '-Infinity' : Object.is(f, -0) ? '-0' : String(f);
      return `${quote(text)}::${name}`;
    }
    case TypeOid.numeric: return `${quote(numericText(v as NumericValue))}::numeric`;
    case TypeOid.bytea: return `'\\x${hex(v as Uint8Array)}'::bytea`;
    case TypeOid.date: {
      const d = v as number;
      return d === Infinity ? `'infinity'::date` : d === -Infinity ? `'-infinity'::date` : `('2000-01-01'::date + ${d})`;
    }
    case TypeOid.timestamp: case TypeOid.timestamptz: {
      const t = v as bigint;
      if (t === TIMESTAMP_INFINITY) return `'infinity'::${name}`;
      if (t === -TIMESTAMP_INFINITY) return `'-infinity'::${name}`;
      let days = t / 86_400_000_000n;
      let micros = t % 86_400_000_000n;
      if (micros < 0n) {
        days -= 1n;
        micros += 86_400_000_000n;
      }
      const base = typeOid === TypeOid.timestamp ? `'2000-01-01 00:00:00'::timestamp` : `'2000-01-01 00:00:00+00'::timestamptz`;
      return `(${base} + make_interval(days => ${days}) + make_interval(secs => ${micros}::float8 / 1000000))`;
    }
    case TypeOid.interval: {
      const i = v as IntervalValue;
      const hours = i.micros / 3_600_000_000n; // truncates: hours and the rest share a sign
      const rest = i.micros - hours * 3_600_000_000n;
      return `make_interval(months => ${i.months}, days => ${i.days}, hours => ${hours}, secs => ${rest}::float8 / 1000000)`;
    }
    case TypeOid.time: {
      const t = v as bigint;
      return `make_time(${t / 3_600_000_000n}, ${(t % 3_600_000_000n) / 60_000_000n}, ${t % 60_000_000n}::float8 / 1000000)`;
    }
    case TypeOid.timetz: {
      const t = v as TimeTzValue;
      const two = (n: bigint | number): string => String(n).padStart(2, '0');
      const east = Math.abs(t.zone);
      const clock = `${two(t.micros / 3_600_000_000n)}:${two((t.micros / 60_000_000n) % 60n)}:${two((t.micros / 1_000_000n) % 60n)}.${String(t.micros % 1_000_000n).padStart(6, '0')}`;
      return `'${clock}${t.zone > 0 ? '-' : '+'}${two(Math.floor(east / 3600))}:${two(Math.floor(east / 60) % 60)}:${two(east % 60)}'::timetz`;
    }
    default: return `${quote(String(v))}::${name}`;
  }
}

export const SQL_TYPE_NAMES: Record<number, string> = {
  [TypeOid.bool]: 'bool', [TypeOid.int2]: 'int2', [TypeOid.int4]: 'int4', [TypeOid.int8]: 'int8', [TypeOid.oid]: 'oid',
  [TypeOid.float4]: 'float4', [TypeOid.float8]: 'float8', [TypeOid.numeric]: 'numeric', [TypeOid.text]: 'text',
  [TypeOid.varchar]: 'varchar', [TypeOid.bpchar]: 'bpchar', [TypeOid.name]: 'name', [TypeOid.bytea]: 'bytea',
  [TypeOid.uuid]: 'uuid', [TypeOid.date]: 'date', [TypeOid.timestamp]: 'timestamp', [TypeOid.timestamptz]: 'timestamptz',
  [TypeOid.interval]: 'interval', [TypeOid.time]: 'time', [TypeOid.timetz]: 'timetz',
};
