import { SqlError } from '../../contracts/errors.js';
import { TimeTzValue, TypeOid, type InetValue, type IntervalValue, type NumericValue, type SqlValue } from '../../contracts/sql-value.js';
import * as dt from './datetime.js';
import { parseDateInput, parseTimestampInput } from './zone-name-input.js';
import { adjustInterval, formatInterval, intervalTypmodText, parseInterval } from './interval.js';
import { parseJson, parseJsonb } from './json.js';
import { formatJsonPath, parseJsonPath } from './jsonpath.js';
import { formatInet, inetFromBinary, inetToBinary, parseInet } from './network.js';
import * as num from './numeric.js';
import * as sc from './scalars.js';
import * as str from './strings.js';
import { arrayFromBinary, arrayToBinary, formatArray, parseArrayText } from './arrays.js';
import { formatRegText, parseRegText, REG_TYPE_OIDS, regTypeName } from './reg-types.js';
import { vectorSpecs } from './vectors.js';

/**
 * The type registry: one SqlType per supported type, carrying what pg_type says about it
 * (length, category, array type) and its text and binary I/O.
 */
export interface SqlType {
  readonly oid: number;
  /** pg_type.typname ("int4", "varchar"). */
  readonly typname: string;
  /** format_type without a typmod ("integer", "character varying"). */
  readonly name: string;
  /** pg_type.typlen: 1, 2, 4, 8, 16, or -1 for varlena, -2 for cstring. */
  readonly length: number;
  /** pg_type.typcategory. */
  readonly category: string;
  /** pg_type.typispreferred within its category. */
  readonly preferred: boolean;
  readonly array: number;
  /** pg_type.typelem for array types, else 0. */
  readonly element: number;
  readonly collatable: boolean;
  /** Input function: the typmod applies as on assignment (varchar(3) rejects 'abcd'). */
  parseText(text: string, typmod: number): SqlValue;
  formatText(value: SqlValue): string;
  parseBinary(bytes: Uint8Array, typmod: number): SqlValue;
  formatBinary(value: SqlValue): Uint8Array;
}

const TYPES = new Map<number, SqlType>();

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function expectLength(bytes: Uint8Array, n: number): void {
  if (bytes.length !== n) {
    throw new SqlError('22P03', `incorrect binary data format`);
  }
}

function fixed(n: number, write: (d: DataView) => void): Uint8Array {
  const out = new Uint8Array(n);
  write(new DataView(out.buffer));
  return out;
}

export interface Spec {
  oid: number; typname: string; name: string; length: number; category: string; array: number;
  preferred?: boolean; element?: number; collatable?: boolean;
  parseText(text: string, typmod: number): SqlValue;
  formatText(value: SqlValue): string;
  parseBinary?(bytes: Uint8Array, typmod: number): SqlValue;
  formatBinary?(value: SqlValue): Uint8Array;
}

export function define(spec: Spec): void {
  const textual = (): Spec['parseBinary'] => (bytes, typmod) => spec.parseText(str.decodeUtf8(bytes), typmod);
  TYPES.set(spec.oid, {
    oid: spec.oid, typname: spec.typname, name: spec.name, length: spec.length, category: spec.category,
    preferred: spec.preferred ?? false, array: spec.array, element: spec.element ?? 0, collatable: spec.collatable ?? false,
    parseText: spec.parseText, formatText: spec.formatText,
    parseBinary: spec.parseBinary ?? textual()!,
    formatBinary: spec.formatBinary ?? ((v) => str.encodeUtf8(spec.formatText(v))),
  });
}

export function typeByOid(oid: number): SqlType | undefined {
  return TYPES.get(oid);
}

export function requireType(oid: number): SqlType {
  const t = TYPES.get(oid);
  if (!t) throw new SqlError('42704', `type with OID ${oid} does not exist`);
  return t;
}

export function allTypes(): SqlType[] {
  return [...TYPES.values()];
}

// ---------------------------------------------------------------------------------------------
// Typmods

