/**
 * A storage replica as its own process (`strata node --role storage`): an MVCC store on LMDB
 * that follows the journal from the position it last applied (recorded atomically with the
 * data) — pushed by the adjudicator leader once durable, read from etcd for what the pushes
 * missed (journal-intake.ts) — and serves reads "as of τ" over gRPC once its safe time passes τ.
 *
 * Safe time: after applying through position P, every commit up to the last applied commit
 * timestamp is in (journal order is timestamp order); the adjudicator leader's watermark
 * notices (P', W) add "no commit ≤ W lies beyond P'", so once P ≥ P' safe time reaches W — that
 * is what lets an idle cluster serve a read within milliseconds.
 *
 * The replica publishes its applied position (attached to its registration lease) so the
 * adjudicator leader can trim the journal behind it (journal-trimmer.ts). A replica that starts
 * behind the trim point — new, or down longer than the retention — first copies a live peer's
 * store (src/storage/snapshot.ts) and follows the journal from the copy's position; one that
 * falls behind while running exits (crash-only) and comes back the same way.
 *
 * A sharded cluster's replica holds one key range (cluster-config.ts `storageSplits`): it
 * applies only its range's writes from each journal record (an empty record still advances its
 * position and commit timestamp, so safe time moves as on any replica), copies only a peer of
 * its shard, and refuses reads outside its range (a query processor routes by the same map).
 */
import { join } from 'node:path';
import type { Lease } from '../../env/coordination.js';
import type { Coordination } from '../../env/coordination.js';
import type { Env } from '../../env/env.js';
import { grpcClient, serveGrpc, type GrpcServer, type Message, type ServerStream } from '../../env/grpc.js';
import type { LinkTls } from '../../env/link-tls.js';
import { CoordinatedJournal, JournalTrimmedError } from '../../journal/coordinated-journal.js';
import { decodeBatch } from '../../journal/record-codec.js';
import type { Timestamp } from '../../contracts/time.js';
import { MvccStorage } from '../../storage/mvcc-storage.js';
import { UsageStore } from '../../metering/usage-store.js';
import { restoreSnapshot, snapshotPages, type SnapshotPage } from '../../storage/snapshot.js';
import { SafeTime } from '../../storage/safe-time.js';
import { InFlightDecisions } from '../../storage/in-flight-decisions.js';
import { GroupedApply } from '../../storage/grouped-apply.js';
import { columnKeyOf } from '../column-key.js';
import { addressOf, appliedPrefix, journalPrefix, leaderKey, loadPrefix, registrationsPrefix, shardMapOf, shardOf, type ClusterConfig, type NodeConfig } from './cluster-config.js';
import { startLoadReports } from './load-report.js';
import type { ShardMap } from '../../storage/shard-map.js';
import type { Key } from '../../contracts/kv.js';
import { listUnder, observeKey, register, type Registration } from './leadership.js';
import { parseRegistration, type Registered } from './registrations.js';
import { decisionFromMessage, measureRequestFromMessage, measureResultToMessage, readRequestFromMessage, readResultToMessage } from '../remote/messages.js';
import { followLeaderNotices, grpcNoticeSubscriberAs } from '../remote/leader-notices.js';
import { readOrder } from '../remote/remote-storage.js';
import { JournalIntake } from './journal-intake.js';
import { serveBackupRead } from './backup-read.js';
import { serverStream } from '../remote/server-stream.js';

const MAX_PENDING_NOTICES = 10_000;
/** Most records one store write applies when several journal batches arrive together. */
const MAX_RECORDS_PER_APPLY = 4_096;
const REGISTRATION_TTL_SECONDS = 2;
/** How often the applied position is published for the journal trimmer. */
const REPORT_APPLIED_MS = 1_000;
/** Entries per snapshot page (one gRPC message). */
const SNAPSHOT_PAGE_ENTRIES = 2_000;
/**
 * Journal intake (journal-intake.ts): how long the leader's notices may name a durable position
 * beyond what its pushes delivered before etcd is read (a push arrives with the notice that
 * names it, so only a missed one waits this long), and how often etcd is read regardless.
 */
