import { SqlError } from '../../contracts/errors.js';
import { TIMESTAMP_INFINITY, type IntervalValue, type NumericValue, type TimeTzValue } from '../../contracts/sql-value.js';
import * as dt from './datetime.js';
import * as num from './numeric.js';

/**
 * date_trunc, extract/date_part, age, make_date/make_timestamp/make_interval and the
 * justify_* functions, as timestamp.c and date.c compute them, on a wall-clock time:
 * zoned-datetime.ts turns a timestamptz into the session zone's wall clock and back.
 */

const USECS_PER_SEC = 1_000_000n;
const USECS_PER_MINUTE = 60_000_000n;
const USECS_PER_HOUR = 3_600_000_000n;
const USECS_PER_DAY = 86_400_000_000n;
const DAYS_PER_MONTH = 30;
const MONTHS_PER_YEAR = 12;

/** C's integer division (truncating toward zero). */
const div = (a: number, b: number): number => Math.trunc(a / b);

// ---------------------------------------------------------------------------------------------
// Units (DecodeUnits, then DecodeSpecial for extract), looked up by their first 10 characters

export type Unit =
  | 'microseconds' | 'milliseconds' | 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year'
  | 'decade' | 'century' | 'millennium' | 'timezone' | 'timezone_hour' | 'timezone_minute'
  | 'dow' | 'doy' | 'isodow' | 'isoyear' | 'julian' | 'epoch' | 'reserved';

/** deltatktbl: the units DecodeUnits knows. */
const UNITS = new Map<string, Unit>();
function units(unit: Unit, names: string): void {
  for (const name of names.split(' ')) UNITS.set(name, unit);
}
units('century', 'c cent centuries century');
units('day', 'd day days');
units('decade', 'dec decade decades decs');
units('hour', 'h hour hours hr hrs');
units('minute', 'm min mins minute minutes');
units('microseconds', 'microsecon us usec microsecond useconds usecs');
units('millennium', 'mil millennia millennium mils');
units('milliseconds', 'millisecon ms msec millisecond mseconds msecs');
units('month', 'mon mons month months');
units('quarter', 'qtr quarter');
units('second', 's sec second seconds secs');
units('timezone', 'timezone');
units('timezone_hour', 'timezone_h');
units('timezone_minute', 'timezone_m');
units('week', 'w week weeks');
units('year', 'y year years yr yrs');

/**
 * datetktbl: what DecodeSpecial adds for extract. Its other entries (months, weekdays,
 * reserved words but epoch) are "not recognized" as units.
 */
const SPECIAL = new Map<string, Unit>([
  ['dow', 'dow'], ['doy', 'doy'], ['isodow', 'isodow'], ['isoyear', 'isoyear'], ['j', 'julian'], ['jd', 'julian'], ['julian', 'julian'],
  ['mm', 'minute'], ['epoch', 'epoch'],
  // Reserved words other than epoch: units, but never supported (for interval, not recognized).
  ...['infinity', '-infinity', 'now', 'today', 'tomorrow', 'yesterday', 'allballs', 'zulu'].map((w): [string, Unit] => [w, 'reserved']),
]);

function decodeUnits(text: string, special: boolean): Unit | null {
  const key = text.toLowerCase().slice(0, 10);
  // In datetktbl "m" is month and "d"/"h"/"s"/"y" are as in deltatktbl; "mon"/"dec" are a weekday and a month.
  return UNITS.get(key) ?? (special ? SPECIAL.get(key) ?? null : null);
}

const lower = (text: string): string => text.replace(/[A-Z]+/g, (m) => m.toLowerCase());

function notRecognized(text: string, type: string): SqlError {
  return new SqlError('22023', `unit "${lower(text)}" not recognized for type ${type}`);
}

function notSupported(text: string, type: string, detail?: string): SqlError {
  return new SqlError('0A000', `unit "${lower(text)}" not supported for type ${type}`, detail ? { detail } : {});
}

// ---------------------------------------------------------------------------------------------
// Broken-down time (pg_tm): astronomical years (1 BC is 0)

