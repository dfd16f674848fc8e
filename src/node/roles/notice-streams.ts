/**
 * The adjudicator leader's watermark notices (proto WatermarkNotice) to the nodes that follow it:
 * storage replicas (every decision's keys) and query processors (only decisions writing the
 * keys they watch, e.g. the catalog version key). A notice goes out
 * - with each turn's decisions (before they are durable);
 * - when a query processor asks for one covering a snapshot it is about to read (Notify), as
 *   soon as the clock lets the decided watermark reach it — so an idle read waits for no timer —
 *   on the stream of the replica it reads from;
 * - every `renewMs` while an idle leader promises ahead of the clock (IdlePromise), to the
 *   replicas reads were named for within `readingMs` (every replica when a Notify named none);
 * - otherwise when none went out for `replicaIntervalMs` (keeps safe time moving for reads no
 *   Notify named this replica for, and settles a dead leader's decisions);
 * - to the storage replicas with the records of each batch etcd acknowledged, as soon as it
 *   did (pushDurable, journal-intake.ts).
 * The periodic notices have a timer set for when the next one falls due, not a tick every
 * `intervalMs` that mostly finds nothing due: an idle leader sleeps until a commit, a Notify, a
 * periodic notice or its promise fence's confirmation wakes it.
 * A follower that watches keys (a query processor) gets a notice only when it carries a
 * decision writing one of them, when its reservation must be renewed (none for `intervalMs`
 * while it reads: its last two Notify requests named it within `watcherReadingMs`) or when its
 * reservation does not cover a snapshot asked for: every other notice would wake its process to
 * learn nothing (three QPs woken per decision turn and per Notify, measured in
 * bench:distributed's CPU per commit; an idle QP was renewed 50 times a second).
 * A liveness-only follower (an adjudicator standby) gets its first notice and then nothing:
 * it watches the stream for the leader's process to go, and every decision's keys cost the
 * leader a write per standby.
 * Every message on one stream is in order, which is what makes a notice's decided watermark
 * cover the decisions sent before it.
 */
import type { JournalPosition, JournalRecord } from '../../contracts/journal.js';
import type { Clock, Timers, Timestamp } from '../../contracts/time.js';
import type { Message, ServerStream } from '../../env/grpc.js';
import { latin1Key } from '../../encoding/bytes.js';
import { decisionToMessage } from '../remote/messages.js';
import { encodeBatch } from '../../journal/record-codec.js';
import type { ShardMap } from '../../storage/shard-map.js';

/** Most bytes of records pushed in one notice: a larger batch is not pushed, replicas read it from etcd. */
const MAX_PUSH_BYTES = 1024 * 1024;

/** What a notice reports, read when it is sent. */
export interface NoticeSource {
  /** The leader's epoch: the create revision of its leader key (followers drop other epochs). */
  readonly epoch: number;
  readonly published: JournalPosition;
  watermark(): Timestamp;
  decidedWatermark(): Timestamp;
  decisionsInFlight(): JournalRecord[];
  /** The highest commit timestamp decided so far. */
  lastIssued(): Timestamp;
  /** Reserves a watched key through τ (LocalAdjudicator.reserveCovered); returns what is covered. */
  reserveCovered(key: Uint8Array, through: Timestamp): Timestamp;
  /**
   * Promises no decision at or below τ (LocalAdjudicator.promiseDecided) and returns the decided
   * watermark, which reaches τ when every decision was handed out.
   */
  promiseDecided(through: Timestamp): Timestamp;
}

/**
 * The idle leader's promise: while no decision was made for `idleMs` and query processors are
 * reading (`reads` Notify requests within `readingMs`: a control node's catalog look every 250 ms
 * is not reading, and would keep the renewals going on an idle cluster), every notice's decided
 * watermark is `aheadUs` ahead of
 * the clock, renewed at least every `renewMs`; a replica then serves a read at now() as soon as
 * it arrives instead of waiting for the notice its Notify asked for. The first commit after the
 * quiet spell is decided above the promise and waits up to `aheadUs` in commit wait; while
 * commits keep coming (every < `idleMs`) nothing is promised and they pay nothing.
 */
export interface IdlePromise {
  readonly aheadUs: number;
  readonly renewMs: number;
  readonly idleMs: number;
  readonly readingMs: number;
  readonly reads: number;
}

