import { evaluateJsonPath, type PathResult } from './jsonpath-eval.js';
import { parseJsonPath } from './jsonpath.js';
import { isDefaultStyle, isStyledType, styledOutput, type OutputStyle } from './output-style.js';
import { SqlError } from '../../contracts/errors.js';
import { RecordValue, TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import { arrayElements } from './arrays.js';
import { compareNumeric, parseNumeric } from './numeric.js';
import { formatJsonb, normalizeJsonb, parseJsonNode, parseJsonb, quoteJsonString, type JsonNode } from './json.js';
import { formatTextValue, requireType, typeByOid } from './registry.js';

/**
 * The json and jsonb operators and functions: field and path access (-> ->> #> #>>), jsonb's
 * containment, existence, concatenation and deletion (@> <@ ? ?| ?& || - #-), jsonb_set,
 * to_json and the builders, typeof/array_length/strip_nulls/pretty/extract_path, with
 * PostgreSQL 15's results and errors. json values keep their text: what they return is the
 * part of the input they came from; jsonb values are normalized (json.ts).
 */

const J = TypeOid.json;
const JB = TypeOid.jsonb;
const T = TypeOid.text;
const TA = TypeOid.textArray;

type Node = JsonNode;
type Obj = Extract<Node, { kind: 'object' }>;
type Arr = Extract<Node, { kind: 'array' }>;

const parse = (value: SqlValue, oid: number): Node => parseJsonNode(value as string, oid === JB ? 'jsonb' : 'json');

/** A node as a value of `oid`: json keeps its source text, jsonb prints normalized. */
function render(node: Node, source: string, oid: number): string {
  if (oid === JB) return formatJsonb(normalizeJsonb(node));
  return node.span ? source.slice(node.span[0], node.span[1]) : compact(node);
}

/** json without the whitespace of its source (what json_strip_nulls prints). */
function compact(node: Node): string {
  switch (node.kind) {
    case 'object': return '{' + node.entries.map(([k, v]) => quoteJsonString(k) + ':' + compact(v)).join(',') + '}';
    case 'array': return '[' + node.items.map(compact).join(',') + ']';
    case 'string': return quoteJsonString(node.value);
    case 'number': return node.text;
    case 'literal': return node.text;
  }
}

/** ->> and #>>: strings unquoted, JSON null as SQL NULL, anything else as its json text. */
function asText(node: Node | null, source: string, oid: number): SqlValue {
  if (node === null || (node.kind === 'literal' && node.text === 'null')) return null;
  return node.kind === 'string' ? node.value : render(node, source, oid);
}

function field(node: Node, key: string): Node | null {
  if (node.kind !== 'object') return null;
  for (let k = node.entries.length - 1; k >= 0; k--) if (node.entries[k]![0] === key) return node.entries[k]![1];
  return null;
}

function element(node: Node, index: number): Node | null {
  if (node.kind !== 'array') return null;
  const at = index < 0 ? node.items.length + index : index;
  return node.items[at] ?? null;
}

/** One path step: a key of an object, or an index (as text) of an array. */
function step(node: Node, key: string): Node | null {
  if (node.kind === 'object') return field(node, key);
  if (node.kind === 'array') {
    if (!/^\s*-?\d+\s*$/.test(key)) return null;
    return element(node, Number(key));
  }
  return null;
}

function path(node: Node, keys: readonly (string | null)[]): Node | null {
  let current: Node | null = node;
  for (const key of keys) {
    if (current === null || key === null) return null;
    current = step(current, key);
  }
  return current;
}

const textArray = (value: SqlValue): (string | null)[] => arrayElements(value as string, requireType(T)) as (string | null)[];

// ---------------------------------------------------------------------------------------------
// jsonb comparison, containment and existence

function scalarEqual(a: Node, b: Node): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'number') return compareNumeric(parseNumeric(a.text), parseNumeric((b as typeof a).text)) === 0;
  if (a.kind === 'string') return a.value === (b as typeof a).value;
  if (a.kind === 'literal') return a.text === (b as typeof a).text;
  return false;
}

function isScalar(node: Node): boolean {
  return node.kind !== 'object' && node.kind !== 'array';
}

