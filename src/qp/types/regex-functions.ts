import { SqlError } from '../../contracts/errors.js';
import {
  allMatches, codePoints, compileRegex, offsetOfChar, parseRegexFlags, regexTest, search, type Match, type Regex, type RegexFlags,
} from './regex.js';

/**
 * The SQL functions over regular expressions (regexp.c and varlena.c): regexp_match,
 * regexp_replace, regexp_split_to_array, regexp_count, regexp_instr, regexp_substr,
 * regexp_like, substring(… from pattern), and the SIMILAR TO translation similar_to_escape.
 * Positions and counts are in characters; arrays are returned as element lists.
 */

function invalidParameter(name: string, value: number): SqlError {
  return new SqlError('22023', `invalid value for parameter "${name}": ${value}`);
}

function compile(pattern: string, flags: string | null, fn: string | null): { re: Regex; flags: RegexFlags } {
  const parsed = parseRegexFlags(flags, fn);
  return { re: compileRegex(pattern, parsed), flags: parsed };
}

const slice = (text: string, span: readonly [number, number] | null): string | null => (span ? text.slice(span[0], span[1]) : null);

/** The `~` family: does the pattern match anywhere in the text. */
export function regexMatches(text: string, pattern: string, caseInsensitive: boolean): boolean {
  return regexTest(compileRegex(pattern, parseRegexFlags(caseInsensitive ? 'i' : null, null)), text);
}

export function regexpLike(text: string, pattern: string, flags: string | null): boolean {
  return regexTest(compile(pattern, flags, 'regexp_like').re, text);
}

/** Functions that report subexpressions refuse patterns whose subexpressions JavaScript could report differently. */
function checkCaptures(re: Regex): void {
  if (re.captureRisk) throw new SqlError('0A000', `regular expression subexpressions are not supported here: ${re.captureRisk}`);
}

/** The captured subexpressions of a match, or the whole match when the pattern has none. */
function matchElements(re: Regex, text: string, m: Match): Array<string | null> {
  if (re.groups === 0) return [text.slice(m.start, m.end)];
  checkCaptures(re);
  return m.groups.map((g) => slice(text, g));
}

export function regexpMatch(text: string, pattern: string, flags: string | null): Array<string | null> | null {
  const { re } = compile(pattern, flags, 'regexp_match');
  const m = search(re, text, 0);
  return m ? matchElements(re, text, m) : null;
}

/** regexp_matches: every row it would return (a set-returning function). */
export function regexpMatchesRows(text: string, pattern: string, flags: string | null): Array<Array<string | null>> {
  const { re, flags: parsed } = compile(pattern, flags, null);
  return allMatches(re, text, 0, parsed.global).map((m) => matchElements(re, text, m));
}

/** regexp_split_to_array / regexp_split_to_table: zero-length matches at either end or right after a match do not split. */
export function regexpSplit(text: string, pattern: string, flags: string | null, fn: string): string[] {
  const { re } = compile(pattern, flags, fn);
  const out: string[] = [];
  let previousEnd = 0;
  let pieceStart = 0;
  let at = 0;
  while (at <= text.length) {
    const m = search(re, text, at);
    if (!m) break;
    if (m.start < text.length && m.end > previousEnd) {
      out.push(text.slice(pieceStart, m.start));
      pieceStart = m.end;
    }
    previousEnd = m.end;
    at = m.start === m.end ? m.end + (text.codePointAt(m.end)! > 0xffff ? 2 : 1) : m.end;
  }
  out.push(text.slice(pieceStart));
  return out;
}

/** The replacement text with \1..\9, \& and \\ substituted (anything else after a backslash stays). */
function substitute(replacement: string, text: string, m: Match): string {
  if (!replacement.includes('\\')) return replacement;
  let out = '';
  for (let k = 0; k < replacement.length; k++) {
    const c = replacement[k]!;
    if (c !== '\\') { out += c; continue; }
    const next = replacement[k + 1];
    if (next === undefined) { out += '\\'; break; }
    if (next >= '1' && next <= '9') { out += slice(text, m.groups[Number(next) - 1] ?? null) ?? ''; k++; }
    else if (next === '&') { out += text.slice(m.start, m.end); k++; }
    else if (next === '\\') { out += '\\'; k++; }
    else out += '\\';
  }
  return out;
}

/**
 * regexp_replace(source, pattern, replacement [, start [, n]] [, flags]): n = 0 replaces every
 * match from `start` on, n > 0 only the n-th; without start/n, flag g replaces all.
 */
