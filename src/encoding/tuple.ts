/**
 * Row tuples: the compact binary value stored under a primary key (DESIGN.md §3).
 *
 * Layout (all integers little-endian):
 *
 *   byte 0        flags: bit 0 set = offsets are uint32, else uint16
 *   bytes 1..2    column count N (uint16)
 *   null bitmap   ceil(N / 8) bytes; bit (i & 7) of byte (i >> 3) set = column i is NULL
 *   offsets       N entries of 2 or 4 bytes: the end of column i's data, relative to the start
 *                 of the data area (column i spans [end(i-1), end(i)); a NULL column is empty)
 *   data          the columns' bytes, back to back:
 *     bool 1 byte (0/1) · int2 2 · int4, date 4 (±infinity = INT32_MAX/MIN) · oid 4 unsigned ·
 *     float4 4, float8 8 (IEEE) · int8, timestamp, timestamptz, time 8 (int64) ·
 *     uuid 16 bytes · interval int32 months, int32 days, int64 micros ·
 *     timetz int64 micros, int32 zone (seconds west) ·
 *     text, varchar, bpchar, name, char, json, jsonb: UTF-8 · bytea: raw ·
 *     numeric: kind byte (0 finite int64 coefficient, 1 finite decimal-text coefficient, 2 NaN,
 *       3 +Infinity, 4 -Infinity), then for finite values scale (uint16) and the coefficient ·
 *     any other type: a tag for the JS type of the value, then its payload (see writeGeneric;
 *       an InetValue is its family (4 or 6), its bits and its 4 or 16 address bytes)
 *
 * Reading one column is O(1): offsets are fixed width. A tuple with fewer columns than the
 * table now has (columns added later) reads NULL for the missing ones.
 */
import { assert } from '../contracts/errors.js';
import { InetValue, TimeTzValue, TypeOid, type IntervalValue, type NumericValue, type SqlValue } from '../contracts/sql-value.js';
import { allocateBytes, readInt64LE, utf8Slice, writeInt64LE, writeUtf8 } from './bytes.js';

const WIDE_OFFSETS = 1;
const HEADER = 3;
const MAX_COLUMNS = 0xffff;

const NUMERIC_INT64 = 0;
const NUMERIC_TEXT = 1;
const NUMERIC_NAN = 2;
const NUMERIC_POS_INF = 3;
const NUMERIC_NEG_INF = 4;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

const GENERIC_BOOL = 0;
const GENERIC_NUMBER = 1;
const GENERIC_BIGINT = 2;
const GENERIC_STRING = 3;
const GENERIC_BYTES = 4;
const GENERIC_NUMERIC = 5;
const GENERIC_INTERVAL = 6;
const GENERIC_TIMETZ = 7;
const GENERIC_INET = 8;

const NAN_NUMERIC: NumericValue = Object.freeze({ coefficient: 0n, scale: 0, special: 'NaN' });
const POS_INF_NUMERIC: NumericValue = Object.freeze({ coefficient: 0n, scale: 0, special: 'Infinity' });
const NEG_INF_NUMERIC: NumericValue = Object.freeze({ coefficient: 0n, scale: 0, special: '-Infinity' });

const HEX: string[] = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));

/** Growable scratch for the data area, shared by every encode (encoding is synchronous). */
let data = Buffer.allocUnsafe(4096);
let dataView = new DataView(data.buffer, data.byteOffset, data.byteLength);
let ends = new Uint32Array(64);
let position = 0;

