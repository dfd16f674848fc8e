/**
 * Decoder for frontend (client → server) messages of the PostgreSQL v3 protocol, sans I/O:
 * feed it bytes as they arrive, get whole messages back. Malformed input throws ProtocolError,
 * which the connection answers with FATAL 08P01 and a close.
 * https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
export const PROTOCOL_3_0 = 196608; // 3 << 16
export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;
/** DSQL's message size limit (reference/dsql.md §3.2). */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** PostgreSQL's limit for a startup packet (MAX_STARTUP_PACKET_LENGTH). */
export const MAX_STARTUP_BYTES = 10_000;
const LENGTH_BYTES = 4;
const TYPE_BYTES = 1;

export type FrontendMessage =
  | { readonly type: 'startup'; readonly protocol: number; readonly parameters: Map<string, string> }
  | { readonly type: 'ssl-request' }
  | { readonly type: 'gssenc-request' }
  | { readonly type: 'cancel'; readonly processId: number; readonly secretKey: number }
  | { readonly type: 'password'; readonly password: string }
  | { readonly type: 'query'; readonly sql: string }
  | { readonly type: 'parse'; readonly name: string; readonly sql: string; readonly paramTypes: number[] }
  | { readonly type: 'bind'; readonly portal: string; readonly statement: string; readonly paramFormats: number[]; readonly params: (Uint8Array | null)[]; readonly resultFormats: number[] }
  | { readonly type: 'describe'; readonly kind: 'S' | 'P'; readonly name: string }
  | { readonly type: 'execute'; readonly portal: string; readonly maxRows: number }
  | { readonly type: 'close'; readonly kind: 'S' | 'P'; readonly name: string }
  | { readonly type: 'sync' }
  | { readonly type: 'flush' }
  | { readonly type: 'terminate' }
  | { readonly type: 'copy-data'; readonly data: Uint8Array }
  | { readonly type: 'copy-done' }
  | { readonly type: 'copy-fail'; readonly message: string };

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/**
 * Reads fields of one message body, bytes[offset, end) of the read, checking every read against
 * the body's end. Offsets into the read rather than a view of the body: a view is an allocation
 * per message.
 */
class BodyReader {
  constructor(private readonly bytes: Buffer, private offset: number, private readonly end: number) {}

  int16(): number {
    this.need(2);
    const b = this.bytes;
    const at = this.offset;
    this.offset += 2;
    return ((b[at]! << 8) | b[at + 1]!) << 16 >> 16;
  }

  int32(): number {
    this.need(4);
    const b = this.bytes;
    const at = this.offset;
    this.offset += 4;
    return (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
  }

  byte(): number {
    this.need(1);
    return this.bytes[this.offset++]!;
  }

  cstring(): string {
    // The unnamed statement and portal ("") are what most clients send with every Bind and Execute.
    if (this.offset < this.end && this.bytes[this.offset] === 0) {
      this.offset++;
      return '';
    }
    const end = this.bytes.indexOf(0, this.offset);
    if (end < 0 || end >= this.end) throw new ProtocolError('invalid string in message');
    const s = this.bytes.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return s;
  }

  /** A copy: messages outlive the chunk they were read from (see FrontendDecoder.feed). */
  bytesOf(n: number): Uint8Array {
    this.need(n);
    const b = copyOf(this.bytes, this.offset, this.offset + n);
    this.offset += n;
    return b;
  }

  rest(): Uint8Array {
    return copyOf(this.bytes, this.offset, this.end);
  }

  finish(): void {
    if (this.offset !== this.end) throw new ProtocolError('invalid message format');
  }

  private need(n: number): void {
    if (n < 0 || this.offset + n > this.end) throw new ProtocolError('insufficient data left in message');
  }
}

/**
 * bytes[start, end) in a new array. A plain Uint8Array: up to 64 bytes V8 keeps it on its heap,
 * which costs less than a Buffer (a bind parameter is a few bytes).
 */
function copyOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const copy = new Uint8Array(end - start);
  copy.set(bytes.subarray(start, end));
  return copy;
}

/** What the decoder holds between messages: one shared empty buffer, not a new one per read. */
const NO_BYTES = Buffer.alloc(0);

export class FrontendDecoder {
  private buffer: Buffer = NO_BYTES;
  /** Before StartupMessage the packets have no type byte. */
  startupPhase = true;

