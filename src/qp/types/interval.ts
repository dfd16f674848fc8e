import { SqlError } from '../../contracts/errors.js';
import { TIMESTAMP_INFINITY, type IntervalValue } from '../../contracts/sql-value.js';
import { checkTimestamp, date2j, isInfiniteTimestamp, j2date, POSTGRES_EPOCH_JDATE, splitTimestamp, USECS_PER_DAY } from './datetime.js';
import { roundHalfEven } from './scalars.js';

/** interval: months, days and microseconds kept apart, as PostgreSQL does; IntervalStyle postgres. */

const USECS_PER_HOUR = 3_600_000_000n;
const USECS_PER_MINUTE = 60_000_000n;
const USECS_PER_SEC = 1_000_000n;
const DAYS_PER_MONTH = 30;
const INT32_MAX = 2147483647;

export const ZERO_INTERVAL: IntervalValue = Object.freeze({ months: 0, days: 0, micros: 0n });

function syntax(text: string): SqlError {
  return new SqlError('22007', `invalid input syntax for type interval: "${text}"`);
}

function overflow(): SqlError {
  return new SqlError('22008', 'interval out of range');
}

/** Unit → [months, days, micros] for one unit. */
const UNITS: Record<string, [number, number, number]> = {};
/** Each unit's spellings → its field (the first spelling), which an interval may give once. */
const FIELDS: Record<string, string> = {};
function unit(names: string[], months: number, days: number, micros: number): void {
  for (const n of names) {
    UNITS[n] = [months, days, micros];
    FIELDS[n] = names[0]!;
  }
}
unit(['microsecond', 'microseconds', 'usec', 'usecs', 'us', 'microsecon'], 0, 0, 1);
unit(['millisecond', 'milliseconds', 'msec', 'msecs', 'ms', 'millisecon'], 0, 0, 1000);
unit(['second', 'seconds', 'sec', 'secs', 's'], 0, 0, 1_000_000);
unit(['minute', 'minutes', 'min', 'mins', 'm'], 0, 0, 60_000_000);
unit(['hour', 'hours', 'hr', 'hrs', 'h'], 0, 0, 3_600_000_000);
unit(['day', 'days', 'd'], 0, 1, 0);
unit(['week', 'weeks', 'w'], 0, 7, 0);
unit(['month', 'months', 'mon', 'mons'], 1, 0, 0);
unit(['year', 'years', 'yr', 'yrs', 'y'], 12, 0, 0);
unit(['decade', 'decades', 'dec', 'decs'], 120, 0, 0);
unit(['century', 'centuries', 'cent', 'c'], 1200, 0, 0);
unit(['millennium', 'millennia', 'mil', 'mils'], 12000, 0, 0);

/**
 * What interval input has read so far: PostgreSQL 15's pg_itm_in — int32 years, months and days,
 * int64 microseconds; years and months become one int32 of months only at the end (itmin2interval),
 * where past it is 22008 "interval out of range", not a field's 22015.
 */
interface Accumulator { years: number; months: number; days: number; micros: bigint }

const INT64_MAX = 9223372036854775807n;
const INT32_MIN = -INT32_MAX - 1;

/**
 * Adds a number token (`12`, `-1.5`, `.25`) of one unit as PostgreSQL 15's DecodeInterval does:
 * the whole part exactly (an int64), the fraction as a double spilled downward — a fraction of a
 * year to whole months (AdjustFractYears), of a month or week to days and then microseconds
 * (AdjustFractDays), of a day to microseconds — and anything past int32 days or months or int64
 * microseconds out of range. False when the token is not a number.
 */
