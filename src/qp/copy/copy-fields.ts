import { SqlError } from '../../contracts/errors.js';
import type { CopyFormat } from './copy-options.js';
import { invalidUtf8 } from '../types/strings.js';

/**
 * The fields of one COPY record (text or CSV) and the other way round, one row out as a line:
 * PostgreSQL 15's CopyReadAttributesText / CopyReadAttributesCSV and CopyAttributeOutText /
 * CopyAttributeOutCSV. A field is its de-escaped text, or null for the NULL string; a field
 * that only looked like NULL inside quotes (CSV) is not null.
 */

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The record's text; invalid UTF-8 is 22021 as PostgreSQL's input verification says it. */
export function decodeRecord(record: Uint8Array): string {
  try {
    return utf8.decode(record);
  } catch {
    throw invalidUtf8(record);
  }
}

const SIMPLE_ESCAPES: Record<string, number> = { b: 0x08, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b };
const isOctal = (c: string | undefined) => c !== undefined && c >= '0' && c <= '7';
const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/** Text format: fields split at the delimiter, backslash escapes decoded. */
export function textFields(line: string, format: CopyFormat): (string | null)[] {
  const delimiter = format.delimiter;
  if (!line.includes('\\')) return line.split(delimiter).map((f) => (f === format.nullString ? null : f));
  const fields: (string | null)[] = [];
  let i = 0;
  for (;;) {
    const start = i;
    let bytes: number[] | null = null; // set when an octal or hex escape made raw bytes
    let text = '';
    let found = false;
    while (i < line.length) {
      const c = line[i++]!;
      if (c === delimiter) { found = true; break; }
      if (c !== '\\') { text += c; continue; }
      if (i >= line.length) { text += '\\'; break; }
      const e = line[i++]!;
      if (isOctal(e)) {
        let value = e.charCodeAt(0) - 48;
        for (let k = 0; k < 2 && isOctal(line[i]); k++) value = value * 8 + line.charCodeAt(i++) - 48;
        bytes = flushText(bytes, text);
        text = '';
        bytes.push(value & 0xff);
      } else if (e === 'x' && isHex(line[i])) {
        let value = parseInt(line[i++]!, 16);
        if (isHex(line[i])) value = value * 16 + parseInt(line[i++]!, 16);
        bytes = flushText(bytes, text);
        text = '';
        bytes.push(value);
      } else {
        text += SIMPLE_ESCAPES[e] !== undefined ? String.fromCharCode(SIMPLE_ESCAPES[e]!) : e;
      }
    }
    const raw = line.slice(start, found ? i - 1 : i);
    if (raw === format.nullString) fields.push(null);
    else if (bytes === null) fields.push(text);
    else {
      const all = Uint8Array.from(flushText(bytes, text));
      if (all.includes(0)) throw new SqlError('22021', 'invalid byte sequence for encoding "UTF8": 0x00');
      fields.push(decodeRecord(all));
    }
    if (!found) return fields;
  }
}

function flushText(bytes: number[] | null, text: string): number[] {
  const out = bytes ?? [];
  if (text !== '') for (const b of Buffer.from(text, 'utf8')) out.push(b);
  return out;
}

/** CSV: a field is null only when it is the unquoted NULL string. */
export function csvFields(line: string, format: CopyFormat): { values: (string | null)[]; quoted: boolean[] } {
  const { delimiter, quote } = format;
  const escape = format.escape;
  const values: (string | null)[] = [];
  const quoted: boolean[] = [];
  let i = 0;
  for (;;) {
    const start = i;
    let value = '';
    let sawQuote = false;
    let found = false;
    let end = i;
    scan: for (;;) {
      // outside quotes
      for (;;) {
        end = i;
        if (i >= line.length) break scan;
        const c = line[i++]!;
        if (c === delimiter) { found = true; break scan; }
        if (c === quote) { sawQuote = true; break; }
        value += c;
      }
      // inside quotes
      for (;;) {
        if (i >= line.length) throw new SqlError('22P04', 'unterminated CSV quoted field');
        const c = line[i++]!;
        if (c === escape && i < line.length && (line[i] === escape || line[i] === quote)) {
          value += line[i++];
          continue;
        }
        if (c === quote) break;
        value += c;
      }
    }
    const raw = line.slice(start, end);
    values.push(!sawQuote && raw === format.nullString ? null : value);
    quoted.push(sawQuote);
    if (!found) return { values, quoted };
  }
}

/** One row out in text format (values already in their text form), with its line end. */
export function textLine(values: readonly (string | null)[], format: CopyFormat): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += format.delimiter;
    const v = values[i]!;
    line += v === null ? format.nullString : escapeText(v, format.delimiter);
  }
  return line + '\n';
}

const TEXT_ESCAPES: Record<string, string> = { '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };

function escapeText(value: string, delimiter: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    const escaped = TEXT_ESCAPES[c] ?? (c === delimiter ? '\\' + c : undefined);
    if (escaped === undefined) continue;
    out += value.slice(from, i) + escaped;
    from = i + 1;
  }
  return from === 0 ? value : out + value.slice(from);
}

/** One row out in CSV; `force` marks the FORCE_QUOTE columns. */
export function csvLine(values: readonly (string | null)[], force: readonly boolean[], format: CopyFormat): string {
  let line = '';
  const single = values.length === 1;
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += format.delimiter;
    const v = values[i]!;
    line += v === null ? format.nullString : quoteCsv(v, force[i] ?? false, single, format);
  }
  return line + '\n';
}

function quoteCsv(value: string, force: boolean, single: boolean, format: CopyFormat): string {
  const { delimiter, quote, escape } = format;
  let needsQuote = force || value === format.nullString || (single && value === '\\.');
  if (!needsQuote) {
    for (let i = 0; i < value.length; i++) {
      const c = value[i]!;
      if (c === delimiter || c === quote || c === '\n' || c === '\r') { needsQuote = true; break; }
    }
  }
  if (!needsQuote) return value;
  let out = quote;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === quote || c === escape) out += escape;
    out += c;
  }
  return out + quote;
}
