import { TypeOid } from '../../contracts/sql-value.js';
import type { Expr } from '../sql/ast.js';
import { parseExpression } from '../sql/table-expressions.js';
import type { Scope } from '../sql/scope.js';
import * as types from '../sql/typesystem.js';
import { quoteIdent, quoteLiteral } from './catalog-objects.js';

/**
 * A stored expression (CHECK constraint, generation expression, domain constraint) printed as
 * PostgreSQL's ruleutils prints its parsed tree: pg_get_constraintdef and pg_get_expr, plain
 * (every operator parenthesized) or pretty (parentheses only where precedence needs them).
 * The expression is first typed as PostgreSQL's parser would type it (implicit casts made
 * explicit, literals given their types); forms not covered here give null, and the caller
 * refuses with 0A000 rather than print text PostgreSQL would not.
 */

type Node =
  | { readonly k: 'var'; readonly name: string; readonly oid: number }
  | { readonly k: 'const'; readonly text: string | null; readonly oid: number; readonly literal: 'number' | 'string' | 'boolean' | 'null' }
  | { readonly k: 'op'; readonly op: string; readonly left: Node; readonly right: Node; readonly oid: number }
  | { readonly k: 'bool'; readonly op: 'AND' | 'OR' | 'NOT'; readonly args: readonly Node[]; readonly oid: number }
  | { readonly k: 'nulltest'; readonly arg: Node; readonly isNull: boolean; readonly oid: number }
  | { readonly k: 'booltest'; readonly arg: Node; readonly test: string; readonly oid: number }
  | { readonly k: 'prefix'; readonly op: string; readonly arg: Node; readonly oid: number }
  | { readonly k: 'func'; readonly name: string; readonly args: readonly Node[]; readonly oid: number }
  | { readonly k: 'cast'; readonly arg: Node; readonly oid: number; readonly implicit: boolean }
  | { readonly k: 'saop'; readonly op: string; readonly all: boolean; readonly left: Node; readonly elements: readonly Node[]; readonly oid: number };

const { bool: BOOL, int2: INT2, int4: INT4, int8: INT8, float4: FLOAT4, float8: FLOAT8, numeric: NUMERIC, text: TEXT, varchar: VARCHAR, unknown: UNKNOWN } = TypeOid;
const INTS = new Set<number>([INT2, INT4, INT8]);
const FLOATS = new Set<number>([FLOAT4, FLOAT8]);
const COMPARISONS = new Set(['=', '<>', '<', '<=', '>', '>=']);
const ARITHMETIC = new Set(['+', '-', '*', '/']);
const REGEX = new Set(['~', '~*', '!~', '!~*']);
/** Functions of one text argument (or abs of a number) that print as called. */
const TEXT_FUNCTIONS = new Set(['length', 'char_length', 'lower', 'upper', 'btrim', 'ltrim', 'rtrim', 'md5', 'reverse']);

const ARRAY_TYPES = new Set(types.allTypes().filter((t) => t.element !== 0).map((t) => t.oid));

/** `text || array` is array concatenation, not the text operator. */
function isArray(oid: number): boolean {
  return ARRAY_TYPES.has(oid);
}

class Unprintable extends Error {}

function fail(): never {
  throw new Unprintable();
}

/** The text of `text` (an expression over `scope`), or null when its form is not covered. */
export function expressionText(text: string, scope: Scope, pretty: boolean, domainValue = false, domainColumns: ReadonlySet<number> = new Set()): string | null {
  try {
    const tree = build(parseExpression(text), scope, domainValue, domainColumns);
    return new Printer(pretty).rule(tree, false);
  } catch (error) {
    if (error instanceof Unprintable) return null;
    throw error;
  }
}

