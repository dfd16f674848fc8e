import { join } from 'node:path';
import type { Env } from '../env/env.js';
import type { JournalRecord } from '../contracts/journal.js';
import type { SafeTimeSource } from '../contracts/storage.js';
import type { Timestamp } from '../contracts/time.js';
import { assert } from '../contracts/errors.js';
import { SystemClock } from '../env/clock.js';
import { SystemTimers } from '../env/timers.js';
import { SystemRandom } from '../env/random.js';
import { NodeDisk } from '../env/disk.js';
import { NodeNet } from '../env/net.js';
import { NodeProcesses } from '../env/processes.js';
import { claimDataDir } from '../env/data-dir-claim.js';
import { ConsoleLog, SilentLog } from '../env/log.js';
import { loadParser } from '../qp/sql/parse.js';
import { BackendWriter } from '../wire/backend.js';
import { createToken } from '../qp/auth/token.js';
import { FileJournal } from '../journal/file-journal.js';
import { LocalAdjudicator, type AcknowledgeAt } from '../adjudicator/adjudicator.js';
import { MvccStorage } from '../storage/mvcc-storage.js';
import { Crossbar } from '../crossbar/crossbar.js';
import { AdjudicatorSafeTime } from './adjudicator-safe-time.js';
import { endpointFor, loadOrCreateIdentity, loadOrCreateWildcardTls, type ClusterIdentity } from './identity.js';
import { columnKeyOf } from './column-key.js';
import { startQueryService, type QueryService } from './query-service.js';
import { WorkerPool } from './worker-pool.js';
import { Admission, limitsOf, TOO_MANY_CONNECTIONS, type AdmissionLimits, type ConfiguredLimits } from './admission.js';
import type { ClientSocket, HandOffSocket, ListeningServer } from '../env/env.js';
import type { ErrorFields } from '../wire/backend.js';
import { peekFirstBytes } from '../control/first-bytes-peek.js';
import { resumeRefusal, routeConnection } from '../control/connection-route.js';
import { ControlPlane } from '../control/control-plane.js';
import { ClusterHost, ADMIN_SHUTDOWN, refuseOverTls, type ServedCluster } from '../control/cluster-host.js';
import { startControlApi } from '../control/api.js';
import { controlPlaneClusters } from '../control/cluster-service.js';
import { RequestSignature } from '../control/request-signature.js';
import { BackupPlane, controlPlaneSubjects } from '../control/backup-plane.js';
import { NodeBackups } from './cluster-backup.js';
import { BackupThreads } from './backup-threads.js';

/** `maxConnections` and `connectionRate`: the connection limits (DSQL's by default; admission.ts). */
export interface EmbeddedOptions extends ConfiguredLimits {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly quiet?: boolean;
  /**
   * Query-processor worker processes besides this one (default 0). Workers share the store with
   * this process and commit through its adjudicator, so SQL work spreads over the machine's
   * cores; connections go to the least loaded process.
   */
  readonly workers?: number;
  /**
   * Serve the control-plane API (docs/control-plane.md) on this port of `host` (0: any free
   * one); absent: no API, and only the data directory's own cluster exists.
   */
  readonly apiPort?: number;
  /** When `apiPort` is taken, serve the API on any free port instead of failing (the CLI's default port). */
  readonly apiPortFallback?: boolean;
  /** At most this many clusters, the default one included (default: DSQL's quota, 20). */
  readonly maxClusters?: number;
  /** A created cluster with no connection for this long turns IDLE (default 10 minutes). */
  readonly idleAfterMs?: number;
  /** ... and for this long INACTIVE: its database closed, its files kept (default 1 hour). */
  readonly inactiveAfterMs?: number;
}

