import { SqlError } from '../../contracts/errors.js';
import { formatOffsetEast, formatTimestamp, isInfiniteTimestamp, UNIX_EPOCH_MICROS, zoneAbbreviationSeconds } from './datetime.js';
import { zoneOffsetFunction } from './time-zones.js';

/**
 * The session's TimeZone setting, as PostgreSQL reads it (check_timezone): a zone of the IANA
 * database (the runtime's, through Intl), a number of hours east of UTC ('-7' is UTC-7), or a
 * POSIX string with its inverted sign ('UTC+3' and '+05:30' are west of UTC). A zone turns a
 * UTC instant into the wall clock of the session (output, casts to timestamp and date, the
 * calendar fields of date_trunc/extract) and a wall-clock time back into an instant (input
 * without an offset, timestamp → timestamptz).
 */
export interface SessionZone {
  /** What SHOW TimeZone prints. */
  readonly name: string;
  /** Seconds east of UTC at a UTC instant (PostgreSQL-epoch µs); the zone's offsets are cached. */
  offsetAt(instant: bigint): number;
}

export const UTC_ZONE: SessionZone = { name: 'UTC', offsetAt: () => 0 };

const MAX_OFFSET_SECONDS = 15 * 3600; // PostgreSQL's limit on a zone displacement (±15:59:59)
/** Cache entries per zone: a bucket of 15 minutes each, enough for a few weeks of distinct times. */
const OFFSET_CACHE_LIMIT = 4096;
const BUCKET_SECONDS = 900;
/** tzdata's fixed-offset zones the runtime knows only as aliases of cities with other histories. */
const FIXED_ZONES: Record<string, number> = { EST: -5 * 3600, MST: -7 * 3600, HST: -10 * 3600 };
const UTC_SPELLINGS = /^(utc|etc\/utc|uct|etc\/uct|universal|etc\/universal|zulu|etc\/zulu)$/i;
/**
 * tzdata names without a slash: the runtime also takes abbreviations (PST) as aliases, which
 * PostgreSQL's zone files do not have.
 */
const SINGLE_WORD_ZONES = new Set(['cet', 'cst6cdt', 'cuba', 'eet', 'egypt', 'eire', 'est5edt', 'gb', 'gb-eire', 'gmt', 'gmt+0', 'gmt-0', 'gmt0',
  'greenwich', 'hongkong', 'iceland', 'iran', 'israel', 'jamaica', 'japan', 'kwajalein', 'libya', 'met', 'mst7mdt', 'navajo', 'nz', 'nz-chat',
  'poland', 'portugal', 'prc', 'pst8pdt', 'roc', 'rok', 'singapore', 'turkey', 'w-su', 'wet']);

function invalid(value: string): SqlError {
  return new SqlError('22023', `invalid value for parameter "TimeZone": "${value}"`);
}

/** ±hh[:mm[:ss]] as PostgreSQL prints a zone displacement ("+05:30", "-04", "+05:21:10"). */
export const formatOffset = formatOffsetEast;

function fixedZone(name: string, secondsEast: number): SessionZone {
  return { name, offsetAt: () => secondsEast };
}

/** A zone east of UTC by an offset, named as PostgreSQL names it (`<-07>+07`). */
export function offsetZone(secondsEast: number, value: string): SessionZone {
  if (Math.abs(secondsEast) > MAX_OFFSET_SECONDS) throw invalid(value);
  if (secondsEast === 0) return UTC_ZONE;
  return fixedZone(`<${formatOffset(secondsEast)}>${formatOffset(-secondsEast)}`, secondsEast);
}

