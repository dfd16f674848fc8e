import { SqlError, assert } from '../../contracts/errors.js';
import type { NumericValue } from '../../contracts/sql-value.js';

/**
 * PostgreSQL's numeric on NumericValue (coefficient × 10^-scale). bigint makes every operation
 * exact; only the result scales need care, and they follow numeric.c (select_div_scale and
 * friends) so that `1.0/3` prints the same digits as PostgreSQL.
 */

export const NUMERIC_NAN: NumericValue = Object.freeze({ coefficient: 0n, scale: 0, special: 'NaN' as const });
export const NUMERIC_PINF: NumericValue = Object.freeze({ coefficient: 0n, scale: 0, special: 'Infinity' as const });
export const NUMERIC_NINF: NumericValue = Object.freeze({ coefficient: 0n, scale: 0, special: '-Infinity' as const });
export const NUMERIC_ZERO: NumericValue = Object.freeze({ coefficient: 0n, scale: 0 });

/** numeric.c's limits: scales beyond these are clamped, digits beyond these are an error. */
const NUMERIC_MAX_DISPLAY_SCALE = 1000;
const NUMERIC_MIN_SIG_DIGITS = 16;
const NUMERIC_MAX_RESULT_SCALE = 2000;
/** 131072 digits before the point and 16383 after, as PostgreSQL's storage format allows. */
const NUMERIC_MAX_WEIGHT_DIGITS = 131072;
const NUMERIC_MAX_DSCALE = 16383;

export function numeric(coefficient: bigint, scale: number): NumericValue {
  assert(scale >= 0 && Number.isInteger(scale), 'numeric scale is a non-negative integer');
  return { coefficient, scale };
}

export function numericFromBigint(v: bigint): NumericValue {
  return { coefficient: v, scale: 0 };
}

const POW10: bigint[] = [1n];
export function pow10(n: number): bigint {
  assert(n >= 0, 'pow10 of a non-negative exponent');
  while (POW10.length <= n && POW10.length < 4096) POW10.push(POW10[POW10.length - 1]! * 10n);
  return n < POW10.length ? POW10[n]! : 10n ** BigInt(n);
}

function abs(v: bigint): bigint {
  return v < 0n ? -v : v;
}

/** Divides rounding half away from zero, as PostgreSQL's round_var does. */
export function divRoundHalfAway(n: bigint, d: bigint): bigint {
  assert(d !== 0n, 'divisor is not zero');
  const q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  if (abs(r) * 2n >= abs(d)) return (n < 0n) !== (d < 0n) ? q - 1n : q + 1n;
  return q;
}

/** Changes the scale, rounding half away from zero when it shrinks. */
export function rescale(v: NumericValue, scale: number): NumericValue {
  if (v.special || v.scale === scale) return v;
  if (scale > v.scale) return { coefficient: v.coefficient * pow10(scale - v.scale), scale };
  return { coefficient: divRoundHalfAway(v.coefficient, pow10(v.scale - scale)), scale };
}

function truncateTo(v: NumericValue, scale: number): NumericValue {
  if (v.special || v.scale <= scale) return rescale(v, scale);
  return { coefficient: v.coefficient / pow10(v.scale - scale), scale };
}

/** Coefficients smaller than this in magnitude have at most 38 digits: far inside the limits. */
const SMALL_COEFFICIENT = 10n ** 38n;
const NEGATIVE_SMALL_COEFFICIENT = -SMALL_COEFFICIENT;

