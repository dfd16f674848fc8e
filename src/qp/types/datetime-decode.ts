/**
 * Date and timestamp input as PostgreSQL 15 reads it (datetime.c: ParseDateTime, then
 * DecodeDateTime with DecodeDate, DecodeNumber, DecodeNumberField, DecodeTime, DecodeTimezone
 * and ValidateDate), for DateStyle MDY, the only field order Strata serves.
 *
 * The text is first cut into fields (numbers, dates with their delimiters, times, words, signed
 * offsets); each field is then read in the context of the fields before it — a bitmask of what
 * is known so far — so that '1/2/24' is January 2nd 2024 (a year of one or two digits is
 * 1970–2069), '240101' a yymmdd date, '2024.008' the 8th day of 2024, '20011225T040506' a date
 * and a time run together. The same errors as PostgreSQL: 22007 for what cannot be read, 22008
 * for a field out of range (with the DateStyle hint where the fields may be in another order),
 * 22009 for a zone displacement of 16 hours or more.
 *
 * A word that is neither a keyword nor an abbreviation of the Default set is looked up as a zone
 * name (`findZone`, from session-zone.ts through zone-name-input.ts), wherever it stands, as
 * pg_tzset is. The transaction's time ('now', 'today', …) is read in zoned-datetime.ts before
 * this is called.
 */
import { SqlError } from '../../contracts/errors.js';
import { DYNAMIC_ZONE_ABBREVIATIONS, STATIC_ZONE_ABBREVIATIONS } from './zone-abbreviations.js';

export type DateTimeTypeName = 'date' | 'timestamp without time zone' | 'timestamp with time zone';

export interface DateTimeFields<Z = never> {
  year: number; // astronomical: 1 BC is 0
  month: number;
  day: number;
  micros: bigint; // time of day, up to 24:00:00 (and a leap second's 60 carried over)
  offsetSeconds: number | null; // east of UTC; null when the text names no offset
  /** A zone the text names (`America/New_York`, `EST5EDT`): its offset depends on the date and time. */
  namedZone: Z | null;
}

/** Finds a zone of the tz database (or a POSIX zone) by name, any case; null when there is none. */
export type FindZone<Z> = (name: string) => Z | null;

/** What DecodeDateTime's dtype says besides a date: the special values. */
export type SpecialValue = 'epoch' | 'infinity' | '-infinity';

// Field types of ParseDateTime.
const NUMBER = 0;
const DATE = 1;
const TIME = 2;
const STRING = 3;
const SPECIAL = 4;
const TZ_FIELD = 5;

interface Field {
  text: string;
  type: number;
}

// Token types (PostgreSQL's datetime.h), used as bit positions of the field masks.
const RESERV = 0;
const MONTH = 1;
const YEAR = 2;
const DAY = 3;
const TZ = 5;
const DTZ = 6;
const IGNORE_DTF = 8;
const AMPM = 9;
const HOUR = 10;
const MINUTE = 11;
const SECOND = 12;
const MILLISECOND = 13;
const MICROSECOND = 14;
const DOY = 15;
const DOW = 16;
const UNITS = 17;
const ADBC = 18;
const ISOTIME = 23;
const DTZMOD = 28;
const UNKNOWN_FIELD = 31;

const M = (type: number): number => 1 << type;
const DATE_M = M(YEAR) | M(MONTH) | M(DAY);
const TIME_M = M(HOUR) | M(MINUTE) | M(SECOND) | M(MILLISECOND) | M(MICROSECOND);
const ALL_SECS_M = M(SECOND) | M(MILLISECOND) | M(MICROSECOND);

// Values of RESERV and UNITS tokens (which field a unit prefix or a reserved word stands for).
const V_EPOCH = 'epoch';
const V_LATE = 'infinity';
const V_EARLY = '-infinity';
const V_ZULU = 'zulu';
const V_RELATIVE = 'relative';
const V_UNSUPPORTED = 'unsupported';
const U_YEAR = 'year';
const U_MONTH = 'month';
const U_DAY = 'day';
const U_HOUR = 'hour';
const U_MINUTE = 'minute';
const U_SECOND = 'second';
const U_JULIAN = 'julian';
const U_TIME = 'time';
const U_OTHER = 'other';

type Token = { type: number; value: number | string };

