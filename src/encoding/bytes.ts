/**
 * Byte helpers for the hot paths of the encoding: UTF-8 and int64 without per-call allocation
 * beyond the value itself. (Node's Buffer.toString/readBigInt64LE go through several JS layers.)
 */
import { assert } from '../contracts/errors.js';

type Utf8Slice = (this: Uint8Array, start: number, end: number) => string;
type Latin1Slice = Utf8Slice;
type Utf8Write = (this: Uint8Array, text: string, offset: number, length: number) => number;

const bufferPrototype = Buffer.prototype as unknown as { utf8Slice?: Utf8Slice; utf8Write?: Utf8Write; latin1Slice?: Latin1Slice };
const nativeUtf8Slice = bufferPrototype.utf8Slice;
const nativeLatin1Slice = bufferPrototype.latin1Slice;
const nativeUtf8Write = bufferPrototype.utf8Write;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The UTF-8 text of bytes[start, end); works on any Uint8Array, Buffer or not. */
export function utf8Slice(bytes: Uint8Array, start: number, end: number): string {
  if (nativeUtf8Slice) return nativeUtf8Slice.call(bytes, start, end);
  return decoder.decode(bytes.subarray(start, end));
}

/**
 * The bytes as a one-byte-per-char string: an exact, hashable map key for byte strings. Reads
 * the bytes where they are: `Buffer.from(bytes.buffer, …)` would first move a small array's
 * contents off the V8 heap (accessing `.buffer` does), which costs more than the string.
 */
export function latin1Key(bytes: Uint8Array): string {
  if (nativeLatin1Slice) return nativeLatin1Slice.call(bytes, 0, bytes.length);
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += String.fromCharCode(bytes[i]!);
  return out;
}

/**
 * Bytewise order of two byte strings (negative, zero, positive), like Buffer.compare. For the
 * short keys of a scan the loop is several times cheaper than Buffer.compare's checks and call
 * into C++; long ones still go there.
 */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  if (n > 64) return Buffer.compare(a, b);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** V8 keeps typed arrays up to this many bytes on its heap (--typed-array-max-size-in-heap). */
const ON_HEAP_MAX_BYTES = 64;

/**
 * bytes[start, end): a copy when `bytes` is small, a view otherwise. A view of a small array
 * costs several times more than a copy: V8 keeps small typed arrays on its heap, and the first
 * view (anything that touches `.buffer`) moves the contents to a new off-heap allocation. LMDB
 * hands out every key and most rows as such small arrays.
 */
export function bytesBetween(bytes: Uint8Array, start: number, end: number): Uint8Array {
  if (bytes.length > ON_HEAP_MAX_BYTES) return bytes.subarray(start, end);
  const out = new Uint8Array(end - start);
  for (let i = start; i < end; i++) out[i - start] = bytes[i]!;
  return out;
}

/**
 * bytes[start, end) as a copy of its own, whatever its size: for bytes that outlive the buffer
 * they are read from (an LMDB read buffer reused on the next step). Small ones stay on V8's heap.
 */
export function copyBetween(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  if (end - start > ON_HEAP_MAX_BYTES) out.set(bytes.subarray(start, end));
  else for (let i = start; i < end; i++) out[i - start] = bytes[i]!;
  return out;
}

/**
 * Writes `text` as UTF-8 at `offset` (the caller ensured room for 3 bytes per UTF-16 unit) and
 * returns the byte count. Short ASCII strings are copied by hand: cheaper than a native call.
 */
export function writeUtf8(bytes: Uint8Array, text: string, offset: number): number {
  const n = text.length;
  if (n <= 32) {
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      bytes[offset + i] = c;
    }
    if (i === n) return n;
  }
  if (nativeUtf8Write) return nativeUtf8Write.call(bytes, text, offset, bytes.length - offset);
  return encoder.encodeInto(text, bytes.subarray(offset)).written;
}

// int64 through a little-endian scratch word (every platform Node runs us on is little-endian).
const word = new BigInt64Array(1);
const wordBytes = new Uint8Array(word.buffer);
assert(new Uint8Array(new Uint16Array([1]).buffer)[0] === 1, 'the encoding assumes a little-endian platform');

export function readInt64LE(bytes: Uint8Array, offset: number): bigint {
  assert(offset + 8 <= bytes.length, 'int64 out of bounds');
  for (let i = 0; i < 8; i++) wordBytes[i] = bytes[offset + i]!;
  return word[0]!;
}

export function writeInt64LE(bytes: Uint8Array, value: bigint, offset: number): void {
  word[0] = value;
  for (let i = 0; i < 8; i++) bytes[offset + i] = wordBytes[i]!;
}

/** Big-endian with the sign bit flipped: the bytewise-ordered form of an int64 in keys. */
export function writeOrderedInt64(bytes: Uint8Array, value: bigint, offset: number): void {
  word[0] = value;
  for (let i = 0; i < 8; i++) bytes[offset + i] = wordBytes[7 - i]!;
  bytes[offset] = bytes[offset]! ^ 0x80;
}

export function readOrderedInt64(bytes: Uint8Array, offset: number, mask: number): bigint {
  assert(offset + 8 <= bytes.length, 'int64 out of bounds');
  for (let i = 0; i < 8; i++) wordBytes[7 - i] = bytes[offset + i]! ^ mask;
  wordBytes[7] = wordBytes[7]! ^ 0x80;
  return word[0]!;
}

// Small results are carved out of shared 8 KiB slabs, as Node's Buffer pool does: allocating an
// ArrayBuffer per key or tuple costs several times more than the encoding. The results are plain
// Uint8Arrays (slice() copies, unlike Buffer's), so callers use their bytes, never `.buffer`.
const SLAB_SIZE = 8192;
const SLAB_MAX_ALLOCATION = 1024;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabOffset = 0;

/** A fresh, uninitialized-or-zero byte array of length n (contents unspecified). */
export function allocateBytes(n: number): Uint8Array {
  if (n > SLAB_MAX_ALLOCATION) return new Uint8Array(n);
  if (slabOffset + n > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabOffset = 0;
  }
  const out = new Uint8Array(slab, slabOffset, n);
  slabOffset = (slabOffset + n + 7) & ~7;
  return out;
}