interface Follower {
  /** Keys (latin1) whose decisions this follower wants; null: all decisions. */
  readonly watch: Set<string> | null;
  readonly watchKeys: readonly Uint8Array[];
  /** The node name it gave (a storage replica's or a query processor's; '' if none). */
  readonly name: string;
  /** The highest snapshot a Notify naming this follower (as its replica, or a watcher as the reader) asked for. */
  wanted: Timestamp;
  /** The highest decided watermark sent on its stream. */
  decidedSent: Timestamp;
  /** When this follower was last sent a notice (ms of the clock's earliest). */
  lastSentMs: number;
  /** The reservation its last notice carried (watching followers). */
  reserved: Timestamp;
  /**
   * When the last two Notify requests naming it came (ms of the clock's earliest): as the reader
   * (watching followers), as the replica read from (storage replicas; only askedMs is kept).
   */
  askedMs: number;
  askedBeforeMs: number;
  /** A storage replica's shard (NoticeShards), when the cluster has several: its notices carry that shard's writes. */
  readonly shard: number | undefined;
}

/**
 * A sharded cluster's storage (cluster-config.ts storageSplits): a replica is sent, of each
 * decision and pushed record, only the writes of its shard's key range — the journal reaches the
 * shards a commit touched, not all (DSQL's crossbar). Replicas filter by the same map again, so
 * a follower this does not know (a tool, a replica of a shard this config lacks) gets everything.
 */
export interface NoticeShards {
  readonly map: ShardMap;
  /** A follower's shard by its name (a storage node's), undefined when it names none known. */
  shardOf(name: string): number | undefined;
}

/** How often each kind of follower hears from an otherwise quiet leader; what a sharded cluster's replicas are sent. */
export interface NoticeIntervals {
  /** A storage replica's periodic notice: none went out to it for this long (default: intervalMs). */
  readonly replicaIntervalMs?: number;
  /**
   * A named watcher's reservation is renewed every intervalMs only while it reads: its last two
   * Notify requests named it within this long (default: always). Otherwise a snapshot its
   * reservation misses is renewed when asked for (its Notify), one hop later.
   */
  readonly watcherReadingMs?: number;
  /** Storage shards: each replica's notices carry its shard's writes only (default: one shard). */
  readonly shards?: NoticeShards;
}

export class NoticeStreams {
  private readonly streams = new Map<ServerStream, Follower>();
  /** Liveness-only followers: ended with the others on close, sent nothing else. */
  private readonly liveness = new Set<ServerStream>();
  private source: NoticeSource | null = null;
  private lastSentMs = 0;
  /** The decided watermark of the last notice sent to every follower. */
  private lastSentDecided: Timestamp = 0;
  /** The highest snapshot a Notify naming no replica (or an unknown one) asked for. */
  private wanted: Timestamp = 0;
  /** The highest snapshot any Notify asked for: watching followers' reservations must cover it. */
  private watchWanted: Timestamp = 0;
  /** Followers by name, for Notify requests that name the replica they read from. */
  private readonly named = new Map<string, Follower>();
  private scheduled = false;
  /** When a decision was last sent and a notice last asked for (ms of the clock's earliest). */
  private lastDecisionMs = -Infinity;
  /** When the last IdlePromise.reads Notify requests came (a ring, oldest at `nextRequest`). */
  private readonly requestsMs: number[];
  private nextRequest = 0;
  /** When a Notify last named no replica, or one unknown here (ms of the clock's earliest): every replica is renewed. */
  private unnamedAskedMs = -Infinity;
  private renewal: ReturnType<Timers['setTimeout']> | null = null;
  /** The periodic notice's timer (schedulePeriodic) and when it is set for (ms of the clock's earliest; Infinity: not set). */
  private periodic: ReturnType<Timers['setTimeout']> | null = null;
  private periodicDueMs = Infinity;
  private readonly replicaIntervalMs: number;
  private readonly watcherReadingMs: number;
  private readonly shards: NoticeShards | null;