const JOURNAL_GAP_MS = 50;
const JOURNAL_POLL_MS = 1_000;
/** How long a replica behind the trim point keeps looking for a peer to copy. */
const RESTORE_DEADLINE_MS = 120_000;

export interface StorageRole {
  readonly port: number;
  readonly appliedPosition: number;
  stop(): Promise<void>;
}

export async function startStorageRole(env: Env, config: ClusterConfig, node: NodeConfig, coordination: Coordination,
  onFatal: () => void): Promise<StorageRole> {
  await env.disk.mkdir(node.dataDir!);
  const storePath = join(node.dataDir!, 'storage');
  const map = shardMapOf(config);
  const shard = shardOf(node);
  await checkShardRange(env, node, map, shard, storePath);
  const journal = await CoordinatedJournal.open({ coordination, timers: env.timers, prefix: journalPrefix(config), log: env.log });
  await restoreIfBehind(env, config, node, coordination, journal, storePath);
  const safeTime = new SafeTime({ timers: env.timers });
  // Reads wait only for in-flight commits that touch their keys (in-flight-decisions.ts).
  const decisions = new InFlightDecisions(safeTime);
  const store = env.disk.openOrderedStore(storePath);
  const storage = new MvccStorage(store, decisions, columnKeyOf);
  const notices: { position: number; watermark: Timestamp }[] = [];
  let lastCommitApplied = storage.lastAppliedTimestamp;
  let snapshotsRunning = 0;

  const advance = () => {
    let reached = lastCommitApplied;
    while (notices.length > 0 && notices[0]!.position <= storage.appliedPosition) reached = Math.max(reached, notices.shift()!.watermark);
    if (reached > 0) safeTime.advance(reached);
    decisions.settle(Math.max(lastCommitApplied, safeTime.safeTime()));
    offerDecided();
  };

  // The leader's decided watermark holds once this replica has applied through the position the
  // stream started at (decisions published before that were not sent on it).
  let streamStart: number | null = null;
  let latestDecided = 0;
  const offerDecided = () => {
    if (streamStart !== null && storage.appliedPosition >= streamStart) decisions.advanceDecided(latestDecided);
  };

  // Apply the journal in order; batches that arrive together share one store write.
  const applier = new GroupedApply({
    apply: (records, position) => storage.apply(records, position),
    onApplied: () => {
      lastCommitApplied = storage.lastAppliedTimestamp;
      advance();
    },
    onFailure: (error) => {
      // Storage that cannot apply cannot serve correct reads: stop, and come back from the journal.
      env.log.error(`${node.name}: applying the journal failed: ${error.message}`);
      process.exitCode = 1;
      safeTime.close(error);
    },
    maxRecords: MAX_RECORDS_PER_APPLY,
  });
  // The journal comes pushed on the leader's notices; etcd fills what they missed.
  const intake = new JournalIntake({
    after: storage.appliedPosition,
    deliver: (records, last) => applier.offer(map.route(records, shard), last),
    read: (after, onBatch) => journal.readAfter(after, onBatch),
    fatal: (error) => error instanceof JournalTrimmedError,
    onFatal: (error) => {
      env.log.error(`${node.name}: fell behind the journal's trim point (${error.message}); exiting to restart from a snapshot`);
      onFatal();
    },
    timers: env.timers, log: env.log, gapMs: JOURNAL_GAP_MS, pollMs: JOURNAL_POLL_MS,
  });
  await intake.start();

  // Watermark notices from whichever adjudicator leads, of the epoch etcd names (leader-notices.ts).
  let leaderStream: { cancel(): void } | null = null;
  const follow = (address: string | null, epoch: number) => {
    leaderStream?.cancel();
    leaderStream = null;
    streamStart = null;
    if (address === null) return;
    // Named, so the leader answers the Notify of a QP that reads here on this stream alone.
    leaderStream = followLeaderNotices(grpcNoticeSubscriberAs(node.name, env.linkTls, shard), env.timers, { address, epoch }, [], {
      onNotice: (notice, first) => {
        if (first) {
          streamStart = notice['position'];
          latestDecided = 0;
        }
        // The records first: the notice's watermark holds once they are applied.
        const frames = notice['journal_frames'] as Buffer;
        try {
          if (frames.length > 0) intake.pushed(notice['journal_first'], notice['position'], decodeBatch(frames));
        } catch (error) {
          // A push that does not decode (a frame's CRC) is as good as missed: etcd has the batch.
          env.log.warn(`${node.name}: a pushed journal batch did not decode: ${(error as Error).message}`);
        }
        intake.heard(notice['position']);
        const decided = notice['decisions'] as Message[];
        if (decided.length > 0) decisions.add(decided.map(decisionFromMessage));
        if (notice['decided'] > latestDecided) latestDecided = notice['decided'];
        if (notices.length >= MAX_PENDING_NOTICES) notices.shift();
        notices.push({ position: notice['position'], watermark: notice['watermark'] });
        advance();
      },
      onEnd: () => {},
    });
  };
  const leader = await observeKey(coordination, env.timers, leaderKey(config), follow);

  // A read outside this replica's range would answer "no rows" for rows another shard holds:
  // refuse it (a query processor routes by the same map, so this is a misrouted call).
  const holds = (start: Key, end: Key) => {
    if (map.shards === 1) return;
    const first = map.shardOf(start);
    const crossed = first === shard ? map.pieces(start, end).length : 0;
    if (first !== shard || crossed > 1) {
      throw new Error(`${node.name} holds storage shard ${shard} only; the read's range starts in shard ${first}${crossed > 1 ? ` and crosses ${crossed} shards` : ''}`);
    }
  };
  const server: GrpcServer = await serveGrpc(node.host, node.port, {
    Storage: {
      Get: async (request: Message) => {
        holds(request['key'], request['key']);
        const value = await storage.get(request['key'], request['read_timestamp']);
        return value === null ? {} : { value: Buffer.from(value.buffer, value.byteOffset, value.byteLength) };
      },
      Read: async (request: Message) => {
        holds(request['start'], request['end']);
        return readResultToMessage(await storage.read(readRequestFromMessage(request)));
      },
      Measure: async (request: Message) => {
        holds(request['start'], request['end']);
        return measureResultToMessage(await storage.measure(measureRequestFromMessage(request)));
      },
      Status: async () => ({
        applied_position: storage.appliedPosition, safe_time: safeTime.safeTime(),
        decided_watermark: decisions.decidedWatermark, decisions_in_flight: decisions.size,
      }),
      BackupRead: (request: Message, stream: ServerStream) => serveBackupRead(storage, env.timers, request, stream, () => {
        // Garbage collection waits while a backup reads, as for a snapshot.
        snapshotsRunning++;
        return () => { snapshotsRunning--; };
      }),
      Snapshot: (_request: Message, stream: ServerStream) => {
        // Garbage collection waits while a copy is read (see snapshot.ts).
        snapshotsRunning++;
        let cancelled = false;
        stream.onCancel(() => { cancelled = true; });
        const send = async () => {
          for (const page of snapshotPages(store, SNAPSHOT_PAGE_ENTRIES)) {
            if (cancelled) return;
            if (!stream.push({ keys: page.keys.map(asBuffer), values: page.values.map(asBuffer) })) await stream.drained();
          }
          stream.end();
        };
        send().catch((error: unknown) => env.log.warn(`snapshot for a peer failed: ${(error as Error).message}`))
          .finally(() => { snapshotsRunning--; });
      },
    },
  }, env.linkTls);
  const registration = await register(coordination, env.timers, `${registrationsPrefix(config)}${node.name}`,
    JSON.stringify({ role: 'storage', region: node.region, az: node.az, address: addressOf(node), shard }), REGISTRATION_TTL_SECONDS, (message) => env.log.warn(message));
  const reporter = reportApplied(env, coordination, `${appliedPrefix(config)}${node.name}`, registration, () => storage.appliedPosition);
  // Its load, for the control leader's decisions on replicas (only when the config scales them:
  // a put per change is a raft round, which an unscaled cluster need not pay).
  const cpuUs = env.processCpuUs;
  const loadReports = cpuUs === undefined || config.scaling?.maxReplicasPerShard === undefined ? null : startLoadReports({
    coordination, clock: env.clock, timers: env.timers, key: `${loadPrefix(config)}${node.name}`, lease: () => registration.lease,
    cpuUs, sessions: () => 0, onError: (message) => env.log.warn(message),
  });
  // The replica's size for `strata usage` (ClusterStorageSize), beside the QPs' usage files.
  await env.disk.mkdir(join(config.identityDir, 'usage'));
  const usage = await UsageStore.open({
    disk: env.disk, clock: env.clock, timers: env.timers, log: env.log, path: join(config.identityDir, 'usage', `${node.name}.json`),
    role: 'storage', region: node.region, shard, storageBytes: () => storage.liveBytes,
  });
  const gc = env.timers.setInterval(() => {
    if (snapshotsRunning > 0) return;
    const horizon = safeTime.safeTime() - 300_000_000 - 1_000_000;
    storage.collectGarbage(horizon, 10_000).catch((error: unknown) => env.log.warn(`garbage collection: ${(error as Error).message}`));
  }, 10_000);

  return {
    port: server.port,
    get appliedPosition() {
      return storage.appliedPosition;
    },
    async stop() {
      env.timers.clearInterval(gc);
      env.timers.clearInterval(reporter);
      loadReports?.stop();
      await registration.revoke().catch(() => {});
      await leader.close();
      follow(null, 0);
      await intake.close();
      await journal.close();
      await applier.settled();
      safeTime.close();
      await server.close();
      await usage.stop();
      await storage.close();
    },
  };
}

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * Publishes the applied position, on the registration's lease, whenever it moved or the lease
 * was replaced (the key went with the lost one).
 */
