import { SqlError } from '../../contracts/errors.js';
import { Nfa, type NfaNode } from './regex-nfa.js';

/**
 * PostgreSQL's regular expressions (Spencer's ARE, as regcomp.c parses them), translated to
 * JavaScript RegExp, with PostgreSQL's matching rules on top:
 *
 *  - Character classes, \w \d \s, word boundaries and case-insensitivity are ASCII-only, as in
 *    the "C" collation PostgreSQL runs with here (é is not \w, É ~* é is false).
 *  - The overall match is the leftmost one and, at that position, the longest (or the
 *    shortest when the RE is non-greedy by PostgreSQL's rules: the first quantifier with a
 *    greediness decides, alternation is greedy). JavaScript picks the first match by
 *    backtracking priority instead, so a match whose length could differ is re-checked with
 *    a length constraint (see `search`). Within that overall match, subexpressions take
 *    JavaScript's priority order, which agrees with PostgreSQL's (earlier subexpressions first,
 *    each greedy or not) except in unusual mixes of alternation and quantifiers.
 *  - Newline sensitivity (flags n, p, w, s) is translated explicitly; parentheses inside
 *    lookaround constraints do not capture.
 *
 *  - Patterns backtracking could take exponential time on (a repeated group with choices
 *    inside, such as (a+)+) run on a linear-time NFA (regex-nfa.ts) instead, which gives the
 *    match and its extent but no subexpressions.
 *
 * Refused with 0A000 rather than answered differently: the basic and extended flavors (flags
 * b and e), back references to a subexpression that may not take part in the match (JavaScript
 * would match them as empty), case-insensitive back references, and, in the functions that
 * return subexpressions, the patterns whose subexpressions JavaScript could report differently
 * (see captureRisk) or that run on the NFA.
 */

export interface RegexFlags {
  /** i: ASCII letters match either case. */
  readonly caseInsensitive: boolean;
  /** Newline-sensitive `.` and `[^...]` (flags n/m and p). */
  readonly newlineStop: boolean;
  /** `^` and `$` also match at newlines (flags n/m and w). */
  readonly newlineAnchor: boolean;
  /** x: white space and #-comments in the pattern are ignored. */
  readonly expanded: boolean;
  /** q: the whole pattern is a literal string. */
  readonly literal: boolean;
  /** g, for the functions that accept it. */
  readonly global: boolean;
}

export const DEFAULT_FLAGS: RegexFlags = {
  caseInsensitive: false, newlineStop: false, newlineAnchor: false, expanded: false, literal: false, global: false,
};

function invalidRegex(message: string): SqlError {
  return new SqlError('2201B', `invalid regular expression: ${message}`);
}

function notSupported(message: string): SqlError {
  return new SqlError('0A000', message);
}

const E = {
  paren: 'parentheses () not balanced',
  bracket: 'brackets [] not balanced',
  brace: 'braces {} not balanced',
  repeat: 'quantifier operand invalid',
  count: 'invalid repetition count(s)',
  range: 'invalid character range',
  ctype: 'invalid character class',
  escape: 'invalid escape \\ sequence',
  backref: 'invalid backreference number',
  collate: 'invalid collating element',
  option: 'invalid embedded option',
};

/** Applies option letters (the flags argument or an embedded `(?...)`); null for an unknown letter. */
function applyOption(flags: RegexFlags, letter: string): RegexFlags | null {
  switch (letter) {
    case 'i': return { ...flags, caseInsensitive: true };
    case 'c': return { ...flags, caseInsensitive: false };
    case 'm': case 'n': return { ...flags, newlineStop: true, newlineAnchor: true };
    case 'p': return { ...flags, newlineStop: true, newlineAnchor: false };
    case 'w': return { ...flags, newlineStop: false, newlineAnchor: true };
    case 's': return { ...flags, newlineStop: false, newlineAnchor: false };
    case 'x': return { ...flags, expanded: true };
    case 't': return { ...flags, expanded: false };
    case 'q': return { ...flags, literal: true };
    case 'b': throw notSupported('basic regular expressions (flag "b") are not supported');
    case 'e': throw notSupported('extended regular expressions (flag "e") are not supported; advanced ones are');
    default: return null;
  }
}

/**
 * parse_re_flags: the flags argument of the regexp_* functions. `fn` names the function for
 * the message when it does not take "g".
 */
export function parseRegexFlags(text: string | null, fn: string | null): RegexFlags {
  let flags = DEFAULT_FLAGS;
  for (const c of text ?? '') {
    if (c === 'g') {
      if (fn) throw new SqlError('22023', `${fn}() does not support the "global" option`, fn === 'regexp_match' ? { hint: 'Use the regexp_matches function instead.' } : {});
      flags = { ...flags, global: true };
      continue;
    }
    const next = applyOption(flags, c);
    if (!next) throw new SqlError('22023', `invalid regular expression option: "${c}"`);
    flags = next;
  }
  return flags;
}

// ---------------------------------------------------------------------------------------------
// The syntax tree

/** A set of code points as sorted, disjoint, inclusive ranges. */
type Ranges = Array<[number, number]>;

type Atom =
  | { readonly k: 'char'; readonly cp: number }
  | { readonly k: 'any' }
  | { readonly k: 'set'; readonly ranges: Ranges; readonly negated: boolean; readonly newlineToo: boolean }
  | { readonly k: 'group'; readonly capture: number | null; readonly re: Alternation }
  | { readonly k: 'backref'; readonly n: number };

type Constraint =
  | { readonly k: 'bol' | 'eol' | 'start' | 'end' | 'wordStart' | 'wordEnd' | 'boundary' | 'notBoundary' }
  | { readonly k: 'look'; readonly behind: boolean; readonly negated: boolean; readonly re: Alternation };

interface Quantified { readonly k: 'piece'; readonly atom: Atom; readonly min: number; readonly max: number; readonly lazy: boolean; readonly fixed: boolean }
type Item = Quantified | Constraint;
interface Alternation { readonly branches: Item[][] }

const INFINITE = Infinity;
const DUPMAX = 255;

const DIGIT: Ranges = [[0x30, 0x39]];
const SPACE: Ranges = [[0x09, 0x0d], [0x20, 0x20]];
const WORD: Ranges = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
const MAX_CP = 0x10ffff;

const CLASSES: Record<string, Ranges> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: DIGIT,
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: SPACE,
  upper: [[0x41, 0x5a]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
  word: WORD,
};

