import { join } from 'node:path';
import type { Env } from '../env/env.js';
import type { JournalRecord } from '../contracts/journal.js';
import type { SafeTimeSource } from '../contracts/storage.js';
import type { Timestamp } from '../contracts/time.js';
import { SystemClock } from '../env/clock.js';
import { SystemTimers } from '../env/timers.js';
import { SystemRandom } from '../env/random.js';
import { NodeDisk } from '../env/disk.js';
import { NodeNet } from '../env/net.js';
import { NodeProcesses } from '../env/processes.js';
import { ConsoleLog, SilentLog } from '../env/log.js';
import { loadParser } from '../qp/sql/parse.js';
import { BackendWriter } from '../wire/backend.js';
import { createToken } from '../qp/auth/token.js';
import { FileJournal } from '../journal/file-journal.js';
import { LocalAdjudicator, type AcknowledgeAt } from '../adjudicator/adjudicator.js';
import { MvccStorage } from '../storage/mvcc-storage.js';
import { Crossbar } from '../crossbar/crossbar.js';
import { AdjudicatorSafeTime } from './adjudicator-safe-time.js';
import { loadOrCreateIdentity, type ClusterIdentity } from './identity.js';
import { columnKeyOf } from './column-key.js';
import { startQueryService } from './query-service.js';
import { WorkerPool } from './worker-pool.js';

export interface EmbeddedOptions {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly quiet?: boolean;
  /** At most this many open connections (DSQL's default quota is 10,000). */
  readonly maxConnections?: number;
  /**
   * Query-processor worker processes besides this one (default 0). Workers share the store with
   * this process and commit through its adjudicator, so SQL work spreads over the machine's
   * cores; connections go to the least loaded process.
   */
  readonly workers?: number;
}

export interface EmbeddedCluster {
  readonly port: number;
  readonly host: string;
  readonly endpoint: string;
  /** A token for a user of this cluster, as `strata token` prints it. */
  token(user?: string, expiresInSeconds?: number): Promise<string>;
  /** The process ids of the query-processor workers (none when SQL runs in this process). */
  workerPids(): number[];
  /** Moves this cluster's clock forward, in every process (tests of time limits). */
  advanceClock(micros: number): Promise<void>;
  stop(): Promise<void>;
}

const GC_INTERVAL_MS = 10_000;
const DSQL_MAX_CONNECTIONS = 10_000;
const REPLAY_BATCH = 1000;
const PRUNE_INTERVAL_MS = 1_000;
/** How often the primary records its safe time for workers (they start transactions there). */
const RECORD_SAFE_TIME_MS = 50;
/** DSQL's answer when the connection quota is used up (reference/dsql.md §3.1). */
const TOO_MANY_CONNECTIONS = 'Unable to accept connection, too many open connections.';

/**
 * The embedded cluster (DESIGN.md §4): every role on one machine with in-process calls, a file
 * journal with fsync, and LMDB storage under one data directory; SQL in this process or in
 * worker processes that share the store (see `EmbeddedOptions.workers`).
 */