/** datetktbl: the keywords of date/time input. */
const KEYWORDS: ReadonlyMap<string, Token> = new Map<string, Token>([
  ['-infinity', { type: RESERV, value: V_EARLY }], ['ad', { type: ADBC, value: 0 }], ['allballs', { type: RESERV, value: V_ZULU }],
  ['am', { type: AMPM, value: 0 }], ['at', { type: IGNORE_DTF, value: 0 }], ['bc', { type: ADBC, value: 1 }],
  ['d', { type: UNITS, value: U_DAY }], ['dow', { type: RESERV, value: V_UNSUPPORTED }], ['doy', { type: RESERV, value: V_UNSUPPORTED }],
  ['dst', { type: DTZMOD, value: 3600 }], ['epoch', { type: RESERV, value: V_EPOCH }], ['h', { type: UNITS, value: U_HOUR }],
  ['infinity', { type: RESERV, value: V_LATE }], ['isodow', { type: RESERV, value: V_UNSUPPORTED }], ['isoyear', { type: UNITS, value: U_OTHER }],
  ['j', { type: UNITS, value: U_JULIAN }], ['jd', { type: UNITS, value: U_JULIAN }], ['julian', { type: UNITS, value: U_JULIAN }],
  ['m', { type: UNITS, value: U_MONTH }], ['mm', { type: UNITS, value: U_MINUTE }], ['now', { type: RESERV, value: V_RELATIVE }],
  ['on', { type: IGNORE_DTF, value: 0 }], ['pm', { type: AMPM, value: 1 }], ['s', { type: UNITS, value: U_SECOND }],
  ['t', { type: ISOTIME, value: U_TIME }], ['today', { type: RESERV, value: V_RELATIVE }], ['tomorrow', { type: RESERV, value: V_RELATIVE }],
  ['y', { type: UNITS, value: U_YEAR }], ['yesterday', { type: RESERV, value: V_RELATIVE }],
  ...([['jan', 'january'], ['feb', 'february'], ['mar', 'march'], ['apr', 'april'], ['may'], ['jun', 'june'], ['jul', 'july'],
    ['aug', 'august'], ['sep', 'sept', 'september'], ['oct', 'october'], ['nov', 'november'], ['dec', 'december']]
    .flatMap((names, i) => names.map((name): [string, Token] => [name, { type: MONTH, value: i + 1 }]))),
  ...([['sun', 'sunday'], ['mon', 'monday'], ['tue', 'tues', 'tuesday'], ['wed', 'wednesday', 'weds'], ['thu', 'thur', 'thurs', 'thursday'],
    ['fri', 'friday'], ['sat', 'saturday']]
    .flatMap((names, i) => names.map((name): [string, Token] => [name, { type: DOW, value: i }]))),
]);

/** The Default set's fixed-offset abbreviations (zone-abbreviations.ts): standard time (TZ) and daylight time (DTZ). */
const ABBREVIATIONS: ReadonlyMap<string, Token> = new Map(
  STATIC_ZONE_ABBREVIATIONS.map(([name, east, daylight]): [string, Token] => [name, { type: daylight ? DTZ : TZ, value: east }]),
);

/** A zone abbreviation of the Default set as seconds east of UTC, or null (any case). */
export function zoneAbbreviationSeconds(name: string): number | null {
  const token = ABBREVIATIONS.get(name.toLowerCase());
  return token === undefined ? null : (token.value as number);
}

/** DecodeSpecial: the abbreviations first, then the keywords. */
function decodeSpecial(word: string): Token {
  return ABBREVIATIONS.get(word) ?? KEYWORDS.get(word) ?? { type: UNKNOWN_FIELD, value: 0 };
}

// DTERR codes, thrown as these and turned into PostgreSQL's errors by `decodeDateTime`.
class DateTimeError {
  constructor(readonly kind: 'format' | 'field' | 'md-field' | 'zone') {}
}
const BAD_FORMAT = new DateTimeError('format');
const FIELD_OVERFLOW = new DateTimeError('field');
const MD_FIELD_OVERFLOW = new DateTimeError('md-field');
const TZDISP_OVERFLOW = new DateTimeError('zone');