/** Applies a column's typmod to a value of that type (assignment, or an explicit cast). */
export function applyTypmod(oid: number, typmod: number, value: SqlValue, explicit: boolean): SqlValue {
  if (value === null || typmod < 0) return value;
  switch (oid) {
    case TypeOid.varchar:
      return typmod >= 4 ? str.applyLengthLimit(value as string, typmod - 4, 'character varying', explicit) : value;
    case TypeOid.bpchar: {
      if (typmod < 4) return value;
      return str.padBpchar(str.applyLengthLimit(value as string, typmod - 4, 'character', explicit), typmod - 4);
    }
    case TypeOid.numeric:
      return num.applyNumericTypmod(value as NumericValue, typmod);
    case TypeOid.timestamp:
    case TypeOid.timestamptz:
      return roundTimestamp(value as bigint, typmod);
    case TypeOid.time:
      return dt.roundTime(value as bigint, typmod);
    case TypeOid.timetz:
      return roundTimeTz(value as TimeTzValue, typmod);
    case TypeOid.interval:
      return adjustInterval(value as IntervalValue, typmod);
    default: {
      // An array's typmod is its elements' (varchar(1)[]).
      const element = TYPES.get(oid)?.element ?? 0;
      if (element === 0) return value;
      const type = requireType(element);
      const elements = parseArrayText(value as string, type).elements.map((e) => applyTypmod(element, typmod, e, explicit));
      return formatArray(elements, type);
    }
  }
}

/** timetz(p): the time of day rounded as time(p) rounds it, the zone kept. */
function roundTimeTz(v: TimeTzValue, precision: number): TimeTzValue {
  const micros = dt.roundTime(v.micros, precision);
  return micros === v.micros ? v : new TimeTzValue(micros, v.zone);
}

/** timestamp(p): round to p fractional digits, half away from zero as AdjustTimestampForTypmod does. */
function roundTimestamp(v: bigint, precision: number): bigint {
  if (precision >= 6 || dt.isInfiniteTimestamp(v)) return v;
  const unit = 10n ** BigInt(6 - precision);
  const offset = unit / 2n;
  return v >= 0n ? ((v + offset) / unit) * unit : -(((offset - v) / unit) * unit);
}

/** format_type(oid, typmod): how PostgreSQL names a type in messages and in \d. */
export function formatType(oid: number, typmod: number): string {
  const t = TYPES.get(oid);
  if (!t) return oid === 0 ? '-' : `???`;
  if (typmod < 0) {
    if (oid === TypeOid.bpchar) return 'bpchar';
    return t.name;
  }
  switch (oid) {
    case TypeOid.varchar: return typmod >= 4 ? `character varying(${typmod - 4})` : t.name;
    case TypeOid.bpchar: return typmod >= 4 ? `character(${typmod - 4})` : 'character';
    case TypeOid.numeric:
      return typmod >= 4 ? `numeric(${num.numericTypmodPrecision(typmod)},${num.numericTypmodScale(typmod)})` : t.name;
    case TypeOid.timestamp: return `timestamp(${typmod}) without time zone`;
    case TypeOid.timestamptz: return `timestamp(${typmod}) with time zone`;
    case TypeOid.time: return `time(${typmod}) without time zone`;
    case TypeOid.timetz: return `time(${typmod}) with time zone`;
    case TypeOid.interval: return `interval${intervalTypmodText(typmod)}`;
    default: return t.name;
  }
}

/** A length typmod (varchar(n), char(n)) as PostgreSQL stores it. */
export function lengthTypmod(n: number): number {
  return n + 4;
}

// ---------------------------------------------------------------------------------------------
// The types

