import { SqlError } from '../../contracts/errors.js';
import { TimeTzValue, TypeOid, type InetValue, type IntervalValue, type NumericValue, type SqlValue } from '../../contracts/sql-value.js';
import { arrayElements, formatArray } from './arrays.js';
import * as dt from './datetime.js';
import * as iv from './interval.js';
import { inetShow } from './network.js';
import { networkOf } from './network-functions.js';
import { parseJsonNode, type JsonNode } from './json.js';
import * as num from './numeric.js';
import { applyTypmod, charFromText, charToText, formatType, requireType, typeByOid } from './registry.js';
import { REG_TYPE_OIDS } from './reg-types.js';
import * as sc from './scalars.js';
import { bpcharStrip, truncateName } from './strings.js';

/**
 * Casts, as pg_cast lists them among the supported types, plus the automatic I/O conversion
 * casts: anything to a string type is an assignment cast, a string type to anything is explicit.
 */
export type CastContext = 'i' | 'a' | 'e';
export type CastFn = (value: SqlValue) => SqlValue;

interface CastEntry { readonly context: CastContext; readonly fn: CastFn }

const CASTS = new Map<number, CastEntry>();
const key = (from: number, to: number): number => from * 65536 + to;

function cast(from: number, to: number, context: CastContext, fn: CastFn): void {
  CASTS.set(key(from, to), { context, fn });
}

const STRING_TYPES: ReadonlySet<number> = new Set([TypeOid.text, TypeOid.varchar, TypeOid.bpchar, TypeOid.name]);
export function isStringType(oid: number): boolean {
  return STRING_TYPES.has(oid);
}

const I2 = TypeOid.int2, I4 = TypeOid.int4, I8 = TypeOid.int8, F4 = TypeOid.float4, F8 = TypeOid.float8, N = TypeOid.numeric;

const toNumber = (v: SqlValue): number => v as number;

function float4FromDouble(v: number): number {
  const r = Math.fround(v);
  if (!Number.isFinite(r) && Number.isFinite(v)) throw new SqlError('22003', 'value out of range: overflow');
  if (r === 0 && v !== 0) throw new SqlError('22003', 'value out of range: underflow');
  return r;
}

/**
 * numeric → real / double precision go through the float's text input (numeric_float4/8 call
 * float4in/float8in), so a value beyond the type's range names itself in the error.
 */
function numericToFloatType(v: NumericValue, typeName: 'real' | 'double precision'): number {
  const d = num.numericToFloat(v);
  if (v.special) return typeName === 'real' ? Math.fround(d) : d;
  const r = typeName === 'real' ? Math.fround(d) : d;
  if (!Number.isFinite(r) || (r === 0 && v.coefficient !== 0n)) throw new SqlError('22003', `"${num.formatNumeric(v)}" is out of range for type ${typeName}`);
  return r;
}

function numericToInt(v: SqlValue, typeName: sc.IntTypeName): number | bigint {
  const i = num.numericToBigint(v as NumericValue, typeName);
  if (typeName === 'bigint') return sc.checkInt8(i);
  const limit = typeName === 'integer' ? 2147483648n : 32768n;
  if (i < -limit || i >= limit) throw sc.outOfRange(typeName);
  return Number(i);
}

function defineNumericCasts(): void {
  cast(I2, I4, 'i', (v) => v); cast(I2, I8, 'i', (v) => BigInt(v as number));
  cast(I4, I2, 'a', (v) => sc.checkInt2(toNumber(v))); cast(I4, I8, 'i', (v) => BigInt(v as number));
  cast(I8, I2, 'a', (v) => { const b = v as bigint; if (b < -32768n || b > 32767n) throw sc.outOfRange('smallint'); return Number(b); });
  cast(I8, I4, 'a', (v) => { const b = v as bigint; if (b < -2147483648n || b > 2147483647n) throw sc.outOfRange('integer'); return Number(b); });
  for (const from of [I2, I4]) {
    cast(from, F4, 'i', (v) => Math.fround(v as number)); cast(from, F8, 'i', (v) => v);
    cast(from, N, 'i', (v) => num.numericFromBigint(BigInt(v as number)));
  }
  cast(I8, F4, 'i', (v) => Math.fround(Number(v as bigint))); cast(I8, F8, 'i', (v) => Number(v as bigint));
  cast(I8, N, 'i', (v) => num.numericFromBigint(v as bigint));
  for (const from of [F4, F8]) {
    cast(from, I2, 'a', (v) => sc.floatToInt(v as number, 'smallint'));
    cast(from, I4, 'a', (v) => sc.floatToInt(v as number, 'integer'));
    cast(from, I8, 'a', (v) => sc.floatToInt(v as number, 'bigint'));
  }
  cast(F4, F8, 'i', (v) => v); cast(F8, F4, 'a', (v) => float4FromDouble(v as number));
  cast(F4, N, 'a', (v) => num.numericFromFloat(v as number, 6)); cast(F8, N, 'a', (v) => num.numericFromFloat(v as number, 15));
  cast(N, I2, 'a', (v) => numericToInt(v, 'smallint')); cast(N, I4, 'a', (v) => numericToInt(v, 'integer'));
  cast(N, I8, 'a', (v) => numericToInt(v, 'bigint'));
  cast(N, F4, 'i', (v) => numericToFloatType(v as NumericValue, 'real'));
  cast(N, F8, 'i', (v) => numericToFloatType(v as NumericValue, 'double precision'));
  cast(I4, TypeOid.bool, 'e', (v) => v !== 0); cast(TypeOid.bool, I4, 'e', (v) => (v ? 1 : 0));
  // bool → text is booltext ("true"), not boolout ("t").
  for (const to of [TypeOid.text, TypeOid.varchar, TypeOid.bpchar]) cast(TypeOid.bool, to, 'a', (v) => (v ? 'true' : 'false'));
  cast(I2, TypeOid.oid, 'i', (v) => ((v as number) >>> 0)); cast(I4, TypeOid.oid, 'i', (v) => ((v as number) >>> 0));
  cast(I8, TypeOid.oid, 'i', (v) => { const b = v as bigint; if (b < -2147483648n || b > 4294967295n) throw new SqlError('22003', 'OID out of range'); return Number(BigInt.asUintN(32, b)); });
  cast(TypeOid.oid, I4, 'a', (v) => (v as number) | 0); cast(TypeOid.oid, I8, 'a', (v) => BigInt(v as number));
  defineRegCasts();
}

