import net from 'node:net';
import tls from 'node:tls';
import type { ClientSocket, HandOffSocket, HttpExchange, HttpReply, ListeningServer, Net, TlsCredentials } from './env.js';
import { listenHttp as listenHttpServer } from './http-server.js';

/**
 * The size of the buffer a NodeNet's plain connections read into: one for all of them. Node
 * reads a socket into it and calls the socket's read callback at once, and the data handler
 * takes what it needs before it returns (ClientSocket.onData), so the next read, of any
 * connection, may overwrite it. This is what saves a Buffer and the readable stream's work
 * (chunk push, 'data' event, a next-tick read-ahead) per read.
 */
const READ_BUFFER_BYTES = 64 * 1024;
/** Open connections an HTTP listener keeps at most (more are closed at once). */
const MAX_HTTP_CONNECTIONS = 1_000;

/**
 * A client connection on a real socket, upgradable to TLS in place (SSLRequest or direct TLS).
 * Plain bytes come from the socket's read callback, not from its readable stream.
 */
class NodeClientSocket implements ClientSocket {
  private stream: net.Socket | tls.TLSSocket;
  private dataHandler: ((chunk: Uint8Array) => void) | null = null;
  /** Hands plain or decrypted bytes to the data handler. */
  private readonly forward = (chunk: Buffer): void => {
    this.dataHandler?.(chunk);
  };
  /** Where the raw socket's reads go: the data handler, then (direct TLS) the handshake's duplex. */
  private rawSink: (chunk: Buffer) => void = this.forward;
  private closeHandlers: (() => void)[] = [];
  private closed = false;
  encrypted = false;
  private readonly raw: net.Socket;

  /** Bytes read before this socket existed (a peek), for the first data handler. */
  private preface: Uint8Array | null;

  /**
   * Takes over `accepted`, a socket nothing has read from yet (see `readIntoSharedBuffer`), or
   * whose first bytes were peeked and are given as `preface`.
   */
  constructor(accepted: net.Socket, readBuffer: Buffer, preface: Uint8Array | null = null) {
    this.preface = preface !== null && preface.length > 0 ? preface : null;
    this.raw = readIntoSharedBuffer(accepted, readBuffer, (length) => {
      this.rawSink(readBuffer.subarray(0, length));
    });
    this.stream = this.raw;
    this.raw.setNoDelay(true);
    this.raw.on('close', () => this.fireClose());
    this.raw.on('error', () => this.raw.destroy());
  }

  private fireClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const handler of this.closeHandlers) handler();
  }

  /** The socket under TLS, if any: what a server tracks and drops when it closes. */
  get rawSocket(): net.Socket {
    return this.raw;
  }

  get remoteAddress(): string {
    return this.raw.remoteAddress ?? '';
  }

  get remotePort(): number | undefined {
    return this.raw.remotePort;
  }

  get localAddress(): string | undefined {
    return this.raw.localAddress;
  }

  get localPort(): number | undefined {
    return this.raw.localPort;
  }

  write(data: Uint8Array): void {
    if (!this.closed) this.stream.write(data);
  }

  end(): void {
    this.stream.end();
  }

  destroy(): void {
    this.stream.destroy();
    this.raw.destroy();
  }

  onData(handler: (chunk: Uint8Array) => void): void {
    this.dataHandler = handler;
    const preface = this.preface;
    if (preface === null) return;
    this.preface = null;
    // After the caller finished wiring its handlers; before any read (reads come in later turns).
    queueMicrotask(() => {
      if (!this.closed) this.rawSink(Buffer.from(preface));
    });
  }

  onClose(handler: () => void): void {
    this.closeHandlers.push(handler);
  }

  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    this.stream.resume();
  }

  startTls(credentials: TlsCredentials, replay: Uint8Array | null, onSecure: (serverName: string | null) => void, onError: (error: Error) => void): void {
    // TLS reads the socket itself from here on (Node's TLS on the socket's own handle).
    this.rawSink = () => {};
    const wrap = () => {
      let serverName: string | null = null;
      const context = tls.createSecureContext({ key: credentials.key, cert: credentials.cert });
      const secure = new tls.TLSSocket(this.raw, {
        isServer: true,
        secureContext: context,
        SNICallback: (name, callback) => {
          serverName = name;
          callback(null, context);
        },
      });
      secure.on('secure', () => {
        this.encrypted = true;
        onSecure(serverName);
      });
      secure.on('data', this.forward);
      secure.on('error', (error) => {
        onError(error);
        this.destroy();
      });
      secure.on('close', () => this.fireClose());
      this.stream = secure;
    };
    if (replay === null) {
      wrap();
      return;
    }
    // The ClientHello's first bytes were read already (a direct TLS connection's first read, or
    // the shared port's peek at its server name): they go back into the socket's readable
    // buffer, which Node's TLS takes first when it wraps the socket. Not from inside a read
    // callback, where the handle is being read, so a turn later; the client waits for the
    // server's answer meanwhile. (A JavaScript duplex replaying them cost every later read and
    // write of the session a trip through JavaScript streams.)
    const hello = Buffer.from(replay);
    this.raw.pause();
    setImmediate(() => {
      if (this.closed) return;
      this.raw.unshift(hello);
      wrap();
    });
  }
}