// Character classes of the C locale, on char codes (NaN past the end of the text is none of them).
const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;
const isAlphaCode = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
const isAlnumCode = (c: number): boolean => isDigitCode(c) || isAlphaCode(c);
const isSpaceCode = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
const isPunctCode = (c: number): boolean => c > 32 && c < 127 && !isAlnumCode(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && isDigitCode(c.charCodeAt(0));
const isAlpha = (c: string | undefined): boolean => c !== undefined && isAlphaCode(c.charCodeAt(0));
const isSpace = (c: string | undefined): boolean => c !== undefined && isSpaceCode(c.charCodeAt(0));

/** MAXDATEFIELDS, and the work buffer of MAXDATELEN + MAXDATEFIELDS bytes the fields are copied into. */
const MAX_FIELDS = 25;
const WORK_BUFFER = 128 + 25;

const [COLON, DOT, DASH, SLASH, PLUS, UNDERSCORE] = [':', '.', '-', '/', '+', '_'].map((c) => c.charCodeAt(0)) as [number, number, number, number, number, number];

/** ParseDateTime: the text cut into typed fields, words lowercased. */
function parseDateTime(text: string): Field[] {
  const fields: Field[] = [];
  let used = 0;
  let i = 0;
  const at = (k: number): number => text.charCodeAt(k);
  const digits = (): void => { while (isDigitCode(at(i))) i++; };
  while (i < text.length) {
    const c = at(i);
    if (isSpaceCode(c)) { i++; continue; }
    if (fields.length >= MAX_FIELDS) throw BAD_FORMAT;
    let start = i;
    let type: number;
    // Words are lowercased; a field of digits and punctuation is its slice of the text.
    let lower = false;
    if (isDigitCode(c)) {
      digits();
      if (at(i) === COLON) {
        type = TIME;
        i++;
        while (isDigitCode(at(i)) || at(i) === COLON || at(i) === DOT) i++;
      } else if (at(i) === DASH || at(i) === SLASH || at(i) === DOT) {
        const delimiter = at(i);
        i++;
        if (isDigitCode(at(i))) {
          type = delimiter === DOT ? NUMBER : DATE;
          digits();
          // Only the same delimiter again makes a three-part date.
          if (at(i) === delimiter) {
            type = DATE;
            i++;
            while (isDigitCode(at(i)) || at(i) === delimiter) i++;
          }
        } else {
          type = DATE;
          lower = true;
          while (isAlnumCode(at(i)) || at(i) === delimiter) i++;
        }
      } else type = NUMBER;
    } else if (c === DOT) {
      i++;
      digits();
      type = NUMBER;
    } else if (isAlphaCode(c)) {
      type = STRING;
      lower = true;
      while (isAlphaCode(at(i))) i++;
      // A date with a month's name and delimiters, or a zone name with punctuation — unless
      // the word so far is a keyword (`t` before a time, `j` before a Julian day).
      let isDate = at(i) === DASH || at(i) === SLASH || at(i) === DOT;
      if (!isDate && (at(i) === PLUS || isDigitCode(at(i)))) isDate = !KEYWORDS.has(text.slice(start, i).toLowerCase());
      if (isDate) {
        type = DATE;
        do i++;
        while (at(i) === PLUS || at(i) === DASH || at(i) === SLASH || at(i) === UNDERSCORE || at(i) === DOT || at(i) === COLON || isAlnumCode(at(i)));
      }
    } else if (c === PLUS || c === DASH) {
      i++;
      // Blanks after the sign are left out of the field.
      while (isSpaceCode(at(i))) i++;
      const sign = c === PLUS ? '+' : '-';
      start = i;
      if (isDigitCode(at(i))) {
        type = TZ_FIELD;
        i++;
        while (isDigitCode(at(i)) || at(i) === COLON || at(i) === DOT || at(i) === DASH) i++;
      } else if (isAlphaCode(at(i))) {
        type = SPECIAL;
        lower = true;
        while (isAlphaCode(at(i))) i++;
      } else throw BAD_FORMAT;
      const body = text.slice(start, i);
      used += body.length + 2;
      if (used >= WORK_BUFFER) throw BAD_FORMAT;
      fields.push({ text: sign + (lower ? body.toLowerCase() : body), type });
      continue;
    } else if (isPunctCode(c)) {
      i++; // other punctuation only separates fields
      continue;
    } else throw BAD_FORMAT;
    const slice = text.slice(start, i);
    used += slice.length + 1;
    if (used >= WORK_BUFFER) throw BAD_FORMAT;
    fields.push({ text: lower ? slice.toLowerCase() : slice, type });
  }
  return fields;
}

/** strtol into an int, as PostgreSQL's strtoint: the value, where the digits end, and whether it overflowed. */
function strtoint(s: string, from: number): { value: number; end: number; range: boolean } {
  let i = from;
  while (isSpace(s[i])) i++;
  let sign = 1;
  if (s[i] === '+' || s[i] === '-') { if (s[i] === '-') sign = -1; i++; }
  const digits = i;
  let value = 0;
  while (isDigit(s[i])) { value = value * 10 + (s.charCodeAt(i) - 48); i++; }
  if (i === digits) return { value: 0, end: from, range: false };
  value *= sign;
  return { value, end: i, range: value > 2147483647 || value < -2147483648 };
}

/** strtod from a '.': the fraction and where its digits end ("." alone reads as 0). */
function fraction(s: string, from: number): { value: number; end: number } {
  let i = from + 1;
  while (isDigit(s[i])) i++;
  // An exponent, as strtod would take it ('.5e1' is 5).
  let end = i;
  if ((s[i] === 'e' || s[i] === 'E')) {
    let j = i + 1;
    if (s[j] === '+' || s[j] === '-') j++;
    if (isDigit(s[j])) { while (isDigit(s[j])) j++; end = j; }
  }
  return { value: end === from + 1 ? 0 : Number('0' + s.slice(from, end)), end };
}

/** ParseFractionalSecond: microseconds, rint() of the fraction × 10⁶. */
function fractionalSecond(s: string, from: number): number {
  const f = fraction(s, from);
  if (f.end !== s.length) throw BAD_FORMAT;
  return rint(f.value * 1_000_000);
}

/** C's rint in the default rounding mode: halves to even. */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The broken-down time DecodeDateTime fills in (pg_tm and fsec). */
interface Tm {
  year: number;
  month: number;
  day: number;
  yday: number;
  hour: number;
  minute: number;
  second: number;
  fsec: number;
  is2digits: boolean;
}

/** DecodeTime: hh:mm, hh:mm:ss, hh:mm:ss.fff, mm:ss.fff. */
function decodeTime(s: string, tm: Tm): number {
  let r = strtoint(s, 0);
  if (r.range) throw FIELD_OVERFLOW;
  tm.hour = r.value;
  if (s[r.end] !== ':') throw BAD_FORMAT;
  r = strtoint(s, r.end + 1);
  if (r.range) throw FIELD_OVERFLOW;
  tm.minute = r.value;
  const at = r.end;
  if (at >= s.length) {
    tm.second = 0;
    tm.fsec = 0;
  } else if (s[at] === '.') {
    // Always minutes and seconds.
    tm.fsec = fractionalSecond(s, at);
    tm.second = tm.minute;
    tm.minute = tm.hour;
    tm.hour = 0;
  } else if (s[at] === ':') {
    r = strtoint(s, at + 1);
    if (r.range) throw FIELD_OVERFLOW;
    tm.second = r.value;
    if (r.end >= s.length) tm.fsec = 0;
    else if (s[r.end] === '.') tm.fsec = fractionalSecond(s, r.end);
    else throw BAD_FORMAT;
  } else throw BAD_FORMAT;
  if (tm.hour < 0 || tm.minute < 0 || tm.minute > 59 || tm.second < 0 || tm.second > 60 || tm.fsec < 0 || tm.fsec > 1_000_000) throw FIELD_OVERFLOW;
  return TIME_M;
}

/** DecodeTimezone: ±hh, ±hh:mm, ±hh:mm:ss, ±hhmm, as seconds east of UTC. */
function decodeTimezone(s: string): number {
  if (s[0] !== '+' && s[0] !== '-') throw BAD_FORMAT;
  let r = strtoint(s, 1);
  if (r.range) throw TZDISP_OVERFLOW;
  let hours = r.value;
  let minutes = 0;
  let seconds = 0;
  let end = r.end;
  if (s[end] === ':') {
    r = strtoint(s, end + 1);
    if (r.range) throw TZDISP_OVERFLOW;
    minutes = r.value;
    end = r.end;
    if (s[end] === ':') {
      r = strtoint(s, end + 1);
      if (r.range) throw TZDISP_OVERFLOW;
      seconds = r.value;
      end = r.end;
    }
  } else if (end >= s.length && s.length > 3) {
    minutes = hours % 100;
    hours = Math.trunc(hours / 100);
  }
  if (hours < 0 || hours > 15 || minutes < 0 || minutes >= 60 || seconds < 0 || seconds >= 60) throw TZDISP_OVERFLOW;
  const east = (hours * 60 + minutes) * 60 + seconds;
  if (end < s.length) throw BAD_FORMAT;
  return s[0] === '-' ? -east : east;
}

/** DecodeNumberField: a run-together date (yyyymmdd, yymmdd) or time (hhmmss, hhmm), with a fraction. Answers the mask it set. */
function decodeNumberField(s: string, fmask: number, tm: Tm): number {
  let digits = s;
  const dot = s.indexOf('.');
  if (dot >= 0) {
    // (strtod without looking at what follows, as PostgreSQL does here.)
    tm.fsec = rint(fraction(s, dot).value * 1_000_000);
    digits = s.slice(0, dot);
  } else if ((fmask & DATE_M) !== DATE_M && digits.length >= 6) {
    // The last two digits the day, the two before the month, the rest the year (yymmdd, yyyymmdd, yyyyymmdd).
    const n = digits.length;
    tm.day = atoi(digits.slice(n - 2));
    tm.month = atoi(digits.slice(n - 4, n - 2));
    tm.year = atoi(digits.slice(0, n - 4));
    if (n - 4 === 2) tm.is2digits = true;
    return DATE_M;
  }
  if ((fmask & TIME_M) !== TIME_M) {
    if (digits.length === 6) {
      tm.second = atoi(digits.slice(4));
      tm.minute = atoi(digits.slice(2, 4));
      tm.hour = atoi(digits.slice(0, 2));
      return TIME_M;
    }
    if (digits.length === 4) {
      tm.second = 0;
      tm.minute = atoi(digits.slice(2));
      tm.hour = atoi(digits.slice(0, 2));
      return TIME_M;
    }
  }
  throw BAD_FORMAT;
}

function atoi(s: string): number {
  return strtoint(s, 0).value;
}

/** DecodeNumber: one number, placed by what the fields before it were (DateStyle MDY). Answers the mask it set. */
function decodeNumber(s: string, haveTextMonth: boolean, fmask: number, tm: Tm): number {
  const r = strtoint(s, 0);
  if (r.range) throw FIELD_OVERFLOW;
  if (r.end === 0) throw BAD_FORMAT;
  const value = r.value;
  if (s[r.end] === '.') {
    // More than two digits before the point: a date or a run-together time (2001.360, 040506.789).
    if (r.end > 2) return decodeNumberField(s, fmask | DATE_M, tm);
    tm.fsec = fractionalSecond(s, r.end);
  } else if (r.end < s.length) throw BAD_FORMAT;
  // The day of the year after a year.
  if (s.length === 3 && (fmask & DATE_M) === M(YEAR) && value >= 1 && value <= 366) {
    tm.yday = value;
    return M(DOY) | M(MONTH) | M(DAY);
  }
  let tmask: number;
  switch (fmask & DATE_M) {
    case 0:
      // The first field: a year of three or more digits, else the month (MDY).
      if (s.length >= 3) { tmask = M(YEAR); tm.year = value; } else { tmask = M(MONTH); tm.month = value; }
      break;
    case M(YEAR):
      tmask = M(MONTH);
      tm.month = value;
      break;
    case M(MONTH):
      // After a month's name: MON-DD-YYYY, DD-MON-YYYY and YYYY-MON-DD.
      if (haveTextMonth && s.length >= 3) { tmask = M(YEAR); tm.year = value; } else { tmask = M(DAY); tm.day = value; }
      break;
    case M(YEAR) | M(MONTH):
      if (haveTextMonth && s.length >= 3 && tm.is2digits) {
        // DD-MON-YYYY: the first number was the day after all.
        tmask = M(DAY);
        tm.day = tm.year;
        tm.year = value;
        tm.is2digits = false;
      } else {
        tmask = M(DAY);
        tm.day = value;
      }
      break;
    case M(DAY):
      tmask = M(MONTH);
      tm.month = value;
      break;
    case M(MONTH) | M(DAY):
      tmask = M(YEAR);
      tm.year = value;
      break;
    case DATE_M:
      // The whole date is known: a time.
      return decodeNumberField(s, fmask, tm);
    default:
      throw BAD_FORMAT;
  }
  if (tmask === M(YEAR)) tm.is2digits = s.length <= 2;
  return tmask;
}

/** DecodeDate: a date with delimiters, its parts numbers or a month's name. Answers the mask it set. */
function decodeDate(s: string, fmaskBefore: number, tm: Tm): number {
  let fmask = fmaskBefore;
  let tmask = 0;
  const parts: (string | null)[] = [];
  let i = 0;
  while (i < s.length && parts.length < MAX_FIELDS) {
    while (i < s.length && !isAlnumCode(s.charCodeAt(i))) i++;
    if (i >= s.length) throw BAD_FORMAT; // the text ends with a delimiter
    const start = i;
    if (isDigitCode(s.charCodeAt(i))) while (isDigitCode(s.charCodeAt(i))) i++;
    else while (isAlphaCode(s.charCodeAt(i))) i++;
    parts.push(s.slice(start, i));
    if (i < s.length) i++; // the delimiter after the part
  }
  let haveTextMonth = false;
  // Words first: a month's name is unambiguous.
  for (const [n, part] of parts.entries()) {
    if (!isAlpha(part![0])) continue;
    const token = decodeSpecial(part!);
    if (token.type === IGNORE_DTF) continue;
    if (token.type !== MONTH) throw BAD_FORMAT;
    tm.month = token.value as number;
    haveTextMonth = true;
    if (fmask & M(MONTH)) throw BAD_FORMAT;
    fmask |= M(MONTH);
    tmask |= M(MONTH);
    parts[n] = null;
  }
  for (const part of parts) {
    if (part === null) continue;
    if (part.length === 0) throw BAD_FORMAT;
    const dmask = decodeNumber(part, haveTextMonth, fmask, tm);
    if (fmask & dmask) throw BAD_FORMAT;
    fmask |= dmask;
    tmask |= dmask;
  }
  if ((fmask & ~(M(DOY) | M(TZ))) !== DATE_M) throw BAD_FORMAT;
  return tmask;
}

const DAYS_IN_MONTH = [[31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]] as const;

/** The days of a month (1–12) of a proleptic Gregorian year (astronomical: 1 BC is 0). */
export function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return DAYS_IN_MONTH[leap ? 1 : 0][month - 1]!;
}

