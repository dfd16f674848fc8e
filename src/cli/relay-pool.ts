/**
 * The client port shared by the local cluster's relays, both sides of it. The supervisor
 * (local-supervisor.ts) binds the port and hands the listening socket to each relay it starts,
 * over IPC, so all of them accept on one endpoint and a relay lost costs only its own sessions;
 * a relay started again gets the socket from the supervisor. The supervisor keeps the socket
 * open for that, so the kernel gives it connections too: it passes each on to a ready relay.
 *
 * A relay gets the socket only once it says it serves (RELAY_READY), and takes it in the turn it
 * arrives: a process that holds a listening socket takes connections from the kernel's queue,
 * and one that took a connection with no handler for it yet (a relay still loading, or still
 * reading etcd) held it open and unanswered — the client waited forever.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import type { NodeConfig } from '../node/roles/cluster-config.js';

/** Relay → supervisor: the relay serves; send the listener (and connections) from now on. */
export const RELAY_READY = 'strata:relay-ready';
/** Supervisor → relay: the shared listening socket. */
export const RELAY_LISTENER = 'strata:listener';
/** Supervisor → relay: a connection the supervisor accepted on the shared socket. */
export const RELAY_CONNECTION = 'strata:connection';

/** What a relay serves handed-over sockets with (RelayRole). */
export interface HandedOverServer {
  accept(client: unknown): void;
  adopt(listener: unknown): void;
}

/**
 * The relay's side, called once it serves: takes what the supervisor hands over, each in the
 * turn it arrives, and tells the supervisor it is ready for it.
 */
export function serveHandedOver(server: HandedOverServer): void {
  process.on('message', (message, handle) => {
    if (handle === undefined) return;
    if (message === RELAY_LISTENER) server.adopt(handle);
    else if (message === RELAY_CONNECTION) server.accept(handle);
  });
  process.send?.(RELAY_READY);
}

export interface RelayLaunch {
  /** Starts a relay that is handed the socket: a child with an IPC channel. */
  shared(node: NodeConfig): ChildProcess;
  /** Starts a relay that binds the port itself; returns its pid. */
  alone(node: NodeConfig): number;
}

/** The supervisor's side. */
export class RelayPool {
  /** Relays started with the socket, by name, and which of them said they serve. */
  private readonly children = new Map<string, ChildProcess>();
  private readonly ready = new Set<ChildProcess>();
  /** Connections handed to each relay whose message is not written yet (handOff). */
  private readonly inFlight = new Map<ChildProcess, Set<Socket>>();
  private next = 0;

  private constructor(private readonly launch: RelayLaunch, private readonly listener: Server | null) {}

  /**
   * Binds the relays' port. If it cannot be bound (relays of an earlier supervisor still hold
   * it), each relay binds it itself, as a single relay does.
   */
  static async open(relays: readonly NodeConfig[], launch: RelayLaunch, log: (line: string) => void): Promise<RelayPool> {
    const first = relays[0];
    if (first === undefined) return new RelayPool(launch, null);
    // Paused: the supervisor never reads a client's bytes, it hands the socket on.
    const listener = createServer({ pauseOnConnect: true });
    try {
      await new Promise<void>((done, fail) => {
        listener.once('error', fail);
        listener.listen(first.port, first.host, () => done());
      });
    } catch (error) {
      log(`cannot bind the client port ${first.host}:${first.port} (${(error as Error).message}): each relay binds it itself`);
      return new RelayPool(launch, null);
    }
    const pool = new RelayPool(launch, listener);
    listener.on('connection', (client: Socket) => pool.handOff(client));
    return pool;
  }

  /** Starts a relay; it gets the shared socket once it serves. Returns its pid. */
  start(node: NodeConfig): number {
    if (this.listener === null) return this.launch.alone(node);
    const child = this.launch.shared(node);
    if (child.pid === undefined) throw new Error(`could not start ${node.name}`);
    child.on('error', () => {});
    child.on('message', (message) => {
      if (message !== RELAY_READY || this.ready.has(child) || !child.connected) return;
      child.send(RELAY_LISTENER, this.listener!);
      this.ready.add(child);
    });
    this.children.set(node.name, child);
    this.inFlight.set(child, new Set());
    child.once('exit', () => {
      for (const client of this.inFlight.get(child)!) client.destroy();
      this.inFlight.delete(child);
      this.ready.delete(child);
      if (this.children.get(node.name) === child) this.children.delete(node.name);
    });
    return child.pid;
  }

  /**
   * Stops handing out connections and lets this process exit while the relays run on (they are
   * detached; `local down` stops them after the supervisor): a child process not unref'd keeps
   * its parent's event loop alive until it exits, which held the supervisor past SIGTERM until
   * `local down` gave up on it and sent SIGKILL, 5 s later.
   */
  close(): void {
    this.listener?.close();
    for (const child of this.children.values()) {
      if (child.connected) child.disconnect();
      child.unref();
    }
  }

  /**
   * A connection the kernel gave the supervisor: the next ready relay serves it. The supervisor
   * closes its own copy once the message carrying it is written (the socket then lives in the
   * message and in the relay; a relay that dies before reading it takes it along), or when the
   * relay dies before that. Node's `keepOpen: false` would instead hold the copy until the relay
   * acknowledges the handle — forever if the relay dies first — and with it the client's
   * connection, open and unanswered.
   */
  private handOff(client: Socket): void {
    const live = [...this.ready].filter((child) => child.connected);
    if (live.length === 0) {
      // No relay serves now: a refused connection the client can retry, not one left waiting.
      client.destroy();
      return;
    }
    const relay = live[this.next++ % live.length]!;
    const inFlight = this.inFlight.get(relay)!;
    inFlight.add(client);
    relay.send(RELAY_CONNECTION, client, { keepOpen: true }, () => {
      inFlight.delete(client);
      client.destroy();
    });
  }
}
