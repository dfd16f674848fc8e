import { SqlError, assert } from '../../contracts/errors.js';
import { TimeTzValue, TypeOid, type IntervalValue, type NumericValue, type SqlValue } from '../../contracts/sql-value.js';
import { numericAdd, numericSub } from '../types/index.js';
import * as types from './typesystem.js';

/**
 * PostgreSQL's btree `in_range` support functions, which decide a RANGE frame's offset bounds
 * (`RANGE BETWEEN 5 PRECEDING AND 1 FOLLOWING`): whether `val` lies at or beyond `base ± offset`.
 *
 * `sub` subtracts the offset (PRECEDING in ascending order), `less` asks `val <= base ± offset`
 * (else `>=`). Each sort type accepts the offset types PostgreSQL's operator families list; the
 * window frame picks one as PostgreSQL's parser does (`offsetTypeFor`).
 */
export type InRange = (val: SqlValue, base: SqlValue, offset: SqlValue, sub: boolean, less: boolean) => boolean;

const INTEGER_OFFSETS = [TypeOid.int8, TypeOid.int2, TypeOid.int4];

/** The offset types of the sort type's in_range functions, in pg_amproc's (oid) order. */
const OFFSET_TYPES = new Map<number, readonly number[]>([
  [TypeOid.int2, INTEGER_OFFSETS],
  [TypeOid.int4, INTEGER_OFFSETS],
  [TypeOid.int8, [TypeOid.int8]],
  [TypeOid.float4, [TypeOid.float8]],
  [TypeOid.float8, [TypeOid.float8]],
  [TypeOid.numeric, [TypeOid.numeric]],
  [TypeOid.date, [TypeOid.interval]],
  [TypeOid.time, [TypeOid.interval]],
  [TypeOid.timetz, [TypeOid.interval]],
  [TypeOid.timestamp, [TypeOid.interval]],
  [TypeOid.timestamptz, [TypeOid.interval]],
  [TypeOid.interval, [TypeOid.interval]],
]);

const at = (location: number) => (location >= 0 ? { position: location + 1 } : {});

/**
 * The type a RANGE offset of type `offsetOid` is coerced to for a sort column of `sortOid`, as
 * transformFrameOffset picks it: the in_range function whose offset type is the given one, else
 * the first the offset implicitly casts to. PostgreSQL's errors when there is none.
 */
export function offsetTypeFor(sortOid: number, offsetOid: number, location: number): number {
  const offsets = OFFSET_TYPES.get(sortOid);
  const sortName = types.formatType(sortOid, -1);
  if (!offsets) throw new SqlError('0A000', `RANGE with offset PRECEDING/FOLLOWING is not supported for column type ${sortName}`, at(location));
  if (offsets.includes(offsetOid)) return offsetOid;
  // An untyped offset where several fit takes the sort column's own type (`'1' PRECEDING` on int4 is int4).
  if (offsetOid === TypeOid.unknown && offsets.includes(sortOid)) return sortOid;
  const match = offsets.find((o) => types.castContext(offsetOid, o) === 'i');
  if (match === undefined) {
    throw new SqlError('0A000', `RANGE with offset PRECEDING/FOLLOWING is not supported for column type ${sortName} and offset type ${types.formatType(offsetOid, -1)}`,
      { ...at(location), hint: 'Cast the offset value to an appropriate type.' });
  }
  return match;
}

/** The in_range function for a sort type and the offset type offsetTypeFor chose. */
export function inRangeFor(sortOid: number, offsetOid: number): InRange {
  assert(OFFSET_TYPES.get(sortOid)?.includes(offsetOid) === true, `no in_range for ${sortOid} and ${offsetOid}`);
  switch (sortOid) {
    case TypeOid.int2: case TypeOid.int4: case TypeOid.int8: return inRangeInteger;
    case TypeOid.float4: case TypeOid.float8: return inRangeFloat;
    case TypeOid.numeric: return inRangeNumeric;
    case TypeOid.time: return inRangeTime;
    case TypeOid.timetz: return inRangeTimeTz;
    case TypeOid.interval: return inRangeInterval;
    case TypeOid.date: return inRangeDate();
    default: return inRangeTimestamp(sortOid);
  }
}

function invalidSize(): SqlError {
  return new SqlError('22013', 'invalid preceding or following size in window function');
}

const compare = (less: boolean, c: number): boolean => (less ? c <= 0 : c >= 0);

