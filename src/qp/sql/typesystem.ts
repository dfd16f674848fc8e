/**
 * The planner's view of the type system: src/qp/types (PostgreSQL's types, casts, operators
 * and functions) plus what the planner adds on top — type names from the grammar, DSQL's
 * column-type rules, aggregates, wire cell encoders and hashing keys.
 */
import { isDefaultStyle, isStyledType, styledOutput, type OutputStyle } from '../types/output-style.js';
import { SqlError, assert } from '../../contracts/errors.js';
import type { WireCell } from '../../contracts/sql-session.js';
import { RecordValue, TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import { KeyWriter } from '../../encoding/key.js';
import { latin1Key } from '../../encoding/bytes.js';
import * as t from '../types/index.js';
import type { TypeName } from './ast.js';
import { aggregateResultType as aggregateType, newAggregateState as newState, type AggregateArithmetic, type AggregateOrderKey, type AggregateState } from './aggregates.js';

export { isAggregate } from './aggregates.js';
export type { AggregateState, AggregateOrderKey } from './aggregates.js';
export { skipKeyColumns } from '../../encoding/key.js';
export const {
  formatType, applyTypmod, parseBinaryValue, castContext, castFunction, resolveOperator, operatorIsAmbiguous, functionIsAmbiguous, typeLength, isCollatable,
  isRegType, regTypeName, regTypeOid,
  timestampFromUnixMicros, dateFromUnixMicros, timeFromUnixMicros,
} = t;

/**
 * The ordering comparator for ORDER BY, min/max and GREATEST/LEAST. Arrays order as
 * PostgreSQL's array_cmp: element by element in the element type's order, a NULL element after
 * every value, then the shorter array first (Strata's arrays are one-dimensional with lower
 * bound 1, so dimensions never decide). int2vector and oidvector (lower bound 0) are refused.
 */
export function comparator(oid: number): t.Comparator {
  const type = t.typeByOid(oid);
  if (type && type.category === 'A') {
    if (t.typeByOid(type.element)?.array !== oid) {
      return () => { throw new SqlError('0A000', `ordering values of type ${t.formatType(oid, -1)} is not supported yet`); };
    }
    if (!hasComparator(type.element)) throw new SqlError('42883', `could not identify an ordering operator for type ${t.formatType(oid, -1)}`);
    return arrayComparator(type.element);
  }
  if (oid === TypeOid.record) return t.compareRecords;
  return t.comparator(oid);
}

function arrayComparator(elementOid: number): t.Comparator {
  const element = comparator(elementOid);
  const elementType = t.requireType(elementOid);
  return (a, b) => {
    const x = t.arrayElements(a as string, elementType);
    const y = t.arrayElements(b as string, elementType);
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) {
      const u = x[i]!;
      const v = y[i]!;
      if (u === null || v === null) {
        if (u === v) continue;
        return u === null ? 1 : -1;
      }
      const c = element(u, v);
      if (c !== 0) return c;
    }
    return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
  };
}

/** Text input; an explicit cast truncates to the typmod (varchar(3)) where assignment raises. */
export function parseTextValue(oid: number, typmod: number, text: string, explicit = false): SqlValue {
  return t.parseTextValue(oid, typmod, text, explicit);
}

export function formatTextValue(oid: number, value: SqlValue): string {
  return t.formatTextValue(oid, value) ?? '';
}

/** Grammar spellings that are not a pg_type.typname. */
const ALIASES: Record<string, string> = {
  int: 'int4', integer: 'int4', smallint: 'int2', bigint: 'int8', real: 'float4', float: 'float8',
  'double precision': 'float8', decimal: 'numeric', dec: 'numeric', boolean: 'bool', character: 'bpchar',
  'character varying': 'varchar', timestamptz: 'timestamptz', 'timestamp with time zone': 'timestamptz',
  'timestamp without time zone': 'timestamp', 'time without time zone': 'time', 'time with time zone': 'timetz', string: 'text',
};

