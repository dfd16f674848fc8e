import { SqlError } from '../../contracts/errors.js';
import { TypeOid, type IntervalValue, type SqlValue } from '../../contracts/sql-value.js';
import * as dt from './datetime.js';
import * as dtf from './datetime-functions.js';
import * as fmt from './formatting.js';
import { timestampPlusInterval } from './interval.js';
import { formatArray, splitArrayText } from './arrays.js';
import { applyTypmod, parseTextValue, requireType, typeByOid } from './registry.js';
import { fromLocal, toLocal, UTC_ZONE, type SessionZone } from './session-zone.js';

/**
 * What timestamptz does that depends on the session's TimeZone: reading a wall-clock time
 * without an offset, the casts to and from timestamp/date/time, calendar arithmetic (± interval
 * keeps the wall clock across a DST change), and the calendar fields of date_trunc, extract and
 * age, all computed on the wall clock of the zone as timestamp.c does with timestamp2tm.
 */

const USECS_PER_SEC = 1_000_000n;

/** timestamptz_in: a time without an offset is a wall-clock time in the session's zone. */
export function parseTimestamptz(text: string, zone: SessionZone): bigint {
  return dt.parseTimestamp(text, true, zone === UTC_ZONE ? undefined : (wall) => fromLocal(zone, wall));
}

/** A cast whose result depends on the session's zone, or null when none does. */
export function zonedCast(from: number, to: number): ((v: SqlValue, zone: SessionZone) => SqlValue) | null {
  const { date: D, timestamp: TS, timestamptz: TZ, time: TM } = TypeOid;
  if (from === TS && to === TZ) return (v, zone) => dt.checkTimestamp(fromLocal(zone, v as bigint));
  if (from === TZ && to === TS) return (v, zone) => dt.checkTimestamp(toLocal(zone, v as bigint));
  if (from === D && to === TZ) return (v, zone) => dt.checkTimestamp(fromLocal(zone, dt.dateToTimestamp(v as number)));
  if (from === TZ && to === D) return (v, zone) => dt.timestampToDate(toLocal(zone, v as bigint));
  if (from === TZ && to === TM) return (v, zone) => dt.timestampToTime(toLocal(zone, v as bigint));
  return null;
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

/** A value's text input (Bind, COPY FROM, an untyped literal) in the session's zone. */
export function parseTextInZone(oid: number, typmod: number, text: string, zone: SessionZone): SqlValue {
  if (zone === UTC_ZONE || !readsZone(oid)) return parseTextValue(oid, typmod, text);
  if (oid === TypeOid.timestamptz) return applyTypmod(oid, typmod, parseTimestamptz(text, zone), false);
  // timestamptz[]: each element read in the zone; the array is held as its text in UTC.
  const element = requireType(TypeOid.timestamptz);
  const elements = splitArrayText(text).map((e) => (e === null ? null : applyTypmod(TypeOid.timestamptz, typmod, parseTimestamptz(e, zone), false)));
  return formatArray(elements, element);
}

/** Whether a type's text input reads the session's zone: timestamptz and its array. */
export function readsZone(oid: number): boolean {
  return oid === TypeOid.timestamptz || (oid !== 0 && typeByOid(oid)?.element === TypeOid.timestamptz);
}
