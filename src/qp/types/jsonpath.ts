import { SqlError } from '../../contracts/errors.js';
import type { NumericValue } from '../../contracts/sql-value.js';
import * as num from './numeric.js';

/**
 * SQL/JSON path expressions (the jsonpath type) as PostgreSQL 15 parses and prints them
 * (jsonpath_gram.y, jsonpath_scan.l, jsonpath.c): lax and strict modes, member, wildcard,
 * subscript (with `last`) and recursive (.**{n to m}) accessors, filters, comparisons,
 * arithmetic, exists, like_regex, starts with, is unknown, variables and the item methods.
 * Evaluation is jsonpath-eval.ts; .datetime() and .keyvalue() (whose ids are offsets into jsonb's
 * binary form) parse and print, and answer "not supported" there.
 */

export type Binary = '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%' | '&&' | '||';

export type PathItem = (
  | { readonly k: 'root' } | { readonly k: 'current' } | { readonly k: 'last' }
  | { readonly k: 'var'; readonly name: string }
  | { readonly k: 'string'; readonly value: string }
  | { readonly k: 'number'; readonly value: NumericValue }
  | { readonly k: 'bool'; readonly value: boolean } | { readonly k: 'null' }
  | { readonly k: 'binary'; readonly op: Binary; readonly left: PathItem; readonly right: PathItem }
  | { readonly k: 'unary'; readonly op: '+' | '-'; readonly arg: PathItem }
  | { readonly k: 'not' | 'exists' | 'isUnknown'; readonly arg: PathItem }
  | { readonly k: 'startsWith'; readonly left: PathItem; readonly right: PathItem }
  | { readonly k: 'likeRegex'; readonly arg: PathItem; readonly pattern: string; readonly flags: string }
) & { readonly next?: readonly Step[] };

export type Step =
  | { readonly k: 'key'; readonly name: string } | { readonly k: 'anyKey' } | { readonly k: 'anyArray' }
  | { readonly k: 'index'; readonly subscripts: readonly (readonly [PathItem, PathItem | null])[] }
  | { readonly k: 'filter'; readonly predicate: PathItem }
  | { readonly k: 'method'; readonly name: string }
  /** `.**{first to last}`: the item and its descendants at those levels (null: last). */
  | { readonly k: 'any'; readonly first: number | null; readonly last: number | null };

export interface JsonPath {
  readonly strict: boolean;
  readonly root: PathItem;
}

const METHODS = new Set(['type', 'size', 'double', 'ceiling', 'floor', 'abs', 'datetime', 'keyvalue']);

// ---------------------------------------------------------------------------------------------
// Parsing

class Lexer {
  i = 0;
  /** Array subscripts open around the position (`last` is allowed only inside one). */
  subscripts = 0;
  /** Filters open around the position (`@` is allowed only inside one). */
  filters = 0;
  constructor(readonly text: string) {}

  fail(near?: string): SqlError {
    const at = near ?? (this.i >= this.text.length ? 'end of jsonpath input' : `"${this.text[this.i]}"`);
    const what = at === 'end of jsonpath input' ? `syntax error at ${at}` : `syntax error at or near ${at} of jsonpath input`;
    return new SqlError('42601', what);
  }

  space(): void {
    while (this.i < this.text.length && /\s/.test(this.text[this.i]!)) this.i++;
  }

  peek(s: string): boolean {
    this.space();
    return this.text.startsWith(s, this.i);
  }

  /** A keyword (case-insensitive), not followed by an identifier character. */
  peekWord(word: string): boolean {
    this.space();
    const t = this.text.slice(this.i, this.i + word.length);
    return t.toLowerCase() === word && !/[A-Za-z0-9_]/.test(this.text[this.i + word.length] ?? '');
  }

  eat(s: string): boolean {
    if (!this.peek(s)) return false;
    this.i += s.length;
    return true;
  }

  eatWord(word: string): boolean {
    if (!this.peekWord(word)) return false;
    this.i += word.length;
    return true;
  }

  expect(s: string): void {
    if (!this.eat(s)) throw this.fail();
  }

