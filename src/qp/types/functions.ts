import { createHash } from 'node:crypto';
import { SqlError } from '../../contracts/errors.js';
import { TypeOid, type IntervalValue, type NumericValue, type SqlValue, type TimeTzValue } from '../../contracts/sql-value.js';
import type { RandomSource, Timestamp } from '../../contracts/time.js';
import { castContext } from './casts.js';
import { checkTimestamp, dateToTimestamp, isInfiniteTimestamp, timestampFromUnixMicros, timestampToDate } from './datetime.js';
import * as dtf from './datetime-functions.js';
import * as enc from './encoding-functions.js';
import * as fmt from './formatting.js';
import { formatArray } from './arrays.js';
import { defineJsonFunctions } from './json-functions.js';
import { defineArrayFunctions } from './array-functions.js';
import { defineByteaFunctions } from './bytea-functions.js';
import { defineNetworkFunctions } from './network-functions.js';
import { formatText, outputFunction, quoteIdentifier, quoteLiteral, textOfAny } from './format.js';
import * as mf from './math-functions.js';
import * as num from './numeric.js';
import * as rx from './regex-functions.js';
import { requireType } from './registry.js';
import { floatPower, numericPower } from './operators.js';
import { ANY, isAmbiguous, selectCandidate } from './resolve.js';
import { unseededDouble, type SessionRandom } from './session-random.js';
import * as sc from './scalars.js';
import { charLength, charPrefix, octetLength } from './strings.js';
import { unistr } from './unistr.js';
import * as tz from './time-zones.js';
import * as zdt from './zoned-datetime.js';
import { argumentZone, fromLocal, saneZone, toLocal } from './session-zone.js';
import { isDefaultStyle, isStyledType, sessionZone, styledOutput, type OutputStyle } from './output-style.js';

/** What a function may need from the running statement (the executor's ExecContext fits). */
export interface FunctionContext {
  /** The transaction's timestamp, µs since the Unix epoch (now()). */
  readonly statementTimestamp: Timestamp;
  readonly random: RandomSource;
  /** random() and setseed(): the session's (absent: random() draws from `random`). */
  readonly sessionRandom?: SessionRandom;
  /** bytea_output and extra_float_digits, for what "any" arguments print as. */
  readonly outputStyle?: OutputStyle;
}

export type FunctionImpl = (args: SqlValue[], ctx: FunctionContext) => SqlValue;

export interface ResolvedFunction {
  /** Declared argument types: coerce each argument to its type before calling fn. */
  readonly args: readonly number[];
  readonly result: number;
  /** Strict functions return null when any argument is null (fn is then not called). */
  readonly strict: boolean;
  readonly fn: FunctionImpl;
}

interface FunctionEntry extends ResolvedFunction { readonly name: string; readonly variadic: boolean }

const FUNCTIONS = new Map<string, FunctionEntry[]>();

function fn(name: string, args: number[], result: number, impl: FunctionImpl, options: { strict?: boolean; variadic?: boolean } = {}): void {
  const list = FUNCTIONS.get(name) ?? [];
  list.push({ name, args, result, fn: impl, strict: options.strict ?? true, variadic: options.variadic ?? false });
  FUNCTIONS.set(name, list);
}

const { int2: I2, int4: I4, int8: I8, float4: F4, float8: F8, numeric: N, text: T, bytea: BY } = TypeOid;
const s = (v: SqlValue): string => v as string;
const i = (v: SqlValue): number => v as number;
const n = (v: SqlValue): NumericValue => v as NumericValue;
const f = (v: SqlValue): number => v as number;

// ---------------------------------------------------------------------------------------------
// Strings

/** substr(text, start[, count]) with PostgreSQL's rules for starts before 1. */
export function substring(text: string, start: number, count: number | null): string {
  if (count !== null && count < 0) throw new SqlError('22011', 'negative substring length not allowed');
  const chars = Array.from(text);
  const from = Math.max(start, 1);
  const end = count === null ? chars.length + 1 : start + count;
  if (end <= from) return '';
  return chars.slice(from - 1, end - 1).join('');
}

function strpos(text: string, search: string): number {
  const at = text.indexOf(search);
  return at < 0 ? 0 : charLength(text.slice(0, at)) + 1;
}

function trimChars(text: string, chars: string, left: boolean, right: boolean): string {
  const set = new Set(Array.from(chars));
  const cs = Array.from(text);
  let a = 0;
  let b = cs.length;
  if (left) while (a < b && set.has(cs[a]!)) a++;
  if (right) while (b > a && set.has(cs[b - 1]!)) b--;
  return cs.slice(a, b).join('');
}

/** Bound on generated strings (PostgreSQL's limit is 1 GB per value). */
const MAX_STRING_LENGTH = 256 * 1024 * 1024;

function checkLength(length: number): void {
  if (length > MAX_STRING_LENGTH) throw new SqlError('54000', 'requested length too large');
}

function pad(text: string, length: number, fill: string, left: boolean): string {
  const chars = Array.from(text);
  if (length <= chars.length) return chars.slice(0, Math.max(length, 0)).join('');
  checkLength(length);
  const fillChars = Array.from(fill);
  if (fillChars.length === 0) return text;
  const padding: string[] = [];
  for (let k = 0; k < length - chars.length; k++) padding.push(fillChars[k % fillChars.length]!);
  return left ? padding.join('') + text : text + padding.join('');
}

function leftChars(text: string, count: number): string {
  const chars = Array.from(text);
  return (count >= 0 ? chars.slice(0, count) : chars.slice(0, Math.max(chars.length + count, 0))).join('');
}

function rightChars(text: string, count: number): string {
  const chars = Array.from(text);
  if (count === -2147483648) return text; // -count overflows in text_right: nothing is cut
  return (count >= 0 ? chars.slice(Math.max(chars.length - count, 0)) : chars.slice(Math.min(-count, chars.length))).join('');
}

