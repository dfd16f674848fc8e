import { SqlError } from '../../contracts/errors.js';
import { TimeTzValue, TypeOid, type IntervalValue, type NumericValue, type SqlValue } from '../../contracts/sql-value.js';
import { castContext, castFunction } from './casts.js';
import { comparator, compareFloats } from './compare.js';
import { checkDate, checkTimestamp, dateToTimestamp, USECS_PER_DAY } from './datetime.js';
import { dateTimeTz } from './datetime-functions.js';
import * as iv from './interval.js';
import { defineJsonOperators } from './json-functions.js';
import * as num from './numeric.js';
import { cbrt, numericPowerReal, powerVarInt } from './math-functions.js';
import { ANY_NONARRAY, ANYARRAY, ANYELEMENT, isAmbiguous, selectCandidate } from './resolve.js';
import { defineArrayOperators } from './array-functions.js';
import { defineByteaOperators } from './bytea-functions.js';
import { defineNetworkOperators } from './network-functions.js';
import { requireType } from './registry.js';
import * as sc from './scalars.js';
import { likeMatch, regexMatch } from './patterns.js';
import { bpcharStrip } from './strings.js';
import { isDefaultStyle, isStyledType, sessionZone, styledOutput, type OutputStyle } from './output-style.js';
import { plusIntervalInZone, zonedCast } from './zoned-datetime.js';

/**
 * The operator catalog (pg_operator for the supported types) and its resolution. Each
 * operator's function takes non-null arguments already coerced to its declared types; a
 * prefix operator gets null for its left argument.
 */
export type OperatorFn = (a: SqlValue, b: SqlValue, ctx?: { readonly outputStyle?: OutputStyle }) => SqlValue;

export interface ResolvedOperator {
  /** Declared argument types: coerce the arguments to these before calling fn. null: prefix. */
  readonly left: number | null;
  readonly right: number;
  readonly result: number;
  readonly fn: OperatorFn;
  /** False for the few operators that take NULL arguments (array ||); absent: NULL in, NULL out. */
  readonly strict?: boolean;
}

interface OperatorEntry {
  readonly name: string;
  readonly args: readonly number[]; // [right] for prefix operators, [left, right] otherwise
  readonly result: number;
  readonly fn: OperatorFn | null;
  /** For polymorphic operators: builds fn from the actual argument types. */
  readonly make?: (argTypes: readonly number[]) => OperatorFn;
  readonly strict: boolean;
}

const OPERATORS = new Map<string, OperatorEntry[]>();

function op(name: string, left: number | null, right: number, result: number, fn: OperatorFn | null, make?: OperatorEntry['make'], strict = true): void {
  const list = OPERATORS.get(name) ?? [];
  list.push({ name, args: left === null ? [right] : [left, right], result, fn, make, strict });
  OPERATORS.set(name, list);
}

const { int2: I2, int4: I4, int8: I8, float4: F4, float8: F8, numeric: N, bool: B, text: T } = TypeOid;
const COMPARISONS: Record<string, (c: number) => boolean> = {
  '=': (c) => c === 0, '<>': (c) => c !== 0, '<': (c) => c < 0, '<=': (c) => c <= 0, '>': (c) => c > 0, '>=': (c) => c >= 0,
};

/** Comparisons for a pair of types, comparing after converting both to `via`. */
function comparisons(left: number, right: number, via: number): void {
  const cmp = comparator(via);
  const lz = left === via ? null : zonedCast(left, via);
  const rz = right === via ? null : zonedCast(right, via);
  if (lz || rz) { // date or timestamp against timestamptz: at the session zone's wall clock
    for (const [name, test] of Object.entries(COMPARISONS)) {
      op(name, left, right, B, (a, b, ctx) => test(cmp(lz ? lz(a, sessionZone(ctx)) : a, rz ? rz(b, sessionZone(ctx)) : b)));
    }
    return;
  }
  const lc = left === via ? null : castFunction(left, via, -1, false);
  const rc = right === via ? null : castFunction(right, via, -1, false);
  for (const [name, test] of Object.entries(COMPARISONS)) {
    op(name, left, right, B, (a, b) => test(cmp(lc ? lc(a) : a, rc ? rc(b) : b)));
  }
}

