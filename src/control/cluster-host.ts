import type { ClientSocket, TlsCredentials } from '../env/env.js';
import { BackendWriter, type ErrorFields } from '../wire/backend.js';
import type { ClusterCores } from './control-plane.js';

/**
 * The created clusters this node serves, by id: each a whole database of its own (journal,
 * storage, adjudicator, catalog, query service), opened and closed by the node's opener. The
 * shared PostgreSQL port hands them the connections whose SNI names them.
 */
export interface ServedCluster {
  /** Serves a connection (its ClientHello is the first data the socket delivers). */
  accept(socket: ClientSocket): void;
  cancel(processId: number, secretKey: number): void;
  /** Connections open now (the control plane makes a cluster without any IDLE, then INACTIVE). */
  readonly openConnections: number;
  /** Ends every session with `farewell` and closes the database. */
  close(farewell: ErrorFields): Promise<void>;
}

/** PostgreSQL's answer to sessions ended by a shutdown or pg_terminate_backend. */
export const ADMIN_SHUTDOWN: ErrorFields = { severity: 'FATAL', code: '57P01', message: 'terminating connection due to administrator command' };

export class ClusterHost implements ClusterCores {
  private readonly served = new Map<string, ServedCluster>();

  constructor(private readonly openCluster: (id: string, directory: string) => Promise<ServedCluster>) {}

  async open(id: string, directory: string): Promise<void> {
    if (this.served.has(id)) return;
    this.served.set(id, await this.openCluster(id, directory));
  }

  async close(id: string): Promise<void> {
    const cluster = this.served.get(id);
    this.served.delete(id);
    await cluster?.close(ADMIN_SHUTDOWN);
  }

  openConnections(id: string): number {
    return this.served.get(id)?.openConnections ?? 0;
  }

  get(id: string): ServedCluster | undefined {
    return this.served.get(id);
  }

  /** A CancelRequest carries no SNI: each cluster cancels the session if it has it. */
  cancel(processId: number, secretKey: number): void {
    for (const cluster of this.served.values()) cluster.cancel(processId, secretKey);
  }

  async closeAll(): Promise<void> {
    const ids = [...this.served.keys()];
    await Promise.all(ids.map((id) => this.close(id)));
  }
}

/**
 * Refuses a TLS connection readably: finishes the handshake (with `credentials`, the node's own
 * certificate), waits for the startup packet and answers with `error`, so psql and drivers show
 * the text instead of a TLS failure. `clientHello`: the bytes the peek read.
 */
export function refuseOverTls(socket: ClientSocket, credentials: TlsCredentials, clientHello: Uint8Array, error: ErrorFields): void {
  socket.onData(() => {
    const writer = new BackendWriter();
    writer.errorResponse(error);
    socket.write(writer.take());
    socket.end();
  });
  socket.startTls(credentials, clientHello, () => {}, () => socket.destroy());
}