function checkFinite(v: NumericValue): NumericValue {
  if (v.special) return v;
  // The common case without printing the coefficient (a string per sum or difference).
  if (v.coefficient < SMALL_COEFFICIENT && v.coefficient > NEGATIVE_SMALL_COEFFICIENT && v.scale <= NUMERIC_MAX_DSCALE) return v;
  const digits = v.coefficient === 0n ? 0 : abs(v.coefficient).toString().length - v.scale;
  if (digits > NUMERIC_MAX_WEIGHT_DIGITS || v.scale > NUMERIC_MAX_DSCALE) {
    throw new SqlError('22003', 'value overflows numeric format');
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Text I/O

const NUMERIC_TEXT = /^\s*([+-]?)(\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+))?\s*$/;

export function parseNumeric(text: string): NumericValue {
  const m = NUMERIC_TEXT.exec(text);
  if (!m) return parseNumericSpecial(text);
  const [, sign, body, exponentText] = m;
  const point = body!.indexOf('.');
  const intPart = point < 0 ? body! : body!.slice(0, point);
  const fracPart = point < 0 ? '' : body!.slice(point + 1);
  let exponent = 0;
  if (exponentText !== undefined) {
    exponent = Number(exponentText);
    // numeric_in rejects exponents beyond what the format could ever hold.
    if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 1000 * 2 + NUMERIC_MAX_WEIGHT_DIGITS) {
      throw new SqlError('22003', 'value overflows numeric format');
    }
  }
  let coefficient = BigInt(intPart + fracPart || '0');
  let scale = fracPart.length - exponent;
  if (scale < 0) {
    coefficient *= pow10(-scale);
    scale = 0;
  }
  if (sign === '-') coefficient = -coefficient;
  return checkFinite({ coefficient, scale });
}

function parseNumericSpecial(text: string): NumericValue {
  const t = text.trim().toLowerCase();
  if (t === 'nan') return NUMERIC_NAN;
  if (t === 'infinity' || t === '+infinity' || t === 'inf' || t === '+inf') return NUMERIC_PINF;
  if (t === '-infinity' || t === '-inf') return NUMERIC_NINF;
  throw new SqlError('22P02', `invalid input syntax for type numeric: "${text}"`);
}

export function formatNumeric(v: NumericValue): string {
  if (v.special) return v.special;
  const negative = v.coefficient < 0n;
  let digits = abs(v.coefficient).toString();
  if (v.scale === 0) return negative ? '-' + digits : digits;
  if (digits.length <= v.scale) digits = '0'.repeat(v.scale - digits.length + 1) + digits;
  const cut = digits.length - v.scale;
  return (negative ? '-' : '') + digits.slice(0, cut) + '.' + digits.slice(cut);
}

// ---------------------------------------------------------------------------------------------
// Typmod: numeric(p, s). PostgreSQL 15 allows a scale outside [0, p], even negative.

export function numericTypmod(precision: number, scale: number): number {
  return ((precision << 16) | (scale & 0x7ff)) + 4;
}

export function numericTypmodPrecision(typmod: number): number {
  return ((typmod - 4) >> 16) & 0xffff;
}

export function numericTypmodScale(typmod: number): number {
  return ((((typmod - 4) & 0x7ff) ^ 1024) - 1024);
}

/** Rounds to the column's scale and checks the precision, as apply_typmod does. */
export function applyNumericTypmod(v: NumericValue, typmod: number): NumericValue {
  if (typmod < 4) return v;
  const precision = numericTypmodPrecision(typmod);
  const scale = numericTypmodScale(typmod);
  if (v.special) {
    if (v.special === 'NaN') return v;
    throw new SqlError('22003', 'numeric field overflow', {
      detail: `A field with precision ${precision}, scale ${scale} cannot hold an infinite value.`,
    });
  }
  let rounded: NumericValue;
  if (scale >= 0) rounded = rescale(v, scale);
  else {
    const unit = pow10(v.scale - scale);
    rounded = { coefficient: divRoundHalfAway(v.coefficient, unit) * pow10(-scale), scale: 0 };
  }
  const maxDigits = precision - scale;
  if (rounded.coefficient !== 0n) {
    const integerDigits = abs(rounded.coefficient).toString().length - rounded.scale;
    if (integerDigits > maxDigits) {
      throw new SqlError('22003', 'numeric field overflow', {
        detail: `A field with precision ${precision}, scale ${scale} must round to an absolute value less than ${maxDigits ? '10^' : ''}${maxDigits ? maxDigits : 1}.`,
      });
    }
  }
  return rounded;
}

