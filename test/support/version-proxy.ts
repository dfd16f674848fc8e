/**
 * A loopback proxy that lets PostgreSQL 15's pg_dump talk to Strata. pg_dump refuses a server
 * newer than itself ("aborting because of server version mismatch"), and Strata reports 16.x as
 * DSQL does, while this machine has only PostgreSQL 15 client tools. The proxy changes nothing
 * but the server_version ParameterStatus the server sends (PQserverVersion reads it): every
 * catalog query pg_dump sends reaches Strata unchanged and every answer comes back unchanged.
 * Test-only; the client speaks plain TCP to the proxy and the proxy speaks TLS to Strata.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface VersionProxy {
  readonly port: number;
  close(): Promise<void>;
}

const SSL_REQUEST_CODE = 80877103;
const HEADER_BYTES = 5;

export async function startVersionProxy(target: { host: string; port: number }, reportedVersion: string): Promise<VersionProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.pause();
    openTls(target).then((upstream) => {
      sockets.add(upstream);
      upstream.on('close', () => { sockets.delete(upstream); client.destroy(); });
      client.on('close', () => upstream.destroy());
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream);
      rewriteServerVersion(upstream, client, reportedVersion);
      client.resume();
    }, () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

/** SSLRequest, then TLS over the same socket (the protocol's order). */
async function openTls(target: { host: string; port: number }): Promise<TLSSocket> {
  const raw = connect(target.port, target.host);
  await new Promise<void>((resolve, reject) => { raw.once('connect', resolve); raw.once('error', reject); });
  const request = Buffer.alloc(8);
  request.writeInt32BE(8, 0);
  request.writeInt32BE(SSL_REQUEST_CODE, 4);
  raw.write(request);
  const answer = await new Promise<Buffer>((resolve, reject) => { raw.once('data', resolve); raw.once('error', reject); });
  if (answer.toString('latin1', 0, 1) !== 'S') throw new Error('server refused TLS');
  const tls = tlsConnect({ socket: raw, rejectUnauthorized: false });
  await new Promise<void>((resolve, reject) => { tls.once('secureConnect', resolve); tls.once('error', reject); });
  return tls;
}

/** Frames the server's messages and replaces the value of ParameterStatus server_version. */
function rewriteServerVersion(from: TLSSocket, to: Socket, version: string): void {
  let pending = Buffer.alloc(0);
  from.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    const out: Buffer[] = [];
    while (pending.length >= HEADER_BYTES) {
      const length = pending.readInt32BE(1);
      if (pending.length < 1 + length) break;
      const message = pending.subarray(0, 1 + length);
      pending = pending.subarray(1 + length);
      out.push(message[0] === 0x53 ? parameterStatus(message, version) : message);
    }
    if (out.length > 0) to.write(Buffer.concat(out));
  });
}

function parameterStatus(message: Buffer, version: string): Buffer {
  const body = message.subarray(HEADER_BYTES).toString('utf8');
  const [name] = body.split('\0');
  if (name !== 'server_version') return message;
  const text = Buffer.from(`server_version\0${version}\0`, 'utf8');
  const header = Buffer.alloc(HEADER_BYTES);
  header.write('S', 0, 'latin1');
  header.writeInt32BE(4 + text.length, 1);
  return Buffer.concat([header, text]);
}