function addUnit(acc: Accumulator, token: string, u: [number, number, number]): boolean {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(token);
  // strtoi64 must read digits unless the token starts with the point: `.5`, not `-.5`.
  if (!m || (m[2] === '' && (m[1] !== '' || m[3] === undefined || m[3] === ''))) return false;
  const negative = m[1] === '-';
  const whole = (negative ? -1n : 1n) * BigInt(m[2] === '' ? '0' : m[2]!);
  const frac = m[3] ? (negative ? -1 : 1) * Number('0.' + m[3]) : 0;
  const [months, days, micros] = u;
  if (micros) {
    acc.micros += whole * BigInt(micros) + BigInt(roundHalfEven(frac * micros));
  } else if (days) {
    acc.days = addInt32(acc.days, whole * BigInt(days));
    addFractDays(acc, frac, days);
  } else if (months === 1) {
    acc.months = addInt32(acc.months, whole);
    addFractDays(acc, frac, DAYS_PER_MONTH);
  } else {
    // Years (× 1, 10, 100, 1000): AdjustYears, and AdjustFractYears' whole months.
    if (whole > BigInt(INT32_MAX) || whole < BigInt(INT32_MIN)) throw fieldOverflow;
    acc.years = addInt32(acc.years, whole * BigInt(months / 12));
    acc.months = addInt32(acc.months, BigInt(roundHalfEven(frac * months)));
  }
  checkMicros(acc);
  return true;
}

function checkMicros(acc: Accumulator): void {
  if (acc.micros > INT64_MAX || acc.micros < -INT64_MAX - 1n) throw fieldOverflow;
}

/** The out-of-range marker addUnit throws; the caller names the text. */
const fieldOverflow = new Error('interval field value out of range');

function addInt32(sum: number, add: bigint): number {
  const total = BigInt(sum) + add;
  if (total > BigInt(INT32_MAX) || total < BigInt(INT32_MIN)) throw fieldOverflow;
  return Number(total);
}

/** AdjustFractDays: `frac` × `scale` days, the whole ones to days, the rest to microseconds. */
function addFractDays(acc: Accumulator, frac: number, scale: number): void {
  if (frac === 0) return;
  const extraDays = Math.trunc(frac * scale);
  acc.days = addInt32(acc.days, BigInt(extraDays));
  acc.micros += BigInt(roundHalfEven((frac * scale - extraDays) * 86_400_000_000));
}

// ---------------------------------------------------------------------------------------------
// Typmods: INTERVAL '1' DAY, interval hour to minute, interval(3) — PostgreSQL's range masks
// (INTERVAL_MASK of each field) in the high half, the seconds' precision in the low half.

const MONTH = 1 << 1, YEAR = 1 << 2, DAY = 1 << 3, HOUR = 1 << 10, MINUTE = 1 << 11, SECOND = 1 << 12;
export const INTERVAL_FULL_RANGE = 0x7fff;
const FULL_PRECISION = 0xffff;

/** The ranges the grammar writes (opt_interval), with the words format_type prints for them. */
const RANGES = new Map<number, string>([
  [INTERVAL_FULL_RANGE, ''], [YEAR, ' year'], [MONTH, ' month'], [DAY, ' day'], [HOUR, ' hour'], [MINUTE, ' minute'],
  [SECOND, ' second'], [YEAR | MONTH, ' year to month'], [DAY | HOUR, ' day to hour'], [DAY | HOUR | MINUTE, ' day to minute'],
  [DAY | HOUR | MINUTE | SECOND, ' day to second'], [HOUR | MINUTE, ' hour to minute'], [HOUR | MINUTE | SECOND, ' hour to second'],
  [MINUTE | SECOND, ' minute to second'],
]);

/** intervaltypmodin: the grammar's [range] or [range, precision] as a typmod (-1: none). */
export function intervalTypmod(mods: readonly number[]): number {
  const range = mods[0]!;
  let precision = mods.length > 1 ? mods[1]! : FULL_PRECISION;
  if (!RANGES.has(range) || mods.length > 2) throw new SqlError('22023', 'invalid INTERVAL type modifier');
  if (mods.length > 1) {
    if (precision < 0) throw new SqlError('22023', `INTERVAL(${precision}) precision must not be negative`);
    precision = Math.min(precision, 6);
  }
  return range === INTERVAL_FULL_RANGE && precision === FULL_PRECISION ? -1 : (range << 16) | precision;
}