  identifier(): string | null {
    this.space();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.i));
    if (!m) return null;
    this.i += m[0].length;
    return m[0];
  }

  /** A double-quoted string with JSON's escapes (and \x, \u{…} as jsonpath allows). */
  string(): string | null {
    this.space();
    if (this.text[this.i] !== '"') return null;
    let out = '';
    this.i++;
    for (;;) {
      if (this.i >= this.text.length) throw new SqlError('42601', 'syntax error at end of jsonpath input');
      const c = this.text[this.i++]!;
      if (c === '"') return out;
      if (c !== '\\') { out += c; continue; }
      const e = this.text[this.i++];
      switch (e) {
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'v': out += '\v'; break;
        case 'x': {
          const hex = /^[0-9A-Fa-f]{2}/.exec(this.text.slice(this.i));
          if (!hex) throw this.fail();
          out += String.fromCharCode(parseInt(hex[0], 16));
          this.i += 2;
          break;
        }
        case 'u': {
          const hex = /^[0-9A-Fa-f]{4}/.exec(this.text.slice(this.i)) ?? /^\{[0-9A-Fa-f]{1,6}\}/.exec(this.text.slice(this.i));
          if (!hex) throw this.fail();
          out += String.fromCodePoint(parseInt(hex[0].replace(/[{}]/g, ''), 16));
          this.i += hex[0].length;
          break;
        }
        case undefined: throw new SqlError('42601', 'syntax error at end of jsonpath input');
        default: out += e;
      }
    }
  }

  number(): NumericValue | null {
    this.space();
    const m = /^(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)/.exec(this.text.slice(this.i));
    if (!m) return null;
    const text = m[0];
    const junk = (upTo: number) => new SqlError('42601', `trailing junk after numeric literal at or near "${this.text.slice(this.i, this.i + upTo)}" of jsonpath input`);
    // As PostgreSQL's lexer: no leading zeros (`00.1`), no letter after a number (`1a`, `1.type()`).
    if (/^0\d/.test(text)) throw junk(2);
    if (/[A-Za-z_]/.test(this.text[this.i + text.length] ?? '')) throw junk(text.length + 1);
    this.i += text.length;
    return num.parseNumeric(text.endsWith('.') ? text.slice(0, -1) : text);
  }
}

export function parseJsonPath(text: string): JsonPath {
  if (text.trim() === '') throw new SqlError('22P02', `invalid input syntax for type jsonpath: "${text}"`);
  const lexer = new Lexer(text);
  let strict = false;
  if (lexer.eatWord('strict')) strict = true;
  else lexer.eatWord('lax');
  lexer.space();
  if (lexer.i >= text.length) throw new SqlError('42601', 'syntax error at end of jsonpath input');
  const root = orExpr(lexer);
  lexer.space();
  if (lexer.i < text.length) throw lexer.fail();
  return { strict, root };
}

function orExpr(l: Lexer): PathItem {
  return predicateChain(l, '||', andExpr);
}

function andExpr(l: Lexer): PathItem {
  return predicateChain(l, '&&', notExpr);
}

/** `a op b op c …` (op: && or ||), left-associative; each operand a predicate. */
function predicateChain(l: Lexer, op: '&&' | '||', operand: (l: Lexer) => PathItem): PathItem {
  let left = operand(l);
  while (l.peek(op)) {
    if (!isPredicate(left)) throw l.fail(`"${op}"`);
    l.eat(op);
    left = { k: 'binary', op, left, right: predicateOperand(l, operand(l)) };
  }
  return left;
}

/** The grammar takes only a predicate here: an expression is a syntax error at what follows it. */
function predicateOperand(l: Lexer, item: PathItem): PathItem {
  if (!isPredicate(item)) {
    l.space();
    throw l.fail();
  }
  return item;
}

function notExpr(l: Lexer): PathItem {
  if (l.peek('!') && !l.peek('!=')) {
    l.eat('!');
    l.space();
    if (!l.peek('(') && !l.peekWord('exists')) throw l.fail();
    return { k: 'not', arg: primaryPredicate(l) };
  }
  return comparison(l);
}

