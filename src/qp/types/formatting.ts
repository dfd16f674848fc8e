import { SqlError } from '../../contracts/errors.js';
import type { IntervalValue, NumericValue } from '../../contracts/sql-value.js';
import * as dt from './datetime.js';
import { date2isoweek, date2isoyear, daysInMonth, isoweek2j, timestampToTm } from './datetime-functions.js';
import * as num from './numeric.js';
import { numericPower } from './operators.js';
import { fromLocal, UTC_ZONE, type SessionZone } from './session-zone.js';

/**
 * to_char, to_date, to_timestamp and to_number with PostgreSQL's template patterns
 * (formatting.c), in the "C" locale: English month and day names, '.' and ',' for the
 * decimal point and group separator, ' ' for the currency symbol, and a time zone of UTC.
 */

// ---------------------------------------------------------------------------------------------
// Template parsing

interface KeyWord { readonly name: string; readonly id: string; readonly isDigit: boolean; readonly mode: 0 | 1 | 2 }

/** A parsed template element: a pattern with its FM/TM/TH/th suffixes, or literal text. */
type FormatNode =
  | { readonly type: 'action'; readonly key: KeyWord; readonly fm: boolean; readonly tm: boolean; readonly th: 0 | 1 | 2 }
  | { readonly type: 'char' | 'separator' | 'space'; readonly text: string };

const G = 1; // FROM_CHAR_DATE_GREGORIAN
const I = 2; // FROM_CHAR_DATE_ISOWEEK

/** DCH_keywords, in PostgreSQL's order (longer names first within a letter). [name, id, is_digit, date mode] */
const DCH_KEYWORDS: KeyWord[] = ([
  ['A.D.', 'A_D', 0, 0], ['A.M.', 'A_M', 0, 0], ['AD', 'AD', 0, 0], ['AM', 'AM', 0, 0], ['B.C.', 'B_C', 0, 0], ['BC', 'BC', 0, 0],
  ['CC', 'CC', 1, 0], ['DAY', 'DAY', 0, 0], ['DDD', 'DDD', 1, G], ['DD', 'DD', 1, G], ['DY', 'DY', 0, 0], ['Day', 'Day', 0, 0],
  ['Dy', 'Dy', 0, 0], ['D', 'D', 1, G], ['FF1', 'FF1', 1, 0], ['FF2', 'FF2', 1, 0], ['FF3', 'FF3', 1, 0], ['FF4', 'FF4', 1, 0],
  ['FF5', 'FF5', 1, 0], ['FF6', 'FF6', 1, 0], ['FX', 'FX', 0, 0], ['HH24', 'HH24', 1, 0], ['HH12', 'HH12', 1, 0], ['HH', 'HH', 1, 0],
  ['IDDD', 'IDDD', 1, I], ['ID', 'ID', 1, I], ['IW', 'IW', 1, I], ['IYYY', 'IYYY', 1, I], ['IYY', 'IYY', 1, I], ['IY', 'IY', 1, I],
  ['I', 'I', 1, I], ['J', 'J', 1, 0], ['MI', 'MI', 1, 0], ['MM', 'MM', 1, G], ['MONTH', 'MONTH', 0, G], ['MON', 'MON', 0, G],
  ['MS', 'MS', 1, 0], ['Month', 'Month', 0, G], ['Mon', 'Mon', 0, G], ['OF', 'OF', 0, 0], ['P.M.', 'P_M', 0, 0], ['PM', 'PM', 0, 0],
  ['Q', 'Q', 1, 0], ['RM', 'RM', 0, G], ['SSSSS', 'SSSS', 1, 0], ['SSSS', 'SSSS', 1, 0], ['SS', 'SS', 1, 0], ['TZH', 'TZH', 0, 0],
  ['TZM', 'TZM', 1, 0], ['TZ', 'TZ', 0, 0], ['US', 'US', 1, 0], ['WW', 'WW', 1, G], ['W', 'W', 1, G], ['Y,YYY', 'Y_YYY', 1, G],
  ['YYYY', 'YYYY', 1, G], ['YYY', 'YYY', 1, G], ['YY', 'YY', 1, G], ['Y', 'Y', 1, G],
  ['a.d.', 'a_d', 0, 0], ['a.m.', 'a_m', 0, 0], ['ad', 'ad', 0, 0], ['am', 'am', 0, 0], ['b.c.', 'b_c', 0, 0], ['bc', 'bc', 0, 0],
  ['cc', 'CC', 1, 0], ['day', 'day', 0, 0], ['ddd', 'DDD', 1, G], ['dd', 'DD', 1, G], ['dy', 'dy', 0, 0], ['d', 'D', 1, G],
  ['ff1', 'FF1', 1, 0], ['ff2', 'FF2', 1, 0], ['ff3', 'FF3', 1, 0], ['ff4', 'FF4', 1, 0], ['ff5', 'FF5', 1, 0], ['ff6', 'FF6', 1, 0],
  ['fx', 'FX', 0, 0], ['hh24', 'HH24', 1, 0], ['hh12', 'HH12', 1, 0], ['hh', 'HH', 1, 0], ['iddd', 'IDDD', 1, I], ['id', 'ID', 1, I],
  ['iw', 'IW', 1, I], ['iyyy', 'IYYY', 1, I], ['iyy', 'IYY', 1, I], ['iy', 'IY', 1, I], ['i', 'I', 1, I], ['j', 'J', 1, 0],
  ['mi', 'MI', 1, 0], ['mm', 'MM', 1, G], ['month', 'month', 0, G], ['mon', 'mon', 0, G], ['ms', 'MS', 1, 0], ['of', 'OF', 0, 0],
  ['p.m.', 'p_m', 0, 0], ['pm', 'pm', 0, 0], ['q', 'Q', 1, 0], ['rm', 'rm', 0, G], ['sssss', 'SSSS', 1, 0], ['ssss', 'SSSS', 1, 0],
  ['ss', 'SS', 1, 0], ['tzh', 'TZH', 0, 0], ['tzm', 'TZM', 1, 0], ['tz', 'tz', 0, 0], ['us', 'US', 1, 0], ['ww', 'WW', 1, G],
  ['w', 'W', 1, G], ['y,yyy', 'Y_YYY', 1, G], ['yyyy', 'YYYY', 1, G], ['yyy', 'YYY', 1, G], ['yy', 'YY', 1, G], ['y', 'Y', 1, G],
] as Array<[string, string, number, number]>).map(([name, id, d, mode]) => ({ name, id, isDigit: d === 1, mode: mode as 0 | 1 | 2 }));

/** NUM_keywords (the number templates). */
const NUM_KEYWORDS: KeyWord[] = ([
  [',', 'COMMA'], ['.', 'DEC'], ['0', '0'], ['9', '9'], ['B', 'B'], ['C', 'C'], ['D', 'D'], ['EEEE', 'E'], ['FM', 'FM'], ['G', 'G'],
  ['L', 'L'], ['MI', 'MI'], ['PL', 'PL'], ['PR', 'PR'], ['RN', 'RN'], ['SG', 'SG'], ['SP', 'SP'], ['S', 'S'], ['TH', 'TH'], ['V', 'V'],
  ['b', 'B'], ['c', 'C'], ['d', 'D'], ['eeee', 'E'], ['fm', 'FM'], ['g', 'G'], ['l', 'L'], ['mi', 'MI'], ['pl', 'PL'], ['pr', 'PR'],
  ['rn', 'rn'], ['sg', 'SG'], ['sp', 'SP'], ['s', 'S'], ['th', 'th'], ['v', 'V'],
] as Array<[string, string]>).map(([name, id]) => ({ name, id, isDigit: false, mode: 0 as const }));

function keywordAt(template: string, at: number, keywords: readonly KeyWord[]): KeyWord | null {
  const c = template.charCodeAt(at);
  if (c <= 32 || c >= 126) return null;
  for (const k of keywords) if (template.startsWith(k.name, at)) return k;
  return null;
}

const isSeparatorChar = (c: string): boolean => c.length === 1 && c > ' ' && c < '\x7f' && !/[A-Za-z0-9]/.test(c);
const isCSpace = (c: string | undefined): boolean => c !== undefined && /^[ \t\n\r\f\v]$/.test(c);

function nextChar(text: string, at: number): string {
  const c = text.codePointAt(at)!;
  return String.fromCodePoint(c);
}