  /**
   * `reservationUs`: how far ahead of the clock a watching follower is told its keys will not
   * change (0: not at all); a notice goes out at least every `intervalMs` to renew it.
   */
  constructor(private readonly clock: Clock, private readonly timers: Timers, private readonly intervalMs: number,
    private readonly reservationUs = 0, private readonly idlePromise: IdlePromise | null = null, intervals: NoticeIntervals = {}) {
    this.replicaIntervalMs = intervals.replicaIntervalMs ?? intervalMs;
    this.watcherReadingMs = intervals.watcherReadingMs ?? Infinity;
    this.shards = intervals.shards !== undefined && intervals.shards.map.shards > 1 ? intervals.shards : null;
    // A reading watcher is renewed before its reservation runs out.
    if (!(reservationUs <= 0 || intervalMs * 1000 < reservationUs)) throw new Error('a reservation is renewed before it runs out');
    if (idlePromise !== null) {
      // A renewal must arrive before the promise it renews runs out.
      if (!(idlePromise.renewMs * 1000 < idlePromise.aheadUs)) throw new Error('an idle promise is renewed before it runs out');
      if (!(idlePromise.reads >= 1)) throw new Error('reading takes at least one request');
    }
    this.requestsMs = new Array<number>(idlePromise?.reads ?? 1).fill(-Infinity);
  }

  /** Starts sending (this node leads), the periodic notices included. */
  lead(source: NoticeSource): void {
    this.source = source;
    // Nothing is owed yet: a follower's first notice goes out when it joins (add).
    this.lastSentMs = this.nowMs();
    this.schedulePeriodic();
  }

  get leading(): boolean {
    return this.source !== null;
  }

  /**
   * A follower connected: its first notice carries every unpublished decision it wants. A
   * liveness-only follower gets that notice (without decisions) and no other. `shard`: the
   * storage shard the follower says it holds (a replica's subscription carries it); otherwise
   * its name is looked up in the shards given at construction.
   */
  add(stream: ServerStream, watchKeys: readonly Uint8Array[], livenessOnly = false, name = '', shard?: number): void {
    const source = this.source!;
    if (livenessOnly) {
      this.liveness.add(stream);
      stream.onCancel(() => this.liveness.delete(stream));
      stream.push(this.message(source, []));
      return;
    }
    const watch = watchKeys.length > 0 ? new Set(watchKeys.map(latin1Key)) : null;
    const follower: Follower = {
      watch, watchKeys, name, wanted: 0, decidedSent: 0, lastSentMs: 0, reserved: 0,
      askedMs: -Infinity, askedBeforeMs: -Infinity, shard: watch === null ? this.shardOfFollower(name, shard) : undefined,
    };
    this.streams.set(stream, follower);
    // A replica that reconnects may do so before its old stream is cancelled: the newest counts.
    if (name !== '') this.named.set(name, follower);
    stream.onCancel(() => {
      this.streams.delete(stream);
      if (this.named.get(name) === follower) this.named.delete(name);
    });
    const decisions = this.decisionsOf(source.decisionsInFlight(), follower.shard);
    this.send(stream, follower, this.reserving(source, follower, this.message(source, this.select(decisions, follower.watch))));
    this.schedulePeriodic();
  }

  /**
   * Sends a notice to every follower that wants all decisions, with these decisions, and to
   * each watching follower that needs one (see the class comment): its share of them, its
   * reservation renewed. `wanted`: a snapshot a watching follower's reservation must cover.
   * `durable`: records to push to the storage replicas (pushDurable).
   */
  broadcast(decisions: readonly JournalRecord[] = [], wanted: Timestamp = 0, durable: Durable | null = null): void {
    const source = this.source;
    if (source === null || this.streams.size === 0) return;
    let all: Message | null = null;
    // A sharded cluster's replicas: one message per shard, with that shard's writes.
    const ofShard: (Message | undefined)[] = [];
    const nowMs = this.nowMs();
    // Decided while a promise may stand: no promise with these, nor for the next idleMs.
    if (decisions.length > 0) this.lastDecisionMs = nowMs;
    const base = this.message(source, []);
    const noticeWith = (ofDecisions: readonly JournalRecord[], ofDurable: Durable | null): Message => {
      const pushed = ofDurable === null ? null : pushFields(ofDurable, base['position']);
      return ofDecisions.length === 0 && pushed === null ? base : { ...base, decisions: ofDecisions.map(decisionToMessage), ...pushed };
    };
    for (const [stream, follower] of this.streams) {
      if (follower.watch === null && follower.shard !== undefined) {
        const shard = follower.shard;
        const records = durable === null ? null : { records: this.ofShard(durable.records, shard), lastPosition: durable.lastPosition };
        this.send(stream, follower, ofShard[shard] ??= noticeWith(this.decisionsOf(decisions, shard), records));
        continue;
      }
      if (follower.watch === null) {
        all ??= noticeWith(decisions, durable);
        this.send(stream, follower, all);
        continue;
      }
      const selected = decisions.length === 0 ? [] : this.select(decisions, follower.watch);
      const renew = this.renewalDue(follower, nowMs) || follower.reserved < wanted || this.readerShort(follower);
      if (selected.length > 0 || renew) this.send(stream, follower, this.reserving(source, follower, selected.length > 0 ? { ...base, decisions: selected } : base));
    }
    this.lastSentMs = nowMs;
    this.lastSentDecided = base['decided'];
  }