export function regexpReplace(text: string, pattern: string, replacement: string, start: number, n: number | null, flags: string | null): string {
  if (start <= 0) throw invalidParameter('start', start);
  if (n !== null && n < 0) throw invalidParameter('n', n);
  const { re, flags: parsed } = compile(pattern, flags, null);
  if (/\\[1-9]/.test(replacement)) checkCaptures(re);
  const every = n === null ? parsed.global : n === 0;
  const wanted = n === null || n === 0 ? 1 : n;
  let out = '';
  let copied = 0;
  let count = 0;
  let at = offsetOfChar(text, start - 1);
  while (at <= text.length) {
    const m = search(re, text, at);
    if (!m) break;
    count++;
    if (every || count === wanted) {
      out += text.slice(copied, m.start) + substitute(replacement, text, m);
      copied = m.end;
      if (!every) break;
    }
    at = m.start === m.end ? m.end + (text.codePointAt(m.end)! > 0xffff ? 2 : 1) : m.end;
  }
  return out + text.slice(copied);
}

function matchesFrom(text: string, pattern: string, start: number, flags: string | null, fn: string): { re: Regex; matches: Match[] } {
  if (start <= 0) throw invalidParameter('start', start);
  const { re } = compile(pattern, flags, fn);
  const from = offsetOfChar(text, start - 1);
  if (from > text.length) return { re, matches: [] };
  return { re, matches: allMatches(re, text, from, true) };
}

export function regexpCount(text: string, pattern: string, start: number, flags: string | null): number {
  return matchesFrom(text, pattern, start, flags, 'regexp_count').matches.length;
}

export function regexpInstr(text: string, pattern: string, start: number, n: number, endOption: number, flags: string | null, subexpr: number): number {
  if (start <= 0) throw invalidParameter('start', start);
  if (n <= 0) throw invalidParameter('n', n);
  if (endOption !== 0 && endOption !== 1) throw invalidParameter('endoption', endOption);
  if (subexpr < 0) throw invalidParameter('subexpr', subexpr);
  const { re, matches } = matchesFrom(text, pattern, start, flags, 'regexp_instr');
  const m = matches[n - 1];
  if (!m || subexpr > re.groups) return 0;
  if (subexpr > 0) checkCaptures(re);
  const span = subexpr === 0 ? [m.start, m.end] as const : m.groups[subexpr - 1];
  if (!span) return 0;
  return codePoints(text, endOption === 1 ? span[1] : span[0]) + 1;
}

export function regexpSubstr(text: string, pattern: string, start: number, n: number, flags: string | null, subexpr: number): string | null {
  if (start <= 0) throw invalidParameter('start', start);
  if (n <= 0) throw invalidParameter('n', n);
  if (subexpr < 0) throw invalidParameter('subexpr', subexpr);
  const { re, matches } = matchesFrom(text, pattern, start, flags, 'regexp_substr');
  const m = matches[n - 1];
  if (!m || subexpr > re.groups) return null;
  if (subexpr > 0) checkCaptures(re);
  return subexpr === 0 ? text.slice(m.start, m.end) : slice(text, m.groups[subexpr - 1]!);
}

/** substring(text from pattern): the first parenthesized subexpression's match, else the whole match. */
export function substringRegex(text: string, pattern: string): string | null {
  const re = compileRegex(pattern);
  const m = search(re, text, 0);
  if (!m) return null;
  if (re.groups > 0) checkCaptures(re);
  return re.groups > 0 ? slice(text, m.groups[0]!) : text.slice(m.start, m.end);
}

/**
 * similar_to_escape: a SIMILAR TO pattern as an ARE, `^(?:…)$`, with % and _ as .* and .,
 * ( as (?:, and escape-double-quote separators splitting it into three parts for substring.
 * `escape` null is the default backslash, '' none.
 */
export function similarToEscape(pattern: string, escape: string | null): string {
  const chars = escape === null ? ['\\'] : Array.from(escape);
  if (chars.length > 1) throw new SqlError('22025', 'invalid escape string', { hint: 'Escape string must be empty or one character.' });
  const e = chars[0] ?? null;
  let out = '^(?:';
  let afterEscape = false;
  let quotes = 0;
  let bracketDepth = 0;
  let classPosition = 0;
  for (const c of pattern) {
    if (afterEscape) {
      if (c === '"' && bracketDepth < 1) {
        if (quotes === 0) out += '){1,1}?(';
        else if (quotes === 1) out += '){1,1}(?:';
        else throw new SqlError('2200C', 'SQL regular expression may not contain more than two escape-double-quote separators');
        quotes++;
      } else {
        out += '\\' + c;
        classPosition = 3;
      }
      afterEscape = false;
    } else if (e !== null && c === e) {
      afterEscape = true;
    } else if (bracketDepth > 0) {
      if (c === '\\') out += '\\';
      out += c;
      if (c === ']' && classPosition > 2) bracketDepth--;
      else if (c === '[') { bracketDepth++; classPosition = 3; }
      else if (c === '^') classPosition++;
      else classPosition = 3;
    } else if (c === '[') {
      out += c;
      bracketDepth = 1;
      classPosition = 1;
    } else if (c === '%') out += '.*';
    else if (c === '_') out += '.';
    else if (c === '(') out += '(?:';
    else if (c === '\\' || c === '.' || c === '^' || c === '$') out += '\\' + c;
    else out += c;
  }
  return out + ')$';
}