const BY_TYPNAME = new Map<string, t.SqlType>();
for (const type of t.allTypes()) BY_TYPNAME.set(type.typname, type);

/** A built-in type by its pg_type name only (no grammar aliases): `float8(x)` is a cast, `integer(x)` is not. */
export function typeByTypname(name: string): number | null {
  const type = BY_TYPNAME.get(name);
  return type && type.oid !== TypeOid.unknown ? type.oid : null;
}


export function resolveTypeName(name: TypeName): { oid: number; typmod: number } {
  const parts = name.names;
  const schema = parts.length > 1 ? parts[parts.length - 2] : null;
  let base = parts[parts.length - 1]!.toLowerCase();
  if (schema && schema !== 'pg_catalog') throw new SqlError('42704', `type "${parts.join('.')}" does not exist`, at(name.location));
  // "char" in quotes is the one-byte internal type (typname char): the grammar spells char(n)
  // and character as pg_catalog.bpchar, so `char` alone is never bpchar here.
  if (base === 'float' && name.typmods.length === 1) base = name.typmods[0]! <= 24 ? 'float4' : 'float8';
  const type = BY_TYPNAME.get(ALIASES[base] ?? base) ?? BY_TYPNAME.get(base);
  if (!type || type.oid === TypeOid.unknown && base !== 'unknown') {
    // PostgreSQL has it and Strata has not built it: a refusal, not "does not exist".
    if (NOT_BUILT_TYPES.has(base)) throw new SqlError('0A000', `type ${base} is not supported`, at(name.location));
    throw new SqlError('42704', `type "${parts[parts.length - 1]}" does not exist`, at(name.location));
  }
  if (name.arrayBounds > 0) {
    if (!type.array) throw new SqlError('42704', `type "${base}[]" does not exist`, at(name.location));
    return { oid: type.array, typmod: typmodFor(type.oid, name) };
  }
  return { oid: type.oid, typmod: typmodFor(type.oid, name) };
}

function at(location: number): { position?: number } {
  return location >= 0 ? { position: location + 1 } : {};
}

function typmodFor(oid: number, name: TypeName): number {
  const mods = name.typmods;
  if (mods.length === 0) return oid === TypeOid.bpchar && name.names[name.names.length - 1] !== 'bpchar' ? t.lengthTypmod(1) : -1;
  switch (oid) {
    case TypeOid.varchar:
    case TypeOid.bpchar: {
      const n = mods[0]!;
      if (mods.length > 1) throw new SqlError('42601', `invalid type modifier`, at(name.location));
      if (n < 1) throw new SqlError('22023', `length for type ${oid === TypeOid.varchar ? 'varchar' : 'char'} must be at least 1`, at(name.location));
      if (n > 10485760) throw new SqlError('22023', `length for type ${oid === TypeOid.varchar ? 'varchar' : 'char'} cannot exceed 10485760`, at(name.location));
      return t.lengthTypmod(n);
    }
    case TypeOid.numeric: {
      const [precision, scale = 0] = mods;
      if (precision! < 1 || precision! > 1000) throw new SqlError('22023', `NUMERIC precision ${precision} must be between 1 and 1000`, at(name.location));
      if (scale < -1000 || scale > 1000) throw new SqlError('22023', `NUMERIC scale ${scale} must be between -1000 and 1000`, at(name.location));
      return t.numericTypmod(precision!, scale);
    }
    case TypeOid.timestamp:
    case TypeOid.timestamptz: {
      const p = mods[0]!;
      if (p < 0) throw new SqlError('22023', `TIMESTAMP(${p}) precision must not be negative`, at(name.location));
      return Math.min(p, 6);
    }
    case TypeOid.time:
    case TypeOid.timetz: {
      const p = mods[0]!;
      if (mods.length > 1) throw new SqlError('42601', `invalid type modifier`, at(name.location));
      if (p < 0) throw new SqlError('22023', `TIME(${p})${oid === TypeOid.timetz ? ' WITH TIME ZONE' : ''} precision must not be negative`, at(name.location));
      return Math.min(p, 6);
    }
    case TypeOid.interval:
      try {
        return t.intervalTypmod(mods);
      } catch (error) {
        throw error instanceof SqlError ? new SqlError(error.code, error.message, at(name.location)) : error;
      }
    default:
      throw new SqlError('42601', `type modifier is not allowed for type "${t.requireType(oid).typname}"`, at(name.location));
  }
}

