/**
 * A small reader for the subset of EDN (https://github.com/edn-format/edn) that Jepsen and Elle
 * history files use: nil, booleans, numbers, strings, characters, keywords, symbols, vectors,
 * lists, maps, sets, `;` comments, `#_` discard and tagged literals (`#inst "..."` reads as its
 * tagged value). Written here rather than taken from npm: no maintained small EDN parser exists
 * there, and a history reader needs only this much.
 *
 * Keywords are interned, so `Keyword.of('ok') === Keyword.of('ok')` and maps keyed by keywords
 * are plain JS Maps.
 */

export class Keyword {
  private static readonly interned = new Map<string, Keyword>();

  private constructor(readonly name: string) {}

  static of(name: string): Keyword {
    let keyword = Keyword.interned.get(name);
    if (keyword === undefined) {
      keyword = new Keyword(name);
      Keyword.interned.set(name, keyword);
    }
    return keyword;
  }

  toString(): string {
    return `:${this.name}`;
  }
}

export class EdnSymbol {
  constructor(readonly name: string) {}

  toString(): string {
    return this.name;
  }
}

export class EdnTagged {
  constructor(
    readonly tag: string,
    readonly value: EdnValue,
  ) {}
}

export type EdnValue =
  | null
  | boolean
  | number
  | string
  | Keyword
  | EdnSymbol
  | EdnTagged
  | EdnValue[]
  | Map<EdnValue, EdnValue>
  | Set<EdnValue>;

export class EdnSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`EDN: ${message} at offset ${offset}`);
    this.name = 'EdnSyntaxError';
  }
}

/** Nesting deeper than this is not a history; refuse it instead of overflowing the stack. */
const MAX_DEPTH = 256;
const DELIMITERS = new Set(['(', ')', '[', ']', '{', '}', '"', ';']);
const NAMED_CHARACTERS: Record<string, string> = { newline: '\n', return: '\r', space: ' ', tab: '\t' };

function isWhitespace(c: string): boolean {
  return c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === ',' || c === '\f';
}

class Reader {
  private at = 0;

  constructor(private readonly text: string) {}

  /** Every top-level form, in order. */
  readAll(): EdnValue[] {
    const forms: EdnValue[] = [];
    for (;;) {
      this.skipBlank();
      if (this.at >= this.text.length) return forms;
      const form = this.readForm(0);
      if (form !== DISCARDED) forms.push(form);
    }
  }

  private skipBlank(): void {
    const text = this.text;
    while (this.at < text.length) {
      const c = text[this.at]!;
      if (isWhitespace(c)) this.at++;
      else if (c === ';') {
        while (this.at < text.length && text[this.at] !== '\n') this.at++;
      } else return;
    }
  }

  private fail(message: string): never {
    throw new EdnSyntaxError(message, this.at);
  }

  private readForm(depth: number): EdnValue | typeof DISCARDED {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    this.skipBlank();
    if (this.at >= this.text.length) this.fail('unexpected end of input');
    const c = this.text[this.at]!;
    switch (c) {
      case '[':
        this.at++;
        return this.readSequence(']', depth);
      case '(':
        this.at++;
        return this.readSequence(')', depth);
      case '{':
        this.at++;
        return this.readMap(depth);
      case '"':
        return this.readString();
      case '\\':
        return this.readCharacter();
      case ':':
        this.at++;
        return Keyword.of(this.readToken());
      case '#':
        return this.readDispatch(depth);
      case ')':
      case ']':
      case '}':
        this.fail(`unexpected '${c}'`);
      default:
        return this.readAtom();
    }
  }

  private readSequence(close: string, depth: number): EdnValue[] {
    const items: EdnValue[] = [];
    for (;;) {
      this.skipBlank();
      if (this.at >= this.text.length) this.fail(`missing '${close}'`);
      if (this.text[this.at] === close) {
        this.at++;
        return items;
      }
      const item = this.readForm(depth + 1);
      if (item !== DISCARDED) items.push(item);
    }
  }

  private readMap(depth: number): Map<EdnValue, EdnValue> {
    const items = this.readSequence('}', depth);
    if (items.length % 2 !== 0) this.fail('a map needs an even number of forms');
    const map = new Map<EdnValue, EdnValue>();
    for (let i = 0; i < items.length; i += 2) map.set(items[i]!, items[i + 1]!);
    return map;
  }

