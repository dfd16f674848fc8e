/**
 * Parse trees by literal shape. psql scripts, psycopg2 and pgbench's simple mode write each value
 * into the query text, so every text is new to the exact-text parse cache and every statement
 * went through libpg-query's WASM parse and its JSON (~30 µs of a 100 µs point SELECT). Texts
 * that differ only in their number and string literals parse to the same tree but for those
 * constants and the positions after them; this module keeps one tree per shape and fills the
 * constants of a new text in (a few µs), producing exactly the tree the grammar would.
 *
 * Exactness rests on three checks, each of which makes a text take the ordinary parse instead:
 * - the lexer (`literalShape`) recognises only the plain forms whose token kind cannot depend on
 *   the value — decimal integers (int4-sized or not, which the grammar tells apart), decimal
 *   numerics and reals, '…' strings without prefixes or continuation — and gives up on anything
 *   else (E'', $$, U&, B'', X'', underscores, 0x, trailing junk);
 * - the template (`shapeTemplate`) accepts a tree only if each literal is exactly one A_Const at
 *   the literal's position (or at the `-` right before it, which the grammar folds in) holding
 *   the literal's own value: a literal the grammar consumed any other way (`float(30)`, an
 *   Iconst in a sequence option, a string kept as a C string) finds no A_Const, and the shape is
 *   refused;
 * - every location in the tree is a token's start, so shifting the ones after each literal by the
 *   change in its length gives the new text's positions (error positions stay right).
 */
import type { ParameterPlaces } from './auto-parameters.js';
import { LOCATIONS } from './parse-locations.js';

/** A literal's kind as the grammar tells them apart: int4-sized integer, other number, string. */
export type LiteralKind = 'i' | 'f' | 's';

export interface Literal {
  readonly kind: LiteralKind;
  /** Offsets in the text; `end` is exclusive. */
  readonly start: number;
  readonly end: number;
  /** The integer, the number's text, or the string's content. */
  readonly value: number | string;
}

export interface LiteralShape {
  /** The text with each literal replaced by a marker of its kind: the cache key. */
  readonly key: string;
  readonly literals: readonly Literal[];
  /** The text names parameters ($1 …) of its own. */
  readonly params: boolean;
}

const INT4_MAX = 2147483647;

/** What a plain token may be built of (any character beyond ASCII is identifier material, as in scan.l). */
function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isIdentChar(c: number): boolean {
  return isIdentStart(c) || isDigit(c) || c === 36;
}
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
}

/** Skips whitespace and comments from `i`; -1 when a comment does not end. */
function skipBlank(sql: string, i: number): number {
  const n = sql.length;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (isSpace(c)) { i++; continue; }
    if (c === 45 && sql.charCodeAt(i + 1) === 45) {
      while (i < n && sql.charCodeAt(i) !== 10 && sql.charCodeAt(i) !== 13) i++;
      continue;
    }
    if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      i = skipBlockComment(sql, i);
      if (i < 0) return -1;
      continue;
    }
    break;
  }
  return i;
}

/** The offset after the (nested) block comment starting at `i`; -1 when it does not end. */
function skipBlockComment(sql: string, i: number): number {
  let depth = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 47 && sql.charCodeAt(i + 1) === 42) { depth++; i += 2; continue; }
    if (c === 42 && sql.charCodeAt(i + 1) === 47) { depth--; i += 2; if (depth === 0) return i; continue; }
    i++;
  }
  return -1;
}

/**
 * The literals of `sql` and its shape key, or null when the text holds anything the lexer does
 * not read exactly as PostgreSQL's would (the text then takes the ordinary parse).
 */