export interface Tm { year: number; month: number; day: number; hour: number; minute: number; second: number; fsec: number }

export function timestampToTm(ts: bigint): Tm {
  const { days, micros } = dt.splitTimestamp(ts);
  const [year, month, day] = dt.j2date(days + dt.POSTGRES_EPOCH_JDATE);
  const us = Number(micros);
  const hour = Math.floor(us / 3_600_000_000);
  const minute = Math.floor((us % 3_600_000_000) / 60_000_000);
  const second = Math.floor((us % 60_000_000) / 1_000_000);
  return { year, month, day, hour, minute, second, fsec: us % 1_000_000 };
}

export function tmToTimestamp(tm: Tm): bigint {
  const jd = dt.date2j(tm.year, tm.month, tm.day);
  const time = ((BigInt(tm.hour) * 60n + BigInt(tm.minute)) * 60n + BigInt(tm.second)) * USECS_PER_SEC + BigInt(tm.fsec);
  const v = BigInt(jd - dt.POSTGRES_EPOCH_JDATE) * USECS_PER_DAY + time;
  return checkRange(v);
}

function checkRange(v: bigint): bigint {
  try {
    return dt.checkTimestamp(v);
  } catch {
    throw new SqlError('22008', 'timestamp out of range');
  }
}

/** Day of the week of a julian day, 0 = Sunday. */
export function j2day(jd: number): number {
  const d = (jd + 1) % 7;
  return d < 0 ? d + 7 : d;
}

export function date2isoweek(year: number, month: number, day: number): number {
  const dayn = dt.date2j(year, month, day);
  let day4 = dt.date2j(year, 1, 4);
  let day0 = j2day(day4 - 1);
  if (dayn < day4 - day0) {
    day4 = dt.date2j(year - 1, 1, 4);
    day0 = j2day(day4 - 1);
  }
  let result = div(dayn - (day4 - day0), 7) + 1;
  if (result >= 52) {
    day4 = dt.date2j(year + 1, 1, 4);
    day0 = j2day(day4 - 1);
    if (dayn >= day4 - day0) result = div(dayn - (day4 - day0), 7) + 1;
  }
  return result;
}

export function date2isoyear(year: number, month: number, day: number): number {
  const dayn = dt.date2j(year, month, day);
  let y = year;
  let day4 = dt.date2j(y, 1, 4);
  let day0 = j2day(day4 - 1);
  if (dayn < day4 - day0) {
    day4 = dt.date2j(y - 1, 1, 4);
    day0 = j2day(day4 - 1);
    y--;
  }
  const result = div(dayn - (day4 - day0), 7) + 1;
  if (result >= 52) {
    day4 = dt.date2j(y + 1, 1, 4);
    day0 = j2day(day4 - 1);
    if (dayn >= day4 - day0) y++;
  }
  return y;
}

/** The julian day of the first day of an ISO week. */
export function isoweek2j(year: number, week: number): number {
  const day4 = dt.date2j(year, 1, 4);
  const day0 = j2day(day4 - 1);
  return (week - 1) * 7 + (day4 - day0);
}

export function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

// ---------------------------------------------------------------------------------------------
// date_trunc

const TIMESTAMP = 'timestamp without time zone';
const TIMESTAMPTZ = 'timestamp with time zone';