/** ValidateDate: the era, two-digit years, the day of the year, then the ranges. */
function validateDate(fmask: number, isJulian: boolean, bc: boolean, tm: Tm, date2j: (y: number, m: number, d: number) => number, j2date: (jd: number) => [number, number, number]): void {
  if (fmask & M(YEAR)) {
    if (isJulian) {
      // the year is already astronomical
    } else if (bc) {
      if (tm.year <= 0) throw FIELD_OVERFLOW;
      tm.year = -(tm.year - 1);
    } else if (tm.is2digits) {
      // One or two digits: 1970–2069.
      if (tm.year < 0) throw FIELD_OVERFLOW;
      if (tm.year < 70) tm.year += 2000;
      else if (tm.year < 100) tm.year += 1900;
    } else if (tm.year <= 0) throw FIELD_OVERFLOW;
  }
  if (fmask & M(DOY)) [tm.year, tm.month, tm.day] = j2date(date2j(tm.year, 1, 1) + tm.yday - 1);
  if ((fmask & M(MONTH)) && (tm.month < 1 || tm.month > 12)) throw MD_FIELD_OVERFLOW;
  if ((fmask & M(DAY)) && (tm.day < 1 || tm.day > 31)) throw MD_FIELD_OVERFLOW;
  if ((fmask & DATE_M) === DATE_M && tm.day > daysInMonth(tm.year, tm.month)) throw FIELD_OVERFLOW;
}

