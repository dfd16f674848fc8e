/**
 * Order-preserving, prefix-free key encoding (DESIGN.md §3).
 *
 * A key is `[table id: uint32 BE][index id: uint16 BE][column]…`; the caller writes the two ids
 * with writeUint32/writeUint16 and then one writeValue per index column. Comparing two keys
 * bytewise (compareKeys, Buffer.compare, LMDB's default order) orders them exactly as
 * PostgreSQL's ORDER BY orders the column values with COLLATE "C".
 *
 * Column layout, ascending (a DESC column is the same bytes, each inverted: b ^ 0xFF):
 *
 *   NULL                      0xFF                 (after every value; DESC: 0x00, first)
 *   bool                      0x10 0x00|0x01
 *   int2 / int4 / int8        0x10 + 2/4/8 bytes big-endian two's complement, sign bit flipped
 *   oid / regproc / regclass  0x10 + 4 bytes big-endian unsigned
 *   float4 / float8           0x10 + 4/8 bytes IEEE big-endian: positive → sign bit set,
 *                             negative → all bits inverted; -0 is written as +0.
 *                             NaN: 0x11 alone (after +Infinity, as in PostgreSQL)
 *   numeric                   0x20 -Infinity | 0x21 negative | 0x22 zero | 0x23 positive |
 *                             0x24 +Infinity | 0x25 NaN; negative/positive are followed by the
 *                             magnitude 0.d1d2…dn × 10^E (d1 ≠ 0, trailing zeros stripped):
 *                             E as int32 (BE, sign bit flipped), then the digits in pairs, one
 *                             byte (10·d(2i-1) + d(2i)) + 1 ∈ [1,100] per pair (an odd last digit
 *                             padded with 0), then 0x00. For a negative number the magnitude
 *                             bytes are inverted. So 1.0 and 1.00 encode identically.
 *   text / varchar / name /   0x10 + UTF-8 bytes, each 0x00 written as 0x00 0xFF, then the
 *   char / json / jsonb       terminator 0x00 0x01
 *   bpchar                    as text, after removing trailing spaces (PostgreSQL ignores them)
 *   bytea                     as text, on the raw bytes
 *   uuid                      0x10 + the 16 bytes
 *   date                      0x10 + int32 days since 2000-01-01 (as int4);
 *                             -infinity = INT32_MIN, infinity = INT32_MAX (as PostgreSQL)
 *   timestamp / timestamptz   0x10 + int64 µs since 2000-01-01 (as int8)
 *   time                      0x10 + int64 µs since midnight (as int8)
 *   timetz                    0x10 + int64 instant (µs of the time + zone × 10^6, the zone in
 *                             seconds west) as int8, then the zone as int4: PostgreSQL's
 *                             timetz_cmp order (instant, then zone)
 *   interval                  0x10 + 16-byte two's complement span (months·30 days + days·24 h
 *                             + µs, PostgreSQL's interval_cmp_value), sign bit flipped
 *   any other type            by the JS type of the value: 0x30 boolean, 0x31 number (as
 *                             float8), 0x32 bigint (as int8), 0x33 string (as text), 0x34
 *                             Uint8Array (as bytea), 0x35 NumericValue, 0x36 IntervalValue,
 *                             0x37 TimeTzValue, 0x38 InetValue (its family, the address with
 *                             the bits right of the mask cleared, the mask length, then the
 *                             whole address: PostgreSQL's network_cmp order)
 *
 * Every column encoding is self-delimiting and no encoding of one value is a prefix of another
 * value's, so whole keys are prefix-free: storage may append a version suffix to a key, and
 * `prefixEnd(k)` bounds every key that begins with k.
 *
 * Decoding (KeyReader) is lossless except: bpchar loses trailing blanks; numeric loses display
 * scale (1.50 decodes as 1.5, scale 1; 100 as coefficient 100, scale 0); interval decodes as
 * { months: 0, days, micros } with the same span ('1 mon' decodes as '30 days'); -0 decodes as 0.
 */
import { assert } from '../contracts/errors.js';
import { InetValue, TimeTzValue, TypeOid, type IntervalValue, type NumericValue, type SqlValue } from '../contracts/sql-value.js';
import { allocateBytes, writeOrderedInt64, writeUtf8 } from './bytes.js';