/** JsonbDeepContains: every key/element of `b` is in `a`, recursively. */
function contains(a: Node, b: Node): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'object') {
    for (const [key, value] of (b as Obj).entries) {
      const mine = field(a, key);
      if (mine === null) return false;
      if (isScalar(value)) { if (!scalarEqual(mine, value)) return false; }
      else if (!contains(mine, value)) return false;
    }
    return true;
  }
  if (a.kind === 'array') {
    return (b as Arr).items.every((wanted) => a.items.some((mine) => (isScalar(wanted) ? scalarEqual(mine, wanted) : contains(mine, wanted))));
  }
  return scalarEqual(a, b);
}

/** `a @> b` at the top level: an array also contains a scalar it has as an element. */
function topContains(a: Node, b: Node): boolean {
  if (a.kind === 'array' && isScalar(b)) return a.items.some((item) => scalarEqual(item, b));
  return contains(a, b);
}

function exists(node: Node, key: string): boolean {
  if (node.kind === 'object') return node.entries.some(([k]) => k === key);
  if (node.kind === 'array') return node.items.some((item) => item.kind === 'string' && item.value === key);
  return node.kind === 'string' && node.value === key;
}

// ---------------------------------------------------------------------------------------------
// jsonb modification

const normalized = (node: Node): string => formatJsonb(normalizeJsonb(node));

function concat(a: Node, b: Node): Node {
  if (a.kind === 'object' && b.kind === 'object') return { kind: 'object', entries: [...a.entries, ...b.entries] };
  const items = (n: Node): Node[] => (n.kind === 'array' ? n.items : [n]);
  return { kind: 'array', items: [...items(a), ...items(b)] };
}

function deleteKey(node: Node, key: string): Node {
  if (node.kind === 'object') return { kind: 'object', entries: node.entries.filter(([k]) => k !== key) };
  if (node.kind === 'array') return { kind: 'array', items: node.items.filter((item) => !(item.kind === 'string' && item.value === key)) };
  throw new SqlError('22023', 'cannot delete from scalar');
}

function deleteIndex(node: Node, index: number): Node {
  if (node.kind === 'object') throw new SqlError('22023', 'cannot delete from object using integer index');
  if (node.kind !== 'array') throw new SqlError('22023', 'cannot delete from scalar');
  const at = index < 0 ? node.items.length + index : index;
  return { kind: 'array', items: node.items.filter((_, i) => i !== at) };
}

/** Index of a path step into an array, or null when the step is not an integer. */
function arrayIndex(key: string, length: number): number | null {
  if (!/^\s*-?\d+\s*$/.test(key)) return null;
  const index = Number(key);
  return index < 0 ? length + index : index;
}

function deletePath(node: Node, keys: readonly string[], depth = 1): Node {
  if (keys.length === 0) return node;
  const [key, ...rest] = keys as [string, ...string[]];
  if (node.kind === 'object') {
    if (rest.length === 0) return { kind: 'object', entries: node.entries.filter(([k]) => k !== key) };
    return { kind: 'object', entries: node.entries.map(([k, v]) => [k, k === key ? deletePath(v, rest, depth + 1) : v]) };
  }
  if (node.kind === 'array') {
    const at = arrayIndex(key, node.items.length);
    if (at === null) throw new SqlError('22P02', `path element at position ${depth} is not an integer: "${key}"`);
    if (rest.length === 0) return { kind: 'array', items: node.items.filter((_, i) => i !== at) };
    return { kind: 'array', items: node.items.map((v, i) => (i === at ? deletePath(v, rest, depth + 1) : v)) };
  }
  return node;
}

function setPath(node: Node, keys: readonly string[], value: Node, create: boolean, depth = 1): Node {
  if (keys.length === 0) return value;
  const [key, ...rest] = keys as [string, ...string[]];
  if (node.kind === 'object') {
    const has = node.entries.some(([k]) => k === key);
    if (!has) return rest.length === 0 && create ? { kind: 'object', entries: [...node.entries, [key, value]] } : node;
    return { kind: 'object', entries: node.entries.map(([k, v]) => [k, k === key ? setPath(v, rest, value, create, depth + 1) : v]) };
  }
  if (node.kind === 'array') {
    const at = arrayIndex(key, node.items.length);
    if (at === null) throw new SqlError('22P02', `path element at position ${depth} is not an integer: "${key}"`);
    if (at < 0 || at >= node.items.length) {
      if (rest.length > 0 || !create) return node;
      return { kind: 'array', items: at < 0 ? [value, ...node.items] : [...node.items, value] };
    }
    return { kind: 'array', items: node.items.map((v, i) => (i === at ? setPath(v, rest, value, create, depth + 1) : v)) };
  }
  return node;
}

