/**
 * The client side of the PostgreSQL v3 protocol, sans I/O: encoders for the frontend messages a
 * simple client sends, and a decoder for the backend messages it receives. The mirror image of
 * frontend.ts (decoding what clients send) and backend.ts (encoding what the server sends); the
 * web console (src/console) talks to Strata through it like any other client.
 * https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
import type { ErrorFields } from './backend.js';
import { CANCEL_REQUEST_CODE, PROTOCOL_3_0, SSL_REQUEST_CODE } from './frontend.js';

const LENGTH_BYTES = 4;
const TYPE_BYTES = 1;

/**
 * An ErrorResponse or NoticeResponse as received: the fields the server sends (backend.ts), with
 * whatever severity a server names (`position` is 1-based, in characters of the statement text).
 */
export type ServerNotice = Omit<ErrorFields, 'severity'> & { readonly severity: string };

export interface ColumnDescription {
  readonly name: string;
  readonly typeOid: number;
  readonly typeModifier: number;
}

export type BackendMessage =
  | { readonly type: 'authentication'; readonly code: number }
  | { readonly type: 'parameter-status'; readonly name: string; readonly value: string }
  | { readonly type: 'backend-key-data'; readonly processId: number; readonly secretKey: number }
  | { readonly type: 'ready-for-query'; readonly status: 'I' | 'T' | 'E' }
  | { readonly type: 'row-description'; readonly columns: readonly ColumnDescription[] }
  | { readonly type: 'data-row'; readonly cells: readonly (string | null)[]; readonly bytes: number }
  | { readonly type: 'command-complete'; readonly tag: string }
  | { readonly type: 'empty-query' }
  | { readonly type: 'error'; readonly fields: ServerNotice }
  | { readonly type: 'notice'; readonly fields: ServerNotice }
  | { readonly type: 'parse-complete' }
  | { readonly type: 'bind-complete' }
  | { readonly type: 'close-complete' }
  | { readonly type: 'no-data' }
  | { readonly type: 'portal-suspended' }
  | { readonly type: 'parameter-description' }
  | { readonly type: 'copy-in' }
  | { readonly type: 'copy-out' }
  | { readonly type: 'copy-data'; readonly text: string }
  | { readonly type: 'copy-done' }
  | { readonly type: 'notification'; readonly channel: string; readonly payload: string };

export class BackendProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendProtocolError';
  }
}

function frame(type: number | null, body: Buffer): Buffer {
  const header = Buffer.alloc((type === null ? 0 : TYPE_BYTES) + LENGTH_BYTES);
  if (type !== null) header[0] = type;
  header.writeInt32BE(body.length + LENGTH_BYTES, type === null ? 0 : TYPE_BYTES);
  return Buffer.concat([header, body]);
}

function cstring(text: string): Buffer {
  if (text.includes('\0')) throw new RangeError('a protocol string cannot contain a NUL character');
  return Buffer.from(`${text}\0`, 'utf8');
}

function int32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value | 0);
  return b;
}

function int16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(value);
  return b;
}

export function encodeSslRequest(): Buffer {
  return frame(null, int32(SSL_REQUEST_CODE));
}

export function encodeStartup(parameters: Readonly<Record<string, string>>): Buffer {
  const parts = [int32(PROTOCOL_3_0)];
  for (const [name, value] of Object.entries(parameters)) parts.push(cstring(name), cstring(value));
  parts.push(Buffer.from([0]));
  return frame(null, Buffer.concat(parts));
}

export function encodeCancelRequest(processId: number, secretKey: number): Buffer {
  return frame(null, Buffer.concat([int32(CANCEL_REQUEST_CODE), int32(processId), int32(secretKey)]));
}

export function encodePassword(password: string): Buffer {
  return frame(0x70, cstring(password)); // 'p'
}

/** Parse of the unnamed statement, with no parameter types. */
export function encodeParse(sql: string): Buffer {
  return frame(0x50, Buffer.concat([cstring(''), cstring(sql), int16(0)])); // 'P'
}

/** Bind of the unnamed portal to the unnamed statement: no parameters, every column as text. */
export function encodeBind(): Buffer {
  return frame(0x42, Buffer.concat([cstring(''), cstring(''), int16(0), int16(0), int16(0)])); // 'B'
}

export function encodeDescribePortal(): Buffer {
  return frame(0x44, Buffer.concat([Buffer.from('P'), cstring('')])); // 'D'
}

/** Execute of the unnamed portal, at most `maxRows` rows (0: all). */
export function encodeExecute(maxRows: number): Buffer {
  return frame(0x45, Buffer.concat([cstring(''), int32(maxRows)])); // 'E'
}

export function encodeClosePortal(): Buffer {
  return frame(0x43, Buffer.concat([Buffer.from('P'), cstring('')])); // 'C'
}

export function encodeSync(): Buffer {
  return frame(0x53, Buffer.alloc(0)); // 'S'
}

export function encodeCopyFail(message: string): Buffer {
  return frame(0x66, cstring(message)); // 'f'
}

export function encodeTerminate(): Buffer {
  return frame(0x58, Buffer.alloc(0)); // 'X'
}

/** Reads one message body, every read checked against its end. */
class BodyReader {
  constructor(private readonly bytes: Buffer, private offset: number, private readonly end: number) {}

