import type { ExecContext } from './compiled.js';
import { sessionZone } from '../types/output-style.js';
import { plusIntervalInZone } from '../types/zoned-datetime.js';
import { SqlError } from '../../contracts/errors.js';
import { TypeOid, type IntervalValue, type NumericValue, type SqlValue } from '../../contracts/sql-value.js';
import * as t from '../types/index.js';
import { parseJsonNode, normalizeJsonb, formatJsonb, type JsonNode } from '../types/json.js';
import { queryPath } from '../types/json-functions.js';
import * as rx from '../types/regex-functions.js';
import { arrayLowerBound } from '../types/vectors.js';

/**
 * Set-returning functions: generate_series, unnest, generate_subscripts, regexp_matches,
 * regexp_split_to_table, string_to_table and the json(b) expanders. Each call yields rows of
 * one or more columns; the planner runs them in FROM (FunctionScan, ROWS FROM, WITH
 * ORDINALITY) and in the select list (ProjectSet), as PostgreSQL does.
 */
export interface SetFunction {
  readonly name: string;
  /** The argument types the arguments are coerced to. */
  readonly args: readonly number[];
  /** Output columns; a null name is the function's (or its FROM alias's) name. */
  readonly columns: readonly { readonly name: string | null; readonly oid: number }[];
  /** A NULL argument yields no rows without calling `rows`. */
  readonly strict: boolean;
  /** `ctx`: the running statement (timestamptz steps follow its session zone). */
  rows(args: readonly SqlValue[], ctx?: ExecContext): Iterable<SqlValue[]>;
}

interface Candidate {
  readonly args: number[];
  make(args: readonly number[]): SetFunction;
}

const T = TypeOid.text;
const I4 = TypeOid.int4;
const I8 = TypeOid.int8;
const N = TypeOid.numeric;
const TS = TypeOid.timestamp;
const TZ = TypeOid.timestamptz;
const IV = TypeOid.interval;
const BOOL = TypeOid.bool;
const J = TypeOid.json;
const JB = TypeOid.jsonb;
/** An argument slot any array type fills (unnest, generate_subscripts). */
const ANYARRAY = -1;

const CANDIDATES = new Map<string, Candidate[]>();

function define(name: string, args: number[], make: (args: readonly number[]) => Omit<SetFunction, 'name' | 'args'>): void {
  const list = CANDIDATES.get(name) ?? [];
  list.push({ args, make: (actual) => ({ name, args: actual, ...make(actual) }) });
  CANDIDATES.set(name, list);
}

/** Whether `name` names a set-returning function (of any signature). */
export function isSetReturning(name: string): boolean {
  return CANDIDATES.has(name.toLowerCase());
}

/**
 * The function `name` over arguments of these types, or null when no signature matches.
 * Array arguments match an anyarray slot as themselves; others resolve as PostgreSQL's
 * function resolution does (implicit casts, unknown literals).
 */
export function resolveSetFunction(name: string, argTypes: readonly number[]): SetFunction | null {
  const list = CANDIDATES.get(name.toLowerCase());
  if (!list) return null;
  const arrays = list.filter((c) => c.args.includes(ANYARRAY) && c.args.length === argTypes.length);
  for (const candidate of arrays) {
    const actual = candidate.args.map((a, i) => (a === ANYARRAY ? argTypes[i]! : a));
    const fits = candidate.args.every((a, i) => a !== ANYARRAY || isArrayType(argTypes[i]!));
    if (fits) return candidate.make(actual);
  }
  const plain = list.filter((c) => !c.args.includes(ANYARRAY));
  const chosen = t.selectCandidate(plain, argTypes);
  return chosen ? chosen.make(chosen.args) : null;
}

function isArrayType(oid: number): boolean {
  return (t.typeByOid(oid)?.element ?? 0) !== 0;
}

function elementType(arrayOid: number): t.SqlType {
  return t.requireType(t.requireType(arrayOid).element);
}

// ---------------------------------------------------------------------------------------------
// generate_series

const stepZero = () => new SqlError('22023', 'step size cannot equal zero');

