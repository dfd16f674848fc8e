import { SqlError } from '../../contracts/errors.js';
import { TypeOid, type InetValue, type IntervalValue, type NumericValue, type SqlValue, type TimeTzValue } from '../../contracts/sql-value.js';
import { compareInterval } from './interval.js';
import { compareInet } from './network.js';
import { compareNumeric } from './numeric.js';
import { compareJsonb } from './json.js';
import { bpcharStrip, compareBytes, compareText } from './strings.js';
import { formatType, typeByOid } from './registry.js';
import { REG_TYPE_OIDS } from './reg-types.js';

/** Orders two non-null values of one type: negative, 0, positive. */
export type Comparator = (a: SqlValue, b: SqlValue) => number;

const compareNumbers: Comparator = (a, b) => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0);
const compareBigints: Comparator = (a, b) => ((a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0);

/** float8_cmp: NaN equals NaN and sorts above every other value; -0 equals 0. */
export const compareFloats: Comparator = (a, b) => {
  const x = a as number;
  const y = b as number;
  if (x < y) return -1;
  if (x > y) return 1;
  if (x === y) return 0;
  const xn = Number.isNaN(x);
  const yn = Number.isNaN(y);
  return xn === yn ? 0 : xn ? 1 : -1;
};

/**
 * timetz_cmp_internal: the instant first (the time plus the zone's seconds west, so 12:00+01
 * precedes 12:00+00), then the zone, so that 12:00+01 and 11:00+00 differ and order east first.
 */
export const compareTimeTz: Comparator = (a, b) => {
  const x = a as TimeTzValue;
  const y = b as TimeTzValue;
  const t1 = x.micros + BigInt(x.zone) * 1_000_000n;
  const t2 = y.micros + BigInt(y.zone) * 1_000_000n;
  if (t1 !== t2) return t1 < t2 ? -1 : 1;
  return x.zone < y.zone ? -1 : x.zone > y.zone ? 1 : 0;
};

const compareBools: Comparator = (a, b) => (a === b ? 0 : a ? 1 : -1);
const compareStrings: Comparator = (a, b) => compareText(a as string, b as string);
const compareBpchar: Comparator = (a, b) => compareText(bpcharStrip(a as string), bpcharStrip(b as string));

const COMPARATORS = new Map<number, Comparator>([
  [TypeOid.bool, compareBools],
  [TypeOid.int2, compareNumbers], [TypeOid.int4, compareNumbers], [TypeOid.oid, compareNumbers],
  // The reg* types sort as their oids, as PostgreSQL's oid_ops orders them.
  ...REG_TYPE_OIDS.map((oid) => [oid, compareNumbers] as const),
  [TypeOid.date, compareNumbers],
  [TypeOid.int8, compareBigints], [TypeOid.timestamp, compareBigints], [TypeOid.timestamptz, compareBigints],
  [TypeOid.time, compareBigints], [TypeOid.timetz, compareTimeTz],
  [TypeOid.float4, compareFloats], [TypeOid.float8, compareFloats],
  [TypeOid.numeric, (a, b) => compareNumeric(a as NumericValue, b as NumericValue)],
  [TypeOid.text, compareStrings], [TypeOid.varchar, compareStrings], [TypeOid.name, compareStrings],
  [TypeOid.char, compareStrings], [TypeOid.unknown, compareStrings], [TypeOid.uuid, compareStrings],
  [TypeOid.bpchar, compareBpchar],
  [TypeOid.bytea, (a, b) => compareBytes(a as Uint8Array, b as Uint8Array)],
  [TypeOid.interval, (a, b) => compareInterval(a as IntervalValue, b as IntervalValue)],
  [TypeOid.jsonb, (a, b) => compareJsonb(a as string, b as string)],
  [TypeOid.inet, (a, b) => compareInet(a as InetValue, b as InetValue)],
  [TypeOid.cidr, (a, b) => compareInet(a as InetValue, b as InetValue)],
]);

/** The comparator for a type; throws 42883 for a type without ordering (json). */
export function comparator(oid: number): Comparator {
  const c = COMPARATORS.get(oid);
  if (c) return c;
  const t = typeByOid(oid);
  if (t && t.category === 'A') return compareStrings;
  throw new SqlError('42883', `could not identify an ordering operator for type ${formatType(oid, -1)}`);
}

export function hasComparator(oid: number): boolean {
  return COMPARATORS.has(oid);
}

/** compare(typeOid, a, b) for non-null a and b. */
export function compare(oid: number, a: SqlValue, b: SqlValue): number {
  return comparator(oid)(a, b);
}
