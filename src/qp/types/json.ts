import { SqlError } from '../../contracts/errors.js';
import { compareNumeric, formatNumeric, parseNumeric } from './numeric.js';
import { compareText, octetLength } from './strings.js';

/**
 * json keeps its input text after validation; jsonb is normalized the way PostgreSQL prints
 * it: object keys unique (last wins) and sorted by (byte length, bytes), numbers as numeric,
 * `{"a": 1, "b": [1, 2]}` spacing.
 */
export type JsonNode = (
  | { kind: 'object'; entries: Array<[string, JsonNode]> }
  | { kind: 'array'; items: JsonNode[] }
  | { kind: 'string'; value: string }
  | { kind: 'number'; text: string }
  | { kind: 'literal'; text: 'true' | 'false' | 'null' }
) & {
  /** Where the value is in the parsed text, [start, end): json's functions return it verbatim. */
  span?: [number, number];
};

/** Nesting bound, so hostile input cannot exhaust the stack (PostgreSQL checks stack depth). */
const MAX_DEPTH = 6400;

class JsonReader {
  i = 0;
  constructor(readonly text: string, readonly typeName: string) {}

  fail(detail: string): SqlError {
    // jsonb shares json's parser and its messages.
    return new SqlError('22P02', 'invalid input syntax for type json', { detail });
  }

  skipSpace(): void {
    const t = this.text;
    while (this.i < t.length && (t[this.i] === ' ' || t[this.i] === '\t' || t[this.i] === '\n' || t[this.i] === '\r')) this.i++;
  }

  tokenAt(): string {
    // A string is one token, quotes included (what PostgreSQL's messages quote).
    if (this.text[this.i] === '"') return /^"(?:[^"\\]|\\.)*"?/s.exec(this.text.slice(this.i))![0];
    const m = /^[A-Za-z0-9_.+-]+|^./s.exec(this.text.slice(this.i));
    return m ? m[0] : '';
  }

  value(depth: number): JsonNode {
    this.skipSpace();
    const start = this.i;
    const node = this.bare(depth);
    node.span = [start, this.i];
    return node;
  }

  bare(depth: number): JsonNode {
    if (depth > MAX_DEPTH) throw new SqlError('54001', 'stack depth limit exceeded');
    if (this.i >= this.text.length) throw this.fail('The input string ended unexpectedly.');
    const c = this.text[this.i]!;
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return { kind: 'string', value: this.string() };
    const token = this.tokenAt();
    if (token === 'true' || token === 'false' || token === 'null') {
      this.i += token.length;
      return { kind: 'literal', text: token };
    }
    if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(token)) {
      this.i += token.length;
      return { kind: 'number', text: token };
    }
    throw this.unexpected('JSON value');
  }

  /** The lexer reports an invalid token before the parser reports an unexpected one. */
  unexpected(what: string): SqlError {
    const token = this.tokenAt();
    const valid = /^(true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|[{}[\]:,]|"(?:[^"\\]|\\.)*")$/s.test(token);
    return this.fail(valid ? `Expected ${what}, but found "${token}".` : `Token "${token}" is invalid.`);
  }

  expect(ch: string, what: string): void {
    this.skipSpace();
    if (this.i >= this.text.length) throw this.fail('The input string ended unexpectedly.');
    if (this.text[this.i] !== ch) throw this.unexpected(what);
    this.i++;
  }

  object(depth: number): JsonNode {
    this.i++;
    const entries: Array<[string, JsonNode]> = [];
    this.skipSpace();
    if (this.text[this.i] === '}') { this.i++; return { kind: 'object', entries }; }
    for (let first = true; ; first = false) {
      this.skipSpace();
      if (this.i >= this.text.length) throw this.fail('The input string ended unexpectedly.');
      // PostgreSQL's parse_object asks for a string or "}" first, parse_object_field after a comma.
      if (this.text[this.i] !== '"') throw this.unexpected(first ? 'string or "}"' : 'string');
      const key = this.string();
      this.expect(':', '":"');
      entries.push([key, this.value(depth + 1)]);
      this.skipSpace();
      if (this.text[this.i] === ',') { this.i++; continue; }
      this.expect('}', '"," or "}"');
      return { kind: 'object', entries };
    }
  }

  array(depth: number): JsonNode {
    this.i++;
    const items: JsonNode[] = [];
    this.skipSpace();
    if (this.text[this.i] === ']') { this.i++; return { kind: 'array', items }; }
    for (;;) {
      items.push(this.value(depth + 1));
      this.skipSpace();
      if (this.text[this.i] === ',') { this.i++; continue; }
      this.expect(']', '"," or "]"');
      return { kind: 'array', items };
    }
  }

  string(): string {
    const t = this.text;
    const start = this.i;
    let out = '';
    // jsonb de-escapes `\uXXXX`, so a UTF-16 surrogate must come as a high and low pair, as
    // PostgreSQL's json_lex_string insists (json keeps the text as written).
    const pairs = this.typeName === 'jsonb';
    let high = false;
    const unpaired = () => this.fail('Unicode low surrogate must follow a high surrogate.');
    this.i++;
    for (;;) {
      // An unterminated string is an invalid token to the end of the input, as PostgreSQL's lexer sees it.
      if (this.i >= t.length) throw this.fail(`Token "${t.slice(start)}" is invalid.`);
      const c = t[this.i]!;
      if (c === '"') {
        if (high) throw unpaired();
        this.i++;
        return out;
      }
      if (c.charCodeAt(0) < 0x20) throw this.fail(`Character with value 0x${c.charCodeAt(0).toString(16).padStart(2, '0')} must be escaped.`);
      if (c !== '\\') {
        if (high) throw unpaired();
        out += c;
        this.i++;
        continue;
      }
      const unicode = t[this.i + 1] === 'u';
      const piece = this.escape();
      if (pairs && unicode) {
        const code = piece.charCodeAt(0);
        if (code >= 0xd800 && code <= 0xdbff) {
          if (high) throw this.fail('Unicode high surrogate must not follow a high surrogate.');
          high = true;
        } else if (code >= 0xdc00 && code <= 0xdfff) {
          if (!high) throw unpaired();
          high = false;
        } else if (high) throw unpaired();
      } else if (high) throw unpaired();
      out += piece;
    }
  }

  escape(): string {
    const t = this.text;
    const e = t[this.i + 1];
    this.i += 2;
    const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
    if (e !== undefined && simple[e] !== undefined) return simple[e]!;
    if (e === 'u') {
      const hex = t.slice(this.i, this.i + 4);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.fail('"\\u" must be followed by four hexadecimal digits.');
      this.i += 4;
      const code = parseInt(hex, 16);
      if (code === 0 && this.typeName === 'jsonb') {
        throw new SqlError('22P05', 'unsupported Unicode escape sequence', { detail: '\\u0000 cannot be converted to text.' });
      }
      return String.fromCharCode(code);
    }
    throw this.fail(`Escape sequence "\\${e ?? ''}" is invalid.`);
  }
}

