import { SqlError } from '../../contracts/errors.js';
import { RecordValue, TypeOid, type SqlValue } from '../../contracts/sql-value.js';
import { comparator as scalarComparator, type Comparator } from './compare.js';
import { toJson } from './json-functions.js';
import { parseJsonb } from './json.js';
import type { OutputStyle } from './output-style.js';
import { arrayFromBinary, arrayToBinary, parseArrayText } from './arrays.js';
import { define, formatType, requireType } from './registry.js';

/**
 * Row values (the `record` type, OID 2249): PostgreSQL's record_out text form, record_send
 * binary form, record_cmp ordering and row_to_json. A RecordValue carries its fields' types, so
 * everything here works from the value alone, whatever the expression's static type says.
 */

/** record_out: `(1,"a b",)` — NULL is nothing, a field is quoted when empty or holding `"\(),` or white space. */
export function formatRecord(record: RecordValue, fieldText: (oid: number, value: SqlValue) => string = plainText): string {
  let out = '(';
  for (let i = 0; i < record.values.length; i++) {
    if (i > 0) out += ',';
    const value = record.values[i]!;
    if (value === null) continue;
    out += quoteField(fieldText(record.fields[i]!.oid, value));
  }
  return out + ')';
}

const plainText = (oid: number, value: SqlValue): string => requireType(oid).formatText(value);

const NEEDS_QUOTES = /["\\(),\s]/;

function quoteField(text: string): string {
  if (text !== '' && !NEEDS_QUOTES.test(text)) return text;
  return '"' + text.replace(/["\\]/g, (c) => c + c) + '"';
}

/** record_send: the field count, then each field's type OID, length (-1 for NULL) and binary value. */
function sendRecord(record: RecordValue): Uint8Array {
  const parts = record.values.map((v, i) => (v === null ? null : requireType(record.fields[i]!.oid).formatBinary(v)));
  const size = 4 + parts.reduce((n, p) => n + 8 + (p ? p.length : 0), 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setInt32(0, parts.length);
  let at = 4;
  parts.forEach((p, i) => {
    view.setUint32(at, record.fields[i]!.oid);
    view.setInt32(at + 4, p ? p.length : -1);
    at += 8;
    if (p) { out.set(p, at); at += p.length; }
  });
  return out;
}

define({
  oid: TypeOid.record, typname: 'record', name: 'record', length: -1, category: 'P', array: 2287,
  // PostgreSQL cannot read an anonymous record either: its input function needs a row type.
  parseText: () => { throw new SqlError('0A000', 'input of anonymous composite types is not implemented'); },
  formatText: (v) => formatRecord(v as RecordValue),
  parseBinary: () => { throw new SqlError('0A000', 'input of anonymous composite types is not implemented'); },
  formatBinary: (v) => sendRecord(v as RecordValue),
});

// void: what a function that returns nothing (pg_sleep) returns; it prints as an empty string.
define({
  oid: TypeOid.void, typname: 'void', name: 'void', length: 4, category: 'P', array: 0,
  parseText: () => '',
  formatText: () => '',
  parseBinary: () => '',
  formatBinary: () => new Uint8Array(0),
});

// record[]: held as its text, like every array here. Its elements cannot be read back (record
// input is 0A000), so subscripts, unnest and binary output of it are 0A000 too; text output works.
define({
  oid: 2287, typname: '_record', name: 'record[]', length: -1, category: 'P', array: 0, element: TypeOid.record,
  parseText: (t) => parseArrayText(t, requireType(TypeOid.record)).text, formatText: (v) => v as string,
  parseBinary: (b) => arrayFromBinary(b, requireType(TypeOid.record)),
  formatBinary: (v) => arrayToBinary(v as string, requireType(TypeOid.record)),
});

/** The ordering of a field type: records nest, everything else is the scalar comparator. */
function fieldComparator(oid: number): Comparator {
  return oid === TypeOid.record ? compareRecords : scalarComparator(oid);
}

/**
 * record_cmp: field by field, two NULLs equal and a NULL after every value (so that sorting,
 * DISTINCT and UNION have one order; `ROW(…) = ROW(…)` between row constructors is the SQL
 * three-valued comparison instead, done pair by pair where it is compiled). Fields must have
 * the same types, as PostgreSQL requires.
 */
export const compareRecords: Comparator = (a, b) => {
  const x = a as RecordValue;
  const y = b as RecordValue;
  const n = Math.min(x.values.length, y.values.length);
  for (let i = 0; i < n; i++) {
    const xo = x.fields[i]!.oid;
    const yo = y.fields[i]!.oid;
    if (xo !== yo) throw new SqlError('42804', `cannot compare dissimilar column types ${formatType(xo, -1)} and ${formatType(yo, -1)} at record column ${i + 1}`);
    // An untyped literal's field ('a' in ROW(1, 'a')) has no comparison in PostgreSQL either.
    if (xo === TypeOid.unknown) throw new SqlError('42883', 'could not identify a comparison function for type unknown');
    const u = x.values[i]!;
    const v = y.values[i]!;
    if (u === null || v === null) {
      if (u === null && v === null) continue;
      return u === null ? 1 : -1;
    }
    const c = fieldComparator(xo)(u, v);
    if (c !== 0) return c;
  }
  if (x.values.length !== y.values.length) throw new SqlError('42804', 'cannot compare record types with different numbers of columns');
  return 0;
};

/** row_to_json / to_json of a record: an object of its fields by name, `{"f1":1,"f2":"a"}` (json-functions.ts writes it). */
export function recordJson(record: RecordValue, style?: OutputStyle): string {
  return toJson(TypeOid.record, record, style);
}

/** to_jsonb of a record: the same object, normalized as jsonb is. */
export function recordJsonb(record: RecordValue, style?: OutputStyle): string {
  return parseJsonb(recordJson(record, style));
}