export interface EmbeddedCluster {
  readonly port: number;
  readonly host: string;
  readonly endpoint: string;
  /** The control-plane API's port; null without one. */
  readonly apiPort: number | null;
  /** The data directory's region and the keys requests and tokens are signed with. */
  readonly credentials: { readonly region: string; readonly accessKeyId: string; readonly secretAccessKey: string };
  /** A token for a user of this cluster, as `strata token` prints it. */
  token(user?: string, expiresInSeconds?: number): Promise<string>;
  /** A token for a user of the cluster at `endpoint` (a created cluster's). */
  tokenFor(endpoint: string, user?: string, expiresInSeconds?: number): Promise<string>;
  /**
   * PEM certificates that verify every cluster of this node: the default cluster's and the one
   * its created clusters share (made now if no cluster was created yet). A client that may
   * connect to any of them (the web console) trusts these.
   */
  certificates(): Promise<string>;
  /** The process ids of the query-processor workers (none when SQL runs in this process). */
  workerPids(): number[];
  /** Moves this cluster's clock forward, in every process (tests of time limits). */
  advanceClock(micros: number): Promise<void>;
  stop(): Promise<void>;
}

const GC_INTERVAL_MS = 10_000;
const REPLAY_BATCH = 1000;
const PRUNE_INTERVAL_MS = 1_000;
/** How often the primary records its safe time for workers (they start transactions there). */
const RECORD_SAFE_TIME_MS = 50;

/**
 * The embedded cluster (DESIGN.md §4): every role on one machine with in-process calls, a file
 * journal with fsync, and LMDB storage under one data directory; SQL in this process or in
 * worker processes that share the store (see `EmbeddedOptions.workers`). With `apiPort`, also
 * the control plane: clusters created through the API, each a database of its own under
 * `<data dir>/clusters/<id>/`, all reached through the one PostgreSQL port by SNI.
 */
export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedCluster> {
  const clock = new SystemClock(0);
  const env: Env = {
    clock, timers: new SystemTimers(), random: new SystemRandom(), disk: new NodeDisk(), net: new NodeNet(),
    log: options.quiet ? new SilentLog() : new ConsoleLog(),
  };
  await loadParser();
  await env.disk.mkdir(options.dataDir);
  // `strata backup` / `strata restore` open the journal and store offline: never both at once.
  const releaseDataDir = await claimDataDir(options.dataDir, 'strata start');
  let identity: ClusterIdentity;
  let core: ClusterCore;
  try {
    identity = await loadOrCreateIdentity(env.disk, env.random, env.clock, options.dataDir);
    core = await openCore(env, options.dataDir);
  } catch (error) {
    await releaseDataDir();
    throw error;
  }
  const limits = limitsOf(options);
  // Made on the first open, once for all created clusters.
  let sharedTls: Promise<{ tlsKey: string; tlsCert: string }> | null = null;
  const createdClustersTls = () => sharedTls ??= loadOrCreateWildcardTls(env.disk, join(options.dataDir, 'clusters'), identity.region, env.clock);
  // Every open cluster's database, by id, for backups.
  const cores = new Map<string, ClusterCore>([[identity.clusterId, core]]);
  const host = new ClusterHost(async (id, directory) => {
    const clusterIdentity: ClusterIdentity = { ...identity, ...await createdClustersTls(), clusterId: id, endpoint: endpointFor(id, identity.region) };
    const served = await serveCreatedCluster(env, clusterIdentity, directory, limits, (processId, secretKey) => cancelEverywhere(processId, secretKey));
    cores.set(id, served.core);
    return {
      accept: (socket) => served.accept(socket),
      cancel: (processId, secretKey) => served.cancel(processId, secretKey),
      get openConnections() {
        return served.openConnections;
      },
      async close(farewell) {
        cores.delete(id);
        await served.close(farewell);
      },
    };
  });
  let defaultFront: Front | null = null;
  const cancelEverywhere = (processId: number, secretKey: number): void => {
    defaultFront?.cancel(processId, secretKey);
    host.cancel(processId, secretKey);
  };
  let control: ServedControlPlane | null = null;
  let listener: ListeningServer;
  try {
    defaultFront = await serveDefault(env, options, identity, core, cancelEverywhere);
    if (options.apiPort !== undefined) control = await serveControlPlane(env, options, options.apiPort, identity, host, new NodeBackups(env, new BackupThreads(env), (id) => cores.get(id)));
    listener = await listenShared(env, options, identity, limits, defaultFront, control?.plane ?? null, host);
  } catch (error) {
    await control?.stop();
    await host.closeAll();
    await defaultFront?.stop();
    await core.close();
    await releaseDataDir();
    throw error;
  }
  let stopped = false;
  return {
    port: listener.port,
    host: options.host,
    endpoint: identity.endpoint,
    apiPort: control?.api.port ?? null,
    credentials: { region: identity.region, accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey },
    token: (user = 'admin', expiresIn = 900) => createToken({ credentials: identity, user, expiresInSeconds: expiresIn, nowUs: env.clock.now().latest }),
    certificates: async () => `${identity.tlsCert.trimEnd()}\n${(await createdClustersTls()).tlsCert}`,
    tokenFor: (endpoint, user = 'admin', expiresIn = 900) => createToken({ credentials: { ...identity, endpoint }, user, expiresInSeconds: expiresIn, nowUs: env.clock.now().latest }),
    workerPids: () => defaultFront!.workerPids(),
    advanceClock: async (micros) => {
      clock.advance(micros);
      await defaultFront!.advanceClock(micros);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // No new API call or connection; what the API started finishes; then every session ends.
      await control?.stop();
      await listener.close();
      await host.closeAll();
      await defaultFront!.stop();
      await core.close();
      await releaseDataDir();
    },
  };
}

