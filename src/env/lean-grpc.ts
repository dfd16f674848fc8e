/**
 * The client side of gRPC's long-lived streams between roles on node:http2 directly, as
 * etcd-txn.ts does for etcd's Txn: one HTTP/2 session per peer, gRPC's 5-byte message framing,
 * messages handed to the caller as they are parsed. Through @grpc/grpc-js each message received
 * went through its call stack (filters, an object-mode stream, a promise turn per message) and
 * cost a storage replica more CPU than applying the leader's notices (docs/performance.md,
 * "Distributed"). The wire is unchanged (the same paths, headers, framing and protobuf
 * messages), so this client talks to the grpc-js server of serveGrpc (grpc.ts) as grpc-js's own
 * client does; the protobuf encoding stays the caller's (grpc.ts passes the proto-loader codecs).
 *
 * Failure semantics are grpc-js's, as the callers rely on them: a stream ends with the status
 * its trailers carry (the server's SqlError comes back as a SqlError); a lost session, a refused
 * or reset stream ends it with a TransportError (UNAVAILABLE for a lost session, as grpc-js's
 * "connection dropped"); a peer that stops answering (kill -STOP, a cut cable) is found by an
 * HTTP/2 ping every KEEPALIVE_MS, unanswered for KEEPALIVE_MS, as grpc-js's keep-alive options
 * in grpc.ts do. A lost session is replaced by the next stream opened.
 */
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { status } from '@grpc/grpc-js';
import { assert, SqlError } from '../contracts/errors.js';
import type { TimerHandle, Timers } from '../contracts/time.js';
import { clientTlsOptions, type LinkTls } from './link-tls.js';
import { TransportError } from './transport-error.js';

/** A gRPC message on the wire: [0: not compressed][u32 big-endian length][message]. */
export const MESSAGE_HEADER_BYTES = 5;
/** As grpc.ts's channel options: DSQL's 10 MiB transactions and large scans travel in one message. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** A ping every second, and a session whose ping is unanswered a second later is dropped (grpc.ts's keep-alive). */
export const KEEPALIVE_MS = 1_000;

/** `message` with gRPC's length prefix, uncompressed. */
export function frameMessage(message: Uint8Array): Buffer {
  assert(message.length <= MAX_MESSAGE_BYTES, 'a gRPC message over the size limit');
  const framed = Buffer.allocUnsafe(MESSAGE_HEADER_BYTES + message.length);
  framed[0] = 0;
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, MESSAGE_HEADER_BYTES);
  return framed;
}

/**
 * Splits a stream's DATA into gRPC messages, however the frames cut them (sans I/O). A message
 * cut across chunks is joined once, when its last byte arrives, not on every chunk.
 */
export class GrpcMessageReader {
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** Bytes the held parts must reach before anything can be parsed from them. */
  private needed = 0;

  constructor(private readonly maxBytes = MAX_MESSAGE_BYTES) {}

  /** Calls `onMessage` with each whole message `chunk` completes; throws on a malformed stream. */
  push(chunk: Buffer, onMessage: (message: Buffer) => void): void {
    let data = chunk;
    if (this.parts.length > 0) {
      this.parts.push(chunk);
      this.partBytes += chunk.length;
      if (this.partBytes < this.needed) return;
      data = Buffer.concat(this.parts, this.partBytes);
      this.parts = [];
      this.partBytes = 0;
    }
    let offset = 0;
    while (data.length - offset >= MESSAGE_HEADER_BYTES) {
      if (data[offset] !== 0) throw new Error('a compressed gRPC message (none was asked for)');
      const length = data.readUInt32BE(offset + 1);
      if (length > this.maxBytes) throw new Error(`a gRPC message of ${length} bytes (the limit is ${this.maxBytes})`);
      const end = offset + MESSAGE_HEADER_BYTES + length;
      if (end > data.length) break;
      onMessage(data.subarray(offset + MESSAGE_HEADER_BYTES, end));
      offset = end;
    }
    if (offset === data.length) return;
    const rest = data.subarray(offset);
    this.parts = [rest];
    this.partBytes = rest.length;
    this.needed = rest.length >= MESSAGE_HEADER_BYTES ? MESSAGE_HEADER_BYTES + rest.readUInt32BE(1) : MESSAGE_HEADER_BYTES;
  }

  /** Bytes of a message begun and not finished (a stream that ends with some is malformed). */
  get held(): number {
    return this.partBytes;
  }
}

/**
 * The error a call ending with gRPC status `code` raises at the caller: the server's SqlError
 * (its SQLSTATE and detail travel as metadata) again, any other status as a TransportError.
 */
export function errorFromStatus(code: number, details: string, sqlstate: string | undefined, detail: string | undefined): Error {
  if (sqlstate !== undefined) return new SqlError(sqlstate, details, detail !== undefined ? { detail } : undefined);
  return new TransportError(code as status, `${status[code] ?? code}: ${details}`);
}

