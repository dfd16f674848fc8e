import { join } from 'node:path';
import type { Env } from '../env/env.js';
import type { JournalRecord } from '../contracts/journal.js';
import { SystemClock } from '../env/clock.js';
import { SystemTimers } from '../env/timers.js';
import { SystemRandom } from '../env/random.js';
import { NodeDisk } from '../env/disk.js';
import { NodeNet } from '../env/net.js';
import { ConsoleLog, SilentLog } from '../env/log.js';
import { loadParser } from '../qp/sql/parse.js';
import { QueryProcessor } from '../qp/query-processor.js';
import { Connection } from '../qp/protocol/connection.js';
import { BackendWriter } from '../wire/backend.js';
import { KeyWriter } from '../encoding/key.js';
import { decodeColumn } from '../encoding/tuple.js';
import { TokenAuthenticator } from '../qp/auth/token-authenticator.js';
import { createToken } from '../qp/auth/token.js';
import { FileJournal } from '../journal/file-journal.js';
import { LocalAdjudicator } from '../adjudicator/adjudicator.js';
import { MvccStorage } from '../storage/mvcc-storage.js';
import { AdjudicatorSafeTime } from './adjudicator-safe-time.js';
import type { SafeTimeSource } from '../contracts/storage.js';
import type { Timestamp } from '../contracts/time.js';
import { Crossbar } from '../crossbar/crossbar.js';
import { loadOrCreateIdentity } from './identity.js';

export interface EmbeddedOptions {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly quiet?: boolean;
  /** At most this many open connections (DSQL's default quota is 10,000). */
  readonly maxConnections?: number;
}

export interface EmbeddedCluster {
  readonly port: number;
  readonly host: string;
  readonly endpoint: string;
  /** A token for a user of this cluster, as `strata token` prints it. */
  token(user?: string, expiresInSeconds?: number): Promise<string>;
  /** Moves this cluster's clock forward (tests of time limits). */
  advanceClock(micros: number): void;
  stop(): Promise<void>;
}

const GC_INTERVAL_MS = 10_000;

/** For pushed-down filters: one column of a row tuple, in the key encoding of its type. */
function columnKeyOf(value: Uint8Array, column: number, typeOid?: number): Uint8Array | null {
  if (typeOid === undefined) throw new Error('a pushed comparison names its column type');
  const decoded = decodeColumn(value, column, typeOid);
  if (decoded === null) return null;
  const writer = new KeyWriter(64);
  writer.writeValue(typeOid, decoded);
  return writer.view();
}
const DSQL_MAX_CONNECTIONS = 10_000;
const REPLAY_BATCH = 1000;
const PRUNE_INTERVAL_MS = 1_000;

/**
 * The embedded cluster (DESIGN.md §4): every role in one process with in-process calls, a file
 * journal with fsync, and LMDB storage under one data directory.
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
  // Replay what the journal has beyond storage's applied position (storage does not fsync).
  const pending: { record: JournalRecord; position: number }[] = [];
  await journal.replay(storage.appliedPosition, (record, position) => { pending.push({ record, position }); });
  for (let i = 0; i < pending.length; i += REPLAY_BATCH) {
    const batch = pending.slice(i, i + REPLAY_BATCH);
    await storage.apply(batch.map((p) => p.record), batch[batch.length - 1]!.position);
  }

  const crossbar = new Crossbar();
  crossbar.subscribe({ start: new Uint8Array([0]), end: new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff]) }, storage);
  const adjudicator = await LocalAdjudicator.rebuild({
    clock: env.clock, timers: env.timers, journal,
    publish: (records, position) => crossbar.deliver(records, position),
  });
  safeTimeRef.source = new AdjudicatorSafeTime(adjudicator, env.timers, () => env.clock.now().latest);

  const qp = new QueryProcessor({
    storage, adjudicator, clock: env.clock, timers: env.timers, random: env.random, log: env.log,
    snapshotTime: () => adjudicator.watermark(),
  });
  await qp.start();
  const authenticator = new TokenAuthenticator({ credentials: identity, clock: env.clock, roleExists: (name) => name === 'admin' });
  const tls = { key: identity.tlsKey, cert: identity.tlsCert };
  const connections = new Set<Connection>();
  const maxConnections = options.maxConnections ?? DSQL_MAX_CONNECTIONS;
  const server = await env.net.listen(options.host, options.port, (socket) => {
    if (connections.size >= maxConnections) {
      // DSQL's quota answer (reference/dsql.md §3.1), before any protocol state exists.
      const refusal = new BackendWriter();
      refusal.errorResponse({ severity: 'FATAL', code: '53300', message: 'Unable to accept connection, too many open connections.' });
      socket.write(refusal.take());
      socket.end();
      return;
    }
    const connection = new Connection({
      socket, tls, authenticator, sessions: qp, random: env.random, log: env.log,
      cancel: (pid, secret) => qp.cancel(pid, secret),
      onClose: () => connections.delete(connection),
    });
    connections.add(connection);
  });
  const gc = env.timers.setInterval(() => {
    const horizon = safeTime.safeTime() - 300_000_000 - 1_000_000;
    storage.collectGarbage(horizon, 10_000).catch((error: unknown) => env.log.warn(`garbage collection: ${(error as Error).message}`));
  }, GC_INTERVAL_MS);
  const prune = env.timers.setInterval(() => adjudicator.prune(), PRUNE_INTERVAL_MS);
  let stopped = false;
  return {
    port: server.port,
    host: options.host,
    endpoint: identity.endpoint,
    token: (user = 'admin', expiresIn = 900) => createToken({ credentials: identity, user, expiresInSeconds: expiresIn, nowUs: env.clock.now().latest }),
    advanceClock: (micros) => clock.advance(micros),
    async stop() {
      if (stopped) return;
      stopped = true;
      env.timers.clearInterval(gc);
      env.timers.clearInterval(prune);
      await server.close();
      for (const connection of connections) connection.close();
      await adjudicator.close();
      await journal.close();
      await storage.close();
    },
  };
}