function ensure(extra: number): void {
  const needed = position + extra;
  if (needed <= data.length) return;
  const grown = Buffer.allocUnsafe(Math.max(needed, data.length * 2));
  data.copy(grown, 0, 0, position);
  data = grown;
  dataView = new DataView(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Encodes a row; `values[i]` has SQL type `types[i]`. The result may share a pooled ArrayBuffer
 * with other results (see allocateBytes): use its bytes, not `.buffer`.
 */
export function encodeTuple(types: readonly number[], values: readonly SqlValue[]): Uint8Array {
  const count = types.length;
  assert(count <= MAX_COLUMNS, 'too many columns for a tuple');
  assert(values.length >= count, 'fewer values than column types');
  if (ends.length < count) ends = new Uint32Array(Math.max(count, ends.length * 2));
  position = 0;
  for (let i = 0; i < count; i++) {
    const value = values[i]!;
    if (value !== null) writeColumn(types[i]!, value);
    ends[i] = position;
  }
  const wide = position > 0xffff;
  const bitmapBytes = (count + 7) >> 3;
  const dataStart = HEADER + bitmapBytes + count * (wide ? 4 : 2);
  const out = allocateBytes(dataStart + position);
  for (let i = HEADER; i < HEADER + bitmapBytes; i++) out[i] = 0;
  out[0] = wide ? WIDE_OFFSETS : 0;
  out[1] = count & 0xff;
  out[2] = count >> 8;
  let p = HEADER + bitmapBytes;
  for (let i = 0; i < count; i++) {
    if (values[i] === null) out[HEADER + (i >> 3)] = out[HEADER + (i >> 3)]! | (1 << (i & 7));
    const end = ends[i]!;
    out[p] = end & 0xff;
    out[p + 1] = (end >> 8) & 0xff;
    if (wide) {
      out[p + 2] = (end >> 16) & 0xff;
      out[p + 3] = end >>> 24;
    }
    p += wide ? 4 : 2;
  }
  if (position <= 256) for (let i = 0; i < position; i++) out[dataStart + i] = data[i]!;
  else out.set(data.subarray(0, position), dataStart);
  return out;
}

function writeColumn(typeOid: number, value: Exclude<SqlValue, null>): void {
  switch (typeOid) {
    case TypeOid.bool: ensure(1); data[position++] = value ? 1 : 0; return;
    case TypeOid.int2: ensure(2); dataView.setInt16(position, Number(value), true); position += 2; return;
    case TypeOid.int4: ensure(4); dataView.setInt32(position, Number(value), true); position += 4; return;
    case TypeOid.oid: case TypeOid.regproc: case TypeOid.regclass: case TypeOid.regtype: case TypeOid.regnamespace: case TypeOid.regrole:
      ensure(4); dataView.setUint32(position, Number(value), true); position += 4; return;
    case TypeOid.date: ensure(4); dataView.setInt32(position, dateToInt32(value as number), true); position += 4; return;
    case TypeOid.float4: ensure(4); dataView.setFloat32(position, value as number, true); position += 4; return;
    case TypeOid.float8: ensure(8); dataView.setFloat64(position, value as number, true); position += 8; return;
    case TypeOid.int8: case TypeOid.timestamp: case TypeOid.timestamptz: case TypeOid.time: writeInt64(value as bigint); return;
    case TypeOid.numeric: writeNumeric(value as NumericValue); return;
    case TypeOid.text: case TypeOid.varchar: case TypeOid.bpchar: case TypeOid.name: case TypeOid.char:
    case TypeOid.json: case TypeOid.jsonb: case TypeOid.unknown: writeString(value as string); return;
    case TypeOid.bytea: writeBytes(value as Uint8Array); return;
    case TypeOid.uuid: writeUuid(value as string); return;
    case TypeOid.interval: writeInterval(value as IntervalValue); return;
    case TypeOid.timetz: writeTimeTz(value as TimeTzValue); return;
    default: writeGeneric(typeOid, value);
  }
}

function writeInt64(value: bigint | number): void {
  ensure(8);
  writeInt64LE(data, typeof value === 'bigint' ? value : BigInt(value), position);
  position += 8;
}

function writeString(s: string): void {
  ensure(s.length * 3);
  position += writeUtf8(data, s, position);
}

function writeBytes(bytes: Uint8Array): void {
  ensure(bytes.length);
  data.set(bytes, position);
  position += bytes.length;
}

function writeNumeric(n: NumericValue): void {
  ensure(11);
  if (n.special !== undefined) {
    data[position++] = n.special === 'NaN' ? NUMERIC_NAN : n.special === 'Infinity' ? NUMERIC_POS_INF : NUMERIC_NEG_INF;
    return;
  }
  const c = n.coefficient;
  const small = c >= INT64_MIN && c <= INT64_MAX;
  data[position++] = small ? NUMERIC_INT64 : NUMERIC_TEXT;
  dataView.setUint16(position, n.scale, true);
  position += 2;
  if (small) writeInt64(c);
  else writeString(c.toString());
}

function writeUuid(s: string): void {
  ensure(16);
  let hi = -1;
  let nibbles = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code === 45) continue;
    const v = code <= 57 ? code - 48 : (code | 0x20) - 87;
    assert(v >= 0 && v < 16, `invalid uuid in tuple: ${s}`);
    nibbles++;
    if (hi < 0) hi = v;
    else {
      data[position++] = (hi << 4) | v;
      hi = -1;
    }
  }
  assert(nibbles === 32, `invalid uuid in tuple: ${s}`);
}