function build(expr: Expr, scope: Scope, domainValue: boolean, domainColumns: ReadonlySet<number>): Node {
  const recurse = (e: Expr) => build(e, scope, domainValue, domainColumns);
  switch (expr.kind) {
    case 'column': {
      const column = scope.resolve(expr.table, expr.name, expr.location);
      const node: Node = { k: 'var', name: domainValue ? 'VALUE' : column.name, oid: column.oid };
      if (!domainColumns.has(column.position)) return node;
      // A column of a domain type reaches operators and functions relabeled to the base type.
      if (column.oid === VARCHAR) return fail();
      return { k: 'cast', arg: { ...node, oid: 0 }, oid: column.oid, implicit: true };
    }
    case 'const':
      if (expr.literal === 'integer') return { k: 'const', text: expr.text, oid: integerType(expr.text), literal: 'number' };
      if (expr.literal === 'numeric') return { k: 'const', text: expr.text, oid: NUMERIC, literal: 'number' };
      if (expr.literal === 'string') return { k: 'const', text: expr.text, oid: UNKNOWN, literal: 'string' };
      if (expr.literal === 'boolean') return { k: 'const', text: expr.text, oid: BOOL, literal: 'boolean' };
      if (expr.literal === 'null') return { k: 'const', text: null, oid: UNKNOWN, literal: 'null' };
      return fail();
    case 'op': {
      if (!expr.left) {
        const arg = recurse(expr.right);
        if (expr.op !== '-' || !(INTS.has(arg.oid) || FLOATS.has(arg.oid) || arg.oid === NUMERIC)) return fail();
        return { k: 'prefix', op: '-', arg, oid: arg.oid };
      }
      return binary(expr.op === '!=' ? '<>' : expr.op, recurse(expr.left), recurse(expr.right));
    }
    case 'like': {
      if (expr.caseInsensitive) return fail();
      return binary(expr.negated ? '!~~' : '~~', recurse(expr.arg), recurse(expr.pattern));
    }
    case 'and':
    case 'or': return { k: 'bool', op: expr.kind === 'and' ? 'AND' : 'OR', args: expr.args.map((a) => boolean(recurse(a))), oid: BOOL };
    case 'not': return { k: 'bool', op: 'NOT', args: [boolean(recurse(expr.arg))], oid: BOOL };
    case 'null-test': return { k: 'nulltest', arg: recurse(expr.arg), isNull: expr.isNull, oid: BOOL };
    case 'bool-test': return { k: 'booltest', arg: boolean(recurse(expr.arg)), test: expr.test.replace('-', ' ').toUpperCase(), oid: BOOL };
    case 'between': {
      if (expr.negated) return fail();
      const low = binary('>=', recurse(expr.arg), recurse(expr.low));
      const high = binary('<=', recurse(expr.arg), recurse(expr.high));
      return { k: 'bool', op: 'AND', args: [low, high], oid: BOOL };
    }
    case 'in': {
      const left = recurse(expr.arg);
      if (!(INTS.has(left.oid) || left.oid === TEXT || left.oid === NUMERIC)) return fail();
      const elements = expr.list.map((e) => {
        const element = recurse(e);
        if (element.k !== 'const' || element.literal === 'null') return fail();
        if (element.oid === left.oid) return element;
        if (element.oid === UNKNOWN) return typedLiteral(element, left.oid);
        return fail();
      });
      return { k: 'saop', op: expr.negated ? '<>' : '=', all: expr.negated, left, elements, oid: BOOL };
    }
    case 'func': {
      const name = expr.name.toLowerCase();
      if (expr.schema || expr.star || expr.distinct || expr.filter || expr.over || expr.args.length !== 1) return fail();
      const arg = recurse(expr.args[0]!);
      if (name === 'abs' && (INTS.has(arg.oid) || FLOATS.has(arg.oid) || arg.oid === NUMERIC)) return { k: 'func', name, args: [arg], oid: arg.oid };
      if (!TEXT_FUNCTIONS.has(name)) return fail();
      const textArg = toText(arg);
      return { k: 'func', name, args: [textArg], oid: name === 'length' || name === 'char_length' ? INT4 : TEXT };
    }
    case 'cast': {
      if (expr.type.arrayBounds > 0) return fail();
      const target = types.resolveTypeName(expr.type);
      if (target.typmod >= 0) return fail();
      const arg = recurse(expr.arg);
      if (arg.k === 'const' && arg.oid === UNKNOWN) return typedLiteral(arg, target.oid);
      if (arg.oid === target.oid) return arg;
      return { k: 'cast', arg, oid: target.oid, implicit: false };
    }
    default: return fail();
  }
}

