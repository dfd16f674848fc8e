import { SqlError } from '../../contracts/errors.js';
import type { NumericValue } from '../../contracts/sql-value.js';
import * as num from './numeric.js';

/**
 * Math functions of float.c, int.c and numeric.c: exp/ln/log (float8 and numeric, the
 * numeric ones to PostgreSQL's result scales), cbrt, trigonometry in radians and degrees,
 * gcd/lcm, width_bucket, factorial, scale/min_scale/trim_scale.
 *
 * float8 results come from JavaScript's Math, which, like glibc, is accurate to within an
 * ulp but not always correctly rounded: the last printed digit can differ from PostgreSQL's
 * for some inputs (cbrt is ported from glibc, so it agrees bit for bit).
 */

const outOfRange = (): SqlError => new SqlError('22003', 'input is out of range');
const overflow = (): SqlError => new SqlError('22003', 'value out of range: overflow');
const underflow = (): SqlError => new SqlError('22003', 'value out of range: underflow');
const logZero = (): SqlError => new SqlError('2201E', 'cannot take logarithm of zero');
const logNegative = (): SqlError => new SqlError('2201E', 'cannot take logarithm of a negative number');

/** CHECKFLOATVAL: an infinite result from finite input is an overflow. */
function checkInfinite(result: number, ...inputs: number[]): number {
  if (!Number.isFinite(result) && !Number.isNaN(result) && inputs.every(Number.isFinite)) throw overflow();
  return result;
}

// ---------------------------------------------------------------------------------------------
// float8

/** glibc's cbrt (sysdeps/ieee754/dbl-64/s_cbrt.c): a polynomial seed and one Halley step. */
export function cbrt(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x + x;
  const [xm, xe] = frexp(Math.abs(x));
  const u = 0.354895765043919860 + (1.50819193781584896 + (-2.11499494167371287 + (2.44693122563534430
    + (-1.83469277483613086 + (0.784932344976639262 - 0.145263899385486377 * xm) * xm) * xm) * xm) * xm) * xm;
  const t2 = u * u * u;
  const factors = [1 / 1.5874010519681994748, 1 / 1.2599210498948731648, 1, 1.2599210498948731648, 1.5874010519681994748];
  const ym = (u * (t2 + 2 * xm)) / (2 * t2 + xm) * factors[2 + (xe % 3)]!;
  const result = ym * 2 ** Math.trunc(xe / 3);
  return x < 0 ? -result : result;
}

/** frexp: x = m × 2^e with m in [0.5, 1). */
function frexp(x: number): [number, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getUint32(0);
  let exponent = (bits >>> 20) & 0x7ff;
  if (exponent === 0) { // subnormal: normalize first
    const [m, e] = frexp(x * 2 ** 54);
    return [m, e - 54];
  }
  exponent -= 1022;
  view.setUint32(0, (bits & 0x800fffff) | (1022 << 20));
  return [view.getFloat64(0), exponent];
}

export function floatExp(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x === Infinity) return Infinity;
  if (x === -Infinity) return 0;
  const r = Math.exp(x);
  if (!Number.isFinite(r)) throw overflow();
  if (r === 0) throw underflow();
  return r;
}

export function floatLn(x: number, log: (v: number) => number): number {
  if (x === 0) throw logZero();
  if (x < 0) throw logNegative();
  return checkInfinite(log(x), x);
}

const RADIANS_PER_DEGREE = 0.0174532925199432957692;

/** sin, cos, tan of an infinite argument are out of range; NaN passes through. */
function trig(f: (v: number) => number): (x: number) => number {
  return (x) => {
    if (Number.isNaN(x)) return x;
    if (!Number.isFinite(x)) throw outOfRange();
    return checkInfinite(f(x), x);
  };
}

export const floatSin = trig(Math.sin);
export const floatCos = trig(Math.cos);
/** tan and cot: no overflow check (tan(pi/2) and cot(0) are infinite by design). */
export function floatTan(x: number): number {
  if (Number.isNaN(x)) return x;
  if (!Number.isFinite(x)) throw outOfRange();
  return Math.tan(x);
}

