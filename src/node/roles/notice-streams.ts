/**
 * The adjudicator leader's watermark notices (proto WatermarkNotice) to the nodes that follow it:
 * storage replicas (every decision's keys) and query processors (only decisions writing the
 * keys they watch, e.g. the catalog version key). A notice goes out
 * - with each turn's decisions (before they are durable);
 * - when a query processor asks for one covering a snapshot it is about to read (Notify), as
 *   soon as the clock lets the decided watermark reach it — so an idle read waits for no timer;
 * - otherwise when none went out for `intervalMs` (keeps safe time moving for the rest).
 * Decisions and Notify requests are coalesced: gathered, then written in one flush per event-loop
 * turn, so each stream gets at most one write per turn carrying everything due to it (a turn
 * used to write a notice for its decisions and another for its Notify requests; the leader's
 * writes were its largest Strata-side cost in bench:distributed's profile).
 * A follower that watches keys (a query processor) gets a notice only when it carries a
 * decision writing one of them, when its reservation must be renewed (none for `intervalMs`) or
 * when its reservation does not cover a snapshot asked for: every other notice would wake its
 * process to learn nothing (three QPs woken per decision turn and per Notify, measured in
 * bench:distributed's CPU per commit).
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
}

interface Follower {
  /** Keys (latin1) whose decisions this follower wants; null: all decisions. */
  readonly watch: Set<string> | null;
  readonly watchKeys: readonly Uint8Array[];
  /** When this follower was last sent a notice (ms of the clock's earliest). */
  lastSentMs: number;
  /** The reservation its last notice carried (watching followers). */
  reserved: Timestamp;
}

export class NoticeStreams {
  private readonly streams = new Map<ServerStream, Follower>();
  /** Liveness-only followers: ended with the others on close, sent nothing else. */
  private readonly liveness = new Set<ServerStream>();
  private source: NoticeSource | null = null;
  private lastSentMs = 0;
  private lastSentDecided: Timestamp = 0;
  private wanted: Timestamp = 0;
  /** Decisions handed over and not yet written: they go out, all of them, in the next flush. */
  private pending: JournalRecord[] = [];
  /** A flush is queued for this turn (setImmediate). */
  private flushQueued = false;
  /** A flush waits for the clock to let the decided watermark reach `wanted`. */
  private waitingForClock = false;

  /**
   * `reservationUs`: how far ahead of the clock a watching follower is told its keys will not
   * change (0: not at all); a notice goes out at least every `intervalMs` to renew it.
   */
  constructor(private readonly clock: Clock, private readonly timers: Timers, private readonly intervalMs: number,
    private readonly reservationUs = 0) {}

  /** Starts sending (this node leads). */
  lead(source: NoticeSource): void {
    this.source = source;
  }

  get leading(): boolean {
    return this.source !== null;
  }

  /**
   * A follower connected: its first notice carries every unpublished decision it wants. A
   * liveness-only follower gets that notice (without decisions) and no other.
   */
  add(stream: ServerStream, watchKeys: readonly Uint8Array[], livenessOnly = false): void {
    const source = this.source!;
    if (livenessOnly) {
      this.liveness.add(stream);
      stream.onCancel(() => this.liveness.delete(stream));
      stream.push(this.message(source, []));
      return;
    }
    // Its first notice carries the decisions in flight, pending ones too: write those to the
    // others first, so none reaches the newcomer twice.
    if (this.pending.length > 0) this.flush();
    const follower: Follower = { watch: watchKeys.length > 0 ? new Set(watchKeys.map(latin1Key)) : null, watchKeys, lastSentMs: 0, reserved: 0 };
    this.streams.set(stream, follower);
    stream.onCancel(() => this.streams.delete(stream));
    const decisions = source.decisionsInFlight();
    this.send(stream, follower, this.reserving(source, follower, this.message(source, this.select(decisions, follower.watch))));
  }

  /** Decisions just made: written to the followers that want them in this turn's flush. */
  decided(decisions: readonly JournalRecord[]): void {
    if (this.source === null || decisions.length === 0) return;
    for (const record of decisions) this.pending.push(record);
    this.queueFlush();
  }