// ---------------------------------------------------------------------------------------------
// jsonb subscripting: j['a'][0] reads as #> does; SET j['a'][0] = v writes

/** `j[k1][k2]…`: jsonb_get_element along the subscripts (as text), NULL where the path leads nowhere. */
export function jsonbSubscript(value: SqlValue, keys: readonly string[]): SqlValue {
  const node = path(parse(value, JB), keys);
  return node === null ? null : normalized(node);
}

/**
 * `SET j[k1][k2]… = v`: setPath with PostgreSQL's JB_PATH_CREATE, JB_PATH_FILL_GAPS and
 * JB_PATH_CONSISTENT_POSITION. A missing key is added; an index past an array's end pads it
 * with nulls; a container missing on the way is made (an array where the next subscript reads
 * as an integer, else an object); a scalar on the way cannot take a key. A NULL `value` starts
 * from an empty array when `expectArray` (the first subscript is an integer), else an empty object.
 */
export function jsonbAssignSubscripts(value: SqlValue, keys: readonly (string | null)[], expectArray: boolean, newValue: SqlValue): SqlValue {
  if (keys.some((key) => key === null)) throw new SqlError('22004', 'jsonb subscript in assignment must not be null');
  const source: Node = value === null ? (expectArray ? { kind: 'array', items: [] } : { kind: 'object', entries: [] }) : parse(value, JB);
  const replacement: Node = newValue === null ? { kind: 'literal', text: 'null' } : parse(newValue, JB);
  return normalized(assignPath(source, keys as string[], replacement, 0));
}

function assignPath(node: Node, keys: readonly string[], value: Node, level: number): Node {
  if (level === keys.length) return value;
  const key = keys[level]!;
  if (node.kind === 'object') {
    const at = node.entries.findIndex(([k]) => k === key);
    if (at < 0) return { kind: 'object', entries: [...node.entries, [key, buildPath(keys, level + 1, value)]] };
    return { kind: 'object', entries: node.entries.map(([k, v], i) => [k, i === at ? assignPath(v, keys, value, level + 1) : v]) };
  }
  if (node.kind === 'array') {
    if (!/^\s*-?\d+\s*$/.test(key)) throw new SqlError('22P02', `path element at position ${level + 1} is not an integer: "${key}"`);
    const index = Number(key);
    const at = index < 0 ? node.items.length + index : index;
    if (at < 0) throw new SqlError('22023', `path element at position ${level + 1} is out of range: ${index}`);
    if (at >= node.items.length) {
      return { kind: 'array', items: [...node.items, ...nulls(at - node.items.length), buildPath(keys, level + 1, value)] };
    }
    return { kind: 'array', items: node.items.map((v, i) => (i === at ? assignPath(v, keys, value, level + 1) : v)) };
  }
  throw new SqlError('22023', 'cannot replace existing key', { detail: 'The path assumes key is a composite object, but it is a scalar value.' });
}

/** What is made where the path goes on past what exists (push_path): containers by the next key's form, then the value. */
function buildPath(keys: readonly string[], level: number, value: Node): Node {
  if (level === keys.length) return value;
  const key = keys[level]!;
  const inner = buildPath(keys, level + 1, value);
  if (!/^-?\d+$/.test(key)) return { kind: 'object', entries: [[key, inner]] };
  return { kind: 'array', items: [...nulls(Math.max(0, Number(key))), inner] };
}

/**
 * The nulls that fill a gap. A gap of more than a million could not be stored in a row (2 MiB at
 * most) and would only exhaust memory first: refused as PostgreSQL refuses an oversized array.
 */
function nulls(count: number): Node[] {
  if (count > 1_000_000) throw new SqlError('54000', 'total size of jsonb array elements exceeds the maximum of 268435455 bytes');
  return Array.from({ length: count }, () => ({ kind: 'literal', text: 'null' }));
}

function stripNulls(node: Node): Node {
  if (node.kind === 'object') return { kind: 'object', entries: node.entries.filter(([, v]) => !(v.kind === 'literal' && v.text === 'null')).map(([k, v]) => [k, stripNulls(v)]) };
  if (node.kind === 'array') return { kind: 'array', items: node.items.map(stripNulls) };
  return node;
}

