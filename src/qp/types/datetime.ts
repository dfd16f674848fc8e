import { SqlError } from '../../contracts/errors.js';
import { TIMESTAMP_INFINITY, TimeTzValue } from '../../contracts/sql-value.js';
import { roundHalfEven } from './scalars.js';
import { daysInMonth, decodeDateTime, zoneAbbreviationSeconds, type DateTimeTypeName, type FindZone } from './datetime-decode.js';

/**
 * date, timestamp, timestamptz and interval: PostgreSQL's julian-day arithmetic (date2j,
 * j2date), its ISO input forms and DateStyle=ISO / IntervalStyle=postgres output. timestamptz
 * here is read and printed in UTC ("+00"); session-zone.ts does it in the session's zone.
 */

export const POSTGRES_EPOCH_JDATE = 2451545;
export const USECS_PER_DAY = 86_400_000_000n;
const USECS_PER_DAY_NUMBER = 86_400_000_000;
const USECS_PER_HOUR = 3_600_000_000n;
const USECS_PER_MINUTE = 60_000_000n;
const USECS_PER_SEC = 1_000_000n;
/** Unix epoch (1970-01-01) in PostgreSQL epoch microseconds. */
export const UNIX_EPOCH_MICROS = -946_684_800_000_000n;
const UNIX_EPOCH_DAYS = -10957;
/** date range: 4713-11-24 BC (julian day 0) to 5874897-12-31 (DATE_END_JULIAN is exclusive). */
const DATE_MIN_JULIAN = 0;
const DATE_END_JULIAN = 2147483494;
/** timestamp range: julian day 0 to 294277-01-01 (exclusive). */
const TIMESTAMP_MIN = -211813488000000000n;
const TIMESTAMP_END = 9223371331200000000n;

export const TIMESTAMP_NEG_INFINITY = -TIMESTAMP_INFINITY;

export function date2j(year: number, month: number, day: number): number {
  let y = year;
  let m = month;
  if (m > 2) { m += 1; y += 4800; } else { m += 13; y += 4799; }
  const century = Math.trunc(y / 100);
  let julian = y * 365 - 32167;
  julian += Math.trunc(y / 4) - century + Math.trunc(century / 4);
  julian += Math.trunc((7834 * m) / 256) + day;
  return julian;
}

export function j2date(jd: number): [number, number, number] {
  let julian = jd + 32044;
  let quad = Math.floor(julian / 146097);
  const extra = (julian - quad * 146097) * 4 + 3;
  julian += 60 + quad * 3 + Math.floor(extra / 146097);
  quad = Math.floor(julian / 1461);
  julian -= quad * 1461;
  let y = Math.floor((julian * 4) / 1461);
  julian = (y !== 0 ? (julian + 305) % 365 : (julian + 306) % 366) + 123;
  y += quad * 4;
  const q = Math.floor((julian * 2141) / 65536);
  const day = julian - Math.floor((7834 * q) / 256);
  const month = ((q + 10) % 12) + 1;
  return [y - 4800, month, day];
}

// ---------------------------------------------------------------------------------------------
// Input

export type { DateTimeTypeName } from './datetime-decode.js';
export { zoneAbbreviationSeconds } from './datetime-decode.js';

function fieldOverflow(text: string): SqlError {
  return new SqlError('22008', `date/time field value out of range: "${text}"`);
}

/** A numeric zone after a time of day (decodeTimeOnly): seconds east of UTC. */
function parseZone(zone: string | undefined, text: string): number | null {
  if (zone === undefined) return null;
  if (zone === 'z' || zone === 'utc' || zone === 'gmt' || zone === 'ut') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const body = zone.slice(1).replace(/:/g, '');
  const hours = Number(body.length <= 2 ? body : body.slice(0, body.length % 2 === 0 ? 2 : 1));
  const rest = body.length <= 2 ? '' : body.slice(body.length % 2 === 0 ? 2 : 1);
  const minutes = rest.length >= 2 ? Number(rest.slice(0, 2)) : 0;
  const seconds = rest.length >= 4 ? Number(rest.slice(2, 4)) : 0;
  if (hours > 15 || minutes > 59 || seconds > 59) {
    throw new SqlError('22009', `time zone displacement out of range: "${text}"`);
  }
  return sign * (hours * 3600 + minutes * 60 + seconds);
}