// ---------------------------------------------------------------------------------------------
// Integers

const asBig = (v: SqlValue): bigint => (typeof v === 'bigint' ? v : BigInt(v as number));

function intArithmetic(left: number, right: number): void {
  const result = left === I8 || right === I8 ? I8 : left === I4 || right === I4 ? I4 : I2;
  if (result === I8) {
    op('+', left, right, I8, (a, b) => sc.checkInt8(asBig(a) + asBig(b)));
    op('-', left, right, I8, (a, b) => sc.checkInt8(asBig(a) - asBig(b)));
    op('*', left, right, I8, (a, b) => sc.checkInt8(asBig(a) * asBig(b)));
    op('/', left, right, I8, (a, b) => sc.int8Div(asBig(a), asBig(b)));
    if (left === right) op('%', left, right, I8, (a, b) => sc.int8Mod(a as bigint, b as bigint));
    return;
  }
  const check = result === I4 ? sc.checkInt4 : sc.checkInt2;
  op('+', left, right, result, (a, b) => check((a as number) + (b as number)));
  op('-', left, right, result, (a, b) => check((a as number) - (b as number)));
  op('*', left, right, result, (a, b) => check((a as number) * (b as number)));
  op('/', left, right, result, (a, b) => sc.intDiv(a as number, b as number, check));
  if (left === right) op('%', left, right, result, (a, b) => sc.intMod(a as number, b as number));
}

function defineIntegerOperators(): void {
  for (const l of [I2, I4, I8]) {
    for (const r of [I2, I4, I8]) {
      intArithmetic(l, r);
      comparisons(l, r, l === I8 || r === I8 ? I8 : l === I4 || r === I4 ? I4 : I2);
    }
  }
  op('-', null, I2, I2, (_a, b) => sc.checkInt2(-(b as number)) + 0);
  op('-', null, I4, I4, (_a, b) => sc.checkInt4(-(b as number)) + 0);
  op('-', null, I8, I8, (_a, b) => sc.checkInt8(-(b as bigint)));
  for (const t of [I2, I4, I8, F4, F8, N, TypeOid.interval]) op('+', null, t, t, (_a, b) => b);
  // Prefix @: absolute value (int2abs, int4abs, int8abs, float4abs, float8abs, numeric_abs).
  op('@', null, I2, I2, (_a, b) => sc.checkInt2(Math.abs(b as number)));
  op('@', null, I4, I4, (_a, b) => sc.checkInt4(Math.abs(b as number)));
  op('@', null, I8, I8, (_a, b) => sc.checkInt8((b as bigint) < 0n ? -(b as bigint) : (b as bigint)));
  op('@', null, F4, F4, (_a, b) => Math.abs(b as number));
  op('@', null, F8, F8, (_a, b) => Math.abs(b as number));
  op('@', null, N, N, (_a, b) => num.numericAbs(b as NumericValue));
  comparisons(TypeOid.oid, TypeOid.oid, TypeOid.oid);
  defineBitwiseOperators();
}

/**
 * & | # ~ << >> on each integer type with itself (int2and…, int8shr); the shift count is int4.
 * As in C on the machines PostgreSQL runs on, a shift count is taken modulo the operand's width
 * (int2 is shifted as an int and truncated back).
 */
function defineBitwiseOperators(): void {
  for (const t of [I2, I4]) {
    const narrow = t === I2 ? (x: number): number => (x << 16) >> 16 : (x: number): number => x | 0;
    op('&', t, t, t, (a, b) => (a as number) & (b as number));
    op('|', t, t, t, (a, b) => (a as number) | (b as number));
    op('#', t, t, t, (a, b) => (a as number) ^ (b as number));
    op('~', null, t, t, (_a, b) => ~(b as number));
    op('<<', t, I4, t, (a, b) => narrow((a as number) << (b as number)));
    op('>>', t, I4, t, (a, b) => narrow((a as number) >> (b as number)));
  }
  const wrap = (x: bigint): bigint => BigInt.asIntN(64, x);
  op('&', I8, I8, I8, (a, b) => (a as bigint) & (b as bigint));
  op('|', I8, I8, I8, (a, b) => (a as bigint) | (b as bigint));
  op('#', I8, I8, I8, (a, b) => (a as bigint) ^ (b as bigint));
  op('~', null, I8, I8, (_a, b) => ~(b as bigint));
  op('<<', I8, I4, I8, (a, b) => wrap((a as bigint) << BigInt((b as number) & 63)));
  op('>>', I8, I4, I8, (a, b) => (a as bigint) >> BigInt((b as number) & 63));
}

