import { assert } from '../contracts/errors.js';
import type { Key } from '../contracts/kv.js';
import type { Timestamp } from '../contracts/time.js';
import { bytesBetween } from '../encoding/bytes.js';

/**
 * The stored form of one version of a user key: `K || ~commitTimestamp`, the timestamp as
 * 8 bytes big-endian with every bit inverted, so the versions of K sort newest first and a
 * read at τ is one seek to `K || ~τ`. User keys are prefix-free (src/encoding), so the
 * versions of one key are contiguous and every other user key sorts before or after all of
 * them. Commit timestamps are >= 1, so `K || ff×8` sorts after every version of K.
 */
export const VERSION_BYTES = 8;
const TWO_32 = 4294967296;

export function isCommitTimestamp(timestamp: Timestamp): boolean {
  return Number.isSafeInteger(timestamp) && timestamp >= 1;
}

/** `K || ~timestamp`. */
export function versionKey(key: Key, timestamp: Timestamp): Uint8Array {
  const out = new Uint8Array(key.length + VERSION_BYTES);
  out.set(key, 0);
  writeInverted(out, key.length, Math.max(0, Math.floor(timestamp)));
  return out;
}

/** The first stored key after every version of `key`: `K || ff×8`. */
export function afterAllVersions(key: Key): Uint8Array {
  const out = new Uint8Array(key.length + VERSION_BYTES);
  out.set(key, 0);
  out.fill(0xff, key.length);
  return out;
}

/** The commit timestamp of a stored version key. */
export function versionTimestamp(stored: Uint8Array): Timestamp {
  const at = stored.length - VERSION_BYTES;
  const high = (~readUint32(stored, at)) >>> 0;
  const low = (~readUint32(stored, at + 4)) >>> 0;
  return high * TWO_32 + low;
}

/** The user key of a stored version key (a copy when small, else a view: see bytesBetween). */
export function userKeyOf(stored: Uint8Array): Uint8Array {
  return bytesBetween(stored, 0, stored.length - VERSION_BYTES);
}

/** Whether `stored` is a version of exactly `key`. */
export function isVersionOf(stored: Uint8Array, key: Key): boolean {
  if (stored.length - VERSION_BYTES !== key.length) return false;
  for (let i = key.length - 1; i >= 0; i--) if (stored[i] !== key[i]) return false;
  return true;
}

/** Whether two stored version keys are versions of one user key. */
export function sameUserKey(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = a.length - VERSION_BYTES - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

/** sameUserKey of `stored` and the stored key held in `held[0, heldLength)`. */
export function sameUserKeyAs(stored: Uint8Array, held: Uint8Array, heldLength: number): boolean {
  if (stored.length !== heldLength) return false;
  for (let i = heldLength - VERSION_BYTES - 1; i >= 0; i--) if (stored[i] !== held[i]) return false;
  return true;
}

/**
 * The bytewise order of a stored version key's user key and `key` (as compareBytes), without
 * copying the user key out.
 */
export function compareUserKey(stored: Uint8Array, key: Key): number {
  const length = stored.length - VERSION_BYTES;
  const n = Math.min(length, key.length);
  for (let i = 0; i < n; i++) {
    const d = stored[i]! - key[i]!;
    if (d !== 0) return d;
  }
  return length - key.length;
}

/** A timestamp (< 2^64) as 8 bytes big-endian, inverted; no BigInt on the hot path. */
function writeInverted(out: Uint8Array, at: number, timestamp: Timestamp): void {
  assert(Number.isSafeInteger(timestamp), 'timestamps are safe integers');
  const high = Math.floor(timestamp / TWO_32);
  const low = timestamp - high * TWO_32;
  writeUint32(out, at, (~high) >>> 0);
  writeUint32(out, at + 4, (~low) >>> 0);
}

export function writeUint32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

export function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** A non-negative safe integer as 8 bytes big-endian. */
export function encodeUint64(value: number, out: Uint8Array, at: number): void {
  assert(Number.isSafeInteger(value) && value >= 0, 'stored counters are non-negative safe integers');
  const high = Math.floor(value / TWO_32);
  writeUint32(out, at, high);
  writeUint32(out, at + 4, value - high * TWO_32);
}

export function decodeUint64(bytes: Uint8Array, at: number): number {
  return readUint32(bytes, at) * TWO_32 + readUint32(bytes, at + 4);
}