function defineIntegers(): void {
  define({
    oid: TypeOid.int2, typname: 'int2', name: 'smallint', length: 2, category: 'N', array: TypeOid.int2Array,
    parseText: (t) => sc.parseInt2(t), formatText: (v) => String(v),
    parseBinary: (b) => { expectLength(b, 2); return view(b).getInt16(0); },
    formatBinary: (v) => fixed(2, (d) => d.setInt16(0, v as number)),
  });
  define({
    oid: TypeOid.int4, typname: 'int4', name: 'integer', length: 4, category: 'N', array: TypeOid.int4Array,
    parseText: (t) => sc.parseInt4(t), formatText: (v) => String(v),
    parseBinary: (b) => { expectLength(b, 4); return view(b).getInt32(0); },
    formatBinary: (v) => fixed(4, (d) => d.setInt32(0, v as number)),
  });
  define({
    oid: TypeOid.int8, typname: 'int8', name: 'bigint', length: 8, category: 'N', array: TypeOid.int8Array,
    parseText: (t) => sc.parseInt8(t), formatText: (v) => String(v),
    parseBinary: (b) => { expectLength(b, 8); return view(b).getBigInt64(0); },
    formatBinary: (v) => fixed(8, (d) => d.setBigInt64(0, v as bigint)),
  });
  define({
    oid: TypeOid.oid, typname: 'oid', name: 'oid', length: 4, category: 'N', array: TypeOid.oidArray,
    parseText: (t) => sc.parseOid(t), formatText: (v) => String(v),
    parseBinary: (b) => { expectLength(b, 4); return view(b).getUint32(0); },
    formatBinary: (v) => fixed(4, (d) => d.setUint32(0, v as number)),
  });
}

/** The reg* types (reg-types.ts): oids in storage and on the wire in binary; no array types here. */
function defineRegTypes(): void {
  for (const oid of REG_TYPE_OIDS) {
    const typname = regTypeName(oid)!;
    define({
      oid, typname, name: typname, length: 4, category: 'N', array: 0,
      parseText: (t) => parseRegText(oid, t), formatText: () => formatRegText(oid),
      parseBinary: (b) => { expectLength(b, 4); return view(b).getUint32(0); },
      formatBinary: (v) => fixed(4, (d) => d.setUint32(0, v as number)),
    });
  }
}

function defineFloatsAndNumeric(): void {
  define({
    oid: TypeOid.float4, typname: 'float4', name: 'real', length: 4, category: 'N', array: 1021,
    parseText: (t) => sc.parseFloat4(t), formatText: (v) => sc.formatFloat4(v as number),
    parseBinary: (b) => { expectLength(b, 4); return view(b).getFloat32(0); },
    formatBinary: (v) => fixed(4, (d) => d.setFloat32(0, v as number)),
  });
  define({
    oid: TypeOid.float8, typname: 'float8', name: 'double precision', length: 8, category: 'N', preferred: true, array: TypeOid.float8Array,
    parseText: (t) => sc.parseFloat8(t), formatText: (v) => sc.formatFloat8(v as number),
    parseBinary: (b) => { expectLength(b, 8); return view(b).getFloat64(0); },
    formatBinary: (v) => fixed(8, (d) => d.setFloat64(0, v as number)),
  });
  define({
    oid: TypeOid.numeric, typname: 'numeric', name: 'numeric', length: -1, category: 'N', array: 1231,
    parseText: (t, typmod) => num.applyNumericTypmod(num.parseNumeric(t), typmod),
    formatText: (v) => num.formatNumeric(v as NumericValue),
    parseBinary: (b, typmod) => num.applyNumericTypmod(num.numericFromBinary(b), typmod),
    formatBinary: (v) => num.numericToBinary(v as NumericValue),
  });
}

