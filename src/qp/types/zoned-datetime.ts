import { SqlError } from '../../contracts/errors.js';
import { TimeTzValue, TypeOid, type IntervalValue, type SqlValue } from '../../contracts/sql-value.js';
import type { Timestamp } from '../../contracts/time.js';
import * as dt from './datetime.js';
import * as dtf from './datetime-functions.js';
import * as fmt from './formatting.js';
import { timestampPlusInterval } from './interval.js';
import { formatArray, splitArrayText } from './arrays.js';
import { applyTypmod, parseTextValue, requireType, typeByOid } from './registry.js';
import { fromLocal, toLocal, UTC_ZONE, type SessionZone } from './session-zone.js';
import { parseTimestampInput } from './zone-name-input.js';

/**
 * What timestamptz does that depends on the session's TimeZone: reading a wall-clock time
 * without an offset, the casts to and from timestamp/date/time, calendar arithmetic (± interval
 * keeps the wall clock across a DST change), and the calendar fields of date_trunc, extract and
 * age, all computed on the wall clock of the zone as timestamp.c does with timestamp2tm. And
 * timetz's: a time without an offset (input, time → timetz) takes the zone's offset on the
 * transaction's date, as DecodeTimeOnly and time_timetz do.
 */

const USECS_PER_SEC = 1_000_000n;

/** timestamptz_in: a time without an offset is a wall-clock time in the session's zone. */
export function parseTimestamptz(text: string, zone: SessionZone): bigint {
  return parseTimestampInput(text, true, zone === UTC_ZONE ? undefined : (wall) => fromLocal(zone, wall));
}

/** A cast whose result depends on the session's zone, or null when none does. */
export function zonedCast(from: number, to: number): ((v: SqlValue, zone: SessionZone) => SqlValue) | null {
  const { date: D, timestamp: TS, timestamptz: TZ, time: TM } = TypeOid;
  if (from === TS && to === TZ) return (v, zone) => dt.checkTimestamp(fromLocal(zone, v as bigint));
  if (from === TZ && to === TS) return (v, zone) => dt.checkTimestamp(toLocal(zone, v as bigint));
  if (from === D && to === TZ) return (v, zone) => dt.checkTimestamp(fromLocal(zone, dt.dateToTimestamp(v as number)));
  if (from === TZ && to === D) return (v, zone) => dt.timestampToDate(toLocal(zone, v as bigint));
  if (from === TZ && to === TM) return (v, zone) => dt.timestampToTime(toLocal(zone, v as bigint));
  if (from === TZ && to === TypeOid.timetz) return (v, zone) => timestamptzToTimeTz(v as bigint, zone);
  return null;
}

/** timestamptz_timetz: the wall-clock time in the zone with the zone's offset then; NULL for ±infinity. */
export function timestamptzToTimeTz(ts: bigint, zone: SessionZone): TimeTzValue | null {
  if (dt.isInfiniteTimestamp(ts)) return null;
  const east = zone.offsetAt(ts);
  return new TimeTzValue(dt.timestampToTime(ts + BigInt(east) * USECS_PER_SEC)!, -east + 0);
}

/**
 * The zone's offset (seconds east) for a wall-clock time of day on a day (days since
 * 2000-01-01), as DetermineTimeZoneOffset picks it around a transition.
 */
function offsetOnDay(zone: SessionZone, days: number, micros: bigint): number {
  if (zone === UTC_ZONE) return 0;
  const wall = BigInt(days) * dt.USECS_PER_DAY + micros;
  return Number((wall - fromLocal(zone, wall)) / USECS_PER_SEC);
}

/** The transaction's date on the zone's wall clock (GetCurrentDateTime). */
function today(zone: SessionZone, now: Timestamp): number {
  return dt.timestampToDate(localTimestampAt(now, zone));
}

/** time_timetz: the time with the zone's offset on the transaction's date. */
export function timeToTimeTz(time: bigint, zone: SessionZone, now: Timestamp): TimeTzValue {
  return new TimeTzValue(time, -offsetOnDay(zone, today(zone, now), time) + 0);
}