interface ServedControlPlane {
  readonly plane: ControlPlane;
  readonly api: ListeningServer;
  /** Stops taking requests and waits for the creations and deletions under way. */
  stop(): Promise<void>;
}

/**
 * The control plane and its API: the registry read and every created cluster opened (by
 * `host`), then the API listening on `port` (or any free port, with `apiPortFallback`).
 */
async function serveControlPlane(
  env: Env, options: EmbeddedOptions, port: number, identity: ClusterIdentity, host: ClusterHost, clusterBackups: NodeBackups,
): Promise<ServedControlPlane> {
  const plane = await ControlPlane.start({
    env, dataDir: options.dataDir, region: identity.region, defaultClusterId: identity.clusterId, cores: host,
    ...(options.maxClusters === undefined ? {} : { maxClusters: options.maxClusters }),
    ...(options.idleAfterMs === undefined ? {} : { idleAfterMs: options.idleAfterMs }),
    ...(options.inactiveAfterMs === undefined ? {} : { inactiveAfterMs: options.inactiveAfterMs }),
  });
  let backups: BackupPlane;
  try {
    backups = await BackupPlane.start({ env, dataDir: options.dataDir, region: identity.region, clusters: controlPlaneSubjects(plane), restores: plane, backups: clusterBackups });
  } catch (error) {
    await plane.stop();
    throw error;
  }
  const apiOptions = { env, host: options.host, port, clusters: controlPlaneClusters(plane), backups, signature: new RequestSignature(identity, env.clock, ['dsql', 'backup']) };
  let api: ListeningServer;
  try {
    api = await startControlApi(apiOptions).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE' || options.apiPortFallback !== true) throw error;
      env.log.warn(`port ${port} is taken: the control-plane API listens on another, printed below`);
      return startControlApi({ ...apiOptions, port: 0 });
    });
  } catch (error) {
    await backups.stop();
    await plane.stop();
    throw error;
  }
  return {
    plane, api,
    async stop() {
      await api.close();
      // Jobs under way end (FAILED, their partial output removed) before the clusters close.
      await backups.stop();
      await plane.stop();
    },
  };
}

/** A cluster's database: journal, storage, crossbar and adjudicator, and their background work. */
export interface ClusterCore {
  readonly storage: MvccStorage;
  /** Where storage's LMDB environment is: a backup's thread opens it beside this one. */
  readonly storePath: string;
  readonly adjudicator: LocalAdjudicator;
  readonly safeTime: SafeTimeSource;
  /**
   * Keeps garbage collection below `timestamp` until the returned release is called: a backup
   * reading as of it for longer than the 5-minute horizon must still find its versions.
   */
  holdVersions(timestamp: Timestamp): () => void;
  close(): Promise<void>;
}