export function literalShape(sql: string): LiteralShape | null {
  // Zero bytes mark the literals in the key (and a query text holds none).
  if (sql.includes('\0')) return null;
  const n = sql.length;
  const literals: Literal[] = [];
  let key = '';
  let copied = 0;
  let params = false;
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (isSpace(c)) { i++; continue; }
    if ((c === 45 && sql.charCodeAt(i + 1) === 45) || (c === 47 && sql.charCodeAt(i + 1) === 42)) {
      i = skipBlank(sql, i);
      if (i < 0) return null;
      continue;
    }
    if (isIdentStart(c)) {
      i++;
      while (i < n && isIdentChar(sql.charCodeAt(i))) i++;
      continue;
    }
    if (c === 34) { // "quoted identifier"
      if (sql.charCodeAt(i - 1) === 38) return null; // U&"…"
      i = endOfQuoted(sql, i, 34);
      if (i < 0) return null;
      continue;
    }
    if (c === 36) { // $n parameters; $$ and $tag$ quotes are not read here
      if (!isDigit(sql.charCodeAt(i + 1))) return null;
      params = true;
      i++;
      while (i < n && isDigit(sql.charCodeAt(i))) i++;
      if (i < n && isIdentChar(sql.charCodeAt(i))) return null;
      continue;
    }
    if (c === 39) { // '…' string
      // A letter, digit or & right before the quote makes it E'', B'', X'', N'', U&'' or a
      // typed literal written without a space: not read here.
      const before = i > 0 ? sql.charCodeAt(i - 1) : 32;
      if (isIdentChar(before) || before === 38 || before === 39) return null;
      const end = endOfQuoted(sql, i, 39);
      if (end < 0) return null;
      // 'a' followed by another '…' across a newline is one literal to PostgreSQL.
      const next = skipBlank(sql, end);
      if (next < 0 || sql.charCodeAt(next) === 39) return null;
      const value = sql.slice(i + 1, end - 1).replaceAll("''", "'");
      key += sql.slice(copied, i) + '\0s';
      copied = end;
      literals.push({ kind: 's', start: i, end, value });
      i = end;
      continue;
    }
    if (isDigit(c)) {
      const start = i;
      while (i < n && isDigit(sql.charCodeAt(i))) i++;
      let integer = true;
      if (sql.charCodeAt(i) === 46) { // .
        if (sql.charCodeAt(i + 1) === 46) return null; // 1..2
        integer = false;
        i++;
        while (i < n && isDigit(sql.charCodeAt(i))) i++;
      }
      const e = sql.charCodeAt(i);
      if (e === 101 || e === 69) {
        integer = false;
        i++;
        const sign = sql.charCodeAt(i);
        if (sign === 43 || sign === 45) i++;
        if (!isDigit(sql.charCodeAt(i))) return null;
        while (i < n && isDigit(sql.charCodeAt(i))) i++;
      }
      // Trailing junk (123abc, 1_000, 0x1F, 1.2.3) is an error or another token to the lexer.
      const after = sql.charCodeAt(i);
      if (i < n && (isIdentChar(after) || after === 46)) return null;
      const text = sql.slice(start, i);
      let kind: LiteralKind = 'f';
      let value: number | string = text;
      if (integer) {
        // The grammar's strtoint: an int4 is an Integer constant, anything larger a Float.
        const digits = text.length - (text.match(/^0*/)![0].length);
        if (digits <= 10) {
          const number = Number(text);
          if (number <= INT4_MAX) { kind = 'i'; value = number; }
        }
      }
      key += sql.slice(copied, start) + (kind === 'i' ? '\0i' : '\0f');
      copied = i;
      literals.push({ kind, start, end: i, value });
      continue;
    }
    if (c === 46 && isDigit(sql.charCodeAt(i + 1))) return null; // .5: rare; not read here
    i++;
  }
  if (literals.length === 0) return null;
  return { key: key + sql.slice(copied), literals, params };
}

/** The offset after the quoted token at `i` (doubled quotes escape it); -1 when it does not end. */
function endOfQuoted(sql: string, i: number, quote: number): number {
  const n = sql.length;
  i++;
  while (i < n) {
    if (sql.charCodeAt(i) === quote) {
      if (sql.charCodeAt(i + 1) === quote) { i += 2; continue; }
      return i + 1;
    }
    i++;
  }
  return -1;
}

/** libpg-query's parse tree: plain JSON objects and arrays. */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** One literal's place in a template: its A_Const, and whether the grammar negated it. */
interface Slot {
  readonly literal: number;
  readonly negated: boolean;
}

/** A parse tree with its constants marked for filling in. */
export interface ShapeTemplate {
  readonly tree: Json;
  /** The template's A_Const bodies (`{ ival | fval | sval, location }`) by object. */
  readonly slots: ReadonlyMap<JsonObject, Slot>;
  readonly literals: readonly Literal[];
  /** Per literal: the grammar folded a minus sign in (`- 5` is the constant -5). */
  readonly negated: readonly boolean[];
  /** Where its literals may become parameters, once asked (auto-parameters.ts). */
  places?: ParameterPlaces | null;
}


/**
 * The template of `tree` (parsed from `sql`, whose shape is `shape`), or null when some literal
 * is not exactly one A_Const carrying its value.
 */
export function shapeTemplate(sql: string, shape: LiteralShape, tree: Json): ShapeTemplate | null {
  const { literals } = shape;
  const starts = new Map<number, number>(); // a literal's start → its index
  const negatedAt = new Map<number, number>();
  literals.forEach((literal, index) => {
    starts.set(literal.start, index);
    // `- 5` is folded by the grammar into A_Const -5 at the minus sign.
    let j = literal.start - 1;
    while (j >= 0 && isSpace(sql.charCodeAt(j))) j--;
    if (j >= 0 && sql.charCodeAt(j) === 45 && literal.kind !== 's') negatedAt.set(j, index);
  });
  const slots = new Map<JsonObject, Slot>();
  const used = new Array<number>(literals.length).fill(0);
  let valid = true;
  const visit = (node: Json): void => {
    if (!valid || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) { for (const item of node) visit(item); return; }
    const body = node['A_Const'];
    if (body !== undefined && body !== null && typeof body === 'object' && !Array.isArray(body)) {
      const location = body['location'];
      if (typeof location === 'number') {
        const direct = starts.get(location);
        const negated = direct === undefined ? negatedAt.get(location) : undefined;
        const index = direct ?? negated;
        if (index !== undefined) {
          const slot = { literal: index, negated: direct === undefined };
          if (!holds(body, literals[index]!, slot.negated)) { valid = false; return; }
          used[index]!++;
          slots.set(body, slot);
        }
      }
      return;
    }
    for (const key in node) visit(node[key]!);
  };
  visit(tree);
  if (!valid || used.some((count) => count !== 1)) return null;
  const negated = literals.map(() => false);
  for (const slot of slots.values()) negated[slot.literal] = slot.negated;
  return { tree, slots, literals, negated };
}