/** timetz_in in the zone: a time without an offset takes the zone's on the date given, else the transaction's. */
export function parseTimeTzInZone(text: string, zone: SessionZone, now: Timestamp): TimeTzValue {
  return dt.parseTimeTz(text, (micros, date) => offsetOnDay(zone, date ? dt.date2j(...date) - dt.POSTGRES_EPOCH_JDATE : today(zone, now), micros));
}

const TRUNCATE_REDETERMINES = /^(week|weeks|w|mil|millennium|millennia|millenniums|mils|c|cent|centuries|century|dec|decade|decades|decs|y|year|years|yr|yrs|qtr|quarter|month|months|mon|mons|d|day|days)$/;

/**
 * date_trunc on the wall clock: a unit of a day or more takes the zone's offset at the result
 * (DetermineTimeZoneOffset); a smaller one keeps the offset the value had.
 */
export function truncateInZone(field: string, ts: bigint, zone: SessionZone): bigint {
  if (zone === UTC_ZONE || dt.isInfiniteTimestamp(ts)) return dtf.truncateTimestamp(field, ts, true);
  const offset = BigInt(zone.offsetAt(ts)) * USECS_PER_SEC;
  const local = dtf.truncateTimestamp(field, ts + offset, true);
  return TRUNCATE_REDETERMINES.test(field.trim().toLowerCase()) ? fromLocal(zone, local) : local - offset;
}

/** extract/date_part of a timestamptz: calendar fields of the wall clock, its offset for timezone*. */
export function partInZone(field: string, ts: bigint, zone: SessionZone): ReturnType<typeof dtf.timestampPart> {
  if (dt.isInfiniteTimestamp(ts)) return dtf.timestampPart(field, ts, true);
  const offset = zone.offsetAt(ts);
  return dtf.timestampPart(field, ts + BigInt(offset) * USECS_PER_SEC, true, offset);
}

/** timestamptz ± interval: months and days move the wall clock, the rest the instant. */
export function plusIntervalInZone(ts: bigint, span: IntervalValue, zone: SessionZone): bigint {
  if (zone === UTC_ZONE || dt.isInfiniteTimestamp(ts) || (span.months === 0 && span.days === 0)) return timestampPlusInterval(ts, span);
  const moved = timestampPlusInterval(toLocal(zone, ts), { months: span.months, days: span.days, micros: 0n });
  return timestampPlusInterval(dt.checkTimestamp(fromLocal(zone, moved)), { months: 0, days: 0, micros: span.micros });
}

export function ageInZone(a: bigint, b: bigint, zone: SessionZone): IntervalValue {
  return dtf.age(toLocal(zone, a), toLocal(zone, b));
}

/**
 * to_char of a timestamptz on the zone's wall clock, its offset in TZH, TZM and OF. The zone's
 * abbreviation (TZ, tz) is known for UTC only (PostgreSQL's come from its tz database's
 * abbreviations, which Intl does not give), so another zone refuses it.
 */
export function toCharInZone(ts: bigint, template: string, zone: SessionZone): string | null {
  if (zone === UTC_ZONE) return fmt.timestampToChar(ts, template, true);
  if (/tz(?![hm])/i.test(template)) throw new SqlError('0A000', `to_char's zone abbreviation (TZ, tz) is not supported when TimeZone is not UTC`);
  const local = toLocal(zone, ts);
  return fmt.timestampToChar(local, template, true, dt.isInfiniteTimestamp(ts) ? 0 : Number((local - ts) / USECS_PER_SEC));
}

/** The session's wall clock at a Unix-epoch instant (current_date, localtime, localtimestamp). */
export function localTimestampAt(unixMicros: number, zone: SessionZone): bigint {
  return toLocal(zone, dt.timestampFromUnixMicros(unixMicros));
}

/**
 * A value's text input (Bind, COPY FROM, an untyped literal) in the session's zone; `now` is the
 * transaction's timestamp (a timetz without an offset takes the zone's offset on its date, and
 * 'now', 'today', 'tomorrow' and 'yesterday' name its instant and its date on the zone's wall clock).
 */