  /**
   * Appends bytes and returns every complete message. Neither the messages nor the decoder keep
   * a view of `chunk` (the bytes they hold are copies): the caller may reuse it at once.
   */
  feed(chunk: Uint8Array): FrontendMessage[] {
    if (this.buffer.length > 0) this.buffer = Buffer.concat([this.buffer, chunk]);
    else this.buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: FrontendMessage[] = [];
    let offset = 0;
    for (;;) {
      const available = this.buffer.length - offset;
      if (this.startupPhase) {
        if (available < LENGTH_BYTES) break;
        const length = this.buffer.readInt32BE(offset);
        if (length < 8 || length > MAX_STARTUP_BYTES) throw new ProtocolError('invalid length of startup packet');
        if (available < length) break;
        const message = decodeStartup(new BodyReader(this.buffer, offset + LENGTH_BYTES, offset + length));
        offset += length;
        if (message.type === 'startup') this.startupPhase = false;
        out.push(message);
        // After SSLRequest the connection changes transport: nothing may follow in the same read.
        if (message.type === 'ssl-request' || message.type === 'gssenc-request' || message.type === 'cancel') break;
        continue;
      }
      if (available < TYPE_BYTES + LENGTH_BYTES) break;
      const type = this.buffer[offset]!;
      const length = this.buffer.readInt32BE(offset + 1);
      if (length < LENGTH_BYTES) throw new ProtocolError(`invalid message length ${length}`);
      if (length > MAX_MESSAGE_BYTES) throw new ProtocolError('invalid message length');
      if (available < TYPE_BYTES + length) break;
      const start = offset + TYPE_BYTES + LENGTH_BYTES;
      offset += TYPE_BYTES + length;
      out.push(decodeTyped(type, new BodyReader(this.buffer, start, offset)));
    }
    this.buffer = offset === this.buffer.length ? NO_BYTES : Buffer.from(this.buffer.subarray(offset));
    return out;
  }

  /** Bytes received but not yet decoded (a ClientHello's tail after SSLRequest, say). */
  pending(): number {
    return this.buffer.length;
  }
}

function decodeStartup(reader: BodyReader): FrontendMessage {
  const code = reader.int32();
  if (code === SSL_REQUEST_CODE) { reader.finish(); return { type: 'ssl-request' }; }
  if (code === GSSENC_REQUEST_CODE) { reader.finish(); return { type: 'gssenc-request' }; }
  if (code === CANCEL_REQUEST_CODE) {
    const processId = reader.int32();
    const secretKey = reader.int32();
    reader.finish();
    return { type: 'cancel', processId, secretKey };
  }
  const parameters = new Map<string, string>();
  for (;;) {
    const name = reader.cstring();
    if (name === '') break;
    parameters.set(name, reader.cstring());
  }
  reader.finish();
  return { type: 'startup', protocol: code, parameters };
}

function formats(reader: BodyReader): number[] {
  const count = reader.int16();
  if (count < 0) throw new ProtocolError('invalid format code count');
  const out: number[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const f = reader.int16();
    if (f !== 0 && f !== 1) throw new ProtocolError(`unsupported format code: ${f}`);
    out[i] = f;
  }
  return out;
}

function decodeTyped(type: number, reader: BodyReader): FrontendMessage {
  let message: FrontendMessage;
  switch (type) {
    case 0x51: message = { type: 'query', sql: reader.cstring() }; break; // 'Q'
    case 0x50: { // 'P'
      const name = reader.cstring();
      const sql = reader.cstring();
      const count = reader.int16();
      if (count < 0) throw new ProtocolError('invalid parameter count');
      const paramTypes: number[] = new Array(count);
      for (let i = 0; i < count; i++) paramTypes[i] = reader.int32() >>> 0;
      message = { type: 'parse', name, sql, paramTypes };
      break;
    }
    case 0x42: { // 'B'
      const portal = reader.cstring();
      const statement = reader.cstring();
      const paramFormats = formats(reader);
      const count = reader.int16();
      if (count < 0) throw new ProtocolError('invalid parameter count');
      const params: (Uint8Array | null)[] = new Array(count);
      for (let i = 0; i < count; i++) {
        const length = reader.int32();
        if (length < -1) throw new ProtocolError('invalid parameter length');
        params[i] = length === -1 ? null : reader.bytesOf(length);
      }
      message = { type: 'bind', portal, statement, paramFormats, params, resultFormats: formats(reader) };
      break;
    }
    case 0x44: case 0x43: { // 'D' describe, 'C' close
      const kind = String.fromCharCode(reader.byte());
      if (kind !== 'S' && kind !== 'P') throw new ProtocolError(`invalid ${type === 0x44 ? 'DESCRIBE' : 'CLOSE'} message subtype ${kind.charCodeAt(0)}`);
      message = { type: type === 0x44 ? 'describe' : 'close', kind, name: reader.cstring() };
      break;
    }
    case 0x45: message = { type: 'execute', portal: reader.cstring(), maxRows: reader.int32() }; break; // 'E'
    case 0x53: message = { type: 'sync' }; break; // 'S'
    case 0x48: message = { type: 'flush' }; break; // 'H'
    case 0x58: message = { type: 'terminate' }; break; // 'X'
    case 0x70: message = { type: 'password', password: reader.cstring() }; break; // 'p'
    case 0x64: return { type: 'copy-data', data: reader.rest() }; // 'd'
    case 0x63: message = { type: 'copy-done' }; break; // 'c'
    case 0x66: message = { type: 'copy-fail', message: reader.cstring() }; break; // 'f'
    default: throw new ProtocolError(`invalid frontend message type ${type}`);
  }
  reader.finish();
  return message;
}