// ---------------------------------------------------------------------------------------------
// Comparison

function specialRank(v: NumericValue): number {
  if (!v.special) return 0;
  return v.special === 'NaN' ? 2 : v.special === 'Infinity' ? 1 : -1;
}

/** NaN sorts above everything and equals itself, as in PostgreSQL. */
export function compareNumeric(a: NumericValue, b: NumericValue): number {
  const ra = specialRank(a);
  const rb = specialRank(b);
  if (ra !== 0 || rb !== 0) return ra === rb ? 0 : ra < rb ? -1 : 1;
  if (a.scale === b.scale) return a.coefficient < b.coefficient ? -1 : a.coefficient > b.coefficient ? 1 : 0;
  const s = Math.max(a.scale, b.scale);
  const x = a.coefficient * pow10(s - a.scale);
  const y = b.coefficient * pow10(s - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function numericSign(v: NumericValue): number {
  if (v.special) return v.special === 'NaN' ? NaN : v.special === 'Infinity' ? 1 : -1;
  return v.coefficient < 0n ? -1 : v.coefficient > 0n ? 1 : 0;
}

function infinityOfSign(sign: number): NumericValue {
  return sign > 0 ? NUMERIC_PINF : NUMERIC_NINF;
}

// ---------------------------------------------------------------------------------------------
// Arithmetic

function align(a: NumericValue, b: NumericValue): [bigint, bigint, number] {
  const s = Math.max(a.scale, b.scale);
  return [a.coefficient * pow10(s - a.scale), b.coefficient * pow10(s - b.scale), s];
}

export function numericAdd(a: NumericValue, b: NumericValue): NumericValue {
  if (a.special || b.special) {
    if (a.special === 'NaN' || b.special === 'NaN') return NUMERIC_NAN;
    if (a.special && b.special) return a.special === b.special ? a : NUMERIC_NAN;
    return a.special ? a : b;
  }
  // Same scales (a column's values): no alignment, no array.
  if (a.scale === b.scale) return checkFinite({ coefficient: a.coefficient + b.coefficient, scale: a.scale });
  const [x, y, s] = align(a, b);
  return checkFinite({ coefficient: x + y, scale: s });
}

export function numericNegate(a: NumericValue): NumericValue {
  if (a.special) return a.special === 'NaN' ? a : a.special === 'Infinity' ? NUMERIC_NINF : NUMERIC_PINF;
  return { coefficient: -a.coefficient, scale: a.scale };
}

export function numericSub(a: NumericValue, b: NumericValue): NumericValue {
  if (!a.special && !b.special && a.scale === b.scale) return checkFinite({ coefficient: a.coefficient - b.coefficient, scale: a.scale });
  return numericAdd(a, numericNegate(b));
}

export function numericMul(a: NumericValue, b: NumericValue): NumericValue {
  if (a.special || b.special) {
    if (a.special === 'NaN' || b.special === 'NaN') return NUMERIC_NAN;
    const sa = numericSign(a);
    const sb = numericSign(b);
    if (sa === 0 || sb === 0) return NUMERIC_NAN; // infinity × 0
    return infinityOfSign(sa * sb);
  }
  // mul_var keeps at most NUMERIC_MAX_DISPLAY_SCALE digits after the point.
  const product: NumericValue = { coefficient: a.coefficient * b.coefficient, scale: a.scale + b.scale };
  const scale = Math.min(product.scale, NUMERIC_MAX_DISPLAY_SCALE);
  return checkFinite(rescale(product, scale));
}

/** Weight (base-10000 digit position) and first base-10000 digit of a non-zero value. */
function baseDigits(v: NumericValue): { weight: number; first: number } {
  const digits = abs(v.coefficient).toString();
  const exponent = digits.length - 1 - v.scale; // decimal exponent of the leading digit
  const weight = Math.floor(exponent / 4);
  const take = exponent - weight * 4 + 1;
  const first = Number(digits.length >= take ? digits.slice(0, take) : digits.padEnd(take, '0'));
  return { weight, first };
}

/** select_div_scale: at least 16 significant digits, and no fewer than either input's scale. */
export function selectDivScale(a: NumericValue, b: NumericValue): number {
  const da = a.coefficient === 0n ? { weight: 0, first: 0 } : baseDigits(a);
  const db = b.coefficient === 0n ? { weight: 0, first: 0 } : baseDigits(b);
  let qweight = da.weight - db.weight;
  if (da.first <= db.first) qweight--;
  let rscale = NUMERIC_MIN_SIG_DIGITS - qweight * 4;
  rscale = Math.max(rscale, a.scale, b.scale, 0);
  return Math.min(rscale, NUMERIC_MAX_DISPLAY_SCALE);
}

function divisionByZero(): SqlError {
  return new SqlError('22012', 'division by zero');
}

function divSpecial(a: NumericValue, b: NumericValue): NumericValue {
  if (a.special === 'NaN' || b.special === 'NaN') return NUMERIC_NAN;
  if (a.special) {
    if (b.special) return NUMERIC_NAN;
    const sb = numericSign(b);
    if (sb === 0) throw divisionByZero();
    return infinityOfSign(numericSign(a) * sb);
  }
  return NUMERIC_ZERO; // finite / ±infinity
}

export function numericDiv(a: NumericValue, b: NumericValue): NumericValue {
  if (a.special || b.special) return divSpecial(a, b);
  if (b.coefficient === 0n) throw divisionByZero();
  const rscale = selectDivScale(a, b);
  return checkFinite(divideToScale(a, b, rscale));
}

/** a / b rounded half away from zero to `scale` digits. */
export function divideToScale(a: NumericValue, b: NumericValue, scale: number): NumericValue {
  // a.c·10^-sa / (b.c·10^-sb) = (a.c·10^(scale+sb-sa) / b.c) · 10^-scale
  const shift = scale + b.scale - a.scale;
  const n = shift >= 0 ? a.coefficient * pow10(shift) : a.coefficient;
  const d = shift >= 0 ? b.coefficient : b.coefficient * pow10(-shift);
  return { coefficient: divRoundHalfAway(n, d), scale };
}

/** Integer division truncating toward zero (div(numeric, numeric)). */
export function numericDivTrunc(a: NumericValue, b: NumericValue): NumericValue {
  if (a.special || b.special) {
    const r = divSpecial(a, b);
    return r;
  }
  if (b.coefficient === 0n) throw divisionByZero();
  const [x, y] = align(a, b);
  return { coefficient: x / y, scale: 0 };
}

export function numericMod(a: NumericValue, b: NumericValue): NumericValue {
  if (a.special || b.special) {
    if (a.special === 'NaN' || b.special === 'NaN') return NUMERIC_NAN;
    if (a.special) {
      if (!b.special && b.coefficient === 0n) throw divisionByZero();
      return NUMERIC_NAN;
    }
    return a; // finite % ±infinity
  }
  if (b.coefficient === 0n) throw divisionByZero();
  const [x, y, s] = align(a, b);
  return { coefficient: x % y, scale: s };
}

export function numericAbs(a: NumericValue): NumericValue {
  if (a.special) return a.special === '-Infinity' ? NUMERIC_PINF : a;
  return a.coefficient < 0n ? { coefficient: -a.coefficient, scale: a.scale } : a;
}

/** round(n, s): half away from zero; a negative s rounds left of the point. */
export function numericRound(a: NumericValue, s: number): NumericValue {
  if (a.special) return a;
  s = Math.max(Math.min(s, NUMERIC_MAX_RESULT_SCALE), -NUMERIC_MAX_RESULT_SCALE);
  if (s >= 0) return rescale(a, s);
  const unit = pow10(a.scale - s);
  return { coefficient: divRoundHalfAway(a.coefficient, unit) * pow10(-s), scale: 0 };
}

export function numericTrunc(a: NumericValue, s: number): NumericValue {
  if (a.special) return a;
  s = Math.max(Math.min(s, NUMERIC_MAX_RESULT_SCALE), -NUMERIC_MAX_RESULT_SCALE);
  if (s >= 0) return truncateTo(a, s);
  const unit = pow10(a.scale - s);
  return { coefficient: (a.coefficient / unit) * pow10(-s), scale: 0 };
}

export function numericFloor(a: NumericValue): NumericValue {
  if (a.special) return a;
  const unit = pow10(a.scale);
  let q = a.coefficient / unit;
  if (a.coefficient < 0n && q * unit !== a.coefficient) q -= 1n;
  return { coefficient: q, scale: 0 };
}

export function numericCeil(a: NumericValue): NumericValue {
  if (a.special) return a;
  const unit = pow10(a.scale);
  let q = a.coefficient / unit;
  if (a.coefficient > 0n && q * unit !== a.coefficient) q += 1n;
  return { coefficient: q, scale: 0 };
}

/** sign(numeric) returns -1, 0 or 1 as numeric (NaN stays NaN). */
export function numericSignValue(a: NumericValue): NumericValue {
  if (a.special === 'NaN') return a;
  return { coefficient: BigInt(numericSign(a)), scale: 0 };
}

/** Integer square root by Newton's method on bigint. */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  if (x === 0n) x = 1n;
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) {
      // Newton from above converges; fix up from a float start that was below.
      while (x * x > n) x -= 1n;
      while ((x + 1n) * (x + 1n) <= n) x += 1n;
      return x;
    }
    x = y;
  }
}

