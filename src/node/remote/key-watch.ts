/**
 * A query processor's view of one key's changes (the catalog version key, which every
 * transaction reads at its snapshot), so that most transactions need no storage round trip for
 * it. The adjudicator leader streams the decisions that write the key, each as soon as it is
 * made, and decided watermarks (proto WatermarkNotice with `watch_keys`): after the stream's
 * first notice, every decision writing the key above that notice's highest issued timestamp F
 * and at or below the latest covered timestamp is on the stream — covered means the decided
 * watermark, or further the leader's reservation (no commit writing the key will get a
 * timestamp at or below it: LocalAdjudicator.reserve). So once a storage read at τ0 ≥ F
 * returned value v, the key's value at any covered τ is still v unless a decision writing it
 * lies in (τ0, τ] — and then, or whenever the stream cannot tell, the caller reads storage again.
 * A decision counts as a change even before it is durable (it may yet be lost with its
 * leader): that only costs a read.
 */
import type { Key } from '../../contracts/kv.js';
import type { Timers, Timestamp } from '../../contracts/time.js';
import type { Message } from '../../env/grpc.js';
import { followLeaderNotices, grpcNoticeSubscriber, type LeaderEpoch, type NoticeSubscriber } from './leader-notices.js';

export type { NoticeSubscriber } from './leader-notices.js';

/** How long a lookup waits for a notice covering its snapshot before reading storage instead. */
const WAIT_FOR_NOTICE_MS = 50;
/** Changes remembered; beyond it the oldest are dropped and older reads go to storage. */
const MAX_CHANGES = 1_000;

interface Waiter {
  readonly timestamp: Timestamp;
  readonly resolve: () => void;
}

export class KeyWatch {
  private call: { cancel(): void } | null = null;
  /** Decisions writing the key with timestamps in (from, through] are all in `changes`. */
  private covered: { from: Timestamp; through: Timestamp } | null = null;
  private changes: Timestamp[] = [];
  private known: { value: Uint8Array | null; at: Timestamp } | null = null;
  private waiters: Waiter[] = [];
  private readonly changeListeners = new Set<(changedAt: Timestamp) => void>();

  constructor(readonly key: Key, private readonly timers: Timers, private readonly subscribe: NoticeSubscriber = grpcNoticeSubscriber) {}

  /**
   * Calls `listener` whenever the key may have changed: a decision writing it came (before it is
   * durable: a read at a later snapshot waits for it), or a stream began (changes before its
   * first notice are not on it). Lets a reader act on a change instead of polling. `changedAt`
   * is a timestamp a read must be at to see the change: the newest decision's commit timestamp,
   * which the leader gives above what it promised readers, so it may be ahead of the reader's
   * clock (a snapshot taken at now() can still miss it); for a stream that began, its first
   * notice's highest issued timestamp. Returns a function that stops the calls.
   */
  onChanged(listener: (changedAt: Timestamp) => void): () => void {
    this.changeListeners.add(listener);
    return () => { this.changeListeners.delete(listener); };
  }

  isKey(key: Key): boolean {
    return Buffer.compare(key, this.key) === 0;
  }

  /** Follows the leader etcd names (null: no leader; the watch answers nothing until one). */
  follow(leader: LeaderEpoch | null): void {
    this.call?.cancel();
    this.call = null;
    this.covered = null;
    this.release(true);
    if (leader === null) return;
    this.call = followLeaderNotices(this.subscribe, this.timers, leader, [this.key], {
      onNotice: (notice, first) => {
        if (first) {
          // Decisions published before the stream began are not on it: they are at or below
          // the highest timestamp issued then (which may be above the decided watermark).
          const from = Math.max(notice['decided'], notice['issued'] ?? Infinity);
          this.covered = { from, through: from };
          this.changes = [];
        }
        this.onNotice(notice);
        const decisions = notice['decisions'] as Message[];
        if (first || decisions.length > 0) {
          let changedAt: Timestamp = first ? this.covered!.from : 0;
          for (const decision of decisions) changedAt = Math.max(changedAt, decision['commit_timestamp'] as Timestamp);
          for (const listener of this.changeListeners) listener(changedAt);
        }
      },
      onEnd: () => {
        this.covered = null;
        this.release(true);
      },
    });
  }

  /**
   * The key's value at τ when the stream can vouch for it (`undefined` otherwise: read storage,
   * then report the result with `observed`).
   */
  async valueAt(timestamp: Timestamp): Promise<{ value: Uint8Array | null } | undefined> {
    if (!this.usable(timestamp)) return undefined;
    if (timestamp > this.covered!.through) {
      await new Promise<void>((resolve) => {
        const waiter: Waiter = { timestamp, resolve };
        this.waiters.push(waiter);
        this.timers.setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve();
        }, WAIT_FOR_NOTICE_MS);
      });
      if (!this.usable(timestamp) || timestamp > this.covered!.through) return undefined;
    }
    const known = this.known!;
    for (let i = this.changes.length - 1; i >= 0; i--) {
      const change = this.changes[i]!;
      if (change <= known.at) break;
      if (change <= timestamp) return undefined;
    }
    return { value: known.value };
  }

  /** A storage read of the key at τ returned `value` (exact: storage waited for any decision on it). */
  observed(value: Uint8Array | null, timestamp: Timestamp): void {
    if (this.known === null || timestamp > this.known.at) this.known = { value, at: timestamp };
  }

  close(): void {
    this.follow(null);
  }

  private usable(timestamp: Timestamp): boolean {
    const covered = this.covered;
    const known = this.known;
    return covered !== null && known !== null && known.at >= covered.from && timestamp >= known.at;
  }

  private onNotice(notice: Message): void {
    for (const decision of notice['decisions'] as Message[]) {
      const at: Timestamp = decision['commit_timestamp'];
      // Kept sorted: a stream's first notice may repeat decisions, the rest come in order.
      let index = this.changes.length;
      while (index > 0 && this.changes[index - 1]! > at) index--;
      this.changes.splice(index, 0, at);
    }
    if (this.changes.length > MAX_CHANGES) {
      // Forgetting changes shrinks what is covered to what is still remembered.
      const dropped = this.changes.splice(0, this.changes.length - MAX_CHANGES);
      this.covered!.from = Math.max(this.covered!.from, dropped[dropped.length - 1]!);
    }
    const through = Math.max(notice['decided'], notice['reserved'] ?? 0);
    if (through > this.covered!.through) this.covered!.through = through;
    this.release(false);
  }

  /** Wakes lookups the latest notice covers (all of them when the stream went away). */
  private release(all: boolean): void {
    if (this.waiters.length === 0) return;
    const through = this.covered?.through ?? -Infinity;
    const ready = all ? this.waiters : this.waiters.filter((w) => w.timestamp <= through);
    if (ready.length === 0) return;
    this.waiters = all ? [] : this.waiters.filter((w) => w.timestamp > through);
    for (const waiter of ready) waiter.resolve();
  }
}
