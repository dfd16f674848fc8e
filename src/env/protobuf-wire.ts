/**
 * The protobuf wire format's basics (protobuf.dev/programming-guides/encoding), for the few etcd
 * messages Strata encodes and decodes by hand on its hot paths (`etcd-txn.ts`, `etcd-watch.ts`):
 * field keys, varints of numbers and bigints, a writer over a buffer sized in advance and a
 * bounds-checked reader. Going through protobufjs's object conversions cost those paths a large
 * share of their CPU (docs/performance.md); the messages themselves stay etcd's own (rpc.proto,
 * kv.proto), which the tests of both modules check against.
 */

/** Wire types (the low three bits of a field's key). */
export const VARINT = 0;
export const FIXED64 = 1;
export const LENGTH_DELIMITED = 2;
export const FIXED32 = 5;

/** A field's key: its number and wire type, itself written as a varint. */
export const tag = (field: number, wireType: number): number => field * 8 + wireType;

/** A varint is at most ten bytes (a 64-bit value, seven bits a byte). */
const MAX_VARINT_BYTES = 10;
const UINT64_MAX = (1n << 64n) - 1n;

/** Bytes of `value` as a varint; only whole numbers from 0 to 2^53 − 1 (lengths, revisions) are exact as numbers. */
export function varintSize(value: number): number {
  // Keys, lengths and most revisions are below 2^32: sized without a loop (this runs several times a field).
  if (value >>> 0 === value) return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
  if (!(Number.isSafeInteger(value) && value >= 0)) throw new RangeError(`a varint of ${value} (only whole numbers from 0 to 2^53 − 1)`);
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** Bytes of `value` (an unsigned 64-bit one, such as an etcd lease id) as a varint. */
export function bigVarintSize(value: bigint): number {
  if (value < 0n || value > UINT64_MAX) throw new RangeError(`a varint of ${value} (only 0 to 2^64 − 1)`);
  let size = 1;
  while (value >= 0x80n) {
    value >>= 7n;
    size++;
  }
  return size;
}

/** Bytes of a length-delimited field (its key, its length, its `length` bytes). */
export const lengthDelimitedSize = (fieldTag: number, length: number): number => varintSize(fieldTag) + varintSize(length) + length;

/** Bytes of a varint field. */
export const varintFieldSize = (fieldTag: number, value: number): number => varintSize(fieldTag) + varintSize(value);

/**
 * Writes fields into one buffer sized in advance with the functions above: each write assumes
 * its bytes fit, and `finish` checks the sizes and the writes agreed.
 */
export class WireWriter {
  constructor(readonly buffer: Buffer, public offset = 0) {}

  /** A varint of a whole number from 0 to 2^53 − 1 (sized with `varintSize`, which checks it). */
  varint(value: number): void {
    while (value >= 0x80) {
      this.buffer[this.offset++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buffer[this.offset++] = value;
  }

  /** A varint of an unsigned 64-bit value (sized with `bigVarintSize`, which checks it). */
  bigVarint(value: bigint): void {
    while (value >= 0x80n) {
      this.buffer[this.offset++] = Number(value & 0x7fn) | 0x80;
      value >>= 7n;
    }
    this.buffer[this.offset++] = Number(value);
  }

  /** A varint field: its key, then its value. */
  varintField(fieldTag: number, value: number): void {
    this.varint(fieldTag);
    this.varint(value);
  }

  /** A bytes field: its key, its length, the bytes. */
  bytes(fieldTag: number, bytes: Uint8Array): void {
    this.varint(fieldTag);
    this.varint(bytes.length);
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.length;
  }

  /** An embedded message's key and length (`size` bytes); its fields are written next. */
  open(fieldTag: number, size: number): void {
    this.varint(fieldTag);
    this.varint(size);
  }

  /** The buffer, once every byte of it was written (a size that disagreed with its writes is a bug). */
  finish(what: string): Buffer {
    if (this.offset !== this.buffer.length) throw new Error(`${what} encoded to ${this.offset} of its ${this.buffer.length} bytes`);
    return this.buffer;
  }
}

/**
 * A cursor over one message's fields, or an embedded message's (`end` bounds it). Whatever runs
 * past `end` — a varint, a length-delimited or fixed field — or is no protobuf (a varint longer
 * than ten bytes, wire types 3, 4, 6, 7) throws an Error that starts with `what` ("malformed
 * etcd watch response: …"): a message is read whole or refused, never misread.
 */
export class WireReader {
  constructor(readonly bytes: Buffer, public offset: number, readonly end: number, readonly what: string) {
    if (!(0 <= offset && offset <= end && end <= bytes.length)) throw new RangeError(`${what}: bounds ${offset}..${end} of ${bytes.length} bytes`);
  }

  /** Whether a field follows. */
  more(): boolean {
    return this.offset < this.end;
  }

  /** A varint as a number: exact below 2^53 (keys, lengths, revisions); larger ones (a negative int64) only approximately. */
  varint(): number {
    let byte = this.byte();
    if (byte < 0x80) return byte;
    let value = byte & 0x7f;
    let scale = 128;
    for (let i = 1; i < MAX_VARINT_BYTES; i++) {
      byte = this.byte();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    throw this.malformed('a varint longer than 10 bytes');
  }

  /** A varint as an unsigned 64-bit value, exact. */
  bigVarint(): bigint {
    let value = 0n;
    let shift = 0n;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      const byte = this.byte();
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asUintN(64, value);
      shift += 7n;
    }
    throw this.malformed('a varint longer than 10 bytes');
  }

  /** A varint as the decimal string of an int64 (etcd lease ids use all 64 bits). */
  int64String(): string {
    return BigInt.asIntN(64, this.bigVarint()).toString();
  }

  /** A length-delimited field: the start of its bytes; the cursor moves past them (their end). */
  lengthDelimited(): number {
    const length = this.varint();
    const start = this.offset;
    if (length > this.end - start) throw this.malformed('a truncated field (it runs past its message)');
    this.offset = start + length;
    return start;
  }

  /** An embedded message (a length-delimited field) as a reader of its own; this one moves past it. */
  embedded(): WireReader {
    const start = this.lengthDelimited();
    return new WireReader(this.bytes, start, this.offset, this.what);
  }

  /** The varint field `fieldTag` of the rest of this message (the last one wins, as in protobuf; 0 if absent), every other field passed over. */
  varintFieldOf(fieldTag: number): number {
    let value = 0;
    while (this.offset < this.end) {
      const key = this.varint();
      if (key === fieldTag) value = this.varint();
      else this.skip(key & 7);
    }
    return value;
  }

  /** Passes over a field's value of wire type `wireType` (its key already read). */
  skip(wireType: number): void {
    if (wireType === VARINT) this.varint();
    else if (wireType === LENGTH_DELIMITED) this.lengthDelimited();
    else if (wireType === FIXED64) this.advance(8);
    else if (wireType === FIXED32) this.advance(4);
    else throw this.malformed(`wire type ${wireType}`);
  }

  private advance(bytes: number): void {
    if (bytes > this.end - this.offset) throw this.malformed('a truncated field (it runs past its message)');
    this.offset += bytes;
  }

  private byte(): number {
    if (this.offset >= this.end) throw this.malformed('a truncated varint (it runs past its message)');
    return this.bytes[this.offset++]!;
  }

  private malformed(detail: string): Error {
    return new Error(`${this.what}: ${detail}`);
  }
}