export interface Calendar {
  date2j(year: number, month: number, day: number): number;
  j2date(jd: number): [number, number, number];
}

/**
 * DecodeDateTime for date_in, timestamp_in and timestamptz_in: the fields, or the special value
 * the text names. Errors are PostgreSQL's, with `text` and `typeName` in their messages.
 */
export function decodeDateTime<Z>(text: string, typeName: DateTimeTypeName, calendar: Calendar, findZone?: FindZone<Z>): DateTimeFields<Z> | SpecialValue {
  const canonical = canonicalForm(text);
  if (canonical !== null) return canonical;
  try {
    return decode(parseDateTime(text), calendar, findZone ?? (() => null));
  } catch (error) {
    if (!(error instanceof DateTimeError)) throw error;
    switch (error.kind) {
      case 'field':
        throw new SqlError('22008', `date/time field value out of range: "${text}"`);
      case 'md-field':
        throw new SqlError('22008', `date/time field value out of range: "${text}"`, { hint: 'Perhaps you need a different "datestyle" setting.' });
      case 'zone':
        throw new SqlError('22009', `time zone displacement out of range: "${text}"`);
      default: {
        const name = typeName === 'timestamp without time zone' ? 'timestamp' : typeName;
        throw new SqlError('22007', `invalid input syntax for type ${name}: "${text}"`);
      }
    }
  }
}