  /** A query processor will read at `timestamp`: send a notice whose decided watermark covers it. */
  request(timestamp: Timestamp): void {
    if (!(timestamp > this.wanted)) return;
    this.wanted = timestamp;
    if (!this.waitingForClock) this.queueFlush();
  }

  /**
   * Writes a notice to every follower that wants all decisions, with these decisions, and to
   * each watching follower that needs one (see the class comment): its share of them, its
   * reservation renewed. `wanted`: a snapshot a watching follower's reservation must cover.
   */
  private write(decisions: readonly JournalRecord[] = [], wanted: Timestamp = 0): void {
    const source = this.source;
    if (source === null || this.streams.size === 0) return;
    let all: Message | null = null;
    const base = this.message(source, []);
    const nowMs = this.nowMs();
    for (const [stream, follower] of this.streams) {
      if (follower.watch === null) {
        all ??= decisions.length === 0 ? base : { ...base, decisions: decisions.map(decisionToMessage) };
        this.send(stream, follower, all);
        continue;
      }
      const selected = decisions.length === 0 ? [] : this.select(decisions, follower.watch);
      const renew = nowMs - follower.lastSentMs >= this.intervalMs || follower.reserved < wanted;
      if (selected.length > 0 || renew) this.send(stream, follower, this.reserving(source, follower, selected.length > 0 ? { ...base, decisions: selected } : base));
    }
    this.lastSentMs = nowMs;
    this.lastSentDecided = base['decided'];
  }

  /** The periodic notice: to every follower when nothing went out for the interval, else to watchers due a renewal. */
  tick(): void {
    // A flush queued for this turn sends a notice anyway (and must carry the pending decisions).
    if (this.flushQueued) return;
    if (this.nowMs() - this.lastSentMs >= this.intervalMs) {
      this.write();
      return;
    }
    const source = this.source;
    if (source === null) return;
    const nowMs = this.nowMs();
    let base: Message | null = null;
    for (const [stream, follower] of this.streams) {
      if (follower.watch === null || nowMs - follower.lastSentMs < this.intervalMs) continue;
      base ??= this.message(source, []);
      this.send(stream, follower, this.reserving(source, follower, base));
    }
  }

  close(): void {
    for (const stream of [...this.streams.keys(), ...this.liveness]) stream.end();
    this.streams.clear();
    this.liveness.clear();
    this.pending = [];
    this.source = null;
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    this.timers.setImmediate(() => this.flush());
  }

  /**
   * One write per stream: the pending decisions, and a decided watermark covering the snapshot
   * asked for once the clock allows (else a timer brings the flush back when it does). The
   * decided watermark is read after the pending decisions are taken, so it covers them.
   */
  private flush(): void {
    this.flushQueued = false;
    if (this.source === null) return;
    const decisions = this.pending.splice(0);
    const wanted = this.wanted > this.lastSentDecided ? this.wanted : 0;
    // The decided watermark is at most now().earliest − 1.
    const waitUs = wanted + 1 - this.clock.now().earliest;
    if (decisions.length > 0 || (wanted > 0 && waitUs <= 0)) this.write(decisions, waitUs <= 0 ? wanted : 0);
    if (wanted === 0 || this.wanted <= this.lastSentDecided || this.waitingForClock) return;
    // Not covered yet: the clock is behind the snapshot, or decisions not yet handed out held
    // the watermark back (they come within the turn).
    this.waitingForClock = true;
    this.timers.setTimeout(() => {
      this.waitingForClock = false;
      this.flush();
    }, Math.max(1, Math.ceil(waitUs / 1000)));
  }

  private send(stream: ServerStream, follower: Follower, message: Message): void {
    stream.push(message);
    follower.lastSentMs = this.nowMs();
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
    return { epoch: source.epoch, position: source.published, watermark: source.watermark(), decisions, decided: source.decidedWatermark(), issued: source.lastIssued() };
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