function timeMicros(h?: string, mi?: string, s?: string, frac?: string): bigint | null {
  if (h === undefined) return 0n;
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  // ParseFractionalSecond: rint(0.frac × 10^6), on a double as PostgreSQL does.
  const fraction = frac === undefined || frac.length === 0 ? 0n : BigInt(roundHalfEven(Number('0.' + frac) * 1e6));
  if (minute > 59 || second > 60 || hour > 24) return null;
  const micros = BigInt(hour) * USECS_PER_HOUR + BigInt(minute) * USECS_PER_MINUTE + BigInt(second) * USECS_PER_SEC + fraction;
  if (micros > USECS_PER_DAY) return null; // 24:00:00 is allowed, nothing later
  return micros;
}

const CALENDAR = { date2j, j2date };

type SpecialValue = 'infinity' | '-infinity' | 'epoch';

function specialValue(text: string): SpecialValue | null {
  const t = text.trim().toLowerCase();
  if (t === 'infinity') return 'infinity';
  if (t === '-infinity') return '-infinity';
  if (t === 'epoch') return 'epoch';
  // Read where the session's zone and the transaction's time are known (zoned-datetime.ts).
  if (namesRelativeTime(t)) throw new SqlError('0A000', `date/time value "${text.trim()}" is not supported here`);
  return null;
}

/** The words of date/time input that read the transaction's time (DTK_NOW, DTK_TODAY, DTK_TOMORROW, DTK_YESTERDAY). */
const RELATIVE_WORD = /(?:^|[^a-z0-9])(?:now|today|tomorrow|yesterday)(?:[^a-z0-9]|$)/i;

/** Whether date/time text names the transaction's time: 'now', or 'today'/'tomorrow'/'yesterday' with or without a time. */
export function namesRelativeTime(text: string): boolean {
  return RELATIVE_WORD.test(text);
}

/** Whether an array's or a value's text may name the transaction's time (a quick test before reading it). */
export function mayNameRelativeTime(text: string): boolean {
  return /now|today|tomorrow|yesterday/i.test(text);
}

/** date_in; a zone the text names (`findZone`) is read and left out. */
export function parseDate<Z>(text: string, findZone?: FindZone<Z>): number {
  const special = specialValue(text);
  if (special) return special === 'infinity' ? Infinity : special === '-infinity' ? -Infinity : UNIX_EPOCH_DAYS;
  const f = decodeDateTime(text, 'date', CALENDAR, findZone);
  if (typeof f === 'string') return f === 'infinity' ? Infinity : f === '-infinity' ? -Infinity : UNIX_EPOCH_DAYS;
  const jd = date2j(f.year, f.month, f.day);
  if (jd < DATE_MIN_JULIAN || jd >= DATE_END_JULIAN) throw new SqlError('22008', `date out of range: "${text}"`);
  return jd - POSTGRES_EPOCH_JDATE;
}

/** Zones by name, and a wall-clock time in one of them as UTC. */
export interface ZoneLookup<Z> {
  find: FindZone<Z>;
  toUtc(zone: Z, wall: bigint): bigint;
}

/**
 * timestamp(tz)_in. `fromLocal` reads a timestamptz without a zone as a wall-clock time (UTC when
 * absent); `zones` finds a zone the text names (timestamp reads it and leaves it out).
 */