/** Opens (creating on first use) the database in `dataDir`: replays the journal, rebuilds the adjudicator. */
export async function openCore(env: Env, dataDir: string): Promise<ClusterCore> {
  const journal = await FileJournal.open(env.disk, join(dataDir, 'journal'));
  // Storage asks the adjudicator how far it may read; until the adjudicator exists (replay at
  // startup) nothing reads, so the source is filled in below.
  const safeTimeRef: { source: SafeTimeSource | null } = { source: null };
  const safeTime: SafeTimeSource = {
    safeTime: () => safeTimeRef.source?.safeTime() ?? 0,
    waitFor: (timestamp: Timestamp) => safeTimeRef.source!.waitFor(timestamp),
  };
  const storePath = join(dataDir, 'storage');
  const store = env.disk.openOrderedStore(storePath);
  const storage = new MvccStorage(store, safeTime, columnKeyOf);
  await replayJournal(journal, storage);

  const crossbar = new Crossbar();
  crossbar.subscribe({ start: new Uint8Array([0]), end: new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff]) }, storage);
  const adjudicator = await LocalAdjudicator.rebuild({
    clock: env.clock, timers: env.timers, journal,
    publish: (records, position) => crossbar.deliver(records, position),
  });
  safeTimeRef.source = new AdjudicatorSafeTime(adjudicator, env.timers, () => env.clock.now().latest);
  const holds = new Map<number, Timestamp>();
  let nextHold = 0;
  const gc = env.timers.setInterval(() => {
    let horizon = safeTime.safeTime() - 300_000_000 - 1_000_000;
    for (const held of holds.values()) horizon = Math.min(horizon, held - 1);
    storage.collectGarbage(horizon, 10_000).catch((error: unknown) => env.log.warn(`garbage collection: ${(error as Error).message}`));
  }, GC_INTERVAL_MS);
  const prune = env.timers.setInterval(() => adjudicator.prune(), PRUNE_INTERVAL_MS);
  return {
    storage, storePath, adjudicator, safeTime,
    holdVersions(timestamp) {
      assert(timestamp > storage.gcHorizon, 'a held timestamp is one reads may still use');
      const id = nextHold++;
      holds.set(id, timestamp);
      return () => { holds.delete(id); };
    },
    async close() {
      env.timers.clearInterval(gc);
      env.timers.clearInterval(prune);
      await adjudicator.close();
      await journal.close();
      await storage.close();
    },
  };
}

/** Applies what the journal has beyond storage's applied position (storage does not fsync). */
async function replayJournal(journal: FileJournal, storage: MvccStorage): Promise<void> {
  const pending: { record: JournalRecord; position: number }[] = [];
  await journal.replay(storage.appliedPosition, (record, position) => { pending.push({ record, position }); });
  for (let i = 0; i < pending.length; i += REPLAY_BATCH) {
    const batch = pending.slice(i, i + REPLAY_BATCH);
    await storage.apply(batch.map((p) => p.record), batch[batch.length - 1]!.position);
  }
}

/**
 * A created cluster: its identity (its id and endpoint; the data directory's keys and region,
 * as an AWS account's keys sign for all its clusters; the shared certificate), its own
 * database in `directory`, and a query service in this process. Workers serve only the
 * default cluster: a worker opens its cluster's store as a follower, and one pool per created
 * cluster would cost processes the two-core default never has anyway (docs/control-plane.md).
 */
async function serveCreatedCluster(
  env: Env, identity: ClusterIdentity, directory: string, limits: AdmissionLimits,
  onCancelRequest: (processId: number, secretKey: number) => void,
): Promise<ServedCluster & { readonly core: ClusterCore }> {
  const admission = new Admission(env.clock, limits);
  await env.disk.mkdir(directory);
  const core = await openCore(env, directory);
  let service;
  try {
    // Metered per cluster, as DSQL bills: `strata usage --cluster ID` reads its usage file.
    service = await serveCore(env, identity, core, directory, 'durable', onCancelRequest);
  } catch (error) {
    await core.close();
    throw error;
  }
  return {
    core,
    accept(socket) {
      const refused = admission.admit(service.openConnections);
      if (refused !== null) refuseOverTlsFirst(socket, identity, refused);
      else service.accept(socket);
    },
    cancel: (processId, secretKey) => service.cancel(processId, secretKey),
    get openConnections() {
      return service.openConnections;
    },
    async close(farewell) {
      service.closeAll(farewell);
      await service.usage?.stop();
      await core.close();
    },
  };
}