/** jsonb_pretty: four spaces per level, as PostgreSQL's JsonbToCStringIndent. */
function pretty(node: Node, level: number): string {
  const pad = (n: number) => '    '.repeat(n);
  if (node.kind === 'object') {
    if (node.entries.length === 0) return '{\n' + pad(level) + '}';
    return '{\n' + node.entries.map(([k, v]) => pad(level + 1) + quoteJsonString(k) + ': ' + pretty(v, level + 1)).join(',\n') + '\n' + pad(level) + '}';
  }
  if (node.kind === 'array') {
    if (node.items.length === 0) return '[\n' + pad(level) + ']';
    return '[\n' + node.items.map((v) => pad(level + 1) + pretty(v, level + 1)).join(',\n') + '\n' + pad(level) + ']';
  }
  return formatJsonb(node);
}

function typeOf(node: Node): string {
  switch (node.kind) {
    case 'literal': return node.text === 'null' ? 'null' : 'boolean';
    default: return node.kind;
  }
}

// ---------------------------------------------------------------------------------------------
// to_json

const NUMBER_TYPES = new Set<number>([TypeOid.int2, TypeOid.int4, TypeOid.int8, TypeOid.float4, TypeOid.float8, TypeOid.numeric, TypeOid.oid]);

/** A value as json, as PostgreSQL's to_json (datum_to_json) writes it, with the output functions of `style`. */
export function toJson(oid: number, value: SqlValue, style?: OutputStyle): string {
  if (value === null) return 'null';
  // A row value is an object of its fields by name (row_to_json), nested rows too.
  if (value instanceof RecordValue) return '{' + value.values.map((v, i) => quoteJsonString(value.fields[i]!.name) + ':' + toJson(value.fields[i]!.oid, v, style)).join(',') + '}';
  if (oid === TypeOid.bool) return value ? 'true' : 'false';
  if (oid === J || oid === JB) return String(value);
  const elementOid = typeByOid(oid)?.element ?? 0;
  const styled = elementOid === 0 && !isDefaultStyle(style) && isStyledType(oid);
  const text = styled ? styledOutput(oid, style)(value) : formatTextValue(oid, value) ?? '';
  if (NUMBER_TYPES.has(oid)) return /^-?\d/.test(text) ? text : quoteJsonString(text);
  if (elementOid !== 0) return '[' + arrayElements(text, requireType(elementOid)).map((e) => toJson(elementOid, e, style)).join(',') + ']';
  if (oid === TypeOid.timestamp || oid === TypeOid.timestamptz) {
    // JSON dates are ISO 8601: a T between date and time, the offset as ±hh:mm.
    if (/infinity/.test(text)) return quoteJsonString(text);
    let iso = text.replace(' ', 'T');
    if (oid === TypeOid.timestamptz) iso = iso.replace(/([+-]\d\d)$/, '$1:00').replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
    return quoteJsonString(iso);
  }
  return quoteJsonString(text);
}

const argType = (oid: number) => (oid === TypeOid.unknown ? T : oid);

// ---------------------------------------------------------------------------------------------
// Registration (functions.ts and operators.ts call these with their registries)

type Impl = (args: SqlValue[], ctx: { readonly outputStyle?: OutputStyle }) => SqlValue;
export type DefineFunction = (name: string, args: number[], result: number, impl: Impl, options?: { strict?: boolean }) => void;
export type DefinePolymorphic = (name: string, resolve: (argTypes: readonly number[]) => { args: number[]; result: number; strict: boolean; fn: Impl } | null) => void;
export type DefineOperator = (name: string, left: number, right: number, result: number, impl: (a: SqlValue, b: SqlValue) => SqlValue) => void;

/**
 * The json operators and the functions PostgreSQL implements them with (jsonb_contains for @>,
 * json_object_field for ->, …), which are callable by name too: one implementation for both.
 */
interface JsonOperator {
  readonly operator: string;
  /** The function's name, or null where PostgreSQL's has another shape (#>: the variadic json_extract_path). */
  readonly functionName: string | null;
  readonly left: number;
  readonly right: number;
  readonly result: number;
  readonly impl: (a: SqlValue, b: SqlValue) => SqlValue;
}