/** `( predicate )` or `exists ( expr )` after `!`. */
function primaryPredicate(l: Lexer): PathItem {
  if (l.eatWord('exists')) {
    l.expect('(');
    const arg = orExpr(l);
    l.expect(')');
    return { k: 'exists', arg };
  }
  l.expect('(');
  const inner = orExpr(l);
  l.expect(')');
  return inner;
}

const COMPARISONS: readonly [string, Binary][] = [['==', '=='], ['!=', '!='], ['<>', '!='], ['<=', '<='], ['>=', '>='], ['<', '<'], ['>', '>']];

function comparison(l: Lexer): PathItem {
  const left = additive(l);
  for (const [token, op] of COMPARISONS) {
    if (l.eat(token)) return { k: 'binary', op, left, right: additive(l) };
  }
  if (l.eatWord('starts')) {
    if (!l.eatWord('with')) throw l.fail();
    const s = l.string();
    if (s !== null) return { k: 'startsWith', left, right: { k: 'string', value: s } };
    l.space();
    if (l.eat('$')) {
      const next = l.text[l.i] ?? '';
      const name = next === '"' ? l.string() : /[A-Za-z_]/.test(next) ? l.identifier() : null;
      if (name !== null) return { k: 'startsWith', left, right: { k: 'var', name } };
    }
    throw l.fail();
  }
  if (l.eatWord('like_regex')) {
    const pattern = l.string();
    if (pattern === null) throw l.fail();
    let flags = '';
    if (l.eatWord('flag')) {
      const f = l.string();
      if (f === null) throw l.fail();
      for (const c of f) {
        if (!'ismxq'.includes(c)) throw new SqlError('42601', `invalid input syntax for type jsonpath`, { detail: `Unrecognized flag character "${c}" in LIKE_REGEX predicate.` });
        if (c === 'x') throw new SqlError('0A000', 'XQuery "x" flag (expanded regular expressions) is not implemented');
      }
      flags = f;
    }
    likeRegex(pattern, flags); // a pattern that does not compile fails the input, as in PostgreSQL
    return { k: 'likeRegex', arg: left, pattern, flags };
  }
  return left;
}

function additive(l: Lexer): PathItem {
  let left = multiplicative(l);
  for (;;) {
    if (l.peek('+')) { l.eat('+'); left = { k: 'binary', op: '+', left, right: multiplicative(l) }; continue; }
    if (l.peek('-')) { l.eat('-'); left = { k: 'binary', op: '-', left, right: multiplicative(l) }; continue; }
    return left;
  }
}

function multiplicative(l: Lexer): PathItem {
  let left = unary(l);
  for (;;) {
    const op = l.eat('*') ? '*' : l.eat('/') ? '/' : l.eat('%') ? '%' : null;
    if (op === null) return left;
    left = { k: 'binary', op, left, right: unary(l) };
  }
}

function unary(l: Lexer): PathItem {
  for (const op of ['+', '-'] as const) {
    if (l.eat(op)) {
      const arg = unary(l);
      // makeItemUnary folds a sign into a number literal with nothing after it.
      if (arg.k === 'number' && arg.next === undefined) return op === '-' ? { k: 'number', value: num.numericNegate(arg.value) } : arg;
      return { k: 'unary', op, arg };
    }
  }
  return accessorExpr(l);
}

function accessorExpr(l: Lexer): PathItem {
  let base: PathItem;
  l.space();
  if (l.eat('(')) {
    const inner = orExpr(l);
    l.expect(')');
    if (l.eatWord('is')) {
      if (!l.eatWord('unknown')) throw l.fail();
      return { k: 'isUnknown', arg: inner };
    }
    base = inner;
  } else if (l.peekWord('exists')) {
    return primaryPredicate(l);
  } else {
    base = primary(l);
  }
  const steps: Step[] = [];
  for (;;) {
    l.space();
    if (l.peek('.') && !/^\.\d/.test(l.text.slice(l.i))) {
      l.eat('.');
      steps.push(memberStep(l));
    } else if (l.eat('[')) {
      steps.push(subscriptStep(l));
    } else if (l.peek('?')) {
      l.eat('?');
      l.expect('(');
      l.filters++;
      const predicate = predicateOperand(l, orExpr(l));
      l.filters--;
      l.expect(')');
      steps.push({ k: 'filter', predicate });
    } else break;
  }
  if (steps.length === 0) return base;
  return { ...base, next: [...(base.next ?? []), ...steps] };
}