  /**
   * Records etcd has acknowledged, the journal's positions through `lastPosition` (the leader
   * publishes in journal order, each record once, and has moved the published position the
   * notices carry to `lastPosition`): a notice to every follower carries them to every storage
   * replica, encoded once (journal-intake.ts). Tried: holding
   * them up to 2 ms for a notice going out anyway (decisions under load), so that replicas
   * wake once for both; bench:distributed showed no difference, and replicas applied later.
   */
  pushDurable(records: readonly JournalRecord[], lastPosition: JournalPosition): void {
    if (records.length > 0) this.broadcast([], 0, { records, lastPosition });
  }

  /**
   * The periodic notice (called when one falls due, see schedulePeriodic): to every follower
   * when nothing went out for replicaIntervalMs, else to watchers due a renewal.
   */
  tick(): void {
    if (this.nowMs() - this.lastSentMs >= this.replicaIntervalMs) {
      this.broadcast();
      return;
    }
    const source = this.source;
    if (source === null) return;
    const nowMs = this.nowMs();
    let base: Message | null = null;
    for (const [stream, follower] of this.streams) {
      if (follower.watch === null || !this.renewalDue(follower, nowMs)) continue;
      base ??= this.message(source, []);
      this.send(stream, follower, this.reserving(source, follower, base));
    }
  }

  /**
   * A query processor will read at `timestamp` from the replicas named in `replicas` (one per
   * storage shard): send a notice whose decided watermark covers it on those replicas' streams
   * (on every replica's when none is named or one is unknown here). Those streams, not all:
   * under load each transaction's snapshot asked for a notice, and every replica took every one. `reader`: the watching
   * follower (query processor) that asks; it is renewed while it reads.
   */
  request(timestamp: Timestamp, replicas: readonly string[] = [], reader = ''): void {
    this.requestsMs[this.nextRequest] = this.nowMs();
    this.nextRequest = (this.nextRequest + 1) % this.requestsMs.length;
    // A sharded cluster's snapshot is read from a replica of each shard: each is named.
    const targets: Follower[] = [];
    for (const name of replicas) {
      const target = this.named.get(name);
      if (target === undefined || target.watch !== null) {
        targets.length = 0;
        break;
      }
      targets.push(target);
    }
    if (targets.length > 0) for (const target of targets) target.askedMs = this.nowMs();
    else this.unnamedAskedMs = this.nowMs();
    this.renewWhileIdle();
    // A notice already sent covers it (an idle leader's promise mostly does): nothing to send.
    let unmet = false;
    if (targets.length === 0) {
      if (timestamp > this.wanted && timestamp > this.lastSentDecided) {
        this.wanted = timestamp;
        unmet = true;
      }
    }
    for (const target of targets) {
      if (timestamp > target.wanted && timestamp > target.decidedSent) {
        target.wanted = timestamp;
        unmet = true;
      }
    }
    const asking = reader === '' ? undefined : this.named.get(reader);
    if (asking !== undefined && asking.watch !== null) {
      // The reader's own reservation must cover its snapshot (only its: the other watchers may
      // not be reading).
      asking.askedBeforeMs = asking.askedMs;
      asking.askedMs = this.nowMs();
      // It may read now: its renewal may fall due before the periodic timer is set for.
      this.scheduleRenewalOf(asking);
      if (timestamp > asking.wanted) asking.wanted = timestamp;
      if (this.readerShort(asking)) unmet = true;
    } else if (unmet && timestamp > this.watchWanted) {
      this.watchWanted = timestamp;
    }
    if (!unmet || this.scheduled) return;
    this.scheduled = true;
    this.timers.setImmediate(() => this.sendWanted());
  }

