/**
 * Encoder for backend (server → client) messages: every message goes into one growing buffer,
 * and `take()` hands out all of it, so the responses to one input chunk leave in one write.
 * https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
export interface ErrorFields {
  readonly severity: 'ERROR' | 'FATAL' | 'NOTICE' | 'WARNING';
  readonly code: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly position?: number;
  /** CONTEXT: where the error happened (a COPY line, say). */
  readonly where?: string;
}

/** A RowDescription column: the session's field description plus the format sent. */
export interface RowField extends FieldDescription {
  readonly format: number;
}

import type { FieldDescription } from '../contracts/sql-session.js';

const INITIAL_BYTES = 16 * 1024;
/** Strings up to this length are tried as ASCII, byte by byte, before the UTF-8 encoder (`text`). */
const SHORT_TEXT_CHARS = 32;

export class BackendWriter {
  private buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  /** Where the bytes not yet taken begin: bytes before it belong to earlier takes. */
  private start = 0;
  private offset = 0;

  get length(): number {
    return this.offset - this.start;
  }

  /**
   * All bytes written since the last take, as a view: taken bytes are never written again (the
   * writer moves on to a fresh buffer when this one is full), so the socket may keep the view
   * as long as it needs without a copy per response.
   */
  take(): Buffer {
    const out = this.buffer.subarray(this.start, this.offset);
    this.start = this.offset;
    return out;
  }

  /** Appends bytes that are already a whole message (a cached RowDescription, say). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.length;
  }

  private ensure(n: number): void {
    if (this.offset + n <= this.buffer.length) return;
    const pending = this.offset - this.start;
    let size = INITIAL_BYTES;
    while (size < pending + n) size *= 2;
    const fresh = Buffer.allocUnsafe(size);
    this.buffer.copy(fresh, 0, this.start, this.offset);
    this.buffer = fresh;
    this.start = 0;
    this.offset = pending;
  }

  /**
   * Starts a message; returns where its length goes (patched by end()), relative to the
   * untaken bytes, which ensure() may move to a fresh buffer while the message grows.
   */
  private begin(type: number): number {
    this.ensure(5);
    this.buffer[this.offset++] = type;
    const at = this.offset - this.start;
    this.offset += 4;
    return at;
  }

  private end(at: number): void {
    const position = this.start + at;
    this.buffer.writeInt32BE(this.offset - position, position);
  }

  private int16(n: number): void {
    this.ensure(2);
    this.buffer.writeInt16BE(n, this.offset);
    this.offset += 2;
  }

  private int32(n: number): void {
    this.ensure(4);
    this.buffer.writeInt32BE(n | 0, this.offset);
    this.offset += 4;
  }

  private cstring(s: string): void {
    this.ensure(s.length * 3 + 1);
    this.offset += this.text(s, this.offset);
    this.buffer[this.offset++] = 0;
  }