export function floatCot(x: number): number {
  if (Number.isNaN(x)) return x;
  if (!Number.isFinite(x)) throw outOfRange();
  return 1 / Math.tan(x);
}

export function floatCosh(x: number): number {
  const r = Math.cosh(x);
  if (r === 0) throw underflow();
  return r;
}

export function floatAsin(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x < -1 || x > 1) throw outOfRange();
  return Math.asin(x);
}

export function floatAcos(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x < -1 || x > 1) throw outOfRange();
  return Math.acos(x);
}

export function floatAtanh(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x < -1 || x > 1) throw outOfRange();
  if (x === -1) return -Infinity;
  if (x === 1) return Infinity;
  return Math.atanh(x);
}

export function floatAcosh(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x < 1) throw outOfRange();
  return Math.acosh(x);
}

// Degree-based trigonometry, exact at the multiples of 30 and 45 degrees (float.c's dsind & co).
const sin30 = Math.sin(30 * RADIANS_PER_DEGREE);
const oneMinusCos60 = 1 - Math.cos(60 * RADIANS_PER_DEGREE);
const asin05 = Math.asin(0.5);
const acos05 = Math.acos(0.5);
const atan10 = Math.atan(1);
const sind0to30 = (x: number): number => Math.sin(x * RADIANS_PER_DEGREE) / sin30 / 2;
const cosd0to60 = (x: number): number => 1 - (1 - Math.cos(x * RADIANS_PER_DEGREE)) / oneMinusCos60 / 2;
const sindQ1 = (x: number): number => (x <= 30 ? sind0to30(x) : cosd0to60(90 - x));
const cosdQ1 = (x: number): number => (x <= 60 ? cosd0to60(x) : sind0to30(90 - x));
const tan45 = sindQ1(45) / cosdQ1(45);
const cot45 = cosdQ1(45) / sindQ1(45);
const asindQ1 = (x: number): number => (x <= 0.5 ? (Math.asin(x) / asin05) * 30 : 90 - (Math.acos(x) / acos05) * 60);
const acosdQ1 = (x: number): number => (x <= 0.5 ? 90 - (Math.asin(x) / asin05) * 30 : (Math.acos(x) / acos05) * 60);

function degreeArg(x: number): number {
  if (!Number.isFinite(x)) throw outOfRange();
  return x % 360;
}

export function sind(x: number): number {
  if (Number.isNaN(x)) return x;
  let a = degreeArg(x);
  let sign = 1;
  if (a < 0) { a = -a; sign = -sign; }
  if (a > 180) { a = 360 - a; sign = -sign; }
  if (a > 90) a = 180 - a;
  return checkInfinite(sign * sindQ1(a), x);
}

export function cosd(x: number): number {
  if (Number.isNaN(x)) return x;
  let a = degreeArg(x);
  let sign = 1;
  if (a < 0) a = -a;
  if (a > 180) a = 360 - a;
  if (a > 90) { a = 180 - a; sign = -sign; }
  return checkInfinite(sign * cosdQ1(a), x);
}

export function tand(x: number): number {
  if (Number.isNaN(x)) return x;
  let a = degreeArg(x);
  let sign = 1;
  if (a < 0) { a = -a; sign = -sign; }
  if (a > 180) { a = 360 - a; sign = -sign; }
  if (a > 90) { a = 180 - a; sign = -sign; }
  const result = sign * (sindQ1(a) / cosdQ1(a) / tan45);
  return result === 0 ? 0 : result; // tand(90) is Infinity, no overflow
}

export function cotd(x: number): number {
  if (Number.isNaN(x)) return x;
  let a = degreeArg(x);
  let sign = 1;
  if (a < 0) { a = -a; sign = -sign; }
  if (a > 180) { a = 360 - a; sign = -sign; }
  if (a > 90) { a = 180 - a; sign = -sign; }
  const result = sign * (cosdQ1(a) / sindQ1(a) / cot45);
  return result === 0 ? 0 : result;
}

