/**
 * The adjudicator role as its own process (`strata node --role adjudicator`). Every adjudicator
 * node serves gRPC at once; one of them is the leader (it holds the leadership key in etcd) and
 * decides commits, the others are standbys that wait for the key to go and then take over. A
 * standby that sees the leader's process gone (leader-liveness.ts) deletes the key at once;
 * otherwise the leader's lease bounds the wait.
 *
 * The leader rebuilds its conflict map and last timestamp from the journal, appends fenced by
 * its leadership, and streams watermark notices (position, W) to storage nodes: every commit at
 * or below W is in the journal at or before the position. Storage learns the commits themselves
 * from the notices too: `publish` records the position and pushes the durable batch to the
 * replicas, which read etcd only for what they missed (journal-intake.ts); the
 * notices also carry each decision's keys as it is made and a decided watermark, so a read waits
 * only for in-flight commits that touch its keys (notice-streams.ts, in-flight-decisions.ts).
 * The leader also trims the journal behind the storage replicas (journal-trimmer.ts).
 * A leader that loses its lease exits (crash-only): its decisions cannot be taken back, and a
 * fresh process comes back as a standby.
 */
import { LocalAdjudicator } from '../../adjudicator/adjudicator.js';
import type { Coordination } from '../../env/coordination.js';
import type { Env } from '../../env/env.js';
import { serveGrpc, type GrpcServer, type Message } from '../../env/grpc.js';
import { CoordinatedJournal, JournalTrimmedError } from '../../journal/coordinated-journal.js';
import type { JournalPosition } from '../../contracts/journal.js';
import { addressOf, appliedPrefix, journalPrefix, leaderKey, nodesOf, shardMapOf, shardOf, type ClusterConfig, type NodeConfig } from './cluster-config.js';
import { startJournalTrimmer, type JournalTrimmer } from './journal-trimmer.js';
import { campaign } from './leadership.js';
import { watchLeaderLiveness } from './leader-liveness.js';
import { commitRequestFromMessage, outcomeToMessage } from '../remote/messages.js';
import { NoticeStreams } from './notice-streams.js';
import { PromiseFence } from './promise-fence.js';

/**
 * The leader's lease: its loss ends the leadership. A crashed leader is replaced at once
 * (leader-liveness.ts), so the lease bounds failover only when the leader's machine or network
 * goes quiet; a shorter one would depose healthy leaders whose keep-alives run late under load.
 */
export const LEADER_LEASE_SECONDS = 3;
/**
 * How often a reading query processor's reservation is renewed (within RESERVATION_MS). Reads do
 * not wait for it: a query processor asks for a notice covering its snapshot (Notify) when it
 * starts one, and commits send notices as they are decided. The leader sets a timer for the next
 * notice due (NoticeStreams.tick) rather than looking every 20 ms: idle, that woke it 50 times a
 * second to find nothing due.
 */
const WATERMARK_INTERVAL_MS = 20;
/**
 * The periodic notice to storage replicas: none went out for this long. Reads at now() do not
 * wait for it (their Notify names the replica they read from), only reads that failed over to
 * another replica and in-flight decisions of a dead leader do; at 20 ms it was ~110 notices a
 * second to three idle replicas.
 */
const REPLICA_INTERVAL_MS = 100;
/**
 * A query processor's reservation is renewed every WATERMARK_INTERVAL_MS while it reads (its last
 * two Notify requests named it within this long), so its snapshots find the catalog version covered; an
 * idle one is renewed only when a snapshot asks (the control node's catalog look every 250 ms
 * is not reading). Was: every QP every 20 ms, ~130 notices a second on an idle cluster.
 */
const WATCHER_READING_MS = 200;
const PRUNE_INTERVAL_MS = 1_000;
/**
 * How far ahead the keys QPs watch (the catalog version) are reserved: a QP takes the catalog
 * as unchanged up to then without waiting for a notice. A DDL commit (and what commits after
 * it) waits up to this long in commit wait, and so do a new leader's first commits.
 */