/** sqrt(numeric) with numeric_sqrt's result scale. */
export function numericSqrt(a: NumericValue): NumericValue {
  if (a.special === 'NaN' || a.special === 'Infinity') return a;
  if (a.special === '-Infinity' || a.coefficient < 0n) {
    throw new SqlError('2201F', 'cannot take square root of a negative number');
  }
  // numeric_sqrt: rscale = max(16 - sweight, dscale, 0), capped at 1000, where sweight is the
  // decimal weight of the result, (arg weight + 1) * 4 / 2 - 1 in base-10000 terms.
  const weight = a.coefficient === 0n ? 0 : baseDigits(a).weight;
  const sweight = Math.trunc(((weight + 1) * 4) / 2) - 1;
  let rscale = NUMERIC_MIN_SIG_DIGITS - sweight;
  rscale = Math.min(Math.max(rscale, a.scale, 0), NUMERIC_MAX_DISPLAY_SCALE);
  return sqrtToScale(a, rscale);
}

/** The square root of a finite, non-negative value rounded to `rscale` digits (sqrt_var). */
export function sqrtToScale(a: NumericValue, rscale: number): NumericValue {
  assert(!a.special && a.coefficient >= 0n, 'sqrtToScale of a finite non-negative value');
  // floor(sqrt(c·10^-s)·10^extra) = isqrt(c·10^(2·extra - s)); one extra digit, then round.
  const extra = rscale + 1;
  const shift = 2 * extra - a.scale;
  const radicand = shift >= 0 ? a.coefficient * pow10(shift) : a.coefficient / pow10(-shift);
  const root = isqrt(radicand);
  return rescale({ coefficient: root, scale: extra }, rscale);
}