function defineStrings(): void {
  const asIs = (v: SqlValue): string => v as string;
  define({
    oid: TypeOid.text, typname: 'text', name: 'text', length: -1, category: 'S', preferred: true, array: TypeOid.textArray, collatable: true,
    parseText: (t) => str.checkText(t), formatText: asIs,
  });
  define({
    oid: TypeOid.varchar, typname: 'varchar', name: 'character varying', length: -1, category: 'S', array: 1015, collatable: true,
    parseText: (t, typmod) => applyTypmod(TypeOid.varchar, typmod, str.checkText(t), false), formatText: asIs,
  });
  define({
    oid: TypeOid.bpchar, typname: 'bpchar', name: 'character', length: -1, category: 'S', array: 1014, collatable: true,
    parseText: (t, typmod) => applyTypmod(TypeOid.bpchar, typmod, str.checkText(t), false), formatText: asIs,
  });
  define({
    oid: TypeOid.name, typname: 'name', name: 'name', length: 64, category: 'S', array: 1003, collatable: true,
    parseText: (t) => str.truncateName(str.checkText(t)), formatText: asIs,
  });
  define({
    oid: TypeOid.char, typname: 'char', name: '"char"', length: 1, category: 'Z', array: 1002,
    parseText: (t) => charFromText(t), formatText: (v) => charToText(v as string),
    parseBinary: (b) => (b.length === 0 || b[0] === 0 ? '' : String.fromCharCode(b[0]!)),
    formatBinary: (v) => Uint8Array.of((v as string).length === 0 ? 0 : (v as string).charCodeAt(0)),
  });
  define({
    oid: TypeOid.unknown, typname: 'unknown', name: 'unknown', length: -2, category: 'X', array: 0,
    parseText: (t) => str.checkText(t), formatText: asIs,
  });
  define({
    oid: TypeOid.json, typname: 'json', name: 'json', length: -1, category: 'U', array: 199,
    parseText: (t) => parseJson(t), formatText: asIs,
  });
  define({
    oid: TypeOid.jsonb, typname: 'jsonb', name: 'jsonb', length: -1, category: 'U', array: 3807,
    parseText: (t) => parseJsonb(t), formatText: asIs,
    parseBinary: (b) => {
      if (b.length === 0 || b[0] !== 1) throw new SqlError('22P03', `unsupported jsonb version number ${b[0] ?? 0}`);
      return parseJsonb(str.decodeUtf8(b.subarray(1)));
    },
    formatBinary: (v) => { const t = str.encodeUtf8(v as string); const out = new Uint8Array(t.length + 1); out[0] = 1; out.set(t, 1); return out; },
  });
  // Held as its canonical text (what jsonpath_out prints); the functions parse it again per call.
  define({
    oid: TypeOid.jsonpath, typname: 'jsonpath', name: 'jsonpath', length: -1, category: 'U', array: 4073,
    parseText: (t) => formatJsonPath(parseJsonPath(t)), formatText: asIs,
    parseBinary: (b) => {
      if (b.length === 0 || b[0] !== 1) throw new SqlError('22P03', `unsupported jsonpath version number: ${b[0] ?? 0}`);
      return formatJsonPath(parseJsonPath(str.decodeUtf8(b.subarray(1))));
    },
    formatBinary: (v) => { const t = str.encodeUtf8(v as string); const out = new Uint8Array(t.length + 1); out[0] = 1; out.set(t, 1); return out; },
  });
}

/**
 * "char" keeps one byte, held as a one-character string whose code is the byte ('' for the
 * zero byte). Input (charin, text_char): `\ooo` is that byte in octal, anything else its first
 * byte; output (charout, char_text): bytes with the high bit set print as `\ooo`.
 */
export function charFromText(t: string): string {
  if (t.length === 4 && /^\\[0-7]{3}$/.test(t)) {
    const byte = parseInt(t.slice(1), 8) & 0xff;
    return byte === 0 ? '' : String.fromCharCode(byte);
  }
  if (t.length === 0) return '';
  const code = t.charCodeAt(0);
  return code < 0x80 ? t[0]! : String.fromCharCode(str.encodeUtf8(t.slice(0, 2))[0]!);
}

export function charToText(v: string): string {
  if (v.length === 0) return '';
  const byte = v.charCodeAt(0);
  return byte < 0x80 ? v : '\\' + byte.toString(8).padStart(3, '0');
}

