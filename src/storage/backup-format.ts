import { createHash } from 'node:crypto';
import { assert } from '../contracts/errors.js';
import { BACKUP_HEADER_BYTES as HEADER_BYTES, type BackupHeader } from '../contracts/backup.js';

/**
 * The backup file (docs/backup.md): a cluster's key space as of one commit timestamp, in one
 * file that can be checked before anything is restored from it.
 *
 *   [0, 4096)   header block: "STRATABK", u32 BE length L, L bytes of header JSON, zeros,
 *               and in its last 32 bytes the SHA-256 of the 4064 bytes before them
 *   [4096, end) body: entries `u32 BE key length | key | u32 BE value length | value`, keys
 *               strictly increasing bytewise; the header gives their count, the body's
 *               length and the body's SHA-256
 *
 * Keys are user keys (no version suffix), values the rows visible at the header's timestamp
 * (no tombstones: a key deleted at that time is absent). The header is written last, in place
 * of zeros reserved for it, so counts and checksum describe exactly the bytes that follow.
 */

export const BACKUP_MAGIC = 'STRATABK';
export const BACKUP_FORMAT_VERSION = 1;
/** The header block's size (the contract's: the control plane reports file sizes). */
export { HEADER_BYTES };
const HEADER_HASH_BYTES = 32;
const HEADER_JSON_AT = 12;
/** Entries are framed with u32 lengths; no stored key or row comes near this. */
const MAX_ENTRY_PART_BYTES = 64 * 1024 * 1024;

export type { BackupHeader };

/** A backup file that is not one, or not whole: the user's problem, said plainly. */
export class BackupFormatError extends Error {}

export function encodeHeader(header: BackupHeader): Uint8Array {
  const block = Buffer.alloc(HEADER_BYTES);
  block.write(BACKUP_MAGIC, 0, 'latin1');
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  assert(HEADER_JSON_AT + json.length <= HEADER_BYTES - HEADER_HASH_BYTES, 'the backup header fits its block');
  block.writeUInt32BE(json.length, 8);
  json.copy(block, HEADER_JSON_AT);
  createHash('sha256').update(block.subarray(0, HEADER_BYTES - HEADER_HASH_BYTES)).digest().copy(block, HEADER_BYTES - HEADER_HASH_BYTES);
  return block;
}

/** The header of a backup file from its first block; a BackupFormatError saying what is wrong otherwise. */
export function decodeHeader(block: Uint8Array, where: string): BackupHeader {
  const bytes = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
  if (bytes.length < HEADER_BYTES || bytes.toString('latin1', 0, 8) !== BACKUP_MAGIC) {
    throw new BackupFormatError(`${where} is not a Strata backup (no ${BACKUP_MAGIC} header)`);
  }
  const hash = createHash('sha256').update(bytes.subarray(0, HEADER_BYTES - HEADER_HASH_BYTES)).digest();
  if (!hash.equals(bytes.subarray(HEADER_BYTES - HEADER_HASH_BYTES, HEADER_BYTES))) throw new BackupFormatError(`${where}: the backup header is corrupt (checksum mismatch)`);
  const length = bytes.readUInt32BE(8);
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(bytes.toString('utf8', HEADER_JSON_AT, HEADER_JSON_AT + length)) as Record<string, unknown>;
  } catch {
    throw new BackupFormatError(`${where}: the backup header is not readable`);
  }
  if (value['format'] !== BACKUP_FORMAT_VERSION) throw new BackupFormatError(`${where}: backup format ${String(value['format'])} is not supported (this strata reads format ${BACKUP_FORMAT_VERSION})`);
  for (const field of ['timestamp', 'takenAtMs', 'catalogVersion', 'entries', 'keyBytes', 'valueBytes', 'bodyBytes'] as const) {
    if (!Number.isSafeInteger(value[field]) || (value[field] as number) < 0) throw new BackupFormatError(`${where}: the backup header's ${field} is malformed`);
  }
  if (typeof value['clusterId'] !== 'string' || typeof value['bodySha256'] !== 'string') throw new BackupFormatError(`${where}: the backup header is malformed`);
  return value as unknown as BackupHeader;
}

/**
 * Frames entries into chunks of about `chunkBytes` for appending, hashing and counting as it
 * goes; memory stays at one chunk whatever the cluster's size.
 */
export class BodyWriter {
  private readonly hash = createHash('sha256');
  private chunk: Buffer;
  private used = 0;
  entries = 0;
  keyBytes = 0;
  valueBytes = 0;
  bodyBytes = 0;
  private previous: Uint8Array | null = null;

  constructor(private readonly chunkBytes = 1024 * 1024) {
    this.chunk = Buffer.allocUnsafe(chunkBytes);
  }

