/**
 * Byte splicing for the relay (DESIGN.md §1 Connection path): the relay never terminates TLS or
 * reads the protocol beyond the first packet; it picks a backend and pipes bytes both ways. A
 * PostgreSQL CancelRequest (the only 16-byte first packet with code 80877102) names a session
 * that may live on any backend, so it goes to all of them.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Backend {
  readonly host: string;
  readonly port: number;
}

export interface SpliceServerOptions<B extends Backend = Backend> {
  readonly host: string;
  readonly port: number;
  /**
   * False: bind nothing; serve the connections and the listening socket another process hands
   * over (`accept`, `adopt`), so that several relays share one port (default true).
   */
  readonly bind?: boolean;
  /** Backends in the order to try for a new connection. */
  readonly pick: () => readonly B[];
  /** All backends (cancel requests go to each). */
  readonly all: () => readonly B[];
  /**
   * A connection is going to `backend` (the one of `pick`'s list being dialled): counted from the
   * dial on, so that a burst of connections picking at once sees the ones before it; the function
   * returned is called once when the dial fails or the splice ends. For a relay that balances
   * open sessions.
   */
  readonly onSpliced?: (backend: B) => () => void;
  readonly onError?: (message: string) => void;
}

const CANCEL_REQUEST_CODE = 80877102;
const CONNECT_TIMEOUT_MS = 2_000;

export interface SpliceServer {
  readonly port: number;
  /** Serves a connection another process accepted and handed over. */
  accept(client: unknown): void;
  /**
   * Serves every connection a listening socket handed over by another process accepts (a
   * net.Server received over IPC, already listening): call it in the turn the socket arrives,
   * or a connection it accepts before has no one to serve it and waits forever.
   */
  adopt(listener: unknown): void;
  close(): Promise<void>;
}

function dial(backend: Backend): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: backend.host, port: backend.port, noDelay: true });
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`connect to ${backend.host}:${backend.port} timed out`)); }, CONNECT_TIMEOUT_MS);
    socket.once('connect', () => { clearTimeout(timer); resolve(socket); });
    socket.once('error', (error) => { clearTimeout(timer); reject(error); });
  });
}

function isCancelRequest(first: Buffer): boolean {
  return first.length === 16 && first.readUInt32BE(0) === 16 && first.readUInt32BE(4) === CANCEL_REQUEST_CODE;
}

export async function startSpliceServer<B extends Backend>(options: SpliceServerOptions<B>): Promise<SpliceServer> {
  const sockets = new Set<Socket>();
  const onClient = (client: Socket) => {
    client.setNoDelay(true);
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    client.once('data', (first: Buffer) => {
      client.pause();
      if (isCancelRequest(first)) {
        for (const backend of options.all()) {
          dial(backend).then((s) => s.end(first), () => {});
        }
        client.end();
        return;
      }
      void route(client, first);
    });
  };
  const servers: Server[] = [];
  const serve = (server: Server) => {
    server.on('connection', onClient);
    servers.push(server);
  };
  const route = async (client: Socket, first: Buffer) => {
    for (const backend of options.pick()) {
      let upstream: Socket;
      const ended = options.onSpliced?.(backend);
      try {
        upstream = await dial(backend);
      } catch (error) {
        ended?.();
        options.onError?.(`relay: ${backend.host}:${backend.port} refused: ${(error as Error).message}`);
        continue;
      }
      if (client.destroyed) {
        ended?.();
        upstream.destroy();
        return;
      }
      sockets.add(upstream);
      upstream.on('close', () => { sockets.delete(upstream); ended?.(); client.destroy(); });
      upstream.on('error', () => upstream.destroy());
      client.on('close', () => upstream.destroy());
      upstream.write(first);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      return;
    }
    client.destroy();
  };
  let port = options.port;
  if (options.bind ?? true) {
    const server = createServer({ noDelay: true, pauseOnConnect: false });
    serve(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => resolve());
    });
    port = (server.address() as import('node:net').AddressInfo).port;
  }
  return {
    port,
    accept: (client) => onClient(client as Socket),
    // A listener arrives listening (child_process listens on the handle it receives).
    adopt: (listener) => serve(listener as Server),
    close: async () => {
      const closed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
      for (const socket of sockets) socket.destroy();
      await Promise.all(closed);
    },
  };
}
