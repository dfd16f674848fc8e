import { SqlError } from '../../contracts/errors.js';

/** Text-like types, bytea, uuid and JSON, with PostgreSQL 15's input rules and messages. */

const UTF8 = new TextEncoder();
const UTF8_DECODER = new TextDecoder('utf-8', { fatal: true });

/** PostgreSQL never stores NUL in text. */
export function checkText(text: string): string {
  if (text.indexOf('\0') >= 0) throw new SqlError('22021', 'invalid byte sequence for encoding "UTF8": 0x00');
  return text;
}

export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return checkText(UTF8_DECODER.decode(bytes));
  } catch (error) {
    if (error instanceof SqlError) throw error;
    const bad = bytes.find((b) => b >= 0x80) ?? 0;
    throw new SqlError('22021', `invalid byte sequence for encoding "UTF8": 0x${bad.toString(16).padStart(2, '0')}`);
  }
}

/** 22021 for bytes that are not UTF-8, naming the first bad sequence as PostgreSQL's report_invalid_encoding does. */
export function invalidUtf8(bytes: Uint8Array): SqlError {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  for (; at < text.length; at++) {
    const width = utf8Width(text, at);
    if (width === 0) break;
    at += width - 1;
  }
  // As PostgreSQL's report_invalid_encoding: as many bytes as the first byte announces.
  const lead = text[at] ?? 0;
  const announced = lead >= 0xf0 && lead < 0xf8 ? 4 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xc0 && lead < 0xe0 ? 2 : 1;
  const bad = [...text.subarray(at, Math.min(at + announced, text.length))].map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
  return new SqlError('22021', `invalid byte sequence for encoding "UTF8": ${bad}`);
}

/** The length of a valid UTF-8 sequence at i, or 0 where it is not one. */
function utf8Width(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c === 0) return 0;
  if (c < 0x80) return 1;
  const n = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
  if (n === 0 || i + n > b.length) return 0;
  try {
    UTF8_DECODER.decode(b.subarray(i, i + n));
    return n;
  } catch {
    return 0;
  }
}

export function encodeUtf8(text: string): Uint8Array {
  return UTF8.encode(text);
}

/** Length in characters (code points), as PostgreSQL counts them. */
export function charLength(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) { n--; i++; }
  }
  return n;
}

/** The first `n` characters (code points). */
export function charPrefix(text: string, n: number): string {
  if (text.length <= n) return text;
  let i = 0;
  for (let k = 0; k < n && i < text.length; k++) {
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
  }
  return text.slice(0, i);
}

export function octetLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

/**
 * varchar(n) / char(n) length rule: too long is an error unless the excess is all spaces,
 * which is cut off; an explicit cast truncates silently.
 */
export function applyLengthLimit(text: string, maxLength: number, typeName: string, explicit: boolean): string {
  if (charLength(text) <= maxLength) return text;
  const kept = charPrefix(text, maxLength);
  if (!explicit && !/^ *$/.test(text.slice(kept.length))) {
    throw new SqlError('22001', `value too long for type ${typeName}(${maxLength})`);
  }
  return kept;
}

export function padBpchar(text: string, length: number): string {
  const have = charLength(text);
  return have >= length ? text : text + ' '.repeat(length - have);
}

/** bpchar compares and hashes without its trailing blanks. */
export function bpcharStrip(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 32) end--;
  return end === text.length ? text : text.slice(0, end);
}

const NAMEDATALEN = 64;

/** name holds at most 63 bytes; longer input is cut at a character boundary. */
export function truncateName(text: string): string {
  if (text.length < NAMEDATALEN / 4 || octetLength(text) < NAMEDATALEN) return text;
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const width = c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? 4 : 3;
    if (bytes + width > NAMEDATALEN - 1) break;
    bytes += width;
    i += width === 4 ? 2 : 1;
  }
  return text.slice(0, i);
}

/** Code-point order, which is UTF-8 byte order and the "C" collation. */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // UTF-16 order differs from code-point order only when a surrogate meets U+E000..U+FFFF.
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// bytea

const HEX = '0123456789abcdef';

export function formatBytea(bytes: Uint8Array): string {
  let out = '\\x';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]! >> 4]! + HEX[bytes[i]! & 15]!;
  return out;
}

function hexValue(c: string): number {
  const v = parseInt(c, 16);
  if (Number.isNaN(v) || c.length !== 1) throw new SqlError('22023', `invalid hexadecimal digit: "${c}"`);
  return v;
}

export function parseBytea(text: string): Uint8Array {
  if (text.startsWith('\\x')) return parseByteaHex(text.slice(2));
  return parseByteaEscape(text);
}

function parseByteaHex(hex: string): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < hex.length) {
    const c = hex[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    const hi = hexValue(c);
    if (i + 1 >= hex.length) throw new SqlError('22023', 'invalid hexadecimal data: odd number of digits');
    const lo = hexValue(hex[i + 1]!);
    out.push((hi << 4) | lo);
    i += 2;
  }
  return Uint8Array.from(out);
}

function parseByteaEscape(text: string): Uint8Array {
  const source = encodeUtf8(text);
  const out: number[] = [];
  for (let i = 0; i < source.length; i++) {
    const b = source[i]!;
    if (b !== 0x5c) { out.push(b); continue; }
    if (source[i + 1] === 0x5c) { out.push(0x5c); i++; continue; }
    const d = [source[i + 1], source[i + 2], source[i + 3]];
    const octal = d.every((x) => x !== undefined && x >= 0x30 && x <= 0x37) && d[0]! <= 0x33;
    if (!octal) throw new SqlError('22P02', 'invalid input syntax for type bytea');
    out.push(((d[0]! - 48) << 6) | ((d[1]! - 48) << 3) | (d[2]! - 48));
    i += 3;
  }
  return Uint8Array.from(out);
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length - b.length < 0 ? -1 : a.length > b.length ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// uuid

function isHex(c: string | undefined): boolean {
  return c !== undefined && HEX.includes(c.toLowerCase());
}

/** string_to_uuid: 32 hex digits, optional hyphen after any group of four, optional braces. */
export function parseUuid(text: string): string {
  let i = 0;
  const braces = text[0] === '{';
  if (braces) i++;
  let hex = '';
  for (let k = 0; k < 16; k++) {
    if (!isHex(text[i]) || !isHex(text[i + 1])) throw uuidSyntax(text);
    hex += text[i]! + text[i + 1]!;
    i += 2;
    if (text[i] === '-' && k % 2 === 1 && k < 15) i++;
  }
  if (braces) {
    if (text[i] !== '}') throw uuidSyntax(text);
    i++;
  }
  if (i !== text.length) throw uuidSyntax(text);
  hex = hex.toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function uuidSyntax(text: string): SqlError {
  return new SqlError('22P02', `invalid input syntax for type uuid: "${text}"`);
}

export function uuidToBytes(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, '');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function uuidFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new SqlError('22P03', `invalid length in external "uuid" value`);
  const hex = formatBytea(bytes).slice(2);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