  /** Adds an entry; returns a full chunk to append when one is ready (the writer's copy: append it before the next add). */
  add(key: Uint8Array, value: Uint8Array): Uint8Array | null {
    assert(this.previous === null || Buffer.compare(this.previous, key) < 0, 'backup entries are written in increasing key order');
    this.previous = key;
    const size = 8 + key.length + value.length;
    let full: Uint8Array | null = null;
    if (this.used + size > this.chunk.length && this.used > 0) full = this.take();
    if (size > this.chunk.length) this.chunk = Buffer.allocUnsafe(size);
    this.chunk.writeUInt32BE(key.length, this.used);
    this.chunk.set(key, this.used + 4);
    this.chunk.writeUInt32BE(value.length, this.used + 4 + key.length);
    this.chunk.set(value, this.used + 8 + key.length);
    this.used += size;
    this.entries++;
    this.keyBytes += key.length;
    this.valueBytes += value.length;
    return full;
  }

  /** What is buffered (empty when nothing is): appended last. */
  take(): Uint8Array {
    const out = Buffer.from(this.chunk.subarray(0, this.used));
    this.hash.update(out);
    this.bodyBytes += out.length;
    this.used = 0;
    if (this.chunk.length > this.chunkBytes) this.chunk = Buffer.allocUnsafe(this.chunkBytes);
    return out;
  }

  header(fields: Pick<BackupHeader, 'clusterId' | 'timestamp' | 'takenAtMs' | 'catalogVersion'>): BackupHeader {
    assert(this.used === 0, 'the body is all taken before the header is made');
    return {
      format: BACKUP_FORMAT_VERSION, ...fields, entries: this.entries, keyBytes: this.keyBytes, valueBytes: this.valueBytes,
      bodyBytes: this.bodyBytes, bodySha256: this.hash.digest('hex'),
    };
  }
}

/**
 * Parses a body fed in chunks of any size, checking it against the header as it goes: key
 * order, frame lengths, and at the end the counts and the SHA-256. Every complaint is a
 * BackupFormatError.
 */
export class BodyReader {
  private readonly hash = createHash('sha256');
  private carry: Buffer = Buffer.alloc(0);
  private previous: Buffer | null = null;
  private entries = 0;
  private bytes = 0;

  constructor(private readonly header: BackupHeader, private readonly where: string) {}

  /** The whole entries the chunk completes (copies: the caller may keep them). */
  push(chunk: Uint8Array): { key: Uint8Array; value: Uint8Array }[] {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    const data = this.carry.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.carry, chunk]);
    const out: { key: Uint8Array; value: Uint8Array }[] = [];
    let at = 0;
    for (;;) {
      if (data.length - at < 4) break;
      const keyLength = data.readUInt32BE(at);
      if (keyLength === 0 || keyLength > MAX_ENTRY_PART_BYTES) throw this.corrupt(`an entry's key length ${keyLength} is impossible`);
      if (data.length - at < 8 + keyLength) break;
      const valueLength = data.readUInt32BE(at + 4 + keyLength);
      if (valueLength > MAX_ENTRY_PART_BYTES) throw this.corrupt(`an entry's value length ${valueLength} is impossible`);
      if (data.length - at < 8 + keyLength + valueLength) break;
      const key = Buffer.from(data.subarray(at + 4, at + 4 + keyLength));
      if (this.previous !== null && Buffer.compare(this.previous, key) >= 0) throw this.corrupt('its keys are out of order');
      this.previous = key;
      out.push({ key, value: Buffer.from(data.subarray(at + 8 + keyLength, at + 8 + keyLength + valueLength)) });
      this.entries++;
      at += 8 + keyLength + valueLength;
    }
    this.carry = Buffer.from(data.subarray(at));
    if (this.entries > this.header.entries) throw this.corrupt(`it holds more entries than its header's ${this.header.entries}`);
    return out;
  }

  /** Checks that the body ended where and as the header says. */
  finish(): void {
    if (this.carry.length > 0) throw this.corrupt('it ends inside an entry');
    if (this.bytes !== this.header.bodyBytes || this.entries !== this.header.entries) {
      throw this.corrupt(`it holds ${this.entries} entries in ${this.bytes} bytes, its header says ${this.header.entries} in ${this.header.bodyBytes}`);
    }
    if (this.hash.digest('hex') !== this.header.bodySha256) throw this.corrupt('checksum mismatch (SHA-256 of the body)');
  }

  private corrupt(what: string): BackupFormatError {
    return new BackupFormatError(`${this.where}: the backup is corrupt: ${what}`);
  }
}
