import type { HandOffSocket } from '../env/env.js';
import type { Timers } from '../contracts/time.js';
import { classifyFirstBytes, type PeekVerdict } from './first-bytes.js';

/**
 * The shared port's peek at one connection (DESIGN.md §1, the relay's job): answers an
 * SSLRequest with `S` (a GSSENCRequest with `N`) and reads on until `first-bytes.ts` has a
 * verdict, then stops reading and hands the verdict and the bytes read to `onWhole`. The
 * bytes come from anyone who can reach the port, before any authentication, so the peek is
 * bounded in both ways: in bytes (`MAX_PEEK_BYTES`, in first-bytes.ts) and in time. A client
 * that sends nothing, or half a packet, is closed after `timeoutMs` (PostgreSQL's
 * authentication_timeout, 60 s, bounds the same wait): otherwise it would hold its socket, and
 * the port's file descriptors, forever.
 */
export const PEEK_TIMEOUT_MS = 60_000;

const SSL_ACCEPTED = new Uint8Array([0x53]); // 'S'
const GSSENC_REFUSED = new Uint8Array([0x4e]); // 'N'

export type WholeVerdict = Extract<PeekVerdict, { kind: 'plain' } | { kind: 'tls' }>;

export interface PeekOptions {
  readonly timers: Timers;
  readonly timeoutMs?: number;
  /** The connection, no longer read, is the caller's: serve it with `preface` as its first bytes. */
  readonly onWhole: (verdict: WholeVerdict, preface: Uint8Array) => void;
  /** The connection was closed here: not PostgreSQL nor TLS, or nothing whole in time. */
  readonly onRefused: (reason: string) => void;
}

export function peekFirstBytes(socket: HandOffSocket, options: PeekOptions): void {
  const timeoutMs = options.timeoutMs ?? PEEK_TIMEOUT_MS;
  const peeked = new GrowingBytes();
  let afterSslRequest = false;
  let done = false;
  const finish = (): void => {
    done = true;
    options.timers.clearTimeout(timer);
    const unread = socket.stopPeeking();
    if (unread.length > 0) peeked.add(unread);
  };
  const timer = options.timers.setTimeout(() => {
    if (done) return;
    finish();
    socket.destroy();
    options.onRefused(`no whole SSLRequest, startup packet or ClientHello in ${timeoutMs / 1000} s`);
  }, timeoutMs);
  socket.onClose(() => {
    if (done) return;
    done = true;
    options.timers.clearTimeout(timer);
  });
  socket.peek((chunk) => {
    if (done) return;
    peeked.add(chunk);
    const verdict = classifyFirstBytes(peeked.bytes(), afterSslRequest);
    if (verdict.kind === 'more') return;
    if (verdict.kind === 'gssenc-request') {
      socket.write(GSSENC_REFUSED);
      peeked.clear();
      return;
    }
    if (verdict.kind === 'ssl-request') {
      socket.write(SSL_ACCEPTED);
      afterSslRequest = true;
      peeked.clear();
      return;
    }
    finish();
    if (verdict.kind === 'malformed') {
      socket.destroy();
      options.onRefused(verdict.reason);
      return;
    }
    options.onWhole(verdict, peeked.bytes());
  });
}

/**
 * The bytes read so far, in a buffer that doubles when full: a client that sends its
 * ClientHello a byte per write costs a linear number of copies, not one of the whole so far
 * per byte (~160 MB for an 18 KiB ClientHello).
 */
class GrowingBytes {
  private buffer = new Uint8Array(0);
  private length = 0;

  add(chunk: Uint8Array): void {
    if (this.length + chunk.length > this.buffer.length) {
      const grown = new Uint8Array(Math.max(2 * this.buffer.length, this.length + chunk.length, 512));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(chunk, this.length);
    this.length += chunk.length;
  }

  /** A view of what was added (not a copy: valid until the next `add`). */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
  }
}