/**
 * Column types DSQL supports (reference/dsql.md §2.3), and PostgreSQL's name, "char" and oid, whose
 * refusal the reference does not record (so PostgreSQL's behaviour); others are refused as DSQL refuses them.
 */
const COLUMN_TYPES = new Set<number>([
  TypeOid.bool, TypeOid.int2, TypeOid.int4, TypeOid.int8, TypeOid.float4, TypeOid.float8, TypeOid.numeric,
  TypeOid.bpchar, TypeOid.varchar, TypeOid.text, TypeOid.bytea, TypeOid.uuid, TypeOid.date, TypeOid.time, TypeOid.timetz, TypeOid.timestamp,
  TypeOid.timestamptz, TypeOid.interval, TypeOid.json, TypeOid.jsonb, TypeOid.name, TypeOid.char, TypeOid.oid,
]);

/**
 * Types PostgreSQL has and DSQL refuses as column types, by parser name → DSQL's display name.
 * inet and cidr are among them though queries use them (DSQL has inet at query runtime only).
 */
const REFUSED_COLUMN_TYPES: Record<string, string> = {
  money: 'money', xml: 'xml', inet: 'inet', cidr: 'cidr', macaddr: 'macaddr', macaddr8: 'macaddr8', point: 'point', line: 'line',
  lseg: 'lseg', box: 'box', path: 'path', polygon: 'polygon', circle: 'circle', tsvector: 'tsvector', tsquery: 'tsquery',
  bit: 'bit', varbit: 'bit varying', pg_lsn: 'pg_lsn', int4range: 'int4range', int8range: 'int8range', numrange: 'numrange',
  tsrange: 'tsrange', tstzrange: 'tstzrange', daterange: 'daterange', int4multirange: 'int4multirange',
  int8multirange: 'int8multirange', nummultirange: 'nummultirange', tsmultirange: 'tsmultirange',
  tstzmultirange: 'tstzmultirange', datemultirange: 'datemultirange',
};

/**
 * PostgreSQL 15's pg_catalog types (base, range, multirange and pseudo-types; not arrays or row
 * types) that Strata does not have: those DSQL refuses as column types (reference/dsql.md §2.3)
 * that Strata has not built for queries either, and these. In an expression Strata refuses them
 * too (0A000) rather than say they do not exist.
 */
const NOT_BUILT_TYPES: ReadonlySet<string> = new Set([
  ...Object.keys(REFUSED_COLUMN_TYPES).filter((name) => !BY_TYPNAME.has(name)),
  'aclitem', 'any', 'anyarray', 'anycompatible', 'anycompatiblearray', 'anycompatiblemultirange',
  'anycompatiblenonarray', 'anycompatiblerange', 'anyelement', 'anyenum', 'anymultirange', 'anynonarray', 'anyrange',
  'cid', 'cstring', 'event_trigger', 'fdw_handler', 'gtsvector', 'index_am_handler', 'internal', 'jsonpath',
  'language_handler', 'pg_brin_bloom_summary', 'pg_brin_minmax_multi_summary', 'pg_ddl_command', 'pg_dependencies',
  'pg_mcv_list', 'pg_ndistinct', 'pg_node_tree', 'pg_snapshot', 'refcursor', 'regcollation', 'regconfig',
  'regdictionary', 'regoper', 'regoperator', 'regprocedure', 'table_am_handler', 'tid', 'trigger', 'tsm_handler',
  'txid_snapshot', 'xid', 'xid8',
]);