function* integerSeries(start: bigint, stop: bigint, step: bigint, toValue: (v: bigint) => SqlValue): Iterable<SqlValue[]> {
  if (step === 0n) throw stepZero();
  for (let v = start; step > 0n ? v <= stop : v >= stop; v += step) yield [toValue(v)];
}

function* numericSeries(start: NumericValue, stop: NumericValue, step: NumericValue): Iterable<SqlValue[]> {
  for (const [value, what] of [[start, 'start value'], [stop, 'stop value'], [step, 'step size']] as const) {
    if (value.special === 'NaN') throw new SqlError('22023', `${what} cannot be NaN`);
    if (value.special) throw new SqlError('22023', `${what} cannot be infinity`);
  }
  const sign = t.numericSign(step);
  if (sign === 0) throw stepZero();
  for (let v = start; sign > 0 ? t.compareNumeric(v, stop) <= 0 : t.compareNumeric(v, stop) >= 0; v = t.numericAdd(v, step)) yield [v];
}

function* timestampSeries(start: bigint, stop: bigint, step: IntervalValue, plus: (v: bigint, step: IntervalValue) => bigint): Iterable<SqlValue[]> {
  const direction = t.compareInterval(step, t.ZERO_INTERVAL);
  if (direction === 0) throw stepZero();
  for (let v = start; direction > 0 ? v <= stop : v >= stop; v = plus(v, step)) yield [v];
}

const int4 = (v: bigint): SqlValue => Number(v);
const int8 = (v: bigint): SqlValue => v;
const big = (v: SqlValue): bigint => BigInt(v as number | bigint);

for (const [oid, toValue] of [[I4, int4], [I8, int8]] as const) {
  define('generate_series', [oid, oid], () => ({ columns: [{ name: null, oid }], strict: true, rows: (a) => integerSeries(big(a[0]!), big(a[1]!), 1n, toValue) }));
  define('generate_series', [oid, oid, oid], () => ({ columns: [{ name: null, oid }], strict: true, rows: (a) => integerSeries(big(a[0]!), big(a[1]!), big(a[2]!), toValue) }));
}
define('generate_series', [N, N], () => ({ columns: [{ name: null, oid: N }], strict: true, rows: (a) => numericSeries(a[0] as NumericValue, a[1] as NumericValue, t.numericFromBigint(1n)) }));
define('generate_series', [N, N, N], () => ({ columns: [{ name: null, oid: N }], strict: true, rows: (a) => numericSeries(a[0] as NumericValue, a[1] as NumericValue, a[2] as NumericValue) }));
define('generate_series', [TS, TS, IV], () => ({ columns: [{ name: null, oid: TS }], strict: true, rows: (a) => timestampSeries(a[0] as bigint, a[1] as bigint, a[2] as IntervalValue, t.timestampPlusInterval) }));
define('generate_series', [TZ, TZ, IV], () => ({
  columns: [{ name: null, oid: TZ }], strict: true,
  rows: (a, ctx) => {
    const zone = sessionZone(ctx);
    return timestampSeries(a[0] as bigint, a[1] as bigint, a[2] as IntervalValue, (v, step) => plusIntervalInZone(v, step, zone));
  },
}));

// ---------------------------------------------------------------------------------------------
// Arrays

define('unnest', [ANYARRAY], (args) => {
  const element = elementType(args[0]!);
  return { columns: [{ name: null, oid: element.oid }], strict: true, rows: (a) => t.arrayElements(a[0] as string, element).map((v) => [v]) };
});

/**
 * information_schema._pg_expandarray(anyarray): each element with its position counted from 1,
 * as the record (x, n) — PostgreSQL's SQL function `SELECT a[s], s - lower(a, 1) + 1 FROM
 * generate_series(lower(a, 1), upper(a, 1)) s`. pgJDBC reads an index's int2vector with it.
 * (Reached qualified only: information-schema-functions.ts.)
 */
define('_pg_expandarray', [ANYARRAY], (args) => {
  const element = elementType(args[0]!);
  return {
    columns: [{ name: 'x', oid: element.oid }, { name: 'n', oid: I4 }], strict: true,
    rows: (a) => t.arrayElements(a[0] as string, element).map((v, i) => [v, i + 1]),
  };
});