function defineOthers(): void {
  define({
    oid: TypeOid.bool, typname: 'bool', name: 'boolean', length: 1, category: 'B', preferred: true, array: 1000,
    parseText: (t) => sc.parseBool(t), formatText: (v) => (v ? 't' : 'f'),
    parseBinary: (b) => { expectLength(b, 1); return b[0] !== 0; },
    formatBinary: (v) => Uint8Array.of(v ? 1 : 0),
  });
  define({
    oid: TypeOid.bytea, typname: 'bytea', name: 'bytea', length: -1, category: 'U', array: 1001,
    parseText: (t) => str.parseBytea(t), formatText: (v) => str.formatBytea(v as Uint8Array),
    parseBinary: (b) => Uint8Array.from(b), formatBinary: (v) => v as Uint8Array,
  });
  define({
    oid: TypeOid.uuid, typname: 'uuid', name: 'uuid', length: 16, category: 'U', array: 2951,
    parseText: (t) => str.parseUuid(t), formatText: (v) => v as string,
    parseBinary: (b) => str.uuidFromBytes(b), formatBinary: (v) => str.uuidToBytes(v as string),
  });
  defineDateTimes();
  defineNetworkTypes();
}

/**
 * inet and cidr (network.ts): category I, inet the preferred one, so an untyped literal given to
 * abbrev() or set_masklen() reads as an inet, as in PostgreSQL.
 */
function defineNetworkTypes(): void {
  for (const cidr of [false, true]) {
    define({
      oid: cidr ? TypeOid.cidr : TypeOid.inet, typname: cidr ? 'cidr' : 'inet', name: cidr ? 'cidr' : 'inet', length: -1, category: 'I',
      preferred: !cidr, array: cidr ? 651 : 1041,
      parseText: (t) => parseInet(t, cidr), formatText: (v) => formatInet(v as InetValue, cidr),
      parseBinary: (b) => inetFromBinary(b, cidr), formatBinary: (v) => inetToBinary(v as InetValue, cidr),
    });
  }
}

const WIRE_NEG_INFINITY = -0x8000000000000000n;

function defineDateTimes(): void {
  define({
    oid: TypeOid.date, typname: 'date', name: 'date', length: 4, category: 'D', array: 1182,
    parseText: (t) => parseDateInput(t), formatText: (v) => dt.formatDate(v as number),
    parseBinary: (b) => { expectLength(b, 4); const d = view(b).getInt32(0); return d === 0x7fffffff ? Infinity : d === -0x80000000 ? -Infinity : dt.checkDate(d); },
    formatBinary: (v) => fixed(4, (d) => d.setInt32(0, v === Infinity ? 0x7fffffff : v === -Infinity ? -0x80000000 : (v as number))),
  });
  for (const withZone of [false, true]) {
    define({
      oid: withZone ? TypeOid.timestamptz : TypeOid.timestamp, typname: withZone ? 'timestamptz' : 'timestamp',
      name: withZone ? 'timestamp with time zone' : 'timestamp without time zone', length: 8, category: 'D',
      preferred: withZone, array: withZone ? 1185 : 1115,
      parseText: (t, typmod) => roundTimestamp(parseTimestampInput(t, withZone), typmod < 0 ? 6 : typmod),
      formatText: (v) => dt.formatTimestamp(v as bigint, withZone),
      // On the wire -infinity is INT64_MIN; in memory it is -TIMESTAMP_INFINITY (the contract).
      parseBinary: (b) => { expectLength(b, 8); const t = view(b).getBigInt64(0); return t === WIRE_NEG_INFINITY ? dt.TIMESTAMP_NEG_INFINITY : dt.checkTimestamp(t); },
      formatBinary: (v) => fixed(8, (d) => d.setBigInt64(0, v === dt.TIMESTAMP_NEG_INFINITY ? WIRE_NEG_INFINITY : (v as bigint))),
    });
  }
  define({
    oid: TypeOid.time, typname: 'time', name: 'time without time zone', length: 8, category: 'D', array: 1183,
    parseText: (t, typmod) => dt.roundTime(dt.parseTime(t), typmod),
    formatText: (v) => dt.formatTime(v as bigint),
    parseBinary: (b, typmod) => { expectLength(b, 8); return dt.roundTime(dt.checkTime(view(b).getBigInt64(0)), typmod); },
    formatBinary: (v) => fixed(8, (d) => d.setBigInt64(0, v as bigint)),
  });
  // timetz_send: int64 µs of the local time, then int32 zone (seconds west): 12 bytes.
  define({
    oid: TypeOid.timetz, typname: 'timetz', name: 'time with time zone', length: 12, category: 'D', array: 1270,
    parseText: (t, typmod) => roundTimeTz(dt.parseTimeTz(t), typmod),
    formatText: (v) => dt.formatTimeTz(v as TimeTzValue),
    parseBinary: (b, typmod) => { expectLength(b, 12); const d = view(b); return roundTimeTz(dt.checkTimeTz(d.getBigInt64(0), d.getInt32(8)), typmod); },
    formatBinary: (v) => fixed(12, (d) => { const t = v as TimeTzValue; d.setBigInt64(0, t.micros); d.setInt32(8, t.zone); }),
  });
  define({
    oid: TypeOid.interval, typname: 'interval', name: 'interval', length: 16, category: 'T', preferred: true, array: 1187,
    parseText: (t, typmod) => parseInterval(t, typmod), formatText: (v) => formatInterval(v as IntervalValue),
    parseBinary: (b) => { expectLength(b, 16); const d = view(b); return { micros: d.getBigInt64(0), days: d.getInt32(8), months: d.getInt32(12) }; },
    formatBinary: (v) => fixed(16, (d) => { const iv = v as IntervalValue; d.setBigInt64(0, iv.micros); d.setInt32(8, iv.days); d.setInt32(12, iv.months); }),
  });
}