function reportApplied(env: Env, coordination: Coordination, key: string, registration: Registration, applied: () => number) {
  let reported = -1;
  let reportedOn: Lease | null = null;
  let inFlight = false;
  const keyBytes = new TextEncoder().encode(key);
  return env.timers.setInterval(() => {
    const position = applied();
    const lease = registration.lease;
    if ((position === reported && lease === reportedOn) || inFlight) return;
    inFlight = true;
    coordination.transaction([], [{ type: 'put', key: keyBytes, value: new TextEncoder().encode(String(position)), lease: lease.id }])
      .then(() => { reported = position; reportedOn = lease; }, (error: unknown) => env.log.warn(`publishing the applied position: ${(error as Error).message}`))
      .finally(() => { inFlight = false; });
  }, REPORT_APPLIED_MS);
}

/**
 * Copies a live peer's store into `<dataDir>/restore` and moves it into place once complete (a
 * crash halfway leaves the old store, and the next start copies again) when the journal no
 * longer holds the records after this replica's applied position — or when there is no store
 * yet and a peer of its shard serves: a replica added to a running cluster (or one whose disk
 * was replaced) starts from a recent copy plus the journal after it, as DSQL brings a new
 * replica online. Replaying the whole journal instead would be slower, and wrong for a cluster
 * restored from a backup, whose journal starts after the backup's rows. With no store and no
 * peer (a new cluster's replicas, all starting together), it starts empty.
 */