function* subscripts(array: string, dimension: number, reverse: boolean, element: t.SqlType, lowerBound: number): Iterable<SqlValue[]> {
  // Arrays here are one-dimensional, with lower bound 1 (0 for int2vector and oidvector).
  if (dimension !== 1) return;
  const n = t.arrayElements(array, element).length;
  for (let i = 0; i < n; i++) yield [(reverse ? n - 1 - i : i) + lowerBound];
}

define('generate_subscripts', [ANYARRAY, I4], (args) => {
  const element = elementType(args[0]!);
  return { columns: [{ name: null, oid: I4 }], strict: true, rows: (a) => subscripts(a[0] as string, a[1] as number, false, element, arrayLowerBound(args[0]!)) };
});
define('generate_subscripts', [ANYARRAY, I4, BOOL], (args) => {
  const element = elementType(args[0]!);
  return { columns: [{ name: null, oid: I4 }], strict: true, rows: (a) => subscripts(a[0] as string, a[1] as number, a[2] as boolean, element, arrayLowerBound(args[0]!)) };
});

/**
 * pg_partition_ancestors(regclass): a partition's ancestors, no rows for any other relation.
 * Strata has no partitioned tables, so it returns none (psql's \d asks for it).
 */
define('pg_partition_ancestors', [TypeOid.oid], () => ({ columns: [{ name: 'relid', oid: TypeOid.regclass }], strict: true, rows: () => [] }));

/**
 * pg_options_to_table(options): the `name=value` elements of a reloptions-style array as rows
 * (pg_dump reads foreign-data options with it; Strata has none, but the function is real).
 */
define('pg_options_to_table', [TypeOid.textArray], (args) => {
  const element = elementType(args[0]!);
  return {
    columns: [{ name: 'option_name', oid: T }, { name: 'option_value', oid: T }], strict: true,
    rows: (a) => t.arrayElements(a[0] as string, element).filter((v) => v !== null).map((v) => {
      const text = v as string;
      const equals = text.indexOf('=');
      return equals < 0 ? [text, null] : [text.slice(0, equals), text.slice(equals + 1)];
    }),
  };
});

// ---------------------------------------------------------------------------------------------
// Text

const textArray = (elements: Array<string | null>): SqlValue => t.formatArray(elements, t.requireType(T));

define('regexp_matches', [T, T], () => ({ columns: [{ name: null, oid: TypeOid.textArray }], strict: true, rows: (a) => rx.regexpMatchesRows(a[0] as string, a[1] as string, null).map((m) => [textArray(m)]) }));
define('regexp_matches', [T, T, T], () => ({ columns: [{ name: null, oid: TypeOid.textArray }], strict: true, rows: (a) => rx.regexpMatchesRows(a[0] as string, a[1] as string, a[2] as string).map((m) => [textArray(m)]) }));
define('regexp_split_to_table', [T, T], () => ({ columns: [{ name: null, oid: T }], strict: true, rows: (a) => rx.regexpSplit(a[0] as string, a[1] as string, null, 'regexp_split_to_table').map((s) => [s]) }));
define('regexp_split_to_table', [T, T, T], () => ({ columns: [{ name: null, oid: T }], strict: true, rows: (a) => rx.regexpSplit(a[0] as string, a[1] as string, a[2] as string, 'regexp_split_to_table').map((s) => [s]) }));

/** string_to_table(text, delimiter [, null string]): as string_to_array, one row per field. */
function* stringToTable(text: string, delimiter: string | null, nullString: string | null): Iterable<SqlValue[]> {
  const fields = delimiter === null ? [...text] : delimiter === '' ? (text === '' ? [] : [text]) : text.split(delimiter);
  if (text === '') return;
  for (const field of fields) yield [nullString !== null && field === nullString ? null : field];
}