/**
 * The form PostgreSQL prints and drivers send — `yyyy-mm-dd` or `yyyy-mm-dd hh:mm:ss[.ffffff]`,
 * every field in range — read without cutting it into fields, since it is most of what is read
 * (COPY, parameters). DecodeDateTime reads it the same way; anything else, or anything out of
 * range, goes the general way, which also raises the errors.
 */
function canonicalForm(text: string): DateTimeFields<never> | null {
  const n = text.length;
  if (n !== 10 && (n < 19 || n > 26 || n === 20)) return null;
  const digit = (k: number): number => {
    const c = text.charCodeAt(k) - 48;
    return c >= 0 && c <= 9 ? c : NaN;
  };
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return null;
  const year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  const month = digit(5) * 10 + digit(6);
  const day = digit(8) * 10 + digit(9);
  if (!(year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month))) return null;
  if (n === 10) return { year, month, day, micros: 0n, offsetSeconds: null, namedZone: null };
  if (text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return null;
  const hour = digit(11) * 10 + digit(12);
  const minute = digit(14) * 10 + digit(15);
  const second = digit(17) * 10 + digit(18);
  if (!(hour <= 23 && minute <= 59 && second <= 59)) return null;
  let fsec = 0;
  if (n > 19) {
    if (text.charCodeAt(19) !== 46) return null;
    for (let k = 20; k < 26; k++) fsec = fsec * 10 + (k < n ? digit(k) : 0);
    if (!(fsec >= 0)) return null;
  }
  const micros = BigInt(((hour * 60 + minute) * 60 + second) * 1_000_000 + fsec);
  return { year, month, day, micros, offsetSeconds: null, namedZone: null };
}