export function asind(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x < -1 || x > 1) throw outOfRange();
  return x >= 0 ? asindQ1(x) : -asindQ1(-x);
}

export function acosd(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x < -1 || x > 1) throw outOfRange();
  return x >= 0 ? acosdQ1(x) : 90 + asindQ1(-x);
}

export function atand(x: number): number {
  if (Number.isNaN(x)) return x;
  return (Math.atan(x) / atan10) * 45;
}

export function atan2d(y: number, x: number): number {
  if (Number.isNaN(y) || Number.isNaN(x)) return NaN;
  return (Math.atan2(y, x) / atan10) * 45;
}

export function degrees(x: number): number {
  return checkInfinite(x / RADIANS_PER_DEGREE, x);
}

export function radians(x: number): number {
  const r = x * RADIANS_PER_DEGREE;
  if (r === 0 && x !== 0) throw underflow();
  return checkInfinite(r, x);
}

/** width_bucket(float8, float8, float8, int4). */
export function widthBucketFloat(operand: number, low: number, high: number, count: number): number {
  if (count <= 0) throw new SqlError('2201G', 'count must be greater than zero');
  if (Number.isNaN(operand) || Number.isNaN(low) || Number.isNaN(high)) throw new SqlError('2201G', 'operand, lower bound, and upper bound cannot be NaN');
  if (!Number.isFinite(low) || !Number.isFinite(high)) throw new SqlError('2201G', 'lower and upper bounds must be finite');
  const plusOne = (): number => { if (count === 2147483647) throw new SqlError('22003', 'integer out of range'); return count + 1; };
  // PostgreSQL 15: count × distance / span + 1, converted to int as C does (NaN and
  // out-of-range values become INT_MIN on x86-64).
  const bucket = (distance: number, span: number): number => {
    const r = (count * distance) / span + 1;
    return Number.isFinite(r) && r > -2147483649 && r < 2147483648 ? Math.trunc(r) : -2147483648;
  };
  if (low < high) {
    if (operand < low) return 0;
    if (operand >= high) return plusOne();
    return bucket(operand - low, high - low);
  }
  if (low > high) {
    if (operand > low) return 0;
    if (operand <= high) return plusOne();
    return bucket(low - operand, low - high);
  }
  throw new SqlError('2201G', 'lower bound cannot equal upper bound');
}

// ---------------------------------------------------------------------------------------------
// Integers

const abs = (v: bigint): bigint => (v < 0n ? -v : v);

function gcdBig(a: bigint, b: bigint): bigint {
  let x = abs(a);
  let y = abs(b);
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export function intGcd(a: bigint, b: bigint, bits: 32 | 64): bigint {
  const min = bits === 32 ? -2147483648n : -(2n ** 63n);
  const g = gcdBig(a, b);
  if (g > -min - 1n) throw new SqlError('22003', bits === 32 ? 'integer out of range' : 'bigint out of range');
  return g;
}

export function intLcm(a: bigint, b: bigint, bits: 32 | 64): bigint {
  if (a === 0n || b === 0n) return 0n;
  const g = intGcd(a, b, bits);
  const l = abs((a / g) * b);
  const max = bits === 32 ? 2147483647n : 2n ** 63n - 1n;
  if (l > max || (a / g) * b < -max - 1n) throw new SqlError('22003', bits === 32 ? 'integer out of range' : 'bigint out of range');
  return l;
}

// ---------------------------------------------------------------------------------------------
// numeric

const NUMERIC_MIN_SIG_DIGITS = 16;
const NUMERIC_MAX_DISPLAY_SCALE = 1000;
const NUMERIC_MAX_RESULT_SCALE = 2000;

const clampScale = (s: number): number => Math.min(Math.max(s, 0), NUMERIC_MAX_DISPLAY_SCALE);
const ONE: NumericValue = { coefficient: 1n, scale: 0 };

/** Both at a common scale: [a, b, scale]. */
function aligned(a: NumericValue, b: NumericValue): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.coefficient * num.pow10(scale - a.scale), b.coefficient * num.pow10(scale - b.scale), scale];
}