// ---------------------------------------------------------------------------------------------
// Conversions

export function numericToBigint(a: NumericValue, typeName: 'smallint' | 'integer' | 'bigint'): bigint {
  if (a.special) {
    throw new SqlError('0A000', `cannot convert ${a.special === 'NaN' ? 'NaN' : 'infinity'} to ${typeName}`);
  }
  return rescale(a, 0).coefficient;
}

export function numericToFloat(a: NumericValue): number {
  if (a.special) return a.special === 'NaN' ? NaN : a.special === 'Infinity' ? Infinity : -Infinity;
  return Number(formatNumeric(a));
}

/** float → numeric keeps 15 (float8) or 6 (float4) significant digits, as float8_numeric does. */
export function numericFromFloat(v: number, significantDigits: number): NumericValue {
  if (Number.isNaN(v)) return NUMERIC_NAN;
  if (v === Infinity) return NUMERIC_PINF;
  if (v === -Infinity) return NUMERIC_NINF;
  // PostgreSQL prints with %.15g (%.6g for float4), which drops trailing zeros, then parses.
  const text = v.toPrecision(significantDigits).replace(/(\.\d*?)0+(?=e|$)/, '$1').replace(/\.(?=e|$)/, '');
  return parseNumeric(text);
}

// ---------------------------------------------------------------------------------------------
// Binary: PostgreSQL's numeric_send format — base-10000 digits.