export function resolveColumnType(name: TypeName): { oid: number; typmod: number } {
  const base = name.names[name.names.length - 1]!.toLowerCase();
  const refused = REFUSED_COLUMN_TYPES[base];
  if (refused !== undefined && (name.names.length === 1 || name.names[0]!.toLowerCase() === 'pg_catalog')) {
    throw new SqlError('0A000', `datatype ${refused}${name.arrayBounds > 0 ? '[]' : ''} not supported`, at(name.location));
  }
  if (base === 'serial' || base === 'bigserial' || base === 'smallserial' || base === 'serial4' || base === 'serial8' || base === 'serial2') {
    throw new SqlError('42704', `type "${base}" does not exist`, at(name.location));
  }
  const resolved = resolveTypeName(name);
  const type = t.typeByOid(resolved.oid);
  if (type && type.element) throw new SqlError('0A000', `datatype ${t.formatType(type.element, -1)}[] not supported`, at(name.location));
  if (!COLUMN_TYPES.has(resolved.oid)) throw new SqlError('0A000', `datatype ${t.formatType(resolved.oid, -1)} not supported`, at(name.location));
  return resolved;
}

/** Column types DSQL stores but cannot index (reference/dsql.md §2.3): not in a primary key or an index key. */
const NOT_INDEXABLE = new Set<number>([TypeOid.bytea, TypeOid.interval, TypeOid.timetz, TypeOid.json, TypeOid.jsonb]);

export function checkIndexable(oid: number, column: string): void {
  if (NOT_INDEXABLE.has(oid)) throw new SqlError('0A000', `datatype ${t.formatType(oid, -1)} is not supported as a key column ("${column}")`);
}

/** The output column name PostgreSQL gives a bare cast: the type's typname. */
export function outputName(oid: number): string {
  return t.typeByOid(oid)?.typname ?? '?column?';
}

/** A per-column function from a value to its wire cell in the requested format. */
export function cellEncoder(oid: number, format: number, style?: OutputStyle): (value: SqlValue) => WireCell {
  const type = t.typeByOid(oid);
  if (!type) return (v) => (v === null ? null : String(v));
  if (format === 1) return (v) => (v === null ? null : type.formatBinary(v));
  if (!isDefaultStyle(style) && isStyledType(oid)) {
    const print = styledOutput(oid, style);
    return (v) => (v === null ? null : print(v));
  }
  switch (oid) {
    case TypeOid.int2:
    case TypeOid.int4:
    case TypeOid.oid:
    case TypeOid.int8:
      return (v) => (v === null ? null : String(v));
    case TypeOid.text:
    case TypeOid.varchar:
    case TypeOid.name:
      return (v) => v as string | null;
    default:
      return (v) => (v === null ? null : type.formatText(v));
  }
}

/** A string that is equal for values PostgreSQL considers equal (1.0 = 1.00, -0 = 0): for hashing. */
/** Scratch for groupKey (synchronous: each key is finished before the next starts). */
const groupKeyWriter = new KeyWriter(256);

export function groupKey(oids: readonly number[], values: readonly SqlValue[], width: number): string {
  const writer = groupKeyWriter;
  writer.reset();
  for (let i = 0; i < width; i++) {
    const oid = oids[i]!;
    const value = values[i]!;
    writeGroupValue(writer, oid, value);
  }
  return latin1Key(writer.view());
}

/**
 * A Map key equal for values PostgreSQL considers equal, like groupKey, without encoding the
 * common single-column cases: an int2/int4/oid number, an int8 bigint and a text or varchar
 * string are their own key (Map compares them by value), which saves a string per row in
 * hash joins and GROUP BY. Other types, and several columns, go through groupKey; its keys are
 * strings, so they never collide with the numbers and bigints.
 */