export function truncateTimestamp(field: string, ts: bigint, withZone: boolean): bigint {
  const type = withZone ? TIMESTAMPTZ : TIMESTAMP;
  if (dt.isInfiniteTimestamp(ts)) return ts;
  const unit = decodeUnits(field, false);
  if (!unit) throw notRecognized(field, type);
  const tm = timestampToTm(ts);
  switch (unit) {
    case 'week': {
      const week = date2isoweek(tm.year, tm.month, tm.day);
      let year = tm.year;
      if (week >= 52 && tm.month === 1) year--;
      if (week <= 1 && tm.month === MONTHS_PER_YEAR) year++;
      const [y, m, d] = dt.j2date(isoweek2j(year, week));
      return tmToTimestamp({ year: y, month: m, day: d, hour: 0, minute: 0, second: 0, fsec: 0 });
    }
    case 'millennium': case 'century': case 'decade': case 'year': case 'quarter': case 'month':
    case 'day': case 'hour': case 'minute': case 'second': {
      if (unit === 'millennium') tm.year = tm.year > 0 ? div(tm.year + 999, 1000) * 1000 - 999 : -div(999 - (tm.year - 1), 1000) * 1000 + 1;
      if (unit === 'millennium' || unit === 'century') tm.year = tm.year > 0 ? div(tm.year + 99, 100) * 100 - 99 : -div(99 - (tm.year - 1), 100) * 100 + 1;
      if (unit === 'decade') tm.year = tm.year > 0 ? div(tm.year, 10) * 10 : -div(8 - (tm.year - 1), 10) * 10;
      const order: Unit[] = ['millennium', 'century', 'decade', 'year', 'quarter', 'month', 'day', 'hour', 'minute', 'second'];
      const level = order.indexOf(unit);
      if (level <= 3) tm.month = 1;
      if (level <= 4) tm.month = 3 * div(tm.month - 1, 3) + 1;
      if (level <= 5) tm.day = 1;
      if (level <= 6) tm.hour = 0;
      if (level <= 7) tm.minute = 0;
      if (level <= 8) tm.second = 0;
      tm.fsec = 0;
      return tmToTimestamp(tm);
    }
    case 'milliseconds': tm.fsec = div(tm.fsec, 1000) * 1000; return tmToTimestamp(tm);
    case 'microseconds': return ts;
    default: throw notSupported(field, type);
  }
}

/** interval2tm: years and months from the months, then days, then the time split by C division. */
function intervalToTm(v: IntervalValue): Tm {
  let time = v.micros;
  const hour = time / USECS_PER_HOUR;
  time -= hour * USECS_PER_HOUR;
  const minute = time / USECS_PER_MINUTE;
  time -= minute * USECS_PER_MINUTE;
  const second = time / USECS_PER_SEC;
  return {
    year: div(v.months, MONTHS_PER_YEAR), month: v.months % MONTHS_PER_YEAR, day: v.days,
    hour: Number(hour), minute: Number(minute), second: Number(second), fsec: Number(time - second * USECS_PER_SEC),
  };
}

function tmToInterval(tm: Tm): IntervalValue {
  const months = tm.year * MONTHS_PER_YEAR + tm.month;
  if (months > 2147483647 || months < -2147483648) throw new SqlError('22008', 'interval out of range');
  const micros = ((BigInt(tm.hour) * 60n + BigInt(tm.minute)) * 60n + BigInt(tm.second)) * USECS_PER_SEC + BigInt(tm.fsec);
  return { months: months + 0, days: tm.day + 0, micros };
}

export function truncateInterval(field: string, v: IntervalValue): IntervalValue {
  const unit = decodeUnits(field, false);
  if (!unit) throw notRecognized(field, 'interval');
  const tm = intervalToTm(v);
  switch (unit) {
    case 'millennium': case 'century': case 'decade': case 'year': case 'quarter': case 'month':
    case 'day': case 'hour': case 'minute': case 'second': {
      const order: Unit[] = ['millennium', 'century', 'decade', 'year', 'quarter', 'month', 'day', 'hour', 'minute', 'second'];
      const level = order.indexOf(unit);
      if (level <= 0) tm.year = div(tm.year, 1000) * 1000;
      if (level <= 1) tm.year = div(tm.year, 100) * 100;
      if (level <= 2) tm.year = div(tm.year, 10) * 10;
      if (level <= 3) tm.month = 0;
      if (level <= 4) tm.month = 3 * div(tm.month, 3);
      if (level <= 5) tm.day = 0;
      if (level <= 6) tm.hour = 0;
      if (level <= 7) tm.minute = 0;
      if (level <= 8) tm.second = 0;
      tm.fsec = 0;
      return tmToInterval(tm);
    }
    case 'milliseconds': tm.fsec = div(tm.fsec, 1000) * 1000; return tmToInterval(tm);
    case 'microseconds': return v;
    case 'week': throw notSupported(field, 'interval', 'Months usually have fractional weeks.');
    default: throw notSupported(field, 'interval');
  }
}

