import { SqlError } from '../../contracts/errors.js';
import { TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import { castFunction } from './casts.js';
import { requireType } from './registry.js';
import * as sc from './scalars.js';
import { charLength } from './strings.js';

/**
 * format(), quote_ident, quote_literal and quote_nullable, as varlena.c and quote.c have them.
 * Arguments of format() print through their type's output function (a boolean is `t`, a
 * char(n) keeps its padding), like concat().
 */

/**
 * Keywords that quote_ident quotes: every keyword whose category is not "unreserved"
 * (`select word from pg_get_keywords() where catcode <> 'U'` on PostgreSQL 15).
 */
const QUOTED_KEYWORDS = new Set(`all analyse analyze and any array as asc asymmetric authorization between bigint binary bit
  boolean both case cast char character check coalesce collate collation column concurrently constraint create cross
  current_catalog current_date current_role current_schema current_time current_timestamp current_user dec decimal default
  deferrable desc distinct do else end except exists extract false fetch float for foreign freeze from full grant greatest
  group grouping having ilike in initially inner inout int integer intersect interval into is isnull join lateral leading
  least left like limit localtime localtimestamp national natural nchar none normalize not notnull null nullif numeric
  offset on only or order out outer overlaps overlay placing position precision primary real references returning right row
  select session_user setof similar smallint some substring symmetric table tablesample then time timestamp to trailing treat
  trim true union unique user using values varchar variadic verbose when where window with xmlattributes xmlconcat
  xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable`.split(/\s+/));

/** quote_identifier: quoted unless all lower-case letters, digits and underscores (not first a digit) and no keyword. */
export function quoteIdentifier(name: string): string {
  if (/^[a-z_][a-z0-9_]*$/.test(name) && !QUOTED_KEYWORDS.has(name)) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

/** quote_literal: single quotes doubled; a backslash makes it an E'' string with backslashes doubled. */
export function quoteLiteral(text: string): string {
  const body = text.replace(/'/g, "''");
  return text.includes('\\') ? `E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}

/** The type's output function (what an argument of type "any" prints as). */
export function outputFunction(oid: number): (v: SqlValue) => string {
  const t = requireType(oid === TypeOid.unknown ? TypeOid.text : oid);
  return (v) => t.formatText(v);
}

function formatError(message: string, hint = true): SqlError {
  return new SqlError('22023', message, hint ? { hint: 'For a single "%" use "%%".' } : {});
}

const tooFewArguments = (): SqlError => formatError('too few arguments for format()', false);

interface Spec { argPosition: number; widthPosition: number; leftAlign: boolean; width: number; end: number }

/** Reads a run of digits at `at`; the caller's pointer must not run off the end (unterminated). */
function readDigits(chars: readonly string[], at: number): { value: number; end: number } | null {
  let k = at;
  let value = 0;
  while (k < chars.length && chars[k]! >= '0' && chars[k]! <= '9') {
    value = value * 10 + (chars[k]!.charCodeAt(0) - 48);
    if (value > 2147483647) throw new SqlError('22003', 'number is out of range');
    k++;
  }
  if (k === at) return null;
  if (k >= chars.length) throw formatError('unterminated format() type specifier');
  return { value, end: k };
}

function advance(chars: readonly string[], k: number): number {
  if (k + 1 >= chars.length) throw formatError('unterminated format() type specifier');
  return k + 1;
}

/** Parses what follows `%` up to the conversion character, as text_format_parse_format does. */
function parseSpec(chars: readonly string[], start: number): Spec {
  const spec: Spec = { argPosition: -1, widthPosition: -1, leftAlign: false, width: 0, end: start };
  let k = start;
  const first = readDigits(chars, k);
  if (first) {
    k = first.end;
    if (chars[k] !== '$') return { ...spec, width: first.value, end: k };
    if (first.value === 0) throw formatError('format specifies argument 0, but arguments are numbered from 1', false);
    spec.argPosition = first.value;
    k = advance(chars, k);
  }
  while (chars[k] === '-') { spec.leftAlign = true; k = advance(chars, k); }
  if (chars[k] === '*') {
    k = advance(chars, k);
    const position = readDigits(chars, k);
    if (position) {
      k = position.end;
      if (chars[k] !== '$') throw formatError('width argument position must be ended by "$"', false);
      if (position.value === 0) throw formatError('format specifies argument 0, but arguments are numbered from 1', false);
      spec.widthPosition = position.value;
      k = advance(chars, k);
    } else {
      spec.widthPosition = 0;
    }
  } else {
    const width = readDigits(chars, k);
    if (width) { spec.width = width.value; k = width.end; }
  }
  spec.end = k;
  return spec;
}

function padded(text: string, width: number, leftAlign: boolean): string {
  if (width === 0) return text;
  const fill = width - charLength(text);
  if (fill <= 0) return text;
  if (width > 256 * 1024 * 1024) throw new SqlError('54000', 'requested length too large');
  return leftAlign ? text + ' '.repeat(fill) : ' '.repeat(fill) + text;
}

/**
 * format(formatstr, args...): `values[0]` is the format string, the rest the arguments with
 * their types in `types` (same indexes). NULL format string gives NULL.
 */
export function formatText(values: readonly SqlValue[], types: readonly number[], printers?: ReadonlyArray<(v: SqlValue) => string>): string | null {
  if (values[0] === null) return null;
  const chars = Array.from(values[0] as string);
  const outputs = printers ?? types.map((t) => outputFunction(t));
  const count = values.length;
  let out = '';
  let arg = 0;
  for (let k = 0; k < chars.length; k++) {
    const c = chars[k]!;
    if (c !== '%') { out += c; continue; }
    k = advance(chars, k);
    if (chars[k] === '%') { out += '%'; continue; }
    const spec = parseSpec(chars, k);
    k = spec.end;
    const conversion = chars[k]!;
    if (conversion !== 's' && conversion !== 'I' && conversion !== 'L') {
      throw formatError(`unrecognized format() type specifier "${conversion}"`);
    }
    let width = spec.width;
    let leftAlign = spec.leftAlign;
    if (spec.widthPosition >= 0) {
      arg = spec.widthPosition > 0 ? spec.widthPosition : arg + 1;
      if (arg >= count) throw tooFewArguments();
      const w = values[arg]!;
      if (w === null) width = 0;
      else if (types[arg] === TypeOid.int4 || types[arg] === TypeOid.int2) width = w as number;
      else width = sc.parseInt4(outputs[arg]!(w));
      if (width < 0) {
        if (width === -2147483648) throw new SqlError('22003', 'number is out of range');
        leftAlign = true;
        width = -width;
      }
    }
    arg = spec.argPosition > 0 ? spec.argPosition : arg + 1;
    if (arg >= count) throw tooFewArguments();
    const value = values[arg]!;
    let text: string;
    if (value === null) {
      if (conversion === 'I') throw new SqlError('22004', 'null values cannot be formatted as an SQL identifier');
      text = conversion === 'L' ? 'NULL' : '';
    } else {
      const printed = outputs[arg]!(value);
      text = conversion === 'I' ? quoteIdentifier(printed) : conversion === 'L' ? quoteLiteral(printed) : printed;
    }
    out += padded(text, width, leftAlign);
  }
  return out;
}

/** quote_literal / quote_nullable on a non-string argument: the argument cast to text first. */
export function textOfAny(oid: number): (v: SqlValue) => string {
  if (oid === TypeOid.unknown || oid === TypeOid.text) return (v) => v as string;
  const cast = castFunction(oid, TypeOid.text, -1, true);
  return (v) => cast(v) as string;
}