  /**
   * The shard of the storage replica connected under `name`, as its subscription said (or its
   * config did); undefined when none is connected so. The trimmer counts a replica added while
   * the cluster runs, which no config names, by this.
   */
  shardOfReplica(name: string): number | undefined {
    const follower = this.named.get(name);
    return follower !== undefined && follower.watch === null ? follower.shard : undefined;
  }

  /**
   * A follower's shard: the one its subscription names when the map has it (a replica's own
   * record), else its name's in the config; undefined (everything) for one neither knows.
   */
  private shardOfFollower(name: string, said: number | undefined): number | undefined {
    if (this.shards === null) return undefined;
    if (said !== undefined && Number.isInteger(said) && said >= 0 && said < this.shards.map.shards) return said;
    return name === '' ? undefined : this.shards.shardOf(name);
  }

  /** Of `records`, what a replica of `shard` applies (all of them for no shard); a record with none stays, empty (positions). */
  private ofShard(records: readonly JournalRecord[], shard: number | undefined): readonly JournalRecord[] {
    return shard === undefined || this.shards === null || records.length === 0 ? records : this.shards.map.route(records, shard);
  }

  /** Of `decisions`, those writing a key of `shard`, with those keys: a read there waits for no other. */
  private decisionsOf(decisions: readonly JournalRecord[], shard: number | undefined): readonly JournalRecord[] {
    const routed = this.ofShard(decisions, shard);
    return routed === decisions ? routed : routed.filter((decision) => decision.writes.length > 0);
  }

  close(): void {
    if (this.renewal !== null) this.timers.clearTimeout(this.renewal);
    this.renewal = null;
    if (this.periodic !== null) this.timers.clearTimeout(this.periodic);
    this.periodic = null;
    this.periodicDueMs = Infinity;
    for (const stream of [...this.streams.keys(), ...this.liveness]) stream.end();
    this.streams.clear();
    this.liveness.clear();
    this.source = null;
  }

  private sendWanted(): void {
    this.scheduled = false;
    const source = this.source;
    const highest = this.unmetWanted();
    if (source === null || highest === 0) return;
    // The decided watermark is at most now().earliest − 1, unless an idle leader promises ahead.
    const waitUs = this.promising() ? 0 : highest + 1 - this.clock.now().earliest;
    if (waitUs > 0) {
      this.scheduled = true;
      this.timers.setTimeout(() => this.sendWanted(), Math.max(1, Math.ceil(waitUs / 1000)));
      return;
    }
    if (this.wanted > this.lastSentDecided) this.broadcast([], this.watchWanted);
    else this.answer(source);
    // Decisions not yet handed out held the watermark back: they go out within the turn.
    if (this.unmetWanted() > 0) {
      this.scheduled = true;
      this.timers.setTimeout(() => this.sendWanted(), 1);
    }
  }

  /** The highest snapshot asked for that no notice sent covers yet (0: none). */
  private unmetWanted(): Timestamp {
    let highest = this.wanted > this.lastSentDecided ? this.wanted : 0;
    for (const follower of this.named.values()) {
      if (this.askedUnmet(follower) && follower.wanted > highest) highest = follower.wanted;
    }
    return highest;
  }

  /** A notice to each replica whose Notify is unmet, and to each watcher whose reservation falls short. */
  private answer(source: NoticeSource): void {
    let base: Message | null = null;
    for (const [stream, follower] of this.streams) {
      const needs = this.askedUnmet(follower) || (follower.watch !== null && follower.reserved < this.watchWanted);
      if (!needs) continue;
      base ??= this.message(source, []);
      this.send(stream, follower, this.reserving(source, follower, base));
    }
  }

  /** True while an idle leader promises ahead of the clock (see IdlePromise). */
  private promising(): boolean {
    const idle = this.idlePromise;
    if (idle === null) return false;
    const nowMs = this.nowMs();
    return nowMs - this.lastDecisionMs >= idle.idleMs && nowMs - this.requestsMs[this.nextRequest]! < idle.readingMs;
  }