/** parse_format for the datetime templates (prefix FM/TM, postfix TH/th/SP, quoted literals). */
function parseDateTemplate(template: string): FormatNode[] {
  const nodes: FormatNode[] = [];
  let at = 0;
  while (at < template.length) {
    let fm = false;
    let tm = false;
    const prefix = template.slice(at, at + 2);
    if (prefix === 'FM' || prefix === 'fm') { fm = true; at += 2; }
    else if (prefix === 'TM' || prefix === 'tm') { tm = true; at += 2; }
    if (at >= template.length) break;
    const key = keywordAt(template, at, DCH_KEYWORDS);
    if (key) {
      at += key.name.length;
      let th: 0 | 1 | 2 = 0;
      const postfix = template.slice(at, at + 2);
      if (postfix === 'TH') { th = 1; at += 2; }
      else if (postfix === 'th') { th = 2; at += 2; }
      else if (postfix === 'SP') at += 2;
      nodes.push({ type: 'action', key, fm, tm, th });
      continue;
    }
    if (template[at] === '"') {
      at = quotedText(template, at, (text) => nodes.push({ type: 'char', text }));
      continue;
    }
    if (template[at] === '\\' && template[at + 1] === '"') at++;
    const c = nextChar(template, at);
    nodes.push({ type: isSeparatorChar(c) ? 'separator' : isCSpace(c) ? 'space' : 'char', text: c });
    at += c.length;
  }
  return nodes;
}

// ---------------------------------------------------------------------------------------------
// Datetime to text

const MONTHS_FULL = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const DAYS_SHORT = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const RM_UPPER = ['XII', 'XI', 'X', 'IX', 'VIII', 'VII', 'VI', 'V', 'IV', 'III', 'II', 'I'];
const RM_LOWER = RM_UPPER.map((s) => s.toLowerCase());

interface TmToChar {
  year: number; month: number; day: number; hour: number; minute: number; second: number; fsec: number;
  wday: number; yday: number;
  /** Zone abbreviation (timestamptz only). */
  zone: string | null;
  /** The zone's offset east of UTC in seconds (tm_gmtoff), for TZH, TZM and OF. */
  gmtoff: number;
}

/** printf("%0*d", width, v): zero padding after the sign. */
function zeroPad(v: number, width: number): string {
  const digits = String(Math.abs(v));
  const sign = v < 0 ? '-' : '';
  return sign + digits.padStart(Math.max(width - sign.length, 0), '0');
}

/** ST/ND/RD/TH for a printed number (get_th). */
function ordinalSuffix(number: string, upper: boolean): string {
  const last = number[number.length - 1]!;
  if (!/[0-9]/.test(last)) throw new SqlError('22P02', `"${number}" is not a number`);
  let suffix = 'th';
  if (!(number.length > 1 && number[number.length - 2] === '1')) {
    if (last === '1') suffix = 'st';
    else if (last === '2') suffix = 'nd';
    else if (last === '3') suffix = 'rd';
  }
  return upper ? suffix.toUpperCase() : suffix;
}

const adjustYear = (year: number, interval: boolean): number => (interval ? year : year <= 0 ? -(year - 1) : year);

const invalidForInterval = (): SqlError =>
  new SqlError('22007', 'invalid format specification for an interval value', { hint: 'Intervals are not tied to specific calendar dates.' });

const asciiUpper = (s: string): string => s.toUpperCase();
const asciiLower = (s: string): string => s.toLowerCase();

function dateToChar(nodes: readonly FormatNode[], tm: TmToChar, interval: boolean): string {
  let out = '';
  for (const n of nodes) {
    if (n.type !== 'action') { out += n.text; continue; }
    const fm = n.fm;
    const numeric = (text: string): void => { out += n.th ? text + ordinalSuffix(text, n.th === 1) : text; };
    const padded = (v: number, width: number): void => numeric(fm ? String(v) : zeroPad(v, width));
    const word = (s: string, width: number): void => { out += fm || n.tm ? s : s.padEnd(width, ' '); };
    const isoYear = (): number => adjustYear(date2isoyear(tm.year, tm.month, tm.day), interval);
    const noInterval = (): void => { if (interval) throw invalidForInterval(); };
    switch (n.key.id) {
      case 'A_M': case 'P_M': out += tm.hour % 24 >= 12 ? 'P.M.' : 'A.M.'; break;
      case 'AM': case 'PM': out += tm.hour % 24 >= 12 ? 'PM' : 'AM'; break;
      case 'a_m': case 'p_m': out += tm.hour % 24 >= 12 ? 'p.m.' : 'a.m.'; break;
      case 'am': case 'pm': out += tm.hour % 24 >= 12 ? 'pm' : 'am'; break;
      case 'HH': case 'HH12': padded(tm.hour % 12 === 0 ? 12 : tm.hour % 12, tm.hour >= 0 ? 2 : 3); break;
      case 'HH24': padded(tm.hour, tm.hour >= 0 ? 2 : 3); break;
      case 'MI': padded(tm.minute, tm.minute >= 0 ? 2 : 3); break;
      case 'SS': padded(tm.second, tm.second >= 0 ? 2 : 3); break;
      case 'FF1': numeric(zeroPad(Math.trunc(tm.fsec / 100000), 1)); break;
      case 'FF2': numeric(zeroPad(Math.trunc(tm.fsec / 10000), 2)); break;
      case 'FF3': case 'MS': numeric(zeroPad(Math.trunc(tm.fsec / 1000), 3)); break;
      case 'FF4': numeric(zeroPad(Math.trunc(tm.fsec / 100), 4)); break;
      case 'FF5': numeric(zeroPad(Math.trunc(tm.fsec / 10), 5)); break;
      case 'FF6': case 'US': numeric(zeroPad(tm.fsec, 6)); break;
      case 'SSSS': numeric(String(tm.hour * 3600 + tm.minute * 60 + tm.second)); break;
      case 'tz': noInterval(); if (tm.zone) out += asciiLower(tm.zone); break;
      case 'TZ': noInterval(); if (tm.zone) out += tm.zone; break;
      // FM shortens OF only, as in PostgreSQL 15.
      case 'TZH': noInterval(); out += (tm.gmtoff >= 0 ? '+' : '-') + zeroPad(Math.trunc(Math.abs(tm.gmtoff) / 3600), 2); break;
      case 'TZM': noInterval(); out += zeroPad(Math.trunc((Math.abs(tm.gmtoff) % 3600) / 60), 2); break;
      case 'OF': {
        noInterval();
        const seconds = Math.abs(tm.gmtoff);
        out += (tm.gmtoff >= 0 ? '+' : '-') + zeroPad(Math.trunc(seconds / 3600), fm ? 0 : 2);
        if (seconds % 3600 !== 0) out += ':' + zeroPad(Math.trunc((seconds % 3600) / 60), 2);
        break;
      }
      case 'A_D': case 'B_C': noInterval(); out += tm.year <= 0 ? 'B.C.' : 'A.D.'; break;
      case 'AD': case 'BC': noInterval(); out += tm.year <= 0 ? 'BC' : 'AD'; break;
      case 'a_d': case 'b_c': noInterval(); out += tm.year <= 0 ? 'b.c.' : 'a.d.'; break;
      case 'ad': case 'bc': noInterval(); out += tm.year <= 0 ? 'bc' : 'ad'; break;
      case 'MONTH': noInterval(); if (tm.month) word(asciiUpper(MONTHS_FULL[tm.month - 1]!), 9); break;
      case 'Month': noInterval(); if (tm.month) word(MONTHS_FULL[tm.month - 1]!, 9); break;
      case 'month': noInterval(); if (tm.month) word(asciiLower(MONTHS_FULL[tm.month - 1]!), 9); break;
      case 'MON': noInterval(); if (tm.month) out += asciiUpper(MONTHS[tm.month - 1]!); break;
      case 'Mon': noInterval(); if (tm.month) out += MONTHS[tm.month - 1]!; break;
      case 'mon': noInterval(); if (tm.month) out += asciiLower(MONTHS[tm.month - 1]!); break;
      case 'MM': padded(tm.month, tm.month >= 0 ? 2 : 3); break;
      case 'DAY': noInterval(); word(asciiUpper(DAYS[tm.wday]!), 9); break;
      case 'Day': noInterval(); word(DAYS[tm.wday]!, 9); break;
      case 'day': noInterval(); word(asciiLower(DAYS[tm.wday]!), 9); break;
      case 'DY': noInterval(); out += asciiUpper(DAYS_SHORT[tm.wday]!); break;
      case 'Dy': noInterval(); out += DAYS_SHORT[tm.wday]!; break;
      case 'dy': noInterval(); out += asciiLower(DAYS_SHORT[tm.wday]!); break;
      case 'DDD': padded(tm.yday, 3); break;
      case 'IDDD': padded(dt.date2j(tm.year, tm.month, tm.day) - isoweek2j(date2isoyear(tm.year, tm.month, tm.day), 1) + 1, 3); break;
      case 'DD': padded(tm.day, 2); break;
      case 'D': noInterval(); numeric(String(tm.wday + 1)); break;
      case 'ID': noInterval(); numeric(String(tm.wday === 0 ? 7 : tm.wday)); break;
      case 'WW': padded(Math.trunc((tm.yday - 1) / 7) + 1, 2); break;
      case 'IW': padded(date2isoweek(tm.year, tm.month, tm.day), 2); break;
      case 'Q': if (tm.month) numeric(String(Math.trunc((tm.month - 1) / 3) + 1)); break;
      case 'CC': {
        const c = interval ? Math.trunc(tm.year / 100) : tm.year > 0 ? Math.trunc((tm.year - 1) / 100) + 1 : Math.trunc(tm.year / 100) - 1;
        numeric(c <= 99 && c >= -99 ? (fm ? String(c) : zeroPad(c, c >= 0 ? 2 : 3)) : String(c));
        break;
      }
      case 'Y_YYY': {
        const y = adjustYear(tm.year, interval);
        const thousands = Math.trunc(y / 1000);
        numeric(`${thousands},${zeroPad(y - thousands * 1000, 3)}`);
        break;
      }
      // The width follows the calendar year even for the ISO year, as in formatting.c.
      case 'YYYY': case 'IYYY': {
        const y = n.key.id === 'YYYY' ? adjustYear(tm.year, interval) : isoYear();
        padded(y, adjustYear(tm.year, interval) >= 0 ? 4 : 5);
        break;
      }
      case 'YYY': case 'IYY': {
        const y = n.key.id === 'YYY' ? adjustYear(tm.year, interval) : isoYear();
        padded(y % 1000, adjustYear(tm.year, interval) >= 0 ? 3 : 4);
        break;
      }
      case 'YY': case 'IY': {
        const y = n.key.id === 'YY' ? adjustYear(tm.year, interval) : isoYear();
        padded(y % 100, adjustYear(tm.year, interval) >= 0 ? 2 : 3);
        break;
      }
      case 'Y': case 'I': {
        const y = n.key.id === 'Y' ? adjustYear(tm.year, interval) : isoYear();
        numeric(String(y % 10));
        break;
      }
      case 'RM': case 'rm': {
        if (!tm.month && !tm.year) break;
        const months = n.key.id === 'RM' ? RM_UPPER : RM_LOWER;
        const index = tm.month === 0 ? (tm.year >= 0 ? 0 : 11) : tm.month < 0 ? -(tm.month + 1) : 12 - tm.month;
        out += fm ? months[index]! : months[index]!.padEnd(4, ' ');
        break;
      }
      case 'W': numeric(String(Math.trunc((tm.day - 1) / 7) + 1)); break;
      case 'J': numeric(String(dt.date2j(tm.year, tm.month, tm.day))); break;
      default: break; // FX and the like print nothing
    }
  }
  return out;
}

