import { SqlError } from '../../contracts/errors.js';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import { likeMatch } from './patterns.js';

/**
 * The bytea versions of PostgreSQL's string functions (varlena.c: bytea_substr, byteatrim,
 * byteaoverlay, byteapos, byteaGetBit…, bytea_bit_count) and of LIKE (like.c's byte-wise
 * matcher). Positions and lengths count bytes.
 */
type Define = (name: string, args: number[], result: number, impl: (args: SqlValue[]) => SqlValue) => void;
type DefineOperator = (name: string, left: number, right: number, result: number, impl: (a: SqlValue, b: SqlValue) => SqlValue) => void;

const { bytea: BY, int4: I4, int8: I8, bool: B } = TypeOid;
const bytes = (v: SqlValue): Uint8Array => v as Uint8Array;

/** substring(bytea from start [for count]): PostgreSQL's rules for starts before 1. */
export function byteaSubstring(value: Uint8Array, start: number, count: number | null): Uint8Array {
  if (count !== null && count < 0) throw new SqlError('22011', 'negative substring length not allowed');
  const from = Math.max(start, 1);
  const end = count === null ? value.length + 1 : start + count;
  if (end <= from) return new Uint8Array(0);
  return value.slice(from - 1, Math.min(end - 1, value.length));
}

function byteaTrim(value: Uint8Array, set: Uint8Array, left: boolean, right: boolean): Uint8Array {
  const members = new Set(set);
  let a = 0;
  let b = value.length;
  if (left) while (a < b && members.has(value[a]!)) a++;
  if (right) while (b > a && members.has(value[b - 1]!)) b--;
  return value.slice(a, b);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function byteaOverlay(value: Uint8Array, replacement: Uint8Array, start: number, count: number | null): Uint8Array {
  const length = count ?? replacement.length;
  if (start <= 0) throw new SqlError('22011', 'negative substring length not allowed');
  const end = start + length;
  if (end > 2147483647 || end < -2147483648) throw new SqlError('22003', 'integer out of range');
  return concat([byteaSubstring(value, 1, start - 1), replacement, byteaSubstring(value, end, null)]);
}

/** position(needle in haystack): 1-based, 0 when absent, 1 for an empty needle. */
function byteaPosition(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let k = 0; k < needle.length; k++) if (haystack[i + k] !== needle[k]) continue outer;
    return i + 1;
  }
  return 0;
}

function checkIndex(index: bigint | number, limit: number): void {
  if (index < 0 || index >= limit) throw new SqlError('2202E', `index ${index} out of valid range, 0..${limit - 1}`);
}

function getBit(value: Uint8Array, n: bigint): number {
  checkIndex(n, value.length * 8);
  const bit = Number(n);
  return (value[bit >> 3]! >> (bit & 7)) & 1;
}

function setBit(value: Uint8Array, n: bigint, bit: number): Uint8Array {
  checkIndex(n, value.length * 8);
  if (bit !== 0 && bit !== 1) throw new SqlError('22023', 'new bit must be 0 or 1');
  const out = value.slice();
  const at = Number(n);
  out[at >> 3] = bit ? out[at >> 3]! | (1 << (at & 7)) : out[at >> 3]! & ~(1 << (at & 7));
  return out;
}

function getByte(value: Uint8Array, n: number): number {
  checkIndex(n, value.length);
  return value[n]!;
}

function setByte(value: Uint8Array, n: number, byte: number): Uint8Array {
  checkIndex(n, value.length);
  const out = value.slice();
  out[n] = byte & 0xff; // PostgreSQL stores the new value's low byte
  return out;
}

function bitCount(value: Uint8Array): bigint {
  let count = 0;
  for (const b of value) {
    let x = b;
    while (x) { count += x & 1; x >>= 1; }
  }
  return BigInt(count);
}

/** One character per byte, so the text LIKE matcher matches byte by byte. */
function latin1(value: Uint8Array): string {
  let out = '';
  for (const b of value) out += String.fromCharCode(b);
  return out;
}

/** like_escape(bytea, bytea): the pattern with its escape byte turned into backslash escapes. */
function byteaLikeEscape(pattern: Uint8Array, escape: Uint8Array): Uint8Array {
  if (escape.length > 1) throw new SqlError('22025', 'invalid escape string', { hint: 'Escape string must be empty or one character.' });
  const BACKSLASH = 0x5c;
  const out: number[] = [];
  if (escape.length === 0) {
    for (const b of pattern) { if (b === BACKSLASH) out.push(BACKSLASH); out.push(b); }
    return Uint8Array.from(out);
  }
  const e = escape[0]!;
  let afterEscape = false;
  for (const b of pattern) {
    if (b === e && !afterEscape) { out.push(BACKSLASH); afterEscape = true; continue; }
    if (b === BACKSLASH) out.push(...(afterEscape ? [BACKSLASH] : [BACKSLASH, BACKSLASH]));
    else out.push(b);
    afterEscape = false;
  }
  return Uint8Array.from(out);
}

export function defineByteaFunctions(define: Define): void {
  for (const name of ['substr', 'substring']) {
    define(name, [BY, I4], BY, (a) => byteaSubstring(bytes(a[0]!), a[1] as number, null));
    define(name, [BY, I4, I4], BY, (a) => byteaSubstring(bytes(a[0]!), a[1] as number, a[2] as number));
  }
  define('btrim', [BY, BY], BY, (a) => byteaTrim(bytes(a[0]!), bytes(a[1]!), true, true));
  define('ltrim', [BY, BY], BY, (a) => byteaTrim(bytes(a[0]!), bytes(a[1]!), true, false));
  define('rtrim', [BY, BY], BY, (a) => byteaTrim(bytes(a[0]!), bytes(a[1]!), false, true));
  define('overlay', [BY, BY, I4], BY, (a) => byteaOverlay(bytes(a[0]!), bytes(a[1]!), a[2] as number, null));
  define('overlay', [BY, BY, I4, I4], BY, (a) => byteaOverlay(bytes(a[0]!), bytes(a[1]!), a[2] as number, a[3] as number));
  define('position', [BY, BY], I4, (a) => byteaPosition(bytes(a[0]!), bytes(a[1]!)));
  define('get_bit', [BY, I8], I4, (a) => getBit(bytes(a[0]!), a[1] as bigint));
  define('set_bit', [BY, I8, I4], BY, (a) => setBit(bytes(a[0]!), a[1] as bigint, a[2] as number));
  define('get_byte', [BY, I4], I4, (a) => getByte(bytes(a[0]!), a[1] as number));
  define('set_byte', [BY, I4, I4], BY, (a) => setByte(bytes(a[0]!), a[1] as number, a[2] as number));
  define('bit_count', [BY], I8, (a) => bitCount(bytes(a[0]!)));
  define('like_escape', [BY, BY], BY, (a) => byteaLikeEscape(bytes(a[0]!), bytes(a[1]!)));
}

export function defineByteaOperators(op: DefineOperator): void {
  const like = (a: SqlValue, b: SqlValue): boolean => likeMatch(latin1(bytes(a)), latin1(bytes(b)), false);
  op('~~', BY, BY, B, like);
  op('!~~', BY, BY, B, (a, b) => !like(a, b));
}