/** Whether the A_Const body holds exactly `literal`'s value (negated by the grammar or not). */
function holds(body: JsonObject, literal: Literal, negated: boolean): boolean {
  const { field, value } = constantOf(literal.kind, literal.value, negated);
  const fields = Object.keys(body);
  return fields.length === 2 && fields.includes('location') && fields.includes(field) && JSON.stringify(body[field]) === JSON.stringify(value);
}

/** An A_Const's value field as libpg-query writes it (an int4 zero is an empty object). */
function constantOf(kind: LiteralKind, value: number | string, negated: boolean): { field: string; value: Json } {
  if (kind === 'i') {
    const number = negated ? 0 - (value as number) : value as number;
    return { field: 'ival', value: number === 0 ? {} : { ival: number } };
  }
  if (kind === 'f') return { field: 'fval', value: { fval: negated ? `-${value as string}` : value as string } };
  return { field: 'sval', value: { sval: value as string } };
}

/**
 * The tree `template` stands for with the literals of `shape` (same key): a fresh copy, its
 * constants filled in and its positions moved to the new text's. Literal i becomes parameter
 * `$params[i]` instead where that is given (auto-parameters.ts).
 */
export function instantiate(template: ShapeTemplate, shape: LiteralShape, params?: readonly number[]): Json {
  const old = template.literals;
  const now = shape.literals;
  // Position p in the template's text moves by the change in length of the literals before it.
  // moved[k]: how far the literals before literal k moved the text (a running sum, so a position
  // is shifted by one binary search, not a walk over every literal before it: a 1,000-row VALUES
  // has thousands of each).
  const moved = new Array<number>(old.length + 1);
  moved[0] = 0;
  for (let k = 0; k < old.length; k++) moved[k + 1] = moved[k]! + (now[k]!.end - now[k]!.start) - (old[k]!.end - old[k]!.start);
  const shift = (position: number): number => {
    if (position < 0) return position;
    // How many literals start before the position.
    let lo = 0;
    let hi = old.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (old[mid]!.start < position) lo = mid + 1;
      else hi = mid;
    }
    return position + moved[lo]!;
  };
  const copy = (node: Json): Json => {
    if (node === null || typeof node !== 'object') return node;
    if (Array.isArray(node)) return node.map(copy);
    const body = node['A_Const'];
    const slot = body !== undefined ? template.slots.get(body as JsonObject) : undefined;
    if (slot !== undefined) {
      const location = shift((body as JsonObject)['location'] as number);
      const param = params?.[slot.literal];
      if (param) return { ParamRef: { number: param, location } };
      const literal = now[slot.literal]!;
      const { field, value } = constantOf(literal.kind, literal.value, slot.negated);
      return { A_Const: { [field]: value, location } };
    }
    const out: JsonObject = {};
    for (const key in node) {
      const value = node[key]!;
      if (typeof value === 'number' && LOCATIONS.has(key)) out[key] = shift(value);
      else if (key === 'stmt_len') {
        const start = typeof node['stmt_location'] === 'number' ? node['stmt_location'] : 0;
        out[key] = shift(start + (value as number)) - shift(start);
      } else out[key] = copy(value);
    }
    return out;
  };
  return copy(template.tree);
}

/**
 * The templates of the shapes seen more than once, bounded. A shape's first text only marks it
 * seen: a stream of one-off shapes then costs one lexer pass each, not a kept tree each.
 */
export class ShapeCache {
  private readonly templates = new Map<string, ShapeTemplate | null>();
  private readonly seen = new Set<string>();

  constructor(private readonly limit: number) {}

  /** The template for `shape`, undefined when none is kept (null: its shape cannot be kept). */
  get(shape: LiteralShape): ShapeTemplate | null | undefined {
    return this.templates.get(shape.key);
  }

  /** Whether a tree for `shape` is worth a template: its key was seen before. */
  wanted(shape: LiteralShape): boolean {
    if (this.seen.has(shape.key)) return true;
    if (this.seen.size >= this.limit) this.seen.delete(this.seen.values().next().value!);
    this.seen.add(shape.key);
    return false;
  }

  set(shape: LiteralShape, template: ShapeTemplate | null): void {
    this.seen.delete(shape.key);
    if (this.templates.size >= this.limit) this.templates.delete(this.templates.keys().next().value!);
    this.templates.set(shape.key, template);
  }
}