  /**
   * Keeps the promise renewed while it stands: a notice at most renewMs after the last one, to
   * each replica a read was named for within readingMs (renewalTargets). The timer runs only
   * while the leader promises, so neither an idle cluster nobody reads nor a busy one pays for
   * it; and only the replicas being read wake for it: a promise renewed on all three replicas'
   * streams every 4 ms woke two processes ~250 times a second each to serve no read, on a
   * 2-core host where every wake-up competes with the reads.
   */
  private renewWhileIdle(known?: [ServerStream, Follower][] | null): void {
    if (this.renewal !== null || this.source === null || this.streams.size === 0 || !this.promising()) return;
    const targets = known !== undefined ? known : this.renewalTargets();
    if (targets !== null && targets.length === 0) return;
    const oldestMs = targets === null ? this.lastSentMs : Math.min(...targets.map(([, follower]) => follower.lastSentMs));
    const delayMs = Math.max(1, Math.ceil(this.idlePromise!.renewMs - (this.nowMs() - oldestMs)));
    this.renewal = this.timers.setTimeout(() => {
      this.renewal = null;
      if (this.source === null || !this.promising()) return;
      // Who is renewed changes with Notify requests, not with the renewal sent here.
      const targets = this.renewalTargets();
      this.renewPromise(targets);
      this.renewWhileIdle(targets);
    }, delayMs);
  }

  /** Sends the renewal to each of `targets` whose last notice is renewMs old (null: broadcast). */
  private renewPromise(targets: [ServerStream, Follower][] | null): void {
    const nowMs = this.nowMs();
    const renewMs = this.idlePromise!.renewMs;
    if (targets === null) {
      if (nowMs - this.lastSentMs >= renewMs) this.broadcast();
      return;
    }
    let base: Message | null = null;
    for (const [stream, follower] of targets) {
      if (nowMs - follower.lastSentMs < renewMs) continue;
      base ??= this.message(this.source!, []);
      this.send(stream, follower, base);
    }
  }

  /**
   * The replicas whose promise is renewed: those a Notify named within readingMs (a read there
   * waits for no notice); null: every follower (broadcast), when a Notify named no replica or
   * one not known here within readingMs. Another replica hears the promise with its periodic
   * notice; a read that moves to it names it in its Notify, is answered on its stream, and
   * from then on it is renewed too.
   */
  private renewalTargets(): [ServerStream, Follower][] | null {
    const nowMs = this.nowMs();
    const readingMs = this.idlePromise!.readingMs;
    if (nowMs - this.unnamedAskedMs < readingMs) return null;
    const targets: [ServerStream, Follower][] = [];
    for (const entry of this.streams) {
      if (entry[1].watch === null && nowMs - entry[1].askedMs < readingMs) targets.push(entry);
    }
    return targets;
  }

  /** What a Notify naming this follower asked for is not covered yet: a replica's by its decided watermark, a watcher's (readerShort) by that or its reservation. */
  private askedUnmet(follower: Follower): boolean {
    return follower.watch === null ? follower.wanted > follower.decidedSent : this.readerShort(follower);
  }

  /** A watcher's Notify asked for a snapshot that neither its reservation nor its decided watermark covers. */
  private readerShort(follower: Follower): boolean {
    return follower.watch !== null && follower.wanted > Math.max(follower.reserved, follower.decidedSent);
  }

  /**
   * A watching follower's periodic renewal is due: it reads (its last two Notify requests came
   * within watcherReadingMs: one look now and then is not reading), and its last notice is
   * intervalMs old.
   */
  private renewalDue(follower: Follower, nowMs: number): boolean {
    return nowMs - follower.lastSentMs >= this.intervalMs && this.readingAt(follower, nowMs);
  }

  /** A watching follower counts as reading at `atMs` (see renewalDue). */
  private readingAt(follower: Follower, atMs: number): boolean {
    return this.watcherReadingMs === Infinity || atMs - follower.askedBeforeMs < this.watcherReadingMs;
  }

  /** When a watching follower's renewal falls due (Infinity: it does not read then, so none). */
  private renewalDueMs(follower: Follower, nowMs: number): number {
    const dueMs = Math.max(nowMs, follower.lastSentMs + this.intervalMs);
    return this.readingAt(follower, dueMs) ? dueMs : Infinity;
  }