define('string_to_table', [T, T], () => ({ columns: [{ name: null, oid: T }], strict: false, rows: (a) => (a[0] === null ? [] : stringToTable(a[0] as string, a[1] as string | null, null)) }));
define('string_to_table', [T, T, T], () => ({ columns: [{ name: null, oid: T }], strict: false, rows: (a) => (a[0] === null ? [] : stringToTable(a[0] as string, a[1] as string | null, a[2] as string | null)) }));

// ---------------------------------------------------------------------------------------------
// json and jsonb

/** A json element as json prints it (its source text) or as jsonb normalizes it. */
function jsonValue(node: JsonNode, source: string, oid: number): string {
  if (oid === JB) return formatJsonb(normalizeJsonb(node));
  return node.span ? source.slice(node.span[0], node.span[1]) : formatJsonb(node);
}

/** The text of a json element, as ->> gives it: strings unquoted, JSON null as SQL NULL. */
function jsonText(node: JsonNode, source: string, oid: number): SqlValue {
  if (node.kind === 'literal' && node.text === 'null') return null;
  return node.kind === 'string' ? node.value : jsonValue(node, source, oid);
}

function expectKind(node: JsonNode, kind: 'array' | 'object', fn: string): void {
  if (node.kind === kind) return;
  if (kind === 'array') throw new SqlError('22023', `cannot extract elements from ${node.kind === 'object' ? 'an object' : 'a scalar'}`);
  throw new SqlError('22023', `cannot call ${fn} on ${node.kind === 'array' ? 'an array' : 'a non-object'}`);
}

// jsonb_path_query(target, path [, vars [, silent]]): each item the path yields.
for (const extra of [[], [JB], [JB, BOOL]]) {
  define('jsonb_path_query', [JB, TypeOid.jsonpath, ...extra], () => ({
    columns: [{ name: null, oid: JB }], strict: true,
    rows: (a) => queryPath(a).items.map((item) => [formatJsonb(normalizeJsonb(item))]),
  }));
}

for (const oid of [J, JB]) {
  const prefix = oid === J ? 'json' : 'jsonb';
  const parse = (value: SqlValue) => parseJsonNode(value as string, oid === J ? 'json' : 'jsonb');
  define(`${prefix}_array_elements`, [oid], () => ({
    columns: [{ name: 'value', oid }], strict: true,
    rows: (a) => { const node = parse(a[0]!); expectKind(node, 'array', `${prefix}_array_elements`); return (node as Extract<JsonNode, { kind: 'array' }>).items.map((item) => [jsonValue(item, a[0] as string, oid)]); },
  }));
  define(`${prefix}_array_elements_text`, [oid], () => ({
    columns: [{ name: 'value', oid: T }], strict: true,
    rows: (a) => { const node = parse(a[0]!); expectKind(node, 'array', `${prefix}_array_elements_text`); return (node as Extract<JsonNode, { kind: 'array' }>).items.map((item) => [jsonText(item, a[0] as string, oid)]); },
  }));
  const entries = (value: SqlValue, fn: string): Array<[string, JsonNode]> => {
    const node = parse(value);
    expectKind(node, 'object', fn);
    const object = node as Extract<JsonNode, { kind: 'object' }>;
    return oid === JB ? (normalizeJsonb(object) as Extract<JsonNode, { kind: 'object' }>).entries : object.entries;
  };
  define(`${prefix}_each`, [oid], () => ({
    columns: [{ name: 'key', oid: T }, { name: 'value', oid }], strict: true,
    rows: (a) => entries(a[0]!, `${prefix}_each`).map(([k, v]) => [k, jsonValue(v, a[0] as string, oid)]),
  }));
  define(`${prefix}_each_text`, [oid], () => ({
    columns: [{ name: 'key', oid: T }, { name: 'value', oid: T }], strict: true,
    rows: (a) => entries(a[0]!, `${prefix}_each_text`).map(([k, v]) => [k, jsonText(v, a[0] as string, oid)]),
  }));
  define(`${prefix}_object_keys`, [oid], () => ({
    columns: [{ name: null, oid: T }], strict: true,
    rows: (a) => entries(a[0]!, `${prefix}_object_keys`).map(([k]) => [k]),
  }));
}