const RESERVATION_MS = 50;
/**
 * The idle leader's promise (notice-streams.ts IdlePromise): while no commit was decided for
 * 100 ms and reads go on (3 snapshots asked for within 200 ms), the decided watermark runs 10 ms
 * ahead of the clock, renewed every 4 ms (250 notices a second to each replica while it lasts),
 * so a replica answers a read at now() without the leader's hop. What it costs: the first
 * commit after a quiet spell waits up to 10 ms in commit wait (less the journal append it
 * overlaps); a leader taking commits at least every 100 ms promises nothing. Within
 * RESERVATION_MS, so a new leader's first timestamps start above it (takeoverGapUs).
 */
const IDLE_PROMISE = { aheadUs: 10_000, renewMs: 4, idleMs: 100, readingMs: 200, reads: 3 };
/**
 * How often the leader confirms in etcd that it still leads, and how far past a confirmation it
 * may promise (promise-fence.ts). A successor's first commits wait out the validity, so it
 * bounds what a failover adds; the margin over the interval absorbs etcd reads slowed by load
 * (past it, notices stall until the next confirmation). Under commit load the appends confirm
 * and no read is made; an idle leader reads every interval (at 50 ms: 20 reads a second, with a
 * 250 ms margin). At 100 ms the margin is 200 ms, still four times the furthest promise (a
 * reservation, 50 ms ahead); a leader deposed while alive learns it up to 50 ms later, which
 * changes nothing it may say (the validity bounds that) and its appends already fail.
 */
const CONFIRM_INTERVAL_MS = 100;
/** Journal appends in flight at once (bench:distributed replays its raw baseline with as many). */
export const MAX_APPENDS_IN_FLIGHT = 4;
const PROMISE_VALIDITY_MS = 300;

export interface AdjudicatorRole {
  readonly port: number;
  readonly isLeader: boolean;
  stop(): Promise<void>;
}