const templateCache = new Map<string, FormatNode[]>();

function dateTemplate(template: string): FormatNode[] {
  let nodes = templateCache.get(template);
  if (!nodes) {
    nodes = parseDateTemplate(template);
    if (templateCache.size >= 256) templateCache.delete(templateCache.keys().next().value!);
    templateCache.set(template, nodes);
  }
  return nodes;
}

/**
 * to_char(timestamp / timestamptz, text); NULL for an empty template or an infinite value. `ts`
 * is the wall clock; a timestamptz's zone is `gmtoff` seconds east of UTC, named UTC when 0.
 */
export function timestampToChar(ts: bigint, template: string, withZone: boolean, gmtoff = 0): string | null {
  if (template === '' || dt.isInfiniteTimestamp(ts)) return null;
  const t = timestampToTm(ts);
  const jd = dt.date2j(t.year, t.month, t.day);
  const tm: TmToChar = { ...t, wday: (jd + 1) % 7, yday: jd - dt.date2j(t.year, 1, 1) + 1, zone: withZone ? 'UTC' : null, gmtoff };
  return dateToChar(dateTemplate(template), tm, false);
}

export function intervalToChar(v: IntervalValue, template: string): string | null {
  if (template === '') return null;
  let time = v.micros;
  const hour = time / 3_600_000_000n;
  time -= hour * 3_600_000_000n;
  const minute = time / 60_000_000n;
  time -= minute * 60_000_000n;
  const second = time / 1_000_000n;
  const year = Math.trunc(v.months / 12);
  const month = v.months % 12;
  const tm: TmToChar = {
    year, month, day: v.days, hour: Number(hour), minute: Number(minute), second: Number(second), fsec: Number(time - second * 1_000_000n),
    wday: 0, yday: (year * 12 + month) * 30 + v.days, zone: null, gmtoff: 0,
  };
  return dateToChar(dateTemplate(template), tm, true);
}

// ---------------------------------------------------------------------------------------------
// Text to datetime (to_date, to_timestamp)

interface TmFromChar {
  mode: 0 | 1 | 2; hh: number; pm: number; mi: number; ss: number; ssss: number; d: number; dd: number; ddd: number; mm: number;
  ms: number; year: number; bc: number; ww: number; w: number; cc: number; j: number; us: number; yysz: number; clock: number;
  tzsign: number; tzh: number; tzm: number; ff: number;
}

const invalidFormat = (message: string, extra: { detail?: string; hint?: string } = {}): SqlError => new SqlError('22007', message, extra);

function isNextSeparator(nodes: readonly FormatNode[], index: number): boolean {
  const n = nodes[index]!;
  if (n.type === 'action' && n.th) return true;
  const next = nodes[index + 1];
  if (!next) return true;
  if (next.type === 'action') return !next.key.isDigit;
  return !(next.text.length === 1 && /[0-9]/.test(next.text));
}

class DateParser {
  at = 0;
  extraSkip = 0;
  readonly out: TmFromChar = {
    mode: 0, hh: 0, pm: 0, mi: 0, ss: 0, ssss: 0, d: 0, dd: 0, ddd: 0, mm: 0, ms: 0, year: 0, bc: 0, ww: 0, w: 0, cc: 0, j: 0, us: 0,
    yysz: 0, clock: 0, tzsign: 0, tzh: 0, tzm: 0, ff: 0,
  };

  constructor(private readonly input: string, private readonly nodes: readonly FormatNode[]) {}

  private setInt(field: keyof TmFromChar, value: number, node: FormatNode & { type: 'action' }): void {
    const current = this.out[field] as number;
    if (current !== 0 && current !== value) {
      throw invalidFormat(`conflicting values for "${node.key.name}" field in formatting string`, { detail: 'This value contradicts a previous setting for the same field type.' });
    }
    (this.out[field] as number) = value;
  }

  /** from_char_parse_int_len: digits, fixed width unless FM or a non-digit follows. Returns characters used. */
  private parseInt(field: keyof TmFromChar | null, len: number, index: number): number {
    const node = this.nodes[index] as FormatNode & { type: 'action' };
    const init = this.at;
    while (isCSpace(this.input[this.at])) this.at++;
    const copy = this.input.slice(this.at, this.at + len);
    let value: number;
    if (node.fm || isNextSeparator(this.nodes, index)) {
      // strtol from the original position: optional white space, sign, digits.
      const m = /^[ \t\n\r\f\v]*([+-]?\d+)/.exec(this.input.slice(init));
      if (!m) {
        this.at = init;
        throw invalidFormat(`invalid value "${copy}" for "${node.key.name}"`, { detail: 'Value must be an integer.' });
      }
      value = Number(m[1]);
      this.at = init + m[0].length;
    } else {
      if (Array.from(copy).length < len && copy.length < len) {
        throw invalidFormat(`source string too short for "${node.key.name}" formatting field`, {
          detail: `Field requires ${len} characters, but only ${copy.length} remain.`, hint: 'If your source string is not fixed-width, try using the "FM" modifier.',
        });
      }
      const m = /^[ \t\n\r\f\v]*[+-]?\d+/.exec(copy);
      const used = m ? m[0].length : 0;
      if (used > 0 && used < len) {
        throw invalidFormat(`invalid value "${copy}" for "${node.key.name}"`, {
          detail: `Field requires ${len} characters, but only ${used} could be parsed.`, hint: 'If your source string is not fixed-width, try using the "FM" modifier.',
        });
      }
      value = m ? Number(m[0].trim()) : 0;
      this.at += used;
    }
    if (this.at === init) throw invalidFormat(`invalid value "${copy}" for "${node.key.name}"`, { detail: 'Value must be an integer.' });
    if (!Number.isSafeInteger(value) || value < -2147483648 || value > 2147483647) {
      throw new SqlError('22008', `value for "${node.key.name}" in source string is out of range`, { detail: 'Value must be in the range -2147483648 to 2147483647.' });
    }
    if (field) this.setInt(field, value, node);
    return this.at - init;
  }

