import { SqlError } from '../../contracts/errors.js';

/**
 * Text I/O and arithmetic for the fixed-size scalars (bool, integers, oid, floats), matching
 * PostgreSQL 15's input functions (boolin, pg_strtoint*, float8in) and output (Ryu shortest).
 */

export const INT2_MIN = -32768;
export const INT2_MAX = 32767;
export const INT4_MIN = -2147483648;
export const INT4_MAX = 2147483647;
export const INT8_MIN = -(2n ** 63n);
export const INT8_MAX = 2n ** 63n - 1n;

export type IntTypeName = 'smallint' | 'integer' | 'bigint';

export function outOfRange(typeName: IntTypeName): SqlError {
  return new SqlError('22003', `${typeName} out of range`);
}

// ---------------------------------------------------------------------------------------------
// bool

const BOOL_WORDS: ReadonlyArray<[string, boolean, number]> = [
  ['true', true, 1], ['false', false, 1], ['yes', true, 1], ['no', false, 1], ['on', true, 2], ['off', false, 2],
];

export function parseBool(text: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === '1') return true;
  if (t === '0') return false;
  // boolin accepts any unambiguous prefix: "t", "fa", "ye"; "o" alone is ambiguous.
  for (const [word, value, minLength] of BOOL_WORDS) {
    if (t.length >= minLength && word.startsWith(t)) return value;
  }
  throw new SqlError('22P02', `invalid input syntax for type boolean: "${text}"`);
}

// ---------------------------------------------------------------------------------------------
// integers

const INTEGER_TEXT = /^[ \t\n\r\v\f]*([+-]?\d+)[ \t\n\r\v\f]*$/;

export function parseInt8(text: string): bigint {
  const m = INTEGER_TEXT.exec(text);
  if (!m) throw new SqlError('22P02', `invalid input syntax for type bigint: "${text}"`);
  const v = BigInt(m[1]!);
  if (v < INT8_MIN || v > INT8_MAX) throw new SqlError('22003', `value "${text}" is out of range for type bigint`);
  return v;
}

export function parseInt4(text: string): number {
  return parseSmallInteger(text, 'integer', INT4_MIN, INT4_MAX);
}

export function parseInt2(text: string): number {
  return parseSmallInteger(text, 'smallint', INT2_MIN, INT2_MAX);
}

function parseSmallInteger(text: string, typeName: IntTypeName, min: number, max: number): number {
  const m = INTEGER_TEXT.exec(text);
  if (!m) throw new SqlError('22P02', `invalid input syntax for type ${typeName}: "${text}"`);
  const digits = m[1]!;
  const v = digits.length > 15 ? Infinity : Number(digits);
  if (v < min || v > max) throw new SqlError('22003', `value "${text}" is out of range for type ${typeName}`);
  return v;
}

/**
 * An int4 bind parameter's text read from its bytes: a sign and one to nine digits (always in
 * range), what drivers send; undefined for anything else, which the caller parses as text (so
 * every error, and spaces, stay with `parseInt4`). Saves a string per parameter.
 */