// ---------------------------------------------------------------------------------------------
// Floats and numeric

function floatArithmetic(left: number, right: number): void {
  const result = left === F8 || right === F8 ? F8 : F4;
  const r = result === F4 ? Math.fround : (x: number): number => x;
  const chk = (v: number, a: number, b: number, zero: boolean): number => sc.checkFloat(r(v), a, b, zero);
  op('+', left, right, result, (a, b) => chk((a as number) + (b as number), a as number, b as number, false));
  op('-', left, right, result, (a, b) => chk((a as number) - (b as number), a as number, b as number, false));
  op('*', left, right, result, (a, b) => chk((a as number) * (b as number), a as number, b as number, true));
  op('/', left, right, result, (a, b) => r(sc.float8Div(a as number, b as number)));
  const cmp = compareFloats;
  for (const [name, test] of Object.entries(COMPARISONS)) op(name, left, right, B, (a, b) => test(cmp(a, b)));
}

/** float8pow: C's pow() rules where JavaScript's differ (1 ^ NaN, NaN ^ 0, (-1) ^ ±inf are all 1). */
export function floatPower(a: number, b: number): number {
  if (a === 0 && b < 0) throw new SqlError('2201F', 'zero raised to a negative power is undefined');
  if (a < 0 && !Number.isInteger(b) && Number.isFinite(b)) {
    throw new SqlError('2201F', 'a negative number raised to a non-integer power yields a complex result');
  }
  if (a === 1 || b === 0) return 1;
  if (a === -1 && (b === Infinity || b === -Infinity)) return 1;
  return sc.checkFloat(a ** b, a, b, true);
}

export function floatSqrt(x: number): number {
  if (x < 0) throw new SqlError('2201F', 'cannot take square root of a negative number');
  return Math.sqrt(x);
}

function defineFloatAndNumericOperators(): void {
  for (const l of [F4, F8]) for (const r of [F4, F8]) floatArithmetic(l, r);
  op('-', null, F4, F4, (_a, b) => -(b as number));
  op('-', null, F8, F8, (_a, b) => -(b as number));
  op('^', F8, F8, F8, (a, b) => floatPower(a as number, b as number));
  // Prefix |/ (square root) and ||/ (cube root), as dsqrt and dcbrt.
  op('|/', null, F8, F8, (_a, b) => floatSqrt(b as number));
  op('||/', null, F8, F8, (_a, b) => cbrt(b as number));
  const n = (f: (x: NumericValue, y: NumericValue) => NumericValue): OperatorFn => (a, b) => f(a as NumericValue, b as NumericValue);
  op('+', N, N, N, n(num.numericAdd));
  op('-', N, N, N, n(num.numericSub));
  op('*', N, N, N, n(num.numericMul));
  op('/', N, N, N, n(num.numericDiv));
  op('%', N, N, N, n(num.numericMod));
  op('^', N, N, N, n(numericPower));
  op('-', null, N, N, (_a, b) => num.numericNegate(b as NumericValue));
  comparisons(N, N, N);
}

/**
 * numeric ^ numeric. Integer exponents by power_var_int's repeated squaring (exact while
 * the digits fit its working precision), rounded to max(16, base scale) digits; other
 * exponents are exp(ln(base) × exponent) at power_var's scales.
 */
export function numericPower(a: NumericValue, b: NumericValue): NumericValue {
  const viaFloat = (): NumericValue => num.numericFromFloat(floatPower(num.numericToFloat(a), num.numericToFloat(b)), 15);
  if (a.special || b.special) return viaFloat();
  if (a.coefficient === 0n && b.coefficient < 0n) throw new SqlError('2201F', 'zero raised to a negative power is undefined');
  const unit = num.pow10(b.scale);
  if (b.coefficient % unit !== 0n) return numericPowerReal(a, b);
  const e = b.coefficient / unit;
  if (e > 2147483647n || e < -2147483648n) return numericPowerReal(a, b);
  return powerVarInt(a, Number(e), Math.min(Math.max(16, a.scale), 1000));
}

