import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { ListeningServer, TlsCredentials } from './env.js';

/**
 * A small HTTP(S) server for the web console (src/console): the request arrives whole (its body
 * read up to a limit), the handler answers with a whole response. The console never sees
 * node:http, so it stays inside the house rule that only src/env touches the network.
 */
export interface HttpRequest {
  readonly method: string;
  /** The request target as sent: path and query. */
  readonly target: string;
  /** Header names in lower case; a repeated header's values joined with ", ". */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Uint8Array;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array;
}

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  /** HTTPS with this key and certificate; null: plain HTTP. */
  readonly tls: TlsCredentials | null;
  /** A longer body is answered 413 without reaching the handler. */
  readonly maxBodyBytes: number;
  /** Open connections at most (more are closed at once). */
  readonly maxConnections: number;
  readonly handler: (request: HttpRequest) => Promise<HttpResponse>;
  /** How long a client has to send a whole request (default 30 s; tests use less). */
  readonly requestTimeoutMs?: number;
}

/**
 * How long a client has to send a whole request (headers and body): a request that never
 * completes (slowloris) is answered 408 and closed then, so it holds one of `maxConnections`
 * for at most this long.
 */
const REQUEST_TIMEOUT_MS = 30_000;
const MAX_HEADER_BYTES = 16 * 1024;

export async function listenHttp(options: HttpServerOptions): Promise<ListeningServer> {
  const timeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  // Node checks the timeouts every connectionsCheckingInterval (30 s by default, which would let
  // a stalled request live up to twice the timeout): check at a quarter of it.
  const serverOptions = {
    maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: timeout, headersTimeout: timeout,
    connectionsCheckingInterval: Math.max(Math.floor(timeout / 4), 100),
  };
  const onRequest = (request: http.IncomingMessage, response: http.ServerResponse) => handle(options, request, response);
  const server: http.Server = options.tls
    ? https.createServer({ ...serverOptions, key: options.tls.key, cert: options.tls.cert }, onRequest)
    : http.createServer(serverOptions, onRequest);
  server.maxConnections = options.maxConnections;
  // A malformed request is answered by closing (400; 408 for one not whole in time, 431 for
  // headers over the limit); it never reaches the handler or the process.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (socket.writable) socket.end(`HTTP/1.1 ${clientErrorStatus(error.code)}\r\nConnection: close\r\n\r\n`);
    else socket.destroy();
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((done) => {
      server.close(() => done());
      for (const socket of sockets) socket.destroy();
    }),
  };
}

function clientErrorStatus(code: string | undefined): string {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return '408 Request Timeout';
  if (code === 'HPE_HEADER_OVERFLOW') return '431 Request Header Fields Too Large';
  return '400 Bad Request';
}

function handle(options: HttpServerOptions, request: http.IncomingMessage, response: http.ServerResponse): void {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (!Number.isFinite(declared) || declared > options.maxBodyBytes) {
    refuse(response, 413, 'request body too large');
    request.destroy();
    return;
  }
  const chunks: Buffer[] = [];
  let received = 0;
  let refused = false;
  request.on('data', (chunk: Buffer) => {
    if (refused) return;
    received += chunk.length;
    if (received > options.maxBodyBytes) {
      refused = true;
      refuse(response, 413, 'request body too large');
      request.destroy();
      return;
    }
    chunks.push(chunk);
  });
  request.on('error', () => { refused = true; });
  request.on('end', () => {
    if (refused) return;
    const headers = new Map<string, string>();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    options.handler({ method: request.method ?? 'GET', target: request.url ?? '/', headers, body: Buffer.concat(chunks) }).then(
      (answer) => {
        response.writeHead(answer.status, answer.headers);
        response.end(answer.body);
      },
      () => refuse(response, 500, 'internal error'),
    );
  });
}

function refuse(response: http.ServerResponse, status: number, message: string): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
  response.end(JSON.stringify({ error: { message } }));
}