export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedCluster> {
  const clock = new SystemClock(0);
  const env: Env = {
    clock, timers: new SystemTimers(), random: new SystemRandom(), disk: new NodeDisk(), net: new NodeNet(),
    log: options.quiet ? new SilentLog() : new ConsoleLog(),
  };
  await loadParser();
  await env.disk.mkdir(options.dataDir);
  const identity = await loadOrCreateIdentity(env.disk, env.random, env.clock, options.dataDir);

  const journal = await FileJournal.open(env.disk, join(options.dataDir, 'journal'));
  // Storage asks the adjudicator how far it may read; until the adjudicator exists (replay at
  // startup) nothing reads, so the source is filled in below.
  const safeTimeRef: { source: SafeTimeSource | null } = { source: null };
  const safeTime: SafeTimeSource = {
    safeTime: () => safeTimeRef.source?.safeTime() ?? 0,
    waitFor: (timestamp: Timestamp) => safeTimeRef.source!.waitFor(timestamp),
  };
  const store = env.disk.openOrderedStore(join(options.dataDir, 'storage'));
  const storage = new MvccStorage(store, safeTime, columnKeyOf);
  await replayJournal(journal, storage);

  const crossbar = new Crossbar();
  crossbar.subscribe({ start: new Uint8Array([0]), end: new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff]) }, storage);
  const adjudicator = await LocalAdjudicator.rebuild({
    clock: env.clock, timers: env.timers, journal,
    publish: (records, position) => crossbar.deliver(records, position),
  });
  safeTimeRef.source = new AdjudicatorSafeTime(adjudicator, env.timers, () => env.clock.now().latest);

  const maxConnections = options.maxConnections ?? DSQL_MAX_CONNECTIONS;
  let front: Front;
  try {
    front = await serve(env, options, storage, identity, safeTime, adjudicator, maxConnections);
  } catch (error) {
    await adjudicator.close();
    await journal.close();
    await storage.close();
    throw error;
  }
  const gc = env.timers.setInterval(() => {
    const horizon = safeTime.safeTime() - 300_000_000 - 1_000_000;
    storage.collectGarbage(horizon, 10_000).catch((error: unknown) => env.log.warn(`garbage collection: ${(error as Error).message}`));
  }, GC_INTERVAL_MS);
  const prune = env.timers.setInterval(() => adjudicator.prune(), PRUNE_INTERVAL_MS);
  let stopped = false;
  return {
    port: front.port,
    host: options.host,
    endpoint: identity.endpoint,
    token: (user = 'admin', expiresIn = 900) => createToken({ credentials: identity, user, expiresInSeconds: expiresIn, nowUs: env.clock.now().latest }),
    workerPids: () => front.workerPids(),
    advanceClock: async (micros) => {
      clock.advance(micros);
      await front.advanceClock(micros);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      env.timers.clearInterval(gc);
      env.timers.clearInterval(prune);
      await front.stop();
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

/** The SQL front end: where connections are accepted and served. */
interface Front {
  readonly port: number;
  workerPids(): number[];
  advanceClock(micros: number): Promise<void>;
  stop(): Promise<void>;
}

function refusal(): Uint8Array {
  const writer = new BackendWriter();
  writer.errorResponse({ severity: 'FATAL', code: '53300', message: TOO_MANY_CONNECTIONS });
  return writer.take();
}

/**
 * Serves SQL: in this process, and with `workers` > 0 also in worker processes that share the
 * store. Each new connection goes to the least loaded of them; sessions in this process commit
 * without a hop between processes, sessions in workers spread the SQL work over more cores.
 */
async function serve(
  env: Env, options: EmbeddedOptions, storage: MvccStorage, identity: ClusterIdentity, safeTime: SafeTimeSource,
  adjudicator: LocalAdjudicator, maxConnections: number,
): Promise<Front> {
  const poolRef: { pool: WorkerPool | null } = { pool: null };
  const workers = options.workers ?? 0;
  // Without workers every session reads through this process's safe time, which stays below a
  // commit until it is applied, and starts at or above every acknowledged commit: a commit can
  // be acknowledged once durable, before its apply. A worker starts its transactions at what
  // the store shows, so with workers every acknowledgement waits for the apply.
  const acknowledgeAt: AcknowledgeAt = workers === 0 ? 'durable' : 'applied';
  const local = await startQueryService({
    env, storage, identity,
    adjudicator: { commit: (request) => adjudicator.commit(request, acknowledgeAt), watermark: () => adjudicator.watermark() },
    snapshotTime: () => adjudicator.snapshotTime(),
    resumeIndexBuilds: true,
    usageFile: join(options.dataDir, 'usage', 'qp.json'),
    // A CancelRequest names a session that may live in any process.
    onCancelRequest: (processId, secretKey) => {
      local.cancel(processId, secretKey);
      poolRef.pool?.cancel(processId, secretKey);
    },
  });
  if (workers === 0) {
    const server = await env.net.listen(options.host, options.port, (socket) => {
      if (local.openConnections >= maxConnections) {
        socket.write(refusal());
        socket.end();
        return;
      }
      local.accept(socket);
    });
    return {
      port: server.port,
      workerPids: () => [],
      advanceClock: () => Promise.resolve(),
      async stop() {
        await server.close();
        local.closeAll();
        await local.usage?.stop();
      },
    };
  }
  // Workers start transactions at the safe time this process records in the store.
  await storage.recordSafeTime(safeTime.safeTime());
  const record = env.timers.setInterval(() => {
    storage.recordSafeTime(safeTime.safeTime()).catch((error: unknown) => env.log.warn(`recording safe time: ${(error as Error).message}`));
  }, RECORD_SAFE_TIME_MS);
  const pool = await WorkerPool.start({
    processes: new NodeProcesses(), adjudicator, timers: env.timers, log: env.log, dataDir: options.dataDir, quiet: options.quiet ?? false,
    onCancelRequest: (processId, secretKey) => local.cancel(processId, secretKey),
  }, workers);
  poolRef.pool = pool;
  let server;
  try {
    server = await env.net.listenForHandOff(options.host, options.port, (socket) => {
      if (local.openConnections + pool.openConnections >= maxConnections) socket.refuse(refusal());
      else if (local.openConnections <= pool.leastOpen() || !pool.dispatch(socket)) local.accept(env.net.adopt(socket.handle));
    });
  } catch (error) {
    // The port is taken (say): without this the workers would keep the process alive.
    env.timers.clearInterval(record);
    await pool.stop();
    throw error;
  }
  return {
    port: server.port,
    workerPids: () => pool.pids(),
    advanceClock: (micros) => pool.advanceClock(micros),
    async stop() {
      env.timers.clearInterval(record);
      await server.close();
      local.closeAll();
      await pool.stop();
      await local.usage?.stop();
    },
  };
}