// ---------------------------------------------------------------------------------------------
// Strings, bytes, and everything compared within its own type

function defineStringOperators(): void {
  op('||', T, T, T, (a, b) => (a as string) + (b as string));
  const toText = (oid: number): ((v: SqlValue) => string) => {
    if (oid === TypeOid.bpchar) return (v) => bpcharStrip(v as string);
    // textanycat casts its operand to text: bool prints as "true" here, not "t".
    if (oid === TypeOid.unknown || oid === T) return (v) => v as string;
    const cast = castFunction(oid, T, -1, true);
    return (v) => cast(v) as string;
  };
  // bytea and floats print in the session's style (bytea_output, extra_float_digits).
  const styledText = (oid: number): ((v: SqlValue, ctx?: { readonly outputStyle?: OutputStyle }) => string) => {
    const plain = toText(oid);
    if (!isStyledType(oid)) return plain;
    return (v, ctx) => (isDefaultStyle(ctx?.outputStyle) ? plain(v) : styledOutput(oid, ctx!.outputStyle)(v));
  };
  op('||', T, ANY_NONARRAY, T, null, (types) => { const f = styledText(types[1]!); return (a, b, ctx) => (a as string) + f(b, ctx); });
  op('||', ANY_NONARRAY, T, T, null, (types) => { const f = styledText(types[0]!); return (a, b, ctx) => f(a, ctx) + (b as string); });
  op('||', TypeOid.bytea, TypeOid.bytea, TypeOid.bytea, (a, b) => {
    const x = a as Uint8Array, y = b as Uint8Array;
    const out = new Uint8Array(x.length + y.length); out.set(x); out.set(y, x.length); return out;
  });
  for (const t of [T, TypeOid.bpchar, TypeOid.name]) {
    const strip = t === TypeOid.bpchar ? bpcharStrip : (s: string): string => s;
    op('~~', t, T, B, (a, b) => likeMatch(strip(a as string), b as string, false));
    op('!~~', t, T, B, (a, b) => !likeMatch(strip(a as string), b as string, false));
    op('~~*', t, T, B, (a, b) => likeMatch(strip(a as string), b as string, true));
    op('!~~*', t, T, B, (a, b) => !likeMatch(strip(a as string), b as string, true));
    op('~', t, T, B, (a, b) => regexMatch(strip(a as string), b as string, false));
    op('!~', t, T, B, (a, b) => !regexMatch(strip(a as string), b as string, false));
    op('~*', t, T, B, (a, b) => regexMatch(strip(a as string), b as string, true));
    op('!~*', t, T, B, (a, b) => !regexMatch(strip(a as string), b as string, true));
  }
  // text ^@ text: starts_with.
  op('^@', T, T, B, (a, b) => (a as string).startsWith(b as string));
  for (const t of [B, T, TypeOid.bpchar, TypeOid.name, TypeOid.bytea, TypeOid.uuid, TypeOid.char]) comparisons(t, t, t);
  comparisons(TypeOid.jsonb, TypeOid.jsonb, TypeOid.jsonb);
  comparisons(TypeOid.name, T, T);
  comparisons(T, TypeOid.name, T);
}

// ---------------------------------------------------------------------------------------------
// Date and time

