/**
 * Decodes keys written by KeyWriter (layout in key.ts) back into values, e.g. to rebuild rows
 * from index keys, or to skip index columns to reach a primary key suffix.
 */
import { assert } from '../contracts/errors.js';
import { InetValue, TimeTzValue, TypeOid, type IntervalValue, type NumericValue, type SqlValue } from '../contracts/sql-value.js';
import { readOrderedInt64, utf8Slice } from './bytes.js';

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

const EMPTY = new Uint8Array(0);
const scratch = new Uint8Array(16);
const scratchView = new DataView(scratch.buffer);
const PAIRS: string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? '0' : '') + i);
const HEX: string[] = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));

const enum Kind { Bool, Int2, Int4, Int8, Uint32, Float4, Float8, Numeric, Text, Bytea, Uuid, Date, Interval, TimeTz, Generic }

function kindOf(typeOid: number): Kind {
  switch (typeOid) {
    case TypeOid.bool: return Kind.Bool;
    case TypeOid.int2: return Kind.Int2;
    case TypeOid.int4: return Kind.Int4;
    case TypeOid.int8: case TypeOid.timestamp: case TypeOid.timestamptz: case TypeOid.time: return Kind.Int8;
    case TypeOid.oid: case TypeOid.regproc: case TypeOid.regclass: case TypeOid.regtype: case TypeOid.regnamespace: case TypeOid.regrole: return Kind.Uint32;
    case TypeOid.float4: return Kind.Float4;
    case TypeOid.float8: return Kind.Float8;
    case TypeOid.numeric: return Kind.Numeric;
    case TypeOid.text: case TypeOid.varchar: case TypeOid.name: case TypeOid.char: case TypeOid.bpchar:
    case TypeOid.json: case TypeOid.jsonb: case TypeOid.unknown: return Kind.Text;
    case TypeOid.bytea: return Kind.Bytea;
    case TypeOid.uuid: return Kind.Uuid;
    case TypeOid.date: return Kind.Date;
    case TypeOid.interval: return Kind.Interval;
    case TypeOid.timetz: return Kind.TimeTz;
    default: return Kind.Generic;
  }
}

export class KeyReader {
  private key: Uint8Array = EMPTY;
  /** Offset of the next byte to read. */
  position = 0;
  /** Unescaped bytes of a text or bytea value (escapes or DESC inversion present). */
  private unescaped = new Uint8Array(64);
  /** Where the last text/bytea value's bytes are (set by unescape). */
  private sliceSource: Uint8Array = EMPTY;
  private sliceStart = 0;
  private sliceEnd = 0;
  /** Whether the last terminator scan met 0x00 0xFF escapes. */
  private sawEscape = false;

  constructor(key?: Uint8Array, offset = 0) {
    if (key) this.reset(key, offset);
  }

  reset(key: Uint8Array, offset = 0): void {
    this.key = key;
    this.position = offset;
  }

  get atEnd(): boolean {
    return this.position >= this.key.length;
  }

  readUint32(): number {
    this.need(4);
    const k = this.key;
    const p = this.position;
    const n = k[p]! * 0x1000000 + ((k[p + 1]! << 16) | (k[p + 2]! << 8) | k[p + 3]!);
    this.position += 4;
    return n;
  }

  readUint16(): number {
    this.need(2);
    const n = (this.key[this.position]! << 8) | this.key[this.position + 1]!;
    this.position += 2;
    return n;
  }

  /** Reads one column written by KeyWriter.writeValue with the same type and direction. */
  readValue(typeOid: number, descending = false): SqlValue {
    const mask = descending ? 0xff : 0;
    const tag = this.byte(mask);
    if (tag === NULL_TAG) return null;
    const kind = kindOf(typeOid);
    if (kind === Kind.Numeric) return this.numeric(tag, mask);
    if (kind === Kind.Generic) return this.generic(tag, mask, typeOid);
    if (kind === Kind.Float4 || kind === Kind.Float8) {
      if (tag === FLOAT_NAN_TAG) return NaN;
    }
    assert(tag === VALUE_TAG, `bad key tag ${tag} for type ${typeOid}`);
    return this.body(kind, mask);
  }

  /** Skips one column without building its value. */
  skipValue(typeOid: number, descending = false): void {
    const mask = descending ? 0xff : 0;
    const tag = this.byte(mask);
    if (tag === NULL_TAG || tag === FLOAT_NAN_TAG) return;
    const kind = kindOf(typeOid);
    if (kind === Kind.Numeric) this.skipNumeric(tag, mask);
    else if (kind === Kind.Generic) this.generic(tag, mask, typeOid);
    else if (kind === Kind.Text || kind === Kind.Bytea) this.position = this.findTerminator(mask);
    else this.skip(fixedWidth(kind));
  }