  int16(): number {
    this.need(2);
    const v = this.bytes.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.bytes.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  byte(): number {
    this.need(1);
    return this.bytes[this.offset++]!;
  }

  cstring(): string {
    const end = this.bytes.indexOf(0, this.offset);
    if (end < 0 || end >= this.end) throw new BackendProtocolError('unterminated string in a server message');
    const s = this.bytes.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return s;
  }

  text(n: number): string {
    this.need(n);
    const s = this.bytes.toString('utf8', this.offset, this.offset + n);
    this.offset += n;
    return s;
  }

  rest(): string {
    return this.text(this.end - this.offset);
  }

  private need(n: number): void {
    if (n < 0 || this.offset + n > this.end) throw new BackendProtocolError('a server message is shorter than its fields');
  }
}

/**
 * Decodes backend messages from bytes as they arrive. A message longer than `maxMessageBytes`
 * is a protocol error rather than a buffer that grows without bound.
 */
export class BackendDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly maxMessageBytes: number) {}

  feed(chunk: Uint8Array): BackendMessage[] {
    const incoming = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.buffer = this.buffer.length === 0 ? Buffer.from(incoming) : Buffer.concat([this.buffer, incoming]);
    const out: BackendMessage[] = [];
    let offset = 0;
    while (this.buffer.length - offset >= TYPE_BYTES + LENGTH_BYTES) {
      const type = this.buffer[offset]!;
      const length = this.buffer.readInt32BE(offset + TYPE_BYTES);
      if (length < LENGTH_BYTES || length > this.maxMessageBytes) throw new BackendProtocolError(`a server message of ${length} bytes`);
      if (this.buffer.length - offset < TYPE_BYTES + length) break;
      const start = offset + TYPE_BYTES + LENGTH_BYTES;
      offset += TYPE_BYTES + length;
      out.push(decodeBackend(type, new BodyReader(this.buffer, start, offset), length - LENGTH_BYTES));
    }
    this.buffer = this.buffer.subarray(offset);
    return out;
  }
}

function decodeNotice(reader: BodyReader): ServerNotice {
  const fields = new Map<string, string>();
  for (;;) {
    const code = reader.byte();
    if (code === 0) break;
    fields.set(String.fromCharCode(code), reader.cstring());
  }
  const position = fields.get('P');
  return {
    severity: fields.get('V') ?? fields.get('S') ?? 'ERROR',
    code: fields.get('C') ?? 'XX000',
    message: fields.get('M') ?? '',
    ...(fields.has('D') ? { detail: fields.get('D')! } : {}),
    ...(fields.has('H') ? { hint: fields.get('H')! } : {}),
    ...(position !== undefined && /^\d+$/.test(position) ? { position: Number(position) } : {}),
    ...(fields.has('W') ? { where: fields.get('W')! } : {}),
  };
}

function decodeRowDescription(reader: BodyReader): BackendMessage {
  const count = reader.int16();
  const columns: ColumnDescription[] = [];
  for (let i = 0; i < count; i++) {
    const name = reader.cstring();
    reader.int32(); // table oid
    reader.int16(); // column number
    const typeOid = reader.int32() >>> 0;
    reader.int16(); // type size
    const typeModifier = reader.int32();
    reader.int16(); // format
    columns.push({ name, typeOid, typeModifier });
  }
  return { type: 'row-description', columns };
}

function decodeDataRow(reader: BodyReader, bodyBytes: number): BackendMessage {
  const count = reader.int16();
  const cells: (string | null)[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const length = reader.int32();
    cells[i] = length === -1 ? null : reader.text(length);
  }
  return { type: 'data-row', cells, bytes: bodyBytes };
}

function decodeBackend(type: number, reader: BodyReader, bodyBytes: number): BackendMessage {
  switch (type) {
    case 0x52: return { type: 'authentication', code: reader.int32() }; // 'R'
    case 0x53: return { type: 'parameter-status', name: reader.cstring(), value: reader.cstring() }; // 'S'
    case 0x4b: return { type: 'backend-key-data', processId: reader.int32(), secretKey: reader.int32() }; // 'K'
    case 0x5a: { // 'Z'
      const status = String.fromCharCode(reader.byte());
      if (status !== 'I' && status !== 'T' && status !== 'E') throw new BackendProtocolError(`transaction status "${status}"`);
      return { type: 'ready-for-query', status };
    }
    case 0x54: return decodeRowDescription(reader); // 'T'
    case 0x44: return decodeDataRow(reader, bodyBytes); // 'D'
    case 0x43: return { type: 'command-complete', tag: reader.cstring() }; // 'C'
    case 0x49: return { type: 'empty-query' }; // 'I'
    case 0x45: return { type: 'error', fields: decodeNotice(reader) }; // 'E'
    case 0x4e: return { type: 'notice', fields: decodeNotice(reader) }; // 'N'
    case 0x31: return { type: 'parse-complete' }; // '1'
    case 0x32: return { type: 'bind-complete' }; // '2'
    case 0x33: return { type: 'close-complete' }; // '3'
    case 0x6e: return { type: 'no-data' }; // 'n'
    case 0x73: return { type: 'portal-suspended' }; // 's'
    case 0x74: return { type: 'parameter-description' }; // 't'
    case 0x47: return { type: 'copy-in' }; // 'G'
    case 0x48: return { type: 'copy-out' }; // 'H'
    case 0x57: return { type: 'copy-in' }; // 'W' (copy both): answered like copy-in, with CopyFail
    case 0x64: return { type: 'copy-data', text: reader.rest() }; // 'd'
    case 0x63: return { type: 'copy-done' }; // 'c'
    case 0x41: { // 'A'
      reader.int32();
      return { type: 'notification', channel: reader.cstring(), payload: reader.cstring() };
    }
    default: throw new BackendProtocolError(`unknown server message type ${type}`);
  }
}