export function numericGcd(a: NumericValue, b: NumericValue): NumericValue {
  if (a.special || b.special) return num.NUMERIC_NAN;
  const [x, y, scale] = aligned(a, b);
  return { coefficient: gcdBig(x, y), scale };
}

export function numericLcm(a: NumericValue, b: NumericValue): NumericValue {
  if (a.special || b.special) return num.NUMERIC_NAN;
  const [x, y, scale] = aligned(a, b);
  if (x === 0n || y === 0n) return { coefficient: 0n, scale };
  return { coefficient: abs((x / gcdBig(x, y)) * y), scale };
}

export function factorial(n: bigint): NumericValue {
  if (n < 0n) throw new SqlError('22003', 'factorial of a negative number is undefined');
  if (n > 32177n) throw new SqlError('22003', 'value overflows numeric format');
  let r = 1n;
  for (let k = 2n; k <= n; k++) r *= k;
  return { coefficient: r, scale: 0 };
}

export function numericScale(v: NumericValue): number | null {
  return v.special ? null : v.scale;
}

/** The smallest scale that represents the value exactly. */
export function minScale(v: NumericValue): number | null {
  if (v.special) return null;
  if (v.coefficient === 0n) return 0;
  let c = v.coefficient;
  let s = v.scale;
  while (s > 0 && c % 10n === 0n) { c /= 10n; s--; }
  return s;
}

export function trimScale(v: NumericValue): NumericValue {
  const s = minScale(v);
  return s === null ? v : num.rescale(v, s);
}

/** width_bucket(numeric, numeric, numeric, int4), exactly. */
export function widthBucketNumeric(operand: NumericValue, low: NumericValue, high: NumericValue, count: number): number {
  if (count <= 0) throw new SqlError('2201G', 'count must be greater than zero');
  if (operand.special === 'NaN' || low.special === 'NaN' || high.special === 'NaN') {
    throw new SqlError('2201G', 'operand, lower bound, and upper bound cannot be NaN');
  }
  if (low.special || high.special) throw new SqlError('2201G', 'lower and upper bounds must be finite');
  const cmp = num.compareNumeric(low, high);
  if (cmp === 0) throw new SqlError('2201G', 'lower bound cannot equal upper bound');
  const plusOne = (): number => { if (count === 2147483647) throw new SqlError('22003', 'integer out of range'); return count + 1; };
  const ascending = cmp < 0;
  if (ascending ? num.compareNumeric(operand, low) < 0 : num.compareNumeric(operand, low) > 0) return 0;
  if (ascending ? num.compareNumeric(operand, high) >= 0 : num.compareNumeric(operand, high) <= 0) return plusOne();
  // compute_bucket: count × distance / span at the division's scale (rounded), plus one, floored.
  const distance = ascending ? num.numericSub(operand, low) : num.numericSub(low, operand);
  const span = ascending ? num.numericSub(high, low) : num.numericSub(low, high);
  const quotient = num.numericDiv(num.numericMul(distance, num.numericFromBigint(BigInt(count))), span);
  return Number(num.numericFloor(num.numericAdd(quotient, ONE)).coefficient);
}

// ---- ln, exp, log on numeric ----

const lnCache = { digits: 0, ln2: 0n, ln10: 0n };

/** atanh(1/n) × 10^digits for an integer n > 1. */
function atanhInverse(n: bigint, digits: number): bigint {
  const one = num.pow10(digits);
  let term = one / n;
  const n2 = n * n;
  let sum = term;
  for (let k = 3n; term !== 0n; k += 2n) {
    term /= n2;
    sum += term / k;
  }
  return sum;
}