const rangeOf = (typmod: number): number => (typmod < 0 ? INTERVAL_FULL_RANGE : (typmod >>> 16) & 0x7fff);
const precisionOf = (typmod: number): number => (typmod < 0 ? FULL_PRECISION : typmod & 0xffff);

/** intervaltypmodout, after "interval": ` day to second(3)`, `(3)`. */
export function intervalTypmodText(typmod: number): string {
  const precision = precisionOf(typmod);
  return (RANGES.get(rangeOf(typmod)) ?? '') + (precision === FULL_PRECISION ? '' : `(${precision})`);
}

/** AdjustIntervalForTypmod: the fields below the range's last one cleared, seconds rounded to the precision. */
export function adjustInterval(v: IntervalValue, typmod: number): IntervalValue {
  const range = rangeOf(typmod);
  let { months, days, micros } = v;
  const truncate = (unit: bigint) => { micros = (micros / unit) * unit; };
  if (range === YEAR) { months = Math.trunc(months / 12) * 12; days = 0; micros = 0n; }
  else if (range === MONTH || range === (YEAR | MONTH)) { days = 0; micros = 0n; }
  else if (range === DAY) micros = 0n;
  else if (range === HOUR || range === (DAY | HOUR)) truncate(USECS_PER_HOUR);
  else if (range === MINUTE || range === (DAY | HOUR | MINUTE) || range === (HOUR | MINUTE)) truncate(USECS_PER_MINUTE);
  const precision = precisionOf(typmod);
  if (precision !== FULL_PRECISION && precision < 6) {
    const scale = 10n ** BigInt(6 - precision);
    const offset = scale / 2n;
    micros = micros >= 0n ? ((micros + offset) / scale) * scale : -(((-micros + offset) / scale) * scale);
  }
  return months === v.months && days === v.days && micros === v.micros ? v : { months: months + 0, days: days + 0, micros };
}

/** The unit of a number written without one, by the range (DecodeInterval: the rightmost field). */
function bareUnit(range: number): string {
  switch (range) {
    case YEAR: return 'year';
    case MONTH: case YEAR | MONTH: return 'month';
    case DAY: return 'day';
    case HOUR: case DAY | HOUR: return 'hour';
    case MINUTE: case HOUR | MINUTE: case DAY | HOUR | MINUTE: return 'minute';
    default: return 'second';
  }
}

const TIME_TOKEN = /^([+-]?)(\d+):(\d+(?:\.\d*)?)(?::(\d+(?:\.\d*)?))?$/;
const NUMBER_TOKEN = /^[+-]?(\d+\.?\d*|\.\d+)$/;
const YEAR_MONTH_TOKEN = /^([+-]?)(\d+)-(\d+)$/;

/** interval input; `typmod` (a column's or a cast's) decides what a bare number or `a:b` means, then trims the value. */
export function parseInterval(text: string, typmod = -1): IntervalValue {
  let parsed: IntervalValue;
  try {
    parsed = parseIntervalIn(text, rangeOf(typmod));
  } catch (error) {
    throw error === fieldOverflow ? new SqlError('22015', `interval field value out of range: "${text}"`) : error;
  }
  return typmod < 0 ? parsed : adjustInterval(parsed, typmod);
}