function defineDateTimeOperators(): void {
  const { date: D, timestamp: TS, timestamptz: TZ, interval: IV } = TypeOid;
  for (const l of [D, TS, TZ]) for (const r of [D, TS, TZ]) comparisons(l, r, l === TZ || r === TZ ? TZ : l === TS || r === TS ? TS : D);
  comparisons(IV, IV, IV);
  op('+', D, I4, D, (a, b) => addDays(a as number, b as number));
  op('+', I4, D, D, (a, b) => addDays(b as number, a as number));
  op('-', D, I4, D, (a, b) => addDays(a as number, -(b as number)));
  op('-', D, D, I4, (a, b) => {
    if (!Number.isFinite(a as number) || !Number.isFinite(b as number)) throw new SqlError('22008', 'cannot subtract infinite dates');
    return (a as number) - (b as number);
  });
  const i = (v: SqlValue): IntervalValue => v as IntervalValue;
  op('+', D, IV, TS, (a, b) => iv.timestampPlusInterval(dateToTimestamp(a as number), i(b)));
  op('+', IV, D, TS, (a, b) => iv.timestampPlusInterval(dateToTimestamp(b as number), i(a)));
  op('-', D, IV, TS, (a, b) => iv.timestampPlusInterval(dateToTimestamp(a as number), iv.intervalNegate(i(b))));
  op('+', TS, IV, TS, (a, b) => iv.timestampPlusInterval(a as bigint, i(b)));
  op('+', IV, TS, TS, (a, b) => iv.timestampPlusInterval(b as bigint, i(a)));
  op('-', TS, IV, TS, (a, b) => iv.timestampPlusInterval(a as bigint, iv.intervalNegate(i(b))));
  op('+', TZ, IV, TZ, (a, b, ctx) => plusIntervalInZone(a as bigint, i(b), sessionZone(ctx)));
  op('+', IV, TZ, TZ, (a, b, ctx) => plusIntervalInZone(b as bigint, i(a), sessionZone(ctx)));
  op('-', TZ, IV, TZ, (a, b, ctx) => plusIntervalInZone(a as bigint, iv.intervalNegate(i(b)), sessionZone(ctx)));
  for (const t of [TS, TZ]) op('-', t, t, IV, (a, b) => iv.timestampDiff(a as bigint, b as bigint));
  const TM = TypeOid.time;
  comparisons(TM, TM, TM);
  op('+', TM, IV, TM, (a, b) => iv.timePlusInterval(a as bigint, i(b)));
  op('+', IV, TM, TM, (a, b) => iv.timePlusInterval(b as bigint, i(a)));
  op('-', TM, IV, TM, (a, b) => iv.timePlusInterval(a as bigint, iv.intervalNegate(i(b))));
  op('-', TM, TM, IV, (a, b) => iv.timeDiff(a as bigint, b as bigint));
  op('+', D, TM, TS, (a, b) => dateTime(a as number, b as bigint));
  op('+', TM, D, TS, (a, b) => dateTime(b as number, a as bigint));
  // timetz ± interval moves the time of day only (wrapping at midnight) and keeps the zone.
  const TTZ = TypeOid.timetz;
  const tz = (v: SqlValue): TimeTzValue => v as TimeTzValue;
  const moved = (t: TimeTzValue, span: IntervalValue): TimeTzValue => new TimeTzValue(iv.timePlusInterval(t.micros, span), t.zone);
  comparisons(TTZ, TTZ, TTZ);
  op('+', TTZ, IV, TTZ, (a, b) => moved(tz(a), i(b)));
  op('+', IV, TTZ, TTZ, (a, b) => moved(tz(b), i(a)));
  op('-', TTZ, IV, TTZ, (a, b) => moved(tz(a), iv.intervalNegate(i(b))));
  op('+', D, TTZ, TZ, (a, b) => dateTimeTz(a as number, tz(b)));
  op('+', TTZ, D, TZ, (a, b) => dateTimeTz(b as number, tz(a)));
  op('+', IV, IV, IV, (a, b) => iv.intervalAdd(i(a), i(b)));
  op('-', IV, IV, IV, (a, b) => iv.intervalSub(i(a), i(b)));
  op('-', null, IV, IV, (_a, b) => iv.intervalNegate(i(b)));
  op('*', IV, F8, IV, (a, b) => iv.intervalMul(i(a), b as number));
  op('*', F8, IV, IV, (a, b) => iv.intervalMul(i(b), a as number));
  op('/', IV, F8, IV, (a, b) => iv.intervalDiv(i(a), b as number));
}

/** date + time (datetime_timestamp): ±infinity dates stay infinite. */
function dateTime(date: number, time: bigint): bigint {
  const ts = dateToTimestamp(date);
  if (!Number.isFinite(date)) return ts;
  return checkTimestamp(ts + time);
}

function addDays(date: number, days: number): number {
  if (!Number.isFinite(date)) return date;
  return checkDate(date + days);
}

export { USECS_PER_DAY };

