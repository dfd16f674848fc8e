import { SqlError } from '../../contracts/errors.js';
import type { NumericValue } from '../../contracts/sql-value.js';
import type { JsonNode } from './json.js';
import * as num from './numeric.js';

/**
 * SQL/JSON path expressions (the jsonpath type) as PostgreSQL 15 parses, prints and evaluates
 * them (jsonpath_gram.y, jsonpath.c, jsonpath_exec.c): lax and strict modes, member, wildcard
 * and subscript accessors with `last`, filters, comparisons, arithmetic, exists, like_regex,
 * starts with, is unknown, variables, and the item methods type, size, double, abs, floor and
 * ceiling, and the recursive wildcard .**{n to m}. .datetime() and .keyvalue() (whose ids are offsets
 * into jsonb's binary form) parse and print, and answer "not supported" when evaluated.
 */

type Binary = '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%' | '&&' | '||';

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
// Evaluation (jsonpath_exec.c)

/** A JSON item during evaluation: jsonb's nodes (numbers as numeric). */
type Item = JsonNode;
type Truth = true | false | null;

class PathError extends Error {
  constructor(readonly sql: SqlError) {
    super(sql.message);
  }
}

interface Context {
  readonly strict: boolean;
  readonly vars: Map<string, Item>;
  readonly root: Item;
  current: Item;
  /** `last` inside subscripts: the array's last index. */
  last: number | null;
}

/**
 * Whether a structural error (a missing key, an accessor on the wrong kind of item) is raised:
 * in strict mode, but not in the steps after a `.**` (`ignore`, as jpiAny sets it).
 */
function raises(cx: Context, ignore: boolean): boolean {
  return cx.strict && !ignore;
}

/** What a path found, and whether its evaluation failed (silent: the error is not raised). */
export interface PathResult {
  readonly items: Item[];
  readonly failed: boolean;
}

/**
 * The items `path` yields for `target` (jsonb, normalized), with `vars` (a jsonb object) for
 * `$name`. A path error throws, unless `silent`: then the items found before it are the answer,
 * marked failed (PostgreSQL keeps its found list). `existsOnly` stops at the first item.
 */
export function evaluateJsonPath(path: JsonPath, target: Item, vars: Item | null, silent: boolean, existsOnly = false): PathResult {
  const variables = new Map<string, Item>();
  if (vars !== null) {
    if (vars.kind !== 'object') throw new SqlError('22023', '"vars" argument is not an object', { detail: 'Jsonpath parameters should be encoded as key-value pairs of "vars" object.' });
    for (const [k, v] of vars.entries) variables.set(k, v);
  }
  const cx: Context = { strict: path.strict, vars: variables, root: target, current: target, last: null };
  const found: Item[] = [];
  try {
    const root = path.root;
    if (isPredicate(root)) {
      found.push(truthItem(predicate(cx, root, target)));
    } else if (existsOnly && root.k === 'unary' && root.next === undefined) {
      // Whether anything is found, as PostgreSQL's evaluation with no result list answers it:
      // a sign before the path skips the items that are not numbers.
      found.push(...items(cx, root.arg, target).flatMap((v) => unwrapped(cx, v)).filter((v) => v.kind === 'number').slice(0, 1));
    } else {
      // Items one at a time: with existsOnly, what would fail after the first is never reached.
      for (const item of iterate(cx, root, target)) {
        found.push(item);
        if (existsOnly) break;
      }
    }
    return { items: found, failed: false };
  } catch (error) {
    if (error instanceof PathError) {
      if (silent) return { items: found, failed: true };
      throw error.sql;
    }
    throw error;
  }
}

function isPredicate(item: PathItem): boolean {
  if (item.next) return false;
  return (item.k === 'binary' && PRIORITY[item.op]! <= 2) || item.k === 'not' || item.k === 'exists' || item.k === 'isUnknown' || item.k === 'startsWith' || item.k === 'likeRegex';
}

function fail(code: string, message: string): PathError {
  return new PathError(new SqlError(code, message));
}

/** The items of an expression (a predicate as an expression yields its boolean). */
function items(cx: Context, item: PathItem, current: Item): Item[] {
  return [...iterate(cx, item, current)];
}