export function numericToBinary(v: NumericValue): Uint8Array {
  const header = new DataView(new ArrayBuffer(8));
  if (v.special) {
    header.setUint16(4, v.special === 'NaN' ? 0xc000 : v.special === 'Infinity' ? 0xd000 : 0xf000);
    // PostgreSQL reads the infinities' dscale out of their short header bits: 32.
    if (v.special !== 'NaN') header.setUint16(6, 32);
    return new Uint8Array(header.buffer);
  }
  const { digits, weight } = toBase10000(abs(v.coefficient), v.scale);
  const out = new DataView(new ArrayBuffer(8 + digits.length * 2));
  out.setInt16(0, digits.length);
  out.setInt16(2, weight);
  out.setUint16(4, v.coefficient < 0n ? 0x4000 : 0);
  out.setInt16(6, v.scale);
  for (let i = 0; i < digits.length; i++) out.setInt16(8 + i * 2, digits[i]!);
  return new Uint8Array(out.buffer);
}

function toBase10000(magnitude: bigint, scale: number): { digits: number[]; weight: number } {
  if (magnitude === 0n) return { digits: [], weight: 0 };
  // Pad the fraction to a multiple of 4 decimal digits so groups align with the point.
  const fracGroups = Math.ceil(scale / 4);
  let m = magnitude * pow10(fracGroups * 4 - scale);
  const groups: number[] = [];
  while (m > 0n) {
    groups.push(Number(m % 10000n));
    m /= 10000n;
  }
  groups.reverse();
  let weight = groups.length - fracGroups - 1;
  let start = 0;
  while (start < groups.length && groups[start] === 0) { start++; weight--; }
  let end = groups.length;
  while (end > start && groups[end - 1] === 0) end--;
  return { digits: groups.slice(start, end), weight };
}

export function numericFromBinary(bytes: Uint8Array): NumericValue {
  if (bytes.length < 8) throw new SqlError('08P01', 'insufficient data left in message');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ndigits = view.getInt16(0);
  const weight = view.getInt16(2);
  const sign = view.getUint16(4);
  const dscale = view.getInt16(6);
  if (sign === 0xc000) return NUMERIC_NAN;
  if (sign === 0xd000) return NUMERIC_PINF;
  if (sign === 0xf000) return NUMERIC_NINF;
  if (sign !== 0 && sign !== 0x4000) throw new SqlError('22P03', 'invalid sign in external "numeric" value');
  if (ndigits < 0 || bytes.length !== 8 + ndigits * 2) throw new SqlError('08P01', 'insufficient data left in message');
  if (dscale < 0 || dscale > NUMERIC_MAX_DSCALE) throw new SqlError('22P03', 'invalid scale in external "numeric" value');
  let m = 0n;
  for (let i = 0; i < ndigits; i++) {
    const d = view.getInt16(8 + i * 2);
    if (d < 0 || d >= 10000) throw new SqlError('22P03', 'invalid digit in external "numeric" value');
    m = m * 10000n + BigInt(d);
  }
  // value = m × 10000^(weight - ndigits + 1)
  const exp4 = (weight - ndigits + 1) * 4;
  let value: NumericValue = exp4 >= 0 ? { coefficient: m * pow10(exp4), scale: 0 } : { coefficient: m, scale: -exp4 };
  value = rescale(value, dscale); // numeric_recv rounds to the declared dscale
  return sign === 0x4000 ? numericNegate(value) : value;
}