// ---------------------------------------------------------------------------------------------
// extract (numeric) and date_part (float8)

/** A field value: exact as numeric (extract), or as PostgreSQL's double (date_part). */
interface Part { readonly exact: NumericValue; readonly float: number }

const whole = (n: number): Part => ({ exact: num.numericFromBigint(BigInt(n)), float: n });
/** value / 10^scale, exactly and as float8 computes it. */
const scaled = (value: bigint, scale: number, float: number): Part => ({ exact: { coefficient: value, scale }, float });

function yearPart(year: number): number {
  return year > 0 ? year : year - 1;
}

function calendarPart(unit: Unit, tm: Tm): Part | null {
  switch (unit) {
    case 'day': return whole(tm.day);
    case 'month': return whole(tm.month);
    case 'quarter': return whole(div(tm.month - 1, 3) + 1);
    case 'week': return whole(date2isoweek(tm.year, tm.month, tm.day));
    case 'year': return whole(yearPart(tm.year));
    case 'decade': return whole(tm.year >= 0 ? div(tm.year, 10) : -div(8 - (tm.year - 1), 10));
    case 'century': return whole(tm.year > 0 ? div(tm.year + 99, 100) : -div(99 - (tm.year - 1), 100));
    case 'millennium': return whole(tm.year > 0 ? div(tm.year + 999, 1000) : -div(999 - (tm.year - 1), 1000));
    case 'isoyear': { const y = date2isoyear(tm.year, tm.month, tm.day); return whole(y <= 0 ? y - 1 : y); }
    case 'dow': case 'isodow': {
      const d = j2day(dt.date2j(tm.year, tm.month, tm.day));
      return whole(unit === 'isodow' && d === 0 ? 7 : d);
    }
    case 'doy': return whole(dt.date2j(tm.year, tm.month, tm.day) - dt.date2j(tm.year, 1, 1) + 1);
    default: return null;
  }
}

/** Monotonic units give ±Infinity for an infinite input, the others NULL; the rest are errors. */
function infinitePart(unit: Unit, negative: boolean, field: string, type: string): Part | null {
  switch (unit) {
    case 'microseconds': case 'milliseconds': case 'second': case 'minute': case 'hour': case 'day': case 'month':
    case 'quarter': case 'week': case 'dow': case 'isodow': case 'doy': case 'timezone': case 'timezone_hour': case 'timezone_minute':
      if (type === 'date' && !['day', 'month', 'quarter', 'week', 'dow', 'isodow', 'doy'].includes(unit)) throw notSupported(field, type);
      return null;
    case 'year': case 'decade': case 'century': case 'millennium': case 'julian': case 'isoyear': case 'epoch':
      return negative ? { exact: num.NUMERIC_NINF, float: -Infinity } : { exact: num.NUMERIC_PINF, float: Infinity };
    default: throw notSupported(field, type);
  }
}