function constants(digits: number): { ln2: bigint; ln10: bigint } {
  if (lnCache.digits < digits) {
    const d = digits + 10;
    const ln2 = 2n * atanhInverse(3n, d);
    const ln125 = 2n * atanhInverse(9n, d);
    lnCache.digits = d - 10;
    lnCache.ln2 = ln2 / 10n ** 10n * 1n;
    lnCache.ln10 = (3n * ln2 + ln125) / 10n ** 10n;
  }
  const drop = num.pow10(lnCache.digits - digits);
  return { ln2: lnCache.ln2 / drop, ln10: lnCache.ln10 / drop };
}

/** ln(x) × 10^digits (within a few units) for x > 0. */
function lnFixed(x: NumericValue, digits: number): bigint {
  const work = digits + 8;
  const c = x.coefficient;
  const length = c.toString().length;
  const e = length - 1 - x.scale; // x = m × 10^e, m in [1, 10)
  const one = num.pow10(work);
  let m = work >= length - 1 ? c * num.pow10(work - (length - 1)) : c / num.pow10(length - 1 - work);
  const { ln2, ln10 } = constants(work + 6);
  const scaleDown = num.pow10(6);
  // m in [1, 10): halve it into [0.75, 1.5), then ln(z) = 2·atanh((z-1)/(z+1)).
  let k = 0n;
  while (m * 2n > 3n * one) { m /= 2n; k++; }
  const t = ((m - one) * one) / (m + one);
  const t2 = (t * t) / one;
  let term = t;
  let sum = t;
  for (let j = 3n; term !== 0n; j += 2n) {
    term = (term * t2) / one;
    sum += term / j;
  }
  const lnWork = 2n * sum + (k * ln2 + BigInt(e) * ln10) / scaleDown;
  return lnWork / num.pow10(8);
}

/** exp(x) rounded to `rscale` digits (half away from zero). */
function expRounded(x: NumericValue, rscale: number): NumericValue {
  const xf = num.numericToFloat(x);
  // k ≈ x / ln 2, so that r = x - k·ln 2 is within ±0.35.
  const k = Math.round(xf / Math.LN2);
  const extra = Math.max(0, Math.ceil(k * 0.30103));
  const work = rscale + 12 + extra;
  const { ln2 } = constants(work + 6 + String(Math.abs(k)).length);
  const one = num.pow10(work);
  const ln2Work = ln2 / num.pow10(6 + String(Math.abs(k)).length);
  const xWork = x.scale <= work ? x.coefficient * num.pow10(work - x.scale) : x.coefficient / num.pow10(x.scale - work);
  const r = xWork - BigInt(k) * ln2Work;
  let term = one;
  let sum = one;
  for (let j = 1n; term !== 0n; j++) {
    term = (term * r) / one / j;
    sum += term;
  }
  const scaled = k >= 0 ? sum * 2n ** BigInt(k) : sum / 2n ** BigInt(-k);
  return num.rescale({ coefficient: scaled, scale: work }, rscale);
}

/** Base-10000 weight and leading digits of a non-zero value, as NumericVar holds it. */
function nbase(v: NumericValue): { weight: number; digits: number[] } {
  const s4 = Math.ceil(v.scale / 4) * 4;
  let c = abs(v.coefficient) * num.pow10(s4 - v.scale);
  const groups: number[] = [];
  while (c > 0n) { groups.unshift(Number(c % 10000n)); c /= 10000n; }
  const weight = groups.length - 1 - s4 / 4;
  while (groups.length > 0 && groups[groups.length - 1] === 0) groups.pop();
  return { weight, digits: groups };
}

const ZERO_POINT_NINE: NumericValue = { coefficient: 9n, scale: 1 };
const ONE_POINT_ONE: NumericValue = { coefficient: 11n, scale: 1 };