export async function startAdjudicatorRole(env: Env, config: ClusterConfig, node: NodeConfig, coordination: Coordination,
  onLeadershipLost: () => void): Promise<AdjudicatorRole> {
  let adjudicator: LocalAdjudicator | null = null;
  let journal: CoordinatedJournal | null = null;
  let published: JournalPosition = 0;
  let trimmer: JournalTrimmer | null = null;
  let fence: PromiseFence | null = null;
  let stopped = false;
  const timers: ReturnType<Env['timers']['setInterval']>[] = [];
  // Each storage replica hears its shard's writes only (notice-streams.ts NoticeShards).
  const shardMap = shardMapOf(config);
  const storageShards = new Map(nodesOf(config, 'storage').map((storage) => [storage.name, shardOf(storage)]));
  const notices = new NoticeStreams(env.clock, env.timers, WATERMARK_INTERVAL_MS, RESERVATION_MS * 1000, IDLE_PROMISE,
    { replicaIntervalMs: REPLICA_INTERVAL_MS, watcherReadingMs: WATCHER_READING_MS, shards: { map: shardMap, shardOf: (name) => storageShards.get(name) } });

  const server: GrpcServer = await serveGrpc(node.host, node.port, {
    Adjudicator: {
      Commit: async (request: Message) => {
        if (adjudicator === null) return { kind: 'unavailable', commit_timestamp: 0, reason: `${node.name} is not the adjudicator leader` };
        return outcomeToMessage(await adjudicator.commit(commitRequestFromMessage(request)));
      },
      Watermarks: (request, stream) => {
        if (!notices.leading) {
          stream.end();
          return;
        }
        notices.add(stream, request['watch_keys'] ?? [], request['liveness_only'] === true, request['follower'] ?? '',
          request['shard'] != null ? Number(request['shard']) : undefined);
      },
      Notify: async (request: Message) => {
        notices.request(request['timestamp'], request['replicas'] ?? [], request['reader'] ?? '');
        return {};
      },
    },
  }, env.linkTls);

  const lead = async () => {
    // While it waits, a standby learns the journal, so a takeover replays only the tail.
    const reader = await CoordinatedJournal.open({ coordination, timers: env.timers, prefix: journalPrefix(config), log: env.log });
    const candidate = new LocalAdjudicator({
      clock: env.clock, timers: env.timers, log: env.log, journal: reader,
      // Several journal appends in flight, so etcd is kept busy rather than idle between one
      // append's answer and the next: each append re-sends the batches still pending before
      // it, so one that overtakes its predecessor writes it too instead of failing
      // (CoordinatedJournal.write; with one batch each, bench:distributed measured 2 etcd
      // transactions per append).
      maxAppendsInFlight: MAX_APPENDS_IN_FLIGHT,
      maxReservationUs: RESERVATION_MS * 1000,
      takeoverGapUs: PROMISE_VALIDITY_MS * 1000,
      // Crash-only: a leader that cannot append exits, and a standby takes over from the journal.
      onFailure: () => onLeadershipLost(),
      // Durable batches go to the replicas on their notice streams (journal-intake.ts), so
      // they need no etcd watch: the notice that carries them names their position.
      publish: (records, position) => {
        published = position;
        notices.pushDurable(records, position);
        return Promise.resolve();
      },
      // Storage hears of decisions at once, so reads wait only for the ones touching their keys.
      onDecided: (records) => notices.broadcast(records),
    });
    const learning = await learnJournal(env, reader, candidate);
    const standbyPrune = env.timers.setInterval(() => candidate.prune(), PRUNE_INTERVAL_MS);
    const leadership = await campaign(coordination, env.timers, leaderKey(config), addressOf(node), LEADER_LEASE_SECONDS, () => stopped,
      { liveness: (address) => watchLeaderLiveness(env.timers, address, env.linkTls), valueHeldExclusively: true, onProblem: problemLog(env) });
    env.timers.clearInterval(standbyPrune);
    await learning.close();
    if (leadership === null) return;
    void leadership.lease.lost.then(() => {
      if (stopped) return;
      env.log.error(`${node.name}: adjudicator leadership lost`);
      onLeadershipLost();
    });
    env.log.info(`${node.name}: adjudicator leader (fence revision ${leadership.createRevision}); taking over from the journal`);
    fence = new PromiseFence({
      coordination, clock: env.clock, timers: env.timers, key: new TextEncoder().encode(leaderKey(config)),
      createRevision: leadership.createRevision, intervalMs: CONFIRM_INTERVAL_MS, validityUs: PROMISE_VALIDITY_MS * 1000,
      onDeposed: (reason) => {
        if (stopped) return;
        env.log.error(`${node.name}: deposed as adjudicator leader: ${reason}`);
        onLeadershipLost();
      },
      onProblem: problemLog(env),
    });
    // Its fenced appends confirm the leadership as the fence's reads do (promise-fence.ts).
    journal = await CoordinatedJournal.open({
      coordination: fence.confirming(coordination), timers: env.timers, prefix: journalPrefix(config), log: env.log,
      fence: { key: new TextEncoder().encode(leaderKey(config)), createRevision: leadership.createRevision },
    });
    await fence.start();
    await candidate.takeOver(journal);
    const rebuilt = candidate;
    published = journal.durablePosition;
    adjudicator = rebuilt;
    notices.lead(fence.fence({
      epoch: leadership.createRevision,
      get published() { return published; },
      watermark: () => rebuilt.watermark(),
      decidedWatermark: () => rebuilt.decidedWatermark(),
      decisionsInFlight: () => rebuilt.decisionsInFlight(),
      reserveCovered: (key, through) => rebuilt.reserveCovered(key, through),
      promiseDecided: (through) => rebuilt.promiseDecided(through),
      lastIssued: () => rebuilt.stats().lastIssued,
    }));
    // No notice per published batch: reads wait on decisions (sent as they are made) and
    // replicas release them as they apply the journal; safe time follows with the next notice
    // (notices.lead set the timer for the periodic ones).
    timers.push(env.timers.setInterval(() => rebuilt.prune(), PRUNE_INTERVAL_MS));
    trimmer = startJournalTrimmer({
      coordination, clock: env.clock, timers: env.timers, journal, appliedPrefix: appliedPrefix(config), log: env.log,
      retentionMs: (config.journalRetentionSeconds ?? 60) * 1000, intervalMs: (config.journalTrimIntervalSeconds ?? 5) * 1000,
      shards: { count: shardMap.shards, shardOf: (name) => storageShards.get(name) ?? notices.shardOfReplica(name) },
    });
    env.log.info(`${node.name}: adjudicator leader serving at journal position ${published}`);
  };
  void lead().catch((error: unknown) => {
    env.log.error(`${node.name}: taking leadership failed: ${(error as Error).message}`);
    onLeadershipLost();
  });

  return {
    port: server.port,
    get isLeader() {
      return adjudicator !== null;
    },
    async stop() {
      stopped = true;
      (trimmer as JournalTrimmer | null)?.stop();
      (fence as PromiseFence | null)?.stop();
      for (const timer of timers) env.timers.clearInterval(timer);
      notices.close();
      await (adjudicator as LocalAdjudicator | null)?.close();
      await (journal as CoordinatedJournal | null)?.close();
      await server.close();
    },
  };
}