export function parsePlainInt4Bytes(bytes: Uint8Array): number | undefined {
  const n = bytes.length;
  let i = 0;
  const sign = n > 0 ? bytes[0] : 0;
  if (sign === 0x2d || sign === 0x2b) i = 1; // '-', '+'
  if (n - i < 1 || n - i > 9) return undefined;
  let v = 0;
  for (; i < n; i++) {
    const d = bytes[i]! - 0x30;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  return sign === 0x2d ? -v : v;
}

/** oidin: an unsigned 32-bit value; negative inputs down to -2^31 wrap, as strtoul does. */
export function parseOid(text: string): number {
  const m = INTEGER_TEXT.exec(text);
  if (!m) throw new SqlError('22P02', `invalid input syntax for type oid: "${text}"`);
  const v = m[1]!.length > 15 ? Infinity : Number(m[1]!);
  if (v > 4294967295 || v < -2147483648) throw new SqlError('22003', `value "${text}" is out of range for type oid`);
  return v < 0 ? v + 4294967296 : v;
}

export function checkInt2(v: number): number {
  if (v < INT2_MIN || v > INT2_MAX || Number.isNaN(v)) throw outOfRange('smallint');
  return v;
}

export function checkInt4(v: number): number {
  if (v < INT4_MIN || v > INT4_MAX || Number.isNaN(v)) throw outOfRange('integer');
  return v;
}

export function checkInt8(v: bigint): bigint {
  if (v < INT8_MIN || v > INT8_MAX) throw outOfRange('bigint');
  return v;
}

export function divisionByZero(): SqlError {
  return new SqlError('22012', 'division by zero');
}

/** int2/int4 division: truncates toward zero; MIN / -1 overflows. */
export function intDiv(a: number, b: number, check: (v: number) => number): number {
  if (b === 0) throw divisionByZero();
  return check(Math.trunc(a / b)) + 0;
}

export function intMod(a: number, b: number): number {
  if (b === 0) throw divisionByZero();
  return (a % b) + 0; // + 0 turns -0 into 0
}

export function int8Div(a: bigint, b: bigint): bigint {
  if (b === 0n) throw divisionByZero();
  return checkInt8(a / b);
}

export function int8Mod(a: bigint, b: bigint): bigint {
  if (b === 0n) throw divisionByZero();
  return a % b;
}

// ---------------------------------------------------------------------------------------------
// floats

const FLOAT_TEXT = /^[ \t\n\r\v\f]*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$/;

function parseFloatSpecial(t: string): number | null {
  const s = t.trim().toLowerCase();
  if (s === 'nan' || s === '+nan' || s === '-nan') return NaN;
  if (s === 'infinity' || s === '+infinity' || s === 'inf' || s === '+inf') return Infinity;
  if (s === '-infinity' || s === '-inf') return -Infinity;
  return null;
}

function mantissaIsZero(text: string): boolean {
  const m = /(\d*\.?\d*)/.exec(text.trim().replace(/^[+-]/, ''));
  return !m || !/[1-9]/.test(m[1]!);
}

export function parseFloat8(text: string): number {
  return parseFloatText(text, 'double precision', (x) => x);
}

export function parseFloat4(text: string): number {
  return parseFloatText(text, 'real', (d) => float4FromDecimal(text, d));
}

/**
 * The float4 nearest the decimal `text` (strtof), given `d`, the double nearest it. Rounding
 * d to float4 is right unless d is exactly halfway between two float4s: the decimal may then
 * lie on either side of that midpoint, and only an exact comparison tells which.
 */
function float4FromDecimal(text: string, d: number): number {
  const f = Math.fround(d);
  if (!Number.isFinite(d) || d === f) return f;
  const other = float4Neighbour(f, d > f);
  if ((f + other) / 2 !== d) return f;
  const side = compareDecimalWithDouble(text.trim(), d);
  if (side === 0) return f; // a true tie: fround rounds it to even, as strtof does
  return side > 0 === (Math.abs(other) > Math.abs(f)) ? other : f;
}

/** The next float4 above (or below) f. */
function float4Neighbour(f: number, up: boolean): number {
  const buffer = new DataView(new ArrayBuffer(4));
  if (f === 0) { buffer.setUint32(0, up ? 1 : 0x80000001); return buffer.getFloat32(0); }
  buffer.setFloat32(0, f);
  const bits = buffer.getUint32(0);
  buffer.setUint32(0, (up === f > 0) ? bits + 1 : bits - 1);
  return buffer.getFloat32(0);
}

/** Sign of |decimal| − |d|, exactly (BigInt). */
function compareDecimalWithDouble(text: string, d: number): number {
  const m = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text)!;
  const digits = (m[1] ?? '') + (m[2] ?? '');
  const exponent10 = Number(m[3] ?? 0) - (m[2] ?? '').length;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(d));
  const hi = view.getUint32(0);
  const biased = hi >>> 20;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  const mantissa2 = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent2 = (biased === 0 ? 1 : biased) - 1075;
  const left = BigInt(digits || '0') * 10n ** BigInt(Math.max(exponent10, 0)) * 2n ** BigInt(Math.max(-exponent2, 0));
  const right = mantissa2 * 2n ** BigInt(Math.max(exponent2, 0)) * 10n ** BigInt(Math.max(-exponent10, 0));
  return left === right ? 0 : left > right ? 1 : -1;
}

