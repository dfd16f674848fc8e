import { SqlError } from '../../contracts/errors.js';
import * as dt from './datetime.js';
import { fromLocal, namedZone, type SessionZone } from './session-zone.js';

/**
 * Date and timestamp input that names its zone by a tz database name or a POSIX zone
 * ('2024-01-01 10:00 America/New_York', '… EST5EDT'). datetime.ts reads numeric offsets and the
 * abbreviations of the Default set; a word it does not know fails there, and is looked up here
 * as DecodeDateTime looks up a zone name: timestamptz takes the zone's offset at that wall-clock
 * time, timestamp and date read the zone and leave it out.
 */

/** timestamp(tz)_in: `fromSessionLocal` reads a time without a zone (the session's zone; UTC when absent). */
export function parseTimestampInput(text: string, withZone: boolean, fromSessionLocal?: (wall: bigint) => bigint): bigint {
  try {
    return dt.parseTimestamp(text, withZone, fromSessionLocal);
  } catch (error) {
    const named = splitZoneName(text, error);
    const wall = readRest(() => dt.parseTimestamp(named.rest, false), error);
    if (!withZone || dt.isInfiniteTimestamp(wall)) return wall;
    return dt.checkTimestamp(fromLocal(named.zone, wall));
  }
}

/** date_in. */
export function parseDateInput(text: string): number {
  try {
    return dt.parseDate(text);
  } catch (error) {
    const named = splitZoneName(text, error);
    return readRest(() => dt.parseDate(named.rest), error);
  }
}

/** The text without its zone name, and the zone; rethrows the reader's `error` when it names none. */
function splitZoneName(text: string, error: unknown): { rest: string; zone: SessionZone } {
  if (!(error instanceof SqlError) || error.code !== '22007') throw error;
  const words = text.trim().split(/\s+/);
  const era = words.length > 2 && /^(bc|ad)$/i.test(words[words.length - 1]!) ? 1 : 0;
  const at = words.length - 1 - era;
  const name = words[at]!;
  if (at < 1 || !/^[a-z]/i.test(name)) throw error;
  const zone = namedZone(name);
  // A word with a slash can only be a zone name (DecodeTimezoneName's refusal).
  if (zone === null && name.includes('/')) throw new SqlError('22023', `time zone "${name.toLowerCase()}" not recognized`);
  if (zone === null) throw error;
  return { rest: [...words.slice(0, at), ...words.slice(at + 1)].join(' '), zone };
}

/** Reads what is left; a syntax error there is the whole text's. */
function readRest<T>(read: () => T, error: unknown): T {
  try {
    return read();
  } catch (inner) {
    throw inner instanceof SqlError && inner.code === '22007' ? error : inner;
  }
}