function splitPart(text: string, delimiter: string, field: number): string {
  if (field === 0) throw new SqlError('22023', 'field position must not be zero');
  if (delimiter === '') return field === 1 || field === -1 ? text : '';
  const parts = text.split(delimiter);
  const index = field > 0 ? field - 1 : parts.length + field;
  return parts[index] ?? '';
}

function defineStringFunctions(): void {
  for (const name of ['length', 'char_length', 'character_length']) fn(name, [T], I4, (a) => charLength(s(a[0]!)));
  fn('octet_length', [T], I4, (a) => octetLength(s(a[0]!)));
  // bpcharoctetlen counts the padding, which length and the cast to text drop.
  fn('octet_length', [TypeOid.bpchar], I4, (a) => octetLength(s(a[0]!)));
  fn('octet_length', [BY], I4, (a) => (a[0] as Uint8Array).length);
  fn('length', [BY], I4, (a) => (a[0] as Uint8Array).length);
  // The "C" collation: only ASCII letters change case.
  fn('lower', [T], T, (a) => s(a[0]!).replace(/[A-Z]+/g, (m) => m.toLowerCase()));
  fn('upper', [T], T, (a) => s(a[0]!).replace(/[a-z]+/g, (m) => m.toUpperCase()));
  for (const name of ['substr', 'substring']) {
    fn(name, [T, I4], T, (a) => substring(s(a[0]!), i(a[1]!), null));
    fn(name, [T, I4, I4], T, (a) => substring(s(a[0]!), i(a[1]!), i(a[2]!)));
  }
  fn('strpos', [T, T], I4, (a) => strpos(s(a[0]!), s(a[1]!)));
  fn('position', [T, T], I4, (a) => strpos(s(a[0]!), s(a[1]!)));
  fn('btrim', [T], T, (a) => trimChars(s(a[0]!), ' ', true, true));
  fn('btrim', [T, T], T, (a) => trimChars(s(a[0]!), s(a[1]!), true, true));
  fn('ltrim', [T], T, (a) => trimChars(s(a[0]!), ' ', true, false));
  fn('ltrim', [T, T], T, (a) => trimChars(s(a[0]!), s(a[1]!), true, false));
  fn('rtrim', [T], T, (a) => trimChars(s(a[0]!), ' ', false, true));
  fn('rtrim', [T, T], T, (a) => trimChars(s(a[0]!), s(a[1]!), false, true));
  fn('replace', [T, T, T], T, (a) => (s(a[1]!) === '' ? s(a[0]!) : s(a[0]!).split(s(a[1]!)).join(s(a[2]!))));
  fn('left', [T, I4], T, (a) => leftChars(s(a[0]!), i(a[1]!)));
  fn('right', [T, I4], T, (a) => rightChars(s(a[0]!), i(a[1]!)));
  fn('repeat', [T, I4], T, (a) => { const k = Math.max(i(a[1]!), 0); checkLength(s(a[0]!).length * k); return s(a[0]!).repeat(k); });
  fn('lpad', [T, I4], T, (a) => pad(s(a[0]!), i(a[1]!), ' ', true));
  fn('lpad', [T, I4, T], T, (a) => pad(s(a[0]!), i(a[1]!), s(a[2]!), true));
  fn('rpad', [T, I4], T, (a) => pad(s(a[0]!), i(a[1]!), ' ', false));
  fn('rpad', [T, I4, T], T, (a) => pad(s(a[0]!), i(a[1]!), s(a[2]!), false));
  fn('split_part', [T, T, I4], T, (a) => splitPart(s(a[0]!), s(a[1]!), i(a[2]!)));
  fn('reverse', [T], T, (a) => Array.from(s(a[0]!)).reverse().join(''));
  fn('md5', [T], T, (a) => createHash('md5').update(s(a[0]!), 'utf8').digest('hex'));
  fn('md5', [BY], T, (a) => createHash('md5').update(a[0] as Uint8Array).digest('hex'));
  fn('starts_with', [T, T], TypeOid.bool, (a) => s(a[0]!).startsWith(s(a[1]!)));
  // `x LIKE p ESCAPE e` is `x LIKE like_escape(p, e)`: the pattern rewritten with \ as its escape.
  fn('like_escape', [T, T], T, (a) => likeEscape(s(a[0]!), s(a[1]!)));
  fn('ascii', [T], I4, (a) => s(a[0]!).codePointAt(0) ?? 0);
  fn('chr', [I4], T, (a) => chr(i(a[0]!)));
  fn('initcap', [T], T, (a) => s(a[0]!).replace(/[A-Z]+/g, (m) => m.toLowerCase()).replace(/(^|[^A-Za-z0-9])([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase()));
  fn('translate', [T, T, T], T, (a) => translate(s(a[0]!), s(a[1]!), s(a[2]!)));
  fn('quote_ident', [T], T, (a) => quoteIdentifier(s(a[0]!)));
  fn('unistr', [T], T, (a) => unistr(s(a[0]!)));
  const bytes = (v: SqlValue): Uint8Array => v as Uint8Array;
  fn('to_hex', [I4], T, (a) => enc.toHex(BigInt(i(a[0]!)), 32));
  fn('to_hex', [I8], T, (a) => enc.toHex(a[0] as bigint, 64));
  fn('encode', [BY, T], T, (a) => enc.encode(bytes(a[0]!), s(a[1]!)));
  fn('decode', [T, T], BY, (a) => enc.decode(s(a[0]!), s(a[1]!)));
  fn('convert_to', [T, TypeOid.name], BY, (a) => enc.convertTo(s(a[0]!), s(a[1]!)));
  fn('convert_from', [BY, TypeOid.name], T, (a) => enc.convertFrom(bytes(a[0]!), s(a[1]!)));
  fn('convert', [BY, TypeOid.name, TypeOid.name], BY, (a) => enc.convert(bytes(a[0]!), s(a[1]!), s(a[2]!)));
  fn('normalize', [T], T, (a) => enc.normalizeText(s(a[0]!)));
  fn('normalize', [T, T], T, (a) => enc.normalizeText(s(a[0]!), s(a[1]!)));
  fn('is_normalized', [T], TypeOid.bool, (a) => enc.isNormalized(s(a[0]!)));
  fn('is_normalized', [T, T], TypeOid.bool, (a) => enc.isNormalized(s(a[0]!), s(a[1]!)));
  for (const bits of [224, 256, 384, 512]) {
    fn(`sha${bits}`, [BY], BY, (a) => Uint8Array.from(createHash(`sha${bits}`).update(bytes(a[0]!)).digest()));
  }
  fn('bit_length', [T], I4, (a) => octetLength(s(a[0]!)) * 8);
  fn('bit_length', [BY], I4, (a) => bytes(a[0]!).length * 8);
  fn('overlay', [T, T, I4], T, (a) => enc.overlay(s(a[0]!), s(a[1]!), i(a[2]!), null));
  fn('overlay', [T, T, I4, I4], T, (a) => enc.overlay(s(a[0]!), s(a[1]!), i(a[2]!), i(a[3]!)));
  const textArray = (elements: Array<string | null>): SqlValue => formatArray(elements, requireType(T));
  fn('parse_ident', [T], TypeOid.textArray, (a) => textArray(parseIdent(s(a[0]!), true)));
  fn('parse_ident', [T, TypeOid.bool], TypeOid.textArray, (a) => textArray(parseIdent(s(a[0]!), a[1] as boolean)));
  fn('string_to_array', [T, T], TypeOid.textArray, (a) => (a[0] === null ? null : textArray(enc.stringToArray(s(a[0]!), a[1] === null ? null : s(a[1]!), null))), { strict: false });
  fn('string_to_array', [T, T, T], TypeOid.textArray,
    (a) => (a[0] === null ? null : textArray(enc.stringToArray(s(a[0]!), a[1] === null ? null : s(a[1]!), a[2] === null ? null : s(a[2]!)))), { strict: false });
}

function chr(code: number): string {
  if (code < 0) throw new SqlError('22023', 'character number must be positive');
  if (code === 0) throw new SqlError('54000', 'null character not permitted');
  if (code > 0x10ffff) throw new SqlError('54000', 'requested character too large for encoding: ' + code);
  if (code >= 0xd800 && code <= 0xdfff) throw new SqlError('54000', 'requested character not valid for encoding: ' + code);
  return String.fromCodePoint(code);
}

function translate(text: string, from: string, to: string): string {
  const fromChars = Array.from(from);
  const toChars = Array.from(to);
  return Array.from(text).map((c) => {
    const k = fromChars.indexOf(c);
    return k < 0 ? c : (toChars[k] ?? '');
  }).join('');
}

/** concat and concat_ws take any arguments, skip NULLs, and print each with its type's output function. */
export function concatFunction(argTypes: readonly number[], withSeparator: boolean): ResolvedFunction {
  const printers = outputFunctions(argTypes);
  return {
    args: argTypes.map((t) => (t === TypeOid.unknown ? T : t)),
    result: T,
    strict: false,
    fn: (values, ctx) => {
      if (withSeparator && values[0] === null) return null;
      const formatters = printers(ctx);
      const parts: string[] = [];
      for (let k = withSeparator ? 1 : 0; k < values.length; k++) {
        if (values[k] !== null) parts.push(formatters[k]!(values[k]!));
      }
      return parts.join(withSeparator ? (values[0] as string) : '');
    },
  };
}

/**
 * The output functions of "any" arguments in the running statement's style (bytea_output,
 * extra_float_digits), built again only when the style object changes.
 */
export function outputFunctions(argTypes: readonly number[]): (ctx: FunctionContext | undefined) => Array<(v: SqlValue) => string> {
  const plain = argTypes.map(outputFunction);
  let style: OutputStyle | undefined;
  let styled: Array<(v: SqlValue) => string> = plain;
  return (ctx) => {
    const current = ctx?.outputStyle;
    if (isDefaultStyle(current)) return plain;
    if (current !== style) { style = current; styled = argTypes.map((t) => styledOutput(t, current)); }
    return styled;
  };
}

/** num_nulls / num_nonnulls(VARIADIC "any"): how many arguments are (not) NULL. */
function nullCounter(types: readonly number[], nulls: boolean): ResolvedFunction | null {
  if (types.length === 0) return null;
  return { args: types.map((t) => (t === TypeOid.unknown ? T : t)), result: I4, strict: false, fn: (values) => values.filter((v) => (v === null) === nulls).length };
}

/** Whether a value of this type can be passed where text is declared (implicitly). */
function textLike(oid: number): boolean {
  return oid === T || oid === TypeOid.unknown || castContext(oid, T) === 'i';
}

/**
 * Functions with "any" or anyelement parameters: resolved from the actual argument types
 * (these take the place of the catalog's polymorphic entries).
 */
const POLYMORPHIC = new Map<string, (argTypes: readonly number[]) => ResolvedFunction | null>([
  ['concat', (types) => concatFunction(types, false)],
  ['num_nulls', (types) => nullCounter(types, true)],
  ['num_nonnulls', (types) => nullCounter(types, false)],
  ['concat_ws', (types) => (types.length >= 1 && textLike(types[0]!) ? concatFunction([T, ...types.slice(1)], true) : null)],
  ['format', (types) => {
    if (types.length === 0 || !textLike(types[0]!)) return null;
    const declared = [T, ...types.slice(1).map((t) => (t === TypeOid.unknown ? T : t))];
    const printers = outputFunctions(declared);
    return { args: declared, result: T, strict: false, fn: (values, ctx) => formatText(values, declared, printers(ctx)) };
  }],
  ['quote_literal', (types) => {
    if (types.length !== 1) return null;
    const declared = textLike(types[0]!) ? T : types[0]!;
    const text = styledTextOf(types[0]!);
    return { args: [declared], result: T, strict: true, fn: (values, ctx) => quoteLiteral(declared === T ? s(values[0]!) : text(values[0]!, ctx)) };
  }],
  ['quote_nullable', (types) => {
    if (types.length !== 1) return null;
    const declared = textLike(types[0]!) ? T : types[0]!;
    const text = styledTextOf(types[0]!);
    return { args: [declared], result: T, strict: false, fn: (values, ctx) => (values[0] === null ? 'NULL' : quoteLiteral(declared === T ? s(values[0]!) : text(values[0]!, ctx))) };
  }],
]);

/** A value cast to text (quote_literal's argument), in the statement's output style. */
function styledTextOf(oid: number): (v: SqlValue, ctx: FunctionContext) => string {
  const plain = textOfAny(oid);
  const printers = outputFunctions([oid]);
  return (v, ctx) => (isDefaultStyle(ctx.outputStyle) || !isStyledType(oid) ? plain(v) : printers(ctx)[0]!(v));
}

// ---------------------------------------------------------------------------------------------
// Numbers

function defineMathFunctions(): void {
  fn('abs', [I2], I2, (a) => sc.checkInt2(Math.abs(i(a[0]!))));
  fn('abs', [I4], I4, (a) => sc.checkInt4(Math.abs(i(a[0]!))));
  fn('abs', [I8], I8, (a) => { const v = a[0] as bigint; return sc.checkInt8(v < 0n ? -v : v); });
  fn('abs', [F4], F4, (a) => Math.abs(f(a[0]!)));
  fn('abs', [F8], F8, (a) => Math.abs(f(a[0]!)));
  fn('abs', [N], N, (a) => num.numericAbs(n(a[0]!)));
  fn('round', [F8], F8, (a) => sc.rint(f(a[0]!)));
  fn('round', [N], N, (a) => num.numericRound(n(a[0]!), 0));
  fn('round', [N, I4], N, (a) => num.numericRound(n(a[0]!), i(a[1]!)));
  fn('trunc', [F8], F8, (a) => Math.trunc(f(a[0]!)));
  fn('trunc', [N], N, (a) => num.numericTrunc(n(a[0]!), 0));
  fn('trunc', [N, I4], N, (a) => num.numericTrunc(n(a[0]!), i(a[1]!)));
  for (const name of ['ceil', 'ceiling']) {
    fn(name, [F8], F8, (a) => Math.ceil(f(a[0]!)));
    fn(name, [N], N, (a) => num.numericCeil(n(a[0]!)));
  }
  fn('floor', [F8], F8, (a) => Math.floor(f(a[0]!)));
  fn('floor', [N], N, (a) => num.numericFloor(n(a[0]!)));
  fn('sqrt', [F8], F8, (a) => {
    if (f(a[0]!) < 0) throw new SqlError('2201F', 'cannot take square root of a negative number');
    return Math.sqrt(f(a[0]!));
  });
  fn('sqrt', [N], N, (a) => num.numericSqrt(n(a[0]!)));
  for (const name of ['power', 'pow']) {
    fn(name, [F8, F8], F8, (a) => floatPower(f(a[0]!), f(a[1]!)));
    fn(name, [N, N], N, (a) => numericPower(n(a[0]!), n(a[1]!)));
  }
  fn('mod', [I2, I2], I2, (a) => sc.intMod(i(a[0]!), i(a[1]!)));
  fn('mod', [I4, I4], I4, (a) => sc.intMod(i(a[0]!), i(a[1]!)));
  fn('mod', [I8, I8], I8, (a) => sc.int8Mod(a[0] as bigint, a[1] as bigint));
  fn('mod', [N, N], N, (a) => num.numericMod(n(a[0]!), n(a[1]!)));
  fn('div', [N, N], N, (a) => num.numericDivTrunc(n(a[0]!), n(a[1]!)));
  fn('sign', [F8], F8, (a) => { const v = f(a[0]!); return v > 0 ? 1 : v < 0 ? -1 : Number.isNaN(v) ? NaN : 0; });
  fn('sign', [N], N, (a) => num.numericSignValue(n(a[0]!)));
  fn('random', [], F8, (_a, ctx) => ctx.sessionRandom?.next() ?? unseededDouble(ctx.random), { strict: false });
  fn('setseed', [F8], TypeOid.void, (a, ctx) => {
    if (ctx.sessionRandom === undefined) throw new SqlError('0A000', 'setseed is not supported here');
    ctx.sessionRandom.seed(a[0] as number);
    return '';
  });
  fn('cbrt', [F8], F8, (a) => mf.cbrt(f(a[0]!)));
  fn('exp', [F8], F8, (a) => mf.floatExp(f(a[0]!)));
  fn('exp', [N], N, (a) => mf.numericExp(n(a[0]!)));
  fn('ln', [F8], F8, (a) => mf.floatLn(f(a[0]!), Math.log));
  fn('ln', [N], N, (a) => mf.numericLn(n(a[0]!)));
  const TEN = num.numericFromBigint(10n);
  for (const name of ['log', 'log10']) {
    fn(name, [F8], F8, (a) => mf.floatLn(f(a[0]!), Math.log10));
    fn(name, [N], N, (a) => mf.numericLog(TEN, n(a[0]!)));
  }
  fn('log', [N, N], N, (a) => mf.numericLog(n(a[0]!), n(a[1]!)));
  fn('pi', [], F8, () => Math.PI);
  fn('degrees', [F8], F8, (a) => mf.degrees(f(a[0]!)));
  fn('radians', [F8], F8, (a) => mf.radians(f(a[0]!)));
  const plain: Array<[string, (x: number) => number]> = [
    ['sin', mf.floatSin], ['cos', mf.floatCos], ['tan', mf.floatTan], ['cot', mf.floatCot], ['asin', mf.floatAsin], ['acos', mf.floatAcos],
    ['atan', Math.atan], ['sind', mf.sind], ['cosd', mf.cosd], ['tand', mf.tand], ['cotd', mf.cotd], ['asind', mf.asind], ['acosd', mf.acosd],
    ['atand', mf.atand], ['sinh', Math.sinh], ['cosh', mf.floatCosh], ['tanh', Math.tanh], ['asinh', Math.asinh], ['acosh', mf.floatAcosh],
    ['atanh', mf.floatAtanh],
  ];
  for (const [name, impl] of plain) fn(name, [F8], F8, (a) => impl(f(a[0]!)));
  fn('atan2', [F8, F8], F8, (a) => Math.atan2(f(a[0]!), f(a[1]!)));
  fn('atan2d', [F8, F8], F8, (a) => mf.atan2d(f(a[0]!), f(a[1]!)));
  fn('gcd', [I4, I4], I4, (a) => Number(mf.intGcd(BigInt(i(a[0]!)), BigInt(i(a[1]!)), 32)));
  fn('gcd', [I8, I8], I8, (a) => mf.intGcd(a[0] as bigint, a[1] as bigint, 64));
  fn('gcd', [N, N], N, (a) => mf.numericGcd(n(a[0]!), n(a[1]!)));
  fn('lcm', [I4, I4], I4, (a) => Number(mf.intLcm(BigInt(i(a[0]!)), BigInt(i(a[1]!)), 32)));
  fn('lcm', [I8, I8], I8, (a) => mf.intLcm(a[0] as bigint, a[1] as bigint, 64));
  fn('lcm', [N, N], N, (a) => mf.numericLcm(n(a[0]!), n(a[1]!)));
  fn('width_bucket', [F8, F8, F8, I4], I4, (a) => mf.widthBucketFloat(f(a[0]!), f(a[1]!), f(a[2]!), i(a[3]!)));
  fn('width_bucket', [N, N, N, I4], I4, (a) => mf.widthBucketNumeric(n(a[0]!), n(a[1]!), n(a[2]!), i(a[3]!)));
  fn('trim_scale', [N], N, (a) => mf.trimScale(n(a[0]!)));
  fn('scale', [N], I4, (a) => mf.numericScale(n(a[0]!)));
  fn('min_scale', [N], I4, (a) => mf.minScale(n(a[0]!)));
  fn('factorial', [I8], N, (a) => mf.factorial(a[0] as bigint));
}

// ---------------------------------------------------------------------------------------------
// Time and identifiers

/** gen_random_uuid: version 4, variant 10xx. */
export function randomUuid(random: RandomSource): string {
  const b = Uint8Array.from(random.bytes(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function defineDateTimeFunctions(): void {
  const { date: D, timestamp: TS, timestamptz: TZ, interval: IV, bool: B } = TypeOid;
  const ts = (v: SqlValue): bigint => v as bigint;
  const iv = (v: SqlValue): IntervalValue => v as IntervalValue;
  fn('date_trunc', [T, TS], TS, (a) => dtf.truncateTimestamp(s(a[0]!), ts(a[1]!), false));
  fn('date_trunc', [T, TZ], TZ, (a, ctx) => zdt.truncateInZone(s(a[0]!), ts(a[1]!), sessionZone(ctx)));
  fn('date_trunc', [T, TZ, T], TZ, (a) => zdt.truncateInZone(s(a[0]!), ts(a[1]!), argumentZone(s(a[2]!))));
  fn('date_trunc', [T, IV], IV, (a) => dtf.truncateInterval(s(a[0]!), iv(a[1]!)));
  const exact = (p: { exact: NumericValue } | null): SqlValue => p?.exact ?? null;
  const float = (p: { float: number } | null): SqlValue => (p ? p.float : null);
  fn('extract', [T, TS], N, (a) => exact(dtf.timestampPart(s(a[0]!), ts(a[1]!), false)));
  fn('extract', [T, TZ], N, (a, ctx) => exact(zdt.partInZone(s(a[0]!), ts(a[1]!), sessionZone(ctx))));
  fn('extract', [T, D], N, (a) => exact(dtf.datePart(s(a[0]!), a[1] as number)));
  fn('extract', [T, IV], N, (a) => exact(dtf.intervalPart(s(a[0]!), iv(a[1]!))));
  fn('date_part', [T, TS], F8, (a) => float(dtf.timestampPart(s(a[0]!), ts(a[1]!), false)));
  fn('date_part', [T, TZ], F8, (a, ctx) => float(zdt.partInZone(s(a[0]!), ts(a[1]!), sessionZone(ctx))));
  // date_part(text, date) is date_part(text, date::timestamp) in PostgreSQL.
  fn('date_part', [T, D], F8, (a) => float(dtf.timestampPart(s(a[0]!), dateToTimestamp(a[1] as number), false)));
  fn('date_part', [T, IV], F8, (a) => float(dtf.intervalPart(s(a[0]!), iv(a[1]!))));
  fn('extract', [T, TypeOid.time], N, (a) => exact(dtf.timePart(s(a[0]!), ts(a[1]!))));
  fn('date_part', [T, TypeOid.time], F8, (a) => float(dtf.timePart(s(a[0]!), ts(a[1]!))));
  const TTZ = TypeOid.timetz;
  const ttz = (v: SqlValue): TimeTzValue => v as TimeTzValue;
  fn('extract', [T, TTZ], N, (a) => exact(dtf.timeTzPart(s(a[0]!), ttz(a[1]!))));
  fn('date_part', [T, TTZ], F8, (a) => float(dtf.timeTzPart(s(a[0]!), ttz(a[1]!))));
  fn('timestamptz', [D, TTZ], TZ, (a) => dtf.dateTimeTz(a[0] as number, ttz(a[1]!)));
  // timestamptz(date, time): the wall-clock date + time in the session zone (so a bare literal is ambiguous, as in PostgreSQL).
  fn('timestamptz', [D, TypeOid.time], TZ, (a, ctx) => {
    const wall = dateToTimestamp(a[0] as number);
    return isInfiniteTimestamp(wall) ? wall : checkTimestamp(fromLocal(sessionZone(ctx), checkTimestamp(wall + ts(a[1]!))));
  });
  fn('make_time', [I4, I4, F8], TypeOid.time, (a) => dtf.makeTime(i(a[0]!), i(a[1]!), f(a[2]!)));
  fn('age', [TS, TS], IV, (a) => dtf.age(ts(a[0]!), ts(a[1]!)));
  fn('age', [TZ, TZ], IV, (a, ctx) => zdt.ageInZone(ts(a[0]!), ts(a[1]!), sessionZone(ctx)));
  // age(x) is age(current_date, x): midnight of the transaction's day.
  const today = (ctx: FunctionContext): bigint => dateToTimestamp(timestampToDate(zdt.localTimestampAt(ctx.statementTimestamp, sessionZone(ctx))));
  fn('age', [TS], IV, (a, ctx) => dtf.age(today(ctx), ts(a[0]!)));
  fn('age', [TZ], IV, (a, ctx) => dtf.age(today(ctx), toLocal(sessionZone(ctx), ts(a[0]!))));
  fn('make_date', [I4, I4, I4], D, (a) => dtf.makeDate(i(a[0]!), i(a[1]!), i(a[2]!)));
  fn('make_timestamp', [I4, I4, I4, I4, I4, F8], TS, (a) => dtf.makeTimestamp(i(a[0]!), i(a[1]!), i(a[2]!), i(a[3]!), i(a[4]!), f(a[5]!)));
  fn('make_timestamptz', [I4, I4, I4, I4, I4, F8], TZ, (a, ctx) => checkTimestamp(fromLocal(sessionZone(ctx), dtf.makeTimestamp(i(a[0]!), i(a[1]!), i(a[2]!), i(a[3]!), i(a[4]!), f(a[5]!)))));
  fn('make_timestamptz', [I4, I4, I4, I4, I4, F8, T], TZ, (a) => checkTimestamp(fromLocal(saneZone(s(a[6]!)), dtf.makeTimestamp(i(a[0]!), i(a[1]!), i(a[2]!), i(a[3]!), i(a[4]!), f(a[5]!)))));
  fn('date_bin', [IV, TS, TS], TS, (a) => dtf.dateBin(iv(a[0]!), ts(a[1]!), ts(a[2]!)));
  fn('date_bin', [IV, TZ, TZ], TZ, (a) => dtf.dateBin(iv(a[0]!), ts(a[1]!), ts(a[2]!)));
  // make_interval(years, months, weeks, days, hours, mins, secs), every argument defaulting to 0.
  const intervalArgs = [I4, I4, I4, I4, I4, I4, F8];
  for (let n = 0; n <= 7; n++) {
    fn('make_interval', intervalArgs.slice(0, n), IV, (a) => {
      const v = [0, 0, 0, 0, 0, 0, 0].map((d, k) => (k < a.length ? (a[k] as number) : d));
      return dtf.makeInterval(v[0]!, v[1]!, v[2]!, v[3]!, v[4]!, v[5]!, v[6]!);
    });
  }
  fn('justify_days', [IV], IV, (a) => dtf.justifyDays(iv(a[0]!)));
  fn('justify_hours', [IV], IV, (a) => dtf.justifyHours(iv(a[0]!)));
  fn('justify_interval', [IV], IV, (a) => dtf.justifyInterval(iv(a[0]!)));
  fn('to_timestamp', [F8], TZ, (a) => dtf.timestampFromEpochSeconds(f(a[0]!)));
  // x AT TIME ZONE zone.
  fn('timezone', [T, TZ], TS, (a) => tz.instantToZone(ts(a[1]!), s(a[0]!)));
  fn('timezone', [T, TS], TZ, (a) => tz.wallClockInZone(ts(a[1]!), s(a[0]!)));
  fn('timezone', [IV, TZ], TS, (a) => tz.instantAtOffset(ts(a[1]!), iv(a[0]!)));
  fn('timezone', [IV, TS], TZ, (a) => tz.wallClockAtOffset(ts(a[1]!), iv(a[0]!)));
  fn('timezone', [T, TTZ], TTZ, (a, ctx) => tz.timeTzInZone(ttz(a[1]!), s(a[0]!), ctx.statementTimestamp));
  fn('timezone', [IV, TTZ], TTZ, (a) => tz.timeTzAtOffset(ttz(a[1]!), iv(a[0]!)));
  fn('isfinite', [D], B, (a) => Number.isFinite(a[0] as number));
  fn('isfinite', [TS], B, (a) => !isInfiniteTimestamp(ts(a[0]!)));
  fn('isfinite', [TZ], B, (a) => !isInfiniteTimestamp(ts(a[0]!)));
  fn('isfinite', [IV], B, () => true);
  fn('to_char', [TS, T], T, (a) => fmt.timestampToChar(ts(a[0]!), s(a[1]!), false));
  fn('to_char', [TZ, T], T, (a, ctx) => zdt.toCharInZone(ts(a[0]!), s(a[1]!), sessionZone(ctx)));
  fn('to_char', [IV, T], T, (a) => fmt.intervalToChar(iv(a[0]!), s(a[1]!)));
  fn('to_char', [N, T], T, (a) => fmt.numericToChar(n(a[0]!), s(a[1]!)));
  fn('to_char', [I4, T], T, (a) => fmt.integerToChar(BigInt(i(a[0]!)), s(a[1]!), 32));
  fn('to_char', [I8, T], T, (a) => fmt.integerToChar(a[0] as bigint, s(a[1]!), 64));
  fn('to_char', [F4, T], T, (a) => fmt.floatToChar(f(a[0]!), s(a[1]!), true));
  fn('to_char', [F8, T], T, (a) => fmt.floatToChar(f(a[0]!), s(a[1]!), false));
  fn('to_date', [T, T], D, (a) => fmt.toDate(s(a[0]!), s(a[1]!)));
  fn('to_timestamp', [T, T], TZ, (a, ctx) => fmt.toTimestamp(s(a[0]!), s(a[1]!), sessionZone(ctx)));
  fn('to_number', [T, T], N, (a) => fmt.toNumber(s(a[0]!), s(a[1]!)));
}

function defineOtherFunctions(): void {
  for (const name of ['now', 'transaction_timestamp', 'statement_timestamp', 'clock_timestamp']) {
    fn(name, [], TypeOid.timestamptz, (_a, ctx) => timestampFromUnixMicros(ctx.statementTimestamp), { strict: false });
  }
  // The boolean comparison operators' functions, callable by name (booleq(a, b) is a = b).
  const B = TypeOid.bool;
  const booleans: Array<[string, (a: boolean, b: boolean) => boolean]> = [
    ['booleq', (a, b) => a === b], ['boolne', (a, b) => a !== b], ['boollt', (a, b) => !a && b], ['boolgt', (a, b) => a && !b],
    ['boolle', (a, b) => !a || b], ['boolge', (a, b) => a || !b],
  ];
  for (const [name, test] of booleans) fn(name, [B, B], B, (a) => test(a[0] as boolean, a[1] as boolean));
  fn('gen_random_uuid', [], TypeOid.uuid, (_a, ctx) => randomUuid(ctx.random), { strict: false });
  // The types' binary output functions (typsend), callable as in PostgreSQL: float4send(x).
  const send: Array<[string, number]> = [
    ['int2send', TypeOid.int2], ['int4send', TypeOid.int4], ['int8send', TypeOid.int8], ['float4send', TypeOid.float4],
    ['float8send', TypeOid.float8], ['numeric_send', TypeOid.numeric], ['textsend', TypeOid.text], ['varcharsend', TypeOid.varchar],
    ['bpcharsend', TypeOid.bpchar], ['boolsend', TypeOid.bool], ['byteasend', TypeOid.bytea], ['uuid_send', TypeOid.uuid],
    ['date_send', TypeOid.date], ['timestamp_send', TypeOid.timestamp], ['timestamptz_send', TypeOid.timestamptz],
    ['time_send', TypeOid.time], ['timetz_send', TypeOid.timetz], ['interval_send', TypeOid.interval], ['json_send', TypeOid.json], ['jsonb_send', TypeOid.jsonb],
    ['namesend', TypeOid.name], ['charsend', TypeOid.char], ['oidsend', TypeOid.oid],
  ];
  for (const [name, oid] of send) fn(name, [oid], TypeOid.bytea, (a) => requireType(oid).formatBinary(a[0]!));
}

// ---------------------------------------------------------------------------------------------
// Regular expressions

/** Set-returning functions the planner cannot call from an expression: refused by name. */

function defineRegexFunctions(): void {
  const TA = TypeOid.textArray;
  const textArray = (elements: Array<string | null> | null): SqlValue => (elements === null ? null : formatArray(elements, requireType(T)));
  fn('regexp_match', [T, T], TA, (a) => textArray(rx.regexpMatch(s(a[0]!), s(a[1]!), null)));
  fn('regexp_match', [T, T, T], TA, (a) => textArray(rx.regexpMatch(s(a[0]!), s(a[1]!), s(a[2]!))));
  fn('regexp_like', [T, T], TypeOid.bool, (a) => rx.regexpLike(s(a[0]!), s(a[1]!), null));
  fn('regexp_like', [T, T, T], TypeOid.bool, (a) => rx.regexpLike(s(a[0]!), s(a[1]!), s(a[2]!)));
  fn('regexp_replace', [T, T, T], T, (a) => rx.regexpReplace(s(a[0]!), s(a[1]!), s(a[2]!), 1, null, null));
  fn('regexp_replace', [T, T, T, T], T, (a) => rx.regexpReplace(s(a[0]!), s(a[1]!), s(a[2]!), 1, null, s(a[3]!)));
  fn('regexp_replace', [T, T, T, I4], T, (a) => rx.regexpReplace(s(a[0]!), s(a[1]!), s(a[2]!), i(a[3]!), null, null));
  fn('regexp_replace', [T, T, T, I4, I4], T, (a) => rx.regexpReplace(s(a[0]!), s(a[1]!), s(a[2]!), i(a[3]!), i(a[4]!), null));
  fn('regexp_replace', [T, T, T, I4, I4, T], T, (a) => rx.regexpReplace(s(a[0]!), s(a[1]!), s(a[2]!), i(a[3]!), i(a[4]!), s(a[5]!)));
  fn('regexp_split_to_array', [T, T], TA, (a) => textArray(rx.regexpSplit(s(a[0]!), s(a[1]!), null, 'regexp_split_to_array')));
  fn('regexp_split_to_array', [T, T, T], TA, (a) => textArray(rx.regexpSplit(s(a[0]!), s(a[1]!), s(a[2]!), 'regexp_split_to_array')));
  fn('regexp_count', [T, T], I4, (a) => rx.regexpCount(s(a[0]!), s(a[1]!), 1, null));
  fn('regexp_count', [T, T, I4], I4, (a) => rx.regexpCount(s(a[0]!), s(a[1]!), i(a[2]!), null));
  fn('regexp_count', [T, T, I4, T], I4, (a) => rx.regexpCount(s(a[0]!), s(a[1]!), i(a[2]!), s(a[3]!)));
  fn('regexp_instr', [T, T], I4, (a) => rx.regexpInstr(s(a[0]!), s(a[1]!), 1, 1, 0, null, 0));
  fn('regexp_instr', [T, T, I4], I4, (a) => rx.regexpInstr(s(a[0]!), s(a[1]!), i(a[2]!), 1, 0, null, 0));
  fn('regexp_instr', [T, T, I4, I4], I4, (a) => rx.regexpInstr(s(a[0]!), s(a[1]!), i(a[2]!), i(a[3]!), 0, null, 0));
  fn('regexp_instr', [T, T, I4, I4, I4], I4, (a) => rx.regexpInstr(s(a[0]!), s(a[1]!), i(a[2]!), i(a[3]!), i(a[4]!), null, 0));
  fn('regexp_instr', [T, T, I4, I4, I4, T], I4, (a) => rx.regexpInstr(s(a[0]!), s(a[1]!), i(a[2]!), i(a[3]!), i(a[4]!), s(a[5]!), 0));
  fn('regexp_instr', [T, T, I4, I4, I4, T, I4], I4, (a) => rx.regexpInstr(s(a[0]!), s(a[1]!), i(a[2]!), i(a[3]!), i(a[4]!), s(a[5]!), i(a[6]!)));
  fn('regexp_substr', [T, T], T, (a) => rx.regexpSubstr(s(a[0]!), s(a[1]!), 1, 1, null, 0));
  fn('regexp_substr', [T, T, I4], T, (a) => rx.regexpSubstr(s(a[0]!), s(a[1]!), i(a[2]!), 1, null, 0));
  fn('regexp_substr', [T, T, I4, I4], T, (a) => rx.regexpSubstr(s(a[0]!), s(a[1]!), i(a[2]!), i(a[3]!), null, 0));
  fn('regexp_substr', [T, T, I4, I4, T], T, (a) => rx.regexpSubstr(s(a[0]!), s(a[1]!), i(a[2]!), i(a[3]!), s(a[4]!), 0));
  fn('regexp_substr', [T, T, I4, I4, T, I4], T, (a) => rx.regexpSubstr(s(a[0]!), s(a[1]!), i(a[2]!), i(a[3]!), s(a[4]!), i(a[5]!)));
  fn('substring', [T, T], T, (a) => rx.substringRegex(s(a[0]!), s(a[1]!)));
  fn('substring', [T, T, T], T, (a) => rx.substringRegex(s(a[0]!), rx.similarToEscape(s(a[1]!), s(a[2]!))));
  fn('similar_to_escape', [T], T, (a) => rx.similarToEscape(s(a[0]!), null));
  fn('similar_to_escape', [T, T], T, (a) => rx.similarToEscape(s(a[0]!), s(a[1]!)));
  fn('similar_escape', [T, T], T, (a) => (a[0] === null ? null : rx.similarToEscape(s(a[0]!), a[1] === null ? null : s(a[1]!))), { strict: false });
}

defineStringFunctions();
defineByteaFunctions((name, args, result, impl) => fn(name, args, result, impl));
defineNetworkFunctions((name, args, result, impl) => fn(name, args, result, impl));
defineRegexFunctions();
defineMathFunctions();
defineDateTimeFunctions();
defineOtherFunctions();
defineArrayFunctions((name, resolve) => { POLYMORPHIC.set(name, resolve); });
defineJsonFunctions((name, args, result, impl, options) => fn(name, args, result, impl, options), (name, resolve) => { POLYMORPHIC.set(name, resolve); });

/** Resolves a function call by name and argument types; null when none matches. */
export function resolveFunction(name: string, argTypes: readonly number[]): ResolvedFunction | null {
  const lower = name.toLowerCase();
  // A polymorphic form that declines leaves the name's fixed signatures (width_bucket's numeric
  // one beside its anycompatible-array one).
  const polymorphic = POLYMORPHIC.get(lower)?.(argTypes);
  if (polymorphic) return polymorphic;
  const list = FUNCTIONS.get(lower);
  if (!list) return null;
  return selectCandidate(list, argTypes);
}

/** Whether `name(args)` failed to resolve because several built-in functions fit equally (42725). */
export function functionIsAmbiguous(name: string, argTypes: readonly number[]): boolean {
  const list = FUNCTIONS.get(name.toLowerCase());
  return list !== undefined && isAmbiguous(list, argTypes);
}

export function functionNames(): string[] {
  return [...FUNCTIONS.keys(), ...POLYMORPHIC.keys()];
}

export { ANY, charPrefix };

/** PostgreSQL's like_escape (like.c): the pattern with `escape` turned into backslash escapes. */
function likeEscape(pattern: string, escape: string): string {
  const chars = Array.from(escape);
  if (chars.length > 1) throw new SqlError('22025', 'invalid escape string', { hint: 'Escape string must be empty or one character.' });
  // No escape character: every backslash is a literal.
  if (chars.length === 0) return pattern.replace(/\\/g, '\\\\');
  const e = chars[0]!;
  let out = '';
  let afterEscape = false;
  for (const ch of pattern) {
    if (ch === e && !afterEscape) {
      out += '\\';
      afterEscape = true;
    } else if (ch === '\\') {
      // A literal backslash (or an escaped one): doubled, so LIKE reads it as itself.
      out += afterEscape ? '\\' : '\\\\';
      afterEscape = false;
    } else {
      out += ch;
      afterEscape = false;
    }
  }
  return out;
}

/**
 * parse_ident (PostgreSQL's misc.c): a qualified name split at dots, unquoted parts folded to
 * lower case, quoted ones kept ("" is a quote); strict refuses anything after the name.
 */
function parseIdent(text: string, strict: boolean): string[] {
  const invalid = (detail?: string) => new SqlError('22023', `string is not a valid identifier: "${text}"`, detail ? { detail } : {});
  const isSpace = (c: string | undefined) => c !== undefined && /[ \t\n\r\f\v]/.test(c);
  const isStart = (c: string | undefined) => c !== undefined && (/[A-Za-z_]/.test(c) || c.charCodeAt(0) >= 0x80);
  const isPart = (c: string | undefined) => c !== undefined && (/[A-Za-z0-9_$]/.test(c) || c.charCodeAt(0) >= 0x80);
  const parts: string[] = [];
  let i = 0;
  let afterDot = false;
  for (;;) {
    while (isSpace(text[i])) i++;
    if (text[i] === '"') {
      let part = '';
      i++;
      for (;;) {
        const end = text.indexOf('"', i);
        if (end < 0) throw invalid('String has unclosed double quotes.');
        part += text.slice(i, end);
        i = end + 1;
        if (text[i] !== '"') break;
        part += '"';
        i++;
      }
      if (part === '') throw invalid('Quoted identifier must not be empty.');
      parts.push(part);
    } else if (isStart(text[i])) {
      const start = i;
      while (isPart(text[i])) i++;
      parts.push(text.slice(start, i).replace(/[A-Z]+/g, (m) => m.toLowerCase()));
    } else {
      if (afterDot) throw invalid('No valid identifier after ".".');
      if (text[i] === '.') throw invalid('No valid identifier before ".".');
      throw invalid();
    }
    while (isSpace(text[i])) i++;
    if (text[i] !== '.') break;
    i++;
    afterDot = true;
  }
  if (strict && i < text.length) throw invalid();
  return parts;
}