  /** from_char_seq_search: a case-insensitive prefix match against a word list; returns its index. */
  private search(words: readonly string[], index: number): number {
    const node = this.nodes[index] as FormatNode & { type: 'action' };
    const rest = this.input.slice(this.at);
    for (let k = 0; k < words.length; k++) {
      const w = words[k]!;
      if (rest.length >= w.length && rest.slice(0, w.length).toLowerCase() === w.toLowerCase()) {
        this.at += w.length;
        return k;
      }
    }
    const copy = rest.split(/[ \t\n\r\f\v]/)[0]!;
    throw invalidFormat(`invalid value "${copy}" for "${node.key.name}"`, { detail: 'The given value did not match any of the allowed values for this field.' });
  }

  private skipTh(node: FormatNode & { type: 'action' }): void {
    if (!node.th) return;
    for (let k = 0; k < 2 && this.at < this.input.length; k++) this.at += nextChar(this.input, this.at).length;
  }

  run(): void {
    let fx = false;
    const input = this.input;
    for (let index = 0; index < this.nodes.length && this.at < input.length; index++) {
      const n = this.nodes[index]!;
      if (!fx && (n.type !== 'action' || n.key.id !== 'FX') && (n.type === 'action' || index === 0)) {
        while (this.at < input.length && isCSpace(input[this.at])) { this.at++; this.extraSkip++; }
      }
      if (n.type === 'space' || n.type === 'separator') {
        if (!fx) {
          this.extraSkip--;
          const c = input[this.at];
          if (c !== undefined && (isCSpace(c) || isSeparatorChar(c))) { this.at++; this.extraSkip++; }
        } else {
          this.at += nextChar(input, this.at).length;
        }
        continue;
      }
      if (n.type !== 'action') {
        if (!fx) {
          if (this.extraSkip > 0) this.extraSkip--;
          else this.at += nextChar(input, this.at).length;
        } else {
          this.at += nextChar(input, this.at).length;
        }
        continue;
      }
      if (n.key.mode !== 0) {
        if (this.out.mode === 0) this.out.mode = n.key.mode;
        else if (this.out.mode !== n.key.mode) {
          throw invalidFormat('invalid combination of date conventions', { hint: 'Do not mix Gregorian and ISO week date conventions in a formatting template.' });
        }
      }
      switch (n.key.id) {
        case 'FX': fx = true; break;
        case 'A_M': case 'P_M': case 'a_m': case 'p_m':
          this.setInt('pm', this.search(['a.m.', 'p.m.', 'A.M.', 'P.M.'], index) % 2, n); this.out.clock = 1; break;
        case 'AM': case 'PM': case 'am': case 'pm':
          this.setInt('pm', this.search(['am', 'pm', 'AM', 'PM'], index) % 2, n); this.out.clock = 1; break;
        case 'HH': case 'HH12': this.parseInt('hh', 2, index); this.out.clock = 1; this.skipTh(n); break;
        case 'HH24': this.parseInt('hh', 2, index); this.skipTh(n); break;
        case 'MI': this.parseInt('mi', 2, index); this.skipTh(n); break;
        case 'SS': this.parseInt('ss', 2, index); this.skipTh(n); break;
        case 'MS': {
          const len = this.parseInt('ms', 3, index);
          this.out.ms *= len === 1 ? 100 : len === 2 ? 10 : 1;
          this.skipTh(n);
          break;
        }
        case 'FF1': case 'FF2': case 'FF3': case 'FF4': case 'FF5': case 'FF6': case 'US': {
          if (n.key.id !== 'US') this.out.ff = Number(n.key.id.slice(2));
          const len = this.parseInt('us', n.key.id === 'US' ? 6 : this.out.ff, index);
          this.out.us *= [1, 100000, 10000, 1000, 100, 10][len] ?? 1;
          this.skipTh(n);
          break;
        }
        case 'SSSS': this.parseInt('ssss', n.key.name.length, index); this.skipTh(n); break;
        case 'tz': case 'TZ': case 'OF':
          throw new SqlError('0A000', `formatting field "${n.key.name}" is only supported in to_char`);
        case 'TZH': {
          const c = input[this.at];
          if (c === '+' || c === '-' || c === ' ') { this.out.tzsign = c === '-' ? -1 : 1; this.at++; }
          else this.out.tzsign = this.extraSkip > 0 && input[this.at - 1] === '-' ? -1 : 1;
          this.parseInt('tzh', 2, index);
          break;
        }
        case 'TZM':
          if (!this.out.tzsign) this.out.tzsign = 1;
          this.parseInt('tzm', 2, index);
          break;
        case 'A_D': case 'B_C': case 'a_d': case 'b_c':
          this.setInt('bc', this.search(['a.d.', 'b.c.', 'A.D.', 'B.C.'], index) % 2, n); break;
        case 'AD': case 'BC': case 'ad': case 'bc':
          this.setInt('bc', this.search(['ad', 'bc', 'AD', 'BC'], index) % 2, n); break;
        case 'MONTH': case 'Month': case 'month': this.setInt('mm', this.search(MONTHS_FULL, index) + 1, n); break;
        case 'MON': case 'Mon': case 'mon': this.setInt('mm', this.search(MONTHS, index) + 1, n); break;
        case 'MM': this.parseInt('mm', 2, index); this.skipTh(n); break;
        case 'DAY': case 'Day': case 'day': this.setInt('d', this.search(DAYS, index), n); this.out.d++; break;
        case 'DY': case 'Dy': case 'dy': this.setInt('d', this.search(DAYS_SHORT, index), n); this.out.d++; break;
        case 'DDD': this.parseInt('ddd', 3, index); this.skipTh(n); break;
        case 'IDDD': this.parseInt('ddd', 3, index); this.skipTh(n); break;
        case 'DD': this.parseInt('dd', 2, index); this.skipTh(n); break;
        case 'D': this.parseInt('d', 1, index); this.skipTh(n); break;
        case 'ID': this.parseInt('d', 1, index); if (++this.out.d > 7) this.out.d = 1; this.skipTh(n); break;
        case 'WW': case 'IW': this.parseInt('ww', 2, index); this.skipTh(n); break;
        case 'Q': this.parseInt(null, 1, index); this.skipTh(n); break;
        case 'CC': this.parseInt('cc', 2, index); this.skipTh(n); break;
        case 'Y_YYY': {
          const m = /^[ \t\n\r\f\v]*([+-]?\d+),([ \t\n\r\f\v]*[+-]?\d{1,3})/.exec(input.slice(this.at));
          if (!m) throw invalidFormat('invalid input string for "Y,YYY"');
          const years = Number(m[2]!.trim()) + Number(m[1]) * 1000;
          if (!Number.isSafeInteger(years) || Math.abs(years) > 2147483647) throw new SqlError('22008', 'value for "Y,YYY" in source string is out of range');
          this.setInt('year', years, n);
          this.out.yysz = 4;
          this.at += m[0].length;
          this.skipTh(n);
          break;
        }
        case 'YYYY': case 'IYYY': this.parseInt('year', 4, index); this.out.yysz = 4; this.skipTh(n); break;
        case 'YYY': case 'IYY': case 'YY': case 'IY': case 'Y': case 'I': {
          const size = n.key.name.length;
          const len = this.parseInt('year', size, index);
          if (len < 4) this.out.year = adjustPartialYear(this.out.year);
          this.out.yysz = size;
          this.skipTh(n);
          break;
        }
        case 'RM': case 'rm': this.setInt('mm', 12 - this.search(RM_LOWER, index), n); break;
        case 'W': this.parseInt('w', 1, index); this.skipTh(n); break;
        case 'J': this.parseInt('j', 1, index); this.skipTh(n); break;
        default: break;
      }
      if (!fx) {
        this.extraSkip = 0;
        while (this.at < input.length && isCSpace(input[this.at])) { this.at++; this.extraSkip++; }
      }
    }
  }
}