function parseIntervalIn(text: string, range: number): IntervalValue {
  // An upper-case P first, nothing before it (DecodeISO8601Interval reads the raw text).
  if (text.startsWith('P')) return parseIsoInterval(text);
  const tokens = text.trim().toLowerCase().replace(/^@\s*/, '').match(/[+-]?\d+(?:-\d+)+|[+-]?[\d.:]+|[a-z]+/g);
  if (!tokens || tokens.join('').length !== text.toLowerCase().replace(/[\s@]/g, '').length) throw syntax(text);
  const acc: Accumulator = { years: 0, months: 0, days: 0, micros: 0n };
  // Read right to left, as DecodeInterval does: a unit names the number before it; a number
  // without one is the range's last field, or a day before an hour or a time (`1 2:00`, and
  // `1 2` in DAY TO HOUR); a field given twice is an error.
  const given = new Set<string>();
  const give = (...fields: string[]) => {
    for (const f of fields) {
      if (given.has(f)) throw syntax(text);
      given.add(f);
    }
  };
  let type: string | null = null;
  let ago = false;
  let seen = false;
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i]!;
    const time = TIME_TOKEN.exec(t);
    const yearMonth = time ? null : YEAR_MONTH_TOKEN.exec(t);
    if (time) {
      const sign = time[1] === '-' ? -1 : 1;
      // `a:b` is hours and minutes, but minutes and seconds with a fraction or in a MINUTE TO
      // SECOND interval (DecodeTimeCommon); a fraction is only for seconds.
      const minutesSeconds = time[4] === undefined && (time[3]!.includes('.') || range === (MINUTE | SECOND));
      if (!minutesSeconds && time[3]!.includes('.')) throw syntax(text);
      const [h, m, sec] = minutesSeconds ? [0, Number(time[2]), Number(time[3])] : [Number(time[2]), Number(time[3]), Number(time[4] ?? 0)];
      const us = BigInt(h) * USECS_PER_HOUR + BigInt(m) * USECS_PER_MINUTE + BigInt(roundHalfEven(sec * 1e6));
      if (m > 59 || sec >= 60) throw new SqlError('22015', `interval field value out of range: "${text}"`);
      give('hour', 'minute', 'second', 'millisecond', 'microsecond');
      acc.micros += sign < 0 ? -us : us;
      checkMicros(acc);
      type = 'day';
      seen = true;
    } else if (yearMonth) {
      // SQL's `years-months`, the sign on both.
      const sign = yearMonth[1] === '-' ? -1 : 1;
      if (Number(yearMonth[3]) > 11) throw new SqlError('22015', `interval field value out of range: "${text}"`);
      give('year', 'month');
      acc.years = addInt32(acc.years, BigInt(sign) * BigInt(yearMonth[2]!));
      acc.months = addInt32(acc.months, BigInt(sign) * BigInt(yearMonth[3]!));
      seen = true;
    } else if (NUMBER_TOKEN.test(t)) {
      const field: string = type ?? bareUnit(range);
      give(field);
      if (field === 'second' && t.includes('.')) give('millisecond', 'microsecond');
      if (!addUnit(acc, t, UNITS[field]!)) throw syntax(text);
      type = field === 'hour' ? 'day' : field;
      seen = true;
    } else if (t === 'ago' && i === tokens.length - 1) ago = true;
    else if (FIELDS[t] !== undefined) type = FIELDS[t]!;
    else throw syntax(text);
  }
  if (!seen) throw syntax(text);
  if (ago) { acc.years = -acc.years; acc.months = -acc.months; acc.days = -acc.days; acc.micros = -acc.micros; }
  return toInterval(acc);
}

/**
 * ISO 8601 durations (DecodeISO8601Interval): `P1Y2M3W4DT5H6M7.5S` — designators after P, M
 * being minutes after T — or the alternative form `P0001-02-03T04:05:06`.
 */
function parseIsoInterval(text: string): IntervalValue {
  const acc: Accumulator = { years: 0, months: 0, days: 0, micros: 0n };
  const alternative = /^P(-?\d+)-(-?\d+)-(-?\d+)(?:T(-?\d+):(\d+):(\d+(?:\.\d*)?))?$/.exec(text);
  if (alternative) {
    const [, y, mo, d, h, mi, sec] = alternative;
    addUnit(acc, y!, UNITS['year']!);
    addUnit(acc, mo!, UNITS['month']!);
    addUnit(acc, d!, UNITS['day']!);
    if (h !== undefined) {
      addUnit(acc, h, UNITS['hour']!);
      addUnit(acc, mi!, UNITS['minute']!);
      addUnit(acc, sec!, UNITS['second']!);
    }
  } else {
    const body = /^P((?:[-+]?\d*\.?\d+[YMWD])*)(?:T((?:[-+]?\d*\.?\d+[HMS])*))?$/.exec(text);
    if (!body || (body[1] === '' && body[2] === undefined)) throw syntax(text);
    const designators = (part: string, names: Record<string, string>) => {
      for (const [, value, letter] of part.matchAll(/([-+]?\d*\.?\d+)([A-Z])/g)) addUnit(acc, value!, UNITS[names[letter!]!]!);
    };
    designators(body[1]!, { Y: 'year', M: 'month', W: 'week', D: 'day' });
    designators(body[2] ?? '', { H: 'hour', M: 'minute', S: 'second' });
  }
  return toInterval(acc);
}