export function parseTextInZone(oid: number, typmod: number, text: string, zone: SessionZone, now: Timestamp): SqlValue {
  const relative = readsClock(oid) && dt.mayNameRelativeTime(text);
  if (!relative && (zone === UTC_ZONE || !readsZone(oid))) return parseTextValue(oid, typmod, text);
  const read = CLOCK_TYPES.has(oid) ? oid : requireType(oid).element;
  const parse = (t: string): SqlValue => {
    if (relative && dt.namesRelativeTime(t)) return parseRelative(read, t, zone, now);
    if (read === TypeOid.timestamptz) return parseTimestamptz(t, zone);
    if (read === TypeOid.timetz) return parseTimeTzInZone(t, zone, now);
    return parseTextValue(read, -1, t);
  };
  if (read === oid) return applyTypmod(oid, typmod, parse(text), false);
  // An array: each element read in the zone; the array is held as its text.
  const elements = splitArrayText(text).map((e) => (e === null ? null : applyTypmod(read, typmod, parse(e), false)));
  return formatArray(elements, requireType(read));
}

const CLOCK_TYPES: ReadonlySet<number> = new Set([TypeOid.date, TypeOid.timestamp, TypeOid.timestamptz, TypeOid.time, TypeOid.timetz]);
const DAY_WORDS: ReadonlyMap<string, number> = new Map([['today', 0], ['tomorrow', 1], ['yesterday', -1]]);

/**
 * Date/time input that names the transaction's time, as DecodeDateTime reads it: 'now' alone is
 * the transaction's instant; 'today', 'tomorrow' or 'yesterday' is that day on the zone's wall
 * clock, at midnight or at the time the other fields give. time and timetz take 'now' only.
 */
function parseRelative(oid: number, text: string, zone: SessionZone, now: Timestamp): SqlValue {
  const words = text.trim().split(/\s+/);
  // Punctuation only separates fields, as ParseDateTime reads it: 'now()' is 'now'.
  const lower = words.map((word) => (/^[^a-z0-9]*(now|today|tomorrow|yesterday)[^a-z0-9]*$/i.exec(word)?.[1] ?? word).toLowerCase());
  const instant = dt.timestampFromUnixMicros(now);
  if (lower.length === 1 && lower[0] === 'now') {
    const local = toLocal(zone, instant);
    switch (oid) {
      case TypeOid.timestamptz: return instant;
      case TypeOid.timestamp: return local;
      case TypeOid.date: return dt.timestampToDate(local);
      case TypeOid.time: return dt.timestampToTime(local);
      default: return timestamptzToTimeTz(instant, zone);
    }
  }
  const days = lower.filter((word) => DAY_WORDS.has(word));
  if (days.length !== 1 || lower.includes('now') || oid === TypeOid.time || oid === TypeOid.timetz) {
    throw new SqlError('22007', `invalid input syntax for type ${typeLabel(oid)}: "${text}"`);
  }
  const day = dt.timestampToDate(toLocal(zone, instant)) + DAY_WORDS.get(days[0]!)!;
  const rest = words.filter((_word, i) => !DAY_WORDS.has(lower[i]!));
  const dated = [dt.formatDate(day), ...rest].join(' ');
  try {
    return oid === TypeOid.timestamptz ? parseTimestamptz(dated, zone) : parseTextValue(oid, -1, dated);
  } catch (error) {
    // The error names the text as written.
    if (error instanceof SqlError) error.message = error.message.replace(`"${dated}"`, `"${text}"`);
    throw error;
  }
}

function typeLabel(oid: number): string {
  switch (oid) {
    case TypeOid.timestamp: return 'timestamp';
    case TypeOid.timestamptz: return 'timestamp with time zone';
    case TypeOid.time: return 'time';
    case TypeOid.timetz: return 'time with time zone';
    default: return 'date';
  }
}

/** Whether a type's text input may name the transaction's time: the date/time types and their arrays. */
export function readsClock(oid: number): boolean {
  if (CLOCK_TYPES.has(oid)) return true;
  const element = oid === 0 ? 0 : typeByOid(oid)?.element;
  return element !== undefined && CLOCK_TYPES.has(element);
}

/** Whether a type's text input reads the session's zone: timestamptz, timetz and their arrays. */
export function readsZone(oid: number): boolean {
  if (oid === TypeOid.timestamptz || oid === TypeOid.timetz) return true;
  const element = oid === 0 ? 0 : typeByOid(oid)?.element;
  return element === TypeOid.timestamptz || element === TypeOid.timetz;
}
