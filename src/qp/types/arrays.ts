import { SqlError } from '../../contracts/errors.js';
import type { SqlValue } from '../../contracts/sql-value.js';
import { decodeUtf8 } from './strings.js';

/**
 * One-dimensional arrays, held in memory as their text form. Enough for catalog columns
 * (oid[], text[]) and array results; no multi-dimensional arrays or explicit bounds.
 */
interface ElementType {
  readonly oid: number;
  readonly name: string;
  parseText(text: string, typmod: number): SqlValue;
  formatText(value: SqlValue): string;
  parseBinary(bytes: Uint8Array, typmod: number): SqlValue;
  formatBinary(value: SqlValue): Uint8Array;
}

/** Bound on elements, as PostgreSQL bounds array size (MaxArraySize is far larger; ours is a message bound). */
export const MAX_ELEMENTS = 1_000_000;

function malformed(text: string, detail: string): SqlError {
  return new SqlError('22P02', `malformed array literal: "${text}"`, { detail });
}

/** Quotes an element as array_out does. */
export function quoteArrayElement(s: string): string {
  if (s === '' || /^null$/i.test(s) || /[{}",\\\s]/.test(s)) return '"' + s.replace(/[\\"]/g, '\\$&') + '"';
  return s;
}

export function formatArray(elements: readonly SqlValue[], elementType: ElementType): string {
  return '{' + elements.map((v) => (v === null ? 'NULL' : quoteArrayElement(elementType.formatText(v)))).join(',') + '}';
}

/** Splits `{a,"b c",NULL}` into raw element strings (null for NULL). */
export function splitArrayText(text: string): Array<string | null> {
  let t = text.trim();
  // Dimension information: `[1:3]={…}` is the array Strata holds; other bounds, or more
  // dimensions, it cannot hold (refused rather than read as something else).
  const dims = /^\[\s*(-?\d+)\s*:\s*(-?\d+)\s*\]\s*=\s*/.exec(t);
  if (dims) {
    if (Number(dims[2]) < Number(dims[1])) throw new SqlError('2202E', 'upper bound cannot be less than lower bound');
    if (dims[1] !== '1') throw new SqlError('0A000', 'arrays with a lower bound other than 1 are not supported yet');
    t = t.slice(dims[0].length);
    const count = splitArrayText(t).length;
    if (count !== Number(dims[2])) throw malformed(text, 'Specified array dimensions do not match array contents.');
  } else if (t.startsWith('[')) throw new SqlError('0A000', 'multidimensional arrays are not supported yet');
  if (!t.startsWith('{')) throw malformed(text, 'Array value must start with "{" or dimension information.');
  if (!t.endsWith('}')) throw malformed(text, 'Unexpected end of input.');
  const body = t.slice(1, -1);
  const out: Array<string | null> = [];
  if (body.trim() === '') return out;
  let i = 0;
  for (;;) {
    while (body[i] === ' ') i++;
    let value = '';
    let quoted = false;
    if (body[i] === '"') {
      quoted = true;
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\') i++;
        value += body[i] ?? '';
        i++;
      }
      if (i >= body.length) throw malformed(text, 'Unexpected end of input.');
      i++;
    } else {
      if (body[i] === '{' && out.length === 0) throw new SqlError('0A000', 'multidimensional arrays are not supported yet');
      while (i < body.length && body[i] !== ',') {
        if (body[i] === '{' || body[i] === '}' || body[i] === '"') throw malformed(text, `Unexpected "${body[i]}" character.`);
        if (body[i] === '\\') i++;
        value += body[i] ?? '';
        i++;
      }
      value = value.trim();
      if (value === '') throw malformed(text, 'Unexpected "," character.');
    }
    while (body[i] === ' ') i++;
    out.push(!quoted && /^null$/i.test(value) ? null : value);
    if (out.length > MAX_ELEMENTS) throw new SqlError('54000', 'array size exceeds the maximum allowed');
    if (i >= body.length) return out;
    if (body[i] !== ',') throw malformed(text, `Unexpected "${body[i]}" character.`);
    i++;
  }
}

export function parseArrayText(text: string, elementType: ElementType): { text: string; elements: SqlValue[] } {
  const elements = splitArrayText(text).map((e) => (e === null ? null : elementType.parseText(e, -1)));
  return { text: formatArray(elements, elementType), elements };
}

export function arrayElements(text: string, elementType: ElementType): SqlValue[] {
  return parseArrayText(text, elementType).elements;
}

/** array_send: ndim, has-nulls flag, element oid, (size, lower bound) per dimension, then elements. */
export function arrayToBinary(text: string, elementType: ElementType): Uint8Array {
  const elements = arrayElements(text, elementType);
  const encoded = elements.map((e) => (e === null ? null : elementType.formatBinary(e)));
  const size = (elements.length ? 20 : 12) + encoded.reduce((n, e) => n + 4 + (e ? e.length : 0), 0);
  const out = new Uint8Array(size);
  const d = new DataView(out.buffer);
  d.setInt32(0, elements.length ? 1 : 0);
  d.setInt32(4, encoded.some((e) => e === null) ? 1 : 0);
  d.setInt32(8, elementType.oid);
  let at = 12;
  if (elements.length) { d.setInt32(12, elements.length); d.setInt32(16, 1); at = 20; }
  for (const e of encoded) {
    d.setInt32(at, e ? e.length : -1);
    at += 4;
    if (e) { out.set(e, at); at += e.length; }
  }
  return out;
}

export function arrayFromBinary(bytes: Uint8Array, elementType: ElementType): string {
  const d = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12) throw new SqlError('08P01', 'insufficient data left in message');
  const ndim = d.getInt32(0);
  if (ndim === 0) return '{}';
  if (ndim !== 1) throw new SqlError('0A000', 'multidimensional arrays are not supported');
  if (d.getInt32(8) !== elementType.oid) throw new SqlError('42804', 'wrong element type');
  const count = d.getInt32(12);
  if (count < 0 || count > MAX_ELEMENTS) throw new SqlError('54000', 'array size exceeds the maximum allowed');
  const elements: SqlValue[] = [];
  let at = 20;
  for (let i = 0; i < count; i++) {
    const n = d.getInt32(at);
    at += 4;
    if (n === -1) { elements.push(null); continue; }
    if (n < 0 || at + n > bytes.length) throw new SqlError('08P01', 'insufficient data left in message');
    elements.push(elementType.parseBinary(bytes.subarray(at, at + n), -1));
    at += n;
  }
  return formatArray(elements, elementType);
}

export { decodeUtf8 };
