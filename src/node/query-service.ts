import type { Adjudicator } from '../contracts/adjudicator.js';
import type { StorageNode } from '../contracts/storage.js';
import type { ClientSocket, Env } from '../env/env.js';
import { QueryProcessor } from '../qp/query-processor.js';
import { Connection } from '../qp/protocol/connection.js';
import { TokenAuthenticator, type RoleLogin } from '../qp/auth/token-authenticator.js';
import { actionFor } from '../qp/auth/token.js';
import type { Authenticator } from '../contracts/sql-session.js';
import type { ClusterIdentity } from './identity.js';
import type { ErrorFields } from '../wire/backend.js';
import { dirname } from 'node:path';
import { monotonicMicros } from '../env/clock.js';
import { UsageStore, type UsageStoreOptions } from '../metering/usage-store.js';
import type { Admission } from './admission.js';

/**
 * A query processor and the connections it serves: what the embedded node runs in-process, and
 * what each of its worker processes runs (see qp-worker.ts).
 */
export interface QueryService {
  /** Serves a new client connection until it closes. */
  accept(socket: ClientSocket): void;
  /** Cancels the running statement of the session with this key; false when this service has none. */
  cancel(processId: number, secretKey: number): boolean;
  readonly openConnections: number;
  /** Drops every connection; with `farewell`, each session first gets that FATAL error. */
  closeAll(farewell?: ErrorFields): void;
  /**
   * Ends every session with `farewell` once it is between transactions, and those still open
   * after `graceMs` (or not yet past their startup) at once: the processor is leaving.
   */
  drain(farewell: ErrorFields, graceMs: number): Promise<void>;
  /** This processor's usage totals (metering), when it keeps them: stop it last, to write them out. */
  readonly usage: UsageStore | null;
}

export interface QueryServiceOptions {
  readonly env: Env;
  readonly storage: StorageNode;
  readonly adjudicator: Adjudicator;
  readonly identity: ClusterIdentity;
  readonly snapshotTime: () => number;
  /** Whether this processor resumes index builds a restart interrupted (one processor does). */
  readonly resumeIndexBuilds: boolean;
  /** False: the control role runs the index builds (QueryProcessorOptions.runsIndexBuilds). */
  readonly runsIndexBuilds?: boolean;
  /**
   * A CancelRequest arrived on this service's connection; the session may live elsewhere.
   * `encrypted`: it came inside TLS, so no relay could read it on its way.
   */
  readonly onCancelRequest: (processId: number, secretKey: number, encrypted: boolean) => void;
  readonly onConnectionClosed?: () => void;
  /**
   * Where and how this processor keeps its usage totals (src/metering): its file, one per
   * query-processor process, and what else the file records; absent: its sessions are not metered.
   */
  readonly usage?: Pick<UsageStoreOptions, 'path' | 'peerRegions' | 'storageBytes' | 'region'>;
  /** The connection limits this service enforces itself (the distributed QP's share); none: its caller does. */
  readonly admission?: Admission;
  /**
   * Its connections come spliced by a relay (the distributed QP): a socket's peer is the relay,
   * so a session does not know its client's address (ConnectionOptions.clientSocket).
   */
  readonly spliced?: boolean;
}

const DRAIN_POLL_MS = 20;

export async function startQueryService(options: QueryServiceOptions): Promise<QueryService> {
  const { env } = options;
  let usage: UsageStore | null = null;
  if (options.usage !== undefined) {
    await env.disk.mkdir(dirname(options.usage.path));
    usage = await UsageStore.open({ disk: env.disk, clock: env.clock, timers: env.timers, log: env.log, ...options.usage });
  }
  const qp = new QueryProcessor({
    storage: options.storage, adjudicator: options.adjudicator, clock: env.clock, timers: env.timers,
    random: env.random, log: env.log, snapshotTime: options.snapshotTime, stopwatch: monotonicMicros,
    ...(options.runsIndexBuilds === false ? { runsIndexBuilds: false } : {}),
    ...(usage !== null ? { usage } : {}),
  });
  await qp.start({ resumeIndexBuilds: options.resumeIndexBuilds });
  // A role created on another QP a moment ago must be able to connect: read the newest catalog.
  const roleLogin = async (name: string): Promise<RoleLogin> => {
    const role = (await qp.catalogAt(qp.snapshotTime())).access.role(name);
    return role === undefined ? 'missing' : role.login ? 'login' : 'nologin';
  };
  const tokens = new TokenAuthenticator({ credentials: options.identity, clock: env.clock, roleLogin });
  // Every token presented is a call of the action it must grant (AWS/Usage CallCount), granted or not.
  const authenticator: Authenticator = usage === null ? tokens : {
    authenticate(startup, password) {
      usage.connectionAttempt(actionFor(startup.user) === 'DbConnectAdmin');
      return tokens.authenticate(startup, password);
    },
  };
  const tls = { key: options.identity.tlsKey, cert: options.identity.tlsCert };
  const connections = new Set<Connection>();
  const closeAll = (farewell?: ErrorFields) => {
    for (const connection of connections) {
      if (farewell === undefined) connection.close();
      else connection.shutDown(farewell);
    }
  };
  return {
    usage,
    accept(socket) {
      const connection = new Connection({
        socket, tls, authenticator, sessions: qp, random: env.random, timers: env.timers, log: env.log,
        cancel: options.onCancelRequest,
        ...(options.spliced === true ? { clientSocket: false } : {}),
        // The set holds this connection already: the others are what it is counted against.
        ...(options.admission !== undefined ? { admit: () => options.admission!.admit(connections.size - 1) } : {}),
        onClose: () => {
          if (!connections.delete(connection)) return;
          usage?.openConnections(connections.size);
          options.onConnectionClosed?.();
        },
      });
      connections.add(connection);
      usage?.openConnections(connections.size);
    },
    cancel: (processId, secretKey) => qp.cancel(processId, secretKey),
    get openConnections() {
      return connections.size;
    },
    closeAll,
    async drain(farewell, graceMs) {
      for (const connection of connections) connection.endWhenIdle(farewell);
      const deadline = env.clock.now().earliest + graceMs * 1000;
      while (connections.size > 0 && env.clock.now().earliest < deadline) await new Promise<void>((r) => env.timers.setTimeout(() => r(), DRAIN_POLL_MS));
      closeAll(farewell);
    },
  };
}