const NULL_TAG = 0xff;
const VALUE_TAG = 0x10;
const FLOAT_NAN_TAG = 0x11;
const NUMERIC_NEG_INF = 0x20;
const NUMERIC_NEG = 0x21;
const NUMERIC_ZERO = 0x22;
const NUMERIC_POS = 0x23;
const NUMERIC_POS_INF = 0x24;
const NUMERIC_NAN = 0x25;
const GENERIC_BOOL = 0x30;
const GENERIC_NUMBER = 0x31;
const GENERIC_BIGINT = 0x32;
const GENERIC_STRING = 0x33;
const GENERIC_BYTES = 0x34;
const GENERIC_NUMERIC = 0x35;
const GENERIC_INTERVAL = 0x36;
const GENERIC_TIMETZ = 0x37;
const GENERIC_INET = 0x38;

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const MICROS_PER_DAY = 86_400_000_000n;
const MICROS_PER_SECOND = 1_000_000n;
const INTERVAL_BIAS = 1n << 127n;
const MASK_64 = (1n << 64n) - 1n;

/** How a type's values are laid out in a key; types without a layout use the generic one. */
const enum Layout { Bool, Int2, Int4, Int8, Uint32, Float4, Float8, Numeric, Text, Bpchar, Bytea, Uuid, Date, Interval, TimeTz, Generic }

function layoutOf(typeOid: number): Layout {
  switch (typeOid) {
    case TypeOid.bool: return Layout.Bool;
    case TypeOid.int2: return Layout.Int2;
    case TypeOid.int4: return Layout.Int4;
    case TypeOid.int8: case TypeOid.timestamp: case TypeOid.timestamptz: case TypeOid.time: return Layout.Int8;
    case TypeOid.oid: case TypeOid.regproc: case TypeOid.regclass: case TypeOid.regtype: case TypeOid.regnamespace: case TypeOid.regrole: return Layout.Uint32;
    case TypeOid.float4: return Layout.Float4;
    case TypeOid.float8: return Layout.Float8;
    case TypeOid.numeric: return Layout.Numeric;
    case TypeOid.text: case TypeOid.varchar: case TypeOid.name: case TypeOid.char:
    case TypeOid.json: case TypeOid.jsonb: case TypeOid.unknown: return Layout.Text;
    case TypeOid.bpchar: return Layout.Bpchar;
    case TypeOid.bytea: return Layout.Bytea;
    case TypeOid.uuid: return Layout.Uuid;
    case TypeOid.date: return Layout.Date;
    case TypeOid.interval: return Layout.Interval;
    case TypeOid.timetz: return Layout.TimeTz;
    default: return Layout.Generic;
  }
}

// Scratch space for IEEE and int64 conversions (big-endian through the DataView).
const scratch = new Uint8Array(16);
const scratchView = new DataView(scratch.buffer);
const utf8 = new TextEncoder();

/** Writes keys into one growable buffer; reuse a writer (reset) to stay allocation-light. */
export class KeyWriter {
  private buffer: Buffer;
  private position = 0;

  constructor(initialCapacity = 256) {
    this.buffer = Buffer.allocUnsafe(Math.max(16, initialCapacity));
  }

  reset(): void {
    this.position = 0;
  }

  /** Bytes written since the last reset. */
  get length(): number {
    return this.position;
  }

  /**
   * A copy of the key written since the last reset. It may share a pooled ArrayBuffer with
   * other keys (see allocateBytes): use its bytes, not `.buffer`.
   */
  finish(): Uint8Array {
    const n = this.position;
    const key = allocateBytes(n);
    const b = this.buffer;
    if (n <= 64) for (let i = 0; i < n; i++) key[i] = b[i]!;
    else key.set(b.subarray(0, n));
    return key;
  }