function jsonOperators(): JsonOperator[] {
  const list: JsonOperator[] = [];
  const add = (operator: string, functionName: string | null, left: number, right: number, result: number, impl: JsonOperator['impl']) =>
    list.push({ operator, functionName, left, right, result, impl });
  for (const oid of [J, JB]) {
    const prefix = oid === J ? 'json' : 'jsonb';
    add('->', `${prefix}_object_field`, oid, T, oid, (a, b) => { const n = field(parse(a, oid), b as string); return n === null ? null : render(n, a as string, oid); });
    // jsonb keeps a scalar as a one-element array: -> 0 (or -1) of it is the scalar.
    const at = (node: Node, index: number) => (oid === JB && isScalar(node) && (index === 0 || index === -1) ? node : element(node, index));
    add('->', `${prefix}_array_element`, oid, TypeOid.int4, oid, (a, b) => { const n = at(parse(a, oid), b as number); return n === null ? null : render(n, a as string, oid); });
    add('->>', `${prefix}_object_field_text`, oid, T, T, (a, b) => asText(field(parse(a, oid), b as string), a as string, oid));
    add('->>', `${prefix}_array_element_text`, oid, TypeOid.int4, T, (a, b) => asText(at(parse(a, oid), b as number), a as string, oid));
    add('#>', null, oid, TA, oid, (a, b) => { const n = path(parse(a, oid), textArray(b)); return n === null ? null : render(n, a as string, oid); });
    add('#>>', null, oid, TA, T, (a, b) => asText(path(parse(a, oid), textArray(b)), a as string, oid));
  }
  const jb = (v: SqlValue) => parse(v, JB);
  add('@>', 'jsonb_contains', JB, JB, TypeOid.bool, (a, b) => topContains(jb(a), jb(b)));
  add('<@', 'jsonb_contained', JB, JB, TypeOid.bool, (a, b) => topContains(jb(b), jb(a)));
  add('?', 'jsonb_exists', JB, T, TypeOid.bool, (a, b) => exists(jb(a), b as string));
  add('?|', 'jsonb_exists_any', JB, TA, TypeOid.bool, (a, b) => textArray(b).some((k) => k !== null && exists(jb(a), k)));
  add('?&', 'jsonb_exists_all', JB, TA, TypeOid.bool, (a, b) => textArray(b).every((k) => k !== null && exists(jb(a), k)));
  add('||', 'jsonb_concat', JB, JB, JB, (a, b) => normalized(concat(jb(a), jb(b))));
  // @? and @@: jsonb_path_exists and jsonb_path_match with silent true.
  add('@?', 'jsonb_path_exists_opr', JB, TypeOid.jsonpath, TypeOid.bool, (a, b) => pathExists([a, b, '{}', true]));
  add('@@', 'jsonb_path_match_opr', JB, TypeOid.jsonpath, TypeOid.bool, (a, b) => matchPath([a, b, '{}', true], true));
  add('-', 'jsonb_delete', JB, T, JB, (a, b) => normalized(deleteKey(jb(a), b as string)));
  add('-', 'jsonb_delete', JB, TypeOid.int4, JB, (a, b) => normalized(deleteIndex(jb(a), b as number)));
  add('-', 'jsonb_delete', JB, TA, JB, (a, b) => {
    let node = jb(a);
    if (isScalar(node)) throw new SqlError('22023', 'cannot delete from scalar');
    for (const key of textArray(b)) if (key !== null) node = deleteKey(node, key);
    return normalized(node);
  });
  add('#-', 'jsonb_delete_path', JB, TA, JB, deletePathOf);
  return list;
}

export function defineJsonOperators(op: DefineOperator): void {
  for (const o of jsonOperators()) op(o.operator, o.left, o.right, o.result, o.impl);
}

/**
 * The operators' functions by name. jsonb_delete(jsonb, VARIADIC text[]) is left out: PostgreSQL's
 * takes its keys spread (`jsonb_delete(j, 'a', 'b')`), never one array argument without VARIADIC.
 */
function defineOperatorFunctions(fn: DefineFunction): void {
  for (const o of jsonOperators()) {
    if (o.functionName !== null && !(o.functionName === 'jsonb_delete' && o.right === TA)) fn(o.functionName, [o.left, o.right], o.result, (a) => o.impl(a[0]!, a[1]!));
  }
}