/** `ts` is the wall clock; `offsetSeconds` the zone's offset there (timestamptz only). */
export function timestampPart(field: string, ts: bigint, withZone: boolean, offsetSeconds = 0): Part | null {
  const type = withZone ? TIMESTAMPTZ : TIMESTAMP;
  const unit = decodeUnits(field, true);
  if (!unit) throw notRecognized(field, type);
  if (dt.isInfiniteTimestamp(ts)) return infinitePart(unit, ts !== TIMESTAMP_INFINITY, field, type);
  const tm = timestampToTm(ts);
  const usInMinute = BigInt(tm.second) * USECS_PER_SEC + BigInt(tm.fsec);
  switch (unit) {
    case 'microseconds': return scaled(usInMinute, 0, tm.second * 1e6 + tm.fsec);
    case 'milliseconds': return scaled(usInMinute, 3, tm.second * 1000 + tm.fsec / 1000);
    case 'second': return scaled(usInMinute, 6, tm.second + tm.fsec / 1e6);
    case 'minute': return whole(tm.minute);
    case 'hour': return whole(tm.hour);
    case 'julian': {
      const jd = dt.date2j(tm.year, tm.month, tm.day);
      const time = ((tm.hour * 60 + tm.minute) * 60 + tm.second) * 1e6 + tm.fsec;
      const exact = num.numericAdd(num.numericFromBigint(BigInt(jd)), num.numericDiv(num.numericFromBigint(BigInt(time)), num.numericFromBigint(USECS_PER_DAY)));
      return { exact, float: jd + time / 86_400_000_000 };
    }
    case 'epoch': {
      const micros = ts - BigInt(offsetSeconds) * USECS_PER_SEC - dt.UNIX_EPOCH_MICROS;
      return scaled(micros, 6, Number(micros) / 1e6);
    }
    case 'timezone': case 'timezone_hour': case 'timezone_minute':
      if (!withZone) throw notSupported(field, type);
      return whole(unit === 'timezone' ? offsetSeconds : unit === 'timezone_hour' ? Math.trunc(offsetSeconds / 3600) + 0 : Math.trunc((offsetSeconds % 3600) / 60) + 0);
    default: {
      const part = calendarPart(unit, tm);
      if (!part) throw notSupported(field, type);
      return part;
    }
  }
}

export function datePart(field: string, date: number): Part | null {
  const unit = decodeUnits(field, true);
  if (!unit) throw notRecognized(field, 'date');
  if (!Number.isFinite(date)) return infinitePart(unit, date < 0, field, 'date');
  const [year, month, day] = dt.j2date(date + dt.POSTGRES_EPOCH_JDATE);
  const tm: Tm = { year, month, day, hour: 0, minute: 0, second: 0, fsec: 0 };
  switch (unit) {
    case 'julian': return whole(date + dt.POSTGRES_EPOCH_JDATE);
    case 'epoch': {
      const seconds = BigInt(date) * 86_400n + 946_684_800n;
      return { exact: num.numericFromBigint(seconds), float: Number(seconds) };
    }
    default: {
      const part = calendarPart(unit, tm);
      if (!part) throw notSupported(field, 'date');
      return part;
    }
  }
}

export function intervalPart(field: string, v: IntervalValue): Part {
  const unit = decodeUnits(field, true);
  if (!unit || unit === 'reserved') throw notRecognized(field, 'interval');
  const tm = intervalToTm(v);
  const usInMinute = BigInt(tm.second) * USECS_PER_SEC + BigInt(tm.fsec);
  switch (unit) {
    case 'microseconds': return scaled(usInMinute, 0, tm.second * 1e6 + tm.fsec);
    case 'milliseconds': return scaled(usInMinute, 3, tm.second * 1000 + tm.fsec / 1000);
    case 'second': return scaled(usInMinute, 6, tm.second + tm.fsec / 1e6);
    case 'minute': return whole(tm.minute);
    case 'hour': return whole(tm.hour);
    case 'day': return whole(tm.day);
    case 'month': return whole(tm.month);
    case 'quarter': return whole(div(tm.month, 3) + 1);
    case 'year': return whole(tm.year);
    case 'decade': return whole(div(tm.year, 10));
    case 'century': return whole(div(tm.year, 100));
    case 'millennium': return whole(div(tm.year, 1000));
    case 'epoch': {
      // A year is 365.25 days, a month 30 days, a day 86400 seconds.
      const days = BigInt(div(v.months, MONTHS_PER_YEAR)) * 36525n + BigInt(v.months % MONTHS_PER_YEAR) * 3000n + BigInt(v.days) * 100n;
      const seconds = days * 864n; // (days/100) × 86400
      const exact = num.numericAdd(num.numericFromBigint(seconds), { coefficient: v.micros, scale: 6 });
      return { exact, float: Number(seconds) + Number(v.micros) / 1e6 };
    }
    default: throw notSupported(field, 'interval');
  }
}

// ---------------------------------------------------------------------------------------------
// age, make_*, justify_*