  /** The key written so far without copying; valid until the next write or reset. */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.position);
  }

  writeUint32(n: number): void {
    this.ensure(4);
    this.buffer.writeUInt32BE(n, this.position);
    this.position += 4;
  }

  writeUint16(n: number): void {
    this.ensure(2);
    this.buffer.writeUInt16BE(n, this.position);
    this.position += 2;
  }

  /** Appends raw bytes, already in key form (e.g. a primary key suffix). */
  writeBytes(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.position);
    this.position += bytes.length;
  }

  /** Appends one column value; DESC columns sort in reverse with NULLs first. */
  writeValue(typeOid: number, value: SqlValue, descending = false): void {
    const start = this.position;
    if (value === null) this.byte(NULL_TAG);
    else this.writeLayout(layoutOf(typeOid), typeOid, value);
    if (descending) {
      const b = this.buffer;
      for (let i = start; i < this.position; i++) b[i] = b[i]! ^ 0xff;
    }
  }

  private writeLayout(layout: Layout, typeOid: number, value: Exclude<SqlValue, null>): void {
    switch (layout) {
      case Layout.Bool: this.byte(VALUE_TAG); this.byte(value ? 1 : 0); return;
      case Layout.Int2: this.byte(VALUE_TAG); this.int16(Number(value)); return;
      case Layout.Int4: this.byte(VALUE_TAG); this.int32(Number(value)); return;
      case Layout.Int8: this.byte(VALUE_TAG); this.int64(value as bigint | number); return;
      case Layout.Uint32: this.byte(VALUE_TAG); this.writeUint32(Number(value)); return;
      case Layout.Float4: this.float(Number(value), 4); return;
      case Layout.Float8: this.float(Number(value), 8); return;
      case Layout.Numeric: this.numeric(value as NumericValue); return;
      case Layout.Text: this.byte(VALUE_TAG); this.text(value as string); return;
      case Layout.Bpchar: this.byte(VALUE_TAG); this.text(trimTrailingSpaces(value as string)); return;
      case Layout.Bytea: this.byte(VALUE_TAG); this.escaped(value as Uint8Array); return;
      case Layout.Uuid: this.byte(VALUE_TAG); this.uuid(value as string); return;
      case Layout.Date: this.byte(VALUE_TAG); this.int32(dateToInt32(value as number)); return;
      case Layout.Interval: this.byte(VALUE_TAG); this.interval(value as IntervalValue); return;
      case Layout.TimeTz: this.byte(VALUE_TAG); this.timetz(value as TimeTzValue); return;
      case Layout.Generic: this.generic(typeOid, value); return;
    }
  }

  /** Types without a fixed layout: ordered within each JS representation. */
  private generic(typeOid: number, value: Exclude<SqlValue, null>): void {
    switch (typeof value) {
      case 'boolean': this.byte(GENERIC_BOOL); this.byte(value ? 1 : 0); return;
      case 'number': this.byte(GENERIC_NUMBER); this.floatBody(value, 8); return;
      case 'bigint': this.byte(GENERIC_BIGINT); this.int64(value); return;
      case 'string': this.byte(GENERIC_STRING); this.text(value); return;
    }
    if (value instanceof Uint8Array) {
      this.byte(GENERIC_BYTES);
      this.escaped(value);
    } else if ('coefficient' in value) {
      this.byte(GENERIC_NUMERIC);
      this.numeric(value);
    } else if (value instanceof TimeTzValue) {
      this.byte(GENERIC_TIMETZ);
      this.timetz(value);
    } else if (value instanceof InetValue) {
      this.byte(GENERIC_INET);
      this.inet(value);
    } else if ('months' in value) {
      this.byte(GENERIC_INTERVAL);
      this.interval(value);
    } else {
      assert(false, `no key encoding for a value of type ${typeOid}`);
    }
  }

  private ensure(extra: number): void {
    const needed = this.position + extra;
    if (needed <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buffer[this.position++] = b;
  }

  private int16(n: number): void {
    this.ensure(2);
    this.buffer.writeUInt16BE((n + 0x8000) & 0xffff, this.position);
    this.position += 2;
  }

  private int32(n: number): void {
    this.ensure(4);
    this.buffer.writeUInt32BE((n ^ 0x80000000) >>> 0, this.position);
    this.position += 4;
  }

  private int64(n: bigint | number): void {
    this.ensure(8);
    writeOrderedInt64(this.buffer, typeof n === 'bigint' ? n : BigInt(n), this.position);
    this.position += 8;
  }

  private float(f: number, width: 4 | 8): void {
    if (f !== f) {
      this.byte(FLOAT_NAN_TAG);
      return;
    }
    this.byte(VALUE_TAG);
    this.floatBody(f, width);
  }

  /** IEEE bits made bytewise-ordered: flip the sign bit of positives, invert negatives. */
  private floatBody(f: number, width: 4 | 8): void {
    if (f === 0) f = 0; // -0 = 0
    else if (f !== f) f = NaN; // one NaN (generic layout only)
    this.ensure(width);
    if (width === 8) scratchView.setFloat64(0, f);
    else scratchView.setFloat32(0, f);
    const negative = (scratch[0]! & 0x80) !== 0;
    const b = this.buffer;
    for (let i = 0; i < width; i++) b[this.position + i] = negative ? scratch[i]! ^ 0xff : scratch[i]!;
    if (!negative) b[this.position] = b[this.position]! ^ 0x80;
    this.position += width;
  }

  private numeric(n: NumericValue): void {
    if (n.special !== undefined) {
      this.byte(n.special === 'NaN' ? NUMERIC_NAN : n.special === 'Infinity' ? NUMERIC_POS_INF : NUMERIC_NEG_INF);
      return;
    }
    const c = n.coefficient;
    if (c === 0n) {
      this.byte(NUMERIC_ZERO);
      return;
    }
    const negative = c < 0n;
    this.byte(negative ? NUMERIC_NEG : NUMERIC_POS);
    const start = this.position;
    const digits = (negative ? -c : c).toString();
    let n0 = digits.length;
    while (digits.charCodeAt(n0 - 1) === 48) n0--; // strip trailing zeros
    this.int32(digits.length - n.scale); // the exponent E of 0.d1d2… × 10^E
    this.ensure((n0 >> 1) + 2);
    const b = this.buffer;
    for (let i = 0; i < n0; i += 2) {
      const hi = digits.charCodeAt(i) - 48;
      const lo = i + 1 < n0 ? digits.charCodeAt(i + 1) - 48 : 0;
      b[this.position++] = hi * 10 + lo + 1;
    }
    b[this.position++] = 0;
    if (negative) for (let i = start; i < this.position; i++) b[i] = b[i]! ^ 0xff;
  }

  private text(s: string): void {
    this.ensure(s.length * 3 + 2);
    if (s.indexOf('\0') >= 0) {
      this.escaped(utf8.encode(s));
      return;
    }
    this.position += writeUtf8(this.buffer, s, this.position);
    this.buffer[this.position++] = 0;
    this.buffer[this.position++] = 1;
  }

  /** Bytes with 0x00 → 0x00 0xFF, then the terminator 0x00 0x01. */
  private escaped(bytes: Uint8Array): void {
    this.ensure(bytes.length * 2 + 2);
    const b = this.buffer;
    let p = this.position;
    for (let i = 0; i < bytes.length; i++) {
      const x = bytes[i]!;
      b[p++] = x;
      if (x === 0) b[p++] = 0xff;
    }
    b[p++] = 0;
    b[p++] = 1;
    this.position = p;
  }

  private uuid(s: string): void {
    this.ensure(16);
    let p = this.position;
    let nibbles = 0;
    let hi = -1;
    for (let i = 0; i < s.length; i++) {
      const code = s.charCodeAt(i);
      if (code === 45) continue; // '-'
      const v = hexValue(code);
      assert(v >= 0, `invalid uuid in key: ${s}`);
      nibbles++;
      if (hi < 0) hi = v;
      else {
        this.buffer[p++] = (hi << 4) | v;
        hi = -1;
      }
    }
    assert(nibbles === 32, `invalid uuid in key: ${s}`);
    this.position = p;
  }

  private interval(v: IntervalValue): void {
    let span = (BigInt(v.months) * 30n + BigInt(v.days)) * MICROS_PER_DAY + BigInt(v.micros);
    span += INTERVAL_BIAS;
    this.ensure(16);
    scratchView.setBigUint64(0, span >> 64n);
    scratchView.setBigUint64(8, span & MASK_64);
    this.buffer.set(scratch, this.position);
    this.position += 16;
  }

  private timetz(v: TimeTzValue): void {
    this.int64(v.micros + BigInt(v.zone) * MICROS_PER_SECOND);
    this.int32(v.zone);
  }

  /**
   * network_cmp compares the first min(bits) bits of the addresses, then the mask lengths, then
   * the whole addresses. The network part with its host bits cleared, then the length, then the
   * address orders bytewise the same way: where the shorter mask's bits agree, the longer mask's
   * network is at least as large, and larger exactly when its own extra bits are not all zero.
   */
  private inet(v: InetValue): void {
    const n = v.address.length;
    this.ensure(2 * n + 2);
    const b = this.buffer;
    b[this.position++] = v.family;
    for (let i = 0; i < n; i++) {
      const kept = v.bits - 8 * i;
      b[this.position++] = kept >= 8 ? v.address[i]! : kept <= 0 ? 0 : v.address[i]! & (0xff << (8 - kept));
    }
    b[this.position++] = v.bits;
    b.set(v.address, this.position);
    this.position += n;
  }
}

function trimTrailingSpaces(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 32) end--;
  return end === s.length ? s : s.slice(0, end);
}

function dateToInt32(days: number): number {
  if (days === Infinity) return INT32_MAX;
  if (days === -Infinity) return INT32_MIN;
  return days;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/** Bytewise key order (negative, zero, positive). */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/**
 * The smallest key greater than every key that starts with `prefix`: the prefix without its
 * trailing 0xFF bytes, last byte incremented. Use it as an exclusive range end.
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end--;
  assert(end > 0, 'prefixEnd of an empty or all-0xFF prefix');
  const out = new Uint8Array(end); // a copy even when given a Buffer (whose slice is a view)
  out.set(prefix.subarray(0, end));
  out[end - 1] = out[end - 1]! + 1;
  return out;
}

export { KeyReader, skipKeyColumns } from './key-reader.js';