/** The items one at a time: each accessor step runs on an item when the next item is wanted. */
function* iterate(cx: Context, item: PathItem, current: Item): Generator<Item> {
  let out: Item[];
  switch (item.k) {
    case 'root': out = [cx.root]; break;
    case 'current': out = [current]; break;
    case 'last': {
      if (cx.last === null) throw fail('22036', 'evaluating jsonpath LAST outside of array subscript');
      out = [numberItem(num.parseNumeric(String(cx.last)))];
      break;
    }
    case 'var': {
      const value = cx.vars.get(item.name);
      // Not a path error: no predicate, nor silent, hides it.
      if (value === undefined) throw new SqlError('42704', `could not find jsonpath variable "${item.name}"`);
      out = [value];
      break;
    }
    case 'string': out = [{ kind: 'string', value: item.value }]; break;
    case 'number': out = [numberItem(item.value)]; break;
    case 'bool': out = [{ kind: 'literal', text: item.value ? 'true' : 'false' }]; break;
    case 'null': out = [{ kind: 'literal', text: 'null' }]; break;
    case 'binary':
      if (PRIORITY[item.op]! <= 2) out = [truthItem(predicate(cx, item, current))];
      else out = [arithmetic(cx, item.op as '+' | '-' | '*' | '/' | '%', item.left, item.right, current)];
      break;
    case 'unary': out = unaryItems(cx, item.op, item.arg, current); break;
    default: out = [truthItem(predicate(cx, item, current))];
  }
  yield* chain(cx, out, item.next ?? [], 0, false);
}

function* chain(cx: Context, values: readonly Item[], steps: readonly Step[], at: number, ignore: boolean): Generator<Item> {
  if (at === steps.length) {
    yield* values;
    return;
  }
  const step = steps[at]!;
  const unwraps = unwrapsArrays(step);
  for (const value of values) {
    // Lax mode's unwrapping one element at a time: a later element's error is not reached
    // when the first one's item is all that is wanted.
    for (const v of unwraps ? unwrapped(cx, value) : [value]) yield* chain(cx, applyStep(cx, step, v, ignore), steps, at + 1, ignore || step.k === 'any');
  }
}

/** The steps that lax mode applies to an array's elements rather than to the array. */
function unwrapsArrays(step: Step): boolean {
  return step.k === 'key' || step.k === 'anyKey' || step.k === 'filter' || (step.k === 'method' && step.name !== 'type' && step.name !== 'size');
}

function numberItem(value: NumericValue): Item {
  return { kind: 'number', text: num.formatNumeric(value) };
}

function truthItem(truth: Truth): Item {
  return { kind: 'literal', text: truth === null ? 'null' : truth ? 'true' : 'false' };
}

/** Lax mode unwraps an array into its elements where an accessor or method expects no array. */
function unwrapped(cx: Context, value: Item): Item[] {
  return !cx.strict && value.kind === 'array' ? value.items : [value];
}

/** One step on one item (already unwrapped by `chain` where the step unwraps arrays). */
function applyStep(cx: Context, step: Step, v: Item, ignore: boolean): Item[] {
  const value = v;
  switch (step.k) {
    case 'key': {
      if (v.kind === 'object') {
        let found: Item | undefined;
        for (const [k, member] of v.entries) if (k === step.name) found = member;
        if (found !== undefined) return [found];
        if (raises(cx, ignore)) throw fail('2203A', `JSON object does not contain key "${step.name}"`);
        return [];
      }
      if (raises(cx, ignore)) throw fail('2203A', 'jsonpath member accessor can only be applied to an object');
      return [];
    }
    case 'anyKey':
      if (v.kind === 'object') return v.entries.map(([, member]) => member);
      if (raises(cx, ignore)) throw fail('2203C', 'jsonpath wildcard member accessor can only be applied to an object');
      return [];
    case 'anyArray':
      if (value.kind === 'array') return value.items;
      if (!cx.strict) return [value];
      if (raises(cx, ignore)) throw fail('22039', 'jsonpath wildcard array accessor can only be applied to an array');
      return [];
    case 'index': {
      const elements = value.kind === 'array' ? value.items : cx.strict ? null : [value];
      if (elements === null) {
        if (raises(cx, ignore)) throw fail('22039', 'jsonpath array accessor can only be applied to an array');
        return [];
      }
      const saved = cx.last;
      cx.last = elements.length - 1;
      try {
        const out: Item[] = [];
        for (const [fromItem, toItem] of step.subscripts) {
          const from = subscript(cx, fromItem, value);
          const to = toItem === null ? from : subscript(cx, toItem, value);
          if (raises(cx, ignore) && (from < 0 || from > to || to >= elements.length)) throw fail('22033', 'jsonpath array subscript is out of bounds');
          for (let i = Math.max(from, 0); i <= Math.min(to, elements.length - 1); i++) out.push(elements[i]!);
        }
        return out;
      } finally {
        cx.last = saved;
      }
    }
    case 'filter':
      return predicate(cx, step.predicate, v) === true ? [v] : [];
    case 'method':
      return method(cx, step.name, value, ignore);
    case 'any': {
      if (step.first === null) throw new PathError(new SqlError('0A000', 'the jsonpath accessor .**{last} is not supported'));
      const out: Item[] = [];
      descend(value, 0, step.first, step.last ?? Infinity, out);
      return out;
    }
  }
}