/** Campaign problems, each distinct message at most once a minute (a standby retries often). */
function problemLog(env: Env): (message: string) => void {
  const lastLogged = new Map<string, number>();
  return (message) => {
    const now = env.clock.now().earliest / 1000;
    if ((lastLogged.get(message) ?? -Infinity) > now - 60_000) return;
    lastLogged.set(message, now);
    env.log.warn(`campaign for adjudicator leadership: ${message}`);
  };
}

/**
 * How often a standby reads what the journal gained. A takeover replays what the standby has not
 * read yet (at most this long of commits, one or two etcd reads); watching the journal instead
 * cost etcd a message per batch for each standby, and the standby a wake-up.
 */
const LEARN_INTERVAL_MS = 500;

/**
 * Feeds the journal to a standby as it grows, from the oldest record still held, every
 * LEARN_INTERVAL_MS. A standby that falls behind a trim starts again from the new oldest record:
 * what it missed is older than anything a transaction admitted after the takeover can conflict
 * with (LocalAdjudicator's takeover floor).
 */
async function learnJournal(env: Env, reader: CoordinatedJournal, candidate: LocalAdjudicator): Promise<{ close(): Promise<void> }> {
  let closed = false;
  let learned = -1;
  let next: ReturnType<Env['timers']['setTimeout']> | null = null;
  let reading: Promise<void> = Promise.resolve();
  const learnOnce = async (): Promise<void> => {
    try {
      if (learned < 0) learned = Math.max(0, (await reader.oldestPosition()) - 1);
      learned = await reader.readAfter(learned, (records, last) => candidate.learn(records, last));
    } catch (error) {
      // Trimmed past what was learned: start again from the oldest record (see above).
      if (error instanceof JournalTrimmedError) learned = -1;
      else env.log.warn(`standby learning the journal: ${(error as Error).message}`);
    }
  };
  const schedule = () => {
    next = env.timers.setTimeout(() => {
      next = null;
      if (closed) return;
      reading = learnOnce().then(() => { if (!closed) schedule(); });
    }, LEARN_INTERVAL_MS);
  };
  await learnOnce();
  schedule();
  return {
    async close() {
      closed = true;
      if (next !== null) env.timers.clearTimeout(next);
      await reading;
      await reader.close();
    },
  };
}