export function defineJsonFunctions(fn: DefineFunction, polymorphic: DefinePolymorphic): void {
  defineOperatorFunctions(fn);
  for (const oid of [J, JB]) {
    const prefix = oid === J ? 'json' : 'jsonb';
    fn(`${prefix}_typeof`, [oid], T, (a) => typeOf(parse(a[0]!, oid)));
    fn(`${prefix}_array_length`, [oid], TypeOid.int4, (a) => {
      const node = parse(a[0]!, oid);
      if (node.kind !== 'array') throw new SqlError('22023', node.kind === 'object' ? 'cannot get array length of a non-array' : 'cannot get array length of a scalar');
      return node.items.length;
    });
    fn(`${prefix}_strip_nulls`, [oid], oid, (a) => { const node = stripNulls(parse(a[0]!, oid)); return oid === JB ? normalized(node) : compact(node); });
    for (const [name, text] of [[`${prefix}_extract_path`, false], [`${prefix}_extract_path_text`, true]] as const) {
      polymorphic(name, (types) => {
        if (types.length < 2 || (types[0] !== oid && types[0] !== TypeOid.unknown)) return null;
        if (!types.slice(1).every((t) => t === T || t === TypeOid.unknown || t === TypeOid.varchar)) return null;
        return {
          args: [oid, ...types.slice(1).map(() => T)], result: text ? T : oid, strict: false,
          fn: (values) => {
            if (values[0] === null) return null;
            const node = path(parse(values[0], oid), values.slice(1) as (string | null)[]);
            if (text) return asText(node, values[0] as string, oid);
            return node === null ? null : render(node, values[0] as string, oid);
          },
        };
      });
    }
    polymorphic(`to_${prefix}`, (types) => {
      if (types.length !== 1) return null;
      const type = argType(types[0]!);
      return { args: [type], result: oid, strict: true, fn: (values, ctx) => (oid === JB ? parseJsonb(toJson(type, values[0]!, ctx.outputStyle)) : toJson(type, values[0]!, ctx.outputStyle)) };
    });
    polymorphic(`${prefix}_build_array`, (types) => {
      const declared = types.map(argType);
      return {
        args: declared, result: oid, strict: false,
        fn: (values, ctx) => {
          const json = '[' + values.map((v, i) => toJson(declared[i]!, v, ctx.outputStyle)).join(', ') + ']';
          return oid === JB ? parseJsonb(json) : json;
        },
      };
    });
    polymorphic(`${prefix}_build_object`, (types) => {
      const declared = types.map(argType);
      return {
        args: declared, result: oid, strict: false,
        fn: (values, ctx) => {
          if (values.length % 2 !== 0) {
            throw new SqlError('22023', 'argument list must have even number of elements', { hint: `The arguments of ${prefix}_build_object() must consist of alternating keys and values.` });
          }
          const fields: string[] = [];
          for (let i = 0; i < values.length; i += 2) {
            if (values[i] === null) throw new SqlError('22023', `argument ${i + 1}: key must not be null`);
            const key = formatTextValue(declared[i]!, values[i]!) ?? '';
            fields.push(quoteJsonString(key) + ' : ' + toJson(declared[i + 1]!, values[i + 1]!, ctx.outputStyle));
          }
          const json = '{' + fields.join(', ') + '}';
          return oid === JB ? parseJsonb(json) : json;
        },
      };
    });
  }
  polymorphic('array_to_json', (types) => {
    if (types.length !== 1 || (typeByOid(types[0]!)?.element ?? 0) === 0) return null;
    return { args: [types[0]!], result: J, strict: true, fn: (values, ctx) => toJson(types[0]!, values[0]!, ctx.outputStyle) };
  });
  fn('jsonb_pretty', [JB], T, (a) => pretty(normalizeJsonb(parse(a[0]!, JB)), 0));
  fn('jsonb_set', [JB, TA, JB], JB, (a) => setJsonb(a[0]!, a[1]!, a[2]!, true));
  fn('jsonb_set', [JB, TA, JB, TypeOid.bool], JB, (a) => setJsonb(a[0]!, a[1]!, a[2]!, a[3] as boolean));
  for (const args of [[JB, TA, JB], [JB, TA, JB, TypeOid.bool], [JB, TA, JB, TypeOid.bool, T]]) {
    fn('jsonb_set_lax', args, JB, (a) => setJsonbLax(a), { strict: false });
  }
  for (const oid of [J, JB]) {
    const name = oid === J ? 'json_object' : 'jsonb_object';
    fn(name, [TA], oid, (a) => jsonObject(oid, pairsOf(textArray(a[0]!))));
    fn(name, [TA, TA], oid, (a) => {
      const keys = textArray(a[0]!);
      const values = textArray(a[1]!);
      if (keys.length !== values.length) throw new SqlError('2202E', 'mismatched array dimensions');
      return jsonObject(oid, keys.map((k, i) => [k, values[i]!]));
    });
  }
  definePathFunctions(fn);
  fn('jsonb_insert', [JB, TA, JB], JB, (a) => insertJsonb(a[0]!, a[1]!, a[2]!, false));
  fn('jsonb_insert', [JB, TA, JB, TypeOid.bool], JB, (a) => insertJsonb(a[0]!, a[1]!, a[2]!, a[3] as boolean));
}

