/**
 * What the shared PostgreSQL port reads before it knows which cluster a connection is for
 * (DESIGN.md §1, the relay's peek): an SSLRequest, then the TLS ClientHello, whose server name
 * (SNI) names the cluster. Nothing here terminates TLS: the bytes are read, never answered
 * beyond the one `S` byte an SSLRequest asks for, and replayed to the cluster's query service.
 * Pure functions over bytes; the socket side is in the node's front.
 */

const SSL_REQUEST_CODE = 80877103;
const GSSENC_REQUEST_CODE = 80877104;
const STARTUP_HEADER_BYTES = 8;
const TLS_HANDSHAKE_RECORD = 0x16;
const TLS_RECORD_HEADER_BYTES = 5;
const HANDSHAKE_HEADER_BYTES = 4;
const CLIENT_HELLO = 1;
const SERVER_NAME_EXTENSION = 0;
const HOST_NAME = 0;
/**
 * A ClientHello is a few hundred bytes (a couple of KiB with post-quantum key shares) and fits
 * one 16 KiB TLS record; a peek that reads more than this without a whole one is not a TLS
 * client worth waiting for. The bound also caps the work of re-reading the bytes per chunk.
 */
export const MAX_PEEK_BYTES = 18 * 1024;

/** What the bytes read so far say about a new connection. */
export type PeekVerdict =
  /** Not enough bytes yet. */
  | { readonly kind: 'more' }
  /** An SSLRequest alone: answer `S` and peek on at the ClientHello that follows. */
  | { readonly kind: 'ssl-request' }
  /**
   * A GSSENCRequest alone (libpq sends one first when it holds Kerberos credentials): answer
   * `N`, as the query service would, and peek on at the SSLRequest that follows.
   */
  | { readonly kind: 'gssenc-request' }
  /** A plain startup, cancel or GSSENC packet (or an SSLRequest with bytes after it): no SNI. */
  | { readonly kind: 'plain' }
  /** A whole ClientHello; `serverName` null when it carries no SNI. */
  | { readonly kind: 'tls'; readonly serverName: string | null }
  /** Not PostgreSQL nor TLS as any client sends it. */
  | { readonly kind: 'malformed'; readonly reason: string };

/**
 * Classifies the first bytes of a connection. `afterSslRequest`: an SSLRequest was answered
 * with `S`, so the bytes must be a TLS ClientHello.
 */
export function classifyFirstBytes(bytes: Uint8Array, afterSslRequest: boolean): PeekVerdict {
  if (bytes.length === 0) return { kind: 'more' };
  if (bytes[0] === TLS_HANDSHAKE_RECORD) return readClientHello(bytes);
  if (afterSslRequest) return { kind: 'malformed', reason: 'expected a TLS ClientHello after the SSLRequest' };
  if (bytes.length < STARTUP_HEADER_BYTES) return { kind: 'more' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const alone = bytes.length === STARTUP_HEADER_BYTES && view.getUint32(0) === STARTUP_HEADER_BYTES;
  // Bytes after an SSLRequest, before its answer, are a client error (or CVE-2021-23214's
  // injection): the query service answers `N` to such a request, so it gets them as they are.
  if (alone && view.getUint32(4) === SSL_REQUEST_CODE) return { kind: 'ssl-request' };
  if (alone && view.getUint32(4) === GSSENC_REQUEST_CODE) return { kind: 'gssenc-request' };
  return { kind: 'plain' };
}

/**
 * Gathers the handshake message across TLS records until the ClientHello is whole. Linear in
 * the bytes: the records are only walked, and joined once, when the message is complete.
 */
function readClientHello(bytes: Uint8Array): PeekVerdict {
  const handshake: Uint8Array[] = [];
  let gathered = 0;
  let needed = -1;
  let offset = 0;
  while (offset + TLS_RECORD_HEADER_BYTES <= bytes.length) {
    if (bytes[offset] !== TLS_HANDSHAKE_RECORD) return { kind: 'malformed', reason: 'a TLS record before the ClientHello ends is not a handshake record' };
    const length = (bytes[offset + 3]! << 8) | bytes[offset + 4]!;
    const start = offset + TLS_RECORD_HEADER_BYTES;
    if (start + length > bytes.length) break;
    handshake.push(bytes.subarray(start, start + length));
    gathered += length;
    offset = start + length;
    if (needed < 0 && gathered >= HANDSHAKE_HEADER_BYTES) {
      const header = concat(handshake, gathered).subarray(0, HANDSHAKE_HEADER_BYTES);
      if (header[0] !== CLIENT_HELLO) return { kind: 'malformed', reason: 'the first TLS handshake message is not a ClientHello' };
      needed = HANDSHAKE_HEADER_BYTES + ((header[1]! << 16) | (header[2]! << 8) | header[3]!);
    }
    if (needed >= 0 && gathered >= needed) {
      const message = concat(handshake, gathered);
      const serverName = serverNameOf(message.subarray(HANDSHAKE_HEADER_BYTES, needed));
      return typeof serverName === 'object' ? serverName : { kind: 'tls', serverName: serverName === '' ? null : serverName };
    }
  }
  return bytes.length >= MAX_PEEK_BYTES ? { kind: 'malformed', reason: `no whole ClientHello in ${MAX_PEEK_BYTES} bytes` } : { kind: 'more' };
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * The SNI host name in a ClientHello body (RFC 8446 §4.1.2, RFC 6066 §3), '' when there is
 * none. The fields before the extensions are skipped by their length prefixes.
 */
function serverNameOf(body: Uint8Array): string | { readonly kind: 'malformed'; readonly reason: string } {
  const malformed = { kind: 'malformed', reason: 'the ClientHello is cut short' } as const;
  let at = 2 + 32; // legacy_version, random
  if (at + 1 > body.length) return malformed;
  at += 1 + body[at]!; // legacy_session_id
  if (at + 2 > body.length) return malformed;
  at += 2 + ((body[at]! << 8) | body[at + 1]!); // cipher_suites
  if (at + 1 > body.length) return malformed;
  at += 1 + body[at]!; // legacy_compression_methods
  if (at === body.length) return ''; // no extensions at all
  if (at + 2 > body.length) return malformed;
  const end = at + 2 + ((body[at]! << 8) | body[at + 1]!);
  if (end > body.length) return malformed;
  at += 2;
  while (at + 4 <= end) {
    const type = (body[at]! << 8) | body[at + 1]!;
    const length = (body[at + 2]! << 8) | body[at + 3]!;
    at += 4;
    if (at + length > end) return malformed;
    if (type === SERVER_NAME_EXTENSION) return hostNameIn(body.subarray(at, at + length)) ?? malformed;
    at += length;
  }
  return '';
}

/** The host_name entry of a server_name extension; null when the list is malformed. */
function hostNameIn(extension: Uint8Array): string | null {
  if (extension.length < 2) return null;
  const end = Math.min(extension.length, 2 + ((extension[0]! << 8) | extension[1]!));
  let at = 2;
  while (at + 3 <= end) {
    const type = extension[at]!;
    const length = (extension[at + 1]! << 8) | extension[at + 2]!;
    at += 3;
    if (at + length > end) return null;
    if (type === HOST_NAME) return new TextDecoder().decode(extension.subarray(at, at + length)).toLowerCase();
    at += length;
  }
  return '';
}
