import { SqlError } from '../../contracts/errors.js';
import type { NumericValue } from '../../contracts/sql-value.js';
import type { JsonNode } from './json.js';
import { isComparison, isLogical, isPredicate, likeRegex, type Binary, type JsonPath, type PathItem, type Step } from './jsonpath.js';
import * as num from './numeric.js';

/**
 * Evaluating a parsed SQL/JSON path over a jsonb document as PostgreSQL 15 does
 * (jsonpath_exec.c): lax mode's unwrapping and wrapping, strict mode's structural errors (and
 * `.**` setting them aside), three-valued predicates, arithmetic on single numbers, the item
 * methods, and a silent call keeping what was found before an error.
 */

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
  const cx: Context = { strict: path.strict, vars: variables, root: target, last: null };
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
      if (isLogical(item.op)) out = [truthItem(predicate(cx, item, current))];
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
      if (isComparison(item.op)) return existential(cx, item.left, item.right, current, (x, y) => compare(item.op, x, y));
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