async function restoreIfBehind(env: Env, config: ClusterConfig, node: NodeConfig, coordination: Coordination,
  journal: CoordinatedJournal, storePath: string): Promise<void> {
  const fresh = !(await env.disk.exists(storePath));
  const applied = fresh ? 0 : await appliedPositionOf(env, storePath);
  let oldest = await journal.oldestPosition();
  const complete = applied + 1 >= oldest;
  if (complete && !fresh) return;
  const restorePath = join(node.dataDir!, 'restore');
  const deadline = env.clock.now().earliest / 1000 + RESTORE_DEADLINE_MS;
  let problem = 'no live storage peer';
  let announced = false;
  while (env.clock.now().earliest / 1000 < deadline) {
    const registered = (await listUnder(coordination, registrationsPrefix(config)).catch(() => []))
      .map((entry) => parseRegistration(entry.key, entry.value))
      // Only a peer of this shard holds this replica's range.
      .filter((peer): peer is Registered => peer !== null && peer.role === 'storage' && peer.address !== addressOf(node) && peer.shard === shardOf(node))
      .map((peer) => ({ ...peer, region: peer.region ?? node.region }));
    if (fresh && complete && registered.length === 0) return;
    if (!announced) {
      env.log.info(fresh ? `${node.name}: a new store: starting from a peer's snapshot`
        : `${node.name}: applied through ${applied} but the journal starts at ${oldest}: restoring from a peer's snapshot`);
      announced = true;
    }
    // A peer in this AZ first, then in this region: the copy stays as close as it can.
    const peers = readOrder(registered, node);
    for (const peer of peers) {
      try {
        await env.disk.remove(restorePath);
        const store = env.disk.openOrderedStore(restorePath);
        let restored: { entries: number };
        try {
          restored = await restoreSnapshot(store, pagesFrom(peer.address, env.linkTls));
        } finally {
          await store.close();
        }
        const copied = await appliedPositionOf(env, restorePath);
        oldest = await journal.oldestPosition();
        if (copied + 1 < oldest) {
          problem = `${peer.address}'s copy is at ${copied}, behind the journal's start ${oldest}`;
          continue;
        }
        await env.disk.remove(storePath);
        await env.disk.rename(restorePath, storePath);
        env.log.info(`${node.name}: restored ${restored.entries} entries from ${peer.address} at journal position ${copied}`);
        return;
      } catch (error) {
        problem = `${peer.address}: ${(error as Error).message}`;
      }
    }
    await new Promise<void>((resolve) => env.timers.setTimeout(resolve, 1_000));
  }
  throw new Error(`${node.name} is behind the journal's trim point and could not copy a peer: ${problem}`);
}