function normalize(ranges: Ranges): Ranges {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function complement(ranges: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (const [a, b] of normalize(ranges)) {
    if (a > next) out.push([next, a - 1]);
    next = b + 1;
  }
  if (next <= MAX_CP) out.push([next, MAX_CP]);
  return out;
}

/** Adds the other case of every ASCII letter in the ranges. */
function withBothCases(ranges: Ranges): Ranges {
  const out: Ranges = [...ranges];
  for (const [a, b] of ranges) {
    for (const [lo, hi, shift] of [[0x41, 0x5a, 32], [0x61, 0x7a, -32]] as const) {
      const from = Math.max(a, lo);
      const to = Math.min(b, hi);
      if (from <= to) out.push([from + shift, to + shift]);
    }
  }
  return normalize(out);
}

// ---------------------------------------------------------------------------------------------
// Parsing

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlnum = (c: string | undefined): boolean => c !== undefined && /^[0-9A-Za-z]$/.test(c);
const isSpace = (c: string | undefined): boolean => c !== undefined && /^[ \t\n\r\f\v]$/.test(c);

class Parser {
  private at = 0;
  groups = 0;
  private readonly closed = new Set<number>();
  readonly backrefs: number[] = [];
  private lookDepth = 0;

  constructor(private readonly chars: readonly string[], private readonly flags: RegexFlags) {}

  private peek(offset = 0): string | undefined { return this.chars[this.at + offset]; }

  /** At `{` that starts a bound: followed by a digit (after white space, in expanded mode). */
  private boundAhead(): boolean {
    if (this.peek() !== '{') return false;
    let k = 1;
    if (this.flags.expanded) while (isSpace(this.peek(k))) k++;
    return isDigit(this.peek(k));
  }
  private eof(): boolean { return this.at >= this.chars.length; }

  /** In expanded mode, white space and #-comments between tokens are skipped. */
  private skip(): void {
    if (!this.flags.expanded) return;
    for (;;) {
      while (isSpace(this.peek())) this.at++;
      if (this.peek() !== '#') return;
      while (!this.eof() && this.peek() !== '\n') this.at++;
    }
  }

  parse(): Alternation {
    const re = this.alternation();
    if (!this.eof()) throw invalidRegex(E.paren); // a stray ')'
    return re;
  }

  private alternation(): Alternation {
    const branches: Item[][] = [this.branch()];
    while (this.peek() === '|') {
      this.at++;
      branches.push(this.branch());
    }
    return { branches };
  }

  private branch(): Item[] {
    const items: Item[] = [];
    for (;;) {
      this.skip();
      const c = this.peek();
      if (c === undefined || c === '|' || c === ')') return items;
      const item = this.item();
      if (item) items.push(item);
    }
  }

  /** One constraint, or one atom with its quantifier. null for a comment. */
  private item(): Item | null {
    const c = this.peek()!;
    if (c === '*' || c === '+' || c === '?' || this.boundAhead()) throw invalidRegex(E.repeat);
    let constraint: Constraint | null = null;
    let atom: Atom | null = null;
    if (c === '^') { this.at++; constraint = { k: 'bol' }; }
    else if (c === '$') { this.at++; constraint = { k: 'eol' }; }
    else if (c === '(') {
      const parsed = this.group();
      if (parsed === null) return null;
      if (parsed.k === 'group') atom = parsed;
      else constraint = parsed as Constraint;
    } else if (c === '[') atom = this.bracket();
    else if (c === '.') { this.at++; atom = { k: 'any' }; }
    else if (c === '\\') {
      const escaped = this.escape();
      if (escaped.k === 'constraint') constraint = escaped.constraint;
      else atom = escaped.atom;
    } else { this.at++; atom = { k: 'char', cp: c.codePointAt(0)! }; }
    if (constraint) {
      this.skip();
      const q = this.peek();
      if (q === '*' || q === '+' || q === '?' || this.boundAhead()) throw invalidRegex(E.repeat);
      return constraint;
    }
    return this.quantifier(atom!);
  }

  private quantifier(atom: Atom): Quantified {
    this.skip();
    const c = this.peek();
    let min = 1;
    let max = 1;
    let fixed = false;
    if (c === '*') { this.at++; min = 0; max = INFINITE; }
    else if (c === '+') { this.at++; min = 1; max = INFINITE; }
    else if (c === '?') { this.at++; min = 0; max = 1; }
    else if (this.boundAhead()) {
      this.at++;
      min = this.boundNumber();
      this.skip();
      if (this.peek() === ',') {
        this.at++;
        this.skip();
        max = isDigit(this.peek()) ? this.boundNumber() : INFINITE;
        if (min > max) throw invalidRegex(E.count);
      } else {
        max = min;
        fixed = true;
      }
      this.skip();
      if (this.eof()) throw invalidRegex(E.brace);
      if (this.peek() !== '}') throw invalidRegex(E.count);
      this.at++;
    } else {
      return { k: 'piece', atom, min: 1, max: 1, lazy: false, fixed: true };
    }
    let lazy = false;
    if (this.peek() === '?') { this.at++; lazy = true; }
    this.skip();
    const next = this.peek();
    if (next === '*' || next === '+' || next === '?' || this.boundAhead()) throw invalidRegex(E.repeat);
    return { k: 'piece', atom, min, max, lazy, fixed };
  }

  private boundNumber(): number {
    this.skip();
    let n = 0;
    let digits = 0;
    while (isDigit(this.peek())) {
      n = n * 10 + Number(this.peek());
      this.at++;
      digits++;
      if (n > DUPMAX) throw invalidRegex(E.count);
    }
    if (digits === 0) throw invalidRegex(this.eof() ? E.brace : E.count);
    return n;
  }

  /** `(` … `)`: a group, a lookaround constraint, or a comment (null). */
  private group(): Extract<Atom, { k: 'group' }> | Extract<Constraint, { k: 'look' }> | null {
    this.at++; // (
    let capture = true;
    let look: { behind: boolean; negated: boolean } | null = null;
    if (this.peek() === '?') {
      const next = this.peek(1);
      if (next === ':') { capture = false; this.at += 2; }
      else if (next === '=' || next === '!') { look = { behind: false, negated: next === '!' }; this.at += 2; }
      else if (next === '<' && (this.peek(2) === '=' || this.peek(2) === '!')) { look = { behind: true, negated: this.peek(2) === '!' }; this.at += 3; }
      else if (next === '#') {
        while (!this.eof() && this.peek() !== ')') this.at++;
        if (!this.eof()) this.at++;
        return null;
      } else {
        throw invalidRegex(E.repeat); // `(` followed by a quantifier
      }
    }
    if (look) {
      this.lookDepth++;
      const re = this.alternation();
      this.lookDepth--;
      this.closeParen();
      return { k: 'look', behind: look.behind, negated: look.negated, re };
    }
    const number = capture && this.lookDepth === 0 ? ++this.groups : null;
    const re = this.alternation();
    this.closeParen();
    if (number !== null) this.closed.add(number);
    return { k: 'group', capture: number, re };
  }

  private closeParen(): void {
    if (this.peek() !== ')') throw invalidRegex(E.paren);
    this.at++;
  }

  private hexDigits(count: number, exact: boolean): number {
    let value = 0;
    let k = 0;
    while (k < count && /^[0-9A-Fa-f]$/.test(this.peek() ?? '')) {
      value = value * 16 + parseInt(this.peek()!, 16);
      this.at++;
      k++;
    }
    if (k === 0 || (exact && k !== count) || value > MAX_CP) throw invalidRegex(E.escape);
    return value;
  }

  private octalDigits(max: number): number {
    let value = 0;
    let k = 0;
    while (k < max && /^[0-7]$/.test(this.peek() ?? '')) {
      value = value * 8 + Number(this.peek());
      this.at++;
      k++;
    }
    return value;
  }

  /** A character-entry escape after the backslash, or null when `c` is not one. */
  private charEntry(c: string): number | null {
    switch (c) {
      case 'a': return 7;
      case 'b': return 8;
      case 'B': return 0x5c;
      case 'e': return 27;
      case 'f': return 12;
      case 'n': return 10;
      case 'r': return 13;
      case 't': return 9;
      case 'v': return 11;
      case 'c': {
        const x = this.peek();
        if (x === undefined) throw invalidRegex(E.escape);
        this.at++;
        return x.codePointAt(0)! & 0x1f;
      }
      case 'u': return this.hexDigits(4, true);
      case 'U': return this.hexDigits(8, true);
      case 'x': return this.hexDigits(8, false);
      case '0': return this.octalDigits(2);
      default: return null;
    }
  }

  private escape(): { k: 'atom'; atom: Atom } | { k: 'constraint'; constraint: Constraint } {
    this.at++; // backslash
    const c = this.peek();
    if (c === undefined) throw invalidRegex(E.escape);
    this.at++;
    if (!isAlnum(c)) return { k: 'atom', atom: { k: 'char', cp: c.codePointAt(0)! } };
    const entry = this.charEntry(c);
    if (entry !== null) return { k: 'atom', atom: { k: 'char', cp: entry } };
    const shorthand = classShorthand(c);
    if (shorthand) return { k: 'atom', atom: { k: 'set', ranges: shorthand, negated: false, newlineToo: false } };
    const constraints: Record<string, Constraint['k']> = { A: 'start', Z: 'end', m: 'wordStart', M: 'wordEnd', y: 'boundary', Y: 'notBoundary' };
    if (constraints[c]) return { k: 'constraint', constraint: { k: constraints[c] } as Constraint };
    if (c >= '1' && c <= '9') {
      // A single digit is a back reference; more digits are one when that group exists, else octal.
      let digits = c;
      while (isDigit(this.peek())) { digits += this.peek(); this.at++; }
      const n = Number(digits);
      if (digits.length > 1 && !this.closed.has(n)) {
        if (!/^[0-7]+$/.test(digits)) throw invalidRegex(E.backref);
        // Octal: the first digit and at most two more.
        this.at -= digits.length - 1;
        let value = Number(c);
        for (let k = 0; k < 2 && /^[0-7]$/.test(this.peek() ?? ''); k++) { value = value * 8 + Number(this.peek()); this.at++; }
        return { k: 'atom', atom: { k: 'char', cp: value } };
      }
      if (this.lookDepth > 0 || !this.closed.has(n)) throw invalidRegex(E.backref);
      this.backrefs.push(n);
      return { k: 'atom', atom: { k: 'backref', n } };
    }
    throw invalidRegex(E.escape);
  }

  private bracket(): Atom {
    this.at++; // [
    let negated = false;
    if (this.peek() === '^') { negated = true; this.at++; }
    const ranges: Ranges = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw invalidRegex(E.bracket);
      if (c === ']' && !first) { this.at++; break; }
      first = false;
      const start = this.bracketItem();
      const isRange = this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined;
      if (start.k === 'set') {
        if (isRange) throw invalidRegex(E.range);
        ranges.push(...start.ranges);
        continue;
      }
      if (isRange) {
        this.at++;
        const end = this.bracketItem();
        if (end.k === 'set' || end.cp < start.cp) throw invalidRegex(E.range);
        ranges.push([start.cp, end.cp]);
      } else {
        ranges.push([start.cp, start.cp]);
      }
    }
    let set = normalize(ranges);
    if (this.flags.caseInsensitive) set = withBothCases(set);
    return { k: 'set', ranges: set, negated, newlineToo: negated && this.flags.newlineStop };
  }

  private bracketItem(): { k: 'char'; cp: number } | { k: 'set'; ranges: Ranges } {
    const c = this.peek()!;
    if (c === '[' && (this.peek(1) === ':' || this.peek(1) === '=' || this.peek(1) === '.')) {
      const kind = this.peek(1)!;
      this.at += 2;
      let name = '';
      while (!(this.peek() === kind && this.peek(1) === ']')) {
        if (this.eof()) throw invalidRegex(E.bracket);
        name += this.peek();
        this.at++;
      }
      this.at += 2;
      if (kind === ':') {
        let cls = CLASSES[name];
        if (!cls) throw invalidRegex(E.ctype);
        if (this.flags.caseInsensitive && (name === 'lower' || name === 'upper')) cls = CLASSES['alpha']!;
        return { k: 'set', ranges: cls };
      }
      const chars = Array.from(name);
      if (chars.length === 1) return { k: 'char', cp: chars[0]!.codePointAt(0)! };
      const named = kind === '.' ? COLLATING_NAMES.get(name) : undefined;
      if (named === undefined) throw invalidRegex(E.collate);
      return { k: 'char', cp: named };
    }
    this.at++;
    if (c !== '\\') return { k: 'char', cp: c.codePointAt(0)! };
    const e = this.peek();
    if (e === undefined) throw invalidRegex(E.bracket);
    this.at++;
    if (!isAlnum(e)) return { k: 'char', cp: e.codePointAt(0)! };
    const entry = this.charEntry(e);
    if (entry !== null) return { k: 'char', cp: entry };
    const shorthand = classShorthand(e);
    if (shorthand) return { k: 'set', ranges: shorthand };
    throw invalidRegex(E.escape);
  }
}