export function parseTimestamp<Z>(text: string, withZone: boolean, fromLocal?: (wall: bigint) => bigint, zones?: ZoneLookup<Z>): bigint {
  const typeName: DateTimeTypeName = withZone ? 'timestamp with time zone' : 'timestamp without time zone';
  const special = specialValue(text);
  if (special) return special === 'infinity' ? TIMESTAMP_INFINITY : special === '-infinity' ? TIMESTAMP_NEG_INFINITY : UNIX_EPOCH_MICROS;
  const f = decodeDateTime(text, typeName, CALENDAR, zones?.find);
  if (typeof f === 'string') return f === 'infinity' ? TIMESTAMP_INFINITY : f === '-infinity' ? TIMESTAMP_NEG_INFINITY : UNIX_EPOCH_MICROS;
  const jd = date2j(f.year, f.month, f.day);
  let v = BigInt(jd - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY + f.micros;
  // timestamp ignores a zone in its input; timestamptz converts to UTC.
  if (withZone && f.offsetSeconds !== null) v -= BigInt(f.offsetSeconds) * USECS_PER_SEC;
  else if (withZone && f.namedZone !== null && v >= TIMESTAMP_MIN && v < TIMESTAMP_END) v = zones!.toUtc(f.namedZone, v);
  else if (withZone && fromLocal !== undefined && v >= TIMESTAMP_MIN && v < TIMESTAMP_END) v = fromLocal(v);
  if (v < TIMESTAMP_MIN || v >= TIMESTAMP_END) throw new SqlError('22008', `timestamp out of range: "${text}"`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// time (without time zone): bigint µs since midnight, 0 to 24:00:00 inclusive

const TIME_DATE_PREFIX = String.raw`(?:(\d{1,8})-(\d{1,2})-(\d{1,2})|(\d{1,2})/(\d{1,2})/(\d{1,8}))\s+`;
const TIME_CLOCK = String.raw`(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d*))?)?`;
const TIME_CONCAT = String.raw`(\d{4}(?:\.\d*)?|\d{6}(?:\.\d*)?)`;
/** A zone: a numeric offset, or a word (an abbreviation, a zone name; bc and ad are eras). */
const TIME_ZONE = String.raw`(z|utc|gmt|ut|[+-]\d{1,2}(?::?\d{2}(?::?\d{2})?)?|(?!(?:bc|ad)$)[a-z][a-z0-9_/+-]*)`;
const TIME_INPUT = new RegExp(
  String.raw`^(?:${TIME_DATE_PREFIX}|t)?(?:${TIME_CLOCK}|${TIME_CONCAT})(?:\s*(am|pm|a\.m\.|p\.m\.))?` +
  String.raw`(?:\s*${TIME_ZONE})?(?:\s+(bc|ad))?$`);

export type TimeTypeName = 'time' | 'time with time zone';

/** What DecodeTimeOnly reads: the time of day, the zone given (seconds east) and the date given. */
interface TimeFields {
  micros: bigint;
  offsetEast: number | null;
  date: [year: number, month: number, day: number] | null;
}

/**
 * time_in and timetz_in: DecodeTimeOnly's forms (hh:mm[:ss[.f]], hhmm[ss][.f], allballs, am/pm,
 * a zone as an offset or an abbreviation of the Default set, a date before the time). A zone
 * named otherwise (America/New_York) is refused: Strata does not look zone names up here.
 */
function decodeTimeOnly(text: string, typeName: TimeTypeName): TimeFields {
  // mm:ss.f (a fraction right after the second field means minutes and seconds).
  const t = text.trim().toLowerCase().replace(/^(t?)(\d{1,2}):(\d{1,2})\.(\d*)/, '$100:$2:$3.$4');
  if (t === 'allballs') return { micros: 0n, offsetEast: 0, date: null };
  if (t === 'now') throw new SqlError('0A000', `date/time value "${text.trim()}" is not supported here`);
  const m = TIME_INPUT.exec(t);
  if (!m) throw new SqlError('22007', `invalid input syntax for type ${typeName}: "${text}"`);
  let date: TimeFields['date'] = null;
  if (m[1] !== undefined || m[4] !== undefined) {
    const year = Number(m[1] ?? m[6]);
    const month = Number(m[2] ?? m[4]);
    const day = Number(m[3] ?? m[5]);
    if (year === 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) throw fieldOverflow(text);
    date = [year, month, day];
  }
  let h: string, mi: string, s: string | undefined, frac: string | undefined;
  if (m[7] !== undefined) {
    h = m[7]; mi = m[8]!; s = m[9]; frac = m[10];
  } else {
    const [digits, f] = m[11]!.split('.') as [string, string | undefined];
    h = digits.slice(0, 2); mi = digits.slice(2, 4); s = digits.length === 6 ? digits.slice(4, 6) : undefined; frac = f;
  }
  let hour = Number(h);
  const meridian = m[12];
  if (meridian !== undefined) {
    if (hour > 12) throw fieldOverflow(text);
    if (meridian[0] === 'a' && hour === 12) hour = 0;
    else if (meridian[0] === 'p' && hour !== 12) hour += 12;
  }
  const offsetEast = m[13] === undefined ? null : timeZoneWord(m[13], text, typeName, date !== null);
  const micros = timeMicros(String(hour), mi, s, frac);
  if (micros === null) throw fieldOverflow(text);
  return { micros, offsetEast, date };
}

/** A zone after a time: an offset, UTC's spellings, or an abbreviation of the Default set. */
function timeZoneWord(zone: string, text: string, typeName: TimeTypeName, dated: boolean): number {
  if (/^[+-]/.test(zone) || zone === 'z' || zone === 'utc' || zone === 'gmt' || zone === 'ut') return parseZone(zone, text)!;
  if (zone === 'zulu') return 0;
  const abbreviation = zoneAbbreviationSeconds(zone);
  if (abbreviation !== null) return abbreviation;
  // A zone name with a history of offsets needs a date to pick one; PostgreSQL refuses it without.
  if (!dated && zone.includes('/') && !zone.startsWith('etc/')) throw new SqlError('22007', `invalid input syntax for type ${typeName}: "${text}"`);
  throw new SqlError('0A000', `time zone names in ${typeName} input are not supported: "${text}"`);
}

/** time_in: the zone and date a time may carry are read and ignored. */
export function parseTime(text: string): bigint {
  return decodeTimeOnly(text, 'time').micros;
}

/**
 * timetz_in. A time without a zone takes the offset `zoneless` gives for it (PostgreSQL: the
 * session zone's, on the date given or else the transaction's date); without one, UTC's.
 */
export function parseTimeTz(text: string, zoneless?: (micros: bigint, date: [number, number, number] | null) => number): TimeTzValue {
  const f = decodeTimeOnly(text, 'time with time zone');
  const east = f.offsetEast ?? (zoneless ? zoneless(f.micros, f.date) : 0);
  return new TimeTzValue(f.micros, -east + 0);
}

/** PostgreSQL's bound on a zone displacement (TZDISP_LIMIT): under 16 hours either way. */
const TZDISP_LIMIT = 16 * 3600;

/** timetz_recv's checks: a time of day within 24:00:00 and a displacement under 16 hours. */
export function checkTimeTz(micros: bigint, zone: number): TimeTzValue {
  if (micros < 0n || micros > USECS_PER_DAY) throw new SqlError('22008', 'time out of range');
  if (zone <= -TZDISP_LIMIT || zone >= TZDISP_LIMIT) throw new SqlError('22009', 'time zone displacement out of range');
  return new TimeTzValue(micros, zone);
}

/** timetz_out: the time of day, then the offset east (-zone) as ±hh[:mm[:ss]]. */
export function formatTimeTz(v: TimeTzValue): string {
  return formatTimeOfDay(v.micros) + formatOffsetEast(-v.zone);
}

/** EncodeTimezone: ±hh, then :mm and :ss when not zero ("+05:30", "-04", "+00"). */
export function formatOffsetEast(secondsEast: number): string {
  const abs = Math.abs(secondsEast);
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  const s = abs % 60;
  let out = (secondsEast < 0 ? '-' : '+') + pad(h, 2);
  if (m !== 0 || s !== 0) out += ':' + pad(m, 2);
  if (s !== 0) out += ':' + pad(s, 2);
  return out;
}

export function formatTime(v: bigint): string {
  return formatTimeOfDay(v);
}

/** time(p) / AdjustTimeForTypmod: round half up to p fractional digits (a time is never negative). */
export function roundTime(v: bigint, precision: number): bigint {
  if (precision >= 6 || precision < 0) return v;
  const unit = 10n ** BigInt(6 - precision);
  return ((v + unit / 2n) / unit) * unit;
}

export function checkTime(v: bigint): bigint {
  if (v < 0n || v > USECS_PER_DAY) throw new SqlError('22008', 'time out of range');
  return v;
}

/** timestamp → time: the time of day; NULL for ±infinity. */
export function timestampToTime(v: bigint): bigint | null {
  if (isInfiniteTimestamp(v)) return null;
  return splitTimestamp(v).micros;
}

export function checkTimestamp(v: bigint): bigint {
  if (v === TIMESTAMP_INFINITY || v === TIMESTAMP_NEG_INFINITY) return v;
  if (v < TIMESTAMP_MIN || v >= TIMESTAMP_END) throw new SqlError('22008', 'timestamp out of range');
  return v;
}

export function checkDate(v: number): number {
  if (!Number.isFinite(v)) return v;
  const jd = v + POSTGRES_EPOCH_JDATE;
  if (jd < DATE_MIN_JULIAN || jd >= DATE_END_JULIAN) throw new SqlError('22008', 'date out of range');
  return v;
}

// ---------------------------------------------------------------------------------------------
// Output (DateStyle ISO, MDY)

function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}

function formatYmd(jd: number): { text: string; bc: boolean } {
  const [y, m, d] = j2date(jd);
  const bc = y <= 0;
  return { text: `${pad(bc ? 1 - y : y, 4)}-${pad(m, 2)}-${pad(d, 2)}`, bc };
}

export function formatDate(v: number): string {
  if (v === Infinity) return 'infinity';
  if (v === -Infinity) return '-infinity';
  const { text, bc } = formatYmd(v + POSTGRES_EPOCH_JDATE);
  return bc ? text + ' BC' : text;
}

/** HH:MM:SS[.ffffff] with trailing zeros of the fraction removed. */
export function formatTimeOfDay(micros: bigint): string {
  const h = micros / USECS_PER_HOUR;
  const mi = (micros % USECS_PER_HOUR) / USECS_PER_MINUTE;
  const s = (micros % USECS_PER_MINUTE) / USECS_PER_SEC;
  const f = micros % USECS_PER_SEC;
  let out = `${pad(Number(h), 2)}:${pad(Number(mi), 2)}:${pad(Number(s), 2)}`;
  if (f !== 0n) out += '.' + pad(Number(f), 6).replace(/0+$/, '');
  return out;
}

export function splitTimestamp(v: bigint): { days: number; micros: bigint } {
  let days = v / USECS_PER_DAY;
  let micros = v % USECS_PER_DAY;
  if (micros < 0n) { micros += USECS_PER_DAY; days -= 1n; }
  return { days: Number(days), micros };
}

export function formatTimestamp(v: bigint, withZone: boolean): string {
  if (v === TIMESTAMP_INFINITY) return 'infinity';
  if (v === TIMESTAMP_NEG_INFINITY) return '-infinity';
  const { days, micros } = splitTimestamp(v);
  const { text, bc } = formatYmd(days + POSTGRES_EPOCH_JDATE);
  return `${text} ${formatTimeOfDay(micros)}${withZone ? '+00' : ''}${bc ? ' BC' : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Conversions

export function timestampFromUnixMicros(unixMicros: number): bigint {
  return BigInt(Math.trunc(unixMicros)) + UNIX_EPOCH_MICROS;
}

/** The time of day (UTC, the session zone) of a Unix-epoch instant: localtime. */
export function timeFromUnixMicros(unixMicros: number): bigint {
  return splitTimestamp(timestampFromUnixMicros(unixMicros)).micros;
}

export function dateFromUnixMicros(unixMicros: number): number {
  return splitTimestamp(timestampFromUnixMicros(unixMicros)).days;
}

export function dateToTimestamp(d: number): bigint {
  if (d === Infinity) return TIMESTAMP_INFINITY;
  if (d === -Infinity) return TIMESTAMP_NEG_INFINITY;
  const v = BigInt(d) * USECS_PER_DAY;
  if (v < TIMESTAMP_MIN || v >= TIMESTAMP_END) throw new SqlError('22008', 'date out of range for timestamp');
  return v;
}

export function timestampToDate(v: bigint): number {
  if (v === TIMESTAMP_INFINITY) return Infinity;
  if (v === TIMESTAMP_NEG_INFINITY) return -Infinity;
  return splitTimestamp(v).days;
}

export function isInfiniteTimestamp(v: bigint): boolean {
  return v === TIMESTAMP_INFINITY || v === TIMESTAMP_NEG_INFINITY;
}

export { USECS_PER_DAY_NUMBER };