function adjustPartialYear(year: number): number {
  if (year < 70) return year + 2000;
  if (year < 100) return year + 1900;
  if (year < 520) return year + 2000;
  if (year < 1000) return year + 1000;
  return year;
}

interface ParsedDateTime { year: number; month: number; day: number; hour: number; minute: number; second: number; fsec: number; offset: number | null; ff: number }

const fieldOverflow = (text: string): SqlError => new SqlError('22008', `date/time field value out of range: "${text}"`);

/** do_to_timestamp: parse, then combine the fields into a date and time. */
function toTimestampFields(text: string, template: string): ParsedDateTime {
  const tm = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, yday: 0 };
  let fsec = 0;
  const p = new DateParser(text, template === '' ? [] : dateTemplate(template));
  if (template !== '') p.run();
  const f = p.out;
  let hasYear = false;
  let hasMonth = false;
  let hasDay = false;
  if (f.ssss) {
    let x = f.ssss;
    tm.hour = Math.trunc(x / 3600);
    x %= 3600;
    tm.minute = Math.trunc(x / 60);
    tm.second = x % 60;
  }
  if (f.ss) tm.second = f.ss;
  if (f.mi) tm.minute = f.mi;
  if (f.hh) tm.hour = f.hh;
  if (f.clock === 1) {
    if (tm.hour < 1 || tm.hour > 12) {
      throw invalidFormat(`hour "${tm.hour}" is invalid for the 12-hour clock`, { hint: 'Use the 24-hour clock, or give an hour between 1 and 12.' });
    }
    if (f.pm && tm.hour < 12) tm.hour += 12;
    else if (!f.pm && tm.hour === 12) tm.hour = 0;
  }
  if (f.year) {
    if (f.cc && f.yysz <= 2) {
      if (f.bc) f.cc = -f.cc;
      tm.year = f.year % 100;
      if (tm.year) tm.year = f.cc >= 0 ? tm.year + (f.cc - 1) * 100 : (f.cc + 1) * 100 - tm.year + 1;
      else tm.year = f.cc * 100 + (f.cc >= 0 ? 0 : 1);
    } else {
      tm.year = f.year;
      if (f.bc) tm.year = -tm.year;
      if (tm.year < 0) tm.year++;
    }
    hasYear = true;
  } else if (f.cc) {
    if (f.bc) f.cc = -f.cc;
    tm.year = f.cc >= 0 ? (f.cc - 1) * 100 + 1 : f.cc * 100 + 1;
    hasYear = true;
  }
  if (f.j) {
    [tm.year, tm.month, tm.day] = dt.j2date(f.j);
    hasYear = hasMonth = hasDay = true;
  }
  if (f.ww) {
    if (f.mode === I) {
      const jd = isoweek2j(tm.year, f.ww) + (f.d ? (f.d > 1 ? f.d - 2 : 6) : 0);
      [tm.year, tm.month, tm.day] = dt.j2date(jd);
      hasYear = hasMonth = hasDay = true;
    } else {
      f.ddd = (f.ww - 1) * 7 + 1;
    }
  }
  if (f.w) f.dd = (f.w - 1) * 7 + 1;
  if (f.dd) { tm.day = f.dd; hasDay = true; }
  if (f.mm) { tm.month = f.mm; hasMonth = true; }
  if (f.ddd && (tm.month <= 1 || tm.day <= 1)) {
    if (!tm.year && !f.bc) throw invalidFormat('cannot calculate day of year without year information');
    if (f.mode === I) {
      const j0 = isoweek2j(tm.year, 1) - 1;
      [tm.year, tm.month, tm.day] = dt.j2date(j0 + f.ddd);
      hasYear = hasMonth = hasDay = true;
    } else {
      const leap = (tm.year % 4 === 0 && tm.year % 100 !== 0) || tm.year % 400 === 0;
      const ysum = leap ? [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366] : [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
      let i = 1;
      for (; i <= 12; i++) if (f.ddd <= ysum[i]!) break;
      if (tm.month <= 1) tm.month = i;
      if (tm.day <= 1) tm.day = f.ddd - ysum[i - 1]!;
      hasMonth = hasDay = true;
    }
  }
  if (f.ms) fsec += f.ms * 1000;
  if (f.us) fsec += f.us;
  // ValidateDate with the fields that were given.
  if (hasMonth && (tm.month < 1 || tm.month > 12)) throw fieldOverflow(text);
  if (hasDay && (tm.day < 1 || tm.day > 31)) throw fieldOverflow(text);
  if (hasYear && hasMonth && hasDay && tm.day > daysInMonth(tm.year, tm.month)) throw fieldOverflow(text);
  if (tm.hour < 0 || tm.hour >= 24 || tm.minute < 0 || tm.minute >= 60 || tm.second < 0 || tm.second >= 60 || fsec < 0 || fsec >= 1_000_000) {
    throw fieldOverflow(text);
  }
  let offset: number | null = null;
  if (f.tzsign) {
    if (f.tzh < 0 || f.tzh > 15 || f.tzm < 0 || f.tzm >= 60) throw new SqlError('22009', `time zone displacement out of range: "${text}"`);
    offset = (f.tzh * 60 + f.tzm) * 60 * (f.tzsign > 0 ? 1 : -1);
  }
  return { year: tm.year, month: tm.month, day: tm.day, hour: tm.hour, minute: tm.minute, second: tm.second, fsec, offset, ff: f.ff };
}

/** IS_VALID_JULIAN (the day is not looked at). */
function validJulian(y: number, m: number): boolean {
  return (y > -4713 || (y === -4713 && m >= 11)) && (y < 5874898 || (y === 5874898 && m < 6));
}

export function toDate(text: string, template: string): number {
  const t = toTimestampFields(text, template);
  if (!validJulian(t.year, t.month)) throw new SqlError('22008', `date out of range: "${text}"`);
  const d = dt.date2j(t.year, t.month, t.day) - dt.POSTGRES_EPOCH_JDATE;
  if (d + dt.POSTGRES_EPOCH_JDATE < 0 || d + dt.POSTGRES_EPOCH_JDATE >= 2147483494) throw new SqlError('22008', `date out of range: "${text}"`);
  return d;
}

