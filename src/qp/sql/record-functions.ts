import { SqlError } from '../../contracts/errors.js';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import type { ExecContext } from './compiled.js';
import type { SetFunction } from './set-functions.js';
import { formatJsonb, normalizeJsonb, parseJsonNode, type JsonNode } from '../types/json.js';
import { sessionZone } from '../types/output-style.js';
import { parseTextInZone } from '../types/zoned-datetime.js';
import * as types from './typesystem.js';

/**
 * Functions returning `record`, whose columns the query names in FROM with a column definition
 * list (`FROM jsonb_to_recordset($1) AS r(id int, name text)`): json(b)_to_record and
 * json(b)_to_recordset, which read each object's keys into the named columns as PostgreSQL's
 * populate_record does (jsonfuncs.c).
 */

/** A column of a definition list, its type resolved. */
export interface DefinedColumn {
  readonly name: string;
  readonly oid: number;
  readonly typmod: number;
}

const RECORD_FUNCTIONS = new Map<string, { readonly json: 'json' | 'jsonb'; readonly set: boolean; readonly populate?: true }>([
  ['json_to_record', { json: 'json', set: false }],
  ['json_to_recordset', { json: 'json', set: true }],
  ['jsonb_to_record', { json: 'jsonb', set: false }],
  ['jsonb_to_recordset', { json: 'jsonb', set: true }],
  // json(b)_populate_record[set](NULL::table, json): the table's columns instead of a definition list.
  ['json_populate_record', { json: 'json', set: false, populate: true }],
  ['json_populate_recordset', { json: 'json', set: true, populate: true }],
  ['jsonb_populate_record', { json: 'jsonb', set: false, populate: true }],
  ['jsonb_populate_recordset', { json: 'jsonb', set: true, populate: true }],
]);

/** Whether `name` is a function returning record (it needs a column definition list). */
export function returnsRecord(name: string): boolean {
  const fn = RECORD_FUNCTIONS.get(name.toLowerCase());
  return fn !== undefined && !fn.populate;
}

/** Whether `name` is json(b)_populate_record[set], whose first argument names a row type. */
export function populatesRecord(name: string): boolean {
  return RECORD_FUNCTIONS.get(name.toLowerCase())?.populate === true;
}

/**
 * `name(argument)` yielding rows of `columns`, or null when no such function takes an argument
 * of that type (an untyped literal is read as the function's json or jsonb).
 */
export function recordFunction(name: string, argOid: number, columns: readonly DefinedColumn[]): SetFunction | null {
  const fn = RECORD_FUNCTIONS.get(name.toLowerCase());
  if (fn === undefined) return null;
  const oid = fn.json === 'json' ? TypeOid.json : TypeOid.jsonb;
  if (argOid !== oid && argOid !== TypeOid.unknown) return null;
  const fnName = name.toLowerCase();
  return {
    // A NULL argument: one row of NULLs from _to_record, no rows from _to_recordset.
    name: fnName, args: [oid], strict: fn.set,
    columns: columns.map((c) => ({ name: c.name, oid: c.oid })),
    rows: (args, ctx) => {
      if (args[0] === null) return [columns.map(() => null)];
      const node = parseJsonNode(args[0] as string, fn.json);
      if (!fn.set) {
        if (node.kind !== 'object') throw new SqlError('22023', `cannot call populate_composite on ${node.kind === 'array' ? 'an array' : 'a scalar'}`);
        return [rowOf(node, args[0] as string, columns, fn.json, ctx)];
      }
      if (node.kind !== 'array') {
        const what = fn.json === 'jsonb' ? 'a non-array' : node.kind === 'object' ? 'an object' : 'a scalar';
        throw new SqlError('22023', `cannot call ${fnName} on ${what}`);
      }
      return node.items.map((item) => {
        if (item.kind !== 'object') throw new SqlError('22023', `argument of ${fnName} must be an array of objects`);
        return rowOf(item, args[0] as string, columns, fn.json, ctx);
      });
    },
  };
}

/** One object's values for the columns: a key's last value, NULL where it is missing or JSON null. */
function rowOf(object: Extract<JsonNode, { kind: 'object' }>, source: string, columns: readonly DefinedColumn[], json: 'json' | 'jsonb', ctx: ExecContext | undefined): SqlValue[] {
  const byKey = new Map<string, JsonNode>(object.entries);
  return columns.map((column) => {
    const node = byKey.get(column.name);
    return node === undefined ? null : valueOf(node, source, column.oid, column.typmod, json, ctx);
  });
}

/**
 * A JSON value as a column's type (populate_record_field): json and jsonb take the value itself;
 * a JSON array fills an array column element by element; a string's contents, or any other
 * value's JSON text, go through the type's input function (so '"abc"' into int fails as 'abc').
 */
function valueOf(node: JsonNode, source: string, oid: number, typmod: number, json: 'json' | 'jsonb', ctx: ExecContext | undefined): SqlValue {
  if (node.kind === 'literal' && node.text === 'null') return null;
  if (oid === TypeOid.jsonb) return formatJsonb(normalizeJsonb(node));
  // A json value keeps its text as written; from jsonb it is jsonb's text.
  const written = json === 'json' && node.span ? source.slice(node.span[0], node.span[1]) : formatJsonb(node);
  if (oid === TypeOid.json) return written;
  const element = types.arrayElementType(oid);
  if (element !== 0 && node.kind === 'array') {
    if (node.items.some((item) => item.kind === 'array')) throw new SqlError('0A000', 'multidimensional arrays are not supported');
    return types.arrayText(element, node.items.map((item) => valueOf(item, source, element, -1, json, ctx)));
  }
  const text = node.kind === 'string' ? node.value : written;
  // (Without a statement the zone is UTC, whose offset is the same on every date.)
  return parseTextInZone(oid, typmod, text, sessionZone(ctx), ctx?.statementTimestamp ?? 0);
}