/** Integers: exact sums in bigint, which is what PostgreSQL's overflow handling amounts to. */
const inRangeInteger: InRange = (val, base, offset, sub, less) => {
  if (typeof offset === 'number' && typeof base === 'number') {
    // int2/int4 keys and offsets: exact in doubles, and no bigint per row.
    if (offset < 0) throw invalidSize();
    const sum = sub ? base - offset : base + offset;
    return less ? (val as number) <= sum : (val as number) >= sum;
  }
  const o = BigInt(offset as number | bigint);
  if (o < 0n) throw invalidSize();
  const sum = sub ? BigInt(base as number | bigint) - o : BigInt(base as number | bigint) + o;
  const v = BigInt(val as number | bigint);
  return less ? v <= sum : v >= sum;
};

/** in_range_float8_float8: NaN sorts after everything; +inf infinitely precedes +inf. */
const inRangeFloat: InRange = (val, base, offset, sub, less) => {
  const v = val as number;
  const b = base as number;
  const o = offset as number;
  if (Number.isNaN(o) || o < 0) throw invalidSize();
  if (Number.isNaN(v)) return Number.isNaN(b) ? true : !less;
  if (Number.isNaN(b)) return less;
  if (!Number.isFinite(o) && !Number.isFinite(b) && (sub ? b > 0 : b < 0)) return true;
  const sum = sub ? b - o : b + o;
  return less ? v <= sum : v >= sum;
};

/** in_range_numeric_numeric, with the same NaN and infinity rules as float. */
const inRangeNumeric: InRange = (val, base, offset, sub, less) => {
  const v = val as NumericValue;
  const b = base as NumericValue;
  const o = offset as NumericValue;
  if (o.special === 'NaN' || o.special === '-Infinity' || o.coefficient < 0n) throw invalidSize();
  if (v.special === 'NaN') return b.special === 'NaN' ? true : !less;
  if (b.special === 'NaN') return less;
  if (o.special === 'Infinity') {
    if (sub ? b.special === 'Infinity' : b.special === '-Infinity') return true;
    if (sub) return less ? v.special === '-Infinity' : true;
    return less ? true : v.special === 'Infinity';
  }
  const compareNumeric = types.comparator(TypeOid.numeric);
  if (v.special || b.special) return compare(less, compareNumeric(v, b));
  return compare(less, compareNumeric(v, sub ? numericSub(b, o) : numericAdd(b, o)));
};

/** interval_cmp_value's sign: months count 30 days, days 24 hours. */
function intervalSign(iv: IntervalValue): number {
  const span = (BigInt(iv.months) * 30n + BigInt(iv.days)) * 86_400_000_000n + iv.micros;
  return span < 0n ? -1 : span > 0n ? 1 : 0;
}

/** in_range_time_interval: only the offset's time part counts, and the sum does not wrap. */
const inRangeTime: InRange = (val, base, offset, sub, less) => {
  const o = (offset as IntervalValue).micros;
  if (o < 0n) throw invalidSize();
  const sum = sub ? (base as bigint) - o : (base as bigint) + o;
  return less ? (val as bigint) <= sum : (val as bigint) >= sum;
};

/** in_range_timetz_interval: as time's, the base's zone kept, compared as timetz compares. */
const inRangeTimeTz: InRange = (val, base, offset, sub, less) => {
  const o = (offset as IntervalValue).micros;
  if (o < 0n) throw invalidSize();
  const b = base as TimeTzValue;
  const sum = new TimeTzValue(sub ? b.micros - o : b.micros + o, b.zone);
  return compare(less, types.comparator(TypeOid.timetz)(val, sum));
};

const inRangeInterval: InRange = (val, base, offset, sub, less) => {
  if (intervalSign(offset as IntervalValue) < 0) throw invalidSize();
  const sum = types.resolveOperator(sub ? '-' : '+', TypeOid.interval, TypeOid.interval)!.fn(base, offset);
  return compare(less, types.comparator(TypeOid.interval)(val, sum));
};

/** in_range_timestamp_interval (and timestamptz's: the session's zone is UTC). */
function inRangeTimestamp(oid: number): InRange {
  const plus = types.resolveOperator('+', oid, TypeOid.interval)!.fn;
  const minus = types.resolveOperator('-', oid, TypeOid.interval)!.fn;
  return (val, base, offset, sub, less) => {
    if (intervalSign(offset as IntervalValue) < 0) throw invalidSize();
    const sum = (sub ? minus : plus)(base, offset) as bigint;
    return compare(less, (val as bigint) < sum ? -1 : (val as bigint) > sum ? 1 : 0);
  };
}

/** in_range_date_interval: both dates as timestamps, then timestamp's rule. */
function inRangeDate(): InRange {
  const toTimestamp = types.castFunction(TypeOid.date, TypeOid.timestamp, -1, false);
  const timestamps = inRangeTimestamp(TypeOid.timestamp);
  return (val, base, offset, sub, less) => timestamps(toTimestamp(val), toTimestamp(base), offset, sub, less);
}