  /**
   * When the next periodic notice falls due (tick): the replicas' replicaIntervalMs after the
   * last notice to all, or the earliest renewal of a reading watcher. A notice sent meanwhile
   * only moves these later, and a Notify from a watcher that starts reading moves its own
   * renewal earlier (scheduleRenewalOf).
   */
  private nextPeriodicMs(): number {
    if (this.streams.size === 0) return Infinity;
    const nowMs = this.nowMs();
    let dueMs = this.lastSentMs + this.replicaIntervalMs;
    for (const follower of this.streams.values()) {
      if (follower.watch !== null) dueMs = Math.min(dueMs, this.renewalDueMs(follower, nowMs));
    }
    return dueMs;
  }

  /**
   * Sets the periodic notice's timer for `dueMs`, unless it is already set for earlier. An idle
   * leader then wakes only when a notice is due (every replicaIntervalMs, and every intervalMs
   * per reading watcher), where a tick every intervalMs woke it 50 times a second to find
   * nothing due. A timer that finds nothing due (notices went out meanwhile) is set again.
   */
  private schedulePeriodic(dueMs = this.nextPeriodicMs()): void {
    if (this.source === null || dueMs === Infinity || dueMs >= this.periodicDueMs) return;
    if (this.periodic !== null) this.timers.clearTimeout(this.periodic);
    this.periodicDueMs = dueMs;
    this.periodic = this.timers.setTimeout(() => {
      this.periodic = null;
      this.periodicDueMs = Infinity;
      if (this.source === null) return;
      this.tick();
      this.schedulePeriodic();
    }, Math.max(1, Math.ceil(dueMs - this.nowMs())));
  }

  private scheduleRenewalOf(follower: Follower): void {
    this.schedulePeriodic(this.periodic === null ? this.nextPeriodicMs() : this.renewalDueMs(follower, this.nowMs()));
  }

  private send(stream: ServerStream, follower: Follower, message: Message): void {
    stream.push(message);
    follower.lastSentMs = this.nowMs();
    if (message['decided'] > follower.decidedSent) follower.decidedSent = message['decided'];
    if (message['reserved'] !== undefined) follower.reserved = message['reserved'];
  }

  /** A watching follower's notice, with its keys reserved ahead of the clock. */
  private reserving(source: NoticeSource, follower: Follower, message: Message): Message {
    if (this.reservationUs <= 0 || follower.watch === null) return message;
    const through = this.clock.now().latest + this.reservationUs;
    let covered = through;
    for (const key of follower.watchKeys) covered = Math.min(covered, source.reserveCovered(key, through));
    return { ...message, reserved: covered };
  }

  /** The decided watermark is read after the decisions it covers are chosen. */
  private message(source: NoticeSource, decisions: Message[]): Message {
    const decided = this.promising() ? source.promiseDecided(this.clock.now().latest + this.idlePromise!.aheadUs) : source.decidedWatermark();
    return { epoch: source.epoch, position: source.published, watermark: source.watermark(), decisions, decided, issued: source.lastIssued() };
  }

  private select(decisions: readonly JournalRecord[], watch: Set<string> | null): Message[] {
    if (watch === null) return decisions.map(decisionToMessage);
    const selected: Message[] = [];
    for (const record of decisions) {
      const keys = record.writes.filter((write) => watch.has(latin1Key(write.key))).map((write) => write.key);
      if (keys.length > 0) selected.push(decisionToMessage({ ...record, writes: keys.map((key) => ({ key, value: null })) }));
    }
    return selected;
  }

  private nowMs(): number {
    return this.clock.now().earliest / 1000;
  }
}

/** Durable records to push, the journal's positions through `lastPosition`. */
interface Durable {
  readonly records: readonly JournalRecord[];
  readonly lastPosition: JournalPosition;
}

/**
 * The fields that push `durable` with a notice naming `position` (null: they do not end there,
 * or are too large for one notice; the replicas then read them from etcd).
 */
function pushFields(durable: Durable, position: JournalPosition): { journal_first: JournalPosition; journal_frames: Uint8Array } | null {
  if (durable.lastPosition !== position) return null;
  const frames = encodeBatch(durable.records);
  return frames.length > MAX_PUSH_BYTES ? null : { journal_first: position - durable.records.length + 1, journal_frames: frames };
}