/**
 * The jsonpath functions of one result (jsonb_path_query is set-returning: set-functions.ts),
 * each with the optional vars (default '{}') and silent (default false) arguments.
 */
function definePathFunctions(fn: DefineFunction): void {
  const JP = TypeOid.jsonpath;
  for (const extra of [[], [JB], [JB, TypeOid.bool]]) {
    const args = [JB, JP, ...extra];
    fn('jsonb_path_exists', args, TypeOid.bool, pathExists);
    fn('jsonb_path_match', args, TypeOid.bool, (a) => matchPath(a, a[3] === true));
    fn('jsonb_path_query_array', args, JB, (a) => normalized({ kind: 'array', items: queryPath(a).items }));
    fn('jsonb_path_query_first', args, JB, (a) => {
      const { items } = queryPath(a);
      return items.length === 0 ? null : normalized(items[0]!);
    });
  }
}

/** jsonb_path_*(target, path [, vars [, silent]]): the items (those before an error, when silent). */
export function queryPath(a: readonly SqlValue[], existsOnly = false): PathResult {
  const vars = a.length > 2 ? parse(a[2]!, JB) : null;
  return evaluateJsonPath(parseJsonPath(a[1] as string), parse(a[0]!, JB), vars, a[3] === true, existsOnly);
}

/** jsonb_path_exists and @?: whether the path finds anything (NULL when a silent call failed). */
function pathExists(a: readonly SqlValue[]): SqlValue {
  const { items, failed } = queryPath(a, true);
  return failed ? null : items.length > 0;
}

/** jsonb_path_match and @@: the single boolean the path yields (JSON null: NULL). */
function matchPath(a: readonly SqlValue[], silent: boolean): SqlValue {
  const found = queryPath(a).items;
  if (found.length === 1 && found[0]!.kind === 'literal') {
    const text = found[0]!.text;
    return text === 'null' ? null : text === 'true';
  }
  if (!silent) throw new SqlError('22038', 'single boolean result is expected');
  return null;
}

/** jsonb_insert: beside the array element the path names (after it with `after`), or a new key. */
function insertJsonb(target: SqlValue, pathValue: SqlValue, value: SqlValue, after: boolean): SqlValue {
  const node = parse(target, JB);
  if (isScalar(node)) throw new SqlError('22023', 'cannot set path in scalar');
  const keys = textArray(pathValue);
  const nullAt = keys.indexOf(null);
  if (nullAt >= 0) throw new SqlError('22004', `path element at position ${nullAt + 1} is null`);
  return normalized(insertPath(node, keys as string[], parse(value, JB), after));
}

/**
 * setPath's insert mode (jsonfuncs.c setPathObject/setPathArray with JB_PATH_INSERT_BEFORE or
 * _AFTER): an existing key is an error; an array index out of range inserts at the start or end.
 */