/**
 * The same connection as a socket whose reads go into `buffer` and to `onRead` (Node's
 * `onread` option), taking over the OS handle of `accepted`, which must not have read anything
 * yet (accepted with `pauseOnConnect`, or received from another process in this turn). Node
 * offers that option only when a socket is made, and a server makes its sockets itself: so the
 * accepted socket gives up its handle and is destroyed without closing it (which also ends the
 * server's count of it; the caller tracks the new socket).
 */
function readIntoSharedBuffer(accepted: net.Socket, buffer: Buffer, onRead: (length: number) => void): net.Socket {
  const detached = accepted as net.Socket & { _handle: unknown };
  const handle = detached._handle;
  if (handle === null || handle === undefined) throw new Error('an adopted connection has its OS handle');
  detached._handle = null;
  accepted.destroy();
  const socket = new net.Socket({
    handle, readable: true, writable: true,
    onread: {
      buffer,
      callback: (length: number) => {
        onRead(length);
        return true;
      },
    },
  } as net.SocketConstructorOpts);
  return socket;
}

export class NodeNet implements Net {
  /** Where every plain connection of this NodeNet reads (see READ_BUFFER_BYTES). */
  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);

  listen(host: string, port: number, onConnection: (socket: ClientSocket) => void): Promise<ListeningServer> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer({ pauseOnConnect: true }, (accepted) => {
      const socket = new NodeClientSocket(accepted, this.readBuffer);
      track(sockets, socket.rawSocket);
      onConnection(socket);
    });
    return serve(server, host, port, sockets);
  }

  listenForHandOff(host: string, port: number, onConnection: (socket: HandOffSocket) => void): Promise<ListeningServer> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer({ pauseOnConnect: true }, (socket) => {
      track(sockets, socket);
      socket.on('error', () => socket.destroy());
      let peekHandler: ((chunk: Buffer) => void) | null = null;
      onConnection({
        handle: socket,
        refuse: (bytes) => { socket.end(bytes); },
        peek: (handler) => {
          peekHandler = (chunk) => handler(chunk);
          socket.on('data', peekHandler);
          socket.resume();
        },
        stopPeeking: () => {
          if (peekHandler !== null) socket.removeListener('data', peekHandler);
          peekHandler = null;
          socket.pause();
          // Bytes the stream buffered before now (none seen in flowing mode) go back to the caller
          // for the preface: whoever adopts the handle never sees this stream's buffer. Read them
          // first: read() may restart the handle's reads, which the next step stops.
          const unread: Buffer[] = [];
          while (socket.readableLength > 0) {
            const chunk = socket.read(socket.readableLength) as Buffer | null;
            if (chunk === null) break;
            unread.push(chunk);
          }
          // pause() alone lets the handle keep reading into the stream's buffer, and those bytes
          // would be lost when the handle is taken over: stop the reads at the source.
          // (Node keeps `reading` itself; it must say false, or the socket that adopts the handle
          // believes it is reading and never starts.)
          const handle = (socket as net.Socket & { _handle: { readStop?: () => void; reading?: boolean } | null })._handle;
          if (handle) {
            handle.readStop?.();
            handle.reading = false;
          }
          return unread.length === 0 ? new Uint8Array(0) : Buffer.concat(unread);
        },
        write: (bytes) => { socket.write(bytes); },
        destroy: () => { socket.destroy(); },
        onClose: (handler) => { socket.once('close', handler); },
      });
    });
    return serve(server, host, port, sockets);
  }

  adopt(handle: unknown, preface?: Uint8Array): ClientSocket {
    if (!(handle instanceof net.Socket)) throw new Error('a handed-off connection is a socket');
    const socket = new NodeClientSocket(handle, this.readBuffer, preface ?? null);
    socket.resume();
    return socket;
  }

  listenHttp(host: string, port: number, maxBodyBytes: number, handler: (request: HttpExchange) => Promise<HttpReply>, tls: TlsCredentials | null = null): Promise<ListeningServer> {
    // The console's server (http-server.ts: body, header and time limits), in the shape of the
    // control plane's exchange: the target split at '?', headers as a record.
    return listenHttpServer({
      host, port, tls, maxBodyBytes, maxConnections: MAX_HTTP_CONNECTIONS,
      handler: async (request) => {
        const mark = request.target.indexOf('?');
        const exchange: HttpExchange = {
          method: request.method,
          path: mark < 0 ? request.target : request.target.slice(0, mark),
          query: mark < 0 ? '' : request.target.slice(mark + 1),
          headers: Object.fromEntries(request.headers), body: request.body,
        };
        return handler(exchange).catch((error: unknown) => ({
          status: 500, headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalServerException' },
          body: Buffer.from(JSON.stringify({ message: (error as Error).message })),
        }));
      },
    });
  }
}

function track(sockets: Set<net.Socket>, socket: net.Socket): void {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
}

/**
 * Listens, and on close stops accepting and drops the connections this server still holds
 * (`sockets`: a handed-off connection leaves it when it is adopted or sent away).
 */
function serve(server: net.Server, host: string, port: number, sockets: Set<net.Socket>): Promise<ListeningServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          for (const socket of sockets) socket.destroy();
        }),
      });
    });
  });
}