function parseFloatText(text: string, typeName: string, round: (x: number) => number): number {
  if (!FLOAT_TEXT.test(text)) {
    const special = parseFloatSpecial(text);
    if (special === null) throw new SqlError('22P02', `invalid input syntax for type ${typeName}: "${text}"`);
    return special;
  }
  const v = round(Number(text.trim()));
  if (!Number.isFinite(v) || (v === 0 && !mantissaIsZero(text))) {
    throw new SqlError('22003', `"${text}" is out of range for type ${typeName}`);
  }
  return v;
}

/** Shortest digits that round-trip at float4 precision (Ryu's f2s gives the same digits). */
function float4Digits(v: number): string {
  for (let p = 1; p < 9; p++) {
    const s = v.toExponential(p - 1);
    if (Math.fround(Number(s)) === v) return s;
  }
  return v.toExponential(8);
}

/**
 * PostgreSQL 15's float output (extra_float_digits = 1): shortest round-trip digits, fixed
 * notation when the decimal exponent is in [-4, 15) for float8 and [-4, 6) for float4, else
 * d.ddde±XX with at least two exponent digits.
 */
export function formatFloat8(v: number): string {
  return formatFloat(v, v.toExponential(), 15);
}

export function formatFloat4(v: number): string {
  return formatFloat(v, Number.isFinite(v) && v !== 0 ? float4Digits(v) : '', 6);
}

/** float8out/float4out with extra_float_digits ≤ 0: C's %.<digits>g (at least one digit). */
export function formatFloatDigits(v: number, digits: number): string {
  const precision = Math.max(digits, 1);
  if (!Number.isFinite(v) || v === 0) return formatFloat(v, '', precision);
  const [mantissa, exponent] = v.toExponential(precision - 1).split('e');
  const trimmed = mantissa!.includes('.') ? mantissa!.replace(/0+$/, '').replace(/\.$/, '') : mantissa!;
  return formatFloat(v, `${trimmed}e${exponent}`, precision);
}

function formatFloat(v: number, exponential: string, fixedLimit: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const e = exponential.indexOf('e');
  const mantissa = exponential.slice(0, e);
  const exponent = Number(exponential.slice(e + 1));
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exponent < -4 || exponent >= fixedLimit) {
    const body = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    const abs = Math.abs(exponent);
    return `${sign}${body}e${exponent < 0 ? '-' : '+'}${abs < 10 ? '0' + abs : abs}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return sign + digits + '0'.repeat(exponent + 1 - digits.length);
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

/** check_float8_val: an infinite result from finite inputs overflows; a zero from non-zeros underflows. */
export function checkFloat(result: number, a: number, b: number, zeroIsUnderflow: boolean): number {
  if (!Number.isFinite(result) && !Number.isNaN(result) && Number.isFinite(a) && Number.isFinite(b)) {
    throw new SqlError('22003', 'value out of range: overflow');
  }
  if (zeroIsUnderflow && result === 0 && a !== 0 && b !== 0 && Number.isFinite(a) && Number.isFinite(b)) {
    throw new SqlError('22003', 'value out of range: underflow');
  }
  return result;
}

export function float8Div(a: number, b: number): number {
  if (b === 0 && !Number.isNaN(a)) throw divisionByZero();
  return checkFloat(a / b, a, b === 0 ? 1 : b, true);
}

/** float → int: rint (round half to even), then a range check. */
export function floatToInt(v: number, typeName: IntTypeName): number | bigint {
  if (Number.isNaN(v) || !Number.isFinite(v)) throw outOfRange(typeName);
  const r = roundHalfEven(v);
  if (typeName === 'bigint') {
    if (r < -9223372036854775808 || r >= 9223372036854775808) throw outOfRange(typeName);
    return BigInt(r);
  }
  return typeName === 'integer' ? checkInt4(r) + 0 : checkInt2(r) + 0;
}

/** C's rint: roundHalfEven keeping the sign of a zero result (rint(-0.4) is -0, as float8out prints it). */
export function rint(v: number): number {
  const r = roundHalfEven(v);
  return r === 0 && (v < 0 || Object.is(v, -0)) ? -0 : r;
}

export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const diff = v - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
