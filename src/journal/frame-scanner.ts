import type { FileHandle } from '../env/env.js';
import { assert } from '../contracts/errors.js';
import { FRAME_HEADER_BYTES, checkFrameHeader, frameCrcMatches } from './record-codec.js';

/** One step of a scan over a segment file. Frame offsets are byte offsets in the file. */
export type ScanStep =
  | { readonly kind: 'frame'; readonly offset: number; readonly end: number; readonly bytes: Uint8Array; readonly payloadStart: number; readonly payloadLength: number }
  | { readonly kind: 'end'; readonly offset: number }
  | { readonly kind: 'torn'; readonly offset: number }
  | { readonly kind: 'corrupt'; readonly offset: number; readonly reason: string };

/** Reads are batched into chunks of this size so a scan costs few system calls. */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Walks the frames of one segment file up to `limit` bytes, verifying each frame's CRC.
 * The `bytes` of a 'frame' step stay valid only until the next call of `next`.
 */
export class FrameScanner {
  private buffer: Uint8Array = new Uint8Array(0);
  private bufferStart = 0;
  private offset = 0;

  constructor(private readonly handle: FileHandle, private readonly limit: number) {}

  async next(): Promise<ScanStep> {
    const offset = this.offset;
    if (offset === this.limit) return { kind: 'end', offset };
    const available = this.limit - offset;
    await this.ensure(offset, Math.min(available, FRAME_HEADER_BYTES));
    const header = checkFrameHeader(this.buffer, offset - this.bufferStart, available);
    if (header.kind === 'torn') return { kind: 'torn', offset };
    if (header.kind === 'corrupt') return { kind: 'corrupt', offset, reason: header.reason };
    const frameBytes = FRAME_HEADER_BYTES + header.payloadLength;
    await this.ensure(offset, frameBytes);
    const local = offset - this.bufferStart;
    if (!frameCrcMatches(this.buffer, local, header.payloadLength)) {
      return { kind: 'corrupt', offset, reason: 'checksum mismatch' };
    }
    this.offset = offset + frameBytes;
    return {
      kind: 'frame', offset, end: this.offset, bytes: this.buffer,
      payloadStart: local + FRAME_HEADER_BYTES, payloadLength: header.payloadLength,
    };
  }

  /** Makes file bytes [offset, offset + length) present in the buffer. */
  private async ensure(offset: number, length: number): Promise<void> {
    const bufferEnd = this.bufferStart + this.buffer.length;
    if (offset >= this.bufferStart && offset + length <= bufferEnd) return;
    const readLength = Math.min(Math.max(length, READ_CHUNK_BYTES), this.limit - offset);
    const bytes = await this.handle.read(offset, readLength);
    if (bytes.length < length) throw new Error(`journal segment shorter than expected at offset ${offset}`);
    assert(bytes.length <= readLength, 'read returns at most the bytes asked for');
    this.buffer = bytes;
    this.bufferStart = offset;
  }
}