function memberStep(l: Lexer): Step {
  if (l.eat('**')) {
    if (!l.eat('{')) return { k: 'any', first: 0, last: null };
    const bound = (): number | null => {
      if (l.eatWord('last')) return null;
      const n = l.number();
      if (n === null) throw l.fail();
      return Number(num.formatNumeric(n));
    };
    const first = bound();
    const last = l.eatWord('to') ? bound() : first;
    l.expect('}');
    return { k: 'any', first, last };
  }
  if (l.eat('*')) return { k: 'anyKey' };
  const quoted = l.string();
  if (quoted !== null) return { k: 'key', name: quoted };
  const name = l.identifier();
  if (name === null) throw l.fail();
  if (l.peek('(') && METHODS.has(name.toLowerCase())) {
    l.eat('(');
    l.expect(')');
    return { k: 'method', name: name.toLowerCase() };
  }
  return { k: 'key', name };
}

function subscriptStep(l: Lexer): Step {
  if (l.eat('*')) {
    l.expect(']');
    return { k: 'anyArray' };
  }
  const subscripts: [PathItem, PathItem | null][] = [];
  l.subscripts++;
  do {
    const from = additive(l);
    const to = l.eatWord('to') ? additive(l) : null;
    subscripts.push([from, to]);
  } while (l.eat(','));
  l.expect(']');
  l.subscripts--;
  return { k: 'index', subscripts };
}

function primary(l: Lexer): PathItem {
  l.space();
  if (l.eat('$')) {
    // A variable's name follows the $ at once: `$ starts with` is the root, then a keyword.
    const next = l.text[l.i] ?? '';
    const name = next === '"' ? l.string() : /[A-Za-z_]/.test(next) ? l.identifier() : null;
    return name === null ? { k: 'root' } : { k: 'var', name };
  }
  if (l.eat('@')) {
    if (l.filters === 0) throw new SqlError('42601', '@ is not allowed in root expressions');
    return { k: 'current' };
  }
  if (l.eatWord('last')) {
    if (l.subscripts === 0) throw new SqlError('42601', 'LAST is allowed only in array subscripts');
    return { k: 'last' };
  }
  if (l.eatWord('true')) return { k: 'bool', value: true };
  if (l.eatWord('false')) return { k: 'bool', value: false };
  if (l.eatWord('null')) return { k: 'null' };
  const s = l.string();
  if (s !== null) return { k: 'string', value: s };
  const n = l.number();
  if (n !== null) return { k: 'number', value: n };
  throw l.fail();
}

// ---------------------------------------------------------------------------------------------
// Printing (the type's output function: jsonPathToCstring)

const PRIORITY: Record<string, number> = { '||': 0, '&&': 1, '==': 2, '!=': 2, '<': 2, '<=': 2, '>': 2, '>=': 2, startsWith: 2, '+': 3, '-': 3, '*': 4, '/': 4, '%': 4 };

function priority(item: PathItem): number {
  if (item.k === 'binary') return PRIORITY[item.op]!;
  if (item.k === 'startsWith') return 2;
  if (item.k === 'unary') return 5;
  return 6;
}

export function formatJsonPath(path: JsonPath): string {
  return (path.strict ? 'strict ' : '') + printItem(path.root, true);
}

