import * as dt from './datetime.js';
import { fromLocal, namedZone, type SessionZone } from './session-zone.js';

/**
 * Date and timestamp input with the zones of the tz database and POSIX zones by name
 * ('2024-01-01 10:00 America/New_York', '… EST5EDT'): datetime-decode.ts reads the text and asks
 * here for a word it does not know, wherever it stands, as DecodeDateTime asks pg_tzset.
 * timestamptz takes the zone's offset at that wall-clock time; timestamp and date read the zone
 * and leave it out.
 */
const ZONES: dt.ZoneLookup<SessionZone> = { find: namedZone, toUtc: fromLocal };

/** timestamp(tz)_in: `fromSessionLocal` reads a time without a zone (the session's zone; UTC when absent). */
export function parseTimestampInput(text: string, withZone: boolean, fromSessionLocal?: (wall: bigint) => bigint): bigint {
  return dt.parseTimestamp(text, withZone, fromSessionLocal, ZONES);
}

/** date_in. */
export function parseDateInput(text: string): number {
  return dt.parseDate(text, namedZone);
}
