import { SqlError } from '../../contracts/errors.js';
import { MAX_RECORD_BYTES } from './copy-records.js';

/**
 * COPY's binary format (PostgreSQL's "PGCOPY\n\377\r\n\0" file: a header, then per tuple an
 * int16 field count and each field as an int32 length, -1 for NULL, and its binary value; an
 * int16 -1 ends the data), read sans I/O from CopyData payloads, and written.
 */
export const BINARY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = BINARY_SIGNATURE.length + 8;

const badFormat = (message: string) => new SqlError('22P04', message);

export class BinaryTupleReader {
  private pending: Buffer = Buffer.alloc(0);
  private headerRead = false;
  private ended = false;

  constructor(private readonly columns: number) {}

  /** Whether the header has been read (the tuples have started). */
  get started(): boolean {
    return this.headerRead;
  }

  /** The tuples this payload completes: each field's bytes, or null. */
  push(chunk: Uint8Array): (Uint8Array | null)[][] {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.ended) {
      if (bytes.length > 0) throw badFormat('received copy data after EOF marker');
      return [];
    }
    this.pending = this.pending.length === 0 ? Buffer.from(bytes) : Buffer.concat([this.pending, bytes]);
    const tuples: (Uint8Array | null)[][] = [];
    let at = 0;
    if (!this.headerRead) {
      at = this.header();
      if (at === 0) return tuples;
    }
    for (;;) {
      const tuple = this.tuple(at);
      if (tuple === null) break;
      at = tuple.next;
      if (tuple.fields === null) {
        this.ended = true;
        if (at < this.pending.length) throw badFormat('received copy data after EOF marker');
        break;
      }
      tuples.push(tuple.fields);
    }
    this.pending = Buffer.from(this.pending.subarray(at));
    if (this.pending.length > MAX_RECORD_BYTES) throw new SqlError('54000', 'maximum row size exceeded');
    return tuples;
  }

  /**
   * At CopyDone, where the data stopped inside a tuple: null when it did not, -1 inside the
   * field count, else the field it stopped in.
   */
  truncatedField(): number | null {
    if (!this.headerRead || this.ended || this.pending.length === 0) return null;
    const b = this.pending;
    if (b.length < 2) return -1;
    let p = 2;
    for (let i = 0; i < this.columns; i++) {
      if (b.length < p + 4) return i;
      const length = b.readInt32BE(p);
      p += 4 + Math.max(0, length);
      if (b.length < p) return i;
    }
    return null;
  }

  /** CopyDone: the data must have had its header (PostgreSQL accepts a missing trailer at a tuple boundary). */
  finish(): void {
    if (!this.headerRead) throw badFormat(this.pending.length === 0 ? 'COPY file signature not recognized' : 'invalid COPY file header (missing flags)');
  }

  /** Reads the header; returns where the tuples start, or 0 to wait for more bytes. */
  private header(): number {
    const b = this.pending;
    const signatureSeen = Math.min(b.length, BINARY_SIGNATURE.length);
    if (b.subarray(0, signatureSeen).compare(BINARY_SIGNATURE.subarray(0, signatureSeen)) !== 0) throw badFormat('COPY file signature not recognized');
    if (b.length < HEADER_BYTES) return 0;
    const flags = b.readInt32BE(BINARY_SIGNATURE.length);
    if ((flags & (1 << 16)) !== 0) throw badFormat('invalid COPY file header (WITH OIDS)');
    if ((flags >>> 17) !== 0) throw badFormat('unrecognized critical flags in COPY file header');
    const extension = b.readInt32BE(BINARY_SIGNATURE.length + 4);
    if (extension < 0) throw badFormat('invalid COPY file header (wrong length)');
    if (b.length < HEADER_BYTES + extension) return 0;
    this.headerRead = true;
    return HEADER_BYTES + extension;
  }

  /** One tuple at `at`: null to wait for more bytes; fields null for the trailer. */
  private tuple(at: number): { fields: (Uint8Array | null)[] | null; next: number } | null {
    const b = this.pending;
    if (b.length < at + 2) return null;
    const count = b.readInt16BE(at);
    if (count === -1) return { fields: null, next: at + 2 };
    if (count !== this.columns) throw badFormat(`row field count is ${count}, expected ${this.columns}`);
    let p = at + 2;
    const fields: (Uint8Array | null)[] = new Array(count);
    for (let i = 0; i < count; i++) {
      if (b.length < p + 4) return null;
      const length = b.readInt32BE(p);
      p += 4;
      if (length === -1) { fields[i] = null; continue; }
      if (length < 0) throw badFormat('invalid field size');
      if (b.length < p + length) return null;
      fields[i] = Uint8Array.from(b.subarray(p, p + length));
      p += length;
    }
    return { fields, next: p };
  }
}

/** The binary header: signature, no flags, no extension. */
export function binaryHeader(): Buffer {
  const out = Buffer.alloc(HEADER_BYTES);
  BINARY_SIGNATURE.copy(out, 0);
  return out;
}

export function binaryTuple(cells: readonly (Uint8Array | null)[]): Buffer {
  let size = 2;
  for (const c of cells) size += 4 + (c === null ? 0 : c.length);
  const out = Buffer.alloc(size);
  out.writeInt16BE(cells.length, 0);
  let p = 2;
  for (const c of cells) {
    if (c === null) { out.writeInt32BE(-1, p); p += 4; continue; }
    out.writeInt32BE(c.length, p);
    out.set(c, p + 4);
    p += 4 + c.length;
  }
  return out;
}

export const BINARY_TRAILER = Buffer.from([0xff, 0xff]);