/** `.**`: the item (at level 0) and, depth first, its members' and elements' values. */
function descend(value: Item, level: number, first: number, last: number, out: Item[]): void {
  if (level >= first && level <= last) out.push(value);
  if (level >= last) return;
  const children = value.kind === 'object' ? value.entries.map(([, v]) => v) : value.kind === 'array' ? value.items : [];
  for (const child of children) descend(child, level + 1, first, last, out);
}

function subscript(cx: Context, item: PathItem, current: Item): number {
  const values = items(cx, item, current);
  if (values.length !== 1 || values[0]!.kind !== 'number') throw fail('22033', 'jsonpath array subscript is not a single numeric value');
  const n = Math.trunc(Number(values[0]!.text));
  if (!Number.isFinite(n) || Math.abs(n) > 2_147_483_647) throw fail('22033', 'jsonpath array subscript is out of integer range');
  return n;
}

function method(cx: Context, name: string, value: Item, ignore: boolean): Item[] {
  if (name === 'datetime') throw new PathError(new SqlError('0A000', 'the jsonpath item method .datetime() is not supported'));
  if (name === 'keyvalue') {
    if (value.kind !== 'object') throw fail('2203C', 'jsonpath item method .keyvalue() can only be applied to an object');
    // Its "id" is the object's offset in jsonb's binary form, which this representation lacks.
    throw new PathError(new SqlError('0A000', 'the jsonpath item method .keyvalue() is not supported'));
  }
  if (name === 'type') return [{ kind: 'string', value: typeName(value) }];
  if (name === 'size') {
    if (value.kind === 'array') return [numberItem(num.parseNumeric(String(value.items.length)))];
    if (!cx.strict) return [numberItem(num.parseNumeric('1'))];
    if (raises(cx, ignore)) throw fail('22039', 'jsonpath item method .size() can only be applied to an array');
    return [];
  }
  return [value].map((v) => {
    if (name === 'double') {
      let n: number;
      if (v.kind === 'number') n = Number(v.text);
      else if (v.kind === 'string') {
        n = Number(v.value.trim());
        if (v.value.trim() === '' || !Number.isFinite(n)) {
          throw fail('22036', 'string argument of jsonpath item method .double() is not a valid representation of a double precision number');
        }
      } else throw fail('22036', 'jsonpath item method .double() can only be applied to a string or numeric value');
      if (!Number.isFinite(n)) throw fail('22036', 'numeric argument of jsonpath item method .double() is an out-of-range type for type double precision');
      return numberItem(num.parseNumeric(String(n)));
    }
    if (v.kind !== 'number') throw fail('22036', `jsonpath item method .${name}() can only be applied to a numeric value`);
    const n = num.parseNumeric(v.text);
    return numberItem(name === 'abs' ? num.numericAbs(n) : name === 'floor' ? num.numericFloor(n) : num.numericCeil(n));
  });
}

function typeName(v: Item): string {
  switch (v.kind) {
    case 'object': return 'object';
    case 'array': return 'array';
    case 'string': return 'string';
    case 'number': return 'number';
    case 'literal': return v.text === 'null' ? 'null' : 'boolean';
  }
}

function arithmetic(cx: Context, op: '+' | '-' | '*' | '/' | '%', left: PathItem, right: PathItem, current: Item): Item {
  // Both operands are evaluated before either is checked (executeBinaryArithmExpr).
  const xs = items(cx, left, current).flatMap((v) => unwrapped(cx, v));
  const ys = items(cx, right, current).flatMap((v) => unwrapped(cx, v));
  if (xs.length !== 1 || xs[0]!.kind !== 'number') throw fail('22038', `left operand of jsonpath operator ${op} is not a single numeric value`);
  if (ys.length !== 1 || ys[0]!.kind !== 'number') throw fail('22038', `right operand of jsonpath operator ${op} is not a single numeric value`);
  const a = num.parseNumeric(xs[0]!.text);
  const b = num.parseNumeric(ys[0]!.text);
  try {
    switch (op) {
      case '+': return numberItem(num.numericAdd(a, b));
      case '-': return numberItem(num.numericSub(a, b));
      case '*': return numberItem(num.numericMul(a, b));
      case '/': return numberItem(num.numericDiv(a, b));
      case '%': return numberItem(num.numericMod(a, b));
    }
  } catch (error) {
    if (error instanceof SqlError) throw new PathError(error);
    throw error;
  }
}