/** age(a, b): the symbolic difference, borrowing days from the month of the later operand. */
export function age(a: bigint, b: bigint): IntervalValue {
  // PostgreSQL 15 breaks +infinity (INT64_MAX) down like any value; -infinity is out of range.
  if (a === dt.TIMESTAMP_NEG_INFINITY || b === dt.TIMESTAMP_NEG_INFINITY) throw new SqlError('22008', 'timestamp out of range');
  const t1 = timestampToTm(a);
  const t2 = timestampToTm(b);
  const negative = a < b;
  const sign = negative ? -1 : 1;
  let fsec = sign * (t1.fsec - t2.fsec);
  let second = sign * (t1.second - t2.second);
  let minute = sign * (t1.minute - t2.minute);
  let hour = sign * (t1.hour - t2.hour);
  let day = sign * (t1.day - t2.day);
  let month = sign * (t1.month - t2.month);
  let year = sign * (t1.year - t2.year);
  while (fsec < 0) { fsec += 1_000_000; second--; }
  while (second < 0) { second += 60; minute--; }
  while (minute < 0) { minute += 60; hour--; }
  while (hour < 0) { hour += 24; day--; }
  while (day < 0) {
    const ref = negative ? t1 : t2;
    day += daysInMonth(ref.year, ref.month);
    month--;
  }
  while (month < 0) { month += 12; year--; }
  return tmToInterval({ year: sign * year, month: sign * month, day: sign * day, hour: sign * hour, minute: sign * minute, second: sign * second, fsec: sign * fsec });
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * The date of make_date / make_timestamp: negative years are BC, year 0 and bad fields are errors.
 * make_date's error shows the year as its ValidateDate left it, astronomical (-44 → -43);
 * make_timestamp's shows the year given.
 */
function makeJulian(year: number, month: number, day: number, shownYear: 'astronomical' | 'given'): number {
  const astronomical = year < 0 ? year + 1 : year;
  if (year === 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(astronomical, month)) {
    throw new SqlError('22008', `date field value out of range: ${shownYear === 'given' ? year : astronomical}-${pad2(month)}-${pad2(day)}`);
  }
  const jd = dt.date2j(astronomical, month, day);
  if (jd < 0 || jd >= 2147483494) throw new SqlError('22008', `date out of range: ${year}-${pad2(month)}-${pad2(day)}`);
  return jd;
}

/**
 * date_bin(stride, source, origin): the start of the stride-long bin, counted from origin, that
 * source falls in (timestamp_bin; the same on timestamptz's instants). Months cannot be strides.
 */
export function dateBin(stride: IntervalValue, source: bigint, origin: bigint): bigint {
  if (dt.isInfiniteTimestamp(source)) return source;
  if (dt.isInfiniteTimestamp(origin)) throw new SqlError('22008', 'origin out of range');
  if (stride.months !== 0) throw new SqlError('0A000', 'timestamps cannot be binned into intervals containing months or years');
  const strideMicros = BigInt(stride.days) * 86_400_000_000n + stride.micros;
  if (strideMicros <= 0n) throw new SqlError('22008', 'stride must be greater than zero');
  const diff = source - origin;
  let delta = diff - (diff % strideMicros);
  // The start of the bin even when the origin is after the source.
  if (origin > source && strideMicros > 1n && diff % strideMicros !== 0n) delta -= strideMicros;
  return dt.checkTimestamp(origin + delta);
}

export function makeDate(year: number, month: number, day: number): number {
  return makeJulian(year, month, day, 'astronomical') - dt.POSTGRES_EPOCH_JDATE;
}

/** %02g: %g zero-padded to two characters. */
const g2 = (v: number): string => { const t = formatG(v); return t.length >= 2 ? t : '0' + t; };

/** %g as C prints it (6 significant digits, trailing zeros dropped). */
function formatG(v: number): string {
  // PostgreSQL's own snprintf spells the special values out.
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  if (v === 0) return '0';
  const exponent = Math.floor(Math.log10(Math.abs(v)));
  if (exponent < -4 || exponent >= 6) {
    const [mantissa, e] = v.toExponential(5).split('e');
    const m = mantissa!.replace(/\.?0+$/, '');
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return v.toPrecision(6).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

export function makeTimestamp(year: number, month: number, day: number, hour: number, minute: number, second: number): bigint {
  const jd = makeJulian(year, month, day, 'given');
  // float_time_overflows: 24:00:00 is allowed, nothing past it.
  const overflows = hour < 0 || minute < 0 || minute > 59 || !(second >= 0) || second > 60 || hour > 24
    || hour * 3600e6 + minute * 60e6 + Math.round(second * 1e6) > 86_400e6;
  if (overflows) {
    throw new SqlError('22008', `time field value out of range: ${hour}:${pad2(minute)}:${g2(second)}`);
  }
  const time = BigInt((hour * 60 + minute) * 60) * USECS_PER_SEC + BigInt(roundHalfEvenNumber(second * 1e6));
  const v = BigInt(jd - dt.POSTGRES_EPOCH_JDATE) * USECS_PER_DAY + time;
  try {
    return dt.checkTimestamp(v);
  } catch {
    throw new SqlError('22008', `timestamp out of range: ${year}-${pad2(month)}-${pad2(day)} ${hour}:${pad2(minute)}:${g2(second)}`);
  }
}

/** make_time(hour, min, sec): float_time_overflows, then tm2time with rint on the seconds. */
export function makeTime(hour: number, minute: number, second: number): bigint {
  const overflows = hour < 0 || minute < 0 || minute > 59 || !(second >= 0) || hour > 24
    || roundHalfEvenNumber(second * 1e6) > 60e6
    || hour * 3600e6 + minute * 60e6 + roundHalfEvenNumber(second * 1e6) > 86_400e6;
  if (overflows) throw new SqlError('22008', `time field value out of range: ${hour}:${pad2(minute)}:${g2(second)}`);
  return BigInt((hour * 60 + minute) * 60) * USECS_PER_SEC + BigInt(roundHalfEvenNumber(second * 1e6));
}

const TIME = 'time without time zone';

/** extract / date_part on a time: the clock fields and epoch; calendar units are not supported. */
export function timePart(field: string, time: bigint): Part {
  const unit = decodeUnits(field, true);
  if (!unit || unit === 'reserved') throw notRecognized(field, TIME);
  const usInMinute = time % USECS_PER_MINUTE;
  const second = Number(usInMinute / USECS_PER_SEC);
  const fsec = Number(usInMinute % USECS_PER_SEC);
  switch (unit) {
    case 'microseconds': return scaled(usInMinute, 0, second * 1e6 + fsec);
    case 'milliseconds': return scaled(usInMinute, 3, second * 1000 + fsec / 1000);
    case 'second': return scaled(usInMinute, 6, second + fsec / 1e6);
    case 'minute': return whole(Number((time % USECS_PER_HOUR) / USECS_PER_MINUTE));
    case 'hour': return whole(Number(time / USECS_PER_HOUR));
    case 'epoch': return scaled(time, 6, Number(time) / 1e6);
    default: throw notSupported(field, TIME);
  }
}

const TIMETZ = 'time with time zone';

/**
 * extract / date_part on a timetz (timetz_part_common): the clock fields of the local time, the
 * offset east (timezone, and its hours and minutes, truncated as C divides), and epoch: the
 * seconds of the instant since midnight UTC (the local time plus the zone's seconds west).
 */
export function timeTzPart(field: string, v: TimeTzValue): Part {
  const unit = decodeUnits(field, true);
  if (!unit || unit === 'reserved') throw notRecognized(field, TIMETZ);
  const east = -v.zone;
  switch (unit) {
    case 'timezone': return whole(east + 0);
    case 'timezone_hour': return whole(div(east, 3600) + 0);
    case 'timezone_minute': return whole((div(east, 60) % 60) + 0);
    case 'epoch': return scaled(v.micros + BigInt(v.zone) * USECS_PER_SEC, 6, Number(v.micros) / 1e6 + v.zone);
    case 'microseconds': case 'milliseconds': case 'second': case 'minute': case 'hour': return timePart(field, v.micros);
    default: throw notSupported(field, TIMETZ);
  }
}

/**
 * date + timetz (datetimetz_timestamptz): the instant of that wall-clock time at that offset;
 * ±infinity dates stay infinite.
 */
export function dateTimeTz(date: number, time: TimeTzValue): bigint {
  const ts = dt.dateToTimestamp(date);
  if (!Number.isFinite(date)) return ts;
  try {
    return dt.checkTimestamp(ts + time.micros + BigInt(time.zone) * USECS_PER_SEC);
  } catch {
    throw new SqlError('22008', 'date out of range for timestamp');
  }
}

function roundHalfEvenNumber(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function makeInterval(years: number, months: number, weeks: number, days: number, hours: number, minutes: number, seconds: number): IntervalValue {
  if (!Number.isFinite(seconds)) throw new SqlError('22008', 'interval out of range');
  const totalMonths = years * MONTHS_PER_YEAR + months;
  const totalDays = weeks * 7 + days;
  // (PostgreSQL 15 wraps around past int32 here; 16 raises this error, as Strata does.)
  const months32 = int32(totalMonths);
  const days32 = int32(totalDays);
  const micros = BigInt(hours) * USECS_PER_HOUR + BigInt(minutes) * USECS_PER_MINUTE + BigInt(roundHalfEvenNumber(seconds * 1e6));
  return { months: months32, days: days32, micros };
}

function int32(v: number): number {
  if (v > 2147483647 || v < -2147483648) throw new SqlError('22008', 'interval out of range');
  return v + 0;
}

export function justifyHours(v: IntervalValue): IntervalValue {
  const wholeDays = v.micros / USECS_PER_DAY;
  let time = v.micros - wholeDays * USECS_PER_DAY;
  let days = v.days + Number(wholeDays);
  if (days > 0 && time < 0n) { time += USECS_PER_DAY; days--; }
  else if (days < 0 && time > 0n) { time -= USECS_PER_DAY; days++; }
  return { months: v.months, days: int32(days), micros: time };
}

export function justifyDays(v: IntervalValue): IntervalValue {
  const wholeMonths = div(v.days, DAYS_PER_MONTH);
  let days = v.days - wholeMonths * DAYS_PER_MONTH;
  let months = v.months + wholeMonths;
  if (months > 0 && days < 0) { days += DAYS_PER_MONTH; months--; }
  else if (months < 0 && days > 0) { days -= DAYS_PER_MONTH; months++; }
  return { months: int32(months), days: days + 0, micros: v.micros };
}

export function justifyInterval(v: IntervalValue): IntervalValue {
  const wholeDays = v.micros / USECS_PER_DAY;
  let time = v.micros - wholeDays * USECS_PER_DAY;
  let days = v.days + Number(wholeDays);
  const wholeMonths = div(days, DAYS_PER_MONTH);
  days -= wholeMonths * DAYS_PER_MONTH;
  let months = v.months + wholeMonths;
  if (months > 0 && (days < 0 || (days === 0 && time < 0n))) { days += DAYS_PER_MONTH; months--; }
  else if (months < 0 && (days > 0 || (days === 0 && time > 0n))) { days -= DAYS_PER_MONTH; months++; }
  if (days > 0 && time < 0n) { time += USECS_PER_DAY; days--; }
  else if (days < 0 && time > 0n) { time -= USECS_PER_DAY; days++; }
  return { months: int32(months), days: days + 0, micros: time };
}

/** to_timestamp(double precision): seconds since the Unix epoch. */
export function timestampFromEpochSeconds(seconds: number): bigint {
  if (Number.isNaN(seconds)) throw new SqlError('22008', 'timestamp cannot be NaN');
  if (seconds === Infinity) return TIMESTAMP_INFINITY;
  if (seconds === -Infinity) return dt.TIMESTAMP_NEG_INFINITY;
  // Out of range before rounding: the limits of timestamptz, in seconds since 1970.
  if (seconds < -210866803200 || seconds >= 9224318016000) throw new SqlError('22008', `timestamp out of range: "${formatG(seconds)}"`);
  const micros = BigInt(roundHalfEvenNumber(seconds * 1e6));
  return checkRange(micros + dt.UNIX_EPOCH_MICROS);
}