/**
 * Arrays of the common element types. In memory an array is its text form (`{1,2}`), which is
 * what the few catalog queries that use them need; binary I/O converts through the elements.
 */
function defineArrays(): void {
  // Every scalar type has its array type, named and numbered as in pg_type.
  const arrays = [...TYPES.values()].filter((type) => type.array !== 0).map((type) => [type.array, `_${type.typname}`, type.oid] as const);
  for (const [oid, typname, element] of arrays) {
    const elementType = TYPES.get(element)!;
    define({
      oid, typname, name: elementType.name + '[]', length: -1, category: 'A', array: 0, element,
      collatable: elementType.collatable,
      parseText: (t) => parseArrayText(t, elementType).text, formatText: (v) => v as string,
      parseBinary: (b) => arrayFromBinary(b, elementType),
      formatBinary: (v) => arrayToBinary(v as string, elementType),
    });
  }
}

defineIntegers();
defineRegTypes();
defineFloatsAndNumeric();
defineStrings();
defineOthers();
defineArrays();
// After the arrays: the vector types have no array types of their own here.
for (const spec of vectorSpecs(requireType)) define(spec);

// ---------------------------------------------------------------------------------------------
// Convenience entry points keyed by OID (what the executor and the wire layer call).

/**
 * The type's input function. `explicit` is for a literal under an explicit cast
 * ('abcd'::varchar(3)): PostgreSQL then truncates instead of raising 22001.
 */
export function parseTextValue(oid: number, typmod: number, text: string, explicit = false): SqlValue {
  // (An interval's typmod also decides how its text reads: INTERVAL '1' DAY is a day.)
  if (explicit && typmod >= 0 && oid !== TypeOid.interval) return applyTypmod(oid, typmod, requireType(oid).parseText(text, -1), true);
  return requireType(oid).parseText(text, typmod);
}

export function formatTextValue(oid: number, value: SqlValue): string | null {
  return value === null ? null : requireType(oid).formatText(value);
}

export function parseBinaryValue(oid: number, bytes: Uint8Array, typmod = -1): SqlValue {
  return requireType(oid).parseBinary(bytes, typmod);
}

export function formatBinaryValue(oid: number, value: SqlValue): Uint8Array | null {
  return value === null ? null : requireType(oid).formatBinary(value);
}

export function typeLength(oid: number): number {
  return TYPES.get(oid)?.length ?? -1;
}

export function isCollatable(oid: number): boolean {
  return TYPES.get(oid)?.collatable ?? false;
}