/** A header's one value as text (node:http2 gives repeated ones as arrays). */
function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A call's request headers (`path`: /package.Service/Method), uncompressed messages asked for. */
export function grpcRequestHeaders(path: string): OutgoingHttpHeaders {
  return {
    [constants.HTTP2_HEADER_METHOD]: 'POST',
    [constants.HTTP2_HEADER_PATH]: path,
    [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
    [constants.HTTP2_HEADER_TE]: 'trailers',
    'grpc-accept-encoding': 'identity',
  };
}

/** grpc-message's text: it is percent-encoded (gRPC's HTTP/2 protocol spec); kept as it came when it is not. */
export function grpcMessageText(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The status of a stream that ended with no grpc-status, from how it ended (as grpc-js maps it). */
function statusOfReset(rstCode: number | undefined, sessionLost: boolean): { code: status; details: string } {
  if (sessionLost) return { code: status.UNAVAILABLE, details: 'Connection dropped' };
  switch (rstCode) {
    case constants.NGHTTP2_REFUSED_STREAM: return { code: status.UNAVAILABLE, details: 'Stream refused by server' };
    case constants.NGHTTP2_CANCEL: return { code: status.CANCELLED, details: 'Call cancelled' };
    case constants.NGHTTP2_ENHANCE_YOUR_CALM: return { code: status.RESOURCE_EXHAUSTED, details: 'Bandwidth exhausted or memory limit exceeded' };
    case constants.NGHTTP2_INADEQUATE_SECURITY: return { code: status.PERMISSION_DENIED, details: 'Protocol not secure enough' };
    default: return { code: status.INTERNAL, details: `Received RST_STREAM with code ${rstCode ?? 'none'}` };
  }
}

/** A socket's failure (ECONNREFUSED, ECONNRESET, ETIMEDOUT …) rather than HTTP/2's own ERR_HTTP2_* codes. */
function isSocketError(error: Error | null): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code !== undefined && !code.startsWith('ERR_');
}

export interface LeanServerStream {
  /** Ends the call; `onEnd` is not called after it. */
  cancel(): void;
  /** Stops taking messages (HTTP/2 flow control then holds the sender once the windows fill). */
  pause(): void;
  resume(): void;
}

export interface LeanDuplexStream {
  /** Sends one message (already encoded). */
  write(message: Uint8Array): void;
  /** No more messages from this side (the server ends the call when it is done). */
  end(): void;
  cancel(): void;
}

/** What a call does with its stream: the messages as they are parsed, then how it ended (null: OK). */
export interface StreamListener {
  onMessage(message: Buffer): void;
  onEnd(error: Error | null): void;
}

/** A call's stream as `follow` drives it. */
interface FollowedStream {
  readonly stream: ClientHttp2Stream;
  cancel(): void;
  pause(): void;
  resume(): void;
}

interface SessionState {
  readonly session: ClientHttp2Session;
  streams: number;
  lost: boolean;
  pingOutstanding: boolean;
  keepalive: TimerHandle | null;
}

/**
 * Streams to one gRPC server (`address`: host:port) over one HTTP/2 session, opened by the
 * first stream and replaced when it is lost. `close` lets the streams in flight finish, as
 * grpc-js's channel close does, and opens no more.
 */
export class LeanChannel {
  private current: SessionState | null = null;
  private closed = false;

  /** `tls`: this process's certificate and the CA the server's must come from (link-tls.ts); null: plaintext. */
  constructor(readonly address: string, private readonly tls: LinkTls | null, private readonly timers: Timers) {}

  /** A call with one request and a stream of answers (`path`: /package.Service/Method). */
  serverStream(path: string, request: Uint8Array, listener: StreamListener): LeanServerStream {
    const call = this.start(path, listener);
    if (call === null) return { cancel() {}, pause() {}, resume() {} };
    call.stream.end(frameMessage(request));
    return { cancel: () => call.cancel(), pause: () => call.pause(), resume: () => call.resume() };
  }

  /** A call with streams both ways (`path`: /package.Service/Method). */
  duplex(path: string, listener: StreamListener): LeanDuplexStream {
    const call = this.start(path, listener);
    if (call === null) return { write() {}, end() {}, cancel() {} };
    return {
      write: (message) => {
        if (!call.stream.closed && !call.stream.writableEnded) call.stream.write(frameMessage(message));
      },
      end: () => { if (!call.stream.writableEnded) call.stream.end(); },
      cancel: () => call.cancel(),
    };
  }

  close(): void {
    this.closed = true;
    const state = this.current;
    if (state !== null && state.streams === 0) this.drop(state);
  }

  /**
   * Opens the call's stream and follows it to its end, calling `listener.onEnd` exactly once
   * (unless cancelled). Null when it failed at once (onEnd has been called, in a later turn, as
   * grpc-js reports a call on a closed channel).
   */
  private start(path: string, listener: StreamListener): FollowedStream | null {
    let state: SessionState;
    let stream: ClientHttp2Stream;
    try {
      if (this.closed) throw new Error('the channel is closed');
      state = this.session();
      stream = state.session.request(grpcRequestHeaders(path));
    } catch (error) {
      const failure = new TransportError(status.UNAVAILABLE, `UNAVAILABLE: ${(error as Error).message}`);
      this.timers.setImmediate(() => listener.onEnd(failure));
      return null;
    }
    // A call in flight keeps the process alive, an idle session does not (as grpc-js's channels).
    if (state.streams++ === 0) state.session.ref();
    this.keepAlive(state);
    return this.follow(state, stream, listener);
  }

  private follow(state: SessionState, stream: ClientHttp2Stream, listener: StreamListener): FollowedStream {
    const reader = new GrpcMessageReader();
    let ended = false;
    // Paused, the stream stops reading; messages already parsed from its last chunk wait here,
    // and so does its end, as a paused grpc-js stream holds its messages and its end.
    let paused = false;
    const held: Buffer[] = [];
    let heldEnd: Error | null | undefined;
    let grpcStatus: number | undefined;
    let details = '';
    let sqlstate: string | undefined;
    let detail: string | undefined;
    let malformed: Error | null = null;
    const finish = (error: Error | null) => {
      if (ended) return;
      if (paused || held.length > 0) {
        heldEnd = error;
        return;
      }
      ended = true;
      listener.onEnd(error);
    };
    const deliver = (message: Buffer) => {
      if (ended) return;
      if (paused || held.length > 0) held.push(message);
      else listener.onMessage(message);
    };
    const release = () => {
      while (!paused && !ended && held.length > 0) listener.onMessage(held.shift()!);
      if (!paused && held.length === 0 && heldEnd !== undefined) finish(heldEnd);
    };
    const takeStatus = (headers: IncomingHttpHeaders) => {
      const code = headerText(headers['grpc-status']);
      if (code === undefined) return;
      grpcStatus = Number(code);
      details = grpcMessageText(headerText(headers['grpc-message']) ?? '');
      sqlstate = headerText(headers['sqlstate']);
      const encodedDetail = headerText(headers['detail']);
      detail = encodedDetail === undefined ? undefined : grpcMessageText(encodedDetail);
    };
    stream.on('response', takeStatus);
    stream.on('trailers', takeStatus);
    stream.on('data', (chunk: Buffer) => {
      if (ended || malformed !== null) return;
      try {
        reader.push(chunk, deliver);
      } catch (error) {
        malformed = error as Error;
        stream.close(constants.NGHTTP2_PROTOCOL_ERROR);
      }
    });
    // The end is read on 'close' (after the trailers); an 'error' says why it was reset.
    let resetBy: Error | null = null;
    stream.on('error', (error: Error) => { resetBy = error; });
    stream.on('close', () => {
      if (--state.streams === 0) {
        if (this.closed) this.drop(state);
        else if (!state.session.destroyed) state.session.unref();
      }
      if (malformed !== null) finish(new TransportError(status.INTERNAL, `INTERNAL: ${malformed.message}`));
      else if (grpcStatus === status.OK) finish(reader.held === 0 ? null : new TransportError(status.INTERNAL, 'INTERNAL: the stream ended inside a message'));
      else if (grpcStatus !== undefined) finish(errorFromStatus(grpcStatus, details, sqlstate, detail));
      else {
        const reset = statusOfReset(stream.rstCode, state.lost || state.session.destroyed || isSocketError(resetBy));
        finish(new TransportError(reset.code, `${status[reset.code]}: ${reset.details}`));
      }
    });
    return {
      stream,
      cancel: () => {
        ended = true;
        if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
      },
      pause: () => {
        paused = true;
        stream.pause();
      },
      resume: () => {
        paused = false;
        release();
        if (!paused) stream.resume();
      },
    };
  }

  private session(): SessionState {
    const current = this.current;
    if (current !== null && !current.lost) return current;
    const url = `${this.tls === null ? 'http' : 'https'}://${this.address}`;
    // With TLS the server must show a certificate from the CA for the host dialled (Node's default check).
    const session = this.tls === null ? connect(url) : connect(url, clientTlsOptions(this.tls));
    const state: SessionState = { session, streams: 0, lost: false, pingOutstanding: false, keepalive: null };
    // Streams in flight end through their own 'close' (with UNAVAILABLE); the next call opens a new session.
    const lose = () => this.drop(state);
    session.on('error', lose);
    session.on('goaway', lose);
    session.on('close', lose);
    this.current = state;
    return state;
  }

  /** Pings the session while it carries streams; one unanswered for KEEPALIVE_MS drops it. */
  private keepAlive(state: SessionState): void {
    if (state.keepalive !== null) return;
    state.keepalive = this.timers.setInterval(() => {
      if (state.lost) return;
      if (state.streams === 0) {
        this.timers.clearInterval(state.keepalive!);
        state.keepalive = null;
        return;
      }
      if (state.pingOutstanding) {
        this.drop(state);
        return;
      }
      state.pingOutstanding = true;
      const sent = state.session.ping((error) => {
        if (error === null) state.pingOutstanding = false;
      });
      if (!sent) this.drop(state);
    }, KEEPALIVE_MS);
  }

  private drop(state: SessionState): void {
    if (this.current === state) this.current = null;
    if (state.lost) return;
    state.lost = true;
    if (state.keepalive !== null) this.timers.clearInterval(state.keepalive);
    state.keepalive = null;
    if (!state.session.destroyed) state.session.destroy();
  }
}