function insertPath(node: Node, keys: readonly string[], value: Node, after: boolean, depth = 1): Node {
  if (keys.length === 0) return node;
  const [key, ...rest] = keys as [string, ...string[]];
  if (node.kind === 'object') {
    const has = node.entries.some(([k]) => k === key);
    if (rest.length === 0) {
      if (has) throw new SqlError('22023', 'cannot replace existing key', { hint: 'Try using the function jsonb_set to replace key value.' });
      return { kind: 'object', entries: [...node.entries, [key, value]] };
    }
    return has ? { kind: 'object', entries: node.entries.map(([k, v]) => [k, k === key ? insertPath(v, rest, value, after, depth + 1) : v]) } : node;
  }
  if (node.kind === 'array') {
    if (!/^\s*-?\d+\s*$/.test(key)) throw new SqlError('22P02', `path element at position ${depth} is not an integer: "${key}"`);
    const n = node.items.length;
    let at = Number(key);
    if (at < 0) at = -at > n ? -Infinity : n + at;
    if (rest.length > 0) {
      return at >= 0 && at < n ? { kind: 'array', items: node.items.map((v, i) => (i === at ? insertPath(v, rest, value, after, depth + 1) : v)) } : node;
    }
    if (at === -Infinity || n === 0) return { kind: 'array', items: [value, ...node.items] };
    if (at >= n) return { kind: 'array', items: [...node.items, value] };
    const position = after ? at + 1 : at;
    return { kind: 'array', items: [...node.items.slice(0, position), value, ...node.items.slice(position)] };
  }
  return node;
}

/** json_object(text[]): alternating keys and values. (A two-dimensional form is refused where arrays are read.) */
function pairsOf(items: readonly (string | null)[]): [string | null, string | null][] {
  if (items.length % 2 !== 0) throw new SqlError('2202E', 'array must have even number of elements');
  const pairs: [string | null, string | null][] = [];
  for (let i = 0; i < items.length; i += 2) pairs.push([items[i]!, items[i + 1]!]);
  return pairs;
}

/** json_object/jsonb_object: string values (NULL as null), written as json_object writes them. */
function jsonObject(oid: number, pairs: readonly [string | null, string | null][]): string {
  const fields = pairs.map(([k, v]) => {
    if (k === null) throw new SqlError('22004', 'null value not allowed for object key');
    return quoteJsonString(k) + ' : ' + (v === null ? 'null' : quoteJsonString(v));
  });
  const json = '{' + fields.join(', ') + '}';
  return oid === JB ? normalized(parse(json, JB)) : json;
}

/**
 * jsonb_set_lax(target, path, value [, create_if_missing [, null_value_treatment]]): jsonb_set,
 * but an SQL NULL value does what the treatment says (use_json_null by default).
 */
function setJsonbLax(a: readonly SqlValue[]): SqlValue {
  const treatment = a.length > 4 ? a[4] : 'use_json_null';
  const treatments = ['delete_key', 'return_target', 'use_json_null', 'raise_exception'];
  if (typeof treatment !== 'string' || !treatments.includes(treatment)) {
    throw new SqlError('22023', 'null_value_treatment must be "delete_key", "return_target", "use_json_null", or "raise_exception"');
  }
  if (a[0] === null || a[1] === null) return null;
  const create = a.length > 3 ? a[3] : true;
  if (a[2] !== null) return create === null ? null : setJsonb(a[0], a[1], a[2], create as boolean);
  switch (treatment) {
    case 'raise_exception': throw new SqlError('22004', 'JSON value must not be null', { detail: 'Exception was raised because null_value_treatment is "raise_exception".', hint: 'To avoid, either change the null_value_treatment argument or ensure that an SQL NULL is not passed.' });
    case 'return_target': return a[0];
    case 'delete_key': return deletePathOf(a[0], a[1]);
    default: return create === null ? null : setJsonb(a[0], a[1], 'null', create as boolean);
  }
}

/** jsonb #- path. */
function deletePathOf(target: SqlValue, pathValue: SqlValue): SqlValue {
  const node = parse(target, JB);
  if (isScalar(node)) throw new SqlError('22023', 'cannot delete path in scalar');
  const keys = textArray(pathValue);
  if (keys.some((k) => k === null)) return null;
  // An empty container comes back as it is, whatever the path (jsonb_delete_path's first check).
  if ((node.kind === 'array' && node.items.length === 0) || (node.kind === 'object' && node.entries.length === 0)) return target;
  return normalized(deletePath(node, keys as string[]));
}

function setJsonb(target: SqlValue, pathValue: SqlValue, value: SqlValue, create: boolean): SqlValue {
  const node = parse(target, JB);
  if (isScalar(node)) throw new SqlError('22023', 'cannot set path in scalar');
  const keys = textArray(pathValue);
  if (keys.some((k) => k === null)) throw new SqlError('22004', 'path element at position 1 is null');
  return normalized(setPath(node, keys as string[], parse(value, JB), create));
}