function integerType(text: string): number {
  const n = BigInt(text);
  if (n >= -2147483648n && n <= 2147483647n) return INT4;
  if (n >= -9223372036854775808n && n <= 9223372036854775807n) return INT8;
  return NUMERIC;
}

/** An untyped string literal read as `oid` (PostgreSQL folds the literal into a constant of that type). */
function typedLiteral(node: Extract<Node, { k: 'const' }>, oid: number): Node {
  if (node.literal === 'null') return { ...node, oid };
  if (node.oid !== UNKNOWN) return fail();
  const value = types.parseTextValue(oid, -1, node.text!);
  return { k: 'const', text: types.formatTextValue(oid, value), oid, literal: 'string' };
}

function implicit(node: Node, oid: number): Node {
  if (node.oid === oid) return node;
  if (node.k === 'const' && node.oid === UNKNOWN) return typedLiteral(node, oid);
  return { k: 'cast', arg: node, oid, implicit: true };
}

/** varchar reaches text operators and functions relabeled to text; a literal becomes a text constant. */
function toText(node: Node): Node {
  if (node.oid === TEXT || node.oid === VARCHAR || node.oid === UNKNOWN) return implicit(node, TEXT);
  return fail();
}

function boolean(node: Node): Node {
  if (node.oid === BOOL) return node;
  if (node.k === 'const' && node.oid === UNKNOWN) return typedLiteral(node, BOOL);
  return fail();
}

/** The operator PostgreSQL would pick for the operand types, with the implicit casts it would add. */
function binary(op: string, left: Node, right: Node): Node {
  const result = (oid: number, l: Node, r: Node): Node => ({ k: 'op', op, left: l, right: r, oid: COMPARISONS.has(op) ? BOOL : oid });
  if (op === '~~' || op === '!~~' || REGEX.has(op)) return { k: 'op', op, left: toText(left), right: toText(right), oid: BOOL };
  if (op === '||') {
    if (left.oid === UNKNOWN && right.oid === UNKNOWN) return fail();
    const textual = (n: Node) => n.oid === TEXT || n.oid === VARCHAR || n.oid === UNKNOWN;
    if (textual(left) && textual(right)) return result(TEXT, toText(left), toText(right));
    if (textual(left) && !isArray(right.oid)) return result(TEXT, toText(left), right);
    if (textual(right) && !isArray(left.oid)) return result(TEXT, left, toText(right));
    return fail();
  }
  if (op === '%') {
    if (left.oid === UNKNOWN || right.oid === UNKNOWN || left.oid !== right.oid || !(INTS.has(left.oid) || left.oid === NUMERIC)) return fail();
    return result(left.oid, left, right);
  }
  if (!COMPARISONS.has(op) && !ARITHMETIC.has(op)) return fail();
  if (left.oid === UNKNOWN && right.oid === UNKNOWN) return fail();
  if (left.oid === UNKNOWN) left = implicit(left, right.oid === VARCHAR ? TEXT : right.oid);
  if (right.oid === UNKNOWN) right = implicit(right, left.oid === VARCHAR ? TEXT : left.oid);
  if (left.oid === VARCHAR || right.oid === VARCHAR) {
    if (!COMPARISONS.has(op)) return fail();
    return result(TEXT, toText(left), toText(right));
  }
  if (left.oid === right.oid) return result(left.oid, left, right);
  if (INTS.has(left.oid) && INTS.has(right.oid)) return result(left.oid === INT8 || right.oid === INT8 ? INT8 : INT4, left, right);
  if (FLOATS.has(left.oid) && FLOATS.has(right.oid)) return result(FLOAT8, left, right);
  for (const wide of [NUMERIC, FLOAT8]) {
    if (left.oid === wide && (INTS.has(right.oid) || (wide === FLOAT8 && right.oid === NUMERIC))) return result(wide, left, implicit(right, wide));
    if (right.oid === wide && (INTS.has(left.oid) || (wide === FLOAT8 && left.oid === NUMERIC))) return result(wide, implicit(left, wide), right);
  }
  return fail();
}

/** ruleutils' get_rule_expr for the nodes above. */
class Printer {
  constructor(private readonly pretty: boolean) {}