/**
 * The query service of a cluster's database in this process (the default cluster's or a
 * created one's), committing through its adjudicator and keeping its usage, with its storage's
 * size, in `<dataDir>/usage/qp.json`.
 */
function serveCore(
  env: Env, identity: ClusterIdentity, core: ClusterCore, dataDir: string, acknowledgeAt: AcknowledgeAt,
  onCancelRequest: (processId: number, secretKey: number) => void,
): Promise<QueryService> {
  return startQueryService({
    env, storage: core.storage, identity,
    adjudicator: { commit: (request) => core.adjudicator.commit(request, acknowledgeAt), watermark: () => core.adjudicator.watermark() },
    snapshotTime: () => core.adjudicator.snapshotTime(),
    resumeIndexBuilds: true,
    usage: { path: join(dataDir, 'usage', 'qp.json'), storageBytes: () => core.storage.liveBytes },
    onCancelRequest,
  });
}

/** A socket adopted with its ClientHello as preface: refused after the handshake, readably. */
function refuseOverTlsFirst(socket: ClientSocket, identity: ClusterIdentity, error: ErrorFields): void {
  // The preface (the ClientHello) arrives as the first data: hand it to the handshake.
  socket.onData((clientHello) => refuseOverTls(socket, { key: identity.tlsKey, cert: identity.tlsCert }, Buffer.from(clientHello), error));
}

/** The default cluster's SQL front end: where its connections are served. */
interface Front {
  /** Its open connections, in every process that serves it (what the connection quota counts). */
  readonly openConnections: number;
  /** Serves a connection; `preface`: the bytes the shared port's peek read from it. */
  serve(socket: HandOffSocket, preface: Uint8Array): void;
  cancel(processId: number, secretKey: number): void;
  workerPids(): number[];
  advanceClock(micros: number): Promise<void>;
  stop(): Promise<void>;
}

function refusal(error: ErrorFields): Uint8Array {
  const writer = new BackendWriter();
  writer.errorResponse(error);
  return writer.take();
}

/**
 * Serves the default cluster's SQL: in this process, and with `workers` > 0 also in worker
 * processes that share the store. Each new connection goes to the least loaded of them;
 * sessions in this process commit without a hop between processes, sessions in workers spread
 * the SQL work over more cores.
 */
async function serveDefault(
  env: Env, options: EmbeddedOptions, identity: ClusterIdentity, core: ClusterCore, onCancelRequest: (processId: number, secretKey: number) => void,
): Promise<Front> {
  const { storage, adjudicator, safeTime } = core;
  const workers = options.workers ?? 0;
  // Without workers every session reads through this process's safe time, which stays below a
  // commit until it is applied, and starts at or above every acknowledged commit: a commit can
  // be acknowledged once durable, before its apply. A worker starts its transactions at what
  // the store shows, so with workers every acknowledgement waits for the apply.
  const acknowledgeAt: AcknowledgeAt = workers === 0 ? 'durable' : 'applied';
  // A CancelRequest names a session that may live in any process, or any cluster.
  const local = await serveCore(env, identity, core, options.dataDir, acknowledgeAt, onCancelRequest);
  if (workers === 0) {
    return {
      get openConnections() {
        return local.openConnections;
      },
      serve: (socket, preface) => local.accept(env.net.adopt(socket.handle, preface)),
      cancel: (processId, secretKey) => local.cancel(processId, secretKey),
      workerPids: () => [],
      advanceClock: () => Promise.resolve(),
      async stop() {
        local.closeAll(ADMIN_SHUTDOWN);
        await local.usage?.stop();
      },
    };
  }
  // Workers start transactions at the safe time this process records in the store.
  await storage.recordSafeTime(safeTime.safeTime());
  const record = env.timers.setInterval(() => {
    storage.recordSafeTime(safeTime.safeTime()).catch((error: unknown) => env.log.warn(`recording safe time: ${(error as Error).message}`));
  }, RECORD_SAFE_TIME_MS);
  let pool: WorkerPool;
  try {
    pool = await WorkerPool.start({
      processes: new NodeProcesses(), adjudicator, timers: env.timers, log: env.log, dataDir: options.dataDir, quiet: options.quiet ?? false,
      onCancelRequest,
    }, workers);
  } catch (error) {
    env.timers.clearInterval(record);
    throw error;
  }
  return {
    get openConnections() {
      return local.openConnections + pool.openConnections;
    },
    serve: (socket, preface) => {
      if (local.openConnections <= pool.leastOpen() || !pool.dispatch(socket, preface)) local.accept(env.net.adopt(socket.handle, preface));
    },
    cancel: (processId, secretKey) => {
      local.cancel(processId, secretKey);
      pool.cancel(processId, secretKey);
    },
    workerPids: () => pool.pids(),
    advanceClock: (micros) => pool.advanceClock(micros),
    async stop() {
      env.timers.clearInterval(record);
      local.closeAll(ADMIN_SHUTDOWN);
      await pool.stop();
      await local.usage?.stop();
    },
  };
}