export function hashKey(oids: readonly number[], values: readonly SqlValue[], width: number): string | number | bigint | null {
  if (width !== 1) return groupKey(oids, values, width);
  const oid = oids[0]!;
  const value = values[0]!;
  switch (oid) {
    case TypeOid.int2: case TypeOid.int4: case TypeOid.oid:
      // NULL is null: a number, bigint or null key never equals groupKey's strings.
      return value === null ? null : Number(value as number | bigint);
    case TypeOid.int8:
      return value === null ? null : BigInt(value as number | bigint);
    case TypeOid.text: case TypeOid.varchar:
      assert(value === null || typeof value === 'string', 'text values are strings');
      return value;
    default:
      return groupKey(oids, values, width);
  }
}

/** One value of a group key; a record is its field count then its fields (each self-delimiting), NULL fields equal. */
function writeGroupValue(writer: KeyWriter, oid: number, value: SqlValue): void {
  if (value instanceof RecordValue) {
    writer.writeUint32(value.values.length);
    for (let i = 0; i < value.values.length; i++) writeGroupValue(writer, value.fields[i]!.oid, value.values[i]!);
  } else if (value !== null && (oid === TypeOid.json || oid === TypeOid.jsonb || oid === TypeOid.unknown)) writer.writeValue(TypeOid.text, String(value));
  else if (value !== null && isOrderedArray(oid)) {
    // Element by element, so arrays PostgreSQL calls equal ({1.0} and {1.00}) share a key.
    const element = t.typeByOid(oid)!.element;
    const elements = t.arrayElements(value as string, t.requireType(element));
    writer.writeUint32(elements.length);
    for (const e of elements) writeGroupValue(writer, element, e);
  } else writer.writeValue(oid, value);
}

/** A one-dimensional array type (not int2vector or oidvector) of elements that have an order, held as canonical text. */
function isOrderedArray(oid: number): boolean {
  const type = t.typeByOid(oid);
  return type !== undefined && type.category === 'A' && type.element !== TypeOid.record && hasComparator(oid);
}

/** A value as json, as PostgreSQL's to_json writes it. */
export const toJson = (oid: number, value: SqlValue): string => t.toJson(oid, value);

const arithmetic: AggregateArithmetic = {
  numericFromBigInt: t.numericFromBigint,
  numericAdd: t.numericAdd,
  numericDivide: t.numericDiv,
  intervalDivide: t.intervalDiv,
  compare: (oid) => comparator(oid),
  hasOrder: (oid) => hasComparator(oid),
  groupKey,
  formatArray: (elementOid, values) => t.formatArray(values, t.requireType(elementOid)),
  toJson,
  toJsonb: (json) => t.parseJsonb(json),
  isArray: (oid) => (t.typeByOid(oid)?.element ?? 0) !== 0,
  formatText: (oid, value) => t.formatTextValue(oid, value) ?? '',
};

export function aggregateResultType(name: string, arg: number | null, second: number | null = null): number | null {
  return aggregateType(name, arg, hasComparator, second, (oid) => (t.typeByOid(oid)?.element === 0 ? t.typeByOid(oid)?.array ?? 0 : 0));
}

export function newAggregateState(name: string, arg: number | null, distinct: boolean, order: readonly AggregateOrderKey[] = [], second: number | null = null, style?: OutputStyle): AggregateState {
  return newState(name, arg, distinct, isDefaultStyle(style) ? arithmetic : styledArithmetic(style!), order, second);
}

/**
 * The aggregates' helpers in a session's output style: what json_agg, json_object_agg and
 * array_agg of row values write into their result as text is printed as the session would print
 * it (a timestamptz in its zone, bytea_output, extra_float_digits), as PostgreSQL's output
 * functions do while aggregating. Arrays of other types keep canonical text: their output
 * re-styles the elements when they are sent.
 */