/** The POSIX names of the portable character set, usable as [.name.] collating elements. */
const COLLATING_NAMES = new Map<string, number>();
(() => {
  const controls = 'NUL SOH STX ETX EOT ENQ ACK BEL BS HT LF VT FF CR SO SI DLE DC1 DC2 DC3 DC4 NAK SYN ETB CAN EM SUB ESC IS4 IS3 IS2 IS1'.split(' ');
  controls.forEach((name, k) => COLLATING_NAMES.set(name, k));
  const more: Array<[string, number]> = [
    ['alert', 7], ['backspace', 8], ['tab', 9], ['newline', 10], ['vertical-tab', 11], ['form-feed', 12], ['carriage-return', 13],
    ['FS', 28], ['GS', 29], ['RS', 30], ['US', 31], ['space', 32], ['exclamation-mark', 33], ['quotation-mark', 34], ['number-sign', 35],
    ['dollar-sign', 36], ['percent-sign', 37], ['ampersand', 38], ['apostrophe', 39], ['left-parenthesis', 40], ['right-parenthesis', 41],
    ['asterisk', 42], ['plus-sign', 43], ['comma', 44], ['hyphen', 45], ['hyphen-minus', 45], ['period', 46], ['full-stop', 46],
    ['slash', 47], ['solidus', 47], ['colon', 58], ['semicolon', 59], ['less-than-sign', 60], ['equals-sign', 61], ['greater-than-sign', 62],
    ['question-mark', 63], ['commercial-at', 64], ['left-square-bracket', 91], ['backslash', 92], ['reverse-solidus', 92],
    ['right-square-bracket', 93], ['circumflex', 94], ['circumflex-accent', 94], ['underscore', 95], ['low-line', 95], ['grave-accent', 96],
    ['left-brace', 123], ['left-curly-bracket', 123], ['vertical-line', 124], ['right-brace', 125], ['right-curly-bracket', 125], ['tilde', 126], ['DEL', 127],
  ];
  for (const [name, cp] of more) COLLATING_NAMES.set(name, cp);
  'zero one two three four five six seven eight nine'.split(' ').forEach((name, k) => COLLATING_NAMES.set(name, 48 + k));
})();