function printItem(item: PathItem, brackets: boolean): string {
  let out: string;
  const operand = (arg: PathItem) => printItem(arg, priority(arg) <= priority(item));
  switch (item.k) {
    case 'root': out = '$'; break;
    case 'current': out = '@'; break;
    case 'last': out = 'last'; break;
    case 'var': out = '$' + quote(item.name); break;
    case 'string': out = quote(item.value); break;
    case 'number': out = item.next ? `(${num.formatNumeric(item.value)})` : num.formatNumeric(item.value); break;
    case 'bool': out = String(item.value); break;
    case 'null': out = 'null'; break;
    case 'binary': out = wrap(`${operand(item.left)} ${item.op} ${operand(item.right)}`, brackets); break;
    case 'startsWith': out = wrap(`${printItem(item.left, false)} starts with ${printItem(item.right, false)}`, brackets); break;
    case 'likeRegex': out = wrap(`${operand(item.arg)} like_regex ${quote(item.pattern)}${item.flags ? ` flag "${canonicalFlags(item.flags)}"` : ''}`, brackets); break;
    case 'unary': out = wrap(item.op + operand(item.arg), brackets); break;
    case 'not': out = `!(${printItem(item.arg, false)})`; break;
    case 'isUnknown': out = `(${printItem(item.arg, false)}) is unknown`; break;
    case 'exists': out = `exists (${printItem(item.arg, false)})`; break;
  }
  for (const step of item.next ?? []) out += printStep(step);
  return out;
}

function printStep(step: Step): string {
  switch (step.k) {
    case 'key': return '.' + quote(step.name);
    case 'anyKey': return '.*';
    case 'anyArray': return '[*]';
    case 'index': return '[' + step.subscripts.map(([from, to]) => printItem(from, false) + (to ? ' to ' + printItem(to, false) : '')).join(',') + ']';
    case 'filter': return `?(${printItem(step.predicate, false)})`;
    case 'method': return `.${step.name}()`;
    case 'any': {
      const bound = (n: number | null) => (n === null ? 'last' : String(n));
      if (step.first === 0 && step.last === null) return '.**';
      return step.first === step.last ? `.**{${bound(step.first)}}` : `.**{${bound(step.first)} to ${bound(step.last)}}`;
    }
  }
}

function wrap(text: string, brackets: boolean): string {
  return brackets ? `(${text})` : text;
}

/** The flags in PostgreSQL's order (i, s, m, x, q), each once. */
function canonicalFlags(flags: string): string {
  return [...'ismxq'].filter((c) => flags.includes(c)).join('');
}

/** escape_json. */
function quote(s: string): string {
  let out = '"';
  for (const c of s) {
    switch (c) {
      case '"': out += '\\"'; break;
      case '\\': out += '\\\\'; break;
      case '\b': out += '\\b'; break;
      case '\f': out += '\\f'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      default: out += c < ' ' ? '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0') : c;
    }
  }
  return out + '"';
}

// ---------------------------------------------------------------------------------------------
// What evaluation asks of a parsed path

/** Whether the item is a predicate (a comparison, &&, ||, !, exists, is unknown, starts with, like_regex). */
export function isPredicate(item: PathItem): boolean {
  if (item.next) return false;
  return (item.k === 'binary' && isLogical(item.op)) || item.k === 'not' || item.k === 'exists' || item.k === 'isUnknown' || item.k === 'startsWith' || item.k === 'likeRegex';
}

/** A comparison, && or ||: an operator whose answer is true, false or unknown. */
export function isLogical(op: Binary): boolean {
  return PRIORITY[op]! <= 2;
}

/** A comparison operator (==, !=, <, <=, >, >=). */
export function isComparison(op: Binary): boolean {
  return PRIORITY[op]! === 2;
}

/** XQuery's regex flags over a JavaScript RegExp: i, s, m, x (spaces ignored), q (the pattern is a literal). */
export function likeRegex(pattern: string, flags: string): RegExp {
  let source = pattern;
  if (flags.includes('q')) source = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  else if (flags.includes('x')) source = pattern.replace(/\s+/g, '');
  let jsFlags = 'u';
  if (flags.includes('i')) jsFlags += 'i';
  if (flags.includes('s')) jsFlags += 's';
  if (flags.includes('m')) jsFlags += 'm';
  try {
    return new RegExp(source, jsFlags);
  } catch (error) {
    throw new SqlError('2201B', `invalid regular expression: ${(error as Error).message}`);
  }
}