defineIntegerOperators();
defineFloatAndNumericOperators();
defineStringOperators();
defineDateTimeOperators();
defineByteaOperators((name, left, right, result, impl) => op(name, left, right, result, impl));
defineJsonOperators((name, left, right, result, impl) => op(name, left, right, result, impl));
defineNetworkOperators((name, left, right, result, impl) => op(name, left, right, result, impl));
defineArrayOperators((name, left, right, result, impl, make, strict) => op(name, left, right, result, impl, make, strict), ANYARRAY, ANYELEMENT);

/**
 * Resolves `left op right` (left null for a prefix operator) as PostgreSQL does; null when no
 * operator matches (42883 "operator does not exist") or the choice is ambiguous.
 */
export function resolveOperator(name: string, left: number | null, right: number): ResolvedOperator | null {
  const list = OPERATORS.get(name);
  if (!list) return null;
  const args = left === null ? [right] : [left, right];
  const chosen = selectCandidate(list, args);
  if (!chosen) return null;
  // `||` on arrays is anycompatiblearray in PostgreSQL 15 (array_cat/append/prepend): both
  // sides meet at their elements' common type (int2[] || int8 is int8[]), none is 42883.
  if (name === '||' && chosen.args.includes(ANYARRAY)) return compatibleArrayConcat(chosen, args, left === null);
  // Polymorphic slots take the actual argument type (an unknown literal becomes text, or the
  // array or element type the other side implies).
  const arrayType = args.find((a, i) => chosen.args[i] === ANYARRAY && a !== TypeOid.unknown);
  const elementType = arrayType !== undefined ? requireType(arrayType).element : args.find((a, i) => chosen.args[i] === ANYELEMENT && a !== TypeOid.unknown);
  const declared = chosen.args.map((p, i) => {
    if (p === ANY_NONARRAY) return args[i] === TypeOid.unknown ? T : args[i]!;
    if (p === ANYARRAY) return args[i] !== TypeOid.unknown ? args[i]! : (elementType !== undefined ? requireType(elementType).array : T);
    if (p === ANYELEMENT) return elementType ?? T;
    return p;
  });
  if (chosen.args.includes(ANYELEMENT) && args.some((a, i) => chosen.args[i] === ANYELEMENT && a !== TypeOid.unknown && a !== elementType && castContext(a, elementType!) !== 'i')) return null;
  const result = chosen.result === ANYARRAY ? declared[chosen.args.indexOf(ANYARRAY)]! : chosen.result;
  const fn = chosen.fn ?? chosen.make!(declared);
  const strict = chosen.strict ? {} : { strict: false };
  return left === null
    ? { left: null, right: declared[0]!, result, fn, ...strict }
    : { left: declared[0]!, right: declared[1]!, result, fn, ...strict };
}

/**
 * An array `||` (anycompatiblearray || anycompatiblearray, || anycompatible, anycompatible ||):
 * the element types' common type as select_common_type finds it — the one the others cast to
 * implicitly — with an untyped side taking it; null when there is none.
 */
function compatibleArrayConcat(chosen: OperatorEntry, args: readonly number[], prefix: boolean): ResolvedOperator | null {
  if (prefix) return null;
  let common: number = TypeOid.unknown;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === TypeOid.unknown) continue;
    const element = chosen.args[i] === ANYARRAY ? requireType(args[i]!).element : args[i]!;
    if (common === TypeOid.unknown || element === common) { common = element; continue; }
    if (castContext(common, element) === 'i' && castContext(element, common) !== 'i') common = element;
    else if (castContext(element, common) !== 'i') return null;
  }
  if (common === TypeOid.unknown) common = T;
  const array = requireType(common).array;
  if (array === 0) return null;
  const declared = chosen.args.map((p) => (p === ANYARRAY ? array : common));
  return { left: declared[0]!, right: declared[1]!, result: array, fn: chosen.fn ?? chosen.make!(declared), ...(chosen.strict ? {} : { strict: false }) };
}

/** Whether `left op right` failed to resolve because several operators fit equally (42725). */
export function operatorIsAmbiguous(name: string, left: number | null, right: number): boolean {
  const list = OPERATORS.get(name);
  return list !== undefined && isAmbiguous(list, left === null ? [right] : [left, right]);
}

/** Every operator name the catalog knows, for diagnostics and system views. */
export function operatorNames(): string[] {
  return [...OPERATORS.keys()];
}