  private body(kind: Kind, mask: number): SqlValue {
    switch (kind) {
      case Kind.Bool: return this.byte(mask) === 1;
      case Kind.Int2: return ((this.byte(mask) << 8) | this.byte(mask)) - 0x8000;
      case Kind.Int4: return this.int32(mask);
      case Kind.Int8: return this.int64(mask);
      case Kind.Uint32: return this.uint32(mask);
      case Kind.Float4: return this.float(mask, 4);
      case Kind.Float8: return this.float(mask, 8);
      case Kind.Text: return this.text(mask);
      case Kind.Bytea: return this.bytes(mask);
      case Kind.Uuid: return this.uuid(mask);
      case Kind.Date: {
        const d = this.int32(mask);
        return d === INT32_MAX ? Infinity : d === INT32_MIN ? -Infinity : d;
      }
      case Kind.Interval: return this.interval(mask);
      case Kind.TimeTz: return this.timetz(mask);
      default: assert(false, 'unreachable key kind'); return null;
    }
  }

  private generic(tag: number, mask: number, typeOid: number): SqlValue {
    switch (tag) {
      case GENERIC_BOOL: return this.byte(mask) === 1;
      case GENERIC_NUMBER: return this.float(mask, 8);
      case GENERIC_BIGINT: return this.int64(mask);
      case GENERIC_STRING: return this.text(mask);
      case GENERIC_BYTES: return this.bytes(mask);
      case GENERIC_NUMERIC: return this.numeric(this.byte(mask), mask);
      case GENERIC_INTERVAL: return this.interval(mask);
      case GENERIC_TIMETZ: return this.timetz(mask);
      case GENERIC_INET: return this.inet(mask);
      default: assert(false, `bad key tag ${tag} for type ${typeOid}`); return null;
    }
  }

  private need(n: number): void {
    assert(this.position + n <= this.key.length, 'key ends inside a value');
  }

  private byte(mask: number): number {
    this.need(1);
    return this.key[this.position++]! ^ mask;
  }

  private skip(n: number): void {
    this.need(n);
    this.position += n;
  }

  /** Copies `width` bytes into scratch, un-inverted. */
  private load(mask: number, width: number): void {
    this.need(width);
    const k = this.key;
    for (let i = 0; i < width; i++) scratch[i] = k[this.position + i]! ^ mask;
    this.position += width;
  }

  private int32(mask: number): number {
    this.load(mask, 4);
    return scratchView.getUint32(0) ^ 0x80000000 | 0;
  }

  private uint32(mask: number): number {
    this.load(mask, 4);
    return scratchView.getUint32(0);
  }

  private int64(mask: number): bigint {
    this.need(8);
    const v = readOrderedInt64(this.key, this.position, mask);
    this.position += 8;
    return v;
  }

  private float(mask: number, width: 4 | 8): number {
    this.load(mask, width);
    if ((scratch[0]! & 0x80) !== 0) scratch[0] = scratch[0]! ^ 0x80;
    else for (let i = 0; i < width; i++) scratch[i] = scratch[i]! ^ 0xff;
    return width === 8 ? scratchView.getFloat64(0) : scratchView.getFloat32(0);
  }

  /** The offset just past the 0x00 0x01 terminator; sets sawEscape. */
  private findTerminator(mask: number): number {
    const k = this.key;
    this.sawEscape = false;
    for (let i = this.position; i + 1 < k.length; i++) {
      if ((k[i]! ^ mask) !== 0) continue;
      const next = k[i + 1]! ^ mask;
      if (next === 1) return i + 2;
      assert(next === 0xff, 'bad escape in key');
      this.sawEscape = true;
      i++;
    }
    assert(false, 'unterminated text in key');
  }

  /** Reads a text/bytea body; its plain bytes are then sliceSource[sliceStart, sliceEnd). */
  private unescape(mask: number): void {
    const end = this.findTerminator(mask);
    const start = this.position;
    this.position = end;
    if (!this.sawEscape && mask === 0) {
      this.sliceSource = this.key;
      this.sliceStart = start;
      this.sliceEnd = end - 2;
      return;
    }
    if (this.unescaped.length < end - start) this.unescaped = new Uint8Array(Math.max(end - start, this.unescaped.length * 2));
    const out = this.unescaped;
    const k = this.key;
    let p = 0;
    for (let i = start; i < end - 2; i++) {
      const x = k[i]! ^ mask;
      out[p++] = x;
      if (x === 0) i++; // skip the 0xFF of an escape
    }
    this.sliceSource = out;
    this.sliceStart = 0;
    this.sliceEnd = p;
  }

