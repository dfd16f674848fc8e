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
function unit(names: string[], months: number, days: number, micros: number): void {
  for (const n of names) UNITS[n] = [months, days, micros];
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

interface Accumulator { months: number; days: number; micros: number }

/** Adds value × unit, spilling fractions downward (months → days at 30, days → time) as DecodeInterval does. */
function addUnit(acc: Accumulator, value: number, u: [number, number, number]): void {
  const [months, days, micros] = u;
  if (months) {
    const total = value * months;
    const whole = Math.trunc(total);
    acc.months += whole;
    const fracDays = (total - whole) * DAYS_PER_MONTH;
    acc.days += Math.trunc(fracDays);
    acc.micros += roundHalfEven((fracDays - Math.trunc(fracDays)) * 86_400_000_000);
  } else if (days) {
    const total = value * days;
    acc.days += Math.trunc(total);
    acc.micros += roundHalfEven((total - Math.trunc(total)) * 86_400_000_000);
  } else acc.micros += roundHalfEven(value * micros);
}

const TIME_TOKEN = /^([+-]?)(\d+):(\d+)(?::(\d+(?:\.\d*)?))?$/;
const NUMBER_TOKEN = /^[+-]?(\d+\.?\d*|\.\d+)$/;

export function parseInterval(text: string): IntervalValue {
  // An upper-case P first, nothing before it (DecodeISO8601Interval reads the raw text).
  if (text.startsWith('P')) return parseIsoInterval(text);
  const tokens = text.trim().toLowerCase().replace(/^@\s*/, '').match(/[+-]?[\d.:]+|[a-z]+/g);
  if (!tokens || tokens.join('').length !== text.toLowerCase().replace(/[\s@]/g, '').length) throw syntax(text);
  const acc: Accumulator = { months: 0, days: 0, micros: 0 };
  let ago = false;
  let seen = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const time = TIME_TOKEN.exec(t);
    if (time) {
      const sign = time[1] === '-' ? -1 : 1;
      const us = Number(time[2]) * 3_600_000_000 + Number(time[3]) * 60_000_000 + roundHalfEven(Number(time[4] ?? 0) * 1e6);
      if (Number(time[3]) > 59 || Number(time[4] ?? 0) >= 60) throw new SqlError('22015', `interval field value out of range: "${text}"`);
      acc.micros += sign * us;
      seen = true;
    } else if (NUMBER_TOKEN.test(t)) {
      const next = tokens[i + 1];
      const u = next !== undefined ? UNITS[next] : undefined;
      if (u) i++;
      addUnit(acc, Number(t), u ?? UNITS['second']!);
      seen = true;
    } else if (t === 'ago') ago = true;
    else throw syntax(text);
  }
  if (!seen) throw syntax(text);
  if (ago) { acc.months = -acc.months; acc.days = -acc.days; acc.micros = -acc.micros; }
  if (Math.abs(acc.months) > INT32_MAX || Math.abs(acc.days) > INT32_MAX) throw new SqlError('22015', `interval field value out of range: "${text}"`);
  return { months: acc.months + 0, days: acc.days + 0, micros: BigInt(acc.micros) };
}

/**
 * ISO 8601 durations (DecodeISO8601Interval): `P1Y2M3W4DT5H6M7.5S` — designators after P, M
 * being minutes after T — or the alternative form `P0001-02-03T04:05:06`.
 */
function parseIsoInterval(text: string): IntervalValue {
  const acc: Accumulator = { months: 0, days: 0, micros: 0 };
  const alternative = /^P(-?\d+)-(-?\d+)-(-?\d+)(?:T(-?\d+):(\d+):(\d+(?:\.\d*)?))?$/.exec(text);
  if (alternative) {
    const [, y, mo, d, h, mi, sec] = alternative;
    addUnit(acc, Number(y), UNITS['year']!);
    addUnit(acc, Number(mo), UNITS['month']!);
    addUnit(acc, Number(d), UNITS['day']!);
    if (h !== undefined) {
      addUnit(acc, Number(h), UNITS['hour']!);
      addUnit(acc, Number(mi), UNITS['minute']!);
      addUnit(acc, Number(sec), UNITS['second']!);
    }
  } else {
    const body = /^P((?:[-+]?\d*\.?\d+[YMWD])*)(?:T((?:[-+]?\d*\.?\d+[HMS])*))?$/.exec(text);
    if (!body || (body[1] === '' && body[2] === undefined)) throw syntax(text);
    const designators = (part: string, names: Record<string, string>) => {
      for (const [, value, letter] of part.matchAll(/([-+]?\d*\.?\d+)([A-Z])/g)) addUnit(acc, Number(value), UNITS[names[letter!]!]!);
    };
    designators(body[1]!, { Y: 'year', M: 'month', W: 'week', D: 'day' });
    designators(body[2] ?? '', { H: 'hour', M: 'minute', S: 'second' });
  }
  if (Math.abs(acc.months) > INT32_MAX || Math.abs(acc.days) > INT32_MAX) throw new SqlError('22015', `interval field value out of range: "${text}"`);
  return { months: acc.months + 0, days: acc.days + 0, micros: BigInt(acc.micros) };
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
  const tsround = (j: number): number => roundHalfEven(j * 1e6) / 1e6;
  let months = Math.trunc(a.months * factor);
  let days = Math.trunc(a.days * factor);
  const monthRemainderDays = tsround((a.months * factor - months) * DAYS_PER_MONTH);
  let secRemainder = tsround((a.days * factor - days + monthRemainderDays - Math.trunc(monthRemainderDays)) * 86400);
  if (Math.abs(secRemainder) >= 86400) {
    days += Math.trunc(secRemainder / 86400);
    secRemainder -= Math.trunc(secRemainder / 86400) * 86400;
  }
  days += Math.trunc(monthRemainderDays);
  const micros = roundHalfEven(Number(a.micros) * factor + secRemainder * 1e6);
  if (!Number.isFinite(micros) || Math.abs(micros) > 9.2e18) throw overflow();
  months = int32(months);
  return { months, days: int32(days), micros: BigInt(micros) };
}

export function intervalDiv(a: IntervalValue, factor: number): IntervalValue {
  if (factor === 0) throw new SqlError('22012', 'division by zero');
  return intervalMul(a, 1 / factor);
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
