import { SqlError } from '../../contracts/errors.js';
import { isUtf8 } from 'node:buffer';
import { charLength, encodeUtf8, invalidUtf8 } from './strings.js';

/**
 * encode/decode (hex, base64, escape as encode.c has them), to_hex, overlay and
 * string_to_array.
 */

const HEX = '0123456789abcdef';

function encodingOf(name: string): 'hex' | 'base64' | 'escape' {
  const lower = name.toLowerCase();
  if (lower === 'hex' || lower === 'base64' || lower === 'escape') return lower;
  throw new SqlError('22023', `unrecognized encoding: "${name}"`);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function encode(bytes: Uint8Array, name: string): string {
  switch (encodingOf(name)) {
    case 'hex': {
      let out = '';
      for (const b of bytes) out += HEX[b >> 4]! + HEX[b & 15]!;
      return out;
    }
    case 'base64': {
      // 76 characters to a line, as pg_base64_encode breaks them.
      let out = '';
      let line = 0;
      for (let k = 0; k < bytes.length; k += 3) {
        const chunk = (bytes[k]! << 16) | ((bytes[k + 1] ?? 0) << 8) | (bytes[k + 2] ?? 0);
        const quad = B64[(chunk >> 18) & 63]! + B64[(chunk >> 12) & 63]!
          + (k + 1 < bytes.length ? B64[(chunk >> 6) & 63]! : '=') + (k + 2 < bytes.length ? B64[chunk & 63]! : '=');
        if (line >= 76) { out += '\n'; line = 0; }
        out += quad;
        line += 4;
      }
      return out;
    }
    case 'escape': {
      let out = '';
      for (const b of bytes) {
        if (b === 0 || b >= 0x80) out += '\\' + b.toString(8).padStart(3, '0');
        else if (b === 0x5c) out += '\\\\';
        else out += String.fromCharCode(b);
      }
      return out;
    }
  }
}

function hexValue(c: string): number {
  const v = HEX.indexOf(c.toLowerCase());
  if (v < 0 || c.length !== 1) throw new SqlError('22023', `invalid hexadecimal digit: "${c}"`);
  return v;
}

export function decode(text: string, name: string): Uint8Array {
  switch (encodingOf(name)) {
    case 'hex': {
      const chars = Array.from(text);
      const out: number[] = [];
      for (let k = 0; k < chars.length;) {
        const c = chars[k]!;
        if (c === ' ' || c === '\n' || c === '\t' || c === '\r') { k++; continue; }
        const high = hexValue(c);
        k++;
        if (k >= chars.length) throw new SqlError('22023', 'invalid hexadecimal data: odd number of digits');
        out.push((high << 4) | hexValue(chars[k]!));
        k++;
      }
      return Uint8Array.from(out);
    }
    case 'base64': {
      const out: number[] = [];
      let buffer = 0;
      let position = 0;
      let end = 0;
      for (const c of text) {
        if (c === ' ' || c === '\t' || c === '\n' || c === '\r') continue;
        let bits: number;
        if (c === '=') {
          if (!end) {
            if (position === 2) end = 1;
            else if (position === 3) end = 2;
            else throw new SqlError('22023', 'unexpected "=" while decoding base64 sequence');
          }
          bits = 0;
        } else {
          bits = B64.indexOf(c);
          if (bits < 0 || c.length !== 1) throw new SqlError('22023', `invalid symbol "${c}" found while decoding base64 sequence`);
        }
        buffer = (buffer << 6) + bits;
        position++;
        if (position === 4) {
          out.push((buffer >> 16) & 255);
          if (end === 0 || end > 1) out.push((buffer >> 8) & 255);
          if (end === 0 || end > 2) out.push(buffer & 255);
          buffer = 0;
          position = 0;
        }
      }
      if (position !== 0) {
        throw new SqlError('22023', 'invalid base64 end sequence', { hint: 'Input data is missing padding, is truncated, or is otherwise corrupted.' });
      }
      return Uint8Array.from(out);
    }
    case 'escape': {
      const bytes = encodeUtf8(text);
      const out: number[] = [];
      for (let k = 0; k < bytes.length;) {
        if (bytes[k] !== 0x5c) { out.push(bytes[k]!); k++; continue; }
        if (bytes[k + 1] === 0x5c) { out.push(0x5c); k += 2; continue; }
        const d = [bytes[k + 1], bytes[k + 2], bytes[k + 3]];
        if (d[0] !== undefined && d[0] >= 0x30 && d[0] <= 0x33 && d[1] !== undefined && d[1] >= 0x30 && d[1] <= 0x37 && d[2] !== undefined && d[2] >= 0x30 && d[2] <= 0x37) {
          out.push(((d[0] - 0x30) << 6) | ((d[1] - 0x30) << 3) | (d[2] - 0x30));
          k += 4;
          continue;
        }
        throw new SqlError('22P02', 'invalid input syntax for type bytea');
      }
      return Uint8Array.from(out);
    }
  }
}

/** substr(text, start[, count]) for overlay (start may be below 1). */
function substring(text: string, start: number, count: number | null): string {
  if (count !== null && count < 0) throw new SqlError('22011', 'negative substring length not allowed');
  const chars = Array.from(text);
  const from = Math.max(start, 1);
  const end = count === null ? chars.length + 1 : start + count;
  return end <= from ? '' : chars.slice(from - 1, end - 1).join('');
}

export function toHex(v: bigint, bits: 32 | 64): string {
  return BigInt.asUintN(bits, v).toString(16);
}

/** overlay(string placing new from start [for count]). */
export function overlay(text: string, replacement: string, start: number, count: number | null): string {
  const length = count ?? charLength(replacement);
  const end = start + length;
  if (end > 2147483647 || end < -2147483648) throw new SqlError('22003', 'integer out of range');
  return substring(text, 1, start - 1) + replacement + substring(text, end, null);
}

/** string_to_array(text, delimiter [, null string]); a NULL delimiter splits into characters. */
export function stringToArray(text: string, delimiter: string | null, nullString: string | null): Array<string | null> {
  let parts: string[];
  if (text === '') return [];
  if (delimiter === null) parts = Array.from(text);
  else if (delimiter === '') parts = [text];
  else parts = text.split(delimiter);
  return parts.map((p) => (nullString !== null && p === nullString ? null : p));
}

/** The server's encodings a conversion may name (pg_char_to_encoding after clean_encoding_name). */
type Encoding = 'UTF8' | 'LATIN1' | 'SQL_ASCII';
const ENCODINGS: Readonly<Record<string, Encoding>> = { utf8: 'UTF8', unicode: 'UTF8', latin1: 'LATIN1', iso88591: 'LATIN1', sqlascii: 'SQL_ASCII' };

function encodingNamed(name: string, role: 'source' | 'destination'): Encoding {
  const encoding = ENCODINGS[name.toLowerCase().replace(/[^a-z0-9]/g, '')];
  if (encoding === undefined) throw new SqlError('22023', `invalid ${role} encoding name "${name}"`);
  return encoding;
}

/** convert_to(text, encoding): the text's bytes in that encoding (22P05 for a character it lacks). */
export function convertTo(text: string, name: string): Uint8Array {
  return fromUtf8(encodeUtf8(text), encodingNamed(name, 'destination'));
}

/** convert_from(bytes, encoding): text from bytes in that encoding, checked as UTF-8 text. */
export function convertFrom(bytes: Uint8Array, name: string): string {
  const source = encodingNamed(name, 'source');
  return Buffer.from(toUtf8(bytes, source)).toString('utf8');
}

/** convert(bytes, from, to). */
export function convert(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const source = encodingNamed(from, 'source');
  const destination = encodingNamed(to, 'destination');
  return fromUtf8(toUtf8(bytes, source), destination);
}

function toUtf8(bytes: Uint8Array, source: Encoding): Uint8Array {
  if (source === 'LATIN1') return encodeUtf8(Buffer.from(bytes).toString('latin1'));
  // (PostgreSQL checks SQL_ASCII's bytes as the server's UTF-8 too; a zero byte never passes.)
  if (!isUtf8(bytes) || bytes.includes(0)) throw invalidUtf8(bytes);
  return bytes;
}

function fromUtf8(utf8: Uint8Array, destination: Encoding): Uint8Array {
  if (destination !== 'LATIN1') return utf8;
  const text = Buffer.from(utf8).toString('utf8');
  for (const character of text) {
    if (character.codePointAt(0)! > 0xff) {
      const sequence = [...encodeUtf8(character)].map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
      throw new SqlError('22P05', `character with byte sequence ${sequence} in encoding "UTF8" has no equivalent in encoding "LATIN1"`);
    }
  }
  return Uint8Array.from(Buffer.from(text, 'latin1'));
}

const NORMAL_FORMS = new Set(['NFC', 'NFD', 'NFKC', 'NFKD']);

function normalForm(form: string): 'NFC' | 'NFD' | 'NFKC' | 'NFKD' {
  const upper = form.toUpperCase();
  if (!NORMAL_FORMS.has(upper)) throw new SqlError('22023', `invalid normalization form: ${form}`);
  return upper as 'NFC' | 'NFD' | 'NFKC' | 'NFKD';
}

/** normalize(text [, form]): Unicode normalization, NFC by default. */
export function normalizeText(text: string, form = 'NFC'): string {
  return text.normalize(normalForm(form));
}

/** `text IS [form] NORMALIZED` (is_normalized). */
export function isNormalized(text: string, form = 'NFC'): boolean {
  return text === text.normalize(normalForm(form));
}