  private text(mask: number): string {
    this.unescape(mask);
    return utf8Slice(this.sliceSource, this.sliceStart, this.sliceEnd);
  }

  private bytes(mask: number): Uint8Array {
    this.unescape(mask);
    // A plain copy (a key may be a Buffer, whose slice() would be a view of a reused buffer).
    const out = new Uint8Array(this.sliceEnd - this.sliceStart);
    out.set(this.sliceSource.subarray(this.sliceStart, this.sliceEnd));
    return out;
  }

  private uuid(mask: number): string {
    this.need(16);
    const k = this.key;
    const p = this.position;
    this.position += 16;
    let s = '';
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
      s += HEX[k[p + i]! ^ mask];
    }
    return s;
  }

  private interval(mask: number): IntervalValue {
    this.load(mask, 16);
    const span = ((scratchView.getBigUint64(0) << 64n) | scratchView.getBigUint64(8)) - INTERVAL_BIAS;
    const days = span / MICROS_PER_DAY; // truncates toward zero: days and micros share a sign
    return { months: 0, days: Number(days), micros: span - days * MICROS_PER_DAY };
  }

  /** The instant (time + zone × 10^6) then the zone: the time is the instant less the zone. */
  private timetz(mask: number): TimeTzValue {
    const instant = this.int64(mask);
    const zone = this.int32(mask);
    return new TimeTzValue(instant - BigInt(zone) * MICROS_PER_SECOND, zone);
  }

  /** The family, the masked network (skipped: the whole address follows), the bits, the address. */
  private inet(mask: number): InetValue {
    const family = this.byte(mask) === 6 ? 6 : 4;
    const n = family === 6 ? 16 : 4;
    this.skip(n);
    const bits = this.byte(mask);
    const address = new Uint8Array(n);
    for (let i = 0; i < n; i++) address[i] = this.byte(mask);
    return new InetValue(family, bits, address);
  }

  private numeric(tag: number, mask: number): NumericValue {
    switch (tag) {
      case NUMERIC_NAN: return { coefficient: 0n, scale: 0, special: 'NaN' };
      case NUMERIC_POS_INF: return { coefficient: 0n, scale: 0, special: 'Infinity' };
      case NUMERIC_NEG_INF: return { coefficient: 0n, scale: 0, special: '-Infinity' };
      case NUMERIC_ZERO: return { coefficient: 0n, scale: 0 };
    }
    assert(tag === NUMERIC_POS || tag === NUMERIC_NEG, `bad numeric key tag ${tag}`);
    const m = tag === NUMERIC_NEG ? mask ^ 0xff : mask;
    const exponent = this.int32(m);
    let digits = '';
    for (;;) {
      const b = this.byte(m);
      if (b === 0) break;
      assert(b <= 100, 'bad numeric digit pair in key');
      digits += PAIRS[b - 1];
    }
    if (digits.charCodeAt(digits.length - 1) === 48) digits = digits.slice(0, -1); // odd-count pad
    let coefficient = BigInt(digits);
    let scale = digits.length - exponent;
    if (scale < 0) {
      coefficient *= 10n ** BigInt(-scale);
      scale = 0;
    }
    return { coefficient: tag === NUMERIC_NEG ? -coefficient : coefficient, scale };
  }

  private skipNumeric(tag: number, mask: number): void {
    if (tag !== NUMERIC_POS && tag !== NUMERIC_NEG) return;
    const m = tag === NUMERIC_NEG ? mask ^ 0xff : mask;
    this.skip(4);
    while (this.byte(m) !== 0);
  }
}

function fixedWidth(kind: Kind): number {
  switch (kind) {
    case Kind.Bool: return 1;
    case Kind.Int2: return 2;
    case Kind.Int4: case Kind.Uint32: case Kind.Float4: case Kind.Date: return 4;
    case Kind.Int8: case Kind.Float8: return 8;
    case Kind.TimeTz: return 12;
    case Kind.Uuid: case Kind.Interval: return 16;
    default: assert(false, 'not a fixed-width key kind'); return 0;
  }
}

const sharedReader = new KeyReader();

/**
 * The offset just past `types.length` columns that start at `offset` in `key` (e.g. to find the
 * primary key suffix of a non-unique secondary index entry). `descending[i]` gives column i's
 * direction (ascending when absent).
 */
export function skipKeyColumns(key: Uint8Array, offset: number, types: readonly number[], descending?: readonly boolean[]): number {
  const r = sharedReader;
  r.reset(key, offset);
  for (let i = 0; i < types.length; i++) r.skipValue(types[i]!, descending?.[i] ?? false);
  const end = r.position;
  r.reset(EMPTY);
  return end;
}