/** pg_cast for the reg* types: to and from oid binary-coercible, integers in, integers out on assignment. */
function defineRegCasts(): void {
  for (const reg of REG_TYPE_OIDS) {
    cast(TypeOid.oid, reg, 'i', (v) => v); cast(reg, TypeOid.oid, 'i', (v) => v);
    cast(I2, reg, 'i', (v) => ((v as number) >>> 0)); cast(I4, reg, 'i', (v) => ((v as number) >>> 0));
    cast(I8, reg, 'i', CASTS.get(key(I8, TypeOid.oid))!.fn);
    cast(reg, I4, 'a', (v) => (v as number) | 0); cast(reg, I8, 'a', (v) => BigInt(v as number));
  }
}

function defineStringCasts(): void {
  for (const from of STRING_TYPES) {
    for (const to of STRING_TYPES) {
      if (from === to) continue;
      // name → varchar/bpchar is an assignment cast; the rest are implicit.
      const context: CastContext = from === TypeOid.name && to !== TypeOid.text ? 'a' : 'i';
      let fn: CastFn = (v) => v;
      if (from === TypeOid.bpchar) fn = (v) => bpcharStrip(v as string);
      if (to === TypeOid.name) fn = from === TypeOid.bpchar ? (v) => truncateName(bpcharStrip(v as string)) : (v) => truncateName(v as string);
      cast(from, to, context, fn);
    }
  }
  cast(TypeOid.char, TypeOid.text, 'i', (v) => charToText(v as string));
  cast(TypeOid.text, TypeOid.char, 'a', (v) => charFromText(v as string));
}

function defineDateTimeCasts(): void {
  const D = TypeOid.date, TS = TypeOid.timestamp, TZ = TypeOid.timestamptz;
  cast(D, TS, 'i', (v) => dt.dateToTimestamp(v as number)); cast(D, TZ, 'i', (v) => dt.dateToTimestamp(v as number));
  cast(TS, D, 'a', (v) => dt.timestampToDate(v as bigint)); cast(TZ, D, 'a', (v) => dt.timestampToDate(v as bigint));
  // These read timestamptz in UTC; a statement's casts use the session zone (zoned-datetime.ts).
  cast(TS, TZ, 'i', (v) => v); cast(TZ, TS, 'a', (v) => v);
  const TM = TypeOid.time, IV = TypeOid.interval;
  cast(TS, TM, 'a', (v) => dt.timestampToTime(v as bigint)); cast(TZ, TM, 'a', (v) => dt.timestampToTime(v as bigint));
  cast(IV, TM, 'a', (v) => iv.intervalToTime(v as IntervalValue)); cast(TM, IV, 'i', (v) => iv.timeToInterval(v as bigint));
  // time → timetz and timestamptz → timetz take the session zone's offset (zoned-datetime.ts); here UTC's.
  const TTZ = TypeOid.timetz;
  cast(TM, TTZ, 'i', (v) => new TimeTzValue(v as bigint, 0)); cast(TTZ, TM, 'a', (v) => (v as TimeTzValue).micros);
  cast(TZ, TTZ, 'a', (v) => (dt.isInfiniteTimestamp(v as bigint) ? null : new TimeTzValue(dt.timestampToTime(v as bigint)!, 0)));
}

function jsonbScalar(v: SqlValue, target: string): JsonNode {
  const node = parseJsonNode(v as string, 'jsonb');
  const kind = node.kind === 'literal' ? (node.text === 'null' ? 'null' : 'boolean') : node.kind;
  const wanted = target === 'boolean' ? 'boolean' : 'number';
  if (kind !== wanted) throw new SqlError('22023', `cannot cast jsonb ${kind} to type ${target}`);
  return node;
}