export function parseJsonNode(text: string, typeName: 'json' | 'jsonb'): JsonNode {
  const reader = new JsonReader(text, typeName);
  const node = reader.value(0);
  reader.skipSpace();
  if (reader.i < text.length) throw reader.unexpected('end of input');
  return node;
}

export function parseJson(text: string): string {
  parseJsonNode(text, 'json');
  return text;
}

export function parseJsonb(text: string): string {
  return formatJsonb(normalizeJsonb(parseJsonNode(text, 'jsonb')));
}

function compareJsonbKeys(a: string, b: string): number {
  const la = octetLength(a);
  const lb = octetLength(b);
  return la !== lb ? la - lb : compareText(a, b);
}

export function normalizeJsonb(node: JsonNode): JsonNode {
  switch (node.kind) {
    case 'object': {
      const byKey = new Map<string, JsonNode>();
      for (const [k, v] of node.entries) byKey.set(k, normalizeJsonb(v));
      const keys = [...byKey.keys()].sort(compareJsonbKeys);
      return { kind: 'object', entries: keys.map((k) => [k, byKey.get(k)!]) };
    }
    case 'array': return { kind: 'array', items: node.items.map(normalizeJsonb) };
    case 'number': return { kind: 'number', text: formatNumeric(parseNumeric(node.text)) };
    default: return node;
  }
}

/** escape_json: quotes, backslash and control characters; everything else as is. */
export function quoteJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const code = c.charCodeAt(0);
    if (c === '"') out += '\\"';
    else if (c === '\\') out += '\\\\';
    else if (code < 0x20) {
      const named: Record<number, string> = { 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t' };
      out += named[code] ?? '\\u' + code.toString(16).padStart(4, '0');
    } else out += c;
  }
  return out + '"';
}

export function formatJsonb(node: JsonNode): string {
  switch (node.kind) {
    case 'object': return '{' + node.entries.map(([k, v]) => quoteJsonString(k) + ': ' + formatJsonb(v)).join(', ') + '}';
    case 'array': return '[' + node.items.map(formatJsonb).join(', ') + ']';
    case 'string': return quoteJsonString(node.value);
    case 'number': return node.text;
    case 'literal': return node.text;
  }
}

const JSONB_RANK: Record<string, number> = { null: 0, string: 1, number: 2, boolean: 3, array: 4, object: 5 };

function jsonbRank(node: JsonNode): number {
  if (node.kind === 'literal') return node.text === 'null' ? JSONB_RANK.null! : JSONB_RANK.boolean!;
  return JSONB_RANK[node.kind]!;
}

/**
 * jsonb's order (compareJsonbContainers): Object > Array > Boolean > Number > String > Null;
 * arrays and objects with more elements or pairs sort higher, then element by element (keys
 * and values of objects in jsonb's key order); numbers as numeric (2.5 = 2.50).
 */
export function compareJsonb(a: string, b: string): number {
  return compareJsonbNodes(normalizeJsonb(parseJsonNode(a, 'jsonb')), normalizeJsonb(parseJsonNode(b, 'jsonb')));
}

function compareJsonbNodes(a: JsonNode, b: JsonNode): number {
  const ra = jsonbRank(a);
  const rb = jsonbRank(b);
  if (ra !== rb) return ra - rb;
  switch (a.kind) {
    case 'object': {
      const y = b as Extract<JsonNode, { kind: 'object' }>;
      if (a.entries.length !== y.entries.length) return a.entries.length - y.entries.length;
      for (let i = 0; i < a.entries.length; i++) {
        const key = compareText(a.entries[i]![0], y.entries[i]![0]);
        if (key !== 0) return key;
        const value = compareJsonbNodes(a.entries[i]![1], y.entries[i]![1]);
        if (value !== 0) return value;
      }
      return 0;
    }
    case 'array': {
      const y = b as Extract<JsonNode, { kind: 'array' }>;
      if (a.items.length !== y.items.length) return a.items.length - y.items.length;
      for (let i = 0; i < a.items.length; i++) {
        const c = compareJsonbNodes(a.items[i]!, y.items[i]!);
        if (c !== 0) return c;
      }
      return 0;
    }
    case 'number': return compareNumeric(parseNumeric(a.text), parseNumeric((b as typeof a).text));
    case 'string': return compareText(a.value, (b as typeof a).value);
    case 'literal': return a.text === (b as typeof a).text ? 0 : a.text === 'true' ? 1 : -1;
  }
}