/** estimate_ln_dweight: the decimal weight of ln(x). */
function estimateLnDweight(x: NumericValue): number {
  if (num.compareNumeric(x, ZERO_POINT_NINE) >= 0 && num.compareNumeric(x, ONE_POINT_ONE) <= 0) {
    const d = num.numericSub(x, ONE);
    if (d.coefficient === 0n) return 0;
    const b = nbase(d);
    return b.weight * 4 + Math.trunc(Math.log10(b.digits[0]!));
  }
  if (x.coefficient === 0n) return 0;
  const b = nbase(x);
  let digits = b.digits[0]!;
  let dweight = b.weight * 4;
  if (b.digits.length > 1) { digits = digits * 10000 + b.digits[1]!; dweight -= 4; }
  const lnVar = Math.log(digits) + dweight * 2.302585092994046;
  return Math.trunc(Math.log10(Math.abs(lnVar)));
}

function checkLogArgument(x: NumericValue): void {
  if (x.special === '-Infinity' || x.coefficient < 0n) throw logNegative();
  if (!x.special && x.coefficient === 0n) throw logZero();
}

export function numericLn(x: NumericValue): NumericValue {
  if (x.special === 'NaN' || x.special === 'Infinity') return x;
  checkLogArgument(x);
  const rscale = clampScale(Math.max(NUMERIC_MIN_SIG_DIGITS - estimateLnDweight(x), x.scale));
  return num.rescale({ coefficient: lnFixed(x, rscale + 4), scale: rscale + 4 }, rscale);
}

export function numericExp(x: NumericValue): NumericValue {
  if (x.special === 'NaN' || x.special === 'Infinity') return x;
  if (x.special === '-Infinity') return num.NUMERIC_ZERO;
  let val = num.numericToFloat(x) * 0.434294481903252;
  val = Math.min(Math.max(val, -NUMERIC_MAX_RESULT_SCALE), NUMERIC_MAX_RESULT_SCALE);
  const rscale = clampScale(Math.max(NUMERIC_MIN_SIG_DIGITS - Math.trunc(val), x.scale));
  if (Math.abs(num.numericToFloat(x)) >= NUMERIC_MAX_RESULT_SCALE * 3) {
    if (num.numericToFloat(x) > 0) throw new SqlError('22003', 'value overflows numeric format');
    return { coefficient: 0n, scale: rscale };
  }
  return expRounded(x, rscale);
}

/** log(base, x). */
export function numericLog(base: NumericValue, x: NumericValue): NumericValue {
  if (base.special || x.special) {
    if (base.special === 'NaN' || x.special === 'NaN') return num.NUMERIC_NAN;
    checkLogArgument(base);
    checkLogArgument(x);
    if (base.special === 'Infinity') return x.special === 'Infinity' ? num.NUMERIC_NAN : num.NUMERIC_ZERO;
    return num.NUMERIC_PINF;
  }
  checkLogArgument(base);
  checkLogArgument(x);
  const resultDweight = estimateLnDweight(x) - estimateLnDweight(base);
  const rscale = clampScale(Math.max(NUMERIC_MIN_SIG_DIGITS - resultDweight, base.scale, x.scale));
  const digits = rscale + 20 + Math.abs(estimateLnDweight(base)) + Math.abs(estimateLnDweight(x));
  const lnBase = lnFixed(base, digits);
  if (lnBase === 0n) throw new SqlError('22012', 'division by zero');
  const lnX = lnFixed(x, digits);
  return num.divideToScale({ coefficient: lnX, scale: digits }, { coefficient: lnBase, scale: digits }, rscale);
}

const NUMERIC_WEIGHT_MAX = 32767;

/** A value's base-10000 weight (0 for zero), as NumericVar.weight. */
const weightOf = (v: NumericValue): number => (v.coefficient === 0n ? 0 : nbase(v).weight);

/**
 * power_var_int: base ^ exp for an int32 exponent by repeated squaring, each product rounded
 * to the precision the result needs, then rounded to rscale.
 */