function writeInterval(v: IntervalValue): void {
  ensure(16);
  dataView.setInt32(position, v.months, true);
  dataView.setInt32(position + 4, v.days, true);
  position += 8;
  writeInt64(v.micros);
}

function writeTimeTz(v: TimeTzValue): void {
  writeInt64(v.micros);
  ensure(4);
  dataView.setInt32(position, v.zone, true);
  position += 4;
}

/** Types without a fixed layout keep their JS representation, tagged. */
function writeGeneric(typeOid: number, value: Exclude<SqlValue, null>): void {
  ensure(1);
  switch (typeof value) {
    case 'boolean': data[position++] = GENERIC_BOOL; ensure(1); data[position++] = value ? 1 : 0; return;
    case 'number': data[position++] = GENERIC_NUMBER; ensure(8); dataView.setFloat64(position, value, true); position += 8; return;
    case 'bigint': data[position++] = GENERIC_BIGINT; writeString(value.toString()); return;
    case 'string': data[position++] = GENERIC_STRING; writeString(value); return;
  }
  if (value instanceof Uint8Array) {
    data[position++] = GENERIC_BYTES;
    writeBytes(value);
  } else if ('coefficient' in value) {
    data[position++] = GENERIC_NUMERIC;
    writeNumeric(value);
  } else if (value instanceof TimeTzValue) {
    data[position++] = GENERIC_TIMETZ;
    writeTimeTz(value);
  } else if (value instanceof InetValue) {
    data[position++] = GENERIC_INET;
    ensure(2);
    data[position++] = value.family;
    data[position++] = value.bits;
    writeBytes(value.address);
  } else if ('months' in value) {
    data[position++] = GENERIC_INTERVAL;
    writeInterval(value);
  } else {
    assert(false, `no tuple encoding for a value of type ${typeOid}`);
  }
}