function unaryItems(cx: Context, op: '+' | '-', arg: PathItem, current: Item): Item[] {
  return items(cx, arg, current).flatMap((v) => unwrapped(cx, v)).map((v) => {
    if (v.kind !== 'number') throw fail('2203B', `operand of unary jsonpath operator ${op} is not a numeric value`);
    return op === '-' ? numberItem(num.numericNegate(num.parseNumeric(v.text))) : v;
  });
}

/** A predicate's three-valued answer; errors inside it make it unknown. */
function predicate(cx: Context, item: PathItem, current: Item): Truth {
  switch (item.k) {
    case 'binary': {
      if (item.op === '&&') {
        const a = predicate(cx, item.left, current);
        if (a === false) return false;
        const b = predicate(cx, item.right, current);
        return b === false ? false : a === true && b === true ? true : null;
      }
      if (item.op === '||') {
        const a = predicate(cx, item.left, current);
        if (a === true) return true;
        const b = predicate(cx, item.right, current);
        return b === true ? true : a === false && b === false ? false : null;
      }
      if (PRIORITY[item.op]! === 2) return existential(cx, item.left, item.right, current, (x, y) => compare(item.op, x, y));
      break;
    }
    case 'not': {
      const a = predicate(cx, item.arg, current);
      return a === null ? null : !a;
    }
    case 'isUnknown': return predicate(cx, item.arg, current) === null;
    case 'exists': {
      try {
        return items(cx, item.arg, current).length > 0;
      } catch (error) {
        if (error instanceof PathError) return null;
        throw error;
      }
    }
    case 'startsWith':
      return existential(cx, item.left, item.right, current, (x, y) => (x.kind === 'string' && y.kind === 'string' ? x.value.startsWith(y.value) : null));
    case 'likeRegex': {
      const regex = likeRegex(item.pattern, item.flags);
      return existential(cx, item.arg, null, current, (x) => (x.kind === 'string' ? regex.test(x.value) : null));
    }
    default:
      break;
  }
  // An expression in a predicate's place (a filter `? (@.a)`): PostgreSQL refuses it when parsing.
  throw new PathError(new SqlError('42601', 'syntax error in jsonpath: a filter expression must be a predicate'));
}

/**
 * Any pair of the two sides' items for which `test` holds makes it true (lax: after unwrapping
 * arrays); an error, or an incomparable pair, makes it unknown — in strict mode at once, in lax
 * mode unless a true pair is found.
 */
function existential(cx: Context, left: PathItem, right: PathItem | null, current: Item, test: (x: Item, y: Item) => Truth): Truth {
  let xs: Item[];
  let ys: Item[];
  try {
    xs = items(cx, left, current).flatMap((v) => unwrapped(cx, v));
    ys = right === null ? [{ kind: 'literal', text: 'null' }] : items(cx, right, current).flatMap((v) => unwrapped(cx, v));
  } catch (error) {
    if (error instanceof PathError) return null;
    throw error;
  }
  let found = false;
  let unknown = false;
  for (const x of xs) {
    for (const y of ys) {
      const truth = test(x, y);
      if (truth === null) {
        if (cx.strict) return null;
        unknown = true;
      } else if (truth) {
        if (!cx.strict) return true;
        found = true;
      }
    }
  }
  return found ? true : unknown ? null : false;
}

function compare(op: Binary, x: Item, y: Item): Truth {
  const kind = (v: Item) => (v.kind === 'literal' ? (v.text === 'null' ? 'null' : 'bool') : v.kind);
  if (kind(x) !== kind(y)) {
    if (kind(x) === 'null' || kind(y) === 'null') return op === '!=';
    return null;
  }
  let order: number;
  switch (kind(x)) {
    case 'null': order = 0; break;
    case 'bool': order = x.kind === 'literal' && y.kind === 'literal' ? (x.text === y.text ? 0 : x.text === 'true' ? 1 : -1) : 0; break;
    case 'number': order = num.compareNumeric(num.parseNumeric((x as { text: string }).text), num.parseNumeric((y as { text: string }).text)); break;
    case 'string': {
      const a = (x as { value: string }).value;
      const b = (y as { value: string }).value;
      if (op === '==') return a === b;
      order = codePointOrder(a, b);
      break;
    }
    default: return null; // arrays and objects are not comparable
  }
  switch (op) {
    case '==': return order === 0;
    case '!=': return order !== 0;
    case '<': return order < 0;
    case '<=': return order <= 0;
    case '>': return order > 0;
    default: return order >= 0;
  }
}

/** Strings compare by code points (compareStrings on UTF-8 bytes). */
function codePointOrder(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return Buffer.compare(x, y);
}

/** XQuery's regex flags over a JavaScript RegExp: i, s, m, x (spaces ignored), q (the pattern is a literal). */
function likeRegex(pattern: string, flags: string): RegExp {
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