/**
 * The one PostgreSQL port (DESIGN.md §1, the relay's job in one process): reads each new
 * connection's SSLRequest (answering `S`) and TLS ClientHello without terminating TLS, picks the
 * cluster its SNI names (connection-route.ts), and hands the socket, with the ClientHello as its
 * first bytes, to that cluster's query service, which does TLS and the token check as always.
 * A plain connection or one without SNI goes to the default cluster unchanged.
 */
function listenShared(
  env: Env, options: EmbeddedOptions, identity: ClusterIdentity, limits: AdmissionLimits, front: Front, plane: ControlPlane | null, host: ClusterHost,
): Promise<ListeningServer> {
  const ownTls = { key: identity.tlsKey, cert: identity.tlsCert };
  // The default cluster's limits (created clusters keep their own: serveCreatedCluster).
  const admission = new Admission(env.clock, limits);
  return env.net.listenForHandOff(options.host, options.port, (socket) => {
    // The default cluster's quota is checked before anything is read, as before there was a
    // peek: a refused client gets the error as the answer to its first packet.
    if (front.openConnections >= limits.maxConnections && plane === null) {
      socket.refuse(refusal(TOO_MANY_CONNECTIONS));
      return;
    }
    peekFirstBytes(socket, {
      timers: env.timers,
      onRefused: (reason) => env.log.warn(`connection closed before it was served: ${reason}`),
      onWhole: (verdict, peeked) => {
        const serverName = verdict.kind === 'plain' ? null : verdict.serverName;
        const route = verdict.kind === 'plain' ? { kind: 'default' as const } : routeConnection(serverName, identity.endpoint, plane);
        if (route.kind === 'default') {
          const refused = admission.admit(front.openConnections);
          if (refused === null) front.serve(socket, peeked);
          else if (verdict.kind === 'plain') socket.refuse(refusal(refused));
          else refuseOverTls(env.net.adopt(socket.handle), ownTls, peeked, refused);
          return;
        }
        if (route.kind === 'refuse') {
          refuseOverTls(env.net.adopt(socket.handle), ownTls, peeked, route.error);
          return;
        }
        // An IDLE cluster turns ACTIVE; an INACTIVE one is reopened first, the socket unread meanwhile.
        const resuming = plane!.connect(route.id);
        if (resuming === null) {
          serveCreated(route.id, socket, peeked);
          return;
        }
        resuming.then(
          () => {
            // Routed again: a deletion may have come while it reopened.
            const again = routeConnection(serverName, identity.endpoint, plane);
            if (again.kind === 'cluster') serveCreated(again.id, socket, peeked);
            else refuseOverTls(env.net.adopt(socket.handle), ownTls, peeked, again.kind === 'refuse' ? again.error : NOT_SERVING);
          },
          (error: unknown) => refuseOverTls(env.net.adopt(socket.handle), ownTls, peeked, resumeRefusal(route.id, (error as Error).message)),
        );
      },
    });
  });

  function serveCreated(id: string, socket: HandOffSocket, peeked: Uint8Array): void {
    const cluster = host.get(id);
    if (cluster !== undefined) cluster.accept(env.net.adopt(socket.handle, peeked));
    else refuseOverTls(env.net.adopt(socket.handle), ownTls, peeked, NOT_SERVING);
  }
}

const NOT_SERVING: ErrorFields = { severity: 'FATAL', code: '08006', message: 'unable to accept connection, cluster not found' };