function defineJsonCasts(): void {
  cast(TypeOid.json, TypeOid.jsonb, 'a', (v) => requireType(TypeOid.jsonb).parseText(v as string, -1));
  cast(TypeOid.jsonb, TypeOid.json, 'a', (v) => v);
  const J = TypeOid.jsonb;
  const asNumeric = (v: SqlValue, target: string): NumericValue => num.parseNumeric((jsonbScalar(v, target) as { text: string }).text);
  cast(J, N, 'e', (v) => asNumeric(v, 'numeric'));
  cast(J, I2, 'e', (v) => numericToInt(asNumeric(v, 'smallint'), 'smallint'));
  cast(J, I4, 'e', (v) => numericToInt(asNumeric(v, 'integer'), 'integer'));
  cast(J, I8, 'e', (v) => numericToInt(asNumeric(v, 'bigint'), 'bigint'));
  cast(J, F4, 'e', (v) => numericToFloatType(asNumeric(v, 'real'), 'real'));
  cast(J, F8, 'e', (v) => num.numericToFloat(asNumeric(v, 'double precision')));
  cast(J, TypeOid.bool, 'e', (v) => (jsonbScalar(v, 'boolean') as { text: string }).text === 'true');
}

/**
 * pg_cast for inet and cidr: cidr → inet is binary coercible; inet → cidr (on assignment) clears
 * the host bits; both print to the string types with text(inet), which always shows the width
 * (inet_out leaves out a full one). Text → either is the input function.
 */
function defineNetworkCasts(): void {
  cast(TypeOid.cidr, TypeOid.inet, 'i', (v) => v);
  cast(TypeOid.inet, TypeOid.cidr, 'a', (v) => networkOf(v as InetValue, (v as InetValue).bits));
  for (const from of [TypeOid.inet, TypeOid.cidr]) {
    for (const to of [TypeOid.text, TypeOid.varchar, TypeOid.bpchar]) cast(from, to, 'a', (v) => inetShow(v as InetValue));
  }
}

defineNumericCasts();
defineStringCasts();
defineDateTimeCasts();
defineJsonCasts();
defineNetworkCasts();

/** pg_cast.castcontext for from → to, or null when no cast exists. Same type is 'i'. */
export function castContext(from: number, to: number): CastContext | null {
  if (from === to) return 'i';
  if (from === TypeOid.unknown) return typeByOid(to) ? 'i' : null;
  const entry = CASTS.get(key(from, to));
  if (entry) return entry.context;
  if (!typeByOid(from) || !typeByOid(to)) return null;
  const elements = arrayElementTypes(from, to);
  if (elements) return castContext(elements[0], elements[1]);
  if (STRING_TYPES.has(to)) return 'a';
  if (STRING_TYPES.has(from)) return 'e';
  return null;
}

/**
 * The function converting a non-null value of type `from` to `to`, with the target typmod
 * applied (explicit casts truncate strings silently, as PostgreSQL does). Throws 42846 when
 * there is no such cast.
 */
export function castFunction(from: number, to: number, typmod: number, explicit: boolean): CastFn {
  const withTypmod = (fn: CastFn): CastFn => (typmod < 0 ? fn : (v) => applyTypmod(to, typmod, fn(v), explicit));
  if (from === to) return withTypmod((v) => v);
  const entry = CASTS.get(key(from, to));
  if (entry) return withTypmod(entry.fn);
  const source = typeByOid(from);
  const target = typeByOid(to);
  if (!source || !target || castContext(from, to) === null) {
    throw new SqlError('42846', `cannot cast type ${formatType(from, -1)} to ${formatType(to, typmod)}`);
  }
  const elements = arrayElementTypes(from, to);
  if (elements) return arrayCast(elements[0], elements[1], typmod, explicit);
  if (STRING_TYPES.has(to)) {
    return withTypmod((v) => {
      const text = source.formatText(v);
      return to === TypeOid.name ? truncateName(text) : text;
    });
  }
  // From a string type: the target's input function (which applies the typmod itself).
  const strip = from === TypeOid.bpchar;
  return (v) => target.parseText(strip ? bpcharStrip(v as string) : (v as string), typmod);
}

/** Both types arrays (of different element types): their element types, else null. */
function arrayElementTypes(from: number, to: number): [number, number] | null {
  const a = typeByOid(from)?.element ?? 0;
  const b = typeByOid(to)?.element ?? 0;
  return a !== 0 && b !== 0 ? [a, b] : null;
}

/** array_coerce: each element through the element types' cast (the typmod applies to each). */
function arrayCast(from: number, to: number, typmod: number, explicit: boolean): CastFn {
  const element = castFunction(from, to, typmod, explicit);
  const source = requireType(from);
  const target = requireType(to);
  return (v) => formatArray(arrayElements(v as string, source).map((e) => (e === null ? null : element(e))), target);
}

/** Casts one value (null stays null). Convenient outside hot paths. */
export function castValue(value: SqlValue, from: number, to: number, typmod: number, explicit: boolean): SqlValue {
  return value === null ? null : castFunction(from, to, typmod, explicit)(value);
}