function classShorthand(c: string): Ranges | null {
  switch (c) {
    case 'd': return DIGIT;
    case 's': return SPACE;
    case 'w': return WORD;
    case 'D': return complement(DIGIT);
    case 'S': return complement(SPACE);
    case 'W': return complement(WORD);
    default: return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Translation to JavaScript

const hex = (cp: number): string => `\\u{${cp.toString(16)}}`;

function emitChar(cp: number): string {
  const c = String.fromCodePoint(cp);
  return /^[0-9A-Za-z]$/.test(c) ? c : hex(cp);
}

function emitSet(ranges: Ranges, negated: boolean): string {
  const body = ranges.map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`)).join('');
  return `[${negated ? '^' : ''}${body}]`;
}

const WORD_CLASS = '[0-9A-Za-z_]';

/** What emitting learned about the expression, and constraints to splice around capture groups. */
interface Emit {
  readonly flags: RegexFlags;
  /** Some match could have another length at the same start (alternation or a variable quantifier). */
  variable: boolean;
  alternation: boolean;
  /** Uses a constraint that looks left of the current position (^, lookbehind, word boundaries). */
  lookbehind: boolean;
  /** Uses a constraint that looks right of the current position ($, lookahead, word boundaries). */
  lookahead: boolean;
  /** Extra source before and after a capture group's parentheses (refining subexpression extents). */
  readonly hooks?: ReadonlyMap<number, { readonly before: string; readonly after: string }>;
}

function emitAlternation(re: Alternation, e: Emit, lazyContext: boolean): string {
  if (re.branches.length > 1) { e.variable = true; e.alternation = true; }
  return re.branches.map((b) => b.map((item) => emitItem(item, e, lazyContext)).join('')).join('|');
}

function emitItem(item: Item, e: Emit, lazyContext: boolean): string {
  const flags = e.flags;
  if (item.k !== 'piece' && item.k !== 'eol' && item.k !== 'end' && !(item.k === 'look' && !item.behind)) e.lookbehind = true;
  if (item.k !== 'piece' && item.k !== 'bol' && item.k !== 'start' && !(item.k === 'look' && item.behind)) e.lookahead = true;
  switch (item.k) {
    case 'bol': return flags.newlineAnchor ? '(?<![^\\n])' : '^';
    case 'eol': return flags.newlineAnchor ? '(?![^\\n])' : '$';
    case 'start': return '^';
    case 'end': return '$';
    case 'wordStart': return `(?<!${WORD_CLASS})(?=${WORD_CLASS})`;
    case 'wordEnd': return `(?<=${WORD_CLASS})(?!${WORD_CLASS})`;
    case 'boundary': return '\\b';
    case 'notBoundary': return '\\B';
    case 'look': {
      const inner: Emit = { flags, variable: false, alternation: false, lookbehind: false, lookahead: false };
      const body = emitAlternation(item.re, inner, false);
      if (inner.lookbehind) e.lookbehind = true;
      if (inner.lookahead) e.lookahead = true;
      return `(?${item.behind ? '<' : ''}${item.negated ? '!' : '='}${body})`;
    }
    case 'piece': {
      const lazy = item.lazy || (lazyContext && item.min !== item.max);
      // A non-greedy atom taken at most once ({1,1}?, ??) prefers its shortest match as a whole:
      // make what is inside lazy too. (Repeated, fewest iterations comes first, as in JavaScript.)
      let atom = emitAtom(item.atom, e, lazyContext || (item.lazy && !item.fixed && item.max === 1));
      if (item.min === 1 && item.max === 1) return atom;
      if (item.min !== item.max) e.variable = true;
      if (item.atom.k !== 'group' || e.hooks?.has(item.atom.capture ?? 0)) atom = `(?:${atom})`;
      const bound = item.max === INFINITE ? (item.min === 0 ? '*' : item.min === 1 ? '+' : `{${item.min},}`)
        : item.min === 0 && item.max === 1 ? '?' : item.min === item.max ? `{${item.min}}` : `{${item.min},${item.max}}`;
      return atom + bound + (lazy ? '?' : '');
    }
  }
}

function emitAtom(atom: Atom, e: Emit, lazyContext: boolean): string {
  switch (atom.k) {
    case 'char': {
      if (e.flags.caseInsensitive && /^[A-Za-z]$/.test(String.fromCodePoint(atom.cp))) {
        const c = String.fromCodePoint(atom.cp);
        return `[${c.toLowerCase()}${c.toUpperCase()}]`;
      }
      return emitChar(atom.cp);
    }
    case 'any': return e.flags.newlineStop ? '[^\\n]' : '[^]';
    case 'set': {
      const ranges = atom.newlineToo ? normalize([...atom.ranges, [10, 10]]) : atom.ranges;
      return emitSet(ranges, atom.negated);
    }
    case 'group': {
      const inner = emitAlternation(atom.re, e, lazyContext);
      if (atom.capture === null) return `(?:${inner})`;
      const hook = e.hooks?.get(atom.capture);
      return hook ? `${hook.before}(${inner})${hook.after}` : `(${inner})`;
    }
    case 'backref': return `(?:\\${atom.n})`;
  }
}

/** Capture groups outside any repetition (their extent is one span), with their greediness, in order. */
function singleGroups(re: Alternation, out: Array<{ n: number; greedy: boolean }>): void {
  for (const branch of re.branches) {
    for (const item of branch) {
      if (item.k !== 'piece' || item.atom.k !== 'group' || item.max > 1) continue;
      if (item.atom.capture !== null) out.push({ n: item.atom.capture, greedy: greediness(item.atom.re) !== 'lazy' });
      singleGroups(item.atom.re, out);
    }
  }
}

/** Whether the RE can match the empty string. */
function nullable(re: Alternation): boolean {
  return re.branches.some((b) => b.every((item) => item.k !== 'piece' || item.min === 0 || atomNullable(item.atom)));
}

function atomNullable(atom: Atom): boolean {
  return atom.k === 'group' ? nullable(atom.re) : atom.k === 'backref';
}

/** The characters a single-character atom can match, or null for other atoms. */
function atomChars(atom: Atom, flags: RegexFlags): Ranges | null {
  switch (atom.k) {
    case 'char': return flags.caseInsensitive ? withBothCases([[atom.cp, atom.cp]]) : [[atom.cp, atom.cp]];
    case 'any': return flags.newlineStop ? complement([[10, 10]]) : [[0, MAX_CP]];
    case 'set': {
      const ranges = atom.newlineToo ? normalize([...atom.ranges, [10, 10]]) : atom.ranges;
      return atom.negated ? complement(ranges) : ranges;
    }
    default: return null;
  }
}

function intersects(a: Ranges, b: Ranges): boolean {
  return a.some(([x, y]) => b.some(([u, v]) => x <= v && u <= y));
}

/** The consuming pieces of an RE without alternation, groups taken exactly once flattened; null otherwise. */
function flatPieces(re: Alternation, out: Quantified[]): boolean {
  if (re.branches.length !== 1) return false;
  for (const item of re.branches[0]!) {
    if (item.k !== 'piece') continue;
    if (item.atom.k === 'group' && item.min === 1 && item.max === 1) {
      if (!flatPieces(item.atom.re, out)) return false;
    } else {
      out.push(item);
    }
  }
  return true;
}

/**
 * Whether a match at a given start can only have one extent and one division among its
 * pieces: no alternation, and every variable quantifier (greedy, on a single-character atom)
 * followed only by characters it cannot match. Then JavaScript's match is PostgreSQL's and
 * no re-checking is needed (the common \s+, [a-z]+\d*, (\d+)-(\d+)).
 */
function uniqueExtent(re: Alternation, flags: RegexFlags): boolean {
  const pieces: Quantified[] = [];
  if (!flatPieces(re, pieces)) return false;
  for (let k = 0; k < pieces.length; k++) {
    const piece = pieces[k]!;
    if (piece.atom.k === 'backref') return false;
    if (piece.min === piece.max) {
      if (piece.atom.k === 'group' && fixedLength(piece.atom.re) === null) return false;
      continue;
    }
    const own = atomChars(piece.atom, flags);
    if (!own || piece.lazy) return false;
    for (let j = k + 1; j < pieces.length; j++) {
      const next = atomChars(pieces[j]!.atom, flags);
      if (!next || intersects(own, next)) return false;
      if (pieces[j]!.min > 0) break;
    }
  }
  return true;
}

/** The characters the first consuming atom of a branch can match, or null when unknown. */
function firstChars(branch: readonly Item[], flags: RegexFlags): Ranges | null {
  for (const item of branch) {
    if (item.k !== 'piece') continue;
    if (item.min === 0) return null;
    if (item.atom.k === 'group') return item.atom.re.branches.length === 1 ? firstChars(item.atom.re.branches[0]!, flags) : null;
    return atomChars(item.atom, flags);
  }
  return null;
}

/**
 * Whether a repeated body could match the same text in more than one way: a variable
 * quantifier inside, or alternatives of different lengths or with overlapping first characters.
 * ((a|b)* and (ab|cd)+ are unambiguous; (a|ab)*, (a+)+ and (a|a)* are not.)
 */
function hasChoice(re: Alternation, flags: RegexFlags): boolean {
  if (re.branches.length > 1) {
    const lengths = re.branches.map((b) => fixedLength({ branches: [b] }));
    if (lengths.some((l) => l === null || l !== lengths[0] || l === 0)) return true;
    const firsts = re.branches.map((b) => firstChars(b, flags));
    if (firsts.some((f) => f === null)) return true;
    for (let i = 0; i < firsts.length; i++) for (let j = i + 1; j < firsts.length; j++) if (intersects(firsts[i]!, firsts[j]!)) return true;
  }
  return re.branches.some((b) => b.some((item) => item.k === 'piece' && (item.min !== item.max || (item.atom.k === 'group' && hasChoice(item.atom.re, flags)))));
}

/**
 * Whether backtracking could take exponential time: a repeated group with choices inside
 * ((a+)+, (a|ab)*). PostgreSQL's engine does not backtrack; these run on an NFA instead.
 */
function backtrackingRisk(re: Alternation, flags: RegexFlags): boolean {
  return re.branches.some((b) => b.some((item) => {
    if (item.k !== 'piece' || item.atom.k !== 'group') return false;
    if (item.max > 1 && hasChoice(item.atom.re, flags)) return true;
    return backtrackingRisk(item.atom.re, flags);
  }));
}

const isWordCp = (cp: number): boolean => (cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122) || cp === 95;

function inRanges(ranges: Ranges, cp: number): boolean {
  for (const [a, b] of ranges) {
    if (cp < a) return false;
    if (cp <= b) return true;
  }
  return false;
}

/** The tree as an NFA, or null when it has lookaround or back references. */
function toNfa(re: Alternation, flags: RegexFlags): NfaNode | null {
  const branches: NfaNode[] = [];
  for (const branch of re.branches) {
    const items: NfaNode[] = [];
    for (const item of branch) {
      let node: NfaNode | null;
      switch (item.k) {
        case 'piece': {
          const atom = nfaAtom(item.atom, flags);
          if (!atom) return null;
          node = item.min === 1 && item.max === 1 ? atom : { k: 'repeat', node: atom, min: item.min, max: item.max };
          break;
        }
        case 'bol': node = { k: 'assert', test: flags.newlineAnchor ? (p) => p === -1 || p === 10 : (p) => p === -1 }; break;
        case 'eol': node = { k: 'assert', test: flags.newlineAnchor ? (_p, n) => n === -1 || n === 10 : (_p, n) => n === -1 }; break;
        case 'start': node = { k: 'assert', test: (p) => p === -1 }; break;
        case 'end': node = { k: 'assert', test: (_p, n) => n === -1 }; break;
        case 'wordStart': node = { k: 'assert', test: (p, n) => !isWordCp(p) && isWordCp(n) }; break;
        case 'wordEnd': node = { k: 'assert', test: (p, n) => isWordCp(p) && !isWordCp(n) }; break;
        case 'boundary': node = { k: 'assert', test: (p, n) => isWordCp(p) !== isWordCp(n) }; break;
        case 'notBoundary': node = { k: 'assert', test: (p, n) => isWordCp(p) === isWordCp(n) }; break;
        case 'look': return null;
      }
      items.push(node);
    }
    branches.push({ k: 'seq', items });
  }
  return branches.length === 1 ? branches[0]! : { k: 'alt', branches };
}

function nfaAtom(atom: Atom, flags: RegexFlags): NfaNode | null {
  switch (atom.k) {
    case 'char': {
      const c = atom.cp;
      const other = flags.caseInsensitive && ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) ? c ^ 32 : c;
      return { k: 'chars', test: (cp) => cp === c || cp === other };
    }
    case 'any': return { k: 'chars', test: flags.newlineStop ? (cp) => cp !== 10 : () => true };
    case 'set': {
      const ranges = atom.newlineToo ? normalize([...atom.ranges, [10, 10]]) : atom.ranges;
      return { k: 'chars', test: atom.negated ? (cp) => !inRanges(ranges, cp) : (cp) => inRanges(ranges, cp) };
    }
    case 'group': return toNfa(atom.re, flags);
    case 'backref': return null;
  }
}

/** The length every match of the RE has, or null when it varies (or depends on a back reference). */
function fixedLength(re: Alternation): number | null {
  let length: number | null = null;
  for (const branch of re.branches) {
    let n = 0;
    for (const item of branch) {
      if (item.k !== 'piece') continue;
      if (item.min !== item.max) return null;
      const atom = item.atom.k === 'group' ? fixedLength(item.atom.re) : item.atom.k === 'backref' ? null : 1;
      if (atom === null) return null;
      n += atom * item.min;
    }
    if (length !== null && n !== length) return null;
    length = n;
  }
  return length ?? 0;
}

/** Whether the RE has a capture group anywhere inside. */
function hasCapture(re: Alternation): boolean {
  return re.branches.some((b) => b.some((item) => item.k === 'piece' && item.atom.k === 'group' && (item.atom.capture !== null || hasCapture(item.atom.re))));
}

/**
 * A reason the subexpressions JavaScript reports may differ from PostgreSQL's, or null: a
 * quantified group that can match the empty string and holds capture groups (JavaScript
 * rejects an empty iteration, so they report no match where PostgreSQL may report an empty
 * one), or a repeated group of varying length that holds capture groups.
 */
function captureRisk(re: Alternation): string | null {
  for (const branch of re.branches) {
    for (const item of branch) {
      if (item.k !== 'piece' || item.atom.k !== 'group') continue;
      const quantified = !(item.min === 1 && item.max === 1);
      const captures = item.atom.capture !== null || hasCapture(item.atom.re);
      if (quantified && captures && nullable(item.atom.re)) {
        return 'a quantified subexpression that can match an empty string holds a capturing one';
      }
      // PostgreSQL divides a match among the iterations of a repeated group by its own rules
      // ((a+)+ on 'aaaa' captures 'a'); only a fixed-length body has one way to divide it.
      if (item.max > 1 && captures && fixedLength(item.atom.re) === null) {
        return 'a repeated subexpression of varying length holds a capturing one';
      }
      const inner = captureRisk(item.atom.re);
      if (inner) return inner;
    }
  }
  return null;
}

/** Whether capture group n is somewhere inside. */
function containsGroup(re: Alternation, n: number): boolean {
  return re.branches.some((b) => b.some((item) => item.k === 'piece' && item.atom.k === 'group' && (item.atom.capture === n || containsGroup(item.atom.re, n))));
}

/**
 * The RE restricted to matches in which group n takes part: at each alternation above it only
 * its branch, and optional quantifiers above it taken exactly once.
 */
function requireGroup(re: Alternation, n: number): Alternation {
  const branch = re.branches.find((b) => b.some((item) => item.k === 'piece' && item.atom.k === 'group' && (item.atom.capture === n || containsGroup(item.atom.re, n))));
  if (!branch) return re;
  return {
    branches: [branch.map((item) => {
      if (item.k !== 'piece' || item.atom.k !== 'group' || !(item.atom.capture === n || containsGroup(item.atom.re, n))) return item;
      const atom = item.atom.capture === n ? item.atom : { ...item.atom, re: requireGroup(item.atom.re, n) };
      return { ...item, atom, min: Math.max(item.min, 1) };
    })],
  };
}

/** PostgreSQL's greediness of an RE: 'greedy', 'lazy', or null when nothing decides. */
function greediness(re: Alternation): 'greedy' | 'lazy' | null {
  if (re.branches.length > 1) return 'greedy';
  for (const item of re.branches[0] ?? []) {
    if (item.k !== 'piece') continue;
    // {m} (and no quantifier) takes the atom's greediness; other quantifiers have their own.
    let g: 'greedy' | 'lazy' | null;
    if (item.fixed) g = item.atom.k === 'group' ? greediness(item.atom.re) : null;
    else g = item.lazy ? 'lazy' : 'greedy';
    if (g) return g;
  }
  return null;
}

/** Marks capture groups that sit inside an optional quantifier (min 0) anywhere above them. */
function markOptional(re: Alternation, inOptional: boolean, optional: Set<number>): void {
  for (const branch of re.branches) {
    for (const item of branch) {
      if (item.k !== 'piece' || item.atom.k !== 'group') continue;
      const optionalHere = inOptional || item.min === 0 || re.branches.length > 1;
      if (item.atom.capture !== null && optionalHere) optional.add(item.atom.capture);
      markOptional(item.atom.re, optionalHere, optional);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Compiled expressions and matching

export interface Regex {
  /** The translated source (without flags). */
  readonly source: string;
  /** Capturing subexpressions. */
  readonly groups: number;
  /** Whether the whole RE prefers the longest match (else the shortest). */
  readonly greedy: boolean;
  readonly variable: boolean;
  /** Whether the RE looks left of where a match starts (re-matches then need the whole text). */
  readonly lookbehind: boolean;
  /** Whether the RE looks right of where a match ends. */
  readonly lookahead: boolean;
  /** The translation with flags "dgu", for searching from lastIndex. */
  readonly search: RegExp;
  /** Why reported subexpressions could differ from PostgreSQL's (functions returning them refuse), or null. */
  readonly captureRisk: string | null;
  /**
   * With alternation, JavaScript's choice of alternative can give a subexpression a shorter
   * span than PostgreSQL's longest-first rule: these groups get re-fitted in order.
   */
  readonly refine: { readonly tree: Alternation; readonly flags: RegexFlags; readonly groups: ReadonlyArray<{ n: number; greedy: boolean }> } | null;
  /** For patterns backtracking could blow up on: a linear-time NFA (extents only, no subexpressions). */
  readonly nfa: Nfa | null;
}

export interface Match {
  /** UTF-16 offsets of the whole match. */
  readonly start: number;
  readonly end: number;
  /** Offsets of each capture group (null when it took no part). */
  readonly groups: ReadonlyArray<readonly [number, number] | null>;
}

const CACHE_LIMIT = 256;
const cache = new Map<string, Regex>();

function cacheKey(pattern: string, flags: RegexFlags): string {
  return `${flags.caseInsensitive ? 'i' : ''}${flags.newlineStop ? 'p' : ''}${flags.newlineAnchor ? 'w' : ''}${flags.expanded ? 'x' : ''}${flags.literal ? 'q' : ''}/${pattern}`;
}

export function compileRegex(pattern: string, flags: RegexFlags = DEFAULT_FLAGS): Regex {
  const key = cacheKey(pattern, flags);
  const hit = cache.get(key);
  if (hit) return hit;
  const compiled = translate(pattern, flags);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(key, compiled);
  return compiled;
}

function translate(pattern: string, initial: RegexFlags): Regex {
  let chars = Array.from(pattern);
  let flags = initial;
  if (!flags.literal && chars.slice(0, 3).join('') === '***') {
    if (chars[3] === '=') { flags = { ...flags, literal: true }; chars = chars.slice(4); }
    else if (chars[3] === ':') chars = chars.slice(4);
    else throw invalidRegex('invalid regular expression'); // ***x
  }
  if (!flags.literal && chars[0] === '(' && chars[1] === '?' && /^[a-z]$/.test(chars[2] ?? '')) {
    let k = 2;
    while (k < chars.length && chars[k] !== ')') {
      const next = applyOption(flags, chars[k]!);
      if (!next) throw invalidRegex(E.option);
      flags = next;
      k++;
    }
    if (k >= chars.length) throw invalidRegex(E.option);
    chars = chars.slice(k + 1);
  }
  let re: Alternation;
  let groups = 0;
  if (flags.literal) {
    re = { branches: [chars.map((c) => ({ k: 'piece', atom: { k: 'char', cp: c.codePointAt(0)! }, min: 1, max: 1, lazy: false, fixed: true }))] };
  } else {
    const parser = new Parser(chars, flags);
    re = parser.parse();
    groups = parser.groups;
    if (parser.backrefs.length > 0) {
      if (flags.caseInsensitive) throw notSupported('case-insensitive back references in regular expressions are not supported');
      const optional = new Set<number>();
      markOptional(re, false, optional);
      for (const n of parser.backrefs) {
        if (optional.has(n)) throw notSupported(`a back reference to subexpression ${n}, which may not take part in the match, is not supported`);
      }
    }
  }
  const e: Emit = { flags, variable: false, alternation: false, lookbehind: false, lookahead: false };
  const source = emitAlternation(re, e, false);
  let search: RegExp;
  try {
    search = new RegExp(source, 'dgu');
  } catch (error) {
    throw notSupported(`regular expression cannot be translated: ${(error as Error).message}`);
  }
  const single: Array<{ n: number; greedy: boolean }> = [];
  if (e.alternation) singleGroups(re, single);
  const nfaTree = backtrackingRisk(re, flags) ? toNfa(re, flags) : null;
  return {
    source, groups, greedy: greediness(re) !== 'lazy', variable: e.variable && !uniqueExtent(re, flags), lookbehind: e.lookbehind, lookahead: e.lookahead, search,
    captureRisk: groups === 0 ? null : nfaTree ? 'a repeated subexpression has alternatives or quantifiers inside' : captureRisk(re),
    refine: single.length > 0 ? { tree: re, flags, groups: single } : null,
    nfa: nfaTree ? new Nfa(nfaTree) : null,
  };
}

/** Code points in text[0, end). */
function codePoints(text: string, end: number): number {
  let n = end;
  for (let k = 0; k < end; k++) {
    const c = text.charCodeAt(k);
    if (c >= 0xd800 && c <= 0xdbff && k + 1 < end) { n--; k++; }
  }
  return n;
}

const probeCache = new Map<string, RegExp>();

function probe(source: string): RegExp {
  let re = probeCache.get(source);
  if (!re) {
    re = new RegExp(source, 'uy');
    if (probeCache.size >= CACHE_LIMIT) probeCache.delete(probeCache.keys().next().value!);
    probeCache.set(source, re);
  }
  return re;
}

function toMatch(m: RegExpExecArray, groups: number, offset = 0): Match {
  const indices = (m as RegExpExecArray & { indices?: Array<[number, number] | undefined> }).indices!;
  const out: Array<readonly [number, number] | null> = [];
  for (let g = 1; g <= groups; g++) {
    const span = indices[g];
    out.push(span ? [span[0] + offset, span[1] + offset] : null);
  }
  return { start: m.index + offset, end: m.index + m[0].length + offset, groups: out };
}

/**
 * Where constrained re-matches run. Without constraints that look left of the match (^,
 * lookbehind, word boundaries), on the text from the match start, so that position checks
 * cost the match's length and not the text's; otherwise on the whole text.
 */
interface Frame {
  readonly subject: string;
  /** UTF-16 offset of subject[0] in the text. */
  readonly offset: number;
  /** Code points of subject before the match start. */
  readonly base: number;
  /** UTF-16 offset of the match start in subject. */
  readonly at: number;
}

function frameAt(re: Regex, text: string, start: number, limit = text.length): Frame {
  const subject = (from: number): string => (from === 0 && limit === text.length ? text : text.slice(from, limit));
  return re.lookbehind ? { subject: subject(0), offset: 0, base: codePoints(text, start), at: start } : { subject: subject(start), offset: start, base: 0, at: 0 };
}

/** Code points from the match start to `end` (a UTF-16 offset in the text). */
function lengthTo(frame: Frame, end: number): number {
  return codePoints(frame.subject, end - frame.offset) - frame.base;
}

/** `(?<=…)` source: the current position is exactly (or at least) `length` code points past the match start. */
function atLength(frame: Frame, length: number, orMore = false): string {
  return `(?<=^[^]{${frame.base + length}${orMore ? ',' : ''}})`;
}

function execIn(frame: Frame, source: string, cached: boolean, groups: number): Match | null {
  const re = cached ? probe(source) : new RegExp(source, 'duy');
  re.lastIndex = frame.at;
  const m = re.exec(frame.subject);
  return m ? toMatch(m, groups, frame.offset) : null;
}

/**
 * The leftmost match at or after `from` (a UTF-16 offset), with PostgreSQL's choice of its
 * length and subexpressions. The text before `from` still counts for ^ and lookbehind.
 */
export function search(re: Regex, text: string, from: number): Match | null {
  if (re.nfa) {
    const { cps, offsets } = codePointsOf(text);
    const startCp = offsets.findIndex((o) => o >= from);
    const found = re.nfa.search(cps, startCp < 0 ? cps.length : startCp, re.greedy);
    if (!found) return null;
    return { start: offsets[found[0]]!, end: offsets[found[1]]!, groups: Array.from({ length: re.groups }, () => null) };
  }
  re.search.lastIndex = from;
  const first = re.search.exec(text);
  if (!first) return null;
  let match = toMatch(first, re.groups);
  if (!re.variable) return re.refine ? refineGroups(re, text, match) : match;
  const frame = frameAt(re, text, match.start);
  let end = match.end;
  let changed = false;
  for (;;) {
    let candidate: Match | null;
    if (re.greedy) {
      if (end >= text.length) break;
      candidate = execIn(frame, `(?:${re.source})${atLength(frame, lengthTo(frame, end) + 1, true)}`, true, 0);
    } else {
      if (end === match.start) break;
      // A shorter match ends before `end`: without constraints that look right, the text can
      // simply stop there (so lazy quantifiers do not run on to the end of a long text).
      candidate = re.lookahead
        ? execIn(frame, `(?:${re.source})(?<!^[^]{${frame.base + lengthTo(frame, end)},})`, true, 0)
        : execIn(frameAt(re, text, match.start, end - 1), re.source, true, 0);
    }
    if (!candidate) break;
    end = candidate.end;
    changed = true;
  }
  if (changed) match = execIn(frame, `(?:${re.source})${atLength(frame, lengthTo(frame, end))}`, false, re.groups) ?? match;
  return re.refine ? refineGroups(re, text, match) : match;
}

/**
 * Gives each capture group outside repetitions, in order, its longest (or, for a non-greedy
 * one, shortest) span, keeping the overall match and the groups before it fixed: PostgreSQL's
 * rule that earlier subexpressions take priority, each with its own greediness.
 */
function refineGroups(re: Regex, text: string, match: Match): Match {
  const refine = re.refine!;
  const frame = frameAt(re, text, match.start);
  const pinned = new Map<number, { before: string; after: string }>();
  const suffix = atLength(frame, lengthTo(frame, match.end));
  let current = match;
  for (const { n, greedy } of refine.groups) {
    for (;;) {
      const span = current.groups[n - 1];
      if (!span || (!greedy && span[0] === span[1])) break;
      const startLength = lengthTo(frame, span[0]);
      const endLength = lengthTo(frame, span[1]);
      const hooks = new Map(pinned);
      hooks.set(n, {
        before: atLength(frame, startLength),
        after: greedy ? atLength(frame, endLength + 1, true) : `(?<!^[^]{${frame.base + endLength},})`,
      });
      const source = emitAlternation(requireGroup(refine.tree, n), { flags: refine.flags, variable: false, alternation: false, lookbehind: false, lookahead: false, hooks }, false);
      const m = execIn(frame, `(?:${source})${suffix}`, false, re.groups);
      if (!m) break;
      current = m;
    }
    const span = current.groups[n - 1];
    if (span) pinned.set(n, { before: atLength(frame, lengthTo(frame, span[0])), after: atLength(frame, lengthTo(frame, span[1])) });
  }
  return current;
}

let lastText: string | null = null;
let lastCodePoints: { cps: number[]; offsets: number[] } = { cps: [], offsets: [0] };

/** The code points of a text and each one's UTF-16 offset (plus the end), for the last text asked. */
function codePointsOf(text: string): { cps: number[]; offsets: number[] } {
  if (text !== lastText) {
    const cps: number[] = [];
    const offsets: number[] = [];
    for (let k = 0; k < text.length;) {
      const cp = text.codePointAt(k)!;
      cps.push(cp);
      offsets.push(k);
      k += cp > 0xffff ? 2 : 1;
    }
    offsets.push(text.length);
    lastText = text;
    lastCodePoints = { cps, offsets };
  }
  return lastCodePoints;
}

export function regexTest(re: Regex, text: string): boolean {
  if (re.nfa) return re.nfa.test(codePointsOf(text).cps);
  re.search.lastIndex = 0;
  return re.search.test(text);
}

/** One code point past `at` (to step over an empty match). */
export function nextCharOffset(text: string, at: number): number {
  const c = text.charCodeAt(at);
  return at + (c >= 0xd800 && c <= 0xdbff && at + 1 < text.length ? 2 : 1);
}

/** Every match from `from` on, stepping one character past empty ones, as setup_regexp_matches does. */
export function allMatches(re: Regex, text: string, from: number, global: boolean): Match[] {
  const out: Match[] = [];
  let at = from;
  while (at <= text.length) {
    const m = search(re, text, at);
    if (!m) break;
    out.push(m);
    if (!global) break;
    at = m.end === m.start ? nextCharOffset(text, m.end) : m.end;
  }
  return out;
}

/** The UTF-16 offset of the `n`-th code point (0-based); text.length when past the end. */
export function offsetOfChar(text: string, n: number): number {
  let k = 0;
  for (let c = 0; c < n; c++) {
    if (k >= text.length) return text.length + (n - c);
    k = nextCharOffset(text, k);
  }
  return k;
}

export { codePoints };
