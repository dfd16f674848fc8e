import { crc32 } from 'node:zlib';
import type { JournalRecord } from '../contracts/journal.js';
import type { WriteEntry } from '../contracts/kv.js';
import { assert } from '../contracts/errors.js';

/**
 * The on-disk form of one journal record (DESIGN.md §2 Journal):
 *
 *   frame   = [u32 payloadLength][u32 crc32(payload)][payload]          (little-endian)
 *   payload = [f64 commitTimestamp][u16 idLength][id utf-8][u32 writeCount]
 *             writeCount × ([u32 keyLength][key][u32 valueLength | TOMBSTONE][value])
 *
 * The CRC lets recovery tell a torn or corrupt tail from a whole record.
 */
export const FRAME_HEADER_BYTES = 8;
const TOMBSTONE = 0xffff_ffff;
const MAX_TRANSACTION_ID_BYTES = 0xffff;
/** DSQL's 10 MiB transaction limit plus key and framing overhead (3,000 rows × index keys). */
export const MAX_RECORD_PAYLOAD_BYTES = 16 * 1024 * 1024;
const FIXED_PAYLOAD_BYTES = 8 + 2 + 4;
const PER_WRITE_BYTES = 8;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** Bytes the payload of `record` takes (without its frame header). */
export function payloadBytes(record: JournalRecord, idBytes: number): number {
  let total = FIXED_PAYLOAD_BYTES + idBytes;
  for (const write of record.writes) {
    total += PER_WRITE_BYTES + write.key.length + (write.value === null ? 0 : write.value.length);
  }
  return total;
}

/** Frames a batch of records into one buffer (one write on disk). Throws RangeError if a record is too large. */
export function encodeBatch(records: readonly JournalRecord[]): Uint8Array {
  const ids: Uint8Array[] = [];
  let total = 0;
  for (const record of records) {
    const id = textEncoder.encode(record.transactionId);
    if (id.length > MAX_TRANSACTION_ID_BYTES) throw new RangeError('journal record: transaction id too long');
    const bytes = payloadBytes(record, id.length);
    if (bytes > MAX_RECORD_PAYLOAD_BYTES) throw new RangeError(`journal record of ${bytes} bytes exceeds ${MAX_RECORD_PAYLOAD_BYTES}`);
    ids.push(id);
    total += FRAME_HEADER_BYTES + bytes;
  }
  const buffer = Buffer.allocUnsafe(total);
  let offset = 0;
  for (let i = 0; i < records.length; i++) offset = encodeFrame(buffer, offset, records[i]!, ids[i]!);
  assert(offset === total, 'journal batch encoding filled its buffer exactly');
  return buffer;
}

function encodeFrame(buffer: Buffer, start: number, record: JournalRecord, id: Uint8Array): number {
  assert(Number.isFinite(record.commitTimestamp), 'journal record has a finite commit timestamp');
  let offset = start + FRAME_HEADER_BYTES;
  offset = buffer.writeDoubleLE(record.commitTimestamp, offset);
  offset = buffer.writeUInt16LE(id.length, offset);
  buffer.set(id, offset);
  offset += id.length;
  offset = buffer.writeUInt32LE(record.writes.length, offset);
  for (const write of record.writes) {
    offset = buffer.writeUInt32LE(write.key.length, offset);
    buffer.set(write.key, offset);
    offset += write.key.length;
    if (write.value === null) {
      offset = buffer.writeUInt32LE(TOMBSTONE, offset);
    } else {
      offset = buffer.writeUInt32LE(write.value.length, offset);
      buffer.set(write.value, offset);
      offset += write.value.length;
    }
  }
  const payloadLength = offset - start - FRAME_HEADER_BYTES;
  buffer.writeUInt32LE(payloadLength, start);
  buffer.writeUInt32LE(crc32(buffer.subarray(start + FRAME_HEADER_BYTES, offset)), start + 4);
  return offset;
}

/** What a frame header at some offset says. */
export type FrameCheck =
  | { readonly kind: 'whole'; readonly payloadLength: number }
  | { readonly kind: 'torn' }
  | { readonly kind: 'corrupt'; readonly reason: string };

/**
 * Checks the frame at `offset` of `bytes`, where `available` bytes of the file remain from
 * `offset` (the buffer may hold fewer; the caller reads more when `needed` says so).
 */
export function checkFrameHeader(bytes: Uint8Array, offset: number, available: number): FrameCheck {
  if (available < FRAME_HEADER_BYTES) return { kind: 'torn' };
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const payloadLength = view.readUInt32LE(offset);
  if (payloadLength < FIXED_PAYLOAD_BYTES || payloadLength > MAX_RECORD_PAYLOAD_BYTES) {
    return { kind: 'corrupt', reason: `impossible record length ${payloadLength}` };
  }
  if (available < FRAME_HEADER_BYTES + payloadLength) return { kind: 'torn' };
  return { kind: 'whole', payloadLength };
}

/** Verifies the CRC of a whole frame at `offset` (header and payload in `bytes`). */
export function frameCrcMatches(bytes: Uint8Array, offset: number, payloadLength: number): boolean {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const expected = view.readUInt32LE(offset + 4);
  const start = offset + FRAME_HEADER_BYTES;
  return crc32(bytes.subarray(start, start + payloadLength)) === expected;
}

/** Decodes a payload whose CRC matched. Values and keys are copies (the read buffer is reused). */
export function decodePayload(bytes: Uint8Array, start: number, payloadLength: number): JournalRecord {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = start + payloadLength;
  let offset = start;
  const commitTimestamp = view.readDoubleLE(offset);
  offset += 8;
  const idLength = view.readUInt16LE(offset);
  offset += 2;
  const transactionId = textDecoder.decode(bytes.subarray(offset, offset + idLength));
  offset += idLength;
  const writeCount = view.readUInt32LE(offset);
  offset += 4;
  const writes: WriteEntry[] = [];
  for (let i = 0; i < writeCount; i++) {
    const keyLength = view.readUInt32LE(offset);
    offset += 4;
    const key = new Uint8Array(bytes.subarray(offset, offset + keyLength));
    offset += keyLength;
    const valueLength = view.readUInt32LE(offset);
    offset += 4;
    let value: Uint8Array | null = null;
    if (valueLength !== TOMBSTONE) {
      value = new Uint8Array(bytes.subarray(offset, offset + valueLength));
      offset += valueLength;
    }
    assert(offset <= end, 'journal record fields stay inside the payload');
    writes.push({ key, value });
  }
  assert(offset === end, 'journal record payload fully consumed');
  return { commitTimestamp, transactionId, writes };
}

/** Decodes every frame of a buffer made by `encodeBatch` (a batch kept whole in memory or a store). */
export function decodeBatch(bytes: Uint8Array): JournalRecord[] {
  const records: JournalRecord[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const header = checkFrameHeader(bytes, offset, bytes.length - offset);
    if (header.kind !== 'whole') throw new Error(`journal batch is ${header.kind} at offset ${offset}`);
    if (!frameCrcMatches(bytes, offset, header.payloadLength)) throw new Error(`journal batch checksum mismatch at offset ${offset}`);
    records.push(decodePayload(bytes, offset + FRAME_HEADER_BYTES, header.payloadLength));
    offset += FRAME_HEADER_BYTES + header.payloadLength;
  }
  return records;
}
