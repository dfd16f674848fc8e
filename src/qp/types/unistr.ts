import { SqlError } from '../../contracts/errors.js';

/**
 * unistr(text) (varlena.c): `\\` is a backslash; `\XXXX`, `\uXXXX`, `\+XXXXXX` and `\UXXXXXXXX`
 * are code points in hex, a UTF-16 surrogate pair spelled as two escapes making one.
 */
export function unistr(text: string): string {
  let out = '';
  let pairFirst = 0;
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '\\') {
      if (pairFirst) throw invalidPair();
      out += text[i]!;
      i++;
      continue;
    }
    if (text[i + 1] === '\\') {
      if (pairFirst) throw invalidPair();
      out += '\\';
      i += 2;
      continue;
    }
    const escape = hexEscape(text, i);
    if (!escape) {
      throw new SqlError('42601', 'invalid Unicode escape', { hint: 'Unicode escapes must be \\XXXX, \\+XXXXXX, \\uXXXX, or \\UXXXXXXXX.' });
    }
    let code = escape.code;
    if (code <= 0 || code > 0x10ffff) {
      throw new SqlError('22023', `invalid Unicode code point: ${code.toString(16).toUpperCase().padStart(4, '0')}`);
    }
    const second = code >= 0xdc00 && code <= 0xdfff;
    if (pairFirst) {
      if (!second) throw invalidPair();
      code = 0x10000 + ((pairFirst - 0xd800) << 10) + (code - 0xdc00);
      pairFirst = 0;
    } else if (second) {
      throw invalidPair();
    }
    if (code >= 0xd800 && code <= 0xdbff) pairFirst = code;
    else out += String.fromCodePoint(code);
    i += escape.length;
  }
  if (pairFirst) throw invalidPair();
  return out;
}

/** The escape at text[at] (a backslash): its code point and length, or null when malformed. */
function hexEscape(text: string, at: number): { code: number; length: number } | null {
  const hex = (from: number, digits: number): number | null => {
    const part = text.slice(from, from + digits);
    return part.length === digits && /^[0-9A-Fa-f]+$/.test(part) ? parseInt(part, 16) : null;
  };
  const plain = hex(at + 1, 4);
  if (plain !== null) return { code: plain, length: 5 };
  const kind = text[at + 1];
  const value = kind === 'u' ? hex(at + 2, 4) : kind === '+' ? hex(at + 2, 6) : kind === 'U' ? hex(at + 2, 8) : null;
  if (value === null) return null;
  return { code: value, length: kind === 'u' ? 6 : kind === '+' ? 8 : 10 };
}

function invalidPair(): SqlError {
  return new SqlError('42601', 'invalid Unicode surrogate pair');
}