  rule(node: Node, showImplicit: boolean): string {
    const open = this.pretty ? '' : '(';
    const close = this.pretty ? '' : ')';
    switch (node.k) {
      case 'var': return node.name === 'VALUE' ? 'VALUE' : quoteIdent(node.name);
      case 'const': return constant(node, 0);
      case 'op': return `${open}${this.paren(node.left, true, node)} ${node.op} ${this.paren(node.right, true, node)}${close}`;
      case 'bool':
        if (node.op === 'NOT') return `${open}NOT ${this.paren(node.args[0]!, false, node)}${close}`;
        return `${open}${node.args.map((a) => this.paren(a, false, node)).join(` ${node.op} `)}${close}`;
      case 'nulltest': return `${open}${this.paren(node.arg, true, node)} IS ${node.isNull ? '' : 'NOT '}NULL${close}`;
      case 'booltest': return `${open}${this.paren(node.arg, true, node)} IS ${node.test}${close}`;
      case 'prefix': return `${open}${node.op} ${this.paren(node.arg, true, node)}${close}`;
      case 'func': return `${node.name}(${node.args.map((a) => this.rule(a, true)).join(', ')})`;
      case 'cast': return this.coercion(node, showImplicit, null);
      case 'saop':
        return `${open}${this.paren(node.left, true, node)} ${node.op} ${node.all ? 'ALL' : 'ANY'} (ARRAY[${node.elements.map((e) => this.rule(e, true)).join(', ')}])${close}`;
    }
  }

  private coercion(node: Extract<Node, { k: 'cast' }>, showImplicit: boolean, parent: Node | null): string {
    if (node.implicit && !showImplicit) return this.paren(node.arg, false, parent);
    const inner = this.paren(node.arg, false, parent);
    return `${this.pretty ? inner : `(${inner})`}::${types.formatType(node.oid, -1)}`;
  }

  /** get_rule_expr_paren: parentheses in pretty mode where the node is not simple under its parent. */
  private paren(node: Node, showImplicit: boolean, parent: Node | null): string {
    const text = node.k === 'cast' ? this.coercion(node, showImplicit, parent) : this.rule(node, showImplicit);
    return this.pretty && parent && !isSimple(node, parent) ? `(${text})` : text;
  }
}

/** ruleutils' isSimpleNode with PRETTYFLAG_PAREN. */
function isSimple(node: Node, parent: Node): boolean {
  switch (node.k) {
    case 'var': case 'const': case 'func': case 'cast': return true;
    case 'op': {
      if (parent.k === 'op') {
        const low = (op: string) => op === '+' || op === '-';
        const high = (op: string) => op === '*' || op === '/' || op === '%';
        if (!(low(node.op) || high(node.op)) || !(low(parent.op) || high(parent.op))) return false;
        if (high(node.op) && low(parent.op)) return true;
        if (low(node.op) && high(parent.op)) return false;
        return parent.left === node;
      }
      return parent.k === 'bool' || parent.k === 'func';
    }
    case 'nulltest': case 'booltest': case 'prefix': return parent.k === 'bool' || parent.k === 'func';
    case 'bool':
      if (parent.k === 'bool') return node.op === 'OR' ? parent.op === 'OR' : parent.op === 'AND' || parent.op === 'OR';
      return parent.k === 'func';
    case 'saop': return false;
  }
}

/** ruleutils' get_const_expr: showType -1 never labels, 0 labels unless the literal reads back as its type. */
function constant(node: Extract<Node, { k: 'const' }>, showType: number): string {
  const label = `::${types.formatType(node.oid, -1)}`;
  if (node.text === null) return `NULL${showType >= 0 ? label : ''}`;
  let text: string;
  let needLabel = false;
  if (node.oid === INT4) {
    text = node.text.startsWith('-') ? `'${node.text}'` : node.text;
    needLabel = node.text.startsWith('-');
  } else if (node.oid === NUMERIC) {
    const plain = /^[0-9]/.test(node.text) && /[.eE]/.test(node.text);
    text = plain ? node.text : `'${node.text}'`;
    needLabel = !plain;
  } else if (node.oid === BOOL) {
    text = node.text === 't' || node.text === 'true' ? 'true' : 'false';
  } else {
    text = quoteLiteral(node.text);
    needLabel = node.oid !== UNKNOWN;
  }
  return needLabel || showType > 0 ? `${text}${label}` : text;
}