/** [+-]hh[:mm[:ss]] in seconds, or null. */
function parseClockOffset(text: string): number | null {
  const m = /^([+-]?)(\d{1,2})(?::(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (!m) return null;
  const seconds = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  return m[1] === '-' ? -seconds : seconds;
}

/** A POSIX zone without rules: [name]offset, the offset counted west of UTC. */
function posixZone(value: string): SessionZone | null {
  const m = /^(<[^<>]+>|[a-z]{3,})?([+-]?\d{1,2}(?::\d{2}(?::\d{2})?)?)$/i.exec(value);
  if (!m) return null;
  const west = parseClockOffset(m[2]!);
  if (west === null || Math.abs(west) > 24 * 3600) return null;
  return fixedZone(value, -west);
}

/** A zone a date/time input names by a tz database name or a POSIX zone (not an abbreviation), or null. */
export function namedZone(value: string): SessionZone | null {
  return intlZone(value) ?? posixZone(value);
}

function intlZone(value: string): SessionZone | null {
  const lower = value.toLowerCase();
  if (!value.includes('/') && !SINGLE_WORD_ZONES.has(lower)) return null;
  const zone = zoneOffsetFunction(value);
  if (zone === null) return null;
  return { name: zone.name.toLowerCase() === lower ? zone.name : value, offsetAt: cachedOffsets(zone.offsetAt) };
}

/** Looks offsets up once per 15 minutes of UTC time: a transition never falls twice within one. */
function cachedOffsets(offsetAtUnixMs: (unixMs: number) => number): (instant: bigint) => number {
  const cache = new Map<number, number>();
  return (instant) => {
    if (isInfiniteTimestamp(instant)) return 0;
    const unixSeconds = Math.floor(Number((instant - UNIX_EPOCH_MICROS) / 1_000_000n));
    const bucket = Math.floor(unixSeconds / BUCKET_SECONDS);
    const hit = cache.get(bucket);
    if (hit !== undefined) return hit;
    const start = offsetAtUnixMs(bucket * BUCKET_SECONDS * 1000);
    const end = offsetAtUnixMs((bucket + 1) * BUCKET_SECONDS * 1000 - 1000);
    if (start !== end) return offsetAtUnixMs(unixSeconds * 1000); // a transition inside this bucket
    if (cache.size >= OFFSET_CACHE_LIMIT) cache.clear();
    cache.set(bucket, start);
    return start;
  };
}

/** The zone a TimeZone value names; 22023 when PostgreSQL would refuse it. */
export function parseSessionZone(value: string): SessionZone {
  const v = value.trim();
  if (v.length === 0) throw invalid(value);
  if (UTC_SPELLINGS.test(v)) return UTC_ZONE;
  if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(v)) return offsetZone(Math.round(Number(v) * 3600), value); // hours east
  const fixed = FIXED_ZONES[v.toUpperCase()];
  if (fixed !== undefined) return fixedZone(v.toUpperCase(), fixed);
  const zone = posixZone(v) ?? intlZone(v);
  if (zone === null) throw invalid(value);
  return zone;
}

/**
 * The zone a function's argument names (AT TIME ZONE, timezone(), date_trunc(…, zone)), looked
 * up as PostgreSQL's timestamptz_zone does: an abbreviation of the Default set (EST, CEST), then
 * a zone name, then a POSIX string — a bare offset counted west ('+05' is UTC-5), where SET TIME
 * ZONE reads a number as hours east.
 */
export function argumentZone(name: string): SessionZone {
  const v = name.trim();
  if (UTC_SPELLINGS.test(v) || /^z$/i.test(v)) return UTC_ZONE;
  const abbreviation = zoneAbbreviationSeconds(v);
  if (abbreviation !== null) return fixedZone(v.toUpperCase(), abbreviation);
  const zone = intlZone(v) ?? posixZone(v);
  if (zone === null) throw new SqlError('22023', `time zone "${name}" not recognized`);
  return zone;
}

/**
 * make_timestamptz's zone (parse_sane_timezone): a numeric offset first, counted east as in
 * date/time input ('+05' is UTC+5), else as argumentZone reads it.
 */
export function saneZone(name: string): SessionZone {
  const east = parseClockOffset(name.trim());
  if (east !== null) {
    if (Math.abs(east) > MAX_OFFSET_SECONDS) throw new SqlError('22008', `numeric time zone "${name}" out of range`);
    return east === 0 ? UTC_ZONE : fixedZone(name, east);
  }
  return argumentZone(name);
}

/** A UTC instant as the zone's wall-clock time (timestamptz → timestamp). */
export function toLocal(zone: SessionZone, instant: bigint): bigint {
  if (zone === UTC_ZONE || isInfiniteTimestamp(instant)) return instant;
  return instant + BigInt(zone.offsetAt(instant)) * 1_000_000n;
}

/**
 * A wall-clock time in the zone as an instant (DetermineTimeZoneOffset): a time a transition
 * skips takes the offset from before it; one a transition repeats, the offset from after it.
 */
export function fromLocal(zone: SessionZone, wall: bigint): bigint {
  if (zone === UTC_ZONE || isInfiniteTimestamp(wall)) return wall;
  const window = 14n * 3_600_000_000n;
  const before = zone.offsetAt(wall - window);
  const after = zone.offsetAt(wall + window);
  if (before === after) return wall - BigInt(before) * 1_000_000n;
  const fits = (offset: number): boolean => zone.offsetAt(wall - BigInt(offset) * 1_000_000n) === offset;
  const offset = fits(after) ? after : before;
  return wall - BigInt(offset) * 1_000_000n;
}

/** timestamptz_out: the wall clock in the zone and its offset there ("2024-07-01 08:00:00-04"). */
export function formatInZone(instant: bigint, zone: SessionZone): string {
  if (isInfiniteTimestamp(instant)) return formatTimestamp(instant, false);
  const offset = zone.offsetAt(instant);
  const text = formatTimestamp(instant + BigInt(offset) * 1_000_000n, false);
  const suffix = formatOffset(offset);
  return text.endsWith(' BC') ? text.slice(0, -3) + suffix + ' BC' : text + suffix;
}