function dateToInt32(days: number): number {
  return days === Infinity ? 0x7fffffff : days === -Infinity ? -0x80000000 : days;
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** A read position into one tuple; reused so decoding allocates only the values. */
interface TupleView {
  bytes: Uint8Array;
  count: number;
  wide: boolean;
  bitmapStart: number;
  offsetsStart: number;
  dataStart: number;
}

const view: TupleView = { bytes: new Uint8Array(0), count: 0, wide: false, bitmapStart: 0, offsetsStart: 0, dataStart: 0 };

/** A view of the tuple that starts at `bytes[base]` (a stored value may lead with a marker byte). */
function open(bytes: Uint8Array, base = 0): TupleView {
  assert(bytes.length - base >= HEADER, 'tuple shorter than its header');
  const b = bytes;
  const count = b[base + 1]! | (b[base + 2]! << 8);
  const wide = (b[base]! & WIDE_OFFSETS) !== 0;
  view.bytes = b;
  view.count = count;
  view.wide = wide;
  view.bitmapStart = base + HEADER;
  view.offsetsStart = base + HEADER + ((count + 7) >> 3);
  view.dataStart = view.offsetsStart + count * (wide ? 4 : 2);
  assert(view.dataStart <= b.length, 'tuple shorter than its offsets');
  return view;
}

function columnEnd(v: TupleView, i: number): number {
  const b = v.bytes;
  if (v.wide) {
    const p = v.offsetsStart + i * 4;
    return v.dataStart + (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000;
  }
  const p = v.offsetsStart + i * 2;
  return v.dataStart + (b[p]! | (b[p + 1]! << 8));
}

function readColumn(v: TupleView, typeOid: number, i: number, start: number): SqlValue {
  if ((v.bytes[v.bitmapStart + (i >> 3)]! & (1 << (i & 7))) !== 0) return null;
  const end = columnEnd(v, i);
  assert(end <= v.bytes.length && start <= end, 'tuple column out of bounds');
  return readValue(v.bytes, typeOid, start, end);
}

/**
 * Decodes every column into `out[0..types.length)` (other slots are left alone) and returns
 * `out`. Columns the tuple does not have (added to the table later) decode as NULL. The tuple
 * starts at `bytes[base]`.
 */
export function decodeTuple(types: readonly number[], bytes: Uint8Array, out: SqlValue[], base = 0): SqlValue[] {
  const v = open(bytes, base);
  const present = Math.min(v.count, types.length);
  let start = v.dataStart;
  for (let i = 0; i < present; i++) {
    out[i] = readColumn(v, types[i]!, i, start);
    start = columnEnd(v, i);
  }
  for (let i = present; i < types.length; i++) out[i] = null;
  v.bytes = EMPTY;
  return out;
}

/**
 * Decodes only the tuple slots `slots` (ascending, of SQL types `slotTypes`) into
 * `out[targets[j]]`, leaving the other entries of `out` alone: a query that reads a few columns
 * pays neither the decoding nor the garbage of the rest. Slots the tuple does not have (columns
 * added to the table later) decode as NULL, as in decodeTuple. The tuple starts at `bytes[base]`.
 */
export function decodeTupleSlots(
  bytes: Uint8Array, slots: readonly number[], slotTypes: readonly number[], targets: readonly number[], out: SqlValue[], base = 0,
): SqlValue[] {
  const v = open(bytes, base);
  for (let j = 0; j < slots.length; j++) {
    const slot = slots[j]!;
    out[targets[j]!] = slot < v.count ? readColumn(v, slotTypes[j]!, slot, slot === 0 ? v.dataStart : columnEnd(v, slot - 1)) : null;
  }
  v.bytes = EMPTY;
  return out;
}

/** Decodes column `index` (of SQL type `typeOid`) alone, without touching the others. */
export function decodeColumn(bytes: Uint8Array, index: number, typeOid: number): SqlValue {
  const v = open(bytes);
  if (index >= v.count) return null;
  const start = index === 0 ? v.dataStart : columnEnd(v, index - 1);
  const value = readColumn(v, typeOid, index, start);
  v.bytes = EMPTY;
  return value;
}

/** How many columns the tuple holds (fewer than the table's if columns were added since). */
export function tupleColumnCount(bytes: Uint8Array): number {
  assert(bytes.length >= HEADER, 'tuple shorter than its header');
  return bytes[1]! | (bytes[2]! << 8);
}

const EMPTY = new Uint8Array(0);
const float64 = new Float64Array(1);
const float64Bytes = new Uint8Array(float64.buffer);
const float32 = new Float32Array(1);
const float32Bytes = new Uint8Array(float32.buffer);

function readValue(b: Uint8Array, typeOid: number, start: number, end: number): SqlValue {
  switch (typeOid) {
    case TypeOid.bool: return b[start] === 1;
    case TypeOid.int2: return (b[start]! | (b[start + 1]! << 8)) << 16 >> 16;
    case TypeOid.int4: return int32(b, start);
    case TypeOid.oid: case TypeOid.regproc: case TypeOid.regclass: case TypeOid.regtype: case TypeOid.regnamespace: case TypeOid.regrole: return int32(b, start) >>> 0;
    case TypeOid.date: {
      const d = int32(b, start);
      return d === 0x7fffffff ? Infinity : d === -0x80000000 ? -Infinity : d;
    }
    case TypeOid.float4: return float4(b, start);
    case TypeOid.float8: return float8(b, start);
    case TypeOid.int8: case TypeOid.timestamp: case TypeOid.timestamptz: case TypeOid.time: return readInt64LE(b, start);
    case TypeOid.numeric: return readNumeric(b, start, end);
    case TypeOid.text: case TypeOid.varchar: case TypeOid.bpchar: case TypeOid.name: case TypeOid.char:
    case TypeOid.json: case TypeOid.jsonb: case TypeOid.unknown: return utf8Slice(b, start, end);
    case TypeOid.bytea: return copyBytes(b, start, end);
    case TypeOid.uuid: return readUuid(b, start);
    case TypeOid.interval: return readInterval(b, start);
    case TypeOid.timetz: return readTimeTz(b, start);
    default: return readGeneric(b, typeOid, start, end);
  }
}

function int32(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
}

function float8(b: Uint8Array, p: number): number {
  for (let i = 0; i < 8; i++) float64Bytes[i] = b[p + i]!;
  return float64[0]!;
}

function float4(b: Uint8Array, p: number): number {
  for (let i = 0; i < 4; i++) float32Bytes[i] = b[p + i]!;
  return float32[0]!;
}

function copyBytes(b: Uint8Array, start: number, end: number): Uint8Array {
  // A plain Uint8Array of its own: the tuple's bytes may be a reused read buffer.
  const out = new Uint8Array(end - start);
  for (let i = start; i < end; i++) out[i - start] = b[i]!;
  return out;
}

function readNumeric(b: Uint8Array, start: number, end: number): NumericValue {
  switch (b[start]) {
    case NUMERIC_NAN: return NAN_NUMERIC;
    case NUMERIC_POS_INF: return POS_INF_NUMERIC;
    case NUMERIC_NEG_INF: return NEG_INF_NUMERIC;
  }
  const scale = b[start + 1]! | (b[start + 2]! << 8);
  const coefficient = b[start] === NUMERIC_INT64 ? readInt64LE(b, start + 3) : BigInt(utf8Slice(b, start + 3, end));
  return { coefficient, scale };
}

function readUuid(b: Uint8Array, start: number): string {
  assert(start + 16 <= b.length, 'tuple value out of bounds');
  return HEX[b[start]!]! + HEX[b[start + 1]!]! + HEX[b[start + 2]!]! + HEX[b[start + 3]!]! + '-' +
    HEX[b[start + 4]!]! + HEX[b[start + 5]!]! + '-' + HEX[b[start + 6]!]! + HEX[b[start + 7]!]! + '-' +
    HEX[b[start + 8]!]! + HEX[b[start + 9]!]! + '-' + HEX[b[start + 10]!]! + HEX[b[start + 11]!]! +
    HEX[b[start + 12]!]! + HEX[b[start + 13]!]! + HEX[b[start + 14]!]! + HEX[b[start + 15]!]!;
}

function readInterval(b: Uint8Array, start: number): IntervalValue {
  return { months: int32(b, start), days: int32(b, start + 4), micros: readInt64LE(b, start + 8) };
}

function readTimeTz(b: Uint8Array, start: number): TimeTzValue {
  return new TimeTzValue(readInt64LE(b, start), int32(b, start + 8));
}

function readGeneric(b: Uint8Array, typeOid: number, start: number, end: number): SqlValue {
  switch (b[start]) {
    case GENERIC_BOOL: return b[start + 1] === 1;
    case GENERIC_NUMBER: return float8(b, start + 1);
    case GENERIC_BIGINT: return BigInt(utf8Slice(b, start + 1, end));
    case GENERIC_STRING: return utf8Slice(b, start + 1, end);
    case GENERIC_BYTES: return copyBytes(b, start + 1, end);
    case GENERIC_NUMERIC: return readNumeric(b, start + 1, end);
    case GENERIC_INTERVAL: return readInterval(b, start + 1);
    case GENERIC_TIMETZ: return readTimeTz(b, start + 1);
    case GENERIC_INET: return new InetValue(b[start + 1] === 6 ? 6 : 4, b[start + 2]!, copyBytes(b, start + 3, end));
    default: assert(false, `bad generic tuple tag ${b[start]} for type ${typeOid}`); return null;
  }
}