function decode<Z>(fields: readonly Field[], calendar: Calendar, findZone: FindZone<Z>): DateTimeFields<Z> | SpecialValue {
  const tm: Tm = { year: 0, month: 0, day: 0, yday: 0, hour: 0, minute: 0, second: 0, fsec: 0, is2digits: false };
  let fmask = 0;
  /** The unit a prefix word gave the next number (`y2001`, `j2451187`, `t` before a time). */
  let ptype: string | null = null;
  let special: SpecialValue | null = null;
  let meridiem: number | null = null; // 0 am, 1 pm
  let haveTextMonth = false;
  let isJulian = false;
  let bc = false;
  let offset = 0; // seconds east
  let namedZone: Z | null = null;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    let tmask = 0;
    switch (field.type) {
      case DATE:
        if (ptype === U_JULIAN) {
          // A Julian day with an offset after it ('J2451187-05').
          const r = strtoint(field.text, 0);
          if (r.range || r.value < 0) throw FIELD_OVERFLOW;
          [tm.year, tm.month, tm.day] = calendar.j2date(r.value);
          isJulian = true;
          offset = decodeTimezone(field.text.slice(r.end));
          tmask = DATE_M | TIME_M | M(TZ);
          ptype = null;
        } else if (ptype !== null || (fmask & (M(MONTH) | M(DAY))) === (M(MONTH) | M(DAY))) {
          // With the month and day known: a zone name, or a run-together time with an offset (hhmmss-zz).
          if (!isDigit(field.text[0]) && ptype === null) {
            namedZone = findZone(field.text);
            // (PostgreSQL raises this at once: a word with punctuation in that place can only be a zone.)
            if (namedZone === null) throw new SqlError('22023', `time zone "${field.text}" not recognized`);
            tmask = M(TZ);
            break;
          }
          if (ptype !== null) {
            if (ptype !== U_TIME) throw BAD_FORMAT;
            ptype = null;
          }
          if ((fmask & TIME_M) === TIME_M) throw BAD_FORMAT;
          const dash = field.text.indexOf('-');
          if (dash < 0) throw BAD_FORMAT;
          offset = decodeTimezone(field.text.slice(dash));
          tmask = decodeNumberField(field.text.slice(0, dash), fmask, tm) | M(TZ);
        } else tmask = decodeDate(field.text, fmask, tm);
        break;
      case TIME:
        // A time after `t`.
        if (ptype !== null) {
          if (ptype !== U_TIME) throw BAD_FORMAT;
          ptype = null;
        }
        tmask = decodeTime(field.text, tm);
        if (tm.hour > 24 || (tm.hour === 24 && (tm.minute > 0 || tm.second > 0 || tm.fsec > 0))) throw FIELD_OVERFLOW;
        break;
      case TZ_FIELD:
        offset = decodeTimezone(field.text);
        tmask = M(TZ);
        break;
      case NUMBER: {
        const s = field.text;
        const dot = s.indexOf('.');
        if (ptype !== null) {
          tmask = labelledNumber(s, ptype, fmask, tm, calendar);
          if (ptype === U_JULIAN) isJulian = true;
          ptype = null;
          special = null; // (PostgreSQL sets dtype to a date here)
        } else if (dot >= 0 && !(fmask & DATE_M)) tmask = decodeDate(s, fmask, tm); // yyyy.ddd, or a date with dots
        else if (dot > 2) tmask = decodeNumberField(s, fmask, tm); // run-together, with a fraction
        // Six digits or more: a run-together date or time, unless both are known (then a year, as five digits are).
        else if (s.length >= 6 && (!(fmask & DATE_M) || !(fmask & TIME_M))) tmask = decodeNumberField(s, fmask, tm);
        else tmask = decodeNumber(s, haveTextMonth, fmask, tm);
        break;
      }
      case STRING:
      case SPECIAL: {
        const token = decodeSpecial(field.text);
        if (token.type === IGNORE_DTF) continue;
        tmask = M(token.type);
        switch (token.type) {
          case RESERV:
            switch (token.value) {
              case V_RELATIVE:
                // Read before this is called (zoned-datetime.ts), where the transaction's time is known.
                throw new SqlError('0A000', `date/time value "${field.text}" is not supported here`);
              case V_ZULU:
                special = null;
                tmask = TIME_M | M(TZ);
                tm.hour = 0;
                tm.minute = 0;
                tm.second = 0;
                offset = 0;
                break;
              case V_EPOCH: case V_LATE: case V_EARLY:
                special = token.value;
                break;
              default:
                throw BAD_FORMAT; // dow, doy, isodow: no value of a date or timestamp
            }
            break;
          case MONTH:
            // A number taken as the month before the month's name is the day.
            if ((fmask & M(MONTH)) && !haveTextMonth && !(fmask & M(DAY)) && tm.month >= 1 && tm.month <= 31) {
              tm.day = tm.month;
              tmask = M(DAY);
            }
            haveTextMonth = true;
            tm.month = token.value as number;
            break;
          case DTZMOD:
            // 'DST' after a standard-time abbreviation.
            tmask |= M(DTZ);
            offset += token.value as number;
            break;
          case DTZ:
            tmask |= M(TZ);
            offset = token.value as number;
            break;
          case TZ:
            offset = token.value as number;
            break;
          case AMPM:
            meridiem = token.value as number;
            break;
          case ADBC:
            bc = token.value === 1;
            break;
          case DOW:
            break; // a weekday is read and ignored
          case UNITS:
            tmask = 0;
            ptype = token.value as string;
            break;
          case ISOTIME: {
            // `t` between a date and a time: hhmmss.fff, hh:mm:ss.fff or hhmmss-zz must follow.
            tmask = 0;
            if ((fmask & DATE_M) !== DATE_M) throw BAD_FORMAT;
            const next = fields[i + 1];
            if (next === undefined || (next.type !== NUMBER && next.type !== TIME && next.type !== DATE)) throw BAD_FORMAT;
            ptype = U_TIME;
            break;
          }
          default:
            // A word that is no keyword: a zone's name, or nothing.
            if (DYNAMIC_ZONE_ABBREVIATIONS.has(field.text)) {
              throw new SqlError('0A000', `time zone abbreviation "${field.text}" is not supported: its offset has changed over the years; name the zone instead (as in pg_timezone_names)`);
            }
            namedZone = findZone(field.text);
            if (namedZone === null) throw BAD_FORMAT;
            tmask = M(TZ);
        }
        break;
      }
      default:
        throw BAD_FORMAT;
    }
    if (tmask & fmask) throw BAD_FORMAT;
    fmask |= tmask;
  }
  validateDate(fmask, isJulian, bc, tm, calendar.date2j, calendar.j2date);
  if (meridiem !== null && tm.hour > 12) throw FIELD_OVERFLOW;
  if (meridiem === 0 && tm.hour === 12) tm.hour = 0;
  else if (meridiem === 1 && tm.hour !== 12) tm.hour += 12;
  if (special !== null) return special;
  if ((fmask & DATE_M) !== DATE_M) throw BAD_FORMAT;
  // 'DST' needs a standard-time abbreviation before it, not a zone's name.
  if ((fmask & M(DTZMOD)) && (!(fmask & M(TZ)) || namedZone !== null)) throw BAD_FORMAT;
  const micros = ((BigInt(tm.hour) * 60n + BigInt(tm.minute)) * 60n + BigInt(tm.second)) * 1_000_000n + BigInt(tm.fsec);
  const offsetSeconds = fmask & M(TZ) && namedZone === null ? offset : null;
  return { year: tm.year, month: tm.month, day: tm.day, micros, offsetSeconds, namedZone };
}