/** to_timestamp(text, template): a time without TZH/TZM is the wall clock in `zone` (the session's). */
export function toTimestamp(text: string, template: string, zone: SessionZone = UTC_ZONE): bigint {
  const t = toTimestampFields(text, template);
  const outOfRange = (): SqlError => new SqlError('22008', 'timestamp out of range');
  if (!validJulian(t.year, t.month)) throw outOfRange();
  const days = BigInt(dt.date2j(t.year, t.month, t.day) - dt.POSTGRES_EPOCH_JDATE);
  let v = days * 86_400_000_000n + BigInt(((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.fsec);
  v = t.offset !== null ? v - BigInt(t.offset) * 1_000_000n : fromLocal(zone, v);
  try {
    v = dt.checkTimestamp(v);
  } catch {
    throw outOfRange();
  }
  if (t.ff) {
    const unit = 10n ** BigInt(6 - t.ff);
    v = v >= 0n ? ((v + unit / 2n) / unit) * unit : -(((-v + unit / 2n) / unit) * unit);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Number templates

interface NumDesc {
  pre: number; post: number; lsign: number; flag: number; preLsignNum: number; multi: number; zeroStart: number; zeroEnd: number;
}

const F_DECIMAL = 1 << 1, F_LDECIMAL = 1 << 2, F_ZERO = 1 << 3, F_BLANK = 1 << 4, F_FILLMODE = 1 << 5, F_LSIGN = 1 << 6,
  F_BRACKET = 1 << 7, F_MINUS = 1 << 8, F_PLUS = 1 << 9, F_ROMAN = 1 << 10, F_MULTI = 1 << 11, F_PLUS_POST = 1 << 12,
  F_MINUS_POST = 1 << 13, F_EEEE = 1 << 14;
const LSIGN_PRE = -1, LSIGN_POST = 1, LSIGN_NONE = 0;

const syntax = (message: string, detail?: string): SqlError => new SqlError('42601', message, detail ? { detail } : {});

function prepareNum(d: NumDesc, id: string): void {
  const has = (f: number): boolean => (d.flag & f) !== 0;
  if (has(F_EEEE) && id !== 'E') throw syntax('"EEEE" must be the last pattern used');
  switch (id) {
    case '9':
      if (has(F_BRACKET)) throw syntax('"9" must be ahead of "PR"');
      if (has(F_MULTI)) { d.multi++; break; }
      if (has(F_DECIMAL)) d.post++; else d.pre++;
      break;
    case '0':
      if (has(F_BRACKET)) throw syntax('"0" must be ahead of "PR"');
      if (!has(F_ZERO) && !has(F_DECIMAL)) { d.flag |= F_ZERO; d.zeroStart = d.pre + 1; }
      if (!has(F_DECIMAL)) d.pre++; else d.post++;
      d.zeroEnd = d.pre + d.post;
      break;
    case 'B':
      if (d.pre === 0 && d.post === 0 && !has(F_ZERO)) d.flag |= F_BLANK;
      break;
    case 'D':
    case 'DEC':
      if (id === 'D') d.flag |= F_LDECIMAL;
      if (has(F_DECIMAL)) throw syntax('multiple decimal points');
      if (has(F_MULTI)) throw syntax('cannot use "V" and decimal point together');
      d.flag |= F_DECIMAL;
      break;
    case 'FM': d.flag |= F_FILLMODE; break;
    case 'S':
      if (has(F_LSIGN)) throw syntax('cannot use "S" twice');
      if (has(F_PLUS) || has(F_MINUS) || has(F_BRACKET)) throw syntax('cannot use "S" and "PL"/"MI"/"SG"/"PR" together');
      if (!has(F_DECIMAL)) { d.lsign = LSIGN_PRE; d.preLsignNum = d.pre; d.flag |= F_LSIGN; }
      else if (d.lsign === LSIGN_NONE) { d.lsign = LSIGN_POST; d.flag |= F_LSIGN; }
      break;
    case 'MI':
      if (has(F_LSIGN)) throw syntax('cannot use "S" and "MI" together');
      d.flag |= F_MINUS;
      if (has(F_DECIMAL)) d.flag |= F_MINUS_POST;
      break;
    case 'PL':
      if (has(F_LSIGN)) throw syntax('cannot use "S" and "PL" together');
      d.flag |= F_PLUS;
      if (has(F_DECIMAL)) d.flag |= F_PLUS_POST;
      break;
    case 'SG':
      if (has(F_LSIGN)) throw syntax('cannot use "S" and "SG" together');
      d.flag |= F_MINUS | F_PLUS;
      break;
    case 'PR':
      if (has(F_LSIGN) || has(F_PLUS) || has(F_MINUS)) throw syntax('cannot use "PR" and "S"/"PL"/"MI"/"SG" together');
      d.flag |= F_BRACKET;
      break;
    case 'RN': case 'rn': d.flag |= F_ROMAN; break;
    case 'V':
      if (has(F_DECIMAL)) throw syntax('cannot use "V" and decimal point together');
      d.flag |= F_MULTI;
      break;
    case 'E':
      if (has(F_EEEE)) throw syntax('cannot use "EEEE" twice');
      if (has(F_BLANK) || has(F_FILLMODE) || has(F_LSIGN) || has(F_BRACKET) || has(F_MINUS) || has(F_PLUS) || has(F_ROMAN) || has(F_MULTI)) {
        throw syntax('"EEEE" is incompatible with other formats', '"EEEE" may only be used together with digit and decimal point patterns.');
      }
      d.flag |= F_EEEE;
      break;
    default: break;
  }
}

type NumNode = { readonly type: 'action'; readonly id: string } | { readonly type: 'char'; readonly text: string };

function parseNumTemplate(template: string): { nodes: NumNode[]; desc: NumDesc } {
  const desc: NumDesc = { pre: 0, post: 0, lsign: 0, flag: 0, preLsignNum: 0, multi: 0, zeroStart: 0, zeroEnd: 0 };
  const nodes: NumNode[] = [];
  let at = 0;
  while (at < template.length) {
    const key = keywordAt(template, at, NUM_KEYWORDS);
    if (key) {
      at += key.name.length;
      prepareNum(desc, key.id);
      nodes.push({ type: 'action', id: key.id });
      continue;
    }
    if (template[at] === '"') {
      at = quotedText(template, at, (text) => nodes.push({ type: 'char', text }));
      continue;
    }
    if (template[at] === '\\' && template[at + 1] === '"') at++;
    const c = nextChar(template, at);
    nodes.push({ type: 'char', text: c });
    at += c.length;
  }
  return { nodes, desc };
}

const ROMAN = [['', 'I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX'], ['', 'X', 'XX', 'XXX', 'XL', 'L', 'LX', 'LXX', 'LXXX', 'XC'],
  ['', 'C', 'CC', 'CCC', 'CD', 'D', 'DC', 'DCC', 'DCCC', 'CM'], ['', 'M', 'MM', 'MMM']];

function intToRoman(n: number): string {
  if (n > 3999 || n < 1) return '#'.repeat(15);
  const digits = String(n).split('').reverse();
  return digits.map((d, k) => ROMAN[k]![Number(d)]!).reverse().join('');
}

/** The last significant digit after the decimal point (its index), or the point's index; -1 without a point. */
function lastRelevantDecimal(number: string): number {
  const point = number.indexOf('.');
  if (point < 0) return -1;
  let result = point;
  for (let k = point + 1; k < number.length; k++) if (number[k] !== '0') result = k;
  return result;
}

/** NUM_processor for to_char: lays the digits of `number` (no sign) out along the template. */
function numToChar(nodes: readonly NumNode[], desc: NumDesc, number: string, outPreSpaces: number, sign: string): string {
  const d = { ...desc };
  const has = (f: number): boolean => (d.flag & f) !== 0;
  if (d.zeroStart) d.zeroStart--;
  if (has(F_EEEE)) return number;
  let numberText = number;
  let preSpaces = outPreSpaces;
  let signChar = sign;
  if (has(F_ROMAN)) {
    d.lsign = d.preLsignNum = d.post = d.pre = 0;
    preSpaces = 0;
    signChar = '';
    d.flag = (has(F_FILLMODE) ? F_FILLMODE : 0) | F_ROMAN;
  }
  let signWrote: boolean;
  if (has(F_PLUS) || has(F_MINUS)) {
    signWrote = !(has(F_PLUS) && !has(F_MINUS));
  } else {
    if (signChar !== '-' && has(F_FILLMODE)) d.flag &= ~F_BRACKET;
    signWrote = signChar === '+' && has(F_FILLMODE) && !has(F_LSIGN);
    if (d.lsign === LSIGN_PRE && d.pre === d.preLsignNum) d.lsign = LSIGN_POST;
  }
  let numCount = d.post + d.pre - 1;
  let lastRelevant = -1;
  if (has(F_FILLMODE) && has(F_DECIMAL)) {
    lastRelevant = lastRelevantDecimal(numberText);
    if (lastRelevant >= 0 && d.zeroEnd > preSpaces) {
      const lastZero = Math.min(numberText.length - 1, d.zeroEnd - preSpaces);
      if (lastRelevant < lastZero) lastRelevant = lastZero;
    }
  }
  if (!signWrote && preSpaces === 0) numCount++;

  let out = '';
  // formatting.c builds a C string: writing a NUL (a digit past the end of the number, or SG
  // without a sign in RN mode) ends the result there, whatever is written after it.
  let end0 = -1;
  const nul = (): void => { if (end0 < 0) end0 = out.length; };
  let numberP = 0;
  let numIn = false;
  let numCurr = 0;
  const at = (k: number): string => numberText[k] ?? '';
  const isPredecSpace = (): boolean => !has(F_ZERO) && numberP === 0 && at(0) === '0' && d.post !== 0;

  const numpart = (id: string): void => {
    if (has(F_ROMAN)) return;
    numIn = false;
    if (!signWrote && (numCurr >= preSpaces || (has(F_ZERO) && d.zeroStart === numCurr))
      && (!isPredecSpace() || (lastRelevant >= 0 && at(lastRelevant) === '.'))) {
      if (has(F_LSIGN)) {
        if (d.lsign === LSIGN_PRE) { out += signChar === '-' ? '-' : '+'; signWrote = true; }
      } else if (has(F_BRACKET)) {
        out += signChar === '+' ? ' ' : '<';
        signWrote = true;
      } else if (signChar === '+') {
        if (!has(F_FILLMODE)) out += ' ';
        signWrote = true;
      } else if (signChar === '-') {
        out += '-';
        signWrote = true;
      }
    }
    if (id === '9' || id === '0' || id === 'D' || id === 'DEC') {
      if (numCurr < preSpaces && (d.zeroStart > numCurr || !has(F_ZERO))) {
        if (!has(F_FILLMODE)) out += ' ';
      } else if (has(F_ZERO) && numCurr < preSpaces && d.zeroStart <= numCurr) {
        out += '0';
        numIn = true;
      } else {
        if (at(numberP) === '.') {
          if (lastRelevant < 0 || at(lastRelevant) !== '.') out += '.';
          else if (has(F_FILLMODE) && lastRelevant >= 0 && at(lastRelevant) === '.') out += '.';
        } else if (lastRelevant >= 0 && numberP > lastRelevant && id !== '0') {
          // trailing zeros dropped by FM
        } else if (isPredecSpace()) {
          if (!has(F_FILLMODE)) out += ' ';
          else if (lastRelevant >= 0 && at(lastRelevant) === '.') out += '0';
        } else {
          if (numberP >= numberText.length) nul(); else out += at(numberP);
          numIn = true;
        }
        if (numberP < numberText.length) numberP++;
      }
      let end = numCount + (preSpaces ? 1 : 0) + (has(F_DECIMAL) ? 1 : 0);
      if (lastRelevant >= 0 && lastRelevant === numberP) end = numCurr;
      if (numCurr + 1 === end) {
        if (signWrote && has(F_BRACKET)) out += signChar === '+' ? ' ' : '>';
        else if (has(F_LSIGN) && d.lsign === LSIGN_POST) out += signChar === '-' ? '-' : '+';
      }
    }
    numCurr++;
  };

  for (const n of nodes) {
    if (n.type === 'char') { out += n.text; continue; }
    switch (n.id) {
      case '9': case '0': case 'DEC': case 'D': numpart(n.id); break;
      case 'COMMA': case 'G':
        if (!numIn) { if (!has(F_FILLMODE)) out += ' '; } else out += ',';
        break;
      case 'L': out += ' '; break;
      case 'RN': out += has(F_FILLMODE) ? numberText.slice(numberP) : numberText.slice(numberP).padStart(15, ' '); break;
      case 'rn': {
        const r = numberText.slice(numberP).toLowerCase();
        out += has(F_FILLMODE) ? r : r.padStart(15, ' ');
        break;
      }
      case 'th': case 'TH':
        if (has(F_ROMAN) || at(0) === '#' || signChar === '-' || has(F_DECIMAL)) break;
        out += ordinalSuffix(numberText, n.id === 'TH');
        break;
      case 'MI':
        if (signChar === '-') out += '-'; else if (!has(F_FILLMODE)) out += ' ';
        break;
      case 'PL':
        if (signChar === '+') out += '+'; else if (!has(F_FILLMODE)) out += ' ';
        break;
      case 'SG': if (signChar) out += signChar; else nul(); break;
      default: break;
    }
  }
  return end0 >= 0 ? out.slice(0, end0) : out;
}

const numCache = new Map<string, { nodes: NumNode[]; desc: NumDesc }>();

function numTemplate(template: string): { nodes: NumNode[]; desc: NumDesc } {
  let t = numCache.get(template);
  if (!t) {
    t = parseNumTemplate(template);
    if (numCache.size >= 256) numCache.delete(numCache.keys().next().value!);
    numCache.set(template, t);
  }
  return t;
}

/** Fills "###.##" for a number too wide for the template. */
function overflowDigits(desc: { pre: number; post: number }): string {
  return '#'.repeat(desc.pre) + '.' + '#'.repeat(desc.post);
}

/** Splits off the sign and pads to the template's digits before the point, as every to_char(number) does. */
function layout(text: string, desc: NumDesc): { number: string; sign: string; preSpaces: number } {
  const sign = text[0] === '-' ? '-' : '+';
  const number = sign === '-' ? text.slice(1) : text;
  const point = number.indexOf('.');
  const preLength = point >= 0 ? point : number.length;
  if (preLength < desc.pre) return { number, sign, preSpaces: desc.pre - preLength };
  if (preLength > desc.pre) return { number: overflowDigits(desc), sign, preSpaces: 0 };
  return { number, sign, preSpaces: 0 };
}

// ---- exact float printing (C's %.Nf and %.Ne, round-half-even on the binary value) ----

function floatParts(v: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(v));
  const bits = view.getBigUint64(0);
  const e = Number((bits >> 52n) & 0x7ffn);
  const m = bits & 0xfffffffffffffn;
  return e === 0 ? { mantissa: m, exponent: -1074 } : { mantissa: m | 0x10000000000000n, exponent: e - 1075 };
}

/** round(|v| × 10^digits) to an integer, ties to even. */
function scaledRound(v: number, digits: number): bigint {
  const { mantissa, exponent } = floatParts(v);
  let n = mantissa * (digits >= 0 ? 10n ** BigInt(digits) : 1n);
  let d = digits < 0 ? 10n ** BigInt(-digits) : 1n;
  if (exponent >= 0) n <<= BigInt(exponent); else d <<= BigInt(-exponent);
  const q = n / d;
  const r = n - q * d;
  if (r * 2n > d || (r * 2n === d && q % 2n === 1n)) return q + 1n;
  return q;
}

/** C's printf("%.*f") through PostgreSQL's snprintf (NaN and Infinity spelled out). */
export function printFixed(v: number, digits: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  const q = scaledRound(v, digits).toString().padStart(digits + 1, '0');
  const body = digits > 0 ? `${q.slice(0, q.length - digits)}.${q.slice(q.length - digits)}` : q;
  return (v < 0 || Object.is(v, -0) ? '-' : '') + body;
}

/** printf("%+.*e"). */
function printExponent(v: number, digits: number): string {
  const sign = v < 0 || Object.is(v, -0) ? '-' : '+';
  if (v === 0) return `${sign}${digits > 0 ? '0.' + '0'.repeat(digits) : '0'}e+00`;
  let exponent = Math.floor(Math.log10(Math.abs(v)));
  let q = scaledRound(v, digits - exponent);
  const limit = 10n ** BigInt(digits + 1);
  if (q >= limit) { exponent++; q = scaledRound(v, digits - exponent); }
  else if (q < limit / 10n) { exponent--; q = scaledRound(v, digits - exponent); }
  const s = q.toString();
  const mantissa = digits > 0 ? `${s[0]}.${s.slice(1)}` : s;
  return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/** numeric_out_sci: the significand rounded to `scale` digits, then e±NN. */
function numericSci(v: NumericValue, scale: number): string {
  if (v.special) return v.special;
  if (v.coefficient === 0n) return `${scale > 0 ? '0.' + '0'.repeat(scale) : '0'}e+00`;
  const negative = v.coefficient < 0n;
  const digits = (negative ? -v.coefficient : v.coefficient).toString();
  // value = 0.digits × 10^(len - scale); the leading digit's power of ten:
  const exponent = digits.length - v.scale - 1;
  const significand = num.rescale({ coefficient: negative ? -v.coefficient : v.coefficient, scale: v.scale + exponent }, scale);
  const text = num.formatNumeric(significand);
  return `${negative ? '-' : ''}${text}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

function sciLayout(text: string, desc: NumDesc, special: boolean): string {
  if (special) {
    const filled = ('#'.repeat(desc.pre + desc.post + 6)).split('');
    filled[0] = ' ';
    filled[desc.pre + 1] = '.';
    return filled.join('');
  }
  return text.startsWith('-') ? text : ' ' + text.replace(/^\+/, '');
}

export function numericToChar(v: NumericValue, template: string): string {
  if (template === '') return '';
  const { nodes, desc } = numTemplate(template);
  const d = { ...desc };
  if (d.flag & F_ROMAN) {
    const rounded = num.numericRound(v, 0);
    if (rounded.special) throw new SqlError('0A000', `cannot convert ${rounded.special === 'NaN' ? 'NaN' : 'infinity'} to integer`);
    const i = Number(rounded.coefficient);
    if (i > 2147483647 || i < -2147483648) throw new SqlError('22003', 'integer out of range');
    return numToChar(nodes, d, intToRoman(i), 0, '');
  }
  if (d.flag & F_EEEE) return numToChar(nodes, d, sciLayout(numericSci(v, d.post), d, v.special !== undefined), 0, '');
  let value = v;
  if (d.flag & F_MULTI) {
    value = num.numericMul(v, num.numericFromBigint(10n ** BigInt(d.multi)));
    d.pre += d.multi;
  }
  const text = num.formatNumeric(num.numericRound(value, d.post));
  const { number, sign, preSpaces } = layout(text, d);
  return numToChar(nodes, d, number, preSpaces, sign);
}

export function integerToChar(v: bigint, template: string, bits: 32 | 64): string {
  if (template === '') return '';
  const { nodes, desc } = numTemplate(template);
  const d = { ...desc };
  if (d.flag & F_ROMAN) {
    if (v > 2147483647n || v < -2147483648n) throw new SqlError('22003', 'integer out of range');
    return numToChar(nodes, d, intToRoman(Number(v)), 0, '');
  }
  if (d.flag & F_EEEE) {
    const text = bits === 32 ? printExponent(Number(v), d.post) : numericSci(num.numericFromBigint(v), d.post);
    return numToChar(nodes, d, sciLayout(text, d, false), 0, '');
  }
  let value = v;
  if (d.flag & F_MULTI) {
    value = v * 10n ** BigInt(d.multi);
    const [lo, hi] = bits === 32 ? [-2147483648n, 2147483647n] : [-(2n ** 63n), 2n ** 63n - 1n];
    if (value < lo || value > hi) {
      if (bits === 64) throw new SqlError('22003', 'bigint out of range');
      value = BigInt.asIntN(32, value); // int4 multiplication wraps in to_char
    }
    d.pre += d.multi;
  }
  let text = value.toString();
  const negative = text.startsWith('-');
  if (negative) text = text.slice(1);
  const preLength = text.length;
  if (d.post) text = `${text}.${'0'.repeat(d.post)}`;
  let preSpaces = 0;
  if (preLength < d.pre) preSpaces = d.pre - preLength;
  else if (preLength > d.pre) text = overflowDigits(d);
  return numToChar(nodes, d, text, preSpaces, negative ? '-' : '+');
}

export function floatToChar(v: number, template: string, float4: boolean): string {
  if (template === '') return '';
  const { nodes, desc } = numTemplate(template);
  const d = { ...desc };
  if (d.flag & F_ROMAN) {
    const r = Math.round(v) - (Math.abs(v % 1) === 0.5 && Math.round(v) % 2 !== 0 ? 1 : 0);
    const i = Number.isFinite(r) && r >= -2147483648 && r <= 2147483647 ? r : 2147483647;
    return numToChar(nodes, d, intToRoman(i), 0, '');
  }
  if (d.flag & F_EEEE) {
    const special = !Number.isFinite(v);
    return numToChar(nodes, d, sciLayout(special ? '' : printExponent(v, d.post), d, special), 0, '');
  }
  let value = v;
  if (d.flag & F_MULTI) {
    value = v * 10 ** d.multi;
    if (float4) value = Math.fround(value);
    d.pre += d.multi;
  }
  const digitsLimit = float4 ? 6 : 15;
  const preLength0 = printFixed(Math.abs(value), 0).length;
  if (preLength0 >= digitsLimit) d.post = 0;
  else if (preLength0 + d.post > digitsLimit) d.post = digitsLimit - preLength0;
  const text = printFixed(value, d.post);
  const { number, sign, preSpaces } = layout(text, d);
  return numToChar(nodes, d, number, preSpaces, sign);
}

// ---------------------------------------------------------------------------------------------
// to_number

/** NUM_processor in reading mode: collects sign, digits and point from `input` along the template. */
export function toNumber(input: string, template: string): NumericValue | null {
  if (template === '') return null;
  const { nodes, desc } = numTemplate(template);
  const d = { ...desc };
  const has = (f: number): boolean => (d.flag & f) !== 0;
  if (d.zeroStart) d.zeroStart--;
  if (has(F_EEEE)) throw new SqlError('0A000', '"EEEE" not supported for input');
  if (has(F_ROMAN)) throw new SqlError('0A000', '"RN" not supported for input');
  const chars = Array.from(input);
  let p = 0;
  let signChar = ' ';
  let digits = '';
  let readDec = false;
  let readPre = 0;
  let readPost = 0;
  const overload = (): boolean => p >= chars.length;
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
  const eatNonData = (n: number): void => {
    for (let k = 0; k < n; k++) {
      if (overload() || '0123456789.,+-'.includes(chars[p]!)) break;
      p++;
    }
  };

  const numpart = (id: string): void => {
    let isread = false;
    if (overload()) return;
    if (chars[p] === ' ') p++;
    if (overload()) return;
    if (signChar === ' ' && (id === '0' || id === '9') && readPre + readPost === 0) {
      if (has(F_LSIGN) && d.lsign === LSIGN_PRE) {
        if (chars[p] === '-') { p++; signChar = '-'; }
        else if (chars[p] === '+') { p++; signChar = '+'; }
      } else if (chars[p] === '-' || (has(F_BRACKET) && chars[p] === '<')) {
        signChar = '-';
        p++;
      } else if (chars[p] === '+') {
        signChar = '+';
        p++;
      }
    }
    if (overload()) return;
    if (isDigit(chars[p])) {
      if (readDec && readPost === d.post) return;
      digits += chars[p];
      if (readDec) readPost++; else readPre++;
      isread = true;
    } else if (has(F_DECIMAL) && !readDec) {
      if (chars[p] === '.') {
        digits += '.';
        readDec = true;
        isread = true;
      }
    }
    if (overload()) return;
    if (signChar === ' ' && readPre + readPost > 0) {
      if (has(F_LSIGN) && isread && p + 1 < chars.length && !isDigit(chars[p + 1])) {
        const saved = p;
        p++;
        if (chars[p] === '-') signChar = '-';
        else if (chars[p] === '+') signChar = '+';
        if (signChar === ' ') p = saved;
      } else if (!isread && !has(F_LSIGN) && (has(F_PLUS) || has(F_MINUS))) {
        if (chars[p] === '-' || chars[p] === '+') signChar = chars[p]!;
      }
    }
  };

  for (const n of nodes) {
    if (overload()) break;
    if (n.type === 'char') { p++; continue; }
    let advance = true;
    switch (n.id) {
      case '9': case '0': case 'DEC': case 'D': numpart(n.id); break;
      case 'COMMA': case 'G':
        // Reading never marks being "inside the number", so with FM a separator reads nothing.
        if (has(F_FILLMODE) || chars[p] !== ',') advance = false;
        break;
      case 'L': eatNonData(1); advance = false; break;
      case 'th': case 'TH':
        if (has(F_ROMAN) || has(F_DECIMAL)) { advance = false; break; }
        eatNonData(2);
        advance = false;
        break;
      case 'MI':
        if (chars[p] === '-') signChar = '-'; else { eatNonData(1); advance = false; }
        break;
      case 'PL':
        if (chars[p] === '+') signChar = '+'; else { eatNonData(1); advance = false; }
        break;
      case 'SG':
        if (chars[p] === '-') signChar = '-';
        else if (chars[p] === '+') signChar = '+';
        else { eatNonData(1); advance = false; }
        break;
      default: advance = false; break;
    }
    if (advance) p++;
  }
  // numeric_in on the sign slot and the digits, under numeric(pre + multi + read decimals, read decimals).
  const text = signChar + (digits.endsWith('.') ? digits.slice(0, -1) : digits);
  const scale = readPost;
  let value = num.applyNumericTypmod(num.parseNumeric(text), num.numericTypmod(d.pre + d.multi + scale, scale));
  if (has(F_MULTI)) value = num.numericMul(value, numericPower(num.numericFromBigint(10n), num.numericFromBigint(BigInt(-d.multi))));
  return value;
}

/** A double-quoted literal of a template from `at` (the opening quote): each character to `push`; returns where it ends. */
function quotedText(template: string, at: number, push: (text: string) => void): number {
  at++;
  while (at < template.length) {
    if (template[at] === '"') return at + 1;
    if (template[at] === '\\' && at + 1 < template.length) at++;
    const c = nextChar(template, at);
    push(c);
    at += c.length;
  }
  return at;
}