export function powerVarInt(base: NumericValue, exp: number, rscale: number): NumericValue {
  switch (exp) {
    case 0: return { coefficient: num.pow10(rscale), scale: rscale };
    case 1: return num.rescale(base, rscale);
    case -1: return num.divideToScale(ONE, base, rscale);
    case 2: return num.rescale(num.numericMul(base, base), rscale);
    default: break;
  }
  if (base.coefficient === 0n) {
    if (exp < 0) throw new SqlError('22012', 'division by zero');
    return { coefficient: 0n, scale: rscale };
  }
  const b = nbase(base);
  let f0 = b.digits[0]!;
  let p = b.weight * 4;
  for (let k = 1; k < b.digits.length && k * 4 < 16; k++) { f0 = f0 * 10000 + b.digits[k]!; p -= 4; }
  const f = exp * (Math.log10(f0) + p);
  if (f > 3 * 32767 * 4) throw new SqlError('22003', 'value overflows numeric format');
  if (f + 1 < -rscale || f + 1 < -NUMERIC_MAX_DISPLAY_SCALE) return { coefficient: 0n, scale: rscale };
  const sigDigits = 1 + rscale + Math.trunc(f) + Math.trunc(Math.log(Math.abs(exp))) + 8;
  let negative = exp < 0;
  let mask = Math.abs(exp);
  let product = base;
  let result: NumericValue = mask & 1 ? base : ONE;
  const round = (v: NumericValue, scale: number): NumericValue => num.rescale(v, Math.max(scale, 0));
  while ((mask = Math.floor(mask / 2)) > 0) {
    product = round(num.numericMul(product, product), Math.min(sigDigits - 2 * weightOf(product) * 4, 2 * product.scale));
    if (mask & 1) {
      result = round(num.numericMul(product, result), Math.min(sigDigits - (weightOf(product) + weightOf(result)) * 4, product.scale + result.scale));
    }
    if (weightOf(product) > NUMERIC_WEIGHT_MAX || weightOf(result) > NUMERIC_WEIGHT_MAX) {
      if (!negative) throw new SqlError('22003', 'value overflows numeric format');
      result = num.NUMERIC_ZERO;
      negative = false;
      break;
    }
  }
  if (negative) return num.divideToScale(ONE, result, rscale);
  return num.rescale(result, rscale);
}

/** base ^ exponent for a non-integer exponent (power_var's exp(ln(base) × exponent)). */
export function numericPowerReal(base: NumericValue, exponent: NumericValue): NumericValue {
  if (base.coefficient === 0n) return { coefficient: 0n, scale: NUMERIC_MIN_SIG_DIGITS };
  if (base.coefficient < 0n) throw new SqlError('2201F', 'a negative number raised to a non-integer power yields a complex result');
  const lnDweight = estimateLnDweight(base);
  const localScale = clampScale(8 - lnDweight);
  const lnBase = num.rescale({ coefficient: lnFixed(base, localScale + 4), scale: localScale + 4 }, localScale);
  let val = num.numericToFloat(num.rescale(num.numericMul(lnBase, exponent), localScale));
  if (Math.abs(val) > NUMERIC_MAX_RESULT_SCALE * 3.01) {
    if (val > 0) throw new SqlError('22003', 'value overflows numeric format');
    return { coefficient: 0n, scale: NUMERIC_MAX_DISPLAY_SCALE };
  }
  val *= 0.434294481903252;
  const rscale = clampScale(Math.max(NUMERIC_MIN_SIG_DIGITS - Math.trunc(val), base.scale, exponent.scale));
  const sigDigits = Math.max(rscale + Math.trunc(val), 0);
  const lnScale = Math.max(sigDigits - lnDweight + 8, 0);
  const ln = num.rescale({ coefficient: lnFixed(base, lnScale + 4), scale: lnScale + 4 }, lnScale);
  const product = num.rescale(num.numericMul(ln, exponent), lnScale);
  if (Math.abs(num.numericToFloat(product)) >= NUMERIC_MAX_RESULT_SCALE * 3) {
    if (num.numericToFloat(product) > 0) throw new SqlError('22003', 'value overflows numeric format');
    return { coefficient: 0n, scale: rscale };
  }
  return expRounded(product, rscale);
}