/** itmin2interval: years and months as one int32 of months, else 22008. */
function toInterval(acc: Accumulator): IntervalValue {
  const months = acc.years * 12 + acc.months;
  if (months > INT32_MAX || months < INT32_MIN) throw overflow();
  return { months: months + 0, days: acc.days + 0, micros: acc.micros };
}

function part(value: number, name: string, state: { zero: boolean; before: boolean }): string {
  if (value === 0) return '';
  const out = `${state.zero ? '' : ' '}${state.before && value > 0 ? '+' : ''}${value} ${name}${value !== 1 ? 's' : ''}`;
  state.before = value < 0;
  state.zero = false;
  return out;
}

/** EncodeInterval with IntervalStyle = postgres. */
export function formatInterval(v: IntervalValue): string {
  const state = { zero: true, before: false };
  const years = Math.trunc(v.months / 12);
  const months = v.months - years * 12;
  let out = part(years, 'year', state) + part(months, 'mon', state) + part(v.days, 'day', state);
  if (state.zero || v.micros !== 0n) {
    const negative = v.micros < 0n;
    const abs = negative ? -v.micros : v.micros;
    const h = abs / USECS_PER_HOUR;
    const mi = (abs % USECS_PER_HOUR) / USECS_PER_MINUTE;
    const s = (abs % USECS_PER_MINUTE) / USECS_PER_SEC;
    const f = abs % USECS_PER_SEC;
    out += `${state.zero ? '' : ' '}${negative ? '-' : state.before ? '+' : ''}${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
    if (f !== 0n) out += '.' + String(f).padStart(6, '0').replace(/0+$/, '');
  }
  return out;
}

/** interval_cmp_value: a month is 30 days and a day is 24 hours when comparing. */
export function intervalSpan(v: IntervalValue): bigint {
  return (BigInt(v.months) * 30n + BigInt(v.days)) * USECS_PER_DAY + v.micros;
}

export function compareInterval(a: IntervalValue, b: IntervalValue): number {
  const x = intervalSpan(a);
  const y = intervalSpan(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function int32(v: number): number {
  if (v > INT32_MAX || v < -INT32_MAX - 1 || !Number.isFinite(v)) throw overflow();
  return v + 0;
}

function int64(v: bigint): bigint {
  if (v > 0x7fffffffffffffffn || v < -0x8000000000000000n) throw overflow();
  return v;
}

export function intervalAdd(a: IntervalValue, b: IntervalValue): IntervalValue {
  return { months: int32(a.months + b.months), days: int32(a.days + b.days), micros: int64(a.micros + b.micros) };
}

export function intervalNegate(a: IntervalValue): IntervalValue {
  return { months: int32(-a.months), days: int32(-a.days), micros: int64(-a.micros) };
}

export function intervalSub(a: IntervalValue, b: IntervalValue): IntervalValue {
  return intervalAdd(a, intervalNegate(b));
}

/** interval_mul: fractions of months and days cascade down, rounded to microseconds. */
export function intervalMul(a: IntervalValue, factor: number): IntervalValue {
  if (Number.isNaN(factor)) throw overflow();
  return scaleInterval(a, (x) => x * factor);
}

/**
 * interval / float8: each field divided, as PostgreSQL's interval_div does — not multiplied by
 * the reciprocal, whose rounding differs in the last microsecond (`'10000000000 s' / 3`).
 */
export function intervalDiv(a: IntervalValue, factor: number): IntervalValue {
  if (factor === 0) throw new SqlError('22012', 'division by zero');
  if (Number.isNaN(factor)) throw overflow();
  return scaleInterval(a, (x) => x / factor);
}

/**
 * interval_mul's and interval_div's shared arithmetic on doubles: whole months and days scaled
 * and truncated, their fractions cascaded down into days and seconds (TSROUND), the time rounded
 * to a microsecond (rint).
 */
function scaleInterval(a: IntervalValue, scale: (x: number) => number): IntervalValue {
  const tsround = (j: number): number => roundHalfEven(j * 1e6) / 1e6;
  let months = Math.trunc(scale(a.months));
  let days = Math.trunc(scale(a.days));
  const monthRemainderDays = tsround((scale(a.months) - months) * DAYS_PER_MONTH);
  let secRemainder = tsround((scale(a.days) - days + monthRemainderDays - Math.trunc(monthRemainderDays)) * 86400);
  if (Math.abs(secRemainder) >= 86400) {
    days += Math.trunc(secRemainder / 86400);
    secRemainder -= Math.trunc(secRemainder / 86400) * 86400;
  }
  days += Math.trunc(monthRemainderDays);
  const micros = roundHalfEven(scale(Number(a.micros)) + secRemainder * 1e6);
  if (!Number.isFinite(micros) || Math.abs(micros) > 9.2e18) throw overflow();
  months = int32(months);
  return { months, days: int32(days), micros: BigInt(micros) };
}

/** timestamp + interval: months first (clamping the day to the month's end), then days, then time. */
export function timestampPlusInterval(ts: bigint, iv: IntervalValue): bigint {
  if (isInfiniteTimestamp(ts)) return ts;
  let v = ts;
  if (iv.months !== 0 || iv.days !== 0) {
    const { days, micros } = splitTimestamp(v);
    let [y, m, d] = j2date(days + POSTGRES_EPOCH_JDATE);
    if (iv.months !== 0) {
      const total = y * 12 + (m - 1) + iv.months;
      y = Math.floor(total / 12);
      m = total - y * 12 + 1;
      const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
      const last = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
      if (d > last) d = last;
    }
    const jd = date2j(y, m, d) + iv.days;
    v = BigInt(jd - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY + micros;
  }
  return checkTimestamp(v + iv.micros);
}

/** timestamp - timestamp: a time span with whole days moved out of the hours (justify_hours). */
export function timestampDiff(a: bigint, b: bigint): IntervalValue {
  if (isInfiniteTimestamp(a) || isInfiniteTimestamp(b)) throw new SqlError('22008', 'cannot subtract infinite timestamps');
  const span = a - b;
  const days = span / USECS_PER_DAY;
  return { months: 0, days: int32(Number(days)), micros: span - days * USECS_PER_DAY };
}

export { TIMESTAMP_INFINITY };

/** time + interval (time_pl_interval): only the interval's time part counts, wrapping at 24 hours. */
export function timePlusInterval(time: bigint, span: IntervalValue): bigint {
  let r = (time + span.micros) % USECS_PER_DAY;
  if (r < 0n) r += USECS_PER_DAY;
  return r;
}

/** time - time (time_mi_time): a time-only interval, possibly negative. */
export function timeDiff(a: bigint, b: bigint): IntervalValue {
  return { months: 0, days: 0, micros: a - b };
}

/** interval → time (interval_time): the time part modulo 24 hours; days and months are dropped. */
export function intervalToTime(span: IntervalValue): bigint {
  let r = span.micros % USECS_PER_DAY;
  if (r < 0n) r += USECS_PER_DAY;
  return r;
}

/** time → interval (time_interval). */
export function timeToInterval(time: bigint): IntervalValue {
  return { months: 0, days: 0, micros: time };
}
