import net from 'node:net';
import tls from 'node:tls';
import { Duplex } from 'node:stream';
import type { ClientSocket, HandOffSocket, ListeningServer, Net, TlsCredentials } from './env.js';

/** A client connection on a real socket, upgradable to TLS in place (SSLRequest or direct TLS). */
class NodeClientSocket implements ClientSocket {
  private stream: net.Socket | tls.TLSSocket;
  private dataHandler: ((chunk: Uint8Array) => void) | null = null;
  private closeHandlers: (() => void)[] = [];
  private closed = false;
  encrypted = false;

  constructor(private readonly raw: net.Socket) {
    this.stream = raw;
    raw.setNoDelay(true);
    raw.on('data', this.forward);
    raw.on('close', () => this.fireClose());
    raw.on('error', () => raw.destroy());
  }

  private readonly forward = (chunk: Buffer): void => {
    this.dataHandler?.(chunk);
  };

  private fireClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const handler of this.closeHandlers) handler();
  }

  get remoteAddress(): string {
    return this.raw.remoteAddress ?? '';
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
    this.raw.removeListener('data', this.forward);
    let serverName: string | null = null;
    const context = tls.createSecureContext({ key: credentials.key, cert: credentials.cert });
    const transport: net.Socket | Duplex = replay ? replayingDuplex(this.raw, replay) : this.raw;
    const secure = new tls.TLSSocket(transport as net.Socket, {
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
  }
}

/** A duplex over a socket that first yields bytes already read from it (a direct ClientHello). */
function replayingDuplex(socket: net.Socket, replay: Uint8Array): Duplex {
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end();
      callback();
    },
    destroy(error, callback) {
      socket.destroy();
      callback(error);
    },
  });
  duplex.push(Buffer.from(replay));
  socket.on('data', (chunk) => {
    if (!duplex.push(chunk)) socket.pause();
  });
  socket.on('end', () => duplex.push(null));
  return duplex;
}

export class NodeNet implements Net {
  listen(host: string, port: number, onConnection: (socket: ClientSocket) => void): Promise<ListeningServer> {
    return serve(net.createServer((socket) => onConnection(new NodeClientSocket(socket))), host, port);
  }

  listenForHandOff(host: string, port: number, onConnection: (socket: HandOffSocket) => void): Promise<ListeningServer> {
    const server = net.createServer({ pauseOnConnect: true }, (socket) => onConnection({
      handle: socket,
      refuse: (bytes) => { socket.end(bytes); },
    }));
    return serve(server, host, port);
  }

  adopt(handle: unknown): ClientSocket {
    if (!(handle instanceof net.Socket)) throw new Error('a handed-off connection is a socket');
    const socket = new NodeClientSocket(handle);
    handle.resume();
    return socket;
  }
}

/** Listens, and on close stops accepting and drops the connections this server still holds. */
function serve(server: net.Server, host: string, port: number): Promise<ListeningServer> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
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
