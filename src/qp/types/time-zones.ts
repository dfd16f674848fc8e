import { SqlError } from '../../contracts/errors.js';
import { TimeTzValue, type IntervalValue } from '../../contracts/sql-value.js';
import type { Timestamp } from '../../contracts/time.js';
import { checkTimestamp, isInfiniteTimestamp, timestampFromUnixMicros } from './datetime.js';
import { argumentZone, fromLocal, toLocal } from './session-zone.js';
import { formatInterval } from './interval.js';

/**
 * `x AT TIME ZONE zone` (timezone(zone, x)): a timestamptz seen as the wall-clock time in a
 * zone, or a wall-clock time in a zone as the instant it names (the session's own zone is
 * session-zone.ts). The zone is looked up as PostgreSQL's timestamptz_zone does
 * (session-zone.ts's argumentZone): an abbreviation (PST), a zone of the IANA database the
 * runtime carries (Intl), or a POSIX offset counted west ('UTC+3', '+05').
 */
const FORMATTERS = new Map<string, Intl.DateTimeFormat>();
const FORMATTER_LIMIT = 64;

/**
 * A zone of the runtime's IANA database: its canonical name and its offset (seconds east) at
 * a Unix-epoch instant in ms; null when the runtime does not know the name.
 */
export function zoneOffsetFunction(name: string): { name: string; offsetAt: (unixMs: number) => number } | null {
  let formatter = FORMATTERS.get(name);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: name, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short',
      });
    } catch {
      return null;
    }
    if (FORMATTERS.size >= FORMATTER_LIMIT) FORMATTERS.delete(FORMATTERS.keys().next().value!);
    FORMATTERS.set(name, formatter);
  }
  const f = formatter;
  const offsetAt = (at: number): number => {
    const unixMs = withinDateRange(at);
    const parts: Record<string, string> = {};
    for (const p of f.formatToParts(unixMs)) parts[p.type] = p.value;
    const year = parts.era === 'BC' || parts.era === 'B' ? 1 - Number(parts.year) : Number(parts.year);
    // Not Date.UTC: it reads years 0 to 99 as 1900 to 1999.
    const date = new Date(0);
    date.setUTCFullYear(year, Number(parts.month) - 1, Number(parts.day));
    const wall = date.getTime() + ((Number(parts.hour) * 60 + Number(parts.minute)) * 60 + Number(parts.second)) * 1000;
    return Math.round((wall - Math.floor(unixMs / 1000) * 1000) / 1000);
  };
  return { name: f.resolvedOptions().timeZone, offsetAt };
}

/** Four hundred Gregorian years: calendar, weekdays and a zone's yearly rules repeat after it. */
const FOUR_CENTURIES_MS = 146_097 * 86_400_000;
/** A JavaScript Date holds ±8.64e15 ms; a day's margin keeps the wall clock inside too. */
const DATE_LIMIT_MS = 8.64e15 - 2 * 86_400_000;

/**
 * An instant Intl can look up with the same offset as `unixMs`: PostgreSQL's timestamps reach
 * year 294276, past a Date's year 275760, where tzdata's last rule still applies — so a far
 * instant is moved by whole four-century cycles, which keep that rule's dates.
 */
function withinDateRange(unixMs: number): number {
  if (unixMs > DATE_LIMIT_MS) return unixMs - Math.ceil((unixMs - DATE_LIMIT_MS) / FOUR_CENTURIES_MS) * FOUR_CENTURIES_MS;
  if (unixMs < -DATE_LIMIT_MS) return unixMs + Math.ceil((-DATE_LIMIT_MS - unixMs) / FOUR_CENTURIES_MS) * FOUR_CENTURIES_MS;
  return unixMs;
}

/** timestamptz AT TIME ZONE name → timestamp. */
export function instantToZone(ts: bigint, name: string): bigint {
  const zone = argumentZone(name);
  return isInfiniteTimestamp(ts) ? ts : checkTimestamp(toLocal(zone, ts));
}

/**
 * timestamp AT TIME ZONE name → timestamptz. A wall-clock time a transition skips takes the
 * offset from before it; one a transition repeats, the offset from after it (as PostgreSQL).
 */
export function wallClockInZone(ts: bigint, name: string): bigint {
  const zone = argumentZone(name);
  return isInfiniteTimestamp(ts) ? ts : checkTimestamp(fromLocal(zone, ts));
}

function intervalOffset(zone: IntervalValue): bigint {
  if (zone.months !== 0 || zone.days !== 0) {
    throw new SqlError('22023', `interval time zone "${formatInterval(zone)}" must not include months or days`);
  }
  return zone.micros;
}

/** timestamptz AT TIME ZONE interval → timestamp (the interval is the offset east of UTC). */
export function instantAtOffset(ts: bigint, zone: IntervalValue): bigint {
  const offset = intervalOffset(zone);
  return isInfiniteTimestamp(ts) ? ts : checkTimestamp(ts + offset);
}

/** timestamp AT TIME ZONE interval → timestamptz. */
export function wallClockAtOffset(ts: bigint, zone: IntervalValue): bigint {
  const offset = intervalOffset(zone);
  return isInfiniteTimestamp(ts) ? ts : checkTimestamp(ts - offset);
}

/**
 * timetz AT TIME ZONE name (timetz_zone): the same instant at the zone's offset as of `now`, the
 * transaction's start (a zone with daylight saving has no one offset for a time without a date).
 */
export function timeTzInZone(t: TimeTzValue, name: string, now: Timestamp): TimeTzValue {
  const zone = argumentZone(name);
  return timeTzAtWest(t, -zone.offsetAt(timestampFromUnixMicros(now)));
}

/** timetz AT TIME ZONE interval (timetz_izone): the interval is the offset east of UTC. */
export function timeTzAtOffset(t: TimeTzValue, zone: IntervalValue): TimeTzValue {
  return timeTzAtWest(t, -Number(intervalOffset(zone) / 1_000_000n));
}

/** The time of day of the same instant at a zone `west` seconds west of UTC, wrapped into one day. */
function timeTzAtWest(t: TimeTzValue, west: number): TimeTzValue {
  const day = 86_400_000_000n;
  let time = (t.micros + BigInt(t.zone - west) * 1_000_000n) % day;
  if (time < 0n) time += day;
  return new TimeTzValue(time, west + 0);
}