/** A number after a unit word (`y2001`, `m02`, `d04`, `h10`, `mm30`, `s15.5`, `j2451187.5`, `t040506`). Answers the mask it set. */
function labelledNumber(s: string, ptype: string, fmask: number, tm: Tm, calendar: Calendar): number {
  const r = strtoint(s, 0);
  if (r.range) throw FIELD_OVERFLOW;
  const value = r.value;
  if (s[r.end] === '.') {
    if (ptype !== U_JULIAN && ptype !== U_TIME && ptype !== U_SECOND) throw BAD_FORMAT;
  } else if (r.end < s.length) throw BAD_FORMAT;
  switch (ptype) {
    case U_YEAR:
      tm.year = value;
      return M(YEAR);
    case U_MONTH:
      // With a month and an hour already: minutes.
      if ((fmask & M(MONTH)) && (fmask & M(HOUR))) { tm.minute = value; return M(MINUTE); }
      tm.month = value;
      return M(MONTH);
    case U_DAY:
      tm.day = value;
      return M(DAY);
    case U_HOUR:
      tm.hour = value;
      return M(HOUR);
    case U_MINUTE:
      tm.minute = value;
      return M(MINUTE);
    case U_SECOND:
      tm.second = value;
      if (s[r.end] === '.') { tm.fsec = fractionalSecond(s, r.end); return ALL_SECS_M; }
      return M(SECOND);
    case U_JULIAN: {
      if (value < 0) throw FIELD_OVERFLOW;
      [tm.year, tm.month, tm.day] = calendar.j2date(value);
      if (s[r.end] !== '.') return DATE_M;
      // A fraction of a day: its time, in microseconds truncated (dt2time).
      const f = fraction(s, r.end);
      if (f.end !== s.length) throw BAD_FORMAT;
      let micros = Math.trunc(f.value * 86_400_000_000);
      tm.hour = Math.trunc(micros / 3_600_000_000);
      micros -= tm.hour * 3_600_000_000;
      tm.minute = Math.trunc(micros / 60_000_000);
      micros -= tm.minute * 60_000_000;
      tm.second = Math.trunc(micros / 1_000_000);
      tm.fsec = micros - tm.second * 1_000_000;
      return DATE_M | TIME_M;
    }
    case U_TIME: {
      const tmask = decodeNumberField(s, fmask | DATE_M, tm);
      if (tmask !== TIME_M) throw BAD_FORMAT;
      return tmask;
    }
    default:
      throw BAD_FORMAT;
  }
}