  /**
   * Writes `s` as UTF-8 at `offset` (room for `s.length * 3` bytes ensured); the bytes written.
   * A short ASCII string (a command tag, a number, most cells) is copied by a loop: the call
   * into C++ that encodes UTF-8 costs more than its few bytes.
   */
  private text(s: string, offset: number): number {
    const n = s.length;
    if (n <= SHORT_TEXT_CHARS) {
      const buffer = this.buffer;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buffer[offset + i] = c;
      }
      if (i === n) return n;
    }
    return this.buffer.write(s, offset, 'utf8');
  }

  /** A single byte outside any message (the answer to SSLRequest / GSSENCRequest). */
  rawByte(b: number): void {
    this.ensure(1);
    this.buffer[this.offset++] = b;
  }

  authenticationCleartextPassword(): void {
    const at = this.begin(0x52); // 'R'
    this.int32(3);
    this.end(at);
  }

  authenticationOk(): void {
    const at = this.begin(0x52);
    this.int32(0);
    this.end(at);
  }

  parameterStatus(name: string, value: string): void {
    const at = this.begin(0x53); // 'S'
    this.cstring(name);
    this.cstring(value);
    this.end(at);
  }

  backendKeyData(processId: number, secretKey: number): void {
    const at = this.begin(0x4b); // 'K'
    this.int32(processId);
    this.int32(secretKey);
    this.end(at);
  }

  readyForQuery(status: 'I' | 'T' | 'E'): void {
    const at = this.begin(0x5a); // 'Z'
    this.ensure(1);
    this.buffer[this.offset++] = status.charCodeAt(0);
    this.end(at);
  }

  rowDescription(fields: readonly RowField[]): void {
    const at = this.begin(0x54); // 'T'
    this.int16(fields.length);
    for (const f of fields) {
      this.cstring(f.name);
      this.int32(f.tableOid);
      this.int16(f.columnNumber);
      this.int32(f.typeOid);
      this.int16(f.typeSize);
      this.int32(f.typeModifier);
      this.int16(f.format);
    }
    this.end(at);
  }

  /** One row: text cells are written as UTF-8 straight into the buffer. */
  dataRow(cells: readonly (string | Uint8Array | null)[]): void {
    const at = this.begin(0x44); // 'D'
    this.int16(cells.length);
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i];
      if (cell === null || cell === undefined) {
        this.int32(-1);
      } else if (typeof cell === 'string') {
        this.ensure(4 + cell.length * 3);
        const written = this.text(cell, this.offset + 4);
        this.buffer.writeInt32BE(written, this.offset);
        this.offset += 4 + written;
      } else {
        this.ensure(4 + cell.length);
        this.buffer.writeInt32BE(cell.length, this.offset);
        this.buffer.set(cell, this.offset + 4);
        this.offset += 4 + cell.length;
      }
    }
    this.end(at);
  }

  commandComplete(tag: string): void {
    const at = this.begin(0x43); // 'C'
    this.cstring(tag);
    this.end(at);
  }

  emptyQueryResponse(): void {
    this.end(this.begin(0x49)); // 'I'
  }

  parseComplete(): void {
    this.end(this.begin(0x31)); // '1'
  }

  bindComplete(): void {
    this.end(this.begin(0x32)); // '2'
  }

  closeComplete(): void {
    this.end(this.begin(0x33)); // '3'
  }

  noData(): void {
    this.end(this.begin(0x6e)); // 'n'
  }

  portalSuspended(): void {
    this.end(this.begin(0x73)); // 's'
  }

  /** CopyInResponse ('G') / CopyOutResponse ('H'): overall format, then one per column. */
  copyInResponse(binary: boolean, columns: number): void {
    this.copyResponse(0x47, binary, columns);
  }

  copyOutResponse(binary: boolean, columns: number): void {
    this.copyResponse(0x48, binary, columns);
  }

  private copyResponse(type: number, binary: boolean, columns: number): void {
    const at = this.begin(type);
    this.ensure(1);
    this.buffer[this.offset++] = binary ? 1 : 0;
    this.int16(columns);
    for (let i = 0; i < columns; i++) this.int16(binary ? 1 : 0);
    this.end(at);
  }

  copyData(data: Uint8Array): void {
    const at = this.begin(0x64); // 'd'
    this.raw(data);
    this.end(at);
  }

  copyDone(): void {
    this.end(this.begin(0x63)); // 'c'
  }

  parameterDescription(types: readonly number[]): void {
    const at = this.begin(0x74); // 't'
    this.int16(types.length);
    for (const t of types) this.int32(t);
    this.end(at);
  }

  errorResponse(fields: ErrorFields): void {
    this.notice(0x45, fields); // 'E'
  }

  noticeResponse(fields: ErrorFields): void {
    this.notice(0x4e, fields); // 'N'
  }

  private notice(type: number, fields: ErrorFields): void {
    const at = this.begin(type);
    const field = (code: string, value: string | undefined) => {
      if (value === undefined) return;
      this.ensure(1);
      this.buffer[this.offset++] = code.charCodeAt(0);
      this.cstring(value);
    };
    field('S', fields.severity);
    field('V', fields.severity);
    field('C', fields.code);
    field('M', fields.message);
    field('D', fields.detail);
    field('H', fields.hint);
    field('P', fields.position !== undefined ? String(fields.position) : undefined);
    field('W', fields.where);
    this.ensure(1);
    this.buffer[this.offset++] = 0;
    this.end(at);
  }
}