/**
 * The key range this replica's store holds stays the one it was created for: a cluster's splits
 * are fixed for its life (moving rows between shards is not built), and a store of another range
 * would answer reads of rows it never held. Recorded in `<dataDir>/shard.json` at the first
 * start; a store from before shards (no file) holds the whole key space.
 */
async function checkShardRange(env: Env, node: NodeConfig, map: ShardMap, shard: number, storePath: string): Promise<void> {
  const hex = (key: Key | null) => (key === null ? null : Buffer.from(key).toString('hex'));
  const range = map.rangeOf(shard);
  const wanted = JSON.stringify({ start: hex(range.start), end: hex(range.end) });
  const file = join(node.dataDir!, 'shard.json');
  const stored = await env.disk.readFile(file);
  if (stored !== null) {
    const held = new TextDecoder().decode(stored).trim();
    if (held !== wanted) throw new Error(`${node.name}'s store holds the key range ${held}, but the config gives it shard ${shard}, ${wanted}: a cluster's storage splits cannot change`);
    return;
  }
  if (map.shards > 1 && await env.disk.exists(storePath) && (await appliedPositionOf(env, storePath)) > 0) {
    throw new Error(`${node.name}'s store holds the whole key space, but the config gives it shard ${shard}, ${wanted}: a cluster's storage splits cannot change`);
  }
  await env.disk.writeFileAtomic(file, new TextEncoder().encode(`${wanted}\n`));
}

async function appliedPositionOf(env: Env, path: string): Promise<number> {
  const storage = new MvccStorage(env.disk.openOrderedStore(path), new SafeTime({ timers: env.timers }));
  const applied = storage.appliedPosition;
  await storage.close();
  return applied;
}

/** The Snapshot stream of a peer as an async sequence of pages, a few held at a time. */
async function* pagesFrom(address: string, tls: LinkTls | null = null): AsyncGenerator<SnapshotPage> {
  for await (const message of serverStream(grpcClient('Storage', address, tls), 'Snapshot', {}, { maxQueued: 4 })) {
    yield { keys: message['keys'], values: message['values'] };
  }
}