function styledArithmetic(style: OutputStyle): AggregateArithmetic {
  const recordText = styledOutput(TypeOid.record, style);
  return {
    ...arithmetic,
    toJson: (oid, value) => t.toJson(oid, value, style),
    formatText: (oid, value) => (value === null ? '' : styledOutput(oid, style)(value)),
    formatArray: (elementOid, values) => (elementOid === TypeOid.record
      ? '{' + values.map((v) => (v === null ? 'NULL' : t.quoteArrayElement(recordText(v)))).join(',') + '}'
      : arithmetic.formatArray(elementOid, values)),
  };
}

export { isOrderedInput, aggregateArity, isRegressionAggregate } from './aggregates.js';
export const hasComparator = (oid: number): boolean => {
  if (oid === TypeOid.record || t.hasComparator(oid)) return true;
  const type = t.typeByOid(oid);
  return type !== undefined && type.category === 'A' && t.typeByOid(type.element)?.array === oid && hasComparator(type.element);
};
/**
 * Grouping, DISTINCT (in a select list or an aggregate) and UNION/INTERSECT/EXCEPT without ALL
 * compare values for equality. json and jsonpath have no equality operator (jsonb has one), nor
 * do arrays of them: PostgreSQL's get_sort_group_operators raises 42883 at the expression, and
 * so does this — comparing json's text instead would answer where PostgreSQL refuses, and would
 * tell apart values that differ only in their whitespace.
 */
export function requireEquality(oid: number, location: number): void {
  const element = t.typeByOid(oid)?.category === 'A' ? arrayElementType(oid) : oid;
  if (element !== TypeOid.json && element !== TypeOid.jsonpath) return;
  throw new SqlError('42883', `could not identify an equality operator for type ${t.formatType(oid, -1)}`, location >= 0 ? { position: location + 1 } : {});
}
/** The element type of an array type, or 0 for a type that is not an array. */
export const arrayElementType = (oid: number): number => t.typeByOid(oid)?.element ?? 0;
/** The array type of an element type (0 when it has none). */
export const arrayTypeOf = (oid: number): number => t.typeByOid(oid)?.array ?? 0;
export const arrayValues = (elementOid: number, text: string): SqlValue[] => t.arrayElements(text, t.requireType(elementOid));
export const arrayText = (elementOid: number, values: readonly SqlValue[]): string => t.formatArray(values, t.requireType(elementOid));
export const isStringType = (oid: number): boolean => t.isStringType(oid);

export function resolveFunction(name: string, argOids: readonly number[]): t.ResolvedFunction | null {
  return t.resolveFunction(name, argOids);
}

export function allTypes(): { oid: number; name: string; length: number; category: string; element: number; array: number; collatable: boolean }[] {
  return t.allTypes().map((type) => ({ oid: type.oid, name: type.typname, length: type.length, category: type.category, element: type.element, array: type.array, collatable: type.collatable }));
}

/** information_schema.columns' description of a column type. */
export function columnTypeInfo(oid: number, typmod: number): { dataType: string; characterMaximumLength: number | null; numericPrecision: number | null; numericScale: number | null; udtName: string } {
  const type = t.requireType(oid);
  const isLength = oid === TypeOid.varchar || oid === TypeOid.bpchar;
  const precision: Record<number, number> = { [TypeOid.int2]: 16, [TypeOid.int4]: 32, [TypeOid.int8]: 64, [TypeOid.float4]: 24, [TypeOid.float8]: 53 };
  let numericPrecision: number | null = precision[oid] ?? null;
  let numericScale: number | null = oid === TypeOid.int2 || oid === TypeOid.int4 || oid === TypeOid.int8 ? 0 : null;
  if (oid === TypeOid.numeric && typmod >= 0) {
    numericPrecision = t.numericTypmodPrecision(typmod);
    numericScale = t.numericTypmodScale(typmod);
  }
  return { dataType: type.name, characterMaximumLength: isLength && typmod >= 4 ? typmod - 4 : null, numericPrecision, numericScale, udtName: type.typname };
}