  private readDispatch(depth: number): EdnValue | typeof DISCARDED {
    const next = this.text[this.at + 1];
    if (next === '{') {
      this.at += 2;
      return new Set(this.readSequence('}', depth));
    }
    if (next === '_') {
      this.at += 2;
      this.readForm(depth + 1);
      return DISCARDED;
    }
    this.at++;
    const tag = this.readToken();
    const value = this.readForm(depth + 1);
    if (value === DISCARDED) this.fail(`tag #${tag} without a value`);
    return new EdnTagged(tag, value);
  }

  private readString(): string {
    const text = this.text;
    let out = '';
    this.at++;
    while (this.at < text.length) {
      const c = text[this.at++]!;
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const escaped = text[this.at++];
      switch (escaped) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case 'u':
          out += String.fromCharCode(parseInt(text.slice(this.at, this.at + 4), 16));
          this.at += 4;
          break;
        default:
          this.fail(`unknown string escape \\${escaped ?? ''}`);
      }
    }
    this.fail('unterminated string');
  }

  private readCharacter(): string {
    this.at++;
    const start = this.at;
    this.at++; // the character itself, even if it is a delimiter
    while (this.at < this.text.length && !this.endsToken(this.text[this.at]!)) this.at++;
    const token = this.text.slice(start, this.at);
    if (token.length === 1) return token;
    const named = NAMED_CHARACTERS[token];
    if (named !== undefined) return named;
    if (/^u[0-9a-fA-F]{4}$/.test(token)) return String.fromCharCode(parseInt(token.slice(1), 16));
    this.fail(`unknown character \\${token}`);
  }

  private endsToken(c: string): boolean {
    return isWhitespace(c) || DELIMITERS.has(c);
  }

  private readToken(): string {
    const start = this.at;
    while (this.at < this.text.length && !this.endsToken(this.text[this.at]!)) this.at++;
    if (this.at === start) this.fail('empty token');
    return this.text.slice(start, this.at);
  }

  private readAtom(): EdnValue {
    const start = this.at;
    const token = this.readToken();
    if (token === 'nil') return null;
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (/^[+-]?\d/.test(token)) return parseNumber(token, start);
    return new EdnSymbol(token);
  }
}

const DISCARDED = Symbol('discarded');

function parseNumber(token: string, offset: number): number {
  // Integers may end in N (arbitrary precision) and decimals in M (exact); both read as doubles,
  // which is exact for every value a history uses as a key or an element.
  const body = token.endsWith('N') || token.endsWith('M') ? token.slice(0, -1) : token;
  if (/^[+-]?\d+\/\d+$/.test(body)) {
    const [numerator, denominator] = body.split('/');
    return Number(numerator) / Number(denominator);
  }
  if (!/^[+-]?\d+(\.\d*)?([eE][+-]?\d+)?$/.test(body) && !/^[+-]?0[xX][0-9a-fA-F]+$/.test(body)) {
    throw new EdnSyntaxError(`bad number ${token}`, offset);
  }
  return Number(body);
}

/** Reads every top-level form of an EDN text (a history file is a sequence of op maps). */
export function readEdnForms(text: string): EdnValue[] {
  return new Reader(text).readAll();
}

/** Reads a text that holds exactly one EDN form. */
export function readEdn(text: string): EdnValue {
  const forms = readEdnForms(text);
  if (forms.length !== 1) throw new EdnSyntaxError(`expected one form, found ${forms.length}`, 0);
  return forms[0]!;
}

/** The value of a keyword-keyed map entry: `get(map, 'type')` reads `:type`. */
export function ednGet(map: Map<EdnValue, EdnValue>, name: string): EdnValue | undefined {
  return map.get(Keyword.of(name));
}

/** Writes a value back as EDN (for saving a failing history where Elle's tools can read it). */
export function writeEdn(value: EdnValue): string {
  if (value === null) return 'nil';
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Keyword || value instanceof EdnSymbol) return value.toString();
  if (value instanceof EdnTagged) return `#${value.tag} ${writeEdn(value.value)}`;
  if (Array.isArray(value)) return `[${value.map(writeEdn).join(' ')}]`;
  if (value instanceof Set) return `#{${[...value].map(writeEdn).join(' ')}}`;
  const entries: string[] = [];
  for (const [k, v] of value) entries.push(`${writeEdn(k)} ${writeEdn(v)}`);
  return `{${entries.join(', ')}}`;
}
