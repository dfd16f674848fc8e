import net from 'node:net';
import tls from 'node:tls';

/**
 * A TLS connection to a PostgreSQL server, opened the way libpq opens one with sslmode=require
 * or verify-full: TCP, SSLRequest, the server's 'S', then the TLS handshake on the same socket.
 * Used by the web console (src/console), which talks to Strata like any other client.
 */
export interface ServerStream {
  write(bytes: Uint8Array): void;
  /** Everything the server sends; chunks are the caller's to keep. */
  onData(handler: (chunk: Uint8Array) => void): void;
  /** Once, when the connection ends for any reason. */
  onClose(handler: (reason: string | null) => void): void;
  close(): void;
}

export interface ServerAddress {
  readonly host: string;
  readonly port: number;
  /** The TLS server name (SNI), which also names the cluster (DSQL's endpoint). */
  readonly serverName: string;
  /** PEM certificates to verify the server against; null: encrypt without verifying (sslmode=require). */
  readonly ca: string | null;
}

const CONNECT_TIMEOUT_MS = 10_000;
/** PostgreSQL's SSLRequest: length 8, code 80877103. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

export function connectPostgresTls(address: ServerAddress): Promise<ServerStream> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address.host, port: address.port });
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error(`no answer from ${address.host}:${address.port} within ${CONNECT_TIMEOUT_MS / 1000} s`)));
    socket.once('error', reject);
    socket.once('connect', () => socket.write(SSL_REQUEST));
    socket.once('data', (answer: Buffer) => {
      socket.setTimeout(0);
      socket.removeListener('error', reject);
      if (answer.length !== 1 || answer[0] !== 0x53) { // 'S'
        socket.destroy();
        reject(new Error('the server does not offer TLS, and a token is not sent in the clear'));
        return;
      }
      const secure = tls.connect({
        socket,
        // An IP address is not a valid SNI name; Node warns and leaves it out.
        ...(net.isIP(address.serverName) ? {} : { servername: address.serverName }),
        ...(address.ca === null ? { rejectUnauthorized: false } : { ca: address.ca, checkServerIdentity: (_host: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(address.serverName, cert) }),
      });
      secure.once('error', reject);
      secure.once('secureConnect', () => {
        secure.removeListener('error', reject);
        resolve(stream(secure));
      });
    });
  });
}

function stream(socket: tls.TLSSocket): ServerStream {
  let closeReason: string | null = null;
  socket.on('error', (error) => { closeReason = error.message; });
  return {
    write: (bytes) => { if (!socket.destroyed) socket.write(bytes); },
    onData: (handler) => { socket.on('data', handler); },
    onClose: (handler) => { socket.once('close', () => handler(closeReason)); },
    close: () => socket.destroy(),
  };
}

/**
 * Sends a CancelRequest the way libpq does: on a new plain connection, which the server closes
 * at once. Plain because it carries no credential (a process id and a secret only valid for
 * the session), and because a relay that splices TLS unopened can route it only if it can read
 * it (src/env/splice.ts sends it to every query processor).
 */
export function sendCancelRequest(address: ServerAddress, request: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address.host, port: address.port }, () => socket.end(request));
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy());
    socket.once('error', reject);
    socket.once('close', () => resolve());
    socket.resume();
  });
}
